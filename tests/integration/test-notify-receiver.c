/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The test's stand-in for systemd on the notify socket (tests/lib/notify-receiver), met as a
 * daemon meets systemd: child processes send it messages and fds with sd_notify() and
 * sd_pid_notify_with_fds(). The messages come in order with their sender; FDSTORE=1 keeps the
 * fds under their FDNAME= (or "stored"), FDSTOREREMOVE=1 drops a name, fds without FDSTORE=1,
 * past FileDescriptorStoreMax= or already kept are not kept, messages from another pid than
 * the main one are ignored; and the kept fds come back to a started child as LISTEN_FDS,
 * LISTEN_FDNAMES and LISTEN_PID, as sd_listen_fds_with_names() reads them, with their content.
 */

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "macro.h"
#include "notify-receiver.h"
#include "string-util.h"
#include "test-main.h"

static char dir[] = "/tmp/hisi-notify.XXXXXX";
static char *path;
static notify_receiver *r;

static void setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(dir));
        ck_assert_int_ge(asprintf(&path, "%s/notify.sock", dir), 0);
        ck_assert_int_eq(notify_receiver_new(path, &r), 0);
        notify_receiver_set_fdstore_max(r, 16);
}

static void teardown(void) {
        r = notify_receiver_free(r);
        (void)unlink(path);
        (void)rmdir(dir);
        path = mfree(path);
        strcpy(dir, "/tmp/hisi-notify.XXXXXX");
}

/* An fd to a new file that holds text. */
static int memfd_with(const char *text) {
        int fd = memfd_create("notify-test", MFD_CLOEXEC);

        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
                return -1;
        return fd;
}

/* Whether fd's file holds text. */
static bool holds(int fd, const char *text) {
        char buf[64] = {};
        ssize_t k = pread(fd, buf, sizeof(buf) - 1, 0);

        return k >= 0 && streq(buf, text);
}

/* What a child does: 0 when all went as it expected. */
typedef int (*child_fn)(void);

/* Run fn in a child that has NOTIFY_SOCKET; its pid and exit status. Every message it sent has
 * been taken by the receiver on return. */
static int run_child(child_fn fn, pid_t *ret_pid) {
        int status;
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                setenv("NOTIFY_SOCKET", path, 1);
                _exit(fn());
        }
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        notify_receiver_sync(r);
        if (ret_pid)
                *ret_pid = pid;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int send_status(void) {
        if (sd_notify(false, "STATUS=Starting") <= 0)
                return 1;
        if (sd_notify(false, "READY=1\nSTATUS=Running") <= 0)
                return 2;
        return sd_notify(false, "WATCHDOG=1") <= 0 ? 3 : 0;
}

START_TEST(test_messages) {
        _cleanup_free_ char *m = NULL, *status = NULL;
        size_t cursor = 0;
        pid_t child, from = 0;

        ck_assert_int_eq(run_child(send_status, &child), 0);
        ck_assert_uint_eq(notify_receiver_count(r), 3);
        ck_assert_int_eq(notify_receiver_message(r, 0, &m, &from), 0);
        ck_assert_str_eq(m, "STATUS=Starting");
        ck_assert_int_eq(from, child);
        ck_assert_int_eq(notify_receiver_message(r, 3, &status, NULL), -ENOENT);

        /* READY=1 is the second message, found on a line of its own. */
        ck_assert_int_eq(notify_receiver_find(r, "READY=1", &cursor, NULL), 1);
        ck_assert_uint_eq(cursor, 2);
        ck_assert_int_eq(notify_receiver_find(r, "READY=1", &cursor, NULL), 0);
        ck_assert_int_eq(notify_receiver_find(r, "WATCHDOG=1", &cursor, NULL), 1);
        cursor = 0;
        ck_assert_int_eq(notify_receiver_find(r, "Running", &cursor, NULL), 0);

        /* The latest STATUS=, as systemctl status would show it. */
        ck_assert_int_eq(notify_receiver_field(r, "STATUS", &status), 0);
        ck_assert_str_eq(status, "Running");
        ck_assert_int_eq(notify_receiver_field(r, "ERRNO", &m), -ENOENT);

        /* Nothing more comes. */
        ck_assert(!notify_receiver_wait(r, 3, 50));
        ck_assert(notify_receiver_wait(r, 2, 50));
}
END_TEST

START_TEST(test_main_pid_only) {
        pid_t child;

        /* NotifyAccess=main: another process's messages are ignored. */
        notify_receiver_set_main_pid(r, getpid());
        ck_assert_int_eq(run_child(send_status, &child), 0);
        ck_assert_uint_eq(notify_receiver_count(r), 0);
        notify_receiver_set_main_pid(r, 0);
        ck_assert_int_eq(run_child(send_status, &child), 0);
        ck_assert_uint_eq(notify_receiver_count(r), 3);
}
END_TEST

/* What a daemon stores before it exits: two fds under one name, one without a name, one with a
 * name LISTEN_FDNAMES could not carry, one without FDSTORE=1, and the same fd twice. */
static int store_fds(void) {
        int a = memfd_with("alpha"), b = memfd_with("beta"), c = memfd_with("gamma");
        int d = memfd_with("delta"), e = memfd_with("epsilon");

        if (a < 0 || b < 0 || c < 0 || d < 0 || e < 0)
                return 1;
        if (sd_pid_notify_with_fds(0, false, "FDSTORE=1\nFDNAME=vf", (int[]){ a, b }, 2) <= 0)
                return 2;
        if (sd_pid_notify_with_fds(0, false, "FDSTORE=1", &c, 1) <= 0)
                return 3;
        if (sd_pid_notify_with_fds(0, false, "FDSTORE=1\nFDNAME=bad:name", &d, 1) <= 0)
                return 4;
        if (sd_pid_notify_with_fds(0, false, "STATUS=not for the store", &e, 1) <= 0)
                return 5;
        if (sd_pid_notify_with_fds(0, false, "FDSTORE=1\nFDNAME=vf", &a, 1) <= 0)
                return 6;
        return 0;
}

/* A restarted daemon: what sd_listen_fds_with_names() finds, with the content it stored. */
static int check_listen_fds(void) {
        static const char *const want_names[] = { "vf", "vf", "stored", "stored" };
        static const char *const want_text[] = { "alpha", "beta", "gamma", "delta" };
        char **names = NULL;
        int n;

        /* Not close-on-exec, or the exec would lose them (sd_listen_fds() then sets it). */
        for (int i = 0; i < 4; i++)
                if (fcntl(SD_LISTEN_FDS_START + i, F_GETFD) & FD_CLOEXEC)
                        return 30 + i;
        n = sd_listen_fds_with_names(false, &names);
        if (n != 4 || !names)
                return 1;
        for (int i = 0; i < n; i++) {
                if (!streq_ptr(names[i], want_names[i]))
                        return 10 + i;
                if (!holds(SD_LISTEN_FDS_START + i, want_text[i]))
                        return 20 + i;
        }
        /* It stores one of them again: the store keeps it once. */
        if (sd_pid_notify_with_fds(0, false, "FDSTORE=1\nFDNAME=vf", (int[]){ 3 }, 1) <= 0)
                return 2;
        return 0;
}

/* As the harness starts a daemon: the fds at 3 and on, then exec (here: the check itself). */
static int start_with_listen_fds(listen_fds *l, child_fn fn) {
        int status;
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                setenv("NOTIFY_SOCKET", path, 1);
                if (listen_fds_install(l) < 0)
                        _exit(99);
                _exit(fn());
        }
        listen_fds_done(l);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        notify_receiver_sync(r);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

START_TEST(test_fd_store) {
        _cleanup_free_ char *names = NULL;
        listen_fds l = {};

        ck_assert_int_eq(run_child(store_fds, NULL), 0);
        /* The child is gone; the store keeps what it sent. */
        ck_assert_uint_eq(notify_receiver_count(r), 5);
        ck_assert_uint_eq(notify_receiver_fdstore_count(r), 4);
        ck_assert_int_eq(notify_receiver_fdstore_names(r, &names), 0);
        ck_assert_str_eq(names, "vf:vf:stored:stored");

        /* They come back to the next start, with their content; stored again, kept once. */
        ck_assert_int_eq(notify_receiver_listen_fds(r, &l), 0);
        ck_assert_uint_eq(l.n, 4);
        ck_assert_str_eq(l.names, "vf:vf:stored:stored");
        for (size_t i = 0; i < l.n; i++)
                ck_assert_int_ge(l.fds[i], 3 + (int)l.n);
        ck_assert_int_eq(start_with_listen_fds(&l, check_listen_fds), 0);
        ck_assert_uint_eq(notify_receiver_fdstore_count(r), 4);

        /* FDSTOREREMOVE=1 forgets a name; the others stay. */
        setenv("NOTIFY_SOCKET", path, 1);
        ck_assert_int_gt(sd_pid_notify(0, false, "FDSTOREREMOVE=1\nFDNAME=vf"), 0);
        unsetenv("NOTIFY_SOCKET");
        notify_receiver_sync(r);
        ck_assert_uint_eq(notify_receiver_fdstore_count(r), 2);
        names = mfree(names);
        ck_assert_int_eq(notify_receiver_fdstore_names(r, &names), 0);
        ck_assert_str_eq(names, "stored:stored");

        /* Stopped for good: nothing is handed on. */
        notify_receiver_fdstore_clear(r);
        ck_assert_uint_eq(notify_receiver_fdstore_count(r), 0);
        ck_assert_int_eq(notify_receiver_listen_fds(r, &l), 0);
        ck_assert_uint_eq(l.n, 0);
        ck_assert_str_eq(l.names, "");
        listen_fds_done(&l);
}
END_TEST

static int no_listen_fds(void) {
        return getenv("LISTEN_FDS") || getenv("LISTEN_FDNAMES") || getenv("LISTEN_PID") ||
                               sd_listen_fds(false) != 0
                       ? 1
                       : 0;
}

START_TEST(test_empty_store_unsets) {
        listen_fds l = {};

        /* A start with an empty store does not inherit stale LISTEN_* from the test. */
        setenv("LISTEN_FDS", "3", 1);
        setenv("LISTEN_FDNAMES", "x:y:z", 1);
        setenv("LISTEN_PID", "1", 1);
        ck_assert_int_eq(notify_receiver_listen_fds(r, &l), 0);
        ck_assert_int_eq(start_with_listen_fds(&l, no_listen_fds), 0);
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_FDNAMES");
        unsetenv("LISTEN_PID");
}
END_TEST

static int store_three(void) {
        int fds[3] = { memfd_with("1"), memfd_with("2"), memfd_with("3") };

        return sd_pid_notify_with_fds(0, false, "FDSTORE=1\nFDNAME=many", fds, 3) > 0 ? 0 : 1;
}

START_TEST(test_fdstore_max) {
        /* FileDescriptorStoreMax=2: the third is closed; 0 (systemd's default): none is kept. */
        notify_receiver_set_fdstore_max(r, 2);
        ck_assert_int_eq(run_child(store_three, NULL), 0);
        ck_assert_uint_eq(notify_receiver_fdstore_count(r), 2);
        notify_receiver_fdstore_clear(r);
        notify_receiver_set_fdstore_max(r, 0);
        ck_assert_int_eq(run_child(store_three, NULL), 0);
        ck_assert_uint_eq(notify_receiver_fdstore_count(r), 0);
        ck_assert_uint_eq(notify_receiver_count(r), 2);
}
END_TEST

START_TEST(test_refusals) {
        notify_receiver *other = NULL;
        char long_path[200];

        /* The path is taken; a path too long for a socket address. */
        ck_assert_int_eq(notify_receiver_new(path, &other), -EADDRINUSE);
        memset(long_path, 'x', sizeof(long_path) - 1);
        long_path[0] = '/';
        long_path[sizeof(long_path) - 1] = '\0';
        ck_assert_int_eq(notify_receiver_new(long_path, &other), -ENAMETOOLONG);
        ck_assert_ptr_null(other);
        ck_assert_ptr_null(notify_receiver_free(NULL));
}
END_TEST

static Suite *notify_receiver_suite(void) {
        Suite *s = suite_create("notify-receiver");
        TCase *tc;

        tc = tcase_create("messages");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_messages);
        tcase_add_test(tc, test_main_pid_only);
        tcase_add_test(tc, test_refusals);
        suite_add_tcase(s, tc);

        tc = tcase_create("fd store");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_fd_store);
        tcase_add_test(tc, test_empty_store_unsets);
        tcase_add_test(tc, test_fdstore_max);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(notify_receiver_suite)
