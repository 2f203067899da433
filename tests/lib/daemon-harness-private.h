/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the parts of the daemon harness share among themselves (not for tests). */
#pragma once

#include <stdint.h>
#include <time.h>

#include "daemon-harness.h"
#include "time-util.h"

/* Deadlines in milliseconds on the monotonic clock. */
static inline uint64_t dh_now_ms(void) {
        return now_usec(CLOCK_MONOTONIC) / USEC_PER_MSEC;
}

static inline int dh_remaining(uint64_t deadline) {
        uint64_t n = dh_now_ms();
        return n >= deadline ? 0 : (int)(deadline - n);
}

/* daemon-runner.c: the private dbus-daemon, and its end. */
int dh_bus_start(daemon_harness *h, bool open_policy);
void dh_bus_stop(daemon_harness *h);
/* daemon-bus-client.c: forget the recorded signals and close the connection. */
void dh_bus_client_done(daemon_harness *h);
