/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's hold on a VF's migration device (see device.h): opened once, when a migration
 * needs it, and kept, since the last close of a VFIO device resets the VF and would throw its
 * state away. Released when the VF's state has moved away or was never the daemon's to keep.
 * Every device held is in the service manager's fd store too (fd-store.h), so that a daemon that
 * dies never closes one: the restarted daemon adopts it again (device_adopt()).
 */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "fd-store.h"
#include "manager.h"
#include "string-util.h"
#include "time-util.h"

/* After a release the service manager still holds its copy of the device for a moment (it
 * reads FDSTOREREMOVE=1 on its own time), and the kernel refuses a second open with -EBUSY
 * until it closed it: an open that soon after the release waits for that, this long at most. */
#define RELEASE_SETTLE_USEC (2 * USEC_PER_SEC)

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

unsigned device_note_migration_state(Device *d, hisi_mig_state state) {
        const char *name = hisi_mig_state_to_string(state);
        char *copy;

        if (!name)
                return device_refresh_migration(d);
        if (streq_ptr(name, d->migration_state))
                return 0;
        copy = strdup(name);
        if (!copy)
                return device_refresh_migration(d);
        free(d->migration_state);
        d->migration_state = copy;
        return DEVICE_PROP_MIGRATION;
}

/* The device is ours now: in the fd store, control mode "owned". */
static void held(Device *d, const char *how) {
        char name[FD_STORE_NAME_MAX];

        fd_store_vf_name(device_address(d), name);
        (void)fd_store_add(name, hisi_migdev_fd(d->migdev));
        d->control_mode = DEVICE_CONTROL_OWNED;
        log_device_info(d, "%s", how);
        manager_device_changed(d->manager, d,
                               DEVICE_PROP_CONTROL_MODE | device_refresh_migration(d));
}

static int open_device(Device *d) {
        Manager *m = d->manager;
        int r;

        for (;;) {
                r = hisi_migdev_open(m->ctx, m->config.backend, device_address(d), &d->migdev);
                if (r != -EBUSY || d->released_usec == 0 ||
                    now_usec(CLOCK_MONOTONIC) > d->released_usec + RELEASE_SETTLE_USEC)
                        return r;
                (void)usleep(1000);
        }
}

int device_hold(Device *d, hisi_migdev **ret) {
        int r;

        if (!d->migdev) {
                r = open_device(d);
                if (r < 0)
                        return r;
                held(d, "Holding its migration device.");
        }
        if (ret)
                *ret = d->migdev;
        return 0;
}

int device_adopt(Device *d, int fd) {
        Manager *m = d->manager;
        int r;

        assert(!d->migdev);
        r = hisi_migdev_open_fd(m->ctx, m->config.backend, device_address(d), fd, &d->migdev);
        if (r < 0)
                return r;
        /* Stored again: the old copy and this one are the same open file, kept once. */
        held(d, "Holding its migration device again (kept in the fd store across the restart).");
        return 0;
}

void device_release(Device *d) {
        char name[FD_STORE_NAME_MAX];

        if (!d->migdev)
                return;
        fd_store_vf_name(device_address(d), name);
        (void)fd_store_remove(name);
        d->migdev = hisi_migdev_close(d->migdev);
        d->released_usec = now_usec(CLOCK_MONOTONIC);
        d->control_mode = DEVICE_CONTROL_NONE;
        log_device_info(d, "Released its migration device (the kernel resets the VF).");
        manager_device_changed(d->manager, d,
                               DEVICE_PROP_CONTROL_MODE | device_refresh_migration(d));
}
