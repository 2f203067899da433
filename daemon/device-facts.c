/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the daemon reads about one HiSilicon PF or VF (see device-facts.h). */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "device-facts.h"
#include "file-util.h"
#include "parse-util.h"

void device_facts_done(DeviceFacts *f) {
        if (!f)
                return;
        free(f->driver);
        free(f->driver_override);
        free(f->vfio_dev);
        free(f->name);
        f->driver = f->driver_override = f->vfio_dev = f->name = NULL;
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* The basename of a link in the device's directory; *ret NULL when there is none. */
static int read_link(const char *syspath, const char *name, char **ret) {
        _cleanup_free_ char *p = NULL;
        char *s = NULL;
        int r;

        r = asprintf_safe(&p, "%s/%s", syspath, name);
        if (r < 0)
                return r;
        r = readlink_basename(p, &s);
        if (r < 0 && r != -ENOENT)
                return r;
        *ret = s;
        return 0;
}

static int read_u16(sd_device *d, const char *attr, uint16_t *ret) {
        const char *s;
        int r;

        r = sd_device_get_sysattr_value(d, attr, &s);
        if (r == -ENOENT)
                return -ENODEV; /* gone, or no PCI device */
        if (r < 0)
                return r;
        return safe_atou16(s, ret);
}

static unsigned read_unsigned(sd_device *d, const char *attr) {
        const char *s;
        uint32_t v;

        if (sd_device_get_sysattr_value(d, attr, &s) < 0 || safe_atou32(s, &v) < 0)
                return 0;
        return v;
}

/* N of the PF's virtfnN link that points at this VF; -1 when none does. */
static int find_vf_index(const char *syspath, const char *address) {
        _cleanup_(closedirp) DIR *dir = NULL;
        _cleanup_free_ char *pf = NULL;
        struct dirent *de;

        if (asprintf_safe(&pf, "%s/physfn", syspath) < 0)
                return -1;
        dir = opendir(pf);
        if (!dir)
                return -1;
        while ((de = readdir(dir))) {
                _cleanup_free_ char *target = NULL;
                uint32_t n;

                if (!strneq(de->d_name, "virtfn", 6) || safe_atou32(de->d_name + 6, &n) < 0 ||
                    n > INT32_MAX)
                        continue;
                if (read_link(pf, de->d_name, &target) < 0 || !target)
                        continue;
                if (streq(target, address))
                        return (int)n;
        }
        return -1;
}

/* The first vfioN entry of vfio-dev/; *ret NULL when there is none. */
static int read_vfio_dev(const char *syspath, char **ret) {
        _cleanup_(closedirp) DIR *dir = NULL;
        _cleanup_free_ char *p = NULL;
        struct dirent *de;
        int r;

        r = asprintf_safe(&p, "%s/vfio-dev", syspath);
        if (r < 0)
                return r;
        *ret = NULL;
        dir = opendir(p);
        if (!dir)
                return errno == ENOENT || errno == ENOTDIR ? 0 : negative_errno();
        while ((de = readdir(dir)))
                if (strneq(de->d_name, "vfio", 4) && de->d_name[4] != '\0') {
                        *ret = strdup(de->d_name);
                        return *ret ? 0 : -ENOMEM;
                }
        return 0;
}

static char *default_name(hisi_kind kind, bool is_vf) {
        static const char *const names[_HISI_KIND_MAX] = {
                [HISI_KIND_ZIP] = "ZIP",
                [HISI_KIND_SEC] = "SEC",
                [HISI_KIND_HPRE] = "HPRE",
        };
        char *s = NULL;

        if (asprintf(&s, "HiSilicon %s Engine%s", names[kind], is_vf ? " (Virtual Function)" : "") <
            0)
                return NULL;
        return s;
}

int device_facts_read(sd_device *d, bool with_vf_index, DeviceFacts *ret) {
        _cleanup_(device_facts_done) DeviceFacts f = {
                .vf_index = -1,
                .iommu_group = -1,
        };
        _cleanup_free_ char *group = NULL, *pf = NULL;
        const char *subsystem, *sysname, *syspath, *s;
        uint16_t vendor;
        int r;

        if (!d || !ret)
                return -EINVAL;
        if (sd_device_get_subsystem(d, &subsystem) < 0 || !streq(subsystem, "pci"))
                return -ENOTSUP;
        r = sd_device_get_sysname(d, &sysname);
        if (r < 0)
                return r;
        r = sd_device_get_syspath(d, &syspath);
        if (r < 0)
                return r;
        if (!hisi_pci_address_valid(sysname))
                return -ENOTSUP;
        strcpy(f.address, sysname);

        r = read_u16(d, "vendor", &vendor);
        if (r < 0)
                return r;
        if (vendor != HISI_PCI_VENDOR_ID)
                return -ENOTSUP;
        r = read_u16(d, "device", &f.device_id);
        if (r < 0)
                return r;
        f.kind = hisi_kind_from_device_id(f.device_id, &f.is_vf);
        if (f.kind < 0)
                return -ENOTSUP;

        if (sd_device_get_driver(d, &s) >= 0 && s[0] != '\0') {
                f.driver = strdup(s);
                if (!f.driver)
                        return -ENOMEM;
        }
        /* The kernel shows "(null)" when unset; a plain file may hold "" after a clear. */
        if (sd_device_get_sysattr_value(d, "driver_override", &s) >= 0 && s[0] != '\0' &&
            !streq(s, "(null)")) {
                f.driver_override = strdup(s);
                if (!f.driver_override)
                        return -ENOMEM;
        }
        r = read_link(syspath, "iommu_group", &group);
        if (r < 0)
                return r;
        if (group && safe_atoi(group, &f.iommu_group) < 0)
                f.iommu_group = -1;
        r = read_vfio_dev(syspath, &f.vfio_dev);
        if (r < 0)
                return r;

        if (f.is_vf) {
                r = read_link(syspath, "physfn", &pf);
                if (r < 0)
                        return r;
                if (pf && hisi_pci_address_valid(pf)) {
                        strcpy(f.pf_address, pf);
                        if (with_vf_index)
                                f.vf_index = find_vf_index(syspath, f.address);
                }
        } else {
                f.sriov_numvfs = read_unsigned(d, "sriov_numvfs");
                f.sriov_totalvfs = read_unsigned(d, "sriov_totalvfs");
        }

        if (sd_device_get_property_value(d, "ID_MODEL_FROM_DATABASE", &s) >= 0 && s[0] != '\0')
                f.name = strdup(s);
        else
                f.name = default_name(f.kind, f.is_vf);
        if (!f.name)
                return -ENOMEM;

        *ret = f;
        f = (DeviceFacts){};
        return 0;
}

int device_facts_read_address(const char *address, bool with_vf_index, DeviceFacts *ret) {
        sd_device *d = NULL;
        int r;

        if (!address || !hisi_pci_address_valid(address))
                return -EINVAL;
        r = sd_device_new_from_subsystem_sysname(&d, "pci", address);
        if (r < 0)
                return r == -ENOENT ? -ENODEV : r;
        r = device_facts_read(d, with_vf_index, ret);
        sd_device_unref(d);
        return r;
}
