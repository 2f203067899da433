/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A peer's host name to an address without blocking the event loop (see peer-resolve.h). */

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child-run.h"
#include "file-util.h"
#include "peer-resolve.h"

struct PeerResolve {
        char *host;
        uint16_t port;
        ChildRun *child;
        sd_event_source *defer;
        peer_resolve_done_t done;
        void *userdata;
        PeerAddress addrs[PEER_RESOLVE_MAX];
        size_t n;
        int error;
        char *text;
};

PeerResolve *peer_resolve_free(PeerResolve *r) {
        if (!r)
                return NULL;
        child_run_free(r->child);
        sd_event_source_disable_unref(r->defer);
        free(r->host);
        free(r->text);
        return mfree(r);
}

/* An IP literal as the next address; false when text is not one (or there is no room). */
static bool parse_literal(PeerResolve *r, const char *text) {
        PeerAddress *a = &r->addrs[r->n];
        struct sockaddr_in *in = (struct sockaddr_in *)&a->sa;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->sa;

        if (r->n >= PEER_RESOLVE_MAX)
                return false;
        memset(a, 0, sizeof(*a));
        if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
                in->sin_family = AF_INET;
                in->sin_port = htons(r->port);
                a->len = sizeof(*in);
        } else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(r->port);
                a->len = sizeof(*in6);
        } else
                return false;
        r->n++;
        return true;
}

static int on_defer(sd_event_source *s, void *userdata) {
        PeerResolve *r = userdata;

        r->defer = sd_event_source_disable_unref(r->defer);
        r->done(r, r->error, r->text, r->error < 0 ? NULL : r->addrs, r->error < 0 ? 0 : r->n,
                r->userdata);
        return 0;
}

/* In the child: the addresses as text, one a line, or "!" and the resolver's sentence. */
static int resolve_in_child(void *userdata) {
        const char *host = userdata;
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
        struct addrinfo *ai = NULL;
        unsigned n = 0;
        int g;

        g = getaddrinfo(host, NULL, &hints, &ai);
        if (g != 0) {
                printf("!%s\n", gai_strerror(g));
                fflush(stdout);
                return -EHOSTUNREACH;
        }
        for (struct addrinfo *i = ai; i && n < PEER_RESOLVE_MAX; i = i->ai_next) {
                char text[INET6_ADDRSTRLEN];
                const void *a;

                if (i->ai_family == AF_INET)
                        a = &((struct sockaddr_in *)i->ai_addr)->sin_addr;
                else if (i->ai_family == AF_INET6)
                        a = &((struct sockaddr_in6 *)i->ai_addr)->sin6_addr;
                else
                        continue;
                if (inet_ntop(i->ai_family, a, text, sizeof(text))) {
                        printf("%s\n", text);
                        n++;
                }
        }
        fflush(stdout);
        freeaddrinfo(ai);
        return 0;
}

static void on_child(ChildRun *c, const ChildRunResult *res, void *userdata) {
        PeerResolve *r = userdata;
        _cleanup_free_ char *line = NULL;

        line = res->output ? strndup(res->output, strcspn(res->output, "\n")) : NULL;
        if (res->error == -ETIMEDOUT)
                r->error = -ETIMEDOUT;
        else if (line && line[0] == '!')
                r->error = -EHOSTUNREACH;
        else {
                for (const char *p = res->output; p && *p;) {
                        size_t k = strcspn(p, "\n");
                        _cleanup_free_ char *one = strndup(p, k);

                        if (one)
                                (void)parse_literal(r, one);
                        p += k + (p[k] ? 1 : 0);
                }
                if (r->n == 0)
                        r->error = -EHOSTUNREACH;
        }
        if (r->error < 0)
                (void)asprintf_safe(&r->text, "cannot resolve %s: %s", r->host,
                                    r->error == -ETIMEDOUT   ? "the resolver did not answer in time"
                                    : line && line[0] == '!' ? line + 1
                                                             : "no address");
        r->child = child_run_free(r->child);
        (void)on_defer(NULL, r);
}

int peer_resolve_start(sd_event *e, const char *host, uint16_t port, uint64_t timeout_usec,
                       peer_resolve_done_t done, void *userdata, PeerResolve **ret) {
        _cleanup_(peer_resolve_freep) PeerResolve *r = NULL;
        int q;

        if (!e || !host || !done || !ret)
                return -EINVAL;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->host = strdup(host);
        if (!r->host)
                return -ENOMEM;
        r->port = port;
        r->done = done;
        r->userdata = userdata;
        if (parse_literal(r, host))
                q = sd_event_add_defer(e, &r->defer, on_defer, r);
        else
                q = child_run_start(e,
                                    &(ChildRunOptions){ .func = resolve_in_child,
                                                        .func_userdata = r->host,
                                                        .capture_max = 512,
                                                        .stderr_to_null = true,
                                                        .timeout_usec = timeout_usec },
                                    on_child, r, &r->child);
        if (q < 0)
                return q;
        *ret = TAKE_PTR(r);
        return 0;
}
