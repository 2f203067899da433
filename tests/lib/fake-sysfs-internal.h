/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the fake host tree (fake-sysfs.c) and its reacting kernel (fake-sysfs-kernel.c) share:
 * the object's fields, the file helpers, the watches and the model's ops. Internal.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake-sysfs.h"
#include "pci-core.h"

#define PCI_PARENT "sys/devices/pci0000:7c"

typedef struct watch {
        int wd;
        char *dir; /* the host path the events are named under: "/sys/bus/pci/drivers/x" */
} watch;

struct fake_sysfs {
        char *root;
        hisi_sim_pci *pci;

        pthread_mutex_t lock; /* the model, the watches, the uevent log, the sync counters */
        pthread_cond_t cond;
        bool running;
        pthread_t thread;
        int inotify_fd;
        int stop_fd;
        watch *watches;
        size_t n_watches;
        uint64_t sync_requested;
        uint64_t sync_done;
        char *uevents;
        size_t uevents_len;
};

/* fake-sysfs.c: a path under the root, and a file written there (rel without a leading /). */
int fake_sysfs_path(const fake_sysfs *f, const char *rel, char **ret);
int fake_sysfs_write_rel(fake_sysfs *f, const char *rel, const char *content);

/* fake-sysfs-kernel.c: the model's ops (its uevents go to the log fake_sysfs_take_uevents()
 * hands out), and the watch on /sys/bus/pci/<bus_dir>/<name> ("devices" or "drivers") that a
 * new device or driver needs while the kernel runs (nothing when it does not). Call with
 * f->lock held. */
extern const hisi_sim_pci_ops fake_sysfs_ops;
int fake_sysfs_watch(fake_sysfs *f, const char *bus_dir, const char *name);
