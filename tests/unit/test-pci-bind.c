/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for binding (libhisi/pci-bind.c) on a fake host tree whose kernel thread reacts to
 * the writes a moment later (tests/lib/fake-sysfs.c), and for the PCI core model it runs
 * (libhisi/sim/pci-core.c), driven directly.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hisi/ctx.h"
#include "fake-sysfs.h"
#include "file-util.h"
#include "macro.h"
#include "hisi/pci-bind.h"
#include "pci-core.h"
#include "hisi/pci-device.h"
#include "test-main.h"

#define PF    "0000:75:00.0"
#define VF0   "0000:75:00.1" /* on hisi_zip */
#define VF1   "0000:75:00.2" /* unbound */
#define VF2   "0000:75:00.3" /* on vfio-pci, as a VMM would hold it */
#define NIC   "0000:7d:00.0"
#define VFIO  "hisi_acc_vfio_pci"
#define LONG  (10 * 1000000ULL) /* a bind that works takes milliseconds */
#define SHORT (200 * 1000ULL)

static fake_sysfs *fake;
static hisi_ctx *ctx;

static void setup(void) {
        ck_assert_int_eq(fake_sysfs_new(&fake), 0);
        ck_assert_int_eq(hisi_ctx_new(fake_sysfs_root(fake), &ctx), 0);
        ck_assert_int_eq(fake_sysfs_add_pf(fake, PF, HISI_KIND_ZIP, "hisi_zip", 8), 0);
        ck_assert_int_eq(fake_sysfs_add_vf(fake, PF, 0, VF0, "hisi_zip", 10), 0);
        ck_assert_int_eq(fake_sysfs_add_vf(fake, PF, 1, VF1, NULL, 11), 0);
        ck_assert_int_eq(fake_sysfs_add_vf(fake, PF, 2, VF2, "vfio-pci", 12), 0);
        ck_assert_int_eq(fake_sysfs_add_device(fake, NIC, 0x8086, 0x1572, NULL), 0);
}

static void teardown(void) {
        ctx = hisi_ctx_free(ctx);
        fake = fake_sysfs_free(fake);
}

/* The vfio variant driver loaded or not, and the kernel thread running. */
static void start(bool with_vfio, const char *refuse) {
        if (with_vfio)
                ck_assert_int_eq(fake_sysfs_add_driver(fake, VFIO), 0);
        ck_assert_int_eq(fake_sysfs_start_kernel(fake, refuse), 0);
}

static char *driver_of(const char *address) {
        char *d = (char *)"untouched";

        ck_assert_int_eq(hisi_pci_read_driver(ctx, address, &d), 0);
        return d;
}

static char *override_of(const char *address) {
        hisi_pci_dev d;
        char *o;

        ck_assert_int_eq(hisi_pci_dev_load(ctx, address, &d), 0);
        o = d.driver_override ? strdup(d.driver_override) : NULL;
        hisi_pci_dev_done(&d);
        return o;
}

static void assert_driver(const char *address, const char *want) {
        _cleanup_free_ char *d = driver_of(address);

        if (want)
                ck_assert_str_eq(d, want);
        else
                ck_assert_ptr_null(d);
}

static void assert_override(const char *address, const char *want) {
        _cleanup_free_ char *o = override_of(address);

        if (want)
                ck_assert_str_eq(o, want);
        else
                ck_assert_ptr_null(o);
}

static void assert_uevents(const char *want) {
        _cleanup_free_ char *u = NULL;

        ck_assert_int_eq(fake_sysfs_take_uevents(fake, &u), 0);
        ck_assert_str_eq(u, want);
}

/* ---- bind ---- */

START_TEST(test_bind_and_unbind) {
        _cleanup_free_ char *prev = NULL;

        start(true, NULL);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, VF0, 0, LONG, &prev), 0);
        ck_assert_str_eq(prev, "hisi_zip");
        assert_driver(VF0, VFIO);
        assert_override(VF0, VFIO);
        assert_uevents("unbind hisi_zip " VF0 "\nbind " VFIO " " VF0 "\n");

        /* Back to the host driver, which the probe finds once the override is gone. */
        ck_assert_int_eq(hisi_pci_unbind_vfio(ctx, VF0, NULL, LONG), 0);
        assert_driver(VF0, "hisi_zip");
        assert_override(VF0, NULL);
        assert_uevents("unbind " VFIO " " VF0 "\nbind hisi_zip " VF0 "\n");
}
END_TEST

START_TEST(test_bind_idempotent) {
        _cleanup_free_ char *prev = NULL;

        start(true, NULL);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, VF0, 0, LONG, NULL), 0);
        assert_uevents("unbind hisi_zip " VF0 "\nbind " VFIO " " VF0 "\n");
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, "75:00.1", 0, LONG, &prev), 0);
        ck_assert_str_eq(prev, VFIO);
        assert_driver(VF0, VFIO);
        assert_uevents("");
}
END_TEST

START_TEST(test_bind_busy) {
        _cleanup_free_ char *prev = NULL;

        start(true, NULL);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, VF2, 0, LONG, &prev), -EBUSY);
        ck_assert_ptr_null(prev);
        assert_driver(VF2, "vfio-pci");
        assert_override(VF2, NULL);
        assert_uevents("");

        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, VF2, HISI_BIND_FORCE, LONG, &prev), 0);
        ck_assert_str_eq(prev, "vfio-pci");
        assert_driver(VF2, VFIO);
        assert_uevents("unbind vfio-pci " VF2 "\nbind " VFIO " " VF2 "\n");
}
END_TEST

START_TEST(test_bind_unbound_vf) {
        char *prev = (char *)"untouched";

        start(true, NULL);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, VF1, 0, LONG, &prev), 0);
        ck_assert_ptr_null(prev);
        assert_driver(VF1, VFIO);
        assert_uevents("bind " VFIO " " VF1 "\n");

        /* Back with the host driver named explicitly. */
        ck_assert_int_eq(hisi_pci_unbind_vfio(ctx, VF1, "hisi_zip", LONG), 0);
        assert_driver(VF1, "hisi_zip");
        assert_override(VF1, NULL);
        assert_uevents("unbind " VFIO " " VF1 "\nbind hisi_zip " VF1 "\n");
}
END_TEST

START_TEST(test_bind_no_override_attr) {
        start(true, NULL);
        ck_assert_int_eq(fake_sysfs_remove_attr(fake, VF0, "driver_override"), 0);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, VF0, 0, LONG, NULL), -EOPNOTSUPP);
        assert_driver(VF0, "hisi_zip");
        assert_uevents("");
}
END_TEST

START_TEST(test_bind_pf) {
        start(true, NULL);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, PF, HISI_BIND_FORCE, LONG, NULL), -EPERM);
        assert_driver(PF, "hisi_zip");
        assert_override(PF, NULL);
        assert_uevents("");
}
END_TEST

START_TEST(test_bind_vfio_not_loaded) {
        start(false, NULL);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, VF0, 0, LONG, NULL), -ENOENT);
        assert_driver(VF0, "hisi_zip");
        assert_override(VF0, NULL);
        assert_uevents("");
}
END_TEST

START_TEST(test_bind_does_not_take) {
        _cleanup_free_ char *before = NULL, *after = NULL;
        char *prev = (char *)"untouched";
        hisi_pci_dev d;

        /* The kernel refuses every probe of the vfio driver: the bind times out, and the VF is
         * put back on its host driver with no override. */
        start(true, VFIO);
        ck_assert_int_eq(hisi_pci_dev_load(ctx, VF0, &d), 0);
        ck_assert_int_ge(
                asprintf(&before, "%s|%s|%d", d.driver, d.driver_override ?: "-", d.iommu_group),
                0);
        hisi_pci_dev_done(&d);

        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, VF0, 0, SHORT, &prev), -ETIMEDOUT);
        ck_assert_str_eq(prev, "untouched");

        ck_assert_int_eq(hisi_pci_dev_load(ctx, VF0, &d), 0);
        ck_assert_int_ge(
                asprintf(&after, "%s|%s|%d", d.driver, d.driver_override ?: "-", d.iommu_group), 0);
        hisi_pci_dev_done(&d);
        ck_assert_str_eq(after, before);
        ck_assert_str_eq(after, "hisi_zip|-|10");
        assert_uevents("unbind hisi_zip " VF0 "\nbind hisi_zip " VF0 "\n");

        /* An unbound VF is left unbound. */
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, VF1, 0, SHORT, NULL), -ETIMEDOUT);
        assert_driver(VF1, NULL);
        assert_override(VF1, NULL);
        assert_uevents("");
}
END_TEST

START_TEST(test_bind_errors) {
        char *prev = (char *)"untouched";

        start(true, NULL);
        ck_assert_int_eq(hisi_pci_bind_vfio(NULL, VF0, 0, LONG, &prev), -EINVAL);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, NULL, 0, LONG, &prev), -EINVAL);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, VF0, 0x100, LONG, &prev), -EINVAL);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, "../" VF0, 0, LONG, &prev), -EINVAL);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, "0000:75:01.0", 0, LONG, &prev), -ENODEV);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, NIC, 0, LONG, &prev), -ENOTSUP);
        ck_assert_str_eq(prev, "untouched");
        assert_uevents("");
}
END_TEST

/* ---- unbind ---- */

START_TEST(test_unbind_not_bound) {
        start(true, NULL);
        /* A stale override of ours is cleared, and nothing else happens. */
        ck_assert_int_eq(hisi_pci_write_override(ctx, VF0, VFIO), 0);
        ck_assert_int_eq(hisi_pci_unbind_vfio(ctx, VF0, NULL, LONG), 0);
        assert_override(VF0, NULL);
        assert_driver(VF0, "hisi_zip");
        /* Somebody else's override is theirs. */
        ck_assert_int_eq(hisi_pci_write_override(ctx, VF2, "vfio-pci"), 0);
        ck_assert_int_eq(hisi_pci_unbind_vfio(ctx, VF2, NULL, LONG), 0);
        assert_override(VF2, "vfio-pci");
        assert_driver(VF2, "vfio-pci");
        assert_uevents("");
}
END_TEST

START_TEST(test_unbind_errors) {
        start(true, NULL);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, VF0, 0, LONG, NULL), 0);
        assert_uevents("unbind hisi_zip " VF0 "\nbind " VFIO " " VF0 "\n");

        ck_assert_int_eq(hisi_pci_unbind_vfio(NULL, VF0, NULL, LONG), -EINVAL);
        ck_assert_int_eq(hisi_pci_unbind_vfio(ctx, NULL, NULL, LONG), -EINVAL);
        ck_assert_int_eq(hisi_pci_unbind_vfio(ctx, VF0, "../hisi_zip", LONG), -EINVAL);
        ck_assert_int_eq(hisi_pci_unbind_vfio(ctx, VF0, "", LONG), -EINVAL);
        ck_assert_int_eq(hisi_pci_unbind_vfio(ctx, PF, NULL, LONG), -EPERM);
        ck_assert_int_eq(hisi_pci_unbind_vfio(ctx, NIC, NULL, LONG), -ENOTSUP);
        ck_assert_int_eq(hisi_pci_unbind_vfio(ctx, "0000:75:01.0", NULL, LONG), -ENODEV);
        ck_assert_int_eq(hisi_pci_unbind_vfio(ctx, VF0, "mlx5_core", LONG), -ENOENT);
        /* Nothing changed. */
        assert_driver(VF0, VFIO);
        assert_override(VF0, VFIO);
        assert_uevents("");
}
END_TEST

START_TEST(test_unbind_does_not_take) {
        start(true, NULL);
        ck_assert_int_eq(hisi_pci_bind_vfio(ctx, VF0, 0, LONG, NULL), 0);
        assert_uevents("unbind hisi_zip " VF0 "\nbind " VFIO " " VF0 "\n");

        /* Now the host driver refuses: the VF goes back to vfio, override and all. */
        fake_sysfs_stop_kernel(fake);
        start(false, "hisi_zip");
        ck_assert_int_eq(hisi_pci_unbind_vfio(ctx, VF0, NULL, SHORT), -ETIMEDOUT);
        assert_driver(VF0, VFIO);
        assert_override(VF0, VFIO);
        assert_uevents("unbind " VFIO " " VF0 "\nbind " VFIO " " VF0 "\n");
}
END_TEST

/* ---- the step functions, without a kernel ---- */

static char *file_of(const char *rel) {
        _cleanup_free_ char *p = NULL;
        char *s = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", fake_sysfs_root(fake), rel), 0);
        ck_assert_int_eq(read_one_line_file(p, &s), 0);
        return s;
}

static void assert_file(const char *rel, const char *want) {
        _cleanup_free_ char *s = file_of(rel);

        ck_assert_str_eq(s, want);
}

START_TEST(test_step_override) {
        char long_name[HISI_ATTR_MAX];

        ck_assert_int_eq(hisi_pci_write_override(ctx, VF0, "vfio-pci"), 0);
        assert_file("sys/bus/pci/devices/" VF0 "/driver_override", "vfio-pci");
        /* Shorter values replace longer ones whole. */
        ck_assert_int_eq(hisi_pci_write_override(ctx, VF0, "x"), 0);
        assert_file("sys/bus/pci/devices/" VF0 "/driver_override", "x");
        ck_assert_int_eq(hisi_pci_write_override(ctx, VF0, NULL), 0);
        assert_file("sys/bus/pci/devices/" VF0 "/driver_override", "");
        ck_assert_int_eq(hisi_pci_write_override(ctx, VF0, ""), 0);
        assert_override(VF0, NULL);

        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        ck_assert_int_eq(hisi_pci_write_override(ctx, VF0, long_name), -EINVAL);
        ck_assert_int_eq(hisi_pci_write_override(ctx, VF0, "a\nb"), -EINVAL);
        ck_assert_int_eq(hisi_pci_write_override(NULL, VF0, "x"), -EINVAL);
        ck_assert_int_eq(hisi_pci_write_override(ctx, "75:00", "x"), -EINVAL);
        ck_assert_int_eq(hisi_pci_write_override(ctx, "0000:75:01.0", "x"), -ENODEV);
        ck_assert_int_eq(fake_sysfs_remove_attr(fake, VF0, "driver_override"), 0);
        ck_assert_int_eq(hisi_pci_write_override(ctx, VF0, "x"), -EOPNOTSUPP);
}
END_TEST

START_TEST(test_step_driver) {
        char *d = (char *)"untouched";

        assert_driver(VF0, "hisi_zip");
        assert_driver(VF1, NULL);
        ck_assert_int_eq(hisi_pci_read_driver(ctx, "0000:75:01.0", &d), -ENODEV);
        ck_assert_int_eq(hisi_pci_read_driver(ctx, "x", &d), -EINVAL);
        ck_assert_int_eq(hisi_pci_read_driver(ctx, VF0, NULL), -EINVAL);
        ck_assert_str_eq(d, "untouched");

        /* Without a kernel the writes land in the files and nothing moves. */
        ck_assert_int_eq(hisi_pci_unbind_driver(ctx, VF0), 0);
        assert_file("sys/bus/pci/drivers/hisi_zip/unbind", VF0);
        assert_driver(VF0, "hisi_zip");
        ck_assert_int_eq(hisi_pci_unbind_driver(ctx, VF1), 0);
        ck_assert_int_eq(hisi_pci_unbind_driver(ctx, "0000:75:01.0"), -ENODEV);
        ck_assert_int_eq(hisi_pci_unbind_driver(NULL, VF0), -EINVAL);

        ck_assert_int_eq(hisi_pci_probe(ctx, "75:00.2"), 0);
        assert_file("sys/bus/pci/drivers_probe", VF1);
        ck_assert_int_eq(hisi_pci_probe(ctx, "75:00"), -EINVAL);
        ck_assert_int_eq(hisi_pci_probe(NULL, VF1), -EINVAL);
}
END_TEST

START_TEST(test_step_bind_write) {
        char *o = (char *)"untouched";

        /* Each write a bind plan asks for, without a kernel: the files change, nothing moves. */
        ck_assert_int_eq(hisi_pci_bind_write(ctx, VF0, HISI_BIND_ATTR_DRIVER_OVERRIDE, VFIO), 0);
        assert_file("sys/bus/pci/devices/" VF0 "/driver_override", VFIO);
        ck_assert_int_eq(hisi_pci_read_override(ctx, VF0, &o), 0);
        ck_assert_str_eq(o, VFIO);
        free(o);
        ck_assert_int_eq(hisi_pci_bind_write(ctx, VF0, HISI_BIND_ATTR_DRIVER_OVERRIDE, NULL), 0);
        ck_assert_int_eq(hisi_pci_read_override(ctx, VF0, &o), 0);
        ck_assert_ptr_null(o);
        ck_assert_int_eq(hisi_pci_bind_write(ctx, VF0, HISI_BIND_ATTR_UNBIND, NULL), 0);
        assert_file("sys/bus/pci/drivers/hisi_zip/unbind", VF0);
        ck_assert_int_eq(hisi_pci_bind_write(ctx, "75:00.2", HISI_BIND_ATTR_DRIVERS_PROBE, NULL),
                         0);
        assert_file("sys/bus/pci/drivers_probe", VF1);
        ck_assert_int_eq(hisi_pci_bind_write(ctx, VF1, HISI_BIND_ATTR_DRIVER_BIND, "hisi_zip"), 0);
        assert_file("sys/bus/pci/drivers/hisi_zip/bind", VF1);
        assert_driver(VF1, NULL);

        /* A driver that is not loaded, or not a name; no such write; bad arguments. */
        ck_assert_int_eq(hisi_pci_bind_write(ctx, VF1, HISI_BIND_ATTR_DRIVER_BIND, "mlx5_core"),
                         -ENOENT);
        ck_assert_int_eq(hisi_pci_bind_write(ctx, VF1, HISI_BIND_ATTR_DRIVER_BIND, "../hisi_zip"),
                         -EINVAL);
        ck_assert_int_eq(hisi_pci_bind_write(ctx, VF1, HISI_BIND_ATTR_DRIVER_BIND, NULL), -EINVAL);
        ck_assert_int_eq(hisi_pci_bind_write(ctx, VF1, _HISI_BIND_ATTR_MAX, NULL), -EINVAL);
        ck_assert_int_eq(hisi_pci_bind_write(NULL, VF1, HISI_BIND_ATTR_UNBIND, NULL), -EINVAL);
        ck_assert_int_eq(hisi_pci_bind_write(ctx, "75:00", HISI_BIND_ATTR_UNBIND, NULL), -EINVAL);
        ck_assert_int_eq(hisi_pci_bind_write(ctx, "0000:75:01.0", HISI_BIND_ATTR_UNBIND, NULL),
                         -ENODEV);
}
END_TEST

START_TEST(test_step_read_override) {
        char *o = (char *)"untouched";

        ck_assert_int_eq(hisi_pci_read_override(ctx, VF1, &o), 0);
        ck_assert_ptr_null(o); /* "(null)" */
        o = (char *)"untouched";
        ck_assert_int_eq(hisi_pci_read_override(NULL, VF1, &o), -EINVAL);
        ck_assert_int_eq(hisi_pci_read_override(ctx, VF1, NULL), -EINVAL);
        ck_assert_int_eq(hisi_pci_read_override(ctx, "x", &o), -EINVAL);
        ck_assert_int_eq(hisi_pci_read_override(ctx, "0000:75:01.0", &o), -ENODEV);
        ck_assert_int_eq(fake_sysfs_remove_attr(fake, VF1, "driver_override"), 0);
        ck_assert_int_eq(hisi_pci_read_override(ctx, VF1, &o), -EOPNOTSUPP);
        ck_assert_str_eq(o, "untouched");
}
END_TEST

START_TEST(test_step_driver_loaded) {
        ck_assert_int_eq(hisi_pci_driver_loaded(ctx, "hisi_zip"), 1);
        ck_assert_int_eq(hisi_pci_driver_loaded(ctx, VFIO), 0);
        ck_assert_int_eq(fake_sysfs_add_driver(fake, VFIO), 0);
        ck_assert_int_eq(hisi_pci_driver_loaded(ctx, VFIO), 1);
        ck_assert_int_eq(hisi_pci_driver_loaded(ctx, "mlx5_core"), 0);
        ck_assert_int_eq(hisi_pci_driver_loaded(ctx, "../drivers"), -EINVAL);
        ck_assert_int_eq(hisi_pci_driver_loaded(ctx, ""), -EINVAL);
        ck_assert_int_eq(hisi_pci_driver_loaded(ctx, NULL), -EINVAL);
        ck_assert_int_eq(hisi_pci_driver_loaded(NULL, "hisi_zip"), -EINVAL);
}
END_TEST

/* ---- sim/pci-core, driven directly ---- */

START_TEST(test_core_override_parse) {
        static const struct {
                const char *value;
                size_t len;
                const char *want; /* NULL: cleared */
        } cases[] = {
                { "hisi_acc_vfio_pci\n", 18, VFIO },
                { "hisi_acc_vfio_pci", 17, VFIO },
                { "vfio-pci\nmore\n", 14, "vfio-pci" },
                { "none\n", 5, "none" },
                { "", 0, NULL },
                { "\n", 1, NULL },
                { "\0\0\0", 3, NULL },
                { "abc", 2, "ab" },
        };
        char *big;
        char *v = (char *)"untouched";

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ck_assert_int_eq(hisi_sim_pci_override_parse(cases[i].value, cases[i].len, &v), 0);
                if (cases[i].want)
                        ck_assert_str_eq(v, cases[i].want);
                else
                        ck_assert_ptr_null(v);
                free(v);
        }

        big = malloc(4096);
        ck_assert_ptr_nonnull(big);
        memset(big, 'a', 4096);
        v = (char *)"untouched";
        ck_assert_int_eq(hisi_sim_pci_override_parse(big, 4095, &v), -EINVAL);
        ck_assert_int_eq(hisi_sim_pci_override_parse(big, 4096, &v), -EINVAL);
        ck_assert_str_eq(v, "untouched");
        ck_assert_int_eq(hisi_sim_pci_override_parse(big, 4094, &v), 0);
        ck_assert_uint_eq(strlen(v), 4094);
        free(v);
        free(big);
        ck_assert_int_eq(hisi_sim_pci_override_parse(NULL, 0, &v), -EINVAL);
}
END_TEST

START_TEST(test_core_match) {
        const hisi_sim_pci_driver *zip = hisi_sim_pci_host_driver("hisi_zip");
        const hisi_sim_pci_driver *sec = hisi_sim_pci_host_driver("hisi_sec2");
        const hisi_sim_pci_driver *vfio = hisi_sim_pci_host_driver(VFIO);
        const hisi_sim_pci_driver *vfio_pci = hisi_sim_pci_host_driver("vfio-pci");
        static const uint16_t vf_ids[] = { 0xa251, 0xa256, 0xa259 };

        ck_assert_ptr_nonnull(zip);
        ck_assert_ptr_nonnull(vfio);
        ck_assert_ptr_nonnull(vfio_pci);
        ck_assert_ptr_null(hisi_sim_pci_host_driver("i40e"));
        ck_assert_ptr_null(hisi_sim_pci_host_driver(NULL));

        /* The host driver takes its PF and its VFs by ID, not another kind's. */
        ck_assert(hisi_sim_pci_match(zip, 0x19e5, 0xa250, NULL));
        ck_assert(hisi_sim_pci_match(zip, 0x19e5, 0xa251, NULL));
        ck_assert(!hisi_sim_pci_match(zip, 0x19e5, 0xa256, NULL));
        ck_assert(hisi_sim_pci_match(sec, 0x19e5, 0xa256, NULL));
        ck_assert(!hisi_sim_pci_match(zip, 0x8086, 0xa251, NULL));
        /* An override naming another driver excludes it. */
        ck_assert(!hisi_sim_pci_match(zip, 0x19e5, 0xa251, VFIO));
        ck_assert(!hisi_sim_pci_match(zip, 0x19e5, 0xa251, "none"));
        ck_assert(hisi_sim_pci_match(zip, 0x19e5, 0xa251, "hisi_zip"));

        /* override_only: the vfio driver's VF IDs match only with an override. */
        for (size_t i = 0; i < ELEMENTSOF(vf_ids); i++) {
                ck_assert(!hisi_sim_pci_match(vfio, 0x19e5, vf_ids[i], NULL));
                ck_assert(hisi_sim_pci_match(vfio, 0x19e5, vf_ids[i], VFIO));
                ck_assert(!hisi_sim_pci_match(vfio, 0x19e5, vf_ids[i], "vfio-pci"));
        }
        /* With its name as the override, a driver matches any ID (the dummy entry). */
        ck_assert(hisi_sim_pci_match(vfio, 0x19e5, 0xa250, VFIO));
        ck_assert(!hisi_sim_pci_match(vfio_pci, 0x8086, 0x1572, NULL));
        ck_assert(hisi_sim_pci_match(vfio_pci, 0x8086, 0x1572, "vfio-pci"));
        ck_assert(!hisi_sim_pci_match(NULL, 0x19e5, 0xa251, NULL));
}
END_TEST

START_TEST(test_core_attr_from_path) {
        static const struct {
                const char *path;
                int ret;
                hisi_sim_pci_attr attr;
                const char *name;
        } cases[] = {
                { "/sys/bus/pci/drivers_probe", 0, HISI_SIM_PCI_DRIVERS_PROBE, NULL },
                { "/sys/bus/pci/drivers/hisi_zip/bind", 0, HISI_SIM_PCI_DRIVER_BIND, "hisi_zip" },
                { "/sys/bus/pci/drivers/vfio-pci/unbind", 0, HISI_SIM_PCI_DRIVER_UNBIND,
                  "vfio-pci" },
                { "/sys/bus/pci/devices/" VF0 "/driver/unbind", 0, HISI_SIM_PCI_DRIVER_UNBIND,
                  NULL },
                { "/sys/bus/pci/devices/" VF0 "/driver_override", 0, HISI_SIM_PCI_DRIVER_OVERRIDE,
                  VF0 },
                { "/sys/devices/pci0000:7c/" VF0 "/driver_override", 0,
                  HISI_SIM_PCI_DRIVER_OVERRIDE, VF0 },
                { "/sys/devices/pci0000:74/0000:74:00.0/" PF "/sriov_numvfs", 0,
                  HISI_SIM_PCI_SRIOV_NUMVFS, PF },
                { "/sys/bus/pci/devices/" VF0 "/vendor", -EOPNOTSUPP },
                { "/sys/bus/pci/devices/75:00.1/driver_override", -EOPNOTSUPP },
                { "/sys/bus/pci/drivers/../bind", -EOPNOTSUPP },
                { "/sys/bus/pci/devices/" VF0 "/driver/bind", -EOPNOTSUPP },
                { "/sys/bus/pci/devices/x/driver/unbind", -EOPNOTSUPP },
                { "/sys/devices/pci0000:7c/" VF0 "/driver/unbind", 0, HISI_SIM_PCI_DRIVER_UNBIND,
                  NULL },
                { "/sys/bus/pci/drivers/hisi_zip/new_id", -EOPNOTSUPP },
                { "/sys/class/net/" VF0 "/driver_override", -EOPNOTSUPP },
                { "/sys/bus/pci/rescan", -EOPNOTSUPP },
                { "driver_override", -EOPNOTSUPP },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                hisi_sim_pci_attr attr = _HISI_SIM_PCI_ATTR_INVALID;
                char *name = (char *)"untouched";

                ck_assert_msg(hisi_sim_pci_attr_from_path(cases[i].path, &attr, &name) ==
                                      cases[i].ret,
                              "%s", cases[i].path);
                if (cases[i].ret < 0) {
                        ck_assert_str_eq(name, "untouched");
                        continue;
                }
                ck_assert_int_eq(attr, cases[i].attr);
                if (cases[i].name)
                        ck_assert_str_eq(name, cases[i].name);
                else
                        ck_assert_ptr_null(name);
                free(name);
        }
        ck_assert_str_eq(hisi_sim_pci_attr_to_string(HISI_SIM_PCI_DRIVERS_PROBE), "drivers_probe");
        ck_assert_ptr_null(hisi_sim_pci_attr_to_string(_HISI_SIM_PCI_ATTR_MAX));
}
END_TEST

/* A model on the fake tree, driven by hand, recording its uevents. */
typedef struct core_test {
        hisi_sim_pci *pci;
        char log[1024];
} core_test;

static int core_uevent(const char *root, const char *address, const char *action,
                       const char *driver, void *userdata) {
        core_test *t = userdata;
        size_t n = strlen(t->log);

        snprintf(t->log + n, sizeof(t->log) - n, "%s %s %s\n", action, driver, address);
        return 0;
}

static const hisi_sim_pci_ops core_ops = {
        .set_driver_link = hisi_sim_pci_tree_set_driver_link,
        .remove_driver_link = hisi_sim_pci_tree_remove_driver_link,
        .emit_uevent = core_uevent,
};

static core_test core;

static void core_setup(void) {
        setup();
        memset(&core, 0, sizeof(core));
        ck_assert_int_eq(hisi_sim_pci_new(fake_sysfs_root(fake), &core_ops, &core, &core.pci), 0);
        for (size_t i = 0; i < hisi_sim_pci_n_host_drivers; i++) {
                ck_assert_int_eq(fake_sysfs_add_driver(fake, hisi_sim_pci_host_drivers[i].name), 0);
                ck_assert_int_eq(hisi_sim_pci_load_driver(core.pci, &hisi_sim_pci_host_drivers[i]),
                                 0);
        }
}

static void core_teardown(void) {
        core.pci = hisi_sim_pci_free(core.pci);
        teardown();
}

/* What a writer does: the file changes, then the model sees the write. */
static int core_write(hisi_sim_pci_attr attr, const char *name, const char *value) {
        if (attr == HISI_SIM_PCI_DRIVER_OVERRIDE) {
                _cleanup_free_ char *rel = NULL;

                ck_assert_int_ge(asprintf(&rel, "sys/bus/pci/devices/%s/driver_override", name), 0);
                ck_assert_int_eq(fake_sysfs_write_file(fake, rel, value), 0);
        }
        return hisi_sim_pci_write(core.pci, attr, name, value, strlen(value));
}

static void assert_core_log(const char *want) {
        ck_assert_str_eq(core.log, want);
        core.log[0] = '\0';
}

START_TEST(test_core_probe) {
        /* No override: the host driver takes the VF by ID. */
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVERS_PROBE, NULL, VF1 "\n"), 0);
        assert_driver(VF1, "hisi_zip");
        assert_core_log("bind hisi_zip " VF1 "\n");

        /* Setting the override neither unbinds nor probes; a probe of a bound device is a
         * no-op. */
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_OVERRIDE, VF1, VFIO "\n"), 0);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVERS_PROBE, NULL, VF1), 0);
        assert_driver(VF1, "hisi_zip");
        assert_core_log("");

        /* Unbind, probe: the override_only driver takes it now. */
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_UNBIND, "hisi_zip", VF1), 0);
        assert_driver(VF1, NULL);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVERS_PROBE, NULL, VF1), 0);
        assert_driver(VF1, VFIO);
        assert_core_log("unbind hisi_zip " VF1 "\nbind " VFIO " " VF1 "\n");

        /* "none" keeps it unbound. */
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_OVERRIDE, VF1, "none"), 0);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_UNBIND, NULL, VF1), 0);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVERS_PROBE, NULL, VF1), 0);
        assert_driver(VF1, NULL);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_BIND, "hisi_zip", VF1), -ENODEV);
        assert_driver(VF1, NULL);
        assert_core_log("unbind " VFIO " " VF1 "\n");

        /* Clearing it lets the host driver back. */
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_OVERRIDE, VF1, "\n"), 0);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVERS_PROBE, NULL, VF1), 0);
        assert_driver(VF1, "hisi_zip");
        assert_core_log("bind hisi_zip " VF1 "\n");

        /* vfio-pci has no IDs: it takes any device, but only by override. */
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVERS_PROBE, NULL, NIC), 0);
        assert_driver(NIC, NULL);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_OVERRIDE, NIC, "vfio-pci"), 0);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVERS_PROBE, NULL, NIC), 0);
        assert_driver(NIC, "vfio-pci");
        assert_core_log("bind vfio-pci " NIC "\n");
}
END_TEST

START_TEST(test_core_override_only) {
        /* A direct bind follows the same matching as a probe. */
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_BIND, VFIO, VF1), -ENODEV);
        assert_driver(VF1, NULL);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_OVERRIDE, VF1, VFIO), 0);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_BIND, "hisi_zip", VF1), -ENODEV);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_BIND, VFIO, VF1 "\n"), 0);
        assert_driver(VF1, VFIO);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_BIND, VFIO, VF1), -EBUSY);
        assert_core_log("bind " VFIO " " VF1 "\n");

        /* The PF is never the vfio driver's without an override either. */
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_UNBIND, "hisi_zip", PF), 0);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVERS_PROBE, NULL, PF), 0);
        assert_driver(PF, "hisi_zip");
        assert_core_log("unbind hisi_zip " PF "\nbind hisi_zip " PF "\n");
}
END_TEST

START_TEST(test_core_refusals) {
        char long_value[5000];

        /* Unbind by a driver the device is not bound to, or of an unbound device. */
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_UNBIND, VFIO, VF0), -ENODEV);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_UNBIND, "hisi_zip", VF1), -ENODEV);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_UNBIND, "i40e", VF0), -ENODEV);
        /* Bind of a bound device, by an unloaded driver, of no device. */
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_BIND, "hisi_zip", VF0), -EBUSY);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_BIND, "i40e", VF1), -ENODEV);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_BIND, "hisi_zip", "0000:75:01.0"), -ENODEV);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_BIND, "hisi_zip", "../" VF1), -ENODEV);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVERS_PROBE, NULL, ""), -ENODEV);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVERS_PROBE, NULL, VF1 "\n\n"), -ENODEV);
        /* A too long override is refused, and counts as none. */
        memset(long_value, 'a', sizeof(long_value) - 1);
        long_value[sizeof(long_value) - 1] = '\0';
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_OVERRIDE, VF1, long_value), -EINVAL);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVERS_PROBE, NULL, VF1), 0);
        assert_driver(VF1, "hisi_zip");
        ck_assert_int_eq(
                hisi_sim_pci_write(core.pci, HISI_SIM_PCI_DRIVER_OVERRIDE, "0000:75:01.0", "x", 1),
                -ENODEV);
        ck_assert_int_eq(hisi_sim_pci_write(core.pci, HISI_SIM_PCI_DRIVER_OVERRIDE, "x", "x", 1),
                         -EINVAL);
        ck_assert_int_eq(hisi_sim_pci_write(core.pci, HISI_SIM_PCI_SRIOV_NUMVFS, PF, "4", 1),
                         -EOPNOTSUPP);
        ck_assert_int_eq(hisi_sim_pci_write(core.pci, _HISI_SIM_PCI_ATTR_MAX, PF, "4", 1), -EINVAL);
        ck_assert_int_eq(hisi_sim_pci_write(core.pci, HISI_SIM_PCI_DRIVERS_PROBE, NULL, NULL, 0),
                         -EINVAL);
        assert_core_log("bind hisi_zip " VF1 "\n");

        /* Loading, and failing probes. */
        ck_assert_int_eq(hisi_sim_pci_load_driver(core.pci, &hisi_sim_pci_host_drivers[0]),
                         -EEXIST);
        ck_assert_int_eq(hisi_sim_pci_set_probe_error(core.pci, "i40e", -EIO), -ENOENT);
        ck_assert_int_eq(hisi_sim_pci_set_probe_error(core.pci, "hisi_zip", EIO), -EINVAL);
        ck_assert_int_eq(hisi_sim_pci_set_probe_error(core.pci, "hisi_zip", -EIO), 0);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_UNBIND, "hisi_zip", VF1), 0);
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVER_BIND, "hisi_zip", VF1), -EIO);
        /* A failed probe lets the next driver try; none matches here, and that is success. */
        ck_assert_int_eq(core_write(HISI_SIM_PCI_DRIVERS_PROBE, NULL, VF1), 0);
        assert_driver(VF1, NULL);
        assert_core_log("unbind hisi_zip " VF1 "\n");
}
END_TEST

START_TEST(test_core_new_errors) {
        hisi_sim_pci *pci = NULL;
        hisi_sim_pci_ops no_links = { .emit_uevent = core_uevent };

        ck_assert_int_eq(hisi_sim_pci_new("relative", &hisi_sim_pci_tree_ops, NULL, &pci), -EINVAL);
        ck_assert_int_eq(hisi_sim_pci_new("/", NULL, NULL, &pci), -EINVAL);
        ck_assert_int_eq(hisi_sim_pci_new("/", &no_links, NULL, &pci), -EINVAL);
        ck_assert_int_eq(hisi_sim_pci_new("/", &hisi_sim_pci_tree_ops, NULL, NULL), -EINVAL);
        ck_assert_ptr_null(pci);
        ck_assert_ptr_null(hisi_sim_pci_free(NULL));
}
END_TEST

static Suite *pci_bind_suite(void) {
        Suite *s = suite_create("pci-bind");
        TCase *tc;

        tc = tcase_create("bind");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_bind_and_unbind);
        tcase_add_test(tc, test_bind_idempotent);
        tcase_add_test(tc, test_bind_busy);
        tcase_add_test(tc, test_bind_unbound_vf);
        tcase_add_test(tc, test_bind_no_override_attr);
        tcase_add_test(tc, test_bind_pf);
        tcase_add_test(tc, test_bind_vfio_not_loaded);
        tcase_add_test(tc, test_bind_does_not_take);
        tcase_add_test(tc, test_bind_errors);
        suite_add_tcase(s, tc);

        tc = tcase_create("unbind");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_unbind_not_bound);
        tcase_add_test(tc, test_unbind_errors);
        tcase_add_test(tc, test_unbind_does_not_take);
        suite_add_tcase(s, tc);

        tc = tcase_create("steps");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_step_override);
        tcase_add_test(tc, test_step_driver);
        tcase_add_test(tc, test_step_bind_write);
        tcase_add_test(tc, test_step_read_override);
        tcase_add_test(tc, test_step_driver_loaded);
        suite_add_tcase(s, tc);

        tc = tcase_create("pci-core");
        tcase_add_test(tc, test_core_override_parse);
        tcase_add_test(tc, test_core_match);
        tcase_add_test(tc, test_core_attr_from_path);
        tcase_add_test(tc, test_core_new_errors);
        suite_add_tcase(s, tc);

        tc = tcase_create("pci-core-tree");
        tcase_add_checked_fixture(tc, core_setup, core_teardown);
        tcase_add_test(tc, test_core_probe);
        tcase_add_test(tc, test_core_override_only);
        tcase_add_test(tc, test_core_refusals);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(pci_bind_suite)
