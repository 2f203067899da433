/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The HiSilicon accelerator kinds: names, PCI IDs and host drivers (facts page, section 3.1). */

#include <assert.h>

#include "hisi/kind.h"
#include "macro.h"
#include "string-table.h"

static const char *const hisi_kind_table[_HISI_KIND_MAX] = {
        [HISI_KIND_ZIP] = "zip",
        [HISI_KIND_SEC] = "sec",
        [HISI_KIND_HPRE] = "hpre",
};

DEFINE_STRING_TABLE_LOOKUP_CASE(hisi_kind, hisi_kind);

static const struct {
        uint16_t pf_device_id;
        uint16_t vf_device_id;
        const char *host_driver;
} kind_ids[_HISI_KIND_MAX] = {
        [HISI_KIND_ZIP] = { 0xa250, 0xa251, "hisi_zip" },
        [HISI_KIND_SEC] = { 0xa255, 0xa256, "hisi_sec2" },
        [HISI_KIND_HPRE] = { 0xa258, 0xa259, "hisi_hpre" },
};

hisi_kind hisi_kind_from_device_id(uint16_t device_id, bool *ret_is_vf) {
        for (hisi_kind k = 0; k < _HISI_KIND_MAX; k++) {
                if (device_id != kind_ids[k].pf_device_id && device_id != kind_ids[k].vf_device_id)
                        continue;
                if (ret_is_vf)
                        *ret_is_vf = device_id == kind_ids[k].vf_device_id;
                return k;
        }
        return _HISI_KIND_INVALID;
}

uint16_t hisi_kind_pf_device_id(hisi_kind kind) {
        assert(kind >= 0 && kind < _HISI_KIND_MAX);
        return kind_ids[kind].pf_device_id;
}

uint16_t hisi_kind_vf_device_id(hisi_kind kind) {
        assert(kind >= 0 && kind < _HISI_KIND_MAX);
        return kind_ids[kind].vf_device_id;
}

const char *hisi_kind_host_driver(hisi_kind kind) {
        if (kind < 0 || kind >= _HISI_KIND_MAX)
                return NULL;
        return kind_ids[kind].host_driver;
}
