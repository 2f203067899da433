/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The peer link's x509 credentials and the checks of a peer's certificate (see tls-creds.h). */

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fnmatch.h>
#include <gnutls/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "file-util.h"
#include "string-util.h"
#include "strv.h"
#include "tls-creds.h"

struct TlsCreds {
        unsigned n_ref;
        gnutls_certificate_credentials_t server, client;
        char *ca_path;
        char *crl_path; /* NULL: no CRL */
        char **allowed_dn;
};

TlsCreds *tls_creds_ref(TlsCreds *c) {
        if (c)
                c->n_ref++;
        return c;
}

TlsCreds *tls_creds_unref(TlsCreds *c) {
        if (!c || --c->n_ref > 0)
                return NULL;
        if (c->server)
                gnutls_certificate_free_credentials(c->server);
        if (c->client)
                gnutls_certificate_free_credentials(c->client);
        free(c->ca_path);
        free(c->crl_path);
        strv_free(c->allowed_dn);
        return mfree(c);
}

gnutls_certificate_credentials_t tls_creds_server(TlsCreds *c) {
        assert(c);
        return c->server;
}

gnutls_certificate_credentials_t tls_creds_client(TlsCreds *c) {
        assert(c);
        return c->client;
}

/* A file we are about to read: readable, regular. A sentence when not. */
static int check_file(const char *what, const char *path, char **ret_error) {
        struct stat st;

        if (!path)
                return asprintf_safe(ret_error, "no %s configured", what) < 0 ? -ENOMEM : -EINVAL;
        if (stat(path, &st) < 0) {
                int r = negative_errno();
                return asprintf_safe(ret_error, "%s %s: %s", what, path, strerror(-r)) < 0 ? -ENOMEM
                                                                                           : r;
        }
        if (!S_ISREG(st.st_mode))
                return asprintf_safe(ret_error, "%s %s is not a regular file", what, path) < 0
                               ? -ENOMEM
                               : -EINVAL;
        return 0;
}

/* "<what>: <GnuTLS's words>" in *ret_error; -EINVAL, or -ENOMEM. */
static int gnutls_fail(char **ret_error, int g, const char *fmt, ...) _printf_(3, 4);
static int gnutls_fail(char **ret_error, int g, const char *fmt, ...) {
        _cleanup_free_ char *head = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&head, fmt, ap);
        va_end(ap);
        if (r < 0) {
                head = NULL;
                return -ENOMEM;
        }
        if (asprintf_safe(ret_error, "%s: %s", head, gnutls_strerror(g)) < 0)
                return -ENOMEM;
        return -EINVAL;
}

/* The trust (CA, CRL) and one key pair, for one side. */
static int load_side(const TlsFiles *f, const char *cert, const char *key, const char *side,
                     gnutls_certificate_credentials_t *ret, char **ret_error) {
        gnutls_certificate_credentials_t x = NULL;
        int g, r;

        g = gnutls_certificate_allocate_credentials(&x);
        if (g < 0)
                return -ENOMEM;
        g = gnutls_certificate_set_x509_trust_file(x, f->ca_cert, GNUTLS_X509_FMT_PEM);
        if (g <= 0) {
                r = gnutls_fail(ret_error, g == 0 ? GNUTLS_E_NO_CERTIFICATE_FOUND : g,
                                "CA certificate %s", f->ca_cert);
                goto fail;
        }
        if (f->ca_crl) {
                g = gnutls_certificate_set_x509_crl_file(x, f->ca_crl, GNUTLS_X509_FMT_PEM);
                if (g < 0) {
                        r = gnutls_fail(ret_error, g, "CRL %s", f->ca_crl);
                        goto fail;
                }
        }
        g = gnutls_certificate_set_x509_key_file(x, cert, key, GNUTLS_X509_FMT_PEM);
        if (g < 0) {
                if (g == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
                        r = asprintf_safe(ret_error, "%s key %s does not belong to %s", side, key,
                                          cert) < 0
                                    ? -ENOMEM
                                    : -EINVAL;
                else
                        r = gnutls_fail(ret_error, g, "%s certificate %s or its key %s", side, cert,
                                        key);
                goto fail;
        }
        *ret = x;
        return 0;
fail:
        gnutls_certificate_free_credentials(x);
        return r;
}

int tls_creds_load(const TlsFiles *f, TlsCreds **ret, char **ret_error) {
        _cleanup_(tls_creds_unrefp) TlsCreds *c = NULL;
        const char *crl = f->ca_crl;
        struct stat st;
        int r;

        assert(f && ret && ret_error);
        *ret_error = NULL;
        if (crl && !f->ca_crl_required && stat(crl, &st) < 0 && errno == ENOENT)
                crl = NULL; /* the default name, and no CRL there */
        if ((r = check_file("CA certificate", f->ca_cert, ret_error)) < 0 ||
            (crl && (r = check_file("CRL", crl, ret_error)) < 0) ||
            (r = check_file("server certificate", f->server_cert, ret_error)) < 0 ||
            (r = check_file("server key", f->server_key, ret_error)) < 0 ||
            (r = check_file("client certificate", f->client_cert, ret_error)) < 0 ||
            (r = check_file("client key", f->client_key, ret_error)) < 0)
                return r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->n_ref = 1;
        TlsFiles g = *f;
        g.ca_crl = crl;
        r = load_side(&g, f->server_cert, f->server_key, "server", &c->server, ret_error);
        if (r < 0)
                return r;
        r = load_side(&g, f->client_cert, f->client_key, "client", &c->client, ret_error);
        if (r < 0)
                return r;
        c->ca_path = strdup(f->ca_cert);
        c->crl_path = crl ? strdup(crl) : NULL;
        c->allowed_dn = strv_copy(f->allowed_dn);
        if (!c->ca_path || (crl && !c->crl_path) || !c->allowed_dn)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

static void format_day(time_t t, char buf[static 16]) {
        struct tm tm;

        if (t == (time_t)-1 || !gmtime_r(&t, &tm) || strftime(buf, 16, "%Y-%m-%d", &tm) == 0)
                strcpy(buf, "an unknown day");
}

static void x509_crt_deinitp(gnutls_x509_crt_t *p) {
        if (*p)
                gnutls_x509_crt_deinit(*p);
}

/* The names a certificate is for: its DNS and IP SANs, or its CN when it has none. */
static char *crt_names(gnutls_x509_crt_t crt) {
        char *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);
        const char *sep = "";

        if (!f)
                return NULL;
        for (unsigned i = 0;; i++) {
                char name[256];
                size_t len = sizeof(name);
                int type = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &len, NULL);

                if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
                        break;
                if (type == GNUTLS_SAN_DNSNAME) {
                        fprintf(f, "%s%.*s", sep, (int)len, name);
                        sep = ", ";
                } else if (type == GNUTLS_SAN_IPADDRESS) {
                        char ip[INET6_ADDRSTRLEN];
                        if ((len == 4 || len == 16) &&
                            inet_ntop(len == 4 ? AF_INET : AF_INET6, name, ip, sizeof(ip))) {
                                fprintf(f, "%s%s", sep, ip);
                                sep = ", ";
                        }
                }
        }
        if (!*sep) {
                char cn[256];
                size_t len = sizeof(cn);
                if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn,
                                                  &len) >= 0)
                        fprintf(f, "%s", cn);
                else
                        fprintf(f, "no name");
        }
        if (memstream_finish(f, &out) < 0)
                return NULL;
        return out;
}

static bool dn_allowed(char *const *allowed, const char *dn) {
        if (!allowed || !allowed[0])
                return true;
        for (size_t i = 0; allowed[i]; i++)
                if (fnmatch(allowed[i], dn, 0) == 0)
                        return true;
        return false;
}

int tls_creds_verify_peer(TlsCreds *c, gnutls_session_t session, const char *hostname,
                          char **ret_dn, char **ret_error) {
        _cleanup_(x509_crt_deinitp) gnutls_x509_crt_t crt = NULL;
        _cleanup_free_ char *names = NULL;
        gnutls_datum_t dn = {};
        const gnutls_datum_t *certs;
        const char *who = hostname ? "server" : "client";
        unsigned n = 0, status = 0;
        char day[16];
        int g, r;

        assert(c && session && ret_error);
        *ret_error = NULL;
        certs = gnutls_certificate_get_peers(session, &n);
        if (!certs || n == 0)
                return asprintf_safe(ret_error, "the peer sent no %s certificate", who) < 0
                               ? -ENOMEM
                               : -EPERM;
        if (gnutls_x509_crt_init(&crt) < 0)
                return -ENOMEM;
        g = gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER);
        if (g < 0)
                return gnutls_fail(ret_error, g, "the peer's %s certificate", who) == -ENOMEM
                               ? -ENOMEM
                               : -EPERM;
        if (gnutls_x509_crt_get_dn3(crt, &dn, 0) < 0)
                return -ENOMEM;
        if (ret_dn) {
                *ret_dn = strndup((const char *)dn.data, dn.size);
                if (!*ret_dn) {
                        gnutls_free(dn.data);
                        return -ENOMEM;
                }
        }
        g = gnutls_certificate_verify_peers2(session, &status);
        if (g < 0)
                r = gnutls_fail(ret_error, g, "cannot verify the peer's %s certificate", who) ==
                                    -ENOMEM
                            ? -ENOMEM
                            : 0;
        else if (status & GNUTLS_CERT_REVOKED)
                r = asprintf_safe(ret_error, "%s certificate %s was revoked (%s)", who,
                                  (const char *)dn.data, strna(c->crl_path));
        else if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA |
                           GNUTLS_CERT_SIGNATURE_FAILURE))
                r = asprintf_safe(ret_error, "peer certificate %s is not signed by %s",
                                  (const char *)dn.data, c->ca_path);
        else if (status & GNUTLS_CERT_EXPIRED) {
                format_day(gnutls_x509_crt_get_expiration_time(crt), day);
                r = asprintf_safe(ret_error, "%s certificate %s expired on %s", who,
                                  (const char *)dn.data, day);
        } else if (status & GNUTLS_CERT_NOT_ACTIVATED) {
                format_day(gnutls_x509_crt_get_activation_time(crt), day);
                r = asprintf_safe(ret_error, "%s certificate %s is not valid before %s", who,
                                  (const char *)dn.data, day);
        } else if (status != 0)
                r = asprintf_safe(ret_error, "%s certificate %s is not valid (status 0x%x)", who,
                                  (const char *)dn.data, status);
        else if (hostname && !gnutls_x509_crt_check_hostname(crt, hostname)) {
                names = crt_names(crt);
                r = asprintf_safe(ret_error, "certificate is for %s, not %s", strna(names),
                                  hostname);
        } else if (!hostname && !dn_allowed(c->allowed_dn, (const char *)dn.data))
                r = asprintf_safe(ret_error,
                                  "client certificate DN \"%s\" is not in peer.tls.allowed_dn",
                                  (const char *)dn.data);
        else {
                gnutls_free(dn.data);
                return 0;
        }
        gnutls_free(dn.data);
        if (r == -ENOMEM || !*ret_error)
                return -ENOMEM;
        return -EPERM;
}
