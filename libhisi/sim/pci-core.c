/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PCI core's reaction to sysfs writes (see pci-core.h): driver matching as
 * pci_match_device() does it, driver_set_override(), and the bind, unbind and drivers_probe
 * stores of drivers/base/bus.c, applied to a tree through an ops table.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file-util.h"
#include "hisi/kind.h"
#include "macro.h"
#include "parse-util.h"
#include "hisi/pci-address.h"
#include "pci-core.h"

/* The kernel refuses a driver_override of PAGE_SIZE - 1 bytes or more. */
#define OVERRIDE_PAGE_SIZE 4096

struct hisi_sim_pci {
        char *root;
        hisi_sim_pci_ops ops;
        void *userdata;
        hisi_sim_pci_driver *drivers; /* in probe order; names owned */
        size_t n_drivers;
};

static const char *const attr_table[_HISI_SIM_PCI_ATTR_MAX] = {
        [HISI_SIM_PCI_DRIVER_OVERRIDE] = "driver_override",
        [HISI_SIM_PCI_DRIVER_BIND] = "bind",
        [HISI_SIM_PCI_DRIVER_UNBIND] = "unbind",
        [HISI_SIM_PCI_DRIVERS_PROBE] = "drivers_probe",
        [HISI_SIM_PCI_SRIOV_NUMVFS] = "sriov_numvfs",
};

const char *hisi_sim_pci_attr_to_string(hisi_sim_pci_attr attr) {
        if (attr < 0 || attr >= _HISI_SIM_PCI_ATTR_MAX)
                return NULL;
        return attr_table[attr];
}

/* The IDs are the facts page's (section 3.1); the host drivers also take their VFs. */
const hisi_sim_pci_driver hisi_sim_pci_host_drivers[] = {
        { .name = "hisi_zip", .ids = { { 0x19e5, 0xa250 }, { 0x19e5, 0xa251 } }, .n_ids = 2 },
        { .name = "hisi_sec2", .ids = { { 0x19e5, 0xa255 }, { 0x19e5, 0xa256 } }, .n_ids = 2 },
        { .name = "hisi_hpre", .ids = { { 0x19e5, 0xa258 }, { 0x19e5, 0xa259 } }, .n_ids = 2 },
        { .name = HISI_VFIO_DRIVER,
          .ids = { { 0x19e5, 0xa251, true }, { 0x19e5, 0xa256, true }, { 0x19e5, 0xa259, true } },
          .n_ids = 3 },
        { .name = "vfio-pci" },
};
const size_t hisi_sim_pci_n_host_drivers = ELEMENTSOF(hisi_sim_pci_host_drivers);

const hisi_sim_pci_driver *hisi_sim_pci_host_driver(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < hisi_sim_pci_n_host_drivers; i++)
                if (streq(hisi_sim_pci_host_drivers[i].name, name))
                        return &hisi_sim_pci_host_drivers[i];
        return NULL;
}

bool hisi_sim_pci_match(const hisi_sim_pci_driver *drv, uint16_t vendor, uint16_t device,
                        const char *override) {
        if (!drv)
                return false;
        if (override && !streq(override, drv->name))
                return false;
        for (size_t i = 0; i < drv->n_ids && i < HISI_SIM_PCI_IDS_MAX; i++) {
                const hisi_sim_pci_id *id = &drv->ids[i];

                if (id->vendor != vendor || id->device != device)
                        continue;
                if (!id->override_only || override)
                        return true;
        }
        return override != NULL;
}

int hisi_sim_pci_override_parse(const char *value, size_t len, char **ret) {
        size_t n;
        char *s;

        if (!value || !ret)
                return -EINVAL;
        if (len >= OVERRIDE_PAGE_SIZE - 1)
                return -EINVAL;
        n = strnlen(value, len);
        s = memchr(value, '\n', n);
        if (s)
                n = (size_t)(s - value);
        if (n == 0) {
                *ret = NULL;
                return 0;
        }
        s = strndup(value, n);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static bool driver_name_valid(const char *s) {
        return s && s[0] != '\0' && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..");
}

/* A device directory as a writer may spell it: /sys/bus/pci/devices/<address> or the real
 * /sys/devices/.../<address>. Cuts dir at its last slash and returns the address. */
static const char *device_dir_address(char *dir) {
        char *address = strrchr(dir, '/');

        if (!address)
                return NULL;
        *address++ = '\0';
        if (!hisi_pci_address_valid(address))
                return NULL;
        if (!streq(dir, "/sys/bus/pci/devices") && !strneq(dir, "/sys/devices/", 13))
                return NULL;
        return address;
}

int hisi_sim_pci_attr_from_path(const char *path, hisi_sim_pci_attr *ret_attr, char **ret_name) {
        _cleanup_free_ char *copy = NULL;
        const char *address;
        char *attr, *owner, *name = NULL;
        hisi_sim_pci_attr a;

        if (!path || !ret_attr || !ret_name)
                return -EINVAL;
        if (streq(path, "/sys/bus/pci/drivers_probe")) {
                *ret_attr = HISI_SIM_PCI_DRIVERS_PROBE;
                *ret_name = NULL;
                return 0;
        }
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;

        /* "<dir>/<attr>" */
        attr = strrchr(copy, '/');
        if (!attr)
                return -EOPNOTSUPP;
        *attr++ = '\0';

        if (streq(attr, "driver_override") || streq(attr, "sriov_numvfs")) {
                address = device_dir_address(copy);
                if (!address)
                        return -EOPNOTSUPP;
                a = streq(attr, "driver_override") ? HISI_SIM_PCI_DRIVER_OVERRIDE
                                                   : HISI_SIM_PCI_SRIOV_NUMVFS;
                name = strdup(address);
                if (!name)
                        return -ENOMEM;
        } else if (streq(attr, "bind") || streq(attr, "unbind")) {
                a = streq(attr, "bind") ? HISI_SIM_PCI_DRIVER_BIND : HISI_SIM_PCI_DRIVER_UNBIND;
                owner = strrchr(copy, '/');
                if (!owner)
                        return -EOPNOTSUPP;
                *owner++ = '\0';
                if (streq(copy, "/sys/bus/pci/drivers") && driver_name_valid(owner)) {
                        name = strdup(owner);
                        if (!name)
                                return -ENOMEM;
                } else if (a == HISI_SIM_PCI_DRIVER_UNBIND && streq(owner, "driver")) {
                        /* <device>/driver/unbind, through the link: whichever driver the
                         * device has. */
                        if (!device_dir_address(copy))
                                return -EOPNOTSUPP;
                } else
                        return -EOPNOTSUPP;
        } else
                return -EOPNOTSUPP;

        *ret_attr = a;
        *ret_name = name;
        return 0;
}

/* ---- Reading the tree ---- */

static int device_path(const char *root, const char *address, const char *attr, char **ret) {
        if (attr)
                return asprintf_safe(ret, "%s/sys/bus/pci/devices/%s/%s", root, address, attr);
        return asprintf_safe(ret, "%s/sys/bus/pci/devices/%s", root, address);
}

static int device_exists(const char *root, const char *address) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        int r;

        r = device_path(root, address, NULL, &p);
        if (r < 0)
                return r;
        if (stat(p, &st) < 0)
                return errno == ENOENT ? -ENODEV : negative_errno();
        return S_ISDIR(st.st_mode) ? 0 : -ENODEV;
}

static int device_read_id(const char *root, const char *address, const char *attr, uint16_t *ret) {
        _cleanup_free_ char *p = NULL, *s = NULL;
        int r;

        r = device_path(root, address, attr, &p);
        if (r < 0)
                return r;
        r = read_one_line_file(p, &s);
        if (r < 0)
                return r == -ENOENT ? -ENODEV : r;
        return safe_atou16(s, ret);
}

/* The override the device has now: NULL when none. The file holds the kernel's "(null)" until
 * something is written, then the last value written; a value the kernel would have refused
 * counts as none (see pci-core.h). A missing attribute is no override. */
static int device_read_override(const char *root, const char *address, char **ret) {
        _cleanup_free_ char *p = NULL, *s = NULL;
        char *v = NULL;
        int r;

        r = device_path(root, address, "driver_override", &p);
        if (r < 0)
                return r;
        r = read_one_line_file(p, &s);
        if (r == -ENOENT || r == -EFBIG || r == -EBADMSG) {
                *ret = NULL;
                return 0;
        }
        if (r < 0)
                return r;
        if (!streq(s, "(null)")) {
                r = hisi_sim_pci_override_parse(s, strlen(s), &v);
                if (r == -ENOMEM)
                        return r;
        }
        *ret = v;
        return 0;
}

/* The bound driver's name, NULL when unbound. */
static int device_read_driver(const char *root, const char *address, char **ret) {
        _cleanup_free_ char *p = NULL;
        char *d = NULL;
        int r;

        r = device_path(root, address, "driver", &p);
        if (r < 0)
                return r;
        r = readlink_basename(p, &d);
        if (r < 0 && r != -ENOENT)
                return r;
        *ret = d;
        return 0;
}

/* ---- The plain-tree ops ---- */

/* The device's real directory relative to <root>/sys ("devices/pci0000:7c/0000:7d:00.1"), so
 * that the links are relative, like sysfs's. */
static int device_sys_relpath(const char *root, const char *address, char **ret) {
        _cleanup_free_ char *p = NULL, *sys = NULL, *real_dev = NULL, *real_sys = NULL;
        size_t n;
        char *rel;
        int r;

        r = device_path(root, address, NULL, &p);
        if (r < 0)
                return r;
        r = asprintf_safe(&sys, "%s/sys", root);
        if (r < 0)
                return r;
        real_dev = realpath(p, NULL);
        if (!real_dev)
                return errno == ENOENT ? -ENODEV : negative_errno();
        real_sys = realpath(sys, NULL);
        if (!real_sys)
                return negative_errno();
        n = strlen(real_sys);
        if (!strneq(real_dev, real_sys, n) || real_dev[n] != '/')
                return -EXDEV;
        rel = strdup(real_dev + n + 1);
        if (!rel)
                return -ENOMEM;
        *ret = rel;
        return 0;
}

static int updirs(const char *rel, char **ret) {
        size_t depth = 1;
        char *s;

        for (const char *c = rel; *c; c++)
                if (*c == '/')
                        depth++;
        s = malloc(depth * 3 + 1);
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < depth; i++)
                memcpy(s + i * 3, "../", 3);
        s[depth * 3] = '\0';
        *ret = s;
        return 0;
}

/* Replace a symlink atomically, so that a reader never sees it missing. */
static int symlink_replace(const char *target, const char *path) {
        _cleanup_free_ char *tmp = NULL;
        int r;

        r = asprintf_safe(&tmp, "%s.tmp-link", path);
        if (r < 0)
                return r;
        (void)unlink(tmp);
        if (symlink(target, tmp) < 0)
                return negative_errno();
        if (rename(tmp, path) < 0) {
                r = negative_errno();
                (void)unlink(tmp);
                return r;
        }
        return 0;
}

int hisi_sim_pci_tree_set_driver_link(const char *root, const char *address, const char *driver,
                                      void *userdata) {
        _cleanup_free_ char *rel = NULL, *up = NULL, *target = NULL, *link = NULL;
        _cleanup_free_ char *back_target = NULL, *back_link = NULL;
        int r;

        if (!root || !hisi_pci_address_valid(address) || !driver_name_valid(driver))
                return -EINVAL;
        r = device_sys_relpath(root, address, &rel);
        if (r < 0)
                return r;
        r = updirs(rel, &up);
        if (r < 0)
                return r;

        /* <device>/driver -> ../../../bus/pci/drivers/<driver> */
        r = asprintf_safe(&target, "%sbus/pci/drivers/%s", up, driver);
        if (r < 0)
                return r;
        r = asprintf_safe(&link, "%s/sys/%s/driver", root, rel);
        if (r < 0)
                return r;
        r = symlink_replace(target, link);
        if (r < 0)
                return r;

        /* drivers/<driver>/<address> -> ../../../../devices/.../<address> */
        r = asprintf_safe(&back_target, "../../../../%s", rel);
        if (r < 0)
                return r;
        r = asprintf_safe(&back_link, "%s/sys/bus/pci/drivers/%s/%s", root, driver, address);
        if (r < 0)
                return r;
        return symlink_replace(back_target, back_link);
}

int hisi_sim_pci_tree_remove_driver_link(const char *root, const char *address, const char *driver,
                                         void *userdata) {
        _cleanup_free_ char *link = NULL, *back_link = NULL;
        int r;

        if (!root || !hisi_pci_address_valid(address) || !driver_name_valid(driver))
                return -EINVAL;
        r = device_path(root, address, "driver", &link);
        if (r < 0)
                return r;
        if (unlink(link) < 0 && errno != ENOENT)
                return negative_errno();
        r = asprintf_safe(&back_link, "%s/sys/bus/pci/drivers/%s/%s", root, driver, address);
        if (r < 0)
                return r;
        if (unlink(back_link) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

const hisi_sim_pci_ops hisi_sim_pci_tree_ops = {
        .set_driver_link = hisi_sim_pci_tree_set_driver_link,
        .remove_driver_link = hisi_sim_pci_tree_remove_driver_link,
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

        if (!pci || !drv || !driver_name_valid(drv->name) || drv->n_ids > HISI_SIM_PCI_IDS_MAX ||
            drv->probe_error > 0)
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

        r = device_read_id(pci->root, address, "vendor", &vendor);
        if (r < 0)
                return r;
        r = device_read_id(pci->root, address, "device", &device);
        if (r < 0)
                return r;
        r = device_read_override(pci->root, address, &override);
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
        r = device_exists(pci->root, address);
        if (r < 0)
                return r;
        r = device_match(pci, drv, address, &match);
        if (r < 0)
                return r;
        if (!match)
                return -ENODEV;
        r = device_read_driver(pci->root, address, &cur);
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
        r = device_exists(pci->root, address);
        if (r < 0)
                return r;
        r = device_read_driver(pci->root, address, &cur);
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

        r = device_exists(pci->root, address);
        if (r < 0)
                return r;
        r = device_read_driver(pci->root, address, &cur);
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

/* driver_override_store(): setting it only validates and stores (the file holds it); it neither
 * unbinds nor probes. */
static int write_override(hisi_sim_pci *pci, const char *address, const char *value, size_t len) {
        _cleanup_free_ char *v = NULL;
        int r;

        r = device_exists(pci->root, address);
        if (r < 0)
                return r;
        return hisi_sim_pci_override_parse(value, len, &v);
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
                /* Creating and removing VFs needs add/remove-device ops; not modelled yet. */
                return -EOPNOTSUPP;
        case _HISI_SIM_PCI_ATTR_MAX:
        case _HISI_SIM_PCI_ATTR_INVALID:
                break;
        }
        return -EINVAL;
}
