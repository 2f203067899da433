/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared helpers of the simulated VF's unit tests (see sim-vf-test.h). */

#include "sim-vf-test.h"

const sim_profile all_profiles[NPROFILES] = {
        SIM_PROFILE_6_1,
        SIM_PROFILE_6_2,
        SIM_PROFILE_6_16,
        SIM_PROFILE_6_19,
};

/* Shows that an output parameter was left alone. */
char sentinel_storage;

sim_vf_config base_config(sim_profile p) {
        return (sim_vf_config){
                .kind = HISI_KIND_ZIP,
                .vf_index = 0,
                .qp_base = 0,
                .qp_num = 8,
                .que_iso_cfg = 1,
                .qm_version = 0x30,
                .pf_driver_bound = true,
                .guest_driver = true,
                .profile = p,
                .reset_fix = sim_profile_reset_fix(p),
                .seed = 42,
        };
}

sim_vf *new_open_vf(const sim_vf_config *c) {
        sim_vf *vf = NULL;

        ck_assert_int_eq(sim_vf_new(c, &vf), 0);
        ck_assert_ptr_nonnull(vf);
        ck_assert_int_eq(sim_vf_open_device(vf), 0);
        return vf;
}

sim_vf *open_vf(sim_profile p) {
        sim_vf_config c = base_config(p);
        return new_open_vf(&c);
}

/* Back to RUNNING on every kernel: close the device and open it again (a reset does it only
 * on 6.1 or with the reset fix). */
void restart(sim_vf *vf) {
        sim_vf_close_device(vf);
        ck_assert_int_eq(sim_vf_open_device(vf), 0);
        ck_assert_int_eq(sim_vf_get_state(vf), HISI_MIG_STATE_RUNNING);
}

void tick(sim_vf *vf, unsigned n) {
        for (unsigned i = 0; i < n; i++)
                ck_assert(sim_vf_guest_tick(vf));
}

/* VFIO_DEVICE_FEATURE with argsz = 8 + size, the payload copied in and back. A file the call
 * returns goes to *ret when given, else is dropped. */
int feature_argsz(sim_vf *vf, uint32_t flags, uint32_t argsz, void *payload, size_t size,
                  sim_migf **ret) {
        struct {
                hisi_vfio_feature_hdr hdr;
                uint8_t data[64];
        } b = { .hdr = { .argsz = argsz, .flags = flags } };
        sim_migf *f = NULL;
        int r;

        ck_assert_uint_le(size, sizeof(b.data));
        if (size > 0)
                memcpy(b.data, payload, size);
        r = sim_vf_feature(vf, &b, sizeof(b.hdr) + size, ret ? ret : &f);
        if (size > 0)
                memcpy(payload, b.data, size);
        sim_migf_unref(f);
        return r;
}

int feature(sim_vf *vf, uint32_t flags, void *payload, size_t size, sim_migf **ret) {
        return feature_argsz(vf, flags, (uint32_t)(8 + size), payload, size, ret);
}

/* MIG_DEVICE_STATE SET, with the kernel's copy-back checked on every call. */
int set_state(sim_vf *vf, uint32_t state, sim_migf **ret_file) {
        hisi_vfio_feature_mig_state m = { .device_state = state, .data_fd = 1234 };
        sim_migf *f = SENTINEL;
        int r;

        r = feature(vf, F_SET | FEAT_STATE, &m, sizeof(m), &f);
        ck_assert_uint_eq(m.device_state, state); /* the requested value, success or not */
        if (r < 0) {
                ck_assert_int_eq(m.data_fd, -1);
                ck_assert_ptr_eq(f, SENTINEL);
                f = NULL;
        } else if (f)
                ck_assert_int_eq(m.data_fd, 1234); /* left for the caller's fd */
        else
                ck_assert_int_eq(m.data_fd, -1);
        if (ret_file)
                *ret_file = f;
        else
                sim_migf_unref(f);
        return r;
}

hisi_mig_state get_state(sim_vf *vf) {
        hisi_vfio_feature_mig_state m = { .device_state = 77, .data_fd = 5 };

        ck_assert_int_eq(feature(vf, F_GET | FEAT_STATE, &m, sizeof(m), NULL), 0);
        ck_assert_int_eq(m.data_fd, -1);
        ck_assert_uint_eq(m.device_state, sim_vf_get_state(vf));
        return (hisi_mig_state)m.device_state;
}

/* Read a saving file in chunks until EOF. */
ssize_t read_all(sim_migf *f, uint8_t *buf, size_t cap, size_t chunk) {
        size_t done = 0;

        for (;;) {
                ssize_t n = sim_migf_read(f, buf + done, MIN(chunk, cap - done));
                if (n < 0)
                        return n;
                if (n == 0)
                        return (ssize_t)done;
                done += (size_t)n;
        }
}

/* RUNNING -> STOP_COPY, read the whole stream, STOP_COPY -> STOP. */
size_t save_stream(sim_vf *vf, uint8_t out[HISI_STATE_IMAGE_SIZE]) {
        sim_migf *f = NULL;
        ssize_t n;

        ck_assert_int_eq(set_state(vf, SC, &f), 0);
        ck_assert_ptr_nonnull(f);
        n = read_all(f, out, HISI_STATE_IMAGE_SIZE, 64);
        ck_assert_int_ge(n, 0);
        ck_assert_int_eq(set_state(vf, ST, NULL), 0);
        ck_assert(sim_migf_is_disabled(f));
        sim_migf_unref(f);
        return (size_t)n;
}

/* -> RESUMING, write in chunks (each write must succeed), then RESUMING -> STOP. */
int load_stream(sim_vf *vf, const uint8_t *data, size_t n, size_t chunk) {
        sim_migf *f = NULL;
        int r;

        ck_assert_int_eq(set_state(vf, RE, &f), 0);
        ck_assert_ptr_nonnull(f);
        for (size_t done = 0; done < n;) {
                size_t len = MIN(chunk, n - done);
                ck_assert_int_eq(sim_migf_write(f, data + done, len), (ssize_t)len);
                done += len;
        }
        r = set_state(vf, ST, NULL);
        sim_migf_unref(f);
        return r;
}

void resume_refused(sim_vf *vf, const uint8_t data[HISI_STATE_IMAGE_SIZE]) {
        sim_migf *f = NULL;

        ck_assert_int_eq(set_state(vf, RE, &f), 0);
        if (sim_profile_early_match(sim_vf_get_config(vf)->profile))
                ck_assert_int_eq(sim_migf_write(f, data, HISI_STATE_IMAGE_SIZE), -EFAULT);
        else {
                ck_assert_int_eq(sim_migf_write(f, data, HISI_STATE_IMAGE_SIZE),
                                 HISI_STATE_IMAGE_SIZE);
                ck_assert_int_eq(set_state(vf, ST, NULL), -EINVAL);
        }
        sim_migf_unref(f);
}

void parse_full(const uint8_t *data, size_t n, hisi_state_image *img) {
        ck_assert_uint_eq(n, HISI_STATE_IMAGE_SIZE);
        ck_assert_int_eq(hisi_state_image_parse(data, n, img), 0);
}

uint64_t image_digest(const hisi_state_image *img) {
        sim_guest g = {};

        sim_guest_load(&g, img);
        return sim_guest_digest(&g);
}

hisi_state_image good_image(uint64_t magic) {
        return (hisi_state_image){
                .acc_magic = magic,
                .major_ver = magic == HISI_ACC_MAGIC_V2 ? 1 : 0,
                .qp_num = 8,
                .dev_id = ZIP_VF_ID,
                .que_iso_cfg = 1,
                .qm_eqc_dw = { 0x10, 0x1000, 0x1 },
                .qm_aeqc_dw = { 0x20, 0x2000, 0x2 },
                .eqe_dma = 0x100001000,
                .aeqe_dma = 0x200002000,
                .sqc_dma = 0x3000,
                .cqc_dma = 0x4000,
                .aeq_int_mask = 1,
                .page_size = 2,
        };
}
