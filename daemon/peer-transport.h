/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One peer connection's byte stream: TLS 1.3 with mutual x509 authentication (GnuTLS), or plain
 * TCP where peer.tls.mode is "none". Non-blocking throughout: the handshake, reads and writes
 * return -EAGAIN, and peer_transport_events() says which of EPOLLIN/EPOLLOUT the caller must
 * wait for, so that the event loop never blocks on a slow or silent peer.
 *
 * A server that expects TLS looks at the first byte before the handshake, so that a plain-text
 * client is told apart from a broken TLS one; after the handshake both sides check the peer's
 * certificate (tls-creds.h), each refusal with a sentence.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"
#include "tls-creds.h"

typedef struct PeerTransport PeerTransport;

/* Take fd (non-blocking, connected). creds NULL: plain text. A client names the host it
 * connected to: the server's certificate must be for it. */
int peer_transport_new_server(int fd, TlsCreds *creds, PeerTransport **ret);
int peer_transport_new_client(int fd, TlsCreds *creds, const char *hostname, PeerTransport **ret);
PeerTransport *peer_transport_free(PeerTransport *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(PeerTransport *, peer_transport_free);

int peer_transport_fd(const PeerTransport *t);
bool peer_transport_is_tls(const PeerTransport *t);

/*
 * Drive the handshake and the peer's checks: 1 when done (the peer is authenticated, or the
 * transport is plain), 0 when it waits for I/O, or a negative errno with *ret_error: -EPROTO
 * (not our protocol, or not TLS), -EPERM (the peer's certificate was refused: a server can still
 * write, to tell the client why before it closes), -ECONNRESET (the peer closed or refused us),
 * -EIO.
 */
int peer_transport_handshake(PeerTransport *t, char **ret_error);

/* EPOLLIN and/or EPOLLOUT: what the last call that returned -EAGAIN (or 0) waits for. */
uint32_t peer_transport_events(const PeerTransport *t);

/* Bytes read (0 at the peer's orderly close), -EAGAIN, or an error (*ret_error when not NULL
 * receives a sentence: a TLS alert the peer sent, a reset). */
ssize_t peer_transport_read(PeerTransport *t, void *buf, size_t n, char **ret_error);
/* Bytes written, -EAGAIN, or an error. */
ssize_t peer_transport_write(PeerTransport *t, const void *buf, size_t n, char **ret_error);
/* Decrypted bytes wait inside the TLS layer: read again before waiting for the fd. */
bool peer_transport_pending(const PeerTransport *t);

/* An orderly end: TLS close_notify (best effort, never waits). */
void peer_transport_bye(PeerTransport *t);

/* Close the connection's socket now (after the bye): a closed peer that its owner keeps (a
 * finished migration stays listed) holds no fd. What it learnt (the peer's DN) stays. */
void peer_transport_close(PeerTransport *t);

/* The peer certificate's DN after the handshake, or NULL (plain text). */
const char *peer_transport_peer_dn(const PeerTransport *t);
