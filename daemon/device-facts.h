/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the daemon reads about one HiSilicon accelerator PF or VF: its IDs and kind from its udev
 * device (sd-device), and the relations sd-device does not give (the physfn and virtfnN links,
 * iommu_group, vfio-dev/) from the device's sysfs directory. Cheap enough to read again on every
 * uevent: unlike libhisi's discovery it looks no name up in pci.ids (that costs ~50 ms a device);
 * the name comes from the udev hwdb when udev has it, else from the kind.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-device.h>

#include "hisi/kind.h"
#include "macro.h"
#include "hisi/pci-address.h"

typedef struct DeviceFacts {
        char address[HISI_PCI_ADDRESS_MAX];
        uint16_t device_id;
        hisi_kind kind;
        bool is_vf;
        char pf_address[HISI_PCI_ADDRESS_MAX]; /* VF: from physfn; "" when unknown or a PF */
        int vf_index;                          /* VF: N of the PF's virtfnN; -1 when unknown */
        char *driver;                          /* NULL when unbound */
        char *driver_override;                 /* NULL when none */
        int iommu_group;                       /* -1 when none */
        char *vfio_dev;                        /* "vfio3", NULL when none */
        char *name;                            /* never NULL */
        unsigned sriov_numvfs;                 /* PF */
        unsigned sriov_totalvfs;               /* PF */
} DeviceFacts;

/*
 * Read a PCI device's facts. -ENOTSUP when it is not a HiSilicon accelerator PF or VF (or not
 * PCI at all), -ENODEV when it went away meanwhile. with_vf_index: also scan the PF's virtfnN
 * links for the VF's index (once, when the device is new).
 */
int device_facts_read(sd_device *d, bool with_vf_index, DeviceFacts *ret);
/* The same by PCI address. */
int device_facts_read_address(const char *address, bool with_vf_index, DeviceFacts *ret);
void device_facts_done(DeviceFacts *f);
