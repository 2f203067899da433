/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for discovery (libhisi/pci-device.c) on a fake host tree (tests/lib/fake-sysfs.c):
 * enumeration, one device's load with its names from pci.ids, and the daemon's cheap read
 * (no names, no VF index).
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake-sysfs.h"
#include "hisi/ctx.h"
#include "hisi/pci-device.h"
#include "macro.h"
#include "test-main.h"

#define ZIP_PF  "0000:75:00.0"
#define ZIP_VF0 "0000:75:00.1"
#define ZIP_VF1 "0000:75:00.2"
#define SEC_PF  "0000:76:00.0"
#define SEC_VF  "0000:76:00.1"
#define HPRE_PF "0000:79:00.0"
#define NIC     "0000:7d:00.0"

static fake_sysfs *fake;
static hisi_ctx *ctx;

/* A host with one PF of each kind, three VFs (one on vfio, one unbound) and an Intel NIC. Added
 * out of order, so that the sort shows. */
static void setup(void) {
        ck_assert_int_eq(fake_sysfs_new(&fake), 0);
        ck_assert_int_eq(hisi_ctx_new(fake_sysfs_root(fake), &ctx), 0);

        ck_assert_int_eq(fake_sysfs_add_pf(fake, HPRE_PF, HISI_KIND_HPRE, "hisi_hpre", 63), 0);
        ck_assert_int_eq(fake_sysfs_add_pf(fake, ZIP_PF, HISI_KIND_ZIP, "hisi_zip", 63), 0);
        ck_assert_int_eq(fake_sysfs_add_vf(fake, ZIP_PF, 1, ZIP_VF1, NULL, 31), 0);
        ck_assert_int_eq(fake_sysfs_add_vf(fake, ZIP_PF, 0, ZIP_VF0, "hisi_zip", 30), 0);
        ck_assert_int_eq(fake_sysfs_add_device(fake, NIC, 0x8086, 0x1572, "i40e"), 0);
        ck_assert_int_eq(fake_sysfs_add_pf(fake, SEC_PF, HISI_KIND_SEC, "hisi_sec2", 63), 0);
        ck_assert_int_eq(fake_sysfs_add_vf(fake, SEC_PF, 0, SEC_VF, "hisi_acc_vfio_pci", 40), 0);
        ck_assert_int_eq(fake_sysfs_add_vfio_dev(fake, SEC_VF, "vfio3"), 0);
        ck_assert_int_eq(fake_sysfs_write_file(fake,
                                               "sys/devices/pci0000:7c/" SEC_VF "/driver_override",
                                               "hisi_acc_vfio_pci\n"),
                         0);
}

static void teardown(void) {
        ctx = hisi_ctx_free(ctx);
        fake = fake_sysfs_free(fake);
}

START_TEST(test_enumerate) {
        hisi_pci_dev *devs = NULL;
        size_t n = 0;
        const char *order[] = { ZIP_PF, ZIP_VF0, ZIP_VF1, SEC_PF, SEC_VF, HPRE_PF };

        ck_assert_int_eq(hisi_pci_enumerate(ctx, &devs, &n), 0);
        /* The NIC is not listed. */
        ck_assert_uint_eq(n, ELEMENTSOF(order));
        for (size_t i = 0; i < n; i++)
                ck_assert_str_eq(devs[i].address, order[i]);

        ck_assert_int_eq(devs[0].kind, HISI_KIND_ZIP);
        ck_assert(!devs[0].is_vf);
        ck_assert_uint_eq(devs[0].vendor_id, 0x19e5);
        ck_assert_uint_eq(devs[0].device_id, 0xa250);
        ck_assert_str_eq(devs[0].pf_address, "");
        ck_assert_int_eq(devs[0].vf_index, -1);
        ck_assert_str_eq(devs[0].driver, "hisi_zip");
        ck_assert_uint_eq(devs[0].sriov_totalvfs, 63);
        ck_assert_uint_eq(devs[0].sriov_numvfs, 2);
        ck_assert_int_eq(devs[0].iommu_group, -1);

        ck_assert_int_eq(devs[3].kind, HISI_KIND_SEC);
        ck_assert_int_eq(devs[5].kind, HISI_KIND_HPRE);
        ck_assert_uint_eq(devs[5].sriov_numvfs, 0);

        /* The unbound VF, number 1 of the ZIP PF. */
        ck_assert(devs[2].is_vf);
        ck_assert_uint_eq(devs[2].device_id, 0xa251);
        ck_assert_str_eq(devs[2].pf_address, ZIP_PF);
        ck_assert_int_eq(devs[2].vf_index, 1);
        ck_assert_ptr_null(devs[2].driver);
        ck_assert_ptr_null(devs[2].driver_override);
        ck_assert_int_eq(devs[2].iommu_group, 31);
        ck_assert_ptr_null(devs[2].vfio_dev);
        ck_assert_uint_eq(devs[2].sriov_totalvfs, 0);

        /* The VF on vfio. */
        ck_assert(devs[4].is_vf);
        ck_assert_int_eq(devs[4].kind, HISI_KIND_SEC);
        ck_assert_str_eq(devs[4].pf_address, SEC_PF);
        ck_assert_int_eq(devs[4].vf_index, 0);
        ck_assert_str_eq(devs[4].driver, "hisi_acc_vfio_pci");
        ck_assert_str_eq(devs[4].driver_override, "hisi_acc_vfio_pci");
        ck_assert_str_eq(devs[4].vfio_dev, "vfio3");
        ck_assert_int_eq(devs[4].iommu_group, 40);

        hisi_pci_devs_free(devs, n);
}
END_TEST

START_TEST(test_enumerate_empty) {
        _cleanup_(fake_sysfs_freep) fake_sysfs *empty = NULL;
        _cleanup_(hisi_ctx_freep) hisi_ctx *c = NULL;
        hisi_pci_dev *devs = (hisi_pci_dev *)1;
        size_t n = 99;

        ck_assert_int_eq(fake_sysfs_new(&empty), 0);
        ck_assert_int_eq(hisi_ctx_new(fake_sysfs_root(empty), &c), 0);
        ck_assert_int_eq(fake_sysfs_add_device(empty, NIC, 0x8086, 0x1572, NULL), 0);
        ck_assert_int_eq(hisi_pci_enumerate(c, &devs, &n), 0);
        ck_assert_uint_eq(n, 0);
        hisi_pci_devs_free(devs, n);
}
END_TEST

START_TEST(test_enumerate_errors) {
        _cleanup_(hisi_ctx_freep) hisi_ctx *c = NULL;
        _cleanup_free_ char *nowhere = NULL;
        hisi_pci_dev *devs = NULL;
        size_t n = 7;

        ck_assert_int_eq(hisi_pci_enumerate(NULL, &devs, &n), -EINVAL);
        ck_assert_int_eq(hisi_pci_enumerate(ctx, NULL, &n), -EINVAL);
        ck_assert_int_eq(hisi_pci_enumerate(ctx, &devs, NULL), -EINVAL);

        /* A root without /sys/bus/pci: outputs untouched. */
        ck_assert_int_ge(asprintf(&nowhere, "%s/usr", fake_sysfs_root(fake)), 0);
        ck_assert_int_eq(hisi_ctx_new(nowhere, &c), 0);
        ck_assert_int_eq(hisi_pci_enumerate(c, &devs, &n), -ENOENT);
        ck_assert_ptr_null(devs);
        ck_assert_uint_eq(n, 7);
}
END_TEST

START_TEST(test_load_vf) {
        hisi_pci_dev d;

        /* The short spelling is accepted and normalised. */
        ck_assert_int_eq(hisi_pci_dev_load(ctx, "75:00.1", &d), 0);
        ck_assert_str_eq(d.address, ZIP_VF0);
        ck_assert_int_eq(d.kind, HISI_KIND_ZIP);
        ck_assert(d.is_vf);
        ck_assert_str_eq(d.pf_address, ZIP_PF);
        ck_assert_int_eq(d.vf_index, 0);
        ck_assert_str_eq(d.driver, "hisi_zip");
        ck_assert_ptr_null(d.driver_override);
        ck_assert_int_eq(d.iommu_group, 30);
        ck_assert_str_eq(d.name,
                         "Huawei Technologies Co., Ltd. HiSilicon ZIP Engine(Virtual Function)");
        hisi_pci_dev_done(&d);
        ck_assert_ptr_null(d.name);
        hisi_pci_dev_done(&d); /* twice is harmless */
}
END_TEST

START_TEST(test_load_pf) {
        hisi_pci_dev d;

        ck_assert_int_eq(hisi_pci_dev_load(ctx, HPRE_PF, &d), 0);
        ck_assert_int_eq(d.kind, HISI_KIND_HPRE);
        ck_assert(!d.is_vf);
        ck_assert_str_eq(d.name, "Huawei Technologies Co., Ltd. HiSilicon HPRE Engine");
        ck_assert_uint_eq(d.sriov_totalvfs, 63);
        hisi_pci_dev_done(&d);
}
END_TEST

START_TEST(test_load_errors) {
        hisi_pci_dev d = { .vf_index = 42 };

        ck_assert_int_eq(hisi_pci_dev_load(NULL, ZIP_VF0, &d), -EINVAL);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, NULL, &d), -EINVAL);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, ZIP_VF0, NULL), -EINVAL);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, "0000:75:00", &d), -EINVAL);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, "../75:00.1", &d), -EINVAL);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, "0000:75:20.0", &d), -EINVAL);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, "", &d), -EINVAL);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, "0000:75:00.7", &d), -ENODEV);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, NIC, &d), -ENOTSUP);
        /* A HiSilicon device that is no accelerator (a NIC of theirs). */
        ck_assert_int_eq(fake_sysfs_add_device(fake, "0000:7d:00.1", 0x19e5, 0x1822, NULL), 0);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, "0000:7d:00.1", &d), -ENOTSUP);
        /* A device whose IDs cannot be read. */
        ck_assert_int_eq(fake_sysfs_remove_attr(fake, ZIP_VF1, "vendor"), 0);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, ZIP_VF1, &d), -ENODEV);
        ck_assert_int_eq(
                fake_sysfs_write_file(fake, "sys/devices/pci0000:7c/" ZIP_VF0 "/device", "zip\n"),
                0);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, ZIP_VF0, &d), -EINVAL);
        /* Untouched on failure. */
        ck_assert_int_eq(d.vf_index, 42);
}
END_TEST

START_TEST(test_load_odd_vf) {
        hisi_pci_dev d;

        /* No physfn, no iommu group, no driver_override attribute: still a VF. */
        ck_assert_int_eq(fake_sysfs_remove_attr(fake, ZIP_VF1, "physfn"), 0);
        ck_assert_int_eq(fake_sysfs_remove_attr(fake, ZIP_VF1, "iommu_group"), 0);
        ck_assert_int_eq(fake_sysfs_remove_attr(fake, ZIP_VF1, "driver_override"), 0);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, ZIP_VF1, &d), 0);
        ck_assert(d.is_vf);
        ck_assert_str_eq(d.pf_address, "");
        ck_assert_int_eq(d.vf_index, -1);
        ck_assert_int_eq(d.iommu_group, -1);
        ck_assert_ptr_null(d.driver_override);
        hisi_pci_dev_done(&d);

        /* A cleared override as a fake tree holds it. */
        ck_assert_int_eq(fake_sysfs_write_file(
                                 fake, "sys/devices/pci0000:7c/" ZIP_VF0 "/driver_override", "\n"),
                         0);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, ZIP_VF0, &d), 0);
        ck_assert_ptr_null(d.driver_override);
        hisi_pci_dev_done(&d);
}
END_TEST

START_TEST(test_names_without_pci_ids) {
        _cleanup_free_ char *ids = NULL;
        hisi_pci_dev d;

        /* No pci.ids under the root: libpci's numeric form, never NULL. */
        ck_assert_int_ge(asprintf(&ids, "%s/usr/share/misc/pci.ids", fake_sysfs_root(fake)), 0);
        ck_assert_int_eq(unlink(ids), 0);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, SEC_VF, &d), 0);
        ck_assert_str_eq(d.name, "Device 19e5:a256");
        hisi_pci_dev_done(&d);
}
END_TEST

START_TEST(test_names_malformed_pci_ids) {
        hisi_pci_dev *devs = NULL;
        size_t n = 0;

        /* A parse error makes libpci call its (noreturn) error callback: the guard catches it,
         * the process goes on, and every device gets the numeric name. */
        ck_assert_int_eq(fake_sysfs_write_file(fake, "usr/share/misc/pci.ids",
                                               "19e5  Huawei Technologies Co., Ltd.\n"
                                               "\ta251  HiSilicon ZIP Engine(Virtual Function)\n"
                                               "zzzz  this is not an ID\n"),
                         0);
        ck_assert_int_eq(hisi_pci_enumerate(ctx, &devs, &n), 0);
        ck_assert_uint_eq(n, 6);
        ck_assert_str_eq(devs[0].name, "Device 19e5:a250");
        ck_assert_str_eq(devs[1].name, "Device 19e5:a251");
        ck_assert_str_eq(devs[5].name, "Device 19e5:a258");
        hisi_pci_devs_free(devs, n);
}
END_TEST

START_TEST(test_names_partly_known) {
        hisi_pci_dev d;

        ck_assert_int_eq(fake_sysfs_write_file(fake, "usr/share/misc/pci.ids",
                                               "19e5  Huawei Technologies Co., Ltd.\n"),
                         0);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, HPRE_PF, &d), 0);
        ck_assert_str_eq(d.name, "Huawei Technologies Co., Ltd. Device a258");
        hisi_pci_dev_done(&d);
}
END_TEST

START_TEST(test_read_no_names) {
        _cleanup_free_ char *ids = NULL;
        hisi_pci_dev d;

        /* pci.ids is not consulted: the name comes from the kind, even without the file. */
        ck_assert_int_ge(asprintf(&ids, "%s/usr/share/misc/pci.ids", fake_sysfs_root(fake)), 0);
        ck_assert_int_eq(unlink(ids), 0);
        ck_assert_int_eq(hisi_pci_dev_read(ctx, ZIP_VF0, HISI_PCI_READ_NO_NAMES, &d), 0);
        ck_assert_str_eq(d.name, "HiSilicon ZIP Engine (Virtual Function)");
        /* Everything else as a full load reads it. */
        ck_assert_str_eq(d.address, ZIP_VF0);
        ck_assert_uint_eq(d.vendor_id, 0x19e5);
        ck_assert_uint_eq(d.device_id, 0xa251);
        ck_assert(d.is_vf);
        ck_assert_str_eq(d.pf_address, ZIP_PF);
        ck_assert_int_eq(d.vf_index, 0);
        ck_assert_str_eq(d.driver, "hisi_zip");
        ck_assert_int_eq(d.iommu_group, 30);
        hisi_pci_dev_done(&d);

        ck_assert_int_eq(hisi_pci_dev_read(ctx, HPRE_PF, HISI_PCI_READ_NO_NAMES, &d), 0);
        ck_assert_str_eq(d.name, "HiSilicon HPRE Engine");
        ck_assert_uint_eq(d.sriov_totalvfs, 63);
        hisi_pci_dev_done(&d);

        ck_assert_int_eq(hisi_pci_dev_read(ctx, SEC_VF, HISI_PCI_READ_NO_NAMES, &d), 0);
        ck_assert_str_eq(d.name, "HiSilicon SEC Engine (Virtual Function)");
        ck_assert_str_eq(d.driver_override, "hisi_acc_vfio_pci");
        ck_assert_str_eq(d.vfio_dev, "vfio3");
        hisi_pci_dev_done(&d);
}
END_TEST

START_TEST(test_read_no_vf_index) {
        hisi_pci_dev d;

        ck_assert_int_eq(hisi_pci_dev_read(ctx, ZIP_VF1,
                                           HISI_PCI_READ_NO_NAMES | HISI_PCI_READ_NO_VF_INDEX, &d),
                         0);
        ck_assert_str_eq(d.pf_address, ZIP_PF);
        ck_assert_int_eq(d.vf_index, -1);
        hisi_pci_dev_done(&d);
        /* With names, without the index. */
        ck_assert_int_eq(hisi_pci_dev_read(ctx, ZIP_VF1, HISI_PCI_READ_NO_VF_INDEX, &d), 0);
        ck_assert_int_eq(d.vf_index, -1);
        ck_assert_str_eq(d.name,
                         "Huawei Technologies Co., Ltd. HiSilicon ZIP Engine(Virtual Function)");
        hisi_pci_dev_done(&d);
}
END_TEST

START_TEST(test_read_errors) {
        hisi_pci_dev d = { .vf_index = 42 };

        ck_assert_int_eq(hisi_pci_dev_read(NULL, ZIP_VF0, 0, &d), -EINVAL);
        ck_assert_int_eq(hisi_pci_dev_read(ctx, NULL, HISI_PCI_READ_NO_NAMES, &d), -EINVAL);
        ck_assert_int_eq(hisi_pci_dev_read(ctx, ZIP_VF0, HISI_PCI_READ_NO_NAMES, NULL), -EINVAL);
        ck_assert_int_eq(hisi_pci_dev_read(ctx, ZIP_VF0, 1u << 7, &d), -EINVAL);
        ck_assert_int_eq(hisi_pci_dev_read(ctx, "0000:75:00.7", HISI_PCI_READ_NO_NAMES, &d),
                         -ENODEV);
        ck_assert_int_eq(hisi_pci_dev_read(ctx, NIC, HISI_PCI_READ_NO_NAMES, &d), -ENOTSUP);
        ck_assert_int_eq(fake_sysfs_remove_attr(fake, ZIP_VF1, "device"), 0);
        ck_assert_int_eq(hisi_pci_dev_read(ctx, ZIP_VF1, HISI_PCI_READ_NO_NAMES, &d), -ENODEV);
        ck_assert_int_eq(d.vf_index, 42);
}
END_TEST

static Suite *pci_device_suite(void) {
        Suite *s = suite_create("pci-device");
        TCase *tc;

        tc = tcase_create("enumerate");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_enumerate);
        tcase_add_test(tc, test_enumerate_empty);
        tcase_add_test(tc, test_enumerate_errors);
        suite_add_tcase(s, tc);

        tc = tcase_create("load");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_load_vf);
        tcase_add_test(tc, test_load_pf);
        tcase_add_test(tc, test_load_errors);
        tcase_add_test(tc, test_load_odd_vf);
        suite_add_tcase(s, tc);

        tc = tcase_create("names");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_names_without_pci_ids);
        tcase_add_test(tc, test_names_malformed_pci_ids);
        tcase_add_test(tc, test_names_partly_known);
        suite_add_tcase(s, tc);

        tc = tcase_create("read");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_read_no_names);
        tcase_add_test(tc, test_read_no_vf_index);
        tcase_add_test(tc, test_read_errors);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(pci_device_suite)
