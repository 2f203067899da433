/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl's D-Bus -> JSON reader (daemon/ctl/ctl-json.c), on messages built here as the
 * daemon's replies are: every basic type the interface uses, a property dictionary, the
 * Manager's PhysicalFunctions array of structs, GetManagedObjects' nested dictionaries, the end
 * of the message; and the accessors the tables use, on absent and null members.
 */

#include <check.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include "ctl-json.h"
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
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(ctl_json_suite)
