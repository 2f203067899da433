/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the accelerator kind table (libhisi/kind.c). */

#include <check.h>
#include <stdlib.h>

#include "hisi/kind.h"
#include "test-main.h"

START_TEST(test_ids) {
        bool vf = true;

        ck_assert_int_eq(hisi_kind_from_device_id(0xa250, &vf), HISI_KIND_ZIP);
        ck_assert(!vf);
        ck_assert_int_eq(hisi_kind_from_device_id(0xa251, &vf), HISI_KIND_ZIP);
        ck_assert(vf);
        ck_assert_int_eq(hisi_kind_from_device_id(0xa255, &vf), HISI_KIND_SEC);
        ck_assert(!vf);
        ck_assert_int_eq(hisi_kind_from_device_id(0xa256, &vf), HISI_KIND_SEC);
        ck_assert(vf);
        ck_assert_int_eq(hisi_kind_from_device_id(0xa258, &vf), HISI_KIND_HPRE);
        ck_assert(!vf);
        ck_assert_int_eq(hisi_kind_from_device_id(0xa259, NULL), HISI_KIND_HPRE);
        ck_assert_int_eq(hisi_kind_from_device_id(0xa252, NULL), -EINVAL);
        ck_assert_int_eq(hisi_kind_from_device_id(0x0000, NULL), -EINVAL);

        ck_assert_uint_eq(hisi_kind_pf_device_id(HISI_KIND_SEC), 0xa255);
        ck_assert_uint_eq(hisi_kind_vf_device_id(HISI_KIND_HPRE), 0xa259);
}
END_TEST

START_TEST(test_names) {
        ck_assert_str_eq(hisi_kind_to_string(HISI_KIND_ZIP), "zip");
        ck_assert_str_eq(hisi_kind_to_string(HISI_KIND_HPRE), "hpre");
        ck_assert_ptr_null(hisi_kind_to_string(_HISI_KIND_MAX));
        ck_assert_ptr_null(hisi_kind_to_string(_HISI_KIND_INVALID));
        ck_assert_int_eq(hisi_kind_from_string("SEC"), HISI_KIND_SEC);
        ck_assert_int_eq(hisi_kind_from_string("zip"), HISI_KIND_ZIP);
        ck_assert_int_eq(hisi_kind_from_string("zipp"), -EINVAL);
        ck_assert_int_eq(hisi_kind_from_string(""), -EINVAL);
        ck_assert_int_eq(hisi_kind_from_string(NULL), -EINVAL);
}
END_TEST

START_TEST(test_drivers) {
        ck_assert_str_eq(hisi_kind_host_driver(HISI_KIND_ZIP), "hisi_zip");
        ck_assert_str_eq(hisi_kind_host_driver(HISI_KIND_SEC), "hisi_sec2");
        ck_assert_str_eq(hisi_kind_host_driver(HISI_KIND_HPRE), "hisi_hpre");
        ck_assert_ptr_null(hisi_kind_host_driver(_HISI_KIND_INVALID));
        ck_assert_str_eq(HISI_VFIO_DRIVER, "hisi_acc_vfio_pci");
        ck_assert_uint_eq(HISI_PCI_VENDOR_ID, 0x19e5);
}
END_TEST

static Suite *kind_suite(void) {
        Suite *s = suite_create("kind");
        TCase *tc;

        tc = tcase_create("ids");
        tcase_add_test(tc, test_ids);
        suite_add_tcase(s, tc);
        tc = tcase_create("names");
        tcase_add_test(tc, test_names);
        suite_add_tcase(s, tc);
        tc = tcase_create("drivers");
        tcase_add_test(tc, test_drivers);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(kind_suite)
