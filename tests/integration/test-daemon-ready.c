/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigd and its service manager: the test plays systemd's part on a notify socket.
 * READY=1 comes only once the registry is complete (on a host with 189 VFs, the READY message
 * itself counts them all, and nothing before it says READY), the bus name is owned by then,
 * WATCHDOG=1 comes while WATCHDOG_USEC is set, and SIGTERM ends the daemon cleanly after
 * STOPPING=1. The time from start to READY=1 is printed, on the default host and the large one.
 */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon-harness.h"
#include "macro.h"
#include "test-main.h"

static const char large_host[] =
        "{\"pfs\": [{\"address\": \"0000:75:00.0\", \"kind\": \"zip\", \"vfs\": 63},"
        " {\"address\": \"0000:76:00.0\", \"kind\": \"sec\", \"vfs\": 63},"
        " {\"address\": \"0000:79:00.0\", \"kind\": \"hpre\", \"vfs\": 63}]}";

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check_ready(const char *host, unsigned vfs, const char *label) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *ready = NULL, *expect = NULL, *count = NULL, *status = NULL;
        char *env[] = { (char *)"WATCHDOG_USEC=2000000", NULL };
        daemon_harness *h = NULL;
        size_t cursor = 0, enumerating = 0;
        const char *owner = NULL;
        sd_bus_message *reply = NULL;
        double t0, t1;

        ck_assert_int_eq(dh_new(host, &h), 0);
        ck_assert_int_eq(dh_write_config(h, NULL), 0);
        t0 = now();
        ck_assert_int_eq(dh_spawn_daemon(h, env), 0);
        ck_assert_int_eq(dh_wait_notify(h, "READY=1", &cursor, &ready), 0);
        t1 = now();
        fprintf(stderr, "%s: READY=1 %.0f ms after the start (%u VFs)\n", label, (t1 - t0) * 1000,
                vfs);

        /* The READY message counts every VF: the registry was complete when it was sent. */
        ck_assert_int_ge(
                asprintf(&expect, "STATUS=Watching: 3 PFs, %u VFs (0 bound), policy none", vfs), 0);
        ck_assert_msg(strstr(ready, expect), "READY message \"%s\" lacks \"%s\"", ready, expect);
        /* Nothing before it said READY, and the enumeration was announced before it. */
        ck_assert_int_eq(dh_wait_notify(h, "STATUS=Enumerating", &enumerating, NULL), 0);
        ck_assert_uint_lt(enumerating, cursor);
        for (size_t i = 0; i + 1 < cursor; i++) {
                _cleanup_free_ char *m = NULL;

                ck_assert_int_eq(dh_notify_message(h, i, &m), 0);
                ck_assert_ptr_null(strstr(m, "READY=1"));
        }

        /* The name is owned by then. */
        ck_assert_int_eq(dh_connect(h), 0);
        ck_assert_int_ge(sd_bus_call_method(h->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                            "org.freedesktop.DBus", "GetNameOwner", &error, &reply,
                                            "s", ACCMIG_BUS_NAME),
                         0);
        ck_assert_int_ge(sd_bus_message_read(reply, "s", &owner), 0);
        ck_assert_ptr_nonnull(owner);
        sd_bus_message_unref(reply);
        ck_assert_int_eq(dh_get_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                                         "DeviceCount", &count),
                         0);
        ck_assert_uint_eq((unsigned)strtoul(count, NULL, 10), vfs);
        ck_assert_int_eq(
                dh_get_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "State", &status), 0);
        ck_assert_str_eq(status, "running");

        /* The watchdog, through sd-event. */
        ck_assert_int_eq(dh_wait_notify(h, "WATCHDOG=1", &cursor, NULL), 0);

        /* SIGTERM: STOPPING=1, then a clean exit. */
        ck_assert_int_eq(dh_signal_daemon(h, SIGTERM), 0);
        ck_assert_int_eq(dh_wait_notify(h, "STOPPING=1", &cursor, NULL), 0);
        ck_assert_int_eq(dh_wait_exit(h), 0);
        dh_free(h);
}

START_TEST(test_ready_default_host) {
        check_ready(NULL, 12, "default host");
}
END_TEST

START_TEST(test_ready_large_host) {
        check_ready(large_host, 189, "large host");
}
END_TEST

static Suite *daemon_ready_suite(void) {
        Suite *s = suite_create("daemon-ready");
        TCase *tc;

        tc = tcase_create("notify");
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_ready_default_host);
        tcase_add_test(tc, test_ready_large_host);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, daemon_ready_suite)
