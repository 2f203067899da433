/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One binding operation on one VF, driven from the event loop: bind it to hisi_acc_vfio_pci, or
 * unbind it from there back to its host driver. The sequence and its undo are libhisi's bind
 * plan (hisi/bind-plan.h), the same one hisi_pci_bind_vfio() carries out with blocking writes;
 * the job carries it out without ever blocking: every write in a child (sysfs-write.h), a look
 * at the driver link after each write and whenever the manager hands it a uevent of its VF
 * (bind_job_kick()), and a timer for the plan's deadlines. A write still running at its
 * deadline is killed; one that cannot be killed (stuck in the kernel) ends the job at once,
 * with no undo: no further write is made to that VF until the stuck one ends.
 *
 * The host is taken to be synchronous (a kernel's sysfs stores have done their work when they
 * return; so have the simulated host's, under its preload): a write that returned without its
 * effect on the driver link has failed, and the job says so at once, not at the deadline.
 *
 * The job reports once, through its done callback, always from the event loop (never from a
 * call into the job), with a sentence a person can act on. A VF that goes away during the job
 * is always reported as -ENODEV with the same sentence, BIND_JOB_GONE_FORMAT.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "hisi/ctx.h"
#include "hisi/kind.h"
#include "macro.h"
#include "sysfs-write.h"

/* The one sentence for a VF that went away while a job of it ran or waited (its address). */
#define BIND_JOB_GONE_FORMAT "%s went away"

typedef enum BindJobType {
        BIND_JOB_BIND,   /* to hisi_acc_vfio_pci */
        BIND_JOB_UNBIND, /* from hisi_acc_vfio_pci back to the host driver */
        _BIND_JOB_TYPE_MAX,
        _BIND_JOB_TYPE_INVALID = -EINVAL,
} BindJobType;

/* "bind", "unbind". */
const char *bind_job_type_to_string(BindJobType t);
BindJobType bind_job_type_from_string(const char *s);

typedef struct BindJob BindJob;

/* error: 0 or a negative errno (-ETIMEDOUT when a step did not take in time); message: what
 * happened, for people. The job may be freed from the callback. */
typedef void (*bind_job_done_t)(BindJob *j, int error, const char *message, void *userdata);

/* Its writes go through writer (which outlives the job). */
int bind_job_new(sd_event *event, hisi_ctx *ctx, SysfsWriter *writer, BindJobType type,
                 const char *address, hisi_kind kind, uint64_t timeout_usec, bind_job_done_t done,
                 void *userdata, BindJob **ret);
BindJob *bind_job_free(BindJob *j);
DEFINE_TRIVIAL_CLEANUP_FUNC(BindJob *, bind_job_free);

/* Begin. A negative return means the job could not start (nothing was changed and done will
 * not be called); otherwise done is called once, later. */
int bind_job_start(BindJob *j);
/* Something happened to the VF (a uevent): look at its driver link again. */
void bind_job_kick(BindJob *j);
/* End now without putting anything back (the VF went away): done gets error and message. */
void bind_job_abort(BindJob *j, int error, const char *message);

/* Before the start: false for a host that moves the driver link some time after a write
 * returns (a test's fake tree); then only the deadline ends a wait. Default true. */
void bind_job_set_synchronous(BindJob *j, bool synchronous);

BindJobType bind_job_get_type(const BindJob *j);
const char *bind_job_get_address(const BindJob *j);
bool bind_job_is_started(const BindJob *j);
/* The job ended because one of its writes is stuck in the kernel (its error is -ETIMEDOUT). */
bool bind_job_is_stuck(const BindJob *j);
