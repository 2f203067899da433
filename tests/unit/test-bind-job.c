/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for one binding operation driven from an event loop (daemon/bind-job.c), on a fake
 * host tree whose kernel thread moves the driver links a moment after each write
 * (tests/lib/fake-sysfs.c). The test plays udev's part: a timer hands the job a "uevent" now and
 * then, as the manager does on each uevent of the VF. Covered: a bind and an unbind that work,
 * idempotence, the vfio driver not loaded, a probe that fails (the job times out and puts the VF
 * back), an unbind of a VF not on vfio, a VF taken from another driver, a host driver that
 * refuses the VF back (the job puts it back on vfio), a VF that goes away, and the job's
 * refusals of bad arguments. The sequence itself is the bind plan's, tested in test-bind-plan.
 */

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "bind-job.h"
#include "hisi/ctx.h"
#include "fake-sysfs.h"
#include "macro.h"
#include "hisi/pci-bind.h"
#include "test-main.h"

#define PF   "0000:75:00.0"
#define VF0  "0000:75:00.1" /* on hisi_zip */
#define VF1  "0000:75:00.2" /* unbound */
#define VF2  "0000:75:00.3" /* on vfio-pci, where a test adds it */
#define VFIO "hisi_acc_vfio_pci"
#define LONG (10 * 1000000ULL)

static fake_sysfs *fake;
static hisi_ctx *ctx;
static sd_event *event;

typedef struct result {
        bool done;
        int error;
        char *message;
} result;

static void setup(void) {
        sigset_t mask;

        /* sd-event's child sources want SIGCHLD blocked, in the kernel thread too. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        ck_assert_int_eq(sigprocmask(SIG_BLOCK, &mask, NULL), 0);
        ck_assert_int_eq(fake_sysfs_new(&fake), 0);
        ck_assert_int_eq(hisi_ctx_new(fake_sysfs_root(fake), &ctx), 0);
        ck_assert_int_eq(fake_sysfs_add_pf(fake, PF, HISI_KIND_ZIP, "hisi_zip", 8), 0);
        ck_assert_int_eq(fake_sysfs_add_vf(fake, PF, 0, VF0, "hisi_zip", 10), 0);
        ck_assert_int_eq(fake_sysfs_add_vf(fake, PF, 1, VF1, NULL, 11), 0);
        ck_assert_int_ge(sd_event_new(&event), 0);
}

static void teardown(void) {
        event = sd_event_unref(event);
        ctx = hisi_ctx_free(ctx);
        fake = fake_sysfs_free(fake);
}

static void on_done(BindJob *j, int error, const char *message, void *userdata) {
        result *r = userdata;

        r->done = true;
        r->error = error;
        r->message = strdup(message);
        (void)sd_event_exit(event, 0);
}

/* udev's part: the job hears about its VF every few milliseconds. */
static int on_pump(sd_event_source *s, uint64_t usec, void *userdata) {
        bind_job_kick(userdata);
        return sd_event_source_set_time_relative(s, 5000);
}

static void run(BindJobType type, const char *vf, uint64_t timeout, result *ret) {
        _cleanup_(bind_job_freep) BindJob *j = NULL;
        sd_event_source *pump = NULL;

        /* A loop that exited is finished for good: a new one for each job. */
        event = sd_event_unref(event);
        ck_assert_int_ge(sd_event_new(&event), 0);
        *ret = (result){};
        ck_assert_int_eq(
                bind_job_new(event, ctx, type, vf, HISI_KIND_ZIP, timeout, on_done, ret, &j), 0);
        ck_assert_int_eq(bind_job_start(j), 0);
        ck_assert(bind_job_is_started(j));
        ck_assert_str_eq(bind_job_get_address(j), vf);
        ck_assert_int_eq(bind_job_get_type(j), type);
        ck_assert_int_ge(
                sd_event_add_time_relative(event, &pump, CLOCK_MONOTONIC, 5000, 0, on_pump, j), 0);
        ck_assert_int_ge(sd_event_source_set_enabled(pump, SD_EVENT_ON), 0);
        ck_assert_int_ge(sd_event_loop(event), 0);
        sd_event_source_disable_unref(pump);
        ck_assert(ret->done);
}

static void assert_driver(const char *vf, const char *want) {
        _cleanup_free_ char *d = NULL;

        ck_assert_int_eq(fake_sysfs_sync(fake), 0);
        ck_assert_int_eq(hisi_pci_read_driver(ctx, vf, &d), 0);
        if (want)
                ck_assert_str_eq(d, want);
        else
                ck_assert_ptr_null(d);
}

START_TEST(test_bind_unbind) {
        result r;

        ck_assert_int_eq(fake_sysfs_add_driver(fake, VFIO), 0);
        ck_assert_int_eq(fake_sysfs_start_kernel(fake, NULL), 0);
        run(BIND_JOB_BIND, VF0, LONG, &r);
        ck_assert_int_eq(r.error, 0);
        ck_assert_str_eq(r.message, "bound to hisi_acc_vfio_pci (was hisi_zip)");
        free(r.message);
        assert_driver(VF0, VFIO);

        run(BIND_JOB_BIND, VF0, LONG, &r);
        ck_assert_int_eq(r.error, 0);
        ck_assert_str_eq(r.message, "already bound to hisi_acc_vfio_pci");
        free(r.message);

        run(BIND_JOB_UNBIND, VF0, LONG, &r);
        ck_assert_int_eq(r.error, 0);
        ck_assert_str_eq(r.message, "unbound from hisi_acc_vfio_pci; now on hisi_zip");
        free(r.message);
        assert_driver(VF0, "hisi_zip");

        run(BIND_JOB_UNBIND, VF0, LONG, &r);
        ck_assert_int_eq(r.error, 0);
        ck_assert_str_eq(r.message, "not bound to hisi_acc_vfio_pci (hisi_zip); nothing to do");
        free(r.message);

        /* An unbound VF binds straight away. */
        run(BIND_JOB_BIND, VF1, LONG, &r);
        ck_assert_int_eq(r.error, 0);
        ck_assert_str_eq(r.message, "bound to hisi_acc_vfio_pci (was unbound)");
        free(r.message);
        assert_driver(VF1, VFIO);
}
END_TEST

START_TEST(test_vfio_not_loaded) {
        result r;

        ck_assert_int_eq(fake_sysfs_start_kernel(fake, NULL), 0);
        run(BIND_JOB_BIND, VF0, LONG, &r);
        ck_assert_int_eq(r.error, -ENOENT);
        ck_assert_str_eq(r.message, "the hisi_acc_vfio_pci driver is not loaded (modprobe "
                                    "hisi_acc_vfio_pci); 0000:75:00.1 is unchanged");
        free(r.message);
        assert_driver(VF0, "hisi_zip");
}
END_TEST

START_TEST(test_probe_fails) {
        result r;

        ck_assert_int_eq(fake_sysfs_add_driver(fake, VFIO), 0);
        ck_assert_int_eq(fake_sysfs_start_kernel(fake, VFIO), 0);
        run(BIND_JOB_BIND, VF0, 300 * 1000ULL, &r);
        ck_assert_int_eq(r.error, -ETIMEDOUT);
        ck_assert_str_eq(r.message,
                         "hisi_acc_vfio_pci did not bind 0000:75:00.1 within 300 ms (its probe "
                         "failed or hangs; see the kernel log); it is back on hisi_zip");
        free(r.message);
        assert_driver(VF0, "hisi_zip");

        /* Unbound before: left unbound, override cleared. */
        run(BIND_JOB_BIND, VF1, 300 * 1000ULL, &r);
        ck_assert_int_eq(r.error, -ETIMEDOUT);
        ck_assert_ptr_nonnull(strstr(r.message, "it is left without a driver, as before"));
        free(r.message);
        assert_driver(VF1, NULL);
}
END_TEST

START_TEST(test_unbind_not_ours) {
        _cleanup_free_ char *o = NULL;
        result r;

        /* A stale override of ours goes; nothing else happens. */
        ck_assert_int_eq(fake_sysfs_add_driver(fake, VFIO), 0);
        ck_assert_int_eq(fake_sysfs_start_kernel(fake, NULL), 0);
        ck_assert_int_eq(hisi_pci_write_override(ctx, VF0, VFIO), 0);
        run(BIND_JOB_UNBIND, VF0, LONG, &r);
        ck_assert_int_eq(r.error, 0);
        ck_assert_str_eq(r.message, "not bound to hisi_acc_vfio_pci (hisi_zip); nothing to do");
        free(r.message);
        ck_assert_int_eq(hisi_pci_read_override(ctx, VF0, &o), 0);
        ck_assert_ptr_null(o);
        assert_driver(VF0, "hisi_zip");

        run(BIND_JOB_UNBIND, VF1, LONG, &r);
        ck_assert_int_eq(r.error, 0);
        ck_assert_str_eq(r.message, "not bound to hisi_acc_vfio_pci (no driver); nothing to do");
        free(r.message);
}
END_TEST

START_TEST(test_bind_from_other_driver) {
        result r;

        /* The policy decided already: the job takes a VF from any driver. */
        ck_assert_int_eq(fake_sysfs_add_vf(fake, PF, 2, VF2, "vfio-pci", 12), 0);
        ck_assert_int_eq(fake_sysfs_add_driver(fake, VFIO), 0);
        ck_assert_int_eq(fake_sysfs_start_kernel(fake, NULL), 0);
        run(BIND_JOB_BIND, VF2, LONG, &r);
        ck_assert_int_eq(r.error, 0);
        ck_assert_str_eq(r.message, "bound to hisi_acc_vfio_pci (was vfio-pci)");
        free(r.message);
        assert_driver(VF2, VFIO);

        /* Back to the host driver, which the probe finds once the override is gone. */
        run(BIND_JOB_UNBIND, VF2, LONG, &r);
        ck_assert_int_eq(r.error, 0);
        ck_assert_str_eq(r.message, "unbound from hisi_acc_vfio_pci; now on hisi_zip");
        free(r.message);
        assert_driver(VF2, "hisi_zip");
}
END_TEST

START_TEST(test_unbind_host_refuses) {
        _cleanup_free_ char *o = NULL;
        result r;

        /* The host driver's probe fails: the unbind times out, and the VF goes back to vfio
         * (its driver bound by name, in a child), override and all. */
        ck_assert_int_eq(fake_sysfs_add_driver(fake, VFIO), 0);
        ck_assert_int_eq(fake_sysfs_start_kernel(fake, "hisi_zip"), 0);
        run(BIND_JOB_BIND, VF0, LONG, &r);
        ck_assert_int_eq(r.error, 0);
        free(r.message);
        run(BIND_JOB_UNBIND, VF0, 300 * 1000ULL, &r);
        ck_assert_int_eq(r.error, -ETIMEDOUT);
        ck_assert_str_eq(r.message,
                         "hisi_zip did not bind 0000:75:00.1 within 300 ms (its probe failed or "
                         "hangs; see the kernel log); it is back on hisi_acc_vfio_pci");
        free(r.message);
        assert_driver(VF0, VFIO);
        ck_assert_int_eq(hisi_pci_read_override(ctx, VF0, &o), 0);
        ck_assert_str_eq(o, VFIO);
}
END_TEST

START_TEST(test_abort) {
        _cleanup_(bind_job_freep) BindJob *j = NULL;
        result r = {};

        ck_assert_int_eq(fake_sysfs_add_driver(fake, VFIO), 0);
        ck_assert_int_eq(
                bind_job_new(event, ctx, BIND_JOB_BIND, VF0, HISI_KIND_ZIP, LONG, on_done, &r, &j),
                0);
        ck_assert(!bind_job_is_started(j));
        bind_job_abort(j, -ENODEV, "0000:75:00.1 is gone");
        ck_assert(!r.done); /* reported from the loop, never from the call */
        ck_assert_int_ge(sd_event_loop(event), 0);
        ck_assert(r.done);
        ck_assert_int_eq(r.error, -ENODEV);
        ck_assert_str_eq(r.message, "0000:75:00.1 is gone");
        free(r.message);
}
END_TEST

START_TEST(test_arguments) {
        BindJob *j = NULL;
        result r;

        ck_assert_int_eq(
                bind_job_new(NULL, ctx, BIND_JOB_BIND, VF0, HISI_KIND_ZIP, 1, on_done, &r, &j),
                -EINVAL);
        ck_assert_int_eq(bind_job_new(event, ctx, BIND_JOB_BIND, "75:00.1", HISI_KIND_ZIP, 1,
                                      on_done, &r, &j),
                         -EINVAL);
        ck_assert_int_eq(bind_job_new(event, ctx, _BIND_JOB_TYPE_MAX, VF0, HISI_KIND_ZIP, 1,
                                      on_done, &r, &j),
                         -EINVAL);
        ck_assert_int_eq(
                bind_job_new(event, ctx, BIND_JOB_BIND, VF0, HISI_KIND_ZIP, 1, NULL, &r, &j),
                -EINVAL);
        ck_assert_ptr_null(j);
        ck_assert_int_eq(bind_job_start(NULL), -EINVAL);
        /* No such device: nothing to start. */
        ck_assert_int_eq(bind_job_new(event, ctx, BIND_JOB_BIND, "0000:75:07.7", HISI_KIND_ZIP, 1,
                                      on_done, &r, &j),
                         0);
        ck_assert_int_eq(bind_job_start(j), -ENODEV);
        j = bind_job_free(j);
        ck_assert_str_eq(bind_job_type_to_string(BIND_JOB_UNBIND), "unbind");
        ck_assert_ptr_null(bind_job_type_to_string(_BIND_JOB_TYPE_MAX));
}
END_TEST

static Suite *bind_job_suite(void) {
        Suite *s = suite_create("bind-job");
        TCase *tc = tcase_create("job");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_bind_unbind);
        tcase_add_test(tc, test_vfio_not_loaded);
        tcase_add_test(tc, test_probe_fails);
        tcase_add_test(tc, test_unbind_not_ours);
        tcase_add_test(tc, test_bind_from_other_driver);
        tcase_add_test(tc, test_unbind_host_refuses);
        tcase_add_test(tc, test_abort);
        tcase_add_test(tc, test_arguments);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(bind_job_suite)
