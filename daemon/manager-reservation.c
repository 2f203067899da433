/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* VFs reserved and held for libvirt domains (see manager-reservation.h). */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file-util.h"
#include "log.h"
#include "manager-peer.h"
#include "manager-reservation.h"
#include "manager.h"
#include "string-util.h"
#include "strv.h"
#include "time-util.h"

bool reservation_domain_valid(const char *domain) {
        size_t n;

        if (!domain)
                return false;
        n = strnlen(domain, RESERVATION_DOMAIN_MAX + 1);
        if (n == 0 || n > RESERVATION_DOMAIN_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)domain[i] < 0x20 || domain[i] == 0x7f)
                        return false;
        return true;
}

/* The claim on d ends: the VF is free for choosers again. */
static void reservation_clear(Device *d, const char *why) {
        unsigned props = DEVICE_PROP_RESERVATION;

        if (!d->reserved_for)
                return;
        log_device_info(d, "No longer reserved for domain %s (%s).", d->reserved_for, why);
        d->reserved_for = mfree(d->reserved_for);
        d->reserved_until = 0;
        d->reservation_timer = sd_event_source_disable_unref(d->reservation_timer);
        if (d->control_mode == DEVICE_CONTROL_VMM_HELD) {
                d->control_mode = DEVICE_CONTROL_NONE;
                props |= DEVICE_PROP_CONTROL_MODE;
        }
        manager_device_changed(d->manager, d, props);
}

static int on_reservation_expired(sd_event_source *s, uint64_t usec, void *userdata) {
        Device *d = userdata;

        reservation_clear(d, "timeouts.reservation_ms passed: libvirt never started the domain");
        return 0;
}

/* Reserve d for domain until the configured time from now. */
static int reservation_set(Device *d, const char *domain) {
        Manager *m = d->manager;
        uint64_t until = now_usec(CLOCK_MONOTONIC) + m->config.timeouts.reservation_usec;
        _cleanup_free_ char *copy = strdup(domain);
        int r;

        assert(!d->reserved_for);
        if (!copy)
                return -ENOMEM;
        r = sd_event_add_time(m->event, &d->reservation_timer, CLOCK_MONOTONIC, until, 0,
                              on_reservation_expired, d);
        if (r < 0)
                return r;
        d->reserved_for = TAKE_PTR(copy);
        d->reserved_until = until;
        log_device_info(d, "Reserved for domain %s for %" PRIu64 " ms.", domain,
                        m->config.timeouts.reservation_usec / USEC_PER_MSEC);
        manager_device_changed(m, d, DEVICE_PROP_RESERVATION);
        return 0;
}

/* All reasons, "; " between them. */
static char *join_reasons(char *const *reasons) {
        _cleanup_free_ char *s = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&s, &size);

        if (!f)
                return NULL;
        for (size_t i = 0; reasons && reasons[i]; i++)
                fprintf(f, "%s%s", i > 0 ? "; " : "", reasons[i]);
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(s);
}

int manager_reserve(Manager *m, const hisi_peer_check_device *src, const char *domain,
                    char **ret_address, char **ret_reason) {
        hisi_peer_check_result res = {};
        Device *d;
        int r;

        assert(m && src && ret_address && ret_reason);
        assert(reservation_domain_valid(domain));
        if (m->state == MANAGER_STOPPING)
                return -ESHUTDOWN;
        /* The one chooser; it passes over VFs reserved or held already. */
        r = manager_choose_destination(m, src, NULL, 0, &res);
        if (r < 0)
                goto finish;
        if (!res.accepted || !res.destination) {
                *ret_reason = join_reasons(res.reasons);
                r = *ret_reason ? 0 : -ENOMEM;
                goto finish;
        }
        d = manager_find_device(m, res.destination);
        assert(d);
        r = reservation_set(d, domain);
        if (r < 0)
                goto finish;
        *ret_address = TAKE_PTR(res.destination);
        r = 1;
finish:
        free(res.destination);
        strv_free(res.reasons);
        return r;
}

unsigned manager_release_domain(Manager *m, const char *domain) {
        unsigned n = 0;

        assert(m && domain);
        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];

                if (!streq_ptr(d->reserved_for, domain))
                        continue;
                reservation_clear(d, "libvirt released the domain");
                n++;
        }
        return n;
}

/* Why d cannot be held for domain: a refusal with *ret_error, or 0 when it can. A managed='no'
 * VF that is not bound is not refused here: Hold binds it. */
static int hold_refusal(Device *d, const char *domain, char **ret_error) {
        const char *a = device_address(d);

        if (d->reserved_for && !streq(d->reserved_for, domain))
                return asprintf_safe(ret_error, "%s is reserved for domain %s", a,
                                     d->reserved_for) < 0
                               ? -ENOMEM
                               : -EBUSY;
        if (d->migration || d->migdev)
                return asprintf_safe(ret_error, "%s is in use by hisi-accmigd (%s)", a,
                                     d->migration ? "a migration has it" : "it holds the VF") < 0
                               ? -ENOMEM
                               : -EBUSY;
        return 0;
}

/* d is held for domain: its VMM drives it (no expiry). */
static void hold_one(Manager *m, Device *d, const char *domain) {
        unsigned props = 0;

        if (!d->reserved_for) {
                d->reserved_for = strdup(domain);
                if (!d->reserved_for) {
                        log_oom();
                        return;
                }
                props |= DEVICE_PROP_RESERVATION;
        }
        if (d->reserved_until > 0) {
                d->reserved_until = 0;
                d->reservation_timer = sd_event_source_disable_unref(d->reservation_timer);
                props |= DEVICE_PROP_RESERVATION;
        }
        if (d->control_mode == DEVICE_CONTROL_NONE) {
                d->control_mode = DEVICE_CONTROL_VMM_HELD;
                props |= DEVICE_PROP_CONTROL_MODE;
        }
        if (props)
                log_device_info(d, "Held for domain %s: its VMM drives the VF.", domain);
        manager_device_changed(m, d, props);
}

/* ---- Hold: checked, bound where it must be, then held ---- */

/* A Hold waiting for bind jobs (Manager.holds). */
typedef struct ManagerHold {
        Manager *manager;
        char *domain;
        char **devices, **unmanaged;
        char **waiting; /* the VFs whose bind job runs for it */
        char **claimed; /* the VFs it reserved meanwhile, so that no chooser takes them */
        int error;
        char *error_text;
        manager_hold_done_t done;
        void *userdata;
        struct ManagerHold *next;
} ManagerHold;

static void hold_free(ManagerHold *h) {
        free(h->domain);
        strv_free(h->devices);
        strv_free(h->unmanaged);
        strv_free(h->waiting);
        strv_free(h->claimed);
        free(h->error_text);
        free(h);
}

static bool wanted(Device *d, const char *domain, char *const *devices) {
        return device_is_vf(d) &&
               (streq_ptr(d->reserved_for, domain) || strv_contains(devices, device_address(d)));
}

/* Everything checked again (a bind took time), then everything held: 0 and *ret_held, or a
 * refusal. */
static int hold_now(Manager *m, const char *domain, char *const *devices, char *const *unmanaged,
                    char ***ret_held, char **ret_error) {
        _cleanup_strv_free_ char **held = NULL;
        int r;

        for (size_t i = 0; devices && devices[i]; i++) {
                Device *d = manager_find_device(m, devices[i]);

                if (!d || !device_is_vf(d))
                        continue; /* not ours: another kind of hostdev */
                r = hold_refusal(d, domain, ret_error);
                if (r < 0)
                        return r;
                if (strv_contains(unmanaged, devices[i]) && !device_is_bound(d))
                        return asprintf_safe(ret_error,
                                             "%s is a managed='no' hostdev bound to %s, not %s",
                                             devices[i], d->facts.driver ?: "no driver",
                                             HISI_VFIO_DRIVER) < 0
                                       ? -ENOMEM
                                       : -EADDRNOTAVAIL;
        }
        held = calloc(1, sizeof(char *));
        if (!held)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];

                if (!wanted(d, domain, devices))
                        continue;
                hold_one(m, d, domain);
                r = strv_extend(&held, device_address(d));
                if (r < 0)
                        return r;
        }
        *ret_held = TAKE_PTR(held);
        return 0;
}

/* A Hold that waited ends: its claims undone on a failure; its caller told. */
static void hold_finish(Manager *m, ManagerHold *h) {
        _cleanup_strv_free_ char **held = NULL;
        _cleanup_free_ char *text = NULL;
        int r = h->error;

        for (ManagerHold **p = &m->holds; *p; p = &(*p)->next)
                if (*p == h) {
                        *p = h->next;
                        break;
                }
        if (r >= 0)
                r = hold_now(m, h->domain, h->devices, h->unmanaged, &held, &text);
        else
                text = TAKE_PTR(h->error_text);
        if (r < 0)
                for (size_t i = 0; h->claimed && h->claimed[i]; i++) {
                        Device *d = manager_find_device(m, h->claimed[i]);

                        if (d && streq_ptr(d->reserved_for, h->domain) &&
                            d->control_mode != DEVICE_CONTROL_VMM_HELD)
                                reservation_clear(d, "its Hold failed");
                }
        h->done(m, r, text, held, h->userdata);
        hold_free(h);
}

void manager_reservation_bind_done(Manager *m, Device *d, int error, const char *message) {
        const char *a = device_address(d);
        ManagerHold *next;

        for (ManagerHold *h = m->holds; h; h = next) {
                size_t k = 0;
                bool found = false;

                next = h->next;
                for (size_t i = 0; h->waiting && h->waiting[i]; i++) {
                        if (streq(h->waiting[i], a)) {
                                free(h->waiting[i]);
                                found = true;
                        } else
                                h->waiting[k++] = h->waiting[i];
                }
                if (!found)
                        continue;
                h->waiting[k] = NULL;
                if (error < 0 && h->error >= 0) {
                        h->error = error == -ESHUTDOWN ? -ESHUTDOWN : -EADDRNOTAVAIL;
                        (void)asprintf_safe(&h->error_text, "%s could not be bound to %s: %s", a,
                                            HISI_VFIO_DRIVER, message ?: strerror(-error));
                }
                if (k == 0)
                        hold_finish(m, h);
        }
}

int manager_hold_domain(Manager *m, const char *domain, char *const *devices,
                        char *const *unmanaged, manager_hold_done_t done, void *userdata,
                        char ***ret_held, char **ret_error) {
        _cleanup_strv_free_ char **binding = NULL;
        ManagerHold *h;
        int r;

        assert(m && done && ret_held && ret_error);
        assert(reservation_domain_valid(domain));
        if (m->state == MANAGER_STOPPING)
                return -ESHUTDOWN;
        /* Everything is checked before anything is bound or held. */
        for (size_t i = 0; devices && devices[i]; i++) {
                Device *d = manager_find_device(m, devices[i]);

                if (!d || !device_is_vf(d))
                        continue;
                r = hold_refusal(d, domain, ret_error);
                if (r < 0)
                        return r;
                if (strv_contains(unmanaged, devices[i]) && !device_is_bound(d) &&
                    !strv_contains(binding, devices[i])) {
                        r = strv_extend(&binding, devices[i]);
                        if (r < 0)
                                return r;
                }
        }
        if (!binding) {
                r = hold_now(m, domain, devices, unmanaged, ret_held, ret_error);
                return r < 0 ? r : 1;
        }

        /* managed='no' VFs that are not bound: bound now, as an explicit Bind would (the
         * policy's checks hold), and held once every bind ended. */
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        *h = (ManagerHold){ .manager = m,
                            .domain = strdup(domain),
                            .devices = strv_copy(devices),
                            .unmanaged = strv_copy(unmanaged),
                            .done = done,
                            .userdata = userdata };
        if (!h->domain || (devices && !h->devices) || (unmanaged && !h->unmanaged)) {
                hold_free(h);
                return -ENOMEM;
        }
        for (size_t i = 0; binding[i]; i++) {
                Device *d = manager_find_device(m, binding[i]);
                _cleanup_free_ char *message = NULL;
                BindReason reason;

                r = manager_bind_request(m, d, BIND_JOB_BIND, false, false, &reason, &message);
                if (r < 0) {
                        /* The jobs started already run on; this Hold does not wait for them. */
                        hold_free(h);
                        if (asprintf_safe(ret_error, "%s cannot be bound to %s: %s", binding[i],
                                          HISI_VFIO_DRIVER, message ?: strerror(-r)) < 0)
                                return -ENOMEM;
                        return r == -ESHUTDOWN ? r : -EADDRNOTAVAIL;
                }
                log_device_info(d, "Binding %s to %s for domain %s (a managed='no' hostdev).",
                                binding[i], HISI_VFIO_DRIVER, domain);
                r = strv_extend(&h->waiting, binding[i]);
                if (r < 0) {
                        hold_free(h);
                        return r;
                }
        }
        /* Claimed meanwhile: no chooser takes a VF that is being bound for a domain. */
        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];

                if (!device_is_vf(d) || d->reserved_for ||
                    !strv_contains(devices, device_address(d)))
                        continue;
                d->reserved_for = strdup(domain);
                if (!d->reserved_for || strv_extend(&h->claimed, device_address(d)) < 0) {
                        hold_free(h);
                        return -ENOMEM;
                }
                manager_device_changed(m, d, DEVICE_PROP_RESERVATION);
        }
        h->next = m->holds;
        m->holds = h;
        return 0;
}

void manager_domain_running(Manager *m, const char *domain, char *const *hostdevs) {
        if (!reservation_domain_valid(domain))
                return;
        for (size_t i = 0; hostdevs && hostdevs[i]; i++) {
                _cleanup_free_ char *why = NULL;
                Device *d = manager_find_device(m, hostdevs[i]);

                if (!d || !device_is_vf(d))
                        continue;
                if (hold_refusal(d, domain, &why) < 0) {
                        log_device_warning(d, "Domain %s runs with %s, but %s.", domain,
                                           hostdevs[i], strna(why));
                        continue;
                }
                hold_one(m, d, domain);
        }
}

void manager_reservation_expire_unless_running(Manager *m, char *const *running) {
        uint64_t until = now_usec(CLOCK_MONOTONIC) + m->config.timeouts.reservation_usec;

        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];
                bool waiting = false;

                if (!d->reserved_for || d->reserved_until > 0 ||
                    strv_contains(running, d->reserved_for))
                        continue;
                for (ManagerHold *h = m->holds; h; h = h->next)
                        if (streq(h->domain, d->reserved_for))
                                waiting = true;
                if (waiting)
                        continue;
                /* libvirt does not run it (its stop came while nobody listened, or it is about
                 * to start): a reservation again, which its start turns back into a hold. */
                if (sd_event_add_time(m->event, &d->reservation_timer, CLOCK_MONOTONIC, until, 0,
                                      on_reservation_expired, d) < 0)
                        continue;
                d->reserved_until = until;
                log_device_info(d,
                                "Domain %s does not run: its hold ends in %" PRIu64 " ms unless "
                                "it starts.",
                                d->reserved_for,
                                m->config.timeouts.reservation_usec / USEC_PER_MSEC);
                manager_device_changed(m, d, DEVICE_PROP_RESERVATION);
        }
}
