/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The binding policy's decisions: whether the daemon binds a VF to hisi_acc_vfio_pci by itself,
 * and whether an operator's explicit Bind may go ahead, each with the reason a person reads in
 * `hisi-accmigctl show` and in the log. Pure logic over the config and a VF's facts: no I/O.
 *
 * The rules, in order: the policy must name the VF (binding.policy with binding.devices or
 * binding.pfs); binding.exclude wins over any naming; a VF already on hisi_acc_vfio_pci stays;
 * a VF whose hostdev a libvirt domain has with managed='yes' is libvirt's (unless
 * binding.bind_libvirt_managed); a VF that another driver than its host driver holds (vfio-pci
 * for a VMM, say) is that driver's user's (unless binding.take_from_other_drivers). A PF is never
 * bound: callers do not ask about PFs.
 */
#pragma once

#include <stdbool.h>

#include "conf.h"
#include "hisi/kind.h"

typedef enum BindDecision {
        BIND_DECISION_LEAVE,
        BIND_DECISION_BIND,
        _BIND_DECISION_MAX,
        _BIND_DECISION_INVALID = -EINVAL,
} BindDecision;

const char *bind_decision_to_string(BindDecision d); /* "leave", "bind" */
BindDecision bind_decision_from_string(const char *s);

typedef enum BindReason {
        BIND_REASON_POLICY_NONE,     /* leave: binding.policy is "none" */
        BIND_REASON_NOT_LISTED,      /* leave: not in binding.devices */
        BIND_REASON_PF_NOT_LISTED,   /* leave: its PF is not in binding.pfs */
        BIND_REASON_EXCLUDED,        /* leave: in binding.exclude */
        BIND_REASON_LIBVIRT_MANAGED, /* leave: a libvirt domain manages it */
        BIND_REASON_OTHER_DRIVER,    /* leave: another driver's user holds it */
        BIND_REASON_LISTED,          /* bind: in binding.devices */
        BIND_REASON_PF_LISTED,       /* bind: its PF is in binding.pfs */
        BIND_REASON_ALL,             /* bind: binding.policy is "all" */
        BIND_REASON_ALLOWED,         /* explicit bind: nothing stands in the way */
        _BIND_REASON_MAX,
        _BIND_REASON_INVALID = -EINVAL,
} BindReason;

/* A short identifier: "policy-none", "not-listed", …, "allowed". */
const char *bind_reason_to_string(BindReason r);
BindReason bind_reason_from_string(const char *s);

/* What the policy needs to know about a VF. */
typedef struct BindFacts {
        const char *address;
        const char *pf_address; /* "" or NULL when unknown */
        hisi_kind kind;
        const char *driver;         /* bound driver, NULL when unbound */
        bool libvirt_managed;       /* a domain has it as a managed='yes' hostdev */
        const char *libvirt_domain; /* that domain's name, when known */
} BindFacts;

/* Whether the daemon binds this VF by itself, and why. */
BindDecision bind_policy_decide(const Config *c, const BindFacts *f, BindReason *ret_reason);

/*
 * Whether an operator's explicit Bind may go ahead. The policy need not name the VF; without
 * force, binding.exclude, libvirt's management and another driver's hold still refuse it (the
 * reason says which). Returns true when allowed (reason BIND_REASON_ALLOWED).
 */
bool bind_policy_allow_explicit(const Config *c, const BindFacts *f, bool force,
                                BindReason *ret_reason);

/* The reason as a sentence for people: "listed in binding.devices", "libvirt manages it as a
 * managed='yes' hostdev of domain 'vm1'", … Returns a new string, or NULL on -ENOMEM. */
char *bind_reason_describe(BindReason r, const BindFacts *f);
