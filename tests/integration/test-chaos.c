/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Chaos, seeded and bounded: the real daemon on a simulated host of 252 VFs (4 PFs of 63) under
 * the binding policy "all" with 64 binds at a time, and a campaign of rounds. Each round does
 * its featured action (in turn: a burst of 64 concurrent binds, concurrent binds and unbinds
 * through hisi-accmigctl with unplug and plug of VFs meanwhile, the same with SIGHUP and Reload
 * meanwhile, the simulated host killed and started again with the daemon, as after a reboot),
 * plus a few actions the seed picks from the same set. After every round:
 *  - the daemon's registry (every VF and its driver) equals the simulated host's;
 *  - its fds and children are back at their baseline (no child, no leaked fd);
 *  - it answers a status query within a second.
 * The seed and the number of rounds are printed, so that a failure can be replayed:
 * HISI_CHAOS_SEED (default: the time) and HISI_CHAOS_ROUNDS (default 4: the short form the suite
 * runs; a longer one by hand, HISI_CHAOS_ROUNDS=100).
 */

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "macro.h"
#include "parse-util.h"
#include "string-util.h"
#include "test-main.h"

#define N_PFS      4
#define VFS_PER_PF 63
#define N_VFS      (N_PFS * VFS_PER_PF)
#define VFIO       "hisi_acc_vfio_pci"
#define SETTLE_MS  20000

#define HOST                                                                                       \
        "{\"pfs\": [{\"address\": \"0000:75:00.0\", \"kind\": \"zip\", \"vfs\": 63},"              \
        " {\"address\": \"0000:76:00.0\", \"kind\": \"sec\", \"vfs\": 63},"                        \
        " {\"address\": \"0000:79:00.0\", \"kind\": \"hpre\", \"vfs\": 63},"                       \
        " {\"address\": \"0000:7a:00.0\", \"kind\": \"zip\", \"vfs\": 63}]}"

static const char *const pfs[N_PFS] = { "75", "76", "79", "7a" };

typedef enum Action {
        ACTION_BURST,      /* 64 VFs unbound at once through the CLI, then a Reload binds them */
        ACTION_CLI,        /* concurrent binds and unbinds of random VFs through the CLI */
        ACTION_HOTPLUG,    /* unplug and plug random VFs (during CLI traffic) */
        ACTION_SIGNALS,    /* SIGHUP and Reload (during CLI traffic) */
        ACTION_HOST_CRASH, /* the simulated host killed, then started again with the daemon */
        _ACTION_MAX,
} Action;

static const char *const action_names[_ACTION_MAX] = {
        [ACTION_BURST] = "burst",           [ACTION_CLI] = "cli",
        [ACTION_HOTPLUG] = "hotplug",       [ACTION_SIGNALS] = "signals",
        [ACTION_HOST_CRASH] = "host-crash",
};

/* The round's featured action, in turn: the short form does each once. */
static const Action featured[] = { ACTION_BURST, ACTION_HOTPLUG, ACTION_SIGNALS,
                                   ACTION_HOST_CRASH };

typedef struct Chaos {
        daemon_harness *h;
        uint64_t rng;
        bool unplugged[N_VFS];
        unsigned base_fds;
} Chaos;

/* ---- Randomness from the seed alone (xorshift64*) ---- */

static uint64_t rnd(Chaos *c) {
        c->rng ^= c->rng >> 12;
        c->rng ^= c->rng << 25;
        c->rng ^= c->rng >> 27;
        return c->rng * UINT64_C(2685821657736338717);
}

static unsigned rnd_below(Chaos *c, unsigned n) {
        return (unsigned)(rnd(c) % n);
}

static void vf_address(unsigned i, char buf[static 16]) {
        unsigned fn = i % VFS_PER_PF + 1; /* routing ID offset: the PF's + 1 + index */

        snprintf(buf, 16, "0000:%s:%02x.%u", pfs[i / VFS_PER_PF], fn / 8, fn % 8);
}

/* ---- The programs ---- */

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static pid_t spawn_ctl(Chaos *c, const char *verb, const char *arg) {
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                setenv("DBUS_SYSTEM_BUS_ADDRESS", c->h->bus_address, 1);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
                execl(dh_ctl_binary(), "hisi-accmigctl", verb, arg, (char *)NULL);
                _exit(127);
        }
        return pid;
}

/* Wait for them all; each exits with an answer, never with a lost call or a timeout. */
static void wait_ctls(pid_t *pids, size_t n) {
        for (size_t i = 0; i < n; i++) {
                int status;

                ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
                ck_assert(WIFEXITED(status));
                /* done, failed, no such VF (unplugged), refused (busy) */
                ck_assert_msg(IN_SET(WEXITSTATUS(status), 0, 1, 3, 5),
                              "hisi-accmigctl exited with %d", WEXITSTATUS(status));
        }
}

/* k concurrent binds and unbinds of random VFs, started now. */
static size_t start_cli(Chaos *c, pid_t *pids, size_t k) {
        for (size_t i = 0; i < k; i++) {
                char vf[16];

                vf_address(rnd_below(c, N_VFS), vf);
                pids[i] = spawn_ctl(c, rnd_below(c, 2) ? "bind" : "unbind", vf);
        }
        return k;
}

/* ---- The checks after a round ---- */

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

static unsigned count_children(pid_t pid) {
        _cleanup_free_ char *s = NULL;
        char p[64];
        unsigned n = 0;

        snprintf(p, sizeof(p), "/proc/%d/task/%d/children", (int)pid, (int)pid);
        if (read_one_line_file(p, &s) < 0)
                return 0;
        for (char *t = strtok(s, " "); t; t = strtok(NULL, " "))
                n++;
        return n;
}

/* "address driver\n" for every VF, sorted, as the daemon says. */
static char *daemon_view(Chaos *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        char *lines[N_VFS + 8], *out = NULL;
        size_t n = 0, len = 0;
        const char *address, *kind, *pf, *driver, *path;
        int r;

        r = sd_bus_call_method(c->h->bus, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                               ACCMIG_MANAGER_INTERFACE, "ListDevices", &error, &reply, NULL);
        ck_assert_msg(r >= 0, "ListDevices: %s", error.message);
        ck_assert_int_ge(sd_bus_message_enter_container(reply, 'a', "(sssso)"), 0);
        while ((r = sd_bus_message_read(reply, "(sssso)", &address, &kind, &pf, &driver, &path)) >
               0) {
                ck_assert_uint_lt(n, ELEMENTSOF(lines));
                ck_assert_int_ge(
                        asprintf_safe(&lines[n++], "%s %s\n", address, driver[0] ? driver : "-"),
                        0);
        }
        ck_assert_int_ge(r, 0);
        for (size_t i = 0; i < n; i++)
                len += strlen(lines[i]);
        out = calloc(1, len + 1);
        ck_assert_ptr_nonnull(out);
        /* ListDevices is sorted by address already. */
        for (size_t i = 0; i < n; i++) {
                strcat(out, lines[i]);
                free(lines[i]);
        }
        return out;
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same, as the simulated host says. */
static char *host_view(Chaos *c) {
        json_object *reply = NULL, *result;
        char *lines[N_VFS + 8], *out;
        size_t n = 0, len = 0;

        ck_assert_int_eq(sim_harness_ctl(c->h->sim, "{\"cmd\": \"list\"}", &reply), 0);
        ck_assert(json_object_object_get_ex(reply, "result", &result));
        for (size_t i = 0; i < json_object_array_length(result); i++) {
                json_object *d = json_object_array_get_idx(result, i), *role, *address, *driver;
                const char *drv;

                if (!json_object_object_get_ex(d, "role", &role) ||
                    !streq(json_object_get_string(role), "vf"))
                        continue;
                ck_assert(json_object_object_get_ex(d, "address", &address));
                drv = json_object_object_get_ex(d, "driver", &driver)
                              ? json_object_get_string(driver)
                              : NULL;
                ck_assert_uint_lt(n, ELEMENTSOF(lines));
                ck_assert_int_ge(asprintf_safe(&lines[n++], "%s %s\n",
                                               json_object_get_string(address),
                                               drv && drv[0] ? drv : "-"),
                                 0);
        }
        json_object_put(reply);
        qsort(lines, n, sizeof(char *), compare_strings);
        for (size_t i = 0; i < n; i++)
                len += strlen(lines[i]);
        out = calloc(1, len + 1);
        ck_assert_ptr_nonnull(out);
        for (size_t i = 0; i < n; i++) {
                strcat(out, lines[i]);
                free(lines[i]);
        }
        return out;
}

/* The first line where two views differ, for the failure message. */
static void first_difference(const char *a, const char *b, char *buf, size_t size) {
        size_t i = 0, line = 0;

        while (a[i] && a[i] == b[i])
                i++;
        while (line < i && a[i - line - 1] != '\n')
                line++;
        snprintf(buf, size, "daemon \"%.40s\" / host \"%.40s\"", a + i - line, b + i - line);
}

/* The daemon's fds at rest: a few looks, the fewest (a reading of sysfs may hold a directory
 * open at any one of them). */
static unsigned fds_at_rest(Chaos *c) {
        unsigned n = UINT32_MAX;

        for (int i = 0; i < 5; i++) {
                n = MIN(n, count_fds(c->h->daemon_pid));
                (void)dh_pump(c->h, 50);
        }
        return n;
}

static void settle_and_check(Chaos *c, unsigned round, const char *what) {
        _cleanup_free_ char *d = NULL, *s = NULL, *out = NULL;
        uint64_t t0 = now_ms();
        pid_t pid = c->h->daemon_pid;
        char diff[128];

        ck_assert_int_eq(dh_wait_property(c->h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                                          "PendingJobs", "0"),
                         0);
        /* The registry follows the host's uevents a moment later. */
        for (;;) {
                d = mfree(d);
                s = mfree(s);
                d = daemon_view(c);
                s = host_view(c);
                if (streq(d, s) && count_children(pid) == 0 && c->base_fds == 0)
                        c->base_fds = fds_at_rest(c);
                if (streq(d, s) && count_children(pid) == 0 && count_fds(pid) == c->base_fds)
                        break;
                if (now_ms() - t0 > SETTLE_MS)
                        break;
                (void)dh_pump(c->h, 50);
        }
        first_difference(d, s, diff, sizeof(diff));
        ck_assert_msg(streq(d, s), "round %u (%s): the registry is not the host's: %s", round, what,
                      diff);
        ck_assert_msg(count_children(pid) == 0, "round %u (%s): %u children left", round, what,
                      count_children(pid));
        ck_assert_msg(count_fds(pid) == c->base_fds, "round %u (%s): %u fds, not %u", round, what,
                      count_fds(pid), c->base_fds);
        t0 = now_ms();
        ck_assert_int_eq(dh_ctl(c->h, 0, &out, NULL, "status", NULL), 0);
        ck_assert_msg(now_ms() - t0 < test_limit_ms(1000), "round %u (%s): status took %llu ms",
                      round, what, (unsigned long long)(now_ms() - t0));
        ck_assert_msg(strstr(out, ": running, backend sim"), "round %u (%s): %s", round, what, out);
}

/* ---- The actions ---- */

static void start_daemon(Chaos *c) {
        ck_assert_int_eq(dh_start_daemon(c->h), 0);
        ck_assert_int_eq(dh_wait_property(c->h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                                          "PendingJobs", "0"),
                         0);
        memset(c->unplugged, 0, sizeof(c->unplugged));
        c->base_fds = 0; /* taken once it has settled */
}

static void do_burst(Chaos *c) {
        pid_t pids[64];
        unsigned first = rnd_below(c, N_VFS - 64);

        /* 64 VFs released at once, then bound again, 64 at once, by the policy. */
        for (size_t i = 0; i < 64; i++) {
                char vf[16];

                vf_address(first + (unsigned)i, vf);
                pids[i] = spawn_ctl(c, "unbind", vf);
        }
        wait_ctls(pids, 64);
        ck_assert_int_eq(dh_ctl(c->h, 0, NULL, NULL, "reload", NULL), 0);
}

static void do_hotplug(Chaos *c) {
        for (unsigned k = 0, n = 2 + rnd_below(c, 6); k < n; k++) {
                unsigned i = rnd_below(c, N_VFS);
                char vf[16];

                vf_address(i, vf);
                ck_assert_int_eq(dh_sim_ctl(c->h, c->unplugged[i] ? "plug" : "unplug", vf, NULL),
                                 0);
                c->unplugged[i] = !c->unplugged[i];
        }
}

static void do_signals(Chaos *c) {
        ck_assert_int_eq(dh_signal_daemon(c->h, SIGHUP), 0);
        ck_assert_int_eq(dh_ctl(c->h, 0, NULL, NULL, "reload", NULL), 0);
        if (rnd_below(c, 2))
                ck_assert_int_eq(dh_signal_daemon(c->h, SIGHUP), 0);
}

static void do_host_crash(Chaos *c) {
        uint64_t t0;

        ck_assert_int_eq(kill(c->h->sim->pid, SIGKILL), 0);
        /* The daemon says so, and keeps answering. */
        ck_assert_int_eq(dh_wait_property(c->h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "State",
                                          "degraded"),
                         0);
        t0 = now_ms();
        ck_assert_int_eq(dh_ctl(c->h, 0, NULL, NULL, "status", NULL), 0);
        ck_assert_uint_lt(now_ms() - t0, test_limit_ms(1000));
        /* The host comes back, as after a reboot, and the daemon with it. */
        t0 = now_ms();
        ck_assert_int_eq(dh_stop_daemon(c->h), 0);
        ck_assert_uint_lt(now_ms() - t0, test_limit_ms(4000));
        ck_assert_int_eq(dh_replace_sim(c->h, HOST), 0);
        start_daemon(c);
}

static void act(Chaos *c, Action a) {
        pid_t pids[32];
        size_t n = 0;

        switch (a) {
        case ACTION_BURST:
                do_burst(c);
                return;
        case ACTION_CLI:
                n = start_cli(c, pids, 4 + rnd_below(c, 28));
                break;
        case ACTION_HOTPLUG:
                n = start_cli(c, pids, 4 + rnd_below(c, 12));
                do_hotplug(c);
                break;
        case ACTION_SIGNALS:
                n = start_cli(c, pids, 4 + rnd_below(c, 12));
                do_signals(c);
                break;
        case ACTION_HOST_CRASH:
                do_host_crash(c);
                return;
        case _ACTION_MAX:
                break;
        }
        wait_ctls(pids, n);
}

START_TEST(test_chaos) {
        const char *seed_env = getenv("HISI_CHAOS_SEED"), *rounds_env = getenv("HISI_CHAOS_ROUNDS");
        uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
        unsigned rounds = ELEMENTSOF(featured);
        Chaos c = {};

        if (seed_env)
                ck_assert_int_eq(safe_atou64(seed_env, &seed), 0);
        if (rounds_env)
                ck_assert_int_eq(safe_atou32(rounds_env, &rounds), 0);
        fprintf(stderr,
                "chaos: seed %llu, %u rounds (replay: HISI_CHAOS_SEED=%llu HISI_CHAOS_ROUNDS=%u)\n",
                (unsigned long long)seed, rounds, (unsigned long long)seed, rounds);
        c.rng = seed ? seed : 1;

        ck_assert_int_eq(dh_new(HOST, &c.h), 0);
        ck_assert_int_eq(dh_write_config(c.h, "\"binding\": {\"policy\": \"all\"},\n"
                                              "  \"limits\": {\"max_concurrent_binds\": 64},\n"
                                              "  \"timeouts\": {\"bind_ms\": 5000}"),
                         0);
        start_daemon(&c);
        settle_and_check(&c, 0, "start");

        for (unsigned r = 1; r <= rounds; r++) {
                Action actions[3] = { featured[(r - 1) % ELEMENTSOF(featured)] };
                unsigned n = 1 + rnd_below(&c, 3);
                char what[128];

                /* A crash of the host is only ever the featured action: it is slow. */
                for (unsigned k = 1; k < n; k++)
                        actions[k] = (Action)rnd_below(&c, ACTION_HOST_CRASH);
                snprintf(what, sizeof(what), "%s%s%s%s%s", action_names[actions[0]],
                         n > 1 ? " + " : "", n > 1 ? action_names[actions[1]] : "",
                         n > 2 ? " + " : "", n > 2 ? action_names[actions[2]] : "");
                fprintf(stderr, "chaos: round %u: %s\n", r, what);
                for (unsigned k = 0; k < n; k++)
                        act(&c, actions[k]);
                settle_and_check(&c, r, what);
        }
        ck_assert_int_eq(dh_stop_daemon(c.h), 0);
        dh_free(c.h);
}
END_TEST

static Suite *chaos_suite(void) {
        Suite *s = suite_create("chaos");
        TCase *tc = tcase_create("campaign");

        /* The rounds bound the campaign; this bounds a long one by hand. */
        tcase_set_timeout(tc, 3600);
        tcase_add_test(tc, test_chaos);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, chaos_suite)
