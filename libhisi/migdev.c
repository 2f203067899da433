/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* migdev: not written yet. */
#include "migdev.h"
