/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A uevent for a listener whose socket is full, as the kernel handles it: netlink_broadcast()
 * does not wait for a listener, it drops the event for that one (netlink_overrun()) and sets
 * the listener's socket error to ENOBUFS, which its next read or getsockopt(SO_ERROR) reports;
 * the listener then knows to read the devices again (a udev user enumerates). The other
 * listeners get the event; the kernel carries on.
 *
 * umockdev sends each uevent to each listener's socket in the testbed with a non-blocking
 * sendmsg() and ends the whole process when one fails with EAGAIN. hisi-accsim defines
 * sendmsg() itself (sim-uevent-overrun.c), so that libumockdev's calls come here: a datagram a
 * full socket cannot take is dropped, and the overrun is left for the listener to learn beside
 * its socket (sim-proto.h, SIM_UEVENT_OVERRUN_PREFIX), where `hisi-accsim exec`'s preload finds
 * it. Nothing to set up: the definition of sendmsg() is all.
 */
#pragma once

#include <stdint.h>

/* How many uevents were dropped for full listeners since the host started. */
uint64_t sim_uevent_overruns(void);
