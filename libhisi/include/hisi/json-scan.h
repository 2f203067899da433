/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The text side of strict JSON decoding (json-util.h): a scanner that walks JSON text without
 * building a tree, to apply the rules json-c does not, to find where a path stands (the lines of
 * messages), and to write paths and strings as messages print them. Public through json-util.h:
 * hisi_json_locate() and hisi_json_line_column(); the rest is for json-util.c.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

/* The largest text accepted, and the deepest nesting of objects and arrays ("{}" is 1 level). */
#define HISI_JSON_SIZE_MAX  (1024u * 1024u)
#define HISI_JSON_DEPTH_MAX 32u

/* Where a value stands in the text. */
typedef struct hisi_json_position {
        size_t offset;       /* the member's key (its opening quote), or the element/root value */
        unsigned line;       /* of offset, from 1 */
        unsigned column;     /* of offset, in bytes from 1 */
        size_t value_offset; /* the value's text: value_length bytes from value_offset */
        size_t value_length;
} hisi_json_position;

/*
 * Find path in text. A path is a sequence of member names and array indices, as the messages
 * print them: "pfs[1].qp_per_vf", "[0]", "" (the root); a name that is not plain (empty, or with
 * one of . [ ] " \ or a control character) is written as a JSON string in brackets:
 * "pfs[0][\"a.b\"]". Returns 1 and the position when the path is there, 0 and the position of
 * its deepest ancestor that is there when it is not (a missing key is reported at its object),
 * -EINVAL for a malformed path or a text that is malformed before the path is found, -EFBIG for
 * a text over HISI_JSON_SIZE_MAX. The text is scanned once, up to the path, without building a
 * tree.
 */
int hisi_json_locate(const char *text, size_t len, const char *path, hisi_json_position *ret);

/* The line and column (from 1; columns count bytes) of a byte offset, which may be len. */
void hisi_json_line_column(const char *text, size_t len, size_t offset, unsigned *ret_line,
                           unsigned *ret_column);

/* ---- For json-util.c ---- */

/* One step of a path: a member name (key, key_len bytes) or, when key is NULL, an index. */
typedef struct hisi_json_step {
        const char *key;
        size_t key_len;
        size_t index;
} hisi_json_step;

/* How much of a key or a value a message quotes. */
#define HISI_JSON_QUOTE_MAX 64

/*
 * The checks json-c does not make, on a text json-c accepted: duplicate keys, numbers with a
 * leading zero ("01"), "1.", raw control characters, invalid UTF-8, unpaired surrogates and
 * \u0000 in strings, nesting deeper than HISI_JSON_DEPTH_MAX. 0, or -EINVAL and the message
 * ("<origin>:<line>:<column>: …" or "<origin>:<line>: <path>: duplicate key"), or -ENOMEM.
 */
int hisi_json_scan_check(const char *text, size_t len, const char *origin, char **ret_error);
/* hisi_json_locate() with the path as steps. */
int hisi_json_scan_locate(const char *text, size_t len, const hisi_json_step *steps, size_t n,
                          hisi_json_position *ret);

/* A path as messages print it: pfs[1].vfs, ["a.b"][0]; long names are cut. */
void hisi_json_write_path(FILE *f, const hisi_json_step *steps, size_t n);
/* s as a JSON string, cut after HISI_JSON_QUOTE_MAX bytes ("..." marks the cut). */
void hisi_json_write_quoted(FILE *f, const char *s, size_t len);
/* The length of s[0..len) cut to at most max bytes without splitting a UTF-8 sequence. */
size_t hisi_json_utf8_cut(const char *s, size_t len, size_t max);
