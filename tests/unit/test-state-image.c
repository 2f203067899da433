/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the state image codec: round trips of V1, V2 and header-only images, the wire
 * layout checked against literal bytes (offsets and byte order), every refusal, and the encoder's
 * buffer check.
 */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "hisi/state-image.h"
#include "test-main.h"

/*
 * An image in which every byte outside the magic and the major version equals its own offset, so
 * a field at the wrong place or in the wrong byte order cannot go unnoticed.
 */
static const hisi_state_image layout_image = {
        .acc_magic = HISI_ACC_MAGIC_V2,
        .qp_num = 0x0b0a0908,
        .dev_id = 0x0f0e0d0c,
        .que_iso_cfg = 0x13121110,
        .qp_base = 0x17161514,
        .vf_qm_state = 0x1b1a1918,
        .major_ver = 1,
        .minor_ver = 0x1f1e,
        .qm_rsv_state = { 0x23222120, 0x27262524 },
        .aeq_int_mask = 0x2b2a2928,
        .eq_int_mask = 0x2f2e2d2c,
        .ifc_int_source = 0x33323130,
        .ifc_int_mask = 0x37363534,
        .ifc_int_set = 0x3b3a3938,
        .page_size = 0x3f3e3d3c,
        .qm_eqc_dw = { 0x43424140, 0x47464544, 0x4b4a4948, 0x4f4e4d4c, 0x53525150, 0x57565554,
                       0x5b5a5958 },
        .qm_aeqc_dw = { 0x5f5e5d5c, 0x63626160, 0x67666564, 0x6b6a6968, 0x6f6e6d6c, 0x73727170,
                        0x77767574 },
        .qm_rsv_regs = { 0x7b7a7978, 0x7f7e7d7c, 0x83828180, 0x87868584, 0x8b8a8988 },
        .padding = 0x8f8e8d8c,
        .eqe_dma = UINT64_C(0x9796959493929190),
        .aeqe_dma = UINT64_C(0x9f9e9d9c9b9a9998),
        .sqc_dma = UINT64_C(0xa7a6a5a4a3a2a1a0),
        .cqc_dma = UINT64_C(0xafaeadacabaaa9a8),
};

/* clang-format off */
static const uint8_t layout_bytes[HISI_STATE_IMAGE_SIZE] = {
        0xde, 0xde, 0xca, 0xde, 0xed, 0xfe, 0xcc, 0xaa, /*   0 acc_magic (V2) */
        0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, /*   8 qp_num, dev_id */
        0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, /*  16 que_iso_cfg, qp_base */
        0x18, 0x19, 0x1a, 0x1b, 0x01, 0x00, 0x1e, 0x1f, /*  24 vf_qm_state, major 1, minor */
        0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, /*  32 qm_rsv_state[2] */
        0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, /*  40 aeq_int_mask, eq_int_mask */
        0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, /*  48 ifc_int_source, ifc_int_mask */
        0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, /*  56 ifc_int_set, page_size */
        0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, /*  64 qm_eqc_dw[7] */
        0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
        0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
        0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, /*  92 qm_aeqc_dw[7] */
        0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
        0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
        0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
        0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, /* 120 qm_rsv_regs[5] */
        0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
        0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, /* 140 padding */
        0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, /* 144 eqe_dma */
        0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, /* 152 aeqe_dma */
        0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, /* 160 sqc_dma */
        0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, /* 168 cqc_dma */
};
/* clang-format on */

/* A plausible V1 image as a pre-6.16 kernel saves it: eqe_dma from dw[1]:dw[0]. */
static hisi_state_image v1_image(void) {
        return (hisi_state_image){
                .acc_magic = HISI_ACC_MAGIC_V1,
                .qp_num = 64,
                .dev_id = 0xa251,
                .que_iso_cfg = 1,
                .qp_base = 128,
                .vf_qm_state = HISI_QM_READY,
                .page_size = 0x1000,
                .qm_eqc_dw = { 0x2000, 0x12, 0, 0, 0, 0, 0x400 },
                .qm_aeqc_dw = { 0x3000, 0x12, 0, 0, 0, 0, 0x400 },
                .eqe_dma = UINT64_C(0x1200002000),
                .aeqe_dma = UINT64_C(0x1200003000),
                .sqc_dma = UINT64_C(0x1200004000),
                .cqc_dma = UINT64_C(0x1200005000),
        };
}

/* The same device as a 6.16 kernel saves it: V2 1.0, eqe_dma from dw[2]:dw[1]. */
static hisi_state_image v2_image(void) {
        hisi_state_image img = v1_image();

        img.acc_magic = HISI_ACC_MAGIC_V2;
        img.major_ver = HISI_ACC_DRV_MAJOR_VER;
        img.minor_ver = HISI_ACC_DRV_MINOR_VER;
        img.qm_eqc_dw[1] = 0x2000;
        img.qm_eqc_dw[2] = 0x12;
        return img;
}

static void assert_header_eq(const hisi_state_image *a, const hisi_state_image *b) {
        ck_assert_uint_eq(a->acc_magic, b->acc_magic);
        ck_assert_uint_eq(a->qp_num, b->qp_num);
        ck_assert_uint_eq(a->dev_id, b->dev_id);
        ck_assert_uint_eq(a->que_iso_cfg, b->que_iso_cfg);
        ck_assert_uint_eq(a->qp_base, b->qp_base);
        ck_assert_uint_eq(a->vf_qm_state, b->vf_qm_state);
        ck_assert_uint_eq(a->major_ver, b->major_ver);
        ck_assert_uint_eq(a->minor_ver, b->minor_ver);
        ck_assert_mem_eq(a->qm_rsv_state, b->qm_rsv_state, sizeof(a->qm_rsv_state));
}

static void assert_image_eq(const hisi_state_image *a, const hisi_state_image *b) {
        assert_header_eq(a, b);
        ck_assert_uint_eq(a->aeq_int_mask, b->aeq_int_mask);
        ck_assert_uint_eq(a->eq_int_mask, b->eq_int_mask);
        ck_assert_uint_eq(a->ifc_int_source, b->ifc_int_source);
        ck_assert_uint_eq(a->ifc_int_mask, b->ifc_int_mask);
        ck_assert_uint_eq(a->ifc_int_set, b->ifc_int_set);
        ck_assert_uint_eq(a->page_size, b->page_size);
        ck_assert_mem_eq(a->qm_eqc_dw, b->qm_eqc_dw, sizeof(a->qm_eqc_dw));
        ck_assert_mem_eq(a->qm_aeqc_dw, b->qm_aeqc_dw, sizeof(a->qm_aeqc_dw));
        ck_assert_mem_eq(a->qm_rsv_regs, b->qm_rsv_regs, sizeof(a->qm_rsv_regs));
        ck_assert_uint_eq(a->padding, b->padding);
        ck_assert_uint_eq(a->eqe_dma, b->eqe_dma);
        ck_assert_uint_eq(a->aeqe_dma, b->aeqe_dma);
        ck_assert_uint_eq(a->sqc_dma, b->sqc_dma);
        ck_assert_uint_eq(a->cqc_dma, b->cqc_dma);
        ck_assert(a->header_only == b->header_only);
}

/* Checks that a failed parse left its output alone. */
static hisi_state_image *sentinel(hisi_state_image *img) {
        memset(img, 0x5a, sizeof(*img));
        return img;
}
static void assert_untouched(const hisi_state_image *img) {
        hisi_state_image s;
        ck_assert_mem_eq(img, sentinel(&s), sizeof(s));
}

static void round_trip(const hisi_state_image *img, size_t expected_len) {
        uint8_t buf[HISI_STATE_IMAGE_SIZE], again[HISI_STATE_IMAGE_SIZE];
        hisi_state_image out;

        ck_assert_int_eq(hisi_state_image_build(img, buf, sizeof(buf)), (int)expected_len);
        ck_assert_int_eq(hisi_state_image_parse(buf, expected_len, &out), 0);
        assert_image_eq(&out, img);
        ck_assert_int_eq(hisi_state_image_build(&out, again, sizeof(again)), (int)expected_len);
        ck_assert_mem_eq(again, buf, expected_len);
}

/* ---- codec ---- */

START_TEST(test_round_trip_v1) {
        hisi_state_image img = v1_image();
        round_trip(&img, HISI_STATE_IMAGE_SIZE);
}
END_TEST

START_TEST(test_round_trip_v2) {
        hisi_state_image img = v2_image();
        round_trip(&img, HISI_STATE_IMAGE_SIZE);
}
END_TEST

START_TEST(test_round_trip_header_only) {
        /* What PRE_COPY's initial bytes, or a save with no guest driver, look like. */
        hisi_state_image img = {
                .acc_magic = HISI_ACC_MAGIC_V2,
                .qp_num = 32,
                .dev_id = 0xa256,
                .que_iso_cfg = 1,
                .qp_base = 96,
                .vf_qm_state = HISI_QM_NOT_READY,
                .major_ver = 1,
                .header_only = true,
        };
        round_trip(&img, HISI_STATE_MATCH_SIZE);

        /* A header-only image carries no device state, whatever the struct held. */
        uint8_t buf[HISI_STATE_IMAGE_SIZE];
        hisi_state_image out;
        img.eqe_dma = 0x1234;
        ck_assert_int_eq(hisi_state_image_build(&img, buf, sizeof(buf)), HISI_STATE_MATCH_SIZE);
        ck_assert_int_eq(hisi_state_image_parse(buf, HISI_STATE_MATCH_SIZE, &out), 0);
        ck_assert(out.header_only);
        ck_assert_uint_eq(out.eqe_dma, 0);
        ck_assert_uint_eq(out.dev_id, 0xa256);
}
END_TEST

START_TEST(test_layout_build) {
        uint8_t buf[HISI_STATE_IMAGE_SIZE];

        ck_assert_int_eq(hisi_state_image_build(&layout_image, buf, sizeof(buf)),
                         HISI_STATE_IMAGE_SIZE);
        for (size_t i = 0; i < sizeof(buf); i++)
                ck_assert_msg(buf[i] == layout_bytes[i], "byte %zu: 0x%02x, expected 0x%02x", i,
                              buf[i], layout_bytes[i]);
}
END_TEST

START_TEST(test_layout_parse) {
        hisi_state_image out;

        ck_assert_int_eq(hisi_state_image_parse(layout_bytes, sizeof(layout_bytes), &out), 0);
        assert_image_eq(&out, &layout_image);

        /* The header alone: the same first 40 bytes. */
        hisi_state_image hdr = layout_image;
        uint8_t buf[HISI_STATE_IMAGE_SIZE];
        hdr.header_only = true;
        ck_assert_int_eq(hisi_state_image_build(&hdr, buf, sizeof(buf)), HISI_STATE_MATCH_SIZE);
        ck_assert_mem_eq(buf, layout_bytes, HISI_STATE_MATCH_SIZE);
}
END_TEST

START_TEST(test_layout_v1_magic) {
        /* V1 magic on the wire, low byte first, as an x86 or arm64 kernel writes it. */
        static const uint8_t v1_magic[8] = { 0xcc, 0xaa, 0xed, 0xfe, 0xcd, 0xcd, 0xcd, 0xcd };
        hisi_state_image img = v1_image();
        uint8_t buf[HISI_STATE_IMAGE_SIZE];

        ck_assert_int_eq(hisi_state_image_build(&img, buf, sizeof(buf)), HISI_STATE_IMAGE_SIZE);
        ck_assert_mem_eq(buf, v1_magic, sizeof(v1_magic));
        /* dev_id 0xa251 at offset 12, qp_num 64 at offset 8. */
        ck_assert_uint_eq(buf[8], 64);
        ck_assert_uint_eq(buf[12], 0x51);
        ck_assert_uint_eq(buf[13], 0xa2);
}
END_TEST

START_TEST(test_v1_reserved_bytes) {
        /* For V1, bytes 28-31 are qm_rsv_state[0]: never checked, kept as they are. */
        uint8_t buf[HISI_STATE_IMAGE_SIZE];
        hisi_state_image img = v1_image(), out;

        ck_assert_int_eq(hisi_state_image_build(&img, buf, sizeof(buf)), HISI_STATE_IMAGE_SIZE);
        buf[28] = 7;
        buf[30] = 9;
        ck_assert_int_eq(hisi_state_image_parse(buf, sizeof(buf), &out), 0);
        ck_assert_uint_eq(out.major_ver, 7);
        ck_assert_uint_eq(out.minor_ver, 9);
}
END_TEST

START_TEST(test_v2_minor_ignored) {
        uint8_t buf[HISI_STATE_IMAGE_SIZE];
        hisi_state_image img = v2_image(), out;

        img.minor_ver = 42;
        ck_assert_int_eq(hisi_state_image_build(&img, buf, sizeof(buf)), HISI_STATE_IMAGE_SIZE);
        ck_assert_int_eq(hisi_state_image_parse(buf, sizeof(buf), &out), 0);
        ck_assert_uint_eq(out.minor_ver, 42);
}
END_TEST

/* ---- refusals ---- */

START_TEST(test_refuse_truncated_header) {
        hisi_state_image out;

        for (size_t len = 0; len < HISI_STATE_MATCH_SIZE; len++) {
                ck_assert_int_eq(hisi_state_image_parse(layout_bytes, len, sentinel(&out)),
                                 -ENODATA);
                assert_untouched(&out);
        }
}
END_TEST

START_TEST(test_refuse_truncated_state) {
        hisi_state_image out;

        for (size_t len = HISI_STATE_MATCH_SIZE + 1; len < HISI_STATE_IMAGE_SIZE; len++) {
                ck_assert_int_eq(hisi_state_image_parse(layout_bytes, len, sentinel(&out)),
                                 -ENODATA);
                assert_untouched(&out);
        }
}
END_TEST

START_TEST(test_refuse_oversized) {
        uint8_t buf[HISI_STATE_IMAGE_SIZE * 2] = {};
        hisi_state_image out;

        memcpy(buf, layout_bytes, sizeof(layout_bytes));
        ck_assert_int_eq(hisi_state_image_parse(buf, HISI_STATE_IMAGE_SIZE + 1, sentinel(&out)),
                         -EFBIG);
        assert_untouched(&out);
        ck_assert_int_eq(hisi_state_image_parse(buf, sizeof(buf), sentinel(&out)), -EFBIG);
        assert_untouched(&out);
}
END_TEST

START_TEST(test_refuse_unknown_magic) {
        uint8_t buf[HISI_STATE_IMAGE_SIZE];
        hisi_state_image out;

        memcpy(buf, layout_bytes, sizeof(buf));
        buf[7] = 0xab; /* one byte off V2 */
        ck_assert_int_eq(hisi_state_image_parse(buf, sizeof(buf), sentinel(&out)), -EPROTO);
        assert_untouched(&out);
        ck_assert_int_eq(hisi_state_image_parse(buf, HISI_STATE_MATCH_SIZE, sentinel(&out)),
                         -EPROTO);
        assert_untouched(&out);

        /* A magic written big-endian is not a magic. */
        static const uint8_t v1_be[8] = { 0xcd, 0xcd, 0xcd, 0xcd, 0xfe, 0xed, 0xaa, 0xcc };
        memcpy(buf, v1_be, sizeof(v1_be));
        ck_assert_int_eq(hisi_state_image_parse(buf, sizeof(buf), sentinel(&out)), -EPROTO);
        assert_untouched(&out);
}
END_TEST

START_TEST(test_refuse_v2_major) {
        uint8_t buf[HISI_STATE_IMAGE_SIZE];
        hisi_state_image out;

        memcpy(buf, layout_bytes, sizeof(buf));
        buf[28] = 2;
        ck_assert_int_eq(hisi_state_image_parse(buf, sizeof(buf), sentinel(&out)),
                         -EPROTONOSUPPORT);
        assert_untouched(&out);
        ck_assert_int_eq(hisi_state_image_parse(buf, HISI_STATE_MATCH_SIZE, sentinel(&out)),
                         -EPROTONOSUPPORT);
        assert_untouched(&out);

        /* The major is 16 bits: 0x0101 is not 1. */
        buf[28] = 1;
        buf[29] = 1;
        ck_assert_int_eq(hisi_state_image_parse(buf, sizeof(buf), &out), -EPROTONOSUPPORT);
        buf[28] = 0;
        buf[29] = 0;
        ck_assert_int_eq(hisi_state_image_parse(buf, sizeof(buf), &out), -EPROTONOSUPPORT);
}
END_TEST

START_TEST(test_refuse_length_before_magic) {
        /* A truncated stream is reported as truncated, not as a bad magic. */
        uint8_t buf[HISI_STATE_IMAGE_SIZE + 1] = {};
        hisi_state_image out;

        ck_assert_int_eq(hisi_state_image_parse(buf, 100, &out), -ENODATA);
        ck_assert_int_eq(hisi_state_image_parse(buf, sizeof(buf), &out), -EFBIG);
        ck_assert_int_eq(hisi_state_image_parse(buf, HISI_STATE_IMAGE_SIZE, &out), -EPROTO);
}
END_TEST

START_TEST(test_parse_einval) {
        hisi_state_image out;

        ck_assert_int_eq(hisi_state_image_parse(NULL, HISI_STATE_IMAGE_SIZE, &out), -EINVAL);
        ck_assert_int_eq(hisi_state_image_parse(layout_bytes, HISI_STATE_IMAGE_SIZE, NULL),
                         -EINVAL);
}
END_TEST

/* ---- match header ---- */

START_TEST(test_match_parse) {
        hisi_state_image out;

        /* From a whole image: the header fields, device state left at zero. */
        ck_assert_int_eq(hisi_state_match_parse(layout_bytes, sizeof(layout_bytes), &out), 0);
        assert_header_eq(&out, &layout_image);
        ck_assert(out.header_only);
        ck_assert_uint_eq(out.aeq_int_mask, 0);
        ck_assert_uint_eq(out.cqc_dma, 0);

        /* From exactly 40 bytes, and from a prefix of a longer stream. */
        ck_assert_int_eq(hisi_state_match_parse(layout_bytes, HISI_STATE_MATCH_SIZE, &out), 0);
        assert_header_eq(&out, &layout_image);
        ck_assert_int_eq(hisi_state_match_parse(layout_bytes, 100, &out), 0);
        assert_header_eq(&out, &layout_image);

        uint8_t big[4096] = {};
        memcpy(big, layout_bytes, sizeof(layout_bytes));
        ck_assert_int_eq(hisi_state_match_parse(big, sizeof(big), &out), 0);
        assert_header_eq(&out, &layout_image);
}
END_TEST

START_TEST(test_match_refusals) {
        uint8_t buf[HISI_STATE_IMAGE_SIZE];
        hisi_state_image out;

        memcpy(buf, layout_bytes, sizeof(buf));
        ck_assert_int_eq(hisi_state_match_parse(buf, HISI_STATE_MATCH_SIZE - 1, sentinel(&out)),
                         -ENODATA);
        assert_untouched(&out);
        ck_assert_int_eq(hisi_state_match_parse(buf, 0, sentinel(&out)), -ENODATA);
        assert_untouched(&out);

        buf[28] = 2;
        ck_assert_int_eq(hisi_state_match_parse(buf, sizeof(buf), sentinel(&out)),
                         -EPROTONOSUPPORT);
        assert_untouched(&out);

        buf[0] ^= 1;
        ck_assert_int_eq(hisi_state_match_parse(buf, sizeof(buf), sentinel(&out)), -EPROTO);
        assert_untouched(&out);

        ck_assert_int_eq(hisi_state_match_parse(NULL, sizeof(buf), &out), -EINVAL);
        ck_assert_int_eq(hisi_state_match_parse(buf, sizeof(buf), NULL), -EINVAL);
}
END_TEST

/* ---- build ---- */

START_TEST(test_build_too_small) {
        uint8_t buf[HISI_STATE_IMAGE_SIZE];
        hisi_state_image img = v2_image();

        memset(buf, 0xee, sizeof(buf));
        ck_assert_int_eq(hisi_state_image_build(&img, buf, HISI_STATE_IMAGE_SIZE - 1), -ENOBUFS);
        ck_assert_int_eq(hisi_state_image_build(&img, buf, HISI_STATE_MATCH_SIZE), -ENOBUFS);
        ck_assert_int_eq(hisi_state_image_build(&img, buf, 0), -ENOBUFS);
        for (size_t i = 0; i < sizeof(buf); i++)
                ck_assert_uint_eq(buf[i], 0xee);

        img.header_only = true;
        ck_assert_int_eq(hisi_state_image_build(&img, buf, HISI_STATE_MATCH_SIZE - 1), -ENOBUFS);
        ck_assert_uint_eq(buf[0], 0xee);
        ck_assert_int_eq(hisi_state_image_build(&img, buf, HISI_STATE_MATCH_SIZE),
                         HISI_STATE_MATCH_SIZE);
}
END_TEST

START_TEST(test_build_exact_size) {
        uint8_t buf[HISI_STATE_IMAGE_SIZE + 1];
        hisi_state_image img = v1_image();

        memset(buf, 0xee, sizeof(buf));
        ck_assert_int_eq(hisi_state_image_build(&img, buf, HISI_STATE_IMAGE_SIZE),
                         HISI_STATE_IMAGE_SIZE);
        ck_assert_uint_eq(buf[HISI_STATE_IMAGE_SIZE], 0xee);

        img.header_only = true;
        memset(buf, 0xee, sizeof(buf));
        ck_assert_int_eq(hisi_state_image_build(&img, buf, sizeof(buf)), HISI_STATE_MATCH_SIZE);
        ck_assert_uint_eq(buf[HISI_STATE_MATCH_SIZE], 0xee);
}
END_TEST

START_TEST(test_build_any_magic) {
        /* The encoder writes what it is given, so that refused streams can be produced. */
        uint8_t buf[HISI_STATE_IMAGE_SIZE];
        hisi_state_image img = v2_image(), out;

        img.acc_magic = UINT64_C(0x0102030405060708);
        ck_assert_int_eq(hisi_state_image_build(&img, buf, sizeof(buf)), HISI_STATE_IMAGE_SIZE);
        ck_assert_uint_eq(buf[0], 0x08);
        ck_assert_uint_eq(buf[7], 0x01);
        ck_assert_int_eq(hisi_state_image_parse(buf, sizeof(buf), &out), -EPROTO);
}
END_TEST

START_TEST(test_build_einval) {
        uint8_t buf[HISI_STATE_IMAGE_SIZE];
        hisi_state_image img = v2_image();

        ck_assert_int_eq(hisi_state_image_build(NULL, buf, sizeof(buf)), -EINVAL);
        ck_assert_int_eq(hisi_state_image_build(&img, NULL, sizeof(buf)), -EINVAL);
}
END_TEST

/* ---- magic ---- */

START_TEST(test_magic_version) {
        ck_assert_int_eq(hisi_state_magic_version(HISI_ACC_MAGIC_V1), 1);
        ck_assert_int_eq(hisi_state_magic_version(HISI_ACC_MAGIC_V2), 2);
        ck_assert_int_eq(hisi_state_magic_version(UINT64_C(0xCDCDCDCDFEEDAACC)), 1);
        ck_assert_int_eq(hisi_state_magic_version(UINT64_C(0xAACCFEEDDECADEDE)), 2);
        ck_assert_int_eq(hisi_state_magic_version(0), -EPROTO);
        ck_assert_int_eq(hisi_state_magic_version(__builtin_bswap64(HISI_ACC_MAGIC_V1)), -EPROTO);
        ck_assert_int_eq(hisi_state_magic_version(UINT64_MAX), -EPROTO);
}
END_TEST

static Suite *state_image_suite(void) {
        Suite *s = suite_create("state-image");
        TCase *tc;

        tc = tcase_create("codec");
        tcase_add_test(tc, test_round_trip_v1);
        tcase_add_test(tc, test_round_trip_v2);
        tcase_add_test(tc, test_round_trip_header_only);
        tcase_add_test(tc, test_v1_reserved_bytes);
        tcase_add_test(tc, test_v2_minor_ignored);
        suite_add_tcase(s, tc);

        tc = tcase_create("layout");
        tcase_add_test(tc, test_layout_build);
        tcase_add_test(tc, test_layout_parse);
        tcase_add_test(tc, test_layout_v1_magic);
        suite_add_tcase(s, tc);

        tc = tcase_create("refusals");
        tcase_add_test(tc, test_refuse_truncated_header);
        tcase_add_test(tc, test_refuse_truncated_state);
        tcase_add_test(tc, test_refuse_oversized);
        tcase_add_test(tc, test_refuse_unknown_magic);
        tcase_add_test(tc, test_refuse_v2_major);
        tcase_add_test(tc, test_refuse_length_before_magic);
        tcase_add_test(tc, test_parse_einval);
        suite_add_tcase(s, tc);

        tc = tcase_create("match header");
        tcase_add_test(tc, test_match_parse);
        tcase_add_test(tc, test_match_refusals);
        suite_add_tcase(s, tc);

        tc = tcase_create("build");
        tcase_add_test(tc, test_build_too_small);
        tcase_add_test(tc, test_build_exact_size);
        tcase_add_test(tc, test_build_any_magic);
        tcase_add_test(tc, test_build_einval);
        suite_add_tcase(s, tc);

        tc = tcase_create("magic");
        tcase_add_test(tc, test_magic_version);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(state_image_suite)
