/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated host (see sim-host.h). */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
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
#define BRIDGE_REVISION  0x00       /* not modelled */
#define ACC_CLASS        "0x120000" /* processing accelerator */
#define GUEST_TICK_USEC  (20 * 1000)
#define IOMMU_GROUP_BASE 10
#define VFIO_DEV_MAJOR   511

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

static const char *syspath_of(sim_host *h, const char *address) {
        sim_host_vf *vf = sim_host_find_vf(h, address);
        sim_host_pf *pf;

        if (vf)
                return vf->present ? vf->syspath : NULL;
        pf = sim_host_find_pf(h, address);
        return pf ? pf->syspath : NULL;
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

/* ---- the PCI core's hooks: links as a plain tree, uevents through the testbed ---- */

static int make_dir(sim_host *h, const char *rel);
static int make_file(sim_host *h, const char *rel, const char *content);

/* Bound to the vfio driver: vfio-dev/vfioN/dev names the device's cdev, as vfio_main.c adds it. */
static int vfio_dev_create(sim_host *h, sim_host_vf *vf) {
        _cleanup_free_ char *dir = NULL, *dev = NULL;
        char num[32];
        int r;

        vf->vfio_minor = h->next_vfio_minor++;
        r = asprintf_safe(&dir, "%s/vfio-dev/vfio%d", vf->syspath, vf->vfio_minor);
        if (r < 0)
                return r;
        r = make_dir(h, dir);
        if (r < 0)
                return r;
        r = asprintf_safe(&dev, "%s/dev", dir);
        if (r < 0)
                return r;
        snprintf(num, sizeof(num), "%d:%d\n", VFIO_DEV_MAJOR, vf->vfio_minor);
        return make_file(h, dev, num);
}

static void vfio_dev_remove(sim_host *h, sim_host_vf *vf) {
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
        const char *syspath = syspath_of(h, address);
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
                        vfio_dev_remove(h, vf);
                }
        }
        umockdev_testbed_set_property(h->tb, syspath, "DRIVER", bind && driver ? driver : "");
        umockdev_testbed_uevent(h->tb, syspath, action);
        return 0;
}

static const hisi_sim_pci_ops host_pci_ops = {
        .set_driver_link = hisi_sim_pci_tree_set_driver_link,
        .remove_driver_link = hisi_sim_pci_tree_remove_driver_link,
        .emit_uevent = host_emit_uevent,
};

/* ---- inotify: the writes clients make to the tree ---- */

static int watch_add(sim_host *h, const char *rel, hisi_sim_pci_attr attr, const char *name) {
        _cleanup_free_ char *path = NULL, *n = NULL;
        watch *w;
        int wd, r;

        r = asprintf_safe(&path, "%s%s", h->root, rel);
        if (r < 0)
                return r;
        wd = inotify_add_watch(h->inotify_fd, path, IN_CLOSE_WRITE);
        if (wd < 0)
                return negative_errno();
        if (name) {
                n = strdup(name);
                if (!n)
                        return -ENOMEM;
        }
        w = realloc(h->watches, (h->n_watches + 1) * sizeof(*w));
        if (!w)
                return -ENOMEM;
        h->watches = w;
        h->watches[h->n_watches++] = (watch){
                .wd = wd,
                .attr = attr,
                .name = TAKE_PTR(n),
                .path = TAKE_PTR(path),
        };
        return 0;
}

static void watch_remove_name(sim_host *h, const char *name) {
        for (size_t i = 0; i < h->n_watches;) {
                watch *w = &h->watches[i];
                if (w->name && streq(w->name, name)) {
                        (void)inotify_rm_watch(h->inotify_fd, w->wd);
                        free(w->name);
                        free(w->path);
                        h->watches[i] = h->watches[--h->n_watches];
                } else
                        i++;
        }
}

static int watch_add_numvfs(sim_host *h, const char *pf_address) {
        _cleanup_free_ char *rel = NULL;
        int r;

        r = asprintf_safe(&rel, "/sys/bus/pci/devices/%s/sriov_numvfs", pf_address);
        if (r < 0)
                return r;
        return watch_add(h, rel, HISI_SIM_PCI_SRIOV_NUMVFS, pf_address);
}

static int set_numvfs(sim_host *h, sim_host_pf *pf, const char *value) {
        _cleanup_free_ char *driver = NULL;
        uint16_t n;

        /* sriov_numvfs_store(), in its order. */
        if (safe_atou16(value, &n) < 0)
                return -EINVAL;
        if (n > pf->config.total_vfs)
                return -ERANGE;
        if (n == pf->num_vfs)
                return 0;
        driver = sim_host_device_driver(h, pf->config.address);
        if (!driver)
                return -ENOENT; /* no PF driver, no sriov_configure */
        if (n == 0) {
                for (unsigned i = 0; i < pf->num_vfs; i++) {
                        sim_host_vf *vf = &pf->vfs[i];
                        _cleanup_free_ char *vf_driver = NULL;
                        if (!vf->present)
                                continue;
                        vf_driver = sim_host_device_driver(h, vf->address);
                        if (vf_driver) {
                                (void)hisi_sim_pci_tree_remove_driver_link(h->root, vf->address,
                                                                           vf_driver, h);
                                (void)host_emit_uevent(h->root, vf->address, "unbind", vf_driver,
                                                       h);
                        }
                        (void)sim_host_unplug_vf(h, vf->address);
                }
                pf->num_vfs = 0;
                return 0;
        }
        if (pf->num_vfs > 0)
                return -EBUSY; /* "VFs already enabled. Disable before enabling" */
        pf->num_vfs = n;
        for (unsigned i = 0; i < n; i++)
                (void)sim_host_plug_vf(h, pf->vfs[i].address);
        return 0;
}

/* A write to sriov_numvfs: the VFs come or go; a refused value is put back, so that reading the
 * attribute shows what the kernel would. */
static void write_numvfs(sim_host *h, const char *pf_address, const char *value) {
        sim_host_pf *pf = sim_host_find_pf(h, pf_address);
        char num[16];

        if (!pf)
                return;
        (void)set_numvfs(h, pf, value);
        snprintf(num, sizeof(num), "%u", pf->num_vfs);
        if (!streq(value, num)) {
                _cleanup_free_ char *path = NULL;
                /* In place, keeping the inode that inotify watches; with a newline, as sysfs
                 * attributes read. */
                strcat(num, "\n");
                if (asprintf_safe(&path, "%s%s/sriov_numvfs", h->root, pf->syspath) >= 0)
                        (void)write_file(path, num, strlen(num), 0644);
        }
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        sim_host *h = userdata;
        uint8_t buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n;

        n = read(fd, buf, sizeof(buf));
        if (n <= 0)
                return 0;
        for (uint8_t *p = buf; p < buf + n;) {
                struct inotify_event *ev = (struct inotify_event *)p;
                p += sizeof(*ev) + ev->len;
                for (size_t i = 0; i < h->n_watches; i++) {
                        _cleanup_free_ char *value = NULL;
                        watch *w = &h->watches[i];
                        if (w->wd != ev->wd)
                                continue;
                        if (read_one_line_file(w->path, &value) < 0)
                                break;
                        /* A plain file keeps what was written: the write itself cannot fail as the
                         * kernel's would, so a refusal is only visible in the tree. */
                        if (w->attr == HISI_SIM_PCI_SRIOV_NUMVFS)
                                write_numvfs(h, w->name, value);
                        else
                                (void)hisi_sim_pci_write(h->pci, w->attr, w->name, value,
                                                         strlen(value));
                        break;
                }
        }
        return 0;
}

/* ---- building the tree ---- */

static int make_file(sim_host *h, const char *rel, const char *content) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = asprintf_safe(&path, "%s%s", h->root, rel);
        if (r < 0)
                return r;
        return write_file(path, content, strlen(content), 0644);
}

static int make_dir(sim_host *h, const char *rel) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = asprintf_safe(&path, "%s%s", h->root, rel);
        if (r < 0)
                return r;
        return mkdir_p(path, 0755);
}

/* Hand each complete device address in the FIFO to the PCI core. A writer may end it with a
 * newline or not ("echo" does, libhisi does not); PCI addresses have a fixed length, so the
 * stream splits without one. */
static void fifo_dispatch(attr_fifo *f) {
        size_t start = 0;

        for (;;) {
                size_t len;
                while (start < f->n_pending &&
                       (f->pending[start] == '\n' || f->pending[start] == ' '))
                        start++;
                for (len = 0; start + len < f->n_pending && len < HISI_PCI_ADDRESS_MAX - 1 &&
                              f->pending[start + len] != '\n';
                     len++)
                        ;
                if (start + len == f->n_pending && len < HISI_PCI_ADDRESS_MAX - 1)
                        break; /* the rest of this address has not arrived yet */
                char value[HISI_PCI_ADDRESS_MAX];
                memcpy(value, f->pending + start, len);
                value[len] = '\0';
                (void)hisi_sim_pci_write(f->host->pci, f->attr, f->name, value, len);
                start += len;
        }
        memmove(f->pending, f->pending + start, f->n_pending - start);
        f->n_pending -= start;
}

static int on_fifo(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        attr_fifo *f = userdata;

        for (;;) {
                ssize_t n;
                if (f->n_pending == sizeof(f->pending))
                        f->n_pending = 0; /* garbage without end: drop it */
                n = read(fd, f->pending + f->n_pending, sizeof(f->pending) - f->n_pending);
                if (n <= 0)
                        break;
                f->n_pending += (size_t)n;
                fifo_dispatch(f);
        }
        return 0;
}

static attr_fifo *attr_fifo_free(attr_fifo *f) {
        if (!f)
                return NULL;
        sd_event_source_disable_unref(f->source);
        safe_close(f->fd);
        free(f->name);
        free(f);
        return NULL;
}

static int fifo_add(sim_host *h, const char *rel, hisi_sim_pci_attr attr, const char *name) {
        _cleanup_free_ char *path = NULL;
        attr_fifo *f, **list;
        int r;

        r = asprintf_safe(&path, "%s%s", h->root, rel);
        if (r < 0)
                return r;
        if (mkfifo(path, 0200) < 0)
                return negative_errno();
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->host = h;
        f->attr = attr;
        /* O_RDWR: the FIFO never reports the end when a writer closes, and a writer's open()
         * never waits for a reader. */
        f->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (f->fd < 0 || (name && !(f->name = strdup(name)))) {
                r = f->fd < 0 ? negative_errno() : -ENOMEM;
                attr_fifo_free(f);
                return r;
        }
        r = sd_event_add_io(h->event, &f->source, f->fd, EPOLLIN, on_fifo, f);
        list = r >= 0 ? realloc(h->fifos, (h->n_fifos + 1) * sizeof(*list)) : NULL;
        if (!list) {
                attr_fifo_free(f);
                return r < 0 ? r : -ENOMEM;
        }
        h->fifos = list;
        h->fifos[h->n_fifos++] = f;
        return 0;
}

static int make_drivers(sim_host *h) {
        int r;

        r = make_dir(h, "/sys/bus/pci/drivers");
        if (r < 0)
                return r;
        r = fifo_add(h, "/sys/bus/pci/drivers_probe", HISI_SIM_PCI_DRIVERS_PROBE, NULL);
        if (r < 0)
                return r;
        for (size_t i = 0; i < hisi_sim_pci_n_host_drivers; i++) {
                const hisi_sim_pci_driver *d = &hisi_sim_pci_host_drivers[i];
                _cleanup_free_ char *dir = NULL, *bind = NULL, *unbind = NULL;

                if (asprintf_safe(&dir, "/sys/bus/pci/drivers/%s", d->name) < 0 ||
                    asprintf_safe(&bind, "%s/bind", dir) < 0 ||
                    asprintf_safe(&unbind, "%s/unbind", dir) < 0)
                        return -ENOMEM;
                r = make_dir(h, dir);
                if (r < 0)
                        return r;
                r = fifo_add(h, bind, HISI_SIM_PCI_DRIVER_BIND, d->name);
                if (r >= 0)
                        r = fifo_add(h, unbind, HISI_SIM_PCI_DRIVER_UNBIND, d->name);
                if (r < 0)
                        return r;
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

/* revision: the PCI revision ID, which the hisi QM drivers take as the QM version
 * (qm->ver = pdev->revision); the VFs are the same silicon as their PF. */
static int add_pci_device(sim_host *h, const char *parent, const char *address, uint16_t device,
                          uint8_t revision, const char *class, const char *override,
                          char **ret_syspath) {
        char dev[16], rev[8], pci_id[16], modalias[64];
        char *syspath;

        snprintf(dev, sizeof(dev), "0x%04x", device);
        snprintf(rev, sizeof(rev), "0x%02x", revision);
        snprintf(pci_id, sizeof(pci_id), "19E5:%04X", device);
        snprintf(modalias, sizeof(modalias),
                 "pci:v000019E5d0000%04Xsv000019E5sd00000000bc12sc00i00", device);
        syspath = umockdev_testbed_add_device(
                h->tb, "pci", address, parent,
                /* attributes */
                "vendor", "0x19e5", "device", dev, "revision", rev, "class", class,
                "subsystem_vendor", "0x19e5", "subsystem_device", "0x0000", "driver_override",
                override, "modalias", modalias, "reset", "", "numa_node", "0", NULL,
                /* udev properties */
                "PCI_CLASS", class + 2, "PCI_ID", pci_id, "PCI_SUBSYS_ID", "19E5:0000",
                "PCI_SLOT_NAME", address, "MODALIAS", modalias, NULL);
        if (!syspath)
                return -EIO;
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
        r = make_dir(h, dir);
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

static int watch_device(sim_host *h, const char *address) {
        _cleanup_free_ char *rel = NULL;
        int r;

        r = asprintf_safe(&rel, "/sys/bus/pci/devices/%s/driver_override", address);
        if (r < 0)
                return r;
        return watch_add(h, rel, HISI_SIM_PCI_DRIVER_OVERRIDE, address);
}

/* A VF's sysfs side: the device, physfn/virtfnN, its IOMMU group, the watch on its attributes,
 * and the host driver bound, as after writing sriov_numvfs. */
static int add_vf_device(sim_host *h, sim_host_vf *vf) {
        const sim_pf_config *c = &vf->pf->config;
        const char *host_driver = hisi_kind_host_driver(c->kind);
        _cleanup_free_ char *physfn = NULL, *vf_target = NULL;
        char link[32];
        int r;

        r = add_pci_device(h, h->bridge, vf->address, hisi_kind_vf_device_id(c->kind),
                           (uint8_t)c->qm_version, ACC_CLASS, "(null)", &vf->syspath);
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
        r = watch_device(h, vf->address);
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

static int build_pf(sim_host *h, sim_host_pf *pf, int *group) {
        const sim_pf_config *c = &pf->config;
        const char *host_driver = hisi_kind_host_driver(c->kind);
        char num[16];
        int r;

        r = add_pci_device(h, h->bridge, c->address, hisi_kind_pf_device_id(c->kind),
                           (uint8_t)c->qm_version, ACC_CLASS, "(null)", &pf->syspath);
        if (r < 0)
                return r;
        snprintf(num, sizeof(num), "%u", c->total_vfs);
        umockdev_testbed_set_attribute(h->tb, pf->syspath, "sriov_totalvfs", num);
        snprintf(num, sizeof(num), "%u", c->num_vfs);
        umockdev_testbed_set_attribute(h->tb, pf->syspath, "sriov_numvfs", num);
        r = add_iommu_group(h, pf->syspath, c->address, (*group)++);
        if (r < 0)
                return r;
        r = watch_device(h, c->address);
        if (r < 0)
                return r;
        if (c->driver_bound) {
                r = hisi_sim_pci_tree_set_driver_link(h->root, c->address, host_driver, h);
                if (r < 0)
                        return r;
                umockdev_testbed_set_property(h->tb, pf->syspath, "DRIVER", host_driver);
        }

        r = watch_add_numvfs(h, c->address);
        if (r < 0)
                return r;
        /* Every VF the PF can enable exists in the model; the enabled ones are in sysfs. */
        pf->vfs = calloc(c->total_vfs, sizeof(*pf->vfs));
        if (c->total_vfs > 0 && !pf->vfs)
                return -ENOMEM;
        pf->num_vfs = c->num_vfs;
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

        for (size_t i = 0; i < h->n_pfs; i++)
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

int sim_host_new(sd_event *event, const sim_config *config, const char *socket_path,
                 sim_host **ret) {
        _cleanup_(sim_host_freep) sim_host *h = NULL;
        int group = IOMMU_GROUP_BASE, r;

        if (!event || !config || !socket_path || !ret)
                return -EINVAL;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->inotify_fd = -EBADF;
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
        r = hisi_sim_pci_new(h->root, &host_pci_ops, h, &h->pci);
        if (r < 0)
                return r;
        h->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (h->inotify_fd < 0)
                return negative_errno();

        r = make_drivers(h);
        if (r < 0)
                return r;
        {
                char *bridge = NULL;
                r = add_pci_device(h, NULL, SIM_BRIDGE_ADDRESS, BRIDGE_DEVICE_ID, BRIDGE_REVISION,
                                   "0x060400", "(null)", &bridge);
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

        r = sd_event_add_io(event, &h->inotify_source, h->inotify_fd, EPOLLIN, on_inotify, h);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(event, &h->tick, CLOCK_MONOTONIC, GUEST_TICK_USEC, 0,
                                       on_tick, h);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(h->tick, SD_EVENT_ON);
        if (r < 0)
                return r;
        r = sim_server_new(event, socket_path, server_lookup, server_delay, h, &h->server);
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
        sd_event_source_disable_unref(h->inotify_source);
        for (size_t i = 0; i < h->n_watches; i++) {
                free(h->watches[i].name);
                free(h->watches[i].path);
        }
        free(h->watches);
        safe_close(h->inotify_fd);
        for (size_t i = 0; i < h->n_fifos; i++)
                attr_fifo_free(h->fifos[i]);
        free(h->fifos);
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
        vfio_dev_remove(h, vf);
        driver = sim_host_device_driver(h, vf->address);
        if (driver &&
            asprintf_safe(&back, "%s/sys/bus/pci/drivers/%s/%s", h->root, driver, vf->address) >= 0)
                (void)unlink(back);
        watch_remove_name(h, vf->address);
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

        if (!vf || vf->index >= vf->pf->num_vfs)
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
