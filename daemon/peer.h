/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One connection to another hisi-accmigd (libhisi/docs/peer-protocol.md), in either direction:
 * connect (outgoing), the TLS handshake and the peer's checks, the preamble and hello exchange,
 * then records both ways. All of it non-blocking on the event loop: a write queue, an
 * incremental decoder, and a timer that closes a connection silent past timeouts.peer_io_ms.
 * Whoever owns the Peer learns of messages, state records and the close through callbacks;
 * a protocol fault closes the connection with a log line that names the peer.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "hisi/peer-wire.h"
#include "macro.h"
#include "tls-creds.h"

typedef struct Peer Peer;

typedef enum PeerDirection {
        PEER_INCOMING,
        PEER_OUTGOING,
        _PEER_DIRECTION_MAX,
        _PEER_DIRECTION_INVALID = -EINVAL,
} PeerDirection;

typedef enum PeerState {
        PEER_CONNECTING, /* outgoing: connect() in progress */
        PEER_HANDSHAKE,  /* TLS handshake and the peer's checks */
        PEER_HELLO,      /* preamble and hello sent, waiting for the peer's */
        PEER_READY,      /* messages both ways */
        PEER_CLOSING,    /* flushing a last message (an ABORT) before closing */
        PEER_CLOSED,
        _PEER_STATE_MAX,
        _PEER_STATE_INVALID = -EINVAL,
} PeerState;

const char *peer_state_to_string(PeerState s);

/* The protocol version this daemon speaks, and the oldest it accepts. */
#define PEER_PROTOCOL_VERSION     1
#define PEER_PROTOCOL_MIN_VERSION 1

typedef struct PeerCallbacks {
        /* The hello exchange is done: messages may flow. */
        void (*ready)(Peer *p, void *userdata);
        /* A control message; a negative return closes the connection. */
        int (*message)(Peer *p, const char *json, size_t len, void *userdata);
        /* A state record (CHUNK or END, checked by the decoder); negative closes. */
        int (*state)(Peer *p, const hisi_wire_record *rec, void *userdata);
        /* The connection is gone. error 0: an orderly close; reason: a sentence, or NULL. The
         * Peer is freed by the caller, not inside the callback (peer_free is safe after). */
        void (*closed)(Peer *p, int error, const char *reason, void *userdata);
} PeerCallbacks;

typedef struct PeerOptions {
        TlsCreds *creds;       /* NULL: plain text (peer.tls.mode "none") */
        const char *host_name; /* ours, sent in the hello */
        uint64_t io_timeout_usec;
        uint64_t connect_timeout_usec;
        const char *busy_reason; /* incoming: answer the hello with ABORT busy and close */
} PeerOptions;

/* A connection accepted on our port (fd non-blocking); name: "address:port" for the logs. */
int peer_new_incoming(sd_event *e, int fd, const char *name, const PeerOptions *o,
                      const PeerCallbacks *cb, void *userdata, Peer **ret);
/* Connect to addr; hostname is what the server's certificate must be for. */
int peer_connect(sd_event *e, const struct sockaddr *addr, socklen_t addr_len, const char *hostname,
                 const PeerOptions *o, const PeerCallbacks *cb, void *userdata, Peer **ret);
Peer *peer_free(Peer *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Peer *, peer_free);

/* Queue a control message (a JSON object's text). */
int peer_send_message(Peer *p, const char *json);
/* Queue the records of state (made with hisi_wire_encoder_*). */
int peer_send_records(Peer *p, const void *data, size_t len);
/* Write what is queued now, as far as the socket takes it, instead of at the end of the
 * dispatch: for an answer someone's downtime waits on, before the work that can follow it. A
 * failed write closes the connection as usual (its on_closed comes from the loop). */
int peer_flush(Peer *p);
/* Send ABORT with a machine-readable reason and a sentence, then close. */
int peer_abort(Peer *p, const char *reason, const char *message);
/* Close once what is queued is sent (an orderly end); the closed callback runs with 0. */
int peer_finish(Peer *p);
/* Close now; the closed callback runs with error and reason. */
void peer_close(Peer *p, int error, const char *reason);

/* From now on accept state for devices 0..n-1 (see hisi_wire_decoder_expect_devices). */
int peer_expect_devices(Peer *p, uint32_t n);

PeerState peer_state(const Peer *p);
PeerDirection peer_direction(const Peer *p);
const char *peer_name(const Peer *p);      /* "host-b:16520", "[::1]:41234" */
const char *peer_host_name(const Peer *p); /* what the peer's hello says, or NULL */
const char *peer_dn(const Peer *p);        /* its certificate's DN, or NULL (plain) */
unsigned peer_version(const Peer *p);      /* the protocol version agreed */
bool peer_connected(const Peer *p);        /* the TCP connection was made (outgoing) */
void *peer_userdata(const Peer *p);
/* Hand the connection's events to another owner (a migration taking over an incoming link). */
void peer_set_callbacks(Peer *p, const PeerCallbacks *cb, void *userdata);
void peer_set_userdata(Peer *p, void *userdata);
