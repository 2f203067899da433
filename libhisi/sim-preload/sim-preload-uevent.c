/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The preload's part of a lost uevent: the simulated kernel dropped a uevent for a listener
 * whose socket was full and left the overrun beside that socket (sim-proto.h,
 * SIM_UEVENT_OVERRUN_PREFIX); a kernel would have set the socket's error to ENOBUFS
 * (netlink_overrun()). getsockopt(SO_ERROR) on the listener's socket reports that error once,
 * as the kernel's does, and the overrun is forgotten.
 *
 * The kernel reports it from the next recvmsg() too. Not here: sd-device (systemd 252) reads
 * past that error without telling its caller, so a listener that wants to know asks SO_ERROR
 * (the daemon's device-monitor.c does), and an error recvmsg() swallowed would be lost to it.
 */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim-proto.h"

#define EXPORT __attribute__((visibility("default")))

typedef int (*getsockopt_t)(int, int, int, void *, socklen_t *);

/* umockdev names a listener's socket "<dir>/event<N>". */
static bool uevent_socket_name(const char *name) {
        if (strncmp(name, "event", 5) != 0 || !name[5])
                return false;
        for (const char *p = name + 5; *p; p++)
                if (*p < '0' || *p > '9')
                        return false;
        return true;
}

/* fd is a listener's socket with an overrun left for it: take it (true once). */
static bool take_overrun(int fd) {
        struct sockaddr_un sa = {};
        socklen_t len = sizeof(sa);
        char marker[sizeof(sa.sun_path) + 64], buf[32];
        const char *slash;
        struct stat st;
        ssize_t n;
        int mfd;

        /* The raw call: umockdev's preload shows a netlink address for its sockets. */
        if (!getenv("UMOCKDEV_DIR") ||
            syscall(SYS_getsockname, fd, (struct sockaddr *)&sa, &len) < 0 ||
            sa.sun_family != AF_UNIX || len <= offsetof(struct sockaddr_un, sun_path) ||
            sa.sun_path[0] != '/')
                return false;
        sa.sun_path[sizeof(sa.sun_path) - 1] = '\0';
        slash = strrchr(sa.sun_path, '/');
        if (!uevent_socket_name(slash + 1))
                return false;
        if (snprintf(marker, sizeof(marker), "%.*s/" SIM_UEVENT_OVERRUN_PREFIX "%s",
                     (int)(slash - sa.sun_path), sa.sun_path, slash + 1) >= (int)sizeof(marker))
                return false;
        mfd = open(marker, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (mfd < 0)
                return false;
        n = read(mfd, buf, sizeof(buf) - 1);
        close(mfd);
        (void)unlink(marker);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        /* Meant for this socket, not for an earlier one of the same name. */
        return stat(sa.sun_path, &st) >= 0 &&
               strtoull(buf, NULL, 10) == (unsigned long long)st.st_ino;
}

EXPORT int getsockopt(int fd, int level, int name, void *value, socklen_t *len) {
        static getsockopt_t next;
        int r;

        if (!next)
                next = (getsockopt_t)dlsym(RTLD_NEXT, "getsockopt");
        if (!next) {
                errno = ENOSYS;
                return -1;
        }
        r = next(fd, level, name, value, len);
        if (r < 0 || level != SOL_SOCKET || name != SO_ERROR || !value || !len ||
            *len < sizeof(int) || *(int *)value != 0)
                return r;
        if (take_overrun(fd))
                *(int *)value = ENOBUFS;
        return r;
}
