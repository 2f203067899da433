/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A failed D-Bus call as hisi-accmigctl reports it: an exit code for scripts
 * (hisi-accmigctl(1)) and a sentence for a person. The daemon's own errors already are
 * sentences; what the bus says by itself (dbus-daemon's "Rejected send message, 2 matched
 * rules; type=…", "The name … was not provided by any .service files") is put into words that
 * say what happened and what to do. Pure: no bus, no output.
 */
#pragma once

#include <systemd/sd-bus.h>

/* The exit code for a D-Bus error. */
int ctl_exit_code_for(const sd_bus_error *e);

/* The sentence for a failed call: verb is the command that made it ("bind"), what the VF or the
 * verb it was about (said first), r the call's negative errno for a failure that carries no
 * D-Bus error. Newly allocated, or NULL (ENOMEM). */
char *ctl_error_sentence(const char *verb, const char *what, const sd_bus_error *e, int r);
