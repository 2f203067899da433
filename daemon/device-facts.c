/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the daemon reads about one HiSilicon PF or VF (see device-facts.h). */

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <systemd/sd-device.h>

#include "device-facts.h"
#include "macro.h"

/* The udev hwdb's name of the device, as udev recorded it; NULL when udev has none. */
static char *hwdb_name(const char *address) {
        sd_device *d = NULL;
        const char *s;
        char *name = NULL;

        if (sd_device_new_from_subsystem_sysname(&d, "pci", address) < 0)
                return NULL;
        if (sd_device_get_property_value(d, "ID_MODEL_FROM_DATABASE", &s) >= 0 && s[0] != '\0')
                name = strdup(s);
        sd_device_unref(d);
        return name;
}

int device_facts_read(hisi_ctx *ctx, const char *address, bool with_vf_index, hisi_pci_dev *ret) {
        _cleanup_(hisi_pci_dev_done) hisi_pci_dev f = {};
        char *name;
        int r;

        assert(ctx);
        assert(address);
        assert(ret);

        r = hisi_pci_dev_read(
                ctx, address,
                HISI_PCI_READ_NO_NAMES | (with_vf_index ? 0 : HISI_PCI_READ_NO_VF_INDEX), &f);
        if (r < 0)
                return r;
        /* Without a hwdb entry (or memory for it), the kind's name libhisi gave stays. */
        name = hwdb_name(f.address);
        if (name) {
                free(f.name);
                f.name = name;
        }
        *ret = f;
        f = (hisi_pci_dev){};
        return 0;
}
