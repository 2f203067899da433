/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The peer protocol's migration messages (see hisi/peer-message.h). */

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "file-util.h"
#include "hisi/json-dispatch.h"
#include "hisi/peer-message.h"
#include "json-cleanup.h"
#include "macro.h"
#include "peer-message-internal.h"
#include "string-table.h"
#include "strv.h"

/* A migration id: [A-Za-z0-9-], 1 to HISI_PEER_MIGRATION_ID_MAX bytes. */
bool hisi_peer_migration_id_is_valid(const char *s) {
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > HISI_PEER_MIGRATION_ID_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char)s[i]) && s[i] != '-')
                        return false;
        return true;
}

int hisi_peer_dispatch_migration_id(const hisi_json_value *v, const hisi_json_field *f,
                                    void *base) {
        char **target = hisi_json_field_target(f, base);
        const char *s;
        int r;

        r = hisi_json_string(v, HISI_PEER_MIGRATION_ID_MAX, &s);
        if (r < 0)
                return r;
        if (!hisi_peer_migration_id_is_valid(s))
                return hisi_json_reject(v, "expected a migration id (letters, digits and -)");
        free(*target);
        *target = strdup(s);
        return *target ? 0 : hisi_json_error(v, -ENOMEM, "out of memory");
}

/* ---- migrate ---- */

typedef enum CommitMode {
        COMMIT_AUTO,
        COMMIT_MANUAL,
        _COMMIT_MODE_MAX,
        _COMMIT_MODE_INVALID = -EINVAL,
} CommitMode;

static const char *const commit_mode_table[_COMMIT_MODE_MAX] = {
        [COMMIT_AUTO] = "auto",
        [COMMIT_MANUAL] = "manual",
};
DEFINE_PRIVATE_STRING_TABLE_LOOKUP(commit_mode, int);

typedef struct migrate_wire {
        hisi_peer_migrate m;
        int commit;
} migrate_wire;

static const hisi_json_field migrate_fields[] = {
        { "migration", HISI_JSON_CUSTOM, offsetof(migrate_wire, m.migration), HISI_JSON_REQUIRED,
          .dispatch = hisi_peer_dispatch_migration_id },
        { "devices", HISI_JSON_CUSTOM, offsetof(migrate_wire, m.check), HISI_JSON_REQUIRED,
          .dispatch = peer_dispatch_check_devices },
        { "precopy", HISI_JSON_BOOL, offsetof(migrate_wire, m.precopy), HISI_JSON_REQUIRED },
        { "commit", HISI_JSON_ENUM, offsetof(migrate_wire, commit), HISI_JSON_REQUIRED,
          .from_string = commit_mode_from_string, .to_string = commit_mode_to_string },
        {},
};

int hisi_peer_migrate_to_json(const hisi_peer_migrate *m, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!m || !ret || !hisi_peer_migration_id_is_valid(m->migration) ||
            m->check.n_devices == 0 || m->check.n_devices > HISI_WIRE_DEVICES_MAX)
                return -EINVAL;
        for (size_t i = 0; i < m->check.n_devices; i++)
                if (!m->check.devices[i].source)
                        return -EINVAL;
        if (!o || peer_json_add_string(o, "type", "migrate") < 0 ||
            peer_json_add_string(o, "migration", m->migration) < 0 ||
            peer_json_add(o, "devices", peer_check_devices_to_json(&m->check)) < 0 ||
            peer_json_add(o, "precopy", json_object_new_boolean(m->precopy)) < 0 ||
            peer_json_add_string(
                    o, "commit",
                    commit_mode_to_string(m->manual_commit ? COMMIT_MANUAL : COMMIT_AUTO)) < 0)
                return -ENOMEM;
        return peer_json_text(o, ret);
}

int hisi_peer_migrate_from_json(const char *json, size_t len, hisi_peer_migrate *ret,
                                char **ret_error) {
        migrate_wire w = {};
        int r = peer_json_decode(json, len, "migrate", migrate_fields, &w, ret_error);

        if (r < 0) {
                hisi_peer_migrate_done(&w.m);
                return r;
        }
        w.m.manual_commit = w.commit == COMMIT_MANUAL;
        *ret = w.m;
        return 0;
}

void hisi_peer_migrate_done(hisi_peer_migrate *m) {
        if (!m)
                return;
        free(m->migration);
        hisi_peer_check_done(&m->check);
        *m = (hisi_peer_migrate){};
}

/* ---- migrate-reply ---- */

static const hisi_json_field migrate_reply_fields[] = {
        { "migration", HISI_JSON_CUSTOM, offsetof(hisi_peer_migrate_reply, migration),
          HISI_JSON_REQUIRED, .dispatch = hisi_peer_dispatch_migration_id },
        { "devices", HISI_JSON_CUSTOM, offsetof(hisi_peer_migrate_reply, reply), HISI_JSON_REQUIRED,
          .dispatch = peer_dispatch_check_results },
        {},
};

int hisi_peer_migrate_reply_to_json(const hisi_peer_migrate_reply *m, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!m || !ret || !hisi_peer_migration_id_is_valid(m->migration) ||
            m->reply.n_devices == 0 || m->reply.n_devices > HISI_WIRE_DEVICES_MAX)
                return -EINVAL;
        if (!o || peer_json_add_string(o, "type", "migrate-reply") < 0 ||
            peer_json_add_string(o, "migration", m->migration) < 0 ||
            peer_json_add(o, "devices", peer_check_results_to_json(&m->reply)) < 0)
                return -ENOMEM;
        return peer_json_text(o, ret);
}

int hisi_peer_migrate_reply_from_json(const char *json, size_t len, hisi_peer_migrate_reply *ret,
                                      char **ret_error) {
        hisi_peer_migrate_reply m = {};
        int r = peer_json_decode(json, len, "migrate-reply", migrate_reply_fields, &m, ret_error);

        if (r < 0) {
                hisi_peer_migrate_reply_done(&m);
                return r;
        }
        *ret = m;
        return 0;
}

void hisi_peer_migrate_reply_done(hisi_peer_migrate_reply *m) {
        if (!m)
                return;
        free(m->migration);
        hisi_peer_check_reply_done(&m->reply);
        *m = (hisi_peer_migrate_reply){};
}

/* ---- the steps ---- */

static const char *const step_types[] = {
        "precopy-done", "precopy-ack", "commit",  "load",          "loaded",
        "committed",    "failed",      "outcome", "outcome-reply", "forget",
};

static const char *const outcomes[] = { "committed", "rolled-back", "unknown" };

static int dispatch_step_type(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        char **target = hisi_json_field_target(f, base);
        const char *s;
        int r;

        r = hisi_json_string(v, HISI_PEER_NAME_MAX, &s);
        if (r < 0)
                return r;
        if (string_table_lookup(step_types, ELEMENTSOF(step_types), s) < 0)
                return hisi_json_reject(v, "expected a migration step");
        free(*target);
        *target = strdup(s);
        return *target ? 0 : hisi_json_error(v, -ENOMEM, "out of memory");
}

static int dispatch_outcome(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        char **target = hisi_json_field_target(f, base);
        const char *s;
        int r;

        r = hisi_json_string(v, HISI_PEER_NAME_MAX, &s);
        if (r < 0)
                return r;
        /* An outcome this version does not know is "unknown": never a reason to run twice. */
        if (string_table_lookup(outcomes, ELEMENTSOF(outcomes), s) < 0)
                s = "unknown";
        free(*target);
        *target = strdup(s);
        return *target ? 0 : hisi_json_error(v, -ENOMEM, "out of memory");
}

static const hisi_json_field step_fields[] = {
        { "type", HISI_JSON_CUSTOM, offsetof(hisi_peer_step, type), HISI_JSON_REQUIRED,
          .dispatch = dispatch_step_type },
        { "migration", HISI_JSON_CUSTOM, offsetof(hisi_peer_step, migration), HISI_JSON_REQUIRED,
          .dispatch = hisi_peer_dispatch_migration_id },
        { "device", HISI_JSON_INT64, offsetof(hisi_peer_step, device), .min = 0,
          .max = HISI_WIRE_DEVICES_MAX - 1 },
        { "bytes", HISI_JSON_UINT64, offsetof(hisi_peer_step, bytes), .max = HISI_WIRE_STATE_MAX },
        { "reasons", HISI_JSON_CUSTOM, offsetof(hisi_peer_step, reasons), .max = HISI_PEER_TEXT_MAX,
          .dispatch = hisi_json_dispatch_strv },
        { "outcome", HISI_JSON_CUSTOM, offsetof(hisi_peer_step, outcome),
          .dispatch = dispatch_outcome },
        {},
};

int hisi_peer_step_to_json(const hisi_peer_step *s, char **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!s || !ret || !s->type || !hisi_peer_migration_id_is_valid(s->migration) ||
            string_table_lookup(step_types, ELEMENTSOF(step_types), s->type) < 0 ||
            s->device >= (int64_t)HISI_WIRE_DEVICES_MAX)
                return -EINVAL;
        if (!o || peer_json_add_string(o, "type", s->type) < 0 ||
            peer_json_add_string(o, "migration", s->migration) < 0 ||
            (s->device >= 0 && peer_json_add_uint(o, "device", (uint64_t)s->device) < 0) ||
            (s->bytes > 0 && peer_json_add_uint(o, "bytes", s->bytes) < 0) ||
            (s->reasons && peer_json_add(o, "reasons", peer_json_strv(s->reasons)) < 0) ||
            (s->outcome && peer_json_add_string(o, "outcome", s->outcome) < 0))
                return -ENOMEM;
        return peer_json_text(o, ret);
}

int hisi_peer_step_from_json(const char *json, size_t len, hisi_peer_step *ret, char **ret_error) {
        hisi_peer_step s = { .device = -1 };
        int r = peer_json_decode(json, len, "migration step", step_fields, &s, ret_error);

        if (r < 0) {
                hisi_peer_step_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

void hisi_peer_step_done(hisi_peer_step *s) {
        if (!s)
                return;
        free(s->type);
        free(s->migration);
        strv_free(s->reasons);
        free(s->outcome);
        *s = (hisi_peer_step){ .device = -1 };
}
