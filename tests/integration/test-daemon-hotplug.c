/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigd follows VFs that come and go while it runs: a hot-added VF appears on the bus
 * (InterfacesAdded, the Manager's DeviceCount in PropertiesChanged) and the binding policy binds
 * it when it names it; one it does not name stays as it came. The VFs are added by the
 * simulated host (`hisi-accsim ctl plug`: an unplugged VF comes back with its add uevent, and
 * its host driver binds it, as after a hot-plug).
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-harness.h"
#include "macro.h"
#include "test-main.h"

#define LISTED   "0000:75:00.2"
#define UNLISTED "0000:75:00.3"

START_TEST(test_hot_add) {
        _cleanup_free_ char *listed = dh_device_path(LISTED), *unlisted = dh_device_path(UNLISTED);
        _cleanup_free_ char *driver = NULL;
        daemon_harness *h = NULL;
        size_t log = 0;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_write_config(h, "\"binding\": {\"policy\": \"devices\", "
                                            "\"devices\": [\"" LISTED "\"]}"),
                         0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        ck_assert_int_eq(dh_wait_property(h, listed, ACCMIG_DEVICE_INTERFACE, "Bound", "true"), 0);

        /* Both go away… */
        ck_assert_int_eq(dh_sim_ctl(h, "unplug", LISTED, NULL), 0);
        ck_assert_int_eq(dh_sim_ctl(h, "unplug", UNLISTED, NULL), 0);
        ck_assert_int_eq(dh_wait_signal(h, "InterfacesRemoved", listed, NULL), 0);
        ck_assert_int_eq(dh_wait_signal(h, "InterfacesRemoved", unlisted, NULL), 0);
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "DeviceCount", "10"),
                0);

        /* … and come back. */
        ck_assert_int_eq(dh_sim_ctl(h, "plug", LISTED, NULL), 0);
        ck_assert_int_eq(dh_sim_ctl(h, "plug", UNLISTED, NULL), 0);
        ck_assert_int_eq(dh_wait_signal(h, "InterfacesAdded", listed, NULL), 0);
        ck_assert_int_eq(dh_wait_signal(h, "InterfacesAdded", unlisted, NULL), 0);
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "DeviceCount", "12"),
                0);
        ck_assert_int_eq(dh_wait_log(h, "VF " LISTED " (zip) appeared", &log), 0);

        /* The policy binds the one it names, on hot-add, and leaves the other. */
        ck_assert_int_eq(dh_wait_property(h, listed, ACCMIG_DEVICE_INTERFACE, "Bound", "true"), 0);
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "PendingJobs", "0"),
                0);
        ck_assert_int_eq(dh_sim_field(h, LISTED, "driver", &driver), 0);
        ck_assert_str_eq(driver, "hisi_acc_vfio_pci");
        driver = mfree(driver);
        ck_assert_int_eq(dh_sim_field(h, UNLISTED, "driver", &driver), 0);
        ck_assert_str_ne(driver, "hisi_acc_vfio_pci");
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

static Suite *daemon_hotplug_suite(void) {
        Suite *s = suite_create("daemon-hotplug");
        TCase *tc;

        tc = tcase_create("hotplug");
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_hot_add);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, daemon_hotplug_suite)
