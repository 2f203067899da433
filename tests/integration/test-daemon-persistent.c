/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The operator's persistent bindings (issue 15) against a real daemon on a simulated host:
 * `bind --persistent` binds now and again after a restart that found the VF back on its host
 * driver (as after a reboot), whatever binding.policy says; `unbind --persistent` keeps even
 * policy "all" off a VF across restarts and reloads; `overrides` lists them, and the file under
 * the state directory is the daemon's whole list, replaced atomically; a request for now ends a
 * record of the other type; a record that cannot be written refuses the request and changes
 * nothing.
 */

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "macro.h"
#include "test-main.h"

#define VF   "0000:75:00.1"
#define VF2  "0000:76:00.2"
#define VFIO "hisi_acc_vfio_pci"

static void config(daemon_harness *h, const char *policy) {
        _cleanup_free_ char *text = NULL;

        ck_assert_int_ge(asprintf_safe(&text,
                                       "\"state_directory\": \"%s/state\",\n"
                                       "  \"binding\": { \"policy\": \"%s\" }",
                                       h->dir, policy),
                         0);
        ck_assert_int_eq(dh_write_config(h, text), 0);
}

static char *sim_driver(daemon_harness *h, const char *vf) {
        char *driver = NULL;

        ck_assert_int_eq(dh_sim_field(h, vf, "driver", &driver), 0);
        return driver;
}

static void wait_driver(daemon_harness *h, const char *vf, const char *want) {
        _cleanup_free_ char *path = dh_device_path(vf);

        ck_assert_int_eq(dh_wait_property(h, path, ACCMIG_DEVICE_INTERFACE, "Driver", want), 0);
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "PendingJobs", "0"),
                0);
}

/* The daemon stops; the VF goes back to its host driver as a reboot would put it; the daemon
 * starts again, ready when it says READY=1 after its predecessors' last STOPPING=1. */
static void reboot_with(daemon_harness *h, const char *vf, unsigned *stops) {
        _cleanup_free_ char *out = NULL, *driver = NULL;
        size_t cursor = 0;

        ck_assert_int_eq(dh_stop_daemon(h), 0);
        (*stops)++;
        for (unsigned i = 0; i < *stops; i++) {
                ck_assert_int_eq(dh_wait_notify(h, "STOPPING=1", &cursor, NULL), 0);
        }
        if (vf) {
                ck_assert_int_eq(dh_sim_run(h, &out, HISI_TEST_MIGTOOL, "unbind", vf, NULL), 0);
                driver = sim_driver(h, vf);
                ck_assert_str_ne(driver, VFIO);
        }
        ck_assert_int_eq(dh_spawn_daemon(h, NULL), 0);
        ck_assert_int_eq(dh_wait_notify(h, "READY=1", &cursor, NULL), 0);
        ck_assert_int_eq(dh_connect(h), 0);
}

static char *state_file(daemon_harness *h) {
        _cleanup_free_ char *path = NULL;
        char *text = NULL;
        FILE *f;
        size_t n = 0;

        ck_assert_int_ge(asprintf_safe(&path, "%s/state/overrides.json", h->dir), 0);
        f = fopen(path, "re");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_ge(getdelim(&text, &n, '\0', f), 0);
        fclose(f);
        return text;
}

START_TEST(test_bind_persists) {
        _cleanup_free_ char *out = NULL, *driver = NULL, *text = NULL;
        daemon_harness *h = NULL;
        unsigned stops = 0;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        config(h, "none");
        ck_assert_int_eq(dh_start_daemon(h), 0);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "overrides", NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, "no persistent bindings"));
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "bind", "--persistent", "75:00.1", NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, "(persistent"));
        driver = sim_driver(h, VF);
        ck_assert_str_eq(driver, VFIO);

        /* Listed, and in the file, which holds the whole list. */
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "overrides", NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, VF "  bind"));
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, DH_NOBODY, &out, NULL, "--json", "overrides", NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, "\"address\":\"" VF "\""));
        ck_assert_ptr_nonnull(strstr(out, "\"binding\":\"bind\""));
        text = state_file(h);
        ck_assert_str_eq(text, "{\n  \"bind\": [\n    \"" VF "\"\n  ],\n  \"unbind\": [\n  ]\n}\n");

        /* A restart after the VF went back to its host driver: bound again, policy "none". */
        reboot_with(h, VF, &stops);
        wait_driver(h, VF, VFIO);
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "show", VF, NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, "bound by a persistent bind"));

        /* An unbind for now ends the persistent bind: the next restart leaves the VF. */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "unbind", "--runtime", VF, NULL), 0);
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "overrides", NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, "no persistent bindings"));
        reboot_with(h, NULL, &stops);
        free(driver);
        driver = sim_driver(h, VF);
        ck_assert_str_ne(driver, VFIO);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

START_TEST(test_unbind_persists) {
        _cleanup_free_ char *out = NULL, *driver = NULL, *text = NULL;
        daemon_harness *h = NULL;
        unsigned stops = 0;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        config(h, "all");
        ck_assert_int_eq(dh_start_daemon(h), 0);
        wait_driver(h, VF2, VFIO);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "unbind", "--persistent", VF2, NULL), 0);
        driver = sim_driver(h, VF2);
        ck_assert_str_ne(driver, VFIO);

        /* Not even a reload, or a restart, puts policy "all" back on it. */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "reload", NULL), 0);
        wait_driver(h, VF, VFIO);
        free(driver);
        driver = sim_driver(h, VF2);
        ck_assert_str_ne(driver, VFIO);
        reboot_with(h, NULL, &stops);
        wait_driver(h, VF, VFIO);
        free(driver);
        driver = sim_driver(h, VF2);
        ck_assert_str_ne(driver, VFIO);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "show", VF2, NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, "kept off hisi_acc_vfio_pci by a persistent unbind"));
        text = state_file(h);
        ck_assert_ptr_nonnull(strstr(text, "\"unbind\": [\n    \"" VF2 "\"\n  ]"));

        /* A persistent bind replaces it. */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "bind", "--persistent", VF2, NULL), 0);
        free(text);
        text = state_file(h);
        ck_assert_ptr_nonnull(strstr(text, "\"bind\": [\n    \"" VF2 "\"\n  ]"));
        ck_assert_ptr_null(strstr(text, "\"unbind\": [\n    \""));
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

START_TEST(test_unwritable) {
        _cleanup_free_ char *err = NULL, *state = NULL, *driver = NULL;
        daemon_harness *h = NULL;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        config(h, "none");
        /* The state directory is a file: nothing can be recorded there. */
        ck_assert_int_ge(asprintf_safe(&state, "%s/state", h->dir), 0);
        ck_assert_int_eq(write_file(state, "", 0, 0644), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "bind", "--persistent", VF, NULL), 1);
        ck_assert_ptr_nonnull(strstr(err, "Could not record the persistent bind of " VF));
        driver = sim_driver(h, VF);
        ck_assert_str_ne(driver, VFIO);
        /* For now still works. */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "bind", VF, NULL), 0);
        /* Usage: --persistent is for bind and unbind, and not with --runtime. */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "reload", "--persistent", NULL), 2);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "bind", "--persistent", "--runtime", VF, NULL),
                         2);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

static Suite *daemon_persistent_suite(void) {
        Suite *s = suite_create("daemon-persistent");
        TCase *tc = tcase_create("persistent");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_bind_persists);
        tcase_add_test(tc, test_unbind_persists);
        tcase_add_test(tc, test_unwritable);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, daemon_persistent_suite)
