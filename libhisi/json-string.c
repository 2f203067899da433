/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSON strings (RFC 8259 section 7) decoded strictly into UTF-8 C strings: raw control
 * characters, invalid UTF-8 (overlong forms, encoded surrogates, beyond U+10FFFF), unknown
 * escapes, unpaired surrogates and \u0000 are refused at the byte where they stand. For the
 * parser (json-parse.c) and for the quoted names of paths (json-path.c).
 */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-internal.h"

int hisi_json_buffer_append(hisi_json_buffer *b, const char *s, size_t n) {
        if (b->len + n + 1 > b->size) {
                size_t size = MAX(MAX(b->size * 2, b->len + n + 1), (size_t)64);
                char *d = realloc(b->data, size);
                if (!d)
                        return -ENOMEM;
                b->data = d;
                b->size = size;
        }
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
}

void hisi_json_buffer_done(hisi_json_buffer *b) {
        b->data = mfree(b->data);
        b->len = b->size = 0;
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

static bool hex4(const char *text, size_t len, size_t at, unsigned *ret) {
        unsigned v = 0;

        if (at > len || len - at < 4)
                return false;
        for (size_t i = 0; i < 4; i++) {
                int h = hex_value(text[at + i]);
                if (h < 0)
                        return false;
                v = v * 16 + (unsigned)h;
        }
        *ret = v;
        return true;
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

static int append_code_point(hisi_json_buffer *b, unsigned cp) {
        char out[4];
        size_t n;

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
        return hisi_json_buffer_append(b, out, n);
}

/* At the backslash at text[*pos]: append what the escape stands for, or say why not. */
static int decode_escape(const char *text, size_t len, size_t *pos, hisi_json_buffer *b,
                         const char **ret_reason) {
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        size_t at = *pos;
        char c = at + 1 < len ? text[at + 1] : '\0';
        const char *e = c ? strchr(from, c) : NULL;
        unsigned cp, lo;

        if (e) {
                *pos += 2;
                return hisi_json_buffer_append(b, &to[e - from], 1);
        }
        if (c != 'u' || !hex4(text, len, at + 2, &cp)) {
                *ret_reason = "syntax error: invalid escape in a string";
                return -EINVAL;
        }
        /* A C string cannot carry a NUL: refuse it rather than cut the string there. */
        if (cp == 0) {
                *ret_reason = "\\u0000 in a string is not supported";
                return -EINVAL;
        }
        if (cp >= 0xd800 && cp <= 0xdbff && at + 7 < len && text[at + 6] == '\\' &&
            text[at + 7] == 'u' && hex4(text, len, at + 8, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                *pos += 6;
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
                *ret_reason = "syntax error: unpaired surrogate in a string";
                return -EINVAL;
        }
        *pos += 6;
        return append_code_point(b, cp);
}

int hisi_json_string_decode(const char *text, size_t len, size_t *pos, hisi_json_buffer *b,
                            size_t *ret_offset, const char **ret_reason) {
        size_t at = *pos + 1;
        const char *reason = NULL;
        int r;

        assert(text && *pos < len && text[*pos] == '"' && b && ret_offset && ret_reason);
        b->len = 0;
        r = hisi_json_buffer_append(b, "", 0);
        while (r >= 0) {
                size_t run = at, n;
                unsigned char c;

                /* Plain ASCII goes in runs. */
                while (at < len) {
                        c = (unsigned char)text[at];
                        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
                                break;
                        at++;
                }
                r = hisi_json_buffer_append(b, text + run, at - run);
                if (r < 0)
                        break;
                if (at >= len) {
                        reason = "syntax error: unexpected end of data";
                        break;
                }
                c = (unsigned char)text[at];
                if (c == '"') {
                        *pos = at + 1;
                        return 0;
                }
                if (c == '\\') {
                        r = decode_escape(text, len, &at, b, &reason);
                        continue;
                }
                if (c < 0x20) {
                        reason = "syntax error: control character in a string";
                        break;
                }
                n = utf8_sequence((const unsigned char *)text + at, len - at);
                if (n == 0) {
                        reason = "syntax error: invalid UTF-8 in a string";
                        break;
                }
                r = hisi_json_buffer_append(b, text + at, n);
                at += n;
        }
        if (r == -ENOMEM)
                return r;
        *ret_offset = at;
        *ret_reason = reason;
        return -EINVAL;
}
