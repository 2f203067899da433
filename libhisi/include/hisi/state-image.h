/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HiSilicon VF state image: the kernel's 176-byte struct acc_vf_data, whose first 40 bytes
 * are the match header that a destination kernel checks (facts page, sections 3.2-3.3). The
 * wire form is little-endian whatever the host is. Pure logic: no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HISI_STATE_IMAGE_SIZE 176 /* sizeof(struct acc_vf_data) */
#define HISI_STATE_MATCH_SIZE 40  /* QM_MATCH_SIZE */

#define HISI_ACC_MAGIC_V1      UINT64_C(0xCDCDCDCDFEEDAACC)
#define HISI_ACC_MAGIC_V2      UINT64_C(0xAACCFEEDDECADEDE)
#define HISI_ACC_DRV_MAJOR_VER 1
#define HISI_ACC_DRV_MINOR_VER 0

#define HISI_QM_READY     0
#define HISI_QM_NOT_READY 1

/* The decoded image. Field names are the kernel's. */
typedef struct hisi_state_image {
        /* match header: bytes 0-39 */
        uint64_t acc_magic;
        uint32_t qp_num;
        uint32_t dev_id;
        uint32_t que_iso_cfg;
        uint32_t qp_base;
        uint32_t vf_qm_state;
        uint16_t major_ver; /* V2 only; qm_rsv_state[0] before 6.16 */
        uint16_t minor_ver;
        uint32_t qm_rsv_state[2];
        /* device state: bytes 40-175 */
        uint32_t aeq_int_mask;
        uint32_t eq_int_mask;
        uint32_t ifc_int_source;
        uint32_t ifc_int_mask;
        uint32_t ifc_int_set;
        uint32_t page_size;
        uint32_t qm_eqc_dw[7];
        uint32_t qm_aeqc_dw[7];
        uint32_t qm_rsv_regs[5];
        uint32_t padding;
        uint64_t eqe_dma;
        uint64_t aeqe_dma;
        uint64_t sqc_dma;
        uint64_t cqc_dma;
        /* not on the wire: whether the image held only the 40-byte header */
        bool header_only;
} hisi_state_image;

/*
 * Decode an image. len must be HISI_STATE_MATCH_SIZE (a header-only image: PRE_COPY initial
 * bytes, or a save with no guest driver) or HISI_STATE_IMAGE_SIZE. Distinct refusals:
 *  -ENODATA          truncated: shorter than 40, or between 40 and 176 bytes;
 *  -EFBIG            oversized: longer than 176 bytes;
 *  -EPROTO           unknown magic;
 *  -EPROTONOSUPPORT  V2 magic with a major version other than 1.
 * ret is untouched on failure.
 */
int hisi_state_image_parse(const void *buf, size_t len, hisi_state_image *ret);

/* Decode only the 40-byte match header from a buffer of at least 40 bytes (what a destination
 * kernel does once 40 bytes have arrived). Same errors as above; longer input is fine. */
int hisi_state_match_parse(const void *buf, size_t len, hisi_state_image *ret);

/* Encode: writes HISI_STATE_MATCH_SIZE bytes when img->header_only, else
 * HISI_STATE_IMAGE_SIZE; returns the count. size must be large enough, else -ENOBUFS. */
int hisi_state_image_build(const hisi_state_image *img, void *buf, size_t size);

/* The stream version of a magic: 1 for V1, 2 for V2, -EPROTO for anything else. */
int hisi_state_magic_version(uint64_t magic);
