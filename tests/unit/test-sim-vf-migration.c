/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the simulated VF's migration state machine (sim-vf-migration.c): GET and SET
 * of MIG_DEVICE_STATE, the states refused, the paths walked and the files the arcs open, and
 * fault injection into the arcs and the saved stream, under each kernel profile. The files'
 * contents are in test-sim-migf.c. Expected values are literals taken from the kernel source
 * (hisi_acc_vfio_pci.c of 6.12) and the facts page, never computed by the code under test.
 */

#include "sim-vf-test.h"
#include "test-main.h"

/* ---- MIG_DEVICE_STATE ---- */

START_TEST(test_state_get_set) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p);
        const hisi_mig_path *path;

        ck_assert_int_eq(get_state(vf), RU);
        ck_assert_uint_eq(sim_vf_last_path(vf)->n, 1);
        /* The current state: success, nothing walked, no file. */
        ck_assert_int_eq(set_state(vf, RU, NULL), 0);
        ck_assert_int_eq(set_state(vf, ST, NULL), 0);
        path = sim_vf_last_path(vf);
        ck_assert_uint_eq(path->n, 2);
        ck_assert_int_eq(path->states[0], RU);
        ck_assert_int_eq(path->states[1], ST);
        ck_assert_int_eq(get_state(vf), ST);
        ck_assert_uint_eq(sim_vf_last_path(vf)->n, 1); /* a GET walks nothing */
        ck_assert_int_eq(set_state(vf, RU, NULL), 0);
        ck_assert_int_eq(get_state(vf), RU);
}
END_TEST

START_TEST(test_state_refused) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p);
        static const uint32_t bad[] = { ER, RP, PP, 8, 100, UINT32_MAX, 0x80000000u };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ck_assert_int_eq(set_state(vf, bad[i], NULL), -EINVAL);
                ck_assert_int_eq(get_state(vf), RU);
        }
        if (p == SIM_PROFILE_6_1)
                ck_assert_int_eq(set_state(vf, PC, NULL), -EINVAL);

        /* STOP_COPY -> PRE_COPY: -EINVAL (real kernels without the 2026 fix spin forever). */
        ck_assert_int_eq(set_state(vf, SC, NULL), 0);
        ck_assert_int_eq(set_state(vf, PC, NULL), -EINVAL);
        ck_assert_int_eq(set_state(vf, PP, NULL), -EINVAL);
        ck_assert_int_eq(get_state(vf), SC);
}
END_TEST

static void assert_path(sim_vf *vf, const hisi_mig_state *states, size_t n) {
        const hisi_mig_path *path = sim_vf_last_path(vf);

        ck_assert_uint_eq(path->n, n);
        for (size_t i = 0; i < n; i++)
                ck_assert_int_eq(path->states[i], states[i]);
}

START_TEST(test_state_paths) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p);
        sim_migf *f = NULL;
        static const uint8_t header[40] = {};

        /* RUN -> SC = RUN, ST, SC; a new file from the last arc. */
        ck_assert_int_eq(set_state(vf, SC, &f), 0);
        ck_assert_ptr_nonnull(f);
        assert_path(vf, (hisi_mig_state[]){ RU, ST, SC }, 3);
        f = sim_migf_unref(f);
        /* SC -> RUN = SC, ST, RUN */
        ck_assert_int_eq(set_state(vf, RU, &f), 0);
        ck_assert_ptr_null(f);
        assert_path(vf, (hisi_mig_state[]){ SC, ST, RU }, 3);
        /* RUN -> RES = RUN, ST, RES */
        ck_assert_int_eq(set_state(vf, RE, &f), 0);
        ck_assert_ptr_nonnull(f);
        ck_assert(!sim_migf_is_saving(f));
        assert_path(vf, (hisi_mig_state[]){ RU, ST, RE }, 3);
        ck_assert_int_eq(sim_migf_write(f, header, 1), 1);
        f = sim_migf_unref(f);

        if (p == SIM_PROFILE_6_1)
                return;
        /* A 40-byte stream on 6.2+ needs a matching header: write the real one. */
        {
                _cleanup_(sim_vf_freep) sim_vf *src = open_vf(p);
                uint8_t data[176];

                sim_vf_set_guest_driver(src, false);
                ck_assert_uint_eq(save_stream(src, data), 40);
                sim_vf_close_device(vf);
                ck_assert_int_eq(sim_vf_open_device(vf), 0);
                ck_assert_int_eq(set_state(vf, RE, &f), 0);
                ck_assert_int_eq(sim_migf_write(f, data, 40), 40);
                f = sim_migf_unref(f);
        }
        /* RES -> PC = RES, ST, RUN, PC: a saving file */
        ck_assert_int_eq(set_state(vf, PC, &f), 0);
        ck_assert_ptr_nonnull(f);
        ck_assert(sim_migf_is_saving(f));
        assert_path(vf, (hisi_mig_state[]){ RE, ST, RU, PC }, 4);
        f = sim_migf_unref(f);
        /* PC -> RES = PC, RUN, ST, RES */
        ck_assert_int_eq(set_state(vf, RE, &f), 0);
        ck_assert_ptr_nonnull(f);
        assert_path(vf, (hisi_mig_state[]){ PC, RU, ST, RE }, 4);
        f = sim_migf_unref(f);
        restart(vf);
        /* RUN -> PC, then PC -> ST = PC, RUN, ST, and ST -> PC = ST, RUN, PC */
        ck_assert_int_eq(set_state(vf, PC, NULL), 0);
        ck_assert_int_eq(set_state(vf, ST, &f), 0);
        ck_assert_ptr_null(f);
        assert_path(vf, (hisi_mig_state[]){ PC, RU, ST }, 3);
        ck_assert_int_eq(set_state(vf, PC, &f), 0);
        ck_assert_ptr_nonnull(f);
        assert_path(vf, (hisi_mig_state[]){ ST, RU, PC }, 3);
        f = sim_migf_unref(f);
        /* PC -> SC: the same file, no new one. */
        ck_assert_int_eq(set_state(vf, SC, &f), 0);
        ck_assert_ptr_null(f);
        assert_path(vf, (hisi_mig_state[]){ PC, SC }, 2);
}
END_TEST

/* ---- Fault injection ---- */

START_TEST(test_fault_arc) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p);
        sim_migf *f = SENTINEL;

        ck_assert_int_eq(sim_vf_fault_arc(vf, RU, ST, -EIO, true), 0);
        ck_assert_int_eq(set_state(vf, SC, &f), -EIO);
        ck_assert_ptr_null(f); /* set_state() turns the untouched sentinel into NULL */
        ck_assert_int_eq(get_state(vf), RU);
        ck_assert_int_eq(set_state(vf, SC, NULL), 0); /* once: gone */

        /* Every time, on the second arc: the state is the first arc's end. */
        ck_assert_int_eq(set_state(vf, ST, NULL), 0);
        ck_assert_int_eq(set_state(vf, RU, NULL), 0);
        ck_assert_int_eq(sim_vf_fault_arc(vf, ST, SC, -EBUSY, false), 0);
        for (unsigned i = 0; i < 2; i++) {
                ck_assert_int_eq(set_state(vf, SC, NULL), -EBUSY);
                if (i == 0)
                        assert_path(vf, (hisi_mig_state[]){ RU, ST }, 2);
                else
                        assert_path(vf, (hisi_mig_state[]){ ST }, 1);
                ck_assert_int_eq(get_state(vf), ST);
        }
        /* A RESUMING -> STOP fault keeps the device and the file. */
        ck_assert_int_eq(sim_vf_fault_arc(vf, RE, ST, -EIO, true), 0);
        ck_assert_int_eq(set_state(vf, RE, &f), 0);
        ck_assert_int_eq(set_state(vf, ST, NULL), -EIO);
        ck_assert_int_eq(get_state(vf), RE);
        ck_assert(!sim_migf_is_disabled(f));
        sim_migf_unref(f);

        sim_vf_fault_clear(vf);
        restart(vf);
        ck_assert_int_eq(set_state(vf, SC, NULL), 0);
}
END_TEST

START_TEST(test_fault_arc_args) {
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(SIM_PROFILE_6_2);

        ck_assert_int_eq(sim_vf_fault_arc(vf, _HISI_MIG_STATE_MAX, ST, -EIO, true), -EINVAL);
        ck_assert_int_eq(sim_vf_fault_arc(vf, RU, _HISI_MIG_STATE_INVALID, -EIO, true), -EINVAL);
        ck_assert_int_eq(sim_vf_fault_arc(vf, RU, RU, -EIO, true), -EINVAL);
        ck_assert_int_eq(sim_vf_fault_arc(vf, RU, ST, 0, true), -EINVAL);
        ck_assert_int_eq(sim_vf_fault_arc(vf, RU, ST, EIO, true), -EINVAL);
        ck_assert_int_eq(sim_vf_fault_arc(vf, RU, ST, -5000, true), -EINVAL);
        /* 8 x 7 arcs exist; the table holds 16. Re-arming an arc takes no new slot. */
        for (int i = 0; i < SIM_VF_FAULTS_MAX; i++)
                ck_assert_int_eq(sim_vf_fault_arc(vf, (hisi_mig_state)(i / 7),
                                                  (hisi_mig_state)((i / 7 + 1 + i % 7) % 8), -EIO,
                                                  false),
                                 0);
        ck_assert_int_eq(sim_vf_fault_arc(vf, ER, ST, -EPERM, true), 0);
        ck_assert_int_eq(sim_vf_fault_arc(vf, PP, ST, -EIO, true), -ENOSPC);
        sim_vf_fault_clear(vf);
        ck_assert_int_eq(sim_vf_fault_arc(vf, PP, ST, -EIO, true), 0);
}
END_TEST

START_TEST(test_fault_corrupt) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *src = open_vf(p), *dst = open_vf(p);
        uint8_t data[176], clean[176];

        ck_assert_int_eq(sim_vf_fault_corrupt(src, 176), -EINVAL);
        ck_assert_int_eq(sim_vf_fault_corrupt(src, 12), 0); /* dev_id's low byte */
        /* Open reset the function: the guest driver sets the VF up again. */
        tick(src, 1);
        ck_assert_int_eq(set_state(src, ST, NULL), 0);
        ck_assert_uint_eq(save_stream(src, data), 176);
        ck_assert_uint_eq(save_stream(src, clean), 176); /* only the next stream */
        ck_assert_uint_eq(data[12] ^ 0xff, clean[12]);
        data[12] = clean[12];
        ck_assert_mem_eq(data, clean, 176);
        data[12] ^= 0xff;
        resume_refused(dst, data);
        /* Cleared before the next save: nothing flips. */
        ck_assert_int_eq(sim_vf_fault_corrupt(src, 0), 0);
        sim_vf_fault_clear(src);
        ck_assert_uint_eq(save_stream(src, data), 176);
        ck_assert_mem_eq(data, clean, 176);
}
END_TEST

static Suite *sim_vf_migration_suite(void) {
        Suite *s = suite_create("sim-vf-migration");
        TCase *tc;

        tc = test_tcase(s, "device state");
        add_profile_test(tc, test_state_get_set);
        add_profile_test(tc, test_state_refused);
        add_profile_test(tc, test_state_paths);

        tc = test_tcase(s, "faults");
        add_profile_test(tc, test_fault_arc);
        tcase_add_test(tc, test_fault_arc_args);
        add_profile_test(tc, test_fault_corrupt);

        return s;
}

TEST_MAIN(sim_vf_migration_suite)
