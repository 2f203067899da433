/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated host's own structures, shared by sim-host.c (building the tree, reacting to
 * writes, hot-plug) and sim-host-ctl.c (what `hisi-accsim ctl` asks: descriptions and faults).
 */
#pragma once

#include <umockdev.h>

#include "pci-core.h"
#include "sim-host.h"
#include "sim-server.h"

#define DELAYS_MAX 8

typedef struct sim_host_pf sim_host_pf;

typedef struct arc_delay {
        hisi_mig_state from, to;
        uint64_t usec;
} arc_delay;

typedef struct sim_host_vf {
        char address[HISI_PCI_ADDRESS_MAX];
        sim_host_pf *pf;
        unsigned index;
        int iommu_group;
        char *syspath; /* "/sys/devices/…" as the testbed names it */
        sim_vf *vf;
        bool present;
        int vfio_minor; /* -1 while not bound to hisi_acc_vfio_pci */
        arc_delay delays[DELAYS_MAX];
        size_t n_delays;
} sim_host_vf;

struct sim_host_pf {
        sim_pf_config config;
        char *syspath;
        sim_host_vf *vfs; /* every VF the SR-IOV capability can have (total_vfs) */
        unsigned n_vfs;
        unsigned num_vfs; /* enabled: sriov_numvfs */
};

typedef struct watch {
        int wd;
        hisi_sim_pci_attr attr;
        char *name; /* device address or driver name; NULL for drivers_probe */
        char *path; /* the real file */
} watch;

/* A write-only attribute that names a device (bind, unbind, drivers_probe) is a FIFO: every
 * write reaches the host, however many clients write at once, where a plain file would keep
 * only the last value written before the host read it. */
typedef struct attr_fifo {
        sim_host *host;
        int fd;
        sd_event_source *source;
        hisi_sim_pci_attr attr;
        char *name; /* the driver; NULL for drivers_probe */
        char pending[64];
        size_t n_pending;
} attr_fifo;

struct sim_host {
        sim_config config;
        sd_event *event;
        UMockdevTestbed *tb;
        char *root;
        char *bridge;
        hisi_sim_pci *pci;
        sim_server *server;
        int inotify_fd;
        sd_event_source *inotify_source;
        sd_event_source *tick;
        watch *watches;
        size_t n_watches;
        attr_fifo **fifos;
        size_t n_fifos;
        sim_host_pf *pfs;
        size_t n_pfs;
        int next_vfio_minor;
};

sim_host_vf *sim_host_find_vf(sim_host *h, const char *address);
sim_host_pf *sim_host_find_pf(sim_host *h, const char *address);
/* A present VF by address, or -ENODEV. */
int sim_host_get_vf(sim_host *h, const char *address, sim_host_vf **ret);
/* The driver a device is bound to, from its driver link; NULL when unbound. */
char *sim_host_device_driver(sim_host *h, const char *address);
