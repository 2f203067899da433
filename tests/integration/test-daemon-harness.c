/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the migration tests will ask of the daemon harness, checked on the daemon as it is: two
 * daemons on two simulated hosts, each with its own bus, notify socket and host, side by side in
 * one test without seeing each other; and the fd store played as systemd plays it: an fd kept
 * in the harness's store reaches the next start of the daemon at fd 3 with LISTEN_FDS,
 * LISTEN_FDNAMES and LISTEN_PID naming it (through `hisi-accsim exec`), and the store keeps it
 * across the daemon's exit.
 */

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "macro.h"
#include "test-main.h"

static const char host_a[] = "{\"pfs\": [{\"address\": \"0000:75:00.0\", \"kind\": \"zip\", "
                             "\"vfs\": 2}]}";
static const char host_b[] = "{\"pfs\": [{\"address\": \"0000:76:00.0\", \"kind\": \"sec\", "
                             "\"vfs\": 3}]}";

static void assert_count(daemon_harness *h, const char *want) {
        _cleanup_free_ char *count = NULL;

        ck_assert_int_eq(dh_get_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                                         "DeviceCount", &count),
                         0);
        ck_assert_str_eq(count, want);
}

START_TEST(test_two_daemons) {
        _cleanup_free_ char *out_a = NULL, *out_b = NULL, *err = NULL;
        daemon_harness *a = NULL, *b = NULL;

        ck_assert_int_eq(dh_new(host_a, &a), 0);
        ck_assert_int_eq(dh_new(host_b, &b), 0);
        ck_assert_str_ne(a->bus_address, b->bus_address);
        ck_assert_int_eq(dh_start_daemon(a), 0);
        ck_assert_int_eq(dh_start_daemon(b), 0);

        /* Each on its own bus sees its own host. */
        assert_count(a, "2");
        assert_count(b, "3");
        ck_assert_int_eq(dh_ctl(a, 0, &out_a, NULL, "list", NULL), 0);
        ck_assert_int_eq(dh_ctl(b, 0, &out_b, NULL, "list", NULL), 0);
        ck_assert_ptr_nonnull(strstr(out_a, "0000:75:00.2  zip"));
        ck_assert_ptr_null(strstr(out_a, "0000:76:00.1"));
        ck_assert_ptr_nonnull(strstr(out_b, "0000:76:00.3  sec"));
        ck_assert_ptr_null(strstr(out_b, "0000:75:00.1"));
        ck_assert_int_eq(dh_ctl(a, 0, NULL, &err, "show", "0000:76:00.1", NULL), 3);

        /* A change on one shows on its bus only. */
        ck_assert_int_eq(dh_ctl(b, 0, NULL, NULL, "bind", "0000:76:00.1", NULL), 0);
        ck_assert_int_eq(
                dh_wait_property(b, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "BoundCount", "1"),
                0);
        ck_assert_int_eq(
                dh_wait_property(a, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "BoundCount", "0"),
                0);

        /* One stops, the other runs on. */
        ck_assert_int_eq(dh_stop_daemon(a), 0);
        assert_count(b, "3");
        ck_assert_int_eq(dh_stop_daemon(b), 0);
        dh_free(a);
        dh_free(b);
}
END_TEST

/* What the daemon's process has: the value of an environment variable. */
static char *environ_of(pid_t pid, const char *key) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        size_t n = 0, k = strlen(key);
        FILE *f;

        ck_assert_int_ge(asprintf_safe(&path, "/proc/%d/environ", (int)pid), 0);
        f = fopen(path, "re");
        ck_assert_ptr_nonnull(f);
        while (getdelim(&buf, &n, '\0', f) > 0)
                if (strncmp(buf, key, k) == 0 && buf[k] == '=') {
                        fclose(f);
                        return strdup(buf + k + 1);
                }
        fclose(f);
        return NULL;
}

START_TEST(test_fd_store_handed_back) {
        _cleanup_free_ char *fds = NULL, *names = NULL, *listen_pid = NULL, *pid = NULL,
                            *fd3 = NULL;
        _cleanup_close_ int kept = memfd_create("kept", MFD_CLOEXEC), back = -EBADF;
        daemon_harness *h = NULL;
        char buf[32] = {};

        ck_assert_int_ge(kept, 0);
        ck_assert_int_eq(write(kept, "kept by the store", 17), 17);
        ck_assert_int_eq(dh_new(NULL, &h), 0);

        /* Stored as a daemon stores it, before any daemon ran. */
        ck_assert_int_eq(setenv("NOTIFY_SOCKET", notify_receiver_path(h->notify), 1), 0);
        ck_assert_int_gt(sd_pid_notify_with_fds(0, false, "FDSTORE=1\nFDNAME=probe", &kept, 1), 0);
        ck_assert_int_eq(unsetenv("NOTIFY_SOCKET"), 0);
        notify_receiver_sync(h->notify);
        ck_assert_uint_eq(notify_receiver_fdstore_count(h->notify), 1);

        /* The daemon starts with it, under the simulated host, at fd 3. */
        ck_assert_int_eq(dh_start_daemon(h), 0);
        fds = environ_of(h->daemon_pid, "LISTEN_FDS");
        names = environ_of(h->daemon_pid, "LISTEN_FDNAMES");
        listen_pid = environ_of(h->daemon_pid, "LISTEN_PID");
        ck_assert_int_ge(asprintf_safe(&pid, "%d", (int)h->daemon_pid), 0);
        ck_assert_str_eq(fds, "1");
        ck_assert_str_eq(names, "probe");
        ck_assert_str_eq(listen_pid, pid);
        ck_assert_int_ge(asprintf_safe(&fd3, "/proc/%d/fd/3", (int)h->daemon_pid), 0);
        back = open(fd3, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(back, 0);
        ck_assert_int_eq(pread(back, buf, sizeof(buf) - 1, 0), 17);
        ck_assert_str_eq(buf, "kept by the store");

        /* The store keeps it when the daemon is gone. */
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        ck_assert_uint_eq(notify_receiver_fdstore_count(h->notify), 1);
        dh_free(h);
}
END_TEST

static Suite *daemon_harness_suite(void) {
        Suite *s = suite_create("daemon-harness");
        TCase *tc;

        tc = tcase_create("harness");
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_two_daemons);
        tcase_add_test(tc, test_fd_store_handed_back);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, daemon_harness_suite)
