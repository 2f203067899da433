/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading the arguments that several methods share, in the bus layer: a list of VF addresses
 * (as), and an options dictionary (a{sv}) against a table of the known keys. Each refusal is
 * InvalidArgs with a sentence that names the argument and quotes at most a short piece of it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-bus.h>

/* "as" of PCI addresses into canonical ones, NULL-terminated, at most max; "" stays "" when
 * allow_empty (a list with holes). what names the argument in messages. */
int bus_read_vf_list(sd_bus_message *message, const char *what, bool allow_empty, size_t max,
                     char ***ret, size_t *ret_n, sd_bus_error *error);

typedef struct BusOption {
        const char *name;
        char type;     /* 'b' (bool) or 'a' (as of VF addresses, "" for none) */
        size_t offset; /* bool, or char ** and the count at offset_n */
        size_t offset_n;
} BusOption;

/* a{sv} into base through table (ended by an entry without a name). An unknown key, or a value
 * of another type, is refused. */
int bus_read_options(sd_bus_message *message, const BusOption *table, void *base,
                     sd_bus_error *error);
