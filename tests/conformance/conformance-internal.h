/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the halves of the conformance suite share (conformance-generic.c, conformance-hisi.c):
 * how a check notes its first failure, how results and states are written in the messages,
 * and how one check is reported. Internal to the suite.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "conformance.h"
#include "macro.h"
#include "hisi/mig-state.h"

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
