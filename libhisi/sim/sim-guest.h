/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "guest" of a simulated VF: the QM register state that a guest driver programs into the VF
 * and that a migration must carry (the device-state part of acc_vf_data, not the match header).
 * Pure logic, used by the simulated VF (sim-vf*.c) only.
 *
 * A guest driver initialises the registers from (seed, kind, VF index); each step then derives
 * the next registers from the current ones alone. So the registers after g steps are a function
 * of (seed, kind, VF index, g), and a guest loaded onto another VF continues exactly as it
 * would have on its source. Step by step the event queue heads advance, the interrupt masks and
 * queue context words change; the queue base addresses (EQC/AEQC dw1-2, SQC/CQC) and the
 * PF-VF interface registers stay as the driver set them. The interface registers stay at what
 * the hisi driver's qm_dev_cmd_init() leaves (source clear, mask 0) and QM_IFC_INT_SET_V stays
 * 0, so that stopping the device never finds a pending interrupt (-EBUSY in the kernel).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "hisi/kind.h"
#include "hisi/state-image.h"

typedef struct sim_guest {
        bool initialized;        /* false after a function reset until the driver sets the VF up */
        uint32_t aeq_int_mask;   /* 0x04 */
        uint32_t eq_int_mask;    /* 0x0c */
        uint32_t ifc_int_source; /* 0x20 */
        uint32_t ifc_int_mask;   /* 0x24 */
        uint32_t ifc_int_set;    /* 0x2c */
        uint32_t page_size;      /* 0x34 */
        uint32_t eqc_dw[7];      /* 0x8000 (VF-controlled mode) */
        uint32_t aeqc_dw[7];     /* 0x8020 */
        uint64_t sqc_dma;        /* SQC_BT mailbox */
        uint64_t cqc_dma;        /* CQC_BT mailbox */
} sim_guest;

/* What a guest driver programs when it sets the VF up. */
void sim_guest_init(sim_guest *g, uint64_t seed, hisi_kind kind, uint32_t vf_index);
/* A function reset (FLR): every register back to 0. */
void sim_guest_wipe(sim_guest *g);
/* One step of the running guest's work. */
void sim_guest_step(sim_guest *g);

/* The registers into an image's device-state fields, and back (vf_qm_load_data). eqe_dma and
 * aeqe_dma are derived by the driver, not here. */
void sim_guest_save(const sim_guest *g, hisi_state_image *img);
void sim_guest_load(sim_guest *g, const hisi_state_image *img);

/* FNV-1a over the registers in a fixed order, little-endian: equal on every host. */
uint64_t sim_guest_digest(const sim_guest *g);

/* The value of the 32-bit register at a BAR2 offset (4-byte aligned), 0 where none is. */
uint32_t sim_guest_reg(const sim_guest *g, uint64_t offset);
