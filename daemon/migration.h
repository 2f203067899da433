/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One live migration of one or more VFs between this host and another (ARCHITECTURE.md, "A
 * migration, step by step"), in either role: the source (migration-source.c) moves its VFs'
 * state out, the destination (migration-destination.c) takes it in; this file is what both share:
 * the object, its phases, its devices, the end of a migration, and the rollback rule.
 *
 * Rollback is sacred: before the destination says COMMITTED, every failure puts each source VF
 * back to RUNNING with its state (PRE_COPY -> RUNNING, STOP_COPY -> STOP -> RUNNING) and resets
 * every destination VF (the daemon lets go of its device: the last close resets the VF) and
 * frees its reservation. After the source sent COMMIT and before the answer, a broken link
 * leaves the migration in doubt: the source keeps its VFs stopped and asks again.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "device.h"
#include "hisi/compat.h"
#include "hisi/migdev.h"
#include "hisi/peer-wire.h"
#include "macro.h"

typedef struct Manager Manager;
typedef struct Peer Peer;
typedef struct PeerDial PeerDial;
typedef struct Migration Migration;
typedef struct MigrationRecord MigrationRecord;

typedef enum MigrationRole {
        MIGRATION_SOURCE,
        MIGRATION_DESTINATION,
        _MIGRATION_ROLE_MAX,
        _MIGRATION_ROLE_INVALID = -EINVAL,
} MigrationRole;

typedef enum MigrationPhase {
        MIGRATION_CONNECTING,  /* source: resolving, connecting, authenticating */
        MIGRATION_NEGOTIATING, /* the check, the destination's reservation */
        MIGRATION_PRECOPY,     /* source PRE_COPY: the initial bytes move, nothing stopped */
        MIGRATION_READY,       /* precopy acknowledged; waiting for Switchover() */
        MIGRATION_SWITCHOVER,  /* source stopped (STOP_COPY): the state moves */
        MIGRATION_LOADING,     /* the destination loads and verifies */
        MIGRATION_LOADED,      /* every VF loaded, none runs yet; waiting for Commit() */
        MIGRATION_COMMITTING,  /* COMMIT sent, waiting for COMMITTED */
        MIGRATION_COMMITTED,   /* done: the VFs run on the destination */
        MIGRATION_ROLLED_BACK, /* failed or cancelled before the commit: nothing moved */
        MIGRATION_IN_DOUBT,    /* source: the link broke after COMMIT; asking again */
        _MIGRATION_PHASE_MAX,
        _MIGRATION_PHASE_INVALID = -EINVAL,
} MigrationPhase;

const char *migration_role_to_string(MigrationRole r);
MigrationRole migration_role_from_string(const char *s);
const char *migration_phase_to_string(MigrationPhase p);
MigrationPhase migration_phase_from_string(const char *s);

/* One VF of a migration. */
typedef struct MigrationDevice {
        Migration *migration;
        uint32_t index;    /* on the wire */
        char *source;      /* the source VF's address */
        char *destination; /* the destination VF's address, once known */
        Device *device;    /* this host's VF (source or destination), reserved for us */
        hisi_vf_desc desc; /* the source VF's descriptor */
        hisi_migstream *stream;
        char *phase;    /* per-VF progress for people: "precopy", "stopped", "sent", ... */
        uint64_t bytes; /* state bytes sent or received so far */
        uint64_t precopy_bytes;
        uint64_t stopped_usec;  /* source: when it stopped (CLOCK_MONOTONIC) */
        uint64_t downtime_usec; /* source: from its stop to COMMITTED */
        bool acked;             /* source: the destination acknowledged its precopy */
        bool ended;             /* its END was sent (source) or verified (destination) */
        char *error;
} MigrationDevice;

typedef struct MigrationOptions {
        bool manual_switchover; /* hold before the switchover until Switchover() */
        bool manual_commit;     /* hold after LOADED until Commit() */
} MigrationOptions;

struct Migration {
        unsigned n_ref;
        Manager *manager;
        char *id;
        char *object_path;
        MigrationRole role;
        MigrationPhase phase;
        MigrationOptions options;
        bool precopy;
        char *peer_name; /* "host-b:16520" (source) or the peer's host name (destination) */
        PeerDial *dial;  /* source */
        Peer *peer;      /* the connection */
        hisi_wire_encoder *encoder; /* source */
        MigrationDevice *devices;
        size_t n_devices;
        uint64_t bytes_total;
        uint64_t started_usec, finished_usec; /* CLOCK_REALTIME, for people */
        sd_event_source *timer;               /* the deadline before the commit */
        sd_event_source *retry;               /* in doubt: the next time we ask */
        uint64_t retry_usec;                  /* in doubt: the wait before that */
        char *error;                          /* cause, side and phase, once failed */
        /* In doubt past timeouts.in_doubt_ms, or recovered without a VF's device: what the
         * operator must decide (`hisi-accmigctl resolve`), or NULL. */
        char *attention;
        sd_event_source *in_doubt_timer; /* source: when the operator is asked */
        int recorded;                    /* the RecordPhase last written, or -1 (none) */
        bool recovered;                  /* taken up again from its record after a restart */
        bool on_bus;                     /* its object was announced */
        unsigned changed_props;          /* MIGRATION_PROP_* not yet sent (migration-bus.c) */
        sd_event_source *changed_flush;  /* sends them once the loop is idle */
        Migration *prev, *next;          /* the Manager's list */
};

Migration *migration_ref(Migration *m);
Migration *migration_unref(Migration *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Migration *, migration_unref);

/* A new migration of n devices in the Manager's list, with its id (a new one when NULL) and
 * D-Bus object. */
int migration_new(Manager *manager, MigrationRole role, const char *id, size_t n, Migration **ret);
/* Move to phase, tell D-Bus. */
void migration_set_phase(Migration *m, MigrationPhase phase);
/* A device's progress for people. */
void migration_device_set_phase(MigrationDevice *d, const char *phase);

bool migration_is_finished(const Migration *m);
/* The connection to the other host, or NULL (source: through its dial). */
Peer *migration_peer(Migration *m);
/* The migration ended: record when, release the connection, tell D-Bus. */
void migration_finish(Migration *m, MigrationPhase phase);
/* Record the failure's cause ("<side> <phase>: <cause>"), the first one wins. */
void migration_set_error(Migration *m, const char *fmt, ...) _printf_(2, 3);

/* Free the reservation of every device (Device.migration). */
void migration_unreserve(Migration *m);

/* Write the migration's record at phase (a RecordPhase, migration-record.h), atomically: a
 * restarted daemon acts on it. A negative errno (logged) when it could not be written: a step
 * that needs its record must not be taken then. */
int migration_record_write(Migration *m, int phase);
/* Remove the record: nothing is left to do after a restart. */
void migration_record_drop(Migration *m);
/* What the operator must decide (NULL: nothing), for the Attention property. */
void migration_set_attention(Migration *m, const char *fmt, ...) _printf_(2, 3);

/* Role-specific (migration-source.c, migration-destination.c). */
int migration_source_start(Manager *manager, char *const *vfs, size_t n_vfs,
                           char *const *to_devices, const char *host, uint16_t port,
                           const MigrationOptions *o, Migration **ret, char **ret_error);
int migration_source_switchover(Migration *m);
int migration_source_commit(Migration *m);
void migration_source_cancel(Migration *m, const char *why);
/* A connection that sent "migrate": the destination takes it over. */
int migration_destination_start(Manager *manager, Peer *peer, const char *json, size_t len);
void migration_destination_cancel(Migration *m, const char *why);
/* The outcome this host remembers of a migration it was the destination of (in memory, or in its
 * record): "committed", "rolled-back" (*ret_reason, to free: why, or NULL) or "unknown". */
const char *migration_destination_outcome(Manager *manager, const char *id, char **ret_reason);

/* The journal fields of a migration (MIGRATION_ID=, MIGRATION_ROLE=, PEER=) and, for one of
 * its VFs, that VF's (HISI_VF=, ...). */
void migration_log_fields(const Migration *m, const MigrationDevice *d, LogFields *f);
#define log_migration_full_errno(m, d, level, error, ...)                                          \
        ({                                                                                         \
                LogFields _mf_ = {};                                                               \
                migration_log_fields((m), (d), &_mf_);                                             \
                log_full_errno_fields((level), (error), &_mf_, __VA_ARGS__);                       \
        })
#define log_migration_info(m, ...)    log_migration_full_errno(m, NULL, LOG_INFO, 0, __VA_ARGS__)
#define log_migration_warning(m, ...) log_migration_full_errno(m, NULL, LOG_WARNING, 0, __VA_ARGS__)
#define log_migration_debug(m, ...)   log_migration_full_errno(m, NULL, LOG_DEBUG, 0, __VA_ARGS__)

/* Source (migration-source.c): a migration whose record says COMMIT was sent, taken up again
 * after a restart with the VFs the fd store kept (NULL where none was): in doubt, asking the
 * destination. */
int migration_source_recover(Manager *manager, const MigrationRecord *rec, Device *const *devices,
                             Migration **ret);
/* The operator's decision on an in-doubt source migration: resume (the destination did not run
 * the VFs) or release (it did). -EBUSY when there is nothing to decide. */
int migration_source_resolve(Migration *m, bool resume_source, char **ret_error);
/* The source (host name source) of a finished migration says it knows the outcome: the record
 * goes. Refused (logged) when another host asks. */
void migration_destination_forget(Manager *manager, const char *id, const char *source);
/* Destination: a migration taken up again from its record after a restart, with the VFs the fd
 * store kept (NULL where none was): finished as its record says (before "running": reset and
 * rolled back; "running": run and committed). */
int migration_destination_recover(Manager *manager, const MigrationRecord *rec,
                                  Device *const *devices, Migration **ret);

/* Either role: what Cancel() does. -EBUSY once it cannot be cancelled any more. */
int migration_cancel(Migration *m, const char *why);

/* One of its VFs went away (hot-unplug), and its Device is about to be freed: the migration
 * forgets it, and fails when it still may (before COMMIT); otherwise the VF's error says so. */
void migration_device_gone(Migration *m, Device *dev);
