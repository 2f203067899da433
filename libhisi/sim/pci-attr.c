/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pure half of the PCI core model (see pci-core.h): which attribute a path names, the drivers
 * of a HiSilicon host and how pci_match_device() matches them, and how the stores parse what is
 * written (driver_set_override(), kstrtoul()). No I/O.
 */

#include <stdlib.h>
#include <string.h>

#include "hisi/kind.h"
#include "hisi/pci-address.h"
#include "macro.h"
#include "pci-core-internal.h"
#include "pci-core.h"

/* The kernel refuses a driver_override of PAGE_SIZE - 1 bytes or more. */
#define OVERRIDE_PAGE_SIZE 4096

static const char *const attr_table[_HISI_SIM_PCI_ATTR_MAX] = {
        [HISI_SIM_PCI_DRIVER_OVERRIDE] = "driver_override",
        [HISI_SIM_PCI_DRIVER_BIND] = "bind",
        [HISI_SIM_PCI_DRIVER_UNBIND] = "unbind",
        [HISI_SIM_PCI_DRIVERS_PROBE] = "drivers_probe",
        [HISI_SIM_PCI_SRIOV_NUMVFS] = "sriov_numvfs",
        [HISI_SIM_PCI_REMOVE] = "remove",
        [HISI_SIM_PCI_RESET] = "reset",
};

const char *hisi_sim_pci_attr_to_string(hisi_sim_pci_attr attr) {
        if (attr < 0 || attr >= _HISI_SIM_PCI_ATTR_MAX)
                return NULL;
        return attr_table[attr];
}

/* The IDs are the facts page's (section 3.1); the host drivers also take their VFs. */
const hisi_sim_pci_driver hisi_sim_pci_host_drivers[] = {
        { .name = "hisi_zip",
          .ids = { { 0x19e5, 0xa250 }, { 0x19e5, 0xa251 } },
          .n_ids = 2,
          .sriov_configure = true },
        { .name = "hisi_sec2",
          .ids = { { 0x19e5, 0xa255 }, { 0x19e5, 0xa256 } },
          .n_ids = 2,
          .sriov_configure = true },
        { .name = "hisi_hpre",
          .ids = { { 0x19e5, 0xa258 }, { 0x19e5, 0xa259 } },
          .n_ids = 2,
          .sriov_configure = true },
        { .name = HISI_VFIO_DRIVER,
          .ids = { { 0x19e5, 0xa251, true }, { 0x19e5, 0xa256, true }, { 0x19e5, 0xa259, true } },
          .n_ids = 3 },
        { .name = "vfio-pci", .sriov_configure = true },
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

static unsigned digit_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return 16;
}

/* lib/kstrtox.c: the store gets the bytes NUL-terminated, so the number ends at the first NUL;
 * _parse_integer_fixup_radix() takes "0x" as hex only when a hex digit follows. */
int hisi_sim_pci_parse_ulong(const char *value, size_t len, uint64_t max, uint64_t *ret) {
        size_t i = 0, n;
        unsigned base = 10;
        uint64_t v = 0;
        bool digits = false;

        if (!value || !ret)
                return -EINVAL;
        n = strnlen(value, len);
        if (i < n && value[i] == '+')
                i++;
        if (i + 2 < n && value[i] == '0' && (value[i + 1] == 'x' || value[i + 1] == 'X') &&
            digit_value(value[i + 2]) < 16) {
                base = 16;
                i += 2;
        } else if (i < n && value[i] == '0')
                base = 8;
        for (; i < n; i++) {
                unsigned d = digit_value(value[i]);

                if (d >= base)
                        break;
                if (v > (UINT64_MAX - d) / base)
                        return -ERANGE;
                v = v * base + d;
                digits = true;
        }
        if (!digits)
                return -EINVAL;
        if (i < n && value[i] == '\n')
                i++;
        if (i < n)
                return -EINVAL;
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

bool pci_driver_name_valid(const char *s) {
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

        if (streq(attr, "driver_override") || streq(attr, "sriov_numvfs") ||
            streq(attr, "remove") || streq(attr, "reset")) {
                address = device_dir_address(copy);
                if (!address)
                        return -EOPNOTSUPP;
                a = streq(attr, "driver_override") ? HISI_SIM_PCI_DRIVER_OVERRIDE
                    : streq(attr, "sriov_numvfs")  ? HISI_SIM_PCI_SRIOV_NUMVFS
                    : streq(attr, "remove")        ? HISI_SIM_PCI_REMOVE
                                                   : HISI_SIM_PCI_RESET;
                name = strdup(address);
                if (!name)
                        return -ENOMEM;
        } else if (streq(attr, "bind") || streq(attr, "unbind")) {
                a = streq(attr, "bind") ? HISI_SIM_PCI_DRIVER_BIND : HISI_SIM_PCI_DRIVER_UNBIND;
                owner = strrchr(copy, '/');
                if (!owner)
                        return -EOPNOTSUPP;
                *owner++ = '\0';
                if (streq(copy, "/sys/bus/pci/drivers") && pci_driver_name_valid(owner)) {
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
