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

/* Why d cannot be held for domain (a sentence), or NULL when it can. */
static int hold_refusal(Device *d, const char *domain, char *const *unmanaged, char **ret_error) {
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
        if (strv_contains(unmanaged, a) && !device_is_bound(d))
                return asprintf_safe(ret_error,
                                     "%s is a managed='no' hostdev bound to %s, not %s: bind it "
                                     "first (hisi-accmigctl bind %s)",
                                     a, d->facts.driver ?: "no driver", HISI_VFIO_DRIVER, a) < 0
                               ? -ENOMEM
                               : -EADDRNOTAVAIL;
        return 0;
}

int manager_hold_domain(Manager *m, const char *domain, char *const *devices,
                        char *const *unmanaged, char ***ret_held, char **ret_error) {
        _cleanup_strv_free_ char **held = NULL;
        int r;

        assert(m && ret_held && ret_error);
        assert(reservation_domain_valid(domain));
        if (m->state == MANAGER_STOPPING)
                return -ESHUTDOWN;
        /* Everything is checked before anything is held. */
        for (size_t i = 0; devices && devices[i]; i++) {
                Device *d = manager_find_device(m, devices[i]);

                if (!d || !device_is_vf(d))
                        continue; /* not ours: another kind of hostdev */
                r = hold_refusal(d, domain, unmanaged, ret_error);
                if (r < 0)
                        return r;
        }
        held = calloc(1, sizeof(char *));
        if (!held)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];
                unsigned props = 0;

                if (!device_is_vf(d) || !(streq_ptr(d->reserved_for, domain) ||
                                          strv_contains(devices, device_address(d))))
                        continue;
                if (!d->reserved_for) {
                        d->reserved_for = strdup(domain);
                        if (!d->reserved_for)
                                return -ENOMEM;
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
                r = strv_extend(&held, device_address(d));
                if (r < 0)
                        return r;
        }
        *ret_held = TAKE_PTR(held);
        return 0;
}
