/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fake host tree for unit tests: a fresh temporary directory that stands for "/" (hand
 * fake_sysfs_root() to hisi_ctx_new()), laid out as on a Kunpeng host:
 *
 *   sys/devices/pci0000:7c/<address>/      vendor, device, class, config, resource, irq,
 *                                          driver_override "(null)", modalias, subsystem,
 *                                          physfn / virtfnN, iommu_group, driver,
 *                                          sriov_numvfs / sriov_totalvfs (PFs), vfio-dev/
 *   sys/bus/pci/devices/<address>          link to the above
 *   sys/bus/pci/drivers/<name>/            bind, unbind, new_id, remove_id, <address> links
 *   sys/bus/pci/drivers_probe
 *   sys/kernel/iommu_groups/<n>/devices/   <address> links
 *   dev/vfio/
 *   usr/share/misc/pci.ids                 the Huawei and Intel entries the tests name
 *
 * Without the kernel, writes only change files. fake_sysfs_start_kernel() starts a thread that
 * watches the tree with inotify and reacts to driver_override, bind, unbind and drivers_probe
 * writes through libhisi/sim/pci-core, the same model the simulated host uses. The driver link
 * moves a moment after the write (the writer's process has no preload to hand the write over
 * before it lands, as `hisi-accsim exec` has), and a refused value still lands in the file: so
 * these tests also show that the code under test does not depend on a write having taken
 * effect when write() returns. sriov_numvfs, remove and reset are not modelled here. The loaded
 * drivers are the ones added (fake_sysfs_add_driver(), or named as a device's driver); the known
 * names (hisi_zip, hisi_sec2, hisi_hpre, hisi_acc_vfio_pci, vfio-pci) match the IDs they match on a
 * real host, any other name matches only through driver_override.
 *
 * The tree is built from one thread; the kernel thread only reads it and moves links. Every
 * function returns 0 or a negative errno.
 */
#pragma once

#include <stdint.h>

#include "hisi/kind.h"

typedef struct fake_sysfs fake_sysfs;

/* A new tree under $TMPDIR (or /tmp), with no device and no driver. */
int fake_sysfs_new(fake_sysfs **ret);
/* Stops the kernel, removes the whole tree, frees. Accepts NULL. */
fake_sysfs *fake_sysfs_free(fake_sysfs *f);
/* The directory that stands for "/", without a trailing slash. */
const char *fake_sysfs_root(const fake_sysfs *f);

/* A loaded driver: sys/bus/pci/drivers/<name>/. Adding one twice is fine. */
int fake_sysfs_add_driver(fake_sysfs *f, const char *name);

/* A HiSilicon PF of that kind, bound to driver (NULL: unbound), with sriov_totalvfs. */
int fake_sysfs_add_pf(fake_sysfs *f, const char *address, hisi_kind kind, const char *driver,
                      unsigned totalvfs);
/* VF number index (virtfn<index>) of the PF, of the PF's kind, bound to driver (NULL: unbound),
 * in iommu_group (-1: none). The PF's sriov_numvfs grows to cover it. */
int fake_sysfs_add_vf(fake_sysfs *f, const char *pf_address, unsigned index, const char *address,
                      const char *driver, int iommu_group);
/* Any other PCI device (a NIC, say). */
int fake_sysfs_add_device(fake_sysfs *f, const char *address, uint16_t vendor, uint16_t device,
                          const char *driver);

/* Remove one attribute (file, link or directory) of a device: "driver_override", "vendor"… */
int fake_sysfs_remove_attr(fake_sysfs *f, const char *address, const char *attr);
/* The device's vfio-dev/<name>/dev ("511:<n>" for "vfio<n>") and dev/vfio/devices/<name>, a
 * regular file. */
int fake_sysfs_add_vfio_dev(fake_sysfs *f, const char *address, const char *name);
/* Write a file at a path relative to the root, creating its directories. */
int fake_sysfs_write_file(fake_sysfs *f, const char *relpath, const char *content);

/*
 * Start the reacting kernel thread. refuse_driver (NULL: none) is loaded but its probe fails
 * (-EIO), so that nothing ever binds to it: the test of a bind that does not take.
 */
int fake_sysfs_start_kernel(fake_sysfs *f, const char *refuse_driver);
/* Wait until the kernel has handled every write made before this call. 0 at once when the
 * kernel is not running. */
int fake_sysfs_sync(fake_sysfs *f);
/* After a sync, the uevents the kernel emitted since the last call, one per line,
 * "<action> <driver> <address>\n" ("" when none). */
int fake_sysfs_take_uevents(fake_sysfs *f, char **ret);
/* Stop the thread; the tree stays. Accepts a stopped kernel. */
void fake_sysfs_stop_kernel(fake_sysfs *f);

static inline void fake_sysfs_freep(fake_sysfs **f) {
        if (*f)
                fake_sysfs_free(*f);
}
