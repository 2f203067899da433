/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `hisi-accsim ctl` asks of the simulated host: descriptions, faults, reset, the guest
 * driver, digests (see sim-host.h). */

#include <inttypes.h>
#include <stdio.h>

#include "macro.h"
#include "sim-host-internal.h"

int sim_host_get_vf(sim_host *h, const char *address, sim_host_vf **ret) {
        sim_host_vf *vf = address ? sim_host_find_vf(h, address) : NULL;

        if (!vf || !vf->present)
                return -ENODEV;
        *ret = vf;
        return 0;
}

static json_object *describe_vf(sim_host *h, sim_host_vf *vf) {
        _cleanup_free_ char *driver = sim_host_device_driver(h, vf->address);
        json_object *o = json_object_new_object();
        char digest[32];

        snprintf(digest, sizeof(digest), "%016" PRIx64, sim_vf_guest_digest(vf->vf));
        json_object_object_add(o, "address", json_object_new_string(vf->address));
        json_object_object_add(o, "role", json_object_new_string("vf"));
        json_object_object_add(o, "kind",
                               json_object_new_string(hisi_kind_to_string(vf->pf->config.kind)));
        json_object_object_add(o, "pf", json_object_new_string(vf->pf->config.address));
        json_object_object_add(o, "index", json_object_new_int((int)vf->index));
        json_object_object_add(o, "driver", driver ? json_object_new_string(driver) : NULL);
        json_object_object_add(o, "iommu_group", json_object_new_int(vf->iommu_group));
        json_object_object_add(o, "open", json_object_new_boolean(sim_vf_is_open(vf->vf)));
        json_object_object_add(
                o, "state",
                json_object_new_string(hisi_mig_state_to_string(sim_vf_get_state(vf->vf))));
        json_object_object_add(o, "migration",
                               json_object_new_boolean(sim_vf_has_migration(vf->vf)));
        json_object_object_add(o, "guest_driver",
                               json_object_new_boolean(sim_vf_get_config(vf->vf)->guest_driver));
        json_object_object_add(o, "qp_num", json_object_new_int((int)vf->pf->config.qp_per_vf));
        json_object_object_add(o, "digest", json_object_new_string(digest));
        return o;
}

static json_object *describe_pf(sim_host *h, sim_host_pf *pf) {
        _cleanup_free_ char *driver = sim_host_device_driver(h, pf->config.address);
        json_object *o = json_object_new_object();

        json_object_object_add(o, "address", json_object_new_string(pf->config.address));
        json_object_object_add(o, "role", json_object_new_string("pf"));
        json_object_object_add(o, "kind",
                               json_object_new_string(hisi_kind_to_string(pf->config.kind)));
        json_object_object_add(o, "driver", driver ? json_object_new_string(driver) : NULL);
        json_object_object_add(o, "num_vfs", json_object_new_int((int)pf->num_vfs));
        json_object_object_add(o, "qm_version", json_object_new_int((int)pf->config.qm_version));
        return o;
}

int sim_host_describe(sim_host *h, const char *address, json_object **ret) {
        json_object *list;

        if (address) {
                sim_host_vf *vf;
                sim_host_pf *pf = sim_host_find_pf(h, address);
                if (pf && pf->present) {
                        *ret = describe_pf(h, pf);
                        return 0;
                }
                if (sim_host_get_vf(h, address, &vf) < 0)
                        return -ENODEV;
                *ret = describe_vf(h, vf);
                return 0;
        }
        list = json_object_new_array();
        for (size_t i = 0; i < h->n_pfs; i++) {
                if (h->pfs[i].present)
                        json_object_array_add(list, describe_pf(h, &h->pfs[i]));
                for (unsigned j = 0; j < h->pfs[i].n_vfs; j++)
                        if (h->pfs[i].vfs[j].present)
                                json_object_array_add(list, describe_vf(h, &h->pfs[i].vfs[j]));
        }
        *ret = list;
        return 0;
}

int sim_host_fault_arc(sim_host *h, const char *address, hisi_mig_state from, hisi_mig_state to,
                       int error, bool once) {
        sim_host_vf *vf;
        int r = sim_host_get_vf(h, address, &vf);
        return r < 0 ? r : sim_vf_fault_arc(vf->vf, from, to, error, once);
}

int sim_host_fault_delay(sim_host *h, const char *address, hisi_mig_state from, hisi_mig_state to,
                         uint64_t usec) {
        sim_host_vf *vf;
        int r = sim_host_get_vf(h, address, &vf);

        if (r < 0)
                return r;
        if (from < 0 || from >= _HISI_MIG_STATE_MAX || to < 0 || to >= _HISI_MIG_STATE_MAX)
                return -EINVAL;
        if (vf->n_delays >= DELAYS_MAX)
                return -ENOSPC;
        vf->delays[vf->n_delays++] = (arc_delay){ .from = from, .to = to, .usec = usec };
        return 0;
}

int sim_host_fault_corrupt(sim_host *h, const char *address, size_t offset) {
        sim_host_vf *vf;
        int r = sim_host_get_vf(h, address, &vf);
        return r < 0 ? r : sim_vf_fault_corrupt(vf->vf, offset);
}

int sim_host_fault_clear(sim_host *h, const char *address) {
        sim_host_vf *vf;
        int r = sim_host_get_vf(h, address, &vf);

        if (r < 0)
                return r;
        sim_vf_fault_clear(vf->vf);
        vf->n_delays = 0;
        return 0;
}

int sim_host_fault_probe(sim_host *h, const char *driver, int error) {
        return hisi_sim_pci_set_probe_error(h->pci, driver, error);
}

int sim_host_reset_vf(sim_host *h, const char *address) {
        sim_host_vf *vf;
        int r = sim_host_get_vf(h, address, &vf);

        if (r < 0)
                return r;
        sim_vf_function_reset(vf->vf);
        return 0;
}

int sim_host_set_guest_driver(sim_host *h, const char *address, bool loaded) {
        sim_host_vf *vf;
        int r = sim_host_get_vf(h, address, &vf);

        if (r < 0)
                return r;
        sim_vf_set_guest_driver(vf->vf, loaded);
        return 0;
}

int sim_host_digest(sim_host *h, const char *address, uint64_t *ret) {
        sim_host_vf *vf;
        int r = sim_host_get_vf(h, address, &vf);

        if (r < 0)
                return r;
        *ret = sim_vf_guest_digest(vf->vf);
        return 0;
}

void sim_host_set_clock(sim_host *h, bool run) {
        h->clock_stopped = !run;
}
