/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PCI core's reaction to sysfs writes (see pci-core.h): the bind, unbind and drivers_probe
 * stores of drivers/base/bus.c, driver_override, sriov_numvfs, remove and reset, applied to a
 * tree through an ops table. What a path names and how values parse is in pci-attr.c; reading
 * the tree and the plain-tree ops in pci-tree.c.
 */

#include <stdlib.h>
#include <string.h>

#include "hisi/pci-address.h"
#include "macro.h"
#include "pci-core-internal.h"
#include "pci-core.h"

struct hisi_sim_pci {
        char *root;
        hisi_sim_pci_ops ops;
        void *userdata;
        hisi_sim_pci_driver *drivers; /* in probe order; names owned */
        size_t n_drivers;
};

/* ---- The model ---- */

int hisi_sim_pci_new(const char *root, const hisi_sim_pci_ops *ops, void *userdata,
                     hisi_sim_pci **ret) {
        _cleanup_(hisi_sim_pci_freep) hisi_sim_pci *pci = NULL;

        if (!root || root[0] != '/' || !ops || !ops->set_driver_link || !ops->remove_driver_link ||
            !ret)
                return -EINVAL;
        pci = calloc(1, sizeof(*pci));
        if (!pci)
                return -ENOMEM;
        pci->root = strdup(root);
        if (!pci->root)
                return -ENOMEM;
        pci->ops = *ops;
        pci->userdata = userdata;
        *ret = TAKE_PTR(pci);
        return 0;
}

hisi_sim_pci *hisi_sim_pci_free(hisi_sim_pci *pci) {
        if (!pci)
                return NULL;
        for (size_t i = 0; i < pci->n_drivers; i++)
                free((char *)pci->drivers[i].name);
        free(pci->drivers);
        free(pci->root);
        free(pci);
        return NULL;
}

static hisi_sim_pci_driver *find_driver(hisi_sim_pci *pci, const char *name) {
        for (size_t i = 0; i < pci->n_drivers; i++)
                if (streq(pci->drivers[i].name, name))
                        return &pci->drivers[i];
        return NULL;
}

int hisi_sim_pci_load_driver(hisi_sim_pci *pci, const hisi_sim_pci_driver *drv) {
        hisi_sim_pci_driver *d;
        char *name;

        if (!pci || !drv || !pci_driver_name_valid(drv->name) ||
            drv->n_ids > HISI_SIM_PCI_IDS_MAX || drv->probe_error > 0)
                return -EINVAL;
        if (find_driver(pci, drv->name))
                return -EEXIST;
        name = strdup(drv->name);
        if (!name)
                return -ENOMEM;
        d = reallocarray(pci->drivers, pci->n_drivers + 1, sizeof(*d));
        if (!d) {
                free(name);
                return -ENOMEM;
        }
        pci->drivers = d;
        d[pci->n_drivers] = *drv;
        d[pci->n_drivers].name = name;
        pci->n_drivers++;
        return 0;
}

int hisi_sim_pci_set_probe_error(hisi_sim_pci *pci, const char *driver, int error) {
        hisi_sim_pci_driver *d;

        if (!pci || !driver || error > 0)
                return -EINVAL;
        d = find_driver(pci, driver);
        if (!d)
                return -ENOENT;
        d->probe_error = error;
        return 0;
}

/* The address in a bind, unbind or drivers_probe write: the kernel compares it with sysfs_streq(),
 * which ignores one trailing newline. Anything that is not a device's name finds no device. */
static int written_address(const char *value, size_t len, char ret[static HISI_PCI_ADDRESS_MAX]) {
        size_t n = strnlen(value, len);

        if (n > 0 && value[n - 1] == '\n')
                n--;
        if (n != HISI_PCI_ADDRESS_MAX - 1)
                return -ENODEV;
        memcpy(ret, value, n);
        ret[n] = '\0';
        if (!hisi_pci_address_valid(ret))
                return -ENODEV;
        return 0;
}

/* really_probe(): the driver's probe, then the link and the bind uevent. */
static int driver_probe(hisi_sim_pci *pci, const hisi_sim_pci_driver *drv, const char *address) {
        int r;

        if (drv->probe_error < 0)
                return drv->probe_error;
        r = pci->ops.set_driver_link(pci->root, address, drv->name, pci->userdata);
        if (r < 0)
                return r;
        if (pci->ops.emit_uevent)
                return pci->ops.emit_uevent(pci->root, address, "bind", drv->name, pci->userdata);
        return 0;
}

static int device_release_driver(hisi_sim_pci *pci, const char *address, const char *driver) {
        int r;

        r = pci->ops.remove_driver_link(pci->root, address, driver, pci->userdata);
        if (r < 0)
                return r;
        if (pci->ops.emit_uevent)
                return pci->ops.emit_uevent(pci->root, address, "unbind", driver, pci->userdata);
        return 0;
}

static int device_match(hisi_sim_pci *pci, const hisi_sim_pci_driver *drv, const char *address,
                        bool *ret) {
        _cleanup_free_ char *override = NULL;
        uint16_t vendor, device;
        int r;

        r = pci_tree_read_u16(pci->root, address, "vendor", &vendor);
        if (r < 0)
                return r;
        r = pci_tree_read_u16(pci->root, address, "device", &device);
        if (r < 0)
                return r;
        r = pci_tree_read_override(pci->root, address, &override);
        if (r < 0)
                return r;
        *ret = hisi_sim_pci_match(drv, vendor, device, override);
        return 0;
}

/* bind_store(): the driver must match, the device must be free, and the probe must succeed. */
static int write_bind(hisi_sim_pci *pci, const char *driver, const char *address) {
        _cleanup_free_ char *cur = NULL;
        const hisi_sim_pci_driver *drv;
        bool match;
        int r;

        drv = driver ? find_driver(pci, driver) : NULL;
        if (!drv)
                return -ENODEV;
        r = pci_tree_device_exists(pci->root, address);
        if (r < 0)
                return r;
        r = device_match(pci, drv, address, &match);
        if (r < 0)
                return r;
        if (!match)
                return -ENODEV;
        r = pci_tree_read_driver(pci->root, address, &cur);
        if (r < 0)
                return r;
        if (cur)
                return -EBUSY;
        return driver_probe(pci, drv, address);
}

/* unbind_store(): only the driver the device is bound to may let it go. NULL: whichever. */
static int write_unbind(hisi_sim_pci *pci, const char *driver, const char *address) {
        _cleanup_free_ char *cur = NULL;
        int r;

        if (driver && !find_driver(pci, driver))
                return -ENODEV;
        r = pci_tree_device_exists(pci->root, address);
        if (r < 0)
                return r;
        r = pci_tree_read_driver(pci->root, address, &cur);
        if (r < 0)
                return r;
        if (!cur || (driver && !streq(cur, driver)))
                return -ENODEV;
        return device_release_driver(pci, address, cur);
}

/* drivers_probe_store(): a bound device is left alone; otherwise device_attach() tries the
 * drivers in order, and a probe that fails lets the next one try. Binding nothing is success. */
static int write_drivers_probe(hisi_sim_pci *pci, const char *address) {
        _cleanup_free_ char *cur = NULL;
        int r;

        r = pci_tree_device_exists(pci->root, address);
        if (r < 0)
                return r;
        r = pci_tree_read_driver(pci->root, address, &cur);
        if (r < 0)
                return r;
        if (cur)
                return 0;
        for (size_t i = 0; i < pci->n_drivers; i++) {
                bool match;

                r = device_match(pci, &pci->drivers[i], address, &match);
                if (r < 0)
                        return r;
                if (!match)
                        continue;
                r = driver_probe(pci, &pci->drivers[i], address);
                if (r >= 0)
                        return 0;
        }
        return 0;
}

/* driver_override_store(): setting it only validates and stores; it neither unbinds nor probes. */
static int write_override(hisi_sim_pci *pci, const char *address, const char *value, size_t len) {
        _cleanup_free_ char *v = NULL;
        int r;

        r = pci_tree_device_exists(pci->root, address);
        if (r < 0)
                return r;
        r = hisi_sim_pci_override_parse(value, len, &v);
        if (r < 0 || !pci->ops.store_override)
                return r;
        return pci->ops.store_override(pci->root, address, v, pci->userdata);
}

/* sriov_numvfs_store() (drivers/pci/iov.c), in its order. The PF's driver is the one its link
 * names; only a loaded driver with sriov_configure can change the count. */
static int write_numvfs(hisi_sim_pci *pci, const char *pf, const char *value, size_t len) {
        _cleanup_free_ char *driver = NULL;
        const hisi_sim_pci_driver *drv;
        uint16_t total, cur;
        uint64_t n;
        int r;

        if (!pci->ops.set_num_vfs)
                return -EOPNOTSUPP;
        r = pci_tree_device_exists(pci->root, pf);
        if (r < 0)
                return r;
        r = pci_tree_read_u16(pci->root, pf, "sriov_totalvfs", &total);
        if (r >= 0)
                r = pci_tree_read_u16(pci->root, pf, "sriov_numvfs", &cur);
        if (r < 0)
                return r == -ENODEV ? -ENOENT : r; /* not a PF: no such attribute */
        if (hisi_sim_pci_parse_ulong(value, len, UINT16_MAX, &n) < 0)
                return -EINVAL;
        if (n > total)
                return -ERANGE;
        if (n == cur)
                return 0;
        r = pci_tree_read_driver(pci->root, pf, &driver);
        if (r < 0)
                return r;
        drv = driver ? find_driver(pci, driver) : NULL;
        if (!drv || !drv->sriov_configure)
                return -ENOENT;
        if (n > 0 && cur > 0)
                return -EBUSY; /* "VFs already enabled. Disable before enabling" */
        return pci->ops.set_num_vfs(pci->root, pf, (unsigned)n, pci->userdata);
}

/* The number written to a device's remove or reset attribute, which the host must model
 * (modelled): -EOPNOTSUPP when it does not, the device's absence, or -EINVAL for no number. */
static int device_store_number(hisi_sim_pci *pci, bool modelled, const char *address,
                               const char *value, size_t len, uint64_t *ret) {
        int r;

        if (!modelled)
                return -EOPNOTSUPP;
        r = pci_tree_device_exists(pci->root, address);
        if (r < 0)
                return r;
        if (hisi_sim_pci_parse_ulong(value, len, UINT64_MAX, ret) < 0)
                return -EINVAL;
        return 0;
}

/* remove_store() (drivers/pci/pci-sysfs.c): any number parses; 0 does nothing. */
static int write_remove(hisi_sim_pci *pci, const char *address, const char *value, size_t len) {
        uint64_t v;
        int r;

        r = device_store_number(pci, pci->ops.remove_device != NULL, address, value, len, &v);
        if (r < 0)
                return r;
        if (v == 0)
                return 0;
        return pci->ops.remove_device(pci->root, address, pci->userdata);
}

/* reset_store() (drivers/pci/pci-sysfs.c): only "1" resets the function. */
static int write_reset(hisi_sim_pci *pci, const char *address, const char *value, size_t len) {
        uint64_t v;
        int r;

        r = device_store_number(pci, pci->ops.reset_function != NULL, address, value, len, &v);
        if (r < 0)
                return r;
        if (v != 1)
                return -EINVAL;
        return pci->ops.reset_function(pci->root, address, pci->userdata);
}

int hisi_sim_pci_write(hisi_sim_pci *pci, hisi_sim_pci_attr attr, const char *name,
                       const char *value, size_t len) {
        char address[HISI_PCI_ADDRESS_MAX];
        int r;

        if (!pci || !value)
                return -EINVAL;

        switch (attr) {
        case HISI_SIM_PCI_DRIVER_OVERRIDE:
                if (!hisi_pci_address_valid(name))
                        return -EINVAL;
                return write_override(pci, name, value, len);
        case HISI_SIM_PCI_DRIVER_BIND:
                r = written_address(value, len, address);
                if (r < 0)
                        return r;
                return write_bind(pci, name, address);
        case HISI_SIM_PCI_DRIVER_UNBIND:
                r = written_address(value, len, address);
                if (r < 0)
                        return r;
                return write_unbind(pci, name, address);
        case HISI_SIM_PCI_DRIVERS_PROBE:
                r = written_address(value, len, address);
                if (r < 0)
                        return r;
                return write_drivers_probe(pci, address);
        case HISI_SIM_PCI_SRIOV_NUMVFS:
                if (!hisi_pci_address_valid(name))
                        return -EINVAL;
                return write_numvfs(pci, name, value, len);
        case HISI_SIM_PCI_REMOVE:
                if (!hisi_pci_address_valid(name))
                        return -EINVAL;
                return write_remove(pci, name, value, len);
        case HISI_SIM_PCI_RESET:
                if (!hisi_pci_address_valid(name))
                        return -EINVAL;
                return write_reset(pci, name, value, len);
        case _HISI_SIM_PCI_ATTR_MAX:
        case _HISI_SIM_PCI_ATTR_INVALID:
                break;
        }
        return -EINVAL;
}
