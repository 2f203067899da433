/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager's registry of migrations, both roles: running ones, and the newest finished ones
 * (limits.kept_migrations) so that a status query, or a source that lost its link after COMMIT,
 * still finds them.
 */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "manager.h"
#include "migration-bus.h"
#include "migration-record.h"
#include "migration.h"
#include "string-util.h"
#include "time-util.h"

Migration *manager_find_migration(Manager *m, const char *id) {
        for (Migration *i = m->migrations; i; i = i->next)
                if (streq(i->id, id))
                        return i;
        return NULL;
}

void manager_add_migration(Manager *m, Migration *mig) {
        assert(!mig->prev && !mig->next && m->migrations != mig);
        mig->next = m->migrations;
        if (m->migrations)
                m->migrations->prev = mig;
        m->migrations = migration_ref(mig);
        m->n_migrations++;
}

void manager_remove_migration(Manager *m, Migration *mig) {
        if (!mig->prev && m->migrations != mig)
                return; /* not in the list */
        /* Announced gone while the bus can still find it, for its interface list. */
        migration_bus_remove(mig);
        if (mig->prev)
                mig->prev->next = mig->next;
        else
                m->migrations = mig->next;
        if (mig->next)
                mig->next->prev = mig->prev;
        mig->prev = mig->next = NULL;
        m->n_migrations--;
        migration_unref(mig);
}

unsigned manager_count_migrations(Manager *m) {
        unsigned n = 0;

        for (Migration *i = m->migrations; i; i = i->next)
                if (!migration_is_finished(i))
                        n++;
        return n;
}

/* How often at most the destination's expired outcome records are looked for. */
#define PRUNE_INTERVAL_USEC (60 * USEC_PER_SEC)

/* The oldest finished ones go when more than kept_migrations are finished; so do the outcome
 * records past timeouts.outcome_keep_ms, looked for once a minute at most. */
void manager_migration_finished(Manager *m, Migration *mig) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        unsigned finished = 0;
        Migration *i, *next;

        if (m->records_dir && now >= m->records_pruned_usec + PRUNE_INTERVAL_USEC) {
                m->records_pruned_usec = now;
                (void)migration_records_prune(m->records_dir, m->config.timeouts.outcome_keep_usec,
                                              now_usec(CLOCK_REALTIME));
        }

        for (i = m->migrations; i; i = next) {
                next = i->next;
                if (!migration_is_finished(i))
                        continue;
                /* The list is newest first: past the limit, the older ones go. */
                if (++finished > m->config.limits.kept_migrations && i != mig)
                        manager_remove_migration(m, i);
        }
}

/* The daemon stops: every running migration that may still roll back does; the rest (in
 * doubt, committing) keep their devices held (the fd store keeps them across a restart). */
void manager_migrations_stop(Manager *m) {
        Migration *i, *next;

        for (i = m->migrations; i; i = next) {
                next = i->next;
                if (!migration_is_finished(i))
                        (void)migration_cancel(i, "the daemon is stopping");
        }
        while (m->migrations)
                manager_remove_migration(m, m->migrations);
}
