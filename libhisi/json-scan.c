/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON text scanner (see json-scan.h): strict checks beyond json-c, locating paths for the
 * lines of messages, and writing paths and strings for messages.
 */

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hisi/json-scan.h"
#include "macro.h"
#include "file-util.h"
#include "json-cleanup.h"

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* The length of a cut of s[0..len) at most max bytes long that does not split a UTF-8 sequence. */
size_t hisi_json_utf8_cut(const char *s, size_t len, size_t max) {
        if (len <= max)
                return len;
        while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
                max--;
        return max;
}

/* ---- Messages: paths and quoted text ---------------------------------------------------- */

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

/* s as a JSON string, cut after HISI_JSON_QUOTE_MAX bytes ("…" marks the cut). */
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

void hisi_json_write_path(FILE *f, const hisi_json_step *items, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (!items[i].key) {
                        fprintf(f, "[%zu]", items[i].index);
                } else if (key_is_plain(items[i].key, items[i].key_len)) {
                        size_t cut = hisi_json_utf8_cut(items[i].key, items[i].key_len,
                                                        HISI_JSON_QUOTE_MAX);
                        fprintf(f, "%s%.*s%s", i > 0 ? "." : "", (int)cut, items[i].key,
                                cut < items[i].key_len ? "..." : "");
                } else {
                        fputc('[', f);
                        hisi_json_write_quoted(f, items[i].key, items[i].key_len);
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

/* ---- The scanner ------------------------------------------------------------------------
 *
 * A recursive descent over the text that checks strict JSON (json-c has already built the tree,
 * so normally only our extra rules fail here), and that can stop at a path. Recursion is bounded
 * by HISI_JSON_DEPTH_MAX. frames[] holds the path of the current value, as offsets of keys in
 * the text, so that a duplicate key can be named without keeping decoded keys around.
 */

typedef struct scan_frame {
        size_t key_offset; /* the opening quote of the key, or SIZE_MAX for an element */
        size_t index;
} scan_frame;

typedef struct scanner {
        const char *text;
        size_t len;
        size_t pos;
        bool check_duplicates;
        scan_frame frames[HISI_JSON_DEPTH_MAX + 1];

        char *buf; /* the last string decoded, NUL-terminated */
        size_t buf_len, buf_size;

        int error; /* 0, -EINVAL or -ENOMEM: the first problem */
        const char *reason;
        size_t error_offset;
        bool too_deep;
        size_t duplicate_depth; /* > 0: a duplicate key, its path is frames[0..duplicate_depth) */

        /* Locating: target[0..n_target), and the deepest node found on its way. */
        const hisi_json_step *target;
        size_t n_target;
        bool locating, found, stop;
        size_t best_depth, best_offset, best_value_offset, best_value_end;
} scanner;

static int scan_fail(scanner *sc, size_t offset, const char *reason) {
        if (sc->error == 0) {
                sc->error = -EINVAL;
                sc->reason = reason;
                sc->error_offset = offset;
        }
        return -EINVAL;
}

static int scan_oom(scanner *sc) {
        if (sc->error == 0)
                sc->error = -ENOMEM;
        return -ENOMEM;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void scan_skip_space(scanner *sc) {
        while (sc->pos < sc->len && is_space(sc->text[sc->pos]))
                sc->pos++;
}

static char scan_peek(const scanner *sc) {
        return sc->pos < sc->len ? sc->text[sc->pos] : '\0';
}

static int scan_append(scanner *sc, const char *p, size_t n) {
        if (sc->buf_len + n + 1 > sc->buf_size) {
                size_t size = MAX(sc->buf_size * 2, sc->buf_len + n + 1);
                char *b = realloc(sc->buf, MAX(size, (size_t)64));
                if (!b)
                        return scan_oom(sc);
                sc->buf = b;
                sc->buf_size = MAX(size, (size_t)64);
        }
        memcpy(sc->buf + sc->buf_len, p, n);
        sc->buf_len += n;
        sc->buf[sc->buf_len] = '\0';
        return 0;
}

/* The length of the well-formed UTF-8 sequence (RFC 3629) at s, or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t len) {
        unsigned char lo = 0x80, hi = 0xbf;
        size_t n;

        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4;
        else
                return 0;
        if (s[0] == 0xe0)
                lo = 0xa0;
        else if (s[0] == 0xed)
                hi = 0x9f; /* no UTF-16 surrogates */
        else if (s[0] == 0xf0)
                lo = 0x90;
        else if (s[0] == 0xf4)
                hi = 0x8f; /* nothing above U+10FFFF */
        if (len < n || s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++)
                if (s[i] < 0x80 || s[i] > 0xbf)
                        return 0;
        return n;
}

static int scan_hex4(scanner *sc, size_t at, unsigned *ret) {
        unsigned v = 0;

        if (sc->len - at < 4)
                return -EINVAL;
        for (size_t i = 0; i < 4; i++) {
                int h = hex_value(sc->text[at + i]);
                if (h < 0)
                        return -EINVAL;
                v = v * 16 + (unsigned)h;
        }
        *ret = v;
        return 0;
}

/* At a backslash in a string: check the escape and append what it stands for. */
static int scan_escape(scanner *sc, bool decode) {
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        size_t start = sc->pos;
        unsigned cp, lo;
        char c = sc->pos + 1 < sc->len ? sc->text[sc->pos + 1] : '\0';
        const char *p = c ? strchr(from, c) : NULL;
        char out[4];
        size_t n;

        if (p) {
                sc->pos += 2;
                return decode ? scan_append(sc, &to[p - from], 1) : 0;
        }
        if (c != 'u' || scan_hex4(sc, start + 2, &cp) < 0)
                return scan_fail(sc, start, "syntax error: invalid escape in a string");
        sc->pos += 6;
        /* A C string cannot carry a NUL, and json-c cuts keys there: refuse it. */
        if (cp == 0)
                return scan_fail(sc, start, "\\u0000 in a string is not supported");
        if (cp >= 0xdc00 && cp <= 0xdfff)
                return scan_fail(sc, start, "syntax error: unpaired surrogate in a string");
        if (cp >= 0xd800 && cp <= 0xdbff) {
                if (sc->len - sc->pos < 6 || sc->text[sc->pos] != '\\' ||
                    sc->text[sc->pos + 1] != 'u' || scan_hex4(sc, sc->pos + 2, &lo) < 0 ||
                    lo < 0xdc00 || lo > 0xdfff)
                        return scan_fail(sc, start, "syntax error: unpaired surrogate in a string");
                sc->pos += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        if (!decode)
                return 0;
        if (cp < 0x80) {
                out[0] = (char)cp;
                n = 1;
        } else if (cp < 0x800) {
                out[0] = (char)(0xc0 | (cp >> 6));
                out[1] = (char)(0x80 | (cp & 0x3f));
                n = 2;
        } else if (cp < 0x10000) {
                out[0] = (char)(0xe0 | (cp >> 12));
                out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[2] = (char)(0x80 | (cp & 0x3f));
                n = 3;
        } else {
                out[0] = (char)(0xf0 | (cp >> 18));
                out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
                out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
                out[3] = (char)(0x80 | (cp & 0x3f));
                n = 4;
        }
        return scan_append(sc, out, n);
}

/* At a quote: check a string and, with decode, leave its value in sc->buf. */
static int scan_string(scanner *sc, bool decode) {
        int r;

        sc->pos++;
        sc->buf_len = 0;
        if (decode && scan_append(sc, "", 0) < 0)
                return -ENOMEM;
        for (;;) {
                unsigned char c;
                size_t n;

                if (sc->pos >= sc->len)
                        return scan_fail(sc, sc->pos, "syntax error: unexpected end of data");
                c = (unsigned char)sc->text[sc->pos];
                if (c == '"') {
                        sc->pos++;
                        return 0;
                }
                if (c < 0x20)
                        return scan_fail(sc, sc->pos,
                                         "syntax error: control character in a string");
                if (c == '\\') {
                        r = scan_escape(sc, decode);
                        if (r < 0)
                                return r;
                        continue;
                }
                n = c < 0x80 ? 1
                             : utf8_sequence((const unsigned char *)sc->text + sc->pos,
                                             sc->len - sc->pos);
                if (n == 0)
                        return scan_fail(sc, sc->pos, "syntax error: invalid UTF-8 in a string");
                if (decode && scan_append(sc, sc->text + sc->pos, n) < 0)
                        return -ENOMEM;
                sc->pos += n;
        }
}

static int scan_number(scanner *sc) {
        size_t start = sc->pos;

        if (scan_peek(sc) == '-')
                sc->pos++;
        if (scan_peek(sc) == '0')
                sc->pos++;
        else if (scan_peek(sc) >= '1' && scan_peek(sc) <= '9')
                while (is_digit(scan_peek(sc)))
                        sc->pos++;
        else
                return scan_fail(sc, start, "syntax error: invalid number");
        if (is_digit(scan_peek(sc)))
                return scan_fail(sc, start, "syntax error: number with a leading zero");
        if (scan_peek(sc) == '.') {
                sc->pos++;
                if (!is_digit(scan_peek(sc)))
                        return scan_fail(sc, start, "syntax error: invalid number");
                while (is_digit(scan_peek(sc)))
                        sc->pos++;
        }
        if (scan_peek(sc) == 'e' || scan_peek(sc) == 'E') {
                sc->pos++;
                if (scan_peek(sc) == '+' || scan_peek(sc) == '-')
                        sc->pos++;
                if (!is_digit(scan_peek(sc)))
                        return scan_fail(sc, start, "syntax error: invalid number");
                while (is_digit(scan_peek(sc)))
                        sc->pos++;
        }
        return 0;
}

static int scan_literal(scanner *sc, const char *word) {
        size_t n = strlen(word);

        if (sc->len - sc->pos < n || memcmp(sc->text + sc->pos, word, n) != 0)
                return scan_fail(sc, sc->pos, "syntax error: unexpected character");
        sc->pos += n;
        return 0;
}

static int scan_value(scanner *sc, size_t depth);

/* Whether the member (key != NULL) or element at path length depth is the next step of the
 * target, from the container that is the deepest node found so far. */
static bool scan_hit(const scanner *sc, size_t depth, const char *key, size_t key_len,
                     size_t index) {
        const hisi_json_step *t;

        if (!sc->locating || sc->best_depth + 1 != depth || depth > sc->n_target)
                return false;
        t = &sc->target[depth - 1];
        if (!key)
                return !t->key && t->index == index;
        return t->key && t->key_len == key_len && memcmp(t->key, key, key_len) == 0;
}

/* The value of a member or element at path length depth; offset is the member's key or, for an
 * element, SIZE_MAX. */
static int scan_child(scanner *sc, size_t depth, bool hit, size_t offset) {
        int r;

        scan_skip_space(sc);
        if (hit) {
                sc->best_depth = depth;
                sc->best_offset = offset == SIZE_MAX ? sc->pos : offset;
                sc->best_value_offset = sc->pos;
                sc->found = depth == sc->n_target;
        }
        r = scan_value(sc, depth);
        if (r < 0)
                return r;
        if (hit) {
                if (sc->best_depth == depth)
                        sc->best_value_end = sc->pos;
                /* Either the target is found, or it is not below its deepest ancestor. */
                sc->stop = true;
        }
        return 0;
}

static int scan_object(scanner *sc, size_t depth) {
        _cleanup_(json_object_putp) json_object *seen = NULL;
        int r;

        if (depth >= HISI_JSON_DEPTH_MAX) {
                sc->too_deep = true;
                return scan_fail(sc, sc->pos, NULL);
        }
        sc->pos++;
        scan_skip_space(sc);
        if (scan_peek(sc) == '}') {
                sc->pos++;
                return 0;
        }
        /* json-c's own table of names is a good enough set of the keys seen so far. */
        if (sc->check_duplicates) {
                seen = json_object_new_object();
                if (!seen)
                        return scan_oom(sc);
        }
        for (;;) {
                size_t key_offset;
                bool hit;

                scan_skip_space(sc);
                if (scan_peek(sc) != '"')
                        return scan_fail(sc, sc->pos, "syntax error: object key expected");
                key_offset = sc->pos;
                r = scan_string(sc, true);
                if (r < 0)
                        return r;
                sc->frames[depth] = (scan_frame){ .key_offset = key_offset };
                if (seen) {
                        if (json_object_object_get_ex(seen, sc->buf, NULL)) {
                                sc->duplicate_depth = depth + 1;
                                return scan_fail(sc, key_offset, "duplicate key");
                        }
                        if (json_object_object_add(seen, sc->buf, NULL) < 0)
                                return scan_oom(sc);
                }
                hit = scan_hit(sc, depth + 1, sc->buf, sc->buf_len, 0);
                scan_skip_space(sc);
                if (scan_peek(sc) != ':')
                        return scan_fail(sc, sc->pos, "syntax error: ':' expected");
                sc->pos++;
                r = scan_child(sc, depth + 1, hit, key_offset);
                if (r < 0 || sc->stop)
                        return r;
                scan_skip_space(sc);
                if (scan_peek(sc) == ',') {
                        sc->pos++;
                        continue;
                }
                if (scan_peek(sc) == '}') {
                        sc->pos++;
                        return 0;
                }
                return scan_fail(sc, sc->pos, "syntax error: ',' or '}' expected");
        }
}

static int scan_array(scanner *sc, size_t depth) {
        int r;

        if (depth >= HISI_JSON_DEPTH_MAX) {
                sc->too_deep = true;
                return scan_fail(sc, sc->pos, NULL);
        }
        sc->pos++;
        scan_skip_space(sc);
        if (scan_peek(sc) == ']') {
                sc->pos++;
                return 0;
        }
        for (size_t i = 0;; i++) {
                sc->frames[depth] = (scan_frame){ .key_offset = SIZE_MAX, .index = i };
                r = scan_child(sc, depth + 1, scan_hit(sc, depth + 1, NULL, 0, i), SIZE_MAX);
                if (r < 0 || sc->stop)
                        return r;
                scan_skip_space(sc);
                if (scan_peek(sc) == ',') {
                        sc->pos++;
                        continue;
                }
                if (scan_peek(sc) == ']') {
                        sc->pos++;
                        return 0;
                }
                return scan_fail(sc, sc->pos, "syntax error: ',' or ']' expected");
        }
}

static int scan_value(scanner *sc, size_t depth) {
        char c;

        scan_skip_space(sc);
        if (sc->pos >= sc->len)
                return scan_fail(sc, sc->pos, "syntax error: unexpected end of data");
        c = sc->text[sc->pos];
        switch (c) {
        case '{':
                return scan_object(sc, depth);
        case '[':
                return scan_array(sc, depth);
        case '"':
                return scan_string(sc, false);
        case 't':
                return scan_literal(sc, "true");
        case 'f':
                return scan_literal(sc, "false");
        case 'n':
                return scan_literal(sc, "null");
        default:
                if (c == '-' || is_digit(c))
                        return scan_number(sc);
                return scan_fail(sc, sc->pos, "syntax error: unexpected character");
        }
}

static int scan_document(scanner *sc) {
        int r;

        scan_skip_space(sc);
        sc->best_offset = sc->best_value_offset = sc->pos;
        sc->found = sc->locating && sc->n_target == 0;
        r = scan_value(sc, 0);
        if (r < 0 || sc->stop)
                return r;
        if (sc->best_depth == 0)
                sc->best_value_end = sc->pos;
        scan_skip_space(sc);
        if (sc->pos < sc->len)
                return scan_fail(sc, sc->pos, "syntax error: unexpected character");
        return 0;
}

static void scanner_done(scanner *sc) {
        sc->buf = mfree(sc->buf);
}

/* Decode the JSON string at offset of text into a new C string. */
static int decode_string_at(const char *text, size_t len, size_t offset, char **ret) {
        scanner sc = { .text = text, .len = len, .pos = offset };
        int r;

        assert(offset < len && text[offset] == '"');
        r = scan_string(&sc, true);
        if (r < 0) {
                scanner_done(&sc);
                return r;
        }
        *ret = TAKE_PTR(sc.buf);
        return 0;
}

int hisi_json_scan_locate(const char *text, size_t len, const hisi_json_step *items, size_t n,
                          hisi_json_position *ret) {
        scanner sc = { .text = text, .len = len, .locating = true, .target = items, .n_target = n };
        int r;

        r = scan_document(&sc);
        scanner_done(&sc);
        if (r < 0 && !sc.stop)
                return r;
        ret->offset = sc.best_offset;
        hisi_json_line_column(text, len, sc.best_offset, &ret->line, &ret->column);
        ret->value_offset = sc.best_value_offset;
        ret->value_length = sc.best_value_end >= sc.best_value_offset
                                    ? sc.best_value_end - sc.best_value_offset
                                    : 0;
        return sc.found;
}

/* ---- Paths as text ------------------------------------------------------------------------ */

typedef struct path_list {
        hisi_json_step *items;
        size_t n;
} path_list;

static void path_list_done(path_list *p) {
        for (size_t i = 0; i < p->n; i++)
                free((char *)p->items[i].key);
        p->items = mfree(p->items);
        p->n = 0;
}

static int path_list_add(path_list *p, char *key, size_t key_len, size_t index) {
        hisi_json_step *items = reallocarray(p->items, p->n + 1, sizeof(*items));

        if (!items) {
                free(key);
                return -ENOMEM;
        }
        p->items = items;
        p->items[p->n++] = (hisi_json_step){ .key = key, .key_len = key_len, .index = index };
        return 0;
}

/* "pfs[1].qp_per_vf", "[0]", "a[\"b.c\"]" into steps. */
static int path_parse(const char *path, path_list *ret) {
        size_t len = strlen(path), i = 0;
        int r;

        while (i < len) {
                if (path[i] == '[' && i + 1 < len && path[i + 1] == '"') {
                        scanner sc = { .text = path, .len = len, .pos = i + 1 };
                        r = scan_string(&sc, true);
                        if (r < 0 || sc.pos >= len || path[sc.pos] != ']') {
                                scanner_done(&sc);
                                return r == -ENOMEM ? r : -EINVAL;
                        }
                        r = path_list_add(ret, TAKE_PTR(sc.buf), sc.buf_len, 0);
                        if (r < 0)
                                return r;
                        i = sc.pos + 1;
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
        _cleanup_(path_list_done) path_list p = {};
        int r;

        if ((!text && len > 0) || !path || !ret)
                return -EINVAL;
        if (len > HISI_JSON_SIZE_MAX)
                return -EFBIG;
        if (!text)
                text = "";
        if (len > 0 && memchr(text, '\0', len))
                return -EINVAL;
        r = path_parse(path, &p);
        if (r < 0)
                return r;
        return hisi_json_scan_locate(text, len, p.items, p.n, ret);
}

static int report_fail(char **ret_error, const char *fmt, ...) _printf_(2, 3);
static int report_fail(char **ret_error, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(ret_error, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

/* The message for a problem the scanner found. */
static int scan_report(scanner *sc, const char *origin, char **ret_error) {
        _cleanup_free_ char *buf = NULL;
        hisi_json_step items[HISI_JSON_DEPTH_MAX + 1] = {};
        unsigned line, column;
        size_t size = 0, n = 0;
        FILE *f;
        int r = 0;

        assert(sc->error < 0);
        if (sc->error == -ENOMEM || !ret_error)
                return sc->error;
        hisi_json_line_column(sc->text, sc->len, sc->error_offset, &line, &column);
        if (sc->too_deep)
                return report_fail(ret_error, "%s:%u:%u: nesting deeper than %u levels", origin,
                                   line, column, HISI_JSON_DEPTH_MAX);
        if (sc->duplicate_depth == 0)
                return report_fail(ret_error, "%s:%u:%u: %s", origin, line, column, sc->reason);

        /* A duplicate key: decode the keys on its path again to name it. */
        for (; n < sc->duplicate_depth && r >= 0; n++) {
                const scan_frame *fr = &sc->frames[n];
                char *key = NULL;
                items[n].index = fr->index;
                if (fr->key_offset == SIZE_MAX)
                        continue;
                r = decode_string_at(sc->text, sc->len, fr->key_offset, &key);
                items[n].key = key;
                items[n].key_len = key ? strlen(key) : 0;
        }
        f = r >= 0 ? open_memstream(&buf, &size) : NULL;
        if (f) {
                fprintf(f, "%s:%u: ", origin, line);
                hisi_json_write_path(f, items, n);
                fprintf(f, ": %s", sc->reason);
                (void)memstream_finish(f, &buf);
                *ret_error = TAKE_PTR(buf);
        } else {
                *ret_error = NULL;
        }
        for (size_t i = 0; i < n; i++)
                free((char *)items[i].key);
        return *ret_error ? -EINVAL : -ENOMEM;
}

int hisi_json_scan_check(const char *text, size_t len, const char *origin, char **ret_error) {
        scanner sc = { .text = text ? text : "", .len = len, .check_duplicates = true };
        int r;

        if ((!text && len > 0) || !origin)
                return -EINVAL;
        r = scan_document(&sc);
        scanner_done(&sc);
        if (r < 0)
                return scan_report(&sc, origin, ret_error);
        return 0;
}
