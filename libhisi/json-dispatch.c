/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Table-driven decoding of JSON objects into structs (see hisi/json-dispatch.h). */

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json_object_iterator.h>

#include "hisi/json-dispatch.h"
#include "strv.h"

/* The integer types: their width and sign, and so their whole range. */
static const struct {
        size_t size;
        bool is_signed;
} integer_types[_HISI_JSON_FIELD_TYPE_MAX] = {
        [HISI_JSON_INT8] = { 1, true },    [HISI_JSON_INT16] = { 2, true },
        [HISI_JSON_INT32] = { 4, true },   [HISI_JSON_INT64] = { 8, true },
        [HISI_JSON_UINT8] = { 1, false },  [HISI_JSON_UINT16] = { 2, false },
        [HISI_JSON_UINT32] = { 4, false }, [HISI_JSON_UINT64] = { 8, false },
};

static void store_integer(void *target, size_t size, uint64_t bits) {
        switch (size) {
        case 1: {
                uint8_t v = (uint8_t)bits;
                memcpy(target, &v, 1);
                break;
        }
        case 2: {
                uint16_t v = (uint16_t)bits;
                memcpy(target, &v, 2);
                break;
        }
        case 4: {
                uint32_t v = (uint32_t)bits;
                memcpy(target, &v, 4);
                break;
        }
        default:
                assert(size == 8);
                memcpy(target, &bits, 8);
        }
}

static int dispatch_integer(const hisi_json_value *v, const hisi_json_field *f, void *target) {
        size_t size = integer_types[f->type].size;
        unsigned bits = (unsigned)size * 8;
        bool whole = f->min == 0 && f->max == 0;
        int r;

        if (integer_types[f->type].is_signed) {
                int64_t hi = (int64_t)(UINT64_MAX >> (65 - bits)), lo = -hi - 1, i;
                int64_t min = whole ? lo : f->min, max = whole ? hi : (int64_t)f->max;

                /* A table outside its type's range is a bug, not an input error. */
                assert(min >= lo && f->max <= (uint64_t)hi && min <= max);
                r = hisi_json_int(v, min, max, &i);
                if (r < 0)
                        return r;
                store_integer(target, size, (uint64_t)i);
        } else {
                uint64_t hi = UINT64_MAX >> (64 - bits), u;
                uint64_t min = (uint64_t)f->min, max = whole ? hi : f->max;

                assert(f->min >= 0 && max <= hi && min <= max);
                r = hisi_json_uint(v, min, max, &u);
                if (r < 0)
                        return r;
                store_integer(target, size, u);
        }
        return 0;
}

static int dispatch_string(const hisi_json_value *v, const hisi_json_field *f, char **target) {
        const char *s;
        char *copy;
        int r;

        r = hisi_json_string(v, f->max > 0 ? (size_t)f->max : SIZE_MAX, &s);
        if (r < 0)
                return r;
        copy = strdup(s);
        if (!copy)
                return hisi_json_error(v, -ENOMEM, "out of memory");
        free(*target);
        *target = copy;
        return 0;
}

static int dispatch_field(const hisi_json_value *v, const hisi_json_field *f, unsigned flags,
                          void *base) {
        void *target = hisi_json_field_target(f, base);

        if (hisi_json_type(v) == json_type_null && (f->flags & HISI_JSON_NULLABLE) &&
            f->type != HISI_JSON_CUSTOM) {
                if (f->type == HISI_JSON_STRING)
                        *(char **)target = mfree(*(char **)target);
                return 0;
        }
        switch (f->type) {
        case HISI_JSON_BOOL:
                return hisi_json_bool(v, target);
        case HISI_JSON_INT8:
        case HISI_JSON_INT16:
        case HISI_JSON_INT32:
        case HISI_JSON_INT64:
        case HISI_JSON_UINT8:
        case HISI_JSON_UINT16:
        case HISI_JSON_UINT32:
        case HISI_JSON_UINT64:
                return dispatch_integer(v, f, target);
        case HISI_JSON_STRING:
                return dispatch_string(v, f, target);
        case HISI_JSON_ENUM:
                assert(f->from_string && f->to_string);
                return hisi_json_enum(v, f->from_string, f->to_string, target);
        case HISI_JSON_OBJECT:
                assert(f->fields);
                return hisi_json_dispatch(v, f->fields, flags, base);
        case HISI_JSON_ANY:
                return 0;
        case HISI_JSON_CUSTOM:
                assert(f->dispatch);
                return f->dispatch(v, f, base);
        case _HISI_JSON_FIELD_TYPE_MAX:
                break;
        }
        assert(!"unknown field type");
        return -EINVAL;
}

static const hisi_json_field *field_find(const hisi_json_field *fields, const char *name) {
        for (const hisi_json_field *f = fields; f->name; f++)
                if (streq(f->name, name))
                        return f;
        return NULL;
}

int hisi_json_dispatch(const hisi_json_value *v, const hisi_json_field *fields, unsigned flags,
                       void *base) {
        int r;

        if (!v || !v->ctx || !fields || !base)
                return -EINVAL;
        r = hisi_json_expect_object(v);
        if (r < 0)
                return r;
        if (!(flags & HISI_JSON_ALLOW_UNKNOWN)) {
                struct json_object_iterator it = json_object_iter_begin(v->object),
                                            end = json_object_iter_end(v->object);
                for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
                        const char *name = json_object_iter_peek_name(&it);
                        if (!field_find(fields, name))
                                return hisi_json_unknown_key(v, name);
                }
        }
        for (const hisi_json_field *f = fields; f->name; f++) {
                hisi_json_value m;

                assert(f->type >= 0 && f->type < _HISI_JSON_FIELD_TYPE_MAX);
                r = hisi_json_member(v, f->name, &m);
                if (r < 0)
                        return r;
                if (r == 0) {
                        if (f->flags & HISI_JSON_REQUIRED)
                                return hisi_json_missing(v, f->name);
                        continue;
                }
                r = dispatch_field(&m, f, flags, base);
                if (r < 0)
                        return r;
        }
        return 0;
}

int hisi_json_dispatch_text(const char *text, size_t len, const char *origin,
                            const hisi_json_field *fields, unsigned flags, void *base,
                            char **ret_error) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *ctx = NULL;
        hisi_json_value root;
        int r;

        if ((!text && len > 0) || !fields || !base)
                return -EINVAL;
        r = hisi_json_ctx_new(text, len, origin, &ctx, ret_error);
        if (r < 0)
                return r;
        hisi_json_root(ctx, &root);
        r = hisi_json_dispatch(&root, fields, flags, base);
        return hisi_json_ctx_finish(ctx, r, ret_error);
}

int hisi_json_dispatch_strv(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        char ***target = hisi_json_field_target(f, base);
        _cleanup_strv_free_ char **l = NULL;
        size_t n;
        int r;

        r = hisi_json_expect_array(v, 0, HISI_JSON_STRV_MAX);
        if (r < 0)
                return r;
        n = hisi_json_length(v);
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return hisi_json_error(v, -ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                hisi_json_value e;
                const char *s;

                hisi_json_element(v, i, &e);
                r = hisi_json_string(&e, f->max ? f->max : SIZE_MAX, &s);
                if (r < 0)
                        return r;
                if (!*s)
                        return hisi_json_reject(&e, "expected a non-empty string");
                l[i] = strdup(s);
                if (!l[i])
                        return hisi_json_error(&e, -ENOMEM, "out of memory");
        }
        strv_free(*target);
        *target = TAKE_PTR(l);
        return 0;
}
