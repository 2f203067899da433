/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for a child process under sd-event (libhisi/shared/child-run.c): a child past its
 * deadline is killed and reaped, with no process and no fd left behind; exit statuses and errnos
 * come back; stdout is collected, bounded, and a program starts with no signal blocked; freeing
 * a running child kills and reaps it at once; child_run_kill() ends a child on demand, with its
 * reason; a child that cannot die (stuck in the kernel: the freezer) delays neither
 * child_run_free() nor child_run_reap() past their bound; bad options are refused.
 */

#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "child-run.h"
#include "freezer.h"
#include "macro.h"
#include "test-main.h"
#include "time-util.h"

typedef struct outcome {
        bool done;
        ChildRunResult result;
        char *output;
        pid_t pid;
} outcome;

static sd_event *event;

static unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static void assert_reaped(pid_t pid) {
        ck_assert_int_gt(pid, 0);
        ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), -1);
        ck_assert_int_eq(errno, ECHILD);
}

static void setup(void) {
        sigset_t mask;

        /* A child that writes on stdout would also write what the parent has buffered. */
        fflush(NULL);
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        ck_assert_int_eq(sigprocmask(SIG_BLOCK, &mask, NULL), 0);
}

/* The ChildRun is freed here, from its own callback, as its users do. */
static void on_done(ChildRun *c, const ChildRunResult *result, void *userdata) {
        outcome *o = userdata;

        o->done = true;
        o->result = *result;
        o->output = result->output ? strdup(result->output) : NULL;
        o->result.output = NULL;
        o->pid = child_run_get_pid(c);
        child_run_free(c);
        (void)sd_event_exit(event, 0);
}

/* Run one child to its end in a fresh loop. */
static void run(const ChildRunOptions *opts, outcome *o) {
        ChildRun *c = NULL;

        *o = (outcome){};
        ck_assert_int_ge(sd_event_new(&event), 0);
        ck_assert_int_eq(child_run_start(event, opts, on_done, o, &c), 0);
        ck_assert_ptr_nonnull(c);
        ck_assert(!o->done); /* never from the start */
        ck_assert_int_ge(sd_event_loop(event), 0);
        event = sd_event_unref(event);
        ck_assert(o->done);
}

static int sleep_forever(void *userdata) {
        for (;;)
                pause();
        return 0;
}

static int return_errno(void *userdata) {
        return *(int *)userdata;
}

static int say_hello(void *userdata) {
        fputs("hello from a function\n", stdout);
        fflush(stdout);
        return 0;
}

START_TEST(test_deadline) {
        ChildRunOptions opts = {
                .func = sleep_forever,
                .capture_max = 1024,
                .timeout_usec = 50 * USEC_PER_MSEC,
        };
        unsigned fds = count_fds();
        uint64_t t0 = now_usec(CLOCK_MONOTONIC);
        outcome o;

        run(&opts, &o);
        ck_assert_int_eq(o.result.error, -ETIMEDOUT);
        ck_assert_int_eq(o.result.status, -1); /* SIGKILL */
        ck_assert_int_eq(child_run_result_to_errno(&o.result), -ETIMEDOUT);
        ck_assert_ptr_null(o.output);
        ck_assert_uint_lt(now_usec(CLOCK_MONOTONIC) - t0, 5 * USEC_PER_SEC);
        /* No child, no pidfd, no pipe, no timer left. */
        assert_reaped(o.pid);
        ck_assert_uint_eq(count_fds(), fds);
}
END_TEST

START_TEST(test_func_status) {
        static const int results[] = { 0, -EACCES, -ENODEV, -4095 };

        for (size_t i = 0; i < ELEMENTSOF(results); i++) {
                int want = results[i];
                ChildRunOptions opts = { .func = return_errno, .func_userdata = &want };
                outcome o;

                run(&opts, &o);
                ck_assert_int_eq(o.result.error, 0);
                ck_assert_int_eq(o.result.status, want == -4095 ? EIO : -want);
                ck_assert_int_eq(child_run_result_to_errno(&o.result), want == -4095 ? -EIO : want);
                ck_assert_ptr_null(o.output); /* no capture */
                assert_reaped(o.pid);
        }
}
END_TEST

START_TEST(test_capture) {
        char *argv[] = { "sh", "-c", "echo hello; echo noise >&2; exit 3", NULL };
        ChildRunOptions opts = {
                .path = "/bin/sh",
                .argv = argv,
                .capture_max = 1024,
                .stderr_to_null = true,
                .timeout_usec = 10 * USEC_PER_SEC,
        };
        ChildRunOptions func = { .func = say_hello, .capture_max = 1024 };
        outcome o;

        run(&opts, &o);
        ck_assert_int_eq(o.result.error, 0);
        ck_assert_int_eq(o.result.status, 3);
        ck_assert_str_eq(o.output, "hello\n");
        assert_reaped(o.pid);
        free(o.output);

        run(&func, &o);
        ck_assert_int_eq(o.result.status, 0);
        ck_assert_str_eq(o.output, "hello from a function\n");
        free(o.output);
}
END_TEST

START_TEST(test_program_starts_clean) {
        /* The caller blocks SIGCHLD (sd-event wants it); the program does not inherit that. */
        char *argv[] = { "sh", "-c", "grep ^SigBlk: /proc/self/status; read x; echo \"[$x]\"",
                         NULL };
        ChildRunOptions opts = { .path = "/bin/sh", .argv = argv, .capture_max = 1024 };
        outcome o;

        run(&opts, &o);
        ck_assert_int_eq(o.result.status, 0);
        ck_assert_str_eq(o.output, "SigBlk:\t0000000000000000\n[]\n"); /* stdin: /dev/null */
        free(o.output);
}
END_TEST

START_TEST(test_exec_fails) {
        char *argv[] = { "nothing", NULL };
        ChildRunOptions opts = { .path = "/nonexistent/nothing", .argv = argv, .capture_max = 16 };
        outcome o;

        run(&opts, &o);
        ck_assert_int_eq(o.result.error, 0);
        ck_assert_int_eq(o.result.status, 127);
        ck_assert_str_eq(o.output, "");
        free(o.output);
}
END_TEST

START_TEST(test_output_too_large) {
        char *argv[] = { "sh", "-c", "while :; do echo 0123456789abcdef; done", NULL };
        ChildRunOptions opts = { .path = "/bin/sh", .argv = argv, .capture_max = 1000 };
        unsigned fds = count_fds();
        outcome o;

        run(&opts, &o);
        ck_assert_int_eq(o.result.error, -EFBIG);
        ck_assert_int_eq(o.result.status, -1);
        ck_assert_ptr_null(o.output);
        assert_reaped(o.pid);
        ck_assert_uint_eq(count_fds(), fds);
}
END_TEST

START_TEST(test_free_kills) {
        ChildRunOptions opts = { .func = sleep_forever, .capture_max = 16 };
        unsigned fds = count_fds();
        outcome o = {};
        ChildRun *c = NULL;
        pid_t pid;

        ck_assert_int_ge(sd_event_new(&event), 0);
        ck_assert_int_eq(child_run_start(event, &opts, on_done, &o, &c), 0);
        pid = child_run_get_pid(c);
        c = child_run_free(c);
        assert_reaped(pid); /* at once, without the loop */
        ck_assert_int_ge(sd_event_run(event, 0), 0);
        ck_assert(!o.done);
        event = sd_event_unref(event);
        ck_assert_uint_eq(count_fds(), fds);
        ck_assert_ptr_null(child_run_free(NULL));
}
END_TEST

/* A loop whose done callback kills the child once it has started: the kill's reason comes back. */
START_TEST(test_kill) {
        ChildRunOptions opts = { .func = sleep_forever, .capture_max = 16 };
        unsigned fds = count_fds();
        outcome o = {};
        ChildRun *c = NULL;

        ck_assert_int_ge(sd_event_new(&event), 0);
        ck_assert_int_eq(child_run_start(event, &opts, on_done, &o, &c), 0);
        ck_assert(!child_run_exited(c));
        child_run_kill(c, -ETIMEDOUT);
        child_run_kill(c, -EIO); /* the first reason stands */
        ck_assert(!o.done);      /* never from the call */
        ck_assert_int_ge(sd_event_loop(event), 0);
        event = sd_event_unref(event);
        ck_assert(o.done);
        ck_assert_int_eq(o.result.error, -ETIMEDOUT);
        ck_assert_int_eq(o.result.status, -1);
        assert_reaped(o.pid);
        ck_assert_uint_eq(count_fds(), fds);
        child_run_kill(NULL, -EIO);
}
END_TEST

/* A child that SIGKILL cannot end (frozen: an uninterruptible kernel wait) holds up neither
 * child_run_reap() nor child_run_free() past their bounds; once it can end, it is a zombie of
 * ours to reap. */
START_TEST(test_unkillable_bounded) {
        ChildRunOptions opts = { .func = sleep_forever };
        test_freezer *f = NULL;
        ChildRun *c = NULL;
        outcome o = {};
        uint64_t t0;
        pid_t pid;
        int r;

        r = test_freezer_new(&f);
        if (r == -EOPNOTSUPP)
                return;
        ck_assert_int_eq(r, 0);
        ck_assert_int_ge(sd_event_new(&event), 0);
        ck_assert_int_eq(child_run_start(event, &opts, on_done, &o, &c), 0);
        pid = child_run_get_pid(c);
        ck_assert_int_eq(test_freezer_freeze(f, pid), 0);

        child_run_kill(c, -ETIMEDOUT);
        t0 = now_usec(CLOCK_MONOTONIC);
        ck_assert_int_eq(child_run_reap(c, t0 + 200 * USEC_PER_MSEC), 0);
        ck_assert_uint_ge(now_usec(CLOCK_MONOTONIC) - t0, 200 * USEC_PER_MSEC);
        ck_assert_uint_lt(now_usec(CLOCK_MONOTONIC) - t0, 2 * USEC_PER_SEC);
        ck_assert(!child_run_exited(c));

        t0 = now_usec(CLOCK_MONOTONIC);
        c = child_run_free(c);
        ck_assert_uint_lt(now_usec(CLOCK_MONOTONIC) - t0, CHILD_RUN_REAP_USEC + USEC_PER_SEC);
        ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0); /* still there */

        /* Thawed, the pending SIGKILL ends it. */
        ck_assert_int_eq(test_freezer_thaw(f), 0);
        ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        test_freezer_free(f);
        ck_assert_int_ge(sd_event_run(event, 0), 0);
        ck_assert(!o.done);
        event = sd_event_unref(event);
}
END_TEST

START_TEST(test_refusals) {
        char *argv[] = { "true", NULL };
        ChildRunOptions both = { .func = sleep_forever, .path = "/bin/true", .argv = argv };
        ChildRunOptions none = {};
        ChildRunOptions no_argv = { .path = "/bin/true" };
        ChildRunOptions ok = { .path = "/bin/true", .argv = argv };
        ChildRun *c = NULL;
        outcome o;

        ck_assert_int_ge(sd_event_new(&event), 0);
        ck_assert_int_eq(child_run_start(event, &both, on_done, &o, &c), -EINVAL);
        ck_assert_int_eq(child_run_start(event, &none, on_done, &o, &c), -EINVAL);
        ck_assert_int_eq(child_run_start(event, &no_argv, on_done, &o, &c), -EINVAL);
        ck_assert_int_eq(child_run_start(event, &ok, NULL, &o, &c), -EINVAL);
        ck_assert_int_eq(child_run_start(NULL, &ok, on_done, &o, &c), -EINVAL);
        ck_assert_int_eq(child_run_start(event, NULL, on_done, &o, &c), -EINVAL);
        ck_assert_ptr_null(c);
        ck_assert_int_eq(child_run_result_to_errno(NULL), -EINVAL);
        ck_assert_int_eq(child_run_get_pid(NULL), 0);
        event = sd_event_unref(event);
}
END_TEST

static Suite *child_run_suite(void) {
        Suite *s = suite_create("child-run");
        TCase *tc = tcase_create("child");

        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_deadline);
        tcase_add_test(tc, test_func_status);
        tcase_add_test(tc, test_capture);
        tcase_add_test(tc, test_program_starts_clean);
        tcase_add_test(tc, test_exec_fails);
        tcase_add_test(tc, test_output_too_large);
        tcase_add_test(tc, test_free_kills);
        tcase_add_test(tc, test_kill);
        tcase_add_test(tc, test_unkillable_bounded);
        tcase_add_test(tc, test_refusals);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(child_run_suite)
