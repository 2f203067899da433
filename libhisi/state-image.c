/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The codec of the HiSilicon VF state image (struct acc_vf_data, facts page 3.2). One table maps
 * each field of the kernel's struct to its place in hisi_state_image, and both directions walk
 * that table, so encoder and decoder cannot disagree. Bytes are assembled one at a time in
 * little-endian order: the host's own byte order and struct layout never touch the wire.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "hisi/state-image.h"

/*
 * The kernel's struct as of 6.16 (drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.h). Only used for
 * offsetof(): no value of this type is ever read or written, so host byte order and alignment
 * rules cannot leak into the wire form; the asserts below pin every offset to the kernel's.
 */
struct acc_vf_data {
        uint64_t acc_magic;
        uint32_t qp_num;
        uint32_t dev_id;
        uint32_t que_iso_cfg;
        uint32_t qp_base;
        uint32_t vf_qm_state;
        uint16_t major_ver; /* before 6.16: the low half of qm_rsv_state[0] of three */
        uint16_t minor_ver;
        uint32_t qm_rsv_state[2];
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
};

#define WIRE_OFF(f) offsetof(struct acc_vf_data, f)
#define WIRE_END(f) (WIRE_OFF(f) + sizeof(((struct acc_vf_data *)0)->f))

_Static_assert(sizeof(struct acc_vf_data) == HISI_STATE_IMAGE_SIZE, "acc_vf_data is 176 bytes");
_Static_assert(WIRE_END(qm_rsv_state) == HISI_STATE_MATCH_SIZE, "QM_MATCH_SIZE is 40");
_Static_assert(WIRE_OFF(qp_num) == 8 && WIRE_OFF(dev_id) == 12 && WIRE_OFF(que_iso_cfg) == 16 &&
                       WIRE_OFF(qp_base) == 20 && WIRE_OFF(vf_qm_state) == 24 &&
                       WIRE_OFF(major_ver) == 28 && WIRE_OFF(minor_ver) == 30 &&
                       WIRE_OFF(qm_rsv_state) == 32,
               "match header offsets");
_Static_assert(WIRE_OFF(aeq_int_mask) == 40 && WIRE_OFF(page_size) == 60 &&
                       WIRE_OFF(qm_eqc_dw) == 64 && WIRE_OFF(qm_aeqc_dw) == 92 &&
                       WIRE_OFF(qm_rsv_regs) == 120 && WIRE_OFF(padding) == 140 &&
                       WIRE_OFF(eqe_dma) == 144 && WIRE_OFF(cqc_dma) == 168,
               "device state offsets");

/* One field (or array) of the image: where it is on the wire and in hisi_state_image. */
typedef struct image_field {
        unsigned wire;  /* byte offset in struct acc_vf_data */
        unsigned host;  /* byte offset in hisi_state_image */
        unsigned width; /* bytes per element: 2, 4 or 8 */
        unsigned count; /* elements */
} image_field;

#define FIELD(f)                                                                                   \
        {                                                                                          \
                .wire = WIRE_OFF(f), .host = offsetof(hisi_state_image, f),                        \
                .width = sizeof(((struct acc_vf_data *)0)->f[0]),                                  \
                .count = sizeof(((struct acc_vf_data *)0)->f) /                                    \
                         sizeof(((struct acc_vf_data *)0)->f[0]),                                  \
        }
#define SCALAR(f)                                                                                  \
        {                                                                                          \
                .wire = WIRE_OFF(f), .host = offsetof(hisi_state_image, f),                        \
                .width = sizeof(((struct acc_vf_data *)0)->f), .count = 1,                         \
        }

/* In wire order, without gaps; the header ends on a field boundary (asserted above). */
static const image_field image_fields[] = {
        SCALAR(acc_magic),      /*   0 */
        SCALAR(qp_num),         /*   8 */
        SCALAR(dev_id),         /*  12 */
        SCALAR(que_iso_cfg),    /*  16 */
        SCALAR(qp_base),        /*  20 */
        SCALAR(vf_qm_state),    /*  24 */
        SCALAR(major_ver),      /*  28 */
        SCALAR(minor_ver),      /*  30 */
        FIELD(qm_rsv_state),    /*  32 */
        SCALAR(aeq_int_mask),   /*  40 */
        SCALAR(eq_int_mask),    /*  44 */
        SCALAR(ifc_int_source), /*  48 */
        SCALAR(ifc_int_mask),   /*  52 */
        SCALAR(ifc_int_set),    /*  56 */
        SCALAR(page_size),      /*  60 */
        FIELD(qm_eqc_dw),       /*  64 */
        FIELD(qm_aeqc_dw),      /*  92 */
        FIELD(qm_rsv_regs),     /* 120 */
        SCALAR(padding),        /* 140 */
        SCALAR(eqe_dma),        /* 144 */
        SCALAR(aeqe_dma),       /* 152 */
        SCALAR(sqc_dma),        /* 160 */
        SCALAR(cqc_dma),        /* 168 */
};

/* The host type of each field must have the wire width, or the table would copy garbage. */
#define SAME_WIDTH(f) (sizeof(((hisi_state_image *)0)->f) == sizeof(((struct acc_vf_data *)0)->f))
_Static_assert(SAME_WIDTH(acc_magic) && SAME_WIDTH(qp_num) && SAME_WIDTH(dev_id) &&
                       SAME_WIDTH(que_iso_cfg) && SAME_WIDTH(qp_base) && SAME_WIDTH(vf_qm_state) &&
                       SAME_WIDTH(major_ver) && SAME_WIDTH(minor_ver) && SAME_WIDTH(qm_rsv_state) &&
                       SAME_WIDTH(aeq_int_mask) && SAME_WIDTH(eq_int_mask) &&
                       SAME_WIDTH(ifc_int_source) && SAME_WIDTH(ifc_int_mask) &&
                       SAME_WIDTH(ifc_int_set) && SAME_WIDTH(page_size) && SAME_WIDTH(qm_eqc_dw) &&
                       SAME_WIDTH(qm_aeqc_dw) && SAME_WIDTH(qm_rsv_regs) && SAME_WIDTH(padding) &&
                       SAME_WIDTH(eqe_dma) && SAME_WIDTH(aeqe_dma) && SAME_WIDTH(sqc_dma) &&
                       SAME_WIDTH(cqc_dma),
               "hisi_state_image fields have the kernel's widths");

static uint64_t get_le(const uint8_t *p, unsigned width) {
        uint64_t v = 0;

        for (unsigned i = width; i > 0; i--)
                v = (v << 8) | p[i - 1];
        return v;
}

static void put_le(uint8_t *p, unsigned width, uint64_t v) {
        for (unsigned i = 0; i < width; i++, v >>= 8)
                p[i] = (uint8_t)v;
}

/* Host values go through memcpy so that the table needs no knowledge of the C types. */
static uint64_t host_load(const uint8_t *p, unsigned width) {
        uint16_t v16;
        uint32_t v32;
        uint64_t v64;

        switch (width) {
        case 2:
                memcpy(&v16, p, sizeof(v16));
                return v16;
        case 4:
                memcpy(&v32, p, sizeof(v32));
                return v32;
        case 8:
                memcpy(&v64, p, sizeof(v64));
                return v64;
        }
        abort(); /* the table has only these widths */
}

static void host_store(uint8_t *p, unsigned width, uint64_t v) {
        uint16_t v16 = (uint16_t)v;
        uint32_t v32 = (uint32_t)v;

        switch (width) {
        case 2:
                memcpy(p, &v16, sizeof(v16));
                return;
        case 4:
                memcpy(p, &v32, sizeof(v32));
                return;
        case 8:
                memcpy(p, &v, sizeof(v));
                return;
        }
        abort();
}

/* Decode the fields that lie within the first len bytes. */
static void decode_fields(const uint8_t *buf, size_t len, hisi_state_image *img) {
        for (size_t i = 0; i < ELEMENTSOF(image_fields) && image_fields[i].wire < len; i++) {
                const image_field *f = &image_fields[i];
                for (unsigned j = 0; j < f->count; j++)
                        host_store((uint8_t *)img + f->host + j * f->width, f->width,
                                   get_le(buf + f->wire + j * f->width, f->width));
        }
}

static void encode_fields(const hisi_state_image *img, size_t len, uint8_t *buf) {
        for (size_t i = 0; i < ELEMENTSOF(image_fields) && image_fields[i].wire < len; i++) {
                const image_field *f = &image_fields[i];
                for (unsigned j = 0; j < f->count; j++)
                        put_le(buf + f->wire + j * f->width, f->width,
                               host_load((const uint8_t *)img + f->host + j * f->width, f->width));
        }
}

int hisi_state_magic_version(uint64_t magic) {
        if (magic == HISI_ACC_MAGIC_V1)
                return 1;
        if (magic == HISI_ACC_MAGIC_V2)
                return 2;
        return -EPROTO;
}

/* What a 6.16 kernel's vf_qm_version_check() refuses: an unknown magic, or V2 of another major
 * (the minor is ignored). For V1, bytes 28-31 are reserved and are not looked at. */
static int check_version(const hisi_state_image *img) {
        int v = hisi_state_magic_version(img->acc_magic);

        if (v < 0)
                return v;
        if (v == 2 && img->major_ver != HISI_ACC_DRV_MAJOR_VER)
                return -EPROTONOSUPPORT;
        return 0;
}

int hisi_state_match_parse(const void *buf, size_t len, hisi_state_image *ret) {
        hisi_state_image img = {};
        int r;

        if (!buf || !ret)
                return -EINVAL;
        if (len < HISI_STATE_MATCH_SIZE)
                return -ENODATA;

        decode_fields(buf, HISI_STATE_MATCH_SIZE, &img);
        r = check_version(&img);
        if (r < 0)
                return r;

        /* Only the header was decoded: building the result gives back exactly those 40 bytes. */
        img.header_only = true;
        *ret = img;
        return 0;
}

int hisi_state_image_parse(const void *buf, size_t len, hisi_state_image *ret) {
        hisi_state_image img = {};
        int r;

        if (!buf || !ret)
                return -EINVAL;
        if (len > HISI_STATE_IMAGE_SIZE)
                return -EFBIG;
        if (len != HISI_STATE_MATCH_SIZE && len != HISI_STATE_IMAGE_SIZE)
                return -ENODATA;

        decode_fields(buf, len, &img);
        r = check_version(&img);
        if (r < 0)
                return r;

        img.header_only = len == HISI_STATE_MATCH_SIZE;
        *ret = img;
        return 0;
}

/* Encodes whatever it is given, unknown magics included: a faithful encoder is what tests and the
 * simulator need to produce the streams that a destination must refuse. */
int hisi_state_image_build(const hisi_state_image *img, void *buf, size_t size) {
        size_t n;

        if (!img || !buf)
                return -EINVAL;
        n = img->header_only ? HISI_STATE_MATCH_SIZE : HISI_STATE_IMAGE_SIZE;
        if (size < n)
                return -ENOBUFS;

        encode_fields(img, n, buf);
        return (int)n;
}
