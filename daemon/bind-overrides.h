/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The operator's persistent bindings (`hisi-accmigctl bind --persistent`, `unbind
 * --persistent`): for each VF, "bind" or "unbind", kept in one file under the state directory
 * (the unit's StateDirectory=, /var/lib/hisi-accmigd/overrides.json) so that the operator's word
 * outlasts a restart and a reboot, as driverctl's saved overrides do. The file is replaced
 * whole and atomically on each change (write_file_atomic): a crash leaves the old list or the
 * new one, never half of one.
 *
 *     { "bind": [ "0000:75:00.1" ], "unbind": [ "0000:76:00.2" ] }
 *
 * How a record combines with the config's policy is manager-bind.c's (hisi-accmigctl(1)): a
 * "bind" is an explicit bind without --force, repeated at every start, hot-add and reload; an
 * "unbind" keeps the policy off the VF. The parsing and formatting are pure; only load and the
 * changes touch the file.
 */
#pragma once

#include <stddef.h>

#include "bind-job.h"
#include "hisi/pci-address.h"
#include "macro.h"

#define BIND_OVERRIDES_FILE "overrides.json"
#define BIND_OVERRIDES_MAX  4096

typedef struct BindOverride {
        char address[HISI_PCI_ADDRESS_MAX]; /* canonical */
        BindJobType type;                   /* BIND_JOB_BIND or BIND_JOB_UNBIND */
} BindOverride;

typedef struct BindOverrides {
        char *path;            /* the file */
        BindOverride *entries; /* sorted by address */
        size_t n;
} BindOverrides;

/* Decode the file's text into o (whose entries are replaced; path untouched). -EINVAL for a text
 * that is not such a list (an address twice, a malformed one), with *ret_error. */
int bind_overrides_parse(BindOverrides *o, const char *text, size_t len, const char *origin,
                         char **ret_error);
/* The file's text for o, with a newline. */
int bind_overrides_format(const BindOverrides *o, char **ret);

/* The records in path (state_directory/overrides.json); a missing file is an empty list. On a
 * file that cannot be read or decoded, *ret is still made (empty, so that the next change
 * replaces the file) and the error comes back with *ret_error. */
int bind_overrides_load(const char *state_directory, BindOverrides **ret, char **ret_error);
BindOverrides *bind_overrides_free(BindOverrides *o);
DEFINE_TRIVIAL_CLEANUP_FUNC(BindOverrides *, bind_overrides_free);

/* The record of address: BIND_JOB_BIND, BIND_JOB_UNBIND, or -ENOENT. */
int bind_overrides_get(const BindOverrides *o, const char *address);

/* Record type for address (type < 0: remove its record) and write the file. 1 when the list
 * changed, 0 when it already said so; on failure (the file could not be written, -E2BIG past
 * BIND_OVERRIDES_MAX) the list is as it was. */
int bind_overrides_record(BindOverrides *o, const char *address, int type);
