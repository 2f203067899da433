/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for hisi-accmigd's config decoder (daemon/conf.c, and through it the strict JSON
 * layer): arbitrary bytes are parsed as a config. An accepted config has no message and every
 * field in its documented range; a refusal is one of the documented errors, leaves the output
 * untouched and has a message that starts with the origin and, for -EINVAL, a line within the
 * text.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"

#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *p) {
        check(p && p[0] == '/');
}

static void check_list(const AddressList *l) {
        for (size_t i = 0; i < l->n; i++) {
                check(hisi_pci_address_valid(l->addresses[i]));
                for (size_t j = 0; j < i; j++)
                        check(strcmp(l->addresses[i], l->addresses[j]) != 0);
        }
}

static void check_config(const Config *c) {
        check(c->backend >= 0 && c->backend < _HISI_BACKEND_MAX);
        check_path(c->runtime_directory);
        check(c->log_level >= LOG_ERR && c->log_level <= LOG_DEBUG);
        check(c->binding.policy >= 0 && c->binding.policy < _BIND_POLICY_MAX);
        check_list(&c->binding.devices);
        check_list(&c->binding.pfs);
        check_list(&c->binding.exclude);
        check(c->binding.devices.n == 0 || c->binding.policy == BIND_POLICY_DEVICES);
        check(c->binding.pfs.n == 0 || c->binding.policy == BIND_POLICY_PFS);
        check(c->libvirt.uri && strchr(c->libvirt.uri, ':'));
        check(c->peer.listen_address && c->peer.port > 0 && c->peer.port != 16509 &&
              c->peer.port != 16514);
        check(c->peer.tls_mode >= 0 && c->peer.tls_mode < _TLS_MODE_MAX);
        check_path(c->peer.tls_directory);
        check_path(c->peer.ca_cert);
        check_path(c->peer.server_cert);
        check_path(c->peer.server_key);
        check_path(c->peer.client_cert);
        check_path(c->peer.client_key);
        check(c->timeouts.bind_usec >= 10000 && c->timeouts.bind_usec <= 600000000ULL);
        check(c->timeouts.bind_retry_min_usec <= c->timeouts.bind_retry_max_usec);
        check(c->limits.max_devices >= 1 && c->limits.max_devices <= 65536);
        check(c->limits.max_concurrent_binds >= 1 && c->limits.max_concurrent_binds <= 64);
        check(c->limits.max_migrations >= 1 && c->limits.max_peer_connections >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Config c, untouched;
        char *msg = NULL;
        int r;

        memset(&c, 0xa5, sizeof(c));
        untouched = c;
        r = config_parse((const char *)data, size, ORIGIN, &c, &msg);
        if (!check_result(r, msg, &c, &untouched, sizeof(c), data, size))
                return 0;
        check_config(&c);
        config_done(&c);
        return 0;
}
