/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The service manager's notify socket for `tools/dev bench`: runs a command with NOTIFY_SOCKET
 * set to a datagram socket of its own and appends every message that comes to LOG, one a line,
 * with the µs since the command was started:
 *
 *   bench-notify LOG -- COMMAND [ARGS...]
 *
 *   12345 READY=1 STATUS=Watching: ...
 *   30012345 WATCHDOG=1
 *
 * (the lines of a message joined with spaces). The bench reads start to READY=1 from it, and
 * counts the WATCHDOG=1 pings of an idle window. Exits with the command's status once the
 * command has exited; SIGTERM and SIGINT go on to the command. Fds that come with a message are not
 * kept (recv() drops them).
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "time-util.h"

#define MESSAGE_MAX 4096

static volatile sig_atomic_t child_exited;
static volatile pid_t child;

static void on_sigchld(int sig) {
        child_exited = 1;
}

/* Stopped as the service manager stops a service: the command gets the signal. */
static void on_stop(int sig) {
        if (child > 0)
                (void)kill(child, sig);
}

int main(int argc, char *argv[]) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char dir[] = "/tmp/hisi-bench-notify.XXXXXX";
        struct sigaction act = { .sa_handler = on_sigchld, .sa_flags = SA_NOCLDSTOP };
        struct sigaction stop = { .sa_handler = on_stop };
        uint64_t t0;
        int fd, status = 0;
        FILE *log;
        pid_t pid;

        if (argc < 4 || !streq(argv[2], "--")) {
                fprintf(stderr, "usage: bench-notify LOG -- COMMAND [ARGS...]\n");
                return 2;
        }
        log = fopen(argv[1], "ae");
        if (!log) {
                perror("bench-notify: LOG");
                return 1;
        }
        if (!mkdtemp(dir)) {
                perror("bench-notify: mkdtemp");
                return 1;
        }
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", dir);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                perror("bench-notify: socket");
                return 1;
        }
        (void)sigaction(SIGCHLD, &act, NULL);
        t0 = now_usec(CLOCK_MONOTONIC);
        pid = fork();
        if (pid < 0) {
                perror("bench-notify: fork");
                return 1;
        }
        if (pid == 0) {
                (void)setenv("NOTIFY_SOCKET", sa.sun_path, 1);
                execvp(argv[3], argv + 3);
                perror("bench-notify: exec");
                _exit(127);
        }
        child = pid;
        (void)sigaction(SIGTERM, &stop, NULL);
        (void)sigaction(SIGINT, &stop, NULL);
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                char buf[MESSAGE_MAX + 1];
                ssize_t n;

                /* Once the command is gone, take what it sent before, then stop. */
                if (poll(&p, 1, child_exited ? 0 : 1000) < 0 && errno != EINTR)
                        break;
                if (!(p.revents & POLLIN)) {
                        if (child_exited)
                                break;
                        continue;
                }
                n = recv(fd, buf, MESSAGE_MAX, MSG_DONTWAIT);
                if (n <= 0)
                        continue;
                buf[n] = '\0';
                while (n > 0 && buf[n - 1] == '\n')
                        buf[--n] = '\0';
                for (char *c = buf; *c; c++)
                        if (*c == '\n')
                                *c = ' ';
                fprintf(log, "%" PRIu64 " %s\n", now_usec(CLOCK_MONOTONIC) - t0, buf);
                fflush(log);
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        close(fd);
        fclose(log);
        (void)unlink(sa.sun_path);
        (void)rmdir(dir);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
