/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Method calls answered later. A Bind or Unbind call is answered when the VF's job ends, which
 * may be long after the call; the bus layer keeps such calls here, keyed by what they wait on
 * (the Device), so that the logic below the bus never holds a message. Calls on one key are
 * answered in the order they came.
 */
#pragma once

#include <stddef.h>
#include <systemd/sd-bus.h>

#include "macro.h"

typedef struct BusWaiters BusWaiters;

int bus_waiters_new(BusWaiters **ret);
/* Drops the calls still waiting without answering them. */
BusWaiters *bus_waiters_free(BusWaiters *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(BusWaiters *, bus_waiters_free);

/* Keep message (a reference) until key's answer. */
int bus_waiters_add(BusWaiters *w, const void *key, sd_bus_message *message);
/* Forget message without answering it: the request it waited on never started. */
void bus_waiters_remove(BusWaiters *w, const void *key, sd_bus_message *message);
/* Answer every call waiting on key: with a method return carrying text (signature "s") when
 * error_name is NULL, else with that error and text. Returns how many calls were answered, or
 * the first error of sending one (the others are answered still). */
int bus_waiters_reply(BusWaiters *w, const void *key, const char *error_name, const char *text);
