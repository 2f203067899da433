/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* migdev-kernel: not written yet. */
#include "migdev.h"
