/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A full listener loses the uevent and learns it (see sim-uevent-overrun.h).
 *
 * A unix socket has no error another process can set, so the overrun is a file: "<dir>/"
 * SIM_UEVENT_OVERRUN_PREFIX "<socket name>" beside the socket, holding the socket file's inode
 * number, so that a listener that binds the same name later (umockdev names sockets after their
 * fd) is not told of an older one's loss. The preload library of `hisi-accsim exec` reads it
 * from getsockopt(SO_ERROR) in the listener's process and removes it.
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"
#include "sim-proto.h"
#include "sim-uevent-overrun.h"

static uint64_t overruns;

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

/* A datagram named for a unix socket path (umockdev names it, with no length, on a socket it
 * connected to that path). */
static bool unix_datagram_to(const struct msghdr *msg) {
        const struct sockaddr_un *addr = msg ? msg->msg_name : NULL;

        return addr && addr->sun_family == AF_UNIX && addr->sun_path[0] == '/' &&
               memchr(addr->sun_path, '\0', sizeof(addr->sun_path)) && msg->msg_controllen == 0;
}

/* netlink_overrun(): the listener at path is told that it lost uevents. */
static void mark_overrun(const char *path) {
        char marker[sizeof(((struct sockaddr_un *)NULL)->sun_path) + 64], ino[32];
        const char *slash = strrchr(path, '/');
        struct stat st;
        int fd, n;

        if (!slash || stat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
                return;
        n = snprintf(marker, sizeof(marker), "%.*s/" SIM_UEVENT_OVERRUN_PREFIX "%s",
                     (int)(slash - path), path, slash + 1);
        if (n < 0 || (size_t)n >= sizeof(marker))
                return;
        n = snprintf(ino, sizeof(ino), "%llu\n", (unsigned long long)st.st_ino);
        fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return;
        (void)!write(fd, ino, (size_t)n);
        close(fd);
}

/* libumockdev's sendmsg(), and the host's own (which never meets a full socket: its sockets
 * block). */
ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
        size_t len = 0;
        ssize_t n;

        n = real_sendmsg(fd, msg, flags);
        if (n >= 0 || errno != EAGAIN || !unix_datagram_to(msg))
                return n;
        /* The listener's socket is full: the uevent is lost for it, and it will know. */
        for (size_t i = 0; i < msg->msg_iovlen; i++)
                len += msg->msg_iov[i].iov_len;
        overruns++;
        mark_overrun(((const struct sockaddr_un *)msg->msg_name)->sun_path);
        return (ssize_t)len;
}

uint64_t sim_uevent_overruns(void) {
        return overruns;
}
