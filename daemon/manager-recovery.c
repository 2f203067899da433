/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a restarted daemon does before READY=1 (issue 12, hisi-accmigd(8) "CRASH SAFETY"): it
 * takes back the VF devices the service manager's fd store kept (fd-store.h), reads the
 * in-flight records (migration-record.h) and settles each migration as its record says:
 *
 *   - a source before COMMIT rolls back; after it, it is in doubt and asks the destination;
 *   - a destination before "running" resets its VFs; at "running" it runs them;
 *   - a destination's outcome (committed, rolled back) stays for the source's question, until
 *     the source says it knows or timeouts.outcome_keep_ms has passed.
 *
 * A device kept without a record is let go by what its state says: one that runs (a workload's,
 * or one a migration brought here), or was in PRE_COPY (its state never left), runs and stays
 * held; one that was RESUMING never ran and is reset. One that is stopped (STOP_COPY, STOP) may
 * run on another host now: it stays stopped and held, in an in-doubt migration of its own that
 * an operator settles. A damaged record is left on disk as it is, never read as an outcome.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd-store.h"
#include "file-util.h"
#include "log.h"
#include "manager.h"
#include "migration-record.h"
#include "migration.h"
#include "string-util.h"
#include "strv.h"
#include "time-util.h"

/* The devices the service manager passed: each VF holds its own again. */
static void adopt_devices(Manager *m) {
        FdPassed *fds = NULL;
        size_t n = 0;

        if (fd_store_take_passed(&fds, &n) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                Device *d = manager_find_device(m, fds[i].address);
                char name[FD_STORE_NAME_MAX];
                int r;

                fd_store_vf_name(fds[i].address, name);
                if (!d || !device_is_vf(d) || d->migdev) {
                        log_warning("The fd store kept the device of %s, %s; letting it go.",
                                    fds[i].address,
                                    !d           ? "which is not on this host any more"
                                    : !d->migdev ? "which is not a VF"
                                                 : "twice");
                        if (!d || !d->migdev)
                                (void)fd_store_remove(name);
                        continue; /* closed by fd_passed_free() */
                }
                r = device_adopt(d, TAKE_FD(fds[i].fd));
                if (r < 0) {
                        log_device_error_errno(d, r, "Could not take back its device: %m");
                        (void)fd_store_remove(name);
                }
        }
        fd_passed_free(fds, n);
}

/* The record's VFs on this host (NULL for one that is gone, or taken by another record). */
static Device **record_devices(Manager *m, const MigrationRecord *rec) {
        size_t n = strv_length(rec->vfs);
        Device **l = calloc(n + 1, sizeof(Device *));

        for (size_t i = 0; l && i < n; i++) {
                Device *d = manager_find_device(m, rec->vfs[i]);

                if (d && device_is_vf(d) && !d->migration)
                        l[i] = d;
                else
                        log_warning("Migration %s: its record names %s, %s.", rec->migration,
                                    rec->vfs[i],
                                    !d || !device_is_vf(d) ? "which is not a VF on this host"
                                                           : "which another record has too");
        }
        return l;
}

/* One record: settled as it says, or (damaged) logged and named in *damaged. */
static void recover_record(Manager *m, const char *name, char ***damaged) {
        _cleanup_(migration_record_done) MigrationRecord rec = {};
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ Device **devices = NULL;
        int r;

        r = migration_record_load(m->records_dir, name, &rec, &error);
        if (r < 0) {
                log_error("A migration record cannot be read and is left as it is: %s. Its "
                          "migration is not settled by this daemon; VFs found stopped stay so "
                          "for an operator.",
                          error ?: strerror(-r));
                (void)strv_extend(damaged, name);
                return;
        }
        if (rec.role == MIGRATION_DESTINATION &&
            IN_SET(rec.phase, RECORD_COMMITTED, RECORD_ROLLED_BACK)) {
                /* An outcome kept for the source's question, until it expires; listed. */
                if (rec.updated_usec + m->config.timeouts.outcome_keep_usec <
                    now_usec(CLOCK_REALTIME)) {
                        log_debug("Migration %s: its outcome expired (timeouts.outcome_keep_ms).",
                                  rec.migration);
                        (void)migration_record_remove(m->records_dir, rec.migration);
                } else if (migration_destination_recover(m, &rec, (Device *[]){ NULL }, NULL) < 0)
                        log_oom();
                return;
        }
        devices = record_devices(m, &rec);
        if (!devices) {
                log_oom();
                return;
        }
        log_notice("Migration %s (%s, %s): recorded as %s before the restart; settling it.",
                   rec.migration, migration_role_to_string(rec.role), strna(rec.peer),
                   record_phase_to_string(rec.phase));
        if (rec.role == MIGRATION_SOURCE)
                r = migration_source_recover(m, &rec, devices, NULL);
        else
                r = migration_destination_recover(m, &rec, devices, NULL);
        if (r < 0)
                log_error_errno(r, "Migration %s: could not be taken up again: %m", rec.migration);
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void recover_records(Manager *m, char ***damaged) {
        _cleanup_strv_free_ char **names = NULL;
        DIR *dir;
        struct dirent *de;

        dir = opendir(m->records_dir);
        if (!dir) {
                if (errno != ENOENT)
                        log_error_errno(errno, "Could not read the migration records in %s: %m",
                                        m->records_dir);
                return;
        }
        while ((de = readdir(dir))) {
                const char *dot = strrchr(de->d_name, '.');

                if (de->d_name[0] == '.')
                        continue;
                if (strstr(de->d_name, ".json.tmp.")) {
                        /* A write that a crash cut short: the record it replaced stands. */
                        (void)unlinkat(dirfd(dir), de->d_name, 0);
                        continue;
                }
                if (dot && streq(dot, ".json"))
                        (void)strv_extend(&names, de->d_name);
        }
        closedir(dir);
        if (!names)
                return;
        qsort(names, strv_length(names), sizeof(char *), compare_names);
        for (char **n = names; *n; n++)
                recover_record(m, *n, damaged);
}

/* A held device that no record claimed: by its state (see the top of this file). */
static void recover_unrecorded(Manager *m, Device *d, const char *damaged) {
        hisi_mig_state s = HISI_MIG_STATE_ERROR;
        MigrationRecord rec = {};
        char *vfs[2] = { (char *)device_address(d), NULL };
        char id[HISI_PCI_ADDRESS_MAX + 16];
        int r;

        (void)hisi_migdev_get_state(d->migdev, &s);
        switch (s) {
        case HISI_MIG_STATE_RUNNING:
        case HISI_MIG_STATE_RUNNING_P2P:
        case HISI_MIG_STATE_PRE_COPY:
        case HISI_MIG_STATE_PRE_COPY_P2P:
                r = hisi_migdev_set_state(d->migdev, HISI_MIG_STATE_RUNNING, NULL, NULL);
                if (r < 0)
                        log_device_error_errno(d, r,
                                               "Kept across the restart in %s, and would not "
                                               "run again: %m",
                                               hisi_mig_state_to_string(s));
                else
                        log_device_info(d, "Kept across the restart (%s); it runs, held.",
                                        hisi_mig_state_to_string(s));
                manager_device_changed(m, d, device_refresh_migration(d));
                return;
        case HISI_MIG_STATE_RESUMING:
        case HISI_MIG_STATE_ERROR:
                log_device_warning(d,
                                   "Kept across the restart in %s with no migration record: "
                                   "its state never ran here; resetting it.",
                                   hisi_mig_state_to_string(s));
                device_release(d);
                return;
        case HISI_MIG_STATE_STOP:
        case HISI_MIG_STATE_STOP_COPY:
        case _HISI_MIG_STATE_MAX:
        case _HISI_MIG_STATE_INVALID:
                break;
        }
        /* Stopped, and nothing says whether its state runs elsewhere now. */
        snprintf(id, sizeof(id), "unrecorded-%s", device_address(d));
        for (char *p = id; *p; p++)
                if (*p == ':' || *p == '.')
                        *p = '-';
        rec = (MigrationRecord){
                .migration = id, .role = MIGRATION_SOURCE, .phase = RECORD_COMMIT_SENT, .vfs = vfs
        };
        r = migration_source_recover(m, &rec, (Device *[]){ d, NULL }, NULL);
        if (r < 0) {
                log_device_error_errno(d, r, "Could not report it stopped: %m");
                return;
        }
        migration_set_attention(
                manager_find_migration(m, id),
                "%s was kept across a restart stopped (%s) with no readable record of its "
                "migration%s%s%s: its state may run on another host now. If it does not, "
                "`hisi-accmigctl resolve %s --resume-source` runs it here again; if it does, "
                "`--keep-destination` lets it go.",
                device_address(d), hisi_mig_state_to_string(s), damaged ? " (damaged: " : "",
                strempty(damaged), damaged ? ")" : "", id);
}

int manager_recover(Manager *m) {
        _cleanup_strv_free_ char **damaged = NULL;
        _cleanup_free_ char *joined = NULL;

        adopt_devices(m);
        recover_records(m, &damaged);
        for (char **n = damaged; n && *n; n++) {
                char *t = NULL;
                if (asprintf_safe(&t, "%s%s%s", strempty(joined), joined ? ", " : "", *n) < 0)
                        return log_oom();
                free(joined);
                joined = t;
        }
        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];

                if (d->migdev && !d->migration)
                        recover_unrecorded(m, d, joined);
        }
        return 0;
}
