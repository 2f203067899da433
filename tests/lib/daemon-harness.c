/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Integration test harness for hisi-accmigd (see daemon-harness.h). */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "macro.h"

#define ARGS_MAX 64

bool dh_can_run(void) {
        if (geteuid() == 0)
                return true;
        fprintf(stderr, "skipped: the daemon's integration tests run as root (its D-Bus policy "
                        "lets only root change bindings, and they switch to nobody)\n");
        return false;
}

const char *dh_srcdir(void) {
        return HISI_TEST_SRCDIR "/..";
}

const char *dh_daemon_binary(void) {
        return HISI_TEST_DAEMON;
}

const char *dh_ctl_binary(void) {
        return HISI_TEST_CTL;
}

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int remaining(uint64_t deadline) {
        uint64_t n = now_ms();
        return n >= deadline ? 0 : (int)(deadline - n);
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

static void rm_rf(const char *dir) {
        _cleanup_free_ char *cmd = NULL;

        if (dir && asprintf_safe(&cmd, "rm -rf '%s'", dir) >= 0)
                (void)!system(cmd);
}

/* A test that fails exits at once (check's fork mode): whatever it started must not outlive it.
 * The children die with it (PR_SET_PDEATHSIG); the simulated host and the directory go through
 * an exit handler. */
#define LIVE_MAX 8
static daemon_harness *live[LIVE_MAX];

static void cleanup_at_exit(void) {
        for (size_t i = 0; i < LIVE_MAX; i++)
                if (live[i]) {
                        daemon_harness *h = live[i];
                        live[i] = NULL;
                        if (h->daemon_pid > 0 && !h->daemon_exited)
                                (void)kill(h->daemon_pid, SIGKILL);
                        sim_harness_kill(h->sim);
                        h->sim = NULL;
                        if (h->bus_pid > 0)
                                (void)kill(h->bus_pid, SIGKILL);
                        rm_rf(h->dir);
                }
}

static void track(daemon_harness *h, bool add) {
        static bool registered;

        if (add && !registered) {
                (void)atexit(cleanup_at_exit);
                registered = true;
        }
        for (size_t i = 0; i < LIVE_MAX; i++)
                if (add ? !live[i] : live[i] == h) {
                        live[i] = add ? h : NULL;
                        return;
                }
}

static void die_with_parent(void) {
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* ---- Processes ---- */

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
static int run_argv(char **argv, uid_t uid, char **ret_out, char **ret_err) {
        char *full[ARGS_MAX + 8];
        int out[2], err[2], status;
        size_t n = 0, k = 0;
        pid_t pid;

        if (uid != 0) {
                static char reuid[32], regid[32];
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

static int vrun(const char *prefix[], uid_t uid, char **ret_out, char **ret_err, va_list ap) {
        char *argv[ARGS_MAX + 1];
        size_t n = 0;
        const char *a;

        for (size_t i = 0; prefix[i] && n < ARGS_MAX; i++)
                argv[n++] = (char *)prefix[i];
        while ((a = va_arg(ap, const char *)) && n < ARGS_MAX)
                argv[n++] = (char *)a;
        argv[n] = NULL;
        return run_argv(argv, uid, ret_out, ret_err);
}

int dh_ctl(daemon_harness *h, uid_t uid, char **ret_out, char **ret_err, ...) {
        const char *prefix[] = { dh_ctl_binary(), NULL };
        va_list ap;
        int r;

        va_start(ap, ret_err);
        r = vrun(prefix, uid, ret_out, ret_err, ap);
        va_end(ap);
        return r;
}

int dh_busctl(daemon_harness *h, uid_t uid, char **ret_out, char **ret_err, ...) {
        const char *prefix[] = { "busctl", "--system", "--no-pager", NULL };
        va_list ap;
        int r;

        va_start(ap, ret_err);
        r = vrun(prefix, uid, ret_out, ret_err, ap);
        va_end(ap);
        return r;
}

int dh_sim_run(daemon_harness *h, char **ret_out, ...) {
        const char *prefix[] = { sim_harness_accsim(), "exec", "--dir", h->sim->dir, "--", NULL };
        va_list ap;
        int r;

        va_start(ap, ret_out);
        r = vrun(prefix, 0, ret_out, NULL, ap);
        va_end(ap);
        return r;
}

int dh_sim_ctl(daemon_harness *h, ...) {
        const char *prefix[] = { sim_harness_accsim(), "ctl", "--dir", h->sim->dir, NULL };
        _cleanup_free_ char *err = NULL;
        va_list ap;
        int r;

        va_start(ap, h);
        r = vrun(prefix, 0, NULL, &err, ap);
        va_end(ap);
        if (r != 0)
                fprintf(stderr, "daemon-harness: hisi-accsim ctl failed (%d): %s", r, err);
        return r;
}

int dh_sim_field(daemon_harness *h, const char *address, const char *field, char **ret) {
        return sim_harness_vf_field(h->sim, address, field, ret);
}

/* ---- The bus and the host ---- */

static int start_bus(daemon_harness *h, bool open_policy) {
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
        return setenv("DBUS_SYSTEM_BUS_ADDRESS", h->bus_address, 1) < 0 ? negative_errno() : 0;
}

/* The service manager's side of the notify socket: read every message at once, as systemd
 * does. A daemon whose datagrams nobody reads blocks in sd_notify() once the socket's queue
 * (net.unix.max_dgram_qlen, 10 here) is full, so a thread reads them whatever the test does. */
static void *notify_reader(void *userdata) {
        daemon_harness *h = userdata;

        while (!__atomic_load_n(&h->notify_stop, __ATOMIC_ACQUIRE)) {
                struct pollfd p = { .fd = h->notify_fd, .events = POLLIN };
                char buf[4096];
                ssize_t k;

                if (poll(&p, 1, 100) <= 0)
                        continue;
                k = recv(h->notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
                if (k <= 0)
                        continue;
                buf[k] = '\0';
                pthread_mutex_lock(&h->notify_lock);
                (void)strv_push(&h->notify_log, &h->n_notify, strdup(buf));
                pthread_cond_broadcast(&h->notify_cond);
                pthread_mutex_unlock(&h->notify_lock);
        }
        return NULL;
}

static int open_notify(daemon_harness *h) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (asprintf_safe(&h->notify_path, "%s/notify.sock", h->dir) < 0)
                return -ENOMEM;
        if (strlen(h->notify_path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, h->notify_path);
        h->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (h->notify_fd < 0)
                return negative_errno();
        if (bind(h->notify_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return negative_errno();
        pthread_mutex_init(&h->notify_lock, NULL);
        pthread_cond_init(&h->notify_cond, NULL);
        if (pthread_create(&h->notify_thread, NULL, notify_reader, h) != 0)
                return -EAGAIN;
        h->notify_running = true;
        return 0;
}

int dh_new(const char *sim_config, daemon_harness **ret) {
        return dh_new_full(sim_config, false, ret);
}

int dh_new_full(const char *sim_config, bool open_policy, daemon_harness **ret) {
        char tmpl[] = "/tmp/hisi-dh.XXXXXX";
        daemon_harness *h;
        int r;

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->notify_fd = h->daemon_fd = -EBADF;
        track(h, true);
        if (!mkdtemp(tmpl)) {
                free(h);
                return negative_errno();
        }
        h->dir = strdup(tmpl);
        if (!h->dir) {
                dh_free(h);
                return -ENOMEM;
        }
        /* nobody must reach the bus socket in it. */
        if (chmod(h->dir, 0755) < 0 ||
            asprintf_safe(&h->config_path, "%s/hisi-accmigd.json", h->dir) < 0) {
                dh_free(h);
                return -EIO;
        }
        r = start_bus(h, open_policy);
        if (r >= 0)
                r = open_notify(h);
        if (r >= 0)
                r = sim_harness_start(sim_config, &h->sim);
        if (r < 0) {
                dh_free(h);
                return r;
        }
        *ret = h;
        return 0;
}

void dh_free(daemon_harness *h) {
        if (!h)
                return;
        track(h, false);
        if (h->daemon_pid > 0 && !h->daemon_exited) {
                (void)kill(h->daemon_pid, SIGKILL);
                (void)waitpid(h->daemon_pid, NULL, 0);
        }
        sd_bus_flush_close_unref(h->bus);
        if (h->notify_running) {
                __atomic_store_n(&h->notify_stop, true, __ATOMIC_RELEASE);
                pthread_join(h->notify_thread, NULL);
        }
        sim_harness_stop(h->sim);
        if (h->bus_pid > 0) {
                (void)kill(h->bus_pid, SIGTERM);
                (void)waitpid(h->bus_pid, NULL, 0);
        }
        safe_close(h->notify_fd);
        safe_close(h->daemon_fd);
        rm_rf(h->dir);
        for (size_t i = 0; i < h->n_notify; i++)
                free(h->notify_log[i]);
        free(h->notify_log);
        for (size_t i = 0; i < h->n_log; i++)
                free(h->log[i]);
        free(h->log);
        for (size_t i = 0; i < h->n_signals; i++) {
                free(h->signals[i].member);
                free(h->signals[i].path);
                free(h->signals[i].detail);
        }
        free(h->signals);
        free(h->dir);
        free(h->bus_address);
        free(h->config_path);
        free(h->notify_path);
        free(h);
}

/* ---- The daemon ---- */

/* The daemon's last line, until its newline comes. One daemon per test process at a time. */
static char partial[8192];
static size_t n_partial;

int dh_write_config_raw(daemon_harness *h, const char *text) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        /* Atomically, so that a reload never reads half a file. */
        if (asprintf_safe(&tmp, "%s.tmp", h->config_path) < 0)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return negative_errno();
        r = loop_write(fd, text, strlen(text));
        if (r < 0)
                return r;
        return rename(tmp, h->config_path) < 0 ? negative_errno() : 0;
}

int dh_write_config(daemon_harness *h, const char *config) {
        _cleanup_free_ char *text = NULL;
        bool libvirt = config && strstr(config, "\"libvirt\"");

        if (asprintf_safe(&text,
                          "{\n  \"backend\": \"sim\",\n  \"runtime_directory\": \"%s/run\",\n"
                          "%s%s%s\n}\n",
                          h->dir, libvirt ? "" : "  \"libvirt\": { \"enabled\": false }",
                          config && config[0] && !libvirt ? ",\n  " : "  ",
                          config ? config : "") < 0)
                return -ENOMEM;
        return dh_write_config_raw(h, text);
}

int dh_spawn_daemon(daemon_harness *h, char *const env[]) {
        int pipefd[2];

        if (access(h->config_path, F_OK) < 0) {
                int r = dh_write_config(h, NULL);
                if (r < 0)
                        return r;
        }
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return negative_errno();
        /* A chatty daemon must never block on a full pipe between two reads of ours. */
        (void)fcntl(pipefd[0], F_SETPIPE_SZ, 1024 * 1024);
        h->daemon_pid = fork();
        if (h->daemon_pid < 0)
                return negative_errno();
        if (h->daemon_pid == 0) {
                die_with_parent();
                setenv("NOTIFY_SOCKET", h->notify_path, 1);
#ifdef HISI_TEST_LIBVIRT_HELPER
                setenv("HISI_ACCMIGD_LIBVIRT_HELPER", HISI_TEST_LIBVIRT_HELPER, 1);
#endif
                for (size_t i = 0; env && env[i]; i++)
                        putenv(env[i]);
                dup2(pipefd[1], STDOUT_FILENO);
                dup2(pipefd[1], STDERR_FILENO);
                execl(sim_harness_accsim(), "hisi-accsim", "exec", "--dir", h->sim->dir, "--",
                      dh_daemon_binary(), "--config", h->config_path, (char *)NULL);
                _exit(127);
        }
        close(pipefd[1]);
        safe_close(h->daemon_fd);
        h->daemon_fd = pipefd[0];
        n_partial = 0;
        (void)fcntl(h->daemon_fd, F_SETFL, O_NONBLOCK);
        h->daemon_exited = false;
        return 0;
}

/* Read what the daemon printed so far, waiting up to timeout_ms for something; -EPIPE at its
 * end. */

static int read_daemon(daemon_harness *h, int timeout_ms) {
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
                if (buf[i] == '\n' || n_partial + 1 >= sizeof(partial)) {
                        partial[n_partial] = '\0';
                        /* Echo it, so that a failing test's log shows the daemon's side. */
                        fprintf(stderr, "  | %s\n", partial);
                        (void)strv_push(&h->log, &h->n_log, strdup(partial));
                        n_partial = 0;
                        if (buf[i] == '\n')
                                continue;
                }
                partial[n_partial++] = buf[i];
        }
        return 0;
}

int dh_wait_log(daemon_harness *h, const char *s, size_t *cursor) {
        uint64_t deadline = now_ms() + DH_TIMEOUT_MS;
        size_t i = cursor ? *cursor : 0;
        int r;

        for (;;) {
                for (; i < h->n_log; i++)
                        if (strstr(h->log[i], s)) {
                                if (cursor)
                                        *cursor = i + 1;
                                return 0;
                        }
                r = read_daemon(h, remaining(deadline));
                if (r == -ETIMEDOUT || r == -EPIPE) {
                        fprintf(stderr, "daemon-harness: no log line with \"%s\" (%s)\n", s,
                                strerror(-r));
                        return r;
                }
        }
}

size_t dh_count_log(daemon_harness *h, const char *s) {
        size_t n = 0;

        while (read_daemon(h, 0) == 0)
                ;
        for (size_t i = 0; i < h->n_log; i++)
                n += strstr(h->log[i], s) != NULL;
        return n;
}

/* A notify message with a line that starts with prefix, from index *i on; under the lock. */
static bool find_notify(daemon_harness *h, const char *prefix, size_t *i, char **ret) {
        size_t n = strlen(prefix);

        for (; *i < h->n_notify; (*i)++) {
                const char *m = h->notify_log[*i];
                for (const char *l = m; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                        if (strncmp(l, prefix, n) == 0) {
                                if (ret)
                                        *ret = strdup(m);
                                (*i)++;
                                return true;
                        }
        }
        return false;
}

int dh_wait_notify(daemon_harness *h, const char *prefix, size_t *cursor, char **ret) {
        uint64_t deadline = now_ms() + DH_TIMEOUT_MS;
        size_t i = cursor ? *cursor : 0;

        for (;;) {
                struct timespec ts;
                bool found;

                pthread_mutex_lock(&h->notify_lock);
                found = find_notify(h, prefix, &i, ret);
                if (!found) {
                        clock_gettime(CLOCK_REALTIME, &ts);
                        ts.tv_nsec += 200 * 1000000L;
                        if (ts.tv_nsec >= 1000000000L) {
                                ts.tv_sec++;
                                ts.tv_nsec -= 1000000000L;
                        }
                        (void)pthread_cond_timedwait(&h->notify_cond, &h->notify_lock, &ts);
                        found = find_notify(h, prefix, &i, ret);
                }
                pthread_mutex_unlock(&h->notify_lock);
                if (found) {
                        if (cursor)
                                *cursor = i;
                        return 0;
                }
                /* Keep the daemon's output flowing, and notice when it ends. */
                if (read_daemon(h, 0) == -EPIPE) {
                        pthread_mutex_lock(&h->notify_lock);
                        found = find_notify(h, prefix, &i, ret);
                        pthread_mutex_unlock(&h->notify_lock);
                        if (found) {
                                if (cursor)
                                        *cursor = i;
                                return 0;
                        }
                        fprintf(stderr, "daemon-harness: the daemon ended before %s\n", prefix);
                        return -EPIPE;
                }
                if (remaining(deadline) == 0) {
                        fprintf(stderr, "daemon-harness: no notify message %s\n", prefix);
                        return -ETIMEDOUT;
                }
        }
}

int dh_wait_exit(daemon_harness *h) {
        uint64_t deadline = now_ms() + DH_TIMEOUT_MS;
        int status;

        if (h->daemon_exited)
                return h->daemon_status;
        /* The pipe ends when the daemon (and any helper it started) is gone. */
        while (h->daemon_fd >= 0 && remaining(deadline) > 0)
                (void)read_daemon(h, remaining(deadline));
        if (h->daemon_fd >= 0) {
                fprintf(stderr, "daemon-harness: the daemon did not exit; killing it\n");
                (void)kill(h->daemon_pid, SIGKILL);
        }
        if (waitpid(h->daemon_pid, &status, 0) < 0)
                return negative_errno();
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

/* ---- The test's bus connection ---- */

static void append_detail(FILE *f, sd_bus_message *m) {
        const char *contents, *name;
        char type;

        if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                if (sd_bus_message_read(m, "s", &name) < 0 ||
                    sd_bus_message_peek_type(m, &type, &contents) < 0)
                        return;
                if (sd_bus_message_enter_container(m, 'v', contents) < 0)
                        return;
                fprintf(f, "%s=", name);
                switch (contents[0]) {
                case 's':
                case 'o': {
                        const char *s;
                        if (sd_bus_message_read_basic(m, contents[0], &s) >= 0)
                                fputs(s, f);
                        break;
                }
                case 'b': {
                        int b;
                        if (sd_bus_message_read_basic(m, 'b', &b) >= 0)
                                fputs(b ? "true" : "false", f);
                        break;
                }
                case 'u': {
                        uint32_t u;
                        if (sd_bus_message_read_basic(m, 'u', &u) >= 0)
                                fprintf(f, "%u", u);
                        break;
                }
                case 'i': {
                        int32_t i;
                        if (sd_bus_message_read_basic(m, 'i', &i) >= 0)
                                fprintf(f, "%d", i);
                        break;
                }
                default:
                        (void)sd_bus_message_skip(m, contents);
                        fputs("?", f);
                }
                fputs(" ", f);
                (void)sd_bus_message_exit_container(m);
                (void)sd_bus_message_exit_container(m);
        }
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        daemon_harness *h = userdata;
        const char *member = sd_bus_message_get_member(m);
        const char *path = sd_bus_message_get_path(m);
        char *detail = NULL;
        size_t size = 0;
        dh_signal *n;
        FILE *f;

        if (!member || !path)
                return 0;
        f = open_memstream(&detail, &size);
        if (!f)
                return 0;
        fputs(" ", f);
        if (streq(member, "PropertiesChanged")) {
                const char *iface;
                if (sd_bus_message_read(m, "s", &iface) >= 0) {
                        fprintf(f, "%s ", iface);
                        append_detail(f, m);
                }
        } else if (streq(member, "InterfacesAdded") || streq(member, "InterfacesRemoved")) {
                const char *object;
                if (sd_bus_message_read(m, "o", &object) >= 0)
                        path = object;
        }
        fclose(f);
        n = realloc(h->signals, (h->n_signals + 1) * sizeof(*n));
        if (!n) {
                free(detail);
                return 0;
        }
        h->signals = n;
        h->signals[h->n_signals++] = (dh_signal){
                .member = strdup(member),
                .path = strdup(path),
                .detail = detail,
        };
        return 0;
}

int dh_connect(daemon_harness *h) {
        int r;

        if (h->bus)
                return 0;
        r = sd_bus_open_system(&h->bus);
        if (r < 0)
                return r;
        r = sd_bus_match_signal(h->bus, NULL, ACCMIG_BUS_NAME, NULL, NULL, NULL, on_signal, h);
        return r < 0 ? r : 0;
}

int dh_pump(daemon_harness *h, int timeout_ms) {
        uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
        size_t before = h->n_signals;
        int r;

        for (;;) {
                do
                        r = sd_bus_process(h->bus, NULL);
                while (r > 0);
                if (r < 0)
                        return r;
                (void)read_daemon(h, 0);
                if (h->n_signals > before || remaining(deadline) == 0)
                        return 0;
                /* Wake up now and then for the daemon's output too. */
                r = sd_bus_wait(h->bus, (uint64_t)MIN(remaining(deadline), 200) * 1000);
                if (r < 0 && r != -EINTR)
                        return r;
        }
}

int dh_wait_signal(daemon_harness *h, const char *member, const char *path,
                   const char *detail_part) {
        uint64_t deadline = now_ms() + DH_TIMEOUT_MS;

        for (;;) {
                for (size_t i = 0; i < h->n_signals; i++) {
                        dh_signal *s = &h->signals[i];
                        if (!streq(s->member, member) || (path && !streq(s->path, path)) ||
                            (detail_part && !strstr(s->detail, detail_part)))
                                continue;
                        for (size_t k = 0; k <= i; k++) {
                                free(h->signals[k].member);
                                free(h->signals[k].path);
                                free(h->signals[k].detail);
                        }
                        memmove(h->signals, h->signals + i + 1,
                                (h->n_signals - i - 1) * sizeof(*h->signals));
                        h->n_signals -= i + 1;
                        return 0;
                }
                if (remaining(deadline) == 0) {
                        fprintf(stderr, "daemon-harness: no %s signal on %s with \"%s\"\n", member,
                                path ? path : "any path", detail_part ? detail_part : "");
                        return -ETIMEDOUT;
                }
                int r = dh_pump(h, remaining(deadline));
                if (r < 0)
                        return r;
        }
}

char *dh_device_path(const char *address) {
        char *p = NULL;

        if (sd_bus_path_encode(ACCMIG_BUS_PATH "/device", address, &p) < 0)
                return NULL;
        return p;
}

int dh_get_property(daemon_harness *h, const char *path, const char *interface,
                    const char *property, char **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *contents;
        char type;
        int r;

        r = sd_bus_call_method(h->bus, ACCMIG_BUS_NAME, path, "org.freedesktop.DBus.Properties",
                               "Get", &error, &reply, "ss", interface, property);
        if (r < 0)
                return r;
        r = sd_bus_message_peek_type(reply, &type, &contents);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'v', contents);
        if (r < 0)
                return r;
        switch (contents[0]) {
        case 's':
        case 'o': {
                const char *s;
                r = sd_bus_message_read_basic(reply, contents[0], &s);
                if (r < 0)
                        return r;
                *ret = strdup(s);
                break;
        }
        case 'b': {
                int b;
                r = sd_bus_message_read_basic(reply, 'b', &b);
                if (r < 0)
                        return r;
                *ret = strdup(b ? "true" : "false");
                break;
        }
        case 'u': {
                uint32_t u;
                r = sd_bus_message_read_basic(reply, 'u', &u);
                if (r < 0)
                        return r;
                r = asprintf_safe(ret, "%u", u);
                break;
        }
        case 'i': {
                int32_t i;
                r = sd_bus_message_read_basic(reply, 'i', &i);
                if (r < 0)
                        return r;
                r = asprintf_safe(ret, "%d", i);
                break;
        }
        default:
                return -EOPNOTSUPP;
        }
        return r < 0 ? r : *ret ? 0 : -ENOMEM;
}

int dh_wait_property(daemon_harness *h, const char *path, const char *interface,
                     const char *property, const char *want) {
        uint64_t deadline = now_ms() + DH_TIMEOUT_MS;

        for (;;) {
                _cleanup_free_ char *v = NULL;
                int r = dh_get_property(h, path, interface, property, &v);

                if (r >= 0 && streq(v, want))
                        return 0;
                if (remaining(deadline) == 0) {
                        fprintf(stderr, "daemon-harness: %s %s is \"%s\", not \"%s\"\n", path,
                                property, r >= 0 ? v : strerror(-r), want);
                        return -ETIMEDOUT;
                }
                /* Wait for the next signal (a PropertiesChanged, most likely). */
                r = dh_pump(h, remaining(deadline));
                if (r < 0)
                        return r;
        }
}

int dh_start_daemon(daemon_harness *h) {
        int r;

        r = dh_spawn_daemon(h, NULL);
        if (r < 0)
                return r;
        r = dh_wait_notify(h, "READY=1", NULL, NULL);
        if (r < 0)
                return r;
        return dh_connect(h);
}
