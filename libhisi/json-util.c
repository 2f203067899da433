/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The decoding context of strict JSON (see json-util.h): values with their paths and positions,
 * the first error as one message, and typed converters and getters. The parser (json-parse.c)
 * records where each value stands, so that a message finds its line without reading the text
 * again.
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
#include "json-cleanup.h"
#include "json-internal.h"

/* How many names of an enum a message lists. */
#define ENUM_NAMES_MAX 64

struct hisi_json_ctx {
        char *origin;
        const char *text; /* NULL for a context made from a tree */
        size_t len;
        hisi_json_tree tree; /* without nodes for a context made from a tree */
        char *error;
        int error_code;
};

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
        int r;

        if ((!text && len > 0) || !ret)
                return -EINVAL;
        r = ctx_alloc(origin, &c);
        if (r < 0)
                return r;
        r = hisi_json_parse_tree(text, len, origin, true, &c->tree, ret_error);
        if (r < 0)
                return r;
        c->text = text ? text : "";
        c->len = len;
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
        c->tree.root = json_object_get(root);
        *ret = c;
        return 0;
}

hisi_json_ctx *hisi_json_ctx_free(hisi_json_ctx *c) {
        if (!c)
                return NULL;
        hisi_json_tree_done(&c->tree);
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

int hisi_json_value_position(const hisi_json_value *v, hisi_json_position *ret) {
        if (!v || !ret)
                return -EINVAL;
        if (!v->node)
                return -ENODATA;
        *ret = (hisi_json_position){
                .offset = v->node->offset,
                .line = v->node->line,
                .column = v->node->column,
                .value_offset = v->node->value_offset,
                .value_length = v->node->value_length,
        };
        return 0;
}

void hisi_json_root(hisi_json_ctx *c, hisi_json_value *ret) {
        assert(c && ret);
        *ret = (hisi_json_value){ .ctx = c, .object = c->tree.root, .node = c->tree.nodes };
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
static void write_value(FILE *f, const hisi_json_value *v) {
        const hisi_json_node *n = v->node;
        const char *s;
        size_t len, cut;

        switch (json_object_get_type(v->object)) {
        case json_type_object:
                fputs(json_object_object_length(v->object) == 0 ? "an empty object" : "an object",
                      f);
                return;
        case json_type_array:
                len = json_object_array_length(v->object);
                if (len == 0)
                        fputs("an empty array", f);
                else
                        fprintf(f, "an array of %zu element%s", len, len == 1 ? "" : "s");
                return;
        case json_type_string:
                if (n)
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
        if (n) {
                s = v->ctx->text + n->value_offset;
                len = n->value_length;
        } else {
                s = json_object_to_json_string_ext(v->object, JSON_C_TO_STRING_PLAIN);
                if (!s)
                        s = "?";
                len = strlen(s);
        }
        cut = hisi_json_utf8_cut(s, len, HISI_JSON_QUOTE_MAX);
        fprintf(f, "%.*s%s", (int)cut, s, cut < len ? "..." : "");
}

static int record(const hisi_json_value *v, int error, bool got, const char *fmt, va_list ap)
        _printf_(4, 0);
static int record(const hisi_json_value *v, int error, bool got, const char *fmt, va_list ap) {
        hisi_json_ctx *c = v->ctx;
        _cleanup_free_ hisi_json_step *steps = NULL;
        _cleanup_free_ char *buf = NULL;
        const hisi_json_value *at = v;
        size_t n = 0, size = 0;
        FILE *f;

        assert(error < 0);
        if (c->error_code < 0)
                return error; /* the first error is the one reported */
        c->error_code = error;
        if (value_path(v, &steps, &n) < 0)
                return error;
        /* A member that is absent stands where its nearest ancestor does. */
        while (!at->node && at->parent)
                at = at->parent;
        f = open_memstream(&buf, &size);
        if (!f)
                return error;
        fputs(c->origin, f);
        if (at->node)
                fprintf(f, ":%u", (unsigned)at->node->line);
        fputs(": ", f);
        if (n > 0) {
                hisi_json_write_path(f, steps, n);
                fputs(": ", f);
        }
        vfprintf(f, fmt, ap);
        if (got) {
                fputs(", got ", f);
                write_value(f, v);
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

/* The member key of obj, present or not. */
static void member_of(const hisi_json_value *obj, const char *key, hisi_json_value *ret) {
        json_object *o = NULL;

        if (json_object_is_type(obj->object, json_type_object))
                (void)json_object_object_get_ex(obj->object, key, &o);
        *ret = (hisi_json_value){ .ctx = obj->ctx,
                                  .parent = obj,
                                  .object = o,
                                  .key = key,
                                  .node = hisi_json_node_member(&obj->ctx->tree, obj->node, key) };
}

void hisi_json_member_path(const hisi_json_value *obj, const char *key, hisi_json_value *ret) {
        assert(obj && key && ret);
        member_of(obj, key, ret);
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
                if (!ok)
                        return hisi_json_unknown_key(obj, name);
        }
        return 0;
}

int hisi_json_unknown_key(const hisi_json_value *obj, const char *key) {
        hisi_json_value v;

        if (!obj || !obj->ctx || !key)
                return -EINVAL;
        member_of(obj, key, &v);
        return hisi_json_error(&v, -EINVAL, "unknown key");
}

int hisi_json_member(const hisi_json_value *obj, const char *key, hisi_json_value *ret) {
        int r;

        if (!obj || !key || !ret)
                return -EINVAL;
        r = hisi_json_expect_object(obj);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(obj->object, key, NULL))
                return 0;
        member_of(obj, key, ret);
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
                                  .index = i,
                                  .node = hisi_json_node_element(&array->ctx->tree, array->node,
                                                                 i) };
}

/* The sign and magnitude of an integer value. The parser makes an integer beyond 64 bits a
 * double, so that a json-c integer is exact. */
static int value_integer(const hisi_json_value *v, bool *ret_negative, uint64_t *ret_magnitude) {
        int64_t i;

        if (!json_object_is_type(v->object, json_type_int))
                return -EINVAL;
        i = json_object_get_int64(v->object);
        *ret_negative = i < 0;
        if (i < 0)
                *ret_magnitude = (uint64_t)(-(i + 1)) + 1;
        else
                *ret_magnitude = json_object_get_uint64(v->object);
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

/* A getter's result: 1 when the member was there and its value taken, or the error. */
static int got(int r) {
        return r < 0 ? r : 1;
}

int hisi_json_get_int(const hisi_json_value *obj, const char *key, int64_t min, int64_t max,
                      int64_t *ret) {
        hisi_json_value v;
        int r = hisi_json_member(obj, key, &v);

        return r <= 0 ? r : got(hisi_json_int(&v, min, max, ret));
}

int hisi_json_get_uint(const hisi_json_value *obj, const char *key, uint64_t min, uint64_t max,
                       uint64_t *ret) {
        hisi_json_value v;
        int r = hisi_json_member(obj, key, &v);

        return r <= 0 ? r : got(hisi_json_uint(&v, min, max, ret));
}

int hisi_json_get_u32(const hisi_json_value *obj, const char *key, uint32_t min, uint32_t max,
                      uint32_t *ret) {
        uint64_t u = 0;
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

        return r <= 0 ? r : got(hisi_json_bool(&v, ret));
}

int hisi_json_get_string(const hisi_json_value *obj, const char *key, size_t max_length,
                         const char **ret) {
        hisi_json_value v;
        int r = hisi_json_member(obj, key, &v);

        return r <= 0 ? r : got(hisi_json_string(&v, max_length, ret));
}

int hisi_json_get_enum(const hisi_json_value *obj, const char *key,
                       hisi_json_from_string_t from_string, hisi_json_to_string_t to_string,
                       int *ret) {
        hisi_json_value v;
        int r = hisi_json_member(obj, key, &v);

        return r <= 0 ? r : got(hisi_json_enum(&v, from_string, to_string, ret));
}

int hisi_json_get_object(const hisi_json_value *obj, const char *key, hisi_json_value *ret) {
        hisi_json_value v;
        int r;

        if (!ret)
                return -EINVAL;
        r = hisi_json_member(obj, key, &v);
        if (r > 0)
                r = got(hisi_json_expect_object(&v));
        if (r > 0)
                *ret = v;
        return r;
}

int hisi_json_get_array(const hisi_json_value *obj, const char *key, size_t min_length,
                        size_t max_length, hisi_json_value *ret) {
        hisi_json_value v;
        int r;

        if (!ret)
                return -EINVAL;
        r = hisi_json_member(obj, key, &v);
        if (r > 0)
                r = got(hisi_json_expect_array(&v, min_length, max_length));
        if (r > 0)
                *ret = v;
        return r;
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
        /* O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer; what is not a
         * regular file is refused right after, before anything is read. A regular file ignores
         * the flag. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
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
