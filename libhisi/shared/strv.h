/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* NULL-terminated string lists (char **), as systemd's strv: each string and the list malloc()ed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* Free every string and the list; NULL is fine. Returns NULL. */
char **strv_free(char **l);
static inline void strv_freep(char ***l) {
        strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
bool strv_contains(char *const *l, const char *s);
/* A copy of l (an empty list for NULL), or NULL when out of memory. */
char **strv_copy(char *const *l);
/* Append s, taking it (freed on failure): 0 or -ENOMEM. *l may be NULL. */
int strv_consume(char ***l, char *s);
/* Append a copy of s: 0 or -ENOMEM. */
int strv_extend(char ***l, const char *s);
