/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The few HiSilicon VF registers that userspace may read through the VFIO BAR2 region and that
 * matter for migration: QM_VF_STATE tells whether a guest driver has set the VF's queue manager
 * up. hisi_acc_vfio_pci saves the whole 176-byte state only then; a VF that nobody set up (just
 * reset, or opened: vfio-pci resets the function on open) saves only the 40-byte match data.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "hisi/migdev.h"

#define HISI_VF_BAR2     2
#define HISI_QM_VF_STATE 0x60 /* bit 0 set: not ready (no guest driver has set the VF up) */

/* Read QM_VF_STATE: *ret_ready is true when a guest driver has set the VF up. */
int hisi_vf_qm_ready(hisi_migdev *d, bool *ret_ready);

/* Wait until QM_VF_STATE says ready, at most timeout_usec, reading it every millisecond: a
 * register has no event to wait for. For tools and tests, never an event loop. -ETIMEDOUT. */
int hisi_vf_wait_qm_ready(hisi_migdev *d, uint64_t timeout_usec);
