/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A VF's binding state: where binding it stands, the job that runs or waits for it, its last
 * error, and what the retry rules remember (consecutive failures, the backoff's end, what the VF
 * looked like when its bind failed, an operator's release). manager-bind.c owns the jobs and the
 * timers; the rules are the plain functions below, of this state and of plain arguments (the
 * time, the VF's driver and override, the config's limits), which return decisions, so that they
 * are unit-tested without a bus or an event loop (tests/unit/test-device-binding.c).
 *
 * The rules (daemon/README.md, "Decisions"):
 * - The policy binds a VF at start, on hot-add and on reload only, never because it moved.
 * - A failed bind is not retried by the policy until something about the VF changed: a uevent
 *   that shows another driver or override than the failure left, or an add or change uevent
 *   (our own writes cause neither), or a reload; an explicit Bind runs at once.
 * - Even then a retry waits out a backoff: timeouts.bind_retry_min_ms after the first failure,
 *   doubled for each further consecutive one, at most timeouts.bind_retry_max_ms.
 * - An explicit Unbind releases the VF: the policy leaves it alone until a Bind or a reload.
 * - A VF whose write is stuck in the kernel (a driver's remove() or probe() that never returns,
 *   its process unkillable) gets no job at all, from the policy or an operator, until that
 *   write ends; then it counts as failed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "bind-job.h"
#include "bind-policy.h"

/* Where binding a VF stands. */
typedef enum DeviceBindState {
        DEVICE_BIND_IDLE,      /* nothing in progress, nothing failed */
        DEVICE_BIND_QUEUED,    /* a job waits for a free slot (limits.max_concurrent_binds) */
        DEVICE_BIND_BINDING,   /* a bind job runs */
        DEVICE_BIND_UNBINDING, /* an unbind job runs */
        DEVICE_BIND_FAILED,    /* the last job failed: LastError says why; no retry until
                                * something changes */
        DEVICE_BIND_STUCK,     /* the last job's write is stuck in the kernel: LastError says
                                * so; no job until it ends */
        _DEVICE_BIND_STATE_MAX,
        _DEVICE_BIND_STATE_INVALID = -EINVAL,
} DeviceBindState;

const char *device_bind_state_to_string(DeviceBindState s);
DeviceBindState device_bind_state_from_string(const char *s);

/* What the policy does about a VF it wants bound. */
typedef enum BindRetry {
        BIND_RETRY_SKIP,  /* nothing: bound, a job exists, released, or failed and unchanged */
        BIND_RETRY_NOW,   /* queue a bind now */
        BIND_RETRY_LATER, /* failed and changed since, but the backoff has not run out */
        _BIND_RETRY_MAX,
        _BIND_RETRY_INVALID = -EINVAL,
} BindRetry;

const char *bind_retry_to_string(BindRetry r); /* "skip", "now", "later" */
BindRetry bind_retry_from_string(const char *s);

/* timeouts.bind_retry_min_ms and _max_ms, in µs. */
typedef struct BindRetryLimits {
        uint64_t min_usec;
        uint64_t max_usec;
} BindRetryLimits;

typedef struct DeviceBinding {
        DeviceBindState state;
        BindJob *job;         /* running or queued */
        bool job_queued;      /* in the manager's queue, not started */
        bool job_by_operator; /* an explicit Bind/Unbind call, not the policy */
        char *last_error;
        unsigned attempts;     /* bind jobs started, since the daemon started */
        unsigned failures;     /* consecutive failed bind jobs: the backoff's exponent */
        uint64_t retry_after;  /* CLOCK_MONOTONIC µs before which no policy retry runs */
        bool retry_armed;      /* something changed since the failure: the policy may retry */
        char *failed_driver;   /* the driver and override after the failure, to tell a change */
        char *failed_override; /* (NULL: none, or the copy failed) */
        sd_event_source *retry_timer;
        bool released; /* an explicit Unbind: the policy leaves it until Bind or a reload */
} DeviceBinding;

/* Frees the job (which must not be running: the manager ends it first) and the timer. */
void device_binding_done(DeviceBinding *b);

/* The wait before the policy retries after `failures` consecutive failures: min_usec for the
 * first, doubled for each further one, never above max_usec. */
uint64_t bind_retry_backoff(unsigned failures, const BindRetryLimits *limits);

/* A job of this type ended at now with error (0 or a negative errno), leaving the VF on driver
 * and override (NULL: none). A failed bind counts, starts a backoff and waits for a change; a
 * bind that worked ends the count. An unbind changes nothing here. (The bind state is the
 * manager's to set.) */
void device_binding_job_ended(DeviceBinding *b, BindJobType type, int error, uint64_t now,
                              const BindRetryLimits *limits, const char *driver,
                              const char *override);

/* A uevent showed the VF on driver and override; add_or_change: the event was an add or a
 * change. True when that re-arms a VF whose bind failed: something changed since. */
bool device_binding_uevent(DeviceBinding *b, bool add_or_change, const char *driver,
                           const char *override);

/* The policy wants the VF bound (bound: it is on hisi_acc_vfio_pci already): whether to queue a
 * bind now, later (*ret_when: at that CLOCK_MONOTONIC time), or not at all. */
BindRetry device_binding_policy_bind(const DeviceBinding *b, bool bound, uint64_t now,
                                     uint64_t *ret_when);

/* Whether an operator's release turns the policy's verdict into "leave": the policy would bind
 * the VF, it is not bound, and an explicit Unbind released it. */
bool device_binding_release_holds(const DeviceBinding *b, BindDecision decision, bool bound);

/* An explicit Bind ends a release; an explicit Unbind starts one. */
void device_binding_requested(DeviceBinding *b, BindJobType type);

/* A reload forgives: released VFs return to the policy, failed ones may be retried at once, and
 * the backoff starts over. */
void device_binding_reload(DeviceBinding *b);

/* The VF's job is gone (the VF went away, or the daemon stops before it started): free it and
 * the retry timer; a state that spoke of the job becomes idle. The manager keeps its queue and
 * its count of running jobs itself. */
void device_binding_forget_job(DeviceBinding *b);

/* The last job's write is stuck in the kernel: no job for the VF until it ends. */
static inline bool device_binding_is_stuck(const DeviceBinding *b) {
        return b->state == DEVICE_BIND_STUCK;
}
