/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pci-bind: not written yet. */
#include "pci-bind.h"
