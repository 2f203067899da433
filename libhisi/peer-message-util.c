/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every peer message codec shares (see peer-message-internal.h). */

#include <assert.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "file-util.h"
#include "hisi/json-dispatch.h"
#include "hisi/peer-message.h"
#include "hisi/peer-wire.h"
#include "json-cleanup.h"
#include "macro.h"
#include "peer-message-internal.h"
#include "string-util.h"
#include "strv.h"

/* json-c's text of o: a new string. */
int peer_json_text(json_object *o, char **ret) {
        const char *s;

        if (!o)
                return -ENOMEM;
        s = json_object_to_json_string_ext(o,
                                           JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return -ENOMEM;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int peer_json_add(json_object *o, const char *key, json_object *v) {
        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* s, or JSON null (which json-c represents as a NULL object) for NULL. */
int peer_json_add_string(json_object *o, const char *key, const char *s) {
        if (!s)
                return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
        return peer_json_add(o, key, json_object_new_string(s));
}

int peer_json_add_uint(json_object *o, const char *key, uint64_t v) {
        return peer_json_add(o, key, json_object_new_uint64(v));
}

json_object *peer_json_strv(char *const *l) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && l && l[i]; i++)
                if (json_object_array_add(a, json_object_new_string(l[i])) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

/* The length of s cut to HISI_PEER_TEXT_MAX bytes without splitting a UTF-8 sequence. */
size_t peer_text_cut(const char *s) {
        size_t n = strlen(s);

        if (n <= HISI_PEER_TEXT_MAX)
                return n;
        n = HISI_PEER_TEXT_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
                n--;
        return n;
}

/* Decode json through fields into base; -EBADMSG and a sentence when refused. */
int peer_json_decode(const char *json, size_t len, const char *what, const hisi_json_field *fields,
                     void *base, char **ret_error) {
        int r;

        if (!json || !base || !ret_error)
                return -EINVAL;
        r = hisi_json_dispatch_text(json, len, what, fields, HISI_JSON_ALLOW_UNKNOWN, base,
                                    ret_error);
        return r == -ENOMEM ? r : r < 0 ? -EBADMSG : 0;
}

/* An array of 1..HISI_WIRE_DEVICES_MAX objects, each through fields into an element of size
 * bytes of a new array; *ret_n its length. */
int peer_json_dispatch_array(const hisi_json_value *v, const hisi_json_field *fields, size_t size,
                             void **ret, size_t *ret_n, void (*done)(void *)) {
        uint8_t *a;
        size_t n;
        int r;

        r = hisi_json_expect_array(v, 1, HISI_WIRE_DEVICES_MAX);
        if (r < 0)
                return r;
        n = hisi_json_length(v);
        a = calloc(n, size);
        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                hisi_json_value e;

                hisi_json_element(v, i, &e);
                r = hisi_json_dispatch(&e, fields, HISI_JSON_ALLOW_UNKNOWN, a + i * size);
                if (r < 0) {
                        for (size_t j = 0; j <= i; j++)
                                done(a + j * size);
                        free(a);
                        return r;
                }
        }
        *ret = a;
        *ret_n = n;
        return 0;
}
