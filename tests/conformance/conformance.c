/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The conformance suite's bookkeeping (see conformance.h): one line per check, the counts, and
 * the summary line in the form the rest of the test suite prints; and the helpers its halves
 * share (conformance-internal.h).
 */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conformance-internal.h"
#include "conformance.h"
#include "errno-name.h"
#include "parse-util.h"

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

cf_result cf_res(ssize_t r) {
        cf_result out;
        const char *name = r < 0 ? errno_to_name((int)r) : NULL;

        if (name)
                snprintf(out.s, sizeof(out.s), "-%s", name);
        else
                snprintf(out.s, sizeof(out.s), "%zd", r);
        return out;
}

const char *cf_sname(hisi_mig_state s) {
        return hisi_mig_state_to_string(s) ?: "?";
}

bool cf_whyf(char **why, const char *fmt, ...) {
        va_list ap;

        if (*why)
                return false;
        va_start(ap, fmt);
        if (vasprintf(why, fmt, ap) < 0)
                *why = NULL;
        va_end(ap);
        if (!*why)
                *why = strdup("(out of memory)");
        return false;
}

bool cf_expect(char **why, const char *what, ssize_t got, ssize_t want) {
        if (got == want)
                return true;
        return cf_whyf(why, "%s: expected %s, got %s", what, cf_res(want).s, cf_res(got).s);
}

char *cf_namef(const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

void cf_report(conformance *c, const char *label, const char *name, char **why) {
        if (*why)
                conformance_fail(c, label, name, "%s", *why);
        else
                conformance_pass(c, label, name);
        free(*why);
        *why = NULL;
}

bool conformance_kernel_survives_blocked_arc(const char *release) {
        _cleanup_free_ char *s = NULL;
        uint32_t sub;

        if (!release || !strneq(release, "6.12.", STRLEN("6.12.")))
                return false;
        s = strdup(release + STRLEN("6.12."));
        if (!s)
                return false;
        s[strspn(s, "0123456789")] = '\0';
        return safe_atou32(s, &sub) >= 0 && sub >= 96;
}
