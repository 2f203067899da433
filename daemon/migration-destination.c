/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The destination's side of a migration (see migration.h), one small function per step: take
 * the connection over, choose and reserve a VF for each source VF and open it for RESUMING,
 * write the state as it comes (the kernel checks the match header on the way), load and verify
 * every VF, and run them only when all of them loaded. Before COMMIT every failure resets the
 * VFs taken (the daemon lets go of their devices) and frees their reservation. The outcome of
 * each migration is remembered, so that a source whose link broke after COMMIT can ask.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file-util.h"
#include "hisi/peer-message.h"
#include "log.h"
#include "manager-peer.h"
#include "manager.h"
#include "migration-bus.h"
#include "migration-record.h"
#include "migration.h"
#include "peer.h"
#include "string-util.h"
#include "strv.h"

/* ---- Ending ---- */

/* Every VF taken let go: its device closed (the kernel resets the VF), its reservation freed. */
static void destination_reset(Migration *m) {
        for (size_t i = 0; i < m->n_devices; i++) {
                MigrationDevice *d = &m->devices[i];

                d->stream = hisi_migstream_close(d->stream);
                if (d->device)
                        device_release(d->device);
                migration_device_set_phase(d, "reset");
        }
}

static void destination_fail(Migration *m, const char *reason, const char *fmt, ...) _printf_(3, 4);
static void destination_fail(Migration *m, const char *reason, const char *fmt, ...) {
        _cleanup_free_ char *cause = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&cause, fmt, ap) < 0)
                cause = NULL;
        va_end(ap);
        migration_set_error(m, "%s", strna(cause));
        if (m->peer)
                (void)peer_abort(m->peer, reason, strna(cause));
        destination_reset(m);
        migration_finish(m, MIGRATION_ROLLED_BACK);
}

void migration_destination_cancel(Migration *m, const char *why) {
        destination_fail(m, "cancelled", "%s", why);
}

static int send_step(Migration *m, const char *type, int64_t device, char **reasons) {
        _cleanup_free_ char *json = NULL;
        hisi_peer_step s = {
                .type = (char *)type, .migration = m->id, .device = device, .reasons = reasons
        };
        int r;

        if (!m->peer)
                return -ENOTCONN; /* taken up after a restart: the source will ask */
        r = hisi_peer_step_to_json(&s, &json);
        if (r < 0)
                return r;
        return peer_send_message(m->peer, json);
}

/* ---- Loading and running ---- */

/* RESUMING -> STOP for every VF: the kernel loads and verifies. All, or the reasons. */
static int load_all(Migration *m, char ***ret_reasons) {
        _cleanup_strv_free_ char **reasons = NULL;

        for (size_t i = 0; i < m->n_devices; i++) {
                MigrationDevice *d = &m->devices[i];
                int r;

                if (!d->ended)
                        (void)asprintf_safe(&d->error, "its state never ended");
                else {
                        d->stream = hisi_migstream_close(d->stream);
                        r = hisi_migdev_set_state(d->device->migdev, HISI_MIG_STATE_STOP, NULL,
                                                  NULL);
                        if (r < 0)
                                (void)asprintf_safe(&d->error, "RESUMING -> STOP: %s",
                                                    strerror(-r));
                        else
                                migration_device_set_phase(d, "loaded");
                }
                if (d->error) {
                        char *s = NULL;
                        (void)asprintf_safe(&s, "%s (for %s): %s", strna(d->destination), d->source,
                                            d->error);
                        if (strv_consume(&reasons, s) < 0)
                                return -ENOMEM;
                }
        }
        *ret_reasons = TAKE_PTR(reasons);
        return 0;
}

/* Every VF loaded, but the record of the next step could not be written: none runs, the source
 * rolls back. */
static void fail_unrecorded(Migration *m, int error) {
        char *reasons[] = { (char *)"the destination could not write its record", NULL };

        (void)send_step(m, "failed", -1, reasons);
        migration_set_error(m, "could not write the record: %s", strerror(-error));
        destination_reset(m);
        migration_finish(m, MIGRATION_ROLLED_BACK);
}

/* Loaded everywhere: STOP -> RUNNING for every VF (recorded first: a restart finishes it), and
 * the answer. */
static void run_all(Migration *m) {
        int r;

        r = migration_record_write(m, RECORD_RUNNING);
        if (r < 0)
                return fail_unrecorded(m, r); /* a restart could not know that they run */
        for (size_t i = 0; i < m->n_devices; i++) {
                MigrationDevice *d = &m->devices[i];

                if (!d->device || !d->device->migdev)
                        continue; /* lost with a restart: said in its error */
                r = hisi_migdev_set_state(d->device->migdev, HISI_MIG_STATE_RUNNING, NULL, NULL);

                if (r < 0) {
                        log_migration_full_errno(m, d, LOG_ERR, r,
                                                 "Migration %s: loaded, but would not run: %m",
                                                 m->id);
                        (void)asprintf_safe(&d->error, "STOP -> RUNNING: %s", strerror(-r));
                        migration_device_set_phase(d, "failed");
                } else
                        migration_device_set_phase(d, "running");
        }
        /* The source's downtime ends with this answer: the devices' own news go after it. A VF
         * that ran is RUNNING (no need to ask); one that failed says what it is. */
        if (send_step(m, "committed", -1, NULL) >= 0)
                (void)peer_flush(migration_peer(m));
        for (size_t i = 0; i < m->n_devices; i++) {
                MigrationDevice *d = &m->devices[i];

                if (!d->device || !d->device->migdev)
                        continue;
                manager_device_changed(
                        m->manager, d->device,
                        d->error ? device_refresh_migration(d->device)
                                 : device_note_migration_state(d->device, HISI_MIG_STATE_RUNNING));
        }
        migration_finish(m, MIGRATION_COMMITTED);
}

/* load (manual commit) or commit: load every VF; on commit run them too. */
static void on_load(Migration *m, bool commit) {
        _cleanup_strv_free_ char **reasons = NULL;
        int r;

        migration_set_phase(m, MIGRATION_LOADING);
        r = load_all(m, &reasons);
        if (r < 0 || strv_length(reasons) > 0) {
                /* None runs: every VF reset, the source rolls back. */
                (void)send_step(m, "failed", -1, reasons);
                migration_set_error(m, "load: %s", reasons ? reasons[0] : strerror(-r));
                destination_reset(m);
                migration_finish(m, MIGRATION_ROLLED_BACK);
                return;
        }
        if (!commit) {
                r = migration_record_write(m, RECORD_LOADED);
                if (r < 0)
                        return fail_unrecorded(m, r);
                migration_set_phase(m, MIGRATION_LOADED);
                (void)send_step(m, "loaded", -1, NULL);
                return;
        }
        run_all(m);
}

/* ---- What the source sends ---- */

static int on_state(Peer *p, const hisi_wire_record *rec, void *userdata) {
        _cleanup_(migration_unrefp) Migration *m = migration_ref(userdata);
        MigrationDevice *d;
        size_t off = 0;

        if (rec->device >= m->n_devices ||
            !IN_SET(m->phase, MIGRATION_PRECOPY, MIGRATION_SWITCHOVER, MIGRATION_READY)) {
                destination_fail(m, "protocol", "device state out of place");
                return 0;
        }
        d = &m->devices[rec->device];
        /* State for a VF whose precopy is acknowledged: its source stopped, the switchover runs. */
        if (IN_SET(m->phase, MIGRATION_PRECOPY, MIGRATION_READY) && d->acked)
                migration_set_phase(m, MIGRATION_SWITCHOVER);
        if (rec->type == HISI_WIRE_END) {
                d->ended = true;
                migration_device_set_phase(d, "received");
                return 0;
        }
        while (off < rec->data_len) {
                ssize_t n = hisi_migstream_write(d->stream, rec->data + off, rec->data_len - off);

                if (n == -EINTR)
                        continue;
                if (n < 0) {
                        /* -EFAULT: the kernel's match check refused the header. Fatal for the
                         * VF: on 6.2+ a later RESUMING -> STOP would load it anyway. */
                        destination_fail(m, "refused",
                                         "%s (for %s): the kernel refused the state at byte "
                                         "%" PRIu64 ": %s%s",
                                         strna(d->destination), d->source, d->bytes + off,
                                         strerror((int)-n),
                                         n == -EFAULT ? " (the match check: qp count, queue "
                                                        "isolation or version differ)"
                                                      : "");
                        return 0;
                }
                off += (size_t)n;
        }
        d->bytes += rec->data_len;
        m->bytes_total += rec->data_len;
        migration_bus_send_changed(m, MIGRATION_PROP_DEVICES);
        return 0;
}

static bool all_acked(const Migration *m) {
        for (size_t i = 0; i < m->n_devices; i++)
                if (!m->devices[i].acked)
                        return false;
        return true;
}

static void on_step(Migration *m, const char *json, size_t len) {
        _cleanup_(hisi_peer_step_done) hisi_peer_step s = { .device = -1 };
        _cleanup_free_ char *error = NULL;

        if (hisi_peer_step_from_json(json, len, &s, &error) < 0 || !streq(s.migration, m->id))
                return destination_fail(m, "protocol", "a malformed step: %s", strna(error));
        if (streq(s.type, "precopy-done") && m->phase == MIGRATION_PRECOPY && s.device >= 0 &&
            (size_t)s.device < m->n_devices) {
                MigrationDevice *d = &m->devices[s.device];

                if (d->bytes != s.bytes)
                        return destination_fail(m, "protocol",
                                                "precopy of %s: %" PRIu64 " bytes said, %" PRIu64
                                                " received",
                                                d->source, s.bytes, d->bytes);
                d->precopy_bytes = d->bytes;
                d->acked = true;
                migration_device_set_phase(d, "precopy-acked");
                if (send_step(m, "precopy-ack", s.device, NULL) < 0)
                        return destination_fail(m, "internal", "could not acknowledge");
                /* Every VF acknowledged: the source's switchover is next, whenever it comes. */
                if (all_acked(m))
                        migration_set_phase(m, MIGRATION_READY);
        } else if (streq(s.type, "commit") &&
                   IN_SET(m->phase, MIGRATION_SWITCHOVER, MIGRATION_PRECOPY, MIGRATION_READY))
                on_load(m, true);
        else if (streq(s.type, "load") &&
                 IN_SET(m->phase, MIGRATION_SWITCHOVER, MIGRATION_PRECOPY, MIGRATION_READY))
                on_load(m, false);
        else if (streq(s.type, "commit") && m->phase == MIGRATION_LOADED)
                run_all(m);
        else
                destination_fail(m, "protocol", "an unexpected \"%s\" from the source", s.type);
}

/* After the end: the source says it knows the outcome ("forget"); anything else is ignored. */
static void on_step_after_end(Migration *m, const char *json, size_t len) {
        _cleanup_(hisi_peer_step_done) hisi_peer_step s = { .device = -1 };

        if (hisi_peer_step_from_json(json, len, &s, NULL) < 0 || !streq(s.migration, m->id) ||
            !streq(s.type, "forget"))
                return;
        migration_destination_forget(m->manager, m->id, m->peer_name);
        (void)peer_finish(m->peer);
}

static int on_message(Peer *p, const char *json, size_t len, void *userdata) {
        _cleanup_(migration_unrefp) Migration *m = migration_ref(userdata);

        if (!migration_is_finished(m))
                on_step(m, json, len);
        else
                on_step_after_end(m, json, len);
        return 0;
}

static void on_closed(Peer *p, int error, const char *reason, void *userdata) {
        _cleanup_(migration_unrefp) Migration *m = migration_ref(userdata);
        /* reason lives in the Peer: it goes only once the error is written. */
        _cleanup_(peer_freep) Peer *gone = TAKE_PTR(m->peer);

        if (migration_is_finished(m))
                return;
        /* No COMMIT came: nothing runs here, everything taken is reset. */
        destination_fail(m, "internal", "the link to the source: %s",
                         reason ?: "closed before the migration ended");
}

static const PeerCallbacks destination_callbacks = {
        .message = on_message,
        .state = on_state,
        .closed = on_closed,
};

/* ---- Start ---- */

/* Reserve, hold and open for RESUMING the chosen VF of device d. */
static int take_vf(Migration *m, MigrationDevice *d, char **ret_error) {
        Device *dev = manager_find_device(m->manager, d->destination);
        hisi_migdev *md;
        int r;

        if (!dev || dev->migration || dev->migdev)
                return asprintf_safe(ret_error, "%s is no longer free", d->destination) < 0
                               ? -ENOMEM
                               : -EBUSY;
        dev->migration = m;
        d->device = dev;
        manager_device_changed(m->manager, dev, DEVICE_PROP_MIGRATION);
        r = device_hold(dev, &md);
        if (r < 0)
                return asprintf_safe(ret_error, "cannot open %s: %s", d->destination,
                                     strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        r = hisi_migdev_set_state(md, HISI_MIG_STATE_RESUMING, NULL, &d->stream);
        if (r < 0)
                return asprintf_safe(ret_error, "%s: -> RESUMING: %s", d->destination,
                                     strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        migration_device_set_phase(d, "resuming");
        return 0;
}

/* Choose a VF for every source VF; take them all only when all were accepted. */
static int destination_choose(Migration *m, const hisi_peer_migrate *msg,
                              hisi_peer_migrate_reply *reply, bool *ret_all) {
        _cleanup_free_ char **taken = calloc(msg->check.n_devices + 1, sizeof(char *));
        size_t n_taken = 0;
        bool all = true;
        int r;

        reply->reply.devices = calloc(msg->check.n_devices, sizeof(*reply->reply.devices));
        if (!taken || !reply->reply.devices)
                return -ENOMEM;
        reply->reply.n_devices = msg->check.n_devices;
        for (size_t i = 0; i < msg->check.n_devices; i++) {
                const hisi_peer_check_device *src = &msg->check.devices[i];
                hisi_peer_check_result *res = &reply->reply.devices[i];
                MigrationDevice *d = &m->devices[i];

                res->source = strdup(src->source);
                d->source = strdup(src->source);
                if (!res->source || !d->source)
                        return -ENOMEM;
                d->desc = src->desc;
                r = manager_choose_destination(m->manager, src, taken, n_taken, res);
                if (r < 0)
                        return r;
                all = all && res->accepted;
                if (res->destination) {
                        taken[n_taken++] = res->destination;
                        d->destination = strdup(res->destination);
                        if (!d->destination)
                                return -ENOMEM;
                }
        }
        *ret_all = all;
        return 0;
}

int migration_destination_start(Manager *manager, Peer *peer, const char *json, size_t len) {
        _cleanup_(hisi_peer_migrate_done) hisi_peer_migrate msg = {};
        _cleanup_(hisi_peer_migrate_reply_done) hisi_peer_migrate_reply reply = {};
        _cleanup_(migration_unrefp) Migration *m = NULL;
        _cleanup_free_ char *error = NULL, *text = NULL;
        bool all = false;
        int r;

        r = hisi_peer_migrate_from_json(json, len, &msg, &error);
        if (r < 0)
                return peer_abort(peer, "protocol", strna(error)), r;
        if (manager->state == MANAGER_STOPPING)
                return peer_abort(peer, "refused", "the destination daemon is stopping"),
                       -ESHUTDOWN;
        if (manager_count_migrations(manager) >= manager->config.limits.max_migrations)
                return peer_abort(peer, "busy",
                                  "the destination runs limits.max_migrations migrations"),
                       -EBUSY;
        r = migration_new(manager, MIGRATION_DESTINATION, msg.migration, msg.check.n_devices, &m);
        if (r == -EEXIST)
                return peer_abort(peer, "refused", "this migration id is known here already"), r;
        if (r < 0)
                return r;
        m->precopy = msg.precopy;
        m->options.manual_commit = msg.manual_commit;
        m->peer_name = strdup(peer_host_name(peer) ?: peer_name(peer));
        m->peer = peer;
        peer_set_callbacks(peer, &destination_callbacks, m);
        migration_bus_add(m);

        r = destination_choose(m, &msg, &reply, &all);
        for (size_t i = 0; r >= 0 && all && i < m->n_devices; i++) {
                r = take_vf(m, &m->devices[i], &error);
                if (r < 0) {
                        hisi_peer_check_result *res = &reply.reply.devices[i];
                        res->accepted = all = false;
                        (void)strv_extend(&res->reasons, strna(error));
                        r = 0;
                }
        }
        reply.migration = strdup(m->id);
        if (r >= 0 && all)
                r = migration_record_write(m, RECORD_RESERVED);
        if (r >= 0 && reply.migration)
                r = hisi_peer_migrate_reply_to_json(&reply, &text);
        if (r >= 0 && (r = peer_send_message(peer, text)) >= 0 && all)
                r = peer_expect_devices(peer, (uint32_t)m->n_devices);
        if (r < 0 || !all) {
                migration_set_error(m, "%s", r < 0 ? strerror(-r) : "refused: a VF does not fit");
                destination_reset(m);
                migration_finish(m, MIGRATION_ROLLED_BACK);
                return 0; /* answered */
        }
        log_migration_info(m, "Migration %s: taking %zu VF%s from %s.", m->id, m->n_devices,
                           m->n_devices == 1 ? "" : "s", m->peer_name);
        migration_set_phase(m, m->precopy ? MIGRATION_PRECOPY : MIGRATION_SWITCHOVER);
        return 0; /* the Manager's list holds it */
}

const char *migration_destination_outcome(Manager *manager, const char *id, char **ret_reason) {
        _cleanup_(migration_record_done) MigrationRecord rec = {};
        _cleanup_free_ char *name = NULL, *error = NULL;
        Migration *m = manager_find_migration(manager, id);

        *ret_reason = NULL;
        if (m && m->role == MIGRATION_DESTINATION) {
                if (m->phase == MIGRATION_COMMITTED)
                        return "committed";
                if (m->phase != MIGRATION_ROLLED_BACK)
                        return "unknown"; /* still deciding */
                *ret_reason = m->error ? strdup(m->error) : NULL;
                return "rolled-back";
        }
        /* Past the restart, or past the list: the record. One that cannot be read says
         * nothing (a damaged record is never read as "rolled back"). */
        if (asprintf_safe(&name, "%s.json", id) < 0 ||
            migration_record_load(manager->records_dir, name, &rec, &error) < 0 ||
            rec.role != MIGRATION_DESTINATION) {
                if (error && !strstr(error, "No such file"))
                        log_warning("Migration %s: its outcome was asked for, and its record "
                                    "cannot be read: %s",
                                    id, error);
                return "unknown";
        }
        if (rec.phase == RECORD_COMMITTED)
                return "committed";
        if (rec.phase == RECORD_ROLLED_BACK) {
                *ret_reason = TAKE_PTR(rec.reason);
                return "rolled-back";
        }
        return "unknown";
}

void migration_destination_forget(Manager *manager, const char *id, const char *source) {
        _cleanup_(migration_record_done) MigrationRecord rec = {};
        _cleanup_free_ char *name = NULL;
        Migration *m = manager_find_migration(manager, id);
        int r;

        if (m && (m->role != MIGRATION_DESTINATION || !migration_is_finished(m)))
                return;
        if (asprintf_safe(&name, "%s.json", id) < 0 ||
            migration_record_load(manager->records_dir, name, &rec, NULL) < 0 ||
            rec.role != MIGRATION_DESTINATION ||
            !IN_SET(rec.phase, RECORD_COMMITTED, RECORD_ROLLED_BACK))
                return;
        if (!streq_ptr(rec.peer, source)) {
                log_warning("Migration %s: %s asked to forget its outcome, but its source was %s; "
                            "keeping it.",
                            id, strna(source), strna(rec.peer));
                return;
        }
        r = migration_record_remove(manager->records_fd, id);
        if (r < 0)
                log_warning_errno(r, "Migration %s: could not remove its record: %m", id);
        else
                log_debug("Migration %s: the source knows the outcome; its record is gone.", id);
        if (m)
                m->recorded = -1;
}

/* ---- After a restart ---- */

int migration_destination_recover(Manager *manager, const MigrationRecord *rec,
                                  Device *const *devices, Migration **ret) {
        _cleanup_(migration_unrefp) Migration *m = NULL;
        size_t n = strv_length(rec->vfs);
        int r;

        assert(rec->role == MIGRATION_DESTINATION);
        r = migration_new(manager, MIGRATION_DESTINATION, rec->migration, n, &m);
        if (r < 0)
                return r;
        m->recovered = true;
        m->recorded = rec->phase;
        m->peer_name = rec->peer ? strdup(rec->peer) : NULL;
        for (size_t i = 0; i < n; i++) {
                MigrationDevice *d = &m->devices[i];

                d->destination = strdup(rec->vfs[i]);
                d->source = rec->peer_vfs ? strdup(rec->peer_vfs[i]) : NULL;
                if (!d->destination || (rec->peer_vfs && !d->source))
                        return -ENOMEM;
                d->ended = true;
                if (IN_SET(rec->phase, RECORD_COMMITTED, RECORD_ROLLED_BACK)) {
                        /* Settled before the restart: listed, nothing to do. */
                        migration_device_set_phase(d, rec->phase == RECORD_COMMITTED ? "running"
                                                                                     : "reset");
                } else if ((d->device = devices[i]) && d->device->migdev) {
                        d->device->migration = m;
                        manager_device_changed(manager, d->device, DEVICE_PROP_MIGRATION);
                } else {
                        d->device = NULL;
                        (void)asprintf_safe(&d->error, "its device was not kept across the "
                                                       "restart: the kernel reset it");
                        migration_device_set_phase(d, "lost");
                }
        }
        migration_bus_add(m);
        if (IN_SET(rec->phase, RECORD_COMMITTED, RECORD_ROLLED_BACK)) {
                /* Its outcome, as it was: the record is not written again (it would never
                 * expire). */
                m->error = rec->reason ? strdup(rec->reason) : NULL;
                m->finished_usec = rec->updated_usec;
                m->phase = rec->phase == RECORD_COMMITTED ? MIGRATION_COMMITTED
                                                          : MIGRATION_ROLLED_BACK;
                manager_migration_finished(manager, m);
        } else if (rec->phase != RECORD_RUNNING) {
                /* No COMMIT came: nothing ran here; everything taken is reset. */
                migration_set_phase(m, rec->phase == RECORD_LOADED ? MIGRATION_LOADED
                                                                   : MIGRATION_SWITCHOVER);
                migration_set_error(m, "the daemon restarted before COMMIT (recorded: %s)",
                                    record_phase_to_string(rec->phase));
                destination_reset(m);
                migration_finish(m, MIGRATION_ROLLED_BACK);
        } else {
                /* Every VF loaded and COMMIT came: they run, those that ran before stay so. */
                migration_set_phase(m, MIGRATION_LOADING);
                log_migration_warning(m,
                                      "Migration %s: the daemon restarted while running the "
                                      "VFs; running the rest.",
                                      m->id);
                run_all(m);
        }
        if (ret)
                *ret = m;
        return 0;
}
