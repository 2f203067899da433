/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's configuration: one JSON file (SYSCONFDIR/hisi-accmigd/hisi-accmigd.json),
 * decoded strictly through field tables (libhisi's hisi/json-dispatch.h), so that an unknown
 * key, a wrong type or a bad value is refused with the file, the line, the key's path and the
 * reason:
 *
 *     hisi-accmigd.json:7: binding.policy: expected "none", "devices", "pfs" or "all", got "some"
 *
 * Every key is optional; hisi-accmigd.json(5) documents each one and conf/hisi-accmigd.json
 * holds the defaults. Pure logic: no event loop, no logging; config_load() only reads the file.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "hisi/migdev.h"
#include "hisi/pci-address.h"

/* From the build (GNUInstallDirs: SYSCONFDIR and LOCALSTATEDIR); these are the values of a /usr
 * install. */
#ifndef HISI_CONFIG_FILE
#define HISI_CONFIG_FILE "/etc/hisi-accmigd/hisi-accmigd.json"
#endif
#ifndef HISI_STATE_DIR
#define HISI_STATE_DIR "/var/lib/hisi-accmigd"
#endif
#define CONFIG_FILE_DEFAULT HISI_CONFIG_FILE

/* Which VFs the daemon binds to hisi_acc_vfio_pci by itself. */
typedef enum BindPolicy {
        BIND_POLICY_NONE,    /* none: only explicit Bind calls */
        BIND_POLICY_DEVICES, /* the VFs listed in binding.devices */
        BIND_POLICY_PFS,     /* every VF of the PFs listed in binding.pfs */
        BIND_POLICY_ALL,     /* every HiSilicon accelerator VF */
        _BIND_POLICY_MAX,
        _BIND_POLICY_INVALID = -EINVAL,
} BindPolicy;

const char *bind_policy_to_string(BindPolicy p);
BindPolicy bind_policy_from_string(const char *s);

typedef enum TlsMode {
        TLS_MODE_X509, /* mutual x509 authentication */
        TLS_MODE_NONE, /* no TLS at all: only when configured, and said so in the log */
        _TLS_MODE_MAX,
        _TLS_MODE_INVALID = -EINVAL,
} TlsMode;

const char *tls_mode_to_string(TlsMode m);
TlsMode tls_mode_from_string(const char *s);

/* Canonical PCI addresses ("0000:75:00.1"), without duplicates, in the file's order. */
typedef struct AddressList {
        char (*addresses)[HISI_PCI_ADDRESS_MAX];
        size_t n;
} AddressList;

bool address_list_contains(const AddressList *l, const char *address);

typedef struct Config {
        hisi_backend backend;    /* "backend": kernel or sim */
        char *runtime_directory; /* "runtime_directory" */
        char *state_directory;   /* "state_directory": NULL when not set (see
                                  * config_state_directory()) */
        int log_level;           /* "log_level": LOG_ERR … LOG_DEBUG */

        struct {
                BindPolicy policy;
                AddressList devices;
                AddressList pfs;
                AddressList exclude;          /* never bound by the policy */
                bool take_from_other_drivers; /* a VF another driver (vfio-pci, …) holds */
                bool bind_libvirt_managed;    /* a VF a libvirt domain has as managed='yes' */
        } binding;

        struct {
                bool enabled;
                char *uri;
        } libvirt;

        struct {
                char *listen_address; /* an IP literal */
                uint16_t port;
                TlsMode tls_mode;
                char *tls_directory;
                char *ca_cert, *server_cert, *server_key, *client_cert, *client_key;
                char *ca_crl;         /* "ca-crl.pem" in the directory unless named */
                bool ca_crl_required; /* named in the file: it must exist */
                char **allowed_dn;    /* NULL-terminated fnmatch() patterns; NULL: any DN */
        } peer;

        struct {
                uint64_t bind_usec;
                uint64_t bind_retry_min_usec;
                uint64_t bind_retry_max_usec;
                uint64_t libvirt_usec;
                uint64_t peer_connect_usec;
                uint64_t peer_io_usec;
                uint64_t migration_usec;
                uint64_t in_doubt_usec;     /* in doubt this long: the operator is asked */
                uint64_t outcome_keep_usec; /* a destination's outcome record, unacknowledged */
                uint64_t reservation_usec;  /* a VF the libvirt hook reserved, until held */
        } timeouts;

        struct {
                unsigned max_devices;
                unsigned max_concurrent_binds;
                unsigned max_migrations;
                unsigned kept_migrations; /* finished ones still listed */
                unsigned max_peer_connections;
        } limits;
} Config;

/* The defaults, as if the file were "{}". */
int config_default(Config *ret);

/*
 * Decode a config from text; origin names it in messages (NULL: "input"). -EINVAL for a bad
 * config, -EFBIG for a text over HISI_JSON_SIZE_MAX, -ENOMEM. On failure *ret is untouched and
 * *ret_error (when not NULL) gets the message (NULL only for -ENOMEM), which the caller frees.
 */
int config_parse(const char *text, size_t len, const char *origin, Config *ret, char **ret_error);
/* Read and decode a file; a file that cannot be read gives "<path>: <strerror>". */
int config_load(const char *path, Config *ret, char **ret_error);

void config_done(Config *c);

/* Where the daemon keeps what outlasts it (the persistent bindings): the service manager's
 * $STATE_DIRECTORY (the unit's StateDirectory=; the first, when it names several), else the
 * config's state_directory, else HISI_STATE_DIR. */
const char *config_state_directory(const Config *c);
