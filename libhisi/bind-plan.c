/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bind sequence as a pure planner (see bind-plan.h): a phase, the state of the phase's one
 * write, and what the VF looked like at the start. Each call looks at what the caller sees now
 * and either asks for the phase's write, moves on to the next phase (on the same observation),
 * waits, or ends with a verdict. Nothing here reads or writes a file or looks at a clock.
 */

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errno-name.h"
#include "hisi/bind-plan.h"
#include "hisi/pci-address.h"
#include "macro.h"
#include "string-table.h"
#include "string-util.h"
#include "time-util.h"

#define UNDO_MIN_USEC USEC_PER_SEC
#define RETAKES_MAX   2 /* a host driver that binds a new VF under our feet, asked to let go */

typedef enum Phase {
        PHASE_NEW,
        PHASE_TIDY,          /* unbind of a VF not on vfio: clearing a stale override of ours */
        PHASE_OVERRIDE,      /* writing driver_override */
        PHASE_RELEASE,       /* the bound driver lets the VF go */
        PHASE_PROBE,         /* the wanted driver takes it */
        PHASE_UNDO_OVERRIDE, /* undo: the override back */
        PHASE_UNDO_RELEASE,  /* undo: a driver we do not want lets it go */
        PHASE_UNDO_BIND,     /* undo: the previous driver takes it back */
        PHASE_DONE,
} Phase;

typedef enum WriteState {
        WRITE_NONE,     /* the phase's write is still to be made */
        WRITE_PENDING,  /* asked for, not returned */
        WRITE_RETURNED, /* returned 0 (or was given up at the deadline) */
        WRITE_FAILED,   /* returned write_error */
} WriteState;

struct hisi_bind_plan {
        hisi_bind_op op;
        hisi_kind kind;
        char address[HISI_PCI_ADDRESS_MAX];
        unsigned flags;
        char *restore;
        uint64_t timeout_usec;

        Phase phase;
        WriteState write;
        int write_error;
        const char *want; /* forward: the driver waited for; NULL: unbound is enough */
        char *prev_driver;
        char *prev_override;
        unsigned retakes;
        int error;     /* the verdict, or during the undo the forward failure */
        char *message; /* likewise */
};

static const char *const hisi_bind_op_table[_HISI_BIND_OP_MAX] = {
        [HISI_BIND_OP_BIND] = "bind",
        [HISI_BIND_OP_UNBIND] = "unbind",
};
DEFINE_STRING_TABLE_LOOKUP(hisi_bind_op, hisi_bind_op);

static const char *const hisi_bind_attr_table[_HISI_BIND_ATTR_MAX] = {
        [HISI_BIND_ATTR_DRIVER_OVERRIDE] = "driver_override",
        [HISI_BIND_ATTR_UNBIND] = "unbind",
        [HISI_BIND_ATTR_DRIVERS_PROBE] = "drivers_probe",
        [HISI_BIND_ATTR_DRIVER_BIND] = "bind",
};
DEFINE_STRING_TABLE_LOOKUP(hisi_bind_attr, hisi_bind_attr);

static const char *const hisi_bind_verb_table[_HISI_BIND_VERB_MAX] = {
        [HISI_BIND_WRITE] = "write",
        [HISI_BIND_WAIT] = "wait",
        [HISI_BIND_DONE] = "done",
};
DEFINE_STRING_TABLE_LOOKUP(hisi_bind_verb, hisi_bind_verb);

static const char *errname(int error) {
        const char *n = errno_to_name(error);
        return n ? n : "an unknown error";
}

/* "10 s", "1.5 s", "300 ms". */
static void format_usec(char buf[static 32], uint64_t usec) {
        if (usec < USEC_PER_SEC)
                snprintf(buf, 32, "%llu ms", (unsigned long long)(usec / USEC_PER_MSEC));
        else if (usec % USEC_PER_SEC == 0)
                snprintf(buf, 32, "%llu s", (unsigned long long)(usec / USEC_PER_SEC));
        else
                snprintf(buf, 32, "%.1f s", (double)usec / 1e6);
}

static bool driver_name_valid(const char *s) {
        return s && s[0] != '\0' && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..");
}

int hisi_bind_plan_new(hisi_bind_op op, hisi_kind kind, const char *address, unsigned flags,
                       const char *restore_driver, uint64_t timeout_usec, hisi_bind_plan **ret) {
        _cleanup_(hisi_bind_plan_freep) hisi_bind_plan *p = NULL;

        if (op < 0 || op >= _HISI_BIND_OP_MAX || kind < 0 || kind >= _HISI_KIND_MAX || !address ||
            !hisi_pci_address_valid(address) ||
            (flags & ~(unsigned)(HISI_BIND_FORCE | HISI_BIND_SYNCHRONOUS)) || !ret)
                return -EINVAL;
        if (restore_driver && (op != HISI_BIND_OP_UNBIND || !driver_name_valid(restore_driver)))
                return -EINVAL;
        if ((flags & HISI_BIND_FORCE) && op != HISI_BIND_OP_BIND)
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->op = op;
        p->kind = kind;
        strcpy(p->address, address);
        p->flags = flags;
        p->timeout_usec = timeout_usec;
        if (restore_driver) {
                p->restore = strdup(restore_driver);
                if (!p->restore)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(p);
        return 0;
}

hisi_bind_plan *hisi_bind_plan_free(hisi_bind_plan *p) {
        if (!p)
                return NULL;
        free(p->restore);
        free(p->prev_driver);
        free(p->prev_override);
        free(p->message);
        free(p);
        return NULL;
}

const char *hisi_bind_plan_target_driver(const hisi_bind_plan *p) {
        if (!p)
                return NULL;
        switch (p->op) {
        case HISI_BIND_OP_BIND:
                return HISI_VFIO_DRIVER;
        case HISI_BIND_OP_UNBIND:
                return p->restore ?: hisi_kind_host_driver(p->kind);
        case _HISI_BIND_OP_MAX:
        case _HISI_BIND_OP_INVALID:
                break;
        }
        assert(false);
        return NULL;
}

const char *hisi_bind_plan_prev_driver(const hisi_bind_plan *p) {
        return p ? p->prev_driver : NULL;
}

static bool undoing(const hisi_bind_plan *p) {
        return p->phase == PHASE_UNDO_OVERRIDE || p->phase == PHASE_UNDO_RELEASE ||
               p->phase == PHASE_UNDO_BIND;
}

/* The phase's write returned and the host is synchronous: what the link shows now is final. */
static bool returned_final(const hisi_bind_plan *p) {
        return p->write == WRITE_RETURNED && (p->flags & HISI_BIND_SYNCHRONOUS);
}

static void enter(hisi_bind_plan *p, Phase phase) {
        p->phase = phase;
        p->write = WRITE_NONE;
        p->write_error = 0;
}

/* ---- Actions ---- */

static void act_wait(hisi_bind_action *a) {
        *a = (hisi_bind_action){ .verb = HISI_BIND_WAIT };
}

static void act_write(hisi_bind_plan *p, hisi_bind_action *a, hisi_bind_attr attr,
                      const char *value, uint64_t deadline_usec) {
        assert(p->write == WRITE_NONE);
        p->write = WRITE_PENDING;
        *a = (hisi_bind_action){
                .verb = HISI_BIND_WRITE,
                .attr = attr,
                .value = value,
                .deadline_usec = deadline_usec,
        };
}

static void act_verdict(const hisi_bind_plan *p, hisi_bind_action *a) {
        assert(p->phase == PHASE_DONE);
        *a = (hisi_bind_action){
                .verb = HISI_BIND_DONE,
                .error = p->error,
                /* Only when even the message could not be allocated. */
                .message = p->message ?: (p->error < 0 ? "failed (out of memory)" : "done"),
        };
}

/* The end, with message from fmt. During the undo, error is the forward failure's. */
static _printf_(4, 5) void act_done(hisi_bind_plan *p, hisi_bind_action *a, int error,
                                    const char *fmt, ...) {
        char *m = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        free(p->message);
        p->message = m;
        p->error = error;
        enter(p, PHASE_DONE);
        act_verdict(p, a);
}

static void evaluate(hisi_bind_plan *p, const char *cur, hisi_bind_action *a);

/* A forward step failed: put the VF back. During the undo: end, the reason appended. */
static _printf_(4, 5) void act_fail(hisi_bind_plan *p, hisi_bind_action *a, int error,
                                    const char *fmt, ...) {
        char *m = NULL;
        va_list ap;

        assert(error < 0);
        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);

        if (undoing(p)) {
                act_done(p, a, p->error, "%s; %s", strempty(p->message), strempty(m));
                free(m);
                return;
        }
        free(p->message);
        p->message = m;
        p->error = error;
        enter(p, PHASE_UNDO_OVERRIDE);
        evaluate(p, NULL, a); /* asks for the override write first, whatever is bound */
}

static void act_succeed(hisi_bind_plan *p, hisi_bind_action *a, const char *cur) {
        switch (p->op) {
        case HISI_BIND_OP_BIND:
                act_done(p, a, 0, "bound to %s (was %s)", HISI_VFIO_DRIVER,
                         p->prev_driver ?: "unbound");
                return;
        case HISI_BIND_OP_UNBIND:
                act_done(p, a, 0, "unbound from %s; now %s%s", HISI_VFIO_DRIVER,
                         cur ? "on " : "without a driver", strempty(cur));
                return;
        case _HISI_BIND_OP_MAX:
        case _HISI_BIND_OP_INVALID:
                break;
        }
        assert(false);
}

/* The undo reached the driver the VF had. */
static void act_restored(hisi_bind_plan *p, hisi_bind_action *a, const char *cur) {
        if (cur)
                act_done(p, a, p->error, "%s; it is back on %s", strempty(p->message), cur);
        else
                act_done(p, a, p->error, "%s; it is left without a driver, as before",
                         strempty(p->message));
}

/* ---- The phases ---- */

static void evaluate(hisi_bind_plan *p, const char *cur, hisi_bind_action *a) {
        const char *host = hisi_kind_host_driver(p->kind);

        /* A phase either acts and returns, or hands the same observation to the next one. */
        for (;;) {
                switch (p->phase) {
                case PHASE_TIDY:
                        switch (p->write) {
                        case WRITE_NONE:
                                act_write(p, a, HISI_BIND_ATTR_DRIVER_OVERRIDE, NULL, 0);
                                return;
                        case WRITE_PENDING:
                                act_wait(a);
                                return;
                        case WRITE_FAILED:
                                act_done(p, a, p->write_error,
                                         "not bound to %s (%s), but clearing its "
                                         "driver_override failed (%s)",
                                         HISI_VFIO_DRIVER, p->prev_driver ?: "no driver",
                                         errname(p->write_error));
                                return;
                        case WRITE_RETURNED:
                                act_done(p, a, 0, "not bound to %s (%s); nothing to do",
                                         HISI_VFIO_DRIVER, p->prev_driver ?: "no driver");
                                return;
                        }
                        break;

                case PHASE_OVERRIDE:
                        switch (p->write) {
                        case WRITE_NONE:
                                act_write(p, a, HISI_BIND_ATTR_DRIVER_OVERRIDE,
                                          p->op == HISI_BIND_OP_BIND ? HISI_VFIO_DRIVER : NULL,
                                          p->timeout_usec > 0 ? p->timeout_usec : 1);
                                return;
                        case WRITE_PENDING:
                                act_wait(a);
                                return;
                        case WRITE_FAILED:
                                act_done(p, a, p->write_error,
                                         "cannot %s driver_override of %s (%s); it is "
                                         "unchanged",
                                         p->op == HISI_BIND_OP_BIND ? "write" : "clear", p->address,
                                         errname(p->write_error));
                                return;
                        case WRITE_RETURNED:
                                enter(p, PHASE_RELEASE);
                                continue;
                        }
                        break;

                case PHASE_RELEASE:
                        if (!cur) {
                                if (p->op == HISI_BIND_OP_UNBIND && !p->want) {
                                        act_succeed(p, a, NULL);
                                        return;
                                }
                                enter(p, PHASE_PROBE);
                                continue;
                        }
                        if (p->op == HISI_BIND_OP_BIND && streq(cur, HISI_VFIO_DRIVER)) {
                                act_succeed(p, a, cur);
                                return;
                        }
                        switch (p->write) {
                        case WRITE_NONE:
                                act_write(p, a, HISI_BIND_ATTR_UNBIND, NULL, 0);
                                return;
                        case WRITE_FAILED:
                                act_fail(p, a, p->write_error, "%s refused to unbind %s (%s)", cur,
                                         p->address, errname(p->write_error));
                                return;
                        case WRITE_RETURNED:
                                if (returned_final(p)) {
                                        act_fail(p, a, -EBUSY,
                                                 "%s still has %s after its unbind returned", cur,
                                                 p->address);
                                        return;
                                }
                                _fallthrough_;
                        case WRITE_PENDING:
                                act_wait(a);
                                return; /* not yet */
                        }
                        break;

                case PHASE_PROBE:
                        assert(p->want);
                        if (cur) {
                                if (streq(cur, p->want)) {
                                        act_succeed(p, a, cur);
                                        return;
                                }
                                /* Off hisi_acc_vfio_pci, on whatever the probe chose. */
                                if (p->op == HISI_BIND_OP_UNBIND && !p->restore &&
                                    !streq(cur, HISI_VFIO_DRIVER)) {
                                        act_succeed(p, a, cur);
                                        return;
                                }
                                if (p->op == HISI_BIND_OP_BIND && p->retakes < RETAKES_MAX &&
                                    streq_ptr(cur, host)) {
                                        /* The host driver's own probe of a VF that just
                                         * appeared won the race with ours (it binds a new VF
                                         * by its IDs, before our override): ask it to let go,
                                         * within the same deadline. Its driver is now what
                                         * the undo restores. */
                                        char *d = strdup(cur);

                                        if (!d) {
                                                act_fail(p, a, -ENOMEM, "out of memory binding %s",
                                                         p->address);
                                                return;
                                        }
                                        free(p->prev_driver);
                                        p->prev_driver = d;
                                        p->retakes++;
                                        enter(p, PHASE_RELEASE);
                                        continue;
                                }
                                act_fail(p, a, -EBUSY, "%s bound %s instead of %s", cur, p->address,
                                         p->want);
                                return;
                        }
                        switch (p->write) {
                        case WRITE_NONE:
                                if (p->restore) {
                                        act_write(p, a, HISI_BIND_ATTR_DRIVER_BIND, p->restore, 0);
                                        return;
                                }
                                act_write(p, a, HISI_BIND_ATTR_DRIVERS_PROBE, NULL, 0);
                                return;
                        case WRITE_FAILED:
                                act_fail(p, a, p->write_error, "the probe of %s by %s failed (%s)",
                                         p->address, p->want, errname(p->write_error));
                                return;
                        case WRITE_RETURNED:
                                if (returned_final(p)) {
                                        /* The kernel's drivers_probe and bind succeed even when
                                         * the driver's probe fails: only the link tells. */
                                        act_fail(p, a, -EIO,
                                                 "%s did not bind %s: its probe failed (see the "
                                                 "kernel log)",
                                                 p->want, p->address);
                                        return;
                                }
                                _fallthrough_;
                        case WRITE_PENDING:
                                act_wait(a);
                                return;
                        }
                        break;

                case PHASE_UNDO_OVERRIDE:
                        switch (p->write) {
                        case WRITE_NONE:
                                act_write(p, a, HISI_BIND_ATTR_DRIVER_OVERRIDE, p->prev_override,
                                          MAX(p->timeout_usec, UNDO_MIN_USEC));
                                return;
                        case WRITE_PENDING:
                                act_wait(a);
                                return;
                        case WRITE_FAILED:
                                act_done(p, a, p->error,
                                         "%s; putting back its driver_override failed "
                                         "too (%s)",
                                         strempty(p->message), errname(p->write_error));
                                return;
                        case WRITE_RETURNED:
                                if (streq_ptr(cur, p->prev_driver)) {
                                        if (cur) {
                                                act_done(p, a, p->error,
                                                         "%s; it is on %s as before",
                                                         strempty(p->message), cur);
                                                return;
                                        }
                                        act_restored(p, a, NULL);
                                        return;
                                }
                                enter(p, cur ? PHASE_UNDO_RELEASE : PHASE_UNDO_BIND);
                                continue;
                        }
                        break;

                case PHASE_UNDO_RELEASE:
                        if (streq_ptr(cur, p->prev_driver)) {
                                act_restored(p, a, cur);
                                return;
                        }
                        if (!cur) {
                                enter(p, PHASE_UNDO_BIND);
                                continue;
                        }
                        switch (p->write) {
                        case WRITE_NONE:
                                act_write(p, a, HISI_BIND_ATTR_UNBIND, NULL, 0);
                                return;
                        case WRITE_FAILED:
                                act_done(p, a, p->error, "%s; it stays on %s (unbind: %s)",
                                         strempty(p->message), cur, errname(p->write_error));
                                return;
                        case WRITE_RETURNED:
                                if (returned_final(p)) {
                                        act_done(p, a, p->error,
                                                 "%s; it stays on %s (it did not let go)",
                                                 strempty(p->message), cur);
                                        return;
                                }
                                _fallthrough_;
                        case WRITE_PENDING:
                                act_wait(a);
                                return;
                        }
                        break;

                case PHASE_UNDO_BIND:
                        if (streq_ptr(cur, p->prev_driver)) {
                                act_restored(p, a, cur);
                                return;
                        }
                        if (cur) {
                                act_done(p, a, p->error, "%s; %s took it back, not %s",
                                         strempty(p->message), cur, p->prev_driver);
                                return;
                        }
                        assert(p->prev_driver); /* cur is NULL and differs */
                        switch (p->write) {
                        case WRITE_NONE:
                                act_write(p, a, HISI_BIND_ATTR_DRIVER_BIND, p->prev_driver, 0);
                                return;
                        case WRITE_FAILED:
                                act_done(p, a, p->error,
                                         "%s; it is left without a driver (bind: %s)",
                                         strempty(p->message), errname(p->write_error));
                                return;
                        case WRITE_RETURNED:
                                if (returned_final(p)) {
                                        act_done(p, a, p->error,
                                                 "%s; it is left without a driver (the probe of "
                                                 "%s failed)",
                                                 strempty(p->message), p->prev_driver);
                                        return;
                                }
                                _fallthrough_;
                        case WRITE_PENDING:
                                act_wait(a);
                                return;
                        }
                        break;

                case PHASE_DONE:
                        act_verdict(p, a);
                        return;

                case PHASE_NEW:
                        break;
                }
                assert(false); /* every phase acts or moves on */
                return;
        }
}

/* The deadline passed and the plan would still wait: say what did not happen in time. */
static void act_timeout(hisi_bind_plan *p, hisi_bind_action *a, const char *cur) {
        char t[32];

        format_usec(t, p->timeout_usec);
        switch (p->phase) {
        case PHASE_TIDY:
                act_done(p, a, -ETIMEDOUT,
                         "clearing the driver_override of %s did not finish within %s", p->address,
                         t);
                return;
        case PHASE_OVERRIDE:
                act_fail(p, a, -ETIMEDOUT,
                         "the driver_override write of %s did not return within %s", p->address, t);
                return;
        case PHASE_RELEASE:
                act_fail(p, a, -ETIMEDOUT, "%s did not release %s within %s", cur ?: "its driver",
                         p->address, t);
                return;
        case PHASE_PROBE:
                act_fail(p, a, -ETIMEDOUT,
                         "%s did not bind %s within %s (its probe failed or hangs; see "
                         "the kernel log)",
                         p->want, p->address, t);
                return;
        case PHASE_UNDO_OVERRIDE:
        case PHASE_UNDO_RELEASE:
        case PHASE_UNDO_BIND:
                act_done(p, a, p->error,
                         "%s; putting it back on %s did not finish in time (it is on %s)",
                         strempty(p->message), p->prev_driver ?: "no driver", cur ?: "no driver");
                return;
        case PHASE_NEW:
        case PHASE_DONE:
                break;
        }
        assert(false);
}

int hisi_bind_plan_start(hisi_bind_plan *p, const hisi_bind_facts *f, hisi_bind_action *ret) {
        const char *target;

        if (!p || !f || !ret || p->phase != PHASE_NEW)
                return -EINVAL;
        if (f->driver) {
                p->prev_driver = strdup(f->driver);
                if (!p->prev_driver)
                        return -ENOMEM;
        }
        if (f->override && f->override[0] != '\0') {
                p->prev_override = strdup(f->override);
                if (!p->prev_override)
                        return -ENOMEM;
        }
        target = hisi_bind_plan_target_driver(p);

        switch (p->op) {
        case HISI_BIND_OP_BIND:
                if (streq_ptr(f->driver, HISI_VFIO_DRIVER)) {
                        act_done(p, ret, 0, "already bound to %s", HISI_VFIO_DRIVER);
                        return 0;
                }
                if (!f->target_loaded) {
                        act_done(p, ret, -ENOENT,
                                 "the %s driver is not loaded (modprobe %s); %s is unchanged",
                                 target, target, p->address);
                        return 0;
                }
                if (f->driver && !streq(f->driver, hisi_kind_host_driver(p->kind)) &&
                    !(p->flags & HISI_BIND_FORCE)) {
                        act_done(p, ret, -EBUSY,
                                 "%s is held by %s, not by its host driver %s; it is unchanged",
                                 p->address, f->driver, hisi_kind_host_driver(p->kind));
                        return 0;
                }
                p->want = HISI_VFIO_DRIVER;
                break;

        case HISI_BIND_OP_UNBIND:
                if (p->restore && !f->target_loaded) {
                        act_done(p, ret, -ENOENT,
                                 "the %s driver is not loaded (modprobe %s); %s is unchanged",
                                 target, target, p->address);
                        return 0;
                }
                if (!streq_ptr(f->driver, HISI_VFIO_DRIVER)) {
                        /* Not ours (any more): drop our override, if it is ours, and leave the
                         * rest. An override naming another driver belongs to whoever set it. */
                        if (streq_ptr(p->prev_override, HISI_VFIO_DRIVER)) {
                                enter(p, PHASE_TIDY);
                                evaluate(p, f->driver, ret);
                                return 0;
                        }
                        act_done(p, ret, 0, "not bound to %s (%s); nothing to do", HISI_VFIO_DRIVER,
                                 f->driver ?: "no driver");
                        return 0;
                }
                /* Without a driver to bind (none named, the host driver not loaded), unbound is
                 * the end: nothing would take the VF. */
                p->want = f->target_loaded ? target : NULL;
                break;

        case _HISI_BIND_OP_MAX:
        case _HISI_BIND_OP_INVALID:
                assert(false);
                return -EINVAL;
        }
        enter(p, PHASE_OVERRIDE);
        evaluate(p, f->driver, ret);
        return 0;
}

int hisi_bind_plan_next(hisi_bind_plan *p, const hisi_bind_observation *o, hisi_bind_action *ret) {
        if (!p || !o || !ret || p->phase == PHASE_NEW)
                return -EINVAL;
        if (p->phase == PHASE_DONE) {
                act_verdict(p, ret);
                return 0;
        }
        if (o->write_returned && p->write != WRITE_PENDING)
                return -EINVAL;

        if (p->write == WRITE_PENDING) {
                if (o->write_returned) {
                        p->write = o->write_error < 0 ? WRITE_FAILED : WRITE_RETURNED;
                        p->write_error = MIN(o->write_error, 0);
                } else if (!o->timed_out) {
                        act_wait(ret); /* a write in flight: its end brings the next look */
                        return 0;
                }
        }

        if (o->read_error < 0) {
                if (o->read_error == -ENODEV) {
                        if (undoing(p))
                                act_done(p, ret, p->error, "%s; it went away meanwhile",
                                         strempty(p->message));
                        else
                                act_done(p, ret, -ENODEV, "%s went away", p->address);
                } else
                        act_fail(p, ret, o->read_error, "cannot read the driver of %s (%s)",
                                 p->address, errname(o->read_error));
                return 0;
        }

        evaluate(p, o->driver, ret);

        /* One last look at the deadline (the link may be right while its uevent is on its
         * way), then the verdict: whatever would still be waited for did not come in time. */
        if (o->timed_out && ret->verb != HISI_BIND_DONE && ret->deadline_usec == 0)
                act_timeout(p, ret, o->driver);
        return 0;
}

int hisi_bind_plan_fail(hisi_bind_plan *p, int error, const char *reason, hisi_bind_action *ret) {
        if (!p || error >= 0 || !ret || p->phase == PHASE_NEW)
                return -EINVAL;
        if (p->phase == PHASE_DONE) {
                act_verdict(p, ret);
                return 0;
        }
        if (p->phase == PHASE_TIDY) {
                act_done(p, ret, error, "%s", strempty(reason));
                return 0;
        }
        p->write = WRITE_RETURNED; /* a write in flight is given up */
        act_fail(p, ret, error, "%s", strempty(reason));
        return 0;
}
