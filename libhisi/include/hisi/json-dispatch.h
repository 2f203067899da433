/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Table-driven decoding of a JSON object into a C struct, in the manner of systemd's
 * JsonDispatch. A table lists the members an object may have, each with its type, flags, range
 * and where its value goes (an offset into the struct, or a callback); hisi_json_dispatch()
 * decodes the object through it:
 *
 *         typedef struct Limits { uint32_t max_devices; bool strict; char *name; } Limits;
 *
 *         static const hisi_json_field limits_fields[] = {
 *                 { "max_devices", HISI_JSON_UINT32, offsetof(Limits, max_devices),
 *                   .min = 1, .max = 65536 },
 *                 { "strict", HISI_JSON_BOOL, offsetof(Limits, strict) },
 *                 { "name", HISI_JSON_STRING, offsetof(Limits, name), HISI_JSON_REQUIRED,
 *                   .max = 64 },
 *                 {},
 *         };
 *         r = hisi_json_dispatch(&obj, limits_fields, 0, &limits);
 *
 * Each refusal is recorded in the value's context (hisi/json-util.h) as one message that names
 * the key, its path and its line: "sim.json:7: pfs[1].vfs: expected an integer from 0 to 255,
 * got \"four\"". The order is fixed, so that the first error of a document is always the same
 * one: a value that is not an object, then the first unknown key in the text's order, then the
 * fields in the table's order (a required one that is absent, or a value that is refused).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "hisi/json-util.h"

typedef enum hisi_json_field_type {
        HISI_JSON_BOOL,  /* bool: true or false */
        HISI_JSON_INT8,  /* int8_t … uint64_t: an integer from min to max, or, when both */
        HISI_JSON_INT16, /* are 0, over the whole width (a signed range ends at 0 or above) */
        HISI_JSON_INT32,
        HISI_JSON_INT64,
        HISI_JSON_UINT8,
        HISI_JSON_UINT16,
        HISI_JSON_UINT32,
        HISI_JSON_UINT64,
        HISI_JSON_STRING, /* char *: a copy (the old value freed), of at most max bytes (0: any) */
        HISI_JSON_ENUM,   /* int, or an enum with an _INVALID = -EINVAL (int-sized): a string
                           * that from_string maps to a value >= 0 */
        HISI_JSON_OBJECT, /* an object, dispatched through fields into the same struct */
        HISI_JSON_ANY,    /* any value, not stored: a key whose value the caller reads itself */
        HISI_JSON_CUSTOM, /* dispatch(value, field, base) decodes and stores */
        _HISI_JSON_FIELD_TYPE_MAX,
} hisi_json_field_type;

typedef enum hisi_json_field_flags {
        HISI_JSON_REQUIRED = 1 << 0, /* absent: "<object>: missing required key \"<name>\"" */
        /* null is taken: a string becomes NULL, the rest stays (a CUSTOM field sees the null) */
        HISI_JSON_NULLABLE = 1 << 1,
} hisi_json_field_flags;

typedef enum hisi_json_dispatch_flags {
        /* Members the table does not list are skipped rather than refused (a wire protocol that
         * a newer peer may extend), in nested objects too. */
        HISI_JSON_ALLOW_UNKNOWN = 1 << 0,
} hisi_json_dispatch_flags;

typedef struct hisi_json_field hisi_json_field;

/* A CUSTOM field's decoder: v is the member's value (never absent); base is the struct given
 * to hisi_json_dispatch(); a refusal is recorded on v (hisi_json_reject()) and returned. */
typedef int (*hisi_json_dispatch_t)(const hisi_json_value *v, const hisi_json_field *field,
                                    void *base);

struct hisi_json_field {
        const char *name; /* NULL ends the table */
        hisi_json_field_type type;
        size_t offset;                       /* of the field's target in the struct */
        unsigned flags;                      /* hisi_json_field_flags */
        int64_t min;                         /* integers: the range (both 0: the whole width) */
        uint64_t max;                        /* strings: the longest, in bytes (0: no limit) */
        hisi_json_from_string_t from_string; /* ENUM */
        hisi_json_to_string_t to_string;     /* ENUM: names the choices in messages */
        const hisi_json_field *fields;       /* OBJECT */
        hisi_json_dispatch_t dispatch;       /* CUSTOM */
};

/* The target of field f in the struct at base. */
static inline void *hisi_json_field_target(const hisi_json_field *f, void *base) {
        return (uint8_t *)base + f->offset;
}

/*
 * Decode the object v through fields (ended by an entry without a name) into the struct at
 * base. 0, or the first refusal's negative errno (recorded in v's context): -EINVAL, or -ENOMEM.
 * Fields decoded before a refusal keep their new values: decode into a scratch struct when the
 * caller's must stay untouched.
 */
int hisi_json_dispatch(const hisi_json_value *v, const hisi_json_field *fields, unsigned flags,
                       void *base);

/* The most strings hisi_json_dispatch_strv() takes. */
#define HISI_JSON_STRV_MAX 256u

/*
 * A CUSTOM dispatcher for an array of non-empty strings (each at most field->max bytes, 0: any;
 * at most HISI_JSON_STRV_MAX of them) into a NULL-terminated char ** (the old list freed).
 */
int hisi_json_dispatch_strv(const hisi_json_value *v, const hisi_json_field *field, void *base);

/* Parse text, whose top level must be an object, and dispatch it into base: the first error
 * (syntax, shape or a field's) comes back as one message in *ret_error. */
int hisi_json_dispatch_text(const char *text, size_t len, const char *origin,
                            const hisi_json_field *fields, unsigned flags, void *base,
                            char **ret_error);
