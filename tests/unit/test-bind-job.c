/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for one binding operation driven from an event loop (daemon/bind-job.c), on a fake
 * host tree whose kernel thread moves the driver links a moment after each write
 * (tests/lib/fake-sysfs.c). The test plays udev's part: a timer hands the job a "uevent" now and
 * then, as the manager does on each uevent of the VF. Covered: a bind and an unbind that work,
 * idempotence, the vfio driver not loaded, a probe that fails (the job times out and puts the VF
 * back), an unbind of a VF not on vfio, a VF taken from another driver, a host driver that
 * refuses the VF back (the job puts it back on vfio), a VF that goes away, and the job's
 * refusals of bad arguments. This fake host is asynchronous: the jobs are told so
 * (bind_job_set_synchronous()). And the writes' children: one that hangs past its deadline is
 * killed and reaped, leaving no process and no fd; one that cannot be killed (frozen, as a task
 * stuck in the kernel) ends the job at once as stuck, counts as stuck until it ends, and keeps
 * further writes to its VF from starting; a VF that goes away mid-job is told in one sentence.
 * The sequence itself is the bind plan's, tested in test-bind-plan.
 */

#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "bind-job.h"
#include "hisi/ctx.h"
#include "fake-sysfs.h"
#include "file-util.h"
#include "freezer.h"
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
static SysfsWriter *writer;

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
        writer = sysfs_writer_free(writer, NULL);
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
        writer = sysfs_writer_free(writer, NULL);
        event = sd_event_unref(event);
        ck_assert_int_ge(sd_event_new(&event), 0);
        ck_assert_int_eq(sysfs_writer_new(event, ctx, &writer), 0);
        *ret = (result){};
        ck_assert_int_eq(bind_job_new(event, ctx, writer, type, vf, HISI_KIND_ZIP, timeout, on_done,
                                      ret, &j),
                         0);
        bind_job_set_synchronous(j, false);
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
        ck_assert_int_eq(sysfs_writer_new(event, ctx, &writer), 0);
        ck_assert_int_eq(bind_job_new(event, ctx, writer, BIND_JOB_BIND, VF0, HISI_KIND_ZIP, LONG,
                                      on_done, &r, &j),
                         0);
        ck_assert(!bind_job_is_started(j));
        bind_job_abort(j, -ENODEV, "ignored: a VF that went away is told one way");
        ck_assert(!r.done); /* reported from the loop, never from the call */
        ck_assert_int_ge(sd_event_loop(event), 0);
        ck_assert(r.done);
        ck_assert_int_eq(r.error, -ENODEV);
        ck_assert_str_eq(r.message, "0000:75:00.1 went away");
        free(r.message);
}
END_TEST

/* How many children this process has (its main thread's, where the loop runs). */
static unsigned count_children(void) {
        _cleanup_free_ char *s = NULL;
        char p[64];
        unsigned n = 0;

        snprintf(p, sizeof(p), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
        if (read_one_line_file(p, &s) < 0)
                return 0;
        for (char *t = strtok(s, " "); t; t = strtok(NULL, " "))
                n++;
        return n;
}

static pid_t first_child(void) {
        _cleanup_free_ char *s = NULL;
        char p[64];

        snprintf(p, sizeof(p), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
        if (read_one_line_file(p, &s) < 0 || !s[0])
                return 0;
        return (pid_t)strtol(s, NULL, 10);
}

static unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

/* The host driver's unbind never returns: its attribute is a FIFO nobody reads, so the write's
 * child waits in open() (killable, as a task waiting for a driver interruptibly is). */
static void hang_unbind(const char *driver) {
        _cleanup_free_ char *p = NULL;

        ck_assert_int_ge(asprintf_safe(&p, "%s/sys/bus/pci/drivers/%s/unbind",
                                       fake_sysfs_root(fake), driver),
                         0);
        ck_assert_int_eq(unlink(p), 0);
        ck_assert_int_eq(mkfifo(p, 0200), 0);
}

START_TEST(test_write_killed_at_deadline) {
        unsigned fds;
        result r;

        ck_assert_int_eq(fake_sysfs_add_driver(fake, VFIO), 0);
        ck_assert_int_eq(fake_sysfs_start_kernel(fake, NULL), 0);
        hang_unbind("hisi_zip");
        for (int i = 0; i < 3; i++) {
                run(BIND_JOB_BIND, VF0, 300 * 1000ULL, &r);
                ck_assert_int_eq(r.error, -ETIMEDOUT);
                ck_assert_str_eq(r.message, "hisi_zip did not release 0000:75:00.1 within 300 ms; "
                                            "it is on hisi_zip as before");
                free(r.message);
                /* Killed and reaped: no child, no pidfd, no timer left, nothing stuck. */
                ck_assert_uint_eq(count_children(), 0);
                ck_assert_uint_eq(sysfs_writer_n_children(writer), 0);
                ck_assert_uint_eq(sysfs_writer_n_stuck(writer), 0);
                writer = sysfs_writer_free(writer, NULL);
                /* The loop's own fds are made by the first run; none grows after (one the fake
                 * kernel's thread still had open at the first count may have gone since). */
                if (i == 0)
                        fds = count_fds();
                ck_assert_uint_le(count_fds(), fds);
        }
        assert_driver(VF0, "hisi_zip");
}
END_TEST

/* The VF goes away while its unbind hangs: whatever step meets it, the job says it went away,
 * in the one sentence the manager uses too. */
static int on_unplug(sd_event_source *s, uint64_t usec, void *userdata) {
        _cleanup_free_ char *p = NULL;

        ck_assert_int_ge(asprintf_safe(&p, "%s/sys/bus/pci/devices/%s", fake_sysfs_root(fake),
                                       (const char *)userdata),
                         0);
        ck_assert_int_eq(unlink(p), 0);
        return 0;
}

START_TEST(test_vf_went_away) {
        _cleanup_(bind_job_freep) BindJob *j = NULL;
        sd_event_source *unplug = NULL;
        result r = {};

        ck_assert_int_eq(fake_sysfs_add_driver(fake, VFIO), 0);
        ck_assert_int_eq(fake_sysfs_start_kernel(fake, NULL), 0);
        hang_unbind("hisi_zip");
        ck_assert_int_eq(sysfs_writer_new(event, ctx, &writer), 0);
        ck_assert_int_eq(bind_job_new(event, ctx, writer, BIND_JOB_BIND, VF0, HISI_KIND_ZIP,
                                      300 * 1000ULL, on_done, &r, &j),
                         0);
        bind_job_set_synchronous(j, false);
        ck_assert_int_eq(bind_job_start(j), 0);
        ck_assert_int_ge(sd_event_add_time_relative(event, &unplug, CLOCK_MONOTONIC, 100 * 1000ULL,
                                                    0, on_unplug, (void *)VF0),
                         0);
        ck_assert_int_ge(sd_event_loop(event), 0);
        ck_assert_int_eq(r.error, -ENODEV);
        ck_assert_str_eq(r.message, "0000:75:00.1 went away");
        free(r.message);
        sd_event_source_disable_unref(unplug);
        ck_assert_uint_eq(count_children(), 0);
}
END_TEST

typedef struct stuck_test {
        test_freezer *freezer;
        bool frozen;
        BindJob *second;
        result first_result, second_result;
        unsigned unstuck;
        char address[32];
} stuck_test;

/* Freeze the write's child as soon as there is one: it is then stuck in the kernel. */
static int on_freeze(sd_event_source *s, uint64_t usec, void *userdata) {
        stuck_test *t = userdata;
        pid_t pid = first_child();

        if (pid > 0) {
                ck_assert_int_eq(test_freezer_freeze(t->freezer, pid), 0);
                t->frozen = true;
                return 0;
        }
        (void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return sd_event_source_set_time_relative(s, 2000);
}

static void record(result *r, int error, const char *message) {
        r->done = true;
        r->error = error;
        r->message = strdup(message);
}

/* The second job (nothing may be written to the VF) ended: let the stuck child go. */
static void on_second_done(BindJob *j, int error, const char *message, void *userdata) {
        stuck_test *t = userdata;

        record(&t->second_result, error, message);
        ck_assert_int_eq(test_freezer_thaw(t->freezer), 0);
}

/* The stuck job ended: try another one on the same VF. */
static void on_first_done(BindJob *j, int error, const char *message, void *userdata) {
        stuck_test *t = userdata;

        record(&t->first_result, error, message);
        ck_assert(bind_job_is_stuck(j));
        ck_assert_uint_eq(sysfs_writer_n_stuck(writer), 1);
        ck_assert(sysfs_writer_is_stuck(writer, VF0));
        ck_assert(!sysfs_writer_is_stuck(writer, VF1));
        ck_assert_int_eq(bind_job_new(event, ctx, writer, BIND_JOB_UNBIND, VF0, HISI_KIND_ZIP, LONG,
                                      on_second_done, t, &t->second),
                         0);
        bind_job_set_synchronous(t->second, false);
        ck_assert_int_eq(bind_job_start(t->second), 0);
}

static void on_unstuck(SysfsWriter *w, const char *address, void *userdata) {
        stuck_test *t = userdata;

        t->unstuck++;
        snprintf(t->address, sizeof(t->address), "%s", address);
        (void)sd_event_exit(event, 0);
}

START_TEST(test_write_stuck) {
        _cleanup_(bind_job_freep) BindJob *j = NULL;
        sd_event_source *freeze = NULL;
        stuck_test t = {};
        int k;

        k = test_freezer_new(&t.freezer);
        if (k == -EOPNOTSUPP)
                return;
        ck_assert_int_eq(k, 0);
        ck_assert_int_eq(fake_sysfs_add_driver(fake, VFIO), 0);
        ck_assert_int_eq(fake_sysfs_start_kernel(fake, NULL), 0);
        hang_unbind("hisi_zip");
        ck_assert_int_eq(sysfs_writer_new(event, ctx, &writer), 0);
        sysfs_writer_set_unstuck_callback(writer, on_unstuck, &t);
        ck_assert_int_eq(bind_job_new(event, ctx, writer, BIND_JOB_BIND, VF0, HISI_KIND_ZIP,
                                      300 * 1000ULL, on_first_done, &t, &j),
                         0);
        bind_job_set_synchronous(j, false);
        ck_assert_int_eq(bind_job_start(j), 0);
        ck_assert_int_ge(
                sd_event_add_time_relative(event, &freeze, CLOCK_MONOTONIC, 2000, 0, on_freeze, &t),
                0);
        ck_assert_int_ge(sd_event_loop(event), 0);

        ck_assert(t.frozen);
        ck_assert_int_eq(t.first_result.error, -ETIMEDOUT);
        ck_assert_str_eq(t.first_result.message,
                         "the unbind write for 0000:75:00.1 did not return within 300 ms and "
                         "cannot be stopped: it is stuck in the kernel (a driver's remove() "
                         "hangs; see the kernel log). Nothing more is written to 0000:75:00.1 "
                         "until it ends");
        /* Nothing more for that VF meanwhile, not even clearing the override. */
        ck_assert(t.second_result.done);
        ck_assert_int_eq(t.second_result.error, -EDEADLK);
        ck_assert_str_eq(t.second_result.message,
                         "an earlier write for 0000:75:00.1 is stuck in the kernel; no "
                         "driver_override write is made until it ends");
        /* Thawed, the killed child ended at last and was reaped. */
        ck_assert_uint_eq(t.unstuck, 1);
        ck_assert_str_eq(t.address, VF0);
        ck_assert_uint_eq(sysfs_writer_n_stuck(writer), 0);
        ck_assert_uint_eq(sysfs_writer_n_children(writer), 0);
        ck_assert_uint_eq(count_children(), 0);
        free(t.first_result.message);
        free(t.second_result.message);
        bind_job_free(t.second);
        sd_event_source_disable_unref(freeze);
        test_freezer_free(t.freezer);
}
END_TEST

START_TEST(test_arguments) {
        BindJob *j = NULL;
        result r;

        ck_assert_int_eq(sysfs_writer_new(event, ctx, &writer), 0);
        ck_assert_int_eq(bind_job_new(NULL, ctx, writer, BIND_JOB_BIND, VF0, HISI_KIND_ZIP, 1,
                                      on_done, &r, &j),
                         -EINVAL);
        ck_assert_int_eq(bind_job_new(event, ctx, NULL, BIND_JOB_BIND, VF0, HISI_KIND_ZIP, 1,
                                      on_done, &r, &j),
                         -EINVAL);
        ck_assert_int_eq(bind_job_new(event, ctx, writer, BIND_JOB_BIND, "75:00.1", HISI_KIND_ZIP,
                                      1, on_done, &r, &j),
                         -EINVAL);
        ck_assert_int_eq(bind_job_new(event, ctx, writer, _BIND_JOB_TYPE_MAX, VF0, HISI_KIND_ZIP, 1,
                                      on_done, &r, &j),
                         -EINVAL);
        ck_assert_int_eq(bind_job_new(event, ctx, writer, BIND_JOB_BIND, VF0, HISI_KIND_ZIP, 1,
                                      NULL, &r, &j),
                         -EINVAL);
        ck_assert_ptr_null(j);
        ck_assert_int_eq(bind_job_start(NULL), -EINVAL);
        /* No such device: nothing to start. */
        ck_assert_int_eq(bind_job_new(event, ctx, writer, BIND_JOB_BIND, "0000:75:07.7",
                                      HISI_KIND_ZIP, 1, on_done, &r, &j),
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
        tcase_add_test(tc, test_write_killed_at_deadline);
        tcase_add_test(tc, test_write_stuck);
        tcase_add_test(tc, test_vf_went_away);
        tcase_add_test(tc, test_arguments);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(bind_job_suite)
