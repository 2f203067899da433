/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What fault injection found in hisi-accmigd and hisi-accsim (issue 16), one regression test per
 * finding, each against the real programs:
 *  - a FIFO in place of the config file (at start, on SIGHUP, on Reload; hisi-accsim --config) is
 *    refused at once instead of hanging the program for good;
 *  - a write the simulated host never answers (the host stopped, as a driver's remove() that
 *    hangs) is killed at its deadline and reaped: no child, no fd left, however often, the
 *    daemon answering meanwhile and SIGTERM ending it promptly with no child left; a write that
 *    cannot be killed (frozen: stuck in the kernel) marks its VF stuck, with a sentence, shows in
 *    StuckWrites, keeps further jobs off the VF, and is reaped once it can end;
 *  - 64 concurrent binds on 252 VFs: the host stays alive and every VF is bound; uevents lost
 *    to a full socket (the daemon stopped while 24 came) make the daemon read every device
 *    again, so that its registry is the host's;
 *  - a probe that fails is reported at once, not at the deadline (bind and unbind);
 *  - error replies quote a short escaped excerpt of what the caller sent; the caller is checked
 *    before the arguments; "A bind"/"An unbind" in progress;
 *  - an idle daemon exits at once on SIGTERM; a simulated host that went away makes the daemon
 *    say "degraded" in State and status, and it keeps answering.
 */

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "freezer.h"
#include "macro.h"
#include "string-util.h"
#include "test-main.h"

#define VF   "0000:75:00.1"
#define VF2  "0000:75:00.2"
#define VFIO "hisi_acc_vfio_pci"

/* ---- Helpers ---- */

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static unsigned count_fds(pid_t pid) {
        char p[64];
        unsigned n = 0;
        DIR *d;

        snprintf(p, sizeof(p), "/proc/%d/fd", (int)pid);
        d = opendir(p);
        ck_assert_ptr_nonnull(d);
        for (struct dirent *e; (e = readdir(d));)
                n += e->d_name[0] != '.';
        closedir(d);
        return n;
}

/* The daemon's children (its main thread's: it has no other). */
static unsigned count_children(pid_t pid, pid_t *ret_first) {
        _cleanup_free_ char *s = NULL;
        char p[64];
        unsigned n = 0;

        snprintf(p, sizeof(p), "/proc/%d/task/%d/children", (int)pid, (int)pid);
        if (read_one_line_file(p, &s) < 0)
                return 0;
        for (char *t = strtok(s, " "); t; t = strtok(NULL, " ")) {
                if (n == 0 && ret_first)
                        *ret_first = (pid_t)strtol(t, NULL, 10);
                n++;
        }
        return n;
}

/* Wait for the daemon's output to end (it and every child it had are gone) within limit_ms;
 * the time it took, or -1. */
static long output_ends_within(daemon_harness *h, long limit_ms) {
        uint64_t t0 = now_ms();

        while ((long)(now_ms() - t0) < limit_ms)
                if (dh_read_output(h, 20) == -EPIPE)
                        return (long)(now_ms() - t0);
        return -1;
}

/* hisi-accmigctl in the background, with the harness's bus; its output on *ret_fd. */
static pid_t spawn_ctl(daemon_harness *h, int *ret_fd, const char *verb, const char *arg) {
        int p[2];
        pid_t pid;

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                setenv("DBUS_SYSTEM_BUS_ADDRESS", h->bus_address, 1);
                dup2(p[1], STDOUT_FILENO);
                dup2(p[1], STDERR_FILENO);
                execl(dh_ctl_binary(), "hisi-accmigctl", verb, arg, (char *)NULL);
                _exit(127);
        }
        close(p[1]);
        *ret_fd = p[0];
        return pid;
}

/* Its exit status, and what it said. */
static int collect_ctl(pid_t pid, int fd, char **ret_out) {
        char buf[4096];
        size_t n = 0;
        ssize_t k;
        int status;

        while (n < sizeof(buf) - 1 && (k = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
                n += (size_t)k;
        buf[n] = '\0';
        close(fd);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        if (ret_out)
                *ret_out = strdup(buf);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The daemon answers a status query within a second. */
static void assert_answers(daemon_harness *h) {
        _cleanup_free_ char *out = NULL;
        uint64_t t0 = now_ms();

        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "status", NULL), 0);
        ck_assert_uint_lt(now_ms() - t0, test_limit_ms(1000));
}

static void assert_property(daemon_harness *h, const char *path, const char *interface,
                            const char *property, const char *want) {
        _cleanup_free_ char *v = NULL;

        ck_assert_int_eq(dh_get_property(h, path, interface, property, &v), 0);
        ck_assert_msg(streq(v, want), "%s is \"%s\", not \"%s\"", property, v, want);
}

static void replace_config_with_fifo(daemon_harness *h) {
        ck_assert(unlink(h->config_path) == 0 || errno == ENOENT);
        ck_assert_int_eq(mkfifo(h->config_path, 0644), 0);
}

/* ---- A FIFO for a config file ---- */

START_TEST(test_fifo_config_at_start) {
        _cleanup_free_ char *expect = NULL;
        daemon_harness *h = NULL;
        long took;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        replace_config_with_fifo(h);
        ck_assert_int_eq(dh_spawn_daemon(h, NULL), 0);
        took = output_ends_within(h, (long)test_limit_ms(5000));
        ck_assert_msg(took >= 0, "the daemon still reads its FIFO config");
        ck_assert_int_eq(dh_wait_exit(h), 78);
        ck_assert_int_ge(asprintf_safe(&expect, "%s: not a regular file", h->config_path), 0);
        ck_assert_uint_eq(dh_count_log(h, expect), 1);
        dh_free(h);
}
END_TEST

START_TEST(test_fifo_config_at_reload) {
        _cleanup_free_ char *err = NULL;
        daemon_harness *h = NULL;
        size_t log = 0;
        uint64_t t0;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        replace_config_with_fifo(h);

        ck_assert_int_eq(dh_signal_daemon(h, SIGHUP), 0);
        ck_assert_int_eq(dh_wait_log(h, "not a regular file", &log), 0);
        assert_answers(h);

        t0 = now_ms();
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "reload", NULL), 1);
        ck_assert_uint_lt(now_ms() - t0, test_limit_ms(2000));
        ck_assert_ptr_nonnull(strstr(err, "not a regular file; the running configuration stays"));
        assert_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "State", "running");

        ck_assert_int_eq(dh_signal_daemon(h, SIGTERM), 0);
        ck_assert_int_ge(output_ends_within(h, (long)test_limit_ms(3000)), 0);
        ck_assert_int_eq(dh_wait_exit(h), 0);
        dh_free(h);
}
END_TEST

START_TEST(test_fifo_config_accsim) {
        char dir[] = "/tmp/test-faults-sim.XXXXXX";
        _cleanup_free_ char *fifo = NULL;
        uint64_t t0;
        int status;
        pid_t pid;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        ck_assert_int_ge(asprintf_safe(&fifo, "%s/host.json", dir), 0);
        ck_assert_int_eq(mkfifo(fifo, 0644), 0);
        t0 = now_ms();
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                dup2(null, STDOUT_FILENO);
                execl(sim_harness_accsim(), "hisi-accsim", "start", "--foreground", "--dir", dir,
                      "--config", fifo, (char *)NULL);
                _exit(127);
        }
        for (;;) {
                pid_t r = waitpid(pid, &status, WNOHANG);

                ck_assert_int_ge(r, 0);
                if (r == pid)
                        break;
                if (now_ms() - t0 > test_limit_ms(5000)) {
                        kill(pid, SIGKILL);
                        waitpid(pid, NULL, 0);
                        ck_abort_msg("hisi-accsim still reads its FIFO config");
                }
                usleep(20 * 1000);
        }
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), 78);
        unlink(fifo);
        rmdir(dir);
}
END_TEST

/* ---- Writes that do not return ---- */

/* Every VF bound, with short bind deadlines. */
static daemon_harness *start_bound(const char *extra) {
        _cleanup_free_ char *config = NULL;
        daemon_harness *h = NULL;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_ge(asprintf_safe(&config,
                                       "\"binding\": {\"policy\": \"all\"},\n"
                                       "  \"timeouts\": {\"bind_ms\": 1000}%s",
                                       strempty(extra)),
                         0);
        ck_assert_int_eq(dh_write_config(h, config), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "BoundCount", "12"),
                0);
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "PendingJobs", "0"),
                0);
        return h;
}

/* Until every child of the daemon is gone (the last bind's may still be reaped). */
static void wait_no_children(daemon_harness *h) {
        for (int i = 0; i < 500 && count_children(h->daemon_pid, NULL) > 0; i++)
                (void)dh_pump(h, 10);
        ck_assert_uint_eq(count_children(h->daemon_pid, NULL), 0);
}

START_TEST(test_hung_write_killed) {
        static const char *const vfs[] = { "0000:75:00.1", "0000:75:00.2", "0000:76:00.1",
                                           "0000:79:00.1" };
        daemon_harness *h = start_bound(NULL);
        unsigned fds;

        wait_no_children(h);
        fds = count_fds(h->daemon_pid);
        /* The host's kernel stops answering: every write waits, as on a driver that hangs. */
        ck_assert_int_eq(kill(h->sim->pid, SIGSTOP), 0);
        for (size_t i = 0; i < ELEMENTSOF(vfs); i++) {
                _cleanup_free_ char *out = NULL;
                uint64_t t0 = now_ms();
                int fd, status;
                pid_t pid;

                pid = spawn_ctl(h, &fd, "unbind", vfs[i]);
                /* Meanwhile the daemon answers. */
                usleep(200 * 1000);
                assert_answers(h);
                status = collect_ctl(pid, fd, &out);
                ck_assert_msg(status == 6, "unbind %s: %d: %s", vfs[i], status, out);
                ck_assert_msg(strstr(out, "did not return within 1 s") || strstr(out, "within 1 s"),
                              "%s", out);
                ck_assert_uint_lt(now_ms() - t0, test_limit_ms(6000));
                /* Killed and reaped: no child, no fd left. */
                ck_assert_uint_eq(count_children(h->daemon_pid, NULL), 0);
                ck_assert_uint_eq(count_fds(h->daemon_pid), fds);
        }
        assert_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "StuckWrites", "0");

        /* SIGTERM while a write hangs: out within a few seconds, its child with it. */
        {
                int fd;
                pid_t pid = spawn_ctl(h, &fd, "unbind", "0000:79:00.2");

                usleep(200 * 1000);
                ck_assert_uint_eq(count_children(h->daemon_pid, NULL), 1);
                ck_assert_int_eq(dh_signal_daemon(h, SIGTERM), 0);
                ck_assert_int_ge(output_ends_within(h, (long)test_limit_ms(4000)), 0);
                ck_assert_int_eq(dh_wait_exit(h), 0);
                (void)collect_ctl(pid, fd, NULL);
        }
        ck_assert_int_eq(kill(h->sim->pid, SIGCONT), 0);
        dh_free(h);
}
END_TEST

START_TEST(test_stuck_write) {
        _cleanup_free_ char *path = dh_device_path(VF), *out = NULL, *err = NULL, *v = NULL;
        daemon_harness *h = NULL;
        test_freezer *f = NULL;
        pid_t pid, child = 0;
        int fd, r;

        r = test_freezer_new(&f);
        if (r == -EOPNOTSUPP)
                return;
        ck_assert_int_eq(r, 0);
        h = start_bound(NULL);
        wait_no_children(h);
        ck_assert_int_eq(kill(h->sim->pid, SIGSTOP), 0);
        pid = spawn_ctl(h, &fd, "unbind", VF);
        for (int i = 0; i < 200 && count_children(h->daemon_pid, &child) == 0; i++)
                usleep(10 * 1000);
        ck_assert_int_gt(child, 0);
        /* The write's process is stuck in the kernel: SIGKILL cannot end it. */
        ck_assert_int_eq(test_freezer_freeze(f, child), 0);
        ck_assert_int_eq(collect_ctl(pid, fd, &out), 6);
        ck_assert_msg(strstr(out, "stuck in the kernel"), "%s", out);
        assert_property(h, path, ACCMIG_DEVICE_INTERFACE, "BindState", "stuck");
        ck_assert_int_eq(dh_get_property(h, path, ACCMIG_DEVICE_INTERFACE, "LastError", &v), 0);
        ck_assert_str_eq(v, "the driver_override write for 0000:75:00.1 did not return within 1 s "
                            "and cannot be stopped: it is stuck in the kernel (the kernel does not "
                            "finish the store; see the kernel log). Nothing more is written to "
                            "0000:75:00.1 until it ends");
        assert_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "StuckWrites", "1");
        assert_answers(h);

        /* Nothing more is done to it meanwhile. */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "bind", VF, NULL), 5);
        ck_assert_msg(strstr(err, "is stuck in the kernel"), "%s", err);

        /* Once it can end, it is reaped, and the VF counts as failed. */
        ck_assert_int_eq(test_freezer_thaw(f), 0);
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "StuckWrites", "0"),
                0);
        ck_assert_int_eq(dh_wait_property(h, path, ACCMIG_DEVICE_INTERFACE, "BindState", "failed"),
                         0);
        ck_assert_uint_eq(count_children(h->daemon_pid, NULL), 0);
        ck_assert_int_eq(kill(h->sim->pid, SIGCONT), 0);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        test_freezer_free(f);
        dh_free(h);
}
END_TEST

/* ---- Many binds at once, and lost uevents ---- */

#define BIG_HOST                                                                                   \
        "{\"pfs\": [{\"address\": \"0000:75:00.0\", \"kind\": \"zip\", \"vfs\": 63},"              \
        " {\"address\": \"0000:76:00.0\", \"kind\": \"sec\", \"vfs\": 63},"                        \
        " {\"address\": \"0000:79:00.0\", \"kind\": \"hpre\", \"vfs\": 63},"                       \
        " {\"address\": \"0000:7a:00.0\", \"kind\": \"zip\", \"vfs\": 63}]}"

START_TEST(test_burst_252) {
        daemon_harness *h = NULL;
        json_object *reply = NULL, *result;
        unsigned bound = 0;

        ck_assert_int_eq(dh_new(BIG_HOST, &h), 0);
        ck_assert_int_eq(dh_write_config(h, "\"binding\": {\"policy\": \"all\"},\n"
                                            "  \"limits\": {\"max_concurrent_binds\": 64}"),
                         0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "PendingJobs", "0"),
                0);
        assert_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "DeviceCount", "252");
        assert_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "BoundCount", "252");
        assert_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "FailedCount", "0");
        /* The host is alive, and says the same. */
        ck_assert_int_eq(kill(h->sim->pid, 0), 0);
        ck_assert_int_eq(sim_harness_ctl(h->sim, "{\"cmd\": \"list\"}", &reply), 0);
        ck_assert(json_object_object_get_ex(reply, "result", &result));
        for (size_t i = 0; i < json_object_array_length(result); i++) {
                json_object *d = json_object_array_get_idx(result, i), *role, *driver;

                if (json_object_object_get_ex(d, "role", &role) &&
                    streq(json_object_get_string(role), "vf") &&
                    json_object_object_get_ex(d, "driver", &driver) &&
                    streq_ptr(json_object_get_string(driver), VFIO))
                        bound++;
        }
        json_object_put(reply);
        ck_assert_uint_eq(bound, 252);
        assert_answers(h);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

START_TEST(test_lost_uevents_resync) {
        static const char *const vfs[] = {
                "0000:75:00.1", "0000:75:00.2", "0000:75:00.3", "0000:75:00.4",
                "0000:76:00.1", "0000:76:00.2", "0000:76:00.3", "0000:76:00.4",
                "0000:79:00.1", "0000:79:00.2", "0000:79:00.3", "0000:79:00.4",
        };
        daemon_harness *h = NULL;
        size_t log = 0;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        assert_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "DeviceCount", "12");

        /* The daemon reads nothing while 12 VFs go: more uevents than its socket holds. */
        ck_assert_int_eq(dh_signal_daemon(h, SIGSTOP), 0);
        for (size_t i = 0; i < ELEMENTSOF(vfs); i++)
                ck_assert_int_eq(dh_sim_ctl(h, "unplug", vfs[i], NULL), 0);
        ck_assert_int_eq(dh_signal_daemon(h, SIGCONT), 0);
        ck_assert_int_eq(dh_wait_log(h, "reading every device again", &log), 0);
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "DeviceCount", "0"),
                0);

        /* And back. */
        ck_assert_int_eq(dh_signal_daemon(h, SIGSTOP), 0);
        for (size_t i = 0; i < ELEMENTSOF(vfs); i++)
                ck_assert_int_eq(dh_sim_ctl(h, "plug", vfs[i], NULL), 0);
        ck_assert_int_eq(dh_signal_daemon(h, SIGCONT), 0);
        ck_assert_int_eq(dh_wait_log(h, "reading every device again", &log), 0);
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "DeviceCount", "12"),
                0);
        assert_answers(h);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

/* ---- A failing probe, told at once ---- */

START_TEST(test_failing_probe_at_once) {
        _cleanup_free_ char *err = NULL;
        daemon_harness *h = NULL;
        uint64_t t0;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_write_config(h, "\"timeouts\": {\"bind_ms\": 10000}"), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);

        ck_assert_int_eq(dh_sim_ctl(h, "fault-probe", VFIO, "EIO", NULL), 0);
        t0 = now_ms();
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "bind", VF, NULL), 1);
        ck_assert_uint_lt(now_ms() - t0, test_limit_ms(2000));
        ck_assert_str_eq(err, "hisi-accmigctl: 0000:75:00.1: hisi_acc_vfio_pci did not bind "
                              "0000:75:00.1: its probe failed (see the kernel log); it is back on "
                              "hisi_zip\n");
        err = mfree(err);

        /* The way back too: the host driver's probe fails. */
        ck_assert_int_eq(dh_sim_ctl(h, "fault-probe", VFIO, "0", NULL), 0);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "bind", VF, NULL), 0);
        ck_assert_int_eq(dh_sim_ctl(h, "fault-probe", "hisi_zip", "EIO", NULL), 0);
        t0 = now_ms();
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "unbind", VF, NULL), 1);
        ck_assert_uint_lt(now_ms() - t0, test_limit_ms(2000));
        ck_assert_msg(strstr(err, "hisi_zip did not bind 0000:75:00.1: its probe failed"), "%s",
                      err);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

/* ---- Error replies ---- */

START_TEST(test_error_replies) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *big = malloc(64 * 1024 + 1), *path = dh_device_path(VF), *err = NULL;
        daemon_harness *h = NULL;
        int fd;
        pid_t pid;

        ck_assert_ptr_nonnull(big);
        /* Everyone may call: the daemon's own check is what answers nobody. */
        ck_assert_int_eq(dh_new_full(NULL, true, &h), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);

        /* 64 KiB of address, control bytes in it: a short, escaped excerpt comes back. */
        memset(big, 'a', 64 * 1024);
        big[64 * 1024] = '\0';
        big[1] = '\x01';
        big[2] = '\'';
        ck_assert_int_lt(sd_bus_call_method(h->bus, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                            ACCMIG_MANAGER_INTERFACE, "BindDevice", &error, NULL,
                                            "st", big, (uint64_t)0),
                         0);
        ck_assert_str_eq(error.name, SD_BUS_ERROR_INVALID_ARGS);
        ck_assert_str_eq(error.message, "'a\\x01\\x27aaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not a "
                                        "PCI address such as 0000:75:00.1.");
        ck_assert_uint_lt(strlen(error.message), 200);
        /* The same in the migration's calls: a VF list, a peer, an option name. */
        sd_bus_error_free(&error);
        ck_assert_int_lt(sd_bus_call_method(h->bus, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                            ACCMIG_MANAGER_INTERFACE, "Check", &error, NULL,
                                            "assa{sv}", 1, big, "localhost", 0),
                         0);
        ck_assert_str_eq(error.message, "vfs: \"a\\x01\\x27aaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" is "
                                        "not a PCI address.");
        sd_bus_error_free(&error);
        ck_assert_int_lt(sd_bus_call_method(h->bus, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                            ACCMIG_MANAGER_INTERFACE, "Migrate", &error, NULL,
                                            "assa{sv}", 1, VF, big, 0),
                         0);
        ck_assert_str_eq(error.message, "\"a\\x01\\x27aaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" is not "
                                        "HOST or HOST:PORT.");
        sd_bus_error_free(&error);

        /* A caller who may not is told so, whatever the arguments. */
        ck_assert_int_ne(dh_busctl(h, DH_NOBODY, NULL, &err, "call", ACCMIG_BUS_NAME,
                                   ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "BindDevice", "st",
                                   "bogus", "0", NULL),
                         0);
        ck_assert_msg(strstr(err, "Access denied") && !strstr(err, "PCI address"), "%s", err);
        err = mfree(err);
        ck_assert_int_ne(dh_busctl(h, DH_NOBODY, NULL, &err, "call", ACCMIG_BUS_NAME, path,
                                   ACCMIG_DEVICE_INTERFACE, "Unbind", "t", "12345", NULL),
                         0);
        ck_assert_msg(strstr(err, "Access denied") && !strstr(err, "flags"), "%s", err);
        err = mfree(err);

        /* A job in progress is named with the right article. */
        ck_assert_int_eq(kill(h->sim->pid, SIGSTOP), 0);
        pid = spawn_ctl(h, &fd, "bind", VF);
        usleep(300 * 1000);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "unbind", VF, NULL), 5);
        ck_assert_str_eq(err,
                         "hisi-accmigctl: 0000:75:00.1: A bind of 0000:75:00.1 is in progress; try "
                         "again "
                         "when it ends.\n");
        err = mfree(err);
        ck_assert_int_eq(kill(h->sim->pid, SIGCONT), 0);
        ck_assert_int_eq(collect_ctl(pid, fd, NULL), 0);
        ck_assert_int_eq(kill(h->sim->pid, SIGSTOP), 0);
        pid = spawn_ctl(h, &fd, "unbind", VF);
        usleep(300 * 1000);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "bind", VF, NULL), 5);
        ck_assert_str_eq(err,
                         "hisi-accmigctl: 0000:75:00.1: An unbind of 0000:75:00.1 is in progress; "
                         "try "
                         "again when it ends.\n");
        ck_assert_int_eq(kill(h->sim->pid, SIGCONT), 0);
        ck_assert_int_eq(collect_ctl(pid, fd, NULL), 0);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

/* ---- Stopping, and a host that goes away ---- */

START_TEST(test_idle_stop_at_once) {
        daemon_harness *h = NULL;
        long took;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        ck_assert_int_eq(dh_pump(h, 200), 0);
        ck_assert_int_eq(dh_signal_daemon(h, SIGTERM), 0);
        took = output_ends_within(h, (long)test_limit_ms(3000));
        ck_assert_msg(took >= 0 && (unsigned long long)took < test_limit_ms(500),
                      "an idle daemon took %ld ms to exit", took);
        ck_assert_int_eq(dh_wait_exit(h), 0);
        dh_free(h);
}
END_TEST

START_TEST(test_host_gone) {
        _cleanup_free_ char *out = NULL, *err = NULL, *v = NULL;
        daemon_harness *h = NULL;
        uint64_t t0;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        assert_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "BackendError", "");

        ck_assert_int_eq(kill(h->sim->pid, SIGKILL), 0);
        ck_assert_int_eq(
                dh_wait_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "State", "degraded"),
                0);
        ck_assert_int_eq(
                dh_get_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "BackendError", &v),
                0);
        ck_assert_msg(strstr(v, "the simulated host is gone"), "%s", v);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "status", NULL), 0);
        ck_assert_msg(strstr(out, ": degraded, backend sim"), "%s", out);
        ck_assert_msg(strstr(out, "\nBackend: the simulated host is gone"), "%s", out);
        assert_answers(h);
        /* A bind fails at once, with why. */
        t0 = now_ms();
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "bind", VF, NULL), 1);
        ck_assert_uint_lt(now_ms() - t0, test_limit_ms(2000));
        ck_assert_int_eq(dh_signal_daemon(h, SIGTERM), 0);
        ck_assert_int_ge(output_ends_within(h, (long)test_limit_ms(3000)), 0);
        ck_assert_int_eq(dh_wait_exit(h), 0);
        dh_free(h);
}
END_TEST

static Suite *daemon_faults_suite(void) {
        Suite *s = suite_create("daemon-faults");
        TCase *tc;

        tc = tcase_create("fifo");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_fifo_config_at_start);
        tcase_add_test(tc, test_fifo_config_at_reload);
        tcase_add_test(tc, test_fifo_config_accsim);
        suite_add_tcase(s, tc);

        tc = tcase_create("writes");
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_hung_write_killed);
        tcase_add_test(tc, test_stuck_write);
        suite_add_tcase(s, tc);

        tc = tcase_create("uevents");
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_burst_252);
        tcase_add_test(tc, test_lost_uevents_resync);
        suite_add_tcase(s, tc);

        tc = tcase_create("replies");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_failing_probe_at_once);
        tcase_add_test(tc, test_error_replies);
        suite_add_tcase(s, tc);

        tc = tcase_create("life");
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_idle_stop_at_once);
        tcase_add_test(tc, test_host_gone);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, daemon_faults_suite)
