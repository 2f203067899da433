/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The conformance suite of migration devices: checks written once on the backend-neutral migdev
 * API (libhisi/migdev.h), so that the same checks run against whatever serves a device: the real
 * kernel's mtty sample device in a guest (tests/kernel/), the simulated host hisi-accsim, real
 * hardware. The generic half (conformance-generic.c) checks the VFIO migration v2 uAPI as every
 * driver implements it; the hisi half (conformance-hisi.c) checks what hisi_acc_vfio_pci does
 * where the uAPI leaves room, per kernel version. A target description says what to open and
 * what the device is expected to do; hisi-conformance runs both halves on a hisi VF.
 *
 * Each check prints one line, "ok - <label>: <name>" or "FAIL - <label>: <name>: <what was
 * expected and what came>"; the caller prints the summary line "N passed, M failed" once, at the
 * end, with conformance_summary().
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hisi/ctx.h"
#include "hisi/migdev.h"

typedef struct conformance_target {
        const char *label;     /* prefix of every check name, e.g. "cdev" */
        hisi_backend backend;  /* the migdev backend that serves the device */
        const char *device;    /* the name hisi_migdev_open() takes: a PCI address, a UUID */
        const char *path_kind; /* what hisi_migdev_path_kind() must say, or NULL for any */

        uint64_t flags;     /* VFIO_DEVICE_FEATURE_MIGRATION: mtty 0x7, hisi 0x5 */
        size_t header_size; /* the bytes of a PRE_COPY session: mtty 24, hisi 40 */
        size_t data_size;   /* MIG_DATA_SIZE and a whole STOP_COPY stream: mtty-2 96, hisi 176 */

        /* A byte of the header whose change the device must refuse on resume (in the magic),
         * and the write() error that refuses it: -EFAULT for mtty and hisi. */
        size_t corrupt_offset;
        int corrupt_header_error;
        int short_stream_error;    /* RESUMING -> STOP with data_size - 1 bytes: -EINVAL */
        int overflow_error;        /* a write() beyond data_size: -ENOMEM */
        int precopy_end;           /* read() at the end of a PRE_COPY session: 0, or -ENOMSG */
        int unknown_feature_error; /* a feature number the device does not know: -ENOTTY */
        /* MIG_DATA_SIZE (feature 9, from 6.2): 0 where the kernel has it, else the error every
         * call of it gives (-ENOTTY: hisi on 6.1). */
        int data_size_error;

        /* The device-specific half checks how a corrupted header is refused, because when the
         * device checks it depends on the kernel and on the device's history (hisi: at
         * RESUMING -> STOP before 6.2; from 6.2 in write(), but only until a check first
         * passed, which lasts while the driver is bound): the generic check is left out. */
        bool header_check_elsewhere;

        /* Called after each reset of the device (may be NULL): waits until the device can
         * save its full state again (hisi: until a guest driver set the VF up after the FLR,
         * QM_VF_STATE ready). Returns 0, or a negative errno that fails the check. */
        int (*after_reset)(hisi_migdev *d, void *userdata);
        void *userdata;

        /* What VFIO_DEVICE_RESET and closing do, where drivers differ:
         *   reset_keeps_state: the reset leaves the migration state and the data sessions as
         *   they were (hisi on 6.2 to 6.19 without upstream 8be14dd48dfe: its reset_done returns
         *   early); the suite then returns to RUNNING by closing the device and opening it again;
         *   open_sets_running: opening the device puts it in RUNNING (hisi; not mtty, which keeps
         *   its state across close and open);
         *   close_keeps_sessions: closing the device leaves its data sessions usable (hisi before
         *   6.16). */
        bool reset_keeps_state;
        bool open_sets_running;
        bool close_keeps_sessions;

        /* Also send STOP_COPY -> PRE_COPY(_P2P) itself, past the planner, and expect -EINVAL.
         * Only for a kernel known to have the fix for the endless loop (6.12.96 and later in
         * 6.12.y): kernels 6.2 and later without it spin forever on that request. */
        bool send_blocked_arc;
} conformance_target;

typedef struct conformance {
        FILE *out;
        unsigned passed;
        unsigned failed;
} conformance;

void conformance_init(conformance *c, FILE *out);

/* Record one check and print its line. Both return whether the check passed, so that a caller
 * may stop at a failure; why is printf-style. */
bool conformance_pass(conformance *c, const char *label, const char *name);
bool conformance_fail(conformance *c, const char *label, const char *name, const char *why_fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Print a comment line ("# ..."), which counts as no check. */
void conformance_note(conformance *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The generic half: opens t->device through ctx (whose VFIO path setting applies), runs every
 * check, closes the device. The device's state does not matter on entry (it is reset first); on
 * return it is whatever closing the device left (the last check closes it with a session open).
 * Returns 0 when the checks ran (passed or not), -EINVAL for a bad target, or the error of
 * opening the device (reported as a failed check).
 */
int conformance_run_generic(conformance *c, hisi_ctx *ctx, const conformance_target *t);

/* --- The hisi half (conformance-hisi.c) --- */

/* Which kernel's hisi_acc_vfio_pci the device behaves like (facts page, section 3.8). Distro
 * kernels carry backports: Debian's 6.12.117 behaves like 6.16. */
typedef enum conformance_hisi_kernel {
        CONFORMANCE_HISI_6_1,  /* STOP_COPY only, no MIG_DATA_SIZE, header checked at RES -> ST */
        CONFORMANCE_HISI_6_2,  /* PRE_COPY, MIG_DATA_SIZE, header checked in write() from byte 40 */
        CONFORMANCE_HISI_6_16, /* V2 magic with version 1.0 sent (V1 taken), the zero-DMA load */
        CONFORMANCE_HISI_6_19, /* PF-controlled BAR2; the reset fix (below) by default */
        _CONFORMANCE_HISI_KERNEL_MAX,
        _CONFORMANCE_HISI_KERNEL_INVALID = -EINVAL,
} conformance_hisi_kernel;

const char *conformance_hisi_kernel_to_string(conformance_hisi_kernel k); /* "6.1" ... "6.19" */
conformance_hisi_kernel conformance_hisi_kernel_from_string(const char *s);
/* Whether the kernel has the reset fix by default: 6.19 (6.19.y). */
bool conformance_hisi_reset_fix(conformance_hisi_kernel k);

typedef struct conformance_hisi_target {
        const char *label;
        hisi_backend backend;
        const char *device; /* the VF's PCI address */
        conformance_hisi_kernel kernel;
        bool pf_ctrl; /* BAR2 exposed whole: 6.19 with a PF whose QM is newer than V3 */
        /* The 2026 fix series of hisi_acc_vfio_pci (upstream 8be14dd48dfe, 8c6ac1730a97; 6.19.y,
         * 7.0): a reset (VFIO_DEVICE_RESET, FLR) puts the VF back to RUNNING with its sessions
         * disabled, and opening the device clears match_done. Without it (6.2 to 6.19 as
         * released) a reset changes nothing of the migration state, and match_done lasts while
         * the driver is bound. 6.1 resets either way. conformance_hisi_reset_fix() gives the
         * kernel's default. */
        bool reset_fix;
        uint16_t device_id; /* the VF's PCI device ID, dev_id in the stream; 0: not checked */

        /* Optional capabilities, NULL where the target has none (a real host). Each returns 0
         * or a negative errno.
         *   set_guest_driver: load or unload the VF's guest driver (hisi-accsim ctl guest);
         *   fault_arc: fail the next from -> to arc with error (a negative errno), once;
         *   fault_clear: remove the VF's faults;
         *   rebind: unbind the VF from hisi_acc_vfio_pci and bind it again (called with the
         *   device closed);
         *   function_reset: reset the VF from outside the device fd (sysfs reset, an FLR). */
        int (*set_guest_driver)(void *userdata, bool loaded);
        int (*fault_arc)(void *userdata, hisi_mig_state from, hisi_mig_state to, int error);
        int (*fault_clear)(void *userdata);
        int (*rebind)(void *userdata);
        int (*function_reset)(void *userdata);
        void *userdata;
} conformance_hisi_target;

/* The generic half's target for a hisi VF of this kernel: flags 0x1 or 0x5, header 40, data
 * 176, the magic corrupted (the header checks themselves are the hisi half's), -EINVAL for a
 * short stream, -ENOMEM past 176, read() 0 at the end of PRE_COPY, -ENOTTY for an unknown
 * feature (and for MIG_DATA_SIZE on 6.1), the guest waited for after each reset, a reset that
 * keeps the state on 6.2+ without the reset fix, open that sets RUNNING, sessions that outlive
 * a close before 6.16. -EINVAL for a bad target. send_blocked_arc is left false: the caller
 * knows whether the kernel survives. */
int conformance_hisi_generic_target(const conformance_hisi_target *h, conformance_target *ret);

/* Wait (10 s at most) until a guest driver has set the VF up, which is what vf_qm_state_save()
 * looks for before it saves more than the match data: QM_VF_STATE (BAR2 0x60) bit 0 clear.
 * -ETIMEDOUT when it never is. For conformance_target.after_reset; userdata is unused. */
int conformance_hisi_wait_guest(hisi_migdev *d, void *userdata);

/*
 * The hisi half: the stream (acc_vf_data, its magic per kernel), PRE_COPY and PRECOPY_INFO,
 * the saves with and without a guest driver, the compatibility check and its quirks, the
 * resume limits, failed arcs, BAR2, the loads that carry no state. Opens t->device itself and
 * closes it at the end. From 6.2 hisi checks a header only until a check first passes, and
 * that lasts while the driver is bound (6.19: until the device is opened again): run this
 * half on a VF that nothing resumed since it was bound, before the generic half. Returns 0 when
 * the checks ran, -EINVAL for a bad target, or the error of opening the device.
 */
int conformance_run_hisi(conformance *c, hisi_ctx *ctx, const conformance_hisi_target *t);

/*
 * Whether sending STOP_COPY -> PRE_COPY to a running kernel (uname's release) is safe: "vfio:
 * prevent infinite loop in vfio_mig_get_next_state() on blocked arc" is in 6.12.y from 6.12.96
 * on (Debian's changelog); every other kernel from 6.2 on is assumed to spin on it.
 */
bool conformance_kernel_survives_blocked_arc(const char *release);

/* Print "N passed, M failed" alone on a line. Returns 0 when nothing failed and something
 * passed, else 1: a process exit status. */
int conformance_summary(conformance *c);
