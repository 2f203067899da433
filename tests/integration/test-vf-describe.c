/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Integration test of hisi_vf_describe() (libhisi/vf-describe.c) on real hisi-accsim hosts of
 * each kernel profile: the descriptor matches the host's configuration, the VF is RUNNING
 * afterwards with its guest running on, and a VF that is not RUNNING is refused, untouched.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file-util.h"
#include "hisi/ctx.h"
#include "hisi/migdev.h"
#include "hisi/vf-describe.h"
#include "macro.h"
#include "sim-harness.h"
#include "test-main.h"

#define ZIP_VF  "0000:75:00.1"
#define ZIP_DEV 0xa251

static void bind_vf(sim_harness *h, const char *vf) {
        _cleanup_free_ char *out = NULL;
        int r = sim_harness_run(
                h, (char *const[]){ (char *)sim_harness_migtool(), "bind", (char *)vf, NULL },
                &out);
        ck_assert_msg(r == 0, "bind %s: %d: %s", vf, r, out);
}

static const struct profile_case {
        const char *profile;
        unsigned qp;
        uint64_t flags;
        unsigned stream_version;
} cases[] = {
        { "6.1", 64, HISI_MIG_FLAG_STOP_COPY, 1 },
        { "6.2", 32, HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_PRE_COPY, 1 },
        { "6.16", 64, HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_PRE_COPY, 2 },
};

START_TEST(test_describe_profile) {
        const struct profile_case *t = &cases[_i];
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        _cleanup_free_ char *config = NULL, *before = NULL, *after = NULL;
        hisi_ctx *ctx = NULL;
        sim_harness *h = NULL;
        hisi_vf_desc desc;
        hisi_mig_state state;

        ck_assert_int_eq(asprintf_safe(&config,
                                       "{\"profile\": \"%s\", \"pfs\": [{\"address\": "
                                       "\"0000:75:00.0\", \"kind\": \"zip\", \"vfs\": 2, "
                                       "\"qp_per_vf\": %u}]}",
                                       t->profile, t->qp),
                         0);
        ck_assert_int_eq(sim_harness_start(config, &h), 0);
        bind_vf(h, ZIP_VF);
        ck_assert_int_eq(sim_harness_use(h), 0);
        ck_assert_int_eq(hisi_ctx_new(NULL, &ctx), 0);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, ZIP_VF, &d), 0);

        ck_assert_int_eq(hisi_vf_describe(d, HISI_KIND_ZIP, ZIP_DEV, &desc), 0);
        ck_assert_int_eq(desc.kind, HISI_KIND_ZIP);
        ck_assert_uint_eq(desc.device_id, ZIP_DEV);
        ck_assert_uint_eq(desc.mig_flags, t->flags);
        ck_assert_uint_eq(desc.stream.version, t->stream_version);
        ck_assert_uint_gt(desc.state_size, 0);
        if (t->flags & HISI_MIG_FLAG_PRE_COPY) {
                ck_assert_uint_eq(desc.qp_num, t->qp);
                ck_assert_uint_eq(desc.unknown, 0);
        } else {
                ck_assert_uint_eq(desc.unknown,
                                  HISI_COMPAT_UNKNOWN(HISI_COMPAT_QP_NUM) |
                                          HISI_COMPAT_UNKNOWN(HISI_COMPAT_QUEUE_ISOLATION));
                ck_assert_uint_eq(desc.qp_num, 0); /* unknown without stopping the VF */
                ck_assert_uint_eq(desc.que_iso_cfg, 0);
        }
        ck_assert_int_eq(hisi_migdev_get_state(d, &state), 0);
        ck_assert_int_eq(state, HISI_MIG_STATE_RUNNING);

        /* A VF that is not running is someone's migration: refused, left as it is. */
        ck_assert_int_eq(hisi_migdev_set_state(d, HISI_MIG_STATE_STOP, NULL, NULL), 0);
        ck_assert_int_eq(sim_harness_digest(h, ZIP_VF, &before), 0);
        ck_assert_int_eq(hisi_vf_describe(d, HISI_KIND_ZIP, ZIP_DEV, &desc), -EBUSY);
        ck_assert_int_eq(hisi_migdev_get_state(d, &state), 0);
        ck_assert_int_eq(state, HISI_MIG_STATE_STOP);
        ck_assert_int_eq(sim_harness_digest(h, ZIP_VF, &after), 0);
        ck_assert_str_eq(before, after);

        ck_assert_int_eq(hisi_vf_describe(NULL, HISI_KIND_ZIP, ZIP_DEV, &desc), -EINVAL);
        ck_assert_int_eq(hisi_vf_describe(d, _HISI_KIND_MAX, ZIP_DEV, &desc), -EINVAL);
        d = hisi_migdev_close(d);
        hisi_ctx_free(ctx);
        sim_harness_stop(h);
}
END_TEST

static Suite *vf_describe_suite(void) {
        Suite *s = suite_create("vf-describe");
        TCase *tc = tcase_create("profiles");

        tcase_set_timeout(tc, 120);
        tcase_add_loop_test(tc, test_describe_profile, 0, ELEMENTSOF(cases));
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(vf_describe_suite)
