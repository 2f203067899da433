/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One peer connection's byte stream, TLS or plain, non-blocking (see peer-transport.h). */

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "file-util.h"
#include "peer-transport.h"

/* The first byte of every TLS record that opens a handshake. */
#define TLS_CONTENT_HANDSHAKE 0x16

struct PeerTransport {
        int fd;
        bool server;
        bool handshake_done;
        bool first_byte_seen; /* a TLS server looked at the first byte */
        char *hostname;       /* a client's: the server's certificate must be for it */
        TlsCreds *creds;      /* NULL: plain */
        bool tls;
        gnutls_session_t session; /* NULL once closed */
        uint32_t events;
        char *peer_dn;
};

static int new_transport(int fd, TlsCreds *creds, bool server, const char *hostname,
                         PeerTransport **ret) {
        _cleanup_(peer_transport_freep) PeerTransport *t = NULL;
        int g;

        assert(fd >= 0 && ret);
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->fd = -EBADF;
        t->server = server;
        t->events = EPOLLIN;
        if (hostname && !(t->hostname = strdup(hostname)))
                return -ENOMEM;
        if (creds) {
                t->tls = true;
                t->creds = tls_creds_ref(creds);
                g = gnutls_init(&t->session, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) |
                                                     GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL);
                if (g < 0)
                        return -ENOMEM;
                g = gnutls_priority_set_direct(t->session, TLS_PRIORITY, NULL);
                if (g >= 0)
                        g = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE,
                                                   server ? tls_creds_server(creds)
                                                          : tls_creds_client(creds));
                if (g >= 0 && !server && hostname)
                        g = gnutls_server_name_set(t->session, GNUTLS_NAME_DNS, hostname,
                                                   strlen(hostname));
                if (g < 0)
                        return -EIO;
                if (server) {
                        /* Asked, not required: a client without one gets a sentence, not a
                         * bare handshake failure. And no list of acceptable CAs, so that a
                         * client whose certificate is from another CA still sends it, and
                         * hears why it is refused. */
                        gnutls_certificate_server_set_request(t->session, GNUTLS_CERT_REQUEST);
                        gnutls_certificate_send_x509_rdn_sequence(t->session, 1);
                }
                gnutls_transport_set_int(t->session, fd);
                gnutls_handshake_set_timeout(t->session, 0); /* our timer decides */
        } else
                t->handshake_done = true;
        /* A migration's flights are small and each waits for an answer: none may sit in
         * Nagle's queue until the peer acknowledges the one before. Best effort (the tests'
         * socket pairs are not TCP). */
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
        t->fd = fd;
        *ret = TAKE_PTR(t);
        return 0;
}

int peer_transport_new_server(int fd, TlsCreds *creds, PeerTransport **ret) {
        return new_transport(fd, creds, true, NULL, ret);
}

int peer_transport_new_client(int fd, TlsCreds *creds, const char *hostname, PeerTransport **ret) {
        return new_transport(fd, creds, false, hostname, ret);
}

PeerTransport *peer_transport_free(PeerTransport *t) {
        if (!t)
                return NULL;
        if (t->session)
                gnutls_deinit(t->session);
        tls_creds_unref(t->creds);
        safe_close(t->fd);
        free(t->hostname);
        free(t->peer_dn);
        return mfree(t);
}

int peer_transport_fd(const PeerTransport *t) {
        return t->fd;
}

bool peer_transport_is_tls(const PeerTransport *t) {
        return t->tls;
}

uint32_t peer_transport_events(const PeerTransport *t) {
        return t->events;
}

void peer_transport_bye(PeerTransport *t) {
        if (t->session && t->handshake_done)
                (void)gnutls_bye(t->session, GNUTLS_SHUT_WR);
}

void peer_transport_close(PeerTransport *t) {
        /* The session's buffers (tens of KiB) go with the socket: a finished migration keeps
         * its Peer while it is listed, not its connection. */
        if (t->session) {
                gnutls_deinit(t->session);
                t->session = NULL;
        }
        t->fd = safe_close(t->fd);
        t->events = 0;
}

const char *peer_transport_peer_dn(const PeerTransport *t) {
        return t->peer_dn;
}

bool peer_transport_pending(const PeerTransport *t) {
        return t->session && t->handshake_done && gnutls_record_check_pending(t->session) > 0;
}

static void wait_for(PeerTransport *t) {
        t->events = t->session && gnutls_record_get_direction(t->session) ? EPOLLOUT : EPOLLIN;
}

static int say(char **ret_error, int error, const char *fmt, ...) _printf_(3, 4);
static int say(char **ret_error, int error, const char *fmt, ...) {
        va_list ap;
        int r = 0;

        if (ret_error) {
                va_start(ap, fmt);
                r = vasprintf(ret_error, fmt, ap);
                va_end(ap);
        }
        if (r < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return error;
}

/* What a failed GnuTLS call means for a person. */
static int tls_error(PeerTransport *t, int g, char **ret_error) {
        switch (g) {
        case GNUTLS_E_FATAL_ALERT_RECEIVED:
                return say(ret_error, -ECONNRESET,
                           "the peer refused the connection (TLS alert: %s)",
                           gnutls_alert_get_name(gnutls_alert_get(t->session)));
        case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
        case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
        case GNUTLS_E_UNEXPECTED_PACKET:
                if (!t->server)
                        return say(ret_error, -EPROTO,
                                   "the peer does not speak TLS (%s): is its peer.tls.mode "
                                   "\"none\"?",
                                   gnutls_strerror(g));
                return say(ret_error, -EPROTO, "this is not a hisi-accmigd peer (%s)",
                           gnutls_strerror(g));
        case GNUTLS_E_NO_CERTIFICATE_FOUND:
                return say(ret_error, -EPERM, "the peer sent no certificate");
        case GNUTLS_E_PREMATURE_TERMINATION:
        case GNUTLS_E_PUSH_ERROR:
        case GNUTLS_E_PULL_ERROR:
                return say(ret_error, -ECONNRESET, "the peer closed the connection (%s)",
                           gnutls_strerror(g));
        default:
                return say(ret_error, -EIO, "TLS: %s", gnutls_strerror(g));
        }
}

/* A TLS server looks at the first byte: a TLS client opens with a handshake record. */
static int check_first_byte(PeerTransport *t, char **ret_error) {
        uint8_t b;
        ssize_t n = recv(t->fd, &b, 1, MSG_PEEK);

        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR) {
                        t->events = EPOLLIN;
                        return 0;
                }
                return say(ret_error, -ECONNRESET, "the peer's connection failed: %s",
                           strerror(errno));
        }
        if (n == 0)
                return say(ret_error, -ECONNRESET,
                           "the peer closed the connection before the TLS handshake");
        if (b != TLS_CONTENT_HANDSHAKE)
                return say(ret_error, -EPROTO,
                           "this is not a hisi-accmigd peer (plain text on a TLS port)");
        t->first_byte_seen = true;
        return 1;
}

int peer_transport_handshake(PeerTransport *t, char **ret_error) {
        int g, r;

        assert(t);
        if (t->handshake_done)
                return 1;
        if (t->server && !t->first_byte_seen) {
                r = check_first_byte(t, ret_error);
                if (r <= 0)
                        return r;
        }
        g = gnutls_handshake(t->session);
        if (g == GNUTLS_E_AGAIN || g == GNUTLS_E_INTERRUPTED) {
                wait_for(t);
                return 0;
        }
        if (g < 0)
                return tls_error(t, g, ret_error);
        r = tls_creds_verify_peer(t->creds, t->session, t->server ? NULL : t->hostname, &t->peer_dn,
                                  ret_error);
        if (r < 0) {
                if (t->server)
                        /* The session stands, so that the caller can tell the client why in
                         * the protocol's own words (an ABORT) before it closes. */
                        t->handshake_done = true;
                else
                        /* The server sees an alert, not a bare reset. */
                        (void)gnutls_alert_send(t->session, GNUTLS_AL_FATAL,
                                                GNUTLS_A_BAD_CERTIFICATE);
                return r;
        }
        t->handshake_done = true;
        t->events = EPOLLIN;
        return 1;
}

/* One read or write: bytes moved, 0 at the peer's orderly close (read), -EAGAIN, or an error. */
static ssize_t transport_io(PeerTransport *t, bool write, void *buf, size_t n, char **ret_error) {
        ssize_t k;

        assert(t && t->handshake_done);
        if (!t->session) {
                k = write ? send(t->fd, buf, n, MSG_NOSIGNAL) : read(t->fd, buf, n);
                if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
                        t->events = write ? EPOLLOUT : EPOLLIN;
                        return -EAGAIN;
                }
                if (k < 0)
                        return say(ret_error, -ECONNRESET, "the connection failed: %s",
                                   strerror(errno));
                return k;
        }
        k = write ? gnutls_record_send(t->session, buf, n) : gnutls_record_recv(t->session, buf, n);
        if (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED) {
                wait_for(t);
                return -EAGAIN;
        }
        if (k < 0)
                return tls_error(t, (int)k, ret_error);
        return k;
}

ssize_t peer_transport_read(PeerTransport *t, void *buf, size_t n, char **ret_error) {
        return transport_io(t, false, buf, n, ret_error);
}

ssize_t peer_transport_write(PeerTransport *t, const void *buf, size_t n, char **ret_error) {
        return transport_io(t, true, (void *)buf, n, ret_error);
}
