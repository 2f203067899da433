/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hosts for the peer link's and the migrations' tests: a real hisi-accmigd under its own
 * simulated host (daemon-harness), with policy "all", its peer link on 127.0.0.1 and
 * certificates from a test PKI (test-pki.h). For check tests: failures abort the test.
 */
#pragma once

#include <stdint.h>

#include <check.h>

#include "daemon-harness.h"

/* The PKI's directory (test_pki_make()); set before starting a host. */
extern const char *peer_hosts_pki;

/* The usual PKI (host-a and host-b) for a test program: made once by the first case's unchecked
 * fixture (peer_hosts_make_pki, peer_hosts_keep_pki), removed by peer_hosts_main(), which runs
 * the suite where the daemon tests may run (dh_can_run(); 77 otherwise). */
void peer_hosts_make_pki(void);
void peer_hosts_keep_pki(void);
int peer_hosts_main(Suite *s);
/* The config's "timeouts" members for the hosts started next; NULL: peer_io_ms and
 * peer_connect_ms 3000. */
extern const char *peer_hosts_timeouts;

typedef struct host {
        daemon_harness *h;
        uint16_t port;
        char to[32]; /* "127.0.0.1:PORT" */
} host;

/* A port nobody listens on now. */
uint16_t free_port(void);
/* A simulated host with one PF of each kind, 2 VFs each, of the profile and qp count. */
char *sim_config(const char *profile, unsigned qp);
/* Start a daemon on the simulated host sim with the certificates of pki_host; tls_extra goes
 * into peer.tls, extra into the config's top level (",\n  \"limits\": {...}"); listen_fd >= 0
 * is passed as systemd's socket (FDNAME=peer). Returns when every VF is bound. */
void host_start_full(host *x, const char *sim, const char *pki_host, const char *tls_extra,
                     const char *extra, int listen_fd);
void host_start(host *x, const char *profile, unsigned qp, const char *pki_host);
void host_stop(host *x);

/* text holds words, or the test fails saying so. */
void assert_says(const char *text, const char *words);
