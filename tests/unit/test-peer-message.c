/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the peer protocol's JSON messages (libhisi/peer-message.c): each message comes
 * back as it was encoded; unknown members are ignored; a missing, mistyped or out-of-range
 * required member is refused with a sentence that names it.
 */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hisi/peer-message.h"
#include "hisi/peer-wire.h"
#include "macro.h"
#include "test-main.h"

static void assert_says(const char *error, const char *words) {
        ck_assert_ptr_nonnull(error);
        ck_assert_msg(strstr(error, words), "\"%s\" does not say \"%s\"", error, words);
}

START_TEST(test_hello) {
        static char *const caps[] = { (char *)"check", (char *)"precopy", NULL };
        hisi_peer_hello h = { .version = 3,
                              .min_version = 1,
                              .host = (char *)"host-a",
                              .software = (char *)"hisi-accmigd 0.1.0",
                              .capabilities = (char **)caps };
        hisi_peer_hello back = {}, other = { .version = 2, .min_version = 2 },
                        newer = { .version = 9, .min_version = 4 };
        _cleanup_free_ char *json = NULL, *error = NULL;

        ck_assert_int_eq(hisi_peer_hello_to_json(&h, &json), 0);
        ck_assert_int_eq(hisi_peer_hello_from_json(json, strlen(json), &back, &error), 0);
        ck_assert_uint_eq(back.version, 3);
        ck_assert_uint_eq(back.min_version, 1);
        ck_assert_str_eq(back.host, "host-a");
        ck_assert_str_eq(back.software, "hisi-accmigd 0.1.0");
        ck_assert(hisi_peer_hello_has(&back, "precopy"));
        ck_assert(!hisi_peer_hello_has(&back, "migrate"));
        ck_assert_int_eq(hisi_peer_version_agree(&back, &other), 2);
        ck_assert_int_eq(hisi_peer_version_agree(&back, &newer), -EPROTONOSUPPORT);
        hisi_peer_hello_done(&back);
}
END_TEST

static const struct refusal {
        const char *json;
        const char *says;
} hello_refusals[] = {
        { "{\"version\":1,\"min_version\":1,\"host\":\"a\"}", "missing required key \"protocol\"" },
        { "{\"protocol\":\"http\",\"version\":1,\"min_version\":1,\"host\":\"a\"}",
          "protocol is \"http\", not \"hisi-accmig\"" },
        { "{\"protocol\":\"hisi-accmig\",\"version\":\"1\",\"min_version\":1,\"host\":\"a\"}",
          "version" },
        { "{\"protocol\":\"hisi-accmig\",\"version\":0,\"min_version\":1,\"host\":\"a\"}",
          "version" },
        { "{\"protocol\":\"hisi-accmig\",\"version\":1,\"min_version\":2,\"host\":\"a\"}",
          "min_version 2 is above version 1" },
        { "{\"protocol\":\"hisi-accmig\",\"version\":1,\"min_version\":1}",
          "missing required key \"host\"" },
        { "{\"protocol\":\"hisi-accmig\",\"version\":1,\"min_version\":1,\"host\":\"a\","
          "\"capabilities\":[1]}",
          "capabilities" },
        { "[1,2]", "object" },
        { "{\"protocol\":\"hisi-accmig\",\"protocol\":\"x\"}", "duplicate" },
};

START_TEST(test_hello_refused) {
        const struct refusal *t = &hello_refusals[_i];
        hisi_peer_hello h = {};
        _cleanup_free_ char *error = NULL;

        ck_assert_int_eq(hisi_peer_hello_from_json(t->json, strlen(t->json), &h, &error), -EBADMSG);
        assert_says(error, t->says);
}
END_TEST

START_TEST(test_unknown_members_ignored) {
        static const char json[] = "{\"protocol\":\"hisi-accmig\",\"version\":1,\"min_version\":1,"
                                   "\"host\":\"a\",\"future\":{\"x\":[1,2]},\"more\":null}";
        hisi_peer_hello h = {};
        _cleanup_free_ char *error = NULL, *type = NULL;

        ck_assert_int_eq(hisi_peer_hello_from_json(json, strlen(json), &h, &error), 0);
        ck_assert_str_eq(h.host, "a");
        hisi_peer_hello_done(&h);
        static const char typed[] = "{\"type\":\"check\",\"x\":1}";
        ck_assert_int_eq(hisi_peer_message_type(typed, strlen(typed), &type, &error), 0);
        ck_assert_str_eq(type, "check");
        type = mfree(type);
        ck_assert_int_eq(hisi_peer_message_type("{\"x\":1}", 7, &type, &error), -EBADMSG);
        assert_says(error, "missing required key \"type\"");
}
END_TEST

START_TEST(test_abort) {
        _cleanup_free_ char *json = NULL, *error = NULL, *long_text = NULL;
        hisi_peer_abort a = {};

        ck_assert_int_eq(hisi_peer_abort_to_json("busy", "too many peers", &json), 0);
        ck_assert_int_eq(hisi_peer_abort_from_json(json, strlen(json), &a, &error), 0);
        ck_assert_str_eq(a.reason, "busy");
        ck_assert_str_eq(a.message, "too many peers");
        hisi_peer_abort_done(&a);
        json = mfree(json);
        /* A sentence past the limit is cut whole characters and still decodes. */
        long_text = malloc(HISI_PEER_TEXT_MAX * 2 + 1);
        for (size_t i = 0; i < HISI_PEER_TEXT_MAX; i++)
                memcpy(long_text + 2 * i, "\xc3\xa9", 2); /* é */
        long_text[HISI_PEER_TEXT_MAX * 2] = 0;
        ck_assert_int_eq(hisi_peer_abort_to_json("internal", long_text + 1, &json), 0);
        ck_assert_int_eq(hisi_peer_abort_from_json(json, strlen(json), &a, &error), -EBADMSG);
        error = mfree(error); /* starts inside a character: invalid UTF-8, refused */
        json = mfree(json);
        ck_assert_int_eq(hisi_peer_abort_to_json("internal", long_text, &json), 0);
        ck_assert_int_eq(hisi_peer_abort_from_json(json, strlen(json), &a, &error), 0);
        ck_assert_uint_le(strlen(a.message), HISI_PEER_TEXT_MAX);
        ck_assert_uint_eq(strlen(a.message) % 2, 0);
        hisi_peer_abort_done(&a);
        static const char no_message[] = "{\"type\":\"abort\",\"reason\":\"x\"}";
        ck_assert_int_eq(hisi_peer_abort_from_json(no_message, strlen(no_message), &a, &error),
                         -EBADMSG);
        assert_says(error, "missing required key \"message\"");
}
END_TEST

static void fill_check(hisi_peer_check *c, hisi_peer_check_device *devs) {
        devs[0] = (hisi_peer_check_device){
                .source = (char *)"0000:75:00.1",
                .desc = { .kind = HISI_KIND_ZIP,
                          .device_id = 0xa251,
                          .qp_num = 64,
                          .que_iso_cfg = 1,
                          .stream = { 2, 1, 0 },
                          .mig_flags = 5,
                          .state_size = 176 },
                .qm_version = 0x30,
        };
        devs[1] = (hisi_peer_check_device){
                .source = (char *)"0000:76:00.1",
                .to = (char *)"0000:76:00.3",
                .desc = { .kind = HISI_KIND_HPRE,
                          .device_id = 0xa259,
                          .stream = { 1, 0, 0 },
                          .mig_flags = 1,
                          .state_size = 176,
                          .unknown = HISI_COMPAT_UNKNOWN(HISI_COMPAT_QP_NUM) |
                                     HISI_COMPAT_UNKNOWN(HISI_COMPAT_QUEUE_ISOLATION) },
        };
        *c = (hisi_peer_check){ .id = 7, .devices = devs, .n_devices = 2 };
}

START_TEST(test_check) {
        hisi_peer_check_device devs[2];
        hisi_peer_check c, back = {};
        _cleanup_free_ char *json = NULL, *error = NULL;

        fill_check(&c, devs);
        ck_assert_int_eq(hisi_peer_check_to_json(&c, &json), 0);
        ck_assert_int_eq(hisi_peer_check_from_json(json, strlen(json), &back, &error), 0);
        ck_assert_uint_eq(back.id, 7);
        ck_assert_uint_eq(back.n_devices, 2);
        ck_assert_str_eq(back.devices[0].source, "0000:75:00.1");
        ck_assert_ptr_null(back.devices[0].to);
        ck_assert_int_eq(back.devices[0].desc.kind, HISI_KIND_ZIP);
        ck_assert_uint_eq(back.devices[0].desc.qp_num, 64);
        ck_assert_uint_eq(back.devices[0].desc.stream.version, 2);
        ck_assert_uint_eq(back.devices[0].desc.stream.major, 1);
        ck_assert_uint_eq(back.devices[0].qm_version, 0x30);
        ck_assert_str_eq(back.devices[1].to, "0000:76:00.3");
        ck_assert_int_eq(back.devices[1].desc.kind, HISI_KIND_HPRE);
        ck_assert_uint_eq(back.devices[1].desc.mig_flags, 1);
        ck_assert_uint_eq(back.devices[0].desc.unknown, 0);
        ck_assert_uint_eq(back.devices[1].desc.unknown,
                          HISI_COMPAT_UNKNOWN(HISI_COMPAT_QP_NUM) |
                                  HISI_COMPAT_UNKNOWN(HISI_COMPAT_QUEUE_ISOLATION));
        hisi_peer_check_done(&back);
}
END_TEST

static const struct refusal check_refusals[] = {
        { "{\"type\":\"check\",\"devices\":[]}", "missing required key \"id\"" },
        { "{\"type\":\"check\",\"id\":1,\"devices\":[]}", "devices" },
        { "{\"type\":\"check\",\"id\":1}", "missing required key \"devices\"" },
        { "{\"type\":\"check\",\"id\":1,\"devices\":[{\"source\":\"0000:75:00.1\"}]}",
          "missing required key \"kind\"" },
        { "{\"type\":\"check\",\"id\":1,\"devices\":[{\"source\":\"0000:75:00.1\",\"kind\":"
          "\"gpu\",\"device_id\":1,\"qp_num\":1,\"que_iso_cfg\":0,\"stream\":{\"version\":1},"
          "\"migration_flags\":1,\"state_size\":176}]}",
          "kind" },
        { "{\"type\":\"check\",\"id\":1,\"devices\":[{\"source\":\"0000:75:00.1\",\"kind\":"
          "\"zip\",\"device_id\":65536,\"qp_num\":1,\"que_iso_cfg\":0,\"stream\":{\"version\":1},"
          "\"migration_flags\":1,\"state_size\":176}]}",
          "device_id" },
        { "{\"type\":\"check\",\"id\":1,\"devices\":[{\"source\":\"0000:75:00.1\",\"kind\":"
          "\"zip\",\"device_id\":1,\"qp_num\":1,\"que_iso_cfg\":0,\"stream\":{\"version\":3},"
          "\"migration_flags\":1,\"state_size\":176}]}",
          "version" },
        { "{\"type\":\"check\",\"id\":1,\"devices\":[{\"source\":\"0000:75:00.1\",\"kind\":"
          "\"zip\",\"device_id\":1,\"qp_num\":1,\"que_iso_cfg\":0,\"stream\":{\"version\":1},"
          "\"migration_flags\":1,\"state_size\":99999999999}]}",
          "state_size" },
        { "{\"type\":\"check\",\"id\":-1,\"devices\":[]}", "id" },
};

START_TEST(test_check_refused) {
        const struct refusal *t = &check_refusals[_i];
        hisi_peer_check c = {};
        _cleanup_free_ char *error = NULL;

        ck_assert_int_eq(hisi_peer_check_from_json(t->json, strlen(t->json), &c, &error), -EBADMSG);
        assert_says(error, t->says);
}
END_TEST

START_TEST(test_check_too_many) {
        _cleanup_free_ char *json = NULL, *error = NULL;
        hisi_peer_check_device one[2];
        hisi_peer_check c, back = {};
        size_t n = HISI_WIRE_DEVICES_MAX + 1;
        _cleanup_free_ hisi_peer_check_device *devs = calloc(n, sizeof(*devs));

        fill_check(&c, one);
        for (size_t i = 0; i < n; i++)
                devs[i] = one[0];
        c.devices = devs;
        c.n_devices = n;
        ck_assert_int_eq(hisi_peer_check_to_json(&c, &json), -EINVAL);
        c.n_devices = n - 1;
        ck_assert_int_eq(hisi_peer_check_to_json(&c, &json), 0);
        ck_assert_int_eq(hisi_peer_check_from_json(json, strlen(json), &back, &error), 0);
        ck_assert_uint_eq(back.n_devices, n - 1);
        hisi_peer_check_done(&back);
}
END_TEST

START_TEST(test_check_reply) {
        static char *const reasons[] = { (char *)"qp count: source 64, destination 32", NULL };
        static char *const none[] = { NULL };
        hisi_peer_check_result res[2] = {
                { .source = (char *)"0000:75:00.1",
                  .destination = (char *)"0000:75:00.2",
                  .accepted = true,
                  .reasons = (char **)none },
                { .source = (char *)"0000:76:00.1",
                  .destination = NULL,
                  .accepted = false,
                  .reasons = (char **)reasons },
        };
        hisi_peer_check_reply c = { .id = 3, .devices = res, .n_devices = 2 }, back = {};
        _cleanup_free_ char *json = NULL, *error = NULL;

        ck_assert_int_eq(hisi_peer_check_reply_to_json(&c, &json), 0);
        ck_assert_int_eq(hisi_peer_check_reply_from_json(json, strlen(json), &back, &error), 0);
        ck_assert_uint_eq(back.id, 3);
        ck_assert(back.devices[0].accepted);
        ck_assert_str_eq(back.devices[0].destination, "0000:75:00.2");
        ck_assert_ptr_null(back.devices[0].reasons[0]);
        ck_assert(!back.devices[1].accepted);
        ck_assert_ptr_null(back.devices[1].destination);
        ck_assert_str_eq(back.devices[1].reasons[0], "qp count: source 64, destination 32");
        ck_assert_ptr_null(back.devices[1].reasons[1]);
        hisi_peer_check_reply_done(&back);
        static const char no_destination[] = "{\"type\":\"check-reply\",\"id\":1,\"devices\":"
                                             "[{\"source\":\"x\",\"accepted\":true,"
                                             "\"reasons\":[]}]}";
        ck_assert_int_eq(hisi_peer_check_reply_from_json(no_destination, strlen(no_destination),
                                                         &back, &error),
                         -EBADMSG);
        assert_says(error, "missing required key \"destination\"");
}
END_TEST

static Suite *peer_message_suite(void) {
        Suite *s = suite_create("peer-message");
        TCase *tc = tcase_create("hello");

        tcase_add_test(tc, test_hello);
        tcase_add_loop_test(tc, test_hello_refused, 0, ELEMENTSOF(hello_refusals));
        tcase_add_test(tc, test_unknown_members_ignored);
        tcase_add_test(tc, test_abort);
        suite_add_tcase(s, tc);
        tc = tcase_create("check");
        tcase_add_test(tc, test_check);
        tcase_add_loop_test(tc, test_check_refused, 0, ELEMENTSOF(check_refusals));
        tcase_add_test(tc, test_check_too_many);
        tcase_add_test(tc, test_check_reply);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(peer_message_suite)
