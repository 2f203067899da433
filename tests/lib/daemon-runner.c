/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon harness's processes (see daemon-harness.h): the private dbus-daemon, the daemon
 * under the simulated host with its output captured line by line, and the commands a test runs
 * against them (hisi-accmigctl, busctl, hisi-accsim). Every child gets this harness's bus in
 * DBUS_SYSTEM_BUS_ADDRESS, so that two harnesses in one process never share one.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon-harness-private.h"
#include "file-util.h"
#include "macro.h"

#define ARGS_MAX 64

static void die_with_parent(void) {
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* In a child: this harness's bus as the system bus. */
static void use_bus(daemon_harness *h) {
        if (h->bus_address)
                (void)setenv("DBUS_SYSTEM_BUS_ADDRESS", h->bus_address, 1);
}

static int strv_push(char ***v, size_t *n, char *s) {
        char **p;

        if (!s)
                return -ENOMEM;
        p = realloc(*v, (*n + 1) * sizeof(char *));
        if (!p) {
                free(s);
                return -ENOMEM;
        }
        *v = p;
        (*v)[(*n)++] = s;
        return 0;
}

/* ---- Commands ---- */

/* Read everything from two fds until both end. */
static int collect(int out_fd, int err_fd, char **ret_out, char **ret_err) {
        struct {
                int fd;
                char *buf;
                size_t len;
        } s[2] = { { out_fd, NULL, 0 }, { err_fd, NULL, 0 } };
        int open = 2;

        while (open > 0) {
                struct pollfd p[2];
                int n = 0;

                for (int i = 0; i < 2; i++)
                        if (s[i].fd >= 0)
                                p[n++] = (struct pollfd){ .fd = s[i].fd, .events = POLLIN };
                if (poll(p, (nfds_t)n, DH_TIMEOUT_MS) <= 0)
                        break;
                for (int i = 0; i < 2; i++) {
                        char buf[4096], *q;
                        ssize_t k;

                        if (s[i].fd < 0)
                                continue;
                        k = read(s[i].fd, buf, sizeof(buf));
                        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (k <= 0) {
                                s[i].fd = safe_close(s[i].fd);
                                open--;
                                continue;
                        }
                        q = realloc(s[i].buf, s[i].len + (size_t)k + 1);
                        if (!q)
                                return -ENOMEM;
                        s[i].buf = q;
                        memcpy(q + s[i].len, buf, (size_t)k);
                        s[i].len += (size_t)k;
                        q[s[i].len] = '\0';
                }
        }
        for (int i = 0; i < 2; i++) {
                safe_close(s[i].fd);
                if (!s[i].buf)
                        s[i].buf = strdup("");
        }
        if (ret_out)
                *ret_out = s[0].buf;
        else
                free(s[0].buf);
        if (ret_err)
                *ret_err = s[1].buf;
        else
                free(s[1].buf);
        return 0;
}

/* Run argv (uid DH_NOBODY: through setpriv) and collect its output; its exit status. */
static int run_argv(daemon_harness *h, char **argv, uid_t uid, char **ret_out, char **ret_err) {
        char *full[ARGS_MAX + 8], reuid[32], regid[32];
        int out[2], err[2], status;
        size_t n = 0, k = 0;
        pid_t pid;

        if (uid != 0) {
                snprintf(reuid, sizeof(reuid), "--reuid=%u", (unsigned)uid);
                snprintf(regid, sizeof(regid), "--regid=%u", (unsigned)uid);
                full[n++] = (char *)"setpriv";
                full[n++] = reuid;
                full[n++] = regid;
                full[n++] = (char *)"--clear-groups";
        }
        while (argv[k] && k < ARGS_MAX)
                full[n++] = argv[k++];
        full[n] = NULL;

        if (pipe2(out, O_CLOEXEC) < 0)
                return negative_errno();
        if (pipe2(err, O_CLOEXEC) < 0) {
                close(out[0]);
                close(out[1]);
                return negative_errno();
        }
        pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                die_with_parent();
                use_bus(h);
                dup2(out[1], STDOUT_FILENO);
                dup2(err[1], STDERR_FILENO);
                execvp(full[0], full);
                fprintf(stderr, "cannot run %s: %m\n", full[0]);
                _exit(127);
        }
        close(out[1]);
        close(err[1]);
        (void)collect(out[0], err[0], ret_out, ret_err);
        if (waitpid(pid, &status, 0) < 0)
                return negative_errno();
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int vrun(daemon_harness *h, const char *prefix[], uid_t uid, char **ret_out, char **ret_err,
                va_list ap) {
        char *argv[ARGS_MAX + 1];
        size_t n = 0;
        const char *a;

        for (size_t i = 0; prefix[i] && n < ARGS_MAX; i++)
                argv[n++] = (char *)prefix[i];
        while ((a = va_arg(ap, const char *)) && n < ARGS_MAX)
                argv[n++] = (char *)a;
        argv[n] = NULL;
        return run_argv(h, argv, uid, ret_out, ret_err);
}

int dh_ctl(daemon_harness *h, uid_t uid, char **ret_out, char **ret_err, ...) {
        const char *prefix[] = { dh_ctl_binary(), NULL };
        va_list ap;
        int r;

        va_start(ap, ret_err);
        r = vrun(h, prefix, uid, ret_out, ret_err, ap);
        va_end(ap);
        return r;
}

int dh_busctl(daemon_harness *h, uid_t uid, char **ret_out, char **ret_err, ...) {
        const char *prefix[] = { "busctl", "--system", "--no-pager", NULL };
        va_list ap;
        int r;

        va_start(ap, ret_err);
        r = vrun(h, prefix, uid, ret_out, ret_err, ap);
        va_end(ap);
        return r;
}

int dh_sim_run(daemon_harness *h, char **ret_out, ...) {
        const char *prefix[] = { sim_harness_accsim(), "exec", "--dir", h->sim->dir, "--", NULL };
        va_list ap;
        int r;

        va_start(ap, ret_out);
        r = vrun(h, prefix, 0, ret_out, NULL, ap);
        va_end(ap);
        return r;
}

int dh_sim_ctl(daemon_harness *h, ...) {
        const char *prefix[] = { sim_harness_accsim(), "ctl", "--dir", h->sim->dir, NULL };
        _cleanup_free_ char *err = NULL;
        va_list ap;
        int r;

        va_start(ap, h);
        r = vrun(h, prefix, 0, NULL, &err, ap);
        va_end(ap);
        if (r != 0)
                fprintf(stderr, "daemon-harness: hisi-accsim ctl failed (%d): %s", r, err);
        return r;
}

/* ---- The private system bus ---- */

int dh_bus_start(daemon_harness *h, bool open_policy) {
        _cleanup_free_ char *conf = NULL, *text = NULL, *log = NULL, *line = NULL;
        _cleanup_close_ int fd = -EBADF;
        int pipefd[2], r;

        if (asprintf_safe(&conf, "%s/bus.conf", h->dir) < 0 ||
            asprintf_safe(&log, "%s/bus.log", h->dir) < 0)
                return -ENOMEM;
        /* The system bus's own default policy (Debian's system.conf), then ours. */
        r = asprintf_safe(
                &text,
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration "
                "1.0//EN\"\n \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                "<busconfig>\n"
                "  <type>system</type>\n"
                "  <auth>EXTERNAL</auth>\n"
                "  <listen>unix:path=%s/bus.sock</listen>\n"
                "  <policy context=\"default\">\n"
                "    <allow user=\"*\"/>\n"
                "    <deny own=\"*\"/>\n"
                "    <deny send_type=\"method_call\"/>\n"
                "    <allow send_type=\"signal\"/>\n"
                "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
                "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
                "    <allow receive_type=\"method_call\"/>\n"
                "    <allow receive_type=\"method_return\"/>\n"
                "    <allow receive_type=\"error\"/>\n"
                "    <allow receive_type=\"signal\"/>\n"
                "    <allow send_destination=\"org.freedesktop.DBus\" "
                "send_interface=\"org.freedesktop.DBus\"/>\n"
                "    <allow send_destination=\"org.freedesktop.DBus\" "
                "send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
                "    <allow send_destination=\"org.freedesktop.DBus\" "
                "send_interface=\"org.freedesktop.DBus.Properties\"/>\n"
                "    <deny send_destination=\"org.freedesktop.DBus\" "
                "send_interface=\"org.freedesktop.DBus\" "
                "send_member=\"UpdateActivationEnvironment\"/>\n"
                "  </policy>\n"
                "  <include>%s/units/com.hisilicon.AccMig1.conf</include>\n"
                "%s"
                "</busconfig>\n",
                h->dir, dh_srcdir(),
                open_policy ? "  <policy context=\"default\">\n"
                              "    <allow send_destination=\"com.hisilicon.AccMig1\"/>\n"
                              "  </policy>\n"
                            : "");
        if (r < 0)
                return r;
        fd = open(conf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return negative_errno();
        r = loop_write(fd, text, strlen(text));
        if (r < 0)
                return r;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return negative_errno();
        h->bus_pid = fork();
        if (h->bus_pid < 0)
                return negative_errno();
        if (h->bus_pid == 0) {
                _cleanup_free_ char *arg = NULL;
                die_with_parent();
                int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (logfd >= 0)
                        dup2(logfd, STDERR_FILENO);
                dup2(pipefd[1], 3);
                if (asprintf_safe(&arg, "--config-file=%s", conf) < 0)
                        _exit(127);
                execlp("dbus-daemon", "dbus-daemon", arg, "--nofork", "--print-address=3",
                       (char *)NULL);
                _exit(127);
        }
        close(pipefd[1]);
        r = read_line_timeout(pipefd[0], &line, DH_TIMEOUT_MS);
        close(pipefd[0]);
        if (r < 0) {
                fprintf(stderr, "daemon-harness: dbus-daemon did not start (%s)\n", strerror(-r));
                return r;
        }
        h->bus_address = TAKE_PTR(line);
        return 0;
}

void dh_bus_stop(daemon_harness *h) {
        if (h->bus_pid > 0) {
                (void)kill(h->bus_pid, SIGTERM);
                (void)waitpid(h->bus_pid, NULL, 0);
                h->bus_pid = 0;
        }
}

/* ---- The daemon ---- */

int dh_spawn_daemon(daemon_harness *h, char *const env[]) {
        listen_fds fds = {};
        int pipefd[2], r;

        if (access(h->config_path, F_OK) < 0) {
                r = dh_write_config(h, NULL);
                if (r < 0)
                        return r;
        }
        /* As systemd starts a service again: with what its fd store keeps. */
        r = notify_receiver_listen_fds(h->notify, &fds);
        if (r < 0)
                return r;
        if (pipe2(pipefd, O_CLOEXEC) < 0) {
                listen_fds_done(&fds);
                return negative_errno();
        }
        /* A chatty daemon must never block on a full pipe between two reads of ours. */
        (void)fcntl(pipefd[0], F_SETPIPE_SZ, 1024 * 1024);
        h->daemon_pid = fork();
        if (h->daemon_pid < 0) {
                listen_fds_done(&fds);
                return negative_errno();
        }
        if (h->daemon_pid == 0) {
                die_with_parent();
                use_bus(h);
                setenv("NOTIFY_SOCKET", notify_receiver_path(h->notify), 1);
#ifdef HISI_TEST_LIBVIRT_HELPER
                setenv("HISI_ACCMIGD_LIBVIRT_HELPER", HISI_TEST_LIBVIRT_HELPER, 1);
#endif
                for (size_t i = 0; env && env[i]; i++)
                        putenv(env[i]);
                dup2(pipefd[1], STDOUT_FILENO);
                dup2(pipefd[1], STDERR_FILENO);
                /* hisi-accsim exec keeps the pid and the fds: LISTEN_PID stays right. */
                if (listen_fds_install(&fds) < 0)
                        _exit(127);
                execl(sim_harness_accsim(), "hisi-accsim", "exec", "--dir", h->sim->dir, "--",
                      dh_daemon_binary(), "--config", h->config_path, (char *)NULL);
                _exit(127);
        }
        listen_fds_done(&fds);
        notify_receiver_set_main_pid(h->notify, h->daemon_pid);
        close(pipefd[1]);
        safe_close(h->daemon_fd);
        h->daemon_fd = pipefd[0];
        h->n_partial = 0;
        (void)fcntl(h->daemon_fd, F_SETFL, O_NONBLOCK);
        h->daemon_exited = false;
        return 0;
}

int dh_read_output(daemon_harness *h, int timeout_ms) {
        struct pollfd p = { .fd = h->daemon_fd, .events = POLLIN };
        char buf[4096];
        ssize_t k;

        if (h->daemon_fd < 0)
                return -EPIPE;
        if (poll(&p, 1, timeout_ms) <= 0)
                return -ETIMEDOUT;
        k = read(h->daemon_fd, buf, sizeof(buf));
        if (k < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : negative_errno();
        if (k == 0) {
                h->daemon_fd = safe_close(h->daemon_fd);
                return -EPIPE;
        }
        for (ssize_t i = 0; i < k; i++) {
                if (buf[i] == '\n' || h->n_partial + 1 >= sizeof(h->partial)) {
                        h->partial[h->n_partial] = '\0';
                        /* Echo it, so that a failing test's log shows the daemon's side. */
                        fprintf(stderr, "  | %s\n", h->partial);
                        (void)strv_push(&h->log, &h->n_log, strdup(h->partial));
                        h->n_partial = 0;
                        if (buf[i] == '\n')
                                continue;
                }
                h->partial[h->n_partial++] = buf[i];
        }
        return 0;
}

int dh_wait_log(daemon_harness *h, const char *s, size_t *cursor) {
        uint64_t deadline = dh_now_ms() + DH_TIMEOUT_MS;
        size_t i = cursor ? *cursor : 0;
        int r;

        for (;;) {
                for (; i < h->n_log; i++)
                        if (strstr(h->log[i], s)) {
                                if (cursor)
                                        *cursor = i + 1;
                                return 0;
                        }
                r = dh_read_output(h, dh_remaining(deadline));
                if (r == -ETIMEDOUT || r == -EPIPE) {
                        fprintf(stderr, "daemon-harness: no log line with \"%s\" (%s)\n", s,
                                strerror(-r));
                        return r;
                }
        }
}

size_t dh_count_log(daemon_harness *h, const char *s) {
        size_t n = 0;

        while (dh_read_output(h, 0) == 0)
                ;
        for (size_t i = 0; i < h->n_log; i++)
                n += strstr(h->log[i], s) != NULL;
        return n;
}

int dh_notify_message(daemon_harness *h, size_t i, char **ret) {
        return notify_receiver_message(h->notify, i, ret, NULL);
}

int dh_wait_notify(daemon_harness *h, const char *prefix, size_t *cursor, char **ret) {
        uint64_t deadline = dh_now_ms() + DH_TIMEOUT_MS;
        size_t i = cursor ? *cursor : 0;
        int r;

        for (;;) {
                size_t seen = notify_receiver_count(h->notify);

                r = notify_receiver_find(h->notify, prefix, &i, ret);
                if (r < 0)
                        return r;
                if (r > 0) {
                        if (cursor)
                                *cursor = i;
                        return 0;
                }
                (void)notify_receiver_wait(h->notify, seen, 200);
                /* Keep the daemon's output flowing, and notice when it ends. */
                if (dh_read_output(h, 0) == -EPIPE) {
                        /* What it sent before it ended is in the socket: take it all. */
                        notify_receiver_sync(h->notify);
                        r = notify_receiver_find(h->notify, prefix, &i, ret);
                        if (r < 0)
                                return r;
                        if (r > 0) {
                                if (cursor)
                                        *cursor = i;
                                return 0;
                        }
                        fprintf(stderr, "daemon-harness: the daemon ended before %s\n", prefix);
                        return -EPIPE;
                }
                if (dh_remaining(deadline) == 0) {
                        fprintf(stderr, "daemon-harness: no notify message %s\n", prefix);
                        return -ETIMEDOUT;
                }
        }
}

int dh_wait_exit(daemon_harness *h) {
        uint64_t deadline = dh_now_ms() + DH_TIMEOUT_MS;
        int status;

        if (h->daemon_exited)
                return h->daemon_status;
        /* The pipe ends when the daemon (and any helper it started) is gone. */
        while (h->daemon_fd >= 0 && dh_remaining(deadline) > 0)
                (void)dh_read_output(h, dh_remaining(deadline));
        if (h->daemon_fd >= 0) {
                fprintf(stderr, "daemon-harness: the daemon did not exit; killing it\n");
                (void)kill(h->daemon_pid, SIGKILL);
        }
        if (waitpid(h->daemon_pid, &status, 0) < 0)
                return negative_errno();
        /* Its last messages (STOPPING=1, FDSTORE=1) before its exit, as systemd does. */
        notify_receiver_sync(h->notify);
        h->daemon_exited = true;
        h->daemon_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return h->daemon_status;
}

int dh_signal_daemon(daemon_harness *h, int sig) {
        return kill(h->daemon_pid, sig) < 0 ? negative_errno() : 0;
}

int dh_stop_daemon(daemon_harness *h) {
        if (!h->daemon_exited)
                (void)kill(h->daemon_pid, SIGTERM);
        return dh_wait_exit(h);
}
