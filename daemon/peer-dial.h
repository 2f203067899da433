/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An outgoing connection to another host's daemon by name: resolve it (PeerResolve), connect to
 * each of its addresses in turn until one answers, and then pass the connection's events to the
 * caller. Checks and migrations both dial this way.
 */
#pragma once

#include <stdint.h>

#include "macro.h"
#include "peer-link.h"
#include "peer.h"

typedef struct PeerDial PeerDial;

/*
 * host: a name or an IP literal, checked against the server's certificate; port 0: the
 * configured peer.port. cb's ready, message and state come from the connection; closed comes
 * once, when the last address failed or the connection ended (p may then be NULL: the name did
 * not resolve), with a sentence that starts with "host:port: ". The callbacks may free the dial.
 */
int peer_dial(PeerLink *l, const char *host, uint16_t port, const PeerCallbacks *cb, void *userdata,
              PeerDial **ret);
PeerDial *peer_dial_free(PeerDial *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(PeerDial *, peer_dial_free);

/* The connection, once there is one (NULL while resolving or between addresses). */
Peer *peer_dial_peer(PeerDial *d);
/* "host-b:16520" */
const char *peer_dial_target(const PeerDial *d);
