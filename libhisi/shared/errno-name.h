/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* errno values by name ("EINVAL"), for messages that operators can search for: glibc's
 * strerrorname_np(), so every errno the kernel returns has its name. */
#pragma once

/* The symbolic name of a positive or negative errno value, or NULL when unknown. */
const char *errno_to_name(int error);
