/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the simulated VF (sim-vf, sim-guest, sim-profile): the profiles, the object,
 * reset/open/close, reference counting, BAR2 and the guest, under each kernel profile where
 * behaviour differs. The feature ioctl is in test-sim-vf-feature.c, the state machine and fault
 * injection in test-sim-vf-migration.c, the saving and resuming files in test-sim-migf.c.
 * Expected values are literals taken from the kernel source (vfio_main.c, vfio_pci_core.c,
 * hisi_acc_vfio_pci.c of 6.12) and the facts page, never computed by the code under test.
 */

#include "sim-vf-test.h"
#include "test-main.h"

/* ---- uapi and profiles ---- */

START_TEST(test_uapi_numbers) {
        ck_assert_uint_eq(HISI_VFIO_DEVICE_FEATURE, 0x3B75);
        ck_assert_uint_eq(HISI_VFIO_MIG_GET_PRECOPY_INFO, 0x3B79);
        ck_assert_uint_eq(HISI_VFIO_DEVICE_RESET, 0x3B6F);
        ck_assert_uint_eq(HISI_VFIO_GROUP_GET_DEVICE_FD, 0x3B6A);
        ck_assert_uint_eq(HISI_VFIO_DEVICE_BIND_IOMMUFD, 0x3B76);
        ck_assert_uint_eq(HISI_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE, 9);
        ck_assert_uint_eq(HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_P2P | HISI_MIG_FLAG_PRE_COPY, 7);
}
END_TEST

START_TEST(test_profile_names) {
        static const char *const names[] = { "6.1", "6.2", "6.16", "6.19" };

        for (size_t i = 0; i < ELEMENTSOF(all_profiles); i++) {
                ck_assert_str_eq(sim_profile_to_string(all_profiles[i]), names[i]);
                ck_assert_int_eq(sim_profile_from_string(names[i]), all_profiles[i]);
        }
        ck_assert_ptr_null(sim_profile_to_string(_SIM_PROFILE_MAX));
        ck_assert_ptr_null(sim_profile_to_string(_SIM_PROFILE_INVALID));
        ck_assert_int_eq(sim_profile_from_string(NULL), -EINVAL);
        ck_assert_int_eq(sim_profile_from_string("6.3"), -EINVAL);
        ck_assert_int_eq(sim_profile_from_string("6.1 "), -EINVAL);
        ck_assert_int_eq(sim_profile_from_string(""), -EINVAL);
}
END_TEST

START_TEST(test_profile_switches) {
        /* 6.1, 6.2, 6.16, 6.19 */
        static const bool precopy[] = { false, true, true, true };
        static const bool v2[] = { false, false, true, true };
        static const bool pf_ctrl[] = { false, false, false, true };
        static const bool reset_fix[] = { false, false, false, true };
        static const bool close_disables[] = { false, false, true, true };
        static const uint64_t flags[] = { 0x1, 0x5, 0x5, 0x5 };

        for (size_t i = 0; i < ELEMENTSOF(all_profiles); i++) {
                sim_profile p = all_profiles[i];

                ck_assert(sim_profile_has_precopy(p) == precopy[i]);
                ck_assert(sim_profile_has_data_size(p) == precopy[i]);
                ck_assert(sim_profile_early_match(p) == precopy[i]);
                ck_assert(sim_profile_sends_v2(p) == v2[i]);
                ck_assert(sim_profile_fixed_dma_order(p) == v2[i]);
                ck_assert(sim_profile_load_checks_dma(p) == v2[i]);
                ck_assert(sim_profile_pf_ctrl_bar(p) == pf_ctrl[i]);
                ck_assert(sim_profile_reset_fix(p) == reset_fix[i]);
                ck_assert(sim_profile_close_disables_fds(p) == close_disables[i]);
                ck_assert_uint_eq(sim_profile_migration_flags(p), flags[i]);
        }
        ck_assert(!sim_profile_has_precopy(_SIM_PROFILE_INVALID));
        ck_assert(!sim_profile_sends_v2(_SIM_PROFILE_MAX));
        ck_assert_uint_eq(sim_profile_migration_flags(_SIM_PROFILE_INVALID), 0);
}
END_TEST

/* ---- sim_vf_new and the getters ---- */

START_TEST(test_new_errors) {
        sim_vf_config c = base_config(SIM_PROFILE_6_2);
        sim_vf *vf = (sim_vf *)(void *)&sentinel_storage;

        ck_assert_int_eq(sim_vf_new(NULL, &vf), -EINVAL);
        ck_assert_int_eq(sim_vf_new(&c, NULL), -EINVAL);
        c.kind = _HISI_KIND_MAX;
        ck_assert_int_eq(sim_vf_new(&c, &vf), -EINVAL);
        c = base_config(_SIM_PROFILE_MAX);
        ck_assert_int_eq(sim_vf_new(&c, &vf), -EINVAL);
        c = base_config(SIM_PROFILE_6_2);
        c.qp_num = 1025;
        ck_assert_int_eq(sim_vf_new(&c, &vf), -EINVAL);
        c = base_config(SIM_PROFILE_6_2);
        c.qp_base = 0x10000;
        ck_assert_int_eq(sim_vf_new(&c, &vf), -EINVAL);
        ck_assert_ptr_eq(vf, (sim_vf *)(void *)&sentinel_storage);

        /* NULL is harmless everywhere. */
        ck_assert_ptr_null(sim_vf_free(NULL));
        ck_assert_ptr_null(sim_vf_get_config(NULL));
        ck_assert(!sim_vf_has_migration(NULL));
        ck_assert(!sim_vf_is_open(NULL));
        ck_assert_int_eq(sim_vf_get_state(NULL), _HISI_MIG_STATE_INVALID);
        ck_assert_ptr_null(sim_vf_last_path(NULL));
        ck_assert_int_eq(sim_vf_open_device(NULL), -EINVAL);
        sim_vf_close_device(NULL);
        ck_assert_int_eq(sim_vf_reset(NULL), -EINVAL);
        ck_assert_int_eq(sim_vf_feature(NULL, &c, sizeof(c), NULL), -EINVAL);
        ck_assert(!sim_vf_guest_tick(NULL));
        sim_vf_set_guest_driver(NULL, true);
        ck_assert_uint_eq(sim_vf_guest_digest(NULL), 0);
        ck_assert_uint_eq(sim_vf_bar2_size(NULL), 0);
        ck_assert_int_eq(sim_vf_bar2_rw(NULL, 0, &c, 4, false), -EINVAL);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(NULL, 0, 4096), -EINVAL);
        ck_assert_int_eq(sim_vf_fault_arc(NULL, RU, ST, -EIO, true), -EINVAL);
        ck_assert_int_eq(sim_vf_fault_corrupt(NULL, 0), -EINVAL);
        sim_vf_fault_clear(NULL);
        ck_assert_int_eq(sim_vf_snapshot(NULL, &(hisi_state_image){}), -EINVAL);
}
END_TEST

START_TEST(test_has_migration) {
        sim_vf_config c = base_config(SIM_PROFILE_6_2);
        _cleanup_(sim_vf_freep) sim_vf *a = NULL, *b = NULL, *d = NULL;

        ck_assert_int_eq(sim_vf_new(&c, &a), 0);
        ck_assert(sim_vf_has_migration(a));
        ck_assert_uint_eq(sim_vf_get_config(a)->qp_num, 8);
        c.pf_driver_bound = false;
        ck_assert_int_eq(sim_vf_new(&c, &b), 0);
        ck_assert(!sim_vf_has_migration(b));
        c = base_config(SIM_PROFILE_6_2);
        c.qm_version = 0x21; /* QM V2: plain vfio-pci ops */
        ck_assert_int_eq(sim_vf_new(&c, &d), 0);
        ck_assert(!sim_vf_has_migration(d));
}
END_TEST

/* ---- Reset, open and close ---- */

START_TEST(test_reset) {
        /* The reset that restores (6.1, or the reset fix on any profile): RUNNING, the session
         * disabled, the registers wiped. */
        sim_profile p = all_profiles[_i];
        sim_vf_config c = base_config(p);
        _cleanup_(sim_vf_freep) sim_vf *vf = NULL, *blank = NULL;
        hisi_vfio_precopy_info info = { .argsz = 24 };
        sim_migf *f = NULL;
        uint8_t buf[8];

        c.reset_fix = true;
        c.guest_driver = false;
        ck_assert_int_eq(sim_vf_new(&c, &blank), 0);
        c.guest_driver = true;
        ck_assert_int_eq(sim_vf_new(&c, &vf), 0);
        ck_assert(sim_vf_reset_restores(vf));
        ck_assert_int_eq(sim_vf_reset(vf), -EINVAL); /* not open */
        ck_assert_int_eq(sim_vf_open_device(vf), 0);
        tick(vf, 3);
        ck_assert_int_eq(set_state(vf, p == SIM_PROFILE_6_1 ? SC : PC, &f), 0);
        ck_assert_int_eq(sim_vf_reset(vf), 0);
        ck_assert_int_eq(get_state(vf), RU);
        ck_assert(sim_migf_is_disabled(f));
        ck_assert_int_eq(sim_migf_read(f, buf, 8), -ENODEV);
        ck_assert_int_eq(sim_migf_precopy_info(f, &info), p == SIM_PROFILE_6_1 ? -ENOTTY : -EINVAL);
        f = sim_migf_unref(f);
        /* The FLR wiped the registers; the guest driver sets the VF up again. */
        ck_assert_uint_eq(sim_vf_guest_digest(vf), sim_vf_guest_digest(blank));
        ck_assert(sim_vf_guest_tick(vf));
        ck_assert_uint_ne(sim_vf_guest_digest(vf), sim_vf_guest_digest(blank));

        /* A reset aborts a RESUMING session. */
        ck_assert_int_eq(set_state(vf, RE, &f), 0);
        ck_assert_int_eq(sim_vf_reset(vf), 0);
        ck_assert_int_eq(get_state(vf), RU);
        ck_assert_int_eq(sim_migf_write(f, buf, 8), -ENODEV);
        f = sim_migf_unref(f);

        /* A function reset from outside works on a closed device too. */
        ck_assert_int_eq(set_state(vf, SC, &f), 0);
        sim_vf_close_device(vf);
        sim_vf_function_reset(vf);
        ck_assert_int_eq(sim_vf_get_state(vf), RU);
        ck_assert(sim_migf_is_disabled(f));
        sim_migf_unref(f);
}
END_TEST

/* hisi_acc_vf_pci_aer_reset_done() on 6.2 to 6.19 as released: the flags are STOP_COPY|PRE_COPY,
 * so it returns at once. From PRE_COPY, STOP_COPY and RESUMING a reset leaves the state, the
 * session and vf_qm_state as they were; closing and opening again returns RUNNING. */
START_TEST(test_reset_unfixed) {
        static const hisi_mig_state from[] = { PC, SC, RE };
        sim_profile p = all_profiles[_i];

        if (!sim_profile_has_precopy(p))
                return; /* 6.1 always resets: test_reset */
        for (size_t i = 0; i < ELEMENTSOF(from); i++) {
                sim_vf_config c = base_config(p);
                _cleanup_(sim_vf_freep) sim_vf *vf = NULL;
                sim_migf *f = NULL;
                uint8_t buf[176];

                c.reset_fix = false;
                vf = new_open_vf(&c);
                ck_assert(!sim_vf_reset_restores(vf));
                tick(vf, 2);
                ck_assert_int_eq(set_state(vf, from[i], &f), 0);
                ck_assert_ptr_nonnull(f);
                ck_assert_int_eq(sim_vf_reset(vf), 0);
                ck_assert_int_eq(get_state(vf), from[i]);
                ck_assert(!sim_migf_is_disabled(f));
                /* The session goes on: a save reads its data, a resume takes bytes. */
                if (from[i] == RE)
                        ck_assert_int_eq(sim_migf_write(f, buf, 8), 8);
                else
                        ck_assert_int_gt(sim_migf_read(f, buf, sizeof(buf)), 0);
                /* Later SETs start from the old state: STOP_COPY -> STOP ends it. */
                if (from[i] == SC) {
                        ck_assert_int_eq(set_state(vf, ST, NULL), 0);
                        ck_assert(sim_migf_is_disabled(f));
                }
                /* Close and open: RUNNING on every kernel; the files are disabled by the
                 * close from 6.16, and outlive it before. */
                restart(vf);
                ck_assert(sim_migf_is_disabled(f) ==
                          (from[i] == SC || sim_profile_close_disables_fds(p)));
                sim_migf_unref(f);
        }
}
END_TEST

START_TEST(test_open_close) {
        sim_profile p = all_profiles[_i];
        sim_vf_config c = base_config(p);
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p), *closed = NULL;
        sim_migf *f = NULL;
        uint8_t buf[8];
        uint64_t d0;

        ck_assert(sim_vf_is_open(vf));
        ck_assert_int_eq(sim_vf_open_device(vf), -EBUSY);
        /* A VF never opened holds what its guest driver set up at creation. */
        ck_assert_int_eq(sim_vf_new(&c, &closed), 0);
        d0 = sim_vf_guest_digest(closed);
        ck_assert(!sim_vf_guest_tick(closed));
        ck_assert_uint_ne(sim_vf_guest_digest(vf), d0); /* open reset the function */
        tick(vf, 2);
        ck_assert_int_eq(set_state(vf, SC, &f), 0);
        sim_vf_close_device(vf);
        ck_assert(!sim_vf_is_open(vf));
        /* From 6.16 close disables the files; before, they stay usable. */
        if (sim_profile_close_disables_fds(p)) {
                ck_assert(sim_migf_is_disabled(f));
                ck_assert_int_eq(sim_migf_read(f, buf, 8), -ENODEV);
        } else {
                ck_assert(!sim_migf_is_disabled(f));
                ck_assert_int_eq(sim_migf_read(f, buf, 8), 8);
        }
        f = sim_migf_unref(f);
        /* Closed: the function reset wiped the registers; no guest, no ioctl; the state is
         * what close left (no reset_done). */
        sim_vf_close_device(closed); /* never opened: nothing */
        c.guest_driver = false;
        {
                _cleanup_(sim_vf_freep) sim_vf *blank = NULL;

                ck_assert_int_eq(sim_vf_new(&c, &blank), 0);
                ck_assert_uint_eq(sim_vf_guest_digest(vf), sim_vf_guest_digest(blank));
        }
        ck_assert(!sim_vf_guest_tick(vf));
        ck_assert_int_eq(sim_vf_get_state(vf), SC);
        ck_assert_int_eq(feature(vf, F_PROBE | FEAT_MIGRATION, NULL, 0, NULL), -EINVAL);
        sim_vf_close_device(vf); /* twice: nothing */
        /* Open: RUNNING, the function reset; the guest driver starts over. */
        ck_assert_int_eq(sim_vf_open_device(vf), 0);
        ck_assert_int_eq(get_state(vf), RU);
        ck_assert(sim_vf_guest_tick(vf));
        ck_assert_uint_eq(sim_vf_guest_digest(vf), d0);
}
END_TEST

START_TEST(test_no_migration_reset) {
        sim_vf_config c = base_config(all_profiles[_i]);
        _cleanup_(sim_vf_freep) sim_vf *vf = NULL;

        c.qm_version = 0x20;
        vf = new_open_vf(&c);
        tick(vf, 1);
        ck_assert_int_eq(sim_vf_reset(vf), 0);
        ck_assert(sim_vf_guest_tick(vf));
}
END_TEST

/* ---- Reference counting ---- */

START_TEST(test_refcount) {
        sim_profile p = all_profiles[_i];
        sim_vf *vf = open_vf(p);
        hisi_vfio_precopy_info info = { .argsz = 24 };
        sim_migf *f = NULL, *r = NULL;
        uint8_t buf[16];

        ck_assert_ptr_null(sim_migf_ref(NULL));
        ck_assert_ptr_null(sim_migf_unref(NULL));
        ck_assert(!sim_migf_is_saving(NULL));
        ck_assert(sim_migf_is_disabled(NULL));
        ck_assert_int_eq(sim_migf_read(NULL, buf, 1), -EINVAL);
        ck_assert_int_eq(sim_migf_write(NULL, buf, 1), -EINVAL);
        ck_assert_int_eq(sim_migf_precopy_info(NULL, &info), -EINVAL);

        ck_assert_int_eq(set_state(vf, SC, &f), 0);
        ck_assert_ptr_eq(sim_migf_ref(f), f);
        ck_assert_ptr_null(sim_migf_unref(f)); /* one holder left: still alive */
        ck_assert_int_eq(sim_migf_read(f, buf, 16), 16);
        /* The session ends: the file outlives it, disabled. */
        ck_assert_int_eq(set_state(vf, ST, NULL), 0);
        ck_assert_int_eq(sim_migf_read(f, buf, 16), -ENODEV);
        ck_assert_int_eq(set_state(vf, RE, &r), 0);
        /* The VF goes away under both files. */
        sim_vf_free(vf);
        ck_assert(sim_migf_is_disabled(r));
        ck_assert_int_eq(sim_migf_read(f, buf, 16), -ENODEV);
        ck_assert_int_eq(sim_migf_write(r, buf, 16), -ENODEV);
        if (p != SIM_PROFILE_6_1)
                ck_assert_int_eq(sim_migf_precopy_info(f, &info), -ENODEV);
        sim_migf_unref(f);
        sim_migf_unref(r);
}
END_TEST

/* ---- BAR2 ---- */

START_TEST(test_bar2_vf_ctrl) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p);
        hisi_state_image img;
        uint8_t buf[64];
        uint32_t v;

        ck_assert_uint_eq(sim_vf_bar2_size(vf), 0x8000);
        ck_assert_int_eq(sim_vf_bar2_rw(vf, 0x8000, buf, 4, false), -EINVAL);
        ck_assert_int_eq(sim_vf_bar2_rw(vf, 0x8020, buf, 4, true), -EINVAL);
        ck_assert_int_eq(sim_vf_bar2_rw(vf, 0x7ff0, buf, 32, false), 16);
        ck_assert_int_eq(sim_vf_bar2_rw(vf, 0x7ffc, buf, 64, true), 4);
        ck_assert_int_eq(sim_vf_bar2_rw(vf, 0, buf, 0, false), 0);
        ck_assert_int_eq(sim_vf_bar2_rw(vf, 0, NULL, 4, false), -EFAULT);
        tick(vf, 3);
        ck_assert_int_eq(sim_vf_snapshot(vf, &img), 0);
        ck_assert_int_eq(sim_vf_bar2_rw(vf, 0, buf, 64, false), 64);
        memcpy(&v, buf + 0x0c, 4);
        ck_assert_uint_eq(v, img.eq_int_mask);
        memcpy(&v, buf + 0x30, 4);
        ck_assert_uint_eq(v, 1); /* que_iso_cfg */
        memcpy(&v, buf + 0x34, 4);
        ck_assert_uint_eq(v, img.page_size);

        ck_assert_int_eq(sim_vf_bar2_mmap_check(vf, 0, 0x8000), 0);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(vf, 0x7000, 0x1000), 0);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(vf, 0x7000, 1), 0);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(vf, 0, 0x8001), -EINVAL);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(vf, 0x8000, 0x1000), -EINVAL);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(vf, 0x7800, 0x100), -EINVAL);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(vf, 0, 0), -EINVAL);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(vf, UINT64_MAX & ~UINT64_C(0xfff), 0x2000),
                         -EINVAL);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(vf, 0, UINT64_MAX), -EINVAL);
        sim_vf_close_device(vf);
        ck_assert_int_eq(sim_vf_bar2_rw(vf, 0, buf, 4, false), -EINVAL);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(vf, 0, 0x1000), -EINVAL);
}
END_TEST

START_TEST(test_bar2_whole) {
        sim_profile p = all_profiles[_i];
        sim_vf_config c = base_config(p), d = base_config(p);
        _cleanup_(sim_vf_freep) sim_vf *pf_ctrl = NULL, *plain = NULL;
        hisi_state_image img;
        uint8_t buf[8];
        uint32_t v;

        /* QM newer than V3: PF-controlled from 6.19, else still the half. */
        c.qm_version = 0x31;
        pf_ctrl = new_open_vf(&c);
        ck_assert_uint_eq(sim_vf_bar2_size(pf_ctrl), sim_profile_pf_ctrl_bar(p) ? 0x10000 : 0x8000);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(pf_ctrl, 0, 0x10000),
                         sim_profile_pf_ctrl_bar(p) ? 0 : -EINVAL);
        /* No migration ops: plain vfio-pci, the whole BAR. */
        d.pf_driver_bound = false;
        plain = new_open_vf(&d);
        ck_assert_uint_eq(sim_vf_bar2_size(plain), 0x10000);
        ck_assert_int_eq(sim_vf_bar2_rw(plain, 0xfffe, buf, 8, false), 2);
        ck_assert_int_eq(sim_vf_bar2_rw(plain, 0x10000, buf, 1, false), -EINVAL);
        tick(plain, 1);
        ck_assert_int_eq(sim_vf_snapshot(plain, &img), 0);
        ck_assert_int_eq(sim_vf_bar2_rw(plain, 0x8004, buf, 4, false), 4);
        memcpy(&v, buf, 4);
        ck_assert_uint_eq(v, img.qm_eqc_dw[1]);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(plain, 0, 0x10000), 0);
        ck_assert_int_eq(sim_vf_bar2_mmap_check(plain, 0x10000, 0x1000), -EINVAL);
}
END_TEST

/* ---- The guest ---- */

START_TEST(test_guest_states) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p);
        uint64_t d;

        d = sim_vf_guest_digest(vf);
        ck_assert(sim_vf_guest_tick(vf));
        ck_assert_uint_ne(sim_vf_guest_digest(vf), d);
        ck_assert_int_eq(set_state(vf, ST, NULL), 0);
        d = sim_vf_guest_digest(vf);
        ck_assert(!sim_vf_guest_tick(vf));
        ck_assert_int_eq(set_state(vf, SC, NULL), 0);
        ck_assert(!sim_vf_guest_tick(vf));
        ck_assert_int_eq(set_state(vf, ST, NULL), 0);
        ck_assert_int_eq(set_state(vf, RE, NULL), 0);
        ck_assert(!sim_vf_guest_tick(vf));
        ck_assert_uint_eq(sim_vf_guest_digest(vf), d);
        restart(vf);
        ck_assert(sim_vf_guest_tick(vf));
        /* No guest driver: nothing changes. */
        sim_vf_set_guest_driver(vf, false);
        d = sim_vf_guest_digest(vf);
        ck_assert(!sim_vf_guest_tick(vf));
        ck_assert_uint_eq(sim_vf_guest_digest(vf), d);
        sim_vf_set_guest_driver(vf, true);
        ck_assert(sim_vf_guest_tick(vf));
}
END_TEST

START_TEST(test_guest_deterministic) {
        sim_vf_config c = base_config(SIM_PROFILE_6_16);
        _cleanup_(sim_vf_freep) sim_vf *a = NULL, *b = NULL, *other_seed = NULL, *other_vf = NULL;
        _cleanup_(sim_vf_freep) sim_vf *other_kind = NULL;

        a = new_open_vf(&c);
        c.profile = SIM_PROFILE_6_1; /* the profile plays no part */
        b = new_open_vf(&c);
        c.seed = 43;
        other_seed = new_open_vf(&c);
        c.seed = 42;
        c.vf_index = 1;
        other_vf = new_open_vf(&c);
        c.vf_index = 0;
        c.kind = HISI_KIND_HPRE;
        other_kind = new_open_vf(&c);
        for (unsigned i = 0; i < 20; i++) {
                tick(a, 1);
                tick(b, 1);
                tick(other_seed, 1);
                tick(other_vf, 1);
                tick(other_kind, 1);
                ck_assert_uint_eq(sim_vf_guest_digest(a), sim_vf_guest_digest(b));
                ck_assert_uint_ne(sim_vf_guest_digest(a), sim_vf_guest_digest(other_seed));
                ck_assert_uint_ne(sim_vf_guest_digest(a), sim_vf_guest_digest(other_vf));
                ck_assert_uint_ne(sim_vf_guest_digest(a), sim_vf_guest_digest(other_kind));
        }
}
END_TEST

START_TEST(test_guest_digest_scope) {
        /* The digest covers the guest's registers only: not the match header, not eqe/aeqe. */
        hisi_state_image a = good_image(HISI_ACC_MAGIC_V1), b = a;

        b.acc_magic = HISI_ACC_MAGIC_V2;
        b.qp_num = 99;
        b.dev_id = SEC_VF_ID;
        b.eqe_dma = 1;
        b.aeqe_dma = 2;
        ck_assert_uint_eq(image_digest(&a), image_digest(&b));
        b.qm_eqc_dw[6] ^= 1;
        ck_assert_uint_ne(image_digest(&a), image_digest(&b));
        b = a;
        b.sqc_dma ^= 0x1000;
        ck_assert_uint_ne(image_digest(&a), image_digest(&b));
}
END_TEST

static Suite *sim_vf_suite(void) {
        Suite *s = suite_create("sim-vf");
        TCase *tc;

        tc = test_tcase(s, "profiles");
        tcase_add_test(tc, test_uapi_numbers);
        tcase_add_test(tc, test_profile_names);
        tcase_add_test(tc, test_profile_switches);

        tc = test_tcase(s, "object");
        tcase_add_test(tc, test_new_errors);
        tcase_add_test(tc, test_has_migration);

        tc = test_tcase(s, "reset and open");
        add_profile_test(tc, test_reset);
        add_profile_test(tc, test_reset_unfixed);
        add_profile_test(tc, test_open_close);
        add_profile_test(tc, test_no_migration_reset);

        tc = test_tcase(s, "refcount");
        add_profile_test(tc, test_refcount);

        tc = test_tcase(s, "bar2");
        add_profile_test(tc, test_bar2_vf_ctrl);
        add_profile_test(tc, test_bar2_whole);

        tc = test_tcase(s, "guest");
        add_profile_test(tc, test_guest_states);
        tcase_add_test(tc, test_guest_deterministic);
        tcase_add_test(tc, test_guest_digest_scope);

        return s;
}

TEST_MAIN(sim_vf_suite)
