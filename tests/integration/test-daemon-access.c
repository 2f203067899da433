/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who may do what with hisi-accmigd: on a private system bus whose policy is the project's
 * units/com.hisilicon.AccMig1.conf, a local user who is not root (nobody, through setpriv) reads
 * everything (hisi-accmigctl status, list, show, busctl) and is refused every change (bind,
 * unbind, reload) with exit code 4; and when the bus policy lets the call through anyway, the
 * daemon refuses it itself.
 */

#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-harness.h"
#include "macro.h"
#include "test-main.h"

#define VF "0000:75:00.1"

static void assert_vf_untouched(daemon_harness *h) {
        _cleanup_free_ char *driver = NULL;

        ck_assert_int_eq(dh_sim_field(h, VF, "driver", &driver), 0);
        ck_assert_str_eq(driver, "hisi_zip");
}

START_TEST(test_nobody_reads) {
        _cleanup_free_ char *out = NULL, *path = dh_device_path(VF);
        daemon_harness *h = NULL;
        json_object *j;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        ck_assert_int_eq(dh_ctl(h, DH_NOBODY, &out, NULL, "status", NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, ": running, backend sim"));
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, DH_NOBODY, &out, NULL, "list", NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, VF "  zip"));
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, DH_NOBODY, &out, NULL, "--json", "show", VF, NULL), 0);
        j = json_tokener_parse(out);
        ck_assert_ptr_nonnull(j);
        json_object_put(j);
        out = mfree(out);
        ck_assert_int_eq(dh_busctl(h, DH_NOBODY, &out, NULL, "get-property", ACCMIG_BUS_NAME, path,
                                   ACCMIG_DEVICE_INTERFACE, "Driver", NULL),
                         0);
        ck_assert_str_eq(out, "s \"hisi_zip\"\n");
        out = mfree(out);
        ck_assert_int_eq(dh_busctl(h, DH_NOBODY, &out, NULL, "introspect", ACCMIG_BUS_NAME,
                                   ACCMIG_BUS_PATH, NULL),
                         0);
        ck_assert_ptr_nonnull(strstr(out, ".BindDevice"));
        out = mfree(out);
        ck_assert_int_eq(dh_busctl(h, DH_NOBODY, &out, NULL, "call", ACCMIG_BUS_NAME,
                                   ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "ListDevices", NULL),
                         0);
        ck_assert_ptr_nonnull(strstr(out, "a(sssso) 12 "));
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

START_TEST(test_nobody_refused) {
        _cleanup_free_ char *err = NULL, *path = dh_device_path(VF);
        daemon_harness *h = NULL;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        ck_assert_int_eq(dh_ctl(h, DH_NOBODY, NULL, &err, "bind", VF, NULL), 4);
        /* The bus lets the call through to the daemon's check (root, or polkit where it runs:
         * not on this bus), which says who may in words (issue 15), not the bus's "Rejected
         * send message". */
        ck_assert_ptr_nonnull(strstr(err, VF ": Only root may change the binding of a VF"));
        ck_assert_ptr_null(strstr(err, "Rejected send message"));
        err = mfree(err);
        ck_assert_int_eq(dh_ctl(h, DH_NOBODY, NULL, NULL, "unbind", VF, NULL), 4);
        ck_assert_int_eq(dh_ctl(h, DH_NOBODY, NULL, &err, "reload", NULL), 4);
        ck_assert_ptr_nonnull(strstr(err, "Only root may reload the configuration"));
        err = mfree(err);
        ck_assert_int_ne(dh_busctl(h, DH_NOBODY, NULL, &err, "call", ACCMIG_BUS_NAME, path,
                                   ACCMIG_DEVICE_INTERFACE, "Bind", "t", "0", NULL),
                         0);
        ck_assert_ptr_nonnull(strstr(err, "Access denied"));
        assert_vf_untouched(h);
        /* Root may. */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "bind", VF, NULL), 0);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

START_TEST(test_daemon_checks_too) {
        _cleanup_free_ char *err = NULL;
        daemon_harness *h = NULL;

        /* A bus policy that lets anyone call: the daemon still says no. */
        ck_assert_int_eq(dh_new_full(NULL, true, &h), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        ck_assert_int_eq(dh_ctl(h, DH_NOBODY, NULL, &err, "bind", VF, NULL), 4);
        ck_assert_ptr_nonnull(strstr(err, "Only root may change the binding of a VF"));
        err = mfree(err);
        ck_assert_int_eq(dh_ctl(h, DH_NOBODY, NULL, &err, "reload", NULL), 4);
        ck_assert_ptr_nonnull(strstr(err, "Only root may reload"));
        assert_vf_untouched(h);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

static Suite *daemon_access_suite(void) {
        Suite *s = suite_create("daemon-access");
        TCase *tc;

        tc = tcase_create("access");
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_nobody_reads);
        tcase_add_test(tc, test_nobody_refused);
        tcase_add_test(tc, test_daemon_checks_too);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, daemon_access_suite)
