/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Enum <-> string tables from one macro, as systemd's DEFINE_STRING_TABLE_LOOKUP. Given
 *
 *         static const char *const foo_table[_FOO_MAX] = { [FOO_A] = "a", [FOO_B] = "b" };
 *         DEFINE_STRING_TABLE_LOOKUP(foo, Foo);
 *
 * it defines foo_to_string(Foo) (NULL for a value outside the table) and
 * foo_from_string(const char *) (-EINVAL for NULL or a name that is not in the table). The
 * _TO_STRING and _FROM_STRING halves exist alone, and the _STATIC variants make them static.
 */
#pragma once

#include <errno.h>
#include <stddef.h>

#include "macro.h"

/* The index of s in table[0..n), or -EINVAL. NULL entries (gaps in the enum) never match. */
static inline int string_table_lookup(const char *const *table, size_t n, const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return (int)i;
        return -EINVAL;
}

#define _DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, scope)                                   \
        scope const char *name##_to_string(type i) {                                               \
                if ((size_t)i >= ELEMENTSOF(name##_table))                                         \
                        return NULL;                                                               \
                return name##_table[i];                                                            \
        }

#define _DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type, scope)                                 \
        scope type name##_from_string(const char *s) {                                             \
                return (type)string_table_lookup(name##_table, ELEMENTSOF(name##_table), s);       \
        }

#define DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)                                           \
        _DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, )
#define DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)                                         \
        _DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type, )
#define DEFINE_STRING_TABLE_LOOKUP(name, type)                                                     \
        DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)                                           \
        DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)
#define DEFINE_PRIVATE_STRING_TABLE_LOOKUP(name, type)                                             \
        _DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, static)                                  \
        _DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type, static)
