/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake host tree for unit tests (see fake-sysfs.h): the object, and the tree a test builds
 * (drivers, PFs, VFs, other devices, their attributes and links). The kernel that reacts to
 * writes into it is in fake-sysfs-kernel.c.
 */

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-sysfs-internal.h"
#include "file-util.h"
#include "macro.h"
#include "parse-util.h"
#include "hisi/pci-address.h"

static const char pci_ids[] = "# The entries the tests name (tests/lib/fake-sysfs.c).\n"
                              "8086  Intel Corporation\n"
                              "\t1572  Ethernet Controller X710 for 10GbE SFP+\n"
                              "19e5  Huawei Technologies Co., Ltd.\n"
                              "\ta250  HiSilicon ZIP Engine\n"
                              "\ta251  HiSilicon ZIP Engine(Virtual Function)\n"
                              "\ta255  HiSilicon SEC Engine\n"
                              "\ta256  HiSilicon SEC Engine(Virtual Function)\n"
                              "\ta258  HiSilicon HPRE Engine\n"
                              "\ta259  HiSilicon HPRE Engine(Virtual Function)\n";

/* ---- Files ---- */

int fake_sysfs_path(const fake_sysfs *f, const char *rel, char **ret) {
        return asprintf_safe(ret, "%s/%s", f->root, rel);
}

static int mkdir_rel(fake_sysfs *f, const char *rel) {
        _cleanup_free_ char *p = NULL;
        int r;

        r = fake_sysfs_path(f, rel, &p);
        if (r < 0)
                return r;
        return mkdir_p(p, 0755);
}

/* A device's attribute under the tree's PCI parent. */
static int dev_path(fake_sysfs *f, const char *address, const char *attr, char **ret) {
        return asprintf_safe(ret, "%s/" PCI_PARENT "/%s/%s", f->root, address, attr);
}

/*
 * A file of the formatted content, or a link (replacing what is there) to the formatted target,
 * at rel: an attribute of the device at address, or without one a path relative to the root.
 * Used through the three macros below.
 */
static int make_node(fake_sysfs *f, bool link, const char *address, const char *rel,
                     const char *fmt, ...) _printf_(5, 6);
static int make_node(fake_sysfs *f, bool link, const char *address, const char *rel,
                     const char *fmt, ...) {
        _cleanup_free_ char *p = NULL, *s = NULL;
        va_list ap;
        int r;

        r = address ? dev_path(f, address, rel, &p) : fake_sysfs_path(f, rel, &p);
        if (r < 0)
                return r;
        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (!link)
                return write_file(p, s, strlen(s), 0644);
        (void)unlink(p);
        if (symlink(s, p) < 0)
                return negative_errno();
        return 0;
}

#define dev_attr(f, address, attr, ...) make_node(f, false, address, attr, __VA_ARGS__)
#define dev_link(f, address, attr, ...) make_node(f, true, address, attr, __VA_ARGS__)
#define link_rel(f, rel, ...)           make_node(f, true, NULL, rel, __VA_ARGS__)

int fake_sysfs_write_rel(fake_sysfs *f, const char *rel, const char *content) {
        return make_node(f, false, NULL, rel, "%s", content);
}

static int dev_read(fake_sysfs *f, const char *address, const char *attr, char **ret) {
        _cleanup_free_ char *p = NULL;
        int r;

        r = dev_path(f, address, attr, &p);
        if (r < 0)
                return r;
        return read_one_line_file(p, ret);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        if (flag == FTW_DP)
                return rmdir(path) < 0 ? -1 : 0;
        return unlink(path) < 0 ? -1 : 0;
}

static int rm_rf(const char *path) {
        if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
                return negative_errno();
        return 0;
}

int fake_sysfs_write_file(fake_sysfs *f, const char *relpath, const char *content) {
        _cleanup_free_ char *p = NULL;
        char *slash;
        int r;

        if (!f || !relpath || relpath[0] == '/' || !content)
                return -EINVAL;
        r = fake_sysfs_path(f, relpath, &p);
        if (r < 0)
                return r;
        slash = strrchr(p, '/');
        *slash = '\0';
        r = mkdir_p(p, 0755);
        if (r < 0)
                return r;
        *slash = '/';
        return write_file(p, content, strlen(content), 0644);
}

/* ---- Building the tree ---- */

static int load_model_driver(fake_sysfs *f, const char *name) {
        const hisi_sim_pci_driver *known = hisi_sim_pci_host_driver(name);
        hisi_sim_pci_driver drv = { .name = name };
        int r;

        r = hisi_sim_pci_load_driver(f->pci, known ? known : &drv);
        return r == -EEXIST ? 0 : r;
}

int fake_sysfs_add_driver(fake_sysfs *f, const char *name) {
        static const char *const files[] = { "bind", "unbind", "new_id", "remove_id", "uevent" };
        _cleanup_free_ char *dir = NULL;
        int r;

        if (!f || !name || !name[0] || strchr(name, '/') || name[0] == '.')
                return -EINVAL;
        r = asprintf_safe(&dir, "%s/sys/bus/pci/drivers/%s", f->root, name);
        if (r < 0)
                return r;
        if (mkdir(dir, 0755) < 0) {
                if (errno == EEXIST)
                        return 0;
                return negative_errno();
        }
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *p = NULL;

                r = asprintf_safe(&p, "%s/%s", dir, files[i]);
                if (r < 0)
                        return r;
                r = write_file(p, "", 0, 0644);
                if (r < 0)
                        return r;
        }

        pthread_mutex_lock(&f->lock);
        r = load_model_driver(f, name);
        if (r >= 0)
                r = fake_sysfs_watch(f, "drivers", name);
        pthread_mutex_unlock(&f->lock);
        return r;
}

static int set_driver(fake_sysfs *f, const char *address, const char *driver) {
        int r;

        if (!driver)
                return 0;
        r = fake_sysfs_add_driver(f, driver);
        if (r < 0)
                return r;
        return hisi_sim_pci_tree_set_driver_link(f->root, address, driver, NULL);
}

/* A PCI function with the attributes a kernel shows (and libpci or sd-device read). */
static int add_function(fake_sysfs *f, const char *address, uint16_t vendor, uint16_t device,
                        uint32_t class, const char *driver) {
        _cleanup_free_ char *dir = NULL, *rel = NULL, *cfg_path = NULL;
        uint8_t config[64] = {};
        int r;

        if (!f || !hisi_pci_address_valid(address))
                return -EINVAL;
        r = asprintf_safe(&dir, "%s/" PCI_PARENT "/%s", f->root, address);
        if (r < 0)
                return r;
        if (mkdir(dir, 0755) < 0)
                return negative_errno();

        r = dev_attr(f, address, "vendor", "0x%04x\n", vendor);
        if (r >= 0)
                r = dev_attr(f, address, "device", "0x%04x\n", device);
        if (r >= 0)
                r = dev_attr(f, address, "subsystem_vendor", "0x%04x\n", vendor);
        if (r >= 0)
                r = dev_attr(f, address, "subsystem_device", "0x0000\n");
        if (r >= 0)
                r = dev_attr(f, address, "class", "0x%06x\n", class);
        if (r >= 0)
                r = dev_attr(f, address, "revision", "0x21\n");
        if (r >= 0)
                r = dev_attr(f, address, "irq", "0\n");
        if (r >= 0)
                r = dev_attr(f, address, "numa_node", "-1\n");
        if (r >= 0)
                r = dev_attr(f, address, "driver_override", "(null)\n");
        if (r >= 0)
                r = dev_attr(f, address, "modalias",
                             "pci:v%08Xd%08Xsv%08Xsd00000000bc%02Xsc%02Xi%02X\n", vendor, device,
                             vendor, class >> 16, (class >> 8) & 0xff, class & 0xff);
        if (r >= 0)
                r = dev_attr(f, address, "reset", "%s", "");
        if (r >= 0)
                r = dev_attr(f, address, "resource", "%s",
                             "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
                             "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
                             "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
                             "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
                             "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
                             "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
                             "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
        if (r < 0)
                return r;

        /* The config header: IDs, revision, class, subsystem. */
        config[0] = vendor & 0xff;
        config[1] = vendor >> 8;
        config[2] = device & 0xff;
        config[3] = device >> 8;
        config[8] = 0x21;
        config[9] = class & 0xff;
        config[10] = (class >> 8) & 0xff;
        config[11] = (class >> 16) & 0xff;
        config[0x2c] = vendor & 0xff;
        config[0x2d] = vendor >> 8;
        r = dev_path(f, address, "config", &cfg_path);
        if (r < 0)
                return r;
        r = write_file(cfg_path, config, sizeof(config), 0644);
        if (r < 0)
                return r;

        r = dev_link(f, address, "subsystem", "../../../bus/pci");
        if (r < 0)
                return r;
        r = asprintf_safe(&rel, "sys/bus/pci/devices/%s", address);
        if (r < 0)
                return r;
        r = link_rel(f, rel, "../../../devices/pci0000:7c/%s", address);
        if (r < 0)
                return r;
        r = set_driver(f, address, driver);
        if (r < 0)
                return r;

        pthread_mutex_lock(&f->lock);
        r = fake_sysfs_watch(f, "devices", address);
        pthread_mutex_unlock(&f->lock);
        return r;
}

int fake_sysfs_add_device(fake_sysfs *f, const char *address, uint16_t vendor, uint16_t device,
                          const char *driver) {
        return add_function(f, address, vendor, device, 0x020000, driver);
}

int fake_sysfs_add_pf(fake_sysfs *f, const char *address, hisi_kind kind, const char *driver,
                      unsigned totalvfs) {
        int r;

        if (!f || kind < 0 || kind >= _HISI_KIND_MAX)
                return -EINVAL;
        r = add_function(f, address, HISI_PCI_VENDOR_ID, hisi_kind_pf_device_id(kind), 0x120000,
                         driver);
        if (r < 0)
                return r;
        r = dev_attr(f, address, "sriov_totalvfs", "%u\n", totalvfs);
        if (r >= 0)
                r = dev_attr(f, address, "sriov_numvfs", "0\n");
        if (r >= 0)
                r = dev_attr(f, address, "sriov_drivers_autoprobe", "1\n");
        return r;
}

int fake_sysfs_add_vf(fake_sysfs *f, const char *pf_address, unsigned index, const char *address,
                      const char *driver, int iommu_group) {
        _cleanup_free_ char *s = NULL, *virtfn = NULL;
        uint16_t pf_device;
        uint32_t numvfs;
        hisi_kind kind;
        bool is_vf;
        int r;

        if (!f || !hisi_pci_address_valid(pf_address) || index > INT32_MAX)
                return -EINVAL;
        r = dev_read(f, pf_address, "device", &s);
        if (r < 0)
                return r;
        r = safe_atou16(s, &pf_device);
        if (r < 0)
                return r;
        kind = hisi_kind_from_device_id(pf_device, &is_vf);
        if (kind < 0 || is_vf)
                return -EINVAL;

        r = add_function(f, address, HISI_PCI_VENDOR_ID, hisi_kind_vf_device_id(kind), 0x120000,
                         driver);
        if (r < 0)
                return r;

        /* physfn and virtfnN, siblings under the same parent */
        r = dev_link(f, address, "physfn", "../%s", pf_address);
        if (r < 0)
                return r;
        r = asprintf_safe(&virtfn, "virtfn%u", index);
        if (r < 0)
                return r;
        r = dev_link(f, pf_address, virtfn, "../%s", address);
        if (r < 0)
                return r;
        s = mfree(s);
        r = dev_read(f, pf_address, "sriov_numvfs", &s);
        if (r < 0)
                return r;
        r = safe_atou32(s, &numvfs);
        if (r < 0)
                return r;
        if (numvfs < index + 1) {
                r = dev_attr(f, pf_address, "sriov_numvfs", "%u\n", index + 1);
                if (r < 0)
                        return r;
        }

        if (iommu_group >= 0) {
                _cleanup_free_ char *gdir = NULL, *rel = NULL;

                r = asprintf_safe(&gdir, "sys/kernel/iommu_groups/%d/devices", iommu_group);
                if (r < 0)
                        return r;
                r = mkdir_rel(f, gdir);
                if (r < 0)
                        return r;
                r = asprintf_safe(&rel, "%s/%s", gdir, address);
                if (r < 0)
                        return r;
                r = link_rel(f, rel, "../../../../devices/pci0000:7c/%s", address);
                if (r < 0)
                        return r;
                r = dev_link(f, address, "iommu_group", "../../../kernel/iommu_groups/%d",
                             iommu_group);
                if (r < 0)
                        return r;
        }
        return 0;
}

int fake_sysfs_remove_attr(fake_sysfs *f, const char *address, const char *attr) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        int r;

        if (!f || !hisi_pci_address_valid(address) || !attr || !attr[0] || strchr(attr, '/') ||
            attr[0] == '.')
                return -EINVAL;
        r = dev_path(f, address, attr, &p);
        if (r < 0)
                return r;
        if (lstat(p, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return rm_rf(p);
        if (unlink(p) < 0)
                return negative_errno();
        return 0;
}

int fake_sysfs_add_vfio_dev(fake_sysfs *f, const char *address, const char *name) {
        _cleanup_free_ char *dir = NULL, *attr = NULL, *node = NULL;
        uint32_t minor = 0;
        int r;

        if (!f || !hisi_pci_address_valid(address) || !name || !strneq(name, "vfio", 4) ||
            strchr(name, '/'))
                return -EINVAL;
        (void)safe_atou32(name + 4, &minor);
        r = asprintf_safe(&dir, PCI_PARENT "/%s/vfio-dev/%s", address, name);
        if (r < 0)
                return r;
        r = mkdir_rel(f, dir);
        if (r < 0)
                return r;
        r = asprintf_safe(&attr, "vfio-dev/%s/dev", name);
        if (r < 0)
                return r;
        r = dev_attr(f, address, attr, "511:%u\n", minor);
        if (r < 0)
                return r;
        r = asprintf_safe(&node, "dev/vfio/devices/%s", name);
        if (r < 0)
                return r;
        return fake_sysfs_write_file(f, node, "");
}

int fake_sysfs_new(fake_sysfs **ret) {
        static const char *const dirs[] = {
                PCI_PARENT, "sys/bus/pci/devices", "sys/bus/pci/drivers", "sys/kernel/iommu_groups",
                "dev/vfio", "usr/share/misc",
        };
        _cleanup_(fake_sysfs_freep) fake_sysfs *f = NULL;
        const char *tmp = getenv("TMPDIR");
        int r;

        if (!ret)
                return -EINVAL;
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->inotify_fd = f->stop_fd = -EBADF;
        pthread_mutex_init(&f->lock, NULL);
        pthread_cond_init(&f->cond, NULL);

        r = asprintf_safe(&f->root, "%s/hisi-fake-sysfs.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (r < 0)
                return r;
        if (!mkdtemp(f->root)) {
                r = negative_errno();
                free(f->root);
                f->root = NULL;
                return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                r = mkdir_rel(f, dirs[i]);
                if (r < 0)
                        return r;
        }
        r = fake_sysfs_write_rel(f, "sys/bus/pci/drivers_probe", "");
        if (r >= 0)
                r = fake_sysfs_write_rel(f, "sys/bus/pci/drivers_autoprobe", "1\n");
        if (r >= 0)
                r = fake_sysfs_write_rel(f, "sys/bus/pci/rescan", "");
        if (r >= 0)
                r = fake_sysfs_write_rel(f, "usr/share/misc/pci.ids", pci_ids);
        if (r < 0)
                return r;

        r = hisi_sim_pci_new(f->root, &fake_sysfs_ops, f, &f->pci);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(f);
        return 0;
}

fake_sysfs *fake_sysfs_free(fake_sysfs *f) {
        if (!f)
                return NULL;
        fake_sysfs_stop_kernel(f);
        if (f->root)
                (void)rm_rf(f->root);
        hisi_sim_pci_free(f->pci);
        free(f->uevents);
        free(f->root);
        pthread_cond_destroy(&f->cond);
        pthread_mutex_destroy(&f->lock);
        free(f);
        return NULL;
}

const char *fake_sysfs_root(const fake_sysfs *f) {
        return f ? f->root : NULL;
}
