/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated host's own structures, shared by sim-host.c (building the tree, hot-plug),
 * sim-host-pci.c (the writes to the PCI core's attributes, and the model's hooks) and
 * sim-host-ctl.c (what `hisi-accsim ctl` asks: descriptions and faults).
 */
#pragma once

#include <umockdev.h>

#include "pci-core.h"
#include "sim-host.h"
#include "sim-server.h"

#define DELAYS_MAX              8
#define SIM_HOST_VFIO_DEV_MAJOR 511

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
        bool present;  /* false once removed through its remove attribute, until a rescan */
        char *syspath; /* NULL while not present */
        int iommu_group;
        sim_host_vf *vfs; /* every VF the SR-IOV capability can have (total_vfs) */
        unsigned n_vfs;
        unsigned num_vfs; /* enabled: sriov_numvfs */
};

struct sim_host {
        sim_config config;
        sd_event *event;
        UMockdevTestbed *tb;
        char *root;
        char *bridge;
        hisi_sim_pci *pci;
        sim_server *server;
        sd_event_source *tick;
        bool clock_stopped; /* sim_host_set_clock() */
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
/* The testbed's syspath of a present device ("/sys/devices/..."), or NULL. */
const char *sim_host_syspath(sim_host *h, const char *address);

/* Files and directories at a path below the testbed root ("/sys/..."). */
int sim_host_make_dir(sim_host *h, const char *rel);
int sim_host_make_file(sim_host *h, const char *rel, const char *content, mode_t mode);

/* sim-host-pci.c: the model's hooks for this host. */
extern const hisi_sim_pci_ops sim_host_pci_ops;
/* The device's driver lets it go: link removed, unbind uevent (nothing when unbound). */
void sim_host_release_driver(sim_host *h, const char *address);
void sim_host_vfio_dev_remove(sim_host *h, sim_host_vf *vf);

/* sriov_configure() of the PF's host driver: n VFs enabled (0: all disabled, each released by
 * its driver and removed); sriov_numvfs shows n. */
int sim_host_set_num_vfs(sim_host *h, sim_host_pf *pf, unsigned n);
/* The PF's remove attribute: its driver disables SR-IOV and lets it go, and it disappears. */
int sim_host_remove_pf(sim_host *h, sim_host_pf *pf);
/* /sys/bus/pci/rescan: the removed PFs come back, each bound to its host driver, no VFs. */
void sim_host_rescan(sim_host *h);
