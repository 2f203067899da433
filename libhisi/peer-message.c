/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The peer protocol's JSON messages (see hisi/peer-message.h): each message type a table of
 * fields for the dispatcher (hisi/json-dispatch.h), unknown members skipped; encoders build the
 * same shapes with json-c.
 */

#include <assert.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "hisi/json-dispatch.h"
#include "hisi/peer-message.h"
#include "hisi/peer-wire.h"
#include "file-util.h"
#include "json-cleanup.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"

#define VERSION_MAX 65535

/* json-c's text of o: a new string. */
static int to_text(json_object *o, char **ret) {
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

static int add(json_object *o, const char *key, json_object *v) {
        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* s, or JSON null (which json-c represents as a NULL object) for NULL. */
static int add_string(json_object *o, const char *key, const char *s) {
        if (!s)
                return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
        return add(o, key, json_object_new_string(s));
}

static int add_uint(json_object *o, const char *key, uint64_t v) {
        return add(o, key, json_object_new_uint64(v));
}

static json_object *new_strv(char *const *l) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && l && l[i]; i++)
                if (json_object_array_add(a, json_object_new_string(l[i])) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

/* The length of s cut to HISI_PEER_TEXT_MAX bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *s) {
        size_t n = strlen(s);

        if (n <= HISI_PEER_TEXT_MAX)
                return n;
        n = HISI_PEER_TEXT_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
                n--;
        return n;
}

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

/* Decode json through fields into base; -EBADMSG and a sentence when refused. */
static int decode(const char *json, size_t len, const char *what, const hisi_json_field *fields,
                  void *base, char **ret_error) {
        int r;

        if (!json || !base || !ret_error)
                return -EINVAL;
        r = hisi_json_dispatch_text(json, len, what, fields, HISI_JSON_ALLOW_UNKNOWN, base,
                                    ret_error);
        return r == -ENOMEM ? r : r < 0 ? -EBADMSG : 0;
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
        if (!o || add_string(o, "protocol", HISI_PEER_PROTOCOL) < 0 ||
            add_uint(o, "version", h->version) < 0 ||
            add_uint(o, "min_version", h->min_version) < 0 || add_string(o, "host", h->host) < 0 ||
            (h->software && add_string(o, "software", h->software) < 0) ||
            add(o, "capabilities", new_strv(h->capabilities)) < 0)
                return -ENOMEM;
        return to_text(o, ret);
}

int hisi_peer_hello_from_json(const char *json, size_t len, hisi_peer_hello *ret,
                              char **ret_error) {
        hello_wire w = {};
        int r;

        r = decode(json, len, "hello", hello_fields, &w, ret_error);
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
        if (!o || add_string(o, "type", "abort") < 0 || add_string(o, "reason", reason) < 0 ||
            add(o, "message", json_object_new_string_len(message, (int)utf8_cut(message))) < 0)
                return -ENOMEM;
        return to_text(o, ret);
}

int hisi_peer_abort_from_json(const char *json, size_t len, hisi_peer_abort *ret,
                              char **ret_error) {
        hisi_peer_abort a = {};
        int r = decode(json, len, "abort", abort_fields, &a, ret_error);

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

/* ---- check ---- */

static int kind_from_string(const char *s) {
        return hisi_kind_from_string(s);
}
static const char *kind_to_string(int k) {
        return hisi_kind_to_string(k);
}

static const hisi_json_field stream_fields[] = {
        { "version", HISI_JSON_UINT8, offsetof(hisi_peer_check_device, desc.stream.version),
          HISI_JSON_REQUIRED, .min = 1, .max = 2 },
        { "major", HISI_JSON_UINT16, offsetof(hisi_peer_check_device, desc.stream.major) },
        { "minor", HISI_JSON_UINT16, offsetof(hisi_peer_check_device, desc.stream.minor) },
        {},
};

/* The members of a device that can be unknown, by the compatibility field they carry. */
static const char *const unknown_names[_HISI_COMPAT_FIELD_MAX] = {
        [HISI_COMPAT_QP_NUM] = "qp_num",         [HISI_COMPAT_QUEUE_ISOLATION] = "que_iso_cfg",
        [HISI_COMPAT_STREAM_VERSION] = "stream", [HISI_COMPAT_MIG_FLAGS] = "migration_flags",
        [HISI_COMPAT_STATE_SIZE] = "state_size",
};

/* "unknown": the names of members whose value could not be read; a name this version does not
 * know is skipped (a newer peer's). */
static int dispatch_unknown(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        hisi_peer_check_device *d = base;
        int r;

        r = hisi_json_expect_array(v, 0, _HISI_COMPAT_FIELD_MAX * 4);
        if (r < 0)
                return r;
        for (size_t i = 0; i < hisi_json_length(v); i++) {
                hisi_json_value e;
                const char *s;

                hisi_json_element(v, i, &e);
                r = hisi_json_string(&e, HISI_PEER_NAME_MAX, &s);
                if (r < 0)
                        return r;
                for (hisi_compat_field k = 0; k < _HISI_COMPAT_FIELD_MAX; k++)
                        if (unknown_names[k] && streq(unknown_names[k], s))
                                d->desc.unknown |= HISI_COMPAT_UNKNOWN(k);
        }
        return 0;
}

static json_object *unknown_to_json(unsigned unknown) {
        json_object *a = json_object_new_array();

        for (hisi_compat_field k = 0; a && k < _HISI_COMPAT_FIELD_MAX; k++)
                if ((unknown & HISI_COMPAT_UNKNOWN(k)) && unknown_names[k] &&
                    json_object_array_add(a, json_object_new_string(unknown_names[k])) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

static const hisi_json_field check_device_fields[] = {
        { "source", HISI_JSON_STRING, offsetof(hisi_peer_check_device, source), HISI_JSON_REQUIRED,
          .max = HISI_PCI_ADDRESS_MAX },
        { "to", HISI_JSON_STRING, offsetof(hisi_peer_check_device, to), HISI_JSON_NULLABLE,
          .max = HISI_PCI_ADDRESS_MAX },
        { "kind", HISI_JSON_ENUM, offsetof(hisi_peer_check_device, desc.kind), HISI_JSON_REQUIRED,
          .from_string = kind_from_string, .to_string = kind_to_string },
        { "device_id", HISI_JSON_UINT16, offsetof(hisi_peer_check_device, desc.device_id),
          HISI_JSON_REQUIRED },
        { "qp_num", HISI_JSON_UINT32, offsetof(hisi_peer_check_device, desc.qp_num),
          HISI_JSON_REQUIRED },
        { "que_iso_cfg", HISI_JSON_UINT32, offsetof(hisi_peer_check_device, desc.que_iso_cfg),
          HISI_JSON_REQUIRED },
        { "qm_version", HISI_JSON_UINT32, offsetof(hisi_peer_check_device, qm_version) },
        { "stream", HISI_JSON_OBJECT, 0, HISI_JSON_REQUIRED, .fields = stream_fields },
        { "migration_flags", HISI_JSON_UINT64, offsetof(hisi_peer_check_device, desc.mig_flags),
          HISI_JSON_REQUIRED },
        { "state_size", HISI_JSON_UINT64, offsetof(hisi_peer_check_device, desc.state_size),
          HISI_JSON_REQUIRED, .max = HISI_WIRE_STATE_MAX },
        { "unknown", HISI_JSON_CUSTOM, 0, .dispatch = dispatch_unknown },
        {},
};

static void check_device_done(hisi_peer_check_device *d) {
        free(d->source);
        free(d->to);
}

/* An array of 1..HISI_WIRE_DEVICES_MAX objects, each through fields into an element of size
 * bytes of a new array; *ret_n its length. */
static int dispatch_array(const hisi_json_value *v, const hisi_json_field *fields, size_t size,
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

static void check_device_done_v(void *p) {
        check_device_done(p);
}

static int dispatch_check_devices(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        hisi_peer_check *c = base;

        return dispatch_array(v, check_device_fields, sizeof(hisi_peer_check_device),
                              (void **)&c->devices, &c->n_devices, check_device_done_v);
}

static const hisi_json_field check_fields[] = {
        { "id", HISI_JSON_UINT64, offsetof(hisi_peer_check, id), HISI_JSON_REQUIRED },
        { "devices", HISI_JSON_CUSTOM, 0, HISI_JSON_REQUIRED, .dispatch = dispatch_check_devices },
        {},
};

static json_object *check_device_to_json(const hisi_peer_check_device *d) {
        json_object *o = json_object_new_object(), *stream = json_object_new_object();

        if (!o || !stream || add_string(o, "source", d->source) < 0 ||
            add_string(o, "to", d->to) < 0 ||
            add_string(o, "kind", hisi_kind_to_string(d->desc.kind)) < 0 ||
            add_uint(o, "device_id", d->desc.device_id) < 0 ||
            add_uint(o, "qp_num", d->desc.qp_num) < 0 ||
            add_uint(o, "que_iso_cfg", d->desc.que_iso_cfg) < 0 ||
            add_uint(o, "qm_version", d->qm_version) < 0 ||
            add_uint(stream, "version", d->desc.stream.version) < 0 ||
            add_uint(stream, "major", d->desc.stream.major) < 0 ||
            add_uint(stream, "minor", d->desc.stream.minor) < 0 ||
            add(o, "stream", TAKE_PTR(stream)) < 0 ||
            add_uint(o, "migration_flags", d->desc.mig_flags) < 0 ||
            add_uint(o, "state_size", d->desc.state_size) < 0 ||
            (d->desc.unknown && add(o, "unknown", unknown_to_json(d->desc.unknown)) < 0)) {
                json_object_put(stream);
                json_object_put(o);
                return NULL;
        }
        return o;
}

int hisi_peer_check_to_json(const hisi_peer_check *c, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *a = json_object_new_array();

        if (!c || !ret || c->n_devices == 0 || c->n_devices > HISI_WIRE_DEVICES_MAX) {
                json_object_put(a);
                return -EINVAL;
        }
        for (size_t i = 0; a && i < c->n_devices; i++)
                if (!c->devices[i].source ||
                    json_object_array_add(a, check_device_to_json(&c->devices[i])) < 0) {
                        json_object_put(a);
                        return c->devices[i].source ? -ENOMEM : -EINVAL;
                }
        if (!o || add_string(o, "type", "check") < 0 || add_uint(o, "id", c->id) < 0 ||
            add(o, "devices", a) < 0)
                return -ENOMEM;
        return to_text(o, ret);
}

int hisi_peer_check_from_json(const char *json, size_t len, hisi_peer_check *ret,
                              char **ret_error) {
        hisi_peer_check c = {};
        int r = decode(json, len, "check", check_fields, &c, ret_error);

        if (r < 0) {
                hisi_peer_check_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

void hisi_peer_check_done(hisi_peer_check *c) {
        if (!c)
                return;
        for (size_t i = 0; i < c->n_devices; i++)
                check_device_done(&c->devices[i]);
        free(c->devices);
        *c = (hisi_peer_check){};
}

/* ---- check-reply ---- */

static const hisi_json_field check_result_fields[] = {
        { "source", HISI_JSON_STRING, offsetof(hisi_peer_check_result, source), HISI_JSON_REQUIRED,
          .max = HISI_PCI_ADDRESS_MAX },
        { "destination", HISI_JSON_STRING, offsetof(hisi_peer_check_result, destination),
          HISI_JSON_REQUIRED | HISI_JSON_NULLABLE, .max = HISI_PCI_ADDRESS_MAX },
        { "accepted", HISI_JSON_BOOL, offsetof(hisi_peer_check_result, accepted),
          HISI_JSON_REQUIRED },
        { "reasons", HISI_JSON_CUSTOM, offsetof(hisi_peer_check_result, reasons),
          HISI_JSON_REQUIRED, .max = HISI_PEER_TEXT_MAX, .dispatch = hisi_json_dispatch_strv },
        {},
};

static void check_result_done(void *p) {
        hisi_peer_check_result *r = p;

        free(r->source);
        free(r->destination);
        strv_free(r->reasons);
}

static int dispatch_check_results(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        hisi_peer_check_reply *c = base;

        return dispatch_array(v, check_result_fields, sizeof(hisi_peer_check_result),
                              (void **)&c->devices, &c->n_devices, check_result_done);
}

static const hisi_json_field check_reply_fields[] = {
        { "id", HISI_JSON_UINT64, offsetof(hisi_peer_check_reply, id), HISI_JSON_REQUIRED },
        { "devices", HISI_JSON_CUSTOM, 0, HISI_JSON_REQUIRED, .dispatch = dispatch_check_results },
        {},
};

int hisi_peer_check_reply_to_json(const hisi_peer_check_reply *c, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *a = json_object_new_array();

        if (!c || !ret || c->n_devices == 0 || c->n_devices > HISI_WIRE_DEVICES_MAX) {
                json_object_put(a);
                return -EINVAL;
        }
        for (size_t i = 0; a && i < c->n_devices; i++) {
                const hisi_peer_check_result *d = &c->devices[i];
                json_object *e = json_object_new_object();

                if (!e || add_string(e, "source", d->source) < 0 ||
                    add_string(e, "destination", d->destination) < 0 ||
                    add(e, "accepted", json_object_new_boolean(d->accepted)) < 0 ||
                    add(e, "reasons", new_strv(d->reasons)) < 0 ||
                    json_object_array_add(a, e) < 0) {
                        json_object_put(e);
                        json_object_put(a);
                        return -ENOMEM;
                }
        }
        if (!o || add_string(o, "type", "check-reply") < 0 || add_uint(o, "id", c->id) < 0 ||
            add(o, "devices", a) < 0)
                return -ENOMEM;
        return to_text(o, ret);
}

int hisi_peer_check_reply_from_json(const char *json, size_t len, hisi_peer_check_reply *ret,
                                    char **ret_error) {
        hisi_peer_check_reply c = {};
        int r = decode(json, len, "check-reply", check_reply_fields, &c, ret_error);

        if (r < 0) {
                hisi_peer_check_reply_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

void hisi_peer_check_reply_done(hisi_peer_check_reply *c) {
        if (!c)
                return;
        for (size_t i = 0; i < c->n_devices; i++)
                check_result_done(&c->devices[i]);
        free(c->devices);
        *c = (hisi_peer_check_reply){};
}
