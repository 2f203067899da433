/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pci-device: not written yet. */
#include "pci-device.h"
