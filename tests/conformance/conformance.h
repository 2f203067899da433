/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The conformance suite of migration devices: checks written once on the backend-neutral migdev
 * API (libhisi/migdev.h), so that the same checks run against whatever serves a device: the real
 * kernel's mtty sample device in a guest (tests/kernel/), the simulated host hisi-accsim, real
 * hardware. The generic half (conformance-generic.c) checks the VFIO migration v2 uAPI as every
 * driver implements it; a device-specific half (hisi's stream and compatibility rules) sits
 * beside it. A target description says what to open and what the device is expected to do where
 * the uAPI leaves room.
 *
 * Each check prints one line, "ok - <label>: <name>" or "FAIL - <label>: <name>: <what was
 * expected and what came>"; the caller prints the summary line "N passed, M failed" once, at the
 * end, with conformance_summary().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctx.h"
#include "migdev.h"

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

/* Print "N passed, M failed" alone on a line. Returns 0 when nothing failed and something
 * passed, else 1: a process exit status. */
int conformance_summary(conformance *c);
