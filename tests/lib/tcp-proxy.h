/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A TCP proxy for the link-fault tests: a thread that listens on 127.0.0.1 and forwards every
 * connection to a target port (another daemon's peer port), byte for byte, in both directions,
 * until the test breaks the link in one of the ways a network does:
 *   cut      every connection closed on both sides, and nobody listens any more;
 *   restart  listen again on the same port (a source that retries finds it);
 *   stall    nothing forwarded on the connections open now, which stay open (a silent peer),
 *            while new ones work;
 *   corrupt  one byte the client sends flipped, N bytes from now.
 * Every call acts before it returns; the waits take a timeout, never a fixed sleep.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct tcp_proxy tcp_proxy;

/* Listen on a free port of 127.0.0.1 and forward to 127.0.0.1:target_port. */
int tcp_proxy_new(uint16_t target_port, tcp_proxy **ret);
/* Stop the thread, close everything. */
tcp_proxy *tcp_proxy_free(tcp_proxy *p);

/* The port it listens on (the same after a restart). */
uint16_t tcp_proxy_port(const tcp_proxy *p);

/* Close every connection (both sides) and the listening socket. */
int tcp_proxy_cut(tcp_proxy *p);
/* Listen again on the same port. -EALREADY when it listens. */
int tcp_proxy_restart(tcp_proxy *p);
/* Stop (true) forwarding on every connection open now, or resume (false) every stalled one;
 * they stay open. Connections accepted later are not stalled. */
int tcp_proxy_stall(tcp_proxy *p, bool stall);
/* Flip one byte of what clients send: the byte `after` bytes past what was forwarded so far. */
int tcp_proxy_corrupt(tcp_proxy *p, uint64_t after);

/* Bytes forwarded from clients to the target, and back, since the start. */
uint64_t tcp_proxy_sent(tcp_proxy *p);
uint64_t tcp_proxy_received(tcp_proxy *p);
/* Connections accepted since the start, and whether the corruption was done. */
unsigned tcp_proxy_accepted(tcp_proxy *p);
bool tcp_proxy_corrupted(tcp_proxy *p);

/* Wait until at least n connections were accepted; -ETIMEDOUT after timeout_ms. */
int tcp_proxy_wait_accepted(tcp_proxy *p, unsigned n, int timeout_ms);
