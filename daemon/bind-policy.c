/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The binding policy's decisions (see bind-policy.h). */

#include <stdio.h>
#include <string.h>

#include "bind-policy.h"
#include "file-util.h"
#include "string-table.h"

static const char *const bind_decision_table[_BIND_DECISION_MAX] = {
        [BIND_DECISION_LEAVE] = "leave",
        [BIND_DECISION_BIND] = "bind",
};

DEFINE_STRING_TABLE_LOOKUP(bind_decision, BindDecision);

static const char *const bind_reason_table[_BIND_REASON_MAX] = {
        [BIND_REASON_POLICY_NONE] = "policy-none",
        [BIND_REASON_NOT_LISTED] = "not-listed",
        [BIND_REASON_PF_NOT_LISTED] = "pf-not-listed",
        [BIND_REASON_EXCLUDED] = "excluded",
        [BIND_REASON_LIBVIRT_MANAGED] = "libvirt-managed",
        [BIND_REASON_OTHER_DRIVER] = "other-driver",
        [BIND_REASON_LISTED] = "listed",
        [BIND_REASON_PF_LISTED] = "pf-listed",
        [BIND_REASON_ALL] = "all",
        [BIND_REASON_ALLOWED] = "allowed",
};

DEFINE_STRING_TABLE_LOOKUP(bind_reason, BindReason);

static bool is_vfio_driver(const char *driver) {
        return driver && streq(driver, HISI_VFIO_DRIVER);
}

/* Bound to a driver that is neither ours nor the VF's host driver. */
static bool held_by_other_driver(const BindFacts *f) {
        const char *host = hisi_kind_host_driver(f->kind);

        if (!f->driver || is_vfio_driver(f->driver))
                return false;
        return !host || !streq(f->driver, host);
}

/* Whether the policy names the VF at all; *ret_reason says why or why not. */
static bool policy_names(const Config *c, const BindFacts *f, BindReason *ret_reason) {
        switch (c->binding.policy) {
        case BIND_POLICY_NONE:
                *ret_reason = BIND_REASON_POLICY_NONE;
                return false;
        case BIND_POLICY_DEVICES:
                if (address_list_contains(&c->binding.devices, f->address)) {
                        *ret_reason = BIND_REASON_LISTED;
                        return true;
                }
                *ret_reason = BIND_REASON_NOT_LISTED;
                return false;
        case BIND_POLICY_PFS:
                if (f->pf_address && address_list_contains(&c->binding.pfs, f->pf_address)) {
                        *ret_reason = BIND_REASON_PF_LISTED;
                        return true;
                }
                *ret_reason = BIND_REASON_PF_NOT_LISTED;
                return false;
        case BIND_POLICY_ALL:
                *ret_reason = BIND_REASON_ALL;
                return true;
        case _BIND_POLICY_MAX:
        case _BIND_POLICY_INVALID:
                break;
        }
        *ret_reason = BIND_REASON_POLICY_NONE;
        return false;
}

BindDecision bind_policy_decide(const Config *c, const BindFacts *f, BindReason *ret_reason) {
        BindReason named;

        if (!c || !f || !f->address || !ret_reason)
                return _BIND_DECISION_INVALID;
        if (!policy_names(c, f, &named)) {
                *ret_reason = named;
                return BIND_DECISION_LEAVE;
        }
        if (address_list_contains(&c->binding.exclude, f->address)) {
                *ret_reason = BIND_REASON_EXCLUDED;
                return BIND_DECISION_LEAVE;
        }
        /* Already where the policy wants it: nothing to take from anyone. */
        if (is_vfio_driver(f->driver)) {
                *ret_reason = named;
                return BIND_DECISION_BIND;
        }
        if (f->libvirt_managed && !c->binding.bind_libvirt_managed) {
                *ret_reason = BIND_REASON_LIBVIRT_MANAGED;
                return BIND_DECISION_LEAVE;
        }
        if (held_by_other_driver(f) && !c->binding.take_from_other_drivers) {
                *ret_reason = BIND_REASON_OTHER_DRIVER;
                return BIND_DECISION_LEAVE;
        }
        *ret_reason = named;
        return BIND_DECISION_BIND;
}

bool bind_policy_allow_explicit(const Config *c, const BindFacts *f, bool force,
                                BindReason *ret_reason) {
        if (!c || !f || !f->address || !ret_reason)
                return false;
        if (!force && !is_vfio_driver(f->driver)) {
                if (address_list_contains(&c->binding.exclude, f->address)) {
                        *ret_reason = BIND_REASON_EXCLUDED;
                        return false;
                }
                if (f->libvirt_managed && !c->binding.bind_libvirt_managed) {
                        *ret_reason = BIND_REASON_LIBVIRT_MANAGED;
                        return false;
                }
                if (held_by_other_driver(f) && !c->binding.take_from_other_drivers) {
                        *ret_reason = BIND_REASON_OTHER_DRIVER;
                        return false;
                }
        }
        *ret_reason = BIND_REASON_ALLOWED;
        return true;
}

char *bind_reason_describe(BindReason r, const BindFacts *f) {
        char *s = NULL;
        int k = -1;

        switch (r) {
        case BIND_REASON_POLICY_NONE:
                return strdup("binding.policy is \"none\"");
        case BIND_REASON_NOT_LISTED:
                return strdup("not listed in binding.devices");
        case BIND_REASON_PF_NOT_LISTED:
                if (f && f->pf_address && f->pf_address[0])
                        k = asprintf(&s, "its PF %s is not listed in binding.pfs", f->pf_address);
                else
                        return strdup("its PF is unknown, so binding.pfs cannot name it");
                break;
        case BIND_REASON_EXCLUDED:
                return strdup("listed in binding.exclude");
        case BIND_REASON_LIBVIRT_MANAGED:
                if (f && f->libvirt_domain && f->libvirt_domain[0])
                        k = asprintf(&s,
                                     "libvirt manages it: a managed='yes' hostdev of domain '%s' "
                                     "(binding.bind_libvirt_managed is off)",
                                     f->libvirt_domain);
                else
                        return strdup("libvirt manages it as a managed='yes' hostdev "
                                      "(binding.bind_libvirt_managed is off)");
                break;
        case BIND_REASON_OTHER_DRIVER:
                k = asprintf(&s,
                             "held by driver %s, not its host driver "
                             "(binding.take_from_other_drivers is off)",
                             f && f->driver ? f->driver : "?");
                break;
        case BIND_REASON_LISTED:
                return strdup("listed in binding.devices");
        case BIND_REASON_PF_LISTED:
                k = asprintf(&s, "its PF %s is listed in binding.pfs",
                             f && f->pf_address ? f->pf_address : "?");
                break;
        case BIND_REASON_ALL:
                return strdup("binding.policy is \"all\"");
        case BIND_REASON_ALLOWED:
                return strdup("allowed");
        case _BIND_REASON_MAX:
        case _BIND_REASON_INVALID:
                return strdup("unknown");
        }
        return k < 0 ? NULL : s;
}
