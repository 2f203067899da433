/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict decoding of JSON configuration files and records into json-c trees, with errors that
 * say where:
 *
 *   - hisi_json_parse(): one pass of our own grammar builds the json-c tree and records where
 *     each value stands; it applies size and nesting limits and refuses, with "line:column",
 *     what json-c would let through (duplicate keys, which json-c silently merges, single
 *     quotes, NaN, comments, numbers with leading zeros, raw control characters and invalid
 *     UTF-8 in strings, unpaired surrogates and \u0000). Integers are exact: one beyond 64 bits
 *     is never clamped, an integer getter refuses it;
 *   - a decoding context (hisi_json_ctx) with typed getters that record the first error as one
 *     message "<origin>:<line>: <path>: <reason>", e.g.
 *         sim.json:7: pfs[1].vfs: expected an integer from 0 to 255, got "four"
 *   - hisi/json-dispatch.h decodes a whole object through a table of its fields.
 *
 * Every function returns a negative errno on failure: -EINVAL for bad input, -EFBIG for a text
 * over HISI_JSON_SIZE_MAX, -ENOMEM. Messages are returned to the caller, never logged.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* The largest text accepted, and the deepest nesting of objects and arrays ("{}" is 1 level). */
#define HISI_JSON_SIZE_MAX  (1024u * 1024u)
#define HISI_JSON_DEPTH_MAX 32u

/* Read a JSON file for decoding: a regular file of at most HISI_JSON_SIZE_MAX bytes. Never waits:
 * a FIFO or a device is refused without waiting for a writer. On failure *ret_error (may be
 * NULL) gets "<path>: <reason>". -EISDIR, -EINVAL (not a regular file), -EFBIG (too large), or
 * the errno of opening or reading it. */
int hisi_json_read_file(const char *path, char **ret_text, size_t *ret_len, char **ret_error);

/*
 * Parse a whole text into one JSON value (which may be null: *ret = NULL then). Errors:
 *   -EFBIG   "<origin>: too large: 2000000 bytes, the limit is 1048576"
 *   -EINVAL  "<origin>:3:17: syntax error: object value separator ',' expected"
 *            "<origin>:1:33: nesting deeper than 32 levels"
 *            "<origin>:5: pfs[0].vfs: duplicate key"
 * Columns count bytes from 1. origin names the text in messages (a file name); NULL is "input".
 * On failure *ret is untouched and *ret_error (when not NULL) gets the message, which the caller
 * frees; it is NULL only for -ENOMEM.
 */
int hisi_json_parse(const char *text, size_t len, const char *origin, json_object **ret,
                    char **ret_error);

/*
 * The decoding context: the parsed tree, the text it came from (for lines) and the first error.
 */
typedef struct hisi_json_ctx hisi_json_ctx;

/* Parse (as hisi_json_parse) and make a context. The text must stay unchanged and alive as long
 * as the context: lines and the "got …" of messages are read from it. */
int hisi_json_ctx_new(const char *text, size_t len, const char *origin, hisi_json_ctx **ret,
                      char **ret_error);
/* A context over a tree that has no text (built in memory, or received already parsed): its
 * messages carry no line, "<origin>: <path>: <reason>". Takes a reference on root. */
int hisi_json_ctx_new_object(json_object *root, const char *origin, hisi_json_ctx **ret);
hisi_json_ctx *hisi_json_ctx_free(hisi_json_ctx *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(hisi_json_ctx *, hisi_json_ctx_free);

/* The first error recorded (NULL when none) and its negative errno (0 when none). */
const char *hisi_json_ctx_error(const hisi_json_ctx *c);
int hisi_json_ctx_error_code(const hisi_json_ctx *c);
/*
 * End a decode that returned r: when r < 0, hand the first error's message to *ret_error (when
 * not NULL; a message naming only the origin and strerror(r) when nothing was recorded, such as
 * for -ENOMEM from the caller's own code). Returns r, so that a decoder ends with
 * "return hisi_json_ctx_finish(ctx, r, ret_error);".
 */
int hisi_json_ctx_finish(hisi_json_ctx *c, int r, char **ret_error);

/*
 * A value of the tree with its place in it, so that an error can name its path and line.
 * Values live on the caller's stack; a value points to its parent, which must outlive it. The
 * fields are read-only for the caller.
 */
typedef struct hisi_json_value {
        hisi_json_ctx *ctx;
        const struct hisi_json_value *parent; /* NULL for the root */
        json_object *object;                  /* NULL for JSON null */
        const char *key;                      /* the member name in parent, or NULL */
        size_t index;                         /* the element index in parent when key is NULL */
        const struct hisi_json_node *node;    /* where it stands in the text; NULL if nowhere */
} hisi_json_value;

void hisi_json_root(hisi_json_ctx *c, hisi_json_value *ret);
json_type hisi_json_type(const hisi_json_value *v);

/*
 * Record an error about v (the first one recorded wins; later ones only return their code):
 * "<origin>:<line>: <path>: <reason>". hisi_json_reject() appends ", got <v>" (the value as
 * written, shortened when long) and returns -EINVAL; hisi_json_error() returns error.
 */
int hisi_json_error(const hisi_json_value *v, int error, const char *fmt, ...) _printf_(3, 4);
int hisi_json_reject(const hisi_json_value *v, const char *fmt, ...) _printf_(2, 3);
/* "<path-of-obj>: missing required key \"<key>\"", at the object's line; returns -EINVAL. */
int hisi_json_missing(const hisi_json_value *obj, const char *key);
/* "<path-of-obj>.<key>: unknown key", at the member's line; returns -EINVAL. */
int hisi_json_unknown_key(const hisi_json_value *obj, const char *key);
/* A value below obj for an error about a member that may be absent (say, a default that
 * conflicts with another member): its path names the key, its line is the member's or obj's. */
void hisi_json_member_path(const hisi_json_value *obj, const char *key, hisi_json_value *ret);

/*
 * Structure. hisi_json_member(): 1 and *ret when obj has the key (its value may be null), 0 when
 * not (*ret untouched), -EINVAL when obj is not an object. hisi_json_check_keys(): -EINVAL for
 * the first member (in the text's order) whose name is not in known (NULL-terminated), as
 * "<path>.<name>: unknown key".
 */
int hisi_json_expect_object(const hisi_json_value *v);
int hisi_json_expect_array(const hisi_json_value *v, size_t min_length, size_t max_length);
int hisi_json_check_keys(const hisi_json_value *obj, const char *const *known);
int hisi_json_member(const hisi_json_value *obj, const char *key, hisi_json_value *ret);
/* The length of an array value (0 for anything else), and its element i (i < length). */
size_t hisi_json_length(const hisi_json_value *array);
void hisi_json_element(const hisi_json_value *array, size_t i, hisi_json_value *ret);

/*
 * Converters: 0 and *ret, or -EINVAL (recorded, *ret untouched).
 *   int/uint: a JSON integer (not 1.0, not "1") from min to max. An integer beyond 64 bits
 *             is out of range: the parser keeps it exact, where json-c would clamp it (a
 *             context over a tree that json-c parsed has only json-c's clamped value).
 *   string:   at most max_length bytes (no NUL inside: the parser refuses \u0000); *ret points
 *             into the tree and lives as long as the context.
 *   enum:     a string that from_string() maps to a value >= 0; to_string(0), to_string(1), …
 *             up to the first NULL name the choices in the message.
 */
typedef int (*hisi_json_from_string_t)(const char *s);
typedef const char *(*hisi_json_to_string_t)(int value);

int hisi_json_int(const hisi_json_value *v, int64_t min, int64_t max, int64_t *ret);
int hisi_json_uint(const hisi_json_value *v, uint64_t min, uint64_t max, uint64_t *ret);
int hisi_json_bool(const hisi_json_value *v, bool *ret);
int hisi_json_string(const hisi_json_value *v, size_t max_length, const char **ret);
int hisi_json_enum(const hisi_json_value *v, hisi_json_from_string_t from_string,
                   hisi_json_to_string_t to_string, int *ret);

/*
 * Getters of a member of obj: 1 and *ret when present and valid, 0 when absent (*ret untouched,
 * so that it keeps the caller's default; hisi_json_missing() for a required key), -EINVAL when
 * obj is not an object or the member's value is not valid (recorded, *ret untouched).
 */
int hisi_json_get_int(const hisi_json_value *obj, const char *key, int64_t min, int64_t max,
                      int64_t *ret);
int hisi_json_get_uint(const hisi_json_value *obj, const char *key, uint64_t min, uint64_t max,
                       uint64_t *ret);
int hisi_json_get_u32(const hisi_json_value *obj, const char *key, uint32_t min, uint32_t max,
                      uint32_t *ret);
int hisi_json_get_bool(const hisi_json_value *obj, const char *key, bool *ret);
int hisi_json_get_string(const hisi_json_value *obj, const char *key, size_t max_length,
                         const char **ret);
int hisi_json_get_enum(const hisi_json_value *obj, const char *key,
                       hisi_json_from_string_t from_string, hisi_json_to_string_t to_string,
                       int *ret);
int hisi_json_get_object(const hisi_json_value *obj, const char *key, hisi_json_value *ret);
int hisi_json_get_array(const hisi_json_value *obj, const char *key, size_t min_length,
                        size_t max_length, hisi_json_value *ret);

/* ---- Positions ---------------------------------------------------------------------------- */

/* Where a value stands in the text. */
typedef struct hisi_json_position {
        size_t offset;       /* the member's key (its opening quote), or the element/root value */
        unsigned line;       /* of offset, from 1 */
        unsigned column;     /* of offset, in bytes from 1 */
        size_t value_offset; /* the value's text: value_length bytes from value_offset */
        size_t value_length;
} hisi_json_position;

/* Where v stands in its context's text: 0, or -ENODATA for a context without text or a member
 * that is absent (hisi_json_member_path()). */
int hisi_json_value_position(const hisi_json_value *v, hisi_json_position *ret);

/*
 * Find path in text. A path is a sequence of member names and array indices, as the messages
 * print them: "pfs[1].qp_per_vf", "[0]", "" (the root); a name that is not plain (empty, or with
 * one of . [ ] " \ or a control character) is written as a JSON string in brackets:
 * "pfs[0][\"a.b\"]". Returns 1 and the position when the path is there, 0 and the position of
 * its deepest ancestor that is there when it is not (a missing key is reported at its object),
 * -EINVAL for a malformed path or text, -EFBIG for a text over HISI_JSON_SIZE_MAX.
 */
int hisi_json_locate(const char *text, size_t len, const char *path, hisi_json_position *ret);

/* The line and column (from 1; columns count bytes) of a byte offset, which may be len. */
void hisi_json_line_column(const char *text, size_t len, size_t offset, unsigned *ret_line,
                           unsigned *ret_column);
