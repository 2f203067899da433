/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to libhisi's JSON layer: what the parser (json-parse.c) hands to the decoding context
 * (json-util.c), the string decoder (json-string.c), and the path and quoting helpers
 * (json-path.c) that messages use.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hisi/json-util.h"

/*
 * Where one value of a parsed text stands, recorded by the parser as it builds the value. The
 * nodes of a text are one array in document order, nodes[0] the root. The children of a
 * container are n_children indices into the tree's children array from children on, in the
 * order of the text, which is also json-c's order of an object's members.
 */
typedef struct hisi_json_node {
        uint32_t offset;       /* the member's key (its opening quote), or the value */
        uint32_t line, column; /* of offset, from 1; columns count bytes */
        uint32_t value_offset; /* the value's text: value_length bytes from value_offset */
        uint32_t value_length;
        uint32_t children, n_children;
        const char *key; /* the member's name (json-c's copy), NULL for an element or the root */
        json_object *object; /* the value (borrowed from the tree), NULL for null */
} hisi_json_node;

/* A parsed text: the tree and, when asked for, where each value stands. */
typedef struct hisi_json_tree {
        json_object *root;
        hisi_json_node *nodes; /* NULL when not asked for */
        size_t n_nodes;
        uint32_t *children;
        size_t n_children;
} hisi_json_tree;

/*
 * Parse text (see hisi_json_parse() for the rules and the messages); with_nodes records where
 * each value stands. On failure *ret is untouched; -EINVAL, -EFBIG, -ENOMEM. A NULL origin
 * with a NULL ret_error parses quietly (for hisi_json_locate()).
 */
int hisi_json_parse_tree(const char *text, size_t len, const char *origin, bool with_nodes,
                         hisi_json_tree *ret, char **ret_error);
void hisi_json_tree_done(hisi_json_tree *t);

/* The child of node n by name (an object's member) or by index (an array's element), or NULL. */
const hisi_json_node *hisi_json_node_member(const hisi_json_tree *t, const hisi_json_node *n,
                                            const char *key);
const hisi_json_node *hisi_json_node_element(const hisi_json_tree *t, const hisi_json_node *n,
                                             size_t index);

/* A growing buffer for decoded strings, NUL-terminated once anything was appended. */
typedef struct hisi_json_buffer {
        char *data;
        size_t len, size;
} hisi_json_buffer;

int hisi_json_buffer_append(hisi_json_buffer *b, const char *s, size_t n);
void hisi_json_buffer_done(hisi_json_buffer *b);

/*
 * Decode the JSON string whose opening quote is at text[*pos] into b (emptied first); *pos
 * moves past the closing quote. -ENOMEM, or -EINVAL for a malformed string with the offset of
 * the culprit and the reason for a message ("syntax error: invalid escape in a string").
 */
int hisi_json_string_decode(const char *text, size_t len, size_t *pos, hisi_json_buffer *b,
                            size_t *ret_offset, const char **ret_reason);

/* One step of a path: a member name (key, key_len bytes) or, when key is NULL, an index. */
typedef struct hisi_json_step {
        const char *key;
        size_t key_len;
        size_t index;
} hisi_json_step;

/* How much of a key or a value a message quotes. */
#define HISI_JSON_QUOTE_MAX 64

/* A path as messages print it: pfs[1].vfs, ["a.b"][0]; long names are cut. */
void hisi_json_write_path(FILE *f, const hisi_json_step *steps, size_t n);
/* s as a JSON string, cut after HISI_JSON_QUOTE_MAX bytes ("..." marks the cut). */
void hisi_json_write_quoted(FILE *f, const char *s, size_t len);
/* The length of s[0..len) cut to at most max bytes without splitting a UTF-8 sequence. */
size_t hisi_json_utf8_cut(const char *s, size_t len, size_t max);
