/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The raw baseline of `tools/dev bench`: the device operations of one VF's switchover with one
 * plain TCP round trip and no protocol, between two simulated hosts. Run under each host's
 * `hisi-accsim exec`:
 *
 *   bench-raw receive PORT VF       the destination: RESUMING, take the bytes, load, run, ack
 *   bench-raw send HOST PORT VF N   the source: N times stop (STOP_COPY), read to EOF, send,
 *                                   wait for the ack, run again; prints each downtime in µs
 *
 * The downtime is what the daemon reports for a migration: from the source's stop to the
 * destination's "running" answer.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "file-util.h"
#include "hisi/ctx.h"
#include "hisi/migdev.h"
#include "hisi/state-image.h"
#include "macro.h"
#include "parse-util.h"
#include "time-util.h"

static int die(const char *what, int r) {
        fprintf(stderr, "bench-raw: %s: %s\n", what, strerror(r < 0 ? -r : r));
        exit(1);
}

static void xwrite(int fd, const void *p, size_t n) {
        int r = loop_write(fd, p, n);
        if (r < 0)
                die("send", r);
}

static void xread(int fd, void *p, size_t n) {
        ssize_t k = loop_read(fd, p, n);
        if (k != (ssize_t)n)
                die("receive", k < 0 ? (int)k : -EPIPE);
}

/* The VF's migration device; *ret_ctx is its context, to free after the device. */
static hisi_migdev *open_vf(const char *vf, hisi_ctx **ret_ctx) {
        hisi_migdev *d = NULL;
        int r = hisi_ctx_new(NULL, ret_ctx);

        if (r >= 0)
                r = hisi_migdev_open(*ret_ctx, HISI_BACKEND_SIM, vf, &d);
        if (r < 0)
                die(vf, r);
        return d;
}

static int receive(uint16_t port, const char *vf) {
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_port = htons(port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        _cleanup_(hisi_ctx_freep) hisi_ctx *ctx = NULL;
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = open_vf(vf, &ctx);
        int l, c, one = 1;

        l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        (void)setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 1) < 0)
                die("listen", -errno);
        printf("listening\n");
        fflush(stdout);
        c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
                die("accept", -errno);
        (void)setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        for (;;) {
                _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
                uint8_t buf[HISI_STATE_IMAGE_SIZE];
                uint32_t len;
                int r;

                /* Ready before the source stops, as a destination is after its precopy. */
                r = hisi_migdev_set_state(d, HISI_MIG_STATE_RESUMING, NULL, &s);
                if (r < 0)
                        die("-> RESUMING", r);
                if (loop_read(c, &len, sizeof(len)) != sizeof(len)) {
                        close(c);
                        close(l);
                        return 0; /* the source is done */
                }
                if (len > sizeof(buf))
                        die("length", -EMSGSIZE);
                xread(c, buf, len);
                if (hisi_migstream_write(s, buf, len) != (ssize_t)len)
                        die("write", -EIO);
                s = hisi_migstream_close(s);
                r = hisi_migdev_set_state(d, HISI_MIG_STATE_STOP, NULL, NULL);
                if (r >= 0)
                        r = hisi_migdev_set_state(d, HISI_MIG_STATE_RUNNING, NULL, NULL);
                if (r < 0)
                        die("load and run", r);
                xwrite(c, "k", 1);
        }
}

static int send_state(const char *host, uint16_t port, const char *vf, unsigned n) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
        _cleanup_(hisi_ctx_freep) hisi_ctx *ctx = NULL;
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = open_vf(vf, &ctx);
        int c, one = 1;

        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
                die("address", -EINVAL);
        c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                die("connect", -errno);
        (void)setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        for (unsigned i = 0; i < n; i++) {
                _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
                uint8_t buf[HISI_STATE_IMAGE_SIZE];
                uint32_t len = 0;
                uint64_t t0, t1;
                ssize_t k;
                char ack;
                int r;

                t0 = now_usec(CLOCK_MONOTONIC);
                r = hisi_migdev_set_state(d, HISI_MIG_STATE_STOP_COPY, NULL, &s);
                if (r < 0)
                        die("-> STOP_COPY", r);
                while ((k = hisi_migstream_read(s, buf + len, sizeof(buf) - len)) > 0)
                        len += (uint32_t)k;
                if (k < 0)
                        die("read", (int)k);
                xwrite(c, &len, sizeof(len));
                xwrite(c, buf, len);
                xread(c, &ack, 1);
                t1 = now_usec(CLOCK_MONOTONIC);
                printf("%" PRIu64 "\n", t1 - t0);
                s = hisi_migstream_close(s);
                r = hisi_migdev_set_state(d, HISI_MIG_STATE_RUNNING, NULL, NULL);
                if (r < 0)
                        die("-> RUNNING", r);
        }
        close(c);
        return 0;
}

int main(int argc, char *argv[]) {
        uint16_t port;
        uint32_t n;

        if (argc == 4 && streq(argv[1], "receive") && safe_atou16(argv[2], &port) >= 0)
                return receive(port, argv[3]);
        if (argc == 6 && streq(argv[1], "send") && safe_atou16(argv[3], &port) >= 0 &&
            safe_atou32(argv[5], &n) >= 0)
                return send_state(argv[2], port, argv[4], n);
        fprintf(stderr, "usage: bench-raw receive PORT VF | send HOST PORT VF N\n");
        return 2;
}
