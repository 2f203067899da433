/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The migration hook's calls to the local hisi-accmigd over the system bus: Reserve, Hold and
 * Release (com.hisilicon.AccMig1.xml). Every call has a short timeout, so that a stuck daemon
 * fails the hook (and libvirt's job) in seconds. Each failure comes back as a sentence; a daemon
 * that does not run is -ESRCH, one that does not answer in time -ETIMEDOUT.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>

#include "domain-metadata.h"

/* The default time the hook waits for the daemon, for each call; HISI_ACCMIG_HOOK_TIMEOUT_MS
 * overrides it (10 to 600000). */
#define HOOK_BUS_TIMEOUT_MS 5000

typedef struct HookBus {
        sd_bus *bus;
        uint64_t timeout_usec;
} HookBus;

/* Connect to the system bus ($DBUS_SYSTEM_BUS_ADDRESS when set). */
int hook_bus_open(HookBus *b, char **ret_error);
void hook_bus_close(HookBus *b);

/* Reserve a VF for the source VF vf: 1 and *ret_address, 0 and *ret_reason (none fits). */
int hook_bus_reserve(HookBus *b, const AccmigVf *vf, const char *domain, char **ret_address,
                     char **ret_reason, char **ret_error);
/* Hold the domain's VFs: devices are its PCI hostdevs, unmanaged those with managed='no'. */
int hook_bus_hold(HookBus *b, const char *domain, char *const *devices, char *const *unmanaged,
                  char ***ret_held, char **ret_error);
/* Release the domain's VFs; how many. */
int hook_bus_release(HookBus *b, const char *domain, unsigned *ret_n, char **ret_error);
