/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigd's configuration as an operator meets it: a bad file is refused at start with the
 * file, the line, the key and the reason, and exit status 78 (EX_CONFIG), also told to the
 * service manager; --check-config says the same without starting; SIGHUP with a bad file keeps
 * the running configuration (and says why), SIGHUP with a good one applies it (a newly listed
 * VF gets bound), and the Reload method refuses a bad file with the same message.
 */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "macro.h"
#include "test-main.h"

static const struct {
        const char *text;
        const char *message; /* after "<config path>:" */
} bad[] = {
        { "{\n  \"binding\": {\n    \"policy\": \"some\"\n  }\n}\n",
          "3: binding.policy: expected one of \"none\", \"devices\", \"pfs\", \"all\", got "
          "\"some\"" },
        { "{\n  \"backend\": \"sim\",\n  \"bindings\": {}\n}\n", "3: bindings: unknown key" },
        { "{\n  \"timeouts\": {\n    \"bind_ms\": \"10s\"\n  }\n}\n",
          "3: timeouts.bind_ms: expected an integer" },
        { "{\n  \"binding\": {\n    \"policy\": \"devices\",\n    \"devices\": [\"75:00.1\", "
          "\"bogus\"]\n  }\n}\n",
          "4: binding.devices[1]: expected a PCI address such as \"0000:75:00.1\", got "
          "\"bogus\"" },
        { "{\n  \"binding\": {\n    \"devices\": [\"0000:75:00.1\"]\n  }\n}\n",
          "3: binding.devices: only used when binding.policy is \"devices\" (it is \"none\")" },
        { "{\n  \"peer\": {\n    \"port\": 16509\n  }\n}\n",
          "3: peer.port: libvirt listens on 16509 and 16514; choose another port" },
        { "{\n  \"runtime_directory\": \"run/hisi\"\n}\n",
          "2: runtime_directory: expected an absolute path" },
        { "{\n  \"log_level\": \"info\",\n  \"log_level\": \"debug\"\n}\n",
          "3: log_level: duplicate key" },
        { "{\n  \"limits\": { \"max_devices\": 0 }\n}\n",
          "2: limits.max_devices: expected an integer from 1 to 65536, got 0" },
        { "{\n  \"binding\": {\"policy\": \"none\",}\n}\n", "2:" },
};

START_TEST(test_bad_config_refused) {
        _cleanup_free_ char *expect = NULL, *status = NULL;
        daemon_harness *h = NULL;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_write_config_raw(h, bad[_i].text), 0);
        ck_assert_int_ge(asprintf_safe(&expect, "%s:%s", h->config_path, bad[_i].message), 0);
        ck_assert_int_eq(dh_spawn_daemon(h, NULL), 0);
        ck_assert_int_eq(dh_wait_exit(h), 78);
        ck_assert_msg(dh_count_log(h, expect) == 1, "no log line with \"%s\"", expect);
        ck_assert_uint_eq(dh_count_log(h, "Refusing to start"), 1);
        ck_assert_int_eq(dh_wait_notify(h, "STATUS=Bad configuration: ", NULL, &status), 0);
        ck_assert_ptr_nonnull(strstr(status, expect));
        ck_assert_ptr_null(strstr(status, "READY=1"));
        dh_free(h);
}
END_TEST

START_TEST(test_check_config) {
        _cleanup_free_ char *path = NULL, *out = NULL, *err = NULL;
        daemon_harness *h = NULL;
        char *argv[5];
        int r;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        /* The documented default file is valid. */
        ck_assert_int_ge(asprintf_safe(&path, "%s/conf/hisi-accmigd.json", dh_srcdir()), 0);
        r = dh_sim_run(h, &out, dh_daemon_binary(), "--check-config", "--config", path, NULL);
        ck_assert_msg(r == 0, "the default config is refused: %s", out);
        ck_assert_ptr_nonnull(strstr(out, "the configuration is valid"));
        out = mfree(out);
        ck_assert_int_eq(dh_write_config_raw(h, bad[0].text), 0);
        argv[0] = NULL;
        (void)argv;
        r = dh_sim_run(h, &out, dh_daemon_binary(), "--check-config", "--config", h->config_path,
                       NULL);
        ck_assert_int_eq(r, 78);
        /* A missing file is a configuration error too. */
        r = dh_sim_run(h, &err, dh_daemon_binary(), "--check-config", "--config",
                       "/nonexistent/hisi-accmigd.json", NULL);
        ck_assert_int_eq(r, 78);
        dh_free(h);
}
END_TEST

START_TEST(test_sighup) {
        _cleanup_free_ char *expect = NULL, *policy = NULL, *err = NULL;
        _cleanup_free_ char *vf1 = dh_device_path("0000:75:00.1"),
                            *vf2 = dh_device_path("0000:76:00.1");
        daemon_harness *h = NULL;
        size_t notify = 0, log = 0;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_write_config(h, "\"binding\": {\"policy\": \"devices\", "
                                            "\"devices\": [\"0000:75:00.1\"]}"),
                         0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        ck_assert_int_eq(dh_wait_property(h, vf1, ACCMIG_DEVICE_INTERFACE, "Bound", "true"), 0);
        ck_assert_int_eq(dh_wait_notify(h, "READY=1", &notify, NULL), 0);

        /* A bad file: the old config stays, and the log says where the mistake is. */
        ck_assert_int_eq(dh_write_config_raw(h, "{\n  \"binding\": {\n    \"policy\": \"all\",\n"
                                                "    \"frobnicate\": true\n  }\n}\n"),
                         0);
        ck_assert_int_ge(asprintf_safe(&expect,
                                       "Failed to reload the configuration, keeping the running "
                                       "one: %s:4: binding.frobnicate: unknown key",
                                       h->config_path),
                         0);
        ck_assert_int_eq(dh_signal_daemon(h, SIGHUP), 0);
        ck_assert_int_eq(dh_wait_notify(h, "RELOADING=1", &notify, NULL), 0);
        ck_assert_int_eq(dh_wait_notify(h, "READY=1", &notify, NULL), 0);
        ck_assert_int_eq(dh_wait_log(h, expect, &log), 0);
        ck_assert_int_eq(dh_get_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "BindPolicy",
                                         &policy),
                         0);
        ck_assert_str_eq(policy, "devices");
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "PendingJobs", "0"),
                0);
        ck_assert_int_eq(dh_get_property(h, vf2, ACCMIG_DEVICE_INTERFACE, "Bound", &err), 0);
        ck_assert_str_eq(err, "false");
        err = mfree(err);

        /* The Reload method says the same to its caller. */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "reload", NULL), 1);
        ck_assert_ptr_nonnull(strstr(err, ":4: binding.frobnicate: unknown key; the running "
                                          "configuration stays"));

        /* A good file is applied: the newly listed VF is bound. */
        ck_assert_int_eq(dh_write_config(h, "\"binding\": {\"policy\": \"devices\", "
                                            "\"devices\": [\"0000:75:00.1\", \"0000:76:00.1\"]}"),
                         0);
        ck_assert_int_eq(dh_signal_daemon(h, SIGHUP), 0);
        ck_assert_int_eq(dh_wait_notify(h, "RELOADING=1", &notify, NULL), 0);
        ck_assert_int_eq(dh_wait_notify(h, "READY=1", &notify, NULL), 0);
        ck_assert_int_eq(dh_wait_property(h, vf2, ACCMIG_DEVICE_INTERFACE, "Bound", "true"), 0);
        ck_assert_int_eq(dh_wait_log(h, "Reloaded", &log), 0);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

static Suite *daemon_config_suite(void) {
        Suite *s = suite_create("daemon-config");
        TCase *tc;

        tc = tcase_create("start");
        tcase_set_timeout(tc, 240);
        tcase_add_loop_test(tc, test_bad_config_refused, 0, (int)ELEMENTSOF(bad));
        tcase_add_test(tc, test_check_config);
        suite_add_tcase(s, tc);

        tc = tcase_create("reload");
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_sighup);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, daemon_config_suite)
