/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The binding side of the Manager: the policy's verdict on each VF, the bind jobs it and the
 * operators start, and the libvirt scan the policy consults.
 *
 * The policy binds a VF at start, when it appears, and after a reload; never twice at once, and
 * never in a loop. A bind that failed is not tried again by the policy until something changes:
 * a uevent that shows a different VF than the failure left (another driver, another override, or
 * an add or change event, which our own writes never cause), a reload, or an explicit Bind. Even
 * then a retry waits out a backoff that doubles with each consecutive failure, from
 * timeouts.bind_retry_min_ms up to timeouts.bind_retry_max_ms.
 *
 * An explicit Unbind releases the VF: the policy leaves it alone until a Bind or a reload.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "accmig-bus.h"
#include "device-bus.h"
#include "errno-name.h"
#include "log.h"
#include "manager.h"
#include "string-util.h"

static uint64_t now_usec(Manager *m) {
        uint64_t t = 0;

        (void)sd_event_now(m->event, CLOCK_MONOTONIC, &t);
        return t;
}

unsigned manager_pending_jobs(Manager *m) {
        return m->jobs_running + (unsigned)m->n_queue;
}

/* ---- Answers to Bind/Unbind callers ---- */

static const char *error_name_for_job(int error) {
        switch (-error) {
        case ETIMEDOUT:
                return ACCMIG_ERROR_TIMEOUT;
        case ENOENT:
                return ACCMIG_ERROR_DRIVER_NOT_LOADED;
        case ENODEV:
                return ACCMIG_ERROR_NO_SUCH_DEVICE;
        case ESHUTDOWN:
                return ACCMIG_ERROR_SHUTTING_DOWN;
        default:
                return ACCMIG_ERROR_BIND_FAILED;
        }
}

static void reply_waiters(Device *d, int error, const char *message) {
        for (size_t i = 0; i < d->n_waiters; i++) {
                int r;

                if (error < 0)
                        r = sd_bus_reply_method_errorf(d->waiters[i], error_name_for_job(error),
                                                       "%s", message);
                else
                        r = sd_bus_reply_method_return(d->waiters[i], "s", message);
                if (r < 0)
                        log_device_debug(d, "Failed to answer a call about %s: %s",
                                         device_address(d), strerror(-r));
                sd_bus_message_unref(d->waiters[i]);
        }
        d->waiters = mfree(d->waiters);
        d->n_waiters = 0;
}

static int add_waiter(Device *d, sd_bus_message *message) {
        sd_bus_message **n;

        if (!message)
                return 0;
        n = reallocarray(d->waiters, d->n_waiters + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        d->waiters = n;
        d->waiters[d->n_waiters++] = sd_bus_message_ref(message);
        return 0;
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

static uint64_t backoff_usec(Manager *m, unsigned failures) {
        uint64_t b = m->config.timeouts.bind_retry_min_usec;

        for (unsigned i = 1; i < failures && b < m->config.timeouts.bind_retry_max_usec; i++)
                b *= 2;
        return MIN(b, m->config.timeouts.bind_retry_max_usec);
}

static void start_queued(Manager *m);

static void maybe_exit(Manager *m) {
        if (m->state == MANAGER_STOPPING && manager_pending_jobs(m) == 0)
                (void)sd_event_exit(m->event, 0);
}

static void job_done(BindJob *j, int error, const char *job_message, void *userdata) {
        _cleanup_(device_facts_done) DeviceFacts f = {};
        _cleanup_free_ char *copy = strdup(job_message); /* the job owns job_message */
        const char *message = copy ? copy : error < 0 ? "failed" : "done";
        Device *d = userdata;
        Manager *m = d->manager;
        BindJobType type = bind_job_get_type(j);
        unsigned changed = 0;

        d->job = bind_job_free(j);
        m->jobs_running--;

        /* What the job left behind, as sysfs says. */
        if (device_facts_read_address(device_address(d), false, &f) >= 0)
                changed |= device_update(d, &f);

        if (error < 0) {
                uint64_t wait;

                changed |= device_set_bind_state(d, DEVICE_BIND_FAILED);
                changed |= device_set_last_error(d, message);
                if (type == BIND_JOB_BIND) {
                        d->failures++;
                        wait = backoff_usec(m, d->failures);
                        d->retry_after = now_usec(m) + wait;
                        d->retry_armed = false;
                        free(d->failed_driver);
                        free(d->failed_override);
                        d->failed_driver = d->facts.driver ? strdup(d->facts.driver) : NULL;
                        d->failed_override =
                                d->facts.driver_override ? strdup(d->facts.driver_override) : NULL;
                }
                log_device_error_errno(d, error, "Failed to %s %s: %s",
                                       bind_job_type_to_string(type), device_address(d), message);
        } else {
                changed |= device_set_bind_state(d, DEVICE_BIND_IDLE);
                changed |= device_set_last_error(d, NULL);
                if (type == BIND_JOB_BIND)
                        d->failures = 0;
                log_device_info(d, "%s: %s.", device_address(d), message);
        }
        reply_waiters(d, error, message);
        manager_device_changed(m, d, changed);
        start_queued(m);
        maybe_exit(m);
}

static void start_job(Manager *m, Device *d) {
        BindJobType type = bind_job_get_type(d->job);
        unsigned changed;
        int r;

        d->job_queued = false;
        changed = device_set_bind_state(d, type == BIND_JOB_BIND ? DEVICE_BIND_BINDING
                                                                 : DEVICE_BIND_UNBINDING);
        if (type == BIND_JOB_BIND) {
                d->bind_attempts++;
                changed |= DEVICE_PROP_BIND_ATTEMPTS;
        }
        m->jobs_running++;
        log_device_info(d, "%s %s%s.", type == BIND_JOB_BIND ? "Binding" : "Unbinding",
                        device_address(d),
                        d->job_by_operator ? " (requested)" : " (binding policy)");
        r = bind_job_start(d->job);
        if (r < 0) {
                _cleanup_free_ char *msg = NULL;

                m->jobs_running--;
                d->job = bind_job_free(d->job);
                if (asprintf(&msg, "cannot start: %s", strerror(-r)) < 0)
                        msg = NULL;
                changed |= device_set_bind_state(d, DEVICE_BIND_FAILED);
                changed |= device_set_last_error(d, msg ? msg : "cannot start");
                log_device_error_errno(d, r, "Failed to start the %s job of %s: %m",
                                       bind_job_type_to_string(type), device_address(d));
                reply_waiters(d, r, msg ? msg : "cannot start");
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

        r = bind_job_new(m->event, m->ctx, type, device_address(d), d->facts.kind,
                         m->config.timeouts.bind_usec, job_done, d, &d->job);
        if (r < 0)
                return r;
        d->job_by_operator = by_operator;
        if (m->jobs_running < m->config.limits.max_concurrent_binds && m->n_queue == 0) {
                start_job(m, d);
                return 0;
        }
        n = reallocarray(m->queue, m->n_queue + 1, sizeof(*n));
        if (!n) {
                d->job = bind_job_free(d->job);
                return -ENOMEM;
        }
        m->queue = n;
        m->queue[m->n_queue++] = d;
        d->job_queued = true;
        manager_device_changed(m, d, device_set_bind_state(d, DEVICE_BIND_QUEUED));
        return 0;
}

void manager_bind_resume(Manager *m) {
        start_queued(m);
        maybe_exit(m);
}

void manager_bind_forget(Manager *m, Device *d) {
        if (d->job) {
                if (d->job_queued)
                        queue_remove(m, d);
                else
                        m->jobs_running--;
                d->job = bind_job_free(d->job);
                d->job_queued = false;
        }
        if (d->n_waiters > 0) {
                _cleanup_free_ char *msg = NULL;
                bool stopping = m->state == MANAGER_STOPPING;

                if (asprintf(&msg, stopping ? "the daemon stops before %s is done" : "%s is gone",
                             device_address(d)) < 0)
                        msg = NULL;
                reply_waiters(d, stopping ? -ESHUTDOWN : -ENODEV, msg ? msg : "gone");
        }
        d->retry_timer = sd_event_source_disable_unref(d->retry_timer);
        if (d->bind_state == DEVICE_BIND_QUEUED || d->bind_state == DEVICE_BIND_BINDING ||
            d->bind_state == DEVICE_BIND_UNBINDING)
                d->bind_state = DEVICE_BIND_IDLE;
}

/* ---- The policy ---- */

static BindDecision evaluate(Manager *m, Device *d) {
        _cleanup_free_ char *text = NULL;
        BindReason reason;
        BindDecision decision;
        BindFacts f;

        device_bind_facts(d, &f);
        decision = bind_policy_decide(&m->config, &f, &reason);
        if (decision < 0)
                return BIND_DECISION_LEAVE;
        if (d->released && decision == BIND_DECISION_BIND && !device_is_bound(d)) {
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

        d->retry_timer = sd_event_source_disable_unref(d->retry_timer);
        manager_apply_policy(d->manager, d);
        return 0;
}

void manager_apply_policy(Manager *m, Device *d) {
        uint64_t now;
        int r;

        if (!device_is_vf(d) || m->state == MANAGER_STOPPING || m->state == MANAGER_STARTING)
                return;
        if (evaluate(m, d) != BIND_DECISION_BIND)
                return;
        if (device_is_bound(d) || d->job || d->released)
                return;
        if (d->bind_state == DEVICE_BIND_FAILED) {
                if (!d->retry_armed)
                        return; /* nothing changed since it failed */
                now = now_usec(m);
                if (now < d->retry_after) {
                        if (d->retry_timer)
                                return;
                        r = sd_event_add_time(m->event, &d->retry_timer, CLOCK_MONOTONIC,
                                              d->retry_after, 0, on_retry_timer, d);
                        if (r < 0)
                                log_device_warning_errno(d, r,
                                                         "Failed to schedule a retry of %s: %m",
                                                         device_address(d));
                        return;
                }
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
        if (d->job) {
                if (!d->job_queued)
                        bind_job_kick(d->job);
                return;
        }
        if (!device_is_vf(d))
                return;
        if (d->bind_state == DEVICE_BIND_FAILED && !d->retry_armed &&
            (action == SD_DEVICE_ADD || action == SD_DEVICE_CHANGE ||
             !streq_ptr(d->facts.driver, d->failed_driver) ||
             !streq_ptr(d->facts.driver_override, d->failed_override))) {
                log_device_info(d, "%s changed since its bind failed; the policy may try again.",
                                device_address(d));
                d->retry_armed = true;
                manager_apply_policy(m, d);
                return;
        }
        /* Someone else moved it: the verdict may change, but the policy binds only at start, on
         * hot-add and on reload, so that it never fights an operator or libvirt. */
        (void)evaluate(m, d);
}

/* ---- Explicit requests ---- */

static int verify_root(sd_bus_message *message, sd_bus_error *error) {
        sd_bus_creds *creds = NULL;
        uid_t uid = (uid_t)-1;
        int r;

        r = sd_bus_query_sender_creds(message, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID, &creds);
        if (r < 0)
                return r;
        if (sd_bus_creds_get_euid(creds, &uid) < 0)
                r = sd_bus_creds_get_uid(creds, &uid);
        sd_bus_creds_unref(creds);
        if (r < 0)
                return r;
        if (uid == 0)
                return 0;
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                 "Only root may change the binding of a VF; reading is open to "
                                 "every local user.");
}

static const char *error_name_for_reason(BindReason reason) {
        switch (reason) {
        case BIND_REASON_EXCLUDED:
                return ACCMIG_ERROR_EXCLUDED;
        case BIND_REASON_LIBVIRT_MANAGED:
                return ACCMIG_ERROR_MANAGED_BY_LIBVIRT;
        case BIND_REASON_OTHER_DRIVER:
                return ACCMIG_ERROR_HELD_BY_OTHER;
        case BIND_REASON_POLICY_NONE:
        case BIND_REASON_NOT_LISTED:
        case BIND_REASON_PF_NOT_LISTED:
        case BIND_REASON_LISTED:
        case BIND_REASON_PF_LISTED:
        case BIND_REASON_ALL:
        case BIND_REASON_ALLOWED:
        case _BIND_REASON_MAX:
        case _BIND_REASON_INVALID:
                break;
        }
        return ACCMIG_ERROR_BIND_FAILED;
}

int manager_bind_request(Manager *m, Device *d, BindJobType type, bool force,
                         sd_bus_message *message, sd_bus_error *error) {
        int r;

        if (m->state == MANAGER_STOPPING)
                return sd_bus_error_set(error, ACCMIG_ERROR_SHUTTING_DOWN,
                                        "The daemon is stopping.");
        r = verify_root(message, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r < 0 ? r : -EACCES;
        if (!device_is_vf(d))
                return sd_bus_error_setf(error, ACCMIG_ERROR_NOT_A_VF,
                                         "%s is a PF; only VFs are bound to %s.", device_address(d),
                                         HISI_VFIO_DRIVER);
        if (d->job) {
                if (bind_job_get_type(d->job) != type)
                        return sd_bus_error_setf(error, ACCMIG_ERROR_BUSY,
                                                 "An %s of %s is in progress; try again when it "
                                                 "ends.",
                                                 bind_job_type_to_string(bind_job_get_type(d->job)),
                                                 device_address(d));
                /* The same request: answer it with the running job. */
                return add_waiter(d, message);
        }
        if (type == BIND_JOB_BIND) {
                _cleanup_free_ char *text = NULL;
                BindReason reason;
                BindFacts f;

                device_bind_facts(d, &f);
                if (!bind_policy_allow_explicit(&m->config, &f, force, &reason)) {
                        text = bind_reason_describe(reason, &f);
                        return sd_bus_error_setf(error, error_name_for_reason(reason),
                                                 "%s is not bound: %s. Bind with the force "
                                                 "flag (hisi-accmigctl bind --force) to take it "
                                                 "anyway.",
                                                 device_address(d), text ? text : "refused");
                }
                d->released = false;
        } else
                d->released = true;
        d->retry_timer = sd_event_source_disable_unref(d->retry_timer);

        r = add_waiter(d, message);
        if (r < 0)
                return r;
        r = enqueue(m, d, type, true);
        if (r < 0) {
                d->n_waiters--;
                sd_bus_message_unref(d->waiters[d->n_waiters]);
                return r;
        }
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
