/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Framing of the simulator protocol over SOCK_SEQPACKET with fd passing (see sim-proto.h). */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "macro.h"
#include "sim-proto.h"

int sim_msg_send(int sock, uint32_t op, int32_t result, const void *payload, size_t len, int fd) {
        return sim_msg_send_tagged(sock, op, 0, result, payload, len, fd);
}

int sim_msg_send_tagged(int sock, uint32_t op, uint32_t tag, int32_t result, const void *payload,
                        size_t len, int fd) {
        sim_msg hdr = {
                .op = op,
                .result = result,
                .len = (uint32_t)len,
                .version = SIM_PROTO_VERSION,
                .tag = tag,
        };
        struct iovec iov[2] = {
                { .iov_base = &hdr, .iov_len = sizeof(hdr) },
                { .iov_base = (void *)payload, .iov_len = len },
        };
        union {
                struct cmsghdr cmsg;
                uint8_t buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = {
                .msg_iov = iov,
                .msg_iovlen = len > 0 ? 2 : 1,
        };
        ssize_t n;

        if (len > SIM_PAYLOAD_MAX + sizeof(sim_region_io) || (len > 0 && !payload))
                return -EINVAL;
        if (fd >= 0) {
                struct cmsghdr *c;
                mh.msg_control = &control;
                mh.msg_controllen = sizeof(control.buf);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        do
                n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        if ((size_t)n != sizeof(hdr) + len)
                return -EIO;
        return 0;
}

int sim_msg_recv(int sock, sim_msg *ret_msg, void *payload, size_t payload_max, int *ret_fd) {
        sim_msg hdr;
        struct iovec iov[2] = {
                { .iov_base = &hdr, .iov_len = sizeof(hdr) },
                { .iov_base = payload, .iov_len = payload_max },
        };
        union {
                struct cmsghdr cmsg;
                uint8_t buf[CMSG_SPACE(sizeof(int) * 4)];
        } control = {};
        struct msghdr mh = {
                .msg_iov = iov,
                .msg_iovlen = payload_max > 0 ? 2 : 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control.buf),
        };
        int fd = -EBADF, r = 0;
        ssize_t n;

        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();

        /* Take every passed fd first, so that none leaks whatever the verdict. */
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < nfds; i++) {
                        int f;
                        memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        if (fd < 0 && i == 0)
                                fd = f;
                        else {
                                safe_close(f);
                                r = -EBADMSG; /* one fd per message at most */
                        }
                }
        }

        if (n == 0)
                r = -ECONNRESET;
        else if ((size_t)n < sizeof(hdr) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
                 hdr.version != SIM_PROTO_VERSION || hdr.len != (size_t)n - sizeof(hdr))
                r = -EBADMSG;
        if (r < 0) {
                safe_close(fd);
                return r;
        }

        *ret_msg = hdr;
        if (ret_fd)
                *ret_fd = fd;
        else
                safe_close(fd);
        return 0;
}

int sim_call(int sock, uint32_t op, const void *payload, size_t len, sim_msg *ret_reply,
             void *reply_payload, size_t reply_max, int *ret_fd) {
        static uint32_t last_tag;
        uint32_t tag = __atomic_add_fetch(&last_tag, 1, __ATOMIC_RELAXED);
        sim_msg reply;
        int r, fd = -EBADF;

        r = sim_msg_send_tagged(sock, op, tag, 0, payload, len, -EBADF);
        if (r < 0)
                return r;
        for (;;) {
                r = sim_msg_recv(sock, &reply, reply_payload, reply_max, &fd);
                if (r < 0)
                        return r;
                if (reply.tag == tag)
                        break;
                safe_close(fd); /* the answer to a call whose caller is gone */
                fd = -EBADF;
        }
        if (reply.op != op) {
                safe_close(fd);
                return -EBADMSG;
        }
        *ret_reply = reply;
        if (ret_fd)
                *ret_fd = fd;
        else
                safe_close(fd);
        return 0;
}
