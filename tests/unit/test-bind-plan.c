/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the bind planner (libhisi/bind-plan.c), table-driven: each case is what the VF
 * looked like at the start and then, step by step, what the caller saw (the driver link, the
 * result of the write it was asked for, the deadline) and what the plan must answer. Covered:
 * binds and unbinds on a synchronous and an asynchronous host (and with HISI_BIND_SYNCHRONOUS,
 * where a write that returned without its effect fails at once), the refusals before any write,
 * every undo path and its verdicts, the host driver that wins the race with our probe (asked
 * to let go twice at most), a VF that goes away, deadlines, and the API's refusals.
 */

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "hisi/bind-plan.h"
#include "macro.h"
#include "string-util.h"
#include "test-main.h"

#define VF   "0000:75:00.1"
#define VFIO "hisi_acc_vfio_pci"
#define ZIP  "hisi_zip"
#define PCI  "vfio-pci"
#define T    (300 * 1000ULL)  /* the forward timeout of every case */
#define U    (1000 * 1000ULL) /* the undo's: the forward one, at least a second */

typedef struct step {
        hisi_bind_observation o; /* what the caller sees (not for the first step: the start) */
        hisi_bind_verb verb;     /* what the plan answers */
        hisi_bind_attr attr;
        const char *value;
        uint64_t deadline;
        int error;
        const char *message;
} step;

/* Observations. */
#define SEE(d)                                                                                     \
        { .driver = d }
#define WROTE(d, e)                                                                                \
        { .driver = d, .write_returned = true, .write_error = e }
#define LATE(d)                                                                                    \
        { .driver = d, .timed_out = true }
#define LOST(e)                                                                                    \
        { .read_error = e }
#define WROTE_LOST(e)                                                                              \
        { .write_returned = true, .read_error = e }
#define START                                                                                      \
        {}

/* Answers. */
#define WRITE(a, v)   .verb = HISI_BIND_WRITE, .attr = HISI_BIND_ATTR_##a, .value = v
#define WRITE_T(a, v) WRITE(a, v), .deadline = T
#define WRITE_U(a, v) WRITE(a, v), .deadline = U
#define WAIT          .verb = HISI_BIND_WAIT
#define DONE(e, m)    .verb = HISI_BIND_DONE, .error = e, .message = m

typedef struct plan_case {
        const char *name;
        hisi_bind_op op;
        unsigned flags;
        const char *restore;
        hisi_bind_facts facts;
        step steps[12];   /* up to the first DONE */
        const char *prev; /* hisi_bind_plan_prev_driver() at the end */
} plan_case;

#define BOUND_TO_VFIO_WAS(d) "bound to " VFIO " (was " d ")"
#define NO_BIND                                                                                    \
        VFIO " did not bind " VF " within 300 ms (its probe failed or hangs; see the kernel log)"

/* clang-format off */
static const plan_case cases[] = {
        /* ---- bind, forward ---- */
        { "bind, asynchronous host", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(ZIP, 0), WAIT },
                { SEE(ZIP), WAIT },
                { SEE(NULL), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(NULL, 0), WAIT },
                { SEE(VFIO), DONE(0, BOUND_TO_VFIO_WAS(ZIP)) },
        }, ZIP },
        { "bind, synchronous host", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(VFIO, 0), DONE(0, BOUND_TO_VFIO_WAS(ZIP)) },
        }, ZIP },
        { "bind, unbound VF", HISI_BIND_OP_BIND, 0, NULL,
          { NULL, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(VFIO, 0), DONE(0, BOUND_TO_VFIO_WAS("unbound")) },
        }, NULL },
        { "bind, a write in flight", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { SEE(NULL), WAIT }, /* the uevent before the write returned */
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { SEE(VFIO), WAIT },
                { WROTE(VFIO, 0), DONE(0, BOUND_TO_VFIO_WAS(ZIP)) },
        }, ZIP },
        { "bind, taken from another driver by force", HISI_BIND_OP_BIND, HISI_BIND_FORCE, NULL,
          { PCI, PCI, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(PCI, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(VFIO, 0), DONE(0, BOUND_TO_VFIO_WAS(PCI)) },
        }, PCI },
        { "bind, bound meanwhile", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(VFIO, 0), DONE(0, BOUND_TO_VFIO_WAS(ZIP)) },
        }, ZIP },
        { "bind, the last look at the deadline", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(NULL, 0), WAIT },
                { LATE(VFIO), DONE(0, BOUND_TO_VFIO_WAS(ZIP)) },
        }, ZIP },

        /* ---- bind, refused before any write ---- */
        { "bind, already bound", HISI_BIND_OP_BIND, 0, NULL,
          { VFIO, VFIO, true }, {
                { START, DONE(0, "already bound to " VFIO) },
        }, VFIO },
        { "bind, vfio driver not loaded", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, false }, {
                { START, DONE(-ENOENT, "the " VFIO " driver is not loaded (modprobe " VFIO
                                       "); " VF " is unchanged") },
        }, ZIP },
        { "bind, held by another driver", HISI_BIND_OP_BIND, 0, NULL,
          { PCI, NULL, true }, {
                { START, DONE(-EBUSY, VF " is held by " PCI ", not by its host driver " ZIP
                                      "; it is unchanged") },
        }, PCI },
        { "bind, driver_override refused", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, -EACCES), DONE(-EACCES, "cannot write driver_override of " VF
                                                     " (EACCES); it is unchanged") },
        }, ZIP },

        /* ---- the host driver that wins the race with our probe ---- */
        { "bind, host driver wins twice, asked to let go", HISI_BIND_OP_BIND, 0, NULL,
          { NULL, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(VFIO, 0), DONE(0, BOUND_TO_VFIO_WAS(ZIP)) },
        }, ZIP },
        { "bind, host driver wins a third time", HISI_BIND_OP_BIND, 0, NULL,
          { NULL, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(ZIP, 0), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(ZIP, 0), DONE(-EBUSY, ZIP " bound " VF " instead of " VFIO
                                              "; it is on " ZIP " as before") },
        }, ZIP },

        /* ---- bind, failures and the undo ---- */
        { "bind, unbind refused", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(ZIP, -EBUSY), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(ZIP, 0), DONE(-EBUSY, ZIP " refused to unbind " VF
                                              " (EBUSY); it is on " ZIP " as before") },
        }, ZIP },
        { "bind, release times out", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(ZIP, 0), WAIT },
                { LATE(ZIP), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(ZIP, 0), DONE(-ETIMEDOUT, ZIP " did not release " VF " within 300 ms; it "
                                                  "is on " ZIP " as before") },
        }, ZIP },
        { "bind, release times out with the write in flight", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { SEE(ZIP), WAIT },
                { LATE(ZIP), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(ZIP, 0), DONE(-ETIMEDOUT, ZIP " did not release " VF " within 300 ms; it "
                                                  "is on " ZIP " as before") },
        }, ZIP },
        { "bind, probe never takes: back on the host driver", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(NULL, 0), WAIT },
                { LATE(NULL), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVER_BIND, ZIP) },
                { WROTE(NULL, 0), WAIT },
                { SEE(ZIP), DONE(-ETIMEDOUT, NO_BIND "; it is back on " ZIP) },
        }, ZIP },
        { "bind, probe never takes: left unbound as before", HISI_BIND_OP_BIND, 0, NULL,
          { NULL, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(NULL, 0), WAIT },
                { LATE(NULL), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(NULL, 0), DONE(-ETIMEDOUT, NO_BIND "; it is left without a driver, as "
                                                   "before") },
        }, NULL },
        { "bind, the override put back is the one it had", HISI_BIND_OP_BIND, HISI_BIND_FORCE, NULL,
          { PCI, PCI, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(PCI, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { LATE(NULL), WRITE_U(DRIVER_OVERRIDE, PCI) },
                { WROTE(NULL, 0), WRITE(DRIVER_BIND, PCI) },
                { WROTE(PCI, 0), DONE(-ETIMEDOUT, NO_BIND "; it is back on " PCI) },
        }, PCI },
        { "bind, probe write fails, bind back fails", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(NULL, -EIO), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVER_BIND, ZIP) },
                { WROTE(NULL, -ENODEV), DONE(-EIO, "the probe of " VF " by " VFIO " failed "
                                                   "(EIO); it is left without a driver (bind: "
                                                   "ENODEV)") },
        }, ZIP },
        { "bind, another driver takes it: taken off again", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(PCI, 0), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(PCI, 0), WRITE(UNBIND, NULL) },
                { WROTE(PCI, 0), WAIT },
                { SEE(NULL), WRITE(DRIVER_BIND, ZIP) },
                { WROTE(ZIP, 0), DONE(-EBUSY, PCI " bound " VF " instead of " VFIO "; it is back "
                                              "on " ZIP) },
        }, ZIP },
        { "bind, undo: override refused", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(ZIP, -EBUSY), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(ZIP, -EACCES), DONE(-EBUSY, ZIP " refused to unbind " VF " (EBUSY); "
                                                    "putting back its driver_override failed "
                                                    "too (EACCES)") },
        }, ZIP },
        { "bind, undo: the driver it is on refuses to let go", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(PCI, 0), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(PCI, 0), WRITE(UNBIND, NULL) },
                { WROTE(PCI, -EBUSY), DONE(-EBUSY, PCI " bound " VF " instead of " VFIO "; it "
                                                   "stays on " PCI " (unbind: EBUSY)") },
        }, ZIP },
        { "bind, undo: someone else binds it", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { LATE(NULL), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVER_BIND, ZIP) },
                { WROTE(PCI, 0), DONE(-ETIMEDOUT, NO_BIND "; " PCI " took it back, not " ZIP) },
        }, ZIP },
        { "bind, undo times out too", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { LATE(NULL), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVER_BIND, ZIP) },
                { WROTE(NULL, 0), WAIT },
                { LATE(NULL), DONE(-ETIMEDOUT, NO_BIND "; putting it back on " ZIP " did not "
                                               "finish in time (it is on no driver)") },
        }, ZIP },

        /* ---- bind, the VF and its link ---- */
        { "bind, the VF goes away", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(ZIP, 0), WAIT },
                { LOST(-ENODEV), DONE(-ENODEV, VF " went away") },
        }, ZIP },
        { "bind, the VF goes away during the undo", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(ZIP, -EBUSY), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE_LOST(-ENODEV),
                    DONE(-EBUSY, ZIP " refused to unbind " VF " (EBUSY); it went "
                                 "away meanwhile") },
        }, ZIP },
        { "bind, the link cannot be read", HISI_BIND_OP_BIND, 0, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE_LOST(-EIO), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(ZIP, 0), DONE(-EIO, "cannot read the driver of " VF
                                            " (EIO); it is on " ZIP " as before") },
        }, ZIP },

        /* ---- unbind ---- */
        { "unbind, back to the host driver", HISI_BIND_OP_UNBIND, 0, NULL,
          { VFIO, VFIO, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, NULL) },
                { WROTE(VFIO, 0), WRITE(UNBIND, NULL) },
                { WROTE(VFIO, 0), WAIT },
                { SEE(NULL), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(NULL, 0), WAIT },
                { SEE(ZIP), DONE(0, "unbound from " VFIO "; now on " ZIP) },
        }, VFIO },
        { "unbind, to a driver named", HISI_BIND_OP_UNBIND, 0, ZIP,
          { VFIO, VFIO, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, NULL) },
                { WROTE(VFIO, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVER_BIND, ZIP) },
                { WROTE(ZIP, 0), DONE(0, "unbound from " VFIO "; now on " ZIP) },
        }, VFIO },
        { "unbind, the probe picks another driver", HISI_BIND_OP_UNBIND, 0, NULL,
          { VFIO, VFIO, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, NULL) },
                { WROTE(VFIO, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(PCI, 0), DONE(0, "unbound from " VFIO "; now on " PCI) },
        }, VFIO },
        { "unbind, the driver named does not get it", HISI_BIND_OP_UNBIND, 0, ZIP,
          { VFIO, VFIO, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, NULL) },
                { WROTE(VFIO, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVER_BIND, ZIP) },
                { WROTE(PCI, 0), WRITE_U(DRIVER_OVERRIDE, VFIO) },
                { WROTE(PCI, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVER_BIND, VFIO) },
                { WROTE(VFIO, 0), DONE(-EBUSY, PCI " bound " VF " instead of " ZIP "; it is back "
                                               "on " VFIO) },
        }, VFIO },
        { "unbind, host driver not loaded", HISI_BIND_OP_UNBIND, 0, NULL,
          { VFIO, VFIO, false }, {
                { START, WRITE_T(DRIVER_OVERRIDE, NULL) },
                { WROTE(VFIO, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), DONE(0, "unbound from " VFIO "; now without a driver") },
        }, VFIO },
        { "unbind, host driver refuses: back on vfio", HISI_BIND_OP_UNBIND, 0, NULL,
          { VFIO, VFIO, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, NULL) },
                { WROTE(VFIO, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(NULL, 0), WAIT },
                { LATE(NULL), WRITE_U(DRIVER_OVERRIDE, VFIO) },
                { WROTE(NULL, 0), WRITE(DRIVER_BIND, VFIO) },
                { WROTE(VFIO, 0),
                    DONE(-ETIMEDOUT, ZIP " did not bind " VF " within 300 ms (its "
                                     "probe failed or hangs; see the kernel log); "
                                     "it is back on " VFIO) },
        }, VFIO },
        { "unbind, clearing the override refused", HISI_BIND_OP_UNBIND, 0, NULL,
          { VFIO, VFIO, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, NULL) },
                { WROTE(VFIO, -EACCES), DONE(-EACCES, "cannot clear driver_override of " VF
                                                      " (EACCES); it is unchanged") },
        }, VFIO },
        { "unbind, not bound: our stale override cleared", HISI_BIND_OP_UNBIND, 0, NULL,
          { ZIP, VFIO, true }, {
                { START, WRITE(DRIVER_OVERRIDE, NULL) },
                { WROTE(ZIP, 0), DONE(0, "not bound to " VFIO " (" ZIP "); nothing to do") },
        }, ZIP },
        { "unbind, not bound: clearing our stale override fails", HISI_BIND_OP_UNBIND, 0, NULL,
          { ZIP, VFIO, true }, {
                { START, WRITE(DRIVER_OVERRIDE, NULL) },
                { WROTE(ZIP, -EACCES), DONE(-EACCES, "not bound to " VFIO " (" ZIP "), but "
                                                     "clearing its driver_override failed "
                                                     "(EACCES)") },
        }, ZIP },
        { "unbind, not bound: somebody else's override stays", HISI_BIND_OP_UNBIND, 0, NULL,
          { PCI, PCI, true }, {
                { START, DONE(0, "not bound to " VFIO " (" PCI "); nothing to do") },
        }, PCI },
        { "unbind, not bound at all", HISI_BIND_OP_UNBIND, 0, NULL,
          { NULL, NULL, true }, {
                { START, DONE(0, "not bound to " VFIO " (no driver); nothing to do") },
        }, NULL },
        { "unbind, the driver named is not loaded", HISI_BIND_OP_UNBIND, 0, "mlx5_core",
          { VFIO, VFIO, false }, {
                { START,
                    DONE(-ENOENT, "the mlx5_core driver is not loaded (modprobe mlx5_core); " VF
                                  " is unchanged") },
        }, VFIO },

        /* ---- a synchronous host: a write that returned has done all it will ---- */
        { "sync: bind", HISI_BIND_OP_BIND, HISI_BIND_SYNCHRONOUS, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(VFIO, 0), DONE(0, BOUND_TO_VFIO_WAS(ZIP)) },
        }, ZIP },
        { "sync: a failing probe is told at once, the undo too", HISI_BIND_OP_BIND,
          HISI_BIND_SYNCHRONOUS, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(NULL, 0), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVER_BIND, ZIP) },
                { WROTE(ZIP, 0), DONE(-EIO, VFIO " did not bind " VF ": its probe failed (see "
                                            "the kernel log); it is back on " ZIP) },
        }, ZIP },
        { "sync: neither probe takes", HISI_BIND_OP_BIND, HISI_BIND_SYNCHRONOUS, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(NULL, 0), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVER_BIND, ZIP) },
                { WROTE(NULL, 0), DONE(-EIO, VFIO " did not bind " VF ": its probe failed (see "
                                             "the kernel log); it is left without a driver (the "
                                             "probe of " ZIP " failed)") },
        }, ZIP },
        { "sync: a driver that keeps the VF after its unbind", HISI_BIND_OP_BIND,
          HISI_BIND_SYNCHRONOUS | HISI_BIND_FORCE, NULL,
          { PCI, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(PCI, 0), WRITE(UNBIND, NULL) },
                { WROTE(PCI, 0), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(PCI, 0), DONE(-EBUSY, PCI " still has " VF " after its unbind returned; "
                                              "it is on " PCI " as before") },
        }, PCI },
        { "sync: the undo's unbind does not take", HISI_BIND_OP_BIND, HISI_BIND_SYNCHRONOUS, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(PCI, 0), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(PCI, 0), WRITE(UNBIND, NULL) },
                { WROTE(PCI, 0), DONE(-EBUSY, PCI " bound " VF " instead of " VFIO "; it stays "
                                              "on " PCI " (it did not let go)") },
        }, ZIP },
        { "sync: unbind back to the host driver", HISI_BIND_OP_UNBIND, HISI_BIND_SYNCHRONOUS, NULL,
          { VFIO, VFIO, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, NULL) },
                { WROTE(VFIO, 0), WRITE(UNBIND, NULL) },
                { WROTE(NULL, 0), WRITE(DRIVERS_PROBE, NULL) },
                { WROTE(ZIP, 0), DONE(0, "unbound from " VFIO "; now on " ZIP) },
        }, VFIO },
        { "sync: a write in flight still waits for its end", HISI_BIND_OP_BIND,
          HISI_BIND_SYNCHRONOUS, NULL,
          { ZIP, NULL, true }, {
                { START, WRITE_T(DRIVER_OVERRIDE, VFIO) },
                { WROTE(ZIP, 0), WRITE(UNBIND, NULL) },
                { SEE(ZIP), WAIT },
                { LATE(ZIP), WRITE_U(DRIVER_OVERRIDE, NULL) },
                { WROTE(ZIP, 0), DONE(-ETIMEDOUT, ZIP " did not release " VF " within 300 ms; it "
                                                  "is on " ZIP " as before") },
        }, ZIP },
};
/* clang-format on */

/* The rest of a table's steps. */
static bool step_empty(const step *s) {
        return s->verb == HISI_BIND_WRITE && s->attr == 0 && !s->value && s->deadline == 0 &&
               !s->o.driver && !s->o.write_returned && !s->o.timed_out && s->o.read_error == 0;
}

static void check_action(const plan_case *c, size_t i, const hisi_bind_action *a) {
        const step *s = &c->steps[i];

        ck_assert_msg(a->verb == s->verb, "%s, step %zu: %s, expected %s", c->name, i,
                      hisi_bind_verb_to_string(a->verb), hisi_bind_verb_to_string(s->verb));
        switch (s->verb) {
        case HISI_BIND_WRITE:
                ck_assert_msg(a->attr == s->attr && streq_ptr(a->value, s->value),
                              "%s, step %zu: write %s=%s, expected %s=%s", c->name, i,
                              hisi_bind_attr_to_string(a->attr), strna(a->value),
                              hisi_bind_attr_to_string(s->attr), strna(s->value));
                ck_assert_msg(a->deadline_usec == s->deadline,
                              "%s, step %zu: deadline %llu, expected %llu", c->name, i,
                              (unsigned long long)a->deadline_usec,
                              (unsigned long long)s->deadline);
                break;
        case HISI_BIND_DONE:
                ck_assert_msg(a->error == s->error, "%s, step %zu: error %d, expected %d", c->name,
                              i, a->error, s->error);
                ck_assert_msg(streq_ptr(a->message, s->message),
                              "%s, step %zu:\n  got      \"%s\"\n  expected \"%s\"", c->name, i,
                              strna(a->message), s->message);
                break;
        case HISI_BIND_WAIT:
        case _HISI_BIND_VERB_MAX:
        case _HISI_BIND_VERB_INVALID:
                break;
        }
}

START_TEST(test_plan) {
        const plan_case *c = &cases[_i];
        _cleanup_(hisi_bind_plan_freep) hisi_bind_plan *p = NULL;
        hisi_bind_action a;
        size_t i = 0;

        ck_assert_int_eq(hisi_bind_plan_new(c->op, HISI_KIND_ZIP, VF, c->flags, c->restore, T, &p),
                         0);
        ck_assert_int_eq(hisi_bind_plan_start(p, &c->facts, &a), 0);
        for (;;) {
                check_action(c, i, &a);
                if (a.verb == HISI_BIND_DONE)
                        break;
                i++;
                ck_assert_msg(i < ELEMENTSOF(c->steps) && !step_empty(&c->steps[i]),
                              "%s: the plan goes on after step %zu", c->name, i - 1);
                ck_assert_int_eq(hisi_bind_plan_next(p, &c->steps[i].o, &a), 0);
        }
        ck_assert_msg(i + 1 == ELEMENTSOF(c->steps) || step_empty(&c->steps[i + 1]),
                      "%s: done at step %zu, before the end of the table", c->name, i);
        ck_assert_str_eq(strna(hisi_bind_plan_prev_driver(p)), strna(c->prev));

        /* After the verdict, the verdict again. */
        {
                hisi_bind_observation o = SEE(ZIP);
                hisi_bind_action again;

                ck_assert_int_eq(hisi_bind_plan_next(p, &o, &again), 0);
                ck_assert_int_eq(again.verb, HISI_BIND_DONE);
                ck_assert_int_eq(again.error, a.error);
                ck_assert_str_eq(again.message, a.message);
        }
}
END_TEST

START_TEST(test_timeout_text) {
        static const struct {
                uint64_t timeout;
                const char *text;
        } t[] = {
                { 1500 * 1000ULL, "1.5 s" },
                { 10 * 1000 * 1000ULL, "10 s" },
                { 50 * 1000ULL, "50 ms" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(hisi_bind_plan_freep) hisi_bind_plan *p = NULL;
                hisi_bind_facts f = { ZIP, NULL, true };
                hisi_bind_observation late = LATE(ZIP);
                hisi_bind_action a;
                _cleanup_free_ char *want = NULL;

                ck_assert_int_eq(hisi_bind_plan_new(HISI_BIND_OP_BIND, HISI_KIND_ZIP, VF, 0, NULL,
                                                    t[i].timeout, &p),
                                 0);
                ck_assert_int_eq(hisi_bind_plan_start(p, &f, &a), 0);
                ck_assert_uint_eq(a.deadline_usec, t[i].timeout);
                ck_assert_int_eq(hisi_bind_plan_next(p, &late, &a), 0);
                ck_assert_int_eq(a.verb, HISI_BIND_WRITE); /* the undo, with its own deadline */
                ck_assert_uint_eq(a.deadline_usec, MAX(t[i].timeout, U));
                {
                        hisi_bind_observation o = WROTE(ZIP, 0);
                        ck_assert_int_eq(hisi_bind_plan_next(p, &o, &a), 0);
                }
                ck_assert_int_ge(asprintf(&want,
                                          "the driver_override write of " VF " did not "
                                          "return within %s; it is on " ZIP " as before",
                                          t[i].text),
                                 0);
                ck_assert_int_eq(a.verb, HISI_BIND_DONE);
                ck_assert_str_eq(a.message, want);
        }
}
END_TEST

START_TEST(test_fail) {
        _cleanup_(hisi_bind_plan_freep) hisi_bind_plan *p = NULL;
        hisi_bind_facts f = { ZIP, NULL, true };
        hisi_bind_observation o = WROTE(ZIP, 0);
        hisi_bind_action a;

        /* The caller cannot start a write: the undo; and cannot during the undo: the end. */
        ck_assert_int_eq(hisi_bind_plan_new(HISI_BIND_OP_BIND, HISI_KIND_ZIP, VF, 0, NULL, T, &p),
                         0);
        ck_assert_int_eq(hisi_bind_plan_fail(p, -EAGAIN, "x", &a), -EINVAL); /* not started */
        ck_assert_int_eq(hisi_bind_plan_start(p, &f, &a), 0);
        ck_assert_int_eq(hisi_bind_plan_next(p, &o, &a), 0);
        ck_assert_int_eq(a.attr, HISI_BIND_ATTR_UNBIND);
        ck_assert_int_eq(hisi_bind_plan_fail(p, -EAGAIN, "cannot fork", &a), 0);
        ck_assert_int_eq(a.verb, HISI_BIND_WRITE);
        ck_assert_int_eq(a.attr, HISI_BIND_ATTR_DRIVER_OVERRIDE);
        ck_assert_ptr_null(a.value);
        ck_assert_uint_eq(a.deadline_usec, U);
        ck_assert_int_eq(hisi_bind_plan_fail(p, -ENOMEM, "cannot arm a timer", &a), 0);
        ck_assert_int_eq(a.verb, HISI_BIND_DONE);
        ck_assert_int_eq(a.error, -EAGAIN);
        ck_assert_str_eq(a.message, "cannot fork; cannot arm a timer");
        ck_assert_int_eq(hisi_bind_plan_fail(p, -EIO, "more", &a), 0);
        ck_assert_str_eq(a.message, "cannot fork; cannot arm a timer");
        ck_assert_int_eq(hisi_bind_plan_fail(p, 0, "x", &a), -EINVAL);
}
END_TEST

START_TEST(test_refusals) {
        hisi_bind_plan *p = NULL;
        hisi_bind_facts f = { ZIP, NULL, true };
        hisi_bind_observation o = WROTE(ZIP, 0), seen = SEE(ZIP);
        hisi_bind_action a;

        ck_assert_int_eq(hisi_bind_plan_new(_HISI_BIND_OP_MAX, HISI_KIND_ZIP, VF, 0, NULL, T, &p),
                         -EINVAL);
        ck_assert_int_eq(hisi_bind_plan_new(HISI_BIND_OP_BIND, _HISI_KIND_MAX, VF, 0, NULL, T, &p),
                         -EINVAL);
        ck_assert_int_eq(
                hisi_bind_plan_new(HISI_BIND_OP_BIND, HISI_KIND_ZIP, "75:00.1", 0, NULL, T, &p),
                -EINVAL);
        ck_assert_int_eq(hisi_bind_plan_new(HISI_BIND_OP_BIND, HISI_KIND_ZIP, NULL, 0, NULL, T, &p),
                         -EINVAL);
        ck_assert_int_eq(hisi_bind_plan_new(HISI_BIND_OP_BIND, HISI_KIND_ZIP, VF, 0x4, NULL, T, &p),
                         -EINVAL);
        /* A restore driver is for an unbind, and must be a name; force is for a bind. */
        ck_assert_int_eq(hisi_bind_plan_new(HISI_BIND_OP_BIND, HISI_KIND_ZIP, VF, 0, ZIP, T, &p),
                         -EINVAL);
        ck_assert_int_eq(
                hisi_bind_plan_new(HISI_BIND_OP_UNBIND, HISI_KIND_ZIP, VF, 0, "../x", T, &p),
                -EINVAL);
        ck_assert_int_eq(hisi_bind_plan_new(HISI_BIND_OP_UNBIND, HISI_KIND_ZIP, VF, 0, "", T, &p),
                         -EINVAL);
        ck_assert_int_eq(hisi_bind_plan_new(HISI_BIND_OP_UNBIND, HISI_KIND_ZIP, VF, HISI_BIND_FORCE,
                                            NULL, T, &p),
                         -EINVAL);
        ck_assert_int_eq(hisi_bind_plan_new(HISI_BIND_OP_BIND, HISI_KIND_ZIP, VF, 0, NULL, T, NULL),
                         -EINVAL);
        ck_assert_ptr_null(p);

        ck_assert_int_eq(hisi_bind_plan_new(HISI_BIND_OP_BIND, HISI_KIND_ZIP, VF, 0, NULL, T, &p),
                         0);
        ck_assert_int_eq(hisi_bind_plan_next(p, &seen, &a), -EINVAL); /* not started */
        ck_assert_int_eq(hisi_bind_plan_start(p, NULL, &a), -EINVAL);
        ck_assert_int_eq(hisi_bind_plan_start(p, &f, &a), 0);
        ck_assert_int_eq(hisi_bind_plan_start(p, &f, &a), -EINVAL); /* twice */
        ck_assert_int_eq(hisi_bind_plan_next(p, &o, &a), 0);
        ck_assert_int_eq(a.verb, HISI_BIND_WRITE); /* the unbind */
        ck_assert_int_eq(hisi_bind_plan_next(p, &o, &a), 0);
        ck_assert_int_eq(a.verb, HISI_BIND_WAIT);
        ck_assert_int_eq(hisi_bind_plan_next(p, &o, &a), -EINVAL); /* no write asked for */
        ck_assert_int_eq(hisi_bind_plan_next(p, NULL, &a), -EINVAL);
        ck_assert_int_eq(hisi_bind_plan_next(NULL, &seen, &a), -EINVAL);
        p = hisi_bind_plan_free(p);
        ck_assert_ptr_null(hisi_bind_plan_free(NULL));
        ck_assert_ptr_null(hisi_bind_plan_target_driver(NULL));
        ck_assert_ptr_null(hisi_bind_plan_prev_driver(NULL));
}
END_TEST

START_TEST(test_target_driver) {
        static const struct {
                hisi_bind_op op;
                hisi_kind kind;
                const char *restore;
                const char *target;
        } t[] = {
                { HISI_BIND_OP_BIND, HISI_KIND_SEC, NULL, VFIO },
                { HISI_BIND_OP_UNBIND, HISI_KIND_SEC, NULL, "hisi_sec2" },
                { HISI_BIND_OP_UNBIND, HISI_KIND_HPRE, NULL, "hisi_hpre" },
                { HISI_BIND_OP_UNBIND, HISI_KIND_HPRE, PCI, PCI },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(hisi_bind_plan_freep) hisi_bind_plan *p = NULL;

                ck_assert_int_eq(hisi_bind_plan_new(t[i].op, t[i].kind, VF, 0, t[i].restore, T, &p),
                                 0);
                ck_assert_str_eq(hisi_bind_plan_target_driver(p), t[i].target);
        }
}
END_TEST

START_TEST(test_strings) {
        ck_assert_str_eq(hisi_bind_op_to_string(HISI_BIND_OP_UNBIND), "unbind");
        ck_assert_int_eq(hisi_bind_op_from_string("bind"), HISI_BIND_OP_BIND);
        ck_assert_int_eq(hisi_bind_op_from_string("rebind"), -EINVAL);
        ck_assert_ptr_null(hisi_bind_op_to_string(_HISI_BIND_OP_MAX));
        ck_assert_str_eq(hisi_bind_attr_to_string(HISI_BIND_ATTR_DRIVERS_PROBE), "drivers_probe");
        ck_assert_int_eq(hisi_bind_attr_from_string("driver_override"),
                         HISI_BIND_ATTR_DRIVER_OVERRIDE);
        ck_assert_int_eq(hisi_bind_attr_from_string(NULL), -EINVAL);
        ck_assert_ptr_null(hisi_bind_attr_to_string(_HISI_BIND_ATTR_INVALID));
        ck_assert_str_eq(hisi_bind_verb_to_string(HISI_BIND_WAIT), "wait");
        ck_assert_int_eq(hisi_bind_verb_from_string("done"), HISI_BIND_DONE);
}
END_TEST

static Suite *bind_plan_suite(void) {
        Suite *s = suite_create("bind-plan");
        TCase *tc = tcase_create("plan");

        tcase_add_loop_test(tc, test_plan, 0, (int)ELEMENTSOF(cases));
        tcase_add_test(tc, test_timeout_text);
        tcase_add_test(tc, test_fail);
        suite_add_tcase(s, tc);

        tc = tcase_create("api");
        tcase_add_test(tc, test_refusals);
        tcase_add_test(tc, test_target_driver);
        tcase_add_test(tc, test_strings);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(bind_plan_suite)
