/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The in-flight record of a migration: its codec and its file (see migration-record.h). */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "file-util.h"
#include "hisi/json-dispatch.h"
#include "hisi/json-util.h"
#include "hisi/pci-address.h"
#include "hisi/peer-message.h"
#include "hisi/peer-wire.h"
#include "json-cleanup.h"
#include "migration-record.h"
#include "string-table.h"
#include "string-util.h"
#include "strv.h"
#include "time-util.h"

static const char *const record_phase_table[_RECORD_PHASE_MAX] = {
        [RECORD_RESERVED] = "reserved",       [RECORD_STOPPED] = "stopped",
        [RECORD_COMMIT_SENT] = "commit-sent", [RECORD_LOADED] = "loaded",
        [RECORD_RUNNING] = "running",         [RECORD_COMMITTED] = "committed",
        [RECORD_ROLLED_BACK] = "rolled-back",
};
DEFINE_STRING_TABLE_LOOKUP(record_phase, RecordPhase);

/* Which phases a role writes. */
static bool phase_is_roles(RecordPhase p, MigrationRole role) {
        if (p == RECORD_RESERVED)
                return true;
        if (role == MIGRATION_SOURCE)
                return IN_SET(p, RECORD_STOPPED, RECORD_COMMIT_SENT);
        return IN_SET(p, RECORD_LOADED, RECORD_RUNNING, RECORD_COMMITTED, RECORD_ROLLED_BACK);
}

void migration_record_done(MigrationRecord *r) {
        if (!r)
                return;
        free(r->migration);
        free(r->peer);
        strv_free(r->vfs);
        strv_free(r->peer_vfs);
        free(r->reason);
        *r = (MigrationRecord){};
}

/* ---- Format ---- */

static int add_strv(json_object *root, const char *key, char **l) {
        json_object *a = json_object_new_array();

        if (!a || json_object_object_add(root, key, a) < 0) {
                json_object_put(a);
                return -ENOMEM;
        }
        for (char **s = l; s && *s; s++) {
                json_object *v = json_object_new_string(*s);
                if (!v || json_object_array_add(a, v) < 0) {
                        json_object_put(v);
                        return -ENOMEM;
                }
        }
        return 0;
}

static int add_string(json_object *root, const char *key, const char *s) {
        json_object *v = json_object_new_string(s);

        if (!v || json_object_object_add(root, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

int migration_record_format(const MigrationRecord *r, char **ret) {
        _cleanup_json_ json_object *root = json_object_new_object();
        json_object *v;
        const char *s;
        int k;

        if (!r || !ret || !r->migration || !r->vfs)
                return -EINVAL;
        if (!root)
                return -ENOMEM;
        v = json_object_new_int(MIGRATION_RECORD_VERSION);
        if (!v || json_object_object_add(root, "version", v) < 0)
                return json_object_put(v), -ENOMEM;
        k = add_string(root, "migration", r->migration);
        if (k >= 0)
                k = add_string(root, "role", migration_role_to_string(r->role));
        if (k >= 0)
                k = add_string(root, "phase", record_phase_to_string(r->phase));
        if (k >= 0 && r->peer)
                k = add_string(root, "peer", r->peer);
        if (k < 0)
                return k;
        v = json_object_new_uint64(r->updated_usec);
        if (!v || json_object_object_add(root, "updated", v) < 0)
                return json_object_put(v), -ENOMEM;
        k = add_strv(root, "vfs", r->vfs);
        if (k >= 0 && r->peer_vfs)
                k = add_strv(root, "peer_vfs", r->peer_vfs);
        if (k >= 0 && r->reason)
                k = add_string(root, "reason", r->reason);
        if (k < 0)
                return k;
        s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s || asprintf_safe(ret, "%s\n", s) < 0)
                return -ENOMEM;
        return 0;
}

/* ---- Parse ---- */

typedef struct RecordText {
        unsigned version;
        char *migration;
        MigrationRole role;
        RecordPhase phase;
        char *peer;
        uint64_t updated;
        char **vfs;
        char **peer_vfs;
        char *reason;
} RecordText;

static int role_from_string(const char *s) {
        return migration_role_from_string(s);
}
static const char *role_to_string(int i) {
        return migration_role_to_string(i);
}
static int phase_from_string(const char *s) {
        return record_phase_from_string(s);
}
static const char *phase_to_string(int i) {
        return record_phase_to_string(i);
}

static const hisi_json_field version_field[] = {
        { "version", HISI_JSON_UINT32, offsetof(RecordText, version), .min = 1, .max = UINT32_MAX },
        {},
};

static const hisi_json_field record_fields[] = {
        { "version", HISI_JSON_UINT32, offsetof(RecordText, version), HISI_JSON_REQUIRED, .min = 1,
          .max = MIGRATION_RECORD_VERSION },
        { "migration", HISI_JSON_CUSTOM, offsetof(RecordText, migration), HISI_JSON_REQUIRED,
          .dispatch = hisi_peer_dispatch_migration_id },
        { "role", HISI_JSON_ENUM, offsetof(RecordText, role), HISI_JSON_REQUIRED,
          .from_string = role_from_string, .to_string = role_to_string },
        { "phase", HISI_JSON_ENUM, offsetof(RecordText, phase), HISI_JSON_REQUIRED,
          .from_string = phase_from_string, .to_string = phase_to_string },
        { "peer", HISI_JSON_STRING, offsetof(RecordText, peer), .max = HISI_PEER_NAME_MAX + 8 },
        { "updated", HISI_JSON_UINT64, offsetof(RecordText, updated), HISI_JSON_REQUIRED },
        { "vfs", HISI_JSON_CUSTOM, offsetof(RecordText, vfs), HISI_JSON_REQUIRED,
          .dispatch = hisi_json_dispatch_strv, .max = HISI_PCI_ADDRESS_MAX },
        { "peer_vfs", HISI_JSON_CUSTOM, offsetof(RecordText, peer_vfs),
          .dispatch = hisi_json_dispatch_strv, .max = HISI_PCI_ADDRESS_MAX },
        { "reason", HISI_JSON_STRING, offsetof(RecordText, reason), .max = HISI_PEER_TEXT_MAX },
        {},
};

static void record_text_done(RecordText *t) {
        free(t->migration);
        free(t->peer);
        strv_free(t->vfs);
        strv_free(t->peer_vfs);
        free(t->reason);
}

/* Each address canonical; on this host (unique) none twice. */
static int check_addresses(char **l, bool unique, const char *key, const char *origin,
                           char **ret_error) {
        for (size_t i = 0; l && l[i]; i++) {
                char canonical[HISI_PCI_ADDRESS_MAX];

                if (hisi_pci_address_normalize(l[i], canonical) < 0 || !streq(canonical, l[i]))
                        return asprintf_safe(ret_error, "%s: %s[%zu]: \"%s\" is not a PCI address",
                                             origin, key, i, l[i]) < 0
                                       ? -ENOMEM
                                       : -EINVAL;
                for (size_t k = 0; unique && k < i; k++)
                        if (streq(l[k], l[i]))
                                return asprintf_safe(ret_error, "%s: %s: %s is named twice", origin,
                                                     key, l[i]) < 0
                                               ? -ENOMEM
                                               : -EINVAL;
        }
        return 0;
}

static int refuse(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static int refuse(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;

        if (ret_error) {
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

int migration_record_parse(const char *text, size_t len, const char *origin, MigrationRecord *ret,
                           char **ret_error) {
        _cleanup_(record_text_done)
                RecordText t = { .role = _MIGRATION_ROLE_INVALID, .phase = _RECORD_PHASE_INVALID };
        _cleanup_free_ char *error = NULL;
        size_t n;
        int r;

        if (!ret || (!text && len > 0))
                return -EINVAL;
        origin = origin ?: "input";
        /* The version first, alone: a newer record is named as such, whatever its other
         * members are. */
        if (hisi_json_dispatch_text(text, len, origin, version_field, HISI_JSON_ALLOW_UNKNOWN, &t,
                                    NULL) >= 0 &&
            t.version > MIGRATION_RECORD_VERSION)
                return refuse(ret_error, -EPROTONOSUPPORT,
                              "%s: written by a newer hisi-accmigd (record version %u; this one "
                              "reads version %d)",
                              origin, t.version, MIGRATION_RECORD_VERSION);
        r = hisi_json_dispatch_text(text, len, origin, record_fields, 0, &t, &error);
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(error);
                return r;
        }
        if (!phase_is_roles(t.phase, t.role))
                return refuse(ret_error, -EINVAL, "%s: phase \"%s\" is not a %s's", origin,
                              record_phase_to_string(t.phase), migration_role_to_string(t.role));
        n = strv_length(t.vfs);
        if (n == 0 || n > HISI_WIRE_DEVICES_MAX)
                return refuse(ret_error, -EINVAL, "%s: vfs: between 1 and %u VFs, got %zu", origin,
                              HISI_WIRE_DEVICES_MAX, n);
        if (t.peer_vfs && strv_length(t.peer_vfs) != n)
                return refuse(ret_error, -EINVAL,
                              "%s: peer_vfs: %zu addresses for %zu VFs (one for each, in order)",
                              origin, strv_length(t.peer_vfs), n);
        r = check_addresses(t.vfs, true, "vfs", origin, ret_error);
        if (r >= 0)
                r = check_addresses(t.peer_vfs, false, "peer_vfs", origin, ret_error);
        if (r < 0)
                return r;
        if (t.role == MIGRATION_SOURCE && isempty(t.peer))
                return refuse(ret_error, -EINVAL, "%s: a source's record needs its \"peer\"",
                              origin);
        *ret = (MigrationRecord){
                .migration = TAKE_PTR(t.migration),
                .role = t.role,
                .phase = t.phase,
                .peer = TAKE_PTR(t.peer),
                .updated_usec = t.updated,
                .vfs = TAKE_PTR(t.vfs),
                .peer_vfs = TAKE_PTR(t.peer_vfs),
                .reason = TAKE_PTR(t.reason),
        };
        return 0;
}

/* ---- Files ---- */

int migration_records_dir(const char *runtime_directory, char **ret) {
        return asprintf_safe(ret, "%s/" MIGRATION_RECORDS_DIR, runtime_directory) < 0 ? -ENOMEM : 0;
}

int migration_records_open(const char *dir) {
        int r, fd;

        r = mkdir_p(dir, 0700);
        if (r < 0)
                return r;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

int migration_record_save(int dirfd, const MigrationRecord *rec) {
        _cleanup_free_ char *text = NULL, *name = NULL;
        int r;

        r = migration_record_format(rec, &text);
        if (r < 0)
                return r;
        if (asprintf_safe(&name, "%s.json", rec->migration) < 0)
                return -ENOMEM;
        return write_file_replace_at(dirfd, name, text, strlen(text), 0600);
}

int migration_record_load(const char *dir, const char *name, MigrationRecord *ret,
                          char **ret_error) {
        _cleanup_(migration_record_done) MigrationRecord rec = {};
        _cleanup_free_ char *path = NULL, *text = NULL;
        const char *dot = strrchr(name, '.');
        size_t len;
        int r;

        if (asprintf_safe(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        r = hisi_json_read_file(path, &text, &len, ret_error);
        if (r < 0)
                return r;
        if (len > MIGRATION_RECORD_SIZE_MAX)
                return refuse(ret_error, -EFBIG, "%s: %zu bytes: too large for a record", path,
                              len);
        r = migration_record_parse(text, len, path, &rec, ret_error);
        if (r < 0)
                return r;
        if (!dot || !streq(dot, ".json") || strlen(rec.migration) != (size_t)(dot - name) ||
            strncmp(name, rec.migration, (size_t)(dot - name)) != 0)
                return refuse(ret_error, -EINVAL,
                              "%s: the record of migration %s, in another's file", path,
                              rec.migration);
        *ret = rec;
        rec = (MigrationRecord){};
        return 0;
}

int migration_record_remove(int dirfd, const char *id) {
        _cleanup_free_ char *name = NULL;

        if (asprintf_safe(&name, "%s.json", id) < 0)
                return -ENOMEM;
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

int migration_records_prune(const char *dir, uint64_t keep_usec, uint64_t now_realtime_usec) {
        DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        if (!d)
                return errno == ENOENT ? 0 : negative_errno();
        while ((de = readdir(d))) {
                _cleanup_(migration_record_done) MigrationRecord rec = {};
                const char *dot = strrchr(de->d_name, '.');
                struct stat st;

                /* The file's time first: most are young, and reading them is not needed. */
                if (!dot || !streq(dot, ".json") ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    (uint64_t)st.st_mtim.tv_sec * USEC_PER_SEC + keep_usec >= now_realtime_usec)
                        continue;
                if (migration_record_load(dir, de->d_name, &rec, NULL) < 0 ||
                    rec.role != MIGRATION_DESTINATION ||
                    !IN_SET(rec.phase, RECORD_COMMITTED, RECORD_ROLLED_BACK) ||
                    rec.updated_usec + keep_usec >= now_realtime_usec)
                        continue; /* damaged records stay for a person to read */
                if (unlinkat(dirfd(d), de->d_name, 0) >= 0)
                        n++;
        }
        closedir(d);
        return n;
}
