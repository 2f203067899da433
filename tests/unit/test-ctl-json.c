/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl's D-Bus -> JSON reader (daemon/ctl/ctl-json.c), on messages built here as the
 * daemon's replies are: every basic type the interface uses, a property dictionary, the
 * Manager's PhysicalFunctions array of structs, GetManagedObjects' nested dictionaries, the end
 * of the message; and the accessors the tables use, on absent and null members. The tools' key
 * style (snake_case, structs as objects) and the failed calls in words (ctl-error.c).
 */

#include <check.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include "accmig-bus.h"
#include "ctl-error.h"
#include "ctl-json.h"
#include "ctl.h"
#include "json-cleanup.h"
#include "macro.h"
#include "test-main.h"

static sd_bus *bus;
static int fds[2] = { -EBADF, -EBADF };

/* Messages need a bus that has started; one end of a socket pair is enough to build them. */
static void setup(void) {
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        ck_assert_int_ge(sd_bus_new(&bus), 0);
        ck_assert_int_ge(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
        ck_assert_int_ge(sd_bus_start(bus), 0);
}

static void teardown(void) {
        bus = sd_bus_close_unref(bus);
        fds[1] = safe_close(fds[1]);
}

static sd_bus_message *new_message(void) {
        sd_bus_message *m = NULL;

        ck_assert_int_ge(sd_bus_message_new_signal(bus, &m, "/x", "x.y", "Z"), 0);
        return m;
}

/* The message as a reply is read: sealed, from the start. */
static json_object *read_all(sd_bus_message *m) {
        json_object *o = NULL;

        ck_assert_int_ge(sd_bus_message_seal(m, 1, 0), 0);
        ck_assert_int_ge(sd_bus_message_rewind(m, true), 0);
        ck_assert_int_eq(ctl_json_read(m, &o), 1);
        ck_assert_ptr_nonnull(o);
        return o;
}

static void assert_json(json_object *o, const char *want) {
        ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE),
                         want);
}

START_TEST(test_properties) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_message();
        _cleanup_json_ json_object *o = NULL;
        int r;

        /* One of each basic type the interface uses, as GetAll returns them. */
        r = sd_bus_message_append(m, "a{sv}", 12, "Address", "s", "0000:75:00.1", "Bound", "b", 1,
                                  "DeviceId", "q", (uint16_t)0xa251, "BindAttempts", "u",
                                  UINT32_MAX, "Path", "o", "/com/hisilicon/AccMig1/device/x",
                                  "Flags", "t", UINT64_MAX, "Delta", "x", INT64_MIN, "Int", "i",
                                  (int32_t)-7, "Byte", "y", (uint8_t)255, "Short", "n",
                                  (int16_t)-300, "Ratio", "d", 0.5, "Sig", "g", "a{sv}");
        ck_assert_int_ge(r, 0);
        o = read_all(m);
        assert_json(o, "{\"Address\":\"0000:75:00.1\",\"Bound\":true,\"DeviceId\":41553,"
                       "\"BindAttempts\":4294967295,"
                       "\"Path\":\"/com/hisilicon/AccMig1/device/x\","
                       "\"Flags\":18446744073709551615,\"Delta\":-9223372036854775808,"
                       "\"Int\":-7,\"Byte\":255,\"Short\":-300,\"Ratio\":0.5,\"Sig\":\"a{sv}\"}");
        /* The whole message was one value. */
        ck_assert_int_eq(ctl_json_read(m, &o), 0);
}
END_TEST

START_TEST(test_array_of_structs) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_message();
        _cleanup_json_ json_object *o = NULL;

        /* The Manager's PhysicalFunctions: a(sssuu). */
        ck_assert_int_ge(sd_bus_message_append(m, "a(sssuu)", 2, "0000:75:00.0", "zip", "hisi_zip",
                                               3, 4, "0000:76:00.0", "sec", "", 0, 0),
                         0);
        o = read_all(m);
        assert_json(o, "[[\"0000:75:00.0\",\"zip\",\"hisi_zip\",3,4],"
                       "[\"0000:76:00.0\",\"sec\",\"\",0,0]]");
}
END_TEST

START_TEST(test_managed_objects) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_message();
        _cleanup_json_ json_object *o = NULL;

        /* GetManagedObjects: a{oa{sa{sv}}}, one object with one interface, one without. */
        ck_assert_int_ge(sd_bus_message_append(m, "a{oa{sa{sv}}}", 2, "/a", 1, "x.Device", 1,
                                               "Kind", "s", "zip", "/b", 0),
                         0);
        o = read_all(m);
        assert_json(o, "{\"/a\":{\"x.Device\":{\"Kind\":\"zip\"}},\"/b\":{}}");
}
END_TEST

START_TEST(test_empty_and_end) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = new_message();
        _cleanup_json_ json_object *first = NULL, *second = NULL, *none = NULL;

        ck_assert_int_ge(sd_bus_message_append(m, "asv", 0, "as", 0), 0);
        first = read_all(m);
        assert_json(first, "[]");
        ck_assert_int_eq(ctl_json_read(m, &second), 1);
        assert_json(second, "[]");
        ck_assert_int_eq(ctl_json_read(m, &none), 0);
        ck_assert_ptr_null(none);
}
END_TEST

START_TEST(test_accessors) {
        _cleanup_json_ json_object *o = json_tokener_parse(
                "{\"Name\": \"zip\", \"Count\": 12, \"Empty\": \"\", \"Null\": null}");

        ck_assert_ptr_nonnull(o);
        ck_assert_str_eq(ctl_json_str(o, "Name"), "zip");
        ck_assert_str_eq(ctl_json_str(o, "Count"), "12");
        ck_assert_str_eq(ctl_json_str(o, "Null"), "");
        ck_assert_str_eq(ctl_json_str(o, "Absent"), "");
        ck_assert_int_eq(ctl_json_int(o, "Count"), 12);
        ck_assert_int_eq(ctl_json_int(o, "Null"), 0);
        ck_assert_int_eq(ctl_json_int(o, "Absent"), 0);
        ck_assert_str_eq(ctl_dash(ctl_json_str(o, "Name")), "zip");
        ck_assert_str_eq(ctl_dash(ctl_json_str(o, "Empty")), "-");
        ck_assert_str_eq(ctl_dash(NULL), "-");
}
END_TEST

START_TEST(test_key_style) {
        static const struct {
                const char *name, *key;
        } cases[] = {
                { "Address", "address" },
                { "BindState", "bind_state" },
                { "VFIndex", "vf_index" },
                { "PF", "pf" },
                { "DeviceId", "device_id" },
                { "IommuGroup", "iommu_group" },
                { "VfioDevice", "vfio_device" },
                { "PhysicalFunctions", "physical_functions" },
                { "MigrationFlags", "migration_flags" },
                { "Qm2Ready", "qm2_ready" },
                { "already_snake", "already_snake" },
                { "", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *k = ctl_json_key(cases[i].name);
                ck_assert_str_eq(k, cases[i].key);
        }
}
END_TEST

START_TEST(test_properties_style) {
        _cleanup_json_ json_object *props = json_tokener_parse(
                "{\"Version\": \"0.1\", \"PhysicalFunctions\": [[\"0000:75:00.0\", \"zip\", "
                "\"hisi_zip\", 3, 4]], \"LibvirtManaged\": [[\"0000:75:00.1\", \"vm1\"]], "
                "\"Other\": [[1, 2]]}");
        _cleanup_json_ json_object *o = NULL, *bad = json_tokener_parse("[1]");
        _cleanup_json_ json_object *bad_struct =
                json_tokener_parse("{\"PhysicalFunctions\": [\"not a struct\"]}");

        ck_assert_ptr_nonnull(props);
        ck_assert_int_eq(ctl_json_properties(props, &o), 0);
        assert_json(o, "{\"version\":\"0.1\",\"physical_functions\":[{\"address\":"
                       "\"0000:75:00.0\",\"kind\":\"zip\",\"driver\":\"hisi_zip\","
                       "\"num_vfs\":3,\"total_vfs\":4}],\"libvirt_managed\":[{\"address\":"
                       "\"0000:75:00.1\",\"domain\":\"vm1\"}],\"other\":[[1,2]]}");
        json_object_put(TAKE_PTR(o));
        ck_assert_int_eq(ctl_json_properties(bad, &o), -EBADMSG);
        ck_assert_int_eq(ctl_json_properties(bad_struct, &o), -EBADMSG);
        ck_assert_ptr_null(o);
}
END_TEST

START_TEST(test_error_sentences) {
        sd_bus_error rejected = SD_BUS_ERROR_MAKE_CONST(
                SD_BUS_ERROR_ACCESS_DENIED,
                "Rejected send message, 2 matched rules; type=\"method_call\", sender=\":1.6\"");
        sd_bus_error daemon_said = SD_BUS_ERROR_MAKE_CONST(
                SD_BUS_ERROR_ACCESS_DENIED, "Only root may reload the configuration.");
        sd_bus_error absent = SD_BUS_ERROR_MAKE_CONST(SD_BUS_ERROR_SERVICE_UNKNOWN,
                                                      "The name is not activatable");
        sd_bus_error old = SD_BUS_ERROR_MAKE_CONST(SD_BUS_ERROR_UNKNOWN_METHOD, "Unknown method");
        sd_bus_error refused = SD_BUS_ERROR_MAKE_CONST(ACCMIG_ERROR_EXCLUDED,
                                                       "0000:75:00.1 is listed in binding.exclude");
        char *s;

        s = ctl_error_sentence("bind", "0000:75:00.1", &rejected, -EACCES);
        ck_assert_str_eq(s, "0000:75:00.1: permission denied: only root may bind a VF to "
                            "hisi_acc_vfio_pci. Run hisi-accmigctl as root (sudo hisi-accmigctl "
                            "bind ...).");
        free(s);
        ck_assert_int_eq(ctl_exit_code_for(&rejected), EXIT_DENIED);
        /* The daemon's own refusal already says who may. */
        s = ctl_error_sentence("reload", "reload", &daemon_said, -EACCES);
        ck_assert_str_eq(s, "reload: Only root may reload the configuration.");
        free(s);
        s = ctl_error_sentence("status", "status", &absent, -EHOSTDOWN);
        ck_assert_ptr_nonnull(strstr(s, "hisi-accmigd is not running"));
        free(s);
        ck_assert_int_eq(ctl_exit_code_for(&absent), EXIT_UNREACHABLE);
        s = ctl_error_sentence("show", "0000:75:00.1", &old, -EBADR);
        ck_assert_ptr_nonnull(strstr(s, "of another version than hisi-accmigctl"));
        free(s);
        s = ctl_error_sentence("bind", "0000:75:00.1", &refused, -EPERM);
        ck_assert_str_eq(s, "0000:75:00.1: 0000:75:00.1 is listed in binding.exclude");
        free(s);
        ck_assert_int_eq(ctl_exit_code_for(&refused), EXIT_REFUSED);
        /* No D-Bus error: the errno. */
        s = ctl_error_sentence("list", "list", NULL, -ENOMEM);
        ck_assert_str_eq(s, "list: Cannot allocate memory");
        free(s);
        ck_assert_int_eq(ctl_exit_code_for(NULL), EXIT_FAILED);
}
END_TEST

static Suite *ctl_json_suite(void) {
        Suite *s = suite_create("ctl-json");
        TCase *tc;

        tc = tcase_create("read");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_properties);
        tcase_add_test(tc, test_array_of_structs);
        tcase_add_test(tc, test_managed_objects);
        tcase_add_test(tc, test_empty_and_end);
        suite_add_tcase(s, tc);
        tc = tcase_create("accessors");
        tcase_add_test(tc, test_accessors);
        tcase_add_test(tc, test_key_style);
        tcase_add_test(tc, test_properties_style);
        tcase_add_test(tc, test_error_sentences);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(ctl_json_suite)
