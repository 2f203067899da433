/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state-image: not written yet. */
#include "state-image.h"
