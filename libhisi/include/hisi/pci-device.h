/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Discovery of HiSilicon accelerator PFs and VFs: the IDs and the relations through sysfs
 * (physfn, virtfnN, driver, driver_override, iommu_group, vfio-dev), the names through libpci
 * (pci.ids), all under the context's root. The one reader of a PCI device in the project: the
 * daemon reads each device again on its uevents, without names (HISI_PCI_READ_NO_NAMES).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hisi/ctx.h"
#include "hisi/kind.h"
#include "hisi/pci-address.h"

typedef struct hisi_pci_dev {
        char address[HISI_PCI_ADDRESS_MAX]; /* "0000:7d:00.1" */
        uint16_t vendor_id;
        uint16_t device_id;
        hisi_kind kind;
        bool is_vf;
        char pf_address[HISI_PCI_ADDRESS_MAX]; /* VF: its PF from the physfn link; "" for a PF */
        int vf_index;          /* VF: N of the PF's virtfnN link to it; -1 for a PF or unknown */
        char *driver;          /* bound driver's name, NULL when unbound */
        char *driver_override; /* NULL when not set ("(null)" in sysfs) */
        int iommu_group;       /* -1 when none */
        char *vfio_dev;        /* "vfio3" from vfio-dev/, NULL when none */
        char *name;            /* from pci.ids, "<vendor> <device>" (HISI_PCI_READ_NO_NAMES: from
                                * the kind, "HiSilicon ZIP Engine"); never NULL */
        unsigned sriov_numvfs; /* PF only */
        unsigned sriov_totalvfs;
} hisi_pci_dev;

/* What a read may leave out, for a caller that reads a device often. */
typedef enum hisi_pci_read_flags {
        /* No pci.ids lookup (libpci costs ~50 ms a device): the name comes from the kind,
         * "HiSilicon ZIP Engine (Virtual Function)". */
        HISI_PCI_READ_NO_NAMES = 1u << 0,
        /* No scan of the PF's virtfnN links: vf_index is -1. */
        HISI_PCI_READ_NO_VF_INDEX = 1u << 1,
        _HISI_PCI_READ_ALL = HISI_PCI_READ_NO_NAMES | HISI_PCI_READ_NO_VF_INDEX,
} hisi_pci_read_flags;

/*
 * Read one device by address. -ENODEV when there is no such PCI device (or it went away while
 * being read), -ENOTSUP when it is not a HiSilicon accelerator PF or VF, -EINVAL for a
 * malformed address or an unknown flag. *ret is untouched on failure.
 */
int hisi_pci_dev_read(hisi_ctx *ctx, const char *address, unsigned flags, hisi_pci_dev *ret);
/* hisi_pci_dev_read() with every field (flags 0). */
int hisi_pci_dev_load(hisi_ctx *ctx, const char *address, hisi_pci_dev *ret);
void hisi_pci_dev_done(hisi_pci_dev *dev);

/* Every HiSilicon accelerator PF and VF, sorted by address. An empty list is not an error; a
 * host with no /sys/bus/pci is (-ENOENT). */
int hisi_pci_enumerate(hisi_ctx *ctx, hisi_pci_dev **ret_devs, size_t *ret_n);
void hisi_pci_devs_free(hisi_pci_dev *devs, size_t n);
