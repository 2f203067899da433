/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Uevents for listeners that are behind: hisi-accsim defines sendmsg() (sim-uevent-queue.c), so
 * that a uevent umockdev cannot hand to a listener at once (its socket queue is full) waits, in
 * order, and goes out from the event loop, where umockdev would end the process. A kernel keeps
 * uevents in the listener's receive buffer the same way.
 */
#pragma once

#include <systemd/sd-event.h>

/* Retry waiting uevents on this loop (every few milliseconds while any wait). */
void sim_uevent_queue_attach(sd_event *event);
/* Drop what still waits; no more retries. */
void sim_uevent_queue_detach(void);
