/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The source's side of a migration (see migration.h), one small function per phase: reserve and
 * describe the VFs, dial the destination and ask (migrate), move the PRE_COPY bytes, stop and
 * move the rest (switchover), commit, and release the VFs once the destination runs them. Any
 * failure before the commit rolls every VF back to RUNNING with its state.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file-util.h"
#include "hisi/peer-message.h"
#include "hisi/vf-describe.h"
#include "log.h"
#include "manager.h"
#include "migration-bus.h"
#include "migration-record.h"
#include "migration.h"
#include "parse-util.h"
#include "peer-dial.h"
#include "peer.h"
#include "string-util.h"
#include "strv.h"
#include "time-util.h"

/* How long an in-doubt source waits before it asks the destination again: doubling from the
 * first to the last. */
#define IN_DOUBT_RETRY_USEC     (2 * USEC_PER_SEC)
#define IN_DOUBT_RETRY_MAX_USEC (30 * USEC_PER_SEC)

static int source_dial(Migration *m);

/* ---- Rollback and release ---- */

/* Every VF back to RUNNING with its state: PRE_COPY -> RUNNING, STOP_COPY -> STOP -> RUNNING. */
static void source_rollback(Migration *m) {
        for (size_t i = 0; i < m->n_devices; i++) {
                MigrationDevice *d = &m->devices[i];
                int r;

                d->stream = hisi_migstream_close(d->stream);
                if (!d->device || !d->device->migdev)
                        continue;
                r = hisi_migdev_set_state(d->device->migdev, HISI_MIG_STATE_RUNNING, NULL, NULL);
                if (r < 0) {
                        log_migration_full_errno(m, d, LOG_ERR, r,
                                                 "Migration %s: could not run again: %m", m->id);
                        if (!d->error)
                                (void)asprintf_safe(&d->error, "rollback to RUNNING failed: %s",
                                                    strerror(-r));
                        migration_device_set_phase(d, "failed");
                } else
                        migration_device_set_phase(d, "running");
                manager_device_changed(m->manager, d->device, device_refresh_migration(d->device));
        }
}

/* Fail before the commit: tell the destination, roll back, end. */
static void source_fail(Migration *m, const char *fmt, ...) _printf_(2, 3);
static void source_fail(Migration *m, const char *fmt, ...) {
        _cleanup_free_ char *cause = NULL;
        va_list ap;

        assert(!IN_SET(m->phase, MIGRATION_COMMITTING, MIGRATION_IN_DOUBT));
        va_start(ap, fmt);
        if (vasprintf(&cause, fmt, ap) < 0)
                cause = NULL;
        va_end(ap);
        migration_set_error(m, "%s", strna(cause));
        if (migration_peer(m))
                (void)peer_abort(migration_peer(m), "cancelled", strna(cause));
        source_rollback(m);
        migration_finish(m, MIGRATION_ROLLED_BACK);
}

void migration_source_cancel(Migration *m, const char *why) {
        source_fail(m, "%s", why);
}

/* The destination runs the VFs: ours let go (STOP, then the close resets the VF). */
static void source_release(Migration *m) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        for (size_t i = 0; i < m->n_devices; i++) {
                MigrationDevice *d = &m->devices[i];

                if (d->stopped_usec > 0)
                        d->downtime_usec = now - d->stopped_usec;
                d->stream = hisi_migstream_close(d->stream);
                if (d->device && d->device->migdev) {
                        (void)hisi_migdev_set_state(d->device->migdev, HISI_MIG_STATE_STOP, NULL,
                                                    NULL);
                        device_release(d->device);
                }
                migration_device_set_phase(d, "moved");
        }
}

static int send_step(Migration *m, const char *type, int64_t device, uint64_t bytes);

/* Settled: nothing is left for a restart to do here (the record goes first), and the destination
 * may forget the outcome it kept for us. */
static void source_settled(Migration *m, MigrationPhase phase) {
        migration_record_drop(m);
        if (migration_peer(m))
                (void)send_step(m, "forget", -1, 0);
        migration_finish(m, phase);
}

static void source_committed(Migration *m) {
        source_release(m);
        source_settled(m, MIGRATION_COMMITTED);
}

/* ---- Sending state ---- */

/* Read what the device offers now and send it, until the read says the end (0). */
static int send_stream(Migration *m, MigrationDevice *d) {
        uint8_t buf[HISI_WIRE_HEADER_SIZE + HISI_WIRE_CHUNK_HEADER + HISI_WIRE_CHUNK_MAX];
        uint8_t data[HISI_WIRE_CHUNK_MAX];

        for (;;) {
                ssize_t n = hisi_migstream_read(d->stream, data, sizeof(data));
                int k, r;

                if (n == -EINTR)
                        continue;
                if (n == 0 || n == -ENOMSG)
                        return 0;
                if (n < 0)
                        return (int)n;
                k = hisi_wire_encoder_chunk(m->encoder, d->index, data, (size_t)n, buf,
                                            sizeof(buf));
                if (k < 0)
                        return k;
                r = peer_send_records(migration_peer(m), buf, (size_t)k);
                if (r < 0)
                        return r;
                d->bytes += (uint64_t)n;
                m->bytes_total += (uint64_t)n;
        }
}

static int send_step(Migration *m, const char *type, int64_t device, uint64_t bytes) {
        _cleanup_free_ char *json = NULL;
        hisi_peer_step s = {
                .type = (char *)type, .migration = m->id, .device = device, .bytes = bytes
        };
        int r;

        r = hisi_peer_step_to_json(&s, &json);
        if (r < 0)
                return r;
        return peer_send_message(migration_peer(m), json);
}

/* ---- Phases ---- */

/* Precopy: each VF RUNNING -> PRE_COPY and its initial bytes out; nothing stops. */
static void source_precopy(Migration *m) {
        migration_set_phase(m, MIGRATION_PRECOPY);
        for (size_t i = 0; i < m->n_devices; i++) {
                MigrationDevice *d = &m->devices[i];
                int r;

                r = hisi_migdev_set_state(d->device->migdev, HISI_MIG_STATE_PRE_COPY, NULL,
                                          &d->stream);
                if (r < 0)
                        return source_fail(m, "%s: RUNNING -> PRE_COPY: %s", d->source,
                                           strerror(-r));
                r = send_stream(m, d);
                if (r < 0)
                        return source_fail(m, "%s: sending the PRE_COPY bytes: %s", d->source,
                                           strerror(-r));
                d->precopy_bytes = d->bytes;
                migration_device_set_phase(d, "precopy");
                r = send_step(m, "precopy-done", d->index, d->bytes);
                if (r < 0)
                        return source_fail(m, "sending precopy-done: %s", strerror(-r));
        }
        migration_bus_send_changed(m, MIGRATION_PROP_DEVICES);
}

/* COMMIT: recorded first (a restart must then ask, never roll back alone), then sent. From here
 * on the destination may run the VFs: a broken link is in doubt. */
static int send_commit(Migration *m) {
        int r;

        r = migration_record_write(m, RECORD_COMMIT_SENT);
        if (r < 0)
                return r;
        r = send_step(m, "commit", -1, 0);
        if (r < 0) {
                /* Not sent: nothing can have arrived; a restart would ask and hear "unknown". */
                (void)migration_record_write(m, RECORD_STOPPED);
                return r;
        }
        (void)peer_flush(migration_peer(m)); /* the flight leaves before anything else is done */
        migration_set_phase(m, MIGRATION_COMMITTING);
        return 0;
}

/* Switchover: each VF stops (STOP_COPY), its state out to EOF, its END; then the commit (or
 * the load, with a manual commit) in the same flight. */
static void source_switchover(Migration *m) {
        uint8_t end[HISI_WIRE_HEADER_SIZE + HISI_WIRE_END_SIZE];
        int r;

        migration_set_phase(m, MIGRATION_SWITCHOVER);
        r = migration_record_write(m, RECORD_STOPPED);
        if (r < 0)
                return source_fail(m, "could not write the migration's record: %s", strerror(-r));
        for (size_t i = 0; i < m->n_devices; i++) {
                MigrationDevice *d = &m->devices[i];
                hisi_migstream *s = NULL;

                d->stopped_usec = now_usec(CLOCK_MONOTONIC);
                r = hisi_migdev_set_state(d->device->migdev, HISI_MIG_STATE_STOP_COPY, NULL, &s);
                if (r < 0)
                        return source_fail(m, "%s: -> STOP_COPY: %s", d->source, strerror(-r));
                if (s) { /* from RUNNING a new session; from PRE_COPY the same one goes on */
                        hisi_migstream_close(d->stream);
                        d->stream = s;
                }
                migration_device_set_phase(d, "stopped");
                r = send_stream(m, d);
                if (r < 0)
                        return source_fail(m, "%s: reading the state: %s", d->source, strerror(-r));
                r = hisi_wire_encoder_end(m->encoder, d->index, end, sizeof(end));
                if (r >= 0)
                        r = peer_send_records(migration_peer(m), end, (size_t)r);
                if (r < 0)
                        return source_fail(m, "%s: sending the end: %s", d->source, strerror(-r));
                d->ended = true;
                migration_device_set_phase(d, "sent");
        }
        if (m->options.manual_commit) {
                r = send_step(m, "load", -1, 0);
                if (r < 0)
                        return source_fail(m, "sending load: %s", strerror(-r));
                migration_set_phase(m, MIGRATION_LOADING);
                return;
        }
        r = send_commit(m);
        if (r < 0)
                return source_fail(m, "%s", strerror(-r));
}

int migration_source_switchover(Migration *m) {
        if (m->role != MIGRATION_SOURCE || m->phase != MIGRATION_READY)
                return -EBUSY;
        source_switchover(m);
        return 0;
}

int migration_source_commit(Migration *m) {
        int r;

        if (m->role != MIGRATION_SOURCE || m->phase != MIGRATION_LOADED)
                return -EBUSY;
        r = send_commit(m);
        if (r < 0) {
                source_fail(m, "%s", strerror(-r));
                return r;
        }
        return 0;
}

/* Precopy acknowledged everywhere (or none): on to the switchover, or wait for it. */
static void source_after_precopy(Migration *m) {
        if (m->options.manual_switchover)
                migration_set_phase(m, MIGRATION_READY);
        else
                source_switchover(m);
}

/* ---- Messages from the destination ---- */

static void on_migrate_reply(Migration *m, const char *json, size_t len) {
        _cleanup_(hisi_peer_migrate_reply_done) hisi_peer_migrate_reply reply = {};
        _cleanup_free_ char *error = NULL, *refusal = NULL;
        size_t size = 0;
        FILE *f;

        if (hisi_peer_migrate_reply_from_json(json, len, &reply, &error) < 0)
                return source_fail(m, "a malformed migrate-reply: %s", strna(error));
        if (!streq(reply.migration, m->id) || reply.reply.n_devices != m->n_devices)
                return source_fail(m, "the destination answered for another migration");
        f = open_memstream(&refusal, &size);
        if (!f)
                return source_fail(m, "out of memory");
        for (size_t i = 0; i < m->n_devices; i++) {
                hisi_peer_check_result *res = &reply.reply.devices[i];
                MigrationDevice *d = &m->devices[i];

                if (!streq(res->source, d->source)) {
                        fclose(f);
                        return source_fail(m, "the destination answered for other VFs");
                }
                free(d->destination);
                d->destination = res->destination ? strdup(res->destination) : NULL;
                if (!res->accepted) {
                        fprintf(f, "%s%s: ", ftell(f) ? "; " : "", d->source);
                        for (size_t k = 0; res->reasons && res->reasons[k]; k++)
                                fprintf(f, "%s%s", k ? ", " : "", res->reasons[k]);
                        migration_device_set_phase(d, "refused");
                }
        }
        if (memstream_finish(f, &refusal) < 0)
                return source_fail(m, "out of memory");
        migration_bus_send_changed(m, MIGRATION_PROP_DEVICES);
        if (refusal && *refusal)
                return source_fail(m, "refused by %s: %s", strna(m->peer_name), refusal);
        if (m->precopy)
                source_precopy(m);
        else
                source_after_precopy(m);
}

static void on_step(Migration *m, const char *json, size_t len) {
        _cleanup_(hisi_peer_step_done) hisi_peer_step s = { .device = -1 };
        _cleanup_free_ char *error = NULL, *reasons = NULL;
        bool all = true;

        if (hisi_peer_step_from_json(json, len, &s, &error) < 0 || !streq(s.migration, m->id)) {
                if (!IN_SET(m->phase, MIGRATION_COMMITTING, MIGRATION_IN_DOUBT))
                        source_fail(m, "a malformed step: %s", strna(error));
                return;
        }
        if (streq(s.type, "precopy-ack") && m->phase == MIGRATION_PRECOPY && s.device >= 0 &&
            (size_t)s.device < m->n_devices) {
                m->devices[s.device].acked = true;
                migration_device_set_phase(&m->devices[s.device], "precopy-acked");
                for (size_t i = 0; i < m->n_devices; i++)
                        all = all && m->devices[i].acked;
                if (all)
                        source_after_precopy(m);
        } else if (streq(s.type, "loaded") && m->phase == MIGRATION_LOADING) {
                for (size_t i = 0; i < m->n_devices; i++)
                        migration_device_set_phase(&m->devices[i], "loaded");
                migration_set_phase(m, MIGRATION_LOADED);
        } else if (streq(s.type, "committed") &&
                   IN_SET(m->phase, MIGRATION_COMMITTING, MIGRATION_IN_DOUBT))
                source_committed(m);
        else if (streq(s.type, "failed") &&
                 IN_SET(m->phase, MIGRATION_LOADING, MIGRATION_COMMITTING)) {
                /* The destination ran none and reset them: ours run again. */
                reasons = strv_length(s.reasons) > 0 ? strdup(s.reasons[0]) : NULL;
                m->phase = MIGRATION_LOADING; /* not in doubt: the destination said so */
                source_fail(m, "the destination could not load: %s", strna(reasons));
        } else if (streq(s.type, "outcome-reply") && m->phase == MIGRATION_IN_DOUBT) {
                if (streq_ptr(s.outcome, "committed"))
                        source_committed(m);
                else if (streq_ptr(s.outcome, "rolled-back")) {
                        migration_set_error(m,
                                            "the destination rolled back after the link broke%s%s",
                                            strv_length(s.reasons) == 0 ? "" : ": ",
                                            strv_length(s.reasons) == 0 ? "" : s.reasons[0]);
                        source_rollback(m);
                        source_settled(m, MIGRATION_ROLLED_BACK);
                } else {
                        /* It may still be deciding (its side of the old link has not broken
                         * yet), or know nothing (it restarted): ask again on a new connection. */
                        log_migration_warning(
                                m,
                                "Migration %s: the destination does not know the outcome "
                                "(yet); the VFs stay stopped, asking again.",
                                m->id);
                        (void)peer_finish(migration_peer(m));
                }
        } else if (!IN_SET(m->phase, MIGRATION_COMMITTING, MIGRATION_IN_DOUBT))
                source_fail(m, "an unexpected \"%s\" from the destination", s.type);
}

static int on_message(Peer *p, const char *json, size_t len, void *userdata) {
        _cleanup_(migration_unrefp) Migration *m = migration_ref(userdata);
        _cleanup_free_ char *type = NULL, *error = NULL;

        if (hisi_peer_message_type(json, len, &type, &error) < 0) {
                source_fail(m, "a malformed message: %s", strna(error));
                return 0;
        }
        if (streq(type, "migrate-reply") && m->phase == MIGRATION_NEGOTIATING)
                on_migrate_reply(m, json, len);
        else
                on_step(m, json, len);
        return 0;
}

/* ---- The connection ---- */

static int send_migrate(Migration *m) {
        _cleanup_free_ char *json = NULL;
        hisi_peer_migrate msg = {
                .migration = m->id,
                .precopy = m->precopy,
                .manual_commit = m->options.manual_commit,
        };
        hisi_peer_check_device *devs;
        int r;

        devs = calloc(m->n_devices, sizeof(*devs));
        if (!devs)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_devices; i++)
                devs[i] = (hisi_peer_check_device){ .source = m->devices[i].source,
                                                    .to = m->devices[i].destination,
                                                    .desc = m->devices[i].desc };
        msg.check = (hisi_peer_check){ .devices = devs, .n_devices = m->n_devices };
        r = hisi_peer_migrate_to_json(&msg, &json);
        free(devs);
        if (r < 0)
                return r;
        return peer_send_message(migration_peer(m), json);
}

static int send_outcome_query(Migration *m) {
        return send_step(m, "outcome", -1, 0);
}

static void on_ready(Peer *p, void *userdata) {
        Migration *m = userdata;
        int r;

        if (m->phase == MIGRATION_IN_DOUBT) {
                r = send_outcome_query(m);
                if (r < 0)
                        peer_close(p, r, "could not ask for the outcome");
                return;
        }
        r = send_migrate(m);
        if (r < 0)
                return source_fail(m, "could not send migrate: %s", strerror(-r));
        migration_set_phase(m, MIGRATION_NEGOTIATING);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata);

/* Ask again later, each wait twice the last, up to IN_DOUBT_RETRY_MAX_USEC. */
static void schedule_retry(Migration *m) {
        if (m->retry)
                return;
        m->retry_usec = m->retry_usec == 0 ? IN_DOUBT_RETRY_USEC
                                           : MIN(m->retry_usec * 2, IN_DOUBT_RETRY_MAX_USEC);
        (void)sd_event_add_time_relative(m->manager->event, &m->retry, CLOCK_MONOTONIC,
                                         m->retry_usec, 0, on_retry, m);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Migration *m = userdata;

        m->retry = sd_event_source_disable_unref(m->retry);
        m->dial = peer_dial_free(m->dial);
        if (source_dial(m) < 0)
                schedule_retry(m);
        return 0;
}

/* In doubt past timeouts.in_doubt_ms: the operator is asked (the daemon goes on asking too). */
static int on_in_doubt_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Migration *m = userdata;

        m->in_doubt_timer = sd_event_source_disable_unref(m->in_doubt_timer);
        if (m->phase != MIGRATION_IN_DOUBT || m->attention)
                return 0;
        migration_set_attention(
                m,
                "%s has not said for %" PRIu64 " s whether it runs the VFs (COMMIT was sent). If "
                "it does, run `hisi-accmigctl resolve %s --keep-destination`; if it never ran "
                "them, `hisi-accmigctl resolve %s --resume-source`.",
                strna(m->peer_name), m->manager->config.timeouts.in_doubt_usec / USEC_PER_SEC,
                m->id, m->id);
        return 0;
}

/* COMMIT was sent and the answer did not come: never run again before the destination says. */
static void enter_in_doubt(Migration *m) {
        migration_set_phase(m, MIGRATION_IN_DOUBT);
        if (!m->in_doubt_timer && !m->attention)
                (void)sd_event_add_time_relative(
                        m->manager->event, &m->in_doubt_timer, CLOCK_MONOTONIC,
                        m->manager->config.timeouts.in_doubt_usec, 0, on_in_doubt_timeout, m);
}

static void on_closed(Peer *p, int error, const char *reason, void *userdata) {
        _cleanup_(migration_unrefp) Migration *m = migration_ref(userdata);

        if (migration_is_finished(m))
                return;
        if (m->phase == MIGRATION_COMMITTING && error == -ECONNABORTED) {
                /* The destination aborted: it says so only before it runs anything (after,
                 * it answers "committed"), so ours may run again. */
                m->phase = MIGRATION_LOADING;
                source_fail(m, "%s", reason ?: "the destination aborted");
                return;
        }
        if (IN_SET(m->phase, MIGRATION_COMMITTING, MIGRATION_IN_DOUBT)) {
                /* COMMIT may have arrived: never run again before the destination says. */
                if (m->phase == MIGRATION_COMMITTING) {
                        log_migration_warning(
                                m,
                                "Migration %s: the link to %s broke after COMMIT (%s); the "
                                "VFs stay stopped until the destination says what it did.",
                                m->id, strna(m->peer_name), strna(reason));
                        enter_in_doubt(m);
                }
                schedule_retry(m);
                return;
        }
        source_fail(m, "the link to the destination: %s",
                    reason ?: "closed before the migration ended");
}

static const PeerCallbacks source_callbacks = {
        .ready = on_ready,
        .message = on_message,
        .closed = on_closed,
};

static int source_dial(Migration *m) {
        _cleanup_free_ char *host = NULL;
        uint16_t port;
        int r;

        if (!m->manager->peer_link)
                return -ENOTCONN; /* it is off: PeerError says why */
        r = parse_host_port(m->peer_name, &host, &port);
        if (r < 0)
                return r;
        return peer_dial(m->manager->peer_link, host, port, &source_callbacks, m, &m->dial);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        Migration *m = userdata;

        m->timer = sd_event_source_disable_unref(m->timer);
        if (!IN_SET(m->phase, MIGRATION_COMMITTING, MIGRATION_IN_DOUBT) &&
            !migration_is_finished(m))
                source_fail(m, "not done within timeouts.migration_ms (%" PRIu64 " ms)",
                            m->manager->config.timeouts.migration_usec / USEC_PER_MSEC);
        return 0;
}

/* ---- Start ---- */

/* Reserve, hold and describe one VF of ours. */
static int source_take(Migration *m, MigrationDevice *d, const char *address, char **ret_error) {
        Device *dev = manager_find_device(m->manager, address);
        hisi_migdev *md;
        int r;

        if (!dev)
                return asprintf_safe(ret_error, "no HiSilicon accelerator %s on this host",
                                     address) < 0
                               ? -ENOMEM
                               : -ENODEV;
        if (!device_is_vf(dev))
                return asprintf_safe(ret_error, "%s is a PF: only VFs migrate", address) < 0
                               ? -ENOMEM
                               : -EINVAL;
        if (dev->migration)
                return asprintf_safe(ret_error, "%s is in migration %s already", address,
                                     dev->migration->id) < 0
                               ? -ENOMEM
                               : -EBUSY;
        /* A VMM migrates the VFs it holds itself (QEMU's VFIO migration): the daemon checks,
         * reserves and reports for them, and issues no migration ioctl. */
        if (dev->reserved_for)
                return asprintf_safe(ret_error,
                                     "%s is %s libvirt domain %s: its VMM migrates it (virsh "
                                     "migrate), not hisi-accmigd",
                                     address,
                                     dev->control_mode == DEVICE_CONTROL_VMM_HELD ? "held by"
                                                                                  : "reserved for",
                                     dev->reserved_for) < 0
                               ? -ENOMEM
                               : -EBUSY;
        if (!streq_ptr(dev->facts.driver, HISI_VFIO_DRIVER))
                return asprintf_safe(ret_error, "%s is bound to %s, not %s: bind it first", address,
                                     dev->facts.driver ?: "no driver", HISI_VFIO_DRIVER) < 0
                               ? -ENOMEM
                               : -EADDRNOTAVAIL;
        r = device_hold(dev, &md);
        if (r == -EBUSY)
                return asprintf_safe(ret_error,
                                     "%s is held by another process (a VMM migrates it itself)",
                                     address) < 0
                               ? -ENOMEM
                               : -EBUSY;
        if (r < 0)
                return asprintf_safe(ret_error, "cannot open %s's migration device: %s", address,
                                     strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        r = hisi_vf_describe(md, dev->facts.kind, dev->facts.device_id, &d->desc);
        if (r < 0)
                return asprintf_safe(ret_error, "%s: %s", address,
                                     r == -EBUSY ? "not RUNNING (another migration?)"
                                                 : strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        d->source = strdup(address);
        if (!d->source)
                return -ENOMEM;
        d->device = dev;
        dev->migration = m;
        manager_device_changed(m->manager, dev, DEVICE_PROP_MIGRATION);
        migration_device_set_phase(d, "running");
        return 0;
}

int migration_source_start(Manager *manager, char *const *vfs, size_t n_vfs,
                           char *const *to_devices, const char *peer, uint16_t port,
                           const MigrationOptions *o, Migration **ret, char **ret_error) {
        _cleanup_(migration_unrefp) Migration *m = NULL;
        bool precopy = true;
        int r;

        assert(manager && vfs && peer && o && ret_error);
        *ret_error = NULL;
        if (!manager->peer_link)
                return asprintf_safe(ret_error, "the peer link is not running: %s",
                                     strna(manager->peer_error)) < 0
                               ? -ENOMEM
                               : -ENOTCONN;
        if (n_vfs == 0 || n_vfs > HISI_WIRE_DEVICES_MAX)
                return asprintf_safe(ret_error, "between 1 and %u VFs per migration",
                                     HISI_WIRE_DEVICES_MAX) < 0
                               ? -ENOMEM
                               : -EINVAL;
        if (manager_count_migrations(manager) >= manager->config.limits.max_migrations)
                return asprintf_safe(ret_error, "%u migrations run already (limits.max_migrations)",
                                     manager->config.limits.max_migrations) < 0
                               ? -ENOMEM
                               : -EBUSY;
        r = migration_new(manager, MIGRATION_SOURCE, NULL, n_vfs, &m);
        if (r < 0)
                return r;
        m->options = *o;
        if (port == 0)
                port = manager->config.peer.port;
        if (asprintf_safe(&m->peer_name, strchr(peer, ':') ? "[%s]:%u" : "%s:%u", peer, port) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n_vfs; i++) {
                for (size_t k = 0; k < i; k++)
                        if (streq(vfs[k], vfs[i])) {
                                r = asprintf_safe(ret_error, "%s is named twice", vfs[i]);
                                goto fail;
                        }
                r = source_take(m, &m->devices[i], vfs[i], ret_error);
                if (r < 0)
                        goto fail;
                if (to_devices && !isempty(to_devices[i]) &&
                    !(m->devices[i].destination = strdup(to_devices[i]))) {
                        r = -ENOMEM;
                        goto fail;
                }
                precopy = precopy && (m->devices[i].desc.mig_flags & HISI_MIG_FLAG_PRE_COPY);
        }
        m->precopy = precopy;
        r = migration_record_write(m, RECORD_RESERVED);
        if (r < 0) {
                (void)asprintf_safe(ret_error,
                                    "could not write the migration's record under %s: %s",
                                    manager->records_dir, strerror(-r));
                goto fail;
        }
        r = hisi_wire_encoder_new((uint32_t)n_vfs, &m->encoder);
        if (r >= 0)
                r = source_dial(m);
        if (r >= 0)
                r = sd_event_add_time_relative(manager->event, &m->timer, CLOCK_MONOTONIC,
                                               manager->config.timeouts.migration_usec, 0,
                                               on_deadline, m);
        if (r < 0)
                goto fail;
        log_migration_info(m, "Migration %s: %zu VF%s to %s%s.", m->id, n_vfs,
                           n_vfs == 1 ? "" : "s", m->peer_name, m->precopy ? ", with precopy" : "");
        migration_bus_add(m);
        *ret = m; /* the Manager's list holds it */
        return 0;
fail:
        if (r == 0)
                r = -EINVAL;
        migration_record_drop(m);
        migration_unreserve(m);
        manager_remove_migration(manager, m);
        return r;
}

/* ---- After a restart ---- */

int migration_source_recover(Manager *manager, const MigrationRecord *rec, Device *const *devices,
                             Migration **ret) {
        _cleanup_(migration_unrefp) Migration *m = NULL;
        _cleanup_free_ char *lost = NULL;
        size_t n = strv_length(rec->vfs);
        int r;

        assert(rec->role == MIGRATION_SOURCE);
        r = migration_new(manager, MIGRATION_SOURCE, rec->migration, n, &m);
        if (r < 0)
                return r;
        m->recovered = true;
        m->recorded = rec->phase;
        m->peer_name = rec->peer ? strdup(rec->peer) : NULL;
        if (rec->peer && !m->peer_name)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                MigrationDevice *d = &m->devices[i];

                d->source = strdup(rec->vfs[i]);
                if (!d->source)
                        return -ENOMEM;
                if (rec->peer_vfs && !isempty(rec->peer_vfs[i]) &&
                    !(d->destination = strdup(rec->peer_vfs[i])))
                        return -ENOMEM;
                d->device = devices[i];
                if (d->device && d->device->migdev) {
                        d->device->migration = m;
                        manager_device_changed(manager, d->device, DEVICE_PROP_MIGRATION);
                        migration_device_set_phase(d, "stopped");
                } else {
                        d->device = NULL;
                        (void)asprintf_safe(&d->error, "its device was not kept across the "
                                                       "restart: its state on this host is gone");
                        migration_device_set_phase(d, "lost");
                        char *t = NULL;
                        if (asprintf_safe(&t, "%s%s%s", strempty(lost), lost ? ", " : "",
                                          d->source) < 0)
                                return -ENOMEM;
                        free(lost);
                        lost = t;
                }
        }
        migration_bus_add(m);

        if (rec->phase != RECORD_COMMIT_SENT) {
                /* Before COMMIT: the destination runs nothing (its link broke); ours run again. */
                migration_set_phase(m, rec->phase == RECORD_STOPPED ? MIGRATION_SWITCHOVER
                                                                    : MIGRATION_NEGOTIATING);
                migration_set_error(m,
                                    "the daemon restarted during the migration (recorded: %s)%s%s",
                                    record_phase_to_string(rec->phase),
                                    lost ? "; lost with the restart: " : "", strempty(lost));
                source_rollback(m);
                log_migration_warning(m,
                                      "Migration %s: the daemon restarted before COMMIT; rolled "
                                      "back.",
                                      m->id);
                source_settled(m, MIGRATION_ROLLED_BACK);
        } else {
                enter_in_doubt(m);
                if (!m->peer_name)
                        goto done; /* nobody to ask: the caller says what to decide */
                log_migration_warning(m,
                                      "Migration %s: the daemon restarted after COMMIT was sent; "
                                      "the VFs stay stopped, asking %s what it did.",
                                      m->id, m->peer_name);
                if (lost)
                        migration_set_attention(
                                m,
                                "%s: not kept across the restart (the service manager's fd "
                                "store did not hand it back), so its state here is gone. The "
                                "destination's answer settles the rest; if it never comes, "
                                "decide with `hisi-accmigctl resolve %s`.",
                                lost, m->id);
                /* From the event loop, once the peer link runs. */
                r = sd_event_add_time_relative(manager->event, &m->retry, CLOCK_MONOTONIC, 0, 0,
                                               on_retry, m);
                if (r < 0)
                        return r;
        }
done:
        if (ret)
                *ret = m;
        return 0;
}

int migration_source_resolve(Migration *m, bool resume_source, char **ret_error) {
        if (m->role != MIGRATION_SOURCE || m->phase != MIGRATION_IN_DOUBT)
                return asprintf_safe(ret_error,
                                     "nothing to decide: it is %s (%s); Resolve() is for a source "
                                     "migration in doubt.",
                                     migration_phase_to_string(m->phase),
                                     migration_role_to_string(m->role)) < 0
                               ? -ENOMEM
                               : -EBUSY;
        if (!m->attention)
                return asprintf_safe(ret_error,
                                     "still asking %s, which can answer: the decision is an "
                                     "operator's only once Attention says so "
                                     "(timeouts.in_doubt_ms).",
                                     strna(m->peer_name)) < 0
                               ? -ENOMEM
                               : -EBUSY;
        m->dial = peer_dial_free(m->dial);
        if (resume_source) {
                migration_set_error(m,
                                    "the operator decided that %s never ran the VFs: they run "
                                    "here again",
                                    strna(m->peer_name));
                log_migration_warning(m, "Migration %s: resumed on this host by the operator.",
                                      m->id);
                source_rollback(m);
                source_settled(m, MIGRATION_ROLLED_BACK);
        } else {
                log_migration_warning(m,
                                      "Migration %s: the operator decided that %s runs the VFs; "
                                      "letting ours go.",
                                      m->id, strna(m->peer_name));
                source_committed(m);
        }
        return 0;
}
