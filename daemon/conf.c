/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's configuration: defaults, the JSON decoder and its cross-checks (see conf.h). The
 * decoder walks the tree with libhisi's json-util, so each refusal names the file, the line, the
 * key's path and the reason; checks between keys are made after each section is decoded, and
 * are reported at the key that has to change.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>

#include "conf.h"
#include "file-util.h"
#include "hisi/json-util.h"
#include "log.h"

#define PATH_LENGTH_MAX     4095
#define URI_LENGTH_MAX      1024
#define ADDRESS_STRING_MAX  64
#define ADDRESS_LIST_MAX    4096
#define USEC_PER_MSEC       1000ULL
#define LIBVIRT_PORT_TCP    16509
#define LIBVIRT_PORT_TLS    16514
#define DEFAULT_RUNTIME_DIR "/run/hisi-accmigd"
#define DEFAULT_LIBVIRT_URI "qemu:///system"
#define DEFAULT_LISTEN      "::"
#define DEFAULT_PORT        16520
#define DEFAULT_TLS_DIR     "/etc/pki/qemu"

static const char *const bind_policy_names[_BIND_POLICY_MAX] = {
        [BIND_POLICY_NONE] = "none",
        [BIND_POLICY_DEVICES] = "devices",
        [BIND_POLICY_PFS] = "pfs",
        [BIND_POLICY_ALL] = "all",
};

const char *bind_policy_to_string(BindPolicy p) {
        if (p < 0 || p >= _BIND_POLICY_MAX)
                return NULL;
        return bind_policy_names[p];
}

BindPolicy bind_policy_from_string(const char *s) {
        if (!s)
                return _BIND_POLICY_INVALID;
        for (BindPolicy p = 0; p < _BIND_POLICY_MAX; p++)
                if (streq(s, bind_policy_names[p]))
                        return p;
        return _BIND_POLICY_INVALID;
}

static const char *const tls_mode_names[_TLS_MODE_MAX] = {
        [TLS_MODE_X509] = "x509",
        [TLS_MODE_NONE] = "none",
};

const char *tls_mode_to_string(TlsMode m) {
        if (m < 0 || m >= _TLS_MODE_MAX)
                return NULL;
        return tls_mode_names[m];
}

TlsMode tls_mode_from_string(const char *s) {
        if (!s)
                return _TLS_MODE_INVALID;
        for (TlsMode m = 0; m < _TLS_MODE_MAX; m++)
                if (streq(s, tls_mode_names[m]))
                        return m;
        return _TLS_MODE_INVALID;
}

/* The json-util enum callbacks take ints. */
static int policy_from_string(const char *s) {
        return bind_policy_from_string(s);
}
static const char *policy_to_string(int v) {
        return bind_policy_to_string(v);
}
static int tls_from_string(const char *s) {
        return tls_mode_from_string(s);
}
static const char *tls_to_string(int v) {
        return tls_mode_to_string(v);
}
static int backend_from_string(const char *s) {
        /* Exact names only: hisi_backend_from_string() is case-insensitive. */
        for (hisi_backend b = 0; b < _HISI_BACKEND_MAX; b++)
                if (s && streq(s, hisi_backend_to_string(b)))
                        return b;
        return -EINVAL;
}
static const char *backend_to_string(int v) {
        return hisi_backend_to_string(v);
}
/* The levels a config may name, from the most to the least severe. */
static int level_from_string(const char *s) {
        for (int l = LOG_ERR; l <= LOG_DEBUG; l++)
                if (s && streq(s, log_level_to_string(l)))
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

/* The TLS files, in QEMU's layout (/etc/pki/qemu), and their names in the directory. */
static const struct {
        const char *key;
        size_t offset;
        const char *file;
} tls_files[] = {
        { "ca_cert", offsetof(Config, peer.ca_cert), "ca-cert.pem" },
        { "server_cert", offsetof(Config, peer.server_cert), "server-cert.pem" },
        { "server_key", offsetof(Config, peer.server_key), "server-key.pem" },
        { "client_cert", offsetof(Config, peer.client_cert), "client-cert.pem" },
        { "client_key", offsetof(Config, peer.client_key), "client-key.pem" },
};

static char **tls_field(Config *c, size_t i) {
        return (char **)((uint8_t *)c + tls_files[i].offset);
}

/* The files not named explicitly: their names in peer.tls.directory. */
static int tls_defaults(Config *c, const bool given[static ELEMENTSOF(tls_files)]) {
        for (size_t i = 0; i < ELEMENTSOF(tls_files); i++) {
                char *p = NULL;

                if (given[i])
                        continue;
                if (asprintf_safe(&p, "%s/%s", c->peer.tls_directory, tls_files[i].file) < 0)
                        return -ENOMEM;
                free(*tls_field(c, i));
                *tls_field(c, i) = p;
        }
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
                },
                .limits = {
                        .max_devices = 4096,
                        .max_concurrent_binds = 8,
                        .max_migrations = 8,
                        .max_peer_connections = 16,
                },
        };

        if (!ret)
                return -EINVAL;
        if (set_string(&c.runtime_directory, DEFAULT_RUNTIME_DIR) < 0 ||
            set_string(&c.libvirt.uri, DEFAULT_LIBVIRT_URI) < 0 ||
            set_string(&c.peer.listen_address, DEFAULT_LISTEN) < 0 ||
            set_string(&c.peer.tls_directory, DEFAULT_TLS_DIR) < 0 ||
            tls_defaults(&c, (bool[ELEMENTSOF(tls_files)]){}) < 0)
                return -ENOMEM;
        *ret = c;
        c = (Config){};
        return 0;
}

/* ---- Value decoders ---- */

/* An absolute path without "." or ".." components. */
static int decode_path(const hisi_json_value *obj, const char *key, char **ret) {
        hisi_json_value v;
        const char *s;
        int r;

        r = hisi_json_member(obj, key, &v);
        if (r <= 0)
                return r;
        r = hisi_json_string(&v, PATH_LENGTH_MAX, &s);
        if (r < 0)
                return r;
        if (s[0] != '/')
                return hisi_json_reject(&v, "expected an absolute path");
        for (const char *p = s; (p = strchr(p, '/')); p++)
                if (strneq(p, "/./", 3) || strneq(p, "/../", 4) || streq(p, "/.") ||
                    streq(p, "/.."))
                        return hisi_json_reject(&v, "expected a path without . or ..");
        r = set_string(ret, s);
        if (r < 0)
                return hisi_json_error(&v, r, "out of memory");
        return 1;
}

/* Milliseconds from min to max, stored in microseconds. */
static int decode_msec(const hisi_json_value *obj, const char *key, uint64_t min, uint64_t max,
                       uint64_t *ret_usec) {
        uint64_t ms;
        int r;

        r = hisi_json_get_uint(obj, key, min, max, &ms);
        if (r <= 0)
                return r;
        *ret_usec = ms * USEC_PER_MSEC;
        return 1;
}

static int decode_address_list(const hisi_json_value *obj, const char *key, AddressList *ret) {
        _cleanup_free_ char(*list)[HISI_PCI_ADDRESS_MAX] = NULL;
        hisi_json_value array;
        size_t n;
        int r;

        r = hisi_json_get_array(obj, key, 0, ADDRESS_LIST_MAX, &array);
        if (r <= 0)
                return r;
        n = hisi_json_length(&array);
        list = calloc(n > 0 ? n : 1, sizeof(*list));
        if (!list)
                return hisi_json_error(&array, -ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                hisi_json_value e;
                const char *s;

                hisi_json_element(&array, i, &e);
                r = hisi_json_string(&e, ADDRESS_STRING_MAX, &s);
                if (r < 0)
                        return r;
                if (hisi_pci_address_normalize(s, list[i]) < 0)
                        return hisi_json_reject(&e, "expected a PCI address such as "
                                                    "\"0000:75:00.1\"");
                for (size_t j = 0; j < i; j++)
                        if (streq(list[i], list[j]))
                                return hisi_json_reject(&e, "duplicate of %s[%zu]", key, j);
        }
        address_list_done(ret);
        ret->addresses = TAKE_PTR(list);
        ret->n = n;
        return 1;
}

/* ---- Sections ---- */

static int decode_binding(const hisi_json_value *root, Config *c) {
        static const char *const keys[] = {
                "policy",
                "devices",
                "pfs",
                "exclude",
                "take_from_other_drivers",
                "bind_libvirt_managed",
                NULL,
        };
        hisi_json_value obj, m;
        int r, policy;

        r = hisi_json_get_object(root, "binding", &obj);
        if (r <= 0)
                return r;
        r = hisi_json_check_keys(&obj, keys);
        if (r < 0)
                return r;
        r = hisi_json_get_enum(&obj, "policy", policy_from_string, policy_to_string, &policy);
        if (r < 0)
                return r;
        if (r > 0)
                c->binding.policy = policy;
        r = decode_address_list(&obj, "devices", &c->binding.devices);
        if (r < 0)
                return r;
        r = decode_address_list(&obj, "pfs", &c->binding.pfs);
        if (r < 0)
                return r;
        r = decode_address_list(&obj, "exclude", &c->binding.exclude);
        if (r < 0)
                return r;
        r = hisi_json_get_bool(&obj, "take_from_other_drivers",
                               &c->binding.take_from_other_drivers);
        if (r < 0)
                return r;
        r = hisi_json_get_bool(&obj, "bind_libvirt_managed", &c->binding.bind_libvirt_managed);
        if (r < 0)
                return r;

        /* A list the policy does not read is a mistake that would otherwise go unnoticed. */
        if (c->binding.devices.n > 0 && c->binding.policy != BIND_POLICY_DEVICES) {
                hisi_json_member_path(&obj, "devices", &m);
                return hisi_json_error(&m, -EINVAL,
                                       "only used when binding.policy is \"devices\" (it is "
                                       "\"%s\")",
                                       bind_policy_to_string(c->binding.policy));
        }
        if (c->binding.pfs.n > 0 && c->binding.policy != BIND_POLICY_PFS) {
                hisi_json_member_path(&obj, "pfs", &m);
                return hisi_json_error(&m, -EINVAL,
                                       "only used when binding.policy is \"pfs\" (it is \"%s\")",
                                       bind_policy_to_string(c->binding.policy));
        }
        return 0;
}

static int decode_libvirt(const hisi_json_value *root, Config *c) {
        static const char *const keys[] = { "enabled", "uri", NULL };
        hisi_json_value obj, v;
        const char *s;
        int r;

        r = hisi_json_get_object(root, "libvirt", &obj);
        if (r <= 0)
                return r;
        r = hisi_json_check_keys(&obj, keys);
        if (r < 0)
                return r;
        r = hisi_json_get_bool(&obj, "enabled", &c->libvirt.enabled);
        if (r < 0)
                return r;
        r = hisi_json_member(&obj, "uri", &v);
        if (r < 0)
                return r;
        if (r > 0) {
                r = hisi_json_string(&v, URI_LENGTH_MAX, &s);
                if (r < 0)
                        return r;
                if (s[0] == '\0' || !strstr(s, ":"))
                        return hisi_json_reject(&v, "expected a libvirt URI such as "
                                                    "\"qemu:///system\"");
                if (set_string(&c->libvirt.uri, s) < 0)
                        return hisi_json_error(&v, -ENOMEM, "out of memory");
        }
        return 0;
}

/* peer: the "peer" object, or the root when there is none (then only the defaults apply). */
static int decode_tls(const hisi_json_value *peer, bool has_peer, Config *c) {
        static const char *const keys[] = {
                "mode",       "directory",   "ca_cert",    "server_cert",
                "server_key", "client_cert", "client_key", NULL,
        };
        bool given[ELEMENTSOF(tls_files)] = {};
        hisi_json_value obj;
        int r, mode;

        r = has_peer ? hisi_json_get_object(peer, "tls", &obj) : 0;
        if (r < 0)
                return r;
        if (r > 0) {
                r = hisi_json_check_keys(&obj, keys);
                if (r < 0)
                        return r;
                r = hisi_json_get_enum(&obj, "mode", tls_from_string, tls_to_string, &mode);
                if (r < 0)
                        return r;
                if (r > 0)
                        c->peer.tls_mode = mode;
                r = decode_path(&obj, "directory", &c->peer.tls_directory);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < ELEMENTSOF(tls_files); i++) {
                        r = decode_path(&obj, tls_files[i].key, tls_field(c, i));
                        if (r < 0)
                                return r;
                        given[i] = r > 0;
                }
        }
        r = tls_defaults(c, given);
        if (r < 0)
                return hisi_json_error(peer, r, "out of memory");
        return 0;
}

static int decode_peer(const hisi_json_value *root, Config *c) {
        static const char *const keys[] = { "listen_address", "port", "tls", NULL };
        hisi_json_value obj = {}, v;
        unsigned char buf[sizeof(struct in6_addr)];
        uint64_t port;
        const char *s;
        int r;

        r = hisi_json_get_object(root, "peer", &obj);
        if (r < 0)
                return r;
        if (r == 0)
                return decode_tls(root, false, c);
        r = hisi_json_check_keys(&obj, keys);
        if (r < 0)
                return r;
        r = hisi_json_member(&obj, "listen_address", &v);
        if (r < 0)
                return r;
        if (r > 0) {
                r = hisi_json_string(&v, ADDRESS_STRING_MAX, &s);
                if (r < 0)
                        return r;
                if (inet_pton(AF_INET, s, buf) != 1 && inet_pton(AF_INET6, s, buf) != 1)
                        return hisi_json_reject(&v, "expected an IPv4 or IPv6 address such as "
                                                    "\"::\" or \"192.0.2.1\"");
                if (set_string(&c->peer.listen_address, s) < 0)
                        return hisi_json_error(&v, -ENOMEM, "out of memory");
        }
        r = hisi_json_member(&obj, "port", &v);
        if (r < 0)
                return r;
        if (r > 0) {
                r = hisi_json_uint(&v, 1, UINT16_MAX, &port);
                if (r < 0)
                        return r;
                if (port == LIBVIRT_PORT_TCP || port == LIBVIRT_PORT_TLS)
                        return hisi_json_reject(&v,
                                                "libvirt listens on %u and %u; choose "
                                                "another port",
                                                LIBVIRT_PORT_TCP, LIBVIRT_PORT_TLS);
                c->peer.port = (uint16_t)port;
        }
        return decode_tls(&obj, true, c);
}

static int decode_timeouts(const hisi_json_value *root, Config *c) {
        static const char *const keys[] = {
                "bind_ms",         "bind_retry_min_ms", "bind_retry_max_ms", "libvirt_ms",
                "peer_connect_ms", "peer_io_ms",        "migration_ms",      NULL,
        };
        const uint64_t hour = 3600 * 1000;
        hisi_json_value obj, m;
        int r;

        r = hisi_json_get_object(root, "timeouts", &obj);
        if (r <= 0)
                return r;
        r = hisi_json_check_keys(&obj, keys);
        if (r < 0)
                return r;
        if ((r = decode_msec(&obj, "bind_ms", 10, 600000, &c->timeouts.bind_usec)) < 0 ||
            (r = decode_msec(&obj, "bind_retry_min_ms", 10, hour,
                             &c->timeouts.bind_retry_min_usec)) < 0 ||
            (r = decode_msec(&obj, "bind_retry_max_ms", 10, 24 * hour,
                             &c->timeouts.bind_retry_max_usec)) < 0 ||
            (r = decode_msec(&obj, "libvirt_ms", 10, 600000, &c->timeouts.libvirt_usec)) < 0 ||
            (r = decode_msec(&obj, "peer_connect_ms", 10, 600000, &c->timeouts.peer_connect_usec)) <
                    0 ||
            (r = decode_msec(&obj, "peer_io_ms", 10, 600000, &c->timeouts.peer_io_usec)) < 0 ||
            (r = decode_msec(&obj, "migration_ms", 10, 24 * hour, &c->timeouts.migration_usec)) < 0)
                return r;
        if (c->timeouts.bind_retry_max_usec < c->timeouts.bind_retry_min_usec) {
                hisi_json_member_path(&obj, "bind_retry_max_ms", &m);
                return hisi_json_error(
                        &m, -EINVAL, "must not be below bind_retry_min_ms (%llu)",
                        (unsigned long long)(c->timeouts.bind_retry_min_usec / USEC_PER_MSEC));
        }
        return 0;
}

static int decode_limits(const hisi_json_value *root, Config *c) {
        static const char *const keys[] = {
                "max_devices", "max_concurrent_binds", "max_migrations", "max_peer_connections",
                NULL,
        };
        hisi_json_value obj;
        uint32_t u;
        int r;

        r = hisi_json_get_object(root, "limits", &obj);
        if (r <= 0)
                return r;
        r = hisi_json_check_keys(&obj, keys);
        if (r < 0)
                return r;
        u = c->limits.max_devices;
        if ((r = hisi_json_get_u32(&obj, "max_devices", 1, 65536, &u)) < 0)
                return r;
        c->limits.max_devices = u;
        u = c->limits.max_concurrent_binds;
        if ((r = hisi_json_get_u32(&obj, "max_concurrent_binds", 1, 64, &u)) < 0)
                return r;
        c->limits.max_concurrent_binds = u;
        u = c->limits.max_migrations;
        if ((r = hisi_json_get_u32(&obj, "max_migrations", 1, 256, &u)) < 0)
                return r;
        c->limits.max_migrations = u;
        u = c->limits.max_peer_connections;
        if ((r = hisi_json_get_u32(&obj, "max_peer_connections", 1, 1024, &u)) < 0)
                return r;
        c->limits.max_peer_connections = u;
        return 0;
}

static int decode_config(const hisi_json_value *root, Config *c) {
        static const char *const keys[] = {
                "backend", "runtime_directory", "log_level", "binding", "libvirt",
                "peer",    "timeouts",          "limits",    NULL,
        };
        int r, v;

        r = hisi_json_check_keys(root, keys);
        if (r < 0)
                return r;
        r = hisi_json_get_enum(root, "backend", backend_from_string, backend_to_string, &v);
        if (r < 0)
                return r;
        if (r > 0)
                c->backend = v;
        r = decode_path(root, "runtime_directory", &c->runtime_directory);
        if (r < 0)
                return r;
        r = hisi_json_get_enum(root, "log_level", level_from_string, level_to_string, &v);
        if (r < 0)
                return r;
        if (r > 0)
                c->log_level = v + LOG_ERR;
        if ((r = decode_binding(root, c)) < 0 || (r = decode_libvirt(root, c)) < 0 ||
            (r = decode_peer(root, c)) < 0 || (r = decode_timeouts(root, c)) < 0 ||
            (r = decode_limits(root, c)) < 0)
                return r;
        return 0;
}

static int decode_config_cb(const hisi_json_value *root, void *userdata) {
        return decode_config(root, userdata);
}

int config_parse(const char *text, size_t len, const char *origin, Config *ret, char **ret_error) {
        _cleanup_(config_done) Config c = {};
        int r;

        if ((!text && len > 0) || !ret)
                return -EINVAL;
        r = config_default(&c);
        if (r < 0)
                return r;
        r = hisi_json_decode_text(text, len, origin, decode_config_cb, &c, ret_error);
        if (r < 0)
                return r;
        *ret = c;
        c = (Config){};
        return 0;
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
