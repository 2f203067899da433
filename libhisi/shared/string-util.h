/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* String helpers every program needs: NULL-tolerant comparison and printing. */
#pragma once

#include <stdbool.h>
#include <string.h>

#include "macro.h"

/* Equal strings, or both NULL. */
static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return streq(a, b);
}

/* s, or "" for NULL. */
static inline const char *strempty(const char *s) {
        return s ?: "";
}

/* s, or "n/a" for NULL: for messages. */
static inline const char *strna(const char *s) {
        return s ?: "n/a";
}

static inline bool isempty(const char *s) {
        return !s || !*s;
}

/* The rest of s after prefix, or NULL when s does not start with it. */
static inline const char *startswith(const char *s, const char *prefix) {
        size_t n = strlen(prefix);

        return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}
