/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Crash safety (issue 12): two real hisi-accmigd on their simulated hosts, one of them (or both)
 * killed with SIGKILL in each phase of a live migration and started again, as systemd would,
 * with the fds its fd store kept (the harness's notify receiver plays the service manager). A
 * delay fault of the simulated host holds a daemon inside a device operation, or a manual
 * switchover or commit holds the migration, so that the kill lands exactly in the phase meant.
 *
 * Afterwards the VF's guest state (the simulated guest's digest, frozen before the migration)
 * runs on exactly one host, equal to what it was at the stop, and both daemons say the same
 * outcome. Then the cases a crash can leave on disk: a damaged record, a record of a newer
 * version, a device kept with no record, a record whose device was not kept. Last, a seeded
 * campaign (HISI_TEST_SEED, HISI_TEST_CRASH_ROUNDS; the seed is printed) picks a hold, a victim
 * and a restart order at random and checks the same invariants.
 */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "macro.h"
#include "migration-steps.h"
#include "peer-hosts.h"
#include "string-util.h"
#include "test-main.h"
#include "test-pki.h"
#include "time-util.h"

#define VF "0000:75:00.1"
/* Long enough for the test to see the hold and kill inside it. */
#define HOLD_MS "1500"

/* ---- The hosts ---- */

typedef struct crash_test {
        host a, b;    /* the source, the destination */
        char *digest; /* the source VF's guest state, frozen before the migration */
        char *path;   /* the migration's object path (the same on both hosts) */
} crash_test;

/* in_doubt_ms: how long the source waits for the destination before it asks an operator. */
static void crash_start_full(crash_test *t, unsigned in_doubt_ms) {
        _cleanup_free_ char *sim = sim_config("6.16", 64), *timeouts = NULL;

        *t = (crash_test){};
        ck_assert_int_ge(asprintf_safe(&timeouts,
                                       "\"peer_io_ms\": 3000, \"peer_connect_ms\": 3000, "
                                       "\"in_doubt_ms\": %u",
                                       in_doubt_ms),
                         0);
        peer_hosts_timeouts = timeouts;
        host_start_full(&t->a, sim, "host-a", NULL, NULL, -1);
        host_start_full(&t->b, sim, "host-b", NULL, NULL, -1);
        peer_hosts_timeouts = NULL;
        /* A workload's VF on the source, its guest set up and stepping; then both hosts' guest
         * clocks stand still, so that its digest is the state wherever it runs (its guest
         * driver stays loaded: the whole state moves, not only the match data). */
        take_device(&t->a, VF);
        ck_assert_int_eq(dh_sim_ctl(t->a.h, "clock", "stop", NULL), 0);
        ck_assert_int_eq(dh_sim_ctl(t->b.h, "clock", "stop", NULL), 0);
        t->digest = field(&t->a, VF, "digest");
}

static void crash_start(crash_test *t) {
        crash_start_full(t, 600000);
}

static void crash_stop(crash_test *t) {
        host_stop(&t->a);
        host_stop(&t->b);
        free(t->digest);
        free(t->path);
}

static void kill_daemon(host *x) {
        ck_assert_int_eq(dh_signal_daemon(x->h, SIGKILL), 0);
        ck_assert_int_eq(dh_wait_exit(x->h), 128 + SIGKILL);
}

static void restart_daemon(host *x) {
        ck_assert_int_eq(dh_start_daemon(x->h), 0);
}

static char *records_path(host *x, const char *id) {
        char *p = NULL;

        ck_assert_int_ge(asprintf_safe(&p, "%s/run/migrations/%s.json", x->h->dir, id), 0);
        return p;
}

static const char *path_id(const char *path) {
        return strrchr(path, '/') + 1;
}

/* The migration's phase on x once it is settled (committed or rolled-back); NULL when x has no
 * such migration (its daemon died before it recorded one) and allow_absent. */
static char *wait_settled(host *x, const char *path, bool allow_absent) {
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + DH_TIMEOUT_MS * USEC_PER_MSEC;

        for (;;) {
                char *phase = NULL;
                int r = dh_get_property(x->h, path, ACCMIG_MIGRATION_INTERFACE, "Phase", &phase);

                if (r < 0 && allow_absent)
                        return NULL;
                if (r >= 0 && (streq(phase, "committed") || streq(phase, "rolled-back")))
                        return phase;
                if (now_usec(CLOCK_MONOTONIC) > deadline) {
                        _cleanup_free_ char *error = NULL, *attention = NULL;
                        (void)dh_get_property(x->h, path, ACCMIG_MIGRATION_INTERFACE, "Error",
                                              &error);
                        (void)dh_get_property(x->h, path, ACCMIG_MIGRATION_INTERFACE, "Attention",
                                              &attention);
                        ck_abort_msg("%s stays %s (error: %s; attention: %s)", path, strna(phase),
                                     strna(error), strna(attention));
                }
                free(phase);
                (void)dh_pump(x->h, 200);
        }
}

/* The invariant: the state runs on exactly one host, as it was at the stop, and both daemons
 * say the same outcome (the destination may know nothing of a migration it never recorded: it
 * never ran it). Returns the outcome. */
static const char *assert_settled(crash_test *t, const char *expected) {
        _cleanup_free_ char *on_a = wait_settled(&t->a, t->path, false);
        _cleanup_free_ char *on_b = wait_settled(&t->b, t->path, true);
        const char *outcome = streq(on_a, "committed") ? "committed" : "rolled-back";

        ck_assert_msg(!on_b || streq(on_a, on_b), "the source says %s, the destination %s", on_a,
                      on_b);
        ck_assert_msg(on_b || streq(on_a, "rolled-back"),
                      "committed, and the destination knows nothing of it");
        if (expected)
                ck_assert_msg(streq(on_a, expected), "%s, expected %s", on_a, expected);
        if (streq(outcome, "committed")) {
                _cleanup_free_ char *moved = NULL;

                wait_field(&t->b, VF, "open", "true");
                assert_field(&t->b, VF, "state", "RUNNING");
                moved = field(&t->b, VF, "digest");
                ck_assert_msg(streq(moved, t->digest),
                              "the destination runs digest %s, the source stopped at %s", moved,
                              t->digest);
                wait_field(&t->a, VF, "open", "false"); /* let go: reset, runs nothing */
        } else {
                assert_field(&t->a, VF, "open", "true");
                assert_intact(&t->a, VF, t->digest);
                wait_field(&t->b, VF, "open", "false");
        }
        return outcome;
}

/* ---- Holding a migration in a phase ---- */

enum {
        KILL_SOURCE = 1 << 0,
        KILL_DESTINATION = 1 << 1,
        KILL_BOTH = KILL_SOURCE | KILL_DESTINATION,
};

typedef struct hold {
        const char *name;
        unsigned flags; /* MANUAL_SWITCHOVER, MANUAL_COMMIT */
        /* A delay fault on the source's ('a') or the destination's ('b') VF, seen once the VF
         * is in hold_state; or, without one, the source's phase to wait for. */
        char on;
        const char *from, *to, *hold_state;
        /* The source's phase to wait for (before the hold is looked for, with a fault: a VF
         * just opened shows RUNNING too). */
        const char *phase;
} hold;

static const hold holds[] = {
        /* The destination takes its VF (STOP -> RESUMING) before it answers migrate. */
        { "negotiating", 0, 'b', "STOP", "RESUMING", "RESUMING", NULL },
        /* Precopy done, the source VF in PRE_COPY, waiting for Switchover(). */
        { "ready", MANUAL_SWITCHOVER, 0, NULL, NULL, NULL, "ready" },
        /* The source stops its VF (PRE_COPY -> STOP_COPY). */
        { "switchover", MANUAL_COMMIT, 'a', "PRE_COPY", "STOP_COPY", "STOP_COPY", NULL },
        /* Every VF loaded on the destination, none runs, waiting for Commit(). */
        { "loaded", MANUAL_COMMIT, 0, NULL, NULL, NULL, "loaded" },
        /* COMMIT sent; the destination loads (RESUMING -> STOP). */
        { "loading", 0, 'b', "RESUMING", "STOP", "STOP", "committing" },
        /* COMMIT sent; the destination runs the VF (STOP -> RUNNING) before it answers. */
        { "running", 0, 'b', "STOP", "RUNNING", "RUNNING", "committing" },
};

static const hold *find_hold(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(holds); i++)
                if (streq(holds[i].name, name))
                        return &holds[i];
        ck_abort_msg("no hold %s", name);
        return NULL;
}

/* Start the migration and return once it is held where h says. */
static void migrate_and_hold(crash_test *t, const hold *h) {
        host *faulty = h->on == 'a' ? &t->a : &t->b;

        if (h->on)
                ck_assert_int_eq(
                        dh_sim_ctl(faulty->h, "fault", VF, "delay", h->from, h->to, HOLD_MS, NULL),
                        0);
        t->path = migrate(&t->a, t->b.to, h->flags, (const char *const[]){ VF, NULL },
                          (const char *const[]){ VF, NULL });
        if (h->phase)
                wait_phase(&t->a, t->path, h->phase);
        if (h->on)
                wait_held(faulty, VF, h->hold_state);
}

static void kill_victims(crash_test *t, unsigned victims) {
        if (victims & KILL_SOURCE)
                kill_daemon(&t->a);
        if (victims & KILL_DESTINATION)
                kill_daemon(&t->b);
}

static void restart_victims(crash_test *t, unsigned victims, bool destination_first) {
        if ((victims & KILL_DESTINATION) && destination_first)
                restart_daemon(&t->b);
        if (victims & KILL_SOURCE)
                restart_daemon(&t->a);
        if ((victims & KILL_DESTINATION) && !destination_first)
                restart_daemon(&t->b);
}

/* ---- 1. Each daemon killed in each phase ---- */

typedef struct crash_case {
        const char *hold;
        unsigned victims;
        bool destination_first;
        const char *outcome;
} crash_case;

static const crash_case cases[] = {
        /* Before COMMIT: whoever dies, the source runs again and the destination resets. */
        { "negotiating", KILL_SOURCE, false, "rolled-back" },
        { "negotiating", KILL_DESTINATION, false, "rolled-back" },
        { "ready", KILL_SOURCE, false, "rolled-back" },
        { "ready", KILL_DESTINATION, false, "rolled-back" },
        { "switchover", KILL_SOURCE, false, "rolled-back" },
        { "loaded", KILL_SOURCE, false, "rolled-back" },
        { "loaded", KILL_DESTINATION, false, "rolled-back" },
        /* COMMIT sent, the destination loading: it decides. Killed, it never ran the VF. */
        { "loading", KILL_SOURCE, false, "committed" },
        { "loading", KILL_DESTINATION, false, "rolled-back" },
        /* COMMIT sent, the destination running the VF. */
        { "running", KILL_SOURCE, false, "committed" },
        /* The destination restarted before it answered COMMITTED: the source asks it. */
        { "running", KILL_DESTINATION, false, "committed" },
        /* Both at once after COMMIT, restarted in either order. */
        { "running", KILL_BOTH, false, "committed" },
        { "running", KILL_BOTH, true, "committed" },
        { "loading", KILL_BOTH, false, "rolled-back" },
        { "loading", KILL_BOTH, true, "rolled-back" },
};

START_TEST(test_kill_in_phase) {
        const crash_case *c = &cases[_i];
        crash_test t;

        fprintf(stderr, "kill %s%s%s while %s%s\n", c->victims & KILL_SOURCE ? "the source" : "",
                c->victims == KILL_BOTH ? " and " : "",
                c->victims & KILL_DESTINATION ? "the destination" : "", c->hold,
                c->victims == KILL_BOTH && c->destination_first ? ", the destination back first"
                                                                : "");
        crash_start(&t);
        migrate_and_hold(&t, find_hold(c->hold));
        kill_victims(&t, c->victims);
        restart_victims(&t, c->victims, c->destination_first);
        assert_settled(&t, c->outcome);
        crash_stop(&t);
}
END_TEST

/* The source restarted in doubt while the destination is down: an operator may not decide yet
 * (the destination will say), and once it is back, it does. */
START_TEST(test_resolve_refused_while_asking) {
        _cleanup_free_ char *out = NULL, *err = NULL;
        crash_test t;

        crash_start(&t);
        migrate_and_hold(&t, find_hold("running"));
        kill_victims(&t, KILL_BOTH);
        restart_daemon(&t.a);
        wait_phase(&t.a, t.path, "in-doubt");
        assert_stopped(&t.a, VF);
        ck_assert_int_eq(
                dh_ctl(t.a.h, 0, &out, &err, "resolve", path_id(t.path), "--resume-source", NULL),
                5);
        assert_says(err, "still asking");
        assert_stopped(&t.a, VF);
        restart_daemon(&t.b);
        assert_settled(&t, "committed");
        crash_stop(&t);
}
END_TEST

/* The destination dies after COMMIT while loading and stays down past timeouts.in_doubt_ms:
 * the source asks an operator, who knows it never ran the VF. Once back, the destination rolls
 * back too (its record says it never ran it). */
START_TEST(test_operator_decides) {
        _cleanup_free_ char *out = NULL, *err = NULL, *attention = NULL;
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + DH_TIMEOUT_MS * USEC_PER_MSEC;
        crash_test t;

        crash_start_full(&t, 2000);
        migrate_and_hold(&t, find_hold("loading"));
        kill_victims(&t, KILL_DESTINATION);
        wait_phase(&t.a, t.path, "in-doubt");
        for (;;) {
                attention = mfree(attention);
                ck_assert_int_eq(dh_get_property(t.a.h, t.path, ACCMIG_MIGRATION_INTERFACE,
                                                 "Attention", &attention),
                                 0);
                if (!isempty(attention))
                        break;
                ck_assert_msg(now_usec(CLOCK_MONOTONIC) < deadline, "no Attention");
                (void)dh_pump(t.a.h, 200);
        }
        assert_says(attention, "has not said for 2 s whether it runs the VFs");
        assert_stopped(&t.a, VF);
        ck_assert_int_eq(dh_ctl(t.a.h, 0, &out, &err, "show-migration", path_id(t.path), NULL), 0);
        assert_says(out, "needs an operator:");
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(
                dh_ctl(t.a.h, 0, &out, &err, "resolve", path_id(t.path), "--resume-source", NULL),
                0);
        assert_says(out, "rolled-back");
        assert_intact(&t.a, VF, t.digest);
        restart_daemon(&t.b);
        assert_settled(&t, "rolled-back");
        crash_stop(&t);
}
END_TEST

/* ---- 2. What a crash can leave on disk ---- */

/* The source's record damaged while it was down, after COMMIT: the VF stays stopped and an
 * in-doubt migration of its own asks the operator, who knows the destination runs it. */
static void damaged_record_case(const char *text, const char *says) {
        _cleanup_free_ char *record = NULL, *out = NULL, *err = NULL, *attention = NULL;
        const char *orphan = "/com/hisilicon/AccMig1/migration/unrecorded_2d0000_2d75_2d00_2d1";
        crash_test t;

        crash_start(&t);
        migrate_and_hold(&t, find_hold("running"));
        kill_victims(&t, KILL_SOURCE);
        record = records_path(&t.a, path_id(t.path));
        ck_assert_int_eq(write_file(record, text, strlen(text), 0600), 0);
        restart_daemon(&t.a);
        ck_assert_int_eq(dh_wait_log(t.a.h, says, NULL), 0);
        /* Nothing runs twice: the destination runs it, the source holds it stopped. */
        {
                _cleanup_free_ char *on_b = wait_settled(&t.b, t.path, false);
                ck_assert_str_eq(on_b, "committed");
        }
        assert_stopped(&t.a, VF);
        assert_field(&t.a, VF, "open", "true");
        wait_phase(&t.a, orphan, "in-doubt");
        ck_assert_int_eq(
                dh_get_property(t.a.h, orphan, ACCMIG_MIGRATION_INTERFACE, "Attention", &attention),
                0);
        assert_says(attention, "no readable record");
        ck_assert_int_eq(dh_ctl(t.a.h, 0, &out, &err, "resolve", "unrecorded-0000-75-00-1",
                                "--keep-destination", NULL),
                         0);
        wait_field(&t.a, VF, "open", "false");
        {
                _cleanup_free_ char *moved = field(&t.b, VF, "digest");
                ck_assert_str_eq(moved, t.digest);
        }
        /* The damaged record stays for a person to read. */
        ck_assert_int_eq(access(record, F_OK), 0);
        crash_stop(&t);
}

START_TEST(test_damaged_record) {
        damaged_record_case("{ \"version\": 1, \"migration\": \"", "cannot be read");
}
END_TEST

START_TEST(test_newer_record) {
        damaged_record_case("{ \"version\": 7, \"migration\": \"x\", \"shape\": \"new\" }",
                            "written by a newer hisi-accmigd (record version 7");
}
END_TEST

/* A device kept with no record (the record lost): it was in PRE_COPY, its state never left:
 * it runs again, held, intact. */
START_TEST(test_fd_without_record) {
        _cleanup_free_ char *record = NULL;
        crash_test t;

        crash_start(&t);
        migrate_and_hold(&t, find_hold("ready"));
        kill_victims(&t, KILL_SOURCE);
        record = records_path(&t.a, path_id(t.path));
        ck_assert_int_eq(unlink(record), 0);
        restart_daemon(&t.a);
        ck_assert_int_eq(dh_wait_log(t.a.h, "Kept across the restart (PRE_COPY)", NULL), 0);
        assert_field(&t.a, VF, "open", "true");
        assert_intact(&t.a, VF, t.digest);
        {
                _cleanup_free_ char *on_b = wait_settled(&t.b, t.path, false);
                ck_assert_str_eq(on_b, "rolled-back");
        }
        wait_field(&t.b, VF, "open", "false");
        crash_stop(&t);
}
END_TEST

/* A record whose device the store did not keep (the service manager lost it): said, and the
 * destination's answer settles the migration. */
START_TEST(test_record_without_fd) {
        crash_test t;

        crash_start(&t);
        migrate_and_hold(&t, find_hold("running"));
        kill_victims(&t, KILL_SOURCE);
        notify_receiver_fdstore_clear(t.a.h->notify);
        wait_field(&t.a, VF, "open", "false"); /* its last close: the kernel reset it */
        restart_daemon(&t.a);
        ck_assert_int_eq(dh_wait_log(t.a.h, "not kept across the restart", NULL), 0);
        {
                _cleanup_free_ char *on_a = wait_settled(&t.a, t.path, false);
                _cleanup_free_ char *on_b = wait_settled(&t.b, t.path, false);
                _cleanup_free_ char *moved = field(&t.b, VF, "digest");
                ck_assert_str_eq(on_a, "committed");
                ck_assert_str_eq(on_b, "committed");
                ck_assert_str_eq(moved, t.digest);
        }
        crash_stop(&t);
}
END_TEST

/* ---- 3. A seeded campaign ---- */

START_TEST(test_campaign) {
        const char *seed_text = getenv("HISI_TEST_SEED"),
                   *rounds_text = getenv("HISI_TEST_CRASH_ROUNDS");
        unsigned seed = seed_text ? (unsigned)strtoul(seed_text, NULL, 0)
                                  : (unsigned)now_usec(CLOCK_REALTIME);
        unsigned rounds = rounds_text ? (unsigned)strtoul(rounds_text, NULL, 0) : 3;

        fprintf(stderr, "campaign: seed %u, %u rounds (HISI_TEST_SEED=%u to repeat)\n", seed,
                rounds, seed);
        srand(seed);
        for (unsigned i = 0; i < rounds; i++) {
                const hold *h = &holds[(unsigned)rand() % ELEMENTSOF(holds)];
                unsigned victims = 1 + (unsigned)rand() % 3;
                bool destination_first = rand() % 2;
                crash_test t;

                fprintf(stderr, "round %u: hold %s, kill %s, %s first\n", i, h->name,
                        victims == KILL_BOTH     ? "both"
                        : victims == KILL_SOURCE ? "source"
                                                 : "destination",
                        destination_first ? "destination" : "source");
                crash_start(&t);
                migrate_and_hold(&t, h);
                kill_victims(&t, victims);
                restart_victims(&t, victims, destination_first);
                fprintf(stderr, "round %u: %s\n", i, assert_settled(&t, NULL));
                crash_stop(&t);
        }
}
END_TEST

static Suite *make_suite(void) {
        Suite *s = suite_create("migration-crash");
        TCase *tc;

        tc = tcase_create("phases");
        tcase_add_unchecked_fixture(tc, peer_hosts_make_pki, peer_hosts_keep_pki);
        tcase_set_timeout(tc, 0);
        tcase_add_loop_test(tc, test_kill_in_phase, 0, ELEMENTSOF(cases));
        tcase_add_test(tc, test_resolve_refused_while_asking);
        tcase_add_test(tc, test_operator_decides);
        suite_add_tcase(s, tc);

        tc = tcase_create("left-on-disk");
        tcase_add_unchecked_fixture(tc, peer_hosts_make_pki, peer_hosts_keep_pki);
        tcase_set_timeout(tc, 0);
        tcase_add_test(tc, test_damaged_record);
        tcase_add_test(tc, test_newer_record);
        tcase_add_test(tc, test_fd_without_record);
        tcase_add_test(tc, test_record_without_fd);
        suite_add_tcase(s, tc);

        tc = tcase_create("campaign");
        tcase_add_unchecked_fixture(tc, peer_hosts_make_pki, peer_hosts_keep_pki);
        tcase_set_timeout(tc, 0);
        tcase_add_test(tc, test_campaign);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return peer_hosts_main(make_suite());
}
