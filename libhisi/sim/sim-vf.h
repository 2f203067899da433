/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One simulated HiSilicon accelerator VF as hisi_acc_vfio_pci and the VFIO core present it:
 * the VFIO_DEVICE_FEATURE ioctl with the core's header checks, the migration state machine
 * walked with the shared next-state table (mig-state.h), the hisi driver's arcs, its saving and
 * resuming files (sim-migf.h), reset and open/close semantics, the BAR2 region, and a "guest"
 * whose registers change while the VF runs. Pure logic: no I/O, no clock. The simulated host's
 * server maps sockets onto these calls; unit tests call them directly.
 *
 * Every errno is the one the kernel returns (hisi-vfio-facts.md, sections 1-3, and the kernel
 * source drivers/vfio/vfio_main.c, drivers/vfio/pci/vfio_pci_core.c,
 * drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hisi/kind.h"
#include "macro.h"
#include "hisi/mig-state.h"
#include "sim-migf.h"
#include "sim-profile.h"
#include "hisi/state-image.h"

typedef struct sim_vf sim_vf;

typedef struct sim_vf_config {
        hisi_kind kind;
        uint32_t vf_index;    /* 0-based: the kernel's vf_id is vf_index + 1 */
        uint32_t qp_base;     /* from the PF's VFT: 16 bits */
        uint32_t qp_num;      /* from the PF's VFT, at most 1024; 0 models an unusable VFT */
        uint32_t que_iso_cfg; /* the PF's QM_QUE_ISO_CFG_V */
        uint32_t qm_version;  /* the PF's QM version: 0x30 = V3; migration needs >= 0x30 */
        bool pf_driver_bound; /* the PF is bound to its host driver: migration needs it */
        bool guest_driver;    /* a guest driver runs on the VF (QM_VF_STATE ready) */
        sim_profile profile;
        /* The 2026 series "bugfix some issues under abnormal scenarios" (upstream a22099ed7936,
         * 8be14dd48dfe, 8c6ac1730a97; 6.19.y, 7.0): reset_done resets the migration state on
         * 6.2+ too, and open_device clears match_done. Without it (6.2 to 6.19 as released) a
         * reset leaves the migration state, vf_qm_state and the files as they were, and
         * match_done lives while the driver is bound. 6.1 resets either way (its flags are
         * STOP_COPY only) and checks the header at load. Default: sim_profile_reset_fix(). */
        bool reset_fix;
        uint64_t seed; /* makes the guest's register values differ between VFs and hosts */
} sim_vf_config;

/* -EINVAL for a missing config, an unknown kind or profile, or VFT values that do not fit. */
int sim_vf_new(const sim_vf_config *config, sim_vf **ret);
/* Disables the VF's files; a file still referenced outlives the VF and answers -ENODEV. */
sim_vf *sim_vf_free(sim_vf *vf);

/* The VF's configuration; guest_driver follows sim_vf_set_guest_driver() and state loads. */
const sim_vf_config *sim_vf_get_config(const sim_vf *vf);
/* Whether the driver gave this VF migration ops (VF, PF bound, QM >= V3): else features 1, 2
 * and 9 are -ENOTTY and the whole BAR2 is exposed. */
bool sim_vf_has_migration(const sim_vf *vf);

/*
 * vfio open_device / close_device.
 * open: -EBUSY when already open (a cdev opens once). vfio_pci_core_enable() resets the
 * function (sim_vf_function_reset(): the guest's registers are lost, and reset_done runs as the
 * kernel has it); then RUNNING, whatever the state was. match_done is cleared only with the
 * reset fix (reset_fix; before, once a check succeeded it stays set while the driver is bound).
 * close: disables both files from 6.16 (before, they stay usable, and on 6.2+ without the fix
 * the next open leaves them so too); vfio-pci then resets the function without calling the
 * driver's reset_done, so the registers are lost but the migration state is left as it was (no
 * uAPI call can see it: the next open sets RUNNING).
 */
int sim_vf_open_device(sim_vf *vf);
/* hisi_acc_vfio_pci_probe(): the driver binds the VF, with a new, zeroed device of its own
 * (vfio_alloc_device()): match_done clear, vf_qm_state NOT_READY, no files, closed. What the
 * hardware holds (the guest's registers) stays. */
void sim_vf_probe(sim_vf *vf);
void sim_vf_close_device(sim_vf *vf);
bool sim_vf_is_open(const sim_vf *vf);

/*
 * The VFIO_DEVICE_FEATURE ioctl. buf holds argsz, flags and the payload, buf_size bytes in all
 * (argsz as the caller set it: the core validates it; a payload the core must read or write
 * beyond buf_size is -EFAULT, as an unmapped user buffer would be). -EINVAL when the device is
 * not open. On a MIG_DEVICE_STATE SET that opened a data session, *ret_file gets a new
 * reference to the file (the caller then owns it as the data fd; the payload's data_fd is left
 * for the caller to fill); on other successes *ret_file = NULL; on failure it is untouched.
 * Payload copy-back follows the kernel (the state struct is copied back even on failure, with
 * data_fd = -1). Returns 0 or a negative errno.
 */
int sim_vf_feature(sim_vf *vf, void *buf, size_t buf_size, sim_migf **ret_file);

/* The states the last feature call walked through, states[0] being where it started: only the
 * arcs that succeeded (so the last state is the current one); no arc unless it was a SET. */
const hisi_mig_path *sim_vf_last_path(const sim_vf *vf);

/*
 * A function reset (FLR, the sysfs reset attribute, AER) of a VF bound to hisi_acc_vfio_pci: the
 * guest's registers are lost, then the driver's reset_done runs. hisi_acc_vf_pci_aer_reset_done()
 * returns at once while migration_flags != STOP_COPY, which from 6.2 (STOP_COPY|PRE_COPY) is
 * always, unless the reset fix is in (it tests !mig_ops instead): then, as on 6.1, RUNNING,
 * NOT_READY and both files disabled. Without the fix the migration state, vf_qm_state and the
 * files stay as they were. A VF without migration ops only loses its registers.
 */
void sim_vf_function_reset(sim_vf *vf);
/* VFIO_DEVICE_RESET: sim_vf_function_reset(). -EINVAL when the device is not open (no fd to
 * issue it on). */
int sim_vf_reset(sim_vf *vf);
/* Whether a reset puts this VF's migration state back to RUNNING (6.1, or the reset fix). */
bool sim_vf_reset_restores(const sim_vf *vf);

hisi_mig_state sim_vf_get_state(const sim_vf *vf);

/* BAR2 (VFIO region 2): GET_REGION_INFO's size, and a read or write at an offset within the
 * region, with the VF-controlled mode's limits: size = half the 64 KiB BAR, access at or past
 * the half -EINVAL, an access crossing it clipped; the PF-controlled mode (6.19, QM > V3) and a
 * VF without migration ops expose the whole BAR. Reads give the guest's QM registers at their
 * offsets and 0 elsewhere; writes are accepted and dropped (the simulated guest owns the
 * registers). mmap of [offset, offset+len) is checked with sim_vf_bar2_mmap_check (4 KiB
 * pages: offset page-aligned, len > 0, the page-rounded end within the region). All need the
 * device open (-EINVAL otherwise). */
#define SIM_BAR2_SIZE 0x10000
uint64_t sim_vf_bar2_size(const sim_vf *vf);
ssize_t sim_vf_bar2_rw(sim_vf *vf, uint64_t offset, void *buf, size_t len, bool write);
int sim_vf_bar2_mmap_check(const sim_vf *vf, uint64_t offset, uint64_t len);

/* The guest: advance its registers one step when the VF runs with a guest driver: the device
 * is open (a user drives it) and in a running state. The uAPI defines RUNNING, RUNNING_P2P,
 * PRE_COPY ("running normally but tracking internal state changes") and PRE_COPY_P2P as
 * running; STOP, STOP_COPY, RESUMING and ERROR change nothing. After a function reset the
 * guest driver first sets the VF up again. Returns whether anything changed. */
bool sim_vf_guest_tick(sim_vf *vf);
void sim_vf_set_guest_driver(sim_vf *vf, bool loaded);
/* The guest-visible device state as a save would take it now (176 bytes, or the 40-byte
 * header when no guest driver has set the VF up since it was loaded or the function reset:
 * QM_VF_STATE not ready; -EINVAL when the VFT is unusable, as the save would be), and a
 * digest of the guest's registers that does not depend on the host (not the match header, not
 * the derived eqe/aeqe DMA words): equal digests mean a migrated VF holds exactly what the
 * source held. */
int sim_vf_snapshot(const sim_vf *vf, hisi_state_image *ret);
uint64_t sim_vf_guest_digest(const sim_vf *vf);

/* Fault injection. An arc fault fails the arc from -> to with error (a negative errno) once or
 * every time, before the arc does anything; the driver stays at the last arc that worked. A new
 * fault on the same arc replaces the old one; -ENOSPC past SIM_VF_FAULTS_MAX arcs. corrupt
 * flips the byte at offset (< 176) of the next saved stream (xor 0xff) as it is read. */
#define SIM_VF_FAULTS_MAX 16
int sim_vf_fault_arc(sim_vf *vf, hisi_mig_state from, hisi_mig_state to, int error, bool once);
int sim_vf_fault_corrupt(sim_vf *vf, size_t offset);
void sim_vf_fault_clear(sim_vf *vf);

DEFINE_TRIVIAL_CLEANUP_FUNC(sim_vf *, sim_vf_free);
