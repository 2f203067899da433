/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the halves of the conformance suite share (conformance-generic*.c, conformance-hisi*.c):
 * how a check notes its first failure, how results and states are written in the messages,
 * how one check is reported (conformance.c), and the steps both make on a device
 * (conformance-steps.c). Internal to the suite.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "conformance.h"
#include "macro.h"
#include "hisi/mig-state.h"
#include "hisi/vfio-uapi.h"

/* The states, short, as the checks name them. */
#define ST HISI_MIG_STATE_STOP
#define RU HISI_MIG_STATE_RUNNING
#define SC HISI_MIG_STATE_STOP_COPY
#define RE HISI_MIG_STATE_RESUMING
#define RP HISI_MIG_STATE_RUNNING_P2P
#define PC HISI_MIG_STATE_PRE_COPY
#define PP HISI_MIG_STATE_PRE_COPY_P2P

/* A call's result as the messages show it: "-EINVAL", "0", "96". */
typedef struct cf_result {
        char s[32];
} cf_result;

cf_result cf_res(ssize_t r);
/* A state's name, "?" for none. */
const char *cf_sname(hisi_mig_state s);

/* Note the first failure of a check in *why; returns false, for "return cf_whyf(...)". */
_printf_(2, 3) bool cf_whyf(char **why, const char *fmt, ...);
/* got == want, or note "what: expected W, got G". */
bool cf_expect(char **why, const char *what, ssize_t got, ssize_t want);
/* A check's name, formatted; NULL when out of memory (callers fall back to a fixed name). */
_printf_(1, 2) char *cf_namef(const char *fmt, ...);

/* Report one check: passed when nothing was noted in *why. Frees *why and clears it. */
void cf_report(conformance *c, const char *label, const char *name, char **why);

/* The device is in want, or note what it is in. */
bool cf_expect_state(char **why, hisi_migdev *d, hisi_mig_state want);
/* Set a state through the planner and expect a new session or none; *ret (may be NULL) gets
 * it. */
bool cf_set_expect(char **why, hisi_migdev *d, hisi_mig_state new, bool want_stream,
                   hisi_migstream **ret);
/* SET MIG_DEVICE_STATE through the raw feature call, past the planner: *ret (may be NULL) gets
 * the payload as the kernel leaves it (copied back even on failure); a session the call opened
 * anyway is closed. */
int cf_set_raw(hisi_migdev *d, uint32_t state, hisi_vfio_feature_mig_state *ret);
/* From RUNNING, reach state through the planner; *ret gets the session opened on the way, or
 * NULL. */
bool cf_reach(char **why, hisi_migdev *d, hisi_mig_state state, hisi_migstream **ret);
/* The device closed and opened again. */
bool cf_reopen(char **why, hisi_ctx *ctx, hisi_backend backend, const char *device,
               hisi_migdev **d);
/* Back to RUNNING with no session: VFIO_DEVICE_RESET where the reset does that, else closing the
 * device and opening it again. */
bool cf_back_to_running(char **why, hisi_ctx *ctx, hisi_backend backend, const char *device,
                        hisi_migdev **d, bool reset_restores);
