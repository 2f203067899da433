/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the peer link's TLS (daemon/tls-creds.c, daemon/peer-transport.c) with real
 * GnuTLS and certificates made by certtool at test time (tests/lib/make-certs.sh): a client and
 * a server handshake over a socketpair, both non-blocking, in one process. Each refusal must say
 * what a person has to fix.
 */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "file-util.h"
#include "macro.h"
#include "peer-transport.h"
#include "test-main.h"
#include "test-pki.h"
#include "tls-creds.h"

static char pki[] = "/tmp/test-peer-tls.XXXXXX";

static void make_pki(void) {
        ck_assert_int_eq(
                test_pki_make(pki,
                              "host-a host-b --expired host-old --normal --other-ca host-evil"),
                0);
}

static void remove_pki(void) {
        test_pki_remove(pki);
}

/* The files of one host's directory. */
typedef struct host_files {
        char ca[256], crl[256], scert[256], skey[256], ccert[256], ckey[256];
        TlsFiles files;
} host_files;

static void host_files_init(host_files *h, const char *host, const char *const *allowed_dn) {
        snprintf(h->ca, sizeof(h->ca), "%s/%s/ca-cert.pem", pki, host);
        snprintf(h->crl, sizeof(h->crl), "%s/%s/ca-crl.pem", pki, host);
        snprintf(h->scert, sizeof(h->scert), "%s/%s/server-cert.pem", pki, host);
        snprintf(h->skey, sizeof(h->skey), "%s/%s/server-key.pem", pki, host);
        snprintf(h->ccert, sizeof(h->ccert), "%s/%s/client-cert.pem", pki, host);
        snprintf(h->ckey, sizeof(h->ckey), "%s/%s/client-key.pem", pki, host);
        h->files = (TlsFiles){
                .ca_cert = h->ca,
                .ca_crl = h->crl,
                .server_cert = h->scert,
                .server_key = h->skey,
                .client_cert = h->ccert,
                .client_key = h->ckey,
                .allowed_dn = (char *const *)allowed_dn,
        };
}

static TlsCreds *load(const char *host, const char *const *allowed_dn) {
        host_files h;
        TlsCreds *c = NULL;
        _cleanup_free_ char *error = NULL;

        host_files_init(&h, host, allowed_dn);
        ck_assert_msg(tls_creds_load(&h.files, &c, &error) == 0, "%s: %s", host, error);
        return c;
}

/* Both ends' view of one handshake. */
typedef struct outcome {
        int client, server;
        char *client_error, *server_error;
} outcome;

static void outcome_done(outcome *o) {
        free(o->client_error);
        free(o->server_error);
}

static void handshake(PeerTransport *c, PeerTransport *s, outcome *o) {
        *o = (outcome){};
        for (int i = 0; i < 1000 && (o->client == 0 || o->server == 0); i++) {
                if (o->client == 0)
                        o->client = peer_transport_handshake(c, &o->client_error);
                if (o->server == 0)
                        o->server = peer_transport_handshake(s, &o->server_error);
                /* After a failure on one side the other must not spin: it sees the close. */
                if (o->client < 0 && o->server == 0)
                        shutdown(peer_transport_fd(c), SHUT_RDWR);
                if (o->server < 0 && o->client == 0)
                        shutdown(peer_transport_fd(s), SHUT_RDWR);
        }
}

static void pair(TlsCreds *client_creds, const char *hostname, TlsCreds *server_creds,
                 PeerTransport **ret_c, PeerTransport **ret_s) {
        int sv[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(peer_transport_new_client(sv[0], client_creds, hostname, ret_c), 0);
        ck_assert_int_eq(peer_transport_new_server(sv[1], server_creds, ret_s), 0);
}

/* A client of host A connects to host B under the name hostname. */
static void run(const char *a, const char *hostname, const char *b, const char *const *allowed,
                outcome *o) {
        _cleanup_(tls_creds_unrefp) TlsCreds *ca = load(a, NULL), *cb = load(b, allowed);
        _cleanup_(peer_transport_freep) PeerTransport *c = NULL, *s = NULL;

        pair(ca, hostname, cb, &c, &s);
        handshake(c, s, o);
}

static void assert_says(const char *error, const char *words) {
        ck_assert_ptr_nonnull(error);
        ck_assert_msg(strstr(error, words), "\"%s\" does not say \"%s\"", error, words);
}

START_TEST(test_mutual) {
        _cleanup_(tls_creds_unrefp) TlsCreds *ca = load("host-a", NULL), *cb = load("host-b", NULL);
        _cleanup_(peer_transport_freep) PeerTransport *c = NULL, *s = NULL;
        _cleanup_(outcome_done) outcome o;
        char buf[32];
        ssize_t n = -EAGAIN;

        pair(ca, "host-b", cb, &c, &s);
        handshake(c, s, &o);
        ck_assert_msg(o.client == 1 && o.server == 1, "%s / %s", o.client_error, o.server_error);
        ck_assert(peer_transport_is_tls(c));
        ck_assert_str_eq(peer_transport_peer_dn(s), "CN=host-a,O=hisi-accmigd test");
        ck_assert_str_eq(peer_transport_peer_dn(c), "CN=host-b,O=hisi-accmigd test");
        ck_assert_int_eq(peer_transport_write(c, "hello", 5, NULL), 5);
        for (int i = 0; i < 100 && n == -EAGAIN; i++)
                n = peer_transport_read(s, buf, sizeof(buf), NULL);
        ck_assert_int_eq(n, 5);
        ck_assert_mem_eq(buf, "hello", 5);
        /* By IP address and by localhost too: the certificate names them. */
        outcome_done(&o);
        run("host-a", "127.0.0.1", "host-b", NULL, &o);
        ck_assert_int_eq(o.client, 1);
}
END_TEST

START_TEST(test_wrong_host_name) {
        _cleanup_(outcome_done) outcome o;

        _cleanup_(tls_creds_unrefp) TlsCreds *ca = load("host-a", NULL), *cb = load("host-b", NULL);
        _cleanup_(peer_transport_freep) PeerTransport *c = NULL, *s = NULL;
        _cleanup_free_ char *error = NULL;
        char buf[8];
        ssize_t n = -EAGAIN;

        pair(ca, "host-c", cb, &c, &s);
        handshake(c, s, &o);
        ck_assert_int_eq(o.client, -EPERM);
        assert_says(o.client_error, "certificate is for host-b, localhost, 127.0.0.1, not host-c");
        /* TLS 1.3: the server finished first; it learns of the refusal from the client's alert. */
        ck_assert_int_eq(o.server, 1);
        for (int i = 0; i < 100 && n == -EAGAIN; i++)
                n = peer_transport_read(s, buf, sizeof(buf), &error);
        ck_assert_int_eq(n, -ECONNRESET);
        assert_says(error, "the peer refused the connection (TLS alert: Certificate is bad)");
}
END_TEST

START_TEST(test_wrong_ca) {
        _cleanup_(outcome_done) outcome o;
        char want[512];

        /* The server's certificate is from another CA. */
        run("host-a", "host-evil", "host-evil", NULL, &o);
        ck_assert_int_eq(o.client, -EPERM);
        snprintf(want, sizeof(want), "is not signed by %s/host-a/ca-cert.pem", pki);
        assert_says(o.client_error, want);
        assert_says(o.client_error, "CN=host-evil");
        outcome_done(&o);
        /* The client's certificate is from another CA. */
        run("host-evil", "host-b", "host-b", NULL, &o);
        ck_assert_int_eq(o.server, -EPERM);
        snprintf(want, sizeof(want), "is not signed by %s/host-b/ca-cert.pem", pki);
        assert_says(o.server_error, want);
}
END_TEST

START_TEST(test_expired) {
        _cleanup_(outcome_done) outcome o;

        run("host-old", "host-b", "host-b", NULL, &o);
        ck_assert_int_eq(o.server, -EPERM);
        assert_says(o.server_error,
                    "client certificate CN=host-old,O=hisi-accmigd test expired on 2026-01-02");
        outcome_done(&o);
        run("host-a", "host-old", "host-old", NULL, &o);
        ck_assert_int_eq(o.client, -EPERM);
        assert_says(o.client_error,
                    "server certificate CN=host-old,O=hisi-accmigd test expired on 2026-01-02");
}
END_TEST

START_TEST(test_allowed_dn) {
        static const char *const only_z[] = { "CN=host-z,O=hisi-accmigd test", NULL };
        static const char *const with_a[] = { "CN=y,O=x", "CN=host-a,O=hisi-accmigd test", NULL };
        static const char *const wildcard[] = { "CN=host-*,O=hisi-accmigd test", NULL };
        _cleanup_(outcome_done) outcome o;

        run("host-a", "host-b", "host-b", only_z, &o);
        ck_assert_int_eq(o.server, -EPERM);
        assert_says(o.server_error, "client certificate DN \"CN=host-a,O=hisi-accmigd test\" is "
                                    "not in peer.tls.allowed_dn");
        outcome_done(&o);
        run("host-a", "host-b", "host-b", with_a, &o);
        ck_assert_int_eq(o.server, 1);
        outcome_done(&o);
        /* Wildcards, as libvirt's tls_allowed_dn_list. */
        run("host-a", "host-b", "host-b", wildcard, &o);
        ck_assert_int_eq(o.server, 1);
}
END_TEST

START_TEST(test_no_client_certificate) {
        _cleanup_(tls_creds_unrefp) TlsCreds *cb = load("host-b", NULL);
        _cleanup_(peer_transport_freep) PeerTransport *s = NULL;
        gnutls_certificate_credentials_t x;
        gnutls_session_t session;
        char ca[256], *error = NULL;
        int sv[2], r = 0, g = GNUTLS_E_AGAIN;

        /* A TLS client with the CA but no certificate of its own. */
        snprintf(ca, sizeof(ca), "%s/ca-cert.pem", pki);
        ck_assert_int_eq(gnutls_certificate_allocate_credentials(&x), 0);
        ck_assert_int_gt(gnutls_certificate_set_x509_trust_file(x, ca, GNUTLS_X509_FMT_PEM), 0);
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(gnutls_init(&session, GNUTLS_CLIENT | GNUTLS_NONBLOCK), 0);
        ck_assert_int_eq(gnutls_priority_set_direct(session, TLS_PRIORITY, NULL), 0);
        ck_assert_int_eq(gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, x), 0);
        gnutls_transport_set_int(session, sv[0]);
        ck_assert_int_eq(peer_transport_new_server(sv[1], cb, &s), 0);
        for (int i = 0; i < 1000 && r == 0; i++) {
                if (g == GNUTLS_E_AGAIN)
                        g = gnutls_handshake(session);
                r = peer_transport_handshake(s, &error);
        }
        ck_assert_int_eq(r, -EPERM);
        assert_says(error, "the peer sent no client certificate");
        free(error);
        gnutls_deinit(session);
        gnutls_certificate_free_credentials(x);
        close(sv[0]);
}
END_TEST

START_TEST(test_plain_text_on_tls_port) {
        _cleanup_(tls_creds_unrefp) TlsCreds *cb = load("host-b", NULL);
        _cleanup_(peer_transport_freep) PeerTransport *s = NULL;
        _cleanup_free_ char *error = NULL;
        int sv[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(peer_transport_new_server(sv[1], cb, &s), 0);
        ck_assert_int_eq(peer_transport_handshake(s, &error), 0); /* nothing yet: waits */
        ck_assert_int_eq(write(sv[0], "HACCMIG", 8), 8);
        ck_assert_int_eq(peer_transport_handshake(s, &error), -EPROTO);
        assert_says(error, "this is not a hisi-accmigd peer (plain text on a TLS port)");
        close(sv[0]);
}
END_TEST

START_TEST(test_tls_client_on_plain_port) {
        _cleanup_(tls_creds_unrefp) TlsCreds *ca = load("host-a", NULL);
        _cleanup_(peer_transport_freep) PeerTransport *c = NULL, *s = NULL;
        _cleanup_(outcome_done) outcome o;
        int sv[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(peer_transport_new_client(sv[0], ca, "host-b", &c), 0);
        ck_assert_int_eq(peer_transport_new_server(sv[1], NULL, &s), 0);
        ck_assert_int_eq(peer_transport_handshake(s, NULL), 1); /* plain: nothing to do */
        ck_assert(!peer_transport_is_tls(s));
        /* The plain server speaks first, in our protocol. */
        ck_assert_int_eq(peer_transport_write(s, "HACCMIG\0\1\0\0\0\0\0\0\2{}", 18, NULL), 18);
        o = (outcome){};
        for (int i = 0; i < 100 && o.client == 0; i++)
                o.client = peer_transport_handshake(c, &o.client_error);
        ck_assert_int_eq(o.client, -EPROTO);
        assert_says(o.client_error, "the peer does not speak TLS");
}
END_TEST

START_TEST(test_revoked) {
        _cleanup_free_ char *cmd = NULL;
        _cleanup_(outcome_done) outcome o;

        /* host-b's CA revokes host-a's client certificate: ca-crl.pem in host-b's directory. */
        ck_assert_int_eq(
                asprintf_safe(&cmd,
                              "cd %s && printf 'crl_next_update = 30\\ncrl_number = 1\\n' >crl.tmpl"
                              " && certtool --generate-crl --load-ca-privkey ca-key.pem"
                              " --load-ca-certificate ca-cert.pem --load-certificate "
                              "host-a/client-cert.pem --template crl.tmpl --outfile "
                              "host-b/ca-crl.pem 2>/dev/null",
                              pki),
                0);
        ck_assert_int_eq(system(cmd), 0);
        run("host-a", "host-b", "host-b", NULL, &o);
        ck_assert_int_eq(o.server, -EPERM);
        assert_says(o.server_error, "CN=host-a,O=hisi-accmigd test was revoked");
        free(cmd);
        ck_assert_int_eq(asprintf_safe(&cmd, "rm %s/host-b/ca-crl.pem", pki), 0);
        ck_assert_int_eq(system(cmd), 0);
        cmd = mfree(cmd);
}
END_TEST

START_TEST(test_load_errors) {
        host_files h;
        TlsCreds *c = NULL;
        char *error = NULL;
        char want[512];

        host_files_init(&h, "host-a", NULL);
        snprintf(h.ckey, sizeof(h.ckey), "%s/host-a/missing-key.pem", pki);
        ck_assert_int_eq(tls_creds_load(&h.files, &c, &error), -ENOENT);
        snprintf(want, sizeof(want), "client key %s/host-a/missing-key.pem: No such file", pki);
        assert_says(error, want);
        error = mfree(error);

        /* host-b's key with host-a's certificate. */
        host_files_init(&h, "host-a", NULL);
        snprintf(h.skey, sizeof(h.skey), "%s/host-b/server-key.pem", pki);
        ck_assert_int_eq(tls_creds_load(&h.files, &c, &error), -EINVAL);
        assert_says(error, "server key");
        assert_says(error, "does not belong to");
        error = mfree(error);

        /* A CA file that is not PEM. */
        host_files_init(&h, "host-a", NULL);
        snprintf(h.ca, sizeof(h.ca), "%s/ca.tmpl", pki);
        ck_assert_int_eq(tls_creds_load(&h.files, &c, &error), -EINVAL);
        assert_says(error, "CA certificate");
        error = mfree(error);

        /* A CRL named in the config must exist; the default name may be absent. */
        host_files_init(&h, "host-a", NULL);
        h.files.ca_crl_required = true;
        ck_assert_int_eq(tls_creds_load(&h.files, &c, &error), -ENOENT);
        assert_says(error, "CRL");
        error = mfree(error);
        ck_assert_ptr_null(c);
}
END_TEST

static Suite *peer_tls_suite(void) {
        Suite *s = suite_create("peer-tls");
        TCase *tc = tcase_create("handshake");

        tcase_add_unchecked_fixture(tc, make_pki, remove_pki);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_mutual);
        tcase_add_test(tc, test_wrong_host_name);
        tcase_add_test(tc, test_wrong_ca);
        tcase_add_test(tc, test_expired);
        tcase_add_test(tc, test_allowed_dn);
        tcase_add_test(tc, test_no_client_certificate);
        tcase_add_test(tc, test_plain_text_on_tls_port);
        tcase_add_test(tc, test_tls_client_on_plain_port);
        tcase_add_test(tc, test_revoked);
        tcase_add_test(tc, test_load_errors);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(peer_tls_suite)
