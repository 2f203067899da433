/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The binding side of the Manager: the policy's verdict on each VF, the bind jobs it and the
 * operators start, and the libvirt scan the policy consults. It takes plain arguments and
 * returns results: the bus layer (manager-bus.c) turns a method call into manager_bind_request()
 * and hears through m->bind_done when a job ends.
 *
 * The policy binds a VF at start, when it appears, and after a reload; never twice at once, and
 * never in a loop. When a failed VF may be tried again, and how long it waits, are the rules of
 * device-binding.h; this file acts on their answers with jobs and timers.
 */

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "bind-overrides.h"
#include "device-facts.h"
#include "file-util.h"
#include "log.h"
#include "manager-libvirt.h"
#include "manager-reservation.h"
#include "manager.h"
#include "strv.h"
#include "string-util.h"
#include "time-util.h"

static uint64_t loop_now(Manager *m) {
        uint64_t t = 0;

        if (sd_event_now(m->event, CLOCK_MONOTONIC, &t) < 0)
                t = now_usec(CLOCK_MONOTONIC);
        return t;
}

static BindRetryLimits retry_limits(const Manager *m) {
        return (BindRetryLimits){
                .min_usec = m->config.timeouts.bind_retry_min_usec,
                .max_usec = m->config.timeouts.bind_retry_max_usec,
        };
}

unsigned manager_pending_jobs(Manager *m) {
        return m->jobs_running + (unsigned)m->n_queue;
}

/* Whoever waits on d's job hears how it ended. */
static void bind_done(Manager *m, Device *d, int error, const char *message) {
        if (m->bind_done)
                m->bind_done(m, d, error, message);
        manager_reservation_bind_done(m, d, error, message);
}

/* ---- Jobs ---- */

static void queue_remove(Manager *m, Device *d) {
        for (size_t i = 0; i < m->n_queue; i++)
                if (m->queue[i] == d) {
                        memmove(m->queue + i, m->queue + i + 1,
                                (m->n_queue - i - 1) * sizeof(*m->queue));
                        m->n_queue--;
                        return;
                }
}

static void start_queued(Manager *m);

static void maybe_exit(Manager *m) {
        if (m->state == MANAGER_STOPPING && manager_pending_jobs(m) == 0)
                (void)sd_event_exit(m->event, 0);
}

static void job_done(BindJob *j, int error, const char *job_message, void *userdata) {
        _cleanup_(hisi_pci_dev_done) hisi_pci_dev f = {};
        _cleanup_free_ char *copy = strdup(job_message); /* the job owns job_message */
        const char *message = copy ? copy : error < 0 ? "failed" : "done";
        Device *d = userdata;
        Manager *m = d->manager;
        BindJobType type = bind_job_get_type(j);
        BindRetryLimits limits = retry_limits(m);
        unsigned changed = 0;

        bool stuck = bind_job_is_stuck(j);

        d->binding.job = bind_job_free(j);
        m->jobs_running--;

        /* What the job left behind, as sysfs says. */
        if (device_facts_read(m->ctx, device_address(d), false, &f) >= 0)
                changed |= device_update(d, &f);

        device_binding_job_ended(&d->binding, type, error, loop_now(m), &limits, d->facts.driver,
                                 d->facts.driver_override);
        if (stuck) {
                changed |= device_set_bind_state(d, DEVICE_BIND_STUCK);
                changed |= device_set_last_error(d, message);
                log_device_error_errno(d, error, "Failed to %s %s: %s",
                                       bind_job_type_to_string(type), device_address(d), message);
                manager_changed(m, MANAGER_PROP_STUCK);
        } else if (error < 0) {
                changed |= device_set_bind_state(d, DEVICE_BIND_FAILED);
                changed |= device_set_last_error(d, message);
                log_device_error_errno(d, error, "Failed to %s %s: %s",
                                       bind_job_type_to_string(type), device_address(d), message);
        } else {
                changed |= device_set_bind_state(d, DEVICE_BIND_IDLE);
                changed |= device_set_last_error(d, NULL);
                log_device_info(d, "%s: %s.", device_address(d), message);
        }
        bind_done(m, d, error, message);
        manager_device_changed(m, d, changed);
        if (error < 0)
                /* A host that went away fails every write: say so now, not at the next look. */
                backend_watch_check(m->backend_watch);
        start_queued(m);
        maybe_exit(m);
}

static void start_job(Manager *m, Device *d) {
        BindJobType type = bind_job_get_type(d->binding.job);
        unsigned changed;
        int r;

        d->binding.job_queued = false;
        changed = device_set_bind_state(d, type == BIND_JOB_BIND ? DEVICE_BIND_BINDING
                                                                 : DEVICE_BIND_UNBINDING);
        if (type == BIND_JOB_BIND) {
                d->binding.attempts++;
                changed |= DEVICE_PROP_BIND_ATTEMPTS;
        }
        m->jobs_running++;
        log_device_info(d, "%s %s%s.", type == BIND_JOB_BIND ? "Binding" : "Unbinding",
                        device_address(d),
                        d->binding.job_by_operator ? " (requested)" : " (binding policy)");
        r = bind_job_start(d->binding.job);
        if (r < 0) {
                _cleanup_free_ char *msg = NULL;

                m->jobs_running--;
                d->binding.job = bind_job_free(d->binding.job);
                if (asprintf(&msg, "cannot start: %s", strerror(-r)) < 0)
                        msg = NULL;
                changed |= device_set_bind_state(d, DEVICE_BIND_FAILED);
                changed |= device_set_last_error(d, msg ? msg : "cannot start");
                log_device_error_errno(d, r, "Failed to start the %s job of %s: %m",
                                       bind_job_type_to_string(type), device_address(d));
                bind_done(m, d, r, msg ? msg : "cannot start");
        }
        manager_device_changed(m, d, changed);
}

static void start_queued(Manager *m) {
        while (m->n_queue > 0 && m->jobs_running < m->config.limits.max_concurrent_binds &&
               m->state != MANAGER_STOPPING) {
                Device *d = m->queue[0];

                queue_remove(m, d);
                start_job(m, d);
        }
}

static int enqueue(Manager *m, Device *d, BindJobType type, bool by_operator) {
        Device **n;
        int r;

        assert(!d->binding.job);
        r = bind_job_new(m->event, m->ctx, m->writer, type, device_address(d), d->facts.kind,
                         m->config.timeouts.bind_usec, job_done, d, &d->binding.job);
        if (r < 0)
                return r;
        d->binding.job_by_operator = by_operator;
        if (m->jobs_running < m->config.limits.max_concurrent_binds && m->n_queue == 0) {
                start_job(m, d);
                return 0;
        }
        n = reallocarray(m->queue, m->n_queue + 1, sizeof(*n));
        if (!n) {
                d->binding.job = bind_job_free(d->binding.job);
                return -ENOMEM;
        }
        m->queue = n;
        m->queue[m->n_queue++] = d;
        d->binding.job_queued = true;
        manager_device_changed(m, d, device_set_bind_state(d, DEVICE_BIND_QUEUED));
        return 0;
}

void manager_bind_resume(Manager *m) {
        start_queued(m);
        maybe_exit(m);
}

void manager_bind_forget(Manager *m, Device *d) {
        _cleanup_free_ char *msg = NULL;
        bool stopping = m->state == MANAGER_STOPPING;

        if (d->binding.job) {
                if (d->binding.job_queued)
                        queue_remove(m, d);
                else
                        m->jobs_running--;
        }
        device_binding_forget_job(&d->binding);
        if (stopping) {
                if (asprintf(&msg, "the daemon stops before %s is done", device_address(d)) < 0)
                        msg = NULL;
        } else if (asprintf(&msg, BIND_JOB_GONE_FORMAT, device_address(d)) < 0)
                msg = NULL;
        bind_done(m, d, stopping ? -ESHUTDOWN : -ENODEV, msg ? msg : "gone");
}

void manager_bind_abort_running(Manager *m) {
        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];

                if (d->binding.job && !d->binding.job_queued) {
                        log_device_warning(
                                d, "Giving up the %s of %s: the daemon stops.",
                                bind_job_type_to_string(bind_job_get_type(d->binding.job)),
                                device_address(d));
                        manager_bind_forget(m, d);
                }
        }
}

void manager_bind_unstuck(Manager *m, const char *address) {
        _cleanup_(hisi_pci_dev_done) hisi_pci_dev f = {};
        Device *d = manager_find_device(m, address);
        unsigned changed = 0;

        manager_changed(m, MANAGER_PROP_STUCK);
        if (!d) {
                log_info("The stuck write for %s ended at last (the device is gone).", address);
                return;
        }
        if (sysfs_writer_is_stuck(m->writer, address))
                return; /* another one still is */
        log_device_notice(d, "The stuck write for %s ended at last; it may be bound again.",
                          address);
        if (device_facts_read(m->ctx, address, false, &f) >= 0)
                changed |= device_update(d, &f);
        if (device_binding_is_stuck(&d->binding))
                changed |= device_set_bind_state(d, DEVICE_BIND_FAILED);
        manager_device_changed(m, d, changed);
}

/* ---- The policy ---- */

BindOverrides *manager_bind_overrides(Manager *m) {
        _cleanup_free_ char *error = NULL;
        const char *dir;
        int r;

        if (m->overrides)
                return m->overrides;
        dir = config_state_directory(&m->config);
        r = bind_overrides_load(dir, &m->overrides, &error);
        if (r < 0 && m->overrides)
                log_error_errno(r,
                                "Ignoring the persistent bindings, which cannot be read (the next "
                                "--persistent request replaces them): %s",
                                error ?: strerror(-r));
        else if (r >= 0 && m->overrides->n > 0)
                log_info("%zu persistent binding%s in %s.", m->overrides->n,
                         m->overrides->n == 1 ? "" : "s", m->overrides->path);
        return m->overrides;
}

static BindDecision evaluate(Manager *m, Device *d) {
        _cleanup_free_ char *text = NULL;
        BindOverrides *o = manager_bind_overrides(m);
        BindReason reason;
        BindDecision decision;
        BindFacts f;
        int recorded = o ? bind_overrides_get(o, device_address(d)) : -ENOENT;

        device_bind_facts(d, &f);
        decision = bind_policy_decide(&m->config, &f, &reason);
        if (decision < 0)
                return BIND_DECISION_LEAVE;
        if (recorded == BIND_JOB_UNBIND) {
                /* A persistent unbind: the policy leaves the VF, across restarts and reloads. */
                decision = BIND_DECISION_LEAVE;
                text = strdup("kept off hisi_acc_vfio_pci by a persistent unbind "
                              "(hisi-accmigctl overrides)");
        } else if (recorded == BIND_JOB_BIND) {
                /* A persistent bind: an explicit bind without force, at every start, hot-add
                 * and reload, whatever binding.policy names; its checks still hold. */
                if (bind_policy_allow_explicit(&m->config, &f, false, &reason)) {
                        decision = BIND_DECISION_BIND;
                        text = strdup("bound by a persistent bind (hisi-accmigctl overrides)");
                } else {
                        _cleanup_free_ char *why = bind_reason_describe(reason, &f);
                        decision = BIND_DECISION_LEAVE;
                        (void)asprintf_safe(&text, "%s, over its persistent bind", strna(why));
                }
        } else if (device_binding_release_holds(&d->binding, decision, device_is_bound(d))) {
                /* The operator's word stands over the policy's. */
                decision = BIND_DECISION_LEAVE;
                text = strdup("released by an explicit Unbind; the policy leaves it until a Bind "
                              "or a reload");
        } else
                text = bind_reason_describe(reason, &f);
        manager_device_changed(m, d, device_set_policy(d, decision, reason, text));
        return decision;
}

static int on_retry_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Device *d = userdata;

        d->binding.retry_timer = sd_event_source_disable_unref(d->binding.retry_timer);
        manager_apply_policy(d->manager, d);
        return 0;
}

void manager_apply_policy(Manager *m, Device *d) {
        uint64_t when = 0;
        int r;

        if (!device_is_vf(d) || m->state == MANAGER_STOPPING || m->state == MANAGER_STARTING)
                return;
        if (evaluate(m, d) != BIND_DECISION_BIND)
                return;
        switch (device_binding_policy_bind(&d->binding, device_is_bound(d), loop_now(m), &when)) {
        case BIND_RETRY_SKIP:
        case _BIND_RETRY_MAX:
        case _BIND_RETRY_INVALID:
                return;
        case BIND_RETRY_LATER:
                if (d->binding.retry_timer)
                        return;
                r = sd_event_add_time(m->event, &d->binding.retry_timer, CLOCK_MONOTONIC, when, 0,
                                      on_retry_timer, d);
                if (r < 0)
                        log_device_warning_errno(d, r, "Failed to schedule a retry of %s: %m",
                                                 device_address(d));
                return;
        case BIND_RETRY_NOW:
                break;
        }
        r = enqueue(m, d, BIND_JOB_BIND, false);
        if (r < 0)
                log_device_error_errno(d, r, "Failed to queue a bind of %s: %m", device_address(d));
}

void manager_apply_policy_all(Manager *m) {
        for (size_t i = 0; i < m->n_devices; i++)
                manager_apply_policy(m, m->devices[i]);
}

void manager_bind_on_uevent(Manager *m, Device *d, sd_device_action_t action) {
        if (d->binding.job) {
                if (!d->binding.job_queued)
                        bind_job_kick(d->binding.job);
                return;
        }
        if (!device_is_vf(d))
                return;
        if (device_binding_uevent(&d->binding,
                                  action == SD_DEVICE_ADD || action == SD_DEVICE_CHANGE,
                                  d->facts.driver, d->facts.driver_override)) {
                log_device_info(d, "%s changed since its bind failed; the policy may try again.",
                                device_address(d));
                manager_apply_policy(m, d);
                return;
        }
        /* Someone else moved it: the verdict may change, but the policy binds only at start, on
         * hot-add and on reload, so that it never fights an operator or libvirt. */
        (void)evaluate(m, d);
}

/* ---- Explicit requests ---- */

/* A refusal: r, with a sentence for people in *ret_message (NULL when it cannot be made). */
_printf_(3, 4) static int refuse(int r, char **ret_message, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        if (vasprintf(ret_message, format, ap) < 0)
                *ret_message = NULL;
        va_end(ap);
        return r;
}

/* The operator's word in the persistent bindings: recorded when persistent; a request for now
 * only ends a record of the other type (the latest word stands). */
static int record_override(Manager *m, Device *d, BindJobType type, bool persistent,
                           char **ret_message) {
        BindOverrides *o = manager_bind_overrides(m);
        int recorded, r;

        if (!o)
                return -ENOMEM;
        recorded = bind_overrides_get(o, device_address(d));
        if (!persistent && (recorded < 0 || recorded == (int)type))
                return 0;
        r = bind_overrides_record(o, device_address(d), persistent ? (int)type : -1);
        if (r < 0)
                return refuse(r, ret_message, "Could not record the persistent %s of %s in %s: %s.",
                              bind_job_type_to_string(type), device_address(d), o->path,
                              strerror(-r));
        if (r > 0) {
                if (persistent)
                        log_device_info(d, "%s: %s recorded as persistent in %s.",
                                        device_address(d), bind_job_type_to_string(type), o->path);
                else
                        log_device_info(d, "%s: its persistent %s ended by a %s for now.",
                                        device_address(d),
                                        bind_job_type_to_string((BindJobType)recorded),
                                        bind_job_type_to_string(type));
                manager_changed(m, MANAGER_PROP_OVERRIDES);
        }
        return 0;
}

int manager_bind_request(Manager *m, Device *d, BindJobType type, bool force, bool persistent,
                         BindReason *ret_reason, char **ret_message) {
        int r;

        assert(m);
        assert(d);
        assert(type >= 0 && type < _BIND_JOB_TYPE_MAX);
        assert(ret_reason);
        assert(ret_message);

        if (m->state == MANAGER_STOPPING)
                return refuse(-ESHUTDOWN, ret_message, "The daemon is stopping.");
        if (!device_is_vf(d))
                return refuse(-EOPNOTSUPP, ret_message, "%s is a PF; only VFs are bound to %s.",
                              device_address(d), HISI_VFIO_DRIVER);
        if (d->binding.job) {
                BindJobType running = bind_job_get_type(d->binding.job);

                if (running != type)
                        return refuse(-EBUSY, ret_message,
                                      "%s %s of %s is in progress; try again when it ends.",
                                      running == BIND_JOB_UNBIND ? "An" : "A",
                                      bind_job_type_to_string(running), device_address(d));
                return 0; /* the same request: the running job answers it */
        }
        if (device_binding_is_stuck(&d->binding))
                return refuse(-EBUSY, ret_message,
                              "A write to %s is stuck in the kernel (a driver hangs); nothing is "
                              "done to %s until that write ends.",
                              device_address(d), device_address(d));
        if (type == BIND_JOB_BIND) {
                _cleanup_free_ char *text = NULL;
                BindReason reason;
                BindFacts f;

                device_bind_facts(d, &f);
                if (!bind_policy_allow_explicit(&m->config, &f, force, &reason)) {
                        text = bind_reason_describe(reason, &f);
                        *ret_reason = reason;
                        return refuse(-EPERM, ret_message,
                                      "%s is not bound: %s. Bind with the force flag "
                                      "(hisi-accmigctl bind --force) to take it anyway.",
                                      device_address(d), text ? text : "refused");
                }
        }
        r = record_override(m, d, type, persistent, ret_message);
        if (r < 0)
                return r;
        device_binding_requested(&d->binding, type);
        d->binding.retry_timer = sd_event_source_disable_unref(d->binding.retry_timer);

        r = enqueue(m, d, type, true);
        if (r < 0)
                return r;
        if (type == BIND_JOB_UNBIND)
                (void)evaluate(m, d);
        return 0;
}

/* ---- libvirt ---- */

/* The domains that have address as a managed hostdev, joined by ", "; NULL when none. */
static char *libvirt_domains_of(Manager *m, const char *address) {
        char *s = NULL;

        for (size_t i = 0; i < m->n_libvirt_hostdevs; i++) {
                LibvirtHostdev *h = &m->libvirt_hostdevs[i];
                char *n = NULL;

                if (!streq(h->address, address))
                        continue;
                if (asprintf(&n, "%s%s%s", s ? s : "", s ? ", " : "",
                             h->domain[0] ? h->domain : "?") < 0) {
                        free(s);
                        return NULL;
                }
                free(s);
                s = n;
        }
        return s;
}

static void libvirt_apply(Manager *m) {
        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];
                _cleanup_free_ char *domains = NULL;

                if (!device_is_vf(d))
                        continue;
                domains = libvirt_domains_of(m, device_address(d));
                manager_device_changed(m, d, device_set_libvirt_domain(d, domains));
        }
}

static void on_libvirt_scan(int error, const char *message, LibvirtHostdev *hostdevs, size_t n,
                            void *userdata) {
        Manager *m = userdata;
        LibvirtState old = m->libvirt_state;
        bool apply = m->policy_after_scan;

        m->libvirt_scan = libvirt_scan_free(m->libvirt_scan);
        m->policy_after_scan = false;
        if (error < 0) {
                if (old != LIBVIRT_UNAVAILABLE || !streq_ptr(m->libvirt_error, message))
                        log_notice("libvirt is not reachable (%s); only binding.exclude keeps the "
                                   "policy off VFs libvirt may manage.",
                                   message);
                free(m->libvirt_error);
                m->libvirt_error = strdup(message);
                m->libvirt_state = LIBVIRT_UNAVAILABLE;
                /* What the last scan found is forgotten: it may be stale. */
                libvirt_hostdevs_free(m->libvirt_hostdevs, m->n_libvirt_hostdevs);
                m->libvirt_hostdevs = NULL;
                m->n_libvirt_hostdevs = 0;
        } else {
                libvirt_hostdevs_free(m->libvirt_hostdevs, m->n_libvirt_hostdevs);
                m->libvirt_hostdevs = hostdevs;
                m->n_libvirt_hostdevs = n;
                m->libvirt_error = mfree(m->libvirt_error);
                m->libvirt_state = LIBVIRT_AVAILABLE;
                log_full_errno(old == LIBVIRT_AVAILABLE ? LOG_DEBUG : LOG_INFO, 0,
                               "libvirt manages %zu PCI hostdev%s (managed='yes').", n,
                               n == 1 ? "" : "s");
        }
        libvirt_apply(m);
        manager_changed(m, MANAGER_PROP_LIBVIRT);
        if (apply)
                manager_apply_policy_all(m);
}

void manager_libvirt_set_hostdevs(Manager *m, LibvirtHostdev *hostdevs, size_t n) {
        libvirt_hostdevs_free(m->libvirt_hostdevs, m->n_libvirt_hostdevs);
        m->libvirt_hostdevs = hostdevs;
        m->n_libvirt_hostdevs = n;
        m->libvirt_error = mfree(m->libvirt_error);
        m->libvirt_state = LIBVIRT_AVAILABLE;
        libvirt_apply(m);
        manager_changed(m, MANAGER_PROP_LIBVIRT);
}

void manager_libvirt_set_domain(Manager *m, const char *domain, char *const *managed) {
        size_t k = 0, n = strv_length(managed);
        LibvirtHostdev *h;

        for (size_t i = 0; i < m->n_libvirt_hostdevs; i++) {
                if (streq(m->libvirt_hostdevs[i].domain, domain))
                        free(m->libvirt_hostdevs[i].domain);
                else
                        m->libvirt_hostdevs[k++] = m->libvirt_hostdevs[i];
        }
        m->n_libvirt_hostdevs = k;
        h = reallocarray(m->libvirt_hostdevs, k + n + 1, sizeof(*h));
        if (!h) {
                log_oom();
                return;
        }
        m->libvirt_hostdevs = h;
        for (size_t i = 0; i < n; i++) {
                LibvirtHostdev *e = &h[m->n_libvirt_hostdevs];

                *e = (LibvirtHostdev){ .domain = strdup(domain) };
                if (!e->domain) {
                        log_oom();
                        break;
                }
                snprintf(e->address, sizeof(e->address), "%s", managed[i]);
                m->n_libvirt_hostdevs++;
        }
        libvirt_apply(m);
        manager_changed(m, MANAGER_PROP_LIBVIRT);
}

void manager_libvirt_rescan(Manager *m, bool then_apply_policy) {
        int r;

        if (then_apply_policy)
                m->policy_after_scan = true;
        if (!m->config.libvirt.enabled) {
                if (m->policy_after_scan) {
                        m->policy_after_scan = false;
                        manager_apply_policy_all(m);
                }
                return;
        }
        /* Events from now on, not only at start, reload and hot-add. */
        manager_libvirt_follow(m);
        if (m->libvirt_scan)
                return; /* the running scan ends with the policy run asked for */
        r = libvirt_scan_start(m->event, m->config.libvirt.uri, m->config.timeouts.libvirt_usec,
                               on_libvirt_scan, m, &m->libvirt_scan);
        if (r < 0) {
                _cleanup_free_ char *msg = NULL;

                if (asprintf(&msg, "cannot run %s: %s", libvirt_scan_helper_path(), strerror(-r)) <
                    0)
                        msg = NULL;
                on_libvirt_scan(r, msg ? msg : "cannot run the libvirt helper", NULL, 0, m);
                return;
        }
        m->libvirt_state = LIBVIRT_SCANNING;
        manager_changed(m, MANAGER_PROP_LIBVIRT);
}
