/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One binding operation on one VF (see bind-job.h).
 *
 * The forward path, for a bind: write driver_override = hisi_acc_vfio_pci (a store: inline),
 * unbind the current driver (a child: sysfs-write.h) and wait until the link is gone, write
 * drivers_probe (a child) and wait until the link names hisi_acc_vfio_pci. An unbind clears the
 * override, unbinds, and probes so that the host driver takes the VF back. A step is checked
 * after its write returned and again on each uevent of the VF, since on a real kernel the link
 * has changed when the write returns and under an asynchronous sysfs (the simulated host) a
 * moment later.
 *
 * The undo path puts back the override the VF had and then its driver, the same way, under a
 * timer of its own (the forward timeout, at least a second), and the job's result stays the
 * forward failure with what the undo achieved appended.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bind-job.h"
#include "errno-name.h"
#include "file-util.h"
#include "hisi/pci-address.h"
#include "hisi/pci-bind.h"
#include "sysfs-write.h"
#include "string-util.h"

#define UNDO_MIN_USEC 1000000ULL
#define RETAKES_MAX   2 /* a host driver that binds a new VF under our feet, taken back */

typedef enum JobStep {
        STEP_NEW,
        STEP_RELEASE,      /* waiting for the bound driver to let the VF go */
        STEP_PROBE,        /* waiting for the wanted driver to bind it */
        STEP_UNDO_RELEASE, /* undo: waiting for a driver we do not want to let go */
        STEP_UNDO_PROBE,   /* undo: waiting for the previous driver to come back */
        STEP_DONE,
} JobStep;

struct BindJob {
        sd_event *event;
        hisi_ctx *ctx;
        BindJobType type;
        char address[HISI_PCI_ADDRESS_MAX];
        hisi_kind kind;
        uint64_t timeout_usec;
        bind_job_done_t done;
        void *userdata;

        JobStep step;
        char *want;          /* the driver the forward path waits for; NULL: unbound is enough */
        char *prev_driver;   /* as the job found the VF, for the undo */
        char *prev_override; /* likewise */
        SysfsWrite *write;   /* a write in flight */
        bool write_done;     /* the step's write has returned … */
        int write_error;     /* … with this */
        sd_event_source *timer;
        sd_event_source *defer;
        int error;
        char *message;
        unsigned retakes;
};

static const char *const type_names[_BIND_JOB_TYPE_MAX] = {
        [BIND_JOB_BIND] = "bind",
        [BIND_JOB_UNBIND] = "unbind",
};

const char *bind_job_type_to_string(BindJobType t) {
        if (t < 0 || t >= _BIND_JOB_TYPE_MAX)
                return NULL;
        return type_names[t];
}

static const char *errname(int error) {
        const char *n = errno_to_name(error);
        return n ? n : "an unknown error";
}

/* "10 s", "1.5 s", "300 ms". */
static void format_usec(char buf[static 32], uint64_t usec) {
        if (usec < 1000000ULL)
                snprintf(buf, 32, "%llu ms", (unsigned long long)(usec / 1000));
        else if (usec % 1000000ULL == 0)
                snprintf(buf, 32, "%llu s", (unsigned long long)(usec / 1000000ULL));
        else
                snprintf(buf, 32, "%.1f s", (double)usec / 1e6);
}

static void detach_write(BindJob *j) {
        if (j->write)
                sysfs_write_detach(j->write);
        j->write = NULL;
}

BindJob *bind_job_free(BindJob *j) {
        if (!j)
                return NULL;
        detach_write(j);
        sd_event_source_disable_unref(j->timer);
        sd_event_source_disable_unref(j->defer);
        sd_event_unref(j->event);
        free(j->want);
        free(j->prev_driver);
        free(j->prev_override);
        free(j->message);
        free(j);
        return NULL;
}

int bind_job_new(sd_event *event, hisi_ctx *ctx, BindJobType type, const char *address,
                 hisi_kind kind, uint64_t timeout_usec, bind_job_done_t done, void *userdata,
                 BindJob **ret) {
        BindJob *j;

        if (!event || !ctx || !address || !hisi_pci_address_valid(address) || !done || !ret ||
            type < 0 || type >= _BIND_JOB_TYPE_MAX || kind < 0 || kind >= _HISI_KIND_MAX)
                return -EINVAL;
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->event = sd_event_ref(event);
        j->ctx = ctx;
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
        return j && j->step != STEP_NEW;
}

/* ---- Ending ---- */

static int on_defer(sd_event_source *s, void *userdata) {
        BindJob *j = userdata;

        (void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
        /* The callback may free the job. */
        j->done(j, j->error, j->message ? j->message : "", j->userdata);
        return 0;
}

/* The result, delivered from the event loop. message is taken. */
static void finish(BindJob *j, int error, char *message) {
        int r;

        if (j->step == STEP_DONE) {
                free(message);
                return;
        }
        j->step = STEP_DONE;
        detach_write(j);
        j->timer = sd_event_source_disable_unref(j->timer);
        free(j->message);
        j->message = message;
        j->error = error;
        r = sd_event_add_defer(j->event, &j->defer, on_defer, j);
        if (r < 0)
                /* No way to defer: report now. Callers keep no state across their calls into the
                 * job that this would break (the manager frees the job in done). */
                j->done(j, error, message ? message : "", j->userdata);
}

static _printf_(3, 4) void finishf(BindJob *j, int error, const char *fmt, ...) {
        char *m = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        finish(j, error, m);
}

/* ---- Steps ---- */

static void advance(BindJob *j);

static void on_write_done(int error, void *userdata) {
        BindJob *j = userdata;

        j->write = NULL;
        j->write_done = true;
        j->write_error = error;
        advance(j);
}

static int start_write(BindJob *j, SysfsOp op) {
        detach_write(j);
        j->write_done = false;
        j->write_error = 0;
        return sysfs_write_start(j->event, j->ctx, op, j->address, on_write_done, j, &j->write);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

static int arm_timer(BindJob *j, uint64_t usec) {
        j->timer = sd_event_source_disable_unref(j->timer);
        return sd_event_add_time_relative(j->event, &j->timer, CLOCK_MONOTONIC, usec, 0, on_timer,
                                          j);
}

static int read_override(BindJob *j, char **ret) {
        _cleanup_free_ char *p = NULL, *s = NULL;
        int r;

        r = hisi_ctx_pathf(j->ctx, &p, "/sys/bus/pci/devices/%s/driver_override", j->address);
        if (r < 0)
                return r;
        r = read_one_line_file(p, &s);
        if (r == -ENOENT)
                return -EOPNOTSUPP;
        if (r < 0)
                return r;
        if (s[0] == '\0' || streq(s, "(null)"))
                s = mfree(s);
        *ret = TAKE_PTR(s);
        return 0;
}

static bool driver_loaded(BindJob *j, const char *driver) {
        _cleanup_free_ char *p = NULL;
        struct stat st;

        if (hisi_ctx_pathf(j->ctx, &p, "/sys/bus/pci/drivers/%s", driver) < 0)
                return false;
        return stat(p, &st) >= 0 && S_ISDIR(st.st_mode);
}

/* Put the VF back as the job found it; the job's error and message stand. */
static void undo(BindJob *j, int error, char *message) {
        _cleanup_free_ char *cur = NULL;
        int r;

        detach_write(j);
        free(j->message);
        j->message = message;
        j->error = error;

        r = hisi_pci_write_override(j->ctx, j->address, j->prev_override);
        if (r < 0) {
                finishf(j, error, "%s; putting back its driver_override failed too (%s)",
                        j->message ? j->message : "", errname(r));
                return;
        }
        r = hisi_pci_read_driver(j->ctx, j->address, &cur);
        if (r < 0) {
                finishf(j, error, "%s; it went away meanwhile", j->message ? j->message : "");
                return;
        }
        if (streq_ptr(cur, j->prev_driver)) {
                if (cur)
                        finishf(j, error, "%s; it is on %s as before", j->message ? j->message : "",
                                cur);
                else
                        finishf(j, error, "%s; it is left without a driver, as before",
                                j->message ? j->message : "");
                return;
        }
        if (arm_timer(j, MAX(j->timeout_usec, UNDO_MIN_USEC)) < 0) {
                finishf(j, error, "%s; cannot put it back (no timer)",
                        j->message ? j->message : "");
                return;
        }
        if (cur) {
                j->step = STEP_UNDO_RELEASE;
                r = start_write(j, SYSFS_OP_UNBIND);
        } else {
                j->step = STEP_UNDO_PROBE;
                r = start_write(j, SYSFS_OP_PROBE);
        }
        if (r < 0)
                finishf(j, error, "%s; cannot put it back (%s)", j->message ? j->message : "",
                        errname(r));
}

static _printf_(3, 4) void failf(BindJob *j, int error, const char *fmt, ...) {
        char *m = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        undo(j, error, m);
}

static void succeed(BindJob *j, const char *cur) {
        if (j->type == BIND_JOB_BIND)
                finishf(j, 0, "bound to %s (was %s)", HISI_VFIO_DRIVER,
                        j->prev_driver ? j->prev_driver : "unbound");
        else
                finishf(j, 0, "unbound from %s; now %s%s", HISI_VFIO_DRIVER,
                        cur ? "on " : "without a driver", cur ? cur : "");
}

static void advance_forward(BindJob *j, const char *cur) {
        switch (j->step) {
        case STEP_RELEASE:
                if (!cur) {
                        if (j->type == BIND_JOB_UNBIND && !j->want) {
                                succeed(j, NULL);
                                return;
                        }
                        j->step = STEP_PROBE;
                        if (start_write(j, SYSFS_OP_PROBE) < 0)
                                failf(j, -EIO, "cannot start the probe of %s", j->address);
                        return;
                }
                if (j->type == BIND_JOB_BIND && streq(cur, HISI_VFIO_DRIVER)) {
                        succeed(j, cur);
                        return;
                }
                if (j->write_done && j->write_error < 0) {
                        failf(j, j->write_error, "%s refused to unbind %s (%s)", cur, j->address,
                              errname(j->write_error));
                        return;
                }
                return; /* not yet */
        case STEP_PROBE:
                if (cur && j->want && streq(cur, j->want)) {
                        succeed(j, cur);
                        return;
                }
                if (cur && j->type == BIND_JOB_UNBIND) {
                        succeed(j, cur); /* off hisi_acc_vfio_pci, on whatever took it */
                        return;
                }
                if (cur && j->retakes < RETAKES_MAX &&
                    streq_ptr(cur, hisi_kind_host_driver(j->kind))) {
                        /* The host driver's own probe of a VF that just appeared won the race
                         * with ours (it binds a new VF by its IDs, before our override): take
                         * it back, within the same deadline. Its driver is now what the undo
                         * restores. */
                        j->retakes++;
                        free(j->prev_driver);
                        j->prev_driver = strdup(cur);
                        j->step = STEP_RELEASE;
                        if (start_write(j, SYSFS_OP_UNBIND) < 0)
                                failf(j, -EIO, "cannot start the unbind write for %s", j->address);
                        return;
                }
                if (cur) {
                        failf(j, -EBUSY, "%s bound %s instead of %s", cur, j->address,
                              HISI_VFIO_DRIVER);
                        return;
                }
                if (j->write_done && j->write_error < 0) {
                        failf(j, j->write_error, "the probe of %s by %s failed (%s)", j->address,
                              j->want ? j->want : "its driver", errname(j->write_error));
                        return;
                }
                if (j->write_done && !j->want) {
                        succeed(j, NULL);
                        return;
                }
                return; /* not yet */
        case STEP_NEW:
        case STEP_UNDO_RELEASE:
        case STEP_UNDO_PROBE:
        case STEP_DONE:
                break;
        }
}

static void advance_undo(BindJob *j, const char *cur) {
        const char *m = j->message ? j->message : "";

        switch (j->step) {
        case STEP_UNDO_RELEASE:
                if (streq_ptr(cur, j->prev_driver)) {
                        finishf(j, j->error, "%s; it is back on %s", m, cur ? cur : "no driver");
                        return;
                }
                if (!cur) {
                        if (!j->prev_driver) {
                                finishf(j, j->error, "%s; it is left without a driver, as before",
                                        m);
                                return;
                        }
                        j->step = STEP_UNDO_PROBE;
                        if (start_write(j, SYSFS_OP_PROBE) < 0)
                                finishf(j, j->error, "%s; cannot probe it to put it back", m);
                        return;
                }
                if (j->write_done && j->write_error < 0)
                        finishf(j, j->error, "%s; it stays on %s (unbind: %s)", m, cur,
                                errname(j->write_error));
                return;
        case STEP_UNDO_PROBE:
                if (streq_ptr(cur, j->prev_driver)) {
                        finishf(j, j->error, "%s; it is back on %s", m, cur ? cur : "no driver");
                        return;
                }
                if (cur) {
                        finishf(j, j->error, "%s; %s took it back, not %s", m, cur,
                                j->prev_driver ? j->prev_driver : "no driver");
                        return;
                }
                if (j->write_done && j->write_error < 0)
                        finishf(j, j->error, "%s; it is left without a driver (probe: %s)", m,
                                errname(j->write_error));
                return;
        case STEP_NEW:
        case STEP_RELEASE:
        case STEP_PROBE:
        case STEP_DONE:
                break;
        }
}

static void advance(BindJob *j) {
        _cleanup_free_ char *cur = NULL;
        int r;

        if (j->step == STEP_NEW || j->step == STEP_DONE || j->write)
                return; /* a write in flight: its end comes back here */
        r = hisi_pci_read_driver(j->ctx, j->address, &cur);
        if (r == -ENODEV) {
                finishf(j, -ENODEV, "%s went away", j->address);
                return;
        }
        if (r < 0) {
                if (j->step == STEP_RELEASE || j->step == STEP_PROBE)
                        failf(j, r, "cannot read the driver of %s (%s)", j->address, errname(r));
                else
                        finishf(j, j->error, "%s; cannot read its driver (%s)",
                                j->message ? j->message : "", errname(r));
                return;
        }
        if (j->step == STEP_RELEASE || j->step == STEP_PROBE)
                advance_forward(j, cur);
        else
                advance_undo(j, cur);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        BindJob *j = userdata;
        _cleanup_free_ char *cur = NULL;
        char t[32];

        /* One last look: the uevent may be on its way while the link is already right. */
        advance(j);
        if (j->step == STEP_DONE)
                return 0;
        (void)hisi_pci_read_driver(j->ctx, j->address, &cur);
        format_usec(t, j->timeout_usec);
        switch (j->step) {
        case STEP_RELEASE:
                failf(j, -ETIMEDOUT, "%s did not release %s within %s", cur ? cur : "its driver",
                      j->address, t);
                break;
        case STEP_PROBE:
                failf(j, -ETIMEDOUT,
                      "%s did not bind %s within %s (its probe failed or hangs; see the kernel "
                      "log)",
                      j->want ? j->want : "no driver", j->address, t);
                break;
        case STEP_UNDO_RELEASE:
        case STEP_UNDO_PROBE:
                finishf(j, j->error,
                        "%s; putting it back on %s did not finish in time (it is on %s)",
                        j->message ? j->message : "", j->prev_driver ? j->prev_driver : "no driver",
                        cur ? cur : "no driver");
                break;
        case STEP_NEW:
        case STEP_DONE:
                break;
        }
        return 0;
}

static int start_bind(BindJob *j, char *cur) {
        int r;

        if (streq_ptr(cur, HISI_VFIO_DRIVER)) {
                finishf(j, 0, "already bound to %s", HISI_VFIO_DRIVER);
                return 0;
        }
        if (!driver_loaded(j, HISI_VFIO_DRIVER)) {
                finishf(j, -ENOENT, "the %s driver is not loaded (modprobe %s); %s is unchanged",
                        HISI_VFIO_DRIVER, HISI_VFIO_DRIVER, j->address);
                return 0;
        }
        j->want = strdup(HISI_VFIO_DRIVER);
        if (!j->want)
                return -ENOMEM;
        r = hisi_pci_write_override(j->ctx, j->address, HISI_VFIO_DRIVER);
        if (r < 0) {
                finishf(j, r, "cannot write driver_override of %s (%s); it is unchanged",
                        j->address, errname(r));
                return 0;
        }
        r = arm_timer(j, j->timeout_usec);
        if (r < 0) {
                (void)hisi_pci_write_override(j->ctx, j->address, j->prev_override);
                return r;
        }
        j->step = cur ? STEP_RELEASE : STEP_PROBE;
        r = start_write(j, cur ? SYSFS_OP_UNBIND : SYSFS_OP_PROBE);
        if (r < 0)
                failf(j, r, "cannot start the %s write for %s (%s)", cur ? "unbind" : "probe",
                      j->address, errname(r));
        return 0;
}

static int start_unbind(BindJob *j, char *cur) {
        const char *host = hisi_kind_host_driver(j->kind);
        int r;

        if (!streq_ptr(cur, HISI_VFIO_DRIVER)) {
                /* Not ours: drop our override if it is ours, and leave the rest. */
                j->step = STEP_PROBE;
                if (streq_ptr(j->prev_override, HISI_VFIO_DRIVER))
                        (void)hisi_pci_write_override(j->ctx, j->address, NULL);
                finishf(j, 0, "not bound to %s (%s); nothing to do", HISI_VFIO_DRIVER,
                        cur ? cur : "no driver");
                return 0;
        }
        if (host && driver_loaded(j, host)) {
                j->want = strdup(host);
                if (!j->want)
                        return -ENOMEM;
        }
        r = hisi_pci_write_override(j->ctx, j->address, NULL);
        if (r < 0) {
                finishf(j, r, "cannot clear driver_override of %s (%s); it is unchanged",
                        j->address, errname(r));
                return 0;
        }
        r = arm_timer(j, j->timeout_usec);
        if (r < 0) {
                (void)hisi_pci_write_override(j->ctx, j->address, j->prev_override);
                return r;
        }
        j->step = STEP_RELEASE;
        r = start_write(j, SYSFS_OP_UNBIND);
        if (r < 0)
                failf(j, r, "cannot start the unbind write for %s (%s)", j->address, errname(r));
        return 0;
}

int bind_job_start(BindJob *j) {
        _cleanup_free_ char *cur = NULL;
        int r;

        if (!j || j->step != STEP_NEW)
                return -EINVAL;
        r = hisi_pci_read_driver(j->ctx, j->address, &cur);
        if (r < 0)
                return r;
        r = read_override(j, &j->prev_override);
        if (r < 0)
                return r;
        if (cur) {
                j->prev_driver = strdup(cur);
                if (!j->prev_driver)
                        return -ENOMEM;
        }
        switch (j->type) {
        case BIND_JOB_BIND:
                return start_bind(j, cur);
        case BIND_JOB_UNBIND:
                return start_unbind(j, cur);
        case _BIND_JOB_TYPE_MAX:
        case _BIND_JOB_TYPE_INVALID:
                break;
        }
        return -EINVAL;
}

void bind_job_kick(BindJob *j) {
        if (j)
                advance(j);
}

void bind_job_abort(BindJob *j, int error, const char *message) {
        if (!j)
                return;
        finishf(j, error, "%s", message ? message : "");
}
