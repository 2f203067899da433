/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The table of HiSilicon accelerator kinds and their PCI IDs (facts page, section 3.1). */

#include <assert.h>
#include <strings.h>

#include "hisi/kind.h"
#include "macro.h"

static const struct {
        const char *name;
        uint16_t pf_device_id;
        uint16_t vf_device_id;
        const char *host_driver;
} kind_table[_HISI_KIND_MAX] = {
        [HISI_KIND_ZIP] = { "zip", 0xa250, 0xa251, "hisi_zip" },
        [HISI_KIND_SEC] = { "sec", 0xa255, 0xa256, "hisi_sec2" },
        [HISI_KIND_HPRE] = { "hpre", 0xa258, 0xa259, "hisi_hpre" },
};

const char *hisi_kind_to_string(hisi_kind kind) {
        if (kind < 0 || kind >= _HISI_KIND_MAX)
                return NULL;
        return kind_table[kind].name;
}

hisi_kind hisi_kind_from_string(const char *s) {
        if (!s)
                return _HISI_KIND_INVALID;
        for (hisi_kind k = 0; k < _HISI_KIND_MAX; k++)
                if (strcasecmp(s, kind_table[k].name) == 0)
                        return k;
        return _HISI_KIND_INVALID;
}

hisi_kind hisi_kind_from_device_id(uint16_t device_id, bool *ret_is_vf) {
        for (hisi_kind k = 0; k < _HISI_KIND_MAX; k++) {
                if (device_id != kind_table[k].pf_device_id &&
                    device_id != kind_table[k].vf_device_id)
                        continue;
                if (ret_is_vf)
                        *ret_is_vf = device_id == kind_table[k].vf_device_id;
                return k;
        }
        return _HISI_KIND_INVALID;
}

uint16_t hisi_kind_pf_device_id(hisi_kind kind) {
        assert(kind >= 0 && kind < _HISI_KIND_MAX);
        return kind_table[kind].pf_device_id;
}

uint16_t hisi_kind_vf_device_id(hisi_kind kind) {
        assert(kind >= 0 && kind < _HISI_KIND_MAX);
        return kind_table[kind].vf_device_id;
}

const char *hisi_kind_host_driver(hisi_kind kind) {
        if (kind < 0 || kind >= _HISI_KIND_MAX)
                return NULL;
        return kind_table[kind].host_driver;
}
