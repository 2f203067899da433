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
#include "peer-dial.h"
#include "peer.h"
#include "string-util.h"

struct PeerCheck {
        PeerDial *dial;
        hisi_peer_check check;
        peer_check_done_t cb;
        void *userdata;
        hisi_peer_check_reply reply;
        bool have_reply;
};

PeerCheck *peer_check_free(PeerCheck *pc) {
        if (!pc)
                return NULL;
        peer_dial_free(pc->dial);
        hisi_peer_check_done(&pc->check);
        hisi_peer_check_reply_done(&pc->reply);
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

        if (pc->have_reply) {
                pc->cb(pc, 0, NULL, &pc->reply, pc->userdata); /* may free pc */
                return;
        }
        pc->cb(pc, error < 0 ? error : -ECONNRESET,
               reason ?: "the peer closed the connection before it answered", NULL,
               pc->userdata); /* may free pc */
}

static const PeerCallbacks check_callbacks = {
        .ready = on_ready,
        .message = on_message,
        .closed = on_closed,
};

int peer_check_start(PeerLink *l, const char *host, uint16_t port, hisi_peer_check *check,
                     peer_check_done_t cb, void *userdata, PeerCheck **ret) {
        _cleanup_(peer_check_freep) PeerCheck *pc = NULL;
        static unsigned long next_id = 1;
        int r;

        if (!l || !host || !check || !cb || !ret)
                return -EINVAL;
        pc = calloc(1, sizeof(*pc));
        if (!pc)
                return -ENOMEM;
        pc->cb = cb;
        pc->userdata = userdata;
        pc->check = *check;
        *check = (hisi_peer_check){};
        pc->check.id = next_id++;
        r = peer_dial(l, host, port, &check_callbacks, pc, &pc->dial);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(pc);
        return 0;
}
