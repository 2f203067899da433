/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The peer protocol's JSON messages every connection has (see hisi/peer-message.h): the hello,
 * the abort, and the type of any message. Each message type is a table of fields for the
 * dispatcher (hisi/json-dispatch.h), unknown members skipped; encoders build the same shapes
 * with json-c.
 */

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

#define VERSION_MAX 65535

/* ---- Any message ---- */

typedef struct message_head {
        char *type;
} message_head;

static const hisi_json_field head_fields[] = {
        { "type", HISI_JSON_STRING, offsetof(message_head, type), HISI_JSON_REQUIRED,
          .max = HISI_PEER_NAME_MAX },
        {},
};

int hisi_peer_message_type(const char *json, size_t len, char **ret_type, char **ret_error) {
        message_head h = {};
        int r;

        if (!json || !ret_type || !ret_error)
                return -EINVAL;
        r = hisi_json_dispatch_text(json, len, "message", head_fields, HISI_JSON_ALLOW_UNKNOWN, &h,
                                    ret_error);
        if (r < 0) {
                free(h.type);
                return r == -ENOMEM ? r : -EBADMSG;
        }
        *ret_type = h.type;
        return 0;
}

/* ---- hello ---- */

typedef struct hello_wire {
        char *protocol;
        hisi_peer_hello h;
} hello_wire;

static const hisi_json_field hello_fields[] = {
        { "protocol", HISI_JSON_STRING, offsetof(hello_wire, protocol), HISI_JSON_REQUIRED,
          .max = HISI_PEER_NAME_MAX },
        { "version", HISI_JSON_UINT32, offsetof(hello_wire, h.version), HISI_JSON_REQUIRED,
          .min = 1, .max = VERSION_MAX },
        { "min_version", HISI_JSON_UINT32, offsetof(hello_wire, h.min_version), HISI_JSON_REQUIRED,
          .min = 1, .max = VERSION_MAX },
        { "host", HISI_JSON_STRING, offsetof(hello_wire, h.host), HISI_JSON_REQUIRED,
          .max = HISI_PEER_NAME_MAX },
        { "software", HISI_JSON_STRING, offsetof(hello_wire, h.software),
          .max = HISI_PEER_NAME_MAX },
        { "capabilities", HISI_JSON_CUSTOM, offsetof(hello_wire, h.capabilities),
          .max = HISI_PEER_NAME_MAX, .dispatch = hisi_json_dispatch_strv },
        {},
};

int hisi_peer_hello_to_json(const hisi_peer_hello *h, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!h || !ret || !h->host)
                return -EINVAL;
        if (!o || peer_json_add_string(o, "protocol", HISI_PEER_PROTOCOL) < 0 ||
            peer_json_add_uint(o, "version", h->version) < 0 ||
            peer_json_add_uint(o, "min_version", h->min_version) < 0 ||
            peer_json_add_string(o, "host", h->host) < 0 ||
            (h->software && peer_json_add_string(o, "software", h->software) < 0) ||
            peer_json_add(o, "capabilities", peer_json_strv(h->capabilities)) < 0)
                return -ENOMEM;
        return peer_json_text(o, ret);
}

int hisi_peer_hello_from_json(const char *json, size_t len, hisi_peer_hello *ret,
                              char **ret_error) {
        hello_wire w = {};
        int r;

        r = peer_json_decode(json, len, "hello", hello_fields, &w, ret_error);
        if (r >= 0 && !streq(w.protocol, HISI_PEER_PROTOCOL))
                r = asprintf_safe(ret_error, "hello: protocol is \"%s\", not \"%s\"", w.protocol,
                                  HISI_PEER_PROTOCOL) < 0
                            ? -ENOMEM
                            : -EBADMSG;
        if (r >= 0 && w.h.min_version > w.h.version)
                r = asprintf_safe(ret_error, "hello: min_version %u is above version %u",
                                  w.h.min_version, w.h.version) < 0
                            ? -ENOMEM
                            : -EBADMSG;
        free(w.protocol);
        if (r < 0) {
                hisi_peer_hello_done(&w.h);
                return r;
        }
        *ret = w.h;
        return 0;
}

void hisi_peer_hello_done(hisi_peer_hello *h) {
        if (!h)
                return;
        free(h->host);
        free(h->software);
        strv_free(h->capabilities);
        *h = (hisi_peer_hello){};
}

bool hisi_peer_hello_has(const hisi_peer_hello *h, const char *capability) {
        return h && strv_contains(h->capabilities, capability);
}

int hisi_peer_version_agree(const hisi_peer_hello *a, const hisi_peer_hello *b) {
        unsigned hi, lo;

        if (!a || !b)
                return -EINVAL;
        hi = MIN(a->version, b->version);
        lo = MAX(a->min_version, b->min_version);
        return hi >= lo && hi > 0 ? (int)hi : -EPROTONOSUPPORT;
}

/* ---- abort ---- */

static const hisi_json_field abort_fields[] = {
        { "reason", HISI_JSON_STRING, offsetof(hisi_peer_abort, reason), HISI_JSON_REQUIRED,
          .max = HISI_PEER_NAME_MAX },
        { "message", HISI_JSON_STRING, offsetof(hisi_peer_abort, message), HISI_JSON_REQUIRED,
          .max = HISI_PEER_TEXT_MAX },
        {},
};

int hisi_peer_abort_to_json(const char *reason, const char *message, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!reason || !message || !ret)
                return -EINVAL;
        if (!o || peer_json_add_string(o, "type", "abort") < 0 ||
            peer_json_add_string(o, "reason", reason) < 0 ||
            peer_json_add(o, "message",
                          json_object_new_string_len(message, (int)peer_text_cut(message))) < 0)
                return -ENOMEM;
        return peer_json_text(o, ret);
}

int hisi_peer_abort_from_json(const char *json, size_t len, hisi_peer_abort *ret,
                              char **ret_error) {
        hisi_peer_abort a = {};
        int r = peer_json_decode(json, len, "abort", abort_fields, &a, ret_error);

        if (r < 0) {
                hisi_peer_abort_done(&a);
                return r;
        }
        *ret = a;
        return 0;
}

void hisi_peer_abort_done(hisi_peer_abort *a) {
        if (!a)
                return;
        free(a->reason);
        free(a->message);
        *a = (hisi_peer_abort){};
}
