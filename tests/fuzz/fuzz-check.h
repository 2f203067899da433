/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Invariants shared by the config fuzz targets: a failed check aborts, which libFuzzer (and the
 * corpus replay) reports as a crash; a refusal is one of the documented errors and leaves the
 * output untouched, and its message names the origin and, for -EINVAL, a line within the text
 * and, when it names a column too (a syntax error), a column within that line or just past its
 * end. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ORIGIN "fuzz.json"

static inline void check(bool ok) {
        if (!ok)
                abort();
}

static inline void check_message(const char *msg, int r, const uint8_t *data, size_t size) {
        unsigned lines = 1, line;
        size_t start = 0, length;
        unsigned long column;
        char *end;

        check(msg && msg[0] != '\0');
        check(strncmp(msg, ORIGIN ":", strlen(ORIGIN ":")) == 0);
        if (r != -EINVAL)
                return;
        for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
        line = (unsigned)strtoul(msg + strlen(ORIGIN ":"), &end, 10);
        check(end != msg + strlen(ORIGIN ":") && *end == ':');
        check(line >= 1 && line <= lines);
        if (end[1] < '0' || end[1] > '9')
                return;
        column = strtoul(end + 1, &end, 10);
        check(*end == ':');
        for (unsigned l = 1; l < line; start++)
                l += data[start] == '\n';
        for (length = 0; start + length < size && data[start + length] != '\n'; length++)
                ;
        check(column >= 1 && column <= length + 1);
}

/* A decoder's result r and message msg (freed here) for data: a refusal as above, with out
 * (out_size bytes) still as untouched; a success without a message. Whether it succeeded. */
static inline bool check_result(int r, char *msg, const void *out, const void *untouched,
                                size_t out_size, const uint8_t *data, size_t size) {
        if (r < 0) {
                check(r == -EINVAL || r == -EFBIG || r == -ENOMEM);
                check(memcmp(out, untouched, out_size) == 0);
                if (r != -ENOMEM)
                        check_message(msg, r, data, size);
                free(msg);
                return false;
        }
        check(r == 0);
        check(!msg);
        return true;
}
