/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mig-state: not written yet. */
#include "mig-state.h"
