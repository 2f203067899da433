/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Manager's side of the peer link (see manager-peer.h). */

#include <assert.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "file-util.h"
#include "hisi/kind.h"
#include "hisi/migdev.h"
#include "hisi/vf-describe.h"
#include "log.h"
#include "manager-peer.h"
#include "manager.h"
#include "migration.h"
#include "peer-check.h"
#include "peer-link.h"
#include "peer-server.h"
#include "string-util.h"
#include "strv.h"

struct ManagerCheck {
        Manager *manager;
        PeerCheck *check;
        manager_check_done_t cb;
        void *userdata;
        ManagerCheck *prev, *next;
};

static void manager_check_free(ManagerCheck *c) {
        Manager *m = c->manager;

        if (c->prev)
                c->prev->next = c->next;
        else
                m->checks = c->next;
        if (c->next)
                c->next->prev = c->prev;
        peer_check_free(c->check);
        free(c);
}

/* ---- Describing this host's VFs ---- */

/* A VF of ours, open for as long as it takes to read its descriptor. */
static int describe_open(Manager *m, const Device *d, hisi_vf_desc *ret) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *dev = NULL;
        int r;

        r = hisi_migdev_open(m->ctx, m->config.backend, device_address(d), &dev);
        if (r < 0)
                return r;
        return hisi_vf_describe(dev, d->facts.kind, d->facts.device_id, ret);
}

int manager_describe_vf(Manager *m, const char *address, hisi_peer_check_device *ret,
                        char **ret_error) {
        hisi_peer_check_device out = {};
        Device *d;
        int r;

        assert(m && address && ret && ret_error);
        d = manager_find_device(m, address);
        if (!d)
                return asprintf_safe(ret_error, "no HiSilicon accelerator %s on this host",
                                     address) < 0
                               ? -ENOMEM
                               : -ENODEV;
        if (!device_is_vf(d))
                return asprintf_safe(ret_error, "%s is a PF: only VFs migrate", address) < 0
                               ? -ENOMEM
                               : -EINVAL;
        if (!streq_ptr(d->facts.driver, HISI_VFIO_DRIVER))
                return asprintf_safe(ret_error,
                                     "%s is bound to %s, not %s: bind it first "
                                     "(hisi-accmigctl bind %s)",
                                     address, d->facts.driver ?: "no driver", HISI_VFIO_DRIVER,
                                     address) < 0
                               ? -ENOMEM
                               : -EADDRNOTAVAIL;
        r = describe_open(m, d, &out.desc);
        if (r == -EBUSY) {
                /* Another process holds it (a VMM): what sysfs says, the rest for the
                 * destination kernel to check at load. */
                out.desc = (hisi_vf_desc){
                        .kind = d->facts.kind,
                        .device_id = d->facts.device_id,
                        .stream.version = 1,
                        .unknown = HISI_COMPAT_UNKNOWN(HISI_COMPAT_QP_NUM) |
                                   HISI_COMPAT_UNKNOWN(HISI_COMPAT_QUEUE_ISOLATION) |
                                   HISI_COMPAT_UNKNOWN(HISI_COMPAT_STREAM_VERSION) |
                                   HISI_COMPAT_UNKNOWN(HISI_COMPAT_MIG_FLAGS) |
                                   HISI_COMPAT_UNKNOWN(HISI_COMPAT_STATE_SIZE),
                };
                log_device_info(d, "Described from sysfs only: another process holds it.");
        } else if (r < 0)
                return asprintf_safe(ret_error, "cannot read %s's migration device: %s", address,
                                     strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        out.source = strdup(address);
        if (!out.source)
                return -ENOMEM;
        *ret = out;
        return 0;
}

/* ---- Destination: choosing a VF for another host's VF ---- */

/* This host in a reason: its name on the peer link, which may be off (a libvirt migration's
 * reservation needs no link). */
static const char *host_name(Manager *m) {
        return m->peer_link ? peer_link_host_name(m->peer_link) : "this host";
}

static bool is_taken(const char *address, char *const *taken, size_t n_taken) {
        for (size_t i = 0; i < n_taken; i++)
                if (streq(taken[i], address))
                        return true;
        return false;
}

static int add_reason(hisi_peer_check_result *ret, const char *fmt, ...) _printf_(2, 3);
static int add_reason(hisi_peer_check_result *ret, const char *fmt, ...) {
        char *s;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return strv_consume(&ret->reasons, s);
}

/* The compatibility check's reasons, as the result's. */
static int add_verdict(hisi_peer_check_result *ret, const hisi_compat_verdict *v) {
        for (size_t i = 0; i < ELEMENTSOF(v->reasons); i++)
                if (v->reasons[i] && add_reason(ret, "%s", v->reasons[i]) < 0)
                        return -ENOMEM;
        return 0;
}

static void clear_reasons(hisi_peer_check_result *ret) {
        ret->reasons = strv_free(ret->reasons);
}

/*
 * One candidate: 1 when it takes the source VF's state (ret filled), 0 when not (with its
 * reasons in ret when want_reasons), negative on a failure to check at all.
 */
static int try_candidate(Manager *m, Device *d, const hisi_peer_check_device *src,
                         bool want_reasons, hisi_peer_check_result *ret) {
        _cleanup_(hisi_compat_verdict_done) hisi_compat_verdict v = {};
        hisi_vf_desc desc;
        int r;

        r = describe_open(m, d, &desc);
        if (r == -EBUSY)
                return want_reasons ? add_reason(ret, "%s is in use by another process",
                                                 device_address(d))
                                    : 0;
        if (r < 0)
                return want_reasons ? add_reason(ret, "cannot read %s's migration device: %s",
                                                 device_address(d), strerror(-r))
                                    : 0;
        r = hisi_compat_check(&src->desc, &desc, &v);
        if (r < 0)
                return r;
        if (r == 0) {
                clear_reasons(ret);
                ret->accepted = true;
                ret->destination = strdup(device_address(d));
                return ret->destination ? 1 : -ENOMEM;
        }
        return want_reasons ? add_verdict(ret, &v) : 0;
}

static int choose_given(Manager *m, const hisi_peer_check_device *src, char *const *taken,
                        size_t n_taken, hisi_peer_check_result *ret) {
        Device *d = manager_find_device(m, src->to);

        if (!d || !device_is_vf(d))
                return add_reason(ret, "no VF %s on %s", src->to, host_name(m));
        if (is_taken(src->to, taken, n_taken))
                return add_reason(ret, "%s is asked for twice", src->to);
        if (d->reserved_for)
                return add_reason(ret, "%s is reserved for libvirt domain %s", src->to,
                                  d->reserved_for);
        if (d->migration || d->migdev)
                return add_reason(ret, "%s is in use (%s)", src->to,
                                  d->migration ? "another migration has it"
                                               : "this daemon holds it");
        if (d->facts.kind != src->desc.kind)
                return add_reason(ret, "kind: source %s, destination %s",
                                  hisi_kind_to_string(src->desc.kind), device_kind_string(d));
        if (!streq_ptr(d->facts.driver, HISI_VFIO_DRIVER))
                return add_reason(ret, "%s is bound to %s, not %s", src->to,
                                  d->facts.driver ?: "no driver", HISI_VFIO_DRIVER);
        return try_candidate(m, d, src, true, ret) < 0 ? -ENOMEM : 0;
}

int manager_choose_destination(Manager *m, const hisi_peer_check_device *src, char *const *taken,
                               size_t n_taken, hisi_peer_check_result *ret) {
        unsigned candidates = 0;
        int r;

        if (src->to)
                return choose_given(m, src, taken, n_taken, ret);
        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];

                if (!device_is_vf(d) || d->facts.kind != src->desc.kind ||
                    !streq_ptr(d->facts.driver, HISI_VFIO_DRIVER) || d->migration || d->migdev ||
                    d->reserved_for || is_taken(device_address(d), taken, n_taken))
                        continue;
                /* The first candidate's reasons are the ones a refusal gives. */
                r = try_candidate(m, d, src, candidates == 0, ret);
                if (r != 0)
                        return r < 0 ? r : 0;
                candidates++;
        }
        if (candidates == 0)
                return add_reason(ret, "no free %s VF bound to %s on %s",
                                  hisi_kind_to_string(src->desc.kind), HISI_VFIO_DRIVER,
                                  host_name(m));
        return 0;
}

/* ---- Checks asked of another host ---- */

static void on_check_done(PeerCheck *pc, int error, const char *error_text,
                          const hisi_peer_check_reply *reply, void *userdata) {
        ManagerCheck *c = userdata;
        Manager *m = c->manager;
        manager_check_done_t cb = c->cb;
        void *ud = c->userdata;

        if (error < 0)
                log_warning_errno(error, "Check: %s", strna(error_text));
        cb(m, error, error_text, reply, ud);
        manager_check_free(c);
}

int manager_check(Manager *m, char *const *vfs, size_t n_vfs, char *const *to_devices,
                  const char *host, uint16_t port, manager_check_done_t cb, void *userdata,
                  char **ret_error) {
        _cleanup_(hisi_peer_check_done) hisi_peer_check check = {};
        ManagerCheck *c;
        int r;

        assert(m && vfs && host && cb && ret_error);
        *ret_error = NULL;
        if (!m->peer_link)
                return asprintf_safe(ret_error, "the peer link is not running: %s",
                                     strna(m->peer_error)) < 0
                               ? -ENOMEM
                               : -ENOTCONN;
        if (n_vfs == 0 || n_vfs > HISI_WIRE_DEVICES_MAX)
                return asprintf_safe(ret_error, "between 1 and %u VFs per check",
                                     HISI_WIRE_DEVICES_MAX) < 0
                               ? -ENOMEM
                               : -EINVAL;
        check.devices = calloc(n_vfs, sizeof(*check.devices));
        if (!check.devices)
                return -ENOMEM;
        for (size_t i = 0; i < n_vfs; i++) {
                r = manager_describe_vf(m, vfs[i], &check.devices[i], ret_error);
                if (r < 0)
                        return r;
                check.n_devices++;
                if (to_devices && !isempty(to_devices[i]) &&
                    !(check.devices[i].to = strdup(to_devices[i])))
                        return -ENOMEM;
        }
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->manager = m;
        c->cb = cb;
        c->userdata = userdata;
        r = peer_check_start(m->peer_link, host, port, &check, on_check_done, c, &c->check);
        if (r < 0) {
                free(c);
                return asprintf_safe(ret_error, "cannot reach %s: %s", host, strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        }
        c->next = m->checks;
        if (m->checks)
                m->checks->prev = c;
        m->checks = c;
        return 0;
}

/* ---- The link's life ---- */

static int choose(void *userdata, const hisi_peer_check_device *src, char *const *taken,
                  size_t n_taken, hisi_peer_check_result *ret) {
        return manager_choose_destination(userdata, src, taken, n_taken, ret);
}

static int take_migration(void *userdata, Peer *p, const char *json, size_t len) {
        return migration_destination_start(userdata, p, json, len);
}

static const char *outcome(void *userdata, const char *id, char **ret_reason) {
        return migration_destination_outcome(userdata, id, ret_reason);
}

static void forget(void *userdata, const char *id, const char *source) {
        migration_destination_forget(userdata, id, source);
}

static const PeerLinkOps link_ops = {
        .choose = choose,
        .migrate = take_migration,
        .outcome = outcome,
        .forget = forget,
};

/* The socket systemd passed for the peer port, or -EBADF. */
static int passed_peer_socket(void) {
        char **names = NULL;
        int n, fd = -EBADF;

        n = sd_listen_fds_with_names(false, &names);
        for (int i = 0; i < n; i++) {
                if (fd < 0 && names && streq_ptr(names[i], PEER_SERVER_FDNAME))
                        fd = SD_LISTEN_FDS_START + i;
                free(names ? names[i] : NULL);
        }
        free(names);
        return fd;
}

static void set_peer_error(Manager *m, const char *error) {
        if (streq_ptr(m->peer_error, error))
                return;
        free(m->peer_error);
        m->peer_error = error ? strdup(error) : NULL;
        manager_changed(m, MANAGER_PROP_PEER);
}

int manager_peer_start(Manager *m, char **ret_error) {
        _cleanup_free_ char *error = NULL;
        int r;

        assert(m && !m->peer_link);
        r = peer_link_new(m->event, &link_ops, m, &m->peer_link);
        if (r < 0)
                return r;
        r = peer_link_configure(m->peer_link, &m->config, passed_peer_socket(), &error);
        if (r < 0) {
                m->peer_link = peer_link_free(m->peer_link);
                log_error_errno(r,
                                "The peer link is off (no check or migration with other "
                                "hosts): %s",
                                strna(error));
                set_peer_error(m, error ?: "the peer link could not start");
                if (ret_error)
                        *ret_error = TAKE_PTR(error);
                return r;
        }
        set_peer_error(m, NULL);
        return 0;
}

int manager_peer_reload(Manager *m, char **ret_error) {
        _cleanup_free_ char *error = NULL;
        int r;

        if (!m->peer_link)
                return manager_peer_start(m, ret_error);
        r = peer_link_configure(m->peer_link, &m->config, -EBADF, &error);
        if (r < 0) {
                _cleanup_free_ char *text = NULL;

                log_error_errno(r, "Keeping the peer link's certificates as they were: %s",
                                strna(error));
                (void)asprintf_safe(&text, "certificates not reloaded, the old ones are in use: %s",
                                    strna(error));
                set_peer_error(m, text);
                if (ret_error)
                        *ret_error = TAKE_PTR(error);
                return r;
        }
        set_peer_error(m, NULL);
        return 0;
}

void manager_peer_stop(Manager *m) {
        while (m->checks) {
                ManagerCheck *c = m->checks;
                c->cb(m, -ESHUTDOWN, "the daemon is stopping", NULL, c->userdata);
                manager_check_free(c);
        }
        m->peer_link = peer_link_free(m->peer_link);
}
