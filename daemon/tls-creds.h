/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The peer link's x509 credentials: the CA (and its CRL, when there is one), this host's server
 * and client certificates with their keys, and the distinguished names allowed to connect. Read
 * at start and on reload; a set that cannot be used is refused with a sentence that names the
 * file and what is wrong, and the caller keeps the set it had.
 *
 * The checks of a peer's certificate after a handshake live here too, so that every refusal
 * reads the same: "peer certificate is not signed by /etc/pki/qemu/ca-cert.pem", "certificate
 * is for host-b.example, not host-c", "client certificate expired on 2026-01-02", "the peer sent
 * no client certificate", "client certificate DN … is not in peer.tls.allowed_dn".
 */
#pragma once

#include <gnutls/gnutls.h>
#include <stdbool.h>

#include "macro.h"

/* Where the credentials are: every path given (the config resolves the defaults). */
typedef struct TlsFiles {
        const char *ca_cert;
        const char *ca_crl;   /* NULL: none; a file that does not exist is "none" too */
        bool ca_crl_required; /* named explicitly in the config: it must exist */
        const char *server_cert, *server_key;
        const char *client_cert, *client_key;
        char *const *allowed_dn; /* NULL-terminated fnmatch() patterns of RFC 4514 DNs
                                    ("CN=host-*,O=Example"); NULL or empty: any DN the CA signed */
} TlsFiles;

typedef struct TlsCreds TlsCreds;

/* 0, or a negative errno and *ret_error, a sentence naming the file and the fault. */
int tls_creds_load(const TlsFiles *files, TlsCreds **ret, char **ret_error);
TlsCreds *tls_creds_ref(TlsCreds *c);
TlsCreds *tls_creds_unref(TlsCreds *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(TlsCreds *, tls_creds_unref);

/* The credentials for a session of either side. */
gnutls_certificate_credentials_t tls_creds_server(TlsCreds *c);
gnutls_certificate_credentials_t tls_creds_client(TlsCreds *c);

/* The TLS 1.3 only priority string both sides use. */
#define TLS_PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3"

/*
 * Check the peer of a finished handshake. A client passes the host name it connected to (the
 * server's certificate must be for it); a server passes NULL and checks allowed_dn. 0 when the
 * peer is good; -EPERM (or -ENOMEM) and *ret_error otherwise. ret_dn, when not NULL, receives
 * the peer certificate's DN.
 */
int tls_creds_verify_peer(TlsCreds *c, gnutls_session_t session, const char *hostname,
                          char **ret_dn, char **ret_error);
