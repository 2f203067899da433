/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One connection to another hisi-accmigd (see peer.h). */

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "file-util.h"
#include "hisi/peer-message.h"
#include "log.h"
#include "peer-transport.h"
#include "peer.h"
#include "string-table.h"
#include "string-util.h"
#include "version.h"

static const char *const peer_state_table[_PEER_STATE_MAX] = {
        [PEER_CONNECTING] = "connecting", [PEER_HANDSHAKE] = "handshake", [PEER_HELLO] = "hello",
        [PEER_READY] = "ready",           [PEER_CLOSING] = "closing",     [PEER_CLOSED] = "closed",
};
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(peer_state, PeerState);

/* How much is read from the transport at once: a TLS record's most (16 KiB of plaintext), what
 * one gnutls_record_recv() returns at most. */
#define PEER_READ_SIZE (16u * 1024u)

struct Peer {
        sd_event *event;
        PeerDirection direction;
        PeerState state;
        char *name;
        char *hostname; /* outgoing: what the server's certificate must be for */
        PeerOptions options;
        char *our_host_name, *busy_reason;
        TlsCreds *creds;
        int fd; /* until the transport takes it */
        PeerTransport *transport;
        hisi_wire_decoder *decoder;
        hisi_peer_hello hello; /* the peer's */
        unsigned version;

        uint8_t *out;
        size_t out_len, out_off, out_size;
        uint8_t *in;

        sd_event_source *io, *timer, *keepalive, *defer_closed;
        int close_error;
        char *close_reason;

        PeerCallbacks cb;
        void *userdata;
};

static int peer_update_io(Peer *p);
static void peer_dispatch(Peer *p);

PeerState peer_state(const Peer *p) {
        return p->state;
}
PeerDirection peer_direction(const Peer *p) {
        return p->direction;
}
const char *peer_name(const Peer *p) {
        return p->name;
}
const char *peer_host_name(const Peer *p) {
        return p->hello.host;
}
const char *peer_dn(const Peer *p) {
        return p->transport ? peer_transport_peer_dn(p->transport) : NULL;
}
unsigned peer_version(const Peer *p) {
        return p->version;
}
bool peer_connected(const Peer *p) {
        return p->direction == PEER_INCOMING || p->transport;
}
void *peer_userdata(const Peer *p) {
        return p->userdata;
}
void peer_set_userdata(Peer *p, void *userdata) {
        p->userdata = userdata;
}
void peer_set_callbacks(Peer *p, const PeerCallbacks *cb, void *userdata) {
        p->cb = *cb;
        p->userdata = userdata;
}

Peer *peer_free(Peer *p) {
        if (!p)
                return NULL;
        sd_event_source_disable_unref(p->io);
        sd_event_source_disable_unref(p->timer);
        sd_event_source_disable_unref(p->keepalive);
        sd_event_source_disable_unref(p->defer_closed);
        peer_transport_free(p->transport);
        safe_close(p->fd);
        hisi_wire_decoder_free(p->decoder);
        hisi_peer_hello_done(&p->hello);
        tls_creds_unref(p->creds);
        sd_event_unref(p->event);
        free(p->name);
        free(p->hostname);
        free(p->our_host_name);
        free(p->busy_reason);
        free(p->out);
        free(p->in);
        free(p->close_reason);
        return mfree(p);
}

static int on_closed_defer(sd_event_source *s, void *userdata) {
        Peer *p = userdata;

        p->defer_closed = sd_event_source_disable_unref(p->defer_closed);
        /* Nothing reads or decodes any more (this runs from the loop, never inside receive()):
         * a closed Peer kept with its finished migration keeps no buffers. */
        p->in = mfree(p->in);
        p->out = mfree(p->out);
        p->out_len = p->out_off = p->out_size = 0;
        p->decoder = hisi_wire_decoder_free(p->decoder);
        if (p->cb.closed)
                p->cb.closed(p, p->close_error, p->close_reason, p->userdata);
        return 0;
}

void peer_close(Peer *p, int error, const char *reason) {
        if (p->state == PEER_CLOSED)
                return;
        /* An orderly end says so to the other side (TLS close_notify), best effort. */
        if (error == 0 && p->transport)
                peer_transport_bye(p->transport);
        if (error != 0)
                log_full_errno(error == -ECONNABORTED ? LOG_NOTICE : LOG_WARNING, error,
                               "Peer %s: %s", p->name, strna(reason));
        else
                log_debug("Peer %s: closed%s%s", p->name, reason ? ": " : "", strempty(reason));
        p->state = PEER_CLOSED;
        p->close_error = error;
        free(p->close_reason);
        p->close_reason = reason ? strdup(reason) : NULL;
        p->io = sd_event_source_disable_unref(p->io);
        p->timer = sd_event_source_disable_unref(p->timer);
        p->keepalive = sd_event_source_disable_unref(p->keepalive);
        /* The socket goes now, not when the owner frees us: a finished migration keeps its
         * Peer while it is listed (limits.kept_migrations), and would keep the fd with it. */
        if (p->transport)
                peer_transport_close(p->transport);
        p->fd = safe_close(p->fd);
        /* Tell the owner from the event loop, never from inside our own call stack: it may
         * free the Peer in its callback. */
        if (sd_event_add_defer(p->event, &p->defer_closed, on_closed_defer, p) < 0 && p->cb.closed)
                p->cb.closed(p, error, reason, p->userdata);
}

static void peer_fail(Peer *p, int error, const char *fmt, ...) _printf_(3, 4);
static void peer_fail(Peer *p, int error, const char *fmt, ...) {
        _cleanup_free_ char *reason = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&reason, fmt, ap) < 0)
                reason = NULL;
        va_end(ap);
        peer_close(p, error, reason);
}

/* ---- Output ---- */

static int queue(Peer *p, const void *data, size_t len) {
        if (p->state == PEER_CLOSED || p->state == PEER_CLOSING)
                return -ENOTCONN;
        if (p->out_off > 0 && p->out_off == p->out_len)
                p->out_off = p->out_len = 0;
        if (p->out_len + len > p->out_size) {
                size_t size = MAX(p->out_size * 2, p->out_len + len);
                uint8_t *n;

                /* Move what is left to the front first: the queue never grows without end
                 * because of what was already sent. */
                if (p->out_off > 0) {
                        memmove(p->out, p->out + p->out_off, p->out_len - p->out_off);
                        p->out_len -= p->out_off;
                        p->out_off = 0;
                }
                n = realloc(p->out, size);
                if (!n)
                        return -ENOMEM;
                p->out = n;
                p->out_size = size;
        }
        memcpy(p->out + p->out_len, data, len);
        p->out_len += len;
        return peer_update_io(p);
}

static int queue_json(Peer *p, hisi_wire_type type, const char *json) {
        _cleanup_free_ uint8_t *rec = NULL;
        size_t len = strlen(json);
        int n;

        rec = malloc(HISI_WIRE_HEADER_SIZE + len);
        if (!rec)
                return -ENOMEM;
        n = hisi_wire_encode_json(type, json, len, rec, HISI_WIRE_HEADER_SIZE + len);
        if (n < 0)
                return n;
        return queue(p, rec, (size_t)n);
}

int peer_send_message(Peer *p, const char *json) {
        if (!p || !json)
                return -EINVAL;
        if (p->state != PEER_READY)
                return -ENOTCONN;
        return queue_json(p, HISI_WIRE_MESSAGE, json);
}

int peer_send_records(Peer *p, const void *data, size_t len) {
        if (!p || !data)
                return -EINVAL;
        if (p->state != PEER_READY)
                return -ENOTCONN;
        return queue(p, data, len);
}

/* The preamble and our hello: the first bytes each side sends. */
static int send_hello(Peer *p) {
        static char *const caps[] = { (char *)"check", NULL };
        _cleanup_free_ char *json = NULL;
        uint8_t pre[HISI_WIRE_PREAMBLE_SIZE];
        hisi_peer_hello h = {
                .version = PEER_PROTOCOL_VERSION,
                .min_version = PEER_PROTOCOL_MIN_VERSION,
                .host = p->our_host_name,
                .software = (char *)"hisi-accmigd " HISI_VERSION,
                .capabilities = (char **)caps,
        };
        int r;

        hisi_wire_preamble(pre);
        r = queue(p, pre, sizeof(pre));
        if (r < 0)
                return r;
        r = hisi_peer_hello_to_json(&h, &json);
        if (r < 0)
                return r;
        return queue_json(p, HISI_WIRE_HELLO, json);
}

int peer_finish(Peer *p) {
        if (!p)
                return -EINVAL;
        if (p->state == PEER_CLOSED || p->state == PEER_CLOSING)
                return 0;
        if (p->state != PEER_READY || p->out_off >= p->out_len) {
                peer_close(p, 0, NULL);
                return 0;
        }
        p->state = PEER_CLOSING;
        free(p->close_reason);
        p->close_reason = NULL;
        p->close_error = 0;
        return peer_update_io(p);
}

/* Send ABORT, then close; the owner learns of the close with error. */
static int abort_with(Peer *p, const char *reason, const char *message, int error) {
        _cleanup_free_ char *json = NULL;
        int r;

        if (p->state == PEER_CLOSED || p->state == PEER_CLOSING)
                return 0;
        r = hisi_peer_abort_to_json(reason, message, &json);
        if (r >= 0)
                r = queue_json(p, HISI_WIRE_MESSAGE, json);
        if (r < 0) {
                peer_close(p, r, "could not send the abort");
                return r;
        }
        p->state = PEER_CLOSING;
        free(p->close_reason);
        p->close_reason = strdup(message);
        p->close_error = error;
        return peer_update_io(p);
}

int peer_abort(Peer *p, const char *reason, const char *message) {
        if (!p || !reason || !message)
                return -EINVAL;
        return abort_with(p, reason, message, -ECONNABORTED);
}

static void flush(Peer *p) {
        while (p->out_off < p->out_len) {
                _cleanup_free_ char *error = NULL;
                ssize_t n = peer_transport_write(p->transport, p->out + p->out_off,
                                                 p->out_len - p->out_off, &error);
                if (n == -EAGAIN)
                        return;
                if (n < 0) {
                        peer_close(p, (int)n, error);
                        return;
                }
                p->out_off += (size_t)n;
        }
        if (p->state == PEER_CLOSING) {
                _cleanup_free_ char *reason = TAKE_PTR(p->close_reason);
                p->state = PEER_READY; /* so that peer_close logs and closes */
                peer_close(p, p->close_error, reason);
        }
}

int peer_flush(Peer *p) {
        if (!p)
                return -EINVAL;
        if (p->state != PEER_READY && p->state != PEER_CLOSING)
                return -ENOTCONN;
        flush(p);
        if (p->state != PEER_CLOSED)
                (void)peer_update_io(p);
        return 0;
}

/* A connection whose owner waits (a migration held for its operator) says nothing for as
 * long as it waits; the peer's silence timer must not take that for a dead link. So a ready
 * connection sends a keepalive three times per its timeouts.peer_io_ms, and the peer answers
 * each with a keepalive-ack: both sides hear something at the pace of the shorter timeout,
 * whatever the other host's config says. Both only restart the silence timer (their read did
 * that) and go no further. */
static int on_keepalive(sd_event_source *s, uint64_t usec, void *userdata) {
        Peer *p = userdata;
        int r;

        if (p->state != PEER_READY)
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        r = queue_json(p, HISI_WIRE_MESSAGE, "{\"type\":\"keepalive\"}");
        if (r < 0) {
                peer_close(p, r, "could not send a keepalive");
                return 0;
        }
        return sd_event_source_set_time_relative(s, p->options.io_timeout_usec / 3);
}

static int start_keepalive(Peer *p) {
        int r;

        if (p->options.io_timeout_usec == 0)
                return 0;
        r = sd_event_add_time_relative(p->event, &p->keepalive, CLOCK_MONOTONIC,
                                       p->options.io_timeout_usec / 3, 0, on_keepalive, p);
        if (r < 0)
                return r;
        (void)sd_event_source_set_description(p->keepalive, "peer-keepalive");
        /* On for good: each run sets the next time. */
        return sd_event_source_set_enabled(p->keepalive, SD_EVENT_ON);
}

/* ---- Input ---- */

static int on_hello(Peer *p, const hisi_wire_record *rec) {
        _cleanup_free_ char *error = NULL;
        hisi_peer_hello ours = { .version = PEER_PROTOCOL_VERSION,
                                 .min_version = PEER_PROTOCOL_MIN_VERSION };
        int r;

        r = hisi_peer_hello_from_json(rec->json, rec->json_len, &p->hello, &error);
        if (r < 0) {
                peer_fail(p, -EBADMSG, "its hello is malformed: %s", strna(error));
                return r;
        }
        r = hisi_peer_version_agree(&ours, &p->hello);
        if (r < 0) {
                _cleanup_free_ char *msg = NULL;
                (void)asprintf_safe(&msg,
                                    "no common protocol version: this host speaks %u to %u, "
                                    "the peer %u to %u",
                                    ours.min_version, ours.version, p->hello.min_version,
                                    p->hello.version);
                (void)peer_abort(p, "version", strna(msg));
                return r;
        }
        p->version = (unsigned)r;
        if (p->busy_reason) {
                (void)peer_abort(p, "busy", p->busy_reason);
                return -EBUSY;
        }
        p->state = PEER_READY;
        r = start_keepalive(p);
        if (r < 0) {
                peer_fail(p, r, "cannot start the keepalive");
                return r;
        }
        log_debug("Peer %s: ready (%s, protocol %u%s%s)", p->name, strna(p->hello.host), p->version,
                  peer_dn(p) ? ", " : "", strempty(peer_dn(p)));
        if (p->cb.ready)
                p->cb.ready(p, p->userdata);
        return 0;
}

/* A message: ABORT is ours to handle; the rest goes to the owner. */
static int on_message(Peer *p, const hisi_wire_record *rec) {
        _cleanup_free_ char *type = NULL, *error = NULL;
        int r;

        r = hisi_peer_message_type(rec->json, rec->json_len, &type, &error);
        if (r < 0) {
                peer_fail(p, -EBADMSG, "a malformed message: %s", strna(error));
                return r;
        }
        if (streq(type, "abort")) {
                hisi_peer_abort a = {};
                r = hisi_peer_abort_from_json(rec->json, rec->json_len, &a, &error);
                if (r < 0)
                        peer_fail(p, -EBADMSG, "a malformed abort: %s", strna(error));
                else
                        peer_fail(p, streq(a.reason, "busy") ? -EBUSY : -ECONNABORTED,
                                  "the peer ended the connection (%s): %s", a.reason, a.message);
                hisi_peer_abort_done(&a);
                return -ECONNABORTED;
        }
        if (p->state != PEER_READY) {
                peer_fail(p, -EPROTO, "a \"%s\" message before the hello exchange ended", type);
                return -EPROTO;
        }
        if (streq(type, "keepalive")) {
                r = queue_json(p, HISI_WIRE_MESSAGE, "{\"type\":\"keepalive-ack\"}");
                if (r < 0)
                        peer_fail(p, r, "could not answer a keepalive");
                return r;
        }
        if (streq(type, "keepalive-ack"))
                return 0; /* its read restarted the silence timer: that was all it was for */
        return p->cb.message ? p->cb.message(p, rec->json, rec->json_len, p->userdata) : 0;
}

static int on_record(Peer *p, const hisi_wire_record *rec) {
        int r;

        switch (rec->type) {
        case HISI_WIRE_HELLO:
                return on_hello(p, rec);
        case HISI_WIRE_MESSAGE:
                return on_message(p, rec);
        case HISI_WIRE_CHUNK:
        case HISI_WIRE_END:
                if (p->state != PEER_READY || !p->cb.state) {
                        peer_fail(p, -EPROTO, "device state before the hello exchange ended");
                        return -EPROTO;
                }
                r = p->cb.state(p, rec, p->userdata);
                if (r < 0 && p->state != PEER_CLOSED)
                        peer_fail(p, r, "its device state was refused");
                return r;
        }
        peer_fail(p, -EPROTO, "a record of unknown type");
        return -EPROTO;
}

/* The decoder refused what the peer sent. A peer past the hello speaks our protocol and its
 * transport still works (a digest mismatch, a chunk out of place): it is told why before the
 * close, so that its side of a migration names the cause, rather than seeing the link break
 * (which, after COMMIT, would leave it in doubt). Our side closes with the decoder's error,
 * never with -ECONNABORTED, which means that the peer aborted. */
static void stream_refused(Peer *p, int error) {
        _cleanup_free_ char *why = NULL;
        hisi_wire_error e = hisi_wire_decoder_error(p->decoder);
        const char *m = hisi_wire_decoder_message(p->decoder);

        if (e == HISI_WIRE_BAD_PREAMBLE && p->in[0] == 0x16 && !peer_transport_is_tls(p->transport))
                m = "a TLS client on a plain-text port (peer.tls.mode is \"none\" here)";
        else if (asprintf_safe(&why, "its stream broke a rule (%s): %s",
                               hisi_wire_error_to_string(e), strna(m)) >= 0)
                m = why;
        if (p->state == PEER_READY)
                (void)abort_with(p, "protocol", m, error);
        else
                peer_close(p, error, m);
}

static void receive(Peer *p) {
        for (;;) {
                _cleanup_free_ char *error = NULL;
                ssize_t n = peer_transport_read(p->transport, p->in, PEER_READ_SIZE, &error);
                size_t off = 0;

                if (n == -EAGAIN)
                        return;
                if (n <= 0 && p->state == PEER_HELLO && !peer_transport_is_tls(p->transport) &&
                    p->direction == PEER_OUTGOING) {
                        /* A TLS server closes on our plain preamble; its log says so. */
                        peer_close(p, -ECONNRESET,
                                   "the peer closed the connection before its hello: it may "
                                   "expect TLS (peer.tls.mode is \"none\" here)");
                        return;
                }
                if (n < 0) {
                        peer_close(p, (int)n, error);
                        return;
                }
                if (n == 0) {
                        int r = hisi_wire_decoder_finish(p->decoder);
                        if (r < 0)
                                peer_close(p, r, hisi_wire_decoder_message(p->decoder));
                        else
                                peer_close(p, p->state == PEER_READY ? 0 : -ECONNRESET,
                                           "the peer closed the connection");
                        return;
                }
                if (p->timer)
                        (void)sd_event_source_set_time_relative(p->timer,
                                                                p->options.io_timeout_usec);
                while (off < (size_t)n) {
                        hisi_wire_record rec;
                        size_t used;
                        int r = hisi_wire_decoder_push(p->decoder, p->in + off, (size_t)n - off,
                                                       &used, &rec);
                        if (r < 0) {
                                stream_refused(p, r);
                                return;
                        }
                        off += used;
                        if (r == 1 && (on_record(p, &rec) < 0 || p->state == PEER_CLOSED))
                                return;
                        if (p->state == PEER_CLOSING)
                                return; /* an abort is on its way: read no more */
                }
        }
}

/* ---- Driving ---- */

static void handshake(Peer *p) {
        _cleanup_free_ char *error = NULL;
        int r = peer_transport_handshake(p->transport, &error);

        if (r == 0)
                return;
        if (r == -EPERM && p->direction == PEER_INCOMING) {
                /* The client's certificate was refused: tell it why in our protocol. */
                p->state = PEER_HELLO;
                log_warning("Peer %s: refused: %s", p->name, error);
                if (send_hello(p) >= 0)
                        (void)peer_abort(p, "auth", error);
                return;
        }
        if (r < 0) {
                peer_close(p, r, error);
                return;
        }
        p->state = PEER_HELLO;
        r = send_hello(p);
        if (r < 0)
                peer_close(p, r, "could not send the hello");
}

static void connected(Peer *p) {
        int error = 0, r;
        socklen_t len = sizeof(error);

        if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                error = errno;
        if (error != 0) {
                peer_fail(p, -error, "cannot connect: %s", strerror(error));
                return;
        }
        r = peer_transport_new_client(p->fd, p->creds, p->hostname, &p->transport);
        if (r < 0) {
                peer_close(p, r, "cannot set up the connection");
                return;
        }
        p->fd = -EBADF; /* the transport's now */
        p->state = PEER_HANDSHAKE;
        if (!p->creds)
                log_notice("Peer %s: plain text, no authentication (peer.tls.mode \"none\")",
                           p->name);
}

static void peer_dispatch(Peer *p) {
        if (p->state == PEER_CONNECTING)
                connected(p);
        if (p->state == PEER_HANDSHAKE)
                handshake(p);
        if (p->state == PEER_HELLO || p->state == PEER_READY || p->state == PEER_CLOSING) {
                flush(p);
                if (p->state == PEER_HELLO || p->state == PEER_READY)
                        receive(p);
                if (p->state == PEER_HELLO || p->state == PEER_READY || p->state == PEER_CLOSING)
                        flush(p);
        }
        if (p->state != PEER_CLOSED)
                (void)peer_update_io(p);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Peer *p = userdata;

        peer_dispatch(p);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Peer *p = userdata;

        peer_fail(p, -ETIMEDOUT, "silent for %" PRIu64 " ms while %s",
                  p->options.io_timeout_usec / 1000, peer_state_to_string(p->state));
        return 0;
}

/* Wait for what the connection needs next. */
static int peer_update_io(Peer *p) {
        uint32_t events;
        int r;

        if (p->state == PEER_CLOSED)
                return 0;
        if (p->state == PEER_CONNECTING)
                events = EPOLLOUT;
        else {
                events = peer_transport_events(p->transport);
                if (p->state != PEER_HANDSHAKE) {
                        events |= EPOLLIN;
                        if (p->out_off < p->out_len)
                                events |= EPOLLOUT;
                }
        }
        if (!p->io) {
                int fd = p->transport ? peer_transport_fd(p->transport) : p->fd;
                r = sd_event_add_io(p->event, &p->io, fd, events, on_io, p);
                if (r < 0)
                        return r;
                (void)sd_event_source_set_description(p->io, "peer-io");
                /* A switchover's answer goes before the bus: while VFs are stopped, the
                 * clients' calls and the signals they answer can wait a round. */
                (void)sd_event_source_set_priority(p->io, SD_EVENT_PRIORITY_IMPORTANT);
        } else {
                r = sd_event_source_set_io_events(p->io, events);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int peer_alloc(sd_event *e, PeerDirection d, const char *name, const PeerOptions *o,
                      const PeerCallbacks *cb, void *userdata, Peer **ret) {
        _cleanup_(peer_freep) Peer *p = NULL;
        uint64_t timeout;
        int r;

        assert(e && name && o && cb && ret);
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->fd = -EBADF;
        p->event = sd_event_ref(e);
        p->direction = d;
        p->options = *o;
        p->cb = *cb;
        p->userdata = userdata;
        p->name = strdup(name);
        p->our_host_name = strdup(o->host_name ?: "");
        p->in = malloc(PEER_READ_SIZE);
        if (!p->name || !p->our_host_name || !p->in)
                return -ENOMEM;
        if (o->busy_reason && !(p->busy_reason = strdup(o->busy_reason)))
                return -ENOMEM;
        p->creds = tls_creds_ref(o->creds);
        r = hisi_wire_decoder_new(&p->decoder);
        if (r < 0)
                return r;
        timeout = d == PEER_OUTGOING && o->connect_timeout_usec ? o->connect_timeout_usec
                                                                : o->io_timeout_usec;
        r = sd_event_add_time_relative(e, &p->timer, CLOCK_MONOTONIC, timeout, 0, on_timeout, p);
        if (r < 0)
                return r;
        (void)sd_event_source_set_description(p->timer, "peer-timeout");
        *ret = TAKE_PTR(p);
        return 0;
}

int peer_new_incoming(sd_event *e, int fd, const char *name, const PeerOptions *o,
                      const PeerCallbacks *cb, void *userdata, Peer **ret) {
        _cleanup_(peer_freep) Peer *p = NULL;
        int r;

        r = peer_alloc(e, PEER_INCOMING, name, o, cb, userdata, &p);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        r = peer_transport_new_server(fd, p->creds, &p->transport);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        p->state = PEER_HANDSHAKE;
        if (!p->creds)
                log_notice("Peer %s: plain text, no authentication (peer.tls.mode \"none\")",
                           p->name);
        r = peer_update_io(p);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

int peer_connect(sd_event *e, const struct sockaddr *addr, socklen_t addr_len, const char *hostname,
                 const PeerOptions *o, const PeerCallbacks *cb, void *userdata, Peer **ret) {
        _cleanup_(peer_freep) Peer *p = NULL;
        char ip[INET6_ADDRSTRLEN] = "?", name[INET6_ADDRSTRLEN + 16];
        uint16_t port = 0;
        int r;

        if (!e || !addr || !hostname || !o || !cb || !ret)
                return -EINVAL;
        if (addr->sa_family == AF_INET) {
                const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
                inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
                port = ntohs(in->sin_port);
                snprintf(name, sizeof(name), "%s:%u", hostname, port);
        } else if (addr->sa_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
                inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
                port = ntohs(in6->sin6_port);
                snprintf(name, sizeof(name), strchr(hostname, ':') ? "[%s]:%u" : "%s:%u", hostname,
                         port);
        } else
                return -EAFNOSUPPORT;
        r = peer_alloc(e, PEER_OUTGOING, name, o, cb, userdata, &p);
        if (r < 0)
                return r;
        p->hostname = strdup(hostname);
        if (!p->hostname)
                return -ENOMEM;
        p->fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (p->fd < 0)
                return -errno;
        p->state = PEER_CONNECTING;
        if (connect(p->fd, addr, addr_len) < 0 && errno != EINPROGRESS)
                return -errno;
        r = peer_update_io(p);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

int peer_expect_devices(Peer *p, uint32_t n) {
        if (!p)
                return -EINVAL;
        if (!p->decoder)
                return -ENOTCONN;
        return hisi_wire_decoder_expect_devices(p->decoder, n);
}
