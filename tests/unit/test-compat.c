/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the compatibility check: compatible pairs, one table row per mismatching field
 * with its exact reason, several mismatches at once and their summary, and the -EINVAL cases.
 */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hisi/compat.h"
#include "macro.h"
#include "test-main.h"

#define MIG_STOP_COPY 0x1 /* VFIO_MIGRATION_STOP_COPY */
#define MIG_PRE_COPY  0x4 /* VFIO_MIGRATION_PRE_COPY */

/* A ZIP VF on a 6.16 kernel; each case below changes what it is about. Later designators in
 * DESC() override the defaults on purpose. */
#pragma GCC diagnostic ignored "-Woverride-init"
#define DESC(...)                                                                                  \
        ((hisi_vf_desc){ .kind = HISI_KIND_ZIP,                                                    \
                         .device_id = 0xa251,                                                      \
                         .qp_num = 64,                                                             \
                         .que_iso_cfg = 1,                                                         \
                         .stream = { .version = 2, .major = 1, .minor = 0 },                       \
                         .mig_flags = MIG_STOP_COPY | MIG_PRE_COPY,                                \
                         .state_size = 176,                                                        \
                         __VA_ARGS__ })

#define V1                                                                                         \
        { .version = 1 }
#define V2(a, b)                                                                                   \
        { .version = 2, .major = (a), .minor = (b) }

/* ---- field names ---- */

START_TEST(test_field_to_string) {
        static const char *const names[_HISI_COMPAT_FIELD_MAX] = {
                "kind",           "device id",       "qp count",   "queue isolation",
                "stream version", "migration flags", "state size",
        };

        for (hisi_compat_field f = 0; f < _HISI_COMPAT_FIELD_MAX; f++)
                ck_assert_str_eq(hisi_compat_field_to_string(f), names[f]);
        ck_assert_ptr_null(hisi_compat_field_to_string(_HISI_COMPAT_FIELD_MAX));
        ck_assert_ptr_null(hisi_compat_field_to_string(_HISI_COMPAT_FIELD_INVALID));
}
END_TEST

/* ---- compatible pairs ---- */

static const struct {
        const char *what;
        hisi_vf_desc src, dst;
} compatible[] = {
        { "identical 6.16 hosts", DESC(), DESC() },
        { "V1 source, pre-6.16 destination", DESC(.stream = V1), DESC(.stream = V1) },
        { "V1 source, 6.16 destination", DESC(.stream = V1), DESC() },
        { "V2 minor differs", DESC(.stream = V2(1, 0)), DESC(.stream = V2(1, 7)) },
        { "destination without PRE_COPY", DESC(), DESC(.mig_flags = MIG_STOP_COPY) },
        { "5.18-6.1 source, STOP_COPY only", DESC(.mig_flags = MIG_STOP_COPY, .stream = V1),
          DESC(.stream = V1) },
        { "smaller state than accepted", DESC(.state_size = 40), DESC() },
        { "other SEC VFs", DESC(.kind = HISI_KIND_SEC, .device_id = 0xa256, .qp_num = 256),
          DESC(.kind = HISI_KIND_SEC, .device_id = 0xa256, .qp_num = 256) },
        { "isolation off on both", DESC(.que_iso_cfg = 0), DESC(.que_iso_cfg = 0) },
};

START_TEST(test_compatible) {
        hisi_compat_verdict v = {};

        ck_assert_msg(hisi_compat_check(&compatible[_i].src, &compatible[_i].dst, &v) == 0, "%s",
                      compatible[_i].what);
        ck_assert_uint_eq(v.n_mismatches, 0);
        for (size_t i = 0; i < ELEMENTSOF(v.reasons); i++)
                ck_assert_ptr_null(v.reasons[i]);
        ck_assert_ptr_null(hisi_compat_verdict_summary(&v));
        hisi_compat_verdict_done(&v);
}
END_TEST

/* ---- one mismatching field ---- */

static const struct {
        hisi_vf_desc src, dst;
        hisi_compat_field field;
        const char *reason;
} mismatches[] = {
        { DESC(), DESC(.kind = HISI_KIND_SEC), HISI_COMPAT_KIND,
          "kind: source zip, destination sec" },
        { DESC(.kind = HISI_KIND_HPRE), DESC(), HISI_COMPAT_KIND,
          "kind: source hpre, destination zip" },
        { DESC(), DESC(.device_id = 0xa256), HISI_COMPAT_DEVICE_ID,
          "device id: source 0xa251, destination 0xa256" },
        { DESC(), DESC(.qp_num = 32), HISI_COMPAT_QP_NUM, "qp count: source 64, destination 32" },
        { DESC(.qp_num = 1), DESC(.qp_num = 1024), HISI_COMPAT_QP_NUM,
          "qp count: source 1, destination 1024" },
        { DESC(), DESC(.qp_num = 0), HISI_COMPAT_QP_NUM,
          "qp count: source 64, destination 0 (the destination VF has no queue pairs)" },
        { DESC(.qp_num = 0), DESC(.qp_num = 0), HISI_COMPAT_QP_NUM,
          "qp count: source 0, destination 0 (the destination VF has no queue pairs)" },
        { DESC(), DESC(.que_iso_cfg = 0), HISI_COMPAT_QUEUE_ISOLATION,
          "queue isolation: source 0x1, destination 0x0" },
        { DESC(), DESC(.stream = V1), HISI_COMPAT_STREAM_VERSION,
          "stream version: source sends V2 (1.0), destination kernel accepts only V1" },
        { DESC(.stream = V2(1, 3)), DESC(.stream = V1), HISI_COMPAT_STREAM_VERSION,
          "stream version: source sends V2 (1.3), destination kernel accepts only V1" },
        { DESC(.stream = V2(2, 0)), DESC(), HISI_COMPAT_STREAM_VERSION,
          "stream version: source sends V2 (2.0), destination kernel accepts V1 and V2 1.x" },
        { DESC(), DESC(.stream = V2(2, 1)), HISI_COMPAT_STREAM_VERSION,
          "stream version: source sends V2 (1.0), destination kernel accepts V1 and V2 2.x" },
        { DESC(), DESC(.mig_flags = 0), HISI_COMPAT_MIG_FLAGS,
          "migration flags: source 0x5, destination 0x0 (destination without STOP_COPY)" },
        { DESC(), DESC(.mig_flags = MIG_PRE_COPY), HISI_COMPAT_MIG_FLAGS,
          "migration flags: source 0x5, destination 0x4 (destination without STOP_COPY)" },
        { DESC(.mig_flags = MIG_PRE_COPY), DESC(), HISI_COMPAT_MIG_FLAGS,
          "migration flags: source 0x4, destination 0x5 (source without STOP_COPY)" },
        { DESC(.mig_flags = 0), DESC(.mig_flags = 0), HISI_COMPAT_MIG_FLAGS,
          "migration flags: source 0x0, destination 0x0 (both without STOP_COPY)" },
        { DESC(), DESC(.state_size = 40), HISI_COMPAT_STATE_SIZE,
          "state size: source saves 176 bytes, destination accepts at most 40" },
        { DESC(.state_size = 177), DESC(), HISI_COMPAT_STATE_SIZE,
          "state size: source saves 177 bytes, destination accepts at most 176" },
};

START_TEST(test_mismatch) {
        hisi_compat_verdict v = {};
        char *summary;

        ck_assert_int_eq(hisi_compat_check(&mismatches[_i].src, &mismatches[_i].dst, &v), 1);
        ck_assert_uint_eq(v.n_mismatches, 1);
        for (hisi_compat_field f = 0; f < _HISI_COMPAT_FIELD_MAX; f++) {
                if (f == mismatches[_i].field)
                        ck_assert_pstr_eq(v.reasons[f], mismatches[_i].reason);
                else
                        ck_assert_ptr_null(v.reasons[f]);
        }
        summary = hisi_compat_verdict_summary(&v);
        ck_assert_pstr_eq(summary, mismatches[_i].reason);
        free(summary);

        hisi_compat_verdict_done(&v);
        ck_assert_uint_eq(v.n_mismatches, 0);
        ck_assert_ptr_null(v.reasons[mismatches[_i].field]);
}
END_TEST

/* ---- several at once ---- */

START_TEST(test_several_mismatches) {
        /* A ZIP VF offered to a SEC VF on a 6.15 host with a smaller VFT. */
        hisi_vf_desc src = DESC();
        hisi_vf_desc dst = DESC(.kind = HISI_KIND_SEC, .device_id = 0xa256, .qp_num = 32,
                                .stream = V1, .mig_flags = MIG_STOP_COPY | MIG_PRE_COPY);
        hisi_compat_verdict v = {};
        char *summary;

        ck_assert_int_eq(hisi_compat_check(&src, &dst, &v), 4);
        ck_assert_uint_eq(v.n_mismatches, 4);
        ck_assert_pstr_eq(v.reasons[HISI_COMPAT_KIND], "kind: source zip, destination sec");
        ck_assert_pstr_eq(v.reasons[HISI_COMPAT_DEVICE_ID],
                          "device id: source 0xa251, destination 0xa256");
        ck_assert_pstr_eq(v.reasons[HISI_COMPAT_QP_NUM], "qp count: source 64, destination 32");
        ck_assert_ptr_null(v.reasons[HISI_COMPAT_QUEUE_ISOLATION]);
        ck_assert_pstr_eq(
                v.reasons[HISI_COMPAT_STREAM_VERSION],
                "stream version: source sends V2 (1.0), destination kernel accepts only V1");
        ck_assert_ptr_null(v.reasons[HISI_COMPAT_MIG_FLAGS]);
        ck_assert_ptr_null(v.reasons[HISI_COMPAT_STATE_SIZE]);

        summary = hisi_compat_verdict_summary(&v);
        ck_assert_pstr_eq(summary,
                          "kind: source zip, destination sec; "
                          "device id: source 0xa251, destination 0xa256; "
                          "qp count: source 64, destination 32; "
                          "stream version: source sends V2 (1.0), destination kernel accepts "
                          "only V1");
        free(summary);
        hisi_compat_verdict_done(&v);
}
END_TEST

START_TEST(test_every_field_mismatches) {
        hisi_vf_desc src = DESC(.stream = V2(3, 0), .state_size = 4096);
        hisi_vf_desc dst = DESC(.kind = HISI_KIND_HPRE, .device_id = 0xa259, .qp_num = 0,
                                .que_iso_cfg = 0, .mig_flags = MIG_PRE_COPY);
        hisi_compat_verdict v = {};

        ck_assert_int_eq(hisi_compat_check(&src, &dst, &v), _HISI_COMPAT_FIELD_MAX);
        for (hisi_compat_field f = 0; f < _HISI_COMPAT_FIELD_MAX; f++) {
                const char *name = hisi_compat_field_to_string(f);
                ck_assert_ptr_nonnull(v.reasons[f]);
                /* Each reason starts with its field's name and a colon. */
                ck_assert_msg(strncmp(v.reasons[f], name, strlen(name)) == 0 &&
                                      v.reasons[f][strlen(name)] == ':',
                              "reason \"%s\" does not start with \"%s:\"", v.reasons[f], name);
        }
        hisi_compat_verdict_done(&v);
        for (size_t i = 0; i < ELEMENTSOF(v.reasons); i++)
                ck_assert_ptr_null(v.reasons[i]);
        hisi_compat_verdict_done(&v); /* twice is fine */
        hisi_compat_verdict_done(NULL);
}
END_TEST

START_TEST(test_direction_matters) {
        /* A smaller source fits a bigger destination, not the other way round. */
        hisi_vf_desc small = DESC(.state_size = 40), big = DESC();
        hisi_compat_verdict v = {};

        ck_assert_int_eq(hisi_compat_check(&small, &big, &v), 0);
        hisi_compat_verdict_done(&v);
        ck_assert_int_eq(hisi_compat_check(&big, &small, &v), 1);
        ck_assert_ptr_nonnull(v.reasons[HISI_COMPAT_STATE_SIZE]);
        hisi_compat_verdict_done(&v);

        /* V1 goes anywhere; V2 does not go to a V1-only kernel. */
        hisi_vf_desc old = DESC(.stream = V1), new = DESC();
        ck_assert_int_eq(hisi_compat_check(&old, &new, &v), 0);
        hisi_compat_verdict_done(&v);
        ck_assert_int_eq(hisi_compat_check(&new, &old, &v), 1);
        ck_assert_ptr_nonnull(v.reasons[HISI_COMPAT_STREAM_VERSION]);
        hisi_compat_verdict_done(&v);
}
END_TEST

/* ---- bad arguments ---- */

static const struct {
        const char *what;
        hisi_vf_desc src, dst;
} invalid[] = {
        { "source kind invalid", DESC(.kind = _HISI_KIND_INVALID), DESC() },
        { "destination kind past the end", DESC(), DESC(.kind = _HISI_KIND_MAX) },
        { "source stream version 0", DESC(.stream = { .version = 0 }), DESC() },
        { "destination stream version 3", DESC(), DESC(.stream = { .version = 3, .major = 1 }) },
        { "both invalid", DESC(.kind = 17), DESC(.stream = { .version = 255 }) },
};

START_TEST(test_einval_desc) {
        hisi_compat_verdict v;

        memset(&v, 0x5a, sizeof(v));
        ck_assert_msg(hisi_compat_check(&invalid[_i].src, &invalid[_i].dst, &v) == -EINVAL, "%s",
                      invalid[_i].what);
        /* Untouched on failure. */
        for (size_t i = 0; i < sizeof(v); i++)
                ck_assert_uint_eq(((const uint8_t *)&v)[i], 0x5a);
}
END_TEST

START_TEST(test_einval_null) {
        hisi_vf_desc d = DESC();
        hisi_compat_verdict v = {};

        ck_assert_int_eq(hisi_compat_check(NULL, &d, &v), -EINVAL);
        ck_assert_int_eq(hisi_compat_check(&d, NULL, &v), -EINVAL);
        ck_assert_int_eq(hisi_compat_check(&d, &d, NULL), -EINVAL);
        ck_assert_ptr_null(hisi_compat_verdict_summary(NULL));
}
END_TEST

static Suite *compat_suite(void) {
        Suite *s = suite_create("compat");
        TCase *tc;

        tc = tcase_create("field names");
        tcase_add_test(tc, test_field_to_string);
        suite_add_tcase(s, tc);

        tc = tcase_create("compatible");
        tcase_add_loop_test(tc, test_compatible, 0, ELEMENTSOF(compatible));
        suite_add_tcase(s, tc);

        tc = tcase_create("mismatch");
        tcase_add_loop_test(tc, test_mismatch, 0, ELEMENTSOF(mismatches));
        suite_add_tcase(s, tc);

        tc = tcase_create("several mismatches");
        tcase_add_test(tc, test_several_mismatches);
        tcase_add_test(tc, test_every_field_mismatches);
        tcase_add_test(tc, test_direction_matters);
        suite_add_tcase(s, tc);

        tc = tcase_create("invalid");
        tcase_add_loop_test(tc, test_einval_desc, 0, ELEMENTSOF(invalid));
        tcase_add_test(tc, test_einval_null);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(compat_suite)
