/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's side of the peer protocol (see peer-link.h). */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file-util.h"
#include "log.h"
#include "peer-link.h"
#include "peer-server.h"
#include "peer.h"
#include "string-util.h"

/* The connections other daemons opened to us, in a list. */
typedef struct Incoming {
        PeerLink *link;
        Peer *peer;
        struct Incoming *prev, *next;
} Incoming;

struct PeerLink {
        sd_event *event;
        const Config *config;
        PeerLinkOps ops;
        void *userdata;
        TlsCreds *creds; /* NULL with peer.tls.mode "none" */
        PeerServer *server;
        Incoming *incoming;
        unsigned n_incoming;
        char describe[96];
        char host_name[256];
};

static void incoming_free(Incoming *in) {
        PeerLink *l = in->link;

        if (in->prev)
                in->prev->next = in->next;
        else
                l->incoming = in->next;
        if (in->next)
                in->next->prev = in->prev;
        l->n_incoming--;
        peer_free(in->peer);
        free(in);
}

/* The connection is someone else's now: forget it without closing it. */
static void incoming_detach(Incoming *in) {
        in->peer = NULL;
        incoming_free(in);
}

PeerLink *peer_link_free(PeerLink *l) {
        if (!l)
                return NULL;
        while (l->incoming)
                incoming_free(l->incoming);
        peer_server_free(l->server);
        tls_creds_unref(l->creds);
        sd_event_unref(l->event);
        return mfree(l);
}

int peer_link_new(sd_event *e, const PeerLinkOps *ops, void *userdata, PeerLink **ret) {
        PeerLink *l;

        assert(e && ops && ret);
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->event = sd_event_ref(e);
        l->ops = *ops;
        l->userdata = userdata;
        if (gethostname(l->host_name, sizeof(l->host_name) - 1) < 0)
                strcpy(l->host_name, "localhost");
        *ret = l;
        return 0;
}

const char *peer_link_describe(const PeerLink *l) {
        return l->describe;
}
uint16_t peer_link_port(const PeerLink *l) {
        return l->server ? peer_server_port(l->server) : 0;
}
unsigned peer_link_n_incoming(const PeerLink *l) {
        return l->n_incoming;
}
TlsCreds *peer_link_creds(PeerLink *l) {
        return l->creds;
}
sd_event *peer_link_event(PeerLink *l) {
        return l->event;
}
const Config *peer_link_config(PeerLink *l) {
        return l->config;
}
const char *peer_link_host_name(const PeerLink *l) {
        return l->host_name;
}

/* ---- Incoming messages: one handler per type ---- */

/* check: choose a VF for each source VF and answer. */
static int handle_check(PeerLink *l, Peer *p, const char *json, size_t len) {
        _cleanup_(hisi_peer_check_done) hisi_peer_check c = {};
        _cleanup_(hisi_peer_check_reply_done) hisi_peer_check_reply reply = {};
        _cleanup_free_ char *error = NULL, *text = NULL;
        _cleanup_free_ char **taken = NULL;
        size_t n_taken = 0;
        int r;

        r = hisi_peer_check_from_json(json, len, &c, &error);
        if (r < 0)
                return peer_abort(p, "protocol", strna(error)), r;
        reply.id = c.id;
        reply.devices = calloc(c.n_devices, sizeof(*reply.devices));
        taken = calloc(c.n_devices + 1, sizeof(char *));
        if (!reply.devices || !taken)
                return -ENOMEM;
        reply.n_devices = c.n_devices;
        for (size_t i = 0; i < c.n_devices; i++) {
                hisi_peer_check_result *res = &reply.devices[i];

                res->source = strdup(c.devices[i].source);
                if (!res->source)
                        return -ENOMEM;
                r = l->ops.choose(l->userdata, &c.devices[i], taken, n_taken, res);
                if (r < 0)
                        return peer_abort(p, "internal", "the destination could not check"), r;
                if (res->destination)
                        taken[n_taken++] = res->destination;
        }
        log_info("Peer %s (%s): check of %zu VF(s) answered", peer_name(p),
                 strna(peer_host_name(p)), c.n_devices);
        r = hisi_peer_check_reply_to_json(&reply, &text);
        if (r < 0)
                return r;
        return peer_send_message(p, text);
}

/* migrate: the owner takes the connection; our Incoming lets go of it. */
static int handle_migrate(PeerLink *l, Peer *p, const char *json, size_t len) {
        int r = l->ops.migrate ? l->ops.migrate(l->userdata, p, json, len) : -EOPNOTSUPP;

        if (r < 0)
                return peer_abort(p, "refused", "this host cannot take a migration now"), r;
        return 0;
}

/* outcome: what became of a migration whose link broke after its COMMIT. */
static int handle_outcome(PeerLink *l, Peer *p, const char *json, size_t len) {
        _cleanup_(hisi_peer_step_done) hisi_peer_step s = { .device = -1 };
        _cleanup_free_ char *error = NULL, *text = NULL, *why = NULL, *reason = NULL;
        hisi_peer_step reply = { .type = (char *)"outcome-reply", .device = -1 };
        char *reasons[2] = {};
        int r;

        r = hisi_peer_step_from_json(json, len, &s, &error);
        if (r < 0)
                return peer_abort(p, "protocol", strna(error)), r;
        reply.migration = s.migration;
        reply.outcome = (char *)(l->ops.outcome ? l->ops.outcome(l->userdata, s.migration, &reason)
                                                : "unknown");
        /* Why it rolled back, so that the source's error names the cause: within a message's
         * limit for a sentence, cut at a character's start. */
        if (reason) {
                size_t n = MIN(strlen(reason), (size_t)HISI_PEER_TEXT_MAX);
                while (n > 0 && ((unsigned char)reason[n] & 0xc0) == 0x80)
                        n--;
                why = strndup(reason, n);
                reasons[0] = why;
                reply.reasons = why ? reasons : NULL;
        }
        log_info("Peer %s (%s): migration %s asked for its outcome: %s", peer_name(p),
                 strna(peer_host_name(p)), s.migration, reply.outcome);
        r = hisi_peer_step_to_json(&reply, &text);
        if (r < 0)
                return r;
        return peer_send_message(p, text);
}

/* forget: a source settled a migration whose outcome it asked for. No answer. */
static int handle_forget(PeerLink *l, Peer *p, const char *json, size_t len) {
        _cleanup_(hisi_peer_step_done) hisi_peer_step s = { .device = -1 };
        _cleanup_free_ char *error = NULL;
        int r;

        r = hisi_peer_step_from_json(json, len, &s, &error);
        if (r < 0)
                return peer_abort(p, "protocol", strna(error)), r;
        if (l->ops.forget)
                l->ops.forget(l->userdata, s.migration, peer_host_name(p));
        return 0;
}

typedef int (*message_handler)(PeerLink *l, Peer *p, const char *json, size_t len);

static const struct {
        const char *type;
        message_handler handler;
} handlers[] = {
        { "check", handle_check },
        { "migrate", handle_migrate },
        { "outcome", handle_outcome },
        { "forget", handle_forget },
};

static int on_incoming_message(Peer *p, const char *json, size_t len, void *userdata) {
        Incoming *in = userdata;
        _cleanup_free_ char *type = NULL, *error = NULL, *msg = NULL;
        int r;

        r = hisi_peer_message_type(json, len, &type, &error);
        if (r < 0)
                return peer_abort(p, "protocol", strna(error)), r;
        for (size_t i = 0; i < ELEMENTSOF(handlers); i++)
                if (streq(handlers[i].type, type)) {
                        r = handlers[i].handler(in->link, p, json, len);
                        if (r < 0 && peer_state(p) == PEER_READY)
                                peer_close(p, r, "could not answer");
                        else if (r >= 0 && peer_userdata(p) != in)
                                incoming_detach(in); /* someone took the connection over */
                        return 0;
                }
        (void)asprintf_safe(&msg, "this host does not know the message \"%s\"", type);
        return peer_abort(p, "protocol", strna(msg)), -EPROTO;
}

static void on_incoming_closed(Peer *p, int error, const char *reason, void *userdata) {
        incoming_free(userdata);
}

static const PeerCallbacks incoming_callbacks = {
        .message = on_incoming_message,
        .closed = on_incoming_closed,
};

static void on_accept(PeerServer *s, int fd, const char *name, void *userdata) {
        PeerLink *l = userdata;
        _cleanup_free_ char *busy = NULL;
        Incoming *in;
        PeerOptions o = {
                .creds = l->creds,
                .host_name = l->host_name,
                .io_timeout_usec = l->config->timeouts.peer_io_usec,
        };
        int r;

        if (l->n_incoming >= l->config->limits.max_peer_connections) {
                (void)asprintf_safe(&busy,
                                    "%s has %u peer connections, the most it takes "
                                    "(limits.max_peer_connections)",
                                    l->host_name, l->n_incoming);
                o.busy_reason = busy ?: "busy";
                log_warning("Peer %s: refused, %u connections already", name, l->n_incoming);
        }
        in = calloc(1, sizeof(*in));
        if (!in) {
                safe_close(fd);
                return;
        }
        in->link = l;
        r = peer_new_incoming(l->event, fd, name, &o, &incoming_callbacks, in, &in->peer);
        if (r < 0) {
                free(in);
                log_warning_errno(r, "Peer %s: cannot take the connection: %m", name);
                return;
        }
        in->next = l->incoming;
        if (l->incoming)
                l->incoming->prev = in;
        l->incoming = in;
        l->n_incoming++;
}

/* ---- Configuration ---- */

static int load_creds(const Config *c, TlsCreds **ret, char **ret_error) {
        TlsFiles f = {
                .ca_cert = c->peer.ca_cert,
                .ca_crl = c->peer.ca_crl,
                .ca_crl_required = c->peer.ca_crl_required,
                .server_cert = c->peer.server_cert,
                .server_key = c->peer.server_key,
                .client_cert = c->peer.client_cert,
                .client_key = c->peer.client_key,
                .allowed_dn = c->peer.allowed_dn,
        };

        if (c->peer.tls_mode == TLS_MODE_NONE) {
                *ret = NULL;
                return 0;
        }
        return tls_creds_load(&f, ret, ret_error);
}

int peer_link_configure(PeerLink *l, const Config *c, int listen_fd, char **ret_error) {
        _cleanup_(tls_creds_unrefp) TlsCreds *creds = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        assert(l && c && ret_error);
        *ret_error = NULL;
        r = load_creds(c, &creds, &error);
        if (r < 0) {
                safe_close(listen_fd);
                return asprintf_safe(ret_error, "peer TLS: %s", strna(error)) < 0 ? -ENOMEM : r;
        }
        if (!l->server) {
                if (listen_fd >= 0)
                        r = peer_server_adopt(l->event, listen_fd, on_accept, l, &l->server,
                                              &error);
                else
                        r = peer_server_listen(l->event, c->peer.listen_address, c->peer.port,
                                               on_accept, l, &l->server, &error);
                if (r < 0)
                        return asprintf_safe(ret_error, "peer port: %s", strna(error)) < 0 ? -ENOMEM
                                                                                           : r;
        } else
                safe_close(listen_fd);
        tls_creds_unref(l->creds);
        l->creds = TAKE_PTR(creds);
        l->config = c;
        snprintf(l->describe, sizeof(l->describe), "%s (%s)", peer_server_name(l->server),
                 l->creds ? "TLS" : "plain text, no authentication");
        if (!l->creds)
                log_warning("Peer link on %s: plain text, no authentication (peer.tls.mode "
                            "\"none\")",
                            peer_server_name(l->server));
        else
                log_info("Peer link on %s (TLS, certificates from %s)", peer_server_name(l->server),
                         c->peer.tls_directory);
        return 0;
}
