/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An outgoing connection to another host's daemon by name (see peer-dial.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file-util.h"
#include "peer-dial.h"
#include "peer-resolve.h"
#include "string-util.h"

struct PeerDial {
        PeerLink *link;
        char *host, *target;
        PeerResolve *resolve;
        PeerAddress addrs[PEER_RESOLVE_MAX]; /* tried in order until one answers */
        size_t n_addrs, next_addr;
        Peer *peer;
        PeerCallbacks cb;
        void *userdata;
};

PeerDial *peer_dial_free(PeerDial *d) {
        if (!d)
                return NULL;
        peer_resolve_free(d->resolve);
        peer_free(d->peer);
        free(d->host);
        free(d->target);
        return mfree(d);
}

Peer *peer_dial_peer(PeerDial *d) {
        return d->peer;
}

const char *peer_dial_target(const PeerDial *d) {
        return d->target;
}

static void on_ready(Peer *p, void *userdata) {
        PeerDial *d = userdata;

        if (d->cb.ready)
                d->cb.ready(p, d->userdata);
}

static int on_message(Peer *p, const char *json, size_t len, void *userdata) {
        PeerDial *d = userdata;

        return d->cb.message ? d->cb.message(p, json, len, d->userdata) : 0;
}

static int on_state(Peer *p, const hisi_wire_record *rec, void *userdata) {
        PeerDial *d = userdata;

        return d->cb.state ? d->cb.state(p, rec, d->userdata) : -EPROTO;
}

static void fail(PeerDial *d, Peer *p, int error, const char *reason) {
        _cleanup_free_ char *text = NULL;

        (void)asprintf_safe(&text, "%s: %s", d->target, reason ?: strerror(-error));
        d->cb.closed(p, error, text ?: reason, d->userdata); /* may free d */
}

static int connect_next(PeerDial *d);

static void on_closed(Peer *p, int error, const char *reason, void *userdata) {
        PeerDial *d = userdata;

        /* Nothing listens at this address of the host: its next one, if it has one. */
        if (!peer_connected(p) && d->next_addr < d->n_addrs) {
                d->peer = peer_free(d->peer);
                if (connect_next(d) >= 0)
                        return;
        }
        if (error == 0) {
                d->cb.closed(p, 0, reason, d->userdata); /* may free d */
                return;
        }
        fail(d, p, error, reason);
}

static const PeerCallbacks dial_callbacks = {
        .ready = on_ready,
        .message = on_message,
        .state = on_state,
        .closed = on_closed,
};

static int connect_next(PeerDial *d) {
        const Config *c = peer_link_config(d->link);
        PeerOptions o = {
                .creds = peer_link_creds(d->link),
                .host_name = peer_link_host_name(d->link),
                .io_timeout_usec = c->timeouts.peer_io_usec,
                .connect_timeout_usec = c->timeouts.peer_connect_usec,
        };
        int q = -EHOSTUNREACH;

        while (d->next_addr < d->n_addrs) {
                const PeerAddress *a = &d->addrs[d->next_addr++];

                q = peer_connect(peer_link_event(d->link), (const struct sockaddr *)&a->sa, a->len,
                                 d->host, &o, &dial_callbacks, d, &d->peer);
                if (q >= 0)
                        return 0;
        }
        return q;
}

static void on_resolved(PeerResolve *r, int error, const char *text, const PeerAddress *addrs,
                        size_t n, void *userdata) {
        PeerDial *d = userdata;
        _cleanup_free_ char *msg = NULL;
        int q;

        if (error < 0) {
                /* text lives in r: keep it before r goes. */
                msg = strdup(text ?: "cannot resolve");
                d->resolve = peer_resolve_free(d->resolve);
                d->cb.closed(NULL, error, msg, d->userdata); /* may free d */
                return;
        }
        d->n_addrs = MIN(n, (size_t)PEER_RESOLVE_MAX);
        memcpy(d->addrs, addrs, d->n_addrs * sizeof(*addrs));
        d->resolve = peer_resolve_free(d->resolve);
        q = connect_next(d);
        if (q < 0) {
                (void)asprintf_safe(&msg, "cannot connect: %s", strerror(-q));
                fail(d, NULL, q, msg);
        }
}

int peer_dial(PeerLink *l, const char *host, uint16_t port, const PeerCallbacks *cb, void *userdata,
              PeerDial **ret) {
        _cleanup_(peer_dial_freep) PeerDial *d = NULL;
        int r;

        if (!l || !host || !cb || !cb->closed || !ret)
                return -EINVAL;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->link = l;
        d->cb = *cb;
        d->userdata = userdata;
        if (port == 0)
                port = peer_link_config(l)->peer.port;
        d->host = strdup(host);
        if (!d->host ||
            asprintf_safe(&d->target, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port) < 0)
                return -ENOMEM;
        r = peer_resolve_start(peer_link_event(l), host, port,
                               peer_link_config(l)->timeouts.peer_connect_usec, on_resolved, d,
                               &d->resolve);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}
