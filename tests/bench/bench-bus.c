/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What `tools/dev bench` asks of a daemon over its system bus (DBUS_SYSTEM_BUS_ADDRESS), where
 * one hisi-accmigctl per request would not do:
 *
 *   bench-bus migrate-many PEER VF...
 *       one migration per VF, all started at once (the Migrate calls go out together, on as
 *       many connections as the bus's max_replies_per_connection, 128 by default, asks for),
 *       then each followed to its end; prints "COMMITTED TOTAL" and exits 0 when every one
 *       committed. A migration that did not start counts as not committed.
 *
 *   bench-bus hot-add SIM SIMDIR VF N
 *       N times: unplug VF on the simulated host (hisi-accsim ctl) and wait for the daemon's
 *       InterfacesRemoved, then plug it and print the µs from the start of the plug request to
 *       the daemon's InterfacesAdded, one a line.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "accmig-bus.h"
#include "macro.h"
#include "parse-util.h"
#include "time-util.h"

#define OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"
#define WAIT_USEC      (600 * USEC_PER_SEC)
#define POLL_USEC      (50 * USEC_PER_MSEC)
#define HOTPLUG_USEC   (30 * USEC_PER_SEC)
#define CALLS_PER_BUS  100 /* under dbus-daemon's max_replies_per_connection (128) */

static int die(const char *what, int r) {
        fprintf(stderr, "bench-bus: %s: %s\n", what, strerror(r < 0 ? -r : r));
        exit(1);
}

static sd_bus *bus_open(void) {
        sd_bus *bus = NULL;
        int r = sd_bus_open_system(&bus);

        if (r < 0)
                die("connecting to the system bus", r);
        return bus;
}

/* ---- migrate-many ---- */

typedef struct Started {
        char *path; /* the migration's object, NULL until Migrate answered */
        bool answered, done, committed;
} Started;

static int on_migrate_reply(sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Started *s = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        const char *path;

        s->answered = true;
        if (e) {
                fprintf(stderr, "bench-bus: Migrate: %s\n", e->message ?: e->name);
                s->done = true;
                return 0;
        }
        if (sd_bus_message_read(reply, "o", &path) < 0 || !(s->path = strdup(path)))
                s->done = true;
        return 0;
}

static int migrate_many(const char *peer, char **vfs, size_t n) {
        size_t n_bus = (n + CALLS_PER_BUS - 1) / CALLS_PER_BUS;
        sd_bus **buses = calloc(n_bus, sizeof(*buses));
        Started *s = calloc(n, sizeof(*s));
        size_t answered = 0, done = 0, committed = 0;
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + WAIT_USEC;
        sd_bus *bus;
        int r;

        if (!s || !buses)
                die("calloc", -ENOMEM);
        for (size_t b = 0; b < n_bus; b++)
                buses[b] = bus_open();
        for (size_t i = 0; i < n; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

                bus = buses[i / CALLS_PER_BUS];
                r = sd_bus_message_new_method_call(bus, &m, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                                   ACCMIG_MANAGER_INTERFACE, "Migrate");
                if (r >= 0)
                        r = sd_bus_message_append(m, "as", 1, vfs[i]);
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", peer);
                if (r >= 0)
                        r = sd_bus_message_append(m, "a{sv}", 0);
                if (r >= 0)
                        r = sd_bus_call_async(bus, NULL, m, on_migrate_reply, &s[i], WAIT_USEC);
                if (r < 0)
                        die("Migrate", r);
        }
        while (answered < n) {
                bool progress = false;

                for (size_t b = 0; b < n_bus; b++) {
                        r = sd_bus_process(buses[b], NULL);
                        if (r < 0)
                                die("the bus", r);
                        progress = progress || r > 0;
                }
                if (!progress)
                        (void)sd_bus_wait(buses[0], POLL_USEC);
                answered = 0;
                for (size_t i = 0; i < n; i++)
                        answered += s[i].answered;
        }
        /* Each one's Phase until it is over (polling: a signal could come before its path). */
        bus = buses[0];
        while (done < n && now_usec(CLOCK_MONOTONIC) < deadline) {
                done = committed = 0;
                for (size_t i = 0; i < n; i++) {
                        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                        _cleanup_free_ char *phase = NULL;

                        if (!s[i].done) {
                                r = sd_bus_get_property_string(bus, ACCMIG_BUS_NAME, s[i].path,
                                                               ACCMIG_MIGRATION_INTERFACE, "Phase",
                                                               &e, &phase);
                                if (r < 0)
                                        die(s[i].path, r);
                                s[i].committed = streq(phase, "committed");
                                s[i].done = s[i].committed || streq(phase, "rolled-back");
                        }
                        done += s[i].done;
                        committed += s[i].done && s[i].committed;
                }
                if (done < n)
                        (void)usleep(POLL_USEC);
        }
        printf("%zu %zu\n", committed, n);
        for (size_t i = 0; i < n; i++)
                free(s[i].path);
        free(s);
        for (size_t b = 0; b < n_bus; b++)
                sd_bus_flush_close_unref(buses[b]);
        free(buses);
        return committed == n ? 0 : 1;
}

/* ---- hot-add ---- */

typedef struct Watch {
        uint64_t added_usec;
        bool added, removed;
} Watch;

static int on_added(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Watch *w = userdata;

        w->added_usec = now_usec(CLOCK_MONOTONIC);
        w->added = true;
        return 0;
}

static int on_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Watch *w = userdata;

        w->removed = true;
        return 0;
}

static pid_t spawn(char *const argv[]) {
        pid_t pid = fork();

        if (pid < 0)
                die("fork", -errno);
        if (pid == 0) {
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

static void reap(pid_t pid, const char *what) {
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        die(what, -errno);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                die(what, -EIO);
}

/* Process the bus until *flag, at most HOTPLUG_USEC. */
static void wait_for(sd_bus *bus, const bool *flag, const char *what) {
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + HOTPLUG_USEC;

        while (!*flag) {
                int r = sd_bus_process(bus, NULL);

                if (r < 0)
                        die("the bus", r);
                if (r > 0)
                        continue;
                if (now_usec(CLOCK_MONOTONIC) >= deadline)
                        die(what, -ETIMEDOUT);
                (void)sd_bus_wait(bus, 100 * USEC_PER_MSEC);
        }
}

static int hot_add(char *sim, char *simdir, char *vf, unsigned n) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = bus_open();
        char *unplug[] = {
                sim, (char *)"ctl", (char *)"--dir", simdir, (char *)"unplug", vf, NULL
        };
        char *plug[] = { sim, (char *)"ctl", (char *)"--dir", simdir, (char *)"plug", vf, NULL };
        Watch w = {};
        int r;

        r = sd_bus_match_signal(bus, NULL, NULL, ACCMIG_BUS_PATH, OBJECT_MANAGER, "InterfacesAdded",
                                on_added, &w);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, NULL, ACCMIG_BUS_PATH, OBJECT_MANAGER,
                                        "InterfacesRemoved", on_removed, &w);
        if (r < 0)
                die("adding the matches", r);
        for (unsigned i = 0; i < n; i++) {
                uint64_t t0;
                pid_t pid;

                w.removed = false;
                reap(spawn(unplug), "unplug");
                wait_for(bus, &w.removed, "InterfacesRemoved");
                w.added = false;
                t0 = now_usec(CLOCK_MONOTONIC);
                pid = spawn(plug);
                wait_for(bus, &w.added, "InterfacesAdded");
                reap(pid, "plug");
                printf("%" PRIu64 "\n", w.added_usec - t0);
        }
        return 0;
}

int main(int argc, char *argv[]) {
        uint32_t n;

        if (argc >= 4 && streq(argv[1], "migrate-many"))
                return migrate_many(argv[2], argv + 3, (size_t)argc - 3);
        if (argc == 6 && streq(argv[1], "hot-add") && safe_atou32(argv[5], &n) >= 0 && n > 0)
                return hot_add(argv[2], argv[3], argv[4], n);
        fprintf(stderr, "usage: bench-bus migrate-many PEER VF... | hot-add SIM SIMDIR VF N\n");
        return 2;
}
