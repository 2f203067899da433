/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Integration tests of the simulated host as a client meets it: a real hisi-accsim process per
 * test, its sysfs seen through `hisi-accsim exec` (umockdev), binding by hisi-migtool (libhisi's
 * binding code), uevents seen by an sd_device_monitor, the migration devices through libhisi's
 * sim backend, state carried between two hosts, and the kernel's close and reset semantics
 * when a holder dies.
 */

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hisi/ctx.h"
#include "file-util.h"
#include "macro.h"
#include "hisi/migdev.h"
#include "sim-harness.h"
#include "sim-proto.h"
#include "hisi/state-image.h"
#include "test-main.h"

#define ZIP_VF           "0000:75:00.1"
#define ZIP_VF2          "0000:75:00.2"
#define EVENT_TIMEOUT_MS 30000

static hisi_ctx *ctx;

static void setup(void) {
        ck_assert_int_eq(hisi_ctx_new(NULL, &ctx), 0);
}

static void teardown(void) {
        ctx = hisi_ctx_free(ctx);
}

static void bind_vf(sim_harness *h, const char *vf) {
        _cleanup_free_ char *out = NULL;
        int r = sim_harness_run(
                h, (char *const[]){ (char *)sim_harness_migtool(), "bind", (char *)vf, NULL },
                &out);
        ck_assert_msg(r == 0, "bind %s failed (%d): %s", vf, r, out);
}

/* Wait until a VF's field has a value, as the host reports it. */
static void wait_field(sim_harness *h, const char *vf, const char *field, const char *want) {
        for (int i = 0; i < 3000; i++) {
                _cleanup_free_ char *v = NULL;
                if (sim_harness_vf_field(h, vf, field, &v) >= 0 && streq(v, want))
                        return;
                usleep(10 * 1000);
        }
        ck_abort_msg("%s: %s never became %s", vf, field, want);
}

/* A uevent listener in the host (tests/lib/sim-uevent-watch), once it is listening: its pid and
 * the pipe its lines come on. */
static void start_watch(sim_harness *h, pid_t *ret_pid, int *ret_fd) {
        _cleanup_free_ char *line = NULL;

        ck_assert_int_eq(
                sim_harness_spawn(
                        h, (char *const[]){ HISI_TEST_BINDIR "/tests/lib/sim-uevent-watch", NULL },
                        ret_pid, ret_fd),
                0);
        ck_assert_int_eq(read_line_timeout(*ret_fd, &line, EVENT_TIMEOUT_MS), 0);
        ck_assert_str_eq(line, "ready");
}

static void stop_watch(pid_t pid) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
}

/* Read the listener's lines until one is want (or, with prefix, starts with it). */
static void wait_uevent(int fd, const char *want, bool prefix) {
        for (;;) {
                _cleanup_free_ char *line = NULL;

                ck_assert_int_eq(read_line_timeout(fd, &line, EVENT_TIMEOUT_MS), 0);
                if (prefix ? strneq(line, want, strlen(want)) : streq(line, want))
                        return;
        }
}

/* Read the listener's lines until it has seen at least n_remove removals and n_add additions of
 * the second PF's VFs. */
static void count_uevents(int fd, unsigned n_remove, unsigned n_add) {
        unsigned removed = 0, added = 0;

        while (removed < n_remove || added < n_add) {
                _cleanup_free_ char *line = NULL;

                ck_assert_int_eq(read_line_timeout(fd, &line, EVENT_TIMEOUT_MS), 0);
                removed += strneq(line, "remove 0000:76:00.", strlen("remove 0000:76:00."));
                added += strneq(line, "add 0000:76:00.", strlen("add 0000:76:00."));
        }
}

/* Opening the device reset the function: wait until the VF's guest driver has set it up again
 * (QM_VF_STATE, BAR2 0x60, bit 0 clear), as a save needs for more than the match data. */
static void wait_guest(hisi_migdev *d) {
        for (int i = 0; i < 3000; i++) {
                uint8_t b[4];
                ck_assert_int_eq(hisi_migdev_region_read(d, 2, 0x60, b, sizeof(b)), 4);
                if (!(b[0] & 1))
                        return;
                usleep(1000);
        }
        ck_abort_msg("no guest driver set the VF up");
}

START_TEST(test_default_host) {
        sim_harness *h = NULL;
        json_object *reply = NULL, *result, *ok;
        _cleanup_free_ char *driver = NULL;
        unsigned pfs = 0, vfs = 0;

        ck_assert_int_eq(sim_harness_start(NULL, &h), 0);
        ck_assert_int_eq(sim_harness_ctl(h, "{\"cmd\":\"list\"}", &reply), 0);
        ck_assert(json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok));
        ck_assert(json_object_object_get_ex(reply, "result", &result));
        for (size_t i = 0; i < json_object_array_length(result); i++) {
                json_object *d = json_object_array_get_idx(result, i), *role;
                ck_assert(json_object_object_get_ex(d, "role", &role));
                if (streq(json_object_get_string(role), "pf"))
                        pfs++;
                else
                        vfs++;
        }
        json_object_put(reply);
        ck_assert_uint_eq(pfs, 3);
        ck_assert_uint_eq(vfs, 12);
        /* As after writing sriov_numvfs: the VFs are bound to their host driver. */
        ck_assert_int_eq(sim_harness_vf_field(h, ZIP_VF, "driver", &driver), 0);
        ck_assert_str_eq(driver, "hisi_zip");
        sim_harness_stop(h);
}
END_TEST

START_TEST(test_bind_uevents) {
        _cleanup_free_ char *driver = NULL;
        _cleanup_close_ int fd = -EBADF;
        sim_harness *h = NULL;
        json_object *reply = NULL;
        pid_t pid;

        ck_assert_int_eq(sim_harness_start(NULL, &h), 0);
        start_watch(h, &pid, &fd);

        bind_vf(h, ZIP_VF);
        ck_assert_int_eq(sim_harness_vf_field(h, ZIP_VF, "driver", &driver), 0);
        ck_assert_str_eq(driver, "hisi_acc_vfio_pci");
        wait_uevent(fd, "bind " ZIP_VF " hisi_acc_vfio_pci", false);

        ck_assert_int_eq(
                sim_harness_ctl(h, "{\"cmd\":\"unplug\",\"device\":\"" ZIP_VF2 "\"}", &reply), 0);
        json_object_put(reply);
        wait_uevent(fd, "remove " ZIP_VF2, true);
        /* Hot-add it again: add, then bound to its host driver; and it binds to vfio again. */
        ck_assert_int_eq(
                sim_harness_ctl(h, "{\"cmd\":\"plug\",\"device\":\"" ZIP_VF2 "\"}", &reply), 0);
        json_object_put(reply);
        wait_uevent(fd, "add " ZIP_VF2, true);
        driver = mfree(driver);
        ck_assert_int_eq(sim_harness_vf_field(h, ZIP_VF2, "driver", &driver), 0);
        ck_assert_str_eq(driver, "hisi_zip");
        bind_vf(h, ZIP_VF2);
        wait_uevent(fd, "bind " ZIP_VF2 " hisi_acc_vfio_pci", false);
        /* Twice is refused: it is there. */
        ck_assert_int_eq(
                sim_harness_ctl(h, "{\"cmd\":\"plug\",\"device\":\"" ZIP_VF2 "\"}", &reply), 0);
        {
                json_object *ok;
                ck_assert(json_object_object_get_ex(reply, "ok", &ok));
                ck_assert(!json_object_get_boolean(ok));
        }
        json_object_put(reply);

        stop_watch(pid);
        sim_harness_stop(h);
}
END_TEST

/* Save a stopped VF of host a and load it into a VF of host b, in this process. */
static int carry_state(sim_harness *a, sim_harness *b, const char *vf, char **ret_digest_a,
                       char **ret_digest_b, int *ret_write_error) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *src = NULL, *dst = NULL;
        _cleanup_(hisi_migstream_closep) hisi_migstream *out = NULL, *in = NULL;
        uint8_t buf[HISI_STATE_IMAGE_SIZE];
        ssize_t n, total = 0;
        int r;

        ck_assert_int_eq(sim_harness_use(a), 0);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, vf, &src), 0);
        wait_guest(src);
        ck_assert_int_eq(hisi_migdev_set_state(src, HISI_MIG_STATE_STOP, NULL, NULL), 0);
        ck_assert_int_eq(sim_harness_digest(a, vf, ret_digest_a), 0);
        ck_assert_int_eq(hisi_migdev_set_state(src, HISI_MIG_STATE_STOP_COPY, NULL, &out), 0);
        ck_assert_ptr_nonnull(out);
        while ((n = hisi_migstream_read(out, buf + total, sizeof(buf) - (size_t)total)) > 0)
                total += n;
        ck_assert_int_eq(n, 0);
        ck_assert_int_eq(total, HISI_STATE_IMAGE_SIZE);

        ck_assert_int_eq(sim_harness_use(b), 0);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, vf, &dst), 0);
        ck_assert_int_eq(hisi_migdev_set_state(dst, HISI_MIG_STATE_RESUMING, NULL, &in), 0);
        ck_assert_ptr_nonnull(in);
        /* In two chunks, the match header first, as a precopy would send it. */
        n = hisi_migstream_write(in, buf, HISI_STATE_MATCH_SIZE);
        *ret_write_error = n < 0 ? (int)n : 0;
        if (n < 0)
                return (int)n;
        n = hisi_migstream_write(in, buf + HISI_STATE_MATCH_SIZE,
                                 HISI_STATE_IMAGE_SIZE - HISI_STATE_MATCH_SIZE);
        ck_assert_int_eq(n, HISI_STATE_IMAGE_SIZE - HISI_STATE_MATCH_SIZE);
        r = hisi_migdev_set_state(dst, HISI_MIG_STATE_STOP, NULL, NULL);
        if (r < 0)
                return r;
        ck_assert_int_eq(sim_harness_digest(b, vf, ret_digest_b), 0);
        return 0;
}

START_TEST(test_state_carried_between_hosts) {
        _cleanup_free_ char *da = NULL, *db = NULL, *before = NULL;
        sim_harness *a = NULL, *b = NULL;
        int write_error;

        ck_assert_int_eq(sim_harness_start("{\"seed\": 1}", &a), 0);
        ck_assert_int_eq(sim_harness_start("{\"seed\": 2}", &b), 0);
        bind_vf(a, ZIP_VF);
        bind_vf(b, ZIP_VF);
        /* Different guests to start with. */
        ck_assert_int_eq(sim_harness_digest(b, ZIP_VF, &before), 0);
        ck_assert_int_eq(carry_state(a, b, ZIP_VF, &da, &db, &write_error), 0);
        ck_assert_str_ne(da, before);
        ck_assert_str_eq(da, db);
        sim_harness_stop(a);
        sim_harness_stop(b);
}
END_TEST

static const char qp32_config[] = "{\"profile\": \"%s\", \"pfs\": [{\"address\": \"0000:75:00.0\", "
                                  "\"kind\": \"zip\", \"vfs\": 2, \"qp_per_vf\": 32}]}";

/* Carry a VF's state from a host of src_config to a host of profile whose VFs have 32 queue
 * pairs: refused, with these errors from the header's write and from the whole. */
static void carry_to_qp32(const char *src_config, const char *profile, int want_write_error,
                          int want_r) {
        _cleanup_free_ char *da = NULL, *db = NULL, *cfg = NULL;
        sim_harness *a = NULL, *b = NULL;
        int write_error, r;

        ck_assert_int_eq(asprintf_safe(&cfg, qp32_config, profile), 0);
        ck_assert_int_eq(sim_harness_start(src_config, &a), 0);
        ck_assert_int_eq(sim_harness_start(cfg, &b), 0);
        bind_vf(a, ZIP_VF);
        bind_vf(b, ZIP_VF);
        r = carry_state(a, b, ZIP_VF, &da, &db, &write_error);
        ck_assert_int_eq(r, want_r);
        ck_assert_int_eq(write_error, want_write_error);
        sim_harness_stop(a);
        sim_harness_stop(b);
}

START_TEST(test_qp_mismatch_early) {
        /* 6.2+: the destination checks the header once 40 bytes are in: -EFAULT. */
        carry_to_qp32(NULL, "6.16", -EFAULT, -EFAULT);
}
END_TEST

START_TEST(test_qp_mismatch_at_load_on_6_1) {
        /* 6.1: every byte is taken; RESUMING -> STOP refuses the state. */
        carry_to_qp32("{\"profile\": \"6.1\"}", "6.1", 0, -EINVAL);
}
END_TEST

/* Pass an fd to the process at the other end of sock (SCM_RIGHTS), and take one. */
static void send_fd(int sock, int fd) {
        ck_assert_int_eq(sim_msg_send(sock, 1, 0, NULL, 0, fd), 0);
}

static int recv_fd(int sock) {
        sim_msg m;
        int fd = -EBADF;
        ck_assert_int_eq(sim_msg_recv(sock, &m, NULL, 0, &fd), 0);
        return fd;
}

START_TEST(test_holder_dies_mid_session) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        _cleanup_(hisi_migstream_closep) hisi_migstream *stream = NULL;
        _cleanup_free_ char *state = NULL;
        sim_harness *h = NULL;
        hisi_mig_state st;
        uint8_t buf[16];
        int pair[2], status;
        pid_t child;

        ck_assert_int_eq(sim_harness_start(NULL, &h), 0);
        bind_vf(h, ZIP_VF);
        ck_assert_int_eq(sim_harness_use(h), 0);
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);

        /* The child exists before the device is opened: it gets the device only through
         * SCM_RIGHTS, as a workload gets it from the daemon. */
        child = fork();
        ck_assert_int_ge(child, 0);
        if (child == 0) {
                hisi_migdev *mine = NULL;
                hisi_migstream *s = NULL;
                uint8_t head[40];
                close(pair[0]);
                if (hisi_migdev_open_fd(ctx, HISI_BACKEND_SIM, ZIP_VF, recv_fd(pair[1]), &mine) <
                            0 ||
                    hisi_migdev_set_state(mine, HISI_MIG_STATE_STOP_COPY, NULL, &s) < 0 ||
                    hisi_migstream_read(s, head, sizeof(head)) != sizeof(head))
                        _exit(1);
                /* Mid-session: hand the data fd back, and wait to be killed. */
                send_fd(pair[1], hisi_migstream_fd(s));
                pause();
                _exit(0);
        }
        close(pair[1]);

        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, ZIP_VF, &d), 0);
        wait_guest(d);
        /* A cdev opens once. */
        {
                hisi_migdev *again = NULL;
                ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, ZIP_VF, &again), -EBUSY);
        }
        send_fd(pair[0], hisi_migdev_fd(d));
        ck_assert_int_eq(hisi_migstream_open_fd(HISI_BACKEND_SIM, recv_fd(pair[0]), &stream), 0);

        /* Our copy of the device goes: the child still holds it, mid-session. */
        d = hisi_migdev_close(d);
        ck_assert_int_eq(sim_harness_vf_field(h, ZIP_VF, "state", &state), 0);
        ck_assert_str_eq(state, "STOP_COPY");
        wait_field(h, ZIP_VF, "open", "true");
        /* The session is live: the rest of the state reads through the passed data fd. */
        ck_assert_int_eq(hisi_migstream_read(stream, buf, sizeof(buf)), sizeof(buf));

        /* The last holder dies: the device is closed as the kernel closes it. Its session is
         * disabled though we still hold the data fd, and the next open finds the VF RUNNING. */
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
        close(pair[0]);
        wait_field(h, ZIP_VF, "open", "false");
        ck_assert_int_eq(hisi_migstream_read(stream, buf, sizeof(buf)), -ENODEV);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, ZIP_VF, &d), 0);
        ck_assert_int_eq(hisi_migdev_get_state(d, &st), 0);
        ck_assert_int_eq(st, HISI_MIG_STATE_RUNNING);
        sim_harness_stop(h);
}
END_TEST

static unsigned count_vfs_of(sim_harness *h, const char *pf) {
        json_object *reply = NULL, *result;
        unsigned n = 0;

        ck_assert_int_eq(sim_harness_ctl(h, "{\"cmd\":\"list\"}", &reply), 0);
        ck_assert(json_object_object_get_ex(reply, "result", &result));
        for (size_t i = 0; i < json_object_array_length(result); i++) {
                json_object *d = json_object_array_get_idx(result, i), *p;
                if (json_object_object_get_ex(d, "pf", &p) && p &&
                    streq(json_object_get_string(p), pf))
                        n++;
        }
        json_object_put(reply);
        return n;
}

/* Write sriov_numvfs under exec as a shell would: the write has taken effect, or failed with
 * the kernel's errno (the shell's exit status 1), when the shell returns; read it back. */
static void write_numvfs(sim_harness *h, const char *value, int want_status,
                         const char *want_read) {
        _cleanup_free_ char *cmd = NULL, *out = NULL;

        ck_assert_int_eq(asprintf_safe(&cmd,
                                       "echo %s > /sys/bus/pci/devices/0000:76:00.0/sriov_numvfs",
                                       value),
                         0);
        ck_assert_int_eq(sim_harness_run(h, (char *const[]){ "/bin/sh", "-c", cmd, NULL }, NULL),
                         want_status);
        ck_assert_int_eq(sim_harness_run(h,
                                         (char *const[]){ "/bin/cat",
                                                          "/sys/bus/pci/devices/0000:76:00.0/"
                                                          "sriov_numvfs",
                                                          NULL },
                                         &out),
                         0);
        ck_assert_str_eq(out, want_read);
}

START_TEST(test_sriov_numvfs) {
        _cleanup_close_ int fd = -EBADF;
        sim_harness *h = NULL;
        pid_t pid;

        ck_assert_int_eq(sim_harness_start(NULL, &h), 0);
        start_watch(h, &pid, &fd);
        ck_assert_uint_eq(count_vfs_of(h, "0000:76:00.0"), 4);

        /* 4 -> 0: each VF is unbound and removed. */
        write_numvfs(h, "0", 0, "0\n");
        count_uevents(fd, 4, 0);
        ck_assert_uint_eq(count_vfs_of(h, "0000:76:00.0"), 0);

        /* 0 -> 2: two VFs appear, bound to the host driver. */
        write_numvfs(h, "2", 0, "2\n");
        count_uevents(fd, 0, 2);
        ck_assert_uint_eq(count_vfs_of(h, "0000:76:00.0"), 2);

        /* The kernel's refusals fail the write: a different non-zero count (EBUSY), more than
         * total (ERANGE). */
        write_numvfs(h, "3", 1, "2\n");
        write_numvfs(h, "64", 1, "2\n");
        ck_assert_uint_eq(count_vfs_of(h, "0000:76:00.0"), 2);

        stop_watch(pid);
        sim_harness_stop(h);
}
END_TEST

/* A listener that reads nothing for a while (its socket holds about ten uevents) ends nothing:
 * as a kernel does with a full netlink socket, the host drops what does not fit for that
 * listener and tells it (its socket's error, ENOBUFS, once), and carries on; the listener gets
 * the next uevents as usual. */
START_TEST(test_slow_listener) {
        _cleanup_close_ int fd = -EBADF;
        sim_harness *h = NULL;
        _cleanup_free_ char *line = NULL;
        unsigned removed = 0, lost = 0, seen = 0;
        pid_t pid;

        ck_assert_int_eq(sim_harness_start(NULL, &h), 0);
        start_watch(h, &pid, &fd);
        ck_assert_int_eq(kill(pid, SIGSTOP), 0);
        /* 4 VFs unbound and removed, 4 added and bound: 16 uevents while it sleeps. */
        write_numvfs(h, "0", 0, "0\n");
        write_numvfs(h, "4", 0, "4\n");
        ck_assert_uint_eq(count_vfs_of(h, "0000:76:00.0"), 4);
        ck_assert_int_eq(kill(pid, SIGCONT), 0);
        /* What fitted, then word of the rest. */
        while (lost == 0) {
                line = mfree(line);
                ck_assert_int_eq(read_line_timeout(fd, &line, EVENT_TIMEOUT_MS), 0);
                lost += streq(line, "lost ENOBUFS");
                seen += !streq(line, "lost ENOBUFS");
        }
        ck_assert_uint_gt(seen, 0);
        ck_assert_uint_lt(seen, 16);
        /* Told once; and the host is alive and the listener hears it again. */
        write_numvfs(h, "0", 0, "0\n");
        while (removed < 4) {
                line = mfree(line);
                ck_assert_int_eq(read_line_timeout(fd, &line, EVENT_TIMEOUT_MS), 0);
                ck_assert_str_ne(line, "lost ENOBUFS");
                removed += strneq(line, "remove 0000:76:00.", strlen("remove 0000:76:00."));
        }
        stop_watch(pid);
        sim_harness_stop(h);
}
END_TEST

START_TEST(test_faults_from_config) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        hisi_mig_path path = {};
        sim_harness *h = NULL, *bad = NULL;

        ck_assert_int_eq(sim_harness_start("{\"faults\": [{\"type\": \"arc\", \"device\": "
                                           "\"0000:75:00.1\", \"from\": \"STOP\", \"to\": "
                                           "\"STOP_COPY\", \"errno\": \"EIO\", \"once\": true}]}",
                                           &h),
                         0);
        bind_vf(h, ZIP_VF);
        ck_assert_int_eq(sim_harness_use(h), 0);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, ZIP_VF, &d), 0);
        /* RUNNING -> STOP works, STOP -> STOP_COPY fails once with the configured errno, and
         * the device stays at the last arc that worked. */
        ck_assert_int_eq(hisi_migdev_set_state(d, HISI_MIG_STATE_STOP_COPY, &path, NULL), -EIO);
        ck_assert_uint_eq(path.n, 2);
        ck_assert_int_eq(path.states[1], HISI_MIG_STATE_STOP);
        ck_assert_int_eq(hisi_migdev_set_state(d, HISI_MIG_STATE_STOP_COPY, NULL, NULL), 0);
        sim_harness_stop(h);

        /* A fault the host cannot apply stops the start. */
        ck_assert_int_lt(sim_harness_start("{\"faults\": [{\"type\": \"arc\", \"device\": "
                                           "\"0000:75:00.1\", \"from\": \"FLYING\", \"to\": "
                                           "\"STOP\", \"errno\": \"EIO\"}]}",
                                           &bad),
                         0);
}
END_TEST

START_TEST(test_simulator_killed) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        sim_harness *h = NULL;
        hisi_mig_state s;

        ck_assert_int_eq(sim_harness_start(NULL, &h), 0);
        bind_vf(h, ZIP_VF);
        ck_assert_int_eq(sim_harness_use(h), 0);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, ZIP_VF, &d), 0);
        ck_assert_int_eq(hisi_migdev_get_state(d, &s), 0);
        ck_assert_int_eq(s, HISI_MIG_STATE_RUNNING);
        sim_harness_kill(h);
        /* The device went away with its host. */
        ck_assert_int_eq(hisi_migdev_get_state(d, &s), -ENODEV);
}
END_TEST

START_TEST(test_concurrent_binds) {
        static const char *const vfs[] = { "0000:75:00.1", "0000:75:00.2", "0000:75:00.3",
                                           "0000:75:00.4", "0000:76:00.1", "0000:76:00.2" };
        sim_harness *h = NULL;
        pid_t pids[ELEMENTSOF(vfs)];
        int fds[ELEMENTSOF(vfs)];

        /* The kernel takes every write of every client; so must the simulated host, however
         * they interleave. */
        ck_assert_int_eq(sim_harness_start(NULL, &h), 0);
        for (size_t i = 0; i < ELEMENTSOF(vfs); i++)
                ck_assert_int_eq(sim_harness_spawn(h,
                                                   (char *const[]){ (char *)sim_harness_migtool(),
                                                                    "bind", (char *)vfs[i], NULL },
                                                   &pids[i], &fds[i]),
                                 0);
        for (size_t i = 0; i < ELEMENTSOF(vfs); i++) {
                _cleanup_free_ char *driver = NULL;
                int status;
                ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
                close(fds[i]);
                ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "bind %s failed",
                              vfs[i]);
                ck_assert_int_eq(sim_harness_vf_field(h, vfs[i], "driver", &driver), 0);
                ck_assert_str_eq(driver, "hisi_acc_vfio_pci");
        }
        sim_harness_stop(h);
}
END_TEST

START_TEST(test_not_bound_is_no_device) {
        hisi_migdev *d = NULL;
        sim_harness *h = NULL;

        ck_assert_int_eq(sim_harness_start(NULL, &h), 0);
        ck_assert_int_eq(sim_harness_use(h), 0);
        /* Bound to hisi_zip, not to the vfio driver: no VFIO device. */
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, ZIP_VF, &d), -ENODEV);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, "0000:75:00.0", &d), -ENODEV);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, "0000:00:00.0", &d), -ENODEV);
        sim_harness_stop(h);
}
END_TEST

/* A test case of its own timeout and a context per test, in the suite. */
static TCase *host_tcase(Suite *s, const char *name) {
        TCase *tc = test_tcase(s, name);

        tcase_set_timeout(tc, 120);
        tcase_add_checked_fixture(tc, setup, teardown);
        return tc;
}

static Suite *sim_host_suite(void) {
        Suite *s = suite_create("sim-host");
        TCase *tc;

        tc = host_tcase(s, "host");
        tcase_add_test(tc, test_default_host);
        tcase_add_test(tc, test_not_bound_is_no_device);
        tcase_add_test(tc, test_concurrent_binds);

        tc = host_tcase(s, "udev");
        tcase_add_test(tc, test_bind_uevents);
        tcase_add_test(tc, test_sriov_numvfs);
        tcase_add_test(tc, test_slow_listener);

        tc = host_tcase(s, "state");
        tcase_add_test(tc, test_state_carried_between_hosts);
        tcase_add_test(tc, test_qp_mismatch_early);
        tcase_add_test(tc, test_qp_mismatch_at_load_on_6_1);

        tc = host_tcase(s, "lifetime");
        tcase_add_test(tc, test_holder_dies_mid_session);
        tcase_add_test(tc, test_simulator_killed);
        tcase_add_test(tc, test_faults_from_config);

        return s;
}

TEST_MAIN(sim_host_suite)
