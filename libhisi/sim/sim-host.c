/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated host (see sim-host.h): building the tree (devices, drivers, modules), hot-plug,
 * SR-IOV, and the device socket's view of the VFs. The writes to the PCI core's attributes are
 * in sim-host-pci.c. */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <umockdev.h>
#include <unistd.h>

#include "file-util.h"
#include "macro.h"
#include "parse-util.h"
#include "pci-core.h"
#include "sim-host-internal.h"
#include "sim-server.h"

/* The HiSilicon PCIe root port the accelerators sit behind, as on a Kunpeng 920. */
#define BRIDGE_DEVICE_ID 0xa121
#define BRIDGE_REVISION  0x00 /* not modelled */
#define GUEST_TICK_USEC  (20 * 1000)
#define IOMMU_GROUP_BASE 10

sim_host_vf *sim_host_find_vf(sim_host *h, const char *address) {
        for (size_t i = 0; i < h->n_pfs; i++)
                for (unsigned j = 0; j < h->pfs[i].n_vfs; j++)
                        if (streq(h->pfs[i].vfs[j].address, address))
                                return &h->pfs[i].vfs[j];
        return NULL;
}

sim_host_pf *sim_host_find_pf(sim_host *h, const char *address) {
        for (size_t i = 0; i < h->n_pfs; i++)
                if (streq(h->pfs[i].config.address, address))
                        return &h->pfs[i];
        return NULL;
}

/* The driver a device is bound to, from its driver link; NULL when unbound. */
char *sim_host_device_driver(sim_host *h, const char *address) {
        _cleanup_free_ char *link = NULL;
        char *driver = NULL;

        if (asprintf_safe(&link, "%s/sys/bus/pci/devices/%s/driver", h->root, address) < 0)
                return NULL;
        if (readlink_basename(link, &driver) < 0)
                return NULL;
        return driver;
}

/* ---- building the tree ---- */

int sim_host_make_file(sim_host *h, const char *rel, const char *content, mode_t mode) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = asprintf_safe(&path, "%s%s", h->root, rel);
        if (r < 0)
                return r;
        return write_file(path, content, strlen(content), mode);
}

int sim_host_make_dir(sim_host *h, const char *rel) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = asprintf_safe(&path, "%s%s", h->root, rel);
        if (r < 0)
                return r;
        return mkdir_p(path, 0755);
}

static int make_link(sim_host *h, const char *target, const char *rel) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = asprintf_safe(&path, "%s%s", h->root, rel);
        if (r < 0)
                return r;
        if (symlink(target, path) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

/* A loaded driver's module as sysfs shows it: /sys/module/<module> (tools test it to see
 * whether a driver is loaded), the driver's module link and the module's drivers/pci:<driver>
 * link back. The module name is the driver's with '_' for '-' (vfio-pci is vfio_pci). */
static int make_module(sim_host *h, const char *driver) {
        _cleanup_free_ char *module = strdup(driver), *dir = NULL, *rel = NULL, *target = NULL;
        int r;

        if (!module)
                return -ENOMEM;
        for (char *c = module; *c; c++)
                if (*c == '-')
                        *c = '_';
        if (asprintf_safe(&dir, "/sys/module/%s", module) < 0)
                return -ENOMEM;
        r = sim_host_make_dir(h, dir);
        if (r >= 0) {
                _cleanup_free_ char *drivers = NULL, *initstate = NULL;

                if (asprintf_safe(&drivers, "%s/drivers", dir) < 0 ||
                    asprintf_safe(&initstate, "%s/initstate", dir) < 0)
                        return -ENOMEM;
                r = sim_host_make_dir(h, drivers);
                if (r >= 0)
                        r = sim_host_make_file(h, initstate, "live\n", 0444);
        }
        if (r < 0)
                return r;
        if (asprintf_safe(&rel, "%s/drivers/pci:%s", dir, driver) < 0 ||
            asprintf_safe(&target, "../../../bus/pci/drivers/%s", driver) < 0)
                return -ENOMEM;
        r = make_link(h, target, rel);
        if (r < 0)
                return r;
        free(rel);
        free(target);
        if (asprintf_safe(&rel, "/sys/bus/pci/drivers/%s/module", driver) < 0 ||
            asprintf_safe(&target, "../../../../module/%s", module) < 0)
                return -ENOMEM;
        return make_link(h, target, rel);
}

/* The bus's write-only attributes, and each loaded driver with its bind and unbind. Writes to
 * them reach sim_host_sysfs_write() through the preload library; the files themselves hold
 * nothing. */
static int make_drivers(sim_host *h) {
        int r;

        r = sim_host_make_dir(h, "/sys/bus/pci/drivers");
        if (r >= 0)
                r = sim_host_make_file(h, "/sys/bus/pci/drivers_probe", "", 0200);
        if (r >= 0)
                r = sim_host_make_file(h, "/sys/bus/pci/drivers_autoprobe", "1\n", 0644);
        if (r >= 0)
                r = sim_host_make_file(h, "/sys/bus/pci/rescan", "", 0200);
        if (r < 0)
                return r;
        for (size_t i = 0; i < hisi_sim_pci_n_host_drivers; i++) {
                const hisi_sim_pci_driver *d = &hisi_sim_pci_host_drivers[i];
                _cleanup_free_ char *dir = NULL, *bind = NULL, *unbind = NULL;

                if (asprintf_safe(&dir, "/sys/bus/pci/drivers/%s", d->name) < 0 ||
                    asprintf_safe(&bind, "%s/bind", dir) < 0 ||
                    asprintf_safe(&unbind, "%s/unbind", dir) < 0)
                        return -ENOMEM;
                r = sim_host_make_dir(h, dir);
                if (r >= 0)
                        r = sim_host_make_file(h, bind, "", 0200);
                if (r >= 0)
                        r = sim_host_make_file(h, unbind, "", 0200);
                if (r >= 0)
                        r = make_module(h, d->name);
                if (r >= 0)
                        r = hisi_sim_pci_load_driver(h->pci, d);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* "../" for each directory level of a syspath below /sys, to reach /sys/. */
static int up_to_sys(const char *syspath, char **ret) {
        size_t depth = 0;
        char *s;

        for (const char *p = syspath + STRLEN("/sys"); *p; p++)
                depth += *p == '/';
        s = malloc(depth * 3 + 1);
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < depth; i++)
                memcpy(s + i * 3, "../", 3);
        s[depth * 3] = '\0';
        *ret = s;
        return 0;
}

/* The PCI class of each kind as a Kunpeng 920 reports it (lspci on those hosts): ZIP is a
 * processing accelerator (0x1200), SEC and HPRE are network and computing encryption devices
 * (0x1000). A udev rule that matched the class alone would miss SEC and HPRE. */
static const char *acc_class(hisi_kind kind) {
        switch (kind) {
        case HISI_KIND_ZIP:
                return "0x120000";
        case HISI_KIND_SEC:
        case HISI_KIND_HPRE:
                return "0x100000";
        case _HISI_KIND_MAX:
        case _HISI_KIND_INVALID:
                break;
        }
        abort();
}

/* revision: the PCI revision ID, which the hisi QM drivers take as the QM version
 * (qm->ver = pdev->revision); the VFs are the same silicon as their PF. class: "0xCCSSPP". */
static int add_pci_device(sim_host *h, const char *parent, const char *address, uint16_t device,
                          uint8_t revision, const char *class, char **ret_syspath) {
        char dev[16], rev[8], pci_id[16], modalias[64];
        char *syspath;

        assert(strlen(class) == STRLEN("0xCCSSPP"));
        snprintf(dev, sizeof(dev), "0x%04x", device);
        snprintf(rev, sizeof(rev), "0x%02x", revision);
        snprintf(pci_id, sizeof(pci_id), "19E5:%04X", device);
        snprintf(modalias, sizeof(modalias),
                 "pci:v000019E5d0000%04Xsv000019E5sd00000000bc%.2ssc%.2si%.2s", device, class + 2,
                 class + 4, class + 6);
        syspath = umockdev_testbed_add_device(
                h->tb, "pci", address, parent,
                /* attributes */
                "vendor", "0x19e5", "device", dev, "revision", rev, "class", class,
                "subsystem_vendor", "0x19e5", "subsystem_device", "0x0000", "driver_override",
                "(null)\n", "modalias", modalias, "reset", "", "numa_node", "0", NULL,
                /* udev properties */
                "PCI_CLASS", class + 2, "PCI_ID", pci_id, "PCI_SUBSYS_ID", "19E5:0000",
                "PCI_SLOT_NAME", address, "MODALIAS", modalias, NULL);
        if (!syspath)
                return -EIO;
        /* A function can be removed; the root port's removal is not modelled. */
        if (parent)
                umockdev_testbed_set_attribute(h->tb, syspath, "remove", "");
        *ret_syspath = syspath;
        return 0;
}

static int add_iommu_group(sim_host *h, const char *syspath, const char *address, int group) {
        _cleanup_free_ char *dir = NULL, *up = NULL, *target = NULL, *member = NULL,
                            *member_target = NULL;
        int r;

        r = asprintf_safe(&dir, "/sys/kernel/iommu_groups/%d/devices", group);
        if (r < 0)
                return r;
        r = sim_host_make_dir(h, dir);
        if (r < 0)
                return r;
        r = up_to_sys(syspath, &up);
        if (r < 0)
                return r;
        r = asprintf_safe(&target, "%skernel/iommu_groups/%d", up, group);
        if (r < 0)
                return r;
        umockdev_testbed_set_attribute_link(h->tb, syspath, "iommu_group", target);
        r = asprintf_safe(&member, "%s%s/%s", h->root, dir, address);
        if (r < 0)
                return r;
        r = asprintf_safe(&member_target, "../../../..%s", syspath + STRLEN("/sys"));
        if (r < 0)
                return r;
        if (symlink(member_target, member) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

/* A VF's sysfs side: the device, physfn/virtfnN, its IOMMU group, and the host driver bound,
 * as after writing sriov_numvfs. */
static int add_vf_device(sim_host *h, sim_host_vf *vf) {
        const sim_pf_config *c = &vf->pf->config;
        const char *host_driver = hisi_kind_host_driver(c->kind);
        _cleanup_free_ char *physfn = NULL, *vf_target = NULL;
        char link[32];
        int r;

        r = add_pci_device(h, h->bridge, vf->address, hisi_kind_vf_device_id(c->kind),
                           (uint8_t)c->qm_version, acc_class(c->kind), &vf->syspath);
        if (r < 0)
                return r;
        vf->present = true;
        /* physfn and virtfnN: siblings under the bridge. */
        if (asprintf_safe(&physfn, "../%s", c->address) < 0 ||
            asprintf_safe(&vf_target, "../%s", vf->address) < 0)
                return -ENOMEM;
        umockdev_testbed_set_attribute_link(h->tb, vf->syspath, "physfn", physfn);
        snprintf(link, sizeof(link), "virtfn%u", vf->index);
        umockdev_testbed_set_attribute_link(h->tb, vf->pf->syspath, link, vf_target);
        r = add_iommu_group(h, vf->syspath, vf->address, vf->iommu_group);
        if (r < 0)
                return r;
        if (c->driver_bound) {
                r = hisi_sim_pci_tree_set_driver_link(h->root, vf->address, host_driver, h);
                if (r < 0)
                        return r;
                umockdev_testbed_set_property(h->tb, vf->syspath, "DRIVER", host_driver);
        }
        return 0;
}

/* A PF's sysfs side: the device with its SR-IOV attributes, its IOMMU group, and its host
 * driver bound. */
static int add_pf_device(sim_host *h, sim_host_pf *pf) {
        const sim_pf_config *c = &pf->config;
        const char *host_driver = hisi_kind_host_driver(c->kind);
        char num[16];
        int r;

        r = add_pci_device(h, h->bridge, c->address, hisi_kind_pf_device_id(c->kind),
                           (uint8_t)c->qm_version, acc_class(c->kind), &pf->syspath);
        if (r < 0)
                return r;
        pf->present = true;
        snprintf(num, sizeof(num), "%u\n", c->total_vfs);
        umockdev_testbed_set_attribute(h->tb, pf->syspath, "sriov_totalvfs", num);
        snprintf(num, sizeof(num), "%u\n", pf->num_vfs);
        umockdev_testbed_set_attribute(h->tb, pf->syspath, "sriov_numvfs", num);
        r = add_iommu_group(h, pf->syspath, c->address, pf->iommu_group);
        if (r < 0)
                return r;
        if (c->driver_bound) {
                r = hisi_sim_pci_tree_set_driver_link(h->root, c->address, host_driver, h);
                if (r < 0)
                        return r;
                umockdev_testbed_set_property(h->tb, pf->syspath, "DRIVER", host_driver);
        }
        return 0;
}

static int build_pf(sim_host *h, sim_host_pf *pf, int *group) {
        const sim_pf_config *c = &pf->config;
        int r;

        pf->iommu_group = (*group)++;
        pf->num_vfs = c->num_vfs;
        r = add_pf_device(h, pf);
        if (r < 0)
                return r;

        /* Every VF the PF can enable exists in the model; the enabled ones are in sysfs. */
        pf->vfs = calloc(c->total_vfs, sizeof(*pf->vfs));
        if (c->total_vfs > 0 && !pf->vfs)
                return -ENOMEM;
        for (unsigned i = 0; i < c->total_vfs; i++) {
                sim_host_vf *vf = &pf->vfs[i];
                sim_vf_config vc = {
                        .kind = c->kind,
                        .vf_index = i,
                        .qp_base = i * c->qp_per_vf,
                        .qp_num = c->qp_per_vf,
                        .que_iso_cfg = c->que_iso_cfg,
                        .qm_version = c->qm_version,
                        .pf_driver_bound = c->driver_bound,
                        .guest_driver = c->guest_driver,
                        .profile = h->config.profile,
                        .reset_fix = h->config.reset_fix,
                        .seed = h->config.seed,
                };

                vf->pf = pf;
                vf->index = i;
                vf->vfio_minor = -1;
                vf->iommu_group = (*group)++;
                r = sim_config_vf_address(c, i, vf->address);
                if (r < 0)
                        return r;
                r = sim_vf_new(&vc, &vf->vf);
                if (r < 0)
                        return r;
                pf->n_vfs++;
                if (i >= c->num_vfs)
                        continue;
                r = add_vf_device(h, vf);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        sim_host *h = userdata;

        for (size_t i = 0; !h->clock_stopped && i < h->n_pfs; i++)
                for (unsigned j = 0; j < h->pfs[i].n_vfs; j++)
                        if (h->pfs[i].vfs[j].present)
                                (void)sim_vf_guest_tick(h->pfs[i].vfs[j].vf);
        return sd_event_source_set_time_relative(s, GUEST_TICK_USEC);
}

static sim_vf *server_lookup(void *userdata, const char *name, int *ret_error) {
        sim_host *h = userdata;
        sim_host_vf *vf = sim_host_find_vf(h, name);
        _cleanup_free_ char *driver = NULL;

        /* A VFIO device exists only while the VF is bound to the vfio driver. */
        if (!vf || !vf->present) {
                *ret_error = -ENODEV;
                return NULL;
        }
        driver = sim_host_device_driver(h, name);
        if (!driver || !streq(driver, HISI_VFIO_DRIVER)) {
                *ret_error = -ENODEV;
                return NULL;
        }
        return vf->vf;
}

static uint64_t server_delay(void *userdata, const sim_vf *v, const hisi_mig_path *path) {
        sim_host *h = userdata;
        uint64_t total = 0;

        for (size_t i = 0; i < h->n_pfs; i++)
                for (unsigned j = 0; j < h->pfs[i].n_vfs; j++) {
                        sim_host_vf *vf = &h->pfs[i].vfs[j];
                        if (vf->vf != v)
                                continue;
                        for (size_t k = 0; path && k + 1 < path->n; k++)
                                for (size_t d = 0; d < vf->n_delays; d++)
                                        if (vf->delays[d].from == path->states[k] &&
                                            vf->delays[d].to == path->states[k + 1])
                                                total += vf->delays[d].usec;
                }
        return total;
}

static int server_sysfs_write(void *userdata, const char *path, const void *value, size_t len) {
        return sim_host_sysfs_write(userdata, path, value, len);
}

int sim_host_new(sd_event *event, const sim_config *config, const char *socket_path,
                 sim_host **ret) {
        _cleanup_(sim_host_freep) sim_host *h = NULL;
        int group = IOMMU_GROUP_BASE, r;

        if (!event || !config || !socket_path || !ret)
                return -EINVAL;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->event = sd_event_ref(event);
        r = sim_config_copy(config, &h->config);
        if (r < 0)
                return r;

        h->tb = umockdev_testbed_new();
        if (!h->tb)
                return -EIO;
        h->root = umockdev_testbed_get_root_dir(h->tb);
        if (!h->root)
                return -EIO;
        r = hisi_sim_pci_new(h->root, &sim_host_pci_ops, h, &h->pci);
        if (r < 0)
                return r;

        r = make_drivers(h);
        if (r < 0)
                return r;
        {
                char *bridge = NULL;
                r = add_pci_device(h, NULL, SIM_BRIDGE_ADDRESS, BRIDGE_DEVICE_ID, BRIDGE_REVISION,
                                   "0x060400", &bridge);
                if (r < 0)
                        return r;
                h->bridge = bridge;
        }

        h->pfs = calloc(config->n_pfs, sizeof(*h->pfs));
        if (!h->pfs)
                return -ENOMEM;
        for (size_t i = 0; i < config->n_pfs; i++) {
                h->pfs[i].config = config->pfs[i];
                h->n_pfs++;
                r = build_pf(h, &h->pfs[i], &group);
                if (r < 0)
                        return r;
        }

        r = sd_event_add_time_relative(event, &h->tick, CLOCK_MONOTONIC, GUEST_TICK_USEC, 0,
                                       on_tick, h);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(h->tick, SD_EVENT_ON);
        if (r < 0)
                return r;
        r = sim_server_new(event, socket_path, server_lookup, server_delay, server_sysfs_write, h,
                           &h->server);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(h);
        return 0;
}

sim_host *sim_host_free(sim_host *h) {
        if (!h)
                return NULL;
        /* Connections first: closing them closes the devices they hold. */
        sim_server_free(h->server);
        sd_event_source_disable_unref(h->tick);
        for (size_t i = 0; i < h->n_pfs; i++) {
                for (unsigned j = 0; j < h->pfs[i].n_vfs; j++) {
                        sim_vf_free(h->pfs[i].vfs[j].vf);
                        g_free(h->pfs[i].vfs[j].syspath);
                }
                free(h->pfs[i].vfs);
                g_free(h->pfs[i].syspath);
        }
        free(h->pfs);
        hisi_sim_pci_free(h->pci);
        g_free(h->bridge);
        if (h->tb) {
                /* umockdev removes the testbed directory when the testbed goes. */
                g_object_unref(h->tb);
        }
        g_free(h->root);
        sim_config_done(&h->config);
        sd_event_unref(h->event);
        free(h);
        return NULL;
}

const char *sim_host_root(const sim_host *h) {
        return h ? h->root : NULL;
}

int sim_host_unplug_vf(sim_host *h, const char *address) {
        _cleanup_free_ char *driver = NULL, *back = NULL;
        sim_host_vf *vf;
        int r = sim_host_get_vf(h, address, &vf);

        if (r < 0)
                return r;
        if (sim_vf_is_open(vf->vf))
                sim_vf_close_device(vf->vf);
        sim_server_forget_vf(h->server, vf->vf);
        sim_host_vfio_dev_remove(h, vf);
        driver = sim_host_device_driver(h, vf->address);
        if (driver &&
            asprintf_safe(&back, "%s/sys/bus/pci/drivers/%s/%s", h->root, driver, vf->address) >= 0)
                (void)unlink(back);
        /* The links that point at it go with it, as the PCI core removes them. */
        {
                _cleanup_free_ char *virtfn = NULL, *member = NULL;
                if (asprintf_safe(&virtfn, "%s%s/virtfn%u", h->root, vf->pf->syspath, vf->index) >=
                    0)
                        (void)unlink(virtfn);
                if (asprintf_safe(&member, "%s/sys/kernel/iommu_groups/%d/devices/%s", h->root,
                                  vf->iommu_group, vf->address) >= 0)
                        (void)unlink(member);
        }
        umockdev_testbed_uevent(h->tb, vf->syspath, "remove");
        umockdev_testbed_remove_device(h->tb, vf->syspath);
        vf->present = false;
        return 0;
}

int sim_host_plug_vf(sim_host *h, const char *address) {
        sim_host_vf *vf = address ? sim_host_find_vf(h, address) : NULL;
        int r;

        if (!vf || !vf->pf->present || vf->index >= vf->pf->num_vfs)
                return -ENODEV;
        if (vf->present)
                return -EEXIST;
        g_free(vf->syspath);
        vf->syspath = NULL;
        r = add_vf_device(h, vf);
        if (r < 0)
                return r;
        /* A function that comes back is a new device to its driver. */
        sim_vf_probe(vf->vf);
        umockdev_testbed_uevent(h->tb, vf->syspath, "add");
        if (vf->pf->config.driver_bound)
                umockdev_testbed_uevent(h->tb, vf->syspath, "bind");
        return 0;
}

int sim_host_set_num_vfs(sim_host *h, sim_host_pf *pf, unsigned n) {
        char num[16];
        _cleanup_free_ char *rel = NULL;

        if (n > pf->n_vfs)
                return -ERANGE;
        if (n == 0) {
                /* pci_disable_sriov(): each VF's driver lets it go, then it is removed. */
                for (unsigned i = 0; i < pf->n_vfs; i++) {
                        sim_host_vf *vf = &pf->vfs[i];

                        if (!vf->present)
                                continue;
                        sim_host_release_driver(h, vf->address);
                        (void)sim_host_unplug_vf(h, vf->address);
                }
                pf->num_vfs = 0;
        } else {
                pf->num_vfs = n;
                for (unsigned i = 0; i < n; i++)
                        (void)sim_host_plug_vf(h, pf->vfs[i].address);
        }
        snprintf(num, sizeof(num), "%u\n", pf->num_vfs);
        if (asprintf_safe(&rel, "%s/sriov_numvfs", pf->syspath) < 0)
                return -ENOMEM;
        return sim_host_make_file(h, rel, num, 0644);
}

int sim_host_remove_pf(sim_host *h, sim_host_pf *pf) {
        _cleanup_free_ char *member = NULL;

        if (!pf->present)
                return -ENODEV;
        /* The host driver's remove() disables SR-IOV, then the PF goes. */
        (void)sim_host_set_num_vfs(h, pf, 0);
        sim_host_release_driver(h, pf->config.address);
        if (asprintf_safe(&member, "%s/sys/kernel/iommu_groups/%d/devices/%s", h->root,
                          pf->iommu_group, pf->config.address) >= 0)
                (void)unlink(member);
        umockdev_testbed_uevent(h->tb, pf->syspath, "remove");
        umockdev_testbed_remove_device(h->tb, pf->syspath);
        g_free(pf->syspath);
        pf->syspath = NULL;
        pf->present = false;
        return 0;
}

void sim_host_rescan(sim_host *h) {
        for (size_t i = 0; i < h->n_pfs; i++) {
                sim_host_pf *pf = &h->pfs[i];

                if (pf->present)
                        continue;
                /* Found again as at boot: SR-IOV off, the host driver probes it. */
                pf->num_vfs = 0;
                if (add_pf_device(h, pf) < 0)
                        continue;
                umockdev_testbed_uevent(h->tb, pf->syspath, "add");
                if (pf->config.driver_bound)
                        umockdev_testbed_uevent(h->tb, pf->syspath, "bind");
        }
}
