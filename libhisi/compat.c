/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* compat: not written yet. */
#include "compat.h"
