/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One sysfs write of the binding sequence (unbind, drivers_probe) in a short-lived child
 * process, its result delivered to the event loop. A driver's remove() can make an unbind write
 * wait (vfio waits for the device's user to let go; a host driver waits for its queues), and the
 * daemon's event loop must never wait on a driver: the child waits instead, and the caller's
 * timer decides how long that may take. Writes that only store a value (driver_override) need
 * no child.
 */
#pragma once

#include <systemd/sd-event.h>

#include "hisi/ctx.h"

typedef enum SysfsOp {
        SYSFS_OP_UNBIND, /* <device>/driver/unbind: the bound driver lets the device go */
        SYSFS_OP_PROBE,  /* /sys/bus/pci/drivers_probe: the PCI core binds a matching driver */
        _SYSFS_OP_MAX,
        _SYSFS_OP_INVALID = -EINVAL,
} SysfsOp;

const char *sysfs_op_to_string(SysfsOp op); /* "unbind", "drivers_probe" */

/* error: 0, or the write's negative errno. */
typedef void (*sysfs_write_done_t)(int error, void *userdata);

typedef struct SysfsWrite SysfsWrite;

/* Start the write; done runs from the event loop once the child has ended (never from here). */
int sysfs_write_start(sd_event *event, hisi_ctx *ctx, SysfsOp op, const char *address,
                      sysfs_write_done_t done, void *userdata, SysfsWrite **ret);
/* The caller no longer wants the result (done is not called); the child is still reaped. */
void sysfs_write_detach(SysfsWrite *w);
