/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One compatibility check asked of another host (see peer-check.h). */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file-util.h"
#include "log.h"
#include "peer-check.h"
#include "peer-resolve.h"
#include "peer.h"
#include "string-util.h"

struct PeerCheck {
        PeerLink *link;
        PeerResolve *resolve;
        char *host;
        Peer *peer;
        char *target; /* "host:port" */
        hisi_peer_check check;
        peer_check_done_t cb;
        void *userdata;
        hisi_peer_check_reply reply;
        bool have_reply;
        PeerAddress addrs[PEER_RESOLVE_MAX]; /* the host's, tried in order until one answers */
        size_t n_addrs, next_addr;
};

static int connect_next(PeerCheck *pc);

PeerCheck *peer_check_free(PeerCheck *pc) {
        if (!pc)
                return NULL;
        peer_resolve_free(pc->resolve);
        peer_free(pc->peer);
        free(pc->host);
        hisi_peer_check_done(&pc->check);
        hisi_peer_check_reply_done(&pc->reply);
        free(pc->target);
        return mfree(pc);
}

static void on_ready(Peer *p, void *userdata) {
        PeerCheck *pc = userdata;
        _cleanup_free_ char *json = NULL;
        int r;

        r = hisi_peer_check_to_json(&pc->check, &json);
        if (r >= 0)
                r = peer_send_message(p, json);
        if (r < 0)
                peer_close(p, r, "could not send the check");
}

/* The reply must answer our request: its id, and one verdict per VF asked, in order. */
static int reply_matches(const PeerCheck *pc, const hisi_peer_check_reply *reply) {
        if (reply->id != pc->check.id || reply->n_devices != pc->check.n_devices)
                return -EPROTO;
        for (size_t i = 0; i < reply->n_devices; i++)
                if (!streq(reply->devices[i].source, pc->check.devices[i].source))
                        return -EPROTO;
        return 0;
}

static int on_message(Peer *p, const char *json, size_t len, void *userdata) {
        PeerCheck *pc = userdata;
        _cleanup_(hisi_peer_check_reply_done) hisi_peer_check_reply reply = {};
        _cleanup_free_ char *type = NULL, *error = NULL;
        int r;

        r = hisi_peer_message_type(json, len, &type, &error);
        if (r >= 0 && !streq(type, "check-reply"))
                r = asprintf_safe(&error, "the peer answered a check with \"%s\"", type) < 0
                            ? -ENOMEM
                            : -EPROTO;
        if (r >= 0)
                r = hisi_peer_check_reply_from_json(json, len, &reply, &error);
        if (r >= 0 && reply_matches(pc, &reply) < 0)
                r = asprintf_safe(&error, "the peer's answer is not for the VFs asked") < 0
                            ? -ENOMEM
                            : -EPROTO;
        if (r < 0) {
                (void)peer_abort(p, "protocol", strna(error));
                return 0;
        }
        /* The caller hears of it when the connection is closed (on_closed), never from
         * inside the connection's own call stack: it may free everything. */
        pc->reply = reply;
        reply = (hisi_peer_check_reply){};
        pc->have_reply = true;
        peer_close(p, 0, NULL);
        return 0;
}

static void on_closed(Peer *p, int error, const char *reason, void *userdata) {
        PeerCheck *pc = userdata;
        _cleanup_free_ char *text = NULL;

        /* Nothing listens at this address of the host: its next one, if it has one. */
        if (!peer_connected(p) && pc->next_addr < pc->n_addrs) {
                pc->peer = peer_free(pc->peer);
                if (connect_next(pc) >= 0)
                        return;
        }
        if (pc->have_reply) {
                pc->cb(pc, 0, NULL, &pc->reply, pc->userdata); /* may free pc */
                return;
        }
        (void)asprintf_safe(&text, "%s: %s", pc->target,
                            reason ?: "the peer closed the connection before it answered");
        pc->cb(pc, error < 0 ? error : -ECONNRESET, text, NULL, pc->userdata); /* may free pc */
}

static const PeerCallbacks check_callbacks = {
        .ready = on_ready,
        .message = on_message,
        .closed = on_closed,
};

static int connect_next(PeerCheck *pc) {
        const Config *c = peer_link_config(pc->link);
        PeerOptions o = {
                .creds = peer_link_creds(pc->link),
                .host_name = peer_link_host_name(pc->link),
                .io_timeout_usec = c->timeouts.peer_io_usec,
                .connect_timeout_usec = c->timeouts.peer_connect_usec,
        };
        int q = -EHOSTUNREACH;

        while (pc->next_addr < pc->n_addrs) {
                const PeerAddress *a = &pc->addrs[pc->next_addr++];

                q = peer_connect(peer_link_event(pc->link), (const struct sockaddr *)&a->sa, a->len,
                                 pc->host, &o, &check_callbacks, pc, &pc->peer);
                if (q >= 0)
                        return 0;
        }
        return q;
}

static void on_resolved(PeerResolve *r, int error, const char *text, const PeerAddress *addrs,
                        size_t n, void *userdata) {
        PeerCheck *pc = userdata;
        _cleanup_free_ char *msg = NULL;
        int q;

        if (error < 0) {
                /* text lives in r: say it before r goes. */
                (void)asprintf_safe(&msg, "%s", text ?: "cannot resolve");
                pc->resolve = peer_resolve_free(pc->resolve);
                pc->cb(pc, error, msg, NULL, pc->userdata); /* may free pc */
                return;
        }
        pc->n_addrs = MIN(n, (size_t)PEER_RESOLVE_MAX);
        memcpy(pc->addrs, addrs, pc->n_addrs * sizeof(*addrs));
        pc->resolve = peer_resolve_free(pc->resolve);
        q = connect_next(pc);
        if (q < 0) {
                (void)asprintf_safe(&msg, "%s: cannot connect: %s", pc->target, strerror(-q));
                pc->cb(pc, q, msg, NULL, pc->userdata); /* may free pc */
        }
}

int peer_check_start(PeerLink *l, const char *host, uint16_t port, hisi_peer_check *check,
                     peer_check_done_t cb, void *userdata, PeerCheck **ret) {
        _cleanup_(peer_check_freep) PeerCheck *pc = NULL;
        const Config *c = peer_link_config(l);
        static unsigned long next_id = 1;
        int r;

        if (!l || !host || !check || !cb || !ret)
                return -EINVAL;
        pc = calloc(1, sizeof(*pc));
        if (!pc)
                return -ENOMEM;
        pc->link = l;
        pc->cb = cb;
        pc->userdata = userdata;
        pc->check = *check;
        *check = (hisi_peer_check){};
        pc->check.id = next_id++;
        if (port == 0)
                port = c->peer.port;
        if (asprintf_safe(&pc->target, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port) < 0)
                return -ENOMEM;
        pc->host = strdup(host);
        if (!pc->host)
                return -ENOMEM;
        r = peer_resolve_start(peer_link_event(l), host, port, c->timeouts.peer_connect_usec,
                               on_resolved, pc, &pc->resolve);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(pc);
        return 0;
}
