/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One compatibility check asked of another host (the source's side of the protocol's "check"):
 * connect, authenticate, send the descriptors of our VFs, and hand the destination's verdicts
 * to the caller; or, when the link fails, a sentence that says what to fix. Nothing stops and
 * nothing is reserved by a check.
 */
#pragma once

#include <stdint.h>

#include "hisi/peer-message.h"
#include "macro.h"
#include "peer-link.h"

typedef struct PeerCheck PeerCheck;

/* error 0: reply holds one verdict per VF asked, in the order asked. error < 0: error_text
 * says why ("host-b:16520: certificate is for host-b.example, not host-c"). The callback may
 * free the PeerCheck. */
typedef void (*peer_check_done_t)(PeerCheck *pc, int error, const char *error_text,
                                  const hisi_peer_check_reply *reply, void *userdata);

/* host: a name or an IP literal, checked against the server's certificate; port 0: the
 * configured peer.port. check is taken (its contents moved out). */
int peer_check_start(PeerLink *l, const char *host, uint16_t port, hisi_peer_check *check,
                     peer_check_done_t cb, void *userdata, PeerCheck **ret);
PeerCheck *peer_check_free(PeerCheck *pc);
DEFINE_TRIVIAL_CLEANUP_FUNC(PeerCheck *, peer_check_free);
