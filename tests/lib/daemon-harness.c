/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon harness as one object per daemon (see daemon-harness.h): its directory, its
 * simulated host, its bus, its notify socket and its config file, made and undone together.
 * The processes are daemon-runner.c's, the test's connection daemon-bus-client.c's, the notify
 * socket notify-receiver.c's.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon-harness-private.h"
#include "file-util.h"
#include "macro.h"

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

static void rm_rf(const char *dir) {
        _cleanup_free_ char *cmd = NULL;

        if (dir && asprintf_safe(&cmd, "rm -rf '%s'", dir) >= 0)
                (void)!system(cmd);
}

/* A test that fails ends at once: check's fork mode _exit()s the test's process, so neither an
 * exit handler nor dh_free() runs. The daemon and the bus die with it (PR_SET_PDEATHSIG); the
 * simulated host and the directories are a reaper's: a shell started with the harness that
 * reads what to undo on a pipe only the test's process holds, and undoes it when the pipe ends
 * without "done", that is when the process died. One reaper per harness: no global state. */
static const char reaper_script[] = "while read -r what arg; do\n"
                                    "  case $what in\n"
                                    "    kill) pids=\"$pids $arg\" ;;\n"
                                    "    rm) dirs=\"$dirs $arg\" ;;\n"
                                    "    done) exit 0 ;;\n"
                                    "  esac\n"
                                    "done\n"
                                    "for p in $pids; do\n"
                                    "  grep -qs hisi-accsim /proc/$p/cmdline && kill -9 $p\n"
                                    "done\n"
                                    "for d in $dirs; do rm -rf \"$d\"; done\n";

static int reaper_start(daemon_harness *h) {
        int p[2];

        if (pipe2(p, O_CLOEXEC) < 0)
                return negative_errno();
        h->reaper_pid = fork();
        if (h->reaper_pid < 0) {
                safe_close(p[0]);
                safe_close(p[1]);
                return negative_errno();
        }
        if (h->reaper_pid == 0) {
                /* Only what is safe between fork and exec: the test may run threads. Out of
                 * the test's process group, which check kills once the test has ended. */
                (void)setsid();
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (dup2(p[0], STDIN_FILENO) < 0 || null < 0 || dup2(null, STDOUT_FILENO) < 0 ||
                    dup2(null, STDERR_FILENO) < 0)
                        _exit(127);
                (void)close_range(3, ~0U, 0);
                execl("/bin/sh", "sh", "-c", reaper_script, (char *)NULL);
                _exit(127);
        }
        safe_close(p[0]);
        h->reaper_fd = p[1];
        return 0;
}

/* Tell the reaper one more thing to undo: "rm DIR", "kill PID". */
static int reaper_add(daemon_harness *h, const char *what, const char *arg) {
        _cleanup_free_ char *line = NULL;

        if (asprintf_safe(&line, "%s %s\n", what, arg) < 0)
                return -ENOMEM;
        return loop_write(h->reaper_fd, line, strlen(line));
}

/* All was undone here: the reaper leaves. */
static void reaper_done(daemon_harness *h) {
        if (h->reaper_fd >= 0) {
                (void)loop_write(h->reaper_fd, "done\n", 5);
                h->reaper_fd = safe_close(h->reaper_fd);
        }
        if (h->reaper_pid > 0) {
                (void)waitpid(h->reaper_pid, NULL, 0);
                h->reaper_pid = 0;
        }
}

int dh_new(const char *sim_config, daemon_harness **ret) {
        return dh_new_full(sim_config, false, ret);
}

int dh_new_full(const char *sim_config, bool open_policy, daemon_harness **ret) {
        _cleanup_free_ char *notify_path = NULL;
        char tmpl[] = "/tmp/hisi-dh.XXXXXX";
        daemon_harness *h;
        int r;

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->daemon_fd = h->reaper_fd = -EBADF;
        r = reaper_start(h);
        if (r < 0) {
                dh_free(h);
                return r;
        }
        if (!mkdtemp(tmpl)) {
                r = negative_errno();
                dh_free(h);
                return r;
        }
        h->dir = strdup(tmpl);
        if (!h->dir) {
                dh_free(h);
                return -ENOMEM;
        }
        r = reaper_add(h, "rm", h->dir);
        if (r < 0) {
                dh_free(h);
                return r;
        }
        /* nobody must reach the bus socket in it. */
        if (chmod(h->dir, 0755) < 0 ||
            asprintf_safe(&h->config_path, "%s/hisi-accmigd.json", h->dir) < 0 ||
            asprintf_safe(&notify_path, "%s/notify.sock", h->dir) < 0) {
                dh_free(h);
                return -EIO;
        }
        r = dh_bus_start(h, open_policy);
        if (r >= 0)
                r = notify_receiver_new(notify_path, &h->notify);
        if (r >= 0) {
                notify_receiver_set_fdstore_max(h->notify, DH_FDSTORE_MAX);
                r = sim_harness_start(sim_config, &h->sim);
        }
        if (r >= 0) {
                char pid[32];

                snprintf(pid, sizeof(pid), "%d", (int)h->sim->pid);
                r = reaper_add(h, "kill", pid);
                if (r >= 0)
                        r = reaper_add(h, "rm", h->sim->dir);
        }
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
        if (h->daemon_pid > 0 && !h->daemon_exited) {
                (void)kill(h->daemon_pid, SIGKILL);
                (void)waitpid(h->daemon_pid, NULL, 0);
        }
        dh_bus_client_done(h);
        h->notify = notify_receiver_free(h->notify);
        sim_harness_stop(h->sim);
        dh_bus_stop(h);
        safe_close(h->daemon_fd);
        rm_rf(h->dir);
        for (size_t i = 0; i < h->n_log; i++)
                free(h->log[i]);
        free(h->log);
        free(h->dir);
        free(h->bus_address);
        free(h->config_path);
        reaper_done(h);
        free(h);
}

int dh_replace_sim(daemon_harness *h, const char *sim_config) {
        _cleanup_free_ char *root = h->sim && h->sim->root ? strdup(h->sim->root) : NULL;
        char pid[32];
        int r;

        sim_harness_kill(h->sim);
        h->sim = NULL;
        /* A host that was killed leaves its testbed behind. */
        rm_rf(root);
        r = sim_harness_start(sim_config, &h->sim);
        if (r < 0)
                return r;
        snprintf(pid, sizeof(pid), "%d", (int)h->sim->pid);
        r = reaper_add(h, "kill", pid);
        if (r >= 0)
                r = reaper_add(h, "rm", h->sim->dir);
        return r;
}

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

int dh_sim_field(daemon_harness *h, const char *address, const char *field, char **ret) {
        return sim_harness_vf_field(h->sim, address, field, ret);
}

int dh_start_daemon(daemon_harness *h) {
        /* Its own READY=1, not one of a daemon before it. */
        size_t cursor = notify_receiver_count(h->notify);
        int r;

        r = dh_spawn_daemon(h, NULL);
        if (r < 0)
                return r;
        r = dh_wait_notify(h, "READY=1", &cursor, NULL);
        if (r < 0)
                return r;
        return dh_connect(h);
}
