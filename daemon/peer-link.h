/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's side of the peer protocol: the credentials, the peer port, the connections other
 * daemons open to us and the requests we make of them. Incoming messages go through a table of
 * handlers, one small function per message type; what a handler needs of this host (which VFs
 * there are, whether one would fit) it asks the owner through PeerLinkOps, so that the link
 * knows no Manager internals.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf.h"
#include "hisi/peer-message.h"
#include "macro.h"
#include "tls-creds.h"

typedef struct PeerLink PeerLink;
typedef struct Peer Peer;

typedef struct PeerLinkOps {
        /*
         * Destination side of a check: choose a VF of this host for the source VF d (or check
         * the one d->to names), skipping the addresses in taken (chosen for earlier VFs of the
         * same request, n_taken of them). Fill ret's destination (or NULL), accepted and
         * reasons. Negative only when the check could not be made at all.
         */
        int (*choose)(void *userdata, const hisi_peer_check_device *d, char *const *taken,
                      size_t n_taken, hisi_peer_check_result *ret);
        /* A "migrate" arrived on p: the owner takes the connection over (peer_set_callbacks)
         * and answers, or returns a negative errno (the link answers with an abort). */
        int (*migrate)(void *userdata, Peer *p, const char *json, size_t len);
        /* What this host remembers of migration id: "committed", "rolled-back", "unknown";
         * *ret_reason (to free): why it rolled back (its error), or NULL. */
        const char *(*outcome)(void *userdata, const char *id, char **ret_reason);
        /* The source (host name source) says it settled migration id: the outcome kept for it
         * may go. */
        void (*forget)(void *userdata, const char *id, const char *source);
} PeerLinkOps;

int peer_link_new(sd_event *e, const PeerLinkOps *ops, void *userdata, PeerLink **ret);
PeerLink *peer_link_free(PeerLink *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(PeerLink *, peer_link_free);

/*
 * Apply the config's peer section: read the credentials (a set that cannot be used is refused
 * with *ret_error, and the link keeps the set it had), and listen, on the socket systemd passed
 * (listen_fd >= 0, taken) or on peer.listen_address:peer.port. Called at start and on reload;
 * on reload the port stays as it is.
 */
int peer_link_configure(PeerLink *l, const Config *c, int listen_fd, char **ret_error);

/* What the link serves on, for the logs and status: "[::]:16520 (TLS)". */
const char *peer_link_describe(const PeerLink *l);
uint16_t peer_link_port(const PeerLink *l);
unsigned peer_link_n_incoming(const PeerLink *l);

/* The credentials and options an outgoing connection uses. */
TlsCreds *peer_link_creds(PeerLink *l);
sd_event *peer_link_event(PeerLink *l);
const Config *peer_link_config(PeerLink *l);
const char *peer_link_host_name(const PeerLink *l); /* ours, as the hello says it */
