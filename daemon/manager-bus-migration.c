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
#include "hisi/kind.h"
#include "hisi/pci-address.h"
#include "log.h"
#include "manager.h"
#include "migration-bus.h"
#include "migration.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"

typedef struct MigrateOptions {
        BusTransferOptions transfer; /* first: to-devices */
        bool manual_switchover;
        bool manual_commit;
} MigrateOptions;

static const BusOption migrate_options[] = {
        { "to-devices", 'a', offsetof(MigrateOptions, transfer.to),
          offsetof(MigrateOptions, transfer.n_to) },
        { "manual-switchover", 'b', offsetof(MigrateOptions, manual_switchover) },
        { "manual-commit", 'b', offsetof(MigrateOptions, manual_commit) },
        {},
};

int manager_bus_method_migrate(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(bus_transfer_done) BusTransfer t = {};
        _cleanup_free_ char *text = NULL;
        MigrateOptions o = {};
        Manager *m = userdata;
        Migration *mig = NULL;
        int r;

        r = bus_verify_root(message, "Only root may migrate VFs.", error);
        if (r < 0)
                return r;
        r = bus_read_transfer(message, "migrate", migrate_options, &o.transfer, &t, error);
        _cleanup_strv_free_ char **to = o.transfer.to;
        if (r < 0)
                return r;
        if (m->state == MANAGER_STOPPING)
                return sd_bus_error_set(error, ACCMIG_ERROR_SHUTTING_DOWN,
                                        "The daemon is stopping.");
        r = migration_source_start(m, t.vfs, t.n_vfs, to, t.host, t.port,
                                   &(MigrationOptions){ .manual_switchover = o.manual_switchover,
                                                        .manual_commit = o.manual_commit },
                                   &mig, &text);
        if (r < 0)
                return bus_transfer_error(r, text, ACCMIG_ERROR_MIGRATION_FAILED, error);
        return sd_bus_reply_method_return(message, "o", mig->object_path);
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

/* The VF an address names, for the owned-device calls; an error set otherwise. */
static int find_owned_vf(Manager *m, sd_bus_message *message, Device **ret, sd_bus_error *error) {
        char canonical[HISI_PCI_ADDRESS_MAX];
        const char *address;
        Device *d;
        int r;

        r = sd_bus_message_read(message, "s", &address);
        if (r < 0)
                return r;
        if (hisi_pci_address_normalize(address, canonical) < 0) {
                char quoted[BUS_EXCERPT_SIZE];

                bus_excerpt(address, quoted);
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "\"%s\" is not a PCI address.", quoted);
        }
        d = manager_find_device(m, canonical);
        if (!d)
                return sd_bus_error_setf(error, ACCMIG_ERROR_NO_SUCH_DEVICE,
                                         "No HiSilicon accelerator %s on this host.", canonical);
        if (!device_is_vf(d))
                return sd_bus_error_setf(error, ACCMIG_ERROR_NOT_A_VF,
                                         "%s is a PF: only VFs are handed out.", canonical);
        *ret = d;
        return 0;
}

/* TakeDevice: the daemon holds the VF's device (if it did not yet) and hands a workload a
 * duplicate of its fd, as logind's TakeDevice hands out DRM devices; the daemon keeps control
 * of the VF's migration. */
int manager_bus_method_take_device(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        hisi_migdev *md;
        Device *d;
        int r;

        r = bus_verify_root(message, "Only root may take a VF's device.", error);
        if (r < 0)
                return r;
        r = find_owned_vf(m, message, &d, error);
        if (r < 0)
                return r;
        if (!streq_ptr(d->facts.driver, HISI_VFIO_DRIVER))
                return sd_bus_error_setf(
                        error, ACCMIG_ERROR_NOT_BOUND, "%s is bound to %s, not %s: bind it first.",
                        device_address(d), d->facts.driver ?: "no driver", HISI_VFIO_DRIVER);
        if (d->migration && d->migration->role == MIGRATION_DESTINATION &&
            !migration_is_finished(d->migration))
                return sd_bus_error_setf(error, ACCMIG_ERROR_BUSY,
                                         "%s is being migrated here (migration %s).",
                                         device_address(d), d->migration->id);
        if (d->reserved_for)
                return sd_bus_error_setf(error, ACCMIG_ERROR_BUSY,
                                         "%s is reserved for libvirt domain %s.", device_address(d),
                                         d->reserved_for);
        r = device_hold(d, &md);
        if (r == -EBUSY)
                return sd_bus_error_setf(error, ACCMIG_ERROR_HELD_BY_OTHER,
                                         "%s is held by another process.", device_address(d));
        if (r < 0)
                return sd_bus_error_setf(error, ACCMIG_ERROR_BIND_FAILED,
                                         "Cannot open %s's device: %s.", device_address(d),
                                         strerror(-r));
        return sd_bus_reply_method_return(message, "h", hisi_migdev_fd(md));
}

/* ReleaseDevice: the daemon lets go of the VF's device (the kernel resets the VF). */
int manager_bus_method_release_device(sd_bus_message *message, void *userdata,
                                      sd_bus_error *error) {
        Manager *m = userdata;
        Device *d;
        int r;

        r = bus_verify_root(message, "Only root may release a VF's device.", error);
        if (r < 0)
                return r;
        r = find_owned_vf(m, message, &d, error);
        if (r < 0)
                return r;
        if (d->migration && !migration_is_finished(d->migration))
                return sd_bus_error_setf(error, ACCMIG_ERROR_BUSY, "%s is in migration %s.",
                                         device_address(d), d->migration->id);
        device_release(d);
        return sd_bus_reply_method_return(message, NULL);
}
