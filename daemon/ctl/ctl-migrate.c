/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl's migration verbs: migrate (start one and follow it, with a live display of
 * each VF's phase and bytes on a terminal, and a summary at the end), migrations, show-migration,
 * and the manual steps switchover, commit and cancel. All over D-Bus (Manager.Migrate and the
 * com.hisilicon.AccMig1.Migration objects).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "accmig-bus.h"
#include "ctl-bus.h"
#include "ctl-json.h"
#include "ctl-table.h"
#include "ctl.h"
#include "file-util.h"
#include "json-cleanup.h"
#include "macro.h"

/* The phases a migration ends in, and the ones it waits in for an operator. */
static bool phase_is_final(const char *p) {
        return streq(p, "committed") || streq(p, "rolled-back");
}

/* "loaded" happens only with a manual commit; "ready" is where migrate --manual-switchover
 * stops, and what `switchover` moves on from. */
static bool phase_waits(const char *p) {
        return (arg_manual_switchover && streq(p, "ready")) || streq(p, "loaded");
}

static int migration_path(const char *id, char **ret) {
        return sd_bus_path_encode(ACCMIG_MIGRATION_PATH_PREFIX, id, ret);
}

/* The JSON object scripts get, from the properties in the tools' key style (ctl_get_all):
 * id, role, phase, peer, bytes, error and attention (null when none) and the devices as
 * objects. */
static json_object *migration_to_json(json_object *props) {
        json_object *o = json_object_new_object(), *devs = json_object_new_array(), *list;

        json_object_object_add(o, "id", json_object_new_string(ctl_json_str(props, "id")));
        json_object_object_add(o, "role", json_object_new_string(ctl_json_str(props, "role")));
        json_object_object_add(o, "phase", json_object_new_string(ctl_json_str(props, "phase")));
        json_object_object_add(o, "peer", json_object_new_string(ctl_json_str(props, "peer")));
        json_object_object_add(o, "bytes",
                               json_object_new_int64(ctl_json_int(props, "bytes_total")));
        json_object_object_add(o, "error",
                               *ctl_json_str(props, "error")
                                       ? json_object_new_string(ctl_json_str(props, "error"))
                                       : NULL);
        json_object_object_add(o, "attention",
                               *ctl_json_str(props, "attention")
                                       ? json_object_new_string(ctl_json_str(props, "attention"))
                                       : NULL);
        if (json_object_object_get_ex(props, "devices", &list))
                for (size_t i = 0; i < json_object_array_length(list); i++) {
                        json_object *d = json_object_array_get_idx(list, i),
                                    *e = json_object_new_object();
                        const char *dst = ctl_json_str(d, "destination");
                        const char *err = ctl_json_str(d, "error");

                        json_object_object_add(e, "source",
                                               json_object_new_string(ctl_json_str(d, "source")));
                        json_object_object_add(e, "destination",
                                               *dst ? json_object_new_string(dst) : NULL);
                        json_object_object_add(e, "phase",
                                               json_object_new_string(ctl_json_str(d, "phase")));
                        json_object_object_add(e, "bytes",
                                               json_object_new_int64(ctl_json_int(d, "bytes")));
                        json_object_object_add(
                                e, "downtime_us",
                                json_object_new_int64(ctl_json_int(d, "downtime_us")));
                        json_object_object_add(e, "error",
                                               *err ? json_object_new_string(err) : NULL);
                        json_object_array_add(devs, e);
                }
        json_object_object_add(o, "devices", devs);
        return o;
}

/* A table's columns, in order: header, least width, how it shrinks (ctl-table.h). */
typedef struct Column {
        const char *header;
        size_t width;
        CtlShrink shrink;
} Column;

static int add_columns(CtlTable *t, const Column *c, size_t n) {
        int r = t ? 0 : -ENOMEM;

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = ctl_table_add_column(t, c[i].header, c[i].width, c[i].shrink);
        return r;
}

static int add_cells(CtlTable *t, const char *const *cells, size_t n) {
        int r = 0;

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = ctl_table_add_cell(t, cells[i]);
        return r;
}

static void print_devices(json_object *m) {
        static const Column columns[] = {
                { "SOURCE", 12, CTL_SHRINK_NEVER },  { "DESTINATION", 12, CTL_SHRINK_NEVER },
                { "PHASE", 9, CTL_SHRINK_NEVER },    { "BYTES", 0, CTL_SHRINK_NEVER },
                { "DOWNTIME", 0, CTL_SHRINK_NEVER }, { "ERROR", 0, CTL_SHRINK_FIRST },
        };
        _cleanup_table_ CtlTable *t = ctl_table_new();
        json_object *devs = NULL;
        int r = add_columns(t, columns, ELEMENTSOF(columns));

        json_object_object_get_ex(m, "devices", &devs);
        for (size_t i = 0; r >= 0 && devs && i < json_object_array_length(devs); i++) {
                json_object *d = json_object_array_get_idx(devs, i);
                char downtime[32] = "-", bytes[32];

                if (ctl_json_int(d, "downtime_us") > 0)
                        snprintf(downtime, sizeof(downtime), "%lld us",
                                 (long long)ctl_json_int(d, "downtime_us"));
                snprintf(bytes, sizeof(bytes), "%lld", (long long)ctl_json_int(d, "bytes"));
                r = add_cells(t,
                              (const char *const[]){ ctl_json_str(d, "source"),
                                                     ctl_dash(ctl_json_str(d, "destination")),
                                                     ctl_json_str(d, "phase"), bytes, downtime,
                                                     ctl_json_str(d, "error") },
                              ELEMENTSOF(columns));
        }
        (void)ctl_table_finish(t, r);
}

static void print_migration(json_object *m) {
        printf("Migration %s (%s, peer %s): %s, %lld bytes\n", ctl_json_str(m, "id"),
               ctl_json_str(m, "role"), ctl_json_str(m, "peer"), ctl_json_str(m, "phase"),
               (long long)ctl_json_int(m, "bytes"));
        if (*ctl_json_str(m, "error"))
                printf("  error: %s\n", ctl_json_str(m, "error"));
        if (*ctl_json_str(m, "attention"))
                printf("  needs an operator: %s\n", ctl_json_str(m, "attention"));
        print_devices(m);
}

static int get_migration(sd_bus *bus, const char *path, json_object **ret, sd_bus_error *error) {
        _cleanup_json_ json_object *props = NULL;
        int r;

        r = ctl_get_all(bus, path, ACCMIG_MIGRATION_INTERFACE, &props, error);
        if (r < 0)
                return r;
        *ret = migration_to_json(props);
        return 0;
}

/* One line a VF, rewritten in place on a terminal. */
static void show_progress(json_object *m, unsigned *lines) {
        json_object *devs = NULL;

        if (*lines > 0)
                printf("\033[%uA", *lines);
        printf("\033[2K%s: %s\n", ctl_json_str(m, "id"), ctl_json_str(m, "phase"));
        json_object_object_get_ex(m, "devices", &devs);
        for (size_t i = 0; devs && i < json_object_array_length(devs); i++) {
                json_object *d = json_object_array_get_idx(devs, i);
                printf("\033[2K  %-14s -> %-14s %-14s %8lld bytes\n", ctl_json_str(d, "source"),
                       ctl_dash(ctl_json_str(d, "destination")), ctl_json_str(d, "phase"),
                       (long long)ctl_json_int(d, "bytes"));
        }
        *lines = 1 + (unsigned)(devs ? json_object_array_length(devs) : 0);
        fflush(stdout);
}

/* Follow the migration at path until it ends or waits as asked; *ret its last properties. */
static int follow(sd_bus *bus, const char *path, json_object **ret) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_json_ json_object *m = NULL;
        bool tty = isatty(STDOUT_FILENO) && !arg_json;
        uint64_t deadline = now_monotonic_usec() + arg_timeout_usec;
        unsigned lines = 0;
        int r;

        r = sd_bus_match_signal(bus, &slot, ACCMIG_BUS_NAME, path,
                                "org.freedesktop.DBus.Properties", "PropertiesChanged", NULL, NULL);
        if (r < 0)
                return r;
        for (;;) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                uint64_t now;

                json_object_put(m);
                m = NULL;
                r = get_migration(bus, path, &m, &error);
                if (r < 0)
                        return ctl_call_failed("migration", &error, r) == EXIT_OK ? -EIO : r;
                if (tty)
                        show_progress(m, &lines);
                if (phase_is_final(ctl_json_str(m, "phase")) ||
                    phase_waits(ctl_json_str(m, "phase")))
                        break;
                now = now_monotonic_usec();
                if (now >= deadline)
                        return -ETIMEDOUT;
                /* Wait for the next change, whatever it is; every signal is read and dropped. */
                while ((r = sd_bus_process(bus, NULL)) > 0)
                        ;
                if (r < 0)
                        return r;
                r = sd_bus_wait(bus, MIN(deadline - now, (uint64_t)1000000));
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(m);
        return 0;
}

static int verb_migrate(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_json_ json_object *m = NULL;
        const char *path, *phase;
        int r;

        r = ctl_new_transfer_call(bus, "migrate", "Migrate", argc, argv, &call);
        if (r != EXIT_OK)
                return r;
        r = sd_bus_call(bus, call, arg_timeout_usec, &error, &reply);
        if (r < 0)
                return ctl_call_failed("migrate", &error, r);
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return EXIT_FAILED;
        r = follow(bus, path, &m);
        if (r == -ETIMEDOUT) {
                fprintf(stderr, "hisi-accmigctl: migrate: still running after --timeout: %s\n",
                        path);
                return EXIT_TIMEOUT;
        }
        if (r < 0) {
                fprintf(stderr, "hisi-accmigctl: migrate: lost the migration: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        if (arg_json)
                ctl_json_print(m);
        else
                print_migration(m);
        phase = ctl_json_str(m, "phase");
        if (streq(phase, "committed") || phase_waits(phase))
                return EXIT_OK;
        if (strstr(ctl_json_str(m, "error"), "negotiating: refused by"))
                return EXIT_INCOMPATIBLE;
        return EXIT_FAILED;
}

static int verb_migrations(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_json_ json_object *objects = NULL, *out = json_object_new_array();
        int r;

        r = sd_bus_call_method(bus, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                               "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", &error,
                               &reply, NULL);
        if (r < 0)
                return ctl_call_failed("migrations", &error, r);
        r = ctl_json_read(reply, &objects);
        if (r <= 0)
                return EXIT_FAILED;
        json_object_object_foreach (objects, path, ifaces) {
                _cleanup_json_ json_object *named = NULL;
                json_object *props;

                if (!strstr(path, "/migration/") ||
                    !json_object_object_get_ex(ifaces, ACCMIG_MIGRATION_INTERFACE, &props) ||
                    ctl_json_properties(props, &named) < 0)
                        continue;
                json_object_array_add(out, migration_to_json(named));
        }
        if (arg_json) {
                ctl_json_print(out);
                return EXIT_OK;
        }
        {
                static const Column columns[] = {
                        { "ID", 16, CTL_SHRINK_NEVER },    { "ROLE", 11, CTL_SHRINK_NEVER },
                        { "PHASE", 11, CTL_SHRINK_NEVER }, { "PEER", 12, CTL_SHRINK_SECOND },
                        { "VFS", 0, CTL_SHRINK_NEVER },    { "BYTES", 0, CTL_SHRINK_NEVER },
                        { "ERROR", 0, CTL_SHRINK_FIRST },
                };
                _cleanup_table_ CtlTable *t = ctl_table_new();
                int k = add_columns(t, columns, ELEMENTSOF(columns));

                for (size_t i = 0; k >= 0 && i < json_object_array_length(out); i++) {
                        json_object *m = json_object_array_get_idx(out, i), *devs = NULL;
                        char vfs[32], bytes[32];

                        json_object_object_get_ex(m, "devices", &devs);
                        snprintf(vfs, sizeof(vfs), "%zu",
                                 devs ? json_object_array_length(devs) : 0);
                        snprintf(bytes, sizeof(bytes), "%lld", (long long)ctl_json_int(m, "bytes"));
                        k = add_cells(t,
                                      (const char *const[]){
                                              ctl_json_str(m, "id"), ctl_json_str(m, "role"),
                                              ctl_json_str(m, "phase"), ctl_json_str(m, "peer"),
                                              vfs, bytes, ctl_json_str(m, "error") },
                                      ELEMENTSOF(columns));
                }
                (void)ctl_table_finish(t, k);
        }
        return EXIT_OK;
}

static int verb_show_migration(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_json_ json_object *m = NULL;
        int r;

        r = migration_path(argv[1], &path);
        if (r < 0)
                return EXIT_FAILED;
        r = get_migration(bus, path, &m, &error);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
                    sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_INTERFACE)) {
                        fprintf(stderr, "hisi-accmigctl: no migration %s\n", argv[1]);
                        return EXIT_NO_DEVICE;
                }
                return ctl_call_failed(argv[1], &error, r);
        }
        if (arg_json)
                ctl_json_print(m);
        else
                print_migration(m);
        return EXIT_OK;
}

/* switchover, commit, cancel, resolve: the method of the same name on the migration (resolve
 * with the operator's decision). */
static int verb_step(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_json_ json_object *m = NULL;
        bool resolve = streq(argv[0], "resolve");
        const char *method = streq(argv[0], "switchover") ? "Switchover"
                             : streq(argv[0], "commit")   ? "Commit"
                             : resolve                    ? "Resolve"
                                                          : "Cancel";
        int r;

        r = migration_path(argv[1], &path);
        if (r < 0)
                return EXIT_FAILED;
        if (resolve)
                r = sd_bus_call_method(bus, ACCMIG_BUS_NAME, path, ACCMIG_MIGRATION_INTERFACE,
                                       method, &error, NULL, "s", arg_decision);
        else
                r = sd_bus_call_method(bus, ACCMIG_BUS_NAME, path, ACCMIG_MIGRATION_INTERFACE,
                                       method, &error, NULL, NULL);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_OBJECT) ||
                    sd_bus_error_has_name(&error, SD_BUS_ERROR_UNKNOWN_METHOD)) {
                        fprintf(stderr, "hisi-accmigctl: no migration %s\n", argv[1]);
                        return EXIT_NO_DEVICE;
                }
                return ctl_call_failed(argv[1], &error, r);
        }
        if (streq(argv[0], "cancel"))
                return EXIT_OK;
        /* After a manual step, follow it to its end or its next wait, as migrate does. */
        arg_manual_switchover = false;
        r = follow(bus, path, &m);
        if (r < 0) {
                fprintf(stderr, "hisi-accmigctl: %s: %s\n", argv[0], strerror(-r));
                return r == -ETIMEDOUT ? EXIT_TIMEOUT : EXIT_FAILED;
        }
        if (arg_json)
                ctl_json_print(m);
        else
                print_migration(m);
        /* The operator's decision ends it either way. */
        return streq(ctl_json_str(m, "phase"), "committed") ||
                               phase_waits(ctl_json_str(m, "phase")) || resolve
                       ? EXIT_OK
                       : EXIT_FAILED;
}

static const CtlVerb verbs[] = {
        { "migrate", "VF... --to HOST[:PORT]", "Move VFs to another host, live (root)", 1, true,
          verb_migrate, .more = true },
        { "migrations", "", "Every migration, running and recently finished", 0, false,
          verb_migrations },
        { "show-migration", "ID", "Everything about one migration", 1, false, verb_show_migration },
        { "switchover", "ID", "Stop the source VFs and move the rest (manual) (root)", 1, false,
          verb_step },
        { "commit", "ID", "Run the VFs on the destination (manual) (root)", 1, false, verb_step },
        { "cancel", "ID", "Roll a migration back before its commit (root)", 1, false, verb_step },
        { "resolve", "ID --resume-source|--keep-destination",
          "Settle a migration in doubt: run its VFs here again, or let them go (root)", 1, false,
          verb_step },
};

const CtlVerbGroup ctl_migrate_verbs = { verbs, ELEMENTSOF(verbs) };
