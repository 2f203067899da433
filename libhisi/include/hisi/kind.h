/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HiSilicon accelerator kinds (ZIP, SEC, HPRE): their PCI IDs, the host crypto driver that owns
 * the PF, and the vfio variant driver that migrates the VF.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#define HISI_PCI_VENDOR_ID 0x19e5
#define HISI_VFIO_DRIVER   "hisi_acc_vfio_pci"

typedef enum hisi_kind {
        HISI_KIND_ZIP,
        HISI_KIND_SEC,
        HISI_KIND_HPRE,
        _HISI_KIND_MAX,
        _HISI_KIND_INVALID = -EINVAL,
} hisi_kind;

/* "zip", "sec", "hpre". */
const char *hisi_kind_to_string(hisi_kind kind);
/* Case-insensitive; -EINVAL for anything else. */
hisi_kind hisi_kind_from_string(const char *s);

/* The kind of a HiSilicon device ID, PF or VF; -EINVAL when it is not an accelerator. */
hisi_kind hisi_kind_from_device_id(uint16_t device_id, bool *ret_is_vf);

uint16_t hisi_kind_pf_device_id(hisi_kind kind);
uint16_t hisi_kind_vf_device_id(hisi_kind kind);
/* The host driver that owns the PF (and, before any override, its VFs): hisi_zip, hisi_sec2,
 * hisi_hpre. */
const char *hisi_kind_host_driver(hisi_kind kind);
