/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Paths of JSON values as messages write them ("pfs[1].qp_per_vf", "[0]", "a[\"b.c\"]"), quoted
 * text for messages, lines and columns of offsets, and hisi_json_locate(), which finds a path in
 * a text through the positions the parser records.
 */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-internal.h"

size_t hisi_json_utf8_cut(const char *s, size_t len, size_t max) {
        if (len <= max)
                return len;
        while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
                max--;
        return max;
}

/* A name written bare in a path: not empty, and none of . [ ] " \ or a control character. */
static bool key_is_plain(const char *key, size_t len) {
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)key[i];
                if (c < 0x20 || c == 0x7f || strchr(".[]\"\\", c))
                        return false;
        }
        return true;
}

void hisi_json_write_quoted(FILE *f, const char *s, size_t len) {
        size_t n = hisi_json_utf8_cut(s, len, HISI_JSON_QUOTE_MAX);

        fputc('"', f);
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c == '\n')
                        fputs("\\n", f);
                else if (c == '\t')
                        fputs("\\t", f);
                else if (c < 0x20 || c == 0x7f)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
        if (n < len)
                fputs("...", f);
        fputc('"', f);
}

void hisi_json_write_path(FILE *f, const hisi_json_step *steps, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (!steps[i].key) {
                        fprintf(f, "[%zu]", steps[i].index);
                } else if (key_is_plain(steps[i].key, steps[i].key_len)) {
                        size_t cut = hisi_json_utf8_cut(steps[i].key, steps[i].key_len,
                                                        HISI_JSON_QUOTE_MAX);
                        fprintf(f, "%s%.*s%s", i > 0 ? "." : "", (int)cut, steps[i].key,
                                cut < steps[i].key_len ? "..." : "");
                } else {
                        fputc('[', f);
                        hisi_json_write_quoted(f, steps[i].key, steps[i].key_len);
                        fputc(']', f);
                }
        }
}

void hisi_json_line_column(const char *text, size_t len, size_t offset, unsigned *ret_line,
                           unsigned *ret_column) {
        unsigned line = 1;
        size_t start = 0;

        if (offset > len)
                offset = len;
        for (size_t i = 0; i < offset; i++)
                if (text[i] == '\n') {
                        line++;
                        start = i + 1;
                }
        if (ret_line)
                *ret_line = line;
        if (ret_column)
                *ret_column = (unsigned)(offset - start + 1);
}

/* ---- Locating a path --------------------------------------------------------------------- */

typedef struct path_list {
        hisi_json_step *steps;
        size_t n;
} path_list;

static void path_list_done(path_list *p) {
        for (size_t i = 0; i < p->n; i++)
                free((char *)p->steps[i].key);
        p->steps = mfree(p->steps);
        p->n = 0;
}

static int path_list_add(path_list *p, char *key, size_t key_len, size_t index) {
        hisi_json_step *steps = reallocarray(p->steps, p->n + 1, sizeof(*steps));

        if (!steps) {
                free(key);
                return -ENOMEM;
        }
        p->steps = steps;
        p->steps[p->n++] = (hisi_json_step){ .key = key, .key_len = key_len, .index = index };
        return 0;
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* "pfs[1].qp_per_vf", "[0]", "a[\"b.c\"]" into steps; "" is the root. */
static int path_parse(const char *path, path_list *ret) {
        size_t len = strlen(path), i = 0;
        int r;

        while (i < len) {
                if (path[i] == '[' && i + 1 < len && path[i + 1] == '"') {
                        _cleanup_(hisi_json_buffer_done) hisi_json_buffer key = {};
                        size_t pos = i + 1, offset;
                        const char *reason;
                        r = hisi_json_string_decode(path, len, &pos, &key, &offset, &reason);
                        if (r < 0)
                                return r;
                        if (pos >= len || path[pos] != ']')
                                return -EINVAL;
                        r = path_list_add(ret, TAKE_PTR(key.data), key.len, 0);
                        if (r < 0)
                                return r;
                        i = pos + 1;
                } else if (path[i] == '[') {
                        size_t index = 0, j = i + 1;
                        if (j >= len || !is_digit(path[j]) ||
                            (path[j] == '0' && is_digit(path[j + 1])))
                                return -EINVAL;
                        for (; j < len && is_digit(path[j]); j++) {
                                if (index > (SIZE_MAX - 9) / 10)
                                        return -EINVAL;
                                index = index * 10 + (size_t)(path[j] - '0');
                        }
                        if (j >= len || path[j] != ']')
                                return -EINVAL;
                        r = path_list_add(ret, NULL, 0, index);
                        if (r < 0)
                                return r;
                        i = j + 1;
                } else {
                        size_t n;
                        char *key;
                        if (path[i] == '.') {
                                if (ret->n == 0)
                                        return -EINVAL;
                                i++;
                        } else if (ret->n > 0) {
                                return -EINVAL;
                        }
                        n = strcspn(path + i, ".[");
                        if (n == 0)
                                return -EINVAL;
                        key = strndup(path + i, n);
                        if (!key)
                                return -ENOMEM;
                        r = path_list_add(ret, key, n, 0);
                        if (r < 0)
                                return r;
                        i += n;
                }
        }
        return 0;
}

int hisi_json_locate(const char *text, size_t len, const char *path, hisi_json_position *ret) {
        _cleanup_(path_list_done) path_list steps = {};
        _cleanup_(hisi_json_tree_done) hisi_json_tree t = {};
        const hisi_json_node *n;
        int r;

        if ((!text && len > 0) || !path || !ret)
                return -EINVAL;
        r = path_parse(path, &steps);
        if (r < 0)
                return r;
        r = hisi_json_parse_tree(text, len, NULL, true, &t, NULL);
        if (r < 0)
                return r;
        n = &t.nodes[0];
        for (size_t i = 0; i < steps.n; i++) {
                const hisi_json_node *c =
                        steps.steps[i].key ? hisi_json_node_member(&t, n, steps.steps[i].key)
                                           : hisi_json_node_element(&t, n, steps.steps[i].index);
                if (!c) {
                        r = 0;
                        break;
                }
                n = c;
                r = 1;
        }
        if (steps.n == 0)
                r = 1;
        *ret = (hisi_json_position){
                .offset = n->offset,
                .line = n->line,
                .column = n->column,
                .value_offset = n->value_offset,
                .value_length = n->value_length,
        };
        return r;
}
