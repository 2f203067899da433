/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's configuration: defaults, the field tables of the JSON decoder, and the checks
 * between keys (see conf.h). The tables go through libhisi's dispatcher, so each refusal names
 * the file, the line, the key's path and the reason; checks between keys are made after their
 * section is decoded, and are reported at the key that has to change.
 */

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"
#include "file-util.h"
#include "hisi/json-dispatch.h"
#include "strv.h"
#include "log.h"
#include "string-table.h"
#include "string-util.h"

#define PATH_LENGTH_MAX     4095
#define URI_LENGTH_MAX      1024
#define ADDRESS_STRING_MAX  64
#define ADDRESS_LIST_MAX    4096
#define USEC_PER_MSEC       1000ULL
#define HOUR_MSEC           (3600ULL * 1000)
#define LIBVIRT_PORT_TCP    16509
#define LIBVIRT_PORT_TLS    16514
#define DEFAULT_RUNTIME_DIR "/run/hisi-accmigd"
#define DEFAULT_LIBVIRT_URI "qemu:///system"
#define DEFAULT_LISTEN      "::"
#define DEFAULT_PORT        16520
#define DEFAULT_TLS_DIR     "/etc/pki/qemu"

static const char *const bind_policy_table[_BIND_POLICY_MAX] = {
        [BIND_POLICY_NONE] = "none",
        [BIND_POLICY_DEVICES] = "devices",
        [BIND_POLICY_PFS] = "pfs",
        [BIND_POLICY_ALL] = "all",
};

DEFINE_STRING_TABLE_LOOKUP(bind_policy, BindPolicy);

static const char *const tls_mode_table[_TLS_MODE_MAX] = {
        [TLS_MODE_X509] = "x509",
        [TLS_MODE_NONE] = "none",
};

DEFINE_STRING_TABLE_LOOKUP(tls_mode, TlsMode);

/* Exact names only: hisi_backend_from_string() is case-insensitive. */
static int backend_from_string(const char *s) {
        for (hisi_backend b = 0; b < _HISI_BACKEND_MAX; b++)
                if (streq_ptr(s, hisi_backend_to_string(b)))
                        return b;
        return -EINVAL;
}

/* The levels a config may name, from the most to the least severe, counted from LOG_ERR. */
static int level_from_string(const char *s) {
        for (int l = LOG_ERR; l <= LOG_DEBUG; l++)
                if (streq_ptr(s, log_level_to_string(l)))
                        return l - LOG_ERR;
        return -EINVAL;
}

static const char *level_to_string(int v) {
        return v >= 0 && v <= LOG_DEBUG - LOG_ERR ? log_level_to_string(v + LOG_ERR) : NULL;
}

bool address_list_contains(const AddressList *l, const char *address) {
        if (!l || !address)
                return false;
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->addresses[i], address))
                        return true;
        return false;
}

static void address_list_done(AddressList *l) {
        l->addresses = mfree(l->addresses);
        l->n = 0;
}

void config_done(Config *c) {
        if (!c)
                return;
        free(c->runtime_directory);
        free(c->state_directory);
        address_list_done(&c->binding.devices);
        address_list_done(&c->binding.pfs);
        address_list_done(&c->binding.exclude);
        free(c->libvirt.uri);
        free(c->peer.listen_address);
        free(c->peer.tls_directory);
        free(c->peer.ca_cert);
        free(c->peer.server_cert);
        free(c->peer.server_key);
        free(c->peer.client_cert);
        free(c->peer.client_key);
        free(c->peer.ca_crl);
        strv_free(c->peer.allowed_dn);
        *c = (Config){};
}

static int set_string(char **p, const char *s) {
        char *n = strdup(s);

        if (!n)
                return -ENOMEM;
        free(*p);
        *p = n;
        return 0;
}

/* The TLS files, in QEMU's layout (/etc/pki/qemu): their names in peer.tls.directory. */
static const struct {
        size_t offset;
        const char *file;
} tls_files[] = {
        { offsetof(Config, peer.ca_cert), "ca-cert.pem" },
        { offsetof(Config, peer.server_cert), "server-cert.pem" },
        { offsetof(Config, peer.server_key), "server-key.pem" },
        { offsetof(Config, peer.client_cert), "client-cert.pem" },
        { offsetof(Config, peer.client_key), "client-key.pem" },
        { offsetof(Config, peer.ca_crl), "ca-crl.pem" },
};

static char **tls_file(Config *c, size_t i) {
        return (char **)((uint8_t *)c + tls_files[i].offset);
}

/* The files not named (NULL): their names in peer.tls.directory. */
static int tls_defaults(Config *c) {
        for (size_t i = 0; i < ELEMENTSOF(tls_files); i++)
                if (!*tls_file(c, i) && asprintf_safe(tls_file(c, i), "%s/%s",
                                                      c->peer.tls_directory, tls_files[i].file) < 0)
                        return -ENOMEM;
        return 0;
}

int config_default(Config *ret) {
        _cleanup_(config_done) Config c = {
                .backend = HISI_BACKEND_KERNEL,
                .log_level = LOG_INFO,
                .binding.policy = BIND_POLICY_NONE,
                .libvirt.enabled = true,
                .peer.port = DEFAULT_PORT,
                .peer.tls_mode = TLS_MODE_X509,
                .timeouts = {
                        .bind_usec = 10000 * USEC_PER_MSEC,
                        .bind_retry_min_usec = 1000 * USEC_PER_MSEC,
                        .bind_retry_max_usec = 300000 * USEC_PER_MSEC,
                        .libvirt_usec = 5000 * USEC_PER_MSEC,
                        .peer_connect_usec = 10000 * USEC_PER_MSEC,
                        .peer_io_usec = 30000 * USEC_PER_MSEC,
                        .migration_usec = 600000 * USEC_PER_MSEC,
                        .in_doubt_usec = 300000 * USEC_PER_MSEC,
                        .outcome_keep_usec = 24 * HOUR_MSEC * USEC_PER_MSEC,
                        .reservation_usec = 120000 * USEC_PER_MSEC,
                },
                .limits = {
                        .max_devices = 4096,
                        .max_concurrent_binds = 8,
                        .max_migrations = 8,
                        .kept_migrations = 64,
                        .max_peer_connections = 16,
                },
        };

        if (!ret)
                return -EINVAL;
        if (set_string(&c.runtime_directory, DEFAULT_RUNTIME_DIR) < 0 ||
            set_string(&c.libvirt.uri, DEFAULT_LIBVIRT_URI) < 0 ||
            set_string(&c.peer.listen_address, DEFAULT_LISTEN) < 0 ||
            set_string(&c.peer.tls_directory, DEFAULT_TLS_DIR) < 0 || tls_defaults(&c) < 0)
                return -ENOMEM;
        *ret = c;
        c = (Config){};
        return 0;
}

/* ---- Value decoders: CUSTOM fields of the tables below ---- */

/* An absolute path without "." or ".." components, into a char *. */
static int dispatch_path(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        const char *s;
        int r;

        r = hisi_json_string(v, PATH_LENGTH_MAX, &s);
        if (r < 0)
                return r;
        if (s[0] != '/')
                return hisi_json_reject(v, "expected an absolute path");
        for (const char *p = s; (p = strchr(p, '/')); p++)
                if (strneq(p, "/./", 3) || strneq(p, "/../", 4) || streq(p, "/.") ||
                    streq(p, "/.."))
                        return hisi_json_reject(v, "expected a path without . or ..");
        r = set_string(hisi_json_field_target(f, base), s);
        if (r < 0)
                return hisi_json_error(v, r, "out of memory");
        return 0;
}

static int dispatch_log_level(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        int level, r;

        r = hisi_json_enum(v, level_from_string, level_to_string, &level);
        if (r < 0)
                return r;
        *(int *)hisi_json_field_target(f, base) = level + LOG_ERR;
        return 0;
}

/* Milliseconds from the field's min to its max, stored in microseconds. */
static int dispatch_msec(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        uint64_t ms;
        int r;

        r = hisi_json_uint(v, (uint64_t)f->min, f->max, &ms);
        if (r < 0)
                return r;
        *(uint64_t *)hisi_json_field_target(f, base) = ms * USEC_PER_MSEC;
        return 0;
}

/* PCI addresses, canonical and without duplicates, into an AddressList. */
static int dispatch_address_list(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        _cleanup_free_ char(*list)[HISI_PCI_ADDRESS_MAX] = NULL;
        AddressList *ret = hisi_json_field_target(f, base);
        size_t n;
        int r;

        r = hisi_json_expect_array(v, 0, ADDRESS_LIST_MAX);
        if (r < 0)
                return r;
        n = hisi_json_length(v);
        list = calloc(n > 0 ? n : 1, sizeof(*list));
        if (!list)
                return hisi_json_error(v, -ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                hisi_json_value e;
                const char *s;

                hisi_json_element(v, i, &e);
                r = hisi_json_string(&e, ADDRESS_STRING_MAX, &s);
                if (r < 0)
                        return r;
                if (hisi_pci_address_normalize(s, list[i]) < 0)
                        return hisi_json_reject(&e, "expected a PCI address such as "
                                                    "\"0000:75:00.1\"");
                for (size_t j = 0; j < i; j++)
                        if (streq(list[i], list[j]))
                                return hisi_json_reject(&e, "duplicate of %s[%zu]", f->name, j);
        }
        address_list_done(ret);
        ret->addresses = TAKE_PTR(list);
        ret->n = n;
        return 0;
}

static int dispatch_uri(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        const char *s;
        int r;

        r = hisi_json_string(v, URI_LENGTH_MAX, &s);
        if (r < 0)
                return r;
        if (s[0] == '\0' || !strchr(s, ':'))
                return hisi_json_reject(v, "expected a libvirt URI such as \"qemu:///system\"");
        if (set_string(hisi_json_field_target(f, base), s) < 0)
                return hisi_json_error(v, -ENOMEM, "out of memory");
        return 0;
}

/* An IP literal to listen on. */
static int dispatch_listen_address(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        unsigned char buf[sizeof(struct in6_addr)];
        const char *s;
        int r;

        r = hisi_json_string(v, ADDRESS_STRING_MAX, &s);
        if (r < 0)
                return r;
        if (inet_pton(AF_INET, s, buf) != 1 && inet_pton(AF_INET6, s, buf) != 1)
                return hisi_json_reject(v, "expected an IPv4 or IPv6 address such as \"::\" or "
                                           "\"192.0.2.1\"");
        if (set_string(hisi_json_field_target(f, base), s) < 0)
                return hisi_json_error(v, -ENOMEM, "out of memory");
        return 0;
}

/* A TCP port, not one of libvirt's. */
static int dispatch_port(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        uint64_t port;
        int r;

        r = hisi_json_uint(v, (uint64_t)f->min, f->max, &port);
        if (r < 0)
                return r;
        if (port == LIBVIRT_PORT_TCP || port == LIBVIRT_PORT_TLS)
                return hisi_json_reject(v, "libvirt listens on %u and %u; choose another port",
                                        LIBVIRT_PORT_TCP, LIBVIRT_PORT_TLS);
        *(uint16_t *)hisi_json_field_target(f, base) = (uint16_t)port;
        return 0;
}

/* ---- Sections ---- */

static const hisi_json_field binding_fields[] = {
        { "policy", HISI_JSON_ENUM, offsetof(Config, binding.policy),
          .from_string = bind_policy_from_string, .to_string = bind_policy_to_string },
        { "devices", HISI_JSON_CUSTOM, offsetof(Config, binding.devices),
          .dispatch = dispatch_address_list },
        { "pfs", HISI_JSON_CUSTOM, offsetof(Config, binding.pfs),
          .dispatch = dispatch_address_list },
        { "exclude", HISI_JSON_CUSTOM, offsetof(Config, binding.exclude),
          .dispatch = dispatch_address_list },
        { "take_from_other_drivers", HISI_JSON_BOOL,
          offsetof(Config, binding.take_from_other_drivers) },
        { "bind_libvirt_managed", HISI_JSON_BOOL, offsetof(Config, binding.bind_libvirt_managed) },
        {},
};

static int dispatch_binding(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        Config *c = base;
        hisi_json_value m;
        int r;

        r = hisi_json_dispatch(v, binding_fields, 0, c);
        if (r < 0)
                return r;
        /* A list the policy does not read is a mistake that would otherwise go unnoticed. */
        if (c->binding.devices.n > 0 && c->binding.policy != BIND_POLICY_DEVICES) {
                hisi_json_member_path(v, "devices", &m);
                return hisi_json_error(&m, -EINVAL,
                                       "only used when binding.policy is \"devices\" (it is "
                                       "\"%s\")",
                                       bind_policy_to_string(c->binding.policy));
        }
        if (c->binding.pfs.n > 0 && c->binding.policy != BIND_POLICY_PFS) {
                hisi_json_member_path(v, "pfs", &m);
                return hisi_json_error(&m, -EINVAL,
                                       "only used when binding.policy is \"pfs\" (it is \"%s\")",
                                       bind_policy_to_string(c->binding.policy));
        }
        return 0;
}

static const hisi_json_field libvirt_fields[] = {
        { "enabled", HISI_JSON_BOOL, offsetof(Config, libvirt.enabled) },
        { "uri", HISI_JSON_CUSTOM, offsetof(Config, libvirt.uri), .dispatch = dispatch_uri },
        {},
};

/* The longest distinguished name pattern. */
#define DN_MAX 1024

static const hisi_json_field tls_fields[] = {
        { "mode", HISI_JSON_ENUM, offsetof(Config, peer.tls_mode),
          .from_string = tls_mode_from_string, .to_string = tls_mode_to_string },
        { "directory", HISI_JSON_CUSTOM, offsetof(Config, peer.tls_directory),
          .dispatch = dispatch_path },
        { "ca_cert", HISI_JSON_CUSTOM, offsetof(Config, peer.ca_cert), .dispatch = dispatch_path },
        { "server_cert", HISI_JSON_CUSTOM, offsetof(Config, peer.server_cert),
          .dispatch = dispatch_path },
        { "server_key", HISI_JSON_CUSTOM, offsetof(Config, peer.server_key),
          .dispatch = dispatch_path },
        { "client_cert", HISI_JSON_CUSTOM, offsetof(Config, peer.client_cert),
          .dispatch = dispatch_path },
        { "client_key", HISI_JSON_CUSTOM, offsetof(Config, peer.client_key),
          .dispatch = dispatch_path },
        { "ca_crl", HISI_JSON_CUSTOM, offsetof(Config, peer.ca_crl), .dispatch = dispatch_path },
        { "allowed_dn", HISI_JSON_CUSTOM, offsetof(Config, peer.allowed_dn), .max = DN_MAX,
          .dispatch = hisi_json_dispatch_strv },
        {},
};

/* The files not named in the object are in its directory (or the default one). */
static int dispatch_tls(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        Config *c = base;
        int r;

        r = hisi_json_expect_object(v);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(tls_files); i++)
                *tls_file(c, i) = mfree(*tls_file(c, i));
        r = hisi_json_dispatch(v, tls_fields, 0, c);
        if (r < 0)
                return r;
        c->peer.ca_crl_required = c->peer.ca_crl;
        r = tls_defaults(c);
        if (r < 0)
                return hisi_json_error(v, r, "out of memory");
        return 0;
}

static const hisi_json_field peer_fields[] = {
        { "listen_address", HISI_JSON_CUSTOM, offsetof(Config, peer.listen_address),
          .dispatch = dispatch_listen_address },
        { "port", HISI_JSON_CUSTOM, offsetof(Config, peer.port), .min = 1, .max = UINT16_MAX,
          .dispatch = dispatch_port },
        { "tls", HISI_JSON_CUSTOM, .dispatch = dispatch_tls },
        {},
};

#define TIMEOUT(name, member, lo, hi)                                                              \
        {                                                                                          \
                name, HISI_JSON_CUSTOM, offsetof(Config, timeouts.member),                         \
                        .min = lo, .max = hi, .dispatch = dispatch_msec                            \
        }

static const hisi_json_field timeouts_fields[] = {
        TIMEOUT("bind_ms", bind_usec, 10, 600000),
        TIMEOUT("bind_retry_min_ms", bind_retry_min_usec, 10, HOUR_MSEC),
        TIMEOUT("bind_retry_max_ms", bind_retry_max_usec, 10, 24 * HOUR_MSEC),
        TIMEOUT("libvirt_ms", libvirt_usec, 10, 600000),
        TIMEOUT("peer_connect_ms", peer_connect_usec, 10, 600000),
        TIMEOUT("peer_io_ms", peer_io_usec, 10, 600000),
        TIMEOUT("migration_ms", migration_usec, 10, 24 * HOUR_MSEC),
        TIMEOUT("in_doubt_ms", in_doubt_usec, 10, 24 * HOUR_MSEC),
        TIMEOUT("outcome_keep_ms", outcome_keep_usec, 1000, 30 * 24 * HOUR_MSEC),
        TIMEOUT("reservation_ms", reservation_usec, 10, 24 * HOUR_MSEC),
        {},
};

static int dispatch_timeouts(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        Config *c = base;
        hisi_json_value m;
        int r;

        r = hisi_json_dispatch(v, timeouts_fields, 0, c);
        if (r < 0)
                return r;
        if (c->timeouts.bind_retry_max_usec < c->timeouts.bind_retry_min_usec) {
                hisi_json_member_path(v, "bind_retry_max_ms", &m);
                return hisi_json_error(
                        &m, -EINVAL, "must not be below bind_retry_min_ms (%llu)",
                        (unsigned long long)(c->timeouts.bind_retry_min_usec / USEC_PER_MSEC));
        }
        return 0;
}

static_assert(sizeof(unsigned) == sizeof(uint32_t), "limits are decoded as uint32_t");

static const hisi_json_field limits_fields[] = {
        { "max_devices", HISI_JSON_UINT32, offsetof(Config, limits.max_devices), .min = 1,
          .max = 65536 },
        { "max_concurrent_binds", HISI_JSON_UINT32, offsetof(Config, limits.max_concurrent_binds),
          .min = 1, .max = 64 },
        { "max_migrations", HISI_JSON_UINT32, offsetof(Config, limits.max_migrations), .min = 1,
          .max = 256 },
        { "kept_migrations", HISI_JSON_UINT32, offsetof(Config, limits.kept_migrations), .min = 0,
          .max = 4096 },
        { "max_peer_connections", HISI_JSON_UINT32, offsetof(Config, limits.max_peer_connections),
          .min = 1, .max = 1024 },
        {},
};

static const hisi_json_field config_fields[] = {
        { "backend", HISI_JSON_ENUM, offsetof(Config, backend), .from_string = backend_from_string,
          .to_string = hisi_backend_to_string },
        { "runtime_directory", HISI_JSON_CUSTOM, offsetof(Config, runtime_directory),
          .dispatch = dispatch_path },
        { "state_directory", HISI_JSON_CUSTOM, offsetof(Config, state_directory),
          .dispatch = dispatch_path },
        { "log_level", HISI_JSON_CUSTOM, offsetof(Config, log_level),
          .dispatch = dispatch_log_level },
        { "binding", HISI_JSON_CUSTOM, .dispatch = dispatch_binding },
        { "libvirt", HISI_JSON_OBJECT, .fields = libvirt_fields },
        { "peer", HISI_JSON_OBJECT, .fields = peer_fields },
        { "timeouts", HISI_JSON_CUSTOM, .dispatch = dispatch_timeouts },
        { "limits", HISI_JSON_OBJECT, .fields = limits_fields },
        {},
};

int config_parse(const char *text, size_t len, const char *origin, Config *ret, char **ret_error) {
        _cleanup_(config_done) Config c = {};
        int r;

        if ((!text && len > 0) || !ret)
                return -EINVAL;
        r = config_default(&c);
        if (r < 0)
                return r;
        r = hisi_json_dispatch_text(text, len, origin, config_fields, 0, &c, ret_error);
        if (r < 0)
                return r;
        *ret = c;
        c = (Config){};
        return 0;
}

const char *config_state_directory(const Config *c) {
        static char first[PATH_LENGTH_MAX + 1];
        const char *e = getenv("STATE_DIRECTORY");

        if (e && e[0] == '/') {
                size_t n = strcspn(e, ":");

                if (n < sizeof(first)) {
                        memcpy(first, e, n);
                        first[n] = '\0';
                        return first;
                }
        }
        return c && c->state_directory ? c->state_directory : HISI_STATE_DIR;
}

int config_load(const char *path, Config *ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        if (!path || !ret)
                return -EINVAL;
        r = hisi_json_read_file(path, &text, &len, ret_error);
        if (r < 0)
                return r;
        return config_parse(text, len, path, ret, ret_error);
}
