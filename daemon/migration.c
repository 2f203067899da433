/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What both roles of a migration share (see migration.h). */

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "file-util.h"
#include "log.h"
#include "manager.h"
#include "migration-bus.h"
#include "migration-record.h"
#include "migration.h"
#include "peer-dial.h"
#include "peer.h"
#include "string-table.h"
#include "string-util.h"
#include "strv.h"
#include "time-util.h"

static const char *const migration_role_table[_MIGRATION_ROLE_MAX] = {
        [MIGRATION_SOURCE] = "source",
        [MIGRATION_DESTINATION] = "destination",
};
DEFINE_STRING_TABLE_LOOKUP(migration_role, MigrationRole);

static const char *const migration_phase_table[_MIGRATION_PHASE_MAX] = {
        [MIGRATION_CONNECTING] = "connecting", [MIGRATION_NEGOTIATING] = "negotiating",
        [MIGRATION_PRECOPY] = "precopy",       [MIGRATION_READY] = "ready",
        [MIGRATION_SWITCHOVER] = "switchover", [MIGRATION_LOADING] = "loading",
        [MIGRATION_LOADED] = "loaded",         [MIGRATION_COMMITTING] = "committing",
        [MIGRATION_COMMITTED] = "committed",   [MIGRATION_ROLLED_BACK] = "rolled-back",
        [MIGRATION_IN_DOUBT] = "in-doubt",
};
DEFINE_STRING_TABLE_LOOKUP(migration_phase, MigrationPhase);

Migration *migration_ref(Migration *m) {
        if (m)
                m->n_ref++;
        return m;
}

static void migration_free(Migration *m) {
        for (size_t i = 0; i < m->n_devices; i++) {
                MigrationDevice *d = &m->devices[i];

                hisi_migstream_close(d->stream);
                free(d->source);
                free(d->destination);
                free(d->phase);
                free(d->error);
        }
        free(m->devices);
        peer_dial_free(m->dial);
        peer_free(m->peer);
        hisi_wire_encoder_free(m->encoder);
        sd_event_source_disable_unref(m->timer);
        sd_event_source_disable_unref(m->retry);
        sd_event_source_disable_unref(m->in_doubt_timer);
        sd_event_source_disable_unref(m->changed_flush);
        free(m->attention);
        free(m->id);
        free(m->object_path);
        free(m->peer_name);
        free(m->error);
        free(m);
}

Migration *migration_unref(Migration *m) {
        if (m && --m->n_ref == 0)
                migration_free(m);
        return NULL;
}

/* 16 hex digits: unique enough between two hosts, short enough for a person. */
static int new_id(char **ret) {
        uint64_t v;

        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
                v = now_usec(CLOCK_REALTIME) ^ ((uint64_t)getpid() << 32);
        return asprintf_safe(ret, "%016" PRIx64, v);
}

int migration_new(Manager *manager, MigrationRole role, const char *id, size_t n, Migration **ret) {
        _cleanup_(migration_unrefp) Migration *m = NULL;
        int r;

        assert(manager && ret && n > 0 && n <= HISI_WIRE_DEVICES_MAX);
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->n_ref = 1;
        m->recorded = -1;
        m->manager = manager;
        m->role = role;
        m->phase = role == MIGRATION_SOURCE ? MIGRATION_CONNECTING : MIGRATION_NEGOTIATING;
        m->started_usec = now_usec(CLOCK_REALTIME);
        r = id ? ((m->id = strdup(id)) ? 0 : -ENOMEM) : new_id(&m->id);
        if (r < 0)
                return r;
        if (manager_find_migration(manager, m->id))
                return -EEXIST;
        if (asprintf_safe(&m->object_path, ACCMIG_MIGRATION_PATH_PREFIX "/%s", m->id) < 0)
                return -ENOMEM;
        m->devices = calloc(n, sizeof(*m->devices));
        if (!m->devices)
                return -ENOMEM;
        m->n_devices = n;
        for (size_t i = 0; i < n; i++) {
                m->devices[i].migration = m;
                m->devices[i].index = (uint32_t)i;
        }
        manager_add_migration(manager, m);
        *ret = TAKE_PTR(m);
        return 0;
}

void migration_set_phase(Migration *m, MigrationPhase phase) {
        if (m->phase == phase)
                return;
        log_migration_debug(m, "Migration %s: %s -> %s", m->id, migration_phase_to_string(m->phase),
                            migration_phase_to_string(phase));
        m->phase = phase;
        migration_bus_send_changed(m, MIGRATION_PROP_PHASE);
}

void migration_device_set_phase(MigrationDevice *d, const char *phase) {
        if (streq_ptr(d->phase, phase))
                return;
        free(d->phase);
        d->phase = strdup(phase);
        migration_bus_send_changed(d->migration, MIGRATION_PROP_DEVICES);
}

void migration_log_fields(const Migration *m, const MigrationDevice *d, LogFields *f) {
        assert(m && f);
        (void)log_fields_add(f, "MIGRATION_ID", m->id);
        (void)log_fields_add(f, "MIGRATION_ROLE", migration_role_to_string(m->role));
        (void)log_fields_add(f, "PEER", m->peer_name);
        if (d && d->device)
                device_log_fields(d->device, f); /* HISI_VF, HISI_PF, HISI_KIND: six in all */
}

Peer *migration_peer(Migration *m) {
        return m->dial ? peer_dial_peer(m->dial) : m->peer;
}

bool migration_is_finished(const Migration *m) {
        return IN_SET(m->phase, MIGRATION_COMMITTED, MIGRATION_ROLLED_BACK);
}

void migration_set_error(Migration *m, const char *fmt, ...) {
        _cleanup_free_ char *cause = NULL;
        va_list ap;

        if (m->error)
                return;
        va_start(ap, fmt);
        if (vasprintf(&cause, fmt, ap) < 0)
                cause = NULL;
        va_end(ap);
        (void)asprintf_safe(&m->error, "%s, %s: %s", migration_role_to_string(m->role),
                            migration_phase_to_string(m->phase), strna(cause));
        migration_bus_send_changed(m, MIGRATION_PROP_ERROR);
}

void migration_unreserve(Migration *m) {
        for (size_t i = 0; i < m->n_devices; i++) {
                MigrationDevice *d = &m->devices[i];

                if (d->device && d->device->migration == m) {
                        d->device->migration = NULL;
                        manager_device_changed(m->manager, d->device, DEVICE_PROP_MIGRATION);
                }
                d->device = NULL;
        }
}

/* This host's VF and the other host's, for the record. */
static const char *this_host_vf(const Migration *m, const MigrationDevice *d) {
        return m->role == MIGRATION_SOURCE ? d->source : d->destination;
}
static const char *other_host_vf(const Migration *m, const MigrationDevice *d) {
        return m->role == MIGRATION_SOURCE ? d->destination : d->source;
}

int migration_record_write(Migration *m, int phase) {
        _cleanup_strv_free_ char **vfs = NULL, **peer_vfs = NULL;
        bool all_known = true;
        MigrationRecord rec = {
                .migration = m->id,
                .role = m->role,
                .phase = phase,
                .peer = m->peer_name,
                .updated_usec = now_usec(CLOCK_REALTIME),
                .reason = phase == RECORD_ROLLED_BACK ? m->error : NULL,
        };
        int r;

        assert(phase >= 0 && phase < _RECORD_PHASE_MAX);
        for (size_t i = 0; i < m->n_devices; i++) {
                const char *other = other_host_vf(m, &m->devices[i]);

                all_known = all_known && other;
                if (strv_extend(&vfs, strempty(this_host_vf(m, &m->devices[i]))) < 0 ||
                    strv_extend(&peer_vfs, strempty(other)) < 0)
                        return log_oom();
        }
        rec.vfs = vfs;
        rec.peer_vfs = all_known ? peer_vfs : NULL; /* before the destination chose */
        r = migration_record_save(m->manager->records_fd, &rec);
        if (r < 0)
                return log_migration_full_errno(m, NULL, LOG_ERR, r,
                                                "Migration %s: could not write its record (%s) "
                                                "under %s: %m",
                                                m->id, record_phase_to_string(phase),
                                                m->manager->records_dir);
        m->recorded = phase;
        return 0;
}

void migration_record_drop(Migration *m) {
        int r;

        if (m->recorded < 0)
                return;
        r = migration_record_remove(m->manager->records_fd, m->id);
        if (r < 0)
                log_migration_full_errno(m, NULL, LOG_WARNING, r,
                                         "Migration %s: could not remove its record: %m", m->id);
        m->recorded = -1;
}

void migration_set_attention(Migration *m, const char *fmt, ...) {
        _cleanup_free_ char *text = NULL;
        va_list ap;

        if (fmt) {
                va_start(ap, fmt);
                if (vasprintf(&text, fmt, ap) < 0)
                        text = NULL;
                va_end(ap);
        }
        if (streq_ptr(text, m->attention))
                return;
        free(m->attention);
        m->attention = TAKE_PTR(text);
        if (m->attention)
                log_migration_full_errno(m, NULL, LOG_ERR, 0, "Migration %s needs an operator: %s",
                                         m->id, m->attention);
        migration_bus_send_changed(m, MIGRATION_PROP_ATTENTION);
}

void migration_finish(Migration *m, MigrationPhase phase) {
        assert(IN_SET(phase, MIGRATION_COMMITTED, MIGRATION_ROLLED_BACK));
        m->timer = sd_event_source_disable_unref(m->timer);
        m->retry = sd_event_source_disable_unref(m->retry);
        m->in_doubt_timer = sd_event_source_disable_unref(m->in_doubt_timer);
        if (m->attention)
                migration_set_attention(m, NULL);
        /* The source has nothing left to do after a restart; the destination keeps the outcome
         * until its source says it knows it (migration_destination_forget()), where it took VFs
         * (recorded them): one refused before that ran nothing, and no COMMIT can follow. */
        if (m->role == MIGRATION_DESTINATION && m->recorded >= 0)
                (void)migration_record_write(m, phase == MIGRATION_COMMITTED ? RECORD_COMMITTED
                                                                             : RECORD_ROLLED_BACK);
        else
                migration_record_drop(m);
        for (size_t i = 0; i < m->n_devices; i++)
                m->devices[i].stream = hisi_migstream_close(m->devices[i].stream);
        m->finished_usec = now_usec(CLOCK_REALTIME);
        migration_unreserve(m);
        migration_set_phase(m, phase);
        migration_bus_send_changed(m, MIGRATION_PROP_FINISHED | MIGRATION_PROP_DEVICES);
        if (phase == MIGRATION_COMMITTED)
                log_migration_info(m, "Migration %s (%s, %s): committed, %zu VF%s.", m->id,
                                   migration_role_to_string(m->role), strna(m->peer_name),
                                   m->n_devices, m->n_devices == 1 ? "" : "s");
        else
                log_migration_warning(m, "Migration %s (%s, %s): rolled back: %s", m->id,
                                      migration_role_to_string(m->role), strna(m->peer_name),
                                      strna(m->error));
        /* What is queued (the last answer) goes out first; then the connection closes. After
         * "committed" the destination leaves that to its source, which says "forget" first (or
         * stays silent past timeouts.peer_io_ms). */
        if (migration_peer(m) && (m->role == MIGRATION_SOURCE || phase != MIGRATION_COMMITTED))
                (void)peer_finish(migration_peer(m));
        manager_migration_finished(m->manager, m);
}

int migration_cancel(Migration *m, const char *why) {
        if (migration_is_finished(m) || IN_SET(m->phase, MIGRATION_COMMITTING, MIGRATION_IN_DOUBT))
                return -EBUSY;
        if (m->role == MIGRATION_SOURCE)
                migration_source_cancel(m, why);
        else
                migration_destination_cancel(m, why);
        return 0;
}

void migration_device_gone(Migration *m, Device *dev) {
        _cleanup_(migration_unrefp) Migration *ref = migration_ref(m);
        _cleanup_free_ char *why = NULL;

        for (size_t i = 0; i < m->n_devices; i++) {
                MigrationDevice *d = &m->devices[i];

                if (d->device != dev)
                        continue;
                d->stream = hisi_migstream_close(d->stream);
                d->device = NULL;
                if (!d->error)
                        (void)asprintf_safe(&d->error, "hot-unplugged");
                migration_device_set_phase(d, "gone");
        }
        dev->migration = NULL;
        log_migration_warning(m, "Migration %s: %s was hot-unplugged while %s.", m->id,
                              device_address(dev), migration_phase_to_string(m->phase));
        if (asprintf_safe(&why, "%s was hot-unplugged", device_address(dev)) < 0)
                return;
        (void)migration_cancel(m, why);
}
