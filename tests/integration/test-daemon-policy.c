/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigd's binding policy against a real simulated host: it binds exactly the VFs it
 * names (a list of VFs, the VFs of listed PFs, all), leaves the rest, never takes a VF that
 * binding.exclude names, that a libvirt domain manages (managed='yes', through the libvirt test
 * driver) or that another driver holds (vfio-pci) unless forced, queues binds beyond
 * limits.max_concurrent_binds, and survives a VF that refuses to bind (the vfio driver's probe
 * fails, a fault of the simulated host): a clear error at once (the probe's write has returned
 * without binding: no waiting for the deadline), the VF back on its host driver, and no retry
 * until something changes, then an explicit bind works once the fault is gone.
 */

#include <check.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "macro.h"
#include "test-main.h"

#define VFIO "hisi_acc_vfio_pci"

static const char *const all_vfs[] = {
        "0000:75:00.1", "0000:75:00.2", "0000:75:00.3", "0000:75:00.4",
        "0000:76:00.1", "0000:76:00.2", "0000:76:00.3", "0000:76:00.4",
        "0000:79:00.1", "0000:79:00.2", "0000:79:00.3", "0000:79:00.4",
};

static bool in(const char *const *list, const char *s) {
        for (; list && *list; list++)
                if (streq(*list, s))
                        return true;
        return false;
}

static void wait_bound(daemon_harness *h, const char *vf) {
        _cleanup_free_ char *path = dh_device_path(vf);

        ck_assert_msg(dh_wait_property(h, path, ACCMIG_DEVICE_INTERFACE, "Bound", "true") == 0,
                      "%s never bound", vf);
}

static void wait_idle(daemon_harness *h) {
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "PendingJobs", "0"),
                0);
}

/* Exactly the VFs in bound are on hisi_acc_vfio_pci, as the simulated host itself says; every
 * other VF is on the driver others[] names for it, or on its host driver. */
static void assert_drivers(daemon_harness *h, const char *const *bound, const char *const *others) {
        for (size_t i = 0; i < ELEMENTSOF(all_vfs); i++) {
                _cleanup_free_ char *driver = NULL;
                const char *want = NULL;

                ck_assert_int_eq(dh_sim_field(h, all_vfs[i], "driver", &driver), 0);
                if (in(bound, all_vfs[i]))
                        want = VFIO;
                for (size_t k = 0; !want && others && others[k]; k += 2)
                        if (streq(others[k], all_vfs[i]))
                                want = others[k + 1];
                if (!want)
                        want = strneq(all_vfs[i], "0000:75", 7)   ? "hisi_zip"
                               : strneq(all_vfs[i], "0000:76", 7) ? "hisi_sec2"
                                                                  : "hisi_hpre";
                ck_assert_msg(streq(driver, want), "%s is on %s, not %s", all_vfs[i], driver, want);
        }
}

static void assert_property(daemon_harness *h, const char *vf, const char *property,
                            const char *want) {
        _cleanup_free_ char *path = dh_device_path(vf), *v = NULL;

        ck_assert_int_eq(dh_get_property(h, path, ACCMIG_DEVICE_INTERFACE, property, &v), 0);
        ck_assert_msg(streq(v, want), "%s %s is \"%s\", not \"%s\"", vf, property, v, want);
}

START_TEST(test_policy_devices) {
        static const char *const bound[] = { "0000:75:00.1", "0000:79:00.3", NULL };
        daemon_harness *h = NULL;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_write_config(h, "\"binding\": {\"policy\": \"devices\", "
                                            "\"devices\": [\"75:00.1\", \"0000:79:00.3\"]}"),
                         0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        wait_bound(h, bound[0]);
        wait_bound(h, bound[1]);
        wait_idle(h);
        assert_drivers(h, bound, NULL);
        assert_property(h, bound[0], "PolicyReason", "listed in binding.devices");
        assert_property(h, bound[0], "BindAttempts", "1");
        assert_property(h, "0000:75:00.2", "Policy", "leave");
        assert_property(h, "0000:75:00.2", "PolicyReason", "not listed in binding.devices");
        assert_property(h, "0000:75:00.2", "BindAttempts", "0");
        ck_assert_int_eq(dh_stop_daemon(h), 0);

        /* Idempotent: a restart finds them bound and binds nothing more. */
        ck_assert_int_eq(dh_start_daemon(h), 0);
        wait_idle(h);
        assert_property(h, bound[0], "Bound", "true");
        assert_property(h, bound[0], "BindAttempts", "0");
        assert_drivers(h, bound, NULL);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

START_TEST(test_policy_pfs) {
        static const char *const bound[] = { "0000:76:00.1", "0000:76:00.2", "0000:76:00.3",
                                             "0000:76:00.4", NULL };
        daemon_harness *h = NULL;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        /* One bind at a time: the other three wait in the queue. */
        ck_assert_int_eq(dh_write_config(h, "\"binding\": {\"policy\": \"pfs\", "
                                            "\"pfs\": [\"0000:76:00.0\"]},\n"
                                            "\"limits\": {\"max_concurrent_binds\": 1}"),
                         0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        for (size_t i = 0; bound[i]; i++)
                wait_bound(h, bound[i]);
        wait_idle(h);
        assert_drivers(h, bound, NULL);
        assert_property(h, "0000:76:00.3", "PolicyReason",
                        "its PF 0000:76:00.0 is listed in binding.pfs");
        assert_property(h, "0000:75:00.1", "PolicyReason",
                        "its PF 0000:75:00.0 is not listed in binding.pfs");
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

static void write_libvirt_xml(daemon_harness *h, const char *vf, char **ret_uri) {
        _cleanup_free_ char *path = NULL, *xml = NULL;
        _cleanup_close_ int fd = -EBADF;
        unsigned bus, slot, fn;

        ck_assert_int_eq(sscanf(vf, "0000:%x:%x.%x", &bus, &slot, &fn), 3);
        ck_assert_int_ge(asprintf_safe(&path, "%s/libvirt.xml", h->dir), 0);
        ck_assert_int_ge(asprintf_safe(&xml,
                                       "<node>\n"
                                       "  <domain type='test'>\n"
                                       "    <name>guest1</name>\n"
                                       "    <memory>1048576</memory>\n"
                                       "    <os><type>hvm</type></os>\n"
                                       "    <devices>\n"
                                       "      <hostdev mode='subsystem' type='pci' managed='yes'>\n"
                                       "        <source><address domain='0x0000' bus='0x%02x' "
                                       "slot='0x%02x' function='0x%x'/></source>\n"
                                       "      </hostdev>\n"
                                       "    </devices>\n"
                                       "  </domain>\n"
                                       "</node>\n",
                                       bus, slot, fn),
                         0);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(loop_write(fd, xml, strlen(xml)), 0);
        ck_assert_int_ge(asprintf_safe(ret_uri, "test://%s", path), 0);
}

/* Put a VF on vfio-pci, as a VMM's management would, and wait until the daemon sees it. */
static void give_to_vfio_pci(daemon_harness *h, const char *vf) {
        _cleanup_free_ char *cmd = NULL, *path = dh_device_path(vf);

        ck_assert_int_ge(asprintf_safe(&cmd,
                                       "echo vfio-pci > /sys/bus/pci/devices/%s/driver_override "
                                       "&& echo %s > /sys/bus/pci/devices/%s/driver/unbind",
                                       vf, vf, vf),
                         0);
        ck_assert_int_eq(dh_sim_run(h, NULL, "sh", "-c", cmd, NULL), 0);
        ck_assert_int_eq(dh_wait_property(h, path, ACCMIG_DEVICE_INTERFACE, "Driver", ""), 0);
        free(cmd);
        ck_assert_int_ge(asprintf_safe(&cmd, "echo %s > /sys/bus/pci/drivers_probe", vf), 0);
        ck_assert_int_eq(dh_sim_run(h, NULL, "sh", "-c", cmd, NULL), 0);
        ck_assert_int_eq(dh_wait_property(h, path, ACCMIG_DEVICE_INTERFACE, "Driver", "vfio-pci"),
                         0);
}

START_TEST(test_policy_all_leaves_others_alone) {
        static const char *const left[] = { "0000:75:00.2", "0000:75:00.3", "0000:79:00.1", NULL };
        static const char *const others[] = { "0000:75:00.3", "vfio-pci", NULL };
        const char *bound[ELEMENTSOF(all_vfs) + 1] = {};
        _cleanup_free_ char *uri = NULL, *config = NULL, *out = NULL, *err = NULL;
        daemon_harness *h = NULL;
        size_t n = 0;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        write_libvirt_xml(h, "0000:79:00.1", &uri);
        /* Another driver's user holds 75:00.3 before the daemon starts. */
        ck_assert_int_eq(dh_write_config(h, NULL), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        give_to_vfio_pci(h, "0000:75:00.3");
        ck_assert_int_eq(dh_stop_daemon(h), 0);

        ck_assert_int_ge(asprintf_safe(&config,
                                       "\"binding\": {\"policy\": \"all\", "
                                       "\"exclude\": [\"0000:75:00.2\"]},\n"
                                       "  \"libvirt\": {\"enabled\": true, \"uri\": \"%s\"}",
                                       uri),
                         0);
        ck_assert_int_eq(dh_write_config(h, config), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        for (size_t i = 0; i < ELEMENTSOF(all_vfs); i++)
                if (!in(left, all_vfs[i])) {
                        bound[n++] = all_vfs[i];
                        wait_bound(h, all_vfs[i]);
                }
        wait_idle(h);
        assert_drivers(h, bound, others);
        assert_property(h, "0000:75:00.2", "PolicyReason", "listed in binding.exclude");
        assert_property(h, "0000:75:00.3", "PolicyReason",
                        "held by driver vfio-pci, not its host driver "
                        "(binding.take_from_other_drivers is off)");
        assert_property(h, "0000:79:00.1", "LibvirtDomain", "guest1");
        assert_property(h, "0000:79:00.1", "PolicyReason",
                        "libvirt manages it: a managed='yes' hostdev of domain 'guest1' "
                        "(binding.bind_libvirt_managed is off)");
        assert_property(h, "0000:75:00.1", "Owner", "hisi-accmigd");
        assert_property(h, "0000:75:00.2", "Owner", "host-driver");
        assert_property(h, "0000:75:00.3", "Owner", "other-driver");
        assert_property(h, "0000:79:00.1", "Owner", "libvirt");
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "status", NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, "libvirt: available\n"));

        /* An operator is refused the same, with the reason and exit code 5, unless forced. */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "bind", "0000:79:00.1", NULL), 5);
        ck_assert_ptr_nonnull(strstr(err, "libvirt manages it"));
        err = mfree(err);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "bind", "0000:75:00.3", NULL), 5);
        ck_assert_ptr_nonnull(strstr(err, "held by driver vfio-pci"));
        err = mfree(err);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "bind", "0000:75:00.2", NULL), 5);
        ck_assert_ptr_nonnull(strstr(err, "listed in binding.exclude"));
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "bind", "--force", "0000:79:00.1", NULL), 0);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "bind", "--force", "0000:75:00.3", NULL), 0);
        bound[n++] = "0000:79:00.1";
        bound[n++] = "0000:75:00.3";
        assert_drivers(h, bound, NULL);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

START_TEST(test_refusing_vf) {
        static const char *const none[] = { NULL };
        const char *vf = "0000:75:00.1";
        _cleanup_free_ char *path = dh_device_path(vf), *error = NULL, *out = NULL, *err = NULL,
                            *cmd = NULL;
        daemon_harness *h = NULL;
        size_t cursor = 0;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_sim_ctl(h, "fault-probe", VFIO, "EIO", NULL), 0);
        ck_assert_int_eq(dh_write_config(h, "\"binding\": {\"policy\": \"devices\", "
                                            "\"devices\": [\"0000:75:00.1\"]},\n"
                                            "  \"timeouts\": {\"bind_ms\": 1000, "
                                            "\"bind_retry_min_ms\": 100}"),
                         0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        ck_assert_int_eq(dh_wait_property(h, path, ACCMIG_DEVICE_INTERFACE, "BindState", "failed"),
                         0);
        ck_assert_int_eq(dh_get_property(h, path, ACCMIG_DEVICE_INTERFACE, "LastError", &error), 0);
        ck_assert_str_eq(error, "hisi_acc_vfio_pci did not bind 0000:75:00.1: its probe failed "
                                "(see the kernel log); it is back on hisi_zip");
        assert_property(h, vf, "Driver", "hisi_zip");
        assert_property(h, vf, "DriverOverride", "");
        assert_drivers(h, none, NULL);
        ck_assert_int_eq(dh_wait_log(h,
                                     "Failed to bind 0000:75:00.1: hisi_acc_vfio_pci did not "
                                     "bind 0000:75:00.1: its probe failed",
                                     &cursor),
                         0);
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "FailedCount", "1"),
                0);

        /* No retry storm: 30 backoff periods pass with no second attempt, though uevents of
         * other VFs come and go meanwhile. */
        ck_assert_int_eq(dh_sim_ctl(h, "unplug", "0000:76:00.4", NULL), 0);
        ck_assert_int_eq(dh_pump(h, 3000), 0);
        assert_property(h, vf, "BindAttempts", "1");
        ck_assert_uint_eq(dh_count_log(h, "Failed to bind 0000:75:00.1"), 1);
        ck_assert_uint_eq(dh_count_log(h, "Binding 0000:75:00.1"), 1);

        /* Something changes (the host driver lets it go): the policy tries once more, after
         * the backoff, and fails the same way. */
        ck_assert_int_ge(
                asprintf_safe(&cmd, "echo %s > /sys/bus/pci/devices/%s/driver/unbind", vf, vf), 0);
        ck_assert_int_eq(dh_sim_run(h, NULL, "sh", "-c", cmd, NULL), 0);
        ck_assert_int_eq(dh_wait_property(h, path, ACCMIG_DEVICE_INTERFACE, "BindAttempts", "2"),
                         0);
        ck_assert_int_eq(dh_wait_property(h, path, ACCMIG_DEVICE_INTERFACE, "BindState", "failed"),
                         0);
        ck_assert_uint_eq(dh_count_log(h, "Binding 0000:75:00.1"), 2);

        /* An operator's bind fails as clearly, as a failure (not a timeout). */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "bind", vf, NULL), 1);
        ck_assert_ptr_nonnull(strstr(err, "did not bind 0000:75:00.1: its probe failed"));

        /* The fault gone, an explicit bind works. */
        ck_assert_int_eq(dh_sim_ctl(h, "fault-probe", VFIO, "0", NULL), 0);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "bind", vf, NULL), 0);
        ck_assert_str_eq(out, "0000:75:00.1: bound to hisi_acc_vfio_pci (was unbound)\n");
        assert_property(h, vf, "BindState", "idle");
        assert_property(h, vf, "LastError", "");
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

static Suite *daemon_policy_suite(void) {
        Suite *s = suite_create("daemon-policy");
        TCase *tc;

        tc = tcase_create("policy");
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_policy_devices);
        tcase_add_test(tc, test_policy_pfs);
        tcase_add_test(tc, test_policy_all_leaves_others_alone);
        suite_add_tcase(s, tc);

        tc = tcase_create("faults");
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_refusing_vf);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, daemon_policy_suite)
