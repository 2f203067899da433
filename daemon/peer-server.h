/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The peer port: a listening TCP socket of our own on peer.listen_address:peer.port, or the one
 * systemd passes (units/hisi-accmigd.socket, FileDescriptorName=peer, through
 * sd_listen_fds_with_names). Each accepted connection goes to the owner with its "address:port".
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "macro.h"

/* The name of the peer socket among the fds systemd passes. */
#define PEER_SERVER_FDNAME "peer"

typedef struct PeerServer PeerServer;

/* A connection: fd (non-blocking, close-on-exec) is the callee's. */
typedef void (*peer_server_accept_t)(PeerServer *s, int fd, const char *name, void *userdata);

/* Listen on address:port (an IP literal; "::" listens on every address, IPv4 too). */
int peer_server_listen(sd_event *e, const char *address, uint16_t port, peer_server_accept_t cb,
                       void *userdata, PeerServer **ret, char **ret_error);
/* Serve on a listening socket systemd passed; takes fd. */
int peer_server_adopt(sd_event *e, int fd, peer_server_accept_t cb, void *userdata,
                      PeerServer **ret, char **ret_error);
PeerServer *peer_server_free(PeerServer *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(PeerServer *, peer_server_free);

/* The port it listens on (useful with port 0 in tests). */
uint16_t peer_server_port(const PeerServer *s);
/* "[::]:16520", "127.0.0.1:16520" */
const char *peer_server_name(const PeerServer *s);

/* Format a socket address as "address:port" ("[addr]:port" for IPv6); buf of 64 bytes. */
const char *sockaddr_to_string(const void *sa, char buf[static 64]);
