/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the simulated VF's VFIO_DEVICE_FEATURE ioctl (sim-vf-feature.c): the VFIO
 * core's header checks, the migration features and vfio-pci's low power features, under each
 * kernel profile. Expected values are literals taken from the kernel source (vfio_main.c,
 * vfio_pci_core.c of 6.12), never computed by the code under test.
 */

#include "sim-vf-test.h"
#include "test-main.h"

/* ---- VFIO_DEVICE_FEATURE: the core's checks ---- */

START_TEST(test_feature_header) {
        _cleanup_(sim_vf_freep) sim_vf *vf = NULL;
        hisi_vfio_feature_migration mig = {};
        hisi_vfio_feature_hdr hdr = { .argsz = 16, .flags = F_GET | FEAT_MIGRATION };
        sim_migf *f = SENTINEL;
        sim_vf_config c = base_config(all_profiles[_i]);

        ck_assert_int_eq(sim_vf_new(&c, &vf), 0);
        /* Not bound: every ioctl but the bind is -EINVAL on a cdev. */
        ck_assert_int_eq(sim_vf_feature(vf, &hdr, sizeof(hdr), &f), -EINVAL);
        ck_assert_int_eq(sim_vf_open_device(vf), 0);
        ck_assert_int_eq(sim_vf_feature(vf, &hdr, sizeof(hdr), NULL), -EINVAL);
        ck_assert_int_eq(sim_vf_feature(vf, NULL, 8, &f), -EINVAL);
        /* The header itself cannot be read. */
        ck_assert_int_eq(sim_vf_feature(vf, &hdr, 7, &f), -EFAULT);
        /* argsz < 8 */
        ck_assert_int_eq(feature_argsz(vf, F_GET | FEAT_MIGRATION, 7, &mig, sizeof(mig), NULL),
                         -EINVAL);
        ck_assert_int_eq(feature_argsz(vf, F_GET | FEAT_MIGRATION, 0, &mig, sizeof(mig), NULL),
                         -EINVAL);
        /* Unknown flag bits, even on an unknown feature. */
        ck_assert_int_eq(feature(vf, F_GET | FEAT_MIGRATION | (1u << 19), &mig, 8, NULL), -EINVAL);
        ck_assert_int_eq(feature(vf, (1u << 31) | 0x1234, &mig, 8, NULL), -EINVAL);
        /* GET and SET together need PROBE. */
        ck_assert_int_eq(feature(vf, F_GET | F_SET | FEAT_STATE, &mig, 8, NULL), -EINVAL);
        ck_assert_int_eq(feature(vf, F_GET | F_SET | F_PROBE | FEAT_STATE, NULL, 0, NULL), 0);
        /* The payload is beyond the caller's buffer although argsz claims it. */
        ck_assert_int_eq(feature_argsz(vf, F_GET | FEAT_MIGRATION, 16, &mig, 4, NULL), -EFAULT);
        ck_assert_ptr_eq(f, SENTINEL);
}
END_TEST

START_TEST(test_feature_check) {
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(all_profiles[_i]);
        hisi_vfio_feature_migration mig = { .flags = 0xff };
        hisi_vfio_feature_mig_state st = {};

        /* MIGRATION is GET-only: a SET bit is -EINVAL even with PROBE. */
        ck_assert_int_eq(feature(vf, F_SET | FEAT_MIGRATION, &mig, 8, NULL), -EINVAL);
        ck_assert_int_eq(feature(vf, F_SET | F_PROBE | FEAT_MIGRATION, NULL, 0, NULL), -EINVAL);
        /* PROBE needs no payload. */
        ck_assert_int_eq(feature(vf, F_PROBE | FEAT_MIGRATION, NULL, 0, NULL), 0);
        ck_assert_int_eq(feature(vf, F_GET | F_PROBE | FEAT_MIGRATION, NULL, 0, NULL), 0);
        ck_assert_int_eq(feature(vf, F_SET | F_PROBE | FEAT_STATE, NULL, 0, NULL), 0);
        /* Neither GET nor SET. */
        ck_assert_int_eq(feature(vf, FEAT_MIGRATION, &mig, 8, NULL), -EINVAL);
        ck_assert_int_eq(feature(vf, FEAT_STATE, &st, 8, NULL), -EINVAL);
        /* A short payload. */
        ck_assert_int_eq(feature(vf, F_GET | FEAT_MIGRATION, &mig, 7, NULL), -EINVAL);
        ck_assert_int_eq(feature(vf, F_GET | FEAT_STATE, &st, 4, NULL), -EINVAL);
        ck_assert_uint_eq(mig.flags, 0xff);
        /* The flags: 0x1 before 6.2, STOP_COPY|PRE_COPY after. */
        ck_assert_int_eq(feature(vf, F_GET | FEAT_MIGRATION, &mig, 8, NULL), 0);
        ck_assert_uint_eq(mig.flags, all_profiles[_i] == SIM_PROFILE_6_1 ? 0x1 : 0x5);
}
END_TEST

START_TEST(test_feature_unknown) {
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(all_profiles[_i]);
        static const uint32_t unknown[] = { 0, 6, 7, 8, 10, 11, 12, 13, 0xffff };
        uint64_t buf[4] = {};

        /* VF token (a VF has none), DMA logging (no log_ops) and anything vfio-pci does not
         * know: -ENOTTY, probed or not. */
        for (size_t i = 0; i < ELEMENTSOF(unknown); i++) {
                ck_assert_int_eq(feature(vf, F_GET | unknown[i], buf, sizeof(buf), NULL), -ENOTTY);
                ck_assert_int_eq(feature(vf, F_SET | F_PROBE | unknown[i], NULL, 0, NULL), -ENOTTY);
        }
}
END_TEST

START_TEST(test_feature_data_size) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p);
        hisi_vfio_feature_mig_data_size size = { .stop_copy_length = 1 };

        if (p == SIM_PROFILE_6_1) {
                /* Before 6.2 neither the core nor vfio-pci knows feature 9. */
                ck_assert_int_eq(feature(vf, F_GET | FEAT_DATA_SIZE, &size, 8, NULL), -ENOTTY);
                ck_assert_int_eq(feature(vf, F_PROBE | FEAT_DATA_SIZE, NULL, 0, NULL), -ENOTTY);
                return;
        }
        ck_assert_int_eq(feature(vf, F_PROBE | FEAT_DATA_SIZE, NULL, 0, NULL), 0);
        ck_assert_int_eq(feature(vf, F_SET | FEAT_DATA_SIZE, &size, 8, NULL), -EINVAL);
        ck_assert_int_eq(feature(vf, F_GET | FEAT_DATA_SIZE, &size, 4, NULL), -EINVAL);
        ck_assert_int_eq(feature(vf, F_GET | FEAT_DATA_SIZE, &size, 8, NULL), 0);
        ck_assert_uint_eq(size.stop_copy_length, 176);
        /* In any state, and 176 even when a save would give 40 bytes. */
        sim_vf_set_guest_driver(vf, false);
        ck_assert_int_eq(set_state(vf, SC, NULL), 0);
        size.stop_copy_length = 0;
        ck_assert_int_eq(feature(vf, F_GET | FEAT_DATA_SIZE, &size, 8, NULL), 0);
        ck_assert_uint_eq(size.stop_copy_length, 176);
}
END_TEST

START_TEST(test_feature_no_migration) {
        sim_vf_config c = base_config(all_profiles[_i]);
        _cleanup_(sim_vf_freep) sim_vf *vf = NULL;
        uint64_t buf[2] = {};

        c.pf_driver_bound = false;
        vf = new_open_vf(&c);
        ck_assert_int_eq(feature(vf, F_GET | FEAT_MIGRATION, buf, 8, NULL), -ENOTTY);
        ck_assert_int_eq(feature(vf, F_PROBE | FEAT_MIGRATION, NULL, 0, NULL), -ENOTTY);
        ck_assert_int_eq(feature(vf, F_GET | FEAT_STATE, buf, 8, NULL), -ENOTTY);
        ck_assert_int_eq(feature(vf, F_SET | FEAT_STATE, buf, 8, NULL), -ENOTTY);
        ck_assert_int_eq(feature(vf, F_GET | FEAT_DATA_SIZE, buf, 8, NULL), -ENOTTY);
        /* The header checks still come first. */
        ck_assert_int_eq(feature(vf, F_GET | F_SET | FEAT_STATE, buf, 8, NULL), -EINVAL);
}
END_TEST

START_TEST(test_feature_low_power) {
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(all_profiles[_i]);
        struct {
                int32_t fd;
                uint32_t reserved;
        } wake = { .fd = -1 };

        ck_assert_int_eq(feature(vf, F_PROBE | F_SET | FEAT_LP_ENTRY, NULL, 0, NULL), 0);
        ck_assert_int_eq(feature(vf, F_GET | FEAT_LP_ENTRY, NULL, 0, NULL), -EINVAL);
        ck_assert_int_eq(feature(vf, F_SET | FEAT_LP_ENTRY, NULL, 0, NULL), 0);
        ck_assert_int_eq(feature(vf, F_SET | FEAT_LP_ENTRY, NULL, 0, NULL), -EINVAL);
        ck_assert_int_eq(feature(vf, F_SET | FEAT_LP_EXIT, NULL, 0, NULL), 0);
        ck_assert_int_eq(feature(vf, F_SET | FEAT_LP_ENTRY, NULL, 0, NULL), 0);
        ck_assert_int_eq(feature(vf, F_SET | FEAT_LP_EXIT, NULL, 0, NULL), 0);
        ck_assert_int_eq(feature(vf, F_SET | FEAT_LP_WAKEUP, &wake, 4, NULL), -EINVAL);
        ck_assert_int_eq(feature(vf, F_SET | FEAT_LP_WAKEUP, &wake, sizeof(wake), NULL), -EINVAL);
        ck_assert_int_eq(feature(vf, F_PROBE | F_SET | FEAT_LP_WAKEUP, NULL, 0, NULL), 0);
}
END_TEST

static Suite *sim_vf_feature_suite(void) {
        Suite *s = suite_create("sim-vf-feature");
        TCase *tc;

        tc = test_tcase(s, "feature");
        add_profile_test(tc, test_feature_header);
        add_profile_test(tc, test_feature_check);
        add_profile_test(tc, test_feature_unknown);
        add_profile_test(tc, test_feature_data_size);
        add_profile_test(tc, test_feature_no_migration);
        add_profile_test(tc, test_feature_low_power);

        return s;
}

TEST_MAIN(sim_vf_feature_suite)
