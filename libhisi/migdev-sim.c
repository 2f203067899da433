/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sim backend of the migration device: the client of the simulated host hisi-accsim. Each
 * VFIO call becomes one message on the device connection (sim-proto.h); a data session arrives
 * as a connection of its own, passed with SCM_RIGHTS, and stands for the kernel's data_fd. The
 * simulator gives the kernel's answers; this file only carries them. A simulator that went away
 * looks like a device that went away: -ENODEV.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"
#include "migdev-backend.h"
#include "sim-proto.h"

/* A broken connection is a device that is gone. */
static int gone(int r) {
        return r == -EPIPE || r == -ECONNRESET || r == -ENOTCONN ? -ENODEV : r;
}

static int sim_connect(int *ret) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *path = getenv(SIM_SOCKET_ENV);

        /* Without a simulated host there is no such device. */
        if (!path || !path[0])
                return -ENODEV;
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return errno == ENOENT || errno == ECONNREFUSED ? -ENODEV : negative_errno();
        *ret = TAKE_FD(fd);
        return 0;
}

static int sim_open(hisi_ctx *ctx, const char *name, int *ret_fd, void **ret_aux,
                    const char **ret_path_kind) {
        _cleanup_close_ int fd = -EBADF;
        sim_msg reply;
        size_t len = strlen(name);
        int r;

        if (len == 0 || len >= SIM_NAME_MAX)
                return -EINVAL;
        r = sim_connect(&fd);
        if (r < 0)
                return r;
        r = sim_call(fd, SIM_OP_OPEN, name, len + 1, &reply, NULL, 0, NULL);
        if (r < 0)
                return gone(r);
        if (reply.result < 0)
                return reply.result;
        *ret_fd = TAKE_FD(fd);
        *ret_aux = NULL;
        *ret_path_kind = "sim";
        return 0;
}

static int sim_feature(int fd, void *aux, void *buf) {
        hisi_vfio_feature_hdr hdr;
        sim_msg reply;
        int r, data_fd = -EBADF;
        size_t len;

        memcpy(&hdr, buf, sizeof(hdr));
        /* The whole buffer the kernel would look at; the header even when argsz says less, so
         * that the simulator can refuse it as the kernel does. */
        len = MAX((size_t)hdr.argsz, sizeof(hdr));
        if (len > SIM_PAYLOAD_MAX)
                return -E2BIG;
        r = sim_call(fd, SIM_OP_FEATURE, buf, len, &reply, buf, len, &data_fd);
        if (r < 0)
                return gone(r);
        if (data_fd >= 0) {
                /* A new data session: the kernel writes the fd into the payload's data_fd. */
                hisi_vfio_feature_mig_state st;
                uint8_t *payload = (uint8_t *)buf + sizeof(hdr);

                if ((hdr.flags & HISI_VFIO_DEVICE_FEATURE_MASK) !=
                            HISI_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE ||
                    hdr.argsz < sizeof(hdr) + sizeof(st) || reply.result < 0) {
                        safe_close(data_fd);
                        return -EBADMSG;
                }
                memcpy(&st, payload, sizeof(st));
                st.data_fd = data_fd;
                memcpy(payload, &st, sizeof(st));
        }
        return reply.result;
}

static int sim_reset(int fd, void *aux) {
        sim_msg reply;
        int r = sim_call(fd, SIM_OP_RESET, NULL, 0, &reply, NULL, 0, NULL);
        return r < 0 ? gone(r) : reply.result;
}

static int sim_region_info_call(int fd, void *aux, uint32_t index, hisi_region_info *ret) {
        sim_region_info info;
        sim_msg reply;
        int r;

        r = sim_call(fd, SIM_OP_REGION_INFO, &index, sizeof(index), &reply, &info, sizeof(info),
                     NULL);
        if (r < 0)
                return gone(r);
        if (reply.result < 0)
                return reply.result;
        if (reply.len != sizeof(info))
                return -EBADMSG;
        *ret = (hisi_region_info){ .flags = info.flags, .size = info.size, .offset = info.offset };
        return 0;
}

/* The simulated VF has one region, BAR2; the host serves offsets within it. The others are
 * absent, and the kernel refuses an access to a BAR that is not there with -EINVAL. */
static ssize_t sim_region_rw(int fd, void *aux, uint32_t index, uint64_t offset, void *buf,
                             size_t len, bool write) {
        _cleanup_free_ uint8_t *msg = NULL;
        sim_region_io io = { .offset = offset, .len = MIN(len, (size_t)SIM_PAYLOAD_MAX) };
        sim_msg reply;
        int r;

        if (index != HISI_VFIO_PCI_BAR2_REGION_INDEX)
                return -EINVAL;
        if (!write) {
                r = sim_call(fd, SIM_OP_REGION_READ, &io, sizeof(io), &reply, buf, io.len, NULL);
                if (r < 0)
                        return gone(r);
                if (reply.result >= 0 && (uint32_t)reply.result != reply.len)
                        return -EBADMSG;
                return reply.result;
        }
        msg = malloc(sizeof(io) + io.len);
        if (!msg)
                return -ENOMEM;
        memcpy(msg, &io, sizeof(io));
        if (io.len > 0)
                memcpy(msg + sizeof(io), buf, io.len);
        r = sim_call(fd, SIM_OP_REGION_WRITE, msg, sizeof(io) + io.len, &reply, NULL, 0, NULL);
        return r < 0 ? gone(r) : reply.result;
}

static ssize_t sim_read(int fd, void *buf, size_t n) {
        uint64_t want = MIN(n, (size_t)SIM_PAYLOAD_MAX);
        sim_msg reply;
        int r;

        r = sim_call(fd, SIM_OP_READ, &want, sizeof(want), &reply, buf, want, NULL);
        if (r < 0)
                return gone(r);
        if (reply.result >= 0 && (uint32_t)reply.result != reply.len)
                return -EBADMSG;
        return reply.result;
}

static ssize_t sim_write(int fd, const void *buf, size_t n) {
        size_t len = MIN(n, (size_t)SIM_PAYLOAD_MAX);
        sim_msg reply;
        int r;

        r = sim_call(fd, SIM_OP_WRITE, buf, len, &reply, NULL, 0, NULL);
        if (r < 0)
                return gone(r);
        return reply.result;
}

static ssize_t sim_pread(int fd, void *buf, size_t n, off_t offset) {
        sim_region_io io = { .offset = (uint64_t)offset, .len = n };
        sim_msg reply;
        int r;

        r = sim_call(fd, SIM_OP_PREAD, &io, sizeof(io), &reply, buf,
                     MIN(n, (size_t)SIM_PAYLOAD_MAX), NULL);
        return r < 0 ? gone(r) : reply.result;
}

static ssize_t sim_pwrite(int fd, const void *buf, size_t n, off_t offset) {
        _cleanup_free_ uint8_t *msg = NULL;
        sim_region_io io = { .offset = (uint64_t)offset, .len = MIN(n, (size_t)SIM_PAYLOAD_MAX) };
        sim_msg reply;
        int r;

        msg = malloc(sizeof(io) + io.len);
        if (!msg)
                return -ENOMEM;
        memcpy(msg, &io, sizeof(io));
        memcpy(msg + sizeof(io), buf, io.len);
        r = sim_call(fd, SIM_OP_PWRITE, msg, sizeof(io) + io.len, &reply, NULL, 0, NULL);
        return r < 0 ? gone(r) : reply.result;
}

static int sim_precopy_info(int fd, hisi_vfio_precopy_info *info) {
        sim_msg reply;
        int r;

        r = sim_call(fd, SIM_OP_PRECOPY_INFO, info, sizeof(*info), &reply, info, sizeof(*info),
                     NULL);
        return r < 0 ? gone(r) : reply.result;
}

static const hisi_migstream_ops sim_stream_ops = {
        .read = sim_read,
        .write = sim_write,
        .pread = sim_pread,
        .pwrite = sim_pwrite,
        .precopy_info = sim_precopy_info,
};

const hisi_migdev_backend hisi_migdev_backend_sim = {
        .id = HISI_BACKEND_SIM,
        .open = sim_open,
        .feature = sim_feature,
        .reset = sim_reset,
        .region_info = sim_region_info_call,
        .region_rw = sim_region_rw,
        .free_aux = NULL,
        .stream = &sim_stream_ops,
};
