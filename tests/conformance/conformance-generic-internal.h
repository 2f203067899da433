/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the files of the generic half of the conformance suite share (conformance-generic.c and
 * its -stream.c and -device.c): one run's state, the steps the checks are made of, each noting
 * its first failure in a "why" string (conformance-internal.h), and the checks. Internal.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conformance-internal.h"
#include "conformance.h"
#include "hisi/mig-state.h"
#include "hisi/vfio-uapi.h"

/* Reads and writes in this many bytes at a time, to prove that the stream does not care how
 * userspace cuts it: not a divisor of any header or data size. */
#define CHUNK 7

/* One run of the suite: the target, the open device and the reference stream. */
typedef struct run {
        conformance *c;
        const conformance_target *t;
        hisi_ctx *ctx;
        hisi_migdev *d;
        uint8_t *image; /* a whole STOP_COPY stream of data_size bytes, once one was read */
} run;

/* Report one check: passed when nothing was noted in why. Frees why. */
void gx_report(run *x, const char *name, char **why);
/* A raw VFIO_DEVICE_FEATURE call: argsz and flags as given, then up to 16 bytes of payload,
 * copied back afterwards as the kernel leaves it. */
int gx_feature_raw(run *x, uint32_t argsz, uint32_t flags, void *payload, size_t size);
/* Read a saving stream to its end (read() 0, or end_error when not 0) in CHUNK reads and expect
 * want bytes. buf (may be NULL) gets them. */
bool gx_expect_stream_bytes(char **why, run *x, hisi_migstream *s, size_t want, uint8_t *buf,
                            int end_error);
/* Write all of buf, in chunks; 0 or the first error. */
int gx_write_all(hisi_migstream *s, const uint8_t *buf, size_t n, size_t chunk);
/* A session that ended refuses every call with -ENODEV. */
bool gx_expect_ended(char **why, hisi_migstream *s, bool saving);
/* Whether a stream fd's access mode is checked (not on the sim backend's sockets), and the
 * check: close-on-exec, and opened only for reading (saving) or writing (resuming). */
bool gx_fd_mode_checked(run *x);
bool gx_expect_fd_mode(char **why, run *x, hisi_migstream *s, int accmode);
/* Back to RUNNING with no session, the device ready to save its full state again; then the
 * target's after_reset. */
bool gx_back_to_running(char **why, run *x);
/* GET MIG_DATA_SIZE: the full data size, or the target's error where the device lacks it; and
 * the name of that check, with where it is made. */
bool gx_expect_data_size(char **why, run *x);
char *gx_data_size_name(run *x, const char *where);
/* From a reset device, reach state the way a user would; a RESUMING session gets the whole
 * reference stream written. ret gets the session opened on the way, or NULL. */
bool gx_reach(char **why, run *x, hisi_mig_state state, hisi_migstream **ret);
/* Whether the device has every one of these migration flags. */
bool gx_has(run *x, uint64_t flag);

/* conformance-generic-device.c */
void gx_check_features(run *x);
void gx_check_pairs(run *x);
void gx_check_blocked(run *x, hisi_mig_state target);
void gx_check_reset(run *x);
void gx_check_adopt(run *x);
void gx_check_close(run *x);

/* conformance-generic-stream.c */
void gx_check_save(run *x);
void gx_check_precopy(run *x);
void gx_check_resume(run *x);
