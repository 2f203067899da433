/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A VF's binding state and the retry, backoff and release rules (see device-binding.h). */

#include <assert.h>
#include <string.h>

#include "device-binding.h"
#include "string-table.h"
#include "string-util.h"

static const char *const device_bind_state_table[_DEVICE_BIND_STATE_MAX] = {
        [DEVICE_BIND_IDLE] = "idle",       [DEVICE_BIND_QUEUED] = "queued",
        [DEVICE_BIND_BINDING] = "binding", [DEVICE_BIND_UNBINDING] = "unbinding",
        [DEVICE_BIND_FAILED] = "failed",   [DEVICE_BIND_STUCK] = "stuck",
};

DEFINE_STRING_TABLE_LOOKUP(device_bind_state, DeviceBindState);

static const char *const bind_retry_table[_BIND_RETRY_MAX] = {
        [BIND_RETRY_SKIP] = "skip",
        [BIND_RETRY_NOW] = "now",
        [BIND_RETRY_LATER] = "later",
};

DEFINE_STRING_TABLE_LOOKUP(bind_retry, BindRetry);

void device_binding_done(DeviceBinding *b) {
        if (!b)
                return;
        b->job = bind_job_free(b->job);
        b->retry_timer = sd_event_source_disable_unref(b->retry_timer);
        b->last_error = mfree(b->last_error);
        b->failed_driver = mfree(b->failed_driver);
        b->failed_override = mfree(b->failed_override);
}

uint64_t bind_retry_backoff(unsigned failures, const BindRetryLimits *limits) {
        uint64_t b;

        assert(limits);
        b = MIN(limits->min_usec, limits->max_usec);
        for (unsigned i = 1; i < failures && b < limits->max_usec; i++)
                b = b > limits->max_usec / 2 ? limits->max_usec : b * 2;
        return b;
}

/* A copy for telling a change later; NULL when s is NULL, and when the copy fails (then a VF
 * with no driver looks unchanged, one with a driver changed: the worst is one early retry). */
static char *copy_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

void device_binding_job_ended(DeviceBinding *b, BindJobType type, int error, uint64_t now,
                              const BindRetryLimits *limits, const char *driver,
                              const char *override) {
        assert(b);
        assert(limits);

        if (type != BIND_JOB_BIND)
                return;
        if (error >= 0) {
                b->failures = 0;
                return;
        }
        b->failures++;
        b->retry_after = now + bind_retry_backoff(b->failures, limits);
        b->retry_armed = false;
        free(b->failed_driver);
        free(b->failed_override);
        b->failed_driver = copy_or_null(driver);
        b->failed_override = copy_or_null(override);
}

bool device_binding_uevent(DeviceBinding *b, bool add_or_change, const char *driver,
                           const char *override) {
        assert(b);

        if (b->state != DEVICE_BIND_FAILED || b->retry_armed)
                return false;
        if (!add_or_change && streq_ptr(driver, b->failed_driver) &&
            streq_ptr(override, b->failed_override))
                return false; /* nothing changed since it failed */
        b->retry_armed = true;
        return true;
}

BindRetry device_binding_policy_bind(const DeviceBinding *b, bool bound, uint64_t now,
                                     uint64_t *ret_when) {
        assert(b);
        assert(ret_when);

        if (bound || b->job || b->released || b->state == DEVICE_BIND_STUCK)
                return BIND_RETRY_SKIP;
        if (b->state == DEVICE_BIND_FAILED) {
                if (!b->retry_armed)
                        return BIND_RETRY_SKIP;
                if (now < b->retry_after) {
                        *ret_when = b->retry_after;
                        return BIND_RETRY_LATER;
                }
        }
        return BIND_RETRY_NOW;
}

bool device_binding_release_holds(const DeviceBinding *b, BindDecision decision, bool bound) {
        assert(b);
        return b->released && decision == BIND_DECISION_BIND && !bound;
}

void device_binding_requested(DeviceBinding *b, BindJobType type) {
        assert(b);
        b->released = type == BIND_JOB_UNBIND;
}

void device_binding_reload(DeviceBinding *b) {
        assert(b);
        b->released = false;
        b->retry_armed = true;
        b->retry_after = 0;
        b->failures = 0;
}

void device_binding_forget_job(DeviceBinding *b) {
        assert(b);
        b->job = bind_job_free(b->job);
        b->job_queued = false;
        b->retry_timer = sd_event_source_disable_unref(b->retry_timer);
        if (b->state == DEVICE_BIND_QUEUED || b->state == DEVICE_BIND_BINDING ||
            b->state == DEVICE_BIND_UNBINDING)
                b->state = DEVICE_BIND_IDLE;
}
