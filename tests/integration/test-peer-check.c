/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The peer link as users meet it: two real hisi-accmigd, each under its own simulated host and
 * on its own private bus, linked over loopback TLS with certificates made by certtool for the
 * test (tests/lib/make-certs.sh); `hisi-accmigctl check` asked of the source. Accepted between
 * equal hosts; refused with the right reason (qp count, stream version, no free VF); every TLS
 * refusal with its sentence; plain text and a stalled handshake on the port while the daemon
 * answers; mode "none"; the busy answer; the port taken from systemd; a reload with bad
 * certificates that keeps the good ones.
 */

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "macro.h"
#include "peer-hosts.h"
#include "peer-server.h"
#include "test-main.h"
#include "test-pki.h"

static char pki[] = "/tmp/test-peer-check.XXXXXX";

#define ZIP_VF  "0000:75:00.1"
#define SEC_VF  "0000:76:00.1"
#define HPRE_VF "0000:77:00.1"

static void make_pki(void) {
        peer_hosts_pki = pki;
        ck_assert_int_eq(test_pki_make(pki, "host-a host-b --expired host-old --normal --other-ca "
                                            "host-evil --normal --name other.example host-renamed"),
                         0);
}

static void remove_pki(void) {
        test_pki_remove(pki);
}

/* hisi-accmigctl check VF --to b on a's side; the exit code, stdout and stderr. */
static int check(host *a, host *b, char **out, char **err, const char *vf, const char *unused) {
        return dh_ctl(a->h, 0, out, err, "check", vf, "--to", b->to, NULL);
}

START_TEST(test_accepted) {
        _cleanup_free_ char *out = NULL, *err = NULL, *json = NULL;
        host a, b;

        host_start(&a, "6.16", 64, "host-a");
        host_start(&b, "6.16", 64, "host-b");
        ck_assert_int_eq(
                dh_ctl(a.h, 0, &out, &err, "check", ZIP_VF, SEC_VF, HPRE_VF, "--to", b.to, NULL),
                0);
        assert_says(out, ZIP_VF "   0000:75:00.1   accepted");
        assert_says(out, SEC_VF "   0000:76:00.1   accepted");
        assert_says(out, HPRE_VF "   0000:77:00.1   accepted");
        /* Two VFs of one kind get two VFs there; --json for scripts. */
        json = mfree(json);
        ck_assert_int_eq(dh_ctl(a.h, 0, &json, NULL, "--json", "check", ZIP_VF, "0000:75:00.2",
                                "--to", b.to, NULL),
                         0);
        assert_says(json, "\"destination\":\"0000:75:00.1\"");
        assert_says(json, "\"destination\":\"0000:75:00.2\"");
        assert_says(json, "\"accepted\":true");
        /* The destination VF asked for. */
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, NULL, "check", ZIP_VF, "--to", b.to, "--to-device",
                                "75:00.2", NULL),
                         0);
        assert_says(out, "0000:75:00.2   accepted");
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, NULL, "check", ZIP_VF, "--to", b.to, "--to-device",
                                "76:00.2", NULL),
                         8);
        assert_says(out, "kind: source zip, destination sec");
        /* By name: resolved in a child, never in the daemon's loop. */
        {
                char to[64];
                snprintf(to, sizeof(to), "localhost:%u", b.port);
                ck_assert_int_eq(dh_ctl(a.h, 0, NULL, NULL, "check", ZIP_VF, "--to", to, NULL), 0);
                err = mfree(err);
                ck_assert_int_eq(dh_ctl(a.h, 0, NULL, &err, "check", ZIP_VF, "--to",
                                        "no-such-host.invalid", NULL),
                                 9);
                assert_says(err, "cannot resolve no-such-host.invalid");
        }
        /* Only root checks (it opens the VFs); malformed calls are refused by name. */
        err = mfree(err);
        ck_assert_int_eq(dh_ctl(a.h, DH_NOBODY, NULL, &err, "check", ZIP_VF, "--to", b.to, NULL),
                         4);
        err = mfree(err);
        ck_assert_int_ne(dh_busctl(a.h, 0, NULL, &err, "call", ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                   ACCMIG_MANAGER_INTERFACE, "Check", "assa{sv}", "1", "nonsense",
                                   b.to, "0", NULL),
                         0);
        assert_says(err, "vfs: \"nonsense\" is not a PCI address");
        err = mfree(err);
        ck_assert_int_ne(dh_busctl(a.h, 0, NULL, &err, "call", ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                   ACCMIG_MANAGER_INTERFACE, "Check", "assa{sv}", "1", ZIP_VF, b.to,
                                   "1", "speed", "s", "fast", NULL),
                         0);
        assert_says(err, "Unknown option \"speed\"");
        err = mfree(err);
        ck_assert_int_ne(dh_busctl(a.h, 0, NULL, &err, "call", ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                   ACCMIG_MANAGER_INTERFACE, "Check", "assa{sv}", "1", ZIP_VF,
                                   "host:99999", "0", NULL),
                         0);
        assert_says(err, "is not HOST or HOST:PORT");
        err = mfree(err);
        ck_assert_int_eq(dh_ctl(a.h, 0, NULL, &err, "check", "0000:75:00.0", "--to", b.to, NULL),
                         3);
        assert_says(err, "is a PF");
        /* The CLI's own usage errors. */
        ck_assert_int_eq(dh_ctl(a.h, 0, NULL, NULL, "check", ZIP_VF, NULL), 2);
        ck_assert_int_eq(dh_ctl(a.h, 0, NULL, NULL, "check", ZIP_VF, "--to", b.to, "--to-device",
                                "75:00.1", "--to-device", "75:00.2", NULL),
                         2);
        /* The source's VFs still run: nothing stopped. */
        out = mfree(out);
        ck_assert_int_eq(dh_sim_field(a.h, ZIP_VF, "state", &out), 0);
        ck_assert_str_eq(out, "RUNNING");
        host_stop(&a);
        host_stop(&b);
}
END_TEST

START_TEST(test_refused_reasons) {
        _cleanup_free_ char *out = NULL, *err = NULL, *sim = NULL;
        host a, small, old, zip_only;

        host_start(&a, "6.16", 64, "host-a");
        host_start(&small, "6.16", 32, "host-b");
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(check(&a, &small, &out, &err, ZIP_VF, NULL), 8);
        assert_says(out, "refused");
        assert_says(out, "qp count: source 64, destination 32");
        host_stop(&small);

        host_start(&old, "6.2", 64, "host-b");
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(check(&a, &old, &out, &err, SEC_VF, NULL), 8);
        assert_says(out,
                    "stream version: source sends V2 (1.0), destination kernel accepts only V1");
        host_stop(&old);

        sim = strdup("{\"pfs\": [{\"address\": \"0000:75:00.0\", \"kind\": \"zip\", \"vfs\": 6}]}");
        host_start_full(&zip_only, sim, "host-b", NULL, NULL, -1);
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(check(&a, &zip_only, &out, &err, HPRE_VF, NULL), 8);
        assert_says(out, "no free hpre VF bound to hisi_acc_vfio_pci on");
        host_stop(&zip_only);
        host_stop(&a);
}
END_TEST

/* The daemon's log says words, at the latest within the harness's timeout. */
static void assert_logs(host *x, const char *words) {
        ck_assert_msg(dh_wait_log(x->h, words, NULL) == 0, "the daemon never logged \"%s\"", words);
}

START_TEST(test_tls_refusals) {
        _cleanup_free_ char *out = NULL, *err = NULL, *sim = sim_config("6.16", 64);
        char want[512];
        host a, evil, old, renamed, b;

        host_start(&a, "6.16", 64, "host-a");

        /* The server's certificate is from another CA. */
        host_start_full(&evil, sim, "host-evil", NULL, NULL, -1);
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(check(&a, &evil, &out, &err, ZIP_VF, NULL), 9);
        snprintf(want, sizeof(want), "is not signed by %s/host-a/ca-cert.pem", pki);
        assert_says(err, want);
        /* And its CA does not know our client certificate either: its side says so. */
        assert_logs(&evil, "refused the connection (TLS alert");
        host_stop(&evil);

        /* A server certificate for another host name. */
        host_start_full(&renamed, sim, "host-renamed", NULL, NULL, -1);
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(check(&a, &renamed, &out, &err, ZIP_VF, NULL), 9);
        assert_says(err, "certificate is for other.example, not 127.0.0.1");
        host_stop(&renamed);

        /* Our client certificate expired: the destination tells us why. */
        host_stop(&a);
        host_start_full(&old, sim, "host-old", NULL, NULL, -1);
        host_start(&b, "6.16", 64, "host-b");
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(check(&old, &b, &out, &err, ZIP_VF, NULL), 9);
        assert_says(err,
                    "client certificate CN=host-old,O=hisi-accmigd test expired on 2026-01-02");
        assert_logs(&b, "expired on 2026-01-02");
        host_stop(&old);
        host_stop(&b);
}
END_TEST

START_TEST(test_allowed_dn) {
        _cleanup_free_ char *out = NULL, *err = NULL, *sim = sim_config("6.16", 64);
        host a, b;

        host_start(&a, "6.16", 64, "host-a");
        host_start_full(&b, sim, "host-b",
                        ", \"allowed_dn\": [\"CN=host-z,O=*\", \"CN=host-c,O=hisi-accmigd test\"]",
                        NULL, -1);
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(check(&a, &b, &out, &err, ZIP_VF, NULL), 9);
        assert_says(err, "client certificate DN \"CN=host-a,O=hisi-accmigd test\" is not in "
                         "peer.tls.allowed_dn");
        host_stop(&b);
        host_start_full(&b, sim, "host-b", ", \"allowed_dn\": [\"CN=host-a,O=*\"]", NULL, -1);
        ck_assert_int_eq(check(&a, &b, NULL, NULL, ZIP_VF, NULL), 0);
        host_stop(&b);
        host_stop(&a);
}
END_TEST

/* A connection of the test's own to x's peer port. */
static int connect_to(host *x) {
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_port = htons(x->port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        return fd;
}

START_TEST(test_bad_clients) {
        _cleanup_free_ char *out = NULL, *cmd = NULL;
        host b;
        int fd, stalled;

        host_start(&b, "6.16", 64, "host-b");

        /* Plain text on the TLS port. */
        fd = connect_to(&b);
        ck_assert_int_eq(write(fd, "GET / HTTP/1.1\r\n\r\n", 18), 18);
        assert_logs(&b, "this is not a hisi-accmigd peer (plain text on a TLS port)");
        close(fd);

        /* A TLS client that stops mid-handshake: the daemon answers meanwhile, and closes the
         * silent connection after timeouts.peer_io_ms. */
        stalled = connect_to(&b);
        ck_assert_int_eq(write(stalled, "\x16\x03\x01\x00\x40\x01\x00\x00", 8), 8);
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(b.h, 0, &out, NULL, "status", NULL), 0);
        assert_says(out, "running");
        assert_logs(&b, "silent for 3000 ms while handshake");
        close(stalled);

        /* A TLS client without a certificate. */
        ck_assert_int_eq(asprintf_safe(&cmd,
                                       "echo | timeout 10 gnutls-cli --x509cafile %s/ca-cert.pem "
                                       "-p %u 127.0.0.1 >/dev/null 2>&1",
                                       pki, b.port),
                         0);
        (void)system(cmd);
        assert_logs(&b, "the peer sent no client certificate");
        host_stop(&b);
}
END_TEST

START_TEST(test_mode_none) {
        _cleanup_free_ char *out = NULL, *err = NULL, *sim = sim_config("6.16", 64);
        host a, b;

        host_start_full(&a, sim, "host-a", ", \"mode\": \"none\"", NULL, -1);
        host_start_full(&b, sim, "host-b", ", \"mode\": \"none\"", NULL, -1);
        assert_logs(&a, "plain text, no authentication");
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(check(&a, &b, &out, &err, ZIP_VF, NULL), 0);
        assert_says(out, "accepted");
        assert_logs(&b, "plain text, no authentication (peer.tls.mode \"none\")");
        host_stop(&b);

        /* A TLS daemon and a plain one do not talk; each side says why. */
        host_start(&b, "6.16", 64, "host-b");
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(check(&a, &b, &out, &err, ZIP_VF, NULL), 9);
        assert_says(err, "it may expect TLS (peer.tls.mode is \"none\" here)");
        assert_logs(&b, "plain text on a TLS port");
        host_stop(&b);
        host_stop(&a);
}
END_TEST

START_TEST(test_busy) {
        _cleanup_free_ char *out = NULL, *err = NULL, *sim = sim_config("6.16", 64);
        host a, b;
        int held;

        host_start(&a, "6.16", 64, "host-a");
        host_start_full(&b, sim, "host-b", NULL, ",\n  \"limits\": {\"max_peer_connections\": 1}",
                        -1);
        held = connect_to(&b);
        ck_assert_int_eq(write(held, "\x16\x03\x01\x00\x40\x01\x00\x00", 8), 8);
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(check(&a, &b, &out, &err, ZIP_VF, NULL), 9);
        assert_says(err, "(busy)");
        assert_says(err, "limits.max_peer_connections");
        close(held);
        host_stop(&b);
        host_stop(&a);
}
END_TEST

START_TEST(test_socket_activation) {
        _cleanup_free_ char *out = NULL, *listening = NULL, *sim = sim_config("6.16", 64);
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        host a, b;
        int fd;

        /* systemd's part: the socket unit's listening socket, named "peer". */
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(listen(fd, 16), 0);
        host_start(&a, "6.16", 64, "host-a");
        host_start_full(&b, sim, "host-b", NULL, NULL, fd);
        ck_assert_int_eq(dh_get_property(b.h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                                         "PeerListen", &listening),
                         0);
        assert_says(listening, b.to);
        out = mfree(out);
        ck_assert_int_eq(check(&a, &b, &out, NULL, ZIP_VF, NULL), 0);
        host_stop(&b);
        host_stop(&a);
}
END_TEST

START_TEST(test_reload_keeps_good_certificates) {
        _cleanup_free_ char *out = NULL, *config = NULL, *error = NULL,
                            *sim = sim_config("6.16", 64);
        host a, b;

        host_start(&a, "6.16", 64, "host-a");
        host_start(&b, "6.16", 64, "host-b");
        /* The config now names a directory without certificates: the reload keeps the old. */
        ck_assert_int_eq(asprintf_safe(&config,
                                       "\"binding\": {\"policy\": \"all\"},\n"
                                       "  \"peer\": {\"listen_address\": \"127.0.0.1\", \"port\": "
                                       "%u, \"tls\": {\"directory\": \"%s/nowhere\"}}",
                                       b.port, pki),
                         0);
        ck_assert_int_eq(dh_write_config(b.h, config), 0);
        ck_assert_int_eq(dh_ctl(b.h, 0, NULL, NULL, "reload", NULL), 0);
        ck_assert_int_eq(dh_get_property(b.h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                                         "PeerError", &error),
                         0);
        assert_says(error, "certificates not reloaded, the old ones are in use");
        assert_says(error, "nowhere/ca-cert.pem");
        out = mfree(out);
        ck_assert_int_eq(check(&a, &b, &out, NULL, ZIP_VF, NULL), 0);
        host_stop(&b);
        host_stop(&a);
}
END_TEST

static Suite *peer_check_suite(void) {
        Suite *s = suite_create("peer-check");
        TCase *tc = tcase_create("check");

        tcase_add_unchecked_fixture(tc, make_pki, remove_pki);
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_accepted);
        tcase_add_test(tc, test_refused_reasons);
        tcase_add_test(tc, test_tls_refusals);
        tcase_add_test(tc, test_allowed_dn);
        tcase_add_test(tc, test_bad_clients);
        tcase_add_test(tc, test_mode_none);
        tcase_add_test(tc, test_busy);
        tcase_add_test(tc, test_socket_activation);
        tcase_add_test(tc, test_reload_keeps_good_certificates);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, peer_check_suite)
