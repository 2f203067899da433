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

/* A test that fails exits at once (check's fork mode): whatever it started must not outlive it.
 * The children die with it (PR_SET_PDEATHSIG); the simulated hosts and the directories go
 * through an exit handler, which finds every harness still alive in this list. (The one piece
 * of process-wide state, and only for that: each harness stands alone.) */
#define LIVE_MAX 16
static daemon_harness *live[LIVE_MAX];

static void cleanup_at_exit(void) {
        for (size_t i = 0; i < LIVE_MAX; i++)
                if (live[i]) {
                        daemon_harness *h = live[i];
                        live[i] = NULL;
                        dh_kill_processes(h);
                        sim_harness_kill(h->sim);
                        h->sim = NULL;
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
        h->daemon_fd = -EBADF;
        track(h, true);
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
        free(h);
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
        int r;

        r = dh_spawn_daemon(h, NULL);
        if (r < 0)
                return r;
        r = dh_wait_notify(h, "READY=1", NULL, NULL);
        if (r < 0)
                return r;
        return dh_connect(h);
}
