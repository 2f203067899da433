/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The register state of a simulated VF's guest (see sim-guest.h). */

#include <string.h>

#include "macro.h"
#include "sim-guest.h"

/* VF QM register offsets in BAR2 (hisi_acc_vfio_pci.h). */
#define QM_VF_AEQ_INT_MASK  0x0004
#define QM_VF_EQ_INT_MASK   0x000c
#define QM_IFC_INT_SOURCE_V 0x0020
#define QM_IFC_INT_MASK     0x0024
#define QM_IFC_INT_SET_V    0x002c
#define QM_PAGE_SIZE        0x0034
#define QM_EQC_DW0          0x8000
#define QM_AEQC_DW0         0x8020

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME  UINT64_C(0x100000001b3)

static uint64_t splitmix64(uint64_t *state) {
        uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

/* A page-aligned, non-zero 48-bit DMA address. */
static uint64_t dma_address(uint64_t *state) {
        return (splitmix64(state) & UINT64_C(0x0000fffffffff000)) | UINT64_C(0x100000);
}

void sim_guest_init(sim_guest *g, uint64_t seed, hisi_kind kind, uint32_t vf_index) {
        uint64_t s = seed ^ ((uint64_t)(uint32_t)kind << 48) ^ ((uint64_t)vf_index << 16);
        uint64_t eqe, aeqe;

        *g = (sim_guest){ .initialized = true };
        (void)splitmix64(&s);

        /* qm_dev_cmd_init() leaves the PF-VF interface enabled with nothing pending. */
        g->page_size = 0; /* 4 KiB pages */

        eqe = dma_address(&s);
        aeqe = dma_address(&s);
        /* EQC/AEQC: dw0 holds the queue head, dw1/dw2 the base address low/high (the layout the
         * 6.16 fix reads with QM_XQC_ADDR_LOW = 1 and QM_XQC_ADDR_HIGH = 2). */
        for (size_t i = 0; i < ELEMENTSOF(g->eqc_dw); i++) {
                g->eqc_dw[i] = (uint32_t)splitmix64(&s);
                g->aeqc_dw[i] = (uint32_t)splitmix64(&s);
        }
        g->eqc_dw[1] = (uint32_t)eqe;
        g->eqc_dw[2] = (uint32_t)(eqe >> 32);
        g->aeqc_dw[1] = (uint32_t)aeqe;
        g->aeqc_dw[2] = (uint32_t)(aeqe >> 32);
        g->sqc_dma = dma_address(&s);
        g->cqc_dma = dma_address(&s);
}

void sim_guest_wipe(sim_guest *g) {
        *g = (sim_guest){};
}

void sim_guest_step(sim_guest *g) {
        uint64_t s = sim_guest_digest(g);
        uint64_t h = splitmix64(&s);
        uint32_t eq_head = (g->eqc_dw[0] + 1 + (uint32_t)(h & 7)) & 0xffff;
        uint32_t aeq_head = (g->aeqc_dw[0] + (uint32_t)((h >> 3) & 3)) & 0xffff;

        /* The event queue head always moves, so every step changes the state. */
        g->eqc_dw[0] = (g->eqc_dw[0] & 0xffff0000) | eq_head;
        g->aeqc_dw[0] = (g->aeqc_dw[0] & 0xffff0000) | aeq_head;
        g->eqc_dw[3] = g->eqc_dw[3] * 5 + (uint32_t)(h >> 8);
        g->aeqc_dw[3] ^= (uint32_t)(h >> 24);
        g->eqc_dw[4] += (uint32_t)((h >> 40) & 0xff);
        g->eq_int_mask = (uint32_t)((h >> 62) & 1);
        g->aeq_int_mask = (uint32_t)((h >> 63) & 1);
}

void sim_guest_save(const sim_guest *g, hisi_state_image *img) {
        img->aeq_int_mask = g->aeq_int_mask;
        img->eq_int_mask = g->eq_int_mask;
        img->ifc_int_source = g->ifc_int_source;
        img->ifc_int_mask = g->ifc_int_mask;
        img->ifc_int_set = g->ifc_int_set;
        img->page_size = g->page_size;
        memcpy(img->qm_eqc_dw, g->eqc_dw, sizeof(img->qm_eqc_dw));
        memcpy(img->qm_aeqc_dw, g->aeqc_dw, sizeof(img->qm_aeqc_dw));
        img->sqc_dma = g->sqc_dma;
        img->cqc_dma = g->cqc_dma;
}

void sim_guest_load(sim_guest *g, const hisi_state_image *img) {
        g->initialized = true;
        g->aeq_int_mask = img->aeq_int_mask;
        g->eq_int_mask = img->eq_int_mask;
        g->ifc_int_source = img->ifc_int_source;
        g->ifc_int_mask = img->ifc_int_mask;
        g->ifc_int_set = img->ifc_int_set;
        g->page_size = img->page_size;
        memcpy(g->eqc_dw, img->qm_eqc_dw, sizeof(g->eqc_dw));
        memcpy(g->aeqc_dw, img->qm_aeqc_dw, sizeof(g->aeqc_dw));
        g->sqc_dma = img->sqc_dma;
        g->cqc_dma = img->cqc_dma;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v, unsigned bytes) {
        for (unsigned i = 0; i < bytes; i++, v >>= 8) {
                h ^= v & 0xff;
                h *= FNV_PRIME;
        }
        return h;
}

uint64_t sim_guest_digest(const sim_guest *g) {
        uint64_t h = FNV_OFFSET;

        h = fnv_u64(h, g->aeq_int_mask, 4);
        h = fnv_u64(h, g->eq_int_mask, 4);
        h = fnv_u64(h, g->ifc_int_source, 4);
        h = fnv_u64(h, g->ifc_int_mask, 4);
        h = fnv_u64(h, g->ifc_int_set, 4);
        h = fnv_u64(h, g->page_size, 4);
        for (size_t i = 0; i < ELEMENTSOF(g->eqc_dw); i++)
                h = fnv_u64(h, g->eqc_dw[i], 4);
        for (size_t i = 0; i < ELEMENTSOF(g->aeqc_dw); i++)
                h = fnv_u64(h, g->aeqc_dw[i], 4);
        h = fnv_u64(h, g->sqc_dma, 8);
        h = fnv_u64(h, g->cqc_dma, 8);
        return h;
}

uint32_t sim_guest_reg(const sim_guest *g, uint64_t offset) {
        switch (offset) {
        case QM_VF_AEQ_INT_MASK:
                return g->aeq_int_mask;
        case QM_VF_EQ_INT_MASK:
                return g->eq_int_mask;
        case QM_IFC_INT_SOURCE_V:
                return g->ifc_int_source;
        case QM_IFC_INT_MASK:
                return g->ifc_int_mask;
        case QM_IFC_INT_SET_V:
                return g->ifc_int_set;
        case QM_PAGE_SIZE:
                return g->page_size;
        }
        if (offset >= QM_EQC_DW0 && offset < QM_EQC_DW0 + sizeof(g->eqc_dw))
                return g->eqc_dw[(offset - QM_EQC_DW0) / 4];
        if (offset >= QM_AEQC_DW0 && offset < QM_AEQC_DW0 + sizeof(g->aeqc_dw))
                return g->aeqc_dw[(offset - QM_AEQC_DW0) / 4];
        return 0;
}
