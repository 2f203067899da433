/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One write of the bind plan (unbind, drivers_probe, a driver's bind) in a short-lived child
 * process, its result delivered to the event loop. A driver's remove() or probe() can make such
 * a write wait (vfio waits for the device's user to let go; a host driver waits for its queues),
 * and the daemon's event loop must never wait on a driver: the child waits instead, and the
 * caller's timer decides how long that may take. Writes that only store a value
 * (driver_override) need no child.
 */
#pragma once

#include <systemd/sd-event.h>

#include "hisi/bind-plan.h"
#include "hisi/ctx.h"

/* error: 0, or the write's negative errno. */
typedef void (*sysfs_write_done_t)(int error, void *userdata);

typedef struct SysfsWrite SysfsWrite;

/* Start hisi_pci_bind_write(ctx, address, attr, value) in a child; done runs from the event loop
 * once the child has ended (never from here). */
int sysfs_write_start(sd_event *event, hisi_ctx *ctx, const char *address, hisi_bind_attr attr,
                      const char *value, sysfs_write_done_t done, void *userdata, SysfsWrite **ret);
/* The caller no longer wants the result (done is not called). The child is not killed, since a
 * sysfs write cannot be taken back halfway: it ends when the driver lets it, and is reaped then. */
void sysfs_write_detach(SysfsWrite *w);
