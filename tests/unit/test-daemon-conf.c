/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for hisi-accmigd's configuration (daemon/conf.c): the defaults, the shipped
 * conf/hisi-accmigd.json being exactly the defaults, a file with every key, and each refusal
 * with its line, path and reason, the output untouched.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"
#include "file-util.h"
#include "hisi/json-util.h"
#include "macro.h"
#include "test-main.h"

#define MS 1000ULL

static void assert_same(const Config *a, const Config *b) {
        ck_assert_int_eq(a->backend, b->backend);
        ck_assert_str_eq(a->runtime_directory, b->runtime_directory);
        ck_assert_pstr_eq(a->state_directory, b->state_directory);
        ck_assert_int_eq(a->log_level, b->log_level);
        ck_assert_int_eq(a->binding.policy, b->binding.policy);
        ck_assert_uint_eq(a->binding.devices.n, b->binding.devices.n);
        ck_assert_uint_eq(a->binding.pfs.n, b->binding.pfs.n);
        ck_assert_uint_eq(a->binding.exclude.n, b->binding.exclude.n);
        ck_assert_int_eq(a->binding.take_from_other_drivers, b->binding.take_from_other_drivers);
        ck_assert_int_eq(a->binding.bind_libvirt_managed, b->binding.bind_libvirt_managed);
        ck_assert_int_eq(a->libvirt.enabled, b->libvirt.enabled);
        ck_assert_str_eq(a->libvirt.uri, b->libvirt.uri);
        ck_assert_str_eq(a->peer.listen_address, b->peer.listen_address);
        ck_assert_uint_eq(a->peer.port, b->peer.port);
        ck_assert_int_eq(a->peer.tls_mode, b->peer.tls_mode);
        ck_assert_str_eq(a->peer.tls_directory, b->peer.tls_directory);
        ck_assert_str_eq(a->peer.ca_cert, b->peer.ca_cert);
        ck_assert_str_eq(a->peer.server_cert, b->peer.server_cert);
        ck_assert_str_eq(a->peer.server_key, b->peer.server_key);
        ck_assert_str_eq(a->peer.client_cert, b->peer.client_cert);
        ck_assert_str_eq(a->peer.client_key, b->peer.client_key);
        ck_assert_uint_eq(a->timeouts.bind_usec, b->timeouts.bind_usec);
        ck_assert_uint_eq(a->timeouts.bind_retry_min_usec, b->timeouts.bind_retry_min_usec);
        ck_assert_uint_eq(a->timeouts.bind_retry_max_usec, b->timeouts.bind_retry_max_usec);
        ck_assert_uint_eq(a->timeouts.libvirt_usec, b->timeouts.libvirt_usec);
        ck_assert_uint_eq(a->timeouts.peer_connect_usec, b->timeouts.peer_connect_usec);
        ck_assert_uint_eq(a->timeouts.peer_io_usec, b->timeouts.peer_io_usec);
        ck_assert_uint_eq(a->timeouts.migration_usec, b->timeouts.migration_usec);
        ck_assert_uint_eq(a->timeouts.reservation_usec, b->timeouts.reservation_usec);
        ck_assert_uint_eq(a->limits.max_devices, b->limits.max_devices);
        ck_assert_uint_eq(a->limits.max_concurrent_binds, b->limits.max_concurrent_binds);
        ck_assert_uint_eq(a->limits.max_migrations, b->limits.max_migrations);
        ck_assert_uint_eq(a->limits.max_peer_connections, b->limits.max_peer_connections);
}

START_TEST(test_defaults) {
        _cleanup_(config_done) Config c = {}, empty = {};

        ck_assert_int_eq(config_default(&c), 0);
        ck_assert_int_eq(c.backend, HISI_BACKEND_KERNEL);
        ck_assert_str_eq(c.runtime_directory, "/run/hisi-accmigd");
        ck_assert_int_eq(c.log_level, LOG_INFO);
        ck_assert_int_eq(c.binding.policy, BIND_POLICY_NONE);
        ck_assert(c.libvirt.enabled);
        ck_assert_str_eq(c.libvirt.uri, "qemu:///system");
        ck_assert_uint_eq(c.peer.port, 16520);
        ck_assert_int_eq(c.peer.tls_mode, TLS_MODE_X509);
        ck_assert_uint_eq(c.timeouts.bind_usec, 10000 * MS);
        ck_assert_uint_eq(c.limits.max_concurrent_binds, 8);
        /* "{}" is the defaults, TLS files included. */
        ck_assert_int_eq(config_parse("{}", 2, "t.json", &empty, NULL), 0);
        ck_assert_str_eq(empty.peer.ca_cert, "/etc/pki/qemu/ca-cert.pem");
        ck_assert_str_eq(empty.peer.client_key, "/etc/pki/qemu/client-key.pem");
        assert_same(&c, &empty);
        ck_assert_int_eq(config_default(NULL), -EINVAL);
}
END_TEST

START_TEST(test_shipped_file_is_the_defaults) {
        _cleanup_(config_done) Config c = {}, file = {};
        _cleanup_free_ char *error = NULL;

        ck_assert_int_eq(config_parse("{}", 2, NULL, &c, NULL), 0);
        ck_assert_msg(config_load(HISI_TEST_SRCDIR "/../conf/hisi-accmigd.json", &file, &error) ==
                              0,
                      "%s", error);
        assert_same(&c, &file);
}
END_TEST

static const char full[] =
        "{\n"
        "  \"backend\": \"sim\",\n"
        "  \"runtime_directory\": \"/var/run/acc\",\n"
        "  \"log_level\": \"debug\",\n"
        "  \"binding\": {\n"
        "    \"policy\": \"devices\",\n"
        "    \"devices\": [\"75:00.1\", \"0000:76:00.2\"],\n"
        "    \"pfs\": [],\n"
        "    \"exclude\": [\"0000:75:00.3\"],\n"
        "    \"take_from_other_drivers\": true,\n"
        "    \"bind_libvirt_managed\": true\n"
        "  },\n"
        "  \"libvirt\": { \"enabled\": false, \"uri\": \"qemu+ssh://h/system\" },\n"
        "  \"peer\": {\n"
        "    \"listen_address\": \"192.0.2.1\",\n"
        "    \"port\": 7000,\n"
        "    \"tls\": {\n"
        "      \"mode\": \"none\",\n"
        "      \"directory\": \"/etc/pki/acc\",\n"
        "      \"ca_cert\": \"/etc/pki/CA/cacert.pem\"\n"
        "    }\n"
        "  },\n"
        "  \"timeouts\": {\n"
        "    \"bind_ms\": 500, \"bind_retry_min_ms\": 50, \"bind_retry_max_ms\": 50,\n"
        "    \"libvirt_ms\": 100, \"peer_connect_ms\": 200, \"peer_io_ms\": 300,\n"
        "    \"migration_ms\": 400, \"reservation_ms\": 600\n"
        "  },\n"
        "  \"limits\": {\n"
        "    \"max_devices\": 10, \"max_concurrent_binds\": 2,\n"
        "    \"max_migrations\": 3, \"max_peer_connections\": 4\n"
        "  }\n"
        "}\n";

START_TEST(test_every_key) {
        _cleanup_(config_done) Config c = {};
        _cleanup_free_ char *error = NULL;

        ck_assert_msg(config_parse(full, strlen(full), "full.json", &c, &error) == 0, "%s", error);
        ck_assert_ptr_null(error);
        ck_assert_int_eq(c.backend, HISI_BACKEND_SIM);
        ck_assert_str_eq(c.runtime_directory, "/var/run/acc");
        ck_assert_int_eq(c.log_level, LOG_DEBUG);
        ck_assert_int_eq(c.binding.policy, BIND_POLICY_DEVICES);
        ck_assert_uint_eq(c.binding.devices.n, 2);
        ck_assert_str_eq(c.binding.devices.addresses[0], "0000:75:00.1");
        ck_assert(address_list_contains(&c.binding.devices, "0000:76:00.2"));
        ck_assert(!address_list_contains(&c.binding.devices, "0000:76:00.3"));
        ck_assert(address_list_contains(&c.binding.exclude, "0000:75:00.3"));
        ck_assert(c.binding.take_from_other_drivers);
        ck_assert(c.binding.bind_libvirt_managed);
        ck_assert(!c.libvirt.enabled);
        ck_assert_str_eq(c.libvirt.uri, "qemu+ssh://h/system");
        ck_assert_str_eq(c.peer.listen_address, "192.0.2.1");
        ck_assert_uint_eq(c.peer.port, 7000);
        ck_assert_int_eq(c.peer.tls_mode, TLS_MODE_NONE);
        ck_assert_str_eq(c.peer.ca_cert, "/etc/pki/CA/cacert.pem");
        ck_assert_str_eq(c.peer.server_cert, "/etc/pki/acc/server-cert.pem");
        ck_assert_uint_eq(c.timeouts.bind_usec, 500 * MS);
        ck_assert_uint_eq(c.timeouts.bind_retry_max_usec, 50 * MS);
        ck_assert_uint_eq(c.timeouts.migration_usec, 400 * MS);
        ck_assert_uint_eq(c.timeouts.reservation_usec, 600 * MS);
        ck_assert_uint_eq(c.limits.max_devices, 10);
        ck_assert_uint_eq(c.limits.max_peer_connections, 4);
}
END_TEST

static const struct {
        const char *text;
        const char *message;
} bad[] = {
        { "[]", "t.json:1: expected an object" },
        { "{\n  \"colour\": 1\n}", "t.json:2: colour: unknown key" },
        { "{\"backend\": \"KERNEL\"}",
          "t.json:1: backend: expected one of \"kernel\", \"sim\", got "
          "\"KERNEL\"" },
        { "{\"backend\": 1}", "t.json:1: backend: expected one of \"kernel\", \"sim\", got 1" },
        { "{\"log_level\": \"loud\"}", "t.json:1: log_level: expected one of \"err\", \"warning\", "
                                       "\"notice\", \"info\", \"debug\", got \"loud\"" },
        { "{\"runtime_directory\": \"/run/../etc\"}",
          "t.json:1: runtime_directory: expected a path without . or .., got \"/run/../etc\"" },
        { "{\"binding\": []}", "t.json:1: binding: expected an object" },
        { "{\"binding\": {\"policy\": \"devices\", \"devices\": [\"75:00.1\", \"0000:75:00.1\"]}}",
          "t.json:1: binding.devices[1]: duplicate of devices[0], got \"0000:75:00.1\"" },
        { "{\"binding\": {\"policy\": \"pfs\", \"devices\": [\"75:00.1\"]}}",
          "t.json:1: binding.devices: only used when binding.policy is \"devices\" (it is "
          "\"pfs\")" },
        { "{\"binding\": {\"pfs\": [\"75:00.0\"]}}",
          "t.json:1: binding.pfs: only used when binding.policy is \"pfs\" (it is \"none\")" },
        { "{\"binding\": {\"exclude\": [7]}}", "t.json:1: binding.exclude[0]: expected a string" },
        { "{\"binding\": {\"take_from_other_drivers\": \"yes\"}}",
          "t.json:1: binding.take_from_other_drivers: expected true or false" },
        { "{\"libvirt\": {\"uri\": \"\"}}",
          "t.json:1: libvirt.uri: expected a libvirt URI such as \"qemu:///system\", got \"\"" },
        { "{\"libvirt\": {\"enable\": true}}", "t.json:1: libvirt.enable: unknown key" },
        { "{\"peer\": {\"listen_address\": \"localhost\"}}",
          "t.json:1: peer.listen_address: expected an IPv4 or IPv6 address" },
        { "{\"peer\": {\"port\": 0}}", "t.json:1: peer.port: expected an integer from 1 to 65535" },
        { "{\"peer\": {\"port\": 16514}}",
          "t.json:1: peer.port: libvirt listens on 16509 and 16514; choose another port" },
        { "{\"peer\": {\"tls\": {\"mode\": \"psk\"}}}",
          "t.json:1: peer.tls.mode: expected one of \"x509\", \"none\", got \"psk\"" },
        { "{\"peer\": {\"tls\": {\"ca_cert\": \"ca.pem\"}}}",
          "t.json:1: peer.tls.ca_cert: expected an absolute path, got \"ca.pem\"" },
        { "{\"peer\": {\"tls\": {\"ca\": \"/ca.pem\"}}}", "t.json:1: peer.tls.ca: unknown key" },
        { "{\"timeouts\": {\"bind_ms\": 5}}",
          "t.json:1: timeouts.bind_ms: expected an integer from 10 to 600000, got 5" },
        { "{\"timeouts\": {\"bind_ms\": 1.5}}", "t.json:1: timeouts.bind_ms: expected an integer" },
        { "{\"timeouts\": {\"bind_retry_min_ms\": 2000, \"bind_retry_max_ms\": 1000}}",
          "t.json:1: timeouts.bind_retry_max_ms: must not be below bind_retry_min_ms (2000)" },
        { "{\"limits\": {\"max_concurrent_binds\": 65}}",
          "t.json:1: limits.max_concurrent_binds: expected an integer from 1 to 64, got 65" },
        { "{\"limits\": {\"max_binds\": 1}}", "t.json:1: limits.max_binds: unknown key" },
        { "{\"log_level\": \"info\", \"log_level\": \"info\"}",
          "t.json:1: log_level: duplicate key" },
        { "{\"binding\": {\"policy\": \"all\",}}", "t.json:1:" },
        { "", "t.json:1:" },
};

START_TEST(test_refused) {
        Config c, untouched;
        _cleanup_free_ char *error = NULL;
        int r;

        memset(&c, 0x5a, sizeof(c));
        untouched = c;
        r = config_parse(bad[_i].text, strlen(bad[_i].text), "t.json", &c, &error);
        ck_assert_int_eq(r, -EINVAL);
        ck_assert_ptr_nonnull(error);
        ck_assert_msg(strneq(error, bad[_i].message, strlen(bad[_i].message)),
                      "case %d: got \"%s\", want \"%s…\"", _i, error, bad[_i].message);
        ck_assert_int_eq(memcmp(&c, &untouched, sizeof(c)), 0);
}
END_TEST

START_TEST(test_lines) {
        static const char text[] = "{\n"
                                   "  \"binding\": {\n"
                                   "    \"policy\": \"devices\",\n"
                                   "    \"devices\": [\n"
                                   "      \"0000:75:00.1\",\n"
                                   "      \"0000:75:00.x\"\n"
                                   "    ]\n"
                                   "  }\n"
                                   "}\n";
        _cleanup_free_ char *error = NULL;
        Config c = {};

        ck_assert_int_eq(config_parse(text, strlen(text), "a.json", &c, &error), -EINVAL);
        ck_assert_str_eq(error, "a.json:6: binding.devices[1]: expected a PCI address such as "
                                "\"0000:75:00.1\", got \"0000:75:00.x\"");
}
END_TEST

START_TEST(test_load_errors) {
        _cleanup_free_ char *error = NULL, *big = NULL;
        Config c = {};

        ck_assert_int_eq(config_load("/nonexistent/hisi-accmigd.json", &c, &error), -ENOENT);
        ck_assert_str_eq(error, "/nonexistent/hisi-accmigd.json: No such file or directory");
        error = mfree(error);
        ck_assert_int_eq(config_load("/", &c, &error), -EISDIR);
        ck_assert_str_eq(error, "/: Is a directory");
        error = mfree(error);
        ck_assert_int_eq(config_load(NULL, &c, NULL), -EINVAL);
        ck_assert_int_eq(config_parse("{}", 2, NULL, NULL, NULL), -EINVAL);
        big = malloc(HISI_JSON_SIZE_MAX + 2);
        ck_assert_ptr_nonnull(big);
        memset(big, ' ', HISI_JSON_SIZE_MAX + 1);
        big[0] = '{';
        big[HISI_JSON_SIZE_MAX] = '}';
        ck_assert_int_eq(config_parse(big, HISI_JSON_SIZE_MAX + 1, "big.json", &c, &error), -EFBIG);
        ck_assert_ptr_nonnull(strstr(error, "big.json: too large"));
}
END_TEST

START_TEST(test_enums) {
        for (BindPolicy p = 0; p < _BIND_POLICY_MAX; p++)
                ck_assert_int_eq(bind_policy_from_string(bind_policy_to_string(p)), p);
        ck_assert_int_eq(bind_policy_from_string("All"), -EINVAL);
        ck_assert_int_eq(bind_policy_from_string(NULL), -EINVAL);
        ck_assert_ptr_null(bind_policy_to_string(_BIND_POLICY_MAX));
        for (TlsMode m = 0; m < _TLS_MODE_MAX; m++)
                ck_assert_int_eq(tls_mode_from_string(tls_mode_to_string(m)), m);
        ck_assert_int_eq(tls_mode_from_string("tls"), -EINVAL);
        ck_assert_ptr_null(tls_mode_to_string(-1));
        ck_assert(!address_list_contains(NULL, "0000:75:00.1"));
}
END_TEST

START_TEST(test_state_directory) {
        _cleanup_(config_done) Config c = {};
        _cleanup_free_ char *error = NULL;
        static const char text[] = "{\"state_directory\": \"/srv/accmig\"}";

        /* Not set: $STATE_DIRECTORY, else the build's. */
        ck_assert_int_eq(config_default(&c), 0);
        ck_assert_ptr_null(c.state_directory);
        ck_assert_int_eq(unsetenv("STATE_DIRECTORY"), 0);
        ck_assert_str_eq(config_state_directory(&c), HISI_STATE_DIR);
        config_done(&c);
        ck_assert_int_eq(config_parse(text, strlen(text), "t.json", &c, &error), 0);
        ck_assert_str_eq(config_state_directory(&c), "/srv/accmig");
        /* The service manager's wins; the first of several. */
        ck_assert_int_eq(setenv("STATE_DIRECTORY", "/var/lib/hisi-accmigd:/var/lib/other", 1), 0);
        ck_assert_str_eq(config_state_directory(&c), "/var/lib/hisi-accmigd");
        ck_assert_int_eq(setenv("STATE_DIRECTORY", "relative", 1), 0);
        ck_assert_str_eq(config_state_directory(&c), "/srv/accmig");
        ck_assert_int_eq(unsetenv("STATE_DIRECTORY"), 0);
        config_done(&c);
        ck_assert_int_eq(config_parse("{\"state_directory\": \"var\"}", 26, "t.json", &c, &error),
                         -EINVAL);
        ck_assert_str_eq(error,
                         "t.json:1: state_directory: expected an absolute path, got \"var\"");
}
END_TEST

static Suite *daemon_conf_suite(void) {
        Suite *s = suite_create("daemon-conf");
        TCase *tc;

        tc = tcase_create("valid");
        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_shipped_file_is_the_defaults);
        tcase_add_test(tc, test_every_key);
        tcase_add_test(tc, test_enums);
        tcase_add_test(tc, test_state_directory);
        suite_add_tcase(s, tc);

        tc = tcase_create("refused");
        tcase_add_loop_test(tc, test_refused, 0, (int)ELEMENTSOF(bad));
        tcase_add_test(tc, test_lines);
        tcase_add_test(tc, test_load_errors);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(daemon_conf_suite)
