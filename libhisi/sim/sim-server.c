/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated host's device socket (see sim-server.h). Each connection is either a device (it
 * sent SIM_OP_OPEN) or a data session (the server created it and handed its other end over).
 * One message at a time per connection; a reply that a fault delays holds the connection's next
 * message back until it is sent, as a blocking ioctl would.
 */

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"
#include "sim-proto.h"
#include "sim-server.h"

typedef enum conn_kind {
        CONN_NEW,
        CONN_DEVICE,
        CONN_DATA,
} conn_kind;

typedef struct sim_conn sim_conn;

struct sim_conn {
        sim_server *server;
        sim_conn *prev, *next;
        int fd;
        sd_event_source *io;
        conn_kind kind;
        sim_vf *vf;     /* CONN_DEVICE: NULL once the VF went away */
        sim_migf *migf; /* CONN_DATA: our reference */
        uint32_t tag;   /* of the request being answered */
        /* a reply held back by a delay fault */
        sd_event_source *delay;
        uint32_t pending_op;
        int32_t pending_result;
        uint8_t *pending_payload;
        size_t pending_len;
        int pending_fd;
};

struct sim_server {
        sd_event *event;
        int listen_fd;
        sd_event_source *listen_source;
        sim_server_lookup_t lookup;
        sim_server_delay_t delay;
        sim_server_sysfs_write_t sysfs_write;
        void *userdata;
        sim_conn *conns;
        uint8_t *buf; /* one message, in and out */
};

#define BUF_SIZE (sizeof(sim_region_io) + SIM_PAYLOAD_MAX)

static void conn_free(sim_conn *c) {
        if (!c)
                return;
        if (c->kind == CONN_DEVICE && c->vf)
                /* The last holder closed the device fd: vfio closes the device (and resets it). */
                sim_vf_close_device(c->vf);
        if (c->migf)
                sim_migf_unref(c->migf);
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->delay);
        free(c->pending_payload);
        safe_close(c->pending_fd);
        safe_close(c->fd);
        if (c->prev)
                c->prev->next = c->next;
        else if (c->server)
                c->server->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        free(c);
}

static int conn_io(sd_event_source *source, int fd, uint32_t revents, void *userdata);

static int conn_new(sim_server *s, int fd, conn_kind kind, sim_conn **ret) {
        sim_conn *c;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c) {
                safe_close(fd);
                return -ENOMEM;
        }
        c->server = s;
        c->fd = fd;
        c->kind = kind;
        c->pending_fd = -EBADF;
        c->next = s->conns;
        if (s->conns)
                s->conns->prev = c;
        s->conns = c;

        r = sd_event_add_io(s->event, &c->io, fd, EPOLLIN, conn_io, c);
        if (r < 0) {
                conn_free(c);
                return r;
        }
        if (ret)
                *ret = c;
        return 0;
}

/* A new data session: a socket pair, our end served with the file, the other end for the
 * caller to pass. */
static int session_new(sim_server *s, sim_migf *f, int *ret_client_fd) {
        int pair[2];
        sim_conn *c;
        int r;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
                sim_migf_unref(f);
                return negative_errno();
        }
        r = conn_new(s, pair[0], CONN_DATA, &c);
        if (r < 0) {
                sim_migf_unref(f);
                safe_close(pair[1]);
                return r;
        }
        c->migf = f;
        *ret_client_fd = pair[1];
        return 0;
}

static int reply_now(sim_conn *c, uint32_t op, int32_t result, const void *payload, size_t len,
                     int fd) {
        int r = sim_msg_send_tagged(c->fd, op, c->tag, result, payload, len, fd);
        safe_close(fd);
        return r;
}

static int delay_done(sd_event_source *source, uint64_t usec, void *userdata) {
        sim_conn *c = userdata;
        int r;

        r = reply_now(c, c->pending_op, c->pending_result, c->pending_payload, c->pending_len,
                      TAKE_FD(c->pending_fd));
        c->pending_payload = mfree(c->pending_payload);
        c->delay = sd_event_source_disable_unref(c->delay);
        if (r < 0) {
                conn_free(c);
                return 0;
        }
        return sd_event_source_set_enabled(c->io, SD_EVENT_ON);
}

/* Send the reply after delay µs: the connection reads nothing more until then. */
static int reply_later(sim_conn *c, uint64_t delay, uint32_t op, int32_t result,
                       const void *payload, size_t len, int fd) {
        int r;

        c->pending_payload = len > 0 ? memdup(payload, len) : NULL;
        if (len > 0 && !c->pending_payload) {
                safe_close(fd);
                return -ENOMEM;
        }
        c->pending_op = op;
        c->pending_result = result;
        c->pending_len = len;
        c->pending_fd = fd;
        r = sd_event_add_time_relative(c->server->event, &c->delay, CLOCK_MONOTONIC, delay, 0,
                                       delay_done, c);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(c->io, SD_EVENT_OFF);
}

static int handle_open(sim_conn *c, const sim_msg *m, const uint8_t *payload) {
        sim_server *s = c->server;
        sim_vf *vf;
        int r = 0;

        if (c->kind != CONN_NEW)
                return reply_now(c, m->op, -EINVAL, NULL, 0, -EBADF);
        if (m->len == 0 || m->len > SIM_NAME_MAX || payload[m->len - 1] != '\0' ||
            strlen((const char *)payload) + 1 != m->len)
                return reply_now(c, m->op, -EINVAL, NULL, 0, -EBADF);
        vf = s->lookup(s->userdata, (const char *)payload, &r);
        if (!vf)
                return reply_now(c, m->op, r < 0 ? r : -ENODEV, NULL, 0, -EBADF);
        r = sim_vf_open_device(vf);
        if (r >= 0) {
                c->kind = CONN_DEVICE;
                c->vf = vf;
        }
        return reply_now(c, m->op, r, NULL, 0, -EBADF);
}

/* One sysfs write, on a connection of its own: the path, its NUL, the bytes. */
static int handle_sysfs_write(sim_conn *c, const sim_msg *m, const uint8_t *payload) {
        const uint8_t *nul = m->len > 0 ? memchr(payload, '\0', m->len) : NULL;
        size_t path_len;
        int r;

        if (c->kind != CONN_NEW || !nul || !c->server->sysfs_write)
                return reply_now(c, m->op, -EINVAL, NULL, 0, -EBADF);
        path_len = (size_t)(nul - payload);
        r = c->server->sysfs_write(c->server->userdata, (const char *)payload, nul + 1,
                                   m->len - path_len - 1);
        return reply_now(c, m->op, r, NULL, 0, -EBADF);
}

static int handle_feature(sim_conn *c, const sim_msg *m, uint8_t *payload) {
        sim_migf *f = NULL;
        int r, fd = -EBADF;
        uint64_t delay = 0;

        if (m->len < sizeof(hisi_vfio_feature_hdr))
                return reply_now(c, m->op, -EINVAL, NULL, 0, -EBADF);
        r = sim_vf_feature(c->vf, payload, m->len, &f);
        if (f) {
                int k = session_new(c->server, f, &fd);
                if (k < 0)
                        r = k;
        }
        if (c->server->delay)
                delay = c->server->delay(c->server->userdata, c->vf, sim_vf_last_path(c->vf));
        if (delay > 0)
                return reply_later(c, delay, m->op, r, payload, m->len, fd);
        return reply_now(c, m->op, r, payload, m->len, fd);
}

static int handle_region(sim_conn *c, const sim_msg *m, uint8_t *payload) {
        sim_region_io io;
        ssize_t n;

        if (m->op == SIM_OP_REGION_INFO) {
                sim_region_info info = {};
                uint32_t index;
                if (m->len != sizeof(index))
                        return reply_now(c, m->op, -EINVAL, NULL, 0, -EBADF);
                memcpy(&index, payload, sizeof(index));
                /* VFIO_PCI_NUM_REGIONS is 9; vfio-pci places region i at offset i << 40. */
                if (index >= 9)
                        return reply_now(c, m->op, -EINVAL, NULL, 0, -EBADF);
                info.index = index;
                info.offset = (uint64_t)index << 40;
                if (index == 2) {
                        info.size = sim_vf_bar2_size(c->vf);
                        info.flags = 0x7; /* READ | WRITE | MMAP */
                }
                return reply_now(c, m->op, 0, &info, sizeof(info), -EBADF);
        }

        if (m->len < sizeof(io))
                return reply_now(c, m->op, -EINVAL, NULL, 0, -EBADF);
        memcpy(&io, payload, sizeof(io));
        if (m->op == SIM_OP_REGION_READ) {
                uint8_t *out = c->server->buf;
                if (io.len > SIM_PAYLOAD_MAX || m->len != sizeof(io))
                        return reply_now(c, m->op, -EINVAL, NULL, 0, -EBADF);
                /* payload and out share the buffer: io is copied already. */
                n = sim_vf_bar2_rw(c->vf, io.offset, out, io.len, false);
                return reply_now(c, m->op, (int32_t)n, out, n > 0 ? (size_t)n : 0, -EBADF);
        }
        if (io.len != m->len - sizeof(io))
                return reply_now(c, m->op, -EINVAL, NULL, 0, -EBADF);
        n = sim_vf_bar2_rw(c->vf, io.offset, payload + sizeof(io), io.len, true);
        return reply_now(c, m->op, (int32_t)n, NULL, 0, -EBADF);
}

static int handle_device(sim_conn *c, const sim_msg *m, uint8_t *payload) {
        if (c->kind != CONN_DEVICE)
                /* Not opened (OPEN failed or was never sent): nothing to act on. */
                return reply_now(c, m->op, -EBADF, NULL, 0, -EBADF);
        if (!c->vf)
                return reply_now(c, m->op, -ENODEV, NULL, 0, -EBADF);

        switch ((sim_op)m->op) {
        case SIM_OP_FEATURE:
                return handle_feature(c, m, payload);
        case SIM_OP_RESET:
                return reply_now(c, m->op, sim_vf_reset(c->vf), NULL, 0, -EBADF);
        case SIM_OP_REGION_INFO:
        case SIM_OP_REGION_READ:
        case SIM_OP_REGION_WRITE:
                return handle_region(c, m, payload);
        case SIM_OP_OPEN:
        case SIM_OP_SYSFS_WRITE:
        case SIM_OP_READ:
        case SIM_OP_WRITE:
        case SIM_OP_PREAD:
        case SIM_OP_PWRITE:
        case SIM_OP_PRECOPY_INFO:
                break;
        }
        /* read()/write() on a vfio device fd go to regions; our protocol has no such call. */
        return reply_now(c, m->op, -EINVAL, NULL, 0, -EBADF);
}

static int handle_data(sim_conn *c, const sim_msg *m, uint8_t *payload) {
        switch ((sim_op)m->op) {
        case SIM_OP_READ: {
                uint64_t want;
                ssize_t n;
                if (m->len != sizeof(want))
                        return reply_now(c, m->op, -EINVAL, NULL, 0, -EBADF);
                memcpy(&want, payload, sizeof(want));
                n = sim_migf_read(c->migf, c->server->buf, MIN(want, (uint64_t)SIM_PAYLOAD_MAX));
                return reply_now(c, m->op, (int32_t)n, c->server->buf, n > 0 ? (size_t)n : 0,
                                 -EBADF);
        }
        case SIM_OP_WRITE:
                return reply_now(c, m->op, (int32_t)sim_migf_write(c->migf, payload, m->len), NULL,
                                 0, -EBADF);
        case SIM_OP_PREAD:
        case SIM_OP_PWRITE:
                /* stream_open(): positioned I/O is refused before any driver code runs. */
                return reply_now(c, m->op, -ESPIPE, NULL, 0, -EBADF);
        case SIM_OP_PRECOPY_INFO: {
                hisi_vfio_precopy_info info;
                int r;
                if (m->len != sizeof(info))
                        return reply_now(c, m->op, -EINVAL, NULL, 0, -EBADF);
                memcpy(&info, payload, sizeof(info));
                r = sim_migf_precopy_info(c->migf, &info);
                return reply_now(c, m->op, r, &info, sizeof(info), -EBADF);
        }
        case SIM_OP_OPEN:
        case SIM_OP_SYSFS_WRITE:
        case SIM_OP_FEATURE:
        case SIM_OP_RESET:
        case SIM_OP_REGION_INFO:
        case SIM_OP_REGION_READ:
        case SIM_OP_REGION_WRITE:
                break;
        }
        /* A data fd has no other ioctl. */
        return reply_now(c, m->op, -ENOTTY, NULL, 0, -EBADF);
}

static int conn_io(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        sim_conn *c = userdata;
        sim_server *s = c->server;
        sim_msg m;
        int r, passed = -EBADF;

        r = sim_msg_recv(c->fd, &m, s->buf, BUF_SIZE, &passed);
        if (r == -EAGAIN)
                return 0;
        safe_close(passed); /* clients pass no fds to us */
        if (r < 0) {
                /* The peer closed, or broke the protocol: as a close. */
                conn_free(c);
                return 0;
        }

        c->tag = m.tag;
        if (m.op == SIM_OP_OPEN)
                r = handle_open(c, &m, s->buf);
        else if (m.op == SIM_OP_SYSFS_WRITE)
                r = handle_sysfs_write(c, &m, s->buf);
        else if (c->kind == CONN_DATA)
                r = handle_data(c, &m, s->buf);
        else
                r = handle_device(c, &m, s->buf);
        if (r < 0)
                conn_free(c);
        return 0;
}

static int listen_io(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        sim_server *s = userdata;
        int cfd;

        cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0)
                return 0; /* EAGAIN, or a client that gave up: nothing to do */
        (void)conn_new(s, cfd, CONN_NEW, NULL);
        return 0;
}

int sim_server_new(sd_event *event, const char *socket_path, sim_server_lookup_t lookup,
                   sim_server_delay_t delay, sim_server_sysfs_write_t sysfs_write, void *userdata,
                   sim_server **ret) {
        _cleanup_(sim_server_freep) sim_server *s = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int r;

        if (!event || !socket_path || !lookup || !ret)
                return -EINVAL;
        if (strlen(socket_path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, socket_path);

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->listen_fd = -EBADF;
        s->event = sd_event_ref(event);
        s->lookup = lookup;
        s->delay = delay;
        s->sysfs_write = sysfs_write;
        s->userdata = userdata;
        s->buf = malloc(BUF_SIZE);
        if (!s->buf)
                return -ENOMEM;

        s->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s->listen_fd < 0)
                return negative_errno();
        (void)unlink(socket_path);
        if (bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return negative_errno();
        if (listen(s->listen_fd, SOMAXCONN) < 0)
                return negative_errno();
        r = sd_event_add_io(event, &s->listen_source, s->listen_fd, EPOLLIN, listen_io, s);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

sim_server *sim_server_free(sim_server *s) {
        if (!s)
                return NULL;
        while (s->conns)
                conn_free(s->conns);
        sd_event_source_disable_unref(s->listen_source);
        safe_close(s->listen_fd);
        sd_event_unref(s->event);
        free(s->buf);
        free(s);
        return NULL;
}

void sim_server_forget_vf(sim_server *s, const sim_vf *vf) {
        for (sim_conn *c = s ? s->conns : NULL; c; c = c->next)
                if (c->kind == CONN_DEVICE && c->vf == vf)
                        c->vf = NULL;
}

unsigned sim_server_n_devices(const sim_server *s) {
        unsigned n = 0;
        for (sim_conn *c = s ? s->conns : NULL; c; c = c->next)
                n += c->kind == CONN_DEVICE && c->vf;
        return n;
}

unsigned sim_server_n_sessions(const sim_server *s) {
        unsigned n = 0;
        for (sim_conn *c = s ? s->conns : NULL; c; c = c->next)
                n += c->kind == CONN_DATA;
        return n;
}
