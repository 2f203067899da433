/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The peer protocol's check and check-reply messages (see hisi/peer-message.h). */

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

static void check_device_done_v(void *p) {
        check_device_done(p);
}

int peer_dispatch_check_devices(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        hisi_peer_check *c = hisi_json_field_target(f, base);

        return peer_json_dispatch_array(v, check_device_fields, sizeof(hisi_peer_check_device),
                                        (void **)&c->devices, &c->n_devices, check_device_done_v);
}

static const hisi_json_field check_fields[] = {
        { "id", HISI_JSON_UINT64, offsetof(hisi_peer_check, id), HISI_JSON_REQUIRED },
        { "devices", HISI_JSON_CUSTOM, 0, HISI_JSON_REQUIRED,
          .dispatch = peer_dispatch_check_devices },
        {},
};

static json_object *check_device_to_json(const hisi_peer_check_device *d) {
        json_object *o = json_object_new_object(), *stream = json_object_new_object();

        if (!o || !stream || peer_json_add_string(o, "source", d->source) < 0 ||
            peer_json_add_string(o, "to", d->to) < 0 ||
            peer_json_add_string(o, "kind", hisi_kind_to_string(d->desc.kind)) < 0 ||
            peer_json_add_uint(o, "device_id", d->desc.device_id) < 0 ||
            peer_json_add_uint(o, "qp_num", d->desc.qp_num) < 0 ||
            peer_json_add_uint(o, "que_iso_cfg", d->desc.que_iso_cfg) < 0 ||
            peer_json_add_uint(o, "qm_version", d->qm_version) < 0 ||
            peer_json_add_uint(stream, "version", d->desc.stream.version) < 0 ||
            peer_json_add_uint(stream, "major", d->desc.stream.major) < 0 ||
            peer_json_add_uint(stream, "minor", d->desc.stream.minor) < 0 ||
            peer_json_add(o, "stream", TAKE_PTR(stream)) < 0 ||
            peer_json_add_uint(o, "migration_flags", d->desc.mig_flags) < 0 ||
            peer_json_add_uint(o, "state_size", d->desc.state_size) < 0 ||
            (d->desc.unknown &&
             peer_json_add(o, "unknown", unknown_to_json(d->desc.unknown)) < 0)) {
                json_object_put(stream);
                json_object_put(o);
                return NULL;
        }
        return o;
}

json_object *peer_check_devices_to_json(const hisi_peer_check *c) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < c->n_devices; i++)
                if (json_object_array_add(a, check_device_to_json(&c->devices[i])) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

/* Every device has its source: an encoder's precondition. */
static bool check_is_valid(const hisi_peer_check *c) {
        if (!c || c->n_devices == 0 || c->n_devices > HISI_WIRE_DEVICES_MAX)
                return false;
        for (size_t i = 0; i < c->n_devices; i++)
                if (!c->devices[i].source)
                        return false;
        return true;
}

int hisi_peer_check_to_json(const hisi_peer_check *c, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!check_is_valid(c) || !ret)
                return -EINVAL;
        if (!o || peer_json_add_string(o, "type", "check") < 0 ||
            peer_json_add_uint(o, "id", c->id) < 0 ||
            peer_json_add(o, "devices", peer_check_devices_to_json(c)) < 0)
                return -ENOMEM;
        return peer_json_text(o, ret);
}

int hisi_peer_check_from_json(const char *json, size_t len, hisi_peer_check *ret,
                              char **ret_error) {
        hisi_peer_check c = {};
        int r = peer_json_decode(json, len, "check", check_fields, &c, ret_error);

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

int peer_dispatch_check_results(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        hisi_peer_check_reply *c = hisi_json_field_target(f, base);

        return peer_json_dispatch_array(v, check_result_fields, sizeof(hisi_peer_check_result),
                                        (void **)&c->devices, &c->n_devices, check_result_done);
}

static const hisi_json_field check_reply_fields[] = {
        { "id", HISI_JSON_UINT64, offsetof(hisi_peer_check_reply, id), HISI_JSON_REQUIRED },
        { "devices", HISI_JSON_CUSTOM, 0, HISI_JSON_REQUIRED,
          .dispatch = peer_dispatch_check_results },
        {},
};

json_object *peer_check_results_to_json(const hisi_peer_check_reply *c) {
        json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < c->n_devices; i++) {
                const hisi_peer_check_result *d = &c->devices[i];
                json_object *e = json_object_new_object();

                if (!e || peer_json_add_string(e, "source", d->source) < 0 ||
                    peer_json_add_string(e, "destination", d->destination) < 0 ||
                    peer_json_add(e, "accepted", json_object_new_boolean(d->accepted)) < 0 ||
                    peer_json_add(e, "reasons", peer_json_strv(d->reasons)) < 0 ||
                    json_object_array_add(a, e) < 0) {
                        json_object_put(e);
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

int hisi_peer_check_reply_to_json(const hisi_peer_check_reply *c, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!c || !ret || c->n_devices == 0 || c->n_devices > HISI_WIRE_DEVICES_MAX)
                return -EINVAL;
        if (!o || peer_json_add_string(o, "type", "check-reply") < 0 ||
            peer_json_add_uint(o, "id", c->id) < 0 ||
            peer_json_add(o, "devices", peer_check_results_to_json(c)) < 0)
                return -ENOMEM;
        return peer_json_text(o, ret);
}

int hisi_peer_check_reply_from_json(const char *json, size_t len, hisi_peer_check_reply *ret,
                                    char **ret_error) {
        hisi_peer_check_reply c = {};
        int r = peer_json_decode(json, len, "check-reply", check_reply_fields, &c, ret_error);

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
