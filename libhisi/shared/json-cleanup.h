/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cleanup for json-c objects (json_object_put), for the programs that link json-c. */
#pragma once

#include <json-c/json.h>

#include "macro.h"

static inline void json_object_putp(json_object **p) {
        if (*p)
                json_object_put(*p);
}
#define _cleanup_json_ _cleanup_(json_object_putp)
