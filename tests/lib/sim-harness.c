/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Test harness for the simulated host (see sim-harness.h). */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file-util.h"
#include "macro.h"
#include "sim-harness.h"
#include "sim-proto.h"

#define READY_TIMEOUT_MS 60000

const char *sim_harness_accsim(void) {
        return HISI_TEST_ACCSIM;
}

const char *sim_harness_migtool(void) {
        return HISI_TEST_MIGTOOL;
}

int read_line_timeout(int fd, char **ret, int timeout_ms) {
        char buf[4096];
        size_t n = 0;

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t k;
                int r = poll(&p, 1, timeout_ms);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return negative_errno();
                if (r == 0)
                        return -ETIMEDOUT;
                /* One byte at a time: the rest stays in the pipe for the next call. */
                k = read(fd, buf + n, 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        return -EPIPE;
                if (buf[n] == '\n' || n + 1 == sizeof(buf) - 1) {
                        buf[n + (buf[n] != '\n')] = '\0';
                        *ret = strdup(buf);
                        return *ret ? 0 : -ENOMEM;
                }
                n++;
        }
}

static void rm_rf(const char *dir) {
        _cleanup_free_ char *cmd = NULL;
        if (dir && asprintf_safe(&cmd, "rm -rf '%s'", dir) >= 0)
                (void)!system(cmd);
}

static void harness_free(sim_harness *h) {
        if (!h)
                return;
        safe_close(h->out_fd);
        rm_rf(h->dir);
        free(h->dir);
        free(h->root);
        free(h->socket);
        free(h);
}

int sim_harness_start(const char *config_json, sim_harness **ret) {
        _cleanup_free_ char *config = NULL, *root_file = NULL, *line = NULL;
        char tmpl[] = "/tmp/hisi-sim.XXXXXX";
        sim_harness *h;
        int pipefd[2], r;

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->out_fd = -EBADF;
        if (!mkdtemp(tmpl)) {
                free(h);
                return negative_errno();
        }
        h->dir = strdup(tmpl);
        if (!h->dir || asprintf_safe(&h->socket, "%s/device.sock", h->dir) < 0) {
                harness_free(h);
                return -ENOMEM;
        }
        if (config_json) {
                _cleanup_close_ int fd = -EBADF;
                if (asprintf_safe(&config, "%s/host.json", h->dir) < 0) {
                        harness_free(h);
                        return -ENOMEM;
                }
                fd = open(config, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                if (fd < 0 || loop_write(fd, config_json, strlen(config_json)) < 0) {
                        harness_free(h);
                        return -EIO;
                }
        }

        if (pipe2(pipefd, O_CLOEXEC) < 0) {
                harness_free(h);
                return negative_errno();
        }
        h->pid = fork();
        if (h->pid < 0) {
                harness_free(h);
                return negative_errno();
        }
        if (h->pid == 0) {
                dup2(pipefd[1], STDOUT_FILENO);
                if (config)
                        execl(sim_harness_accsim(), "hisi-accsim", "start", "--foreground", "--dir",
                              h->dir, "--config", config, (char *)NULL);
                else
                        execl(sim_harness_accsim(), "hisi-accsim", "start", "--foreground", "--dir",
                              h->dir, (char *)NULL);
                _exit(127);
        }
        close(pipefd[1]);
        h->out_fd = pipefd[0];

        r = read_line_timeout(h->out_fd, &line, READY_TIMEOUT_MS);
        if (r < 0 || !strstr(line, "hisi-accsim: ready")) {
                fprintf(stderr, "sim-harness: the host did not start (%s)\n",
                        r < 0 ? strerror(-r) : line);
                sim_harness_kill(h);
                return r < 0 ? r : -EIO;
        }
        if (asprintf_safe(&root_file, "%s/root", h->dir) < 0 ||
            read_one_line_file(root_file, &h->root) < 0) {
                sim_harness_kill(h);
                return -EIO;
        }
        *ret = h;
        return 0;
}

void sim_harness_stop(sim_harness *h) {
        if (!h)
                return;
        if (h->pid > 0) {
                (void)kill(h->pid, SIGTERM);
                (void)waitpid(h->pid, NULL, 0);
        }
        harness_free(h);
}

void sim_harness_kill(sim_harness *h) {
        if (!h)
                return;
        if (h->pid > 0) {
                (void)kill(h->pid, SIGKILL);
                (void)waitpid(h->pid, NULL, 0);
        }
        harness_free(h);
}

int sim_harness_use(sim_harness *h) {
        return setenv(SIM_SOCKET_ENV, h->socket, 1) < 0 ? negative_errno() : 0;
}

int sim_harness_ctl(sim_harness *h, const char *request, json_object **ret_reply) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        ssize_t n;

        if (asprintf_safe(&path, "%s/ctl.sock", h->dir) < 0 || strlen(path) >= sizeof(sa.sun_path))
                return -ENOMEM;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return negative_errno();
        if (send(fd, request, strlen(request), MSG_NOSIGNAL) < 0)
                return negative_errno();
        buf = malloc(256 * 1024 + 1);
        if (!buf)
                return -ENOMEM;
        n = recv(fd, buf, 256 * 1024, 0);
        if (n <= 0)
                return n < 0 ? negative_errno() : -ECONNRESET;
        buf[n] = '\0';
        *ret_reply = json_tokener_parse(buf);
        return *ret_reply ? 0 : -EBADMSG;
}

static int reply_result(json_object *reply, json_object **ret) {
        json_object *ok, *result;

        if (!json_object_object_get_ex(reply, "ok", &ok) || !json_object_get_boolean(ok))
                return -EIO;
        if (!json_object_object_get_ex(reply, "result", &result))
                return -EBADMSG;
        *ret = result;
        return 0;
}

int sim_harness_digest(sim_harness *h, const char *vf, char **ret) {
        _cleanup_free_ char *req = NULL;
        json_object *reply = NULL, *result;
        int r;

        if (asprintf_safe(&req, "{\"cmd\":\"digest\",\"device\":\"%s\"}", vf) < 0)
                return -ENOMEM;
        r = sim_harness_ctl(h, req, &reply);
        if (r >= 0)
                r = reply_result(reply, &result);
        if (r >= 0) {
                *ret = strdup(json_object_get_string(result));
                r = *ret ? 0 : -ENOMEM;
        }
        json_object_put(reply);
        return r;
}

int sim_harness_vf_field(sim_harness *h, const char *vf, const char *field, char **ret) {
        _cleanup_free_ char *req = NULL;
        json_object *reply = NULL, *result, *v;
        int r;

        if (asprintf_safe(&req, "{\"cmd\":\"show\",\"device\":\"%s\"}", vf) < 0)
                return -ENOMEM;
        r = sim_harness_ctl(h, req, &reply);
        if (r >= 0)
                r = reply_result(reply, &result);
        if (r >= 0 && !json_object_object_get_ex(result, field, &v))
                r = -ENOENT;
        if (r >= 0) {
                *ret = strdup(v ? json_object_get_string(v) : "null");
                r = *ret ? 0 : -ENOMEM;
        }
        json_object_put(reply);
        return r;
}

int sim_harness_spawn(sim_harness *h, char *const argv[], pid_t *ret_pid, int *ret_fd) {
        int pipefd[2];
        size_t n = 0;
        pid_t pid;

        while (argv[n])
                n++;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return negative_errno();
        pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                char **args = calloc(n + 6, sizeof(char *));
                if (!args)
                        _exit(127);
                args[0] = (char *)"hisi-accsim";
                args[1] = (char *)"exec";
                args[2] = (char *)"--dir";
                args[3] = h->dir;
                args[4] = (char *)"--";
                memcpy(args + 5, argv, n * sizeof(char *));
                dup2(pipefd[1], STDOUT_FILENO);
                dup2(pipefd[1], STDERR_FILENO);
                execv(sim_harness_accsim(), args);
                _exit(127);
        }
        close(pipefd[1]);
        *ret_pid = pid;
        *ret_fd = pipefd[0];
        return 0;
}

int sim_harness_run(sim_harness *h, char *const argv[], char **ret_output) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *out = NULL;
        size_t len = 0, cap = 0;
        pid_t pid;
        int status, r;

        r = sim_harness_spawn(h, argv, &pid, &fd);
        if (r < 0)
                return r;
        for (;;) {
                char buf[4096];
                ssize_t k = read(fd, buf, sizeof(buf));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                if (len + (size_t)k + 1 > cap) {
                        char *p = realloc(out, cap = (len + (size_t)k + 1) * 2);
                        if (!p)
                                break;
                        out = p;
                }
                memcpy(out + len, buf, (size_t)k);
                len += (size_t)k;
                out[len] = '\0';
        }
        if (waitpid(pid, &status, 0) < 0)
                return negative_errno();
        if (ret_output)
                *ret_output = out ? TAKE_PTR(out) : strdup("");
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
