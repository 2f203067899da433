/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Uevents that a listener cannot take yet wait in a queue (see sim-uevent-queue.h).
 *
 * umockdev sends each uevent to each listener's socket in the testbed with a non-blocking
 * sendmsg(), and exits the whole process when one fails with EAGAIN: a listener that has not
 * read its last few uevents (the socket queue holds ten) would end the simulated host, where a
 * kernel keeps them in the listener's large receive buffer. hisi-accsim defines sendmsg() itself,
 * so that libumockdev's calls come here: a datagram to a listener whose queue is full, or whose
 * earlier datagrams still wait, is kept in order and sent from the event loop when there is room.
 */

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"
#include "sim-uevent-queue.h"

#define RETRY_USEC (5 * 1000)

typedef struct pending {
        struct pending *next;
        size_t len;
        uint8_t data[];
} pending;

typedef struct listener {
        struct listener *next;
        struct sockaddr_un addr;
        pending *head, *tail;
} listener;

static listener *listeners;
static sd_event *event;
static sd_event_source *retry;

typedef ssize_t (*sendmsg_t)(int, const struct msghdr *, int);

static ssize_t real_sendmsg(int fd, const struct msghdr *msg, int flags) {
        static sendmsg_t next;

        if (!next)
                next = (sendmsg_t)dlsym(RTLD_NEXT, "sendmsg");
        if (!next) {
                errno = ENOSYS;
                return -1;
        }
        return next(fd, msg, flags);
}

static listener *find(const struct sockaddr_un *addr) {
        for (listener *l = listeners; l; l = l->next)
                if (streq(l->addr.sun_path, addr->sun_path))
                        return l;
        return NULL;
}

static void listener_drop(listener *l) {
        listener **p = &listeners;

        while (l->head) {
                pending *m = l->head;
                l->head = m->next;
                free(m);
        }
        while (*p && *p != l)
                p = &(*p)->next;
        if (*p)
                *p = l->next;
        free(l);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata);

static void arm(void) {
        if (!event || !listeners)
                return;
        if (retry) {
                (void)sd_event_source_set_time_relative(retry, RETRY_USEC);
                (void)sd_event_source_set_enabled(retry, SD_EVENT_ONESHOT);
                return;
        }
        (void)sd_event_add_time_relative(event, &retry, CLOCK_MONOTONIC, RETRY_USEC, 0, on_retry,
                                         NULL);
}

/* Send what waits for one listener, in order, until its socket is full again. */
static void flush(listener *l) {
        int fd = socket(AF_UNIX, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0)
                return;
        if (connect(fd, (struct sockaddr *)&l->addr,
                    offsetof(struct sockaddr_un, sun_path) + strlen(l->addr.sun_path) + 1) < 0) {
                if (errno == ECONNREFUSED || errno == ENOENT)
                        /* The listener is gone: so are its uevents. */
                        while (l->head) {
                                pending *m = l->head;
                                l->head = m->next;
                                free(m);
                        }
                close(fd);
                return;
        }
        while (l->head) {
                pending *m = l->head;
                struct iovec iov = { .iov_base = m->data, .iov_len = m->len };
                struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

                if (real_sendmsg(fd, &msg, 0) < 0 && errno == EAGAIN)
                        break;
                /* Sent, or refused for good: either way it is done. */
                l->head = m->next;
                free(m);
        }
        if (!l->head)
                l->tail = NULL;
        close(fd);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        for (listener *l = listeners, *next; l; l = next) {
                next = l->next;
                flush(l);
                if (!l->head)
                        listener_drop(l);
        }
        arm();
        return 0;
}

static int enqueue(const struct sockaddr_un *addr, const struct msghdr *msg, size_t len) {
        listener *l = find(addr);
        pending *m;
        size_t off = 0;

        m = malloc(sizeof(*m) + len);
        if (!m)
                return -ENOMEM;
        m->next = NULL;
        m->len = len;
        for (size_t i = 0; i < msg->msg_iovlen; i++) {
                memcpy(m->data + off, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
                off += msg->msg_iov[i].iov_len;
        }
        if (!l) {
                l = calloc(1, sizeof(*l));
                if (!l) {
                        free(m);
                        return -ENOMEM;
                }
                l->addr.sun_family = AF_UNIX;
                strcpy(l->addr.sun_path, addr->sun_path);
                l->next = listeners;
                listeners = l;
        }
        if (l->tail)
                l->tail->next = m;
        else
                l->head = m;
        l->tail = m;
        arm();
        return 0;
}

/* A datagram named for a unix socket path (umockdev names it, with no length, on a socket it
 * connected to that path). */
static bool unix_datagram_to(const struct msghdr *msg) {
        const struct sockaddr_un *addr = msg ? msg->msg_name : NULL;

        return addr && addr->sun_family == AF_UNIX && addr->sun_path[0] != '\0' &&
               memchr(addr->sun_path, '\0', sizeof(addr->sun_path)) && msg->msg_controllen == 0;
}

/* libumockdev's sendmsg(), and the host's own (which never meets a full socket: its sockets
 * block). */
ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
        size_t len = 0;
        ssize_t n;

        if (!unix_datagram_to(msg))
                return real_sendmsg(fd, msg, flags);
        for (size_t i = 0; i < msg->msg_iovlen; i++)
                len += msg->msg_iov[i].iov_len;
        /* Earlier uevents still wait for this listener: this one waits behind them. */
        if (!find(msg->msg_name)) {
                n = real_sendmsg(fd, msg, flags);
                if (n >= 0 || errno != EAGAIN)
                        return n;
        }
        if (enqueue(msg->msg_name, msg, len) < 0) {
                errno = ENOMEM;
                return -1;
        }
        return (ssize_t)len;
}

void sim_uevent_queue_attach(sd_event *e) {
        event = e;
        arm();
}

void sim_uevent_queue_detach(void) {
        retry = sd_event_source_disable_unref(retry);
        while (listeners)
                listener_drop(listeners);
        event = NULL;
}
