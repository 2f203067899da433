/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A TCP proxy that a test breaks (see tcp-proxy.h). One thread polls the listening socket, the
 * connections and a pipe the test's calls write to; each call is a command the thread carries
 * out while the caller waits, so that no fd is closed under a poll() of the other thread.
 * Sockets are non-blocking; each direction of a connection has one buffer, refilled only once
 * it is written out, so that a receiver that does not read (a daemon held by a delay fault)
 * holds back its sender as TCP would, and never the proxy's thread.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "tcp-proxy.h"

#define PROXY_BUF_SIZE (64u * 1024u)

/* One connection: fd[0] the client's, fd[1] the target's; buf[d] holds what fd[d] sent, to be
 * written to fd[!d]. */
typedef struct proxy_conn {
        int fd[2];
        uint8_t buf[2][PROXY_BUF_SIZE];
        size_t len[2], off[2];
        bool eof[2];  /* fd[d] ended its side */
        bool shut[2]; /* and fd[!d] was told so, once buf[d] was written out */
        bool stalled; /* nothing moves, nothing is read */
        struct proxy_conn *next;
} proxy_conn;

typedef enum proxy_cmd {
        CMD_NONE,
        CMD_CUT,
        CMD_RESTART,
        CMD_STALL,
        CMD_CORRUPT,
        CMD_QUIT,
} proxy_cmd;

struct tcp_proxy {
        pthread_t thread;
        bool thread_started;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int wake[2]; /* the calls' pipe to the thread */

        uint16_t port, target;
        int listen_fd;
        proxy_conn *conns; /* the thread's alone */

        /* Under lock. */
        proxy_cmd cmd;
        uint64_t arg;
        int result;
        bool corrupt_armed, corrupted;
        uint64_t corrupt_at; /* an offset in `sent` */
        uint64_t sent, received;
        unsigned accepted;
};

static int listen_on(uint16_t port, int *ret_fd, uint16_t *ret_port) {
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_port = htons(port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        int fd, one = 1;

        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
            getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        *ret_port = ntohs(sa.sin_port);
        return 0;
}

static void conn_close(tcp_proxy *p, proxy_conn *c) {
        for (proxy_conn **i = &p->conns; *i; i = &(*i)->next)
                if (*i == c) {
                        *i = c->next;
                        break;
                }
        close(c->fd[0]);
        close(c->fd[1]);
        free(c);
}

static void cut_all(tcp_proxy *p) {
        while (p->conns)
                conn_close(p, p->conns);
        if (p->listen_fd >= 0)
                close(p->listen_fd);
        p->listen_fd = -1;
}

/* A new client: connect it to the target (on loopback this is at once), or turn it away. */
static void on_accept(tcp_proxy *p) {
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_port = htons(p->target),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        proxy_conn *c;
        int client, target;

        client = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (client < 0)
                return;
        pthread_mutex_lock(&p->lock);
        p->accepted++;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
        target = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (target < 0 || connect(target, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            fcntl(target, F_SETFL, O_NONBLOCK) < 0 || !(c = calloc(1, sizeof(*c)))) {
                if (target >= 0)
                        close(target);
                close(client); /* as a host that nobody listens on */
                return;
        }
        c->fd[0] = client;
        c->fd[1] = target;
        c->next = p->conns;
        p->conns = c;
}

/* What fd[d] sent, counted, and flipped where the test asked. */
static void account(tcp_proxy *p, proxy_conn *c, int d, size_t n) {
        pthread_mutex_lock(&p->lock);
        if (d == 0) {
                if (p->corrupt_armed && p->corrupt_at >= p->sent && p->corrupt_at < p->sent + n) {
                        c->buf[0][p->corrupt_at - p->sent] ^= 0xff;
                        p->corrupt_armed = false;
                        p->corrupted = true;
                }
                p->sent += n;
        } else
                p->received += n;
        pthread_mutex_unlock(&p->lock);
}

/* Move what can move now, both ways. false: the connection is over. */
static bool pump(tcp_proxy *p, proxy_conn *c) {
        for (int d = 0; d < 2; d++) {
                if (c->len[d] == 0 && !c->eof[d]) {
                        ssize_t n = read(c->fd[d], c->buf[d], PROXY_BUF_SIZE);
                        if (n > 0) {
                                c->len[d] = (size_t)n;
                                c->off[d] = 0;
                                account(p, c, d, (size_t)n);
                        } else if (n == 0)
                                c->eof[d] = true;
                        else if (errno != EAGAIN && errno != EINTR)
                                return false;
                }
                while (c->off[d] < c->len[d]) {
                        ssize_t n = send(c->fd[!d], c->buf[d] + c->off[d], c->len[d] - c->off[d],
                                         MSG_NOSIGNAL);
                        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                                break;
                        if (n < 0)
                                return false;
                        c->off[d] += (size_t)n;
                }
                if (c->off[d] == c->len[d])
                        c->off[d] = c->len[d] = 0;
                if (c->eof[d] && c->len[d] == 0 && !c->shut[d]) {
                        (void)shutdown(c->fd[!d], SHUT_WR);
                        c->shut[d] = true;
                }
        }
        return !(c->shut[0] && c->shut[1]);
}

static void run_command(tcp_proxy *p) {
        uint16_t port;
        int r = 0;

        pthread_mutex_lock(&p->lock);
        switch (p->cmd) {
        case CMD_NONE:
        case CMD_QUIT:
                break;
        case CMD_CUT:
                cut_all(p);
                break;
        case CMD_RESTART:
                if (p->listen_fd >= 0)
                        r = -EALREADY;
                else
                        r = listen_on(p->port, &p->listen_fd, &port);
                break;
        case CMD_STALL:
                for (proxy_conn *c = p->conns; c; c = c->next)
                        c->stalled = p->arg != 0;
                break;
        case CMD_CORRUPT:
                p->corrupt_armed = true;
                p->corrupted = false;
                p->corrupt_at = p->sent + p->arg;
                break;
        }
        p->result = r;
        if (p->cmd != CMD_QUIT)
                p->cmd = CMD_NONE;
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
}

static void *proxy_thread(void *userdata) {
        tcp_proxy *p = userdata;

        for (;;) {
                struct pollfd fds[2 + 2 * 64];
                size_t n = 0;
                char b;

                pthread_mutex_lock(&p->lock);
                if (p->cmd == CMD_QUIT) {
                        pthread_mutex_unlock(&p->lock);
                        break;
                }
                pthread_mutex_unlock(&p->lock);

                fds[n++] = (struct pollfd){ .fd = p->wake[0], .events = POLLIN };
                if (p->listen_fd >= 0)
                        fds[n++] = (struct pollfd){ .fd = p->listen_fd, .events = POLLIN };
                for (proxy_conn *c = p->conns; c && n + 2 <= ELEMENTSOF(fds); c = c->next)
                        for (int d = 0; d < 2 && !c->stalled; d++) {
                                short ev = 0;
                                if (c->len[d] == 0 && !c->eof[d])
                                        ev |= POLLIN;
                                if (c->len[!d] > c->off[!d])
                                        ev |= POLLOUT;
                                fds[n++] = (struct pollfd){ .fd = c->fd[d], .events = ev };
                        }
                if (poll(fds, n, -1) < 0 && errno != EINTR)
                        break;
                if (fds[0].revents & POLLIN) {
                        while (read(p->wake[0], &b, 1) == 1)
                                run_command(p);
                        continue; /* the fds may have changed */
                }
                if (p->listen_fd >= 0 && (fds[1].revents & POLLIN))
                        on_accept(p);
                for (proxy_conn *c = p->conns, *next; c; c = next) {
                        next = c->next;
                        if (!c->stalled && !pump(p, c))
                                conn_close(p, c);
                }
        }
        return NULL;
}

/* Hand the thread a command and wait until it is done. */
static int command(tcp_proxy *p, proxy_cmd cmd, uint64_t arg) {
        int r;

        pthread_mutex_lock(&p->lock);
        while (p->cmd != CMD_NONE)
                pthread_cond_wait(&p->cond, &p->lock);
        p->cmd = cmd;
        p->arg = arg;
        if (write(p->wake[1], "x", 1) != 1) {
                p->cmd = CMD_NONE;
                pthread_mutex_unlock(&p->lock);
                return -EIO;
        }
        while (p->cmd == cmd && cmd != CMD_QUIT)
                pthread_cond_wait(&p->cond, &p->lock);
        r = p->result;
        pthread_mutex_unlock(&p->lock);
        return r;
}

int tcp_proxy_new(uint16_t target_port, tcp_proxy **ret) {
        pthread_condattr_t attr;
        tcp_proxy *p;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->target = target_port;
        p->listen_fd = p->wake[0] = p->wake[1] = -1;
        pthread_mutex_init(&p->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&p->cond, &attr);
        pthread_condattr_destroy(&attr);
        if (pipe2(p->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
                r = -errno;
                goto fail;
        }
        r = listen_on(0, &p->listen_fd, &p->port);
        if (r < 0)
                goto fail;
        r = -pthread_create(&p->thread, NULL, proxy_thread, p);
        if (r < 0)
                goto fail;
        p->thread_started = true;
        *ret = p;
        return 0;
fail:
        tcp_proxy_free(p);
        return r;
}

tcp_proxy *tcp_proxy_free(tcp_proxy *p) {
        if (!p)
                return NULL;
        if (p->thread_started) {
                (void)command(p, CMD_QUIT, 0);
                pthread_join(p->thread, NULL);
        }
        cut_all(p);
        if (p->wake[0] >= 0)
                close(p->wake[0]);
        if (p->wake[1] >= 0)
                close(p->wake[1]);
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
}

uint16_t tcp_proxy_port(const tcp_proxy *p) {
        return p->port;
}

int tcp_proxy_cut(tcp_proxy *p) {
        return command(p, CMD_CUT, 0);
}

int tcp_proxy_restart(tcp_proxy *p) {
        return command(p, CMD_RESTART, 0);
}

int tcp_proxy_stall(tcp_proxy *p, bool stall) {
        return command(p, CMD_STALL, stall);
}

int tcp_proxy_corrupt(tcp_proxy *p, uint64_t after) {
        return command(p, CMD_CORRUPT, after);
}

#define LOCKED_GETTER(type, name, expr)                                                            \
        type tcp_proxy_##name(tcp_proxy *p) {                                                      \
                type v;                                                                            \
                pthread_mutex_lock(&p->lock);                                                      \
                v = (expr);                                                                        \
                pthread_mutex_unlock(&p->lock);                                                    \
                return v;                                                                          \
        }

LOCKED_GETTER(uint64_t, sent, p->sent)
LOCKED_GETTER(uint64_t, received, p->received)
LOCKED_GETTER(unsigned, accepted, p->accepted)
LOCKED_GETTER(bool, corrupted, p->corrupted)

int tcp_proxy_wait_accepted(tcp_proxy *p, unsigned n, int timeout_ms) {
        struct timespec deadline;
        int r = 0;

        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&p->lock);
        while (p->accepted < n && r == 0)
                r = -pthread_cond_timedwait(&p->cond, &p->lock, &deadline);
        if (p->accepted >= n)
                r = 0;
        pthread_mutex_unlock(&p->lock);
        return r;
}
