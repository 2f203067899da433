/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's hold on a VF's migration device (see device.h): opened once, when a migration
 * needs it, and kept, since the last close of a VFIO device resets the VF and would throw its
 * state away. Released when the VF's state has moved away or was never the daemon's to keep.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "manager.h"
#include "string-util.h"

unsigned device_refresh_migration(Device *d) {
        _cleanup_free_ char *state = NULL;
        hisi_mig_state s;
        uint64_t flags = 0;

        if (d->migdev) {
                if (hisi_migdev_get_state(d->migdev, &s) >= 0)
                        state = strdup(hisi_mig_state_to_string(s) ?: "");
                (void)hisi_migdev_get_flags(d->migdev, &flags);
        }
        if (streq_ptr(state, d->migration_state) && flags == d->migration_flags)
                return 0;
        free(d->migration_state);
        d->migration_state = TAKE_PTR(state);
        d->migration_flags = flags;
        return DEVICE_PROP_MIGRATION;
}

int device_hold(Device *d, hisi_migdev **ret) {
        Manager *m = d->manager;
        unsigned props;
        int r;

        if (!d->migdev) {
                r = hisi_migdev_open(m->ctx, m->config.backend, device_address(d), &d->migdev);
                if (r < 0)
                        return r;
                d->control_mode = DEVICE_CONTROL_OWNED;
                log_device_info(d, "Holding its migration device.");
                props = DEVICE_PROP_CONTROL_MODE | device_refresh_migration(d);
                manager_device_changed(m, d, props);
        }
        if (ret)
                *ret = d->migdev;
        return 0;
}

void device_release(Device *d) {
        if (!d->migdev)
                return;
        d->migdev = hisi_migdev_close(d->migdev);
        d->control_mode = DEVICE_CONTROL_NONE;
        log_device_info(d, "Released its migration device (the kernel resets the VF).");
        manager_device_changed(d->manager, d,
                               DEVICE_PROP_CONTROL_MODE | device_refresh_migration(d));
}
