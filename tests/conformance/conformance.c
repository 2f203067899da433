/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The conformance suite's bookkeeping (see conformance.h): one line per check, the counts, and
 * the summary line in the form the rest of the test suite prints.
 */

#include <stdarg.h>

#include "conformance.h"

void conformance_init(conformance *c, FILE *out) {
        *c = (conformance){ .out = out ? out : stdout };
}

bool conformance_pass(conformance *c, const char *label, const char *name) {
        c->passed++;
        fprintf(c->out, "ok - %s: %s\n", label, name);
        fflush(c->out);
        return true;
}

bool conformance_fail(conformance *c, const char *label, const char *name, const char *why_fmt,
                      ...) {
        va_list ap;

        c->failed++;
        fprintf(c->out, "FAIL - %s: %s: ", label, name);
        va_start(ap, why_fmt);
        vfprintf(c->out, why_fmt, ap);
        va_end(ap);
        fputc('\n', c->out);
        fflush(c->out);
        return false;
}

void conformance_note(conformance *c, const char *fmt, ...) {
        va_list ap;

        fputs("# ", c->out);
        va_start(ap, fmt);
        vfprintf(c->out, fmt, ap);
        va_end(ap);
        fputc('\n', c->out);
        fflush(c->out);
}

int conformance_summary(conformance *c) {
        fprintf(c->out, "%u passed, %u failed\n", c->passed, c->failed);
        fflush(c->out);
        return c->failed == 0 && c->passed > 0 ? 0 : 1;
}
