/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated host's side of the PCI core (see sim-host.h): the writes that clients make to
 * the attributes the PCI core acts on, each handed over by the preload library before it lands
 * and answered with the kernel's result, and the hooks through which the shared model
 * (pci-core.h) changes the testbed: driver links and their uevents, driver_override as it reads
 * back, VFs enabled and disabled, functions removed, found again by a rescan, and reset.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <umockdev.h>
#include <unistd.h>

#include "file-util.h"
#include "macro.h"
#include "pci-core.h"
#include "sim-host-internal.h"
#include "sim-proto.h"

const char *sim_host_syspath(sim_host *h, const char *address) {
        sim_host_vf *vf = sim_host_find_vf(h, address);
        sim_host_pf *pf;

        if (vf)
                return vf->present ? vf->syspath : NULL;
        pf = sim_host_find_pf(h, address);
        return pf && pf->present ? pf->syspath : NULL;
}

/* Bound to the vfio driver: vfio-dev/vfioN/dev names the device's cdev, as vfio_main.c adds it. */
static int vfio_dev_create(sim_host *h, sim_host_vf *vf) {
        _cleanup_free_ char *dir = NULL, *dev = NULL;
        char num[32];
        int r;

        vf->vfio_minor = h->next_vfio_minor++;
        r = asprintf_safe(&dir, "%s/vfio-dev/vfio%d", vf->syspath, vf->vfio_minor);
        if (r < 0)
                return r;
        r = sim_host_make_dir(h, dir);
        if (r < 0)
                return r;
        r = asprintf_safe(&dev, "%s/dev", dir);
        if (r < 0)
                return r;
        snprintf(num, sizeof(num), "%d:%d\n", SIM_HOST_VFIO_DEV_MAJOR, vf->vfio_minor);
        return sim_host_make_file(h, dev, num, 0444);
}

void sim_host_vfio_dev_remove(sim_host *h, sim_host_vf *vf) {
        _cleanup_free_ char *dev = NULL, *dir = NULL, *parent = NULL;

        if (vf->vfio_minor < 0)
                return;
        if (asprintf_safe(&dir, "%s%s/vfio-dev/vfio%d", h->root, vf->syspath, vf->vfio_minor) >=
                    0 &&
            asprintf_safe(&dev, "%s/dev", dir) >= 0 &&
            asprintf_safe(&parent, "%s%s/vfio-dev", h->root, vf->syspath) >= 0) {
                (void)unlink(dev);
                (void)rmdir(dir);
                (void)rmdir(parent);
        }
        vf->vfio_minor = -1;
}

static int host_emit_uevent(const char *root, const char *address, const char *action,
                            const char *driver, void *userdata) {
        sim_host *h = userdata;
        sim_host_vf *vf = sim_host_find_vf(h, address);
        const char *syspath = sim_host_syspath(h, address);
        bool bind = streq(action, "bind");

        if (!syspath)
                return -ENODEV;
        if (vf && driver && streq(driver, HISI_VFIO_DRIVER)) {
                if (bind) {
                        /* The driver's probe: a new device of its own for the VF. */
                        sim_vf_probe(vf->vf);
                        (void)vfio_dev_create(h, vf);
                } else {
                        /* The kernel waits for the device's user to let go before the unbind
                         * completes; here the device is closed on the user, as after its
                         * release. */
                        if (sim_vf_is_open(vf->vf)) {
                                sim_vf_close_device(vf->vf);
                                sim_server_forget_vf(h->server, vf->vf);
                        }
                        sim_host_vfio_dev_remove(h, vf);
                }
        }
        umockdev_testbed_set_property(h->tb, syspath, "DRIVER", bind && driver ? driver : "");
        umockdev_testbed_uevent(h->tb, syspath, action);
        return 0;
}

/* driver_override_show(): sysfs_emit("%s\n"), and NULL prints as "(null)". */
static int host_store_override(const char *root, const char *address, const char *value,
                               void *userdata) {
        sim_host *h = userdata;
        _cleanup_free_ char *rel = NULL, *content = NULL;
        const char *syspath = sim_host_syspath(h, address);

        if (!syspath)
                return -ENODEV;
        if (asprintf_safe(&rel, "%s/driver_override", syspath) < 0 ||
            asprintf_safe(&content, "%s\n", value ?: "(null)") < 0)
                return -ENOMEM;
        return sim_host_make_file(h, rel, content, 0644);
}

void sim_host_release_driver(sim_host *h, const char *address) {
        _cleanup_free_ char *driver = sim_host_device_driver(h, address);

        if (!driver)
                return;
        (void)hisi_sim_pci_tree_remove_driver_link(h->root, address, driver, h);
        (void)host_emit_uevent(h->root, address, "unbind", driver, h);
}

static int host_set_num_vfs(const char *root, const char *pf_address, unsigned n, void *userdata) {
        sim_host *h = userdata;
        sim_host_pf *pf = sim_host_find_pf(h, pf_address);

        if (!pf || !pf->present)
                return -ENODEV;
        return sim_host_set_num_vfs(h, pf, n);
}

static int host_remove_device(const char *root, const char *address, void *userdata) {
        sim_host *h = userdata;
        sim_host_vf *vf = sim_host_find_vf(h, address);
        sim_host_pf *pf = sim_host_find_pf(h, address);

        if (vf) {
                /* pci_stop_and_remove_bus_device(): the driver lets go, then the device goes.
                 * VFs are not found by a bus scan: only SR-IOV brings it back. */
                sim_host_release_driver(h, address);
                return sim_host_unplug_vf(h, address);
        }
        if (pf)
                return sim_host_remove_pf(h, pf);
        return -ENODEV;
}

static int host_reset_function(const char *root, const char *address, void *userdata) {
        sim_host *h = userdata;
        sim_host_vf *vf = sim_host_find_vf(h, address);

        /* A PF's reset is not modelled: its host driver's state is not. */
        if (vf && vf->present)
                sim_vf_function_reset(vf->vf);
        return 0;
}

const hisi_sim_pci_ops sim_host_pci_ops = {
        .set_driver_link = hisi_sim_pci_tree_set_driver_link,
        .remove_driver_link = hisi_sim_pci_tree_remove_driver_link,
        .emit_uevent = host_emit_uevent,
        .store_override = host_store_override,
        .set_num_vfs = host_set_num_vfs,
        .remove_device = host_remove_device,
        .reset_function = host_reset_function,
};

int sim_host_sysfs_write(sim_host *h, const char *path, const void *value, size_t len) {
        _cleanup_free_ char *name = NULL;
        hisi_sim_pci_attr attr;
        uint64_t v;
        int r;

        if (!h || !path || (!value && len > 0))
                return -EINVAL;
        /* rescan_store() (drivers/pci/pci-sysfs.c): the bus's, not a device's. */
        if (streq(path, "/sys/bus/pci/rescan")) {
                if (hisi_sim_pci_parse_ulong(value ?: "", len, UINT64_MAX, &v) < 0)
                        return -EINVAL;
                if (v)
                        sim_host_rescan(h);
                return 0;
        }
        r = hisi_sim_pci_attr_from_path(path, &attr, &name);
        if (r == -EOPNOTSUPP)
                return SIM_SYSFS_PASS;
        if (r < 0)
                return r;
        return hisi_sim_pci_write(h->pci, attr, name, value ?: "", len);
}
