/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl's side of the bus: the connection, the calls every verb makes, and a failed
 * call rendered for people (stderr), for scripts (--json) and as an exit code.
 */
#pragma once

#include <json-c/json.h>
#include <systemd/sd-bus.h>

/* The system bus (DBUS_SYSTEM_BUS_ADDRESS), with the daemon's errors mapped to errno values. */
int ctl_bus_open(sd_bus **ret);

/* Every property of interface on path, as a JSON object in the tools' key style
 * (ctl_json_properties()). */
int ctl_get_all(sd_bus *bus, const char *path, const char *interface, json_object **ret,
                sd_bus_error *error);

/* Print a failed call's error as a sentence (ctl_error_sentence(); what: the VF or the verb it
 * was about) and return its exit code. r: the call's negative errno, for a failure that carries
 * no D-Bus error. */
int ctl_call_failed(const char *what, const sd_bus_error *e, int r);
