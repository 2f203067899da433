/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Discovery of HiSilicon accelerator PFs and VFs (see pci-device.h).
 *
 * Why libpci only names the device, and sysfs gives everything else, IDs included: libpci's
 * sysfs access method (lib/sysfs.c) scans the whole of /sys/bus/pci/devices to load one device,
 * and on any entry it cannot parse or any missing attribute (resource, irq, vendor, …) it calls
 * a->error(), whose default prints and exit()s; a library must never exit. We read the few
 * attributes we need from the device's own directory instead, through the context's root, and
 * hand libpci no access method at all (no pci_init(), so it never opens the tree). Name lookup
 * alone can still call a->error(): for a malformed pci.ids, or when libpci's allocator fails.
 * libpci declares that callback noreturn, so a callback that returns would be undefined
 * behaviour; ours longjmp()s back to the one guarded call, and the name falls back to the
 * numeric form libpci itself uses for unknown IDs ("Device 19e5:a251"). pci.ids is read under the
 * context's root too (libpci's compiled-in path, prefixed), so a fake root brings its own.
 *
 * The daemon reads a device again on every uevent of it: HISI_PCI_READ_NO_NAMES leaves libpci
 * out (a lookup costs ~50 ms a device) and names the device after its kind, so that a read is a
 * handful of small files and links.
 */

#include <assert.h>
#include <dirent.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "file-util.h"
#include "hisi/pci-device.h"
#include "macro.h"
#include "parse-util.h"

#define NAME_MAX_LEN 256

/* ---- Names through libpci ---- */

static _Thread_local jmp_buf *names_guard;

_noreturn_ _printf_(1, 2) static void names_error(char *msg, ...) {
        /* Only reached inside names_lookup(), which set the guard. */
        if (!names_guard)
                abort();
        longjmp(*names_guard, 1);
}

_printf_(1, 2) static void names_quiet(char *msg, ...) {
}

static void names_free(struct pci_access **pacc) {
        if (*pacc)
                pci_cleanup(*pacc);
        *pacc = NULL;
}

static int names_new(hisi_ctx *ctx, struct pci_access **ret) {
        struct pci_access *pacc;
        const char *root = hisi_ctx_root(ctx);

        pacc = pci_alloc();
        if (!pacc)
                return -ENOMEM;
        pacc->error = names_error;
        pacc->warning = names_quiet;
        pacc->debug = names_quiet;
        /* Names from pci.ids only: no ~/.pciids-cache, no DNS (the default mode would try the
         * cache for unknown IDs) and, through the lookup flags, no udev hwdb. */
        pacc->id_lookup_mode = 0;
        if (root[0] != '\0' && pacc->id_file_name) {
                char *ids = NULL;

                if (asprintf_safe(&ids, "%s%s", root, pacc->id_file_name) < 0) {
                        pci_cleanup(pacc);
                        return -ENOMEM;
                }
                pci_set_name_list_path(pacc, ids, 1);
        }
        *ret = pacc;
        return 0;
}

/* The one call into libpci that may reach names_error(). Nothing here is modified between
 * setjmp() and a longjmp() and read afterwards, so no local needs to be volatile. */
static int names_lookup(struct pci_access *pacc, uint16_t vendor, uint16_t device, char *buf,
                        size_t size) {
        jmp_buf env;
        char *s;

        if (setjmp(env) != 0) {
                names_guard = NULL;
                return -EIO;
        }
        names_guard = &env;
        s = pci_lookup_name(pacc, buf, (int)size,
                            PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_HWDB, (int)vendor,
                            (int)device);
        names_guard = NULL;
        /* libpci answers with a static message when the buffer is too small. */
        if (s != buf)
                return -ENOBUFS;
        return 0;
}

/* *pacc is created on first use; a failed lookup leaves libpci's state unknown, so it is
 * dropped and later devices get the numeric name too. */
static int device_name(hisi_ctx *ctx, struct pci_access **pacc, bool *names_broken, uint16_t vendor,
                       uint16_t device, char **ret) {
        char buf[NAME_MAX_LEN];
        char *name;
        int r = -EIO;

        if (!*names_broken) {
                if (!*pacc)
                        r = names_new(ctx, pacc);
                else
                        r = 0;
                if (r == -ENOMEM)
                        return r;
                if (r >= 0)
                        r = names_lookup(*pacc, vendor, device, buf, sizeof(buf));
                if (r < 0) {
                        names_free(pacc);
                        *names_broken = true;
                }
        }
        if (r < 0)
                snprintf(buf, sizeof(buf), "Device %04x:%04x", vendor, device);
        name = strdup(buf);
        if (!name)
                return -ENOMEM;
        *ret = name;
        return 0;
}

/* The name without pci.ids: "HiSilicon ZIP Engine", with " (Virtual Function)" for a VF. */
static int kind_name(hisi_kind kind, bool is_vf, char **ret) {
        static const char *const names[_HISI_KIND_MAX] = {
                [HISI_KIND_ZIP] = "ZIP",
                [HISI_KIND_SEC] = "SEC",
                [HISI_KIND_HPRE] = "HPRE",
        };

        assert(kind >= 0 && kind < _HISI_KIND_MAX);
        return asprintf_safe(ret, "HiSilicon %s Engine%s", names[kind],
                             is_vf ? " (Virtual Function)" : "");
}

/* ---- sysfs ---- */

static int dev_path(hisi_ctx *ctx, const char *address, const char *attr, char **ret) {
        if (attr)
                return hisi_ctx_pathf(ctx, ret, "/sys/bus/pci/devices/%s/%s", address, attr);
        return hisi_ctx_pathf(ctx, ret, "/sys/bus/pci/devices/%s", address);
}

/* What reader (read_one_line_file, readlink_basename) finds at a device's attribute; *ret NULL
 * when there is nothing. */
static int read_node(hisi_ctx *ctx, const char *address, const char *attr,
                     int (*reader)(const char *path, char **ret), char **ret) {
        _cleanup_free_ char *p = NULL;
        char *s = NULL;
        int r;

        r = dev_path(ctx, address, attr, &p);
        if (r < 0)
                return r;
        r = reader(p, &s);
        if (r < 0 && r != -ENOENT)
                return r;
        *ret = s;
        return 0;
}

/* An attribute's one line; *ret NULL when it does not exist. */
static int read_attr(hisi_ctx *ctx, const char *address, const char *attr, char **ret) {
        return read_node(ctx, address, attr, read_one_line_file, ret);
}

static int read_u16_attr(hisi_ctx *ctx, const char *address, const char *attr, uint16_t *ret) {
        _cleanup_free_ char *s = NULL;
        int r;

        r = read_attr(ctx, address, attr, &s);
        if (r < 0)
                return r;
        if (!s) /* the device went away, or is no PCI device */
                return -ENODEV;
        return safe_atou16(s, ret);
}

static int read_unsigned_attr(hisi_ctx *ctx, const char *address, const char *attr, unsigned *ret) {
        _cleanup_free_ char *s = NULL;
        uint32_t v = 0;
        int r;

        r = read_attr(ctx, address, attr, &s);
        if (r < 0)
                return r;
        if (s) {
                r = safe_atou32(s, &v);
                if (r < 0)
                        return r;
        }
        *ret = v;
        return 0;
}

/* The basename of a link in the device's directory; *ret NULL when there is none. */
static int read_link(hisi_ctx *ctx, const char *address, const char *attr, char **ret) {
        return read_node(ctx, address, attr, readlink_basename, ret);
}

/* N of the PF's virtfnN link that points at the VF; -1 when none does. */
static int find_vf_index(hisi_ctx *ctx, const char *pf, const char *vf, int *ret) {
        _cleanup_free_ char *dir_path = NULL;
        DIR *dir;
        struct dirent *de;
        int index = -1, r;

        r = dev_path(ctx, pf, NULL, &dir_path);
        if (r < 0)
                return r;
        dir = opendir(dir_path);
        if (!dir) {
                if (errno == ENOENT) {
                        *ret = -1;
                        return 0;
                }
                return negative_errno();
        }
        while ((de = readdir(dir))) {
                _cleanup_free_ char *link = NULL, *target = NULL;
                uint32_t n;

                if (!strneq(de->d_name, "virtfn", 6) || safe_atou32(de->d_name + 6, &n) < 0 ||
                    n > INT32_MAX)
                        continue;
                r = asprintf_safe(&link, "%s/%s", dir_path, de->d_name);
                if (r < 0)
                        break;
                if (readlink_basename(link, &target) < 0)
                        continue;
                if (streq(target, vf)) {
                        index = (int)n;
                        break;
                }
        }
        closedir(dir);
        if (r < 0)
                return r;
        *ret = index;
        return 0;
}

/* The first vfioN entry of vfio-dev/; *ret NULL when there is none. */
static int read_vfio_dev(hisi_ctx *ctx, const char *address, char **ret) {
        _cleanup_free_ char *p = NULL;
        DIR *dir;
        struct dirent *de;
        char *name = NULL;
        int r;

        r = dev_path(ctx, address, "vfio-dev", &p);
        if (r < 0)
                return r;
        dir = opendir(p);
        if (!dir) {
                if (errno != ENOENT && errno != ENOTDIR)
                        return negative_errno();
                *ret = NULL;
                return 0;
        }
        while ((de = readdir(dir)))
                if (strneq(de->d_name, "vfio", 4) && de->d_name[4] != '\0') {
                        name = strdup(de->d_name);
                        if (!name)
                                r = -ENOMEM;
                        break;
                }
        closedir(dir);
        if (r < 0)
                return r;
        *ret = name;
        return 0;
}

/* The kind of a device, from its IDs; -ENOTSUP when it is not an accelerator. */
static int read_kind(hisi_ctx *ctx, const char *address, uint16_t *ret_vendor, uint16_t *ret_device,
                     hisi_kind *ret_kind, bool *ret_is_vf) {
        uint16_t vendor, device;
        hisi_kind kind;
        bool is_vf;
        int r;

        r = read_u16_attr(ctx, address, "vendor", &vendor);
        if (r < 0)
                return r;
        if (vendor != HISI_PCI_VENDOR_ID)
                return -ENOTSUP;
        r = read_u16_attr(ctx, address, "device", &device);
        if (r < 0)
                return r;
        kind = hisi_kind_from_device_id(device, &is_vf);
        if (kind < 0)
                return -ENOTSUP;
        *ret_vendor = vendor;
        *ret_device = device;
        *ret_kind = kind;
        *ret_is_vf = is_vf;
        return 0;
}

static int dev_load(hisi_ctx *ctx, const char *address, unsigned flags, struct pci_access **pacc,
                    bool *names_broken, hisi_pci_dev *ret) {
        _cleanup_(hisi_pci_dev_done) hisi_pci_dev d = {
                .vf_index = -1,
                .iommu_group = -1,
        };
        _cleanup_free_ char *p = NULL, *s = NULL;
        struct stat st;
        int r;

        r = hisi_pci_address_normalize(address, d.address);
        if (r < 0)
                return r;
        r = dev_path(ctx, d.address, NULL, &p);
        if (r < 0)
                return r;
        if (stat(p, &st) < 0)
                return errno == ENOENT ? -ENODEV : negative_errno();
        if (!S_ISDIR(st.st_mode))
                return -ENODEV;

        r = read_kind(ctx, d.address, &d.vendor_id, &d.device_id, &d.kind, &d.is_vf);
        if (r < 0)
                return r;

        if (d.is_vf) {
                r = read_link(ctx, d.address, "physfn", &s);
                if (r < 0)
                        return r;
                if (s && hisi_pci_address_valid(s)) {
                        strcpy(d.pf_address, s);
                        if (!(flags & HISI_PCI_READ_NO_VF_INDEX)) {
                                r = find_vf_index(ctx, d.pf_address, d.address, &d.vf_index);
                                if (r < 0)
                                        return r;
                        }
                }
        } else {
                r = read_unsigned_attr(ctx, d.address, "sriov_numvfs", &d.sriov_numvfs);
                if (r < 0)
                        return r;
                r = read_unsigned_attr(ctx, d.address, "sriov_totalvfs", &d.sriov_totalvfs);
                if (r < 0)
                        return r;
        }

        r = read_link(ctx, d.address, "driver", &d.driver);
        if (r < 0)
                return r;

        /* The kernel shows "(null)" when unset; a fake tree may hold the "" or "\n" that
         * cleared it. */
        r = read_attr(ctx, d.address, "driver_override", &d.driver_override);
        if (r < 0)
                return r;
        if (d.driver_override &&
            (d.driver_override[0] == '\0' || streq(d.driver_override, "(null)"))) {
                free(d.driver_override);
                d.driver_override = NULL;
        }

        free(s);
        s = NULL;
        r = read_link(ctx, d.address, "iommu_group", &s);
        if (r < 0)
                return r;
        if (s && safe_atoi(s, &d.iommu_group) < 0)
                d.iommu_group = -1;

        r = read_vfio_dev(ctx, d.address, &d.vfio_dev);
        if (r < 0)
                return r;

        if (flags & HISI_PCI_READ_NO_NAMES)
                r = kind_name(d.kind, d.is_vf, &d.name);
        else
                r = device_name(ctx, pacc, names_broken, d.vendor_id, d.device_id, &d.name);
        if (r < 0)
                return r;

        *ret = d;
        memset(&d, 0, sizeof(d));
        return 0;
}

int hisi_pci_dev_read(hisi_ctx *ctx, const char *address, unsigned flags, hisi_pci_dev *ret) {
        _cleanup_(names_free) struct pci_access *pacc = NULL;
        bool names_broken = false;

        if (!ctx || !address || !ret || (flags & ~_HISI_PCI_READ_ALL) != 0)
                return -EINVAL;
        return dev_load(ctx, address, flags, &pacc, &names_broken, ret);
}

int hisi_pci_dev_load(hisi_ctx *ctx, const char *address, hisi_pci_dev *ret) {
        return hisi_pci_dev_read(ctx, address, 0, ret);
}

void hisi_pci_dev_done(hisi_pci_dev *dev) {
        if (!dev)
                return;
        free(dev->driver);
        free(dev->driver_override);
        free(dev->vfio_dev);
        free(dev->name);
        dev->driver = dev->driver_override = dev->vfio_dev = dev->name = NULL;
}

void hisi_pci_devs_free(hisi_pci_dev *devs, size_t n) {
        if (!devs)
                return;
        for (size_t i = 0; i < n; i++)
                hisi_pci_dev_done(&devs[i]);
        free(devs);
}

static int dev_compare(const void *a, const void *b) {
        return strcmp(((const hisi_pci_dev *)a)->address, ((const hisi_pci_dev *)b)->address);
}

typedef struct dev_list {
        hisi_pci_dev *devs;
        size_t n;
} dev_list;

static void dev_list_done(dev_list *l) {
        hisi_pci_devs_free(l->devs, l->n);
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

int hisi_pci_enumerate(hisi_ctx *ctx, hisi_pci_dev **ret_devs, size_t *ret_n) {
        _cleanup_(dev_list_done) dev_list list = {};
        _cleanup_(names_free) struct pci_access *pacc = NULL;
        _cleanup_(closedirp) DIR *dir = NULL;
        _cleanup_free_ char *p = NULL;
        bool names_broken = false;
        struct dirent *de;
        int r;

        if (!ctx || !ret_devs || !ret_n)
                return -EINVAL;
        r = hisi_ctx_path(ctx, "/sys/bus/pci/devices", &p);
        if (r < 0)
                return r;
        dir = opendir(p);
        if (!dir)
                return negative_errno();

        /* Cheap checks first (vendor, device), so that only accelerators cost a full load. */
        while ((errno = 0, de = readdir(dir))) {
                uint16_t vendor, device;
                hisi_kind kind;
                bool is_vf;
                hisi_pci_dev *n;

                if (!hisi_pci_address_valid(de->d_name))
                        continue;
                r = read_kind(ctx, de->d_name, &vendor, &device, &kind, &is_vf);
                if (r == -ENOTSUP || r == -ENODEV || r == -EINVAL || r == -ERANGE)
                        continue;
                if (r < 0)
                        return r;

                n = reallocarray(list.devs, list.n + 1, sizeof(*list.devs));
                if (!n)
                        return -ENOMEM;
                list.devs = n;
                r = dev_load(ctx, de->d_name, 0, &pacc, &names_broken, &list.devs[list.n]);
                if (r == -ENODEV || r == -ENOTSUP) /* gone meanwhile */
                        continue;
                if (r < 0)
                        return r;
                list.n++;
        }
        if (errno != 0)
                return negative_errno();

        if (list.n > 0)
                qsort(list.devs, list.n, sizeof(*list.devs), dev_compare);
        *ret_devs = TAKE_PTR(list.devs);
        *ret_n = list.n;
        list.n = 0;
        return 0;
}
