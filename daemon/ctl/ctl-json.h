/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * D-Bus → JSON for hisi-accmigctl: every reply is read into JSON by one generic reader, so that
 * --json and the tables print the same data; the properties put into the key style all our
 * tools print (snake_case, objects rather than positional arrays); and the few accessors the
 * tables use.
 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

/* The next complete value of m (basic types, arrays, structs, variants; a dictionary becomes an
 * object keyed by its keys as strings); 1, or 0 at the end of the current container. */
int ctl_json_read(sd_bus_message *m, json_object **ret);

/* A D-Bus member name in the tools' JSON key style, snake_case: "BindState" → "bind_state",
 * "VFIndex" → "vf_index", "PF" → "pf". A newly allocated string, or NULL (ENOMEM). */
char *ctl_json_key(const char *name);

/* A property dictionary (as GetAll returns it, read by ctl_json_read()) as the tools print it:
 * every key through ctl_json_key(), and each array of structs that has a known layout
 * (PhysicalFunctions, LibvirtManaged, Overrides) as an array of objects with named members. */
int ctl_json_properties(json_object *props, json_object **ret);

/* Pretty-printed, slashes as they are, with a newline. */
void ctl_json_print(json_object *o);

/* A member as text ("" when absent or null), as a number (0 when absent or null). */
const char *ctl_json_str(json_object *o, const char *key);
int64_t ctl_json_int(json_object *o, const char *key);

/* s, or "-" when empty: for table cells. */
const char *ctl_dash(const char *s);
