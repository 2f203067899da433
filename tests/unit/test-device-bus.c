/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the D-Bus object paths of VFs (daemon/device-bus.c): every address maps to a
 * valid object path and back, and paths outside the device prefix or naming no valid address
 * are refused.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "device-bus.h"
#include "macro.h"
#include "test-main.h"
#include "hisi/pci-address.h"

START_TEST(test_known) {
        _cleanup_free_ char *p = NULL, *a = NULL;

        ck_assert_int_eq(device_bus_path("0000:75:00.1", &p), 0);
        ck_assert_str_eq(p, "/com/hisilicon/AccMig1/device/_30000_3a75_3a00_2e1");
        ck_assert_int_eq(device_bus_address_from_path(p, &a), 0);
        ck_assert_str_eq(a, "0000:75:00.1");
}
END_TEST

START_TEST(test_round_trip) {
        /* Every bus, device and function of domain 0 and a few domains. */
        static const unsigned domains[] = { 0, 1, 0xffff };
        for (size_t d = 0; d < ELEMENTSOF(domains); d++)
                for (unsigned bus = 0; bus <= 0xff; bus += 0x11)
                        for (unsigned dev = 0; dev < 0x20; dev++)
                                for (unsigned fn = 0; fn < 8; fn++) {
                                        _cleanup_free_ char *p = NULL, *a = NULL;
                                        char address[HISI_PCI_ADDRESS_MAX];

                                        snprintf(address, sizeof(address), "%04x:%02x:%02x.%x",
                                                 domains[d], bus, dev, fn);
                                        ck_assert_int_eq(device_bus_path(address, &p), 0);
                                        ck_assert(sd_bus_object_path_is_valid(p));
                                        ck_assert_int_eq(device_bus_address_from_path(p, &a), 0);
                                        ck_assert_str_eq(a, address);
                                }
}
END_TEST

START_TEST(test_refused) {
        static const char *const bad_paths[] = {
                "/com/hisilicon/AccMig1/device",
                "/com/hisilicon/AccMig1/device/",
                "/com/hisilicon/AccMig1",
                "/com/hisilicon/AccMig1/migration/_30000_3a75_3a00_2e1",
                "/com/hisilicon/AccMig1/device/foo",
                "/com/hisilicon/AccMig1/device/_30000_3a75_3a00_2e1/x",
                "/org/example/device/_30000_3a75_3a00_2e1",
        };
        char *r = NULL;

        for (size_t i = 0; i < ELEMENTSOF(bad_paths); i++)
                ck_assert_msg(device_bus_address_from_path(bad_paths[i], &r) < 0, "%s accepted",
                              bad_paths[i]);
        ck_assert_int_eq(device_bus_path("75:00.1", &r), -EINVAL);
        ck_assert_int_eq(device_bus_path("0000:75:00.8", &r), -EINVAL);
        ck_assert_int_eq(device_bus_path(NULL, &r), -EINVAL);
        ck_assert_int_eq(device_bus_path("0000:75:00.1", NULL), -EINVAL);
        ck_assert_int_eq(device_bus_address_from_path(NULL, &r), -EINVAL);
        ck_assert_ptr_null(r);
}
END_TEST

static Suite *device_bus_suite(void) {
        Suite *s = suite_create("device-bus");
        TCase *tc = tcase_create("paths");

        tcase_add_test(tc, test_known);
        tcase_add_test(tc, test_round_trip);
        tcase_add_test(tc, test_refused);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(device_bus_suite)
