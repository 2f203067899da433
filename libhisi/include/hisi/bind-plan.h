/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bind sequence, planned once: what to write next to move a VF onto hisi_acc_vfio_pci (or
 * off it, back to a host driver), when to wait, and how to put the VF back when a step fails.
 * The planner does no I/O and keeps no clock: its caller observes (the driver link, the result
 * of the write it was asked for, whether its deadline passed), makes the writes, and waits.
 * hisi_pci_bind_vfio() drives it with blocking writes and polling; the daemon's bind job drives
 * it from its event loop with uevents. So the two cannot disagree on the sequence or its undo.
 *
 * The sequence is the kernel's (facts page, section 4): driver_override, unbind the current
 * driver, drivers_probe (or, going back to a named driver, drivers/<name>/bind), and the driver
 * link as the proof. A write is taken to have done its work when the link says so, never when
 * it returns: a real kernel has moved the link by then, an asynchronous host a moment later.
 * Where the caller knows its host to be synchronous (HISI_BIND_SYNCHRONOUS), a write that
 * returned without the link showing its effect is a failure at once.
 *
 * Forward, for a bind: write driver_override = hisi_acc_vfio_pci; unbind the bound driver and
 * wait until the link is gone; probe and wait until the link names hisi_acc_vfio_pci. When the
 * VF's host driver wins the race with our probe (it binds a VF that just appeared by its IDs),
 * it is asked to let go again, twice at most. An unbind clears the override, unbinds, and
 * probes (or binds the restore driver) so that the host driver takes the VF back.
 *
 * Undo, after a write or a wait failed: write back the override the VF had, unbind whatever
 * holds it unless that is the driver it had, and bind that driver (drivers/<name>/bind), each
 * step under a deadline of its own (the forward timeout, at least a second). The verdict stays
 * the forward failure, its message extended with what the undo achieved.
 *
 * Use:
 *         hisi_bind_plan_new(...);  hisi_bind_plan_start(p, &facts, &a);
 *         until a.verb == HISI_BIND_DONE:
 *                 WRITE: make the write (hisi_pci_bind_write()), then hisi_bind_plan_next()
 *                        with write_returned and its result;
 *                 WAIT:  call hisi_bind_plan_next() again when something may have changed (a
 *                        uevent, a poll) or when the deadline passed (timed_out).
 *         Every call to next carries a fresh read of the driver link.
 * A deadline starts when an action says so (deadline_usec > 0).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "hisi/kind.h"
#include "macro.h"

typedef enum hisi_bind_op {
        HISI_BIND_OP_BIND,   /* onto hisi_acc_vfio_pci */
        HISI_BIND_OP_UNBIND, /* off it, back to the host (or a named) driver */
        _HISI_BIND_OP_MAX,
        _HISI_BIND_OP_INVALID = -EINVAL,
} hisi_bind_op;

/* "bind", "unbind". */
const char *hisi_bind_op_to_string(hisi_bind_op op);
hisi_bind_op hisi_bind_op_from_string(const char *s);

/* The writes of the sequence. */
typedef enum hisi_bind_attr {
        HISI_BIND_ATTR_DRIVER_OVERRIDE, /* <device>/driver_override = value (NULL: cleared) */
        HISI_BIND_ATTR_UNBIND,          /* <device>/driver/unbind: the bound driver lets go */
        HISI_BIND_ATTR_DRIVERS_PROBE,   /* /sys/bus/pci/drivers_probe: the PCI core picks one */
        HISI_BIND_ATTR_DRIVER_BIND,     /* /sys/bus/pci/drivers/<value>/bind: that driver */
        _HISI_BIND_ATTR_MAX,
        _HISI_BIND_ATTR_INVALID = -EINVAL,
} hisi_bind_attr;

/* "driver_override", "unbind", "drivers_probe", "bind". */
const char *hisi_bind_attr_to_string(hisi_bind_attr attr);
hisi_bind_attr hisi_bind_attr_from_string(const char *s);

typedef enum hisi_bind_verb {
        HISI_BIND_WRITE, /* make this write, then call next with its result */
        HISI_BIND_WAIT,  /* nothing to write: look again later, or when the deadline passed */
        HISI_BIND_DONE,  /* finished: error and message */
        _HISI_BIND_VERB_MAX,
        _HISI_BIND_VERB_INVALID = -EINVAL,
} hisi_bind_verb;

/* "write", "wait", "done". */
const char *hisi_bind_verb_to_string(hisi_bind_verb verb);
hisi_bind_verb hisi_bind_verb_from_string(const char *s);

typedef struct hisi_bind_action {
        hisi_bind_verb verb;
        /* WRITE: the attribute, and the override to write (NULL clears it) or the driver to
         * bind. value stays valid until the next call into the plan. */
        hisi_bind_attr attr;
        const char *value;
        /* WRITE: > 0 starts a new deadline, this long from now, for the steps that follow. */
        uint64_t deadline_usec;
        /* DONE: 0 or a negative errno, and what happened for people (valid while the plan
         * lives). -ETIMEDOUT: a step did not take in time; the VF was put back as far as the
         * host let us, and the message says how far. */
        int error;
        const char *message;
} hisi_bind_action;

/* What the caller found before the first write. */
typedef struct hisi_bind_facts {
        const char *driver;   /* bound now; NULL: none */
        const char *override; /* driver_override now; NULL: none */
        bool target_loaded;   /* hisi_bind_plan_target_driver() is loaded */
} hisi_bind_facts;

/* What the caller sees now. */
typedef struct hisi_bind_observation {
        const char *driver;  /* bound now; NULL: none */
        int read_error;      /* < 0: the link could not be read (-ENODEV: the VF is gone) */
        bool write_returned; /* the write last asked for has returned, */
        int write_error;     /* with this (0 or a negative errno) */
        bool timed_out;      /* the deadline passed (a write still in flight is given up) */
} hisi_bind_observation;

typedef struct hisi_bind_plan hisi_bind_plan;

enum {
        /* Take the VF even when another driver than its host driver (say vfio-pci, held by a
         * VMM or managed by libvirt) has it. The daemon's policy decides that itself. */
        HISI_BIND_FORCE = 1 << 0,
        /* The host's writes have done their work when they return, as a kernel's sysfs stores
         * do (bind, unbind and drivers_probe run the driver's probe or remove before they
         * return; the simulated host's preload makes its writes the same): a write that
         * returned without the driver link showing its effect has failed, and the plan says so
         * at once instead of waiting for the deadline. Bind and unbind. */
        HISI_BIND_SYNCHRONOUS = 1 << 1,
};

/*
 * A plan for one operation on the VF at address (canonical, for the messages) of kind.
 * flags: HISI_BIND_FORCE (bind only), HISI_BIND_SYNCHRONOUS. restore_driver (unbind only, may
 * be NULL): bind this driver
 * instead of probing. timeout_usec: the forward deadline, also quoted in the messages. -EINVAL for
 * bad arguments.
 */
int hisi_bind_plan_new(hisi_bind_op op, hisi_kind kind, const char *address, unsigned flags,
                       const char *restore_driver, uint64_t timeout_usec, hisi_bind_plan **ret);
hisi_bind_plan *hisi_bind_plan_free(hisi_bind_plan *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(hisi_bind_plan *, hisi_bind_plan_free);

/* The driver whose presence hisi_bind_facts.target_loaded reports: hisi_acc_vfio_pci for a
 * bind; the restore driver, or else the VF's host driver, for an unbind. */
const char *hisi_bind_plan_target_driver(const hisi_bind_plan *p);
/* The driver the VF had when the plan started (after a retake: the host driver that took it
 * meanwhile); NULL when none or not started. */
const char *hisi_bind_plan_prev_driver(const hisi_bind_plan *p);

/* The first action. -EINVAL when started already, -ENOMEM. */
int hisi_bind_plan_start(hisi_bind_plan *p, const hisi_bind_facts *facts, hisi_bind_action *ret);
/* The next action, given what is seen now. -EINVAL when not started, or a write result for no
 * write; after DONE the verdict again. */
int hisi_bind_plan_next(hisi_bind_plan *p, const hisi_bind_observation *o, hisi_bind_action *ret);
/*
 * The caller could not carry out an action (no child for a write, no timer): forward, the undo
 * starts with error and reason; during the undo, the plan ends with the forward failure and the
 * reason appended. A write still in flight is given up.
 */
int hisi_bind_plan_fail(hisi_bind_plan *p, int error, const char *reason, hisi_bind_action *ret);
