/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Hosts for the peer link's tests (see peer-hosts.h). */

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "file-util.h"
#include "macro.h"
#include "peer-hosts.h"
#include "peer-server.h"
#include "test-main.h"
#include "test-pki.h"

const char *peer_hosts_pki = NULL;
const char *peer_hosts_timeouts = NULL;

static char pki_template[] = "/tmp/test-peer-hosts.XXXXXX";

void peer_hosts_make_pki(void) {
        if (peer_hosts_pki)
                return;
        ck_assert_int_eq(test_pki_make(pki_template, "host-a host-b"), 0);
        peer_hosts_pki = pki_template;
}

void peer_hosts_keep_pki(void) {
}

int peer_hosts_main(Suite *s) {
        int r;

        if (!dh_can_run()) {
                srunner_free(srunner_create(s));
                return TEST_EXIT_SKIP;
        }
        r = test_run_suite(s);
        if (peer_hosts_pki == pki_template)
                test_pki_remove(pki_template);
        return r;
}

void assert_says(const char *text, const char *words) {
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(strstr(text, words), "\"%s\" does not say \"%s\"", text, words);
}

/* A port nobody listens on now. */
uint16_t free_port(void) {
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        close(fd);
        return ntohs(sa.sin_port);
}

/* The simulated host: one PF of each kind, 2 VFs each, qp_per_vf and profile as given. */
char *sim_config(const char *profile, unsigned qp) {
        char *s = NULL;

        ck_assert_int_eq(
                asprintf_safe(&s,
                              "{\"profile\": \"%s\", \"pfs\": ["
                              "{\"address\": \"0000:75:00.0\", \"kind\": \"zip\", \"vfs\": 2, "
                              "\"qp_per_vf\": %u},"
                              "{\"address\": \"0000:76:00.0\", \"kind\": \"sec\", \"vfs\": 2, "
                              "\"qp_per_vf\": %u},"
                              "{\"address\": \"0000:77:00.0\", \"kind\": \"hpre\", \"vfs\": 2, "
                              "\"qp_per_vf\": %u}]}",
                              profile, qp, qp, qp),
                0);
        return s;
}

/* A daemon with policy "all" on its host, its peer link on 127.0.0.1, certificates from
 * pki/<pki_host>; tls_extra goes into peer.tls. Started, every VF bound. */
void host_start_full(host *x, const char *sim, const char *pki_host, const char *tls_extra,
                     const char *extra, int listen_fd) {
        _cleanup_free_ char *config = NULL, *count = NULL;

        ck_assert_int_eq(dh_new(sim, &x->h), 0);
        x->port = listen_fd >= 0 ? 0 : free_port();
        ck_assert_int_eq(
                asprintf_safe(&config,
                              "\"binding\": {\"policy\": \"all\"},\n"
                              "  \"peer\": {\"listen_address\": \"127.0.0.1\", \"port\": %u, "
                              "\"tls\": {\"directory\": \"%s/%s\"%s}},\n"
                              "  \"timeouts\": {%s}%s",
                              x->port ? x->port : 16520, peer_hosts_pki, pki_host, tls_extra ?: "",
                              peer_hosts_timeouts
                                      ?: "\"peer_io_ms\": 3000, \"peer_connect_ms\": 3000",
                              extra ?: ""),
                0);
        ck_assert_int_eq(dh_write_config(x->h, config), 0);
        if (listen_fd >= 0) {
                struct sockaddr_in sa;
                socklen_t len = sizeof(sa);

                ck_assert_int_eq(getsockname(listen_fd, (struct sockaddr *)&sa, &len), 0);
                x->port = ntohs(sa.sin_port);
                notify_receiver_fdstore_add(x->h->notify, listen_fd, PEER_SERVER_FDNAME);
        }
        snprintf(x->to, sizeof(x->to), "127.0.0.1:%u", x->port);
        ck_assert_int_eq(dh_start_daemon(x->h), 0);
        ck_assert_int_eq(dh_get_property(x->h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                                         "DeviceCount", &count),
                         0);
        ck_assert_int_eq(dh_wait_property(x->h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                                          "BoundCount", count),
                         0);
}

void host_start(host *x, const char *profile, unsigned qp, const char *pki_host) {
        _cleanup_free_ char *sim = sim_config(profile, qp);

        host_start_full(x, sim, pki_host, NULL, NULL, -1);
}

void host_stop(host *x) {
        ck_assert_int_eq(dh_stop_daemon(x->h), 0);
        dh_free(x->h);
}
