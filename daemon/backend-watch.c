/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whether the migration backend is there (see backend-watch.h). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend-watch.h"
#include "file-util.h"
#include "string-util.h"

struct BackendWatch {
        sd_event *event;
        hisi_backend backend;
        sd_event_source *timer; /* armed while the host is gone, or could not be watched */
        sd_event_source *io;    /* the watch connection's hangup: the host went away */
        int fd;                 /* a connection to the host, kept while it is there */
        char *error;
        backend_watch_changed_t changed;
        void *userdata;
};

/* NULL when the simulated host's device socket takes a connection (*ret_fd gets it, or -EBADF
 * when it is there but could not be connected); else why not. A non-blocking connect never
 * waits: EAGAIN (a full queue) means a host that is there. */
static char *probe_sim(int *ret_fd) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *path = getenv(HISI_SIM_SOCKET_ENV);
        _cleanup_close_ int fd = -EBADF;
        char *e = NULL;

        *ret_fd = -EBADF;
        if (!path || !path[0])
                return strdup("the simulated host is not set ($" HISI_SIM_SOCKET_ENV
                              " is empty: run the daemon under `hisi-accsim exec`)");
        if (strlen(path) >= sizeof(sa.sun_path))
                return strdup("the simulated host's socket path is too long");
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return NULL; /* cannot tell: do not cry wolf */
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) >= 0) {
                *ret_fd = TAKE_FD(fd);
                return NULL;
        }
        if (errno == EAGAIN || errno == EINPROGRESS)
                return NULL;
        if (errno != ECONNREFUSED && errno != ENOENT && errno != ENOTSOCK)
                return NULL;
        if (asprintf_safe(&e, "the simulated host is gone (%s: %s)", path, strerror(errno)) < 0)
                return NULL;
        return e;
}

static int on_hangup(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* While a connection is kept, nothing wakes the daemon until the host closes it (it never writes
 * on a connection that asked nothing); otherwise look again every interval. */
static void watch(BackendWatch *w, int fd) {
        if (fd >= 0 && w->fd < 0) {
                w->fd = fd;
                if (sd_event_add_io(w->event, &w->io, fd, EPOLLIN | EPOLLRDHUP, on_hangup, w) < 0)
                        w->fd = safe_close(w->fd);
        } else
                safe_close(fd);
        (void)sd_event_source_set_enabled(w->timer, w->fd >= 0 ? SD_EVENT_OFF : SD_EVENT_ONESHOT);
}

static void unwatch(BackendWatch *w) {
        w->io = sd_event_source_disable_unref(w->io);
        w->fd = safe_close(w->fd);
}

void backend_watch_check(BackendWatch *w) {
        _cleanup_free_ char *e = NULL;
        int fd;
        bool tell;

        if (!w || w->backend != HISI_BACKEND_SIM)
                return;
        e = probe_sim(&fd);
        watch(w, fd);
        if (streq_ptr(e, w->error))
                return;
        tell = !e != !w->error; /* it came or went, not only its words changed */
        free(w->error);
        w->error = TAKE_PTR(e);
        if (tell && w->changed)
                w->changed(w, w->error, w->userdata);
}

static int on_hangup(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        BackendWatch *w = userdata;

        unwatch(w);
        backend_watch_check(w);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        BackendWatch *w = userdata;

        (void)sd_event_source_set_time_relative(s, BACKEND_WATCH_INTERVAL_USEC);
        backend_watch_check(w); /* arms it again when it must */
        return 0;
}

int backend_watch_new(sd_event *event, hisi_backend backend, backend_watch_changed_t changed,
                      void *userdata, BackendWatch **ret) {
        _cleanup_(backend_watch_freep) BackendWatch *w = NULL;
        int r;

        if (!event || !ret)
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->event = sd_event_ref(event);
        w->backend = backend;
        w->fd = -EBADF;
        w->changed = changed;
        w->userdata = userdata;
        if (backend == HISI_BACKEND_SIM) {
                int fd;

                r = sd_event_add_time_relative(event, &w->timer, CLOCK_MONOTONIC,
                                               BACKEND_WATCH_INTERVAL_USEC, 0, on_timer, w);
                if (r < 0)
                        return r;
                w->error = probe_sim(&fd);
                watch(w, fd);
        }
        *ret = TAKE_PTR(w);
        return 0;
}

BackendWatch *backend_watch_free(BackendWatch *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->timer);
        unwatch(w);
        sd_event_unref(w->event);
        free(w->error);
        free(w);
        return NULL;
}

const char *backend_watch_error(const BackendWatch *w) {
        return w ? w->error : NULL;
}
