/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PCI core model's view of a tree (see pci-core.h): reading a device's attributes and links
 * under <root>/sys, and the ops for a plain directory tree (relative symlinks, as sysfs has them).
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file-util.h"
#include "hisi/pci-address.h"
#include "macro.h"
#include "parse-util.h"
#include "pci-core-internal.h"
#include "pci-core.h"

/* ---- Reading the tree ---- */

int pci_tree_device_path(const char *root, const char *address, const char *attr, char **ret) {
        if (attr)
                return asprintf_safe(ret, "%s/sys/bus/pci/devices/%s/%s", root, address, attr);
        return asprintf_safe(ret, "%s/sys/bus/pci/devices/%s", root, address);
}

int pci_tree_device_exists(const char *root, const char *address) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        int r;

        r = pci_tree_device_path(root, address, NULL, &p);
        if (r < 0)
                return r;
        if (stat(p, &st) < 0)
                return errno == ENOENT ? -ENODEV : negative_errno();
        return S_ISDIR(st.st_mode) ? 0 : -ENODEV;
}

int pci_tree_read_u16(const char *root, const char *address, const char *attr, uint16_t *ret) {
        _cleanup_free_ char *p = NULL, *s = NULL;
        int r;

        r = pci_tree_device_path(root, address, attr, &p);
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
int pci_tree_read_override(const char *root, const char *address, char **ret) {
        _cleanup_free_ char *p = NULL, *s = NULL;
        char *v = NULL;
        int r;

        r = pci_tree_device_path(root, address, "driver_override", &p);
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
int pci_tree_read_driver(const char *root, const char *address, char **ret) {
        _cleanup_free_ char *p = NULL;
        char *d = NULL;
        int r;

        r = pci_tree_device_path(root, address, "driver", &p);
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

        r = pci_tree_device_path(root, address, NULL, &p);
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

        if (!root || !hisi_pci_address_valid(address) || !pci_driver_name_valid(driver))
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

        if (!root || !hisi_pci_address_valid(address) || !pci_driver_name_valid(driver))
                return -EINVAL;
        r = pci_tree_device_path(root, address, "driver", &link);
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
