/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One PF or VF in the daemon's registry (see device.h). */

#include <assert.h>
#include <string.h>

#include "device-bus.h"
#include "device.h"
#include "string-table.h"
#include "string-util.h"

static const char *const device_control_mode_table[_DEVICE_CONTROL_MODE_MAX] = {
        [DEVICE_CONTROL_NONE] = "none",
        [DEVICE_CONTROL_OWNED] = "owned",
        [DEVICE_CONTROL_VMM_HELD] = "vmm-held",
};

DEFINE_STRING_TABLE_LOOKUP(device_control_mode, DeviceControlMode);

/* Replace *p with a copy of s (NULL allowed); true when the value changed. */
static bool set_str(char **p, const char *s) {
        char *n = NULL;

        if (streq_ptr(*p, s))
                return false;
        if (s) {
                n = strdup(s);
                if (!n)
                        return false; /* keep the old value; the next update tries again */
        }
        free(*p);
        *p = n;
        return true;
}

int device_new(Manager *m, hisi_pci_dev *facts, Device **ret) {
        _cleanup_(device_freep) Device *d = NULL;
        int r;

        assert(facts);
        assert(ret);
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->manager = m;
        d->facts = *facts;
        *facts = (hisi_pci_dev){};
        d->policy = BIND_DECISION_LEAVE;
        d->policy_reason = BIND_REASON_POLICY_NONE;
        d->binding.state = DEVICE_BIND_IDLE;
        d->control_mode = DEVICE_CONTROL_NONE;
        if (d->facts.is_vf) {
                r = device_bus_path(d->facts.address, &d->object_path);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(d);
        return 0;
}

Device *device_free(Device *d) {
        if (!d)
                return NULL;
        /* The manager ends the job first; a job left here would point at freed memory. */
        device_binding_done(&d->binding);
        hisi_pci_dev_done(&d->facts);
        free(d->object_path);
        free(d->policy_reason_text);
        free(d->libvirt_domain);
        hisi_migdev_close(d->migdev);
        free(d->migration_state);
        free(d->reserved_for);
        sd_event_source_disable_unref(d->reservation_timer);
        free(d);
        return NULL;
}

bool device_is_bound(const Device *d) {
        return d && streq_ptr(d->facts.driver, HISI_VFIO_DRIVER);
}

const char *device_owner(const Device *d) {
        const char *host = hisi_kind_host_driver(d->facts.kind);

        if (d->libvirt_domain)
                return "libvirt";
        if (device_is_bound(d))
                return "hisi-accmigd";
        if (!d->facts.driver)
                return "none";
        return host && streq(d->facts.driver, host) ? "host-driver" : "other-driver";
}

unsigned device_update(Device *d, hisi_pci_dev *facts) {
        hisi_pci_dev *o = &d->facts;
        unsigned changed = 0;

        if (!streq_ptr(o->driver, facts->driver))
                changed |= DEVICE_PROP_DRIVER | DEVICE_PROP_OWNER;
        if (o->sriov_numvfs != facts->sriov_numvfs || o->sriov_totalvfs != facts->sriov_totalvfs)
                changed |= DEVICE_PROP_SRIOV;
        if (!streq_ptr(o->driver_override, facts->driver_override))
                changed |= DEVICE_PROP_DRIVER_OVERRIDE;
        if (o->iommu_group != facts->iommu_group)
                changed |= DEVICE_PROP_IOMMU_GROUP;
        if (!streq_ptr(o->vfio_dev, facts->vfio_dev))
                changed |= DEVICE_PROP_VFIO_DEVICE;
        if (!streq(o->pf_address, facts->pf_address))
                changed |= DEVICE_PROP_PF;
        /* The VF index is read once, when the device is new. */
        if (facts->vf_index < 0)
                facts->vf_index = o->vf_index;
        else if (facts->vf_index != o->vf_index)
                changed |= DEVICE_PROP_PF;
        hisi_pci_dev_done(o);
        *o = *facts;
        *facts = (hisi_pci_dev){};
        return changed;
}

unsigned device_set_bind_state(Device *d, DeviceBindState s) {
        if (d->binding.state == s)
                return 0;
        d->binding.state = s;
        return DEVICE_PROP_BIND_STATE;
}

unsigned device_set_last_error(Device *d, const char *error) {
        if (error && error[0] == '\0')
                error = NULL;
        return set_str(&d->binding.last_error, error) ? DEVICE_PROP_LAST_ERROR : 0;
}

unsigned device_set_policy(Device *d, BindDecision decision, BindReason reason, const char *text) {
        unsigned changed = 0;

        if (d->policy != decision || d->policy_reason != reason)
                changed |= DEVICE_PROP_POLICY;
        d->policy = decision;
        d->policy_reason = reason;
        if (set_str(&d->policy_reason_text, text))
                changed |= DEVICE_PROP_POLICY;
        return changed;
}

unsigned device_set_libvirt_domain(Device *d, const char *domain) {
        return set_str(&d->libvirt_domain, domain) ? DEVICE_PROP_LIBVIRT_DOMAIN | DEVICE_PROP_OWNER
                                                   : 0;
}

void device_bind_facts(const Device *d, BindFacts *ret) {
        *ret = (BindFacts){
                .address = d->facts.address,
                .pf_address = d->facts.pf_address,
                .kind = d->facts.kind,
                .driver = d->facts.driver,
                .libvirt_managed = d->libvirt_domain != NULL,
                .libvirt_domain = d->libvirt_domain,
        };
}

void device_log_fields(const Device *d, LogFields *f) {
        assert(f);
        if (!d)
                return;
        /* Three fields into a list that holds LOG_FIELDS_MAX: they always fit. */
        if (d->facts.is_vf) {
                (void)log_fields_add(f, "HISI_VF", d->facts.address);
                (void)log_fields_add(f, "HISI_PF",
                                     d->facts.pf_address[0] ? d->facts.pf_address : NULL);
        } else
                (void)log_fields_add(f, "HISI_PF", d->facts.address);
        (void)log_fields_add(f, "HISI_KIND", hisi_kind_to_string(d->facts.kind));
}
