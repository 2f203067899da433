/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the daemon reads about one HiSilicon accelerator PF or VF: libhisi's one PCI device reader
 * (hisi_pci_dev_read()) in its no-names mode, cheap enough to run on every uevent (pci.ids costs
 * ~50 ms a device), with the name the udev hwdb gives the device when udev has one. The VF index
 * needs a scan of the PF's links: it is read once, when the device is new.
 */
#pragma once

#include <stdbool.h>

#include "hisi/ctx.h"
#include "hisi/pci-device.h"

/*
 * Read a device by PCI address. -ENOTSUP when it is not a HiSilicon accelerator PF or VF,
 * -ENODEV when it is not there (or went away meanwhile). with_vf_index: also find the VF's
 * index among its PF's virtfnN links (else vf_index is -1).
 */
int device_facts_read(hisi_ctx *ctx, const char *address, bool with_vf_index, hisi_pci_dev *ret);
