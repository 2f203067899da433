/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake host tree for unit tests, and its reacting kernel: an inotify thread that hands each
 * closed write to sim/pci-core (see fake-sysfs.h).
 *
 * inotify delivers a watch's events in order, so a write is handled after every write made
 * before it. fake_sysfs_sync() uses that: it writes a marker with a fresh name (equal
 * consecutive events may be merged, different names never are) and waits until the thread has
 * seen it.
 */

#include <dirent.h>
#include <inttypes.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-sysfs.h"
#include "file-util.h"
#include "macro.h"
#include "parse-util.h"
#include "hisi/pci-address.h"
#include "pci-core.h"

#define PCI_PARENT  "sys/devices/pci0000:7c"
#define SYNC_PREFIX ".fake-sync-"
/* More than the kernel's PAGE_SIZE limit, so that a too long value reaches the model whole. */
#define VALUE_MAX 8192

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

/* ---- Files ---- */

static int path_of(const fake_sysfs *f, const char *rel, char **ret) {
        return asprintf_safe(ret, "%s/%s", f->root, rel);
}

static int write_rel(fake_sysfs *f, const char *rel, const char *content) {
        _cleanup_free_ char *p = NULL;
        int r;

        r = path_of(f, rel, &p);
        if (r < 0)
                return r;
        return write_file(p, content, strlen(content), 0644);
}

static int symlink_rel(fake_sysfs *f, const char *target, const char *rel) {
        _cleanup_free_ char *p = NULL;
        int r;

        r = path_of(f, rel, &p);
        if (r < 0)
                return r;
        (void)unlink(p);
        if (symlink(target, p) < 0)
                return negative_errno();
        return 0;
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
        r = path_of(f, relpath, &p);
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

/* ---- The kernel's uevents, and its watches ---- */

static int record_uevent(const char *root, const char *address, const char *action,
                         const char *driver, void *userdata) {
        fake_sysfs *f = userdata;
        _cleanup_free_ char *line = NULL;
        size_t n;
        char *u;
        int r;

        /* Called by the model, under f->lock. */
        r = asprintf_safe(&line, "%s %s %s\n", action, driver ? driver : "-", address);
        if (r < 0)
                return r;
        n = strlen(line);
        u = realloc(f->uevents, f->uevents_len + n + 1);
        if (!u)
                return -ENOMEM;
        memcpy(u + f->uevents_len, line, n + 1);
        f->uevents = u;
        f->uevents_len += n;
        return 0;
}

static const hisi_sim_pci_ops fake_ops = {
        .set_driver_link = hisi_sim_pci_tree_set_driver_link,
        .remove_driver_link = hisi_sim_pci_tree_remove_driver_link,
        .emit_uevent = record_uevent,
};

/* Watch a directory for closed writes, if the kernel runs. Called under f->lock. */
static int watch_dir(fake_sysfs *f, const char *host_dir) {
        _cleanup_free_ char *p = NULL, *dir = NULL;
        watch *w;
        int wd, r;

        if (!f->running)
                return 0;
        r = asprintf_safe(&p, "%s%s", f->root, host_dir);
        if (r < 0)
                return r;
        wd = inotify_add_watch(f->inotify_fd, p, IN_CLOSE_WRITE);
        if (wd < 0)
                return negative_errno();
        for (size_t i = 0; i < f->n_watches; i++)
                if (f->watches[i].wd == wd)
                        return 0;
        dir = strdup(host_dir);
        if (!dir)
                return -ENOMEM;
        w = reallocarray(f->watches, f->n_watches + 1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        f->watches = w;
        w[f->n_watches++] = (watch){ .wd = wd, .dir = TAKE_PTR(dir) };
        return 0;
}

static int watch_device(fake_sysfs *f, const char *address) {
        _cleanup_free_ char *dir = NULL;
        int r;

        r = asprintf_safe(&dir, "/sys/bus/pci/devices/%s", address);
        if (r < 0)
                return r;
        return watch_dir(f, dir);
}

static int watch_driver(fake_sysfs *f, const char *name) {
        _cleanup_free_ char *dir = NULL;
        int r;

        r = asprintf_safe(&dir, "/sys/bus/pci/drivers/%s", name);
        if (r < 0)
                return r;
        return watch_dir(f, dir);
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
                r = watch_driver(f, name);
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

static int dev_attr(fake_sysfs *f, const char *address, const char *attr, const char *fmt, ...)
        _printf_(4, 5);
static int dev_attr(fake_sysfs *f, const char *address, const char *attr, const char *fmt, ...) {
        _cleanup_free_ char *rel = NULL, *content = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&content, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        r = asprintf_safe(&rel, PCI_PARENT "/%s/%s", address, attr);
        if (r < 0)
                return r;
        return write_rel(f, rel, content);
}

/* A PCI function with the attributes a kernel shows (and libpci or sd-device read). */
static int add_function(fake_sysfs *f, const char *address, uint16_t vendor, uint16_t device,
                        uint32_t class, const char *driver) {
        _cleanup_free_ char *dir = NULL, *rel = NULL, *target = NULL, *cfg_path = NULL;
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
        r = asprintf_safe(&cfg_path, "%s/config", dir);
        if (r < 0)
                return r;
        r = write_file(cfg_path, config, sizeof(config), 0644);
        if (r < 0)
                return r;

        r = asprintf_safe(&rel, PCI_PARENT "/%s/subsystem", address);
        if (r < 0)
                return r;
        r = symlink_rel(f, "../../../bus/pci", rel);
        if (r < 0)
                return r;
        free(rel);
        rel = NULL;
        r = asprintf_safe(&rel, "sys/bus/pci/devices/%s", address);
        if (r < 0)
                return r;
        r = asprintf_safe(&target, "../../../devices/pci0000:7c/%s", address);
        if (r < 0)
                return r;
        r = symlink_rel(f, target, rel);
        if (r < 0)
                return r;
        r = set_driver(f, address, driver);
        if (r < 0)
                return r;

        pthread_mutex_lock(&f->lock);
        r = watch_device(f, address);
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

static int read_pf(fake_sysfs *f, const char *pf, const char *attr, uint32_t *ret) {
        _cleanup_free_ char *p = NULL, *s = NULL;
        int r;

        r = asprintf_safe(&p, "%s/" PCI_PARENT "/%s/%s", f->root, pf, attr);
        if (r < 0)
                return r;
        r = read_one_line_file(p, &s);
        if (r < 0)
                return r;
        return safe_atou32(s, ret);
}

int fake_sysfs_add_vf(fake_sysfs *f, const char *pf_address, unsigned index, const char *address,
                      const char *driver, int iommu_group) {
        _cleanup_free_ char *rel = NULL, *target = NULL;
        uint16_t pf_device;
        uint32_t numvfs;
        hisi_kind kind;
        bool is_vf;
        int r;

        if (!f || !hisi_pci_address_valid(pf_address) || index > INT32_MAX)
                return -EINVAL;
        {
                _cleanup_free_ char *p = NULL, *s = NULL;

                r = asprintf_safe(&p, "%s/" PCI_PARENT "/%s/device", f->root, pf_address);
                if (r < 0)
                        return r;
                r = read_one_line_file(p, &s);
                if (r < 0)
                        return r;
                r = safe_atou16(s, &pf_device);
                if (r < 0)
                        return r;
        }
        kind = hisi_kind_from_device_id(pf_device, &is_vf);
        if (kind < 0 || is_vf)
                return -EINVAL;

        r = add_function(f, address, HISI_PCI_VENDOR_ID, hisi_kind_vf_device_id(kind), 0x120000,
                         driver);
        if (r < 0)
                return r;

        /* physfn and virtfnN, siblings under the same parent */
        r = asprintf_safe(&rel, PCI_PARENT "/%s/physfn", address);
        if (r < 0)
                return r;
        r = asprintf_safe(&target, "../%s", pf_address);
        if (r < 0)
                return r;
        r = symlink_rel(f, target, rel);
        if (r < 0)
                return r;
        free(rel);
        free(target);
        rel = target = NULL;
        r = asprintf_safe(&rel, PCI_PARENT "/%s/virtfn%u", pf_address, index);
        if (r < 0)
                return r;
        r = asprintf_safe(&target, "../%s", address);
        if (r < 0)
                return r;
        r = symlink_rel(f, target, rel);
        if (r < 0)
                return r;
        r = read_pf(f, pf_address, "sriov_numvfs", &numvfs);
        if (r < 0)
                return r;
        if (numvfs < index + 1) {
                r = dev_attr(f, pf_address, "sriov_numvfs", "%u\n", index + 1);
                if (r < 0)
                        return r;
        }

        if (iommu_group >= 0) {
                _cleanup_free_ char *gdir = NULL;

                r = asprintf_safe(&gdir, "%s/sys/kernel/iommu_groups/%d/devices", f->root,
                                  iommu_group);
                if (r < 0)
                        return r;
                r = mkdir_p(gdir, 0755);
                if (r < 0)
                        return r;
                free(rel);
                free(target);
                rel = target = NULL;
                r = asprintf_safe(&rel, "sys/kernel/iommu_groups/%d/devices/%s", iommu_group,
                                  address);
                if (r < 0)
                        return r;
                r = asprintf_safe(&target, "../../../../devices/pci0000:7c/%s", address);
                if (r < 0)
                        return r;
                r = symlink_rel(f, target, rel);
                if (r < 0)
                        return r;
                free(rel);
                free(target);
                rel = target = NULL;
                r = asprintf_safe(&rel, PCI_PARENT "/%s/iommu_group", address);
                if (r < 0)
                        return r;
                r = asprintf_safe(&target, "../../../kernel/iommu_groups/%d", iommu_group);
                if (r < 0)
                        return r;
                r = symlink_rel(f, target, rel);
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
        r = asprintf_safe(&p, "%s/" PCI_PARENT "/%s/%s", f->root, address, attr);
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
        _cleanup_free_ char *dir = NULL, *rel = NULL;
        uint32_t minor = 0;
        int r;

        if (!f || !hisi_pci_address_valid(address) || !name || !strneq(name, "vfio", 4) ||
            strchr(name, '/'))
                return -EINVAL;
        (void)safe_atou32(name + 4, &minor);
        r = asprintf_safe(&dir, "%s/" PCI_PARENT "/%s/vfio-dev/%s", f->root, address, name);
        if (r < 0)
                return r;
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return r;
        r = asprintf_safe(&rel, PCI_PARENT "/%s/vfio-dev/%s/dev", address, name);
        if (r < 0)
                return r;
        {
                _cleanup_free_ char *content = NULL;

                r = asprintf_safe(&content, "511:%u\n", minor);
                if (r < 0)
                        return r;
                r = write_rel(f, rel, content);
                if (r < 0)
                        return r;
        }
        free(rel);
        rel = NULL;
        r = asprintf_safe(&rel, "dev/vfio/devices/%s", name);
        if (r < 0)
                return r;
        return fake_sysfs_write_file(f, rel, "");
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
                _cleanup_free_ char *p = NULL;

                r = path_of(f, dirs[i], &p);
                if (r < 0)
                        return r;
                r = mkdir_p(p, 0755);
                if (r < 0)
                        return r;
        }
        r = write_rel(f, "sys/bus/pci/drivers_probe", "");
        if (r >= 0)
                r = write_rel(f, "sys/bus/pci/drivers_autoprobe", "1\n");
        if (r >= 0)
                r = write_rel(f, "sys/bus/pci/rescan", "");
        if (r >= 0)
                r = write_rel(f, "usr/share/misc/pci.ids", pci_ids);
        if (r < 0)
                return r;

        r = hisi_sim_pci_new(f->root, &fake_ops, f, &f->pci);
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

/* ---- The kernel thread ---- */

static void handle_sync(fake_sysfs *f, const char *name) {
        _cleanup_free_ char *p = NULL;
        uint64_t n;

        if (safe_atou64(name + STRLEN(SYNC_PREFIX), &n) < 0)
                return;
        if (asprintf_safe(&p, "%s/sys/bus/pci/%s", f->root, name) >= 0)
                (void)unlink(p);
        if (n > f->sync_done)
                f->sync_done = n;
        pthread_cond_broadcast(&f->cond);
}

/* A closed write: the value is what the file holds now (the model reads the rest itself). */
static void handle_write(fake_sysfs *f, const char *dir, const char *name) {
        _cleanup_free_ char *host_path = NULL, *p = NULL, *target = NULL;
        _cleanup_close_ int fd = -EBADF;
        hisi_sim_pci_attr attr;
        char *value;
        ssize_t n;

        if (asprintf_safe(&host_path, "%s/%s", dir, name) < 0)
                return;
        if (hisi_sim_pci_attr_from_path(host_path, &attr, &target) < 0)
                return;
        if (asprintf_safe(&p, "%s%s", f->root, host_path) < 0)
                return;
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return;
        value = malloc(VALUE_MAX);
        if (!value)
                return;
        n = loop_read(fd, value, VALUE_MAX);
        if (n >= 0)
                (void)hisi_sim_pci_write(f->pci, attr, target, value, (size_t)n);
        free(value);
}

static void handle_event(fake_sysfs *f, const struct inotify_event *ev) {
        const char *dir = NULL;

        if (!(ev->mask & IN_CLOSE_WRITE) || ev->len == 0)
                return;
        pthread_mutex_lock(&f->lock);
        for (size_t i = 0; i < f->n_watches; i++)
                if (f->watches[i].wd == ev->wd)
                        dir = f->watches[i].dir;
        if (dir && streq(dir, "/sys/bus/pci") && strneq(ev->name, SYNC_PREFIX, STRLEN(SYNC_PREFIX)))
                handle_sync(f, ev->name);
        else if (dir)
                handle_write(f, dir, ev->name);
        pthread_mutex_unlock(&f->lock);
}

static void *kernel_thread(void *userdata) {
        fake_sysfs *f = userdata;
        char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

        for (;;) {
                struct pollfd pfd[2] = {
                        { .fd = f->inotify_fd, .events = POLLIN },
                        { .fd = f->stop_fd, .events = POLLIN },
                };
                ssize_t n;

                if (poll(pfd, ELEMENTSOF(pfd), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (pfd[1].revents)
                        break;
                if (!(pfd[0].revents & POLLIN))
                        continue;
                n = read(f->inotify_fd, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        break;
                }
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)p;

                        handle_event(f, ev);
                        p += sizeof(*ev) + ev->len;
                }
        }
        return NULL;
}

static int add_existing_watches(fake_sysfs *f, const char *rel_dir, bool drivers) {
        _cleanup_free_ char *p = NULL;
        struct dirent *de;
        DIR *dir;
        int r;

        r = path_of(f, rel_dir, &p);
        if (r < 0)
                return r;
        dir = opendir(p);
        if (!dir)
                return negative_errno();
        while ((de = readdir(dir))) {
                if (de->d_name[0] == '.')
                        continue;
                r = drivers ? watch_driver(f, de->d_name) : watch_device(f, de->d_name);
                if (r < 0)
                        break;
        }
        closedir(dir);
        return r;
}

int fake_sysfs_start_kernel(fake_sysfs *f, const char *refuse_driver) {
        int r;

        if (!f)
                return -EINVAL;
        if (f->running)
                return -EBUSY;
        if (refuse_driver) {
                r = fake_sysfs_add_driver(f, refuse_driver);
                if (r < 0)
                        return r;
                r = hisi_sim_pci_set_probe_error(f->pci, refuse_driver, -EIO);
                if (r < 0)
                        return r;
        }

        f->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (f->inotify_fd < 0)
                return negative_errno();
        f->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (f->stop_fd < 0) {
                r = negative_errno();
                goto fail;
        }

        pthread_mutex_lock(&f->lock);
        f->running = true;
        r = watch_dir(f, "/sys/bus/pci");
        if (r >= 0)
                r = add_existing_watches(f, "sys/bus/pci/drivers", true);
        if (r >= 0)
                r = add_existing_watches(f, "sys/bus/pci/devices", false);
        if (r < 0)
                f->running = false;
        pthread_mutex_unlock(&f->lock);
        if (r < 0)
                goto fail;

        r = -pthread_create(&f->thread, NULL, kernel_thread, f);
        if (r < 0) {
                f->running = false;
                goto fail;
        }
        return 0;

fail:
        f->inotify_fd = safe_close(f->inotify_fd);
        f->stop_fd = safe_close(f->stop_fd);
        return r;
}

void fake_sysfs_stop_kernel(fake_sysfs *f) {
        uint64_t one = 1;

        if (!f || !f->running)
                return;
        (void)loop_write(f->stop_fd, &one, sizeof(one));
        pthread_join(f->thread, NULL);

        pthread_mutex_lock(&f->lock);
        f->running = false;
        for (size_t i = 0; i < f->n_watches; i++)
                free(f->watches[i].dir);
        free(f->watches);
        f->watches = NULL;
        f->n_watches = 0;
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);
        f->inotify_fd = safe_close(f->inotify_fd);
        f->stop_fd = safe_close(f->stop_fd);
}

int fake_sysfs_sync(fake_sysfs *f) {
        _cleanup_free_ char *rel = NULL;
        uint64_t ticket;
        int r;

        if (!f)
                return -EINVAL;
        pthread_mutex_lock(&f->lock);
        if (!f->running) {
                pthread_mutex_unlock(&f->lock);
                return 0;
        }
        ticket = ++f->sync_requested;
        pthread_mutex_unlock(&f->lock);

        r = asprintf_safe(&rel, "sys/bus/pci/" SYNC_PREFIX "%" PRIu64, ticket);
        if (r < 0)
                return r;
        r = write_rel(f, rel, "");
        if (r < 0)
                return r;

        pthread_mutex_lock(&f->lock);
        while (f->running && f->sync_done < ticket)
                pthread_cond_wait(&f->cond, &f->lock);
        r = f->sync_done >= ticket ? 0 : -ESHUTDOWN;
        pthread_mutex_unlock(&f->lock);
        return r;
}

int fake_sysfs_take_uevents(fake_sysfs *f, char **ret) {
        char *s;
        int r;

        if (!f || !ret)
                return -EINVAL;
        r = fake_sysfs_sync(f);
        if (r < 0)
                return r;
        pthread_mutex_lock(&f->lock);
        s = f->uevents ? TAKE_PTR(f->uevents) : strdup("");
        f->uevents_len = 0;
        pthread_mutex_unlock(&f->lock);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
