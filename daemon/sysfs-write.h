/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's sysfs writes (driver_override, unbind, drivers_probe, a driver's bind), each in a
 * short-lived child process whose end is delivered to the event loop. A driver's remove() or
 * probe() can make such a write wait (vfio waits for the device's user to let go; a host driver
 * waits for its queues), and a simulated host's kernel can hang or vanish: the daemon's event
 * loop must never wait on either. The child waits instead, and the caller's timer decides how
 * long that may take.
 *
 * The SysfsWriter knows every write child the daemon has, so that none is left behind:
 *  - a write whose caller's deadline passed is cancelled: its child is killed (SIGKILL) and
 *    reaped, and the caller hears SYSFS_WRITE_KILLED;
 *  - a child that does not end within the kill grace sits in the kernel (a driver's remove()
 *    that never returns): the caller hears SYSFS_WRITE_STUCK, and the writer keeps the child,
 *    counted as stuck, until it ends, when the unstuck callback names its VF. No further write
 *    to that VF is started meanwhile, and at most max_stuck such children exist: past that, no
 *    write is started at all;
 *  - when the writer is freed (the daemon exits), every child is killed and reaped, waiting a
 *    bounded time; only a child the kernel will not let die is left, to init.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "hisi/bind-plan.h"
#include "hisi/ctx.h"
#include "macro.h"
#include "time-util.h"

/* How long a killed write child may take to end before it counts as stuck in the kernel. */
#define SYSFS_WRITE_KILL_GRACE_USEC (1 * USEC_PER_SEC)
/* At most this many write children stuck in the kernel; then no write is started at all. */
#define SYSFS_WRITE_STUCK_MAX 16u
/* How long freeing the writer waits, in all, for the killed children to end. */
#define SYSFS_WRITER_EXIT_WAIT_USEC (1 * USEC_PER_SEC)

typedef struct SysfsWriter SysfsWriter;
typedef struct SysfsWrite SysfsWrite;

typedef enum SysfsWriteEnd {
        SYSFS_WRITE_RETURNED, /* the write returned: error is its result (0 or a negative errno) */
        SYSFS_WRITE_KILLED,   /* cancelled: the child was killed and reaped (error -ETIMEDOUT) */
        SYSFS_WRITE_STUCK,    /* cancelled, and the child did not end: it is stuck in the kernel
                               * (error -ETIMEDOUT); the writer keeps it until it ends */
        _SYSFS_WRITE_END_MAX,
        _SYSFS_WRITE_END_INVALID = -EINVAL,
} SysfsWriteEnd;

/* "returned", "killed", "stuck". */
const char *sysfs_write_end_to_string(SysfsWriteEnd e);
SysfsWriteEnd sysfs_write_end_from_string(const char *s);

/* Runs from the event loop, once, never from a call into the write; the write is the writer's
 * from then on (the caller forgets its pointer). */
typedef void (*sysfs_write_done_t)(SysfsWriteEnd end, int error, void *userdata);
/* A child counted as stuck has ended at last; address: the VF it wrote for. */
typedef void (*sysfs_writer_unstuck_t)(SysfsWriter *w, const char *address, void *userdata);

int sysfs_writer_new(sd_event *event, hisi_ctx *ctx, SysfsWriter **ret);
/* Kills every child and waits for them (at most SYSFS_WRITER_EXIT_WAIT_USEC in all); returns
 * how many could not be reaped in *ret_left (may be NULL). */
SysfsWriter *sysfs_writer_free(SysfsWriter *w, unsigned *ret_left);
void sysfs_writer_set_unstuck_callback(SysfsWriter *w, sysfs_writer_unstuck_t cb, void *userdata);

/* Write children that run now (stuck ones included), and those that are stuck. */
unsigned sysfs_writer_n_children(const SysfsWriter *w);
unsigned sysfs_writer_n_stuck(const SysfsWriter *w);
/* A write child for this VF is stuck in the kernel. */
bool sysfs_writer_is_stuck(const SysfsWriter *w, const char *address);

/*
 * Start hisi_pci_bind_write(ctx, address, attr, value) in a child; done runs from the event
 * loop once the child has ended (never from here). -EDEADLK: a write child for this VF is stuck
 * in the kernel; -EMFILE: SYSFS_WRITE_STUCK_MAX children are; -EINVAL: bad arguments.
 */
int sysfs_write_start(SysfsWriter *writer, const char *address, hisi_bind_attr attr,
                      const char *value, sysfs_write_done_t done, void *userdata, SysfsWrite **ret);
/* The caller's deadline passed: kill the child. done follows with KILLED once it is reaped, or
 * with STUCK after SYSFS_WRITE_KILL_GRACE_USEC. */
void sysfs_write_cancel(SysfsWrite *w);
/* The caller no longer wants the result (its VF went away, the daemon stops): the child is
 * killed, done is never called, and the writer reaps it (counting it as stuck should it not
 * end). */
void sysfs_write_abandon(SysfsWrite *w);
