/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* D-Bus → JSON for hisi-accmigctl (see ctl-json.h). */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-json.h"
#include "json-cleanup.h"
#include "macro.h"

static int read_basic(sd_bus_message *m, char type, json_object **ret) {
        union {
                uint8_t y;
                int b;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
                const char *s;
        } v;
        int r;

        r = sd_bus_message_read_basic(m, type, &v);
        if (r < 0)
                return r;
        switch (type) {
        case 'y':
                *ret = json_object_new_int(v.y);
                break;
        case 'b':
                *ret = json_object_new_boolean(v.b);
                break;
        case 'n':
                *ret = json_object_new_int(v.n);
                break;
        case 'q':
                *ret = json_object_new_int(v.q);
                break;
        case 'i':
                *ret = json_object_new_int(v.i);
                break;
        case 'u':
                *ret = json_object_new_int64(v.u);
                break;
        case 'x':
                *ret = json_object_new_int64(v.x);
                break;
        case 't':
                *ret = json_object_new_uint64(v.t);
                break;
        case 'd':
                *ret = json_object_new_double(v.d);
                break;
        case 's':
        case 'o':
        case 'g':
                *ret = json_object_new_string(v.s);
                break;
        default:
                return -EBADMSG;
        }
        return *ret ? 1 : -ENOMEM;
}

/* A dictionary a{…}: a JSON object keyed by the entries' keys as strings. */
static int read_dict(sd_bus_message *m, const char *contents, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *entry = NULL;
        size_t n = strlen(contents);
        int r;

        if (!o)
                return -ENOMEM;
        /* "{sv}": the entries' signature is "sv". */
        if (n < 4 || contents[n - 1] != '}')
                return -EBADMSG;
        entry = strndup(contents + 1, n - 2);
        if (!entry)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', entry)) > 0) {
                _cleanup_json_ json_object *key = NULL, *value = NULL;

                r = ctl_json_read(m, &key);
                if (r <= 0)
                        return r < 0 ? r : -EBADMSG;
                r = ctl_json_read(m, &value);
                if (r <= 0)
                        return r < 0 ? r : -EBADMSG;
                json_object_object_add(o, json_object_get_string(key), TAKE_PTR(value));
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 1;
}

static int read_variant(sd_bus_message *m, const char *contents, json_object **ret) {
        int r;

        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;
        r = ctl_json_read(m, ret);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        r = sd_bus_message_exit_container(m);
        return r < 0 ? r : 1;
}

/* An array or a struct: a JSON array. */
static int read_array(sd_bus_message *m, char type, const char *contents, json_object **ret) {
        _cleanup_json_ json_object *a = json_object_new_array();
        int r;

        if (!a)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0)
                return r;
        for (;;) {
                json_object *e = NULL;

                r = ctl_json_read(m, &e);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                json_object_array_add(a, e);
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(a);
        return 1;
}

int ctl_json_read(sd_bus_message *m, json_object **ret) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r;
        if (type == 'a' && contents[0] == '{')
                return read_dict(m, contents, ret);
        if (type == 'v')
                return read_variant(m, contents, ret);
        if (type == 'a' || type == 'r')
                return read_array(m, type, contents, ret);
        return read_basic(m, type, ret);
}

char *ctl_json_key(const char *name) {
        size_t n = strlen(name);
        char *k = malloc(2 * n + 1), *p = k;

        if (!k)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                bool upper = c >= 'A' && c <= 'Z';
                /* A word starts at a capital after a small letter or digit ("BindState"), or at
                 * the last capital of a run that a small letter follows ("VFIndex"). */
                bool after_word = i > 0 && ((name[i - 1] >= 'a' && name[i - 1] <= 'z') ||
                                            (name[i - 1] >= '0' && name[i - 1] <= '9'));
                bool ends_run = i > 0 && name[i - 1] >= 'A' && name[i - 1] <= 'Z' &&
                                name[i + 1] >= 'a' && name[i + 1] <= 'z';

                if (upper && (after_word || ends_run))
                        *p++ = '_';
                *p++ = upper ? (char)(c - 'A' + 'a') : c;
        }
        *p = '\0';
        return k;
}

/* The members of the structs in the arrays the interface has: D-Bus has no names for them. */
static const struct {
        const char *property;
        const char *const *members;
} struct_layouts[] = {
        { "PhysicalFunctions",
          (const char *const[]){ "address", "kind", "driver", "num_vfs", "total_vfs", NULL } },
        { "LibvirtManaged", (const char *const[]){ "address", "domain", NULL } },
        { "Overrides", (const char *const[]){ "address", "binding", NULL } },
        { "Devices", (const char *const[]){ "source", "destination", "phase", "bytes",
                                            "downtime_us", "error", NULL } },
};

static int name_structs(json_object *array, const char *const *members, json_object **ret) {
        _cleanup_json_ json_object *a = json_object_new_array();

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(array); i++) {
                json_object *s = json_object_array_get_idx(array, i), *o;

                if (!json_object_is_type(s, json_type_array))
                        return -EBADMSG;
                o = json_object_new_object();
                if (!o || json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                for (size_t j = 0; members[j] && j < json_object_array_length(s); j++)
                        json_object_object_add(o, members[j],
                                               json_object_get(json_object_array_get_idx(s, j)));
        }
        *ret = TAKE_PTR(a);
        return 0;
}

int ctl_json_properties(json_object *props, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        if (!json_object_is_type(props, json_type_object))
                return -EBADMSG;
        json_object_object_foreach (props, name, value) {
                _cleanup_free_ char *key = ctl_json_key(name);
                json_object *v = NULL;

                if (!key)
                        return -ENOMEM;
                for (size_t i = 0; i < ELEMENTSOF(struct_layouts); i++)
                        if (streq(name, struct_layouts[i].property) &&
                            json_object_is_type(value, json_type_array)) {
                                r = name_structs(value, struct_layouts[i].members, &v);
                                if (r < 0)
                                        return r;
                        }
                if (!v)
                        v = json_object_get(value);
                json_object_object_add(o, key, v);
        }
        *ret = TAKE_PTR(o);
        return 0;
}

void ctl_json_print(json_object *o) {
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
}

const char *ctl_json_str(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !v)
                return "";
        return json_object_get_string(v);
}

int64_t ctl_json_int(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !v)
                return 0;
        return json_object_get_int64(v);
}

const char *ctl_dash(const char *s) {
        return s && s[0] ? s : "-";
}
