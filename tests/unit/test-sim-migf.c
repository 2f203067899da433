/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the simulated VF's migration files (sim-migf and the arcs that fill and load
 * them): saving, PRE_COPY, resuming, the compatibility (match) check and probe, under each kernel
 * profile where behaviour differs. Expected values are literals taken from the kernel source
 * (hisi_acc_vfio_pci.c of 6.12) and the facts page, never computed by the code under test.
 */

#include "sim-vf-test.h"
#include "test-main.h"

/* ---- Saving ---- */

START_TEST(test_save_stop_copy) {
        sim_profile p = all_profiles[_i];
        sim_vf_config c = base_config(p);
        _cleanup_(sim_vf_freep) sim_vf *vf = NULL;
        hisi_state_image img, snap;
        uint8_t data[200], built[176];
        sim_migf *f = NULL;

        c.qp_base = 24;
        c.qp_num = 12;
        c.que_iso_cfg = 0x5a;
        c.kind = HISI_KIND_SEC;
        vf = new_open_vf(&c);
        tick(vf, 3);
        ck_assert_int_eq(set_state(vf, ST, NULL), 0);
        ck_assert_int_eq(sim_vf_snapshot(vf, &snap), 0);
        ck_assert_int_eq(set_state(vf, SC, &f), 0);
        ck_assert_ptr_nonnull(f);
        ck_assert(sim_migf_is_saving(f));
        ck_assert_int_eq(sim_migf_write(f, data, 1), -EBADF);
        ck_assert_int_eq(read_all(f, data, sizeof(data), 7), 176);
        ck_assert_int_eq(sim_migf_read(f, data, 10), 0); /* EOF, not ENOMSG */
        parse_full(data, 176, &img);

        ck_assert_uint_eq(img.acc_magic,
                          sim_profile_sends_v2(p) ? HISI_ACC_MAGIC_V2 : HISI_ACC_MAGIC_V1);
        if (sim_profile_sends_v2(p)) {
                ck_assert_uint_eq(img.major_ver, 1);
                ck_assert_uint_eq(img.minor_ver, 0);
        }
        ck_assert_uint_eq(img.dev_id, SEC_VF_ID);
        ck_assert_uint_eq(img.qp_num, 12);
        ck_assert_uint_eq(img.qp_base, 24);
        ck_assert_uint_eq(img.que_iso_cfg, 0x5a);
        ck_assert_uint_eq(img.vf_qm_state, HISI_QM_READY);
        if (sim_profile_fixed_dma_order(p)) {
                ck_assert_uint_eq(img.eqe_dma, (uint64_t)img.qm_eqc_dw[2] << 32 | img.qm_eqc_dw[1]);
                ck_assert_uint_eq(img.aeqe_dma,
                                  (uint64_t)img.qm_aeqc_dw[2] << 32 | img.qm_aeqc_dw[1]);
        } else {
                ck_assert_uint_eq(img.eqe_dma, (uint64_t)img.qm_eqc_dw[1] << 32 | img.qm_eqc_dw[0]);
                ck_assert_uint_eq(img.aeqe_dma,
                                  (uint64_t)img.qm_aeqc_dw[1] << 32 | img.qm_aeqc_dw[0]);
        }
        ck_assert_uint_ne(img.sqc_dma, 0);
        ck_assert_uint_ne(img.cqc_dma, 0);
        ck_assert_uint_eq(image_digest(&img), sim_vf_guest_digest(vf));
        ck_assert_int_eq(hisi_state_image_build(&snap, built, sizeof(built)), 176);
        ck_assert_mem_eq(built, data, 176);

        /* STOP_COPY -> STOP ends the session: the fd is disabled. */
        ck_assert_int_eq(set_state(vf, ST, NULL), 0);
        ck_assert(sim_migf_is_disabled(f));
        ck_assert_int_eq(sim_migf_read(f, data, 10), -ENODEV);
        sim_migf_unref(f);
}
END_TEST

START_TEST(test_save_no_guest_driver) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p);
        hisi_state_image img, snap;
        uint8_t data[176];

        sim_vf_set_guest_driver(vf, false);
        ck_assert(!sim_vf_get_config(vf)->guest_driver);
        ck_assert_int_eq(sim_vf_snapshot(vf, &snap), 0);
        ck_assert(snap.header_only);
        ck_assert_uint_eq(save_stream(vf, data), 40);
        ck_assert_int_eq(hisi_state_image_parse(data, 40, &img), 0);
        ck_assert_uint_eq(img.vf_qm_state, HISI_QM_NOT_READY);
        ck_assert_uint_eq(img.dev_id, ZIP_VF_ID);
        ck_assert_uint_eq(img.qp_num, 8);
}
END_TEST

/* QM_VF_STATE (BAR2 0x60) bit 0, as vf_qm_state_save() reads it. */
static uint32_t qm_vf_state(sim_vf *vf) {
        uint8_t b[4];

        ck_assert_int_eq(sim_vf_bar2_rw(vf, 0x60, b, sizeof(b), false), 4);
        return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

START_TEST(test_save_not_set_up) {
        /* vf_qm_state_save() decides by QM_VF_STATE, which a guest driver sets ready and a
         * function reset (open, VFIO_DEVICE_RESET) clears: until the driver has set the VF up
         * again, a save is the match data with NOT_READY, though a driver is loaded. */
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p);
        hisi_state_image img, snap;
        uint8_t data[176];
        sim_migf *f = NULL;

        ck_assert(sim_vf_get_config(vf)->guest_driver);
        ck_assert_uint_eq(qm_vf_state(vf) & 1, 1);
        ck_assert_int_eq(sim_vf_snapshot(vf, &snap), 0);
        ck_assert(snap.header_only);
        ck_assert_uint_eq(save_stream(vf, data), 40);
        ck_assert_int_eq(hisi_state_image_parse(data, 40, &img), 0);
        ck_assert_uint_eq(img.vf_qm_state, HISI_QM_NOT_READY);

        /* Running, the guest driver sets it up: the whole state. */
        ck_assert_int_eq(set_state(vf, RU, NULL), 0);
        tick(vf, 1);
        ck_assert_uint_eq(qm_vf_state(vf) & 1, 0);
        ck_assert_uint_eq(save_stream(vf, data), 176);
        ck_assert_int_eq(hisi_state_image_parse(data, 176, &img), 0);
        ck_assert_uint_eq(img.vf_qm_state, HISI_QM_READY);

        /* A reset clears it again; PRE_COPY -> STOP_COPY saves nothing past the 40 bytes. */
        ck_assert_int_eq(sim_vf_reset(vf), 0);
        ck_assert_uint_eq(qm_vf_state(vf) & 1, 1);
        if (sim_profile_has_precopy(p)) {
                ck_assert_int_eq(set_state(vf, PC, &f), 0);
                ck_assert_int_eq(read_all(f, data, sizeof(data), 7), 40);
                ck_assert_int_eq(set_state(vf, SC, NULL), 0);
                ck_assert_int_eq(sim_migf_read(f, data, sizeof(data)), 0);
                f = sim_migf_unref(f);
                ck_assert_int_eq(set_state(vf, ST, NULL), 0);
        }
        ck_assert_uint_eq(save_stream(vf, data), 40);
}
END_TEST

START_TEST(test_save_unusable_vft) {
        sim_profile p = all_profiles[_i];
        sim_vf_config c = base_config(p);
        _cleanup_(sim_vf_freep) sim_vf *vf = NULL;
        hisi_state_image img;

        c.qp_num = 0; /* pf_qm_get_qp_num() fails */
        vf = new_open_vf(&c);
        ck_assert_int_eq(sim_vf_snapshot(vf, &img), -EINVAL);
        ck_assert_int_eq(set_state(vf, SC, NULL), -EINVAL);
        ck_assert_int_eq(get_state(vf), ST); /* the last arc that worked */
        if (p != SIM_PROFILE_6_1) {
                ck_assert_int_eq(set_state(vf, RU, NULL), 0);
                ck_assert_int_eq(set_state(vf, PC, NULL), -EINVAL);
                ck_assert_int_eq(get_state(vf), RU);
        }
}
END_TEST

/* ---- PRE_COPY ---- */

START_TEST(test_precopy_6_1) {
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(SIM_PROFILE_6_1);
        hisi_vfio_precopy_info info = { .argsz = sizeof(info) };
        sim_migf *f = NULL;

        ck_assert_int_eq(set_state(vf, PC, NULL), -EINVAL);
        ck_assert_int_eq(set_state(vf, SC, &f), 0);
        /* The 6.1 saving file has no ioctl at all. */
        ck_assert_int_eq(sim_migf_precopy_info(f, &info), -ENOTTY);
        sim_migf_unref(f);
}
END_TEST

START_TEST(test_precopy_info) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p);
        hisi_vfio_precopy_info info = { .argsz = 24, .flags = 0xdeadbeef };
        uint8_t data[176], header[40];
        sim_migf *f = NULL, *g = SENTINEL;
        uint64_t digest;

        ck_assert_int_eq(set_state(vf, PC, &f), 0);
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(sim_migf_precopy_info(f, &info), 0);
        ck_assert_uint_eq(info.initial_bytes, 40);
        ck_assert_uint_eq(info.dirty_bytes, 0);
        ck_assert_uint_eq(info.flags, 0xdeadbeef); /* echoed */
        ck_assert_uint_eq(info.argsz, 24);
        info.argsz = 23;
        ck_assert_int_eq(sim_migf_precopy_info(f, &info), -EINVAL);
        info.argsz = 32;
        ck_assert_int_eq(sim_migf_precopy_info(f, NULL), -EFAULT);

        /* The device runs in PRE_COPY: the guest keeps working. */
        digest = sim_vf_guest_digest(vf);
        tick(vf, 2);
        ck_assert_uint_ne(sim_vf_guest_digest(vf), digest);

        ck_assert_int_eq(sim_migf_read(f, header, 10), 10);
        ck_assert_int_eq(sim_migf_precopy_info(f, &info), 0);
        ck_assert_uint_eq(info.initial_bytes, 30);
        ck_assert_int_eq(sim_migf_read(f, header + 10, 100), 30);
        ck_assert_int_eq(sim_migf_precopy_info(f, &info), 0);
        ck_assert_uint_eq(info.initial_bytes, 0);
        ck_assert_int_eq(sim_migf_read(f, data, 10), 0); /* hisi: 0, not ENOMSG */
        /* The header of PRE_COPY: vf_qm_state left at 0. */
        ck_assert_uint_eq(header[24], 0);

        /* PRE_COPY -> STOP_COPY: no new fd, the same file goes on. */
        ck_assert_int_eq(set_state(vf, SC, &g), 0);
        ck_assert_ptr_null(g);
        ck_assert_int_eq(sim_migf_precopy_info(f, &info), -EINVAL); /* not PRE_COPY */
        digest = sim_vf_guest_digest(vf);
        ck_assert(!sim_vf_guest_tick(vf));
        memcpy(data, header, 40);
        ck_assert_int_eq(read_all(f, data + 40, 136, 50), 136);
        {
                hisi_state_image img, snap;
                uint8_t built[176];

                parse_full(data, 176, &img);
                ck_assert_uint_eq(image_digest(&img), digest);
                ck_assert_int_eq(sim_vf_snapshot(vf, &snap), 0);
                ck_assert_int_eq(hisi_state_image_build(&snap, built, sizeof(built)), 176);
                ck_assert_mem_eq(built, data, 176);
        }
        sim_migf_unref(f);
}
END_TEST

START_TEST(test_precopy_end) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p);
        hisi_vfio_precopy_info info = { .argsz = 24 };
        uint8_t buf[40];
        sim_migf *f = NULL, *g = NULL, *r = NULL;

        ck_assert_int_eq(set_state(vf, PC, &f), 0);
        ck_assert_int_eq(sim_migf_read(f, buf, 5), 5);
        /* PRE_COPY -> RUNNING disables the file. The state is checked before the file. */
        ck_assert_int_eq(set_state(vf, RU, NULL), 0);
        ck_assert(sim_migf_is_disabled(f));
        ck_assert_int_eq(sim_migf_read(f, buf, 5), -ENODEV);
        ck_assert_int_eq(sim_migf_precopy_info(f, &info), -EINVAL);
        ck_assert_int_eq(set_state(vf, PC, &g), 0);
        ck_assert_ptr_ne(f, g);
        ck_assert_int_eq(sim_migf_precopy_info(f, &info), -ENODEV);
        ck_assert_int_eq(sim_migf_precopy_info(g, &info), 0);
        ck_assert_uint_eq(info.initial_bytes, 40);
        /* A resuming file has no ioctl. */
        ck_assert_int_eq(set_state(vf, RE, &r), 0);
        ck_assert_int_eq(sim_migf_precopy_info(r, &info), -ENOTTY);
        ck_assert_int_eq(sim_migf_read(r, buf, 5), -EBADF);
        sim_migf_unref(f);
        sim_migf_unref(g);
        sim_migf_unref(r);
}
END_TEST

START_TEST(test_precopy_no_guest_driver) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *vf = open_vf(p), *dst = open_vf(p);
        uint8_t data[176];
        sim_migf *f = NULL;

        sim_vf_set_guest_driver(vf, false);
        ck_assert_int_eq(set_state(vf, PC, &f), 0);
        ck_assert_int_eq(read_all(f, data, sizeof(data), 40), 40);
        ck_assert_uint_eq(data[24], 0);
        /* The save finds no driver: the total stays 40, what was read stays read. */
        ck_assert_int_eq(set_state(vf, SC, NULL), 0);
        ck_assert_int_eq(sim_migf_read(f, data + 40, 100), 0);
        sim_migf_unref(f);
        ck_assert_int_eq(load_stream(dst, data, 40, 40), 0);
        ck_assert_int_eq(get_state(dst), ST);
}
END_TEST

/* ---- Resuming ---- */

START_TEST(test_migrate_other_vf) {
        sim_profile p = all_profiles[_i];
        sim_vf_config c = base_config(p);
        _cleanup_(sim_vf_freep) sim_vf *src = NULL, *dst = NULL;
        uint8_t data[176];
        uint64_t digest;

        src = new_open_vf(&c);
        c.seed = 7;
        c.vf_index = 3;
        c.qp_base = 24;
        dst = new_open_vf(&c);
        tick(src, 5);
        tick(dst, 2);
        ck_assert_uint_ne(sim_vf_guest_digest(src), sim_vf_guest_digest(dst));

        ck_assert_int_eq(set_state(src, ST, NULL), 0);
        digest = sim_vf_guest_digest(src);
        ck_assert_uint_eq(save_stream(src, data), 176);
        ck_assert_uint_eq(sim_vf_guest_digest(src), digest);
        ck_assert_int_eq(load_stream(dst, data, 176, 13), 0);
        ck_assert_uint_eq(sim_vf_guest_digest(dst), digest);
        ck_assert(sim_vf_get_config(dst)->guest_driver);

        /* Both run on: the migrated guest continues as it would have on the source. */
        ck_assert_int_eq(set_state(src, RU, NULL), 0);
        ck_assert_int_eq(set_state(dst, RU, NULL), 0);
        tick(src, 4);
        tick(dst, 4);
        ck_assert_uint_eq(sim_vf_guest_digest(dst), sim_vf_guest_digest(src));
        ck_assert_uint_ne(sim_vf_guest_digest(dst), digest);
}
END_TEST

START_TEST(test_resume_limits) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *src = open_vf(p), *dst = open_vf(p);
        uint8_t data[200] = {};
        sim_migf *f = NULL;

        /* Open reset the function: the guest driver sets the VF up again. */
        tick(src, 1);
        ck_assert_uint_eq(save_stream(src, data), 176);
        ck_assert_int_eq(set_state(dst, RE, &f), 0);
        ck_assert_int_eq(sim_migf_write(f, data, 177), -ENOMEM);
        ck_assert_int_eq(sim_migf_write(f, NULL, 4), -EFAULT);
        ck_assert_int_eq(sim_migf_write(f, data, 0), 0);
        ck_assert_int_eq(sim_migf_write(f, data, 100), 100);
        ck_assert_int_eq(sim_migf_write(f, data + 100, 77), -ENOMEM);
        /* Short: -EINVAL, the device stays in RESUMING and the fd stays usable. */
        ck_assert_int_eq(set_state(dst, ST, NULL), -EINVAL);
        ck_assert_int_eq(get_state(dst), RE);
        ck_assert(!sim_migf_is_disabled(f));
        /* Also a longer request: the first arc fails, nothing moves. */
        ck_assert_int_eq(set_state(dst, RU, NULL), -EINVAL);
        ck_assert_int_eq(get_state(dst), RE);
        ck_assert_int_eq(sim_migf_write(f, data + 100, 76), 76);
        ck_assert_int_eq(set_state(dst, ST, NULL), 0);
        ck_assert(sim_migf_is_disabled(f));
        ck_assert_uint_eq(sim_vf_guest_digest(dst), sim_vf_guest_digest(src));
        /* Disabled: -ENODEV, but the size check comes first. */
        ck_assert_int_eq(sim_migf_write(f, data, 10), -ENODEV);
        ck_assert_int_eq(sim_migf_write(f, data, 177), -ENOMEM);
        sim_migf_unref(f);
}
END_TEST

START_TEST(test_resume_empty_and_header) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *dst = open_vf(p);
        _cleanup_(sim_vf_freep) sim_vf *src = open_vf(p);
        uint8_t data[176];
        uint64_t digest;

        /* Nothing written: -EINVAL. */
        ck_assert_int_eq(load_stream(dst, data, 0, 1), -EINVAL);
        ck_assert_int_eq(get_state(dst), RE);
        restart(dst);

        /* Exactly the 40-byte header: success, nothing loaded. */
        sim_vf_set_guest_driver(src, false);
        ck_assert_uint_eq(save_stream(src, data), 40);
        tick(dst, 1);
        digest = sim_vf_guest_digest(dst);
        ck_assert_int_eq(load_stream(dst, data, 40, 7), 0);
        ck_assert_int_eq(get_state(dst), ST);
        ck_assert_uint_eq(sim_vf_guest_digest(dst), digest);
        ck_assert(!sim_vf_get_config(dst)->guest_driver);
}
END_TEST

/* A stream from a VF with this config, into a VF with that one: the write results. */
static void check_mismatch(sim_profile src_p, const sim_vf_config *src_c, sim_profile dst_p,
                           const sim_vf_config *dst_c) {
        sim_vf_config sc = *src_c, dc = *dst_c;
        _cleanup_(sim_vf_freep) sim_vf *src = NULL, *dst = NULL;
        uint8_t data[176];
        sim_migf *f = NULL;

        sc.profile = src_p;
        dc.profile = dst_p;
        src = new_open_vf(&sc);
        dst = new_open_vf(&dc);
        /* Open reset the function: the guest driver sets the VF up again. */
        tick(src, 1);
        ck_assert_uint_eq(save_stream(src, data), 176);
        ck_assert_int_eq(set_state(dst, RE, &f), 0);
        ck_assert_int_eq(sim_migf_write(f, data, 39), 39);
        if (!sim_profile_early_match(dst_p)) {
                /* 6.1: no early check; RESUMING -> STOP refuses, the device stays. */
                ck_assert_int_eq(sim_migf_write(f, data + 39, 137), 137);
                ck_assert_int_eq(set_state(dst, ST, NULL), -EINVAL);
                ck_assert_int_eq(get_state(dst), RE);
        } else {
                /* The 40th byte fails; the bytes are kept, and so does every later write. */
                ck_assert_int_eq(sim_migf_write(f, data + 39, 1), -EFAULT);
                ck_assert_int_eq(sim_migf_write(f, data + 40, 36), -EFAULT);
                ck_assert_int_eq(sim_migf_write(f, data + 76, 101), -ENOMEM); /* pos is 76 */
                ck_assert_int_eq(sim_migf_write(f, data + 76, 100), -EFAULT);
                ck_assert_int_eq(sim_migf_write(f, data, 1), -ENOMEM); /* all 176 are in */
        }
        sim_migf_unref(f);
}

START_TEST(test_match_mismatches) {
        sim_profile p = all_profiles[_i];
        sim_vf_config a = base_config(p), b;

        b = a;
        b.qp_num = 16;
        check_mismatch(p, &a, p, &b); /* qp count */
        b = a;
        b.qp_num = 0;
        check_mismatch(p, &a, p, &b); /* the destination's VFT */
        b = a;
        b.kind = HISI_KIND_SEC;
        check_mismatch(p, &a, p, &b); /* dev_id */
        b = a;
        b.que_iso_cfg = 0;
        check_mismatch(p, &a, p, &b); /* queue isolation */
}
END_TEST

START_TEST(test_match_versions) {
        sim_vf_config c = base_config(SIM_PROFILE_6_2);
        sim_profile dst_p = all_profiles[_i];

        /* A V2 stream (6.16 source) is refused by kernels that know only V1. */
        if (!sim_profile_sends_v2(dst_p))
                check_mismatch(SIM_PROFILE_6_16, &c, dst_p, &c);
        else {
                /* V1 and V2 are both accepted from 6.16, with equal digests. */
                for (size_t i = 0; i < ELEMENTSOF(all_profiles); i++) {
                        sim_vf_config sc = base_config(all_profiles[i]), dc = base_config(dst_p);
                        _cleanup_(sim_vf_freep) sim_vf *src = new_open_vf(&sc);
                        _cleanup_(sim_vf_freep) sim_vf *dst = NULL;
                        uint8_t data[176];

                        dc.seed = 99;
                        dst = new_open_vf(&dc);
                        tick(src, 3);
                        ck_assert_uint_eq(save_stream(src, data), 176);
                        ck_assert_int_eq(load_stream(dst, data, 176, 176), 0);
                        ck_assert_uint_eq(sim_vf_guest_digest(dst), sim_vf_guest_digest(src));
                }
        }
}
END_TEST

/* A hand-made stream from an image: the wrong magics a real source never sends. */
static int write_image(sim_profile p, const hisi_state_image *img, size_t first) {
        _cleanup_(sim_vf_freep) sim_vf *dst = open_vf(p);
        uint8_t data[176];
        sim_migf *f = NULL;
        ssize_t r;

        ck_assert_int_eq(hisi_state_image_build(img, data, sizeof(data)), 176);
        ck_assert_int_eq(set_state(dst, RE, &f), 0);
        r = sim_migf_write(f, data, first);
        if (r >= 0) {
                ck_assert_int_eq(r, (ssize_t)first);
                r = sim_migf_write(f, data + first, 176 - first);
        }
        sim_migf_unref(f);
        return (int)r;
}

START_TEST(test_match_magic) {
        sim_profile p = all_profiles[_i];
        hisi_state_image img;

        if (!sim_profile_early_match(p))
                return; /* the 6.1 check at load is in test_match_mismatches */
        img = good_image(HISI_ACC_MAGIC_V1);
        ck_assert_int_eq(write_image(p, &img, 0), 176);
        img.acc_magic = 0x1122334455667788;
        ck_assert_int_eq(write_image(p, &img, 0), -EFAULT);
        img = good_image(HISI_ACC_MAGIC_V2);
        ck_assert_int_eq(write_image(p, &img, 40), sim_profile_sends_v2(p) ? 136 : -EFAULT);
        img.minor_ver = 7; /* ignored */
        ck_assert_int_eq(write_image(p, &img, 0), sim_profile_sends_v2(p) ? 176 : -EFAULT);
        img.major_ver = 2;
        ck_assert_int_eq(write_image(p, &img, 0), -EFAULT);
}
END_TEST

START_TEST(test_load_dma_zero) {
        sim_profile p = all_profiles[_i];
        _cleanup_(sim_vf_freep) sim_vf *dst = open_vf(p);
        hisi_state_image img =
                good_image(sim_profile_sends_v2(p) ? HISI_ACC_MAGIC_V2 : HISI_ACC_MAGIC_V1);
        uint8_t data[176];
        uint64_t before;

        img.cqc_dma = 0;
        ck_assert_int_eq(hisi_state_image_build(&img, data, sizeof(data)), 176);
        tick(dst, 1);
        before = sim_vf_guest_digest(dst);
        ck_assert_int_eq(load_stream(dst, data, 176, 176), 0);
        if (sim_profile_load_checks_dma(p)) {
                /* 6.16+: success, NOT_READY, nothing loaded. */
                ck_assert_uint_eq(sim_vf_guest_digest(dst), before);
                ck_assert(!sim_vf_get_config(dst)->guest_driver);
        } else
                ck_assert_uint_eq(sim_vf_guest_digest(dst), image_digest(&img));
}
END_TEST

/* 6.16+ recomputes a V1 stream's eqe/aeqe in the fixed order at the check. Written in one
 * chunk, the dw words are there: eqe = dw[2]<<32|dw[1] = 0, so the load finds a zero address.
 * Written 40 bytes first, the fix sees zero words and the later bytes overwrite it with the
 * stream's own (old-order, non-zero) values: the state loads. */
START_TEST(test_v1_chunked_quirk) {
        sim_profile p = all_profiles[_i];
        hisi_state_image img = good_image(HISI_ACC_MAGIC_V1);
        uint8_t data[176];

        img.qm_eqc_dw[1] = 0;
        img.qm_eqc_dw[2] = 0;
        img.eqe_dma = 0x10; /* dw[1]<<32|dw[0], as a <= 6.15 source computes it */
        ck_assert_int_eq(hisi_state_image_build(&img, data, sizeof(data)), 176);
        for (unsigned chunked = 0; chunked <= 1; chunked++) {
                _cleanup_(sim_vf_freep) sim_vf *dst = open_vf(p);
                uint64_t before = sim_vf_guest_digest(dst);

                ck_assert_int_eq(load_stream(dst, data, 176, chunked ? 40 : 176), 0);
                if (sim_profile_fixed_dma_order(p) && !chunked)
                        ck_assert_uint_eq(sim_vf_guest_digest(dst), before);
                else
                        ck_assert_uint_eq(sim_vf_guest_digest(dst), image_digest(&img));
        }
}
END_TEST

START_TEST(test_match_after_refusal_loads) {
        /* 6.2+ does not check again at RESUMING -> STOP: a caller that ignores the -EFAULT and
         * asks for STOP gets the mismatched state loaded. 6.1 checks there and refuses. */
        sim_profile p = all_profiles[_i];
        sim_vf_config a = base_config(p), b = a;
        _cleanup_(sim_vf_freep) sim_vf *src = NULL, *dst = NULL;
        uint8_t data[176];
        sim_migf *f = NULL;

        b.qp_num = 4;
        src = new_open_vf(&a);
        dst = new_open_vf(&b);
        /* Open reset the function: the guest driver sets the VF up again. */
        tick(src, 1);
        ck_assert_uint_eq(save_stream(src, data), 176);
        ck_assert_int_eq(set_state(dst, RE, &f), 0);
        ck_assert_int_eq(sim_migf_write(f, data, 176), sim_profile_early_match(p) ? -EFAULT : 176);
        ck_assert_int_eq(set_state(dst, ST, NULL), sim_profile_early_match(p) ? 0 : -EINVAL);
        if (sim_profile_early_match(p))
                ck_assert_uint_eq(sim_vf_guest_digest(dst), sim_vf_guest_digest(src));
        sim_migf_unref(f);
}
END_TEST

/* A destination of config a on which a check passed (a good stream loaded in chunks), and in
 * refused a stream of a VF with 4 queue pairs, which its check refuses. */
static sim_vf *passed_dst(const sim_vf_config *a, uint8_t refused[176]) {
        sim_vf_config b = *a;
        _cleanup_(sim_vf_freep) sim_vf *good = NULL, *bad = NULL;
        sim_vf *dst;
        uint8_t g[176];

        b.qp_num = 4;
        good = new_open_vf(a);
        bad = new_open_vf(&b);
        dst = new_open_vf(a);
        /* Open reset the function: the guest drivers set the VFs up again. */
        tick(good, 1);
        tick(bad, 1);
        ck_assert_uint_eq(save_stream(good, g), 176);
        ck_assert_uint_eq(save_stream(bad, refused), 176);
        ck_assert_int_eq(load_stream(dst, g, 176, 50), 0);
        return dst;
}

START_TEST(test_match_done) {
        /* Once a check succeeded it does not run again until open clears match_done, which the
         * kernel does only with the reset fix's series (8c6ac1730a97; 6.19.y): before, a bad
         * stream passes unchecked while the driver is bound. Both kinds on every 6.2+ profile. */
        sim_profile p = all_profiles[_i];

        if (!sim_profile_early_match(p))
                return;
        for (int fix = 0; fix <= 1; fix++) {
                sim_vf_config a = base_config(p);
                _cleanup_(sim_vf_freep) sim_vf *dst = NULL;
                uint8_t x[176];
                sim_migf *f = NULL;

                a.reset_fix = fix;
                dst = passed_dst(&a, x);
                /* The same open: no check at all. */
                ck_assert_int_eq(set_state(dst, RE, &f), 0);
                ck_assert_int_eq(sim_migf_write(f, x, 176), 176);
                f = sim_migf_unref(f);
                /* Closed and opened again. */
                restart(dst);
                ck_assert_int_eq(set_state(dst, RE, &f), 0);
                ck_assert_int_eq(sim_migf_write(f, x, 176), fix ? -EFAULT : 176);
                sim_migf_unref(f);
        }
}
END_TEST

START_TEST(test_probe) {
        /* Unbound and bound again, the VF is a new device to the driver (vfio_alloc_device()
         * zeroes hisi_acc_vf_core_device): match_done is clear, whatever passed before. */
        sim_vf_config a = base_config(all_profiles[_i]);
        uint8_t x[176];
        _cleanup_(sim_vf_freep) sim_vf *dst = passed_dst(&a, x);
        sim_migf *old = NULL;

        /* Probe of a VF left open (the host closes it first): closed, its files disabled. */
        ck_assert_int_eq(set_state(dst, RE, &old), 0);
        sim_vf_probe(dst);
        ck_assert(!sim_vf_is_open(dst));
        ck_assert(sim_migf_is_disabled(old));
        ck_assert_int_eq(sim_migf_write(old, x, 1), -ENODEV);
        old = sim_migf_unref(old);
        sim_vf_probe(NULL);

        ck_assert_int_eq(sim_vf_open_device(dst), 0);
        ck_assert_int_eq(get_state(dst), RU);
        resume_refused(dst, x);
}
END_TEST

static Suite *sim_migf_suite(void) {
        Suite *s = suite_create("sim-migf");
        TCase *tc;

        tc = test_tcase(s, "save");
        add_profile_test(tc, test_save_stop_copy);
        add_profile_test(tc, test_save_no_guest_driver);
        add_profile_test(tc, test_save_not_set_up);
        add_profile_test(tc, test_save_unusable_vft);

        tc = test_tcase(s, "precopy");
        tcase_add_test(tc, test_precopy_6_1);
        tcase_add_loop_test(tc, test_precopy_info, 1, NPROFILES);
        tcase_add_loop_test(tc, test_precopy_end, 1, NPROFILES);
        tcase_add_loop_test(tc, test_precopy_no_guest_driver, 1, NPROFILES);

        tc = test_tcase(s, "resume");
        add_profile_test(tc, test_migrate_other_vf);
        add_profile_test(tc, test_resume_limits);
        add_profile_test(tc, test_resume_empty_and_header);
        add_profile_test(tc, test_load_dma_zero);
        add_profile_test(tc, test_v1_chunked_quirk);

        tc = test_tcase(s, "match");
        add_profile_test(tc, test_match_mismatches);
        add_profile_test(tc, test_match_versions);
        add_profile_test(tc, test_match_magic);
        add_profile_test(tc, test_match_after_refusal_loads);
        add_profile_test(tc, test_match_done);
        add_profile_test(tc, test_probe);

        return s;
}

TEST_MAIN(sim_migf_suite)
