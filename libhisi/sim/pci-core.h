/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PCI core's reaction to writes in a simulated sysfs tree (facts page, section 4; the
 * kernel's drivers/base/bus.c, drivers/base/driver.c, drivers/pci/pci-sysfs.c and iov.c): written
 * once, used by the tests' fake kernel (tests/lib/fake-sysfs.c, a plain directory tree) and by the
 * simulated host (a umockdev testbed).
 *
 * The model keeps no device state of its own: the tree is the state. It reads a device's vendor,
 * device, driver_override, driver link, sriov_totalvfs and sriov_numvfs from
 * <root>/sys/bus/pci/devices/<address>/, and changes the tree only through an ops table (set or
 * remove the driver link, store driver_override, emit a uevent, enable or disable VFs, remove or
 * reset a function), so that a plain directory and a umockdev testbed both fit. Which drivers are
 * loaded and which IDs each matches is the model's configuration. No threads, no event loop: the
 * caller hands each write over with hisi_sim_pci_write() and gets the errno the kernel's write()
 * gives.
 *
 * The simulated host gets each write before it lands (its preload library carries it, see
 * libhisi/sim-preload/), so a refused value never reaches the file. The fake tree sees writes
 * after they landed in plain files: there a driver_override that the kernel would have refused
 * (too long) is reported as -EINVAL and, when matching, counts as no override.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The attributes whose writes the PCI core acts on. */
typedef enum hisi_sim_pci_attr {
        HISI_SIM_PCI_DRIVER_OVERRIDE, /* devices/<address>/driver_override */
        HISI_SIM_PCI_DRIVER_BIND,     /* drivers/<driver>/bind, value: an address */
        HISI_SIM_PCI_DRIVER_UNBIND, /* drivers/<driver>/unbind (and devices/<address>/driver/unbind)
                                     */
        HISI_SIM_PCI_DRIVERS_PROBE, /* /sys/bus/pci/drivers_probe, value: an address */
        HISI_SIM_PCI_SRIOV_NUMVFS,  /* devices/<address>/sriov_numvfs */
        HISI_SIM_PCI_REMOVE,        /* devices/<address>/remove */
        HISI_SIM_PCI_RESET,         /* devices/<address>/reset */
        _HISI_SIM_PCI_ATTR_MAX,
        _HISI_SIM_PCI_ATTR_INVALID = -EINVAL,
} hisi_sim_pci_attr;

const char *hisi_sim_pci_attr_to_string(hisi_sim_pci_attr attr);

/*
 * Which attribute an absolute host path names, and the device address or driver name it
 * concerns (NULL for drivers_probe). Both spellings of a device are accepted:
 * /sys/bus/pci/devices/<address>/<attr> and /sys/devices/.../<address>/<attr>.
 * -EOPNOTSUPP for a path the PCI core does not act on; -EINVAL for NULL arguments.
 */
int hisi_sim_pci_attr_from_path(const char *path, hisi_sim_pci_attr *ret_attr, char **ret_name);

#define HISI_SIM_PCI_IDS_MAX 8

typedef struct hisi_sim_pci_id {
        uint16_t vendor;
        uint16_t device;
        bool override_only; /* PCI_DRIVER_OVERRIDE_DEVICE_VFIO: matches only with an override */
} hisi_sim_pci_id;

typedef struct hisi_sim_pci_driver {
        const char *name;
        hisi_sim_pci_id ids[HISI_SIM_PCI_IDS_MAX];
        size_t n_ids;
        int probe_error;      /* 0, or the negative errno its probe fails with (fault injection) */
        bool sriov_configure; /* it has .sriov_configure: sriov_numvfs works on a PF it drives */
} hisi_sim_pci_driver;

/* The drivers of a HiSilicon host, in probe order: hisi_zip, hisi_sec2, hisi_hpre (their PF and
 * VF IDs), hisi_acc_vfio_pci (VF IDs, override_only) and vfio-pci (no IDs: override only). */
extern const hisi_sim_pci_driver hisi_sim_pci_host_drivers[];
extern const size_t hisi_sim_pci_n_host_drivers;
/* The entry of hisi_sim_pci_host_drivers with this name, or NULL. */
const hisi_sim_pci_driver *hisi_sim_pci_host_driver(const char *name);

/*
 * pci_match_device(): a driver_override naming another driver excludes the driver; an ID entry
 * matches, but an override_only one only while an override is set; with the override naming
 * this driver and no ID matching, the driver still matches (the kernel's dummy any-ID entry).
 * override: NULL when none.
 */
bool hisi_sim_pci_match(const hisi_sim_pci_driver *drv, uint16_t vendor, uint16_t device,
                        const char *override);

/*
 * driver_set_override(): the stored value for a write of len bytes. The string ends at the first
 * NUL or newline; empty (or a lone newline) clears it (*ret = NULL). len >= PAGE_SIZE - 1 is
 * -EINVAL.
 */
int hisi_sim_pci_override_parse(const char *value, size_t len, char **ret);

/*
 * kstrtoul(s, 0, ...) on the len bytes a sysfs store gets: an optional '+', "0x" for hex, a
 * leading 0 for octal, digits, one optional trailing newline; the value at most max. -EINVAL for
 * anything else, -ERANGE past max.
 */
int hisi_sim_pci_parse_ulong(const char *value, size_t len, uint64_t max, uint64_t *ret);

/*
 * How the model changes the tree. root is the directory that stands for "/"; every call returns
 * 0 or a negative errno. The ops after emit_uevent may be NULL: the write then gives -EOPNOTSUPP
 * (the tree does not model it).
 */
typedef struct hisi_sim_pci_ops {
        /* <device>/driver → the driver, and the driver's <address> link back. */
        int (*set_driver_link)(const char *root, const char *address, const char *driver,
                               void *userdata);
        int (*remove_driver_link)(const char *root, const char *address, const char *driver,
                                  void *userdata);
        /* action "bind" or "unbind"; driver is the driver bound or left. May be NULL. */
        int (*emit_uevent)(const char *root, const char *address, const char *action,
                           const char *driver, void *userdata);
        /* driver_override as it reads back after a store: the new value, or NULL when cleared
         * (the kernel shows "(null)"). NULL: the file keeps what was written. */
        int (*store_override)(const char *root, const char *address, const char *value,
                              void *userdata);
        /* The PF driver's sriov_configure(): n VFs (0: disable them all). */
        int (*set_num_vfs)(const char *root, const char *pf, unsigned n, void *userdata);
        /* pci_stop_and_remove_bus_device(): the function goes (a PF with its VFs). */
        int (*remove_device)(const char *root, const char *address, void *userdata);
        /* pci_reset_function(): an FLR, with the bound driver's reset_prepare/reset_done. */
        int (*reset_function)(const char *root, const char *address, void *userdata);
} hisi_sim_pci_ops;

/* The ops for a plain directory tree (relative symlinks, as sysfs has them); no uevents. */
int hisi_sim_pci_tree_set_driver_link(const char *root, const char *address, const char *driver,
                                      void *userdata);
int hisi_sim_pci_tree_remove_driver_link(const char *root, const char *address, const char *driver,
                                         void *userdata);
extern const hisi_sim_pci_ops hisi_sim_pci_tree_ops;

typedef struct hisi_sim_pci hisi_sim_pci;

/* root: absolute. ops is copied; userdata is passed to each op. No driver is loaded yet. */
int hisi_sim_pci_new(const char *root, const hisi_sim_pci_ops *ops, void *userdata,
                     hisi_sim_pci **ret);
hisi_sim_pci *hisi_sim_pci_free(hisi_sim_pci *pci);

/* Load a driver (its table is copied), appended to the probe order. -EEXIST when loaded. */
int hisi_sim_pci_load_driver(hisi_sim_pci *pci, const hisi_sim_pci_driver *drv);
/* Make a loaded driver's probe fail with error (negative errno), or succeed again (0). */
int hisi_sim_pci_set_probe_error(hisi_sim_pci *pci, const char *driver, int error);

/*
 * Apply the kernel's reaction to a write of value (len bytes) to attr. name is the device address
 * (driver_override, sriov_numvfs, remove, reset), the driver (bind; unbind, where NULL stands for
 * whichever driver the device has, as for a write to <device>/driver/unbind), or ignored
 * (drivers_probe). The return is what the kernel's write() would return: 0, or
 *   bind_store, unbind_store:  -ENODEV (no such device, the driver does not match it or is not
 *                              bound to it), -EBUSY (bind: already bound), a failed probe's error;
 *   drivers_probe_store:       -ENODEV (no such device); a probe that fails lets the next driver
 *                              try, and binding nothing is success;
 *   driver_override_store:     -EINVAL (PAGE_SIZE - 1 bytes or more);
 *   sriov_numvfs_store:        -EINVAL (not a number), -ERANGE (past sriov_totalvfs), -ENOENT
 *                              (no PF driver with sriov_configure), -EBUSY (VFs enabled and a
 *                              different non-zero count asked), the driver's error;
 *   remove_store, reset_store: -EINVAL (not a number; reset: not 1), the reset's error;
 * -EOPNOTSUPP where the tree has no op for it.
 */
int hisi_sim_pci_write(hisi_sim_pci *pci, hisi_sim_pci_attr attr, const char *name,
                       const char *value, size_t len);

static inline void hisi_sim_pci_freep(hisi_sim_pci **p) {
        if (*p)
                hisi_sim_pci_free(*p);
}
