/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One binding operation on one VF (see bind-job.h): libhisi's bind plan carried out from the
 * event loop.
 *
 * The plan asks for a write, a wait, or ends. Every write goes to a child, whose end comes back
 * as on_write_done(): even a driver_override store, which runs no driver code on a kernel, is a
 * call into the simulated host's kernel under its preload, and that kernel may hang. After every
 * write and on every uevent of the VF the job reads the driver link and hands it to the plan.
 * The plan's deadlines are one timer; when it fires with a write in flight, the write's child is
 * killed, and once it has been reaped the plan turns to the undo or to its verdict. A child that
 * cannot be killed ends the job then and there: the VF is stuck, and nothing more is written.
 */

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bind-job.h"
#include "errno-name.h"
#include "hisi/bind-plan.h"
#include "hisi/pci-address.h"
#include "hisi/pci-bind.h"
#include "string-table.h"
#include "string-util.h"
#include "sysfs-write.h"
#include "time-util.h"

struct BindJob {
        sd_event *event;
        hisi_ctx *ctx;
        SysfsWriter *writer;
        bool synchronous;
        BindJobType type;
        char address[HISI_PCI_ADDRESS_MAX];
        hisi_kind kind;
        uint64_t timeout_usec;
        bind_job_done_t done;
        void *userdata;

        hisi_bind_plan *plan; /* once started */
        bool finished;
        bool stuck;
        SysfsWrite *write;    /* a write in flight */
        hisi_bind_attr attr;  /* what it writes, for the messages */
        bool write_cancelled; /* its deadline passed: its child is being killed */
        sd_event_source *timer;
        sd_event_source *defer;
        int error;
        char *message;
};

static const char *const bind_job_type_table[_BIND_JOB_TYPE_MAX] = {
        [BIND_JOB_BIND] = "bind",
        [BIND_JOB_UNBIND] = "unbind",
};
DEFINE_STRING_TABLE_LOOKUP(bind_job_type, BindJobType);

static hisi_bind_op type_to_op(BindJobType t) {
        switch (t) {
        case BIND_JOB_BIND:
                return HISI_BIND_OP_BIND;
        case BIND_JOB_UNBIND:
                return HISI_BIND_OP_UNBIND;
        case _BIND_JOB_TYPE_MAX:
        case _BIND_JOB_TYPE_INVALID:
                break;
        }
        assert(false);
        return _HISI_BIND_OP_INVALID;
}

static const char *errname(int error) {
        const char *n = errno_to_name(error);
        return n ? n : "an unknown error";
}

/* A write in flight is no longer wanted: its child is killed (the writer reaps it). */
static void abandon_write(BindJob *j) {
        if (j->write)
                sysfs_write_abandon(j->write);
        j->write = NULL;
        j->write_cancelled = false;
}

BindJob *bind_job_free(BindJob *j) {
        if (!j)
                return NULL;
        abandon_write(j);
        sd_event_source_disable_unref(j->timer);
        sd_event_source_disable_unref(j->defer);
        sd_event_unref(j->event);
        hisi_bind_plan_free(j->plan);
        free(j->message);
        free(j);
        return NULL;
}

int bind_job_new(sd_event *event, hisi_ctx *ctx, SysfsWriter *writer, BindJobType type,
                 const char *address, hisi_kind kind, uint64_t timeout_usec, bind_job_done_t done,
                 void *userdata, BindJob **ret) {
        BindJob *j;

        if (!event || !ctx || !writer || !address || !hisi_pci_address_valid(address) || !done ||
            !ret || type < 0 || type >= _BIND_JOB_TYPE_MAX || kind < 0 || kind >= _HISI_KIND_MAX)
                return -EINVAL;
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->event = sd_event_ref(event);
        j->ctx = ctx;
        j->writer = writer;
        j->synchronous = true;
        j->type = type;
        strcpy(j->address, address);
        j->kind = kind;
        j->timeout_usec = timeout_usec;
        j->done = done;
        j->userdata = userdata;
        *ret = j;
        return 0;
}

BindJobType bind_job_get_type(const BindJob *j) {
        return j ? j->type : _BIND_JOB_TYPE_INVALID;
}

const char *bind_job_get_address(const BindJob *j) {
        return j ? j->address : NULL;
}

bool bind_job_is_started(const BindJob *j) {
        return j && (j->plan || j->finished);
}

bool bind_job_is_stuck(const BindJob *j) {
        return j && j->stuck;
}

void bind_job_set_synchronous(BindJob *j, bool synchronous) {
        if (j && !bind_job_is_started(j))
                j->synchronous = synchronous;
}

/* ---- Ending ---- */

static int on_defer(sd_event_source *s, void *userdata) {
        BindJob *j = userdata;

        (void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
        /* The callback may free the job. */
        j->done(j, j->error, strempty(j->message), j->userdata);
        return 0;
}

/* The VF is gone from sysfs. */
static bool vf_gone(BindJob *j) {
        _cleanup_free_ char *d = NULL;

        return hisi_pci_read_driver(j->ctx, j->address, &d) == -ENODEV;
}

/* The result, delivered from the event loop. */
static void finish(BindJob *j, int error, const char *message) {
        int r;

        if (j->finished)
                return;
        j->finished = true;
        abandon_write(j);
        j->timer = sd_event_source_disable_unref(j->timer);
        free(j->message);
        /* Whatever step met it (a write, a read, the undo), a VF that went away is told one
         * way. */
        if (error < 0 && error != -ENODEV && !j->stuck && vf_gone(j))
                error = -ENODEV;
        if (error == -ENODEV) {
                if (asprintf(&j->message, BIND_JOB_GONE_FORMAT, j->address) < 0)
                        j->message = NULL;
        } else
                j->message = message ? strdup(message) : NULL;
        j->error = error;
        r = sd_event_add_defer(j->event, &j->defer, on_defer, j);
        if (r < 0)
                /* No way to defer: report now. Callers keep no state across their calls into the
                 * job that this would break (the manager frees the job in done). */
                j->done(j, error, strempty(j->message), j->userdata);
}

/* ---- Carrying out the plan ---- */

static void on_write_done(SysfsWriteEnd end, int error, void *userdata);
static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

static int arm_timer(BindJob *j, uint64_t usec) {
        j->timer = sd_event_source_disable_unref(j->timer);
        return sd_event_add_time_relative(j->event, &j->timer, CLOCK_MONOTONIC, usec, 0, on_timer,
                                          j);
}

/* The plan could not be followed: it undoes what it did, or ends. */
static _printf_(4, 5) void plan_fail(BindJob *j, hisi_bind_action *a, int error, const char *fmt,
                                     ...) {
        _cleanup_free_ char *reason = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&reason, fmt, ap) < 0)
                reason = NULL;
        va_end(ap);
        abandon_write(j);
        if (hisi_bind_plan_fail(j->plan, error, reason ?: "out of memory", a) < 0)
                *a = (hisi_bind_action){ .verb = HISI_BIND_DONE,
                                         .error = error,
                                         .message = "failed" };
}

/* Look at the driver link and ask the plan what now; o carries the rest of what happened. */
static void observe(BindJob *j, hisi_bind_observation *o, hisi_bind_action *a) {
        _cleanup_free_ char *cur = NULL;
        int r;

        r = hisi_pci_read_driver(j->ctx, j->address, &cur);
        o->read_error = MIN(r, 0);
        o->driver = cur;
        r = hisi_bind_plan_next(j->plan, o, a);
        if (r < 0)
                plan_fail(j, a, r, "the bind plan of %s refused a step (%s)", j->address,
                          errname(r));
}

/* The writer refused to start a write: say why, for people. */
static void write_refused(BindJob *j, hisi_bind_action *a, int r) {
        const char *attr = hisi_bind_attr_to_string(a->attr);

        switch (r) {
        case -EDEADLK:
                plan_fail(j, a, r,
                          "an earlier write for %s is stuck in the kernel; no %s write is made "
                          "until it ends",
                          j->address, attr);
                return;
        case -EMFILE:
                plan_fail(j, a, r,
                          "%u writes are stuck in the kernel; no %s write for %s is made until "
                          "one ends",
                          sysfs_writer_n_stuck(j->writer), attr, j->address);
                return;
        default:
                plan_fail(j, a, r, "cannot start the %s write for %s (%s)", attr, j->address,
                          errname(r));
                return;
        }
}

/* Carry out actions until the plan waits (for a write's child, a uevent, the timer) or ends. */
static void perform(BindJob *j, hisi_bind_action a) {
        for (;;) {
                hisi_bind_observation o = {};
                int r;

                switch (a.verb) {
                case HISI_BIND_DONE:
                        finish(j, a.error, a.message);
                        return;
                case HISI_BIND_WAIT:
                        return;
                case HISI_BIND_WRITE:
                        if (a.deadline_usec > 0) {
                                r = arm_timer(j, a.deadline_usec);
                                if (r < 0) {
                                        plan_fail(j, &a, r, "cannot arm a timer (%s)", errname(r));
                                        continue;
                                }
                        }
                        r = sysfs_write_start(j->writer, j->address, a.attr, a.value, on_write_done,
                                              j, &j->write);
                        if (r < 0) {
                                write_refused(j, &a, r);
                                continue;
                        }
                        j->attr = a.attr;
                        j->write_cancelled = false;
                        return; /* its end comes back through on_write_done */
                case _HISI_BIND_VERB_MAX:
                case _HISI_BIND_VERB_INVALID:
                        assert(false);
                        return;
                }
                observe(j, &o, &a);
        }
}

/* What a write that never returns waits for. */
static const char *stuck_where(hisi_bind_attr attr) {
        switch (attr) {
        case HISI_BIND_ATTR_UNBIND:
                return "a driver's remove() hangs";
        case HISI_BIND_ATTR_DRIVERS_PROBE:
        case HISI_BIND_ATTR_DRIVER_BIND:
                return "a driver's probe() hangs";
        case HISI_BIND_ATTR_DRIVER_OVERRIDE:
                return "the kernel does not finish the store";
        case _HISI_BIND_ATTR_MAX:
        case _HISI_BIND_ATTR_INVALID:
                break;
        }
        return "the kernel does not answer";
}

/* The write's child could not be killed: it sits in the kernel, in the driver's code. No undo
 * (it would write to the same VF), no further write: the job ends here. */
static void write_stuck(BindJob *j) {
        _cleanup_free_ char *msg = NULL;
        char t[32];
        uint64_t u = j->timeout_usec;

        if (u < USEC_PER_SEC)
                snprintf(t, sizeof(t), "%llu ms", (unsigned long long)(u / USEC_PER_MSEC));
        else
                snprintf(t, sizeof(t), "%llu s", (unsigned long long)(u / USEC_PER_SEC));
        j->stuck = true;
        if (asprintf(&msg,
                     "the %s write for %s did not return within %s and cannot be stopped: it is "
                     "stuck in the kernel (%s; see the kernel log). Nothing more is written to %s "
                     "until it ends",
                     hisi_bind_attr_to_string(j->attr), j->address, t, stuck_where(j->attr),
                     j->address) < 0)
                msg = NULL;
        finish(j, -ETIMEDOUT, msg ?: "a write is stuck in the kernel");
}

static void on_write_done(SysfsWriteEnd end, int error, void *userdata) {
        BindJob *j = userdata;
        hisi_bind_observation o = {};
        hisi_bind_action a;

        j->write = NULL;
        switch (end) {
        case SYSFS_WRITE_RETURNED:
                o.write_returned = true;
                o.write_error = error;
                /* Returned as its deadline passed: the plan's last look. */
                o.timed_out = j->write_cancelled;
                break;
        case SYSFS_WRITE_KILLED:
                /* Given up at the deadline, its child killed and reaped. */
                o.timed_out = true;
                break;
        case SYSFS_WRITE_STUCK:
                write_stuck(j);
                return;
        case _SYSFS_WRITE_END_MAX:
        case _SYSFS_WRITE_END_INVALID:
                assert(false);
                return;
        }
        j->write_cancelled = false;
        observe(j, &o, &a);
        perform(j, a);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        BindJob *j = userdata;
        hisi_bind_observation o = { .timed_out = true };
        hisi_bind_action a;

        j->timer = sd_event_source_disable_unref(j->timer);
        if (j->write) {
                /* Its child is killed; its end (reaped, or stuck) brings the next step. */
                j->write_cancelled = true;
                sysfs_write_cancel(j->write);
                return 0;
        }
        observe(j, &o, &a);
        perform(j, a);
        return 0;
}

int bind_job_start(BindJob *j) {
        _cleanup_free_ char *cur = NULL, *override = NULL;
        hisi_bind_facts facts = {};
        hisi_bind_action a;
        int r;

        if (!j || bind_job_is_started(j))
                return -EINVAL;
        /* The policy decided that the VF may be taken from whatever driver has it. */
        r = hisi_bind_plan_new(type_to_op(j->type), j->kind, j->address,
                               (j->type == BIND_JOB_BIND ? HISI_BIND_FORCE : 0) |
                                       (j->synchronous ? HISI_BIND_SYNCHRONOUS : 0),
                               NULL, j->timeout_usec, &j->plan);
        if (r < 0)
                return r;
        r = hisi_pci_read_driver(j->ctx, j->address, &cur);
        if (r >= 0)
                r = hisi_pci_read_override(j->ctx, j->address, &override);
        if (r >= 0) {
                facts.driver = cur;
                facts.override = override;
                facts.target_loaded =
                        hisi_pci_driver_loaded(j->ctx, hisi_bind_plan_target_driver(j->plan)) > 0;
                r = hisi_bind_plan_start(j->plan, &facts, &a);
        }
        /* The first deadline is armed before the first write, so that failing to arm it
         * changes nothing. */
        if (r >= 0 && a.verb == HISI_BIND_WRITE && a.deadline_usec > 0) {
                r = arm_timer(j, a.deadline_usec);
                a.deadline_usec = 0;
        }
        if (r < 0) {
                j->plan = hisi_bind_plan_free(j->plan);
                j->timer = sd_event_source_disable_unref(j->timer);
                return r;
        }
        perform(j, a);
        return 0;
}

void bind_job_kick(BindJob *j) {
        hisi_bind_observation o = {};
        hisi_bind_action a;

        /* Not started, ended, or a write in flight (its end comes back by itself). */
        if (!j || !j->plan || j->finished || j->write)
                return;
        observe(j, &o, &a);
        perform(j, a);
}

void bind_job_abort(BindJob *j, int error, const char *message) {
        if (j)
                finish(j, error, message);
}
