/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* errno names from glibc's own table (see errno-name.h). */

#include <string.h>

#include "errno-name.h"

const char *errno_to_name(int error) {
        if (error < 0)
                error = -error;
        /* strerrorname_np() names 0 "0"; no error has no name here. */
        return error > 0 ? strerrorname_np(error) : NULL;
}
