/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict JSON decoding with positions (see json-util.h). json-c builds the tree; a small scanner
 * of our own walks the same text to refuse what json-c lets through (duplicate keys above all)
 * and, when an error must name a line, to find where a path stands.
 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json_object_iterator.h>

#include "file-util.h"
#include "hisi/json-util.h"
#include "json-cleanup.h"

/* How many names of an enum a message lists. */
#define ENUM_NAMES_MAX 64

struct hisi_json_ctx {
        char *origin;
        const char *text; /* NULL for a context made from a tree */
        size_t len;
        json_object *root;
        char *error;
        int error_code;
};

static void json_tokener_freep(struct json_tokener **p) {
        if (*p)
                json_tokener_free(*p);
}

static int parse_fail(char **ret_error, int error, const char *fmt, ...) _printf_(3, 4);
static int parse_fail(char **ret_error, int error, const char *fmt, ...) {
        va_list ap;

        if (ret_error) {
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return error;
}

/* ---- Parsing ------------------------------------------------------------------------------ */

int hisi_json_parse(const char *text, size_t len, const char *origin, json_object **ret,
                    char **ret_error) {
        _cleanup_(json_tokener_freep) struct json_tokener *tok = NULL;
        _cleanup_(json_object_putp) json_object *obj = NULL;
        enum json_tokener_error e;
        size_t offset;
        unsigned line, column;
        int r;

        if ((!text && len > 0) || !ret)
                return -EINVAL;
        if (!origin)
                origin = "input";
        if (len > HISI_JSON_SIZE_MAX)
                return parse_fail(ret_error, -EFBIG, "%s: too large: %zu bytes, the limit is %u",
                                  origin, len, HISI_JSON_SIZE_MAX);
        /* json-c stops at a NUL as at the end of the text. */
        if (len > 0 && memchr(text, '\0', len)) {
                offset = (size_t)((const char *)memchr(text, '\0', len) - text);
                hisi_json_line_column(text, len, offset, &line, &column);
                return parse_fail(ret_error, -EINVAL, "%s:%u:%u: syntax error: NUL byte", origin,
                                  line, column);
        }

        /* json-c counts levels differently for objects and arrays: give it room and let the
         * scanner apply the limit exactly. */
        tok = json_tokener_new_ex(HISI_JSON_DEPTH_MAX + 2);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        obj = json_tokener_parse_ex(tok, len > 0 ? text : "", (int)len);
        e = json_tokener_get_error(tok);
        offset = json_tokener_get_parse_end(tok);
        if (e == json_tokener_continue) {
                /* A number at the end is complete only when json-c sees what follows it. */
                obj = json_tokener_parse_ex(tok, "", 1);
                e = json_tokener_get_error(tok);
                offset = len;
        }
        if (e != json_tokener_success && e != json_tokener_error_depth) {
                hisi_json_line_column(text, len, offset, &line, &column);
                return parse_fail(ret_error, -EINVAL, "%s:%u:%u: syntax error: %s", origin, line,
                                  column, json_tokener_error_desc(e));
        }

        r = hisi_json_scan_check(text, len, origin, ret_error);
        if (r < 0)
                return r;
        if (e == json_tokener_error_depth) {
                /* Not expected: the scanner's limit is the lower one. */
                hisi_json_line_column(text, len, offset, &line, &column);
                return parse_fail(ret_error, -EINVAL, "%s:%u:%u: nesting deeper than %u levels",
                                  origin, line, column, HISI_JSON_DEPTH_MAX);
        }
        *ret = TAKE_PTR(obj);
        return 0;
}

/* ---- The decoding context ---------------------------------------------------------------- */

static int ctx_alloc(const char *origin, hisi_json_ctx **ret) {
        hisi_json_ctx *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->origin = strdup(origin ? origin : "input");
        if (!c->origin) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

int hisi_json_ctx_new(const char *text, size_t len, const char *origin, hisi_json_ctx **ret,
                      char **ret_error) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = NULL;
        json_object *root = NULL;
        int r;

        if ((!text && len > 0) || !ret)
                return -EINVAL;
        r = hisi_json_parse(text, len, origin, &root, ret_error);
        if (r < 0)
                return r;
        r = ctx_alloc(origin, &c);
        if (r < 0) {
                json_object_put(root);
                return r;
        }
        c->text = text ? text : "";
        c->len = len;
        c->root = root;
        *ret = TAKE_PTR(c);
        return 0;
}

int hisi_json_ctx_new_object(json_object *root, const char *origin, hisi_json_ctx **ret) {
        hisi_json_ctx *c = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        r = ctx_alloc(origin, &c);
        if (r < 0)
                return r;
        c->root = json_object_get(root);
        *ret = c;
        return 0;
}

hisi_json_ctx *hisi_json_ctx_free(hisi_json_ctx *c) {
        if (!c)
                return NULL;
        json_object_put(c->root);
        free(c->error);
        free(c->origin);
        return mfree(c);
}

const char *hisi_json_ctx_error(const hisi_json_ctx *c) {
        return c ? c->error : NULL;
}

int hisi_json_ctx_error_code(const hisi_json_ctx *c) {
        return c ? c->error_code : -EINVAL;
}

int hisi_json_ctx_finish(hisi_json_ctx *c, int r, char **ret_error) {
        if (r >= 0 || !ret_error)
                return r;
        if (c && c->error)
                *ret_error = TAKE_PTR(c->error);
        else if (asprintf(ret_error, "%s: %s", c ? c->origin : "input", strerror(-r)) < 0)
                *ret_error = NULL;
        return r;
}

void hisi_json_root(hisi_json_ctx *c, hisi_json_value *ret) {
        assert(c && ret);
        *ret = (hisi_json_value){ .ctx = c, .object = c->root };
}

json_type hisi_json_type(const hisi_json_value *v) {
        return v ? json_object_get_type(v->object) : json_type_null;
}

/* The steps from the root to v. */
static int value_path(const hisi_json_value *v, hisi_json_step **ret, size_t *ret_n) {
        size_t n = 0, i;
        hisi_json_step *items;

        for (const hisi_json_value *p = v; p->parent; p = p->parent)
                n++;
        items = calloc(MAX(n, (size_t)1), sizeof(*items));
        if (!items)
                return -ENOMEM;
        i = n;
        for (const hisi_json_value *p = v; p->parent; p = p->parent) {
                i--;
                items[i] = (hisi_json_step){ .key = p->key,
                                             .key_len = p->key ? strlen(p->key) : 0,
                                             .index = p->index };
        }
        *ret = items;
        *ret_n = n;
        return 0;
}

/* How a value reads in a message: as written when the text is known. */
static void write_value(FILE *f, const hisi_json_value *v, const hisi_json_ctx *c,
                        const hisi_json_position *pos, bool located) {
        const char *s;
        size_t n;

        switch (json_object_get_type(v->object)) {
        case json_type_object:
                fputs(json_object_object_length(v->object) == 0 ? "an empty object" : "an object",
                      f);
                return;
        case json_type_array:
                n = json_object_array_length(v->object);
                if (n == 0)
                        fputs("an empty array", f);
                else
                        fprintf(f, "an array of %zu element%s", n, n == 1 ? "" : "s");
                return;
        case json_type_string:
                if (located)
                        break;
                hisi_json_write_quoted(f, json_object_get_string(v->object),
                                       (size_t)json_object_get_string_len(v->object));
                return;
        case json_type_null:
        case json_type_boolean:
        case json_type_double:
        case json_type_int:
                break;
        }
        if (located) {
                s = c->text + pos->value_offset;
                n = hisi_json_utf8_cut(s, pos->value_length, HISI_JSON_QUOTE_MAX);
                fprintf(f, "%.*s%s", (int)n, s, n < pos->value_length ? "..." : "");
                return;
        }
        s = json_object_to_json_string_ext(v->object, JSON_C_TO_STRING_PLAIN);
        if (!s)
                s = "?";
        n = hisi_json_utf8_cut(s, strlen(s), HISI_JSON_QUOTE_MAX);
        fprintf(f, "%.*s%s", (int)n, s, n < strlen(s) ? "..." : "");
}

static int record(const hisi_json_value *v, int error, bool got, const char *fmt, va_list ap)
        _printf_(4, 0);
static int record(const hisi_json_value *v, int error, bool got, const char *fmt, va_list ap) {
        hisi_json_ctx *c = v->ctx;
        _cleanup_free_ hisi_json_step *items = NULL;
        _cleanup_free_ char *buf = NULL;
        hisi_json_position pos = {};
        size_t n = 0, size = 0;
        int located = -1;
        FILE *f;

        assert(error < 0);
        if (c->error_code < 0)
                return error; /* the first error is the one reported */
        c->error_code = error;
        if (value_path(v, &items, &n) < 0)
                return error;
        if (c->text)
                located = hisi_json_scan_locate(c->text, c->len, items, n, &pos);
        f = open_memstream(&buf, &size);
        if (!f)
                return error;
        fputs(c->origin, f);
        if (located >= 0)
                fprintf(f, ":%u", pos.line);
        fputs(": ", f);
        if (n > 0) {
                hisi_json_write_path(f, items, n);
                fputs(": ", f);
        }
        vfprintf(f, fmt, ap);
        if (got) {
                fputs(", got ", f);
                write_value(f, v, c, &pos, located > 0);
        }
        (void)memstream_finish(f, &buf);
        c->error = TAKE_PTR(buf);
        return error;
}

int hisi_json_error(const hisi_json_value *v, int error, const char *fmt, ...) {
        va_list ap;
        int r;

        if (!v || !v->ctx || error >= 0 || !fmt)
                return -EINVAL;
        va_start(ap, fmt);
        r = record(v, error, false, fmt, ap);
        va_end(ap);
        return r;
}

int hisi_json_reject(const hisi_json_value *v, const char *fmt, ...) {
        va_list ap;
        int r;

        if (!v || !v->ctx || !fmt)
                return -EINVAL;
        va_start(ap, fmt);
        r = record(v, -EINVAL, true, fmt, ap);
        va_end(ap);
        return r;
}

int hisi_json_missing(const hisi_json_value *obj, const char *key) {
        if (!key)
                return -EINVAL;
        return hisi_json_error(obj, -EINVAL, "missing required key \"%s\"", key);
}

void hisi_json_member_path(const hisi_json_value *obj, const char *key, hisi_json_value *ret) {
        json_object *o = NULL;

        assert(obj && key && ret);
        if (json_object_is_type(obj->object, json_type_object))
                (void)json_object_object_get_ex(obj->object, key, &o);
        *ret = (hisi_json_value){ .ctx = obj->ctx, .parent = obj, .object = o, .key = key };
}

int hisi_json_expect_object(const hisi_json_value *v) {
        if (!v || !v->ctx)
                return -EINVAL;
        if (!json_object_is_type(v->object, json_type_object))
                return hisi_json_reject(v, "expected an object");
        return 0;
}

int hisi_json_expect_array(const hisi_json_value *v, size_t min_length, size_t max_length) {
        size_t n;

        if (!v || !v->ctx || min_length > max_length)
                return -EINVAL;
        if (json_object_is_type(v->object, json_type_array)) {
                n = json_object_array_length(v->object);
                if (n >= min_length && n <= max_length)
                        return 0;
        }
        if (min_length == 0 && max_length == SIZE_MAX)
                return hisi_json_reject(v, "expected an array");
        if (min_length == max_length)
                return hisi_json_reject(v, "expected an array of %zu elements", min_length);
        if (max_length == SIZE_MAX)
                return hisi_json_reject(v, "expected an array of at least %zu elements",
                                        min_length);
        return hisi_json_reject(v, "expected an array of %zu to %zu elements", min_length,
                                max_length);
}

int hisi_json_check_keys(const hisi_json_value *obj, const char *const *known) {
        struct json_object_iterator it, end;
        int r;

        if (!obj || !known)
                return -EINVAL;
        r = hisi_json_expect_object(obj);
        if (r < 0)
                return r;
        it = json_object_iter_begin(obj->object);
        end = json_object_iter_end(obj->object);
        for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
                const char *name = json_object_iter_peek_name(&it);
                bool ok = false;
                for (const char *const *k = known; *k && !ok; k++)
                        ok = streq(*k, name);
                if (!ok) {
                        hisi_json_value child = { .ctx = obj->ctx,
                                                  .parent = obj,
                                                  .object = json_object_iter_peek_value(&it),
                                                  .key = name };
                        return hisi_json_error(&child, -EINVAL, "unknown key");
                }
        }
        return 0;
}

int hisi_json_member(const hisi_json_value *obj, const char *key, hisi_json_value *ret) {
        json_object *o = NULL;
        int r;

        if (!obj || !key || !ret)
                return -EINVAL;
        r = hisi_json_expect_object(obj);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(obj->object, key, &o))
                return 0;
        *ret = (hisi_json_value){ .ctx = obj->ctx, .parent = obj, .object = o, .key = key };
        return 1;
}

size_t hisi_json_length(const hisi_json_value *array) {
        if (!array || !json_object_is_type(array->object, json_type_array))
                return 0;
        return json_object_array_length(array->object);
}

void hisi_json_element(const hisi_json_value *array, size_t i, hisi_json_value *ret) {
        assert(array && ret && i < hisi_json_length(array));
        *ret = (hisi_json_value){ .ctx = array->ctx,
                                  .parent = array,
                                  .object = json_object_array_get_idx(array->object, i),
                                  .index = i };
}

/*
 * The sign and magnitude of an integer value. json-c clamps integers beyond 64 bits to
 * INT64_MIN or UINT64_MAX, so at those two values the text decides. -ERANGE beyond 64 bits.
 */
static int value_integer(const hisi_json_value *v, bool *ret_negative, uint64_t *ret_magnitude) {
        _cleanup_free_ hisi_json_step *items = NULL;
        const hisi_json_ctx *c = v->ctx;
        hisi_json_position pos;
        uint64_t u = 0;
        int64_t i;
        size_t n, k = 0;
        bool negative;

        if (!json_object_is_type(v->object, json_type_int))
                return -EINVAL;
        i = json_object_get_int64(v->object);
        negative = i < 0;
        if (i > INT64_MIN && i < 0)
                u = (uint64_t)(-(i + 1)) + 1;
        else if (i >= 0)
                u = json_object_get_uint64(v->object);
        else
                u = (uint64_t)INT64_MAX + 1;
        if ((i == INT64_MIN || u == UINT64_MAX) && c->text) {
                if (value_path(v, &items, &n) < 0)
                        return -ENOMEM;
                if (hisi_json_scan_locate(c->text, c->len, items, n, &pos) <= 0)
                        return -EINVAL;
                k = pos.value_offset + (negative ? 1 : 0);
                u = 0;
                for (; k < pos.value_offset + pos.value_length; k++) {
                        unsigned d = (unsigned)(c->text[k] - '0');
                        if (u > (UINT64_MAX - d) / 10)
                                return -ERANGE;
                        u = u * 10 + d;
                }
                if (negative && u > (uint64_t)INT64_MAX + 1)
                        return -ERANGE;
        }
        *ret_negative = negative;
        *ret_magnitude = u;
        return 0;
}

int hisi_json_int(const hisi_json_value *v, int64_t min, int64_t max, int64_t *ret) {
        uint64_t u;
        int64_t i;
        bool neg;
        int r;

        if (!v || !v->ctx || !ret || min > max)
                return -EINVAL;
        r = value_integer(v, &neg, &u);
        if (r == -ENOMEM)
                return hisi_json_error(v, r, "out of memory");
        if (r == 0 && (neg || u <= INT64_MAX)) {
                i = !neg ? (int64_t)u : u > INT64_MAX ? INT64_MIN : -(int64_t)u;
                if (i >= min && i <= max) {
                        *ret = i;
                        return 0;
                }
        }
        return hisi_json_reject(v, "expected an integer from %" PRId64 " to %" PRId64, min, max);
}

int hisi_json_uint(const hisi_json_value *v, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t u;
        bool neg;
        int r;

        if (!v || !v->ctx || !ret || min > max)
                return -EINVAL;
        r = value_integer(v, &neg, &u);
        if (r == -ENOMEM)
                return hisi_json_error(v, r, "out of memory");
        if (r == 0 && !neg && u >= min && u <= max) {
                *ret = u;
                return 0;
        }
        return hisi_json_reject(v, "expected an integer from %" PRIu64 " to %" PRIu64, min, max);
}

int hisi_json_bool(const hisi_json_value *v, bool *ret) {
        if (!v || !v->ctx || !ret)
                return -EINVAL;
        if (!json_object_is_type(v->object, json_type_boolean))
                return hisi_json_reject(v, "expected true or false");
        *ret = json_object_get_boolean(v->object);
        return 0;
}

int hisi_json_string(const hisi_json_value *v, size_t max_length, const char **ret) {
        if (!v || !v->ctx || !ret)
                return -EINVAL;
        if (!json_object_is_type(v->object, json_type_string))
                return hisi_json_reject(v, "expected a string");
        if ((size_t)json_object_get_string_len(v->object) > max_length)
                return hisi_json_reject(v, "expected a string of at most %zu bytes", max_length);
        *ret = json_object_get_string(v->object);
        return 0;
}

int hisi_json_enum(const hisi_json_value *v, hisi_json_from_string_t from_string,
                   hisi_json_to_string_t to_string, int *ret) {
        _cleanup_free_ char *choices = NULL;
        size_t size = 0;
        FILE *f;
        int e;

        if (!v || !v->ctx || !from_string || !to_string || !ret)
                return -EINVAL;
        if (json_object_is_type(v->object, json_type_string)) {
                e = from_string(json_object_get_string(v->object));
                if (e >= 0) {
                        *ret = e;
                        return 0;
                }
        }
        f = open_memstream(&choices, &size);
        if (!f)
                return hisi_json_error(v, -ENOMEM, "out of memory");
        for (int i = 0; i < ENUM_NAMES_MAX && to_string(i); i++) {
                const char *name = to_string(i);
                fputs(i > 0 ? ", " : "", f);
                hisi_json_write_quoted(f, name, strlen(name));
        }
        if (memstream_finish(f, &choices) < 0)
                return hisi_json_error(v, -ENOMEM, "out of memory");
        return hisi_json_reject(v, "expected one of %s", choices);
}

/* ---- Getters of members --------------------------------------------------------------- */

int hisi_json_get_int(const hisi_json_value *obj, const char *key, int64_t min, int64_t max,
                      int64_t *ret) {
        hisi_json_value v;
        int r = hisi_json_member(obj, key, &v);

        if (r <= 0)
                return r;
        r = hisi_json_int(&v, min, max, ret);
        return r < 0 ? r : 1;
}

int hisi_json_get_uint(const hisi_json_value *obj, const char *key, uint64_t min, uint64_t max,
                       uint64_t *ret) {
        hisi_json_value v;
        int r = hisi_json_member(obj, key, &v);

        if (r <= 0)
                return r;
        r = hisi_json_uint(&v, min, max, ret);
        return r < 0 ? r : 1;
}

int hisi_json_get_u32(const hisi_json_value *obj, const char *key, uint32_t min, uint32_t max,
                      uint32_t *ret) {
        uint64_t u;
        int r;

        if (!ret)
                return -EINVAL;
        r = hisi_json_get_uint(obj, key, min, max, &u);
        if (r > 0)
                *ret = (uint32_t)u;
        return r;
}

int hisi_json_get_bool(const hisi_json_value *obj, const char *key, bool *ret) {
        hisi_json_value v;
        int r = hisi_json_member(obj, key, &v);

        if (r <= 0)
                return r;
        r = hisi_json_bool(&v, ret);
        return r < 0 ? r : 1;
}

int hisi_json_get_string(const hisi_json_value *obj, const char *key, size_t max_length,
                         const char **ret) {
        hisi_json_value v;
        int r = hisi_json_member(obj, key, &v);

        if (r <= 0)
                return r;
        r = hisi_json_string(&v, max_length, ret);
        return r < 0 ? r : 1;
}

int hisi_json_get_enum(const hisi_json_value *obj, const char *key,
                       hisi_json_from_string_t from_string, hisi_json_to_string_t to_string,
                       int *ret) {
        hisi_json_value v;
        int r = hisi_json_member(obj, key, &v);

        if (r <= 0)
                return r;
        r = hisi_json_enum(&v, from_string, to_string, ret);
        return r < 0 ? r : 1;
}

int hisi_json_get_object(const hisi_json_value *obj, const char *key, hisi_json_value *ret) {
        hisi_json_value v;
        int r;

        if (!ret)
                return -EINVAL;
        r = hisi_json_member(obj, key, &v);
        if (r <= 0)
                return r;
        r = hisi_json_expect_object(&v);
        if (r < 0)
                return r;
        *ret = v;
        return 1;
}

int hisi_json_get_array(const hisi_json_value *obj, const char *key, size_t min_length,
                        size_t max_length, hisi_json_value *ret) {
        hisi_json_value v;
        int r;

        if (!ret)
                return -EINVAL;
        r = hisi_json_member(obj, key, &v);
        if (r <= 0)
                return r;
        r = hisi_json_expect_array(&v, min_length, max_length);
        if (r < 0)
                return r;
        *ret = v;
        return 1;
}

static int read_fail(char **ret_error, const char *path, int error, const char *reason) {
        if (ret_error &&
            asprintf(ret_error, "%s: %s", path, reason ? reason : strerror(-error)) < 0)
                *ret_error = NULL;
        return error;
}

int hisi_json_read_file(const char *path, char **ret_text, size_t *ret_len, char **ret_error) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *text = NULL;
        char reason[64];
        struct stat st;
        ssize_t n;

        if (!path || !ret_text || !ret_len)
                return -EINVAL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return read_fail(ret_error, path, negative_errno(), NULL);
        if (fstat(fd, &st) < 0)
                return read_fail(ret_error, path, negative_errno(), NULL);
        if (!S_ISREG(st.st_mode))
                return read_fail(ret_error, path, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
                                 S_ISDIR(st.st_mode) ? NULL : "not a regular file");
        /* One byte more than the limit tells a text over it, whatever fstat() says. */
        text = malloc(HISI_JSON_SIZE_MAX + 1);
        if (!text)
                return -ENOMEM;
        n = loop_read(fd, text, HISI_JSON_SIZE_MAX + 1);
        if (n < 0)
                return read_fail(ret_error, path, (int)n, NULL);
        if ((size_t)n > HISI_JSON_SIZE_MAX) {
                snprintf(reason, sizeof(reason), "too large: more than %u bytes",
                         HISI_JSON_SIZE_MAX);
                return read_fail(ret_error, path, -EFBIG, reason);
        }
        *ret_text = TAKE_PTR(text);
        *ret_len = (size_t)n;
        return 0;
}

int hisi_json_decode_text(const char *text, size_t len, const char *origin,
                          hisi_json_decode_t decode, void *userdata, char **ret_error) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *ctx = NULL;
        hisi_json_value root;
        int r;

        if ((!text && len > 0) || !decode)
                return -EINVAL;
        r = hisi_json_ctx_new(text, len, origin, &ctx, ret_error);
        if (r < 0)
                return r;
        hisi_json_root(ctx, &root);
        r = hisi_json_expect_object(&root);
        if (r >= 0)
                r = decode(&root, userdata);
        if (r < 0)
                return hisi_json_ctx_finish(ctx, r, ret_error);
        return r;
}
