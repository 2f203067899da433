/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for a VF's binding state and its rules (daemon/device-binding.c), without a bus or
 * an event loop: the backoff doubles per consecutive failure up to its cap; a failed VF is not
 * retried by the policy until something changed (another driver or override, an add or change
 * uevent, a reload) and then only after its backoff; a bind that works ends the count; an
 * explicit Unbind releases the VF from the policy until a Bind or a reload; a VF whose write is
 * stuck in the kernel gets nothing, whatever changes, until the write ends.
 */

#include <check.h>
#include <stdlib.h>

#include "device-binding.h"
#include "macro.h"
#include "test-main.h"

#define MSEC UINT64_C(1000)
#define SEC  UINT64_C(1000000)

static const BindRetryLimits limits = { .min_usec = 500 * MSEC, .max_usec = 8 * SEC };

/* ---- The backoff ---- */

START_TEST(test_backoff_doubles) {
        ck_assert_uint_eq(bind_retry_backoff(1, &limits), 500 * MSEC);
        ck_assert_uint_eq(bind_retry_backoff(2, &limits), 1 * SEC);
        ck_assert_uint_eq(bind_retry_backoff(3, &limits), 2 * SEC);
        ck_assert_uint_eq(bind_retry_backoff(4, &limits), 4 * SEC);
        ck_assert_uint_eq(bind_retry_backoff(5, &limits), 8 * SEC);
        /* No failure counted yet: the first wait. */
        ck_assert_uint_eq(bind_retry_backoff(0, &limits), 500 * MSEC);
}
END_TEST

START_TEST(test_backoff_cap) {
        static const BindRetryLimits odd = { .min_usec = 3 * SEC, .max_usec = 10 * SEC };
        static const BindRetryLimits huge = { .min_usec = UINT64_MAX / 3, .max_usec = UINT64_MAX };
        static const BindRetryLimits inverted = { .min_usec = 10 * SEC, .max_usec = 2 * SEC };

        /* Capped, and it stays there however many failures come. */
        ck_assert_uint_eq(bind_retry_backoff(6, &limits), 8 * SEC);
        ck_assert_uint_eq(bind_retry_backoff(1000, &limits), 8 * SEC);
        ck_assert_uint_eq(bind_retry_backoff(UINT32_MAX, &limits), 8 * SEC);
        /* A cap that is no power of two of the start: the cap, not past it. */
        ck_assert_uint_eq(bind_retry_backoff(2, &odd), 6 * SEC);
        ck_assert_uint_eq(bind_retry_backoff(3, &odd), 10 * SEC);
        /* Doubling never wraps around. */
        ck_assert_uint_eq(bind_retry_backoff(3, &huge), UINT64_MAX);
        /* A start above the cap waits the cap. */
        ck_assert_uint_eq(bind_retry_backoff(1, &inverted), 2 * SEC);
}
END_TEST

/* ---- Failures and retries ---- */

/* A bind of the VF failed at now and left it on hisi_zip. */
static void fail_bind(DeviceBinding *b, uint64_t now) {
        device_binding_job_ended(b, BIND_JOB_BIND, -ETIMEDOUT, now, &limits, "hisi_zip", NULL);
        b->state = DEVICE_BIND_FAILED;
}

START_TEST(test_fresh_vf_binds) {
        DeviceBinding b = {};
        uint64_t when = 7;

        ck_assert_int_eq(device_binding_policy_bind(&b, false, 0, &when), BIND_RETRY_NOW);
        /* Already bound: nothing to do. */
        ck_assert_int_eq(device_binding_policy_bind(&b, true, 0, &when), BIND_RETRY_SKIP);
        ck_assert_uint_eq(when, 7);
}
END_TEST

START_TEST(test_failure_counts) {
        _cleanup_(device_binding_done) DeviceBinding b = {};

        fail_bind(&b, 100 * SEC);
        ck_assert_uint_eq(b.failures, 1);
        ck_assert_uint_eq(b.retry_after, 100 * SEC + 500 * MSEC);
        ck_assert(!b.retry_armed);
        ck_assert_str_eq(b.failed_driver, "hisi_zip");
        ck_assert_ptr_null(b.failed_override);

        /* Consecutive failures double the wait. */
        fail_bind(&b, 200 * SEC);
        ck_assert_uint_eq(b.failures, 2);
        ck_assert_uint_eq(b.retry_after, 201 * SEC);
        fail_bind(&b, 300 * SEC);
        ck_assert_uint_eq(b.retry_after, 302 * SEC);

        /* A failed unbind is no bind failure: the count and the backoff stay. */
        device_binding_job_ended(&b, BIND_JOB_UNBIND, -EIO, 400 * SEC, &limits, NULL, NULL);
        ck_assert_uint_eq(b.failures, 3);
        ck_assert_uint_eq(b.retry_after, 302 * SEC);
        ck_assert_str_eq(b.failed_driver, "hisi_zip");

        /* A bind that works ends the count: the next failure waits the first wait again. */
        device_binding_job_ended(&b, BIND_JOB_BIND, 0, 500 * SEC, &limits, HISI_VFIO_DRIVER,
                                 HISI_VFIO_DRIVER);
        ck_assert_uint_eq(b.failures, 0);
        fail_bind(&b, 600 * SEC);
        ck_assert_uint_eq(b.failures, 1);
        ck_assert_uint_eq(b.retry_after, 600 * SEC + 500 * MSEC);
}
END_TEST

START_TEST(test_no_retry_until_changed) {
        _cleanup_(device_binding_done) DeviceBinding b = {};
        uint64_t when = 0;

        fail_bind(&b, 100 * SEC);
        /* Long after the backoff, still nothing: nothing changed since the failure. */
        ck_assert_int_eq(device_binding_policy_bind(&b, false, 1000 * SEC, &when), BIND_RETRY_SKIP);
        /* Uevents that show the VF as the failure left it (the bind's own, say) change
         * nothing. */
        ck_assert(!device_binding_uevent(&b, false, "hisi_zip", NULL));
        ck_assert_int_eq(device_binding_policy_bind(&b, false, 1000 * SEC, &when), BIND_RETRY_SKIP);
}
END_TEST

static const struct {
        const char *what;
        bool add_or_change;
        const char *driver;
        const char *override;
} changes[] = {
        { "another driver", false, "vfio-pci", NULL },
        { "no driver", false, NULL, NULL },
        { "an override", false, "hisi_zip", "vfio-pci" },
        { "an add or change uevent", true, "hisi_zip", NULL },
};

START_TEST(test_change_rearms) {
        _cleanup_(device_binding_done) DeviceBinding b = {};
        uint64_t when = 0;

        fail_bind(&b, 100 * SEC);
        ck_assert_msg(device_binding_uevent(&b, changes[_i].add_or_change, changes[_i].driver,
                                            changes[_i].override),
                      "%s does not re-arm", changes[_i].what);
        ck_assert(b.retry_armed);
        /* Within the backoff: later, at its end. */
        ck_assert_int_eq(device_binding_policy_bind(&b, false, 100 * SEC, &when), BIND_RETRY_LATER);
        ck_assert_uint_eq(when, 100 * SEC + 500 * MSEC);
        /* After it: now. */
        ck_assert_int_eq(device_binding_policy_bind(&b, false, 100 * SEC + 500 * MSEC, &when),
                         BIND_RETRY_NOW);
        /* Armed once: a second change does not arm again. */
        ck_assert(!device_binding_uevent(&b, true, NULL, NULL));
}
END_TEST

START_TEST(test_uevent_without_failure) {
        DeviceBinding b = {};

        /* Only a failed VF is armed by a change. */
        ck_assert(!device_binding_uevent(&b, true, "vfio-pci", NULL));
        ck_assert(!b.retry_armed);
        b.state = DEVICE_BIND_BINDING;
        ck_assert(!device_binding_uevent(&b, true, "vfio-pci", NULL));
}
END_TEST

START_TEST(test_reload_forgives) {
        _cleanup_(device_binding_done) DeviceBinding b = {};
        uint64_t when = 0;

        fail_bind(&b, 100 * SEC);
        fail_bind(&b, 101 * SEC);
        device_binding_reload(&b);
        ck_assert_uint_eq(b.failures, 0);
        /* At once, without waiting the backoff out. */
        ck_assert_int_eq(device_binding_policy_bind(&b, false, 101 * SEC, &when), BIND_RETRY_NOW);
}
END_TEST

START_TEST(test_job_blocks) {
        DeviceBinding b = { .job = (BindJob *)&b }; /* never dereferenced */
        uint64_t when = 0;

        ck_assert_int_eq(device_binding_policy_bind(&b, false, 0, &when), BIND_RETRY_SKIP);
        b.job = NULL;
}
END_TEST

START_TEST(test_stuck_blocks) {
        _cleanup_(device_binding_done) DeviceBinding b = {};
        uint64_t when = 0;

        fail_bind(&b, 100 * SEC);
        b.state = DEVICE_BIND_STUCK;
        ck_assert(device_binding_is_stuck(&b));
        ck_assert_int_eq(device_binding_policy_bind(&b, false, 200 * SEC, &when), BIND_RETRY_SKIP);
        /* Neither a change nor a reload makes a write possible again. */
        ck_assert(!device_binding_uevent(&b, true, "hisi_zip", NULL));
        device_binding_reload(&b);
        ck_assert_int_eq(device_binding_policy_bind(&b, false, 200 * SEC, &when), BIND_RETRY_SKIP);
        device_binding_forget_job(&b);
        ck_assert_int_eq(b.state, DEVICE_BIND_STUCK);
        /* Once it ends, the VF is a failed one, retried by the usual rules. */
        b.state = DEVICE_BIND_FAILED;
        ck_assert(!device_binding_is_stuck(&b));
        ck_assert_int_eq(device_binding_policy_bind(&b, false, 200 * SEC, &when), BIND_RETRY_NOW);
}
END_TEST

/* ---- Release by an explicit Unbind ---- */

START_TEST(test_unbind_releases) {
        DeviceBinding b = {};
        uint64_t when = 0;

        device_binding_requested(&b, BIND_JOB_UNBIND);
        ck_assert(b.released);
        /* The policy would bind it: the release holds it off, and no bind is queued. */
        ck_assert(device_binding_release_holds(&b, BIND_DECISION_BIND, false));
        ck_assert_int_eq(device_binding_policy_bind(&b, false, 0, &when), BIND_RETRY_SKIP);
        /* Nothing to hold off when the policy leaves it anyway, or when it is bound still. */
        ck_assert(!device_binding_release_holds(&b, BIND_DECISION_LEAVE, false));
        ck_assert(!device_binding_release_holds(&b, BIND_DECISION_BIND, true));
        /* A change of the VF does not end a release. */
        ck_assert(!device_binding_uevent(&b, true, NULL, NULL));
        ck_assert(b.released);

        /* An explicit Bind ends it. */
        device_binding_requested(&b, BIND_JOB_BIND);
        ck_assert(!b.released);
        ck_assert(!device_binding_release_holds(&b, BIND_DECISION_BIND, false));
        ck_assert_int_eq(device_binding_policy_bind(&b, false, 0, &when), BIND_RETRY_NOW);

        /* So does a reload. */
        device_binding_requested(&b, BIND_JOB_UNBIND);
        device_binding_reload(&b);
        ck_assert(!b.released);
        ck_assert_int_eq(device_binding_policy_bind(&b, false, 0, &when), BIND_RETRY_NOW);
}
END_TEST

START_TEST(test_forget_job) {
        DeviceBinding b = { .state = DEVICE_BIND_QUEUED, .job_queued = true };

        device_binding_forget_job(&b);
        ck_assert_int_eq(b.state, DEVICE_BIND_IDLE);
        ck_assert(!b.job_queued);
        /* A failure is no job: it stays. */
        b.state = DEVICE_BIND_FAILED;
        device_binding_forget_job(&b);
        ck_assert_int_eq(b.state, DEVICE_BIND_FAILED);
        device_binding_done(&b);
        device_binding_done(&b); /* twice is harmless */
}
END_TEST

START_TEST(test_strings) {
        for (DeviceBindState s = 0; s < _DEVICE_BIND_STATE_MAX; s++) {
                ck_assert_ptr_nonnull(device_bind_state_to_string(s));
                ck_assert_int_eq(device_bind_state_from_string(device_bind_state_to_string(s)), s);
        }
        ck_assert_str_eq(device_bind_state_to_string(DEVICE_BIND_FAILED), "failed");
        ck_assert_str_eq(device_bind_state_to_string(DEVICE_BIND_STUCK), "stuck");
        ck_assert_ptr_null(device_bind_state_to_string(_DEVICE_BIND_STATE_MAX));
        ck_assert_ptr_null(device_bind_state_to_string(_DEVICE_BIND_STATE_INVALID));
        ck_assert_int_eq(device_bind_state_from_string("bound"), -EINVAL);
        ck_assert_int_eq(device_bind_state_from_string(NULL), -EINVAL);

        for (BindRetry r = 0; r < _BIND_RETRY_MAX; r++)
                ck_assert_int_eq(bind_retry_from_string(bind_retry_to_string(r)), r);
        ck_assert_str_eq(bind_retry_to_string(BIND_RETRY_LATER), "later");
        ck_assert_ptr_null(bind_retry_to_string(_BIND_RETRY_MAX));
}
END_TEST

static Suite *device_binding_suite(void) {
        Suite *s = suite_create("device-binding");
        TCase *tc;

        tc = tcase_create("backoff");
        tcase_add_test(tc, test_backoff_doubles);
        tcase_add_test(tc, test_backoff_cap);
        suite_add_tcase(s, tc);

        tc = tcase_create("retry");
        tcase_add_test(tc, test_fresh_vf_binds);
        tcase_add_test(tc, test_failure_counts);
        tcase_add_test(tc, test_no_retry_until_changed);
        tcase_add_loop_test(tc, test_change_rearms, 0, (int)ELEMENTSOF(changes));
        tcase_add_test(tc, test_uevent_without_failure);
        tcase_add_test(tc, test_reload_forgives);
        tcase_add_test(tc, test_job_blocks);
        tcase_add_test(tc, test_stuck_blocks);
        suite_add_tcase(s, tc);

        tc = tcase_create("release");
        tcase_add_test(tc, test_unbind_releases);
        tcase_add_test(tc, test_forget_job);
        tcase_add_test(tc, test_strings);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(device_binding_suite)
