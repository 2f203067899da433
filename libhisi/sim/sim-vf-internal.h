/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the simulated VF's files (sim-vf.c, sim-vf-migration.c, sim-vf-feature.c) and its
 * migration files (sim-migf.c) share and nobody else sees: the VF's fields (the kernel's struct
 * hisi_acc_vf_core_device and what vfio-pci keeps), the migration file's fields (struct
 * hisi_acc_vf_migration_file), and the calls between them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim-guest.h"
#include "sim-migf.h"
#include "sim-vf.h"
#include "hisi/state-image.h"

typedef struct arc_fault {
        hisi_mig_state from;
        hisi_mig_state to;
        int error;
        bool once;
} arc_fault;

struct sim_vf {
        sim_vf_config config;
        uint64_t mig_flags; /* the driver's migration_flags */
        bool open;

        /* struct hisi_acc_vf_core_device */
        hisi_mig_state mig_state;
        uint32_t vf_qm_state; /* the driver's view: QM_READY or QM_NOT_READY */
        bool match_done;
        sim_migf *saving_migf; /* the driver's references to the current files */
        sim_migf *resuming_migf;

        bool pm_engaged; /* vfio-pci: low power entered (pm_runtime_engaged) */
        sim_migf *files; /* every live file of this VF, current or disabled */
        hisi_mig_path last_path;
        sim_guest guest;

        arc_fault faults[SIM_VF_FAULTS_MAX];
        size_t n_faults;
        bool corrupt_armed;
        size_t corrupt_offset;
};

struct sim_migf {
        unsigned n_ref;
        bool saving;        /* O_RDONLY saving file, else O_WRONLY resuming file */
        bool disabled;      /* the session ended: every call is -ENODEV */
        bool precopy_ioctl; /* a saving file of a kernel with PRE_COPY has the ioctl (6.2+) */
        /* The device. It stays set after the file is disabled (the kernel's precopy ioctl looks
         * at the device's state before it looks at the file), and is cleared only when the VF
         * itself goes away. */
        sim_vf *vf;
        sim_migf *vf_next, *vf_prev; /* the VF's list of live files */
        /* The kernel's vf_data: the bytes of the stream, and for a saving file the decoded form
         * the driver filled them from. */
        hisi_state_image img;
        uint8_t data[HISI_STATE_IMAGE_SIZE];
        size_t total; /* total_length */
        size_t pos;   /* f_pos */
        /* Fault injection: the byte at this offset reads back xor 0xff. */
        bool corrupt;
        size_t corrupt_offset;
};

/* A new file of the VF with one reference (the caller's), on the VF's list of live files. */
int sim_migf_new(sim_vf *vf, bool saving, sim_migf **ret);
/* hisi_acc_vf_disable_fd(): disabled, total and pos 0. The caller drops its reference. */
void sim_migf_disable(sim_migf *f);

/* The VF's side: its list of live files (so that a VF that goes away detaches them), and the
 * compatibility check a resume write runs (vf_qm_check_match). */
void sim_vf_attach_file(sim_vf *vf, sim_migf *f);
void sim_vf_detach_file(sim_vf *vf, sim_migf *f);
int sim_vf_resume_check(sim_vf *vf, sim_migf *f);

/* QM_VF_STATE bit 0 clear: a guest driver has set the VF up (hisi_qm_set_state(QM_READY)),
 * and not since a function reset wiped it. */
static inline bool sim_vf_guest_ready(const sim_vf *vf) {
        return vf->config.guest_driver && vf->guest.initialized;
}

/* sim-vf.c: the last path back to the current state alone; hisi_acc_vf_disable_fds(), which
 * ends both sessions and drops the driver's references. */
void sim_vf_reset_last_path(sim_vf *vf);
void sim_vf_disable_fds(sim_vf *vf);

/* sim-vf-migration.c: hisi_acc_vfio_pci_set_device_state(), arc by arc to target; a file the
 * last arc opened in *ret_file. */
int sim_vf_set_device_state(sim_vf *vf, uint32_t target, sim_migf **ret_file);
