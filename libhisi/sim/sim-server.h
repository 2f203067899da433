/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated host's device socket: accepts connections from libhisi's sim backend and maps
 * each message of sim-proto.h onto the simulated VF model (sim-vf.h) — a device connection per
 * open VFIO device, a data connection per data session — on the simulator's sd-event loop; and
 * the sysfs writes of clients, one connection each.
 */
#pragma once

#include <systemd/sd-event.h>

#include "hisi/mig-state.h"
#include "sim-vf.h"

typedef struct sim_server sim_server;

/* How the server finds a VF: by name, only while it is bound to hisi_acc_vfio_pci (as a VFIO
 * device node exists only then). NULL with *ret_error set (-ENODEV) otherwise. */
typedef sim_vf *(*sim_server_lookup_t)(void *userdata, const char *name, int *ret_error);
/* Extra delay (µs) the host wants for the arcs of a path (fault injection); 0 for none. */
typedef uint64_t (*sim_server_delay_t)(void *userdata, const sim_vf *vf, const hisi_mig_path *path);

/* A client's write to a sysfs file (SIM_OP_SYSFS_WRITE): the write()'s result as
 * sim_host_sysfs_write() gives it. */
typedef int (*sim_server_sysfs_write_t)(void *userdata, const char *path, const void *value,
                                        size_t len);

int sim_server_new(sd_event *event, const char *socket_path, sim_server_lookup_t lookup,
                   sim_server_delay_t delay, sim_server_sysfs_write_t sysfs_write, void *userdata,
                   sim_server **ret);
sim_server *sim_server_free(sim_server *s);

/* The VF went away (hot-unplug): its device connections answer -ENODEV from now on. */
void sim_server_forget_vf(sim_server *s, const sim_vf *vf);

/* Open device connections and data sessions, for `ctl` and for tests. */
unsigned sim_server_n_devices(const sim_server *s);
unsigned sim_server_n_sessions(const sim_server *s);

static inline void sim_server_freep(sim_server **p) {
        if (*p)
                sim_server_free(*p);
}
