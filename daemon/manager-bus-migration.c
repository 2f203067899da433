/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager interface's migration part (the bus layer only): Migrate(), and the Migration
 * objects' place on the bus (a fallback vtable and its node enumerator). The logic is
 * migration-source.c's.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "accmig-bus.h"
#include "bus-args.h"
#include "bus-util.h"
#include "file-util.h"
#include "log.h"
#include "manager.h"
#include "migration-bus.h"
#include "migration.h"
#include "parse-util.h"
#include "strv.h"

typedef struct MigrateOptions {
        char **to;
        size_t n_to;
        bool manual_switchover;
        bool manual_commit;
} MigrateOptions;

static const BusOption migrate_options[] = {
        { "to-devices", 'a', offsetof(MigrateOptions, to), offsetof(MigrateOptions, n_to) },
        { "manual-switchover", 'b', offsetof(MigrateOptions, manual_switchover) },
        { "manual-commit", 'b', offsetof(MigrateOptions, manual_commit) },
        {},
};

int manager_bus_method_migrate(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **vfs = NULL;
        _cleanup_free_ char *host = NULL, *text = NULL;
        MigrateOptions o = {};
        Manager *m = userdata;
        Migration *mig = NULL;
        size_t n_vfs = 0;
        const char *peer;
        uint16_t port;
        int r;

        r = bus_verify_root(message, "Only root may migrate VFs.", error);
        if (r < 0)
                return r;
        r = bus_read_vf_list(message, "vfs", false, HISI_WIRE_DEVICES_MAX, &vfs, &n_vfs, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read_basic(message, 's', &peer);
        if (r < 0)
                return r;
        r = bus_read_options(message, migrate_options, &o, error);
        _cleanup_strv_free_ char **to = o.to;
        if (r < 0)
                return r;
        if (n_vfs == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "No VF to migrate.");
        if (to && o.n_to != n_vfs)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "to-devices names %zu VFs for %zu VFs to migrate.",
                                         o.n_to, n_vfs);
        if (parse_host_port(peer, &host, &port) < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "\"%.64s\" is not HOST or HOST:PORT.", peer);
        if (m->state == MANAGER_STOPPING)
                return sd_bus_error_set(error, ACCMIG_ERROR_SHUTTING_DOWN,
                                        "The daemon is stopping.");
        r = migration_source_start(m, vfs, n_vfs, to, host, port,
                                   &(MigrationOptions){ .manual_switchover = o.manual_switchover,
                                                        .manual_commit = o.manual_commit },
                                   &mig, &text);
        switch (-r) {
        case 0:
                return sd_bus_reply_method_return(message, "o", mig->object_path);
        case ENODEV:
                return sd_bus_error_set(error, ACCMIG_ERROR_NO_SUCH_DEVICE, text);
        case EINVAL:
                return sd_bus_error_set(error, ACCMIG_ERROR_NOT_A_VF, text);
        case EADDRNOTAVAIL:
                return sd_bus_error_set(error, ACCMIG_ERROR_NOT_BOUND, text);
        case EBUSY:
                return sd_bus_error_set(error, ACCMIG_ERROR_BUSY, text);
        case ENOMEM:
                return -ENOMEM;
        default:
                return sd_bus_error_set(error, ACCMIG_ERROR_MIGRATION_FAILED,
                                        text ?: strerror(-r));
        }
}

int manager_bus_migration_setup(Manager *m) {
        int r;

        r = sd_bus_add_fallback_vtable(m->bus, NULL, ACCMIG_MIGRATION_PATH_PREFIX,
                                       ACCMIG_MIGRATION_INTERFACE, migration_vtable,
                                       migration_object_find, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the Migration objects: %m");
        r = sd_bus_add_node_enumerator(m->bus, NULL, ACCMIG_MIGRATION_PATH_PREFIX,
                                       migration_node_enumerator, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the Migration enumerator: %m");
        return 0;
}
