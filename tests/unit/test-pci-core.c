/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the stores of the PCI core model (libhisi/sim/pci-core.c) that the simulated
 * host acts on through its ops: kstrtoul() as the stores parse, sriov_numvfs in the order of
 * sriov_numvfs_store() (drivers/pci/iov.c), remove and reset (drivers/pci/pci-sysfs.c), and
 * driver_override as it reads back. The tree is a fake one (tests/lib/fake-sysfs.c); the ops
 * record what the model asks of the host. Bind, unbind and drivers_probe are test-pci-bind's.
 */

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fake-sysfs.h"
#include "macro.h"
#include "pci-core.h"
#include "test-main.h"

#define PF  "0000:75:00.0"
#define VF0 "0000:75:00.1"
#define NIC "0000:7d:00.0"

static fake_sysfs *fake;
static hisi_sim_pci *pci;
static char log_buf[1024];
static int op_error;

static void logf_(const char *fmt, ...) _printf_(1, 2);
static void logf_(const char *fmt, ...) {
        size_t n = strlen(log_buf);
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(log_buf + n, sizeof(log_buf) - n, fmt, ap);
        va_end(ap);
}

/* As the simulated host does: the file then reads what the kernel would show. */
static int op_store_override(const char *root, const char *address, const char *value,
                             void *userdata) {
        _cleanup_free_ char *rel = NULL, *content = NULL;

        logf_("override %s %s\n", address, value ?: "(null)");
        if (op_error < 0)
                return op_error;
        ck_assert_int_ge(asprintf(&rel, "sys/bus/pci/devices/%s/driver_override", address), 0);
        ck_assert_int_ge(asprintf(&content, "%s\n", value ?: "(null)"), 0);
        return fake_sysfs_write_file(fake, rel, content);
}

static int op_set_num_vfs(const char *root, const char *pf, unsigned n, void *userdata) {
        logf_("numvfs %s %u\n", pf, n);
        return op_error;
}

static int op_remove(const char *root, const char *address, void *userdata) {
        logf_("remove %s\n", address);
        return op_error;
}

static int op_reset(const char *root, const char *address, void *userdata) {
        logf_("reset %s\n", address);
        return op_error;
}

static const hisi_sim_pci_ops ops = {
        .set_driver_link = hisi_sim_pci_tree_set_driver_link,
        .remove_driver_link = hisi_sim_pci_tree_remove_driver_link,
        .store_override = op_store_override,
        .set_num_vfs = op_set_num_vfs,
        .remove_device = op_remove,
        .reset_function = op_reset,
};

static void setup(void) {
        log_buf[0] = '\0';
        op_error = 0;
        ck_assert_int_eq(fake_sysfs_new(&fake), 0);
        ck_assert_int_eq(fake_sysfs_add_pf(fake, PF, HISI_KIND_ZIP, "hisi_zip", 8), 0);
        ck_assert_int_eq(fake_sysfs_add_vf(fake, PF, 0, VF0, "hisi_zip", 10), 0);
        ck_assert_int_eq(fake_sysfs_add_device(fake, NIC, 0x8086, 0x1572, NULL), 0);
        ck_assert_int_eq(hisi_sim_pci_new(fake_sysfs_root(fake), &ops, NULL, &pci), 0);
        for (size_t i = 0; i < hisi_sim_pci_n_host_drivers; i++) {
                ck_assert_int_eq(fake_sysfs_add_driver(fake, hisi_sim_pci_host_drivers[i].name), 0);
                ck_assert_int_eq(hisi_sim_pci_load_driver(pci, &hisi_sim_pci_host_drivers[i]), 0);
        }
}

static void teardown(void) {
        pci = hisi_sim_pci_free(pci);
        fake = fake_sysfs_free(fake);
}

static int store(hisi_sim_pci_attr attr, const char *name, const char *value) {
        return hisi_sim_pci_write(pci, attr, name, value, strlen(value));
}

static void assert_log(const char *want) {
        ck_assert_str_eq(log_buf, want);
        log_buf[0] = '\0';
}

START_TEST(test_parse_ulong) {
        static const struct {
                const char *s;
                uint64_t max;
                int ret;
                uint64_t v;
        } cases[] = {
                { "4", 10, 0, 4 },          { "4\n", 10, 0, 4 },
                { "+4", 10, 0, 4 },         { "0x1f", 100, 0, 31 },
                { "0X1F\n", 100, 0, 31 },   { "010", 100, 0, 8 },
                { "0", 0, 0, 0 },           { "0x", 10, -EINVAL, 0 },
                { "11", 10, -ERANGE, 0 },   { "", 10, -EINVAL, 0 },
                { "\n", 10, -EINVAL, 0 },   { " 4", 10, -EINVAL, 0 },
                { "4 ", 10, -EINVAL, 0 },   { "4\n\n", 10, -EINVAL, 0 },
                { "-1", 10, -EINVAL, 0 },   { "08", 10, -EINVAL, 0 },
                { "four", 10, -EINVAL, 0 }, { "99999999999999999999", UINT64_MAX, -ERANGE, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint64_t v = 12345;

                ck_assert_msg(hisi_sim_pci_parse_ulong(cases[i].s, strlen(cases[i].s), cases[i].max,
                                                       &v) == cases[i].ret,
                              "\"%s\"", cases[i].s);
                ck_assert_uint_eq(v, cases[i].ret < 0 ? 12345 : cases[i].v);
        }
        /* The store gets the bytes NUL-terminated: the number ends at the first NUL. */
        {
                uint64_t v = 0;
                ck_assert_int_eq(hisi_sim_pci_parse_ulong("3\0junk", 6, 10, &v), 0);
                ck_assert_uint_eq(v, 3);
        }
        ck_assert_int_eq(hisi_sim_pci_parse_ulong(NULL, 0, 10, &(uint64_t){ 0 }), -EINVAL);
        ck_assert_int_eq(hisi_sim_pci_parse_ulong("1", 1, 10, NULL), -EINVAL);
}
END_TEST

START_TEST(test_override_store) {
        char page[4096];

        ck_assert_int_eq(store(HISI_SIM_PCI_DRIVER_OVERRIDE, VF0, "hisi_acc_vfio_pci\n"), 0);
        ck_assert_int_eq(store(HISI_SIM_PCI_DRIVER_OVERRIDE, VF0, "\n"), 0);
        ck_assert_int_eq(store(HISI_SIM_PCI_DRIVER_OVERRIDE, VF0, "vfio-pci\nrest"), 0);
        assert_log("override " VF0 " hisi_acc_vfio_pci\noverride " VF0 " (null)\noverride " VF0
                   " vfio-pci\n");
        /* Refused before anything is stored. */
        memset(page, 'a', sizeof(page) - 1);
        page[sizeof(page) - 1] = '\0';
        ck_assert_int_eq(store(HISI_SIM_PCI_DRIVER_OVERRIDE, VF0, page), -EINVAL);
        ck_assert_int_eq(store(HISI_SIM_PCI_DRIVER_OVERRIDE, "0000:75:01.0", "x"), -ENODEV);
        assert_log("");
        /* The host's error is the write's. */
        op_error = -EIO;
        ck_assert_int_eq(store(HISI_SIM_PCI_DRIVER_OVERRIDE, VF0, "x"), -EIO);
}
END_TEST

START_TEST(test_numvfs) {
        /* The fake PF has sriov_totalvfs 8 and, with one VF added, sriov_numvfs 1. */
        ck_assert_int_eq(store(HISI_SIM_PCI_SRIOV_NUMVFS, PF, "1\n"), 0); /* the same: nothing */
        ck_assert_int_eq(store(HISI_SIM_PCI_SRIOV_NUMVFS, PF, "2"), -EBUSY);
        ck_assert_int_eq(store(HISI_SIM_PCI_SRIOV_NUMVFS, PF, "9"), -ERANGE);
        ck_assert_int_eq(store(HISI_SIM_PCI_SRIOV_NUMVFS, PF, "70000"), -EINVAL); /* not a u16 */
        ck_assert_int_eq(store(HISI_SIM_PCI_SRIOV_NUMVFS, PF, "two"), -EINVAL);
        assert_log("");
        ck_assert_int_eq(store(HISI_SIM_PCI_SRIOV_NUMVFS, PF, "0"), 0);
        assert_log("numvfs " PF " 0\n");
        /* Not a PF: no such attribute. */
        ck_assert_int_eq(store(HISI_SIM_PCI_SRIOV_NUMVFS, VF0, "1"), -ENOENT);
        ck_assert_int_eq(store(HISI_SIM_PCI_SRIOV_NUMVFS, "0000:75:01.0", "1"), -ENODEV);
        ck_assert_int_eq(store(HISI_SIM_PCI_SRIOV_NUMVFS, "x", "1"), -EINVAL);
        /* No PF driver, or one without sriov_configure: -ENOENT, after the range check. */
        ck_assert_int_eq(store(HISI_SIM_PCI_DRIVER_UNBIND, "hisi_zip", PF), 0);
        ck_assert_int_eq(store(HISI_SIM_PCI_SRIOV_NUMVFS, PF, "0"), -ENOENT);
        ck_assert_int_eq(store(HISI_SIM_PCI_SRIOV_NUMVFS, PF, "9"), -ERANGE);
        ck_assert_int_eq(store(HISI_SIM_PCI_DRIVER_OVERRIDE, PF, "hisi_acc_vfio_pci"), 0);
        ck_assert_int_eq(store(HISI_SIM_PCI_DRIVER_BIND, "hisi_acc_vfio_pci", PF), 0);
        ck_assert_int_eq(store(HISI_SIM_PCI_SRIOV_NUMVFS, PF, "0"), -ENOENT);
        assert_log("override " PF " hisi_acc_vfio_pci\n");
}
END_TEST

START_TEST(test_remove_reset) {
        ck_assert_int_eq(store(HISI_SIM_PCI_REMOVE, VF0, "0"), 0); /* 0: nothing */
        assert_log("");
        ck_assert_int_eq(store(HISI_SIM_PCI_REMOVE, VF0, "1\n"), 0);
        ck_assert_int_eq(store(HISI_SIM_PCI_REMOVE, PF, "7"), 0);
        assert_log("remove " VF0 "\nremove " PF "\n");
        ck_assert_int_eq(store(HISI_SIM_PCI_REMOVE, VF0, "yes"), -EINVAL);
        ck_assert_int_eq(store(HISI_SIM_PCI_REMOVE, "0000:75:01.0", "1"), -ENODEV);

        ck_assert_int_eq(store(HISI_SIM_PCI_RESET, VF0, "1"), 0);
        assert_log("reset " VF0 "\n");
        ck_assert_int_eq(store(HISI_SIM_PCI_RESET, VF0, "2"), -EINVAL);
        ck_assert_int_eq(store(HISI_SIM_PCI_RESET, VF0, "0"), -EINVAL);
        ck_assert_int_eq(store(HISI_SIM_PCI_RESET, VF0, ""), -EINVAL);
        assert_log("");
        op_error = -ENOTTY;
        ck_assert_int_eq(store(HISI_SIM_PCI_RESET, NIC, "1"), -ENOTTY);
}
END_TEST

START_TEST(test_no_ops) {
        static const hisi_sim_pci_ops plain = {
                .set_driver_link = hisi_sim_pci_tree_set_driver_link,
                .remove_driver_link = hisi_sim_pci_tree_remove_driver_link,
        };
        _cleanup_(hisi_sim_pci_freep) hisi_sim_pci *p = NULL;

        /* A tree without the ops does not model these writes. */
        ck_assert_int_eq(hisi_sim_pci_new(fake_sysfs_root(fake), &plain, NULL, &p), 0);
        ck_assert_int_eq(hisi_sim_pci_write(p, HISI_SIM_PCI_SRIOV_NUMVFS, PF, "0", 1), -EOPNOTSUPP);
        ck_assert_int_eq(hisi_sim_pci_write(p, HISI_SIM_PCI_REMOVE, VF0, "1", 1), -EOPNOTSUPP);
        ck_assert_int_eq(hisi_sim_pci_write(p, HISI_SIM_PCI_RESET, VF0, "1", 1), -EOPNOTSUPP);
        /* driver_override is still checked; the file keeps what was written. */
        ck_assert_int_eq(hisi_sim_pci_write(p, HISI_SIM_PCI_DRIVER_OVERRIDE, VF0, "x", 1), 0);
}
END_TEST

START_TEST(test_attr_paths) {
        hisi_sim_pci_attr attr;
        char *name = NULL;

        ck_assert_int_eq(
                hisi_sim_pci_attr_from_path("/sys/bus/pci/devices/" VF0 "/remove", &attr, &name),
                0);
        ck_assert_int_eq(attr, HISI_SIM_PCI_REMOVE);
        ck_assert_str_eq(name, VF0);
        name = mfree(name);
        ck_assert_int_eq(hisi_sim_pci_attr_from_path("/sys/devices/0000:74:00.0/" VF0 "/reset",
                                                     &attr, &name),
                         0);
        ck_assert_int_eq(attr, HISI_SIM_PCI_RESET);
        ck_assert_str_eq(name, VF0);
        name = mfree(name);
        ck_assert_int_eq(hisi_sim_pci_attr_from_path("/sys/module/hisi_zip/remove", &attr, &name),
                         -EOPNOTSUPP);
        ck_assert_str_eq(hisi_sim_pci_attr_to_string(HISI_SIM_PCI_REMOVE), "remove");
        ck_assert_str_eq(hisi_sim_pci_attr_to_string(HISI_SIM_PCI_RESET), "reset");
}
END_TEST

static Suite *pci_core_suite(void) {
        Suite *s = suite_create("pci-core");
        TCase *tc = tcase_create("stores");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_parse_ulong);
        tcase_add_test(tc, test_override_store);
        tcase_add_test(tc, test_numvfs);
        tcase_add_test(tc, test_remove_reset);
        tcase_add_test(tc, test_no_ops);
        tcase_add_test(tc, test_attr_paths);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(pci_core_suite)
