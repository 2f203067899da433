/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated host: its PFs and VFs in a umockdev testbed (sysfs and uevents), the PCI core's
 * reaction to sysfs writes (pci-core.h, each write handed over by the preload library of
 * `hisi-accsim exec` before it lands), each VF's migration model (sim-vf.h),
 * the device socket (sim-server.h), a guest clock that makes running VFs' registers change, and
 * the faults injected through `hisi-accsim ctl`. One sd-event loop, no threads.
 *
 * The simulator runs under umockdev's preload (LD_PRELOAD=libumockdev-preload.so.0), so that
 * its uevents reach clients whose netlink sockets the same preload replaced.
 */
#pragma once

#include <json-c/json.h>
#include <systemd/sd-event.h>

#include "sim-config.h"
#include "sim-vf.h"

typedef struct sim_host sim_host;

/* Build the host in the testbed (the caller created it; UMOCKDEV_DIR names its root) and
 * serve the device socket at socket_path. */
int sim_host_new(sd_event *event, const sim_config *config, const char *socket_path,
                 sim_host **ret);
sim_host *sim_host_free(sim_host *h);

/* The testbed's root directory (what clients get as UMOCKDEV_DIR). */
const char *sim_host_root(const sim_host *h);

/*
 * A client's write() of len bytes to the sysfs file at path (below the testbed root:
 * "/sys/bus/pci/drivers_probe", "/sys/devices/.../driver_override"), acted on before it returns:
 * 0 (the write succeeds), the kernel's negative errno, or SIM_SYSFS_PASS (sim-proto.h) for a file
 * the PCI core does not act on, which the client then writes itself.
 */
int sim_host_sysfs_write(sim_host *h, const char *path, const void *value, size_t len);

/* For `ctl`: a JSON description of every device ("list"), or of one VF ("show"). */
int sim_host_describe(sim_host *h, const char *address, json_object **ret);

/* ctl actions on a VF. Each returns 0 or a negative errno, -ENODEV for an unknown VF. */
int sim_host_fault_arc(sim_host *h, const char *vf, hisi_mig_state from, hisi_mig_state to,
                       int error, bool once);
int sim_host_fault_delay(sim_host *h, const char *vf, hisi_mig_state from, hisi_mig_state to,
                         uint64_t usec);
int sim_host_fault_corrupt(sim_host *h, const char *vf, size_t offset);
int sim_host_fault_clear(sim_host *h, const char *vf);
/* Make the probe of a driver fail with error (negative errno), or succeed again with 0. */
int sim_host_fault_probe(sim_host *h, const char *driver, int error);
/* A function reset (FLR) of a VF, whether open or not: what reset_done does depends on the
 * kernel profile and the reset fix (sim_vf_function_reset()). */
int sim_host_reset_vf(sim_host *h, const char *vf);
int sim_host_set_guest_driver(sim_host *h, const char *vf, bool loaded);
/* Every guest's clock: stopped, no guest steps (as if each VM were paused); the registers change
 * only as a migration or a reset changes them, so that a test compares digests across hosts. */
void sim_host_set_clock(sim_host *h, bool run);
/* Hot-unplug: the VF disappears (remove uevent), its open device stops answering. */
int sim_host_unplug_vf(sim_host *h, const char *vf);
/* Hot-add a VF that was unplugged: it comes back bound to its host driver (add and bind
 * uevents). -EEXIST when present, -ENODEV when the host never had it. */
int sim_host_plug_vf(sim_host *h, const char *vf);
int sim_host_digest(sim_host *h, const char *vf, uint64_t *ret);

static inline void sim_host_freep(sim_host **p) {
        if (*p)
                sim_host_free(*p);
}
