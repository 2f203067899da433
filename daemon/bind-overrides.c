/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The operator's persistent bindings, in one file written atomically (see bind-overrides.h). */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind-overrides.h"
#include "file-util.h"
#include "hisi/json-dispatch.h"
#include "hisi/json-util.h"
#include "json-cleanup.h"
#include "string-util.h"
#include "strv.h"

typedef struct OverridesText {
        char **bind;
        char **unbind;
} OverridesText;

static const hisi_json_field overrides_fields[] = {
        { "bind", HISI_JSON_CUSTOM, offsetof(OverridesText, bind),
          .dispatch = hisi_json_dispatch_strv, .max = 64 },
        { "unbind", HISI_JSON_CUSTOM, offsetof(OverridesText, unbind),
          .dispatch = hisi_json_dispatch_strv, .max = 64 },
        {},
};

static int compare_entries(const void *a, const void *b) {
        return strcmp(((const BindOverride *)a)->address, ((const BindOverride *)b)->address);
}

static BindOverride *find(const BindOverrides *o, const char *address) {
        BindOverride key = {};

        if (!o->entries || strlen(address) >= sizeof(key.address))
                return NULL;
        strcpy(key.address, address);
        return bsearch(&key, o->entries, o->n, sizeof(*o->entries), compare_entries);
}

int bind_overrides_parse(BindOverrides *o, const char *text, size_t len, const char *origin,
                         char **ret_error) {
        OverridesText t = {};
        _cleanup_free_ BindOverride *entries = NULL;
        size_t n = 0, max;
        int r;

        if (!o || (!text && len > 0))
                return -EINVAL;
        r = hisi_json_dispatch_text(text, len, origin, overrides_fields, 0, &t, ret_error);
        if (r < 0)
                goto out;
        max = strv_length(t.bind) + strv_length(t.unbind);
        if (max > BIND_OVERRIDES_MAX) {
                r = -E2BIG;
                if (ret_error)
                        (void)asprintf_safe(ret_error, "%s: more than %d records", strna(origin),
                                            BIND_OVERRIDES_MAX);
                goto out;
        }
        entries = calloc(max ?: 1, sizeof(*entries));
        if (!entries) {
                r = -ENOMEM;
                goto out;
        }
        for (BindJobType type = BIND_JOB_BIND; type <= BIND_JOB_UNBIND; type++)
                for (char **a = type == BIND_JOB_BIND ? t.bind : t.unbind; a && *a; a++) {
                        if (hisi_pci_address_normalize(*a, entries[n].address) < 0) {
                                r = -EINVAL;
                                if (ret_error)
                                        (void)asprintf_safe(
                                                ret_error, "%s: %s: \"%s\" is not a PCI address",
                                                strna(origin), bind_job_type_to_string(type), *a);
                                goto out;
                        }
                        entries[n++].type = type;
                }
        qsort(entries, n, sizeof(*entries), compare_entries);
        for (size_t i = 1; i < n; i++)
                if (streq(entries[i - 1].address, entries[i].address)) {
                        r = -EINVAL;
                        if (ret_error)
                                (void)asprintf_safe(ret_error, "%s: %s is recorded twice",
                                                    strna(origin), entries[i].address);
                        goto out;
                }
        free(o->entries);
        o->entries = TAKE_PTR(entries);
        o->n = n;
        r = 0;
out:
        strv_free(t.bind);
        strv_free(t.unbind);
        return r;
}

int bind_overrides_format(const BindOverrides *o, char **ret) {
        _cleanup_json_ json_object *root = json_object_new_object();
        json_object *lists[_BIND_JOB_TYPE_MAX] = {};
        const char *s;
        char *text;

        if (!o || !ret)
                return -EINVAL;
        if (!root)
                return -ENOMEM;
        for (BindJobType type = BIND_JOB_BIND; type <= BIND_JOB_UNBIND; type++) {
                lists[type] = json_object_new_array();
                if (!lists[type] ||
                    json_object_object_add(root, bind_job_type_to_string(type), lists[type]) < 0) {
                        json_object_put(lists[type]);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; i < o->n; i++) {
                json_object *a = json_object_new_string(o->entries[i].address);
                if (!a || json_object_array_add(lists[o->entries[i].type], a) < 0) {
                        json_object_put(a);
                        return -ENOMEM;
                }
        }
        s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s || asprintf_safe(&text, "%s\n", s) < 0)
                return -ENOMEM;
        *ret = text;
        return 0;
}

int bind_overrides_load(const char *state_directory, BindOverrides **ret, char **ret_error) {
        _cleanup_(bind_overrides_freep) BindOverrides *o = NULL;
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        if (!state_directory || !ret)
                return -EINVAL;
        o = calloc(1, sizeof(*o));
        if (!o || asprintf_safe(&o->path, "%s/%s", state_directory, BIND_OVERRIDES_FILE) < 0)
                return -ENOMEM;
        r = hisi_json_read_file(o->path, &text, &len, ret_error);
        if (r == -ENOENT) {
                if (ret_error)
                        *ret_error = mfree(*ret_error);
                r = 0;
        } else if (r >= 0)
                r = bind_overrides_parse(o, text, len, o->path, ret_error);
        *ret = TAKE_PTR(o);
        return r;
}

BindOverrides *bind_overrides_free(BindOverrides *o) {
        if (!o)
                return NULL;
        free(o->path);
        free(o->entries);
        free(o);
        return NULL;
}

int bind_overrides_get(const BindOverrides *o, const char *address) {
        const BindOverride *e;

        if (!o || !address)
                return -EINVAL;
        e = find(o, address);
        return e ? (int)e->type : -ENOENT;
}

/* Write the list to the file, making its directory first where no service manager did. */
static int save(const BindOverrides *o) {
        _cleanup_free_ char *text = NULL, *dir = strdup(o->path);
        char *slash;
        int r;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                r = mkdir_p(dir, 0700);
                if (r < 0)
                        return r;
        }
        r = bind_overrides_format(o, &text);
        if (r < 0)
                return r;
        return write_file_atomic(o->path, text, strlen(text), 0644);
}

int bind_overrides_record(BindOverrides *o, const char *address, int type) {
        BindOverride *e, saved;
        int r;

        if (!o || !address || type >= _BIND_JOB_TYPE_MAX)
                return -EINVAL;
        e = find(o, address);
        if (e && e->type == type)
                return 0;
        if (!e && type < 0)
                return 0;
        if (e) {
                size_t i = (size_t)(e - o->entries);

                saved = *e;
                if (type >= 0)
                        e->type = type;
                else {
                        memmove(e, e + 1, (o->n - i - 1) * sizeof(*e));
                        o->n--;
                }
                r = save(o);
                if (r < 0) {
                        /* Put the list back as it was. */
                        if (type < 0) {
                                memmove(o->entries + i + 1, o->entries + i,
                                        (o->n - i) * sizeof(*e));
                                o->n++;
                        }
                        o->entries[i] = saved;
                        return r;
                }
                return 1;
        }
        if (o->n >= BIND_OVERRIDES_MAX)
                return -E2BIG;
        if (strlen(address) >= sizeof(saved.address))
                return -EINVAL;
        e = realloc(o->entries, (o->n + 1) * sizeof(*e));
        if (!e)
                return -ENOMEM;
        o->entries = e;
        strcpy(o->entries[o->n].address, address);
        o->entries[o->n].type = type;
        o->n++;
        qsort(o->entries, o->n, sizeof(*o->entries), compare_entries);
        r = save(o);
        if (r < 0) {
                e = find(o, address);
                memmove(e, e + 1, (size_t)(o->entries + o->n - e - 1) * sizeof(*e));
                o->n--;
                return r;
        }
        return 1;
}
