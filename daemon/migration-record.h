/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-flight record of a migration (issue 12, ARCHITECTURE.md "Rules that never bend"): one
 * small file per migration under the runtime directory, <runtime>/migrations/<id>.json, replaced
 * whole and atomically (write_file_replace: a temporary file renamed over the record) at each
 * point where what a restarted daemon must do changes. Not fsync()ed, on purpose: a record must
 * outlive the daemon, whose death leaves the kernel's page cache whole, not the host, whose
 * death takes every VF's state with it (and empties /run, a tmpfs); an fsync there only costs
 * the switchover time (milliseconds on a disk, see tests/bench/PERFORMANCE.md):
 *
 *     source:       reserved -> stopped -> commit-sent           (removed once settled)
 *     destination:  reserved [-> loaded] -> running -> committed (kept until the source says
 *                   rolled-back <- (any, before running)          it knows, or outcome_keep_ms)
 *
 * Before "commit-sent" a source rolls back; with it, it asks the destination. A destination that
 * is not "running" yet rolls back; "running" (every VF loaded, COMMIT received) runs them all.
 *
 *     { "version": 1, "migration": "5f0c3a9e7d1b2c44", "role": "source",
 *       "phase": "commit-sent", "peer": "host-b:16520", "updated": 1764556800000000,
 *       "vfs": [ "0000:75:00.1" ], "peer_vfs": [ "0000:75:00.2" ] }
 *
 * "vfs" are this host's VFs, "peer_vfs" (the other host's, in the same order) once known;
 * "reason" says why a destination rolled back. The decoder is pure and refuses a damaged or
 * foreign record with a sentence naming what is wrong; a newer version is refused as such.
 */
#pragma once

#include <stdint.h>

#include "macro.h"
#include "migration.h"

#define MIGRATION_RECORD_VERSION 1
#define MIGRATION_RECORDS_DIR    "migrations"
/* A record is a few hundred bytes; past this a file is not one. */
#define MIGRATION_RECORD_SIZE_MAX (64u * 1024u)

typedef enum RecordPhase {
        RECORD_RESERVED,    /* either: the VFs are taken, nothing stopped or loaded */
        RECORD_STOPPED,     /* source: the switchover began */
        RECORD_COMMIT_SENT, /* source: COMMIT may have arrived: never run again alone */
        RECORD_LOADED,      /* destination: every VF loaded (manual commit), none runs */
        RECORD_RUNNING,     /* destination: every VF loaded and COMMIT came: they run */
        RECORD_COMMITTED,   /* destination: they ran */
        RECORD_ROLLED_BACK, /* destination: none ran, every VF was reset */
        _RECORD_PHASE_MAX,
        _RECORD_PHASE_INVALID = -EINVAL,
} RecordPhase;

const char *record_phase_to_string(RecordPhase p);
RecordPhase record_phase_from_string(const char *s);

typedef struct MigrationRecord {
        char *migration;
        MigrationRole role;
        RecordPhase phase;
        char *peer;            /* source: "host:port" to dial; destination: the source's name */
        uint64_t updated_usec; /* CLOCK_REALTIME */
        char **vfs;            /* this host's VFs */
        char **peer_vfs;       /* the other host's, same order; NULL until all are known */
        char *reason;          /* rolled-back: why, or NULL */
} MigrationRecord;

void migration_record_done(MigrationRecord *r);

/* The file's text for r, with a newline. */
int migration_record_format(const MigrationRecord *r, char **ret);
/* Decode text; origin names it in messages. -EINVAL (or -EPROTONOSUPPORT for a newer version)
 * with *ret_error saying what is wrong; *ret is untouched then. */
int migration_record_parse(const char *text, size_t len, const char *origin, MigrationRecord *ret,
                           char **ret_error);

/* <runtime_directory>/migrations */
int migration_records_dir(const char *runtime_directory, char **ret);
/* The records' directory, made when missing, opened (an fd, or a negative errno): the daemon
 * keeps it open and writes through it, without a lookup of its path in a downtime. */
int migration_records_open(const char *dir);
/* Write r as <id>.json in the directory dirfd, atomically. */
int migration_record_save(int dirfd, const MigrationRecord *r);
/* Read and decode <dir>/<name>; the id must match the file's name. */
int migration_record_load(const char *dir, const char *name, MigrationRecord *ret,
                          char **ret_error);
/* Remove <id>.json from the directory dirfd; 0 when it was not there. */
int migration_record_remove(int dirfd, const char *id);
/* Remove the destination's outcome records older than keep_usec (timeouts.outcome_keep_ms);
 * damaged ones stay. The number removed, or a negative errno. */
int migration_records_prune(const char *dir, uint64_t keep_usec, uint64_t now_realtime_usec);
