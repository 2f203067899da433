/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PCI addresses in the kernel's sysfs spelling, "dddd:bb:dd.f". */
#pragma once

#include <stdbool.h>

/* "0000:7d:00.1" is 12 characters. */
#define HISI_PCI_ADDRESS_MAX 13

/* True for exactly "dddd:bb:dd.f" with lower-case hex digits, a device number below 0x20 and a
 * function below 8: the form that names a directory under /sys/bus/pci/devices. */
bool hisi_pci_address_valid(const char *s);

/* Accept "7d:00.1" (domain 0 implied) or upper-case hex too, and write the canonical form.
 * -EINVAL when it is not a PCI address. */
int hisi_pci_address_normalize(const char *s, char ret[static HISI_PCI_ADDRESS_MAX]);
