/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The peer port (see peer-server.h). */

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "file-util.h"
#include "log.h"
#include "peer-server.h"

struct PeerServer {
        int fd;
        sd_event_source *io;
        peer_server_accept_t cb;
        void *userdata;
        uint16_t port;
        char name[64];
};

const char *sockaddr_to_string(const void *sa, char buf[static 64]) {
        const struct sockaddr *s = sa;
        char ip[INET6_ADDRSTRLEN];

        if (s->sa_family == AF_INET) {
                const struct sockaddr_in *in = sa;
                inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
                snprintf(buf, 64, "%s:%u", ip, ntohs(in->sin_port));
        } else if (s->sa_family == AF_INET6) {
                const struct sockaddr_in6 *in6 = sa;
                inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
                snprintf(buf, 64, "[%s]:%u", ip, ntohs(in6->sin6_port));
        } else
                snprintf(buf, 64, "(family %d)", s->sa_family);
        return buf;
}

PeerServer *peer_server_free(PeerServer *s) {
        if (!s)
                return NULL;
        sd_event_source_disable_unref(s->io);
        safe_close(s->fd);
        return mfree(s);
}

uint16_t peer_server_port(const PeerServer *s) {
        return s->port;
}

const char *peer_server_name(const PeerServer *s) {
        return s->name;
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        PeerServer *s = userdata;

        /* A few at a time, so that a flood of connections cannot starve the loop. */
        for (int i = 0; i < 16; i++) {
                struct sockaddr_storage sa;
                socklen_t len = sizeof(sa);
                char name[64];
                int c = accept4(s->fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (c < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                log_warning_errno(-errno, "Peer port %s: accept failed: %m",
                                                  s->name);
                        return 0;
                }
                s->cb(s, c, sockaddr_to_string(&sa, name), s->userdata);
        }
        return 0;
}

static int server_new(sd_event *e, int fd, peer_server_accept_t cb, void *userdata,
                      PeerServer **ret, char **ret_error) {
        _cleanup_(peer_server_freep) PeerServer *s = NULL;
        struct sockaddr_storage sa;
        socklen_t len = sizeof(sa);
        int r;

        s = calloc(1, sizeof(*s));
        if (!s) {
                safe_close(fd);
                return -ENOMEM;
        }
        s->fd = fd;
        s->cb = cb;
        s->userdata = userdata;
        if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
                return asprintf_safe(ret_error, "the peer socket: %s", strerror(errno)) < 0
                               ? -ENOMEM
                               : -errno;
        sockaddr_to_string(&sa, s->name);
        s->port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                                 : ((struct sockaddr_in *)&sa)->sin_port);
        r = sd_event_add_io(e, &s->io, fd, EPOLLIN, on_accept, s);
        if (r < 0)
                return r;
        (void)sd_event_source_set_description(s->io, "peer-accept");
        *ret = TAKE_PTR(s);
        return 0;
}

int peer_server_listen(sd_event *e, const char *address, uint16_t port, peer_server_accept_t cb,
                       void *userdata, PeerServer **ret, char **ret_error) {
        struct sockaddr_storage sa = {};
        socklen_t len;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
        struct sockaddr_in *in = (struct sockaddr_in *)&sa;
        static const int one = 1, zero = 0;
        int r;

        assert(e && address && cb && ret && ret_error);
        *ret_error = NULL;
        if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(port);
                len = sizeof(*in6);
        } else if (inet_pton(AF_INET, address, &in->sin_addr) == 1) {
                in->sin_family = AF_INET;
                in->sin_port = htons(port);
                len = sizeof(*in);
        } else
                return asprintf_safe(ret_error, "peer.listen_address \"%s\" is not an IP address",
                                     address) < 0
                               ? -ENOMEM
                               : -EINVAL;
        fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (sa.ss_family == AF_INET6)
                (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, SOMAXCONN) < 0) {
                r = -errno;
                return asprintf_safe(ret_error, "cannot listen on %s port %u: %s", address, port,
                                     strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        }
        return server_new(e, TAKE_FD(fd), cb, userdata, ret, ret_error);
}

int peer_server_adopt(sd_event *e, int fd, peer_server_accept_t cb, void *userdata,
                      PeerServer **ret, char **ret_error) {
        int accepting = 0;
        socklen_t len = sizeof(accepting);

        assert(e && fd >= 0 && cb && ret && ret_error);
        *ret_error = NULL;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) < 0 || !accepting) {
                safe_close(fd);
                return asprintf_safe(ret_error,
                                     "the \"%s\" socket from systemd is not a "
                                     "listening stream socket",
                                     PEER_SERVER_FDNAME) < 0
                               ? -ENOMEM
                               : -EINVAL;
        }
        (void)fd_set_nonblock(fd, true);
        return server_new(e, fd, cb, userdata, ret, ret_error);
}
