/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A peer's host name to an address without blocking the event loop: an IP literal at once,
 * a name by getaddrinfo() in a short-lived child (ChildRun) under a deadline, since a resolver
 * may wait for seconds and the daemon's loop never may.
 */
#pragma once

#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "macro.h"

typedef struct PeerResolve PeerResolve;

/* At most this many addresses of a name are kept, in the resolver's order. */
#define PEER_RESOLVE_MAX 8

typedef struct PeerAddress {
        struct sockaddr_storage sa;
        socklen_t len;
} PeerAddress;

/* error 0: addrs[0..n) are the host's addresses with the port set, to try in order. Otherwise
 * text says why ("cannot resolve host-c: Name or service not known"). May free the PeerResolve;
 * addrs and text live as long as it does. */
typedef void (*peer_resolve_done_t)(PeerResolve *r, int error, const char *text,
                                    const PeerAddress *addrs, size_t n, void *userdata);

/* Always through done, from the event loop (never from inside this call). */
int peer_resolve_start(sd_event *e, const char *host, uint16_t port, uint64_t timeout_usec,
                       peer_resolve_done_t done, void *userdata, PeerResolve **ret);
PeerResolve *peer_resolve_free(PeerResolve *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(PeerResolve *, peer_resolve_free);
