/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live migrations whose link breaks: two real hisi-accmigd, each under its own simulated host,
 * the source reaching the destination through a TCP proxy (tcp-proxy.h) that the test cuts,
 * stalls, corrupts and restarts. A delay fault of the simulated host (`ctl fault VF delay FROM TO
 * MS`) holds a daemon inside a device operation, so that the link breaks exactly in the phase
 * the test means. Afterwards, before COMMIT, every source VF runs with the state it had and
 * every destination VF is reset and free; between COMMIT and COMMITTED the source waits in
 * doubt with its VFs stopped and asks the destination once the link is back.
 *
 * Migrations start with Manager.Migrate through busctl (it returns at once); every wait is for
 * a property, a device state or a proxy event. The slow cases (a retry after the link comes
 * back, a peer timeout) are skipped when HISI_TEST_QUICK is set.
 */

#include <assert.h>
#include <check.h>
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
#include "tcp-proxy.h"
#include "test-main.h"
#include "test-pki.h"
#include "time-util.h"

#define ZIP_VF  "0000:75:00.1"
#define SEC_VF  "0000:76:00.1"
#define HPRE_VF "0000:77:00.1"

/* Long enough for the test to see the hold and break the link inside it. */
#define HOLD_MS "1500"

/* A slow case: skipped in the short run. */
static bool skip_slow(const char *what) {
        if (!getenv("HISI_TEST_QUICK"))
                return false;
        fprintf(stderr, "skipped (HISI_TEST_QUICK): %s\n", what);
        return true;
}

/* ---- The hosts, the proxy, the migrations ---- */

typedef struct link_test {
        host a, b; /* the source, the destination */
        tcp_proxy *proxy;
        char to[32]; /* the proxy's "127.0.0.1:PORT" */
} link_test;

/* Each host's "timeouts" members (NULL: peer-hosts' own). */
static void link_start_timeouts(link_test *t, const char *tls_extra, const char *timeouts_a,
                                const char *timeouts_b) {
        _cleanup_free_ char *sim = sim_config("6.16", 64);

        peer_hosts_timeouts = timeouts_a;
        host_start_full(&t->a, sim, "host-a", tls_extra, NULL, -1);
        peer_hosts_timeouts = timeouts_b;
        host_start_full(&t->b, sim, "host-b", tls_extra, NULL, -1);
        peer_hosts_timeouts = NULL;
        ck_assert_int_eq(tcp_proxy_new(t->b.port, &t->proxy), 0);
        snprintf(t->to, sizeof(t->to), "127.0.0.1:%u", tcp_proxy_port(t->proxy));
}

static void link_start_full(link_test *t, const char *tls_extra, const char *timeouts) {
        link_start_timeouts(t, tls_extra, timeouts, timeouts);
}

static void link_start(link_test *t) {
        link_start_full(t, NULL, NULL);
}

static void link_stop(link_test *t) {
        t->proxy = tcp_proxy_free(t->proxy);
        host_stop(&t->a);
        host_stop(&t->b);
}

static char *migrate1(link_test *t, unsigned flags, const char *vf1, const char *vf2) {
        return migrate(&t->a, t->to, flags, (const char *const[]){ vf1, vf2, NULL }, NULL);
}

/* ---- 1. The link cut at each phase before COMMIT ---- */

typedef struct cut_case {
        const char *name;
        unsigned flags;
        /* A delay fault on a VF (ZIP_VF unless named) of the source or the destination (from
         * NULL: none): the hold is seen when that VF's simulated state is hold_state. */
        bool on_destination;
        const char *vf, *from, *to, *hold_state;
        const char *phase; /* the source's phase during the hold (NULL: it is held itself) */
        const char *says, *destination_says;
} cut_case;

static const cut_case cut_cases[] = {
        /* The destination takes its VF (STOP -> RESUMING) before it answers migrate. */
        { "negotiating", 0, true, NULL, "STOP", "RESUMING", "RESUMING", "negotiating",
          "source, negotiating: the link to the destination", "the link to the source" },
        /* The source starts its second VF's precopy (RUNNING -> PRE_COPY; the same arc when
         * Migrate() reads its match data is held as well, before the hold that counts). */
        { "precopy", 0, false, HPRE_VF, "RUNNING", "PRE_COPY", "PRE_COPY", NULL,
          "source, precopy: the link to the destination", "the link to the source" },
        { "ready", MANUAL_SWITCHOVER, false, NULL, NULL, NULL, NULL, "ready",
          "source, ready: the link to the destination", "destination, ready: the link" },
        { "loaded", MANUAL_COMMIT, false, NULL, NULL, NULL, NULL, "loaded",
          "source, loaded: the link to the destination", "destination, loaded: the link" },
        /* The destination loads (RESUMING -> STOP) while the link goes. */
        { "loading", MANUAL_COMMIT, true, NULL, "RESUMING", "STOP", "STOP", "loading",
          "source, loading: the link to the destination", "the link to the source" },
        /* The source stops (PRE_COPY -> STOP_COPY) while the link goes. */
        { "switchover", MANUAL_COMMIT, false, NULL, "PRE_COPY", "STOP_COPY", "STOP_COPY", NULL,
          "the link to the destination", "the link to the source" },
};

START_TEST(test_cut) {
        const cut_case *c = &cut_cases[_i];
        _cleanup_free_ char *path = NULL, *d1 = NULL, *d2 = NULL, *phase = NULL;
        const char *held = c->vf ?: ZIP_VF;
        link_test t;

        fprintf(stderr, "cut while %s\n", c->name);
        link_start(&t);
        take_device(&t.a, ZIP_VF);
        take_device(&t.a, HPRE_VF);
        if (c->from)
                ck_assert_int_eq(dh_sim_ctl(c->on_destination ? t.b.h : t.a.h, "fault", held,
                                            "delay", c->from, c->to, HOLD_MS, NULL),
                                 0);
        path = migrate1(&t, c->flags, ZIP_VF, HPRE_VF);
        if (c->hold_state)
                wait_held(c->on_destination ? &t.b : &t.a, held, c->hold_state);
        else
                wait_phase(&t.a, path, c->phase);
        if (c->phase && c->hold_state) {
                /* The source waits for the held destination. */
                phase = mig_property(&t.a, path, "Phase");
                ck_assert_str_eq(phase, c->phase);
        }
        d1 = freeze(&t.a, ZIP_VF);
        d2 = freeze(&t.a, HPRE_VF);
        ck_assert_int_eq(tcp_proxy_cut(t.proxy), 0);

        wait_phase(&t.a, path, "rolled-back");
        assert_error(&t.a, path, c->says);
        wait_phase(&t.b, path, "rolled-back");
        assert_error(&t.b, path, c->destination_says);
        assert_intact(&t.a, ZIP_VF, d1);
        assert_intact(&t.a, HPRE_VF, d2);
        assert_free(&t.b, ZIP_VF);
        assert_free(&t.b, HPRE_VF);
        link_stop(&t);
}
END_TEST

/* ---- 2. The link cut between COMMIT and COMMITTED: in doubt ---- */

START_TEST(test_in_doubt_committed) {
        _cleanup_free_ char *path = NULL, *digest = NULL;
        link_test t;

        if (skip_slow("in doubt, committed"))
                return;
        link_start(&t);
        take_device(&t.a, ZIP_VF);
        take_device(&t.a, SEC_VF);
        /* The destination runs ZIP_VF (STOP -> RUNNING) and is held before it answers. */
        ck_assert_int_eq(
                dh_sim_ctl(t.b.h, "fault", ZIP_VF, "delay", "STOP", "RUNNING", HOLD_MS, NULL), 0);
        path = migrate1(&t, 0, ZIP_VF, SEC_VF);
        /* COMMIT is sent (the destination's VFs RESUMING since the precopy), then it runs. */
        wait_phase(&t.a, path, "committing");
        wait_held(&t.b, ZIP_VF, "RUNNING");
        /* SEC_VF, next in line, is loaded and not running yet: its guest is stopped there, so
         * that once it runs its digest still shows what it loaded. */
        assert_field(&t.b, SEC_VF, "state", "STOP");
        ck_assert_int_eq(dh_sim_ctl(t.b.h, "guest", SEC_VF, "off", NULL), 0);
        digest = field(&t.a, SEC_VF, "digest"); /* stopped: it stands still */
        ck_assert_int_eq(tcp_proxy_cut(t.proxy), 0);

        wait_phase(&t.a, path, "in-doubt");
        assert_stopped(&t.a, ZIP_VF);
        assert_stopped(&t.a, SEC_VF);
        /* The destination finishes its commit; the source still runs nothing. */
        wait_phase(&t.b, path, "committed");
        assert_field(&t.b, ZIP_VF, "state", "RUNNING");
        assert_field(&t.b, SEC_VF, "state", "RUNNING");
        assert_stopped(&t.a, ZIP_VF);
        assert_stopped(&t.a, SEC_VF);
        {
                _cleanup_free_ char *phase = mig_property(&t.a, path, "Phase");
                ck_assert_str_eq(phase, "in-doubt");
        }

        /* The link comes back: the source asks, and lets go. */
        ck_assert_int_eq(tcp_proxy_restart(t.proxy), 0);
        ck_assert_int_eq(tcp_proxy_wait_accepted(t.proxy, 2, DH_TIMEOUT_MS), 0);
        wait_phase(&t.a, path, "committed");
        wait_field(&t.a, ZIP_VF, "open", "false");
        wait_field(&t.a, SEC_VF, "open", "false");
        assert_field(&t.b, ZIP_VF, "state", "RUNNING");
        assert_field(&t.b, SEC_VF, "state", "RUNNING");
        ck_assert_int_eq(dh_wait_log(t.b.h, "asked for its outcome: committed", NULL), 0);
        /* What runs on the destination is what the source held at the stop. */
        {
                _cleanup_free_ char *moved = field(&t.b, SEC_VF, "digest");
                ck_assert_str_eq(moved, digest);
        }
        link_stop(&t);
}
END_TEST

START_TEST(test_in_doubt_rolled_back) {
        _cleanup_free_ char *path = NULL;
        link_test t;

        if (skip_slow("in doubt, rolled back"))
                return;
        link_start(&t);
        take_device(&t.a, ZIP_VF);
        take_device(&t.a, SEC_VF);
        /* The destination loads ZIP_VF and is held; then SEC_VF fails to load: it runs none. */
        ck_assert_int_eq(
                dh_sim_ctl(t.b.h, "fault", ZIP_VF, "delay", "RESUMING", "STOP", HOLD_MS, NULL), 0);
        ck_assert_int_eq(dh_sim_ctl(t.b.h, "fault", SEC_VF, "arc", "RESUMING", "STOP", "EIO", NULL),
                         0);
        path = migrate1(&t, 0, ZIP_VF, SEC_VF);
        wait_held(&t.b, ZIP_VF, "STOP");
        ck_assert_int_eq(tcp_proxy_cut(t.proxy), 0);

        wait_phase(&t.a, path, "in-doubt");
        wait_phase(&t.b, path, "rolled-back");
        assert_free(&t.b, ZIP_VF);
        assert_free(&t.b, SEC_VF);
        /* The source does not know yet: its VFs stay stopped. */
        assert_stopped(&t.a, ZIP_VF);
        assert_stopped(&t.a, SEC_VF);
        {
                _cleanup_free_ char *d1 = freeze(&t.a, ZIP_VF), *d2 = freeze(&t.a, SEC_VF);

                ck_assert_int_eq(tcp_proxy_restart(t.proxy), 0);
                wait_phase(&t.a, path, "rolled-back");
                assert_error(&t.a, path,
                             "source, in-doubt: the destination rolled back after the link broke: "
                             "destination, loading: load: 0000:76:00.1 (for 0000:76:00.1): "
                             "RESUMING -> STOP: Input/output error");
                assert_intact(&t.a, ZIP_VF, d1);
                assert_intact(&t.a, SEC_VF, d2);
        }
        link_stop(&t);
}
END_TEST

/* The source asks before the destination knows: COMMIT is stuck in a silent link, the source
 * gives up on that link first (its peer_io_ms is shorter) and asks on a new one while the
 * destination still waits for it ("unknown"). It must ask again, until the destination says. */
START_TEST(test_in_doubt_asked_too_early) {
        _cleanup_free_ char *path = NULL;
        size_t cursor = 0;
        link_test t;

        if (skip_slow("in doubt, asked too early"))
                return;
        link_start_timeouts(&t, NULL, "\"peer_io_ms\": 500, \"peer_connect_ms\": 3000",
                            "\"peer_io_ms\": 20000, \"peer_connect_ms\": 3000");
        take_device(&t.a, ZIP_VF);
        path = migrate1(&t, MANUAL_COMMIT, ZIP_VF, NULL);
        wait_phase(&t.a, path, "loaded");
        ck_assert_int_eq(tcp_proxy_stall(t.proxy, true), 0);
        call_async(&t.a, path, "Commit");
        wait_phase(&t.a, path, "in-doubt");
        assert_stopped(&t.a, ZIP_VF);
        /* Asked on a new connection: the destination has not seen COMMIT yet. */
        ck_assert_int_eq(dh_wait_log(t.b.h, "asked for its outcome: unknown", &cursor), 0);
        {
                _cleanup_free_ char *phase = mig_property(&t.b, path, "Phase");
                ck_assert_str_eq(phase, "loaded");
        }
        /* The old link moves again: COMMIT arrives, the destination runs the VF; the source
         * asks again, and lets go. */
        ck_assert_int_eq(tcp_proxy_stall(t.proxy, false), 0);
        wait_phase(&t.b, path, "committed");
        ck_assert_int_eq(dh_wait_log(t.b.h, "asked for its outcome: committed", &cursor), 0);
        wait_phase(&t.a, path, "committed");
        wait_field(&t.a, ZIP_VF, "open", "false");
        assert_field(&t.b, ZIP_VF, "state", "RUNNING");
        link_stop(&t);
}
END_TEST

/* ---- 3. A corrupted stream ---- */

/* The source is held as it stops ZIP_VF (PRE_COPY -> STOP_COPY: its state is saved); the proxy
 * flips a byte of what it sends next, the state. */
static void corrupt_case(const char *tls_extra, const char *source_says,
                         const char *destination_says) {
        _cleanup_free_ char *path = NULL, *digest = NULL;
        link_test t;

        link_start_full(&t, tls_extra, NULL);
        take_device(&t.a, ZIP_VF);
        ck_assert_int_eq(
                dh_sim_ctl(t.a.h, "fault", ZIP_VF, "delay", "PRE_COPY", "STOP_COPY", HOLD_MS, NULL),
                0);
        path = migrate1(&t, 0, ZIP_VF, NULL);
        wait_held(&t.a, ZIP_VF, "STOP_COPY");
        digest = freeze(&t.a, ZIP_VF);
        /* Past the record's header (and the chunk's): a byte of the state. */
        ck_assert_int_eq(tcp_proxy_corrupt(t.proxy, 40), 0);

        wait_phase(&t.a, path, "rolled-back");
        ck_assert(tcp_proxy_corrupted(t.proxy));
        assert_error(&t.a, path, source_says);
        wait_phase(&t.b, path, "rolled-back");
        assert_error(&t.b, path, destination_says);
        assert_intact(&t.a, ZIP_VF, digest);
        assert_free(&t.b, ZIP_VF);
        link_stop(&t);
}

/* TLS refuses the record before any of the state is read (the destination still waits for the
 * switchover), and the destination cannot even say so: the source, COMMIT sent with the state,
 * is in doubt until it asks. */
START_TEST(test_corrupt_tls) {
        if (skip_slow("corrupted TLS record"))
                return;
        corrupt_case(NULL,
                     "source, in-doubt: the destination rolled back after the link broke: "
                     "destination, ready: the link to the source: TLS: Decryption has failed",
                     "destination, ready: the link to the source: TLS: Decryption has failed");
}
END_TEST

/* Plain text: the wire digest at the device's END catches it; the destination says so. */
START_TEST(test_corrupt_plain) {
        corrupt_case(", \"mode\": \"none\"",
                     "the peer ended the connection (protocol): its stream broke a rule "
                     "(digest-mismatch)",
                     "destination, switchover: the link to the source: its stream broke a rule "
                     "(digest-mismatch): record 6 (end): device 0: the SHA-256 of the 176 bytes "
                     "received differs from the end's");
}
END_TEST

/* ---- 4. A silent peer, a migration over its time ---- */

START_TEST(test_silent_peer) {
        _cleanup_free_ char *path = NULL, *digest = NULL;
        link_test t;

        if (skip_slow("silent peer"))
                return;
        link_start_full(&t, NULL, "\"peer_io_ms\": 1000, \"peer_connect_ms\": 3000");
        take_device(&t.a, ZIP_VF);
        path = migrate1(&t, MANUAL_SWITCHOVER, ZIP_VF, NULL);
        wait_phase(&t.a, path, "ready");
        digest = freeze(&t.a, ZIP_VF);
        ck_assert_int_eq(tcp_proxy_stall(t.proxy, true), 0);

        wait_phase(&t.a, path, "rolled-back");
        assert_error(&t.a, path, "source, ready: the link to the destination");
        assert_error(&t.a, path, "silent for 1000 ms");
        wait_phase(&t.b, path, "rolled-back");
        assert_error(&t.b, path, "silent for 1000 ms");
        assert_intact(&t.a, ZIP_VF, digest);
        assert_free(&t.b, ZIP_VF);
        link_stop(&t);
}
END_TEST

/* A migration held for the operator (manual switchover) is not a silent peer: held three times
 * peer_io_ms, the link stays up, until the migration's own time runs out. */
START_TEST(test_idle_hold_is_not_silence) {
        _cleanup_free_ char *path = NULL, *digest = NULL;
        link_test t;

        if (skip_slow("an idle hold"))
                return;
        link_start_full(&t, NULL,
                        "\"peer_io_ms\": 500, \"peer_connect_ms\": 3000, \"migration_ms\": 1500");
        take_device(&t.a, ZIP_VF);
        digest = freeze(&t.a, ZIP_VF);
        path = migrate1(&t, MANUAL_SWITCHOVER, ZIP_VF, NULL);
        wait_phase(&t.a, path, "rolled-back");
        assert_error(&t.a, path, "source, ready: not done within timeouts.migration_ms (1500 ms)");
        wait_phase(&t.b, path, "rolled-back");
        assert_error(&t.b, path, "not done within timeouts.migration_ms");
        assert_intact(&t.a, ZIP_VF, digest);
        assert_free(&t.b, ZIP_VF);
        link_stop(&t);
}
END_TEST

START_TEST(test_migration_timeout) {
        _cleanup_free_ char *path = NULL, *digest = NULL;
        link_test t;

        link_start_full(&t, NULL,
                        "\"peer_io_ms\": 3000, \"peer_connect_ms\": 3000, \"migration_ms\": 300");
        take_device(&t.a, ZIP_VF);
        digest = freeze(&t.a, ZIP_VF);
        /* Held in "ready" past its time. */
        path = migrate1(&t, MANUAL_SWITCHOVER, ZIP_VF, NULL);
        wait_phase(&t.a, path, "rolled-back");
        assert_error(&t.a, path, "not done within timeouts.migration_ms (300 ms)");
        wait_phase(&t.b, path, "rolled-back");
        assert_intact(&t.a, ZIP_VF, digest);
        assert_free(&t.b, ZIP_VF);
        link_stop(&t);
}
END_TEST

/* ---- 5. A destination VF hot-unplugged mid-migration ---- */

static const struct unplug_case {
        const char *name;
        unsigned flags;
        const char *from, *to; /* the destination's arc held when the VF goes */
} unplug_cases[] = {
        { "taking it", 0, "STOP", "RESUMING" },
        { "loading it", MANUAL_COMMIT, "RESUMING", "STOP" },
};

START_TEST(test_unplug) {
        const struct unplug_case *c = &unplug_cases[_i];
        _cleanup_free_ char *path = NULL, *d1 = NULL, *d2 = NULL, *dev = dh_device_path(ZIP_VF);
        link_test t;

        fprintf(stderr, "unplugged while %s\n", c->name);
        link_start(&t);
        take_device(&t.a, ZIP_VF);
        take_device(&t.a, HPRE_VF);
        ck_assert_int_eq(dh_sim_ctl(t.b.h, "fault", ZIP_VF, "delay", c->from, c->to, HOLD_MS, NULL),
                         0);
        path = migrate1(&t, c->flags, ZIP_VF, HPRE_VF);
        wait_held(&t.b, ZIP_VF, c->to);
        d1 = freeze(&t.a, ZIP_VF);
        d2 = freeze(&t.a, HPRE_VF);
        ck_assert_int_eq(dh_sim_ctl(t.b.h, "unplug", ZIP_VF, NULL), 0);

        wait_phase(&t.b, path, "rolled-back");
        assert_error(&t.b, path, "0000:75:00.1 was hot-unplugged");
        wait_phase(&t.a, path, "rolled-back");
        assert_error(&t.a, path, "0000:75:00.1 was hot-unplugged");
        assert_intact(&t.a, ZIP_VF, d1);
        assert_intact(&t.a, HPRE_VF, d2);
        assert_free(&t.b, HPRE_VF);
        /* The VF comes back: bound again, and free. */
        ck_assert_int_eq(dh_sim_ctl(t.b.h, "plug", ZIP_VF, NULL), 0);
        ck_assert_int_eq(dh_wait_property(t.b.h, dev, ACCMIG_DEVICE_INTERFACE, "Driver",
                                          "hisi_acc_vfio_pci"),
                         0);
        assert_free(&t.b, ZIP_VF);
        link_stop(&t);
}
END_TEST

/* ---- 6. Eight migrations at once, both ways ---- */

/* Four VFs per PF on each host. */
static const char eight_sim[] =
        "{\"profile\": \"6.16\", \"pfs\": ["
        "{\"address\": \"0000:75:00.0\", \"kind\": \"zip\", \"vfs\": 4, \"qp_per_vf\": 64},"
        "{\"address\": \"0000:76:00.0\", \"kind\": \"sec\", \"vfs\": 4, \"qp_per_vf\": 64},"
        "{\"address\": \"0000:77:00.0\", \"kind\": \"hpre\", \"vfs\": 4, \"qp_per_vf\": 64}]}";

static const struct eight {
        bool from_b; /* b -> a, else a -> b */
        const char *source, *destination;
} eights[] = {
        { false, "0000:75:00.1", "0000:75:00.3" }, { false, "0000:76:00.1", "0000:76:00.3" },
        { false, "0000:77:00.1", "0000:77:00.3" }, { false, "0000:75:00.2", "0000:75:00.4" },
        { true, "0000:75:00.1", "0000:75:00.3" },  { true, "0000:76:00.1", "0000:76:00.3" },
        { true, "0000:77:00.1", "0000:77:00.3" },  { true, "0000:76:00.2", "0000:76:00.4" },
};

START_TEST(test_eight_both_ways) {
        const char *limits = ",\n  \"limits\": {\"max_migrations\": 16}";
        char *paths[ELEMENTSOF(eights)] = {};
        host a, b;

        host_start_full(&a, eight_sim, "host-a", NULL, limits, -1);
        host_start_full(&b, eight_sim, "host-b", NULL, limits, -1);
        for (size_t i = 0; i < ELEMENTSOF(eights); i++)
                take_device(eights[i].from_b ? &b : &a, eights[i].source);
        /* All eight at once: Migrate() returns as soon as each starts. */
        for (size_t i = 0; i < ELEMENTSOF(eights); i++) {
                host *src = eights[i].from_b ? &b : &a, *dst = eights[i].from_b ? &a : &b;
                paths[i] = migrate(src, dst->to, MANUAL_COMMIT,
                                   (const char *const[]){ eights[i].source, NULL },
                                   (const char *const[]){ eights[i].destination, NULL });
        }
        /* Each loaded: both sides stopped, the destination holds what the source held. */
        for (size_t i = 0; i < ELEMENTSOF(eights); i++) {
                host *src = eights[i].from_b ? &b : &a, *dst = eights[i].from_b ? &a : &b;
                _cleanup_free_ char *s = NULL, *d = NULL;

                wait_phase(src, paths[i], "loaded");
                s = field(src, eights[i].source, "digest");
                d = field(dst, eights[i].destination, "digest");
                ck_assert_msg(streq(s, d), "%s -> %s: %s != %s", eights[i].source,
                              eights[i].destination, s, d);
        }
        for (size_t i = 0; i < ELEMENTSOF(eights); i++)
                call_async(eights[i].from_b ? &b : &a, paths[i], "Commit");
        for (size_t i = 0; i < ELEMENTSOF(eights); i++) {
                host *src = eights[i].from_b ? &b : &a, *dst = eights[i].from_b ? &a : &b;

                wait_phase(src, paths[i], "committed");
                wait_phase(dst, paths[i], "committed");
                assert_field(dst, eights[i].destination, "state", "RUNNING");
                wait_field(src, eights[i].source, "open", "false");
                free(paths[i]);
        }
        host_stop(&a);
        host_stop(&b);
}
END_TEST

static Suite *migration_link_suite(void) {
        Suite *s = suite_create("migration-link");
        TCase *tc;

        tc = tcase_create("cut");
        tcase_add_unchecked_fixture(tc, peer_hosts_make_pki, peer_hosts_keep_pki);
        tcase_set_timeout(tc, 300);
        tcase_add_loop_test(tc, test_cut, 0, ELEMENTSOF(cut_cases));
        suite_add_tcase(s, tc);

        tc = tcase_create("in-doubt");
        tcase_add_unchecked_fixture(tc, peer_hosts_make_pki, peer_hosts_keep_pki);
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_in_doubt_committed);
        tcase_add_test(tc, test_in_doubt_rolled_back);
        tcase_add_test(tc, test_in_doubt_asked_too_early);
        suite_add_tcase(s, tc);

        tc = tcase_create("corrupt");
        tcase_add_unchecked_fixture(tc, peer_hosts_make_pki, peer_hosts_keep_pki);
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_corrupt_tls);
        tcase_add_test(tc, test_corrupt_plain);
        suite_add_tcase(s, tc);

        tc = tcase_create("timeouts");
        tcase_add_unchecked_fixture(tc, peer_hosts_make_pki, peer_hosts_keep_pki);
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_silent_peer);
        tcase_add_test(tc, test_idle_hold_is_not_silence);
        tcase_add_test(tc, test_migration_timeout);
        suite_add_tcase(s, tc);

        tc = tcase_create("unplug");
        tcase_add_unchecked_fixture(tc, peer_hosts_make_pki, peer_hosts_keep_pki);
        tcase_set_timeout(tc, 300);
        tcase_add_loop_test(tc, test_unplug, 0, ELEMENTSOF(unplug_cases));
        suite_add_tcase(s, tc);

        tc = tcase_create("concurrent");
        tcase_add_unchecked_fixture(tc, peer_hosts_make_pki, peer_hosts_keep_pki);
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_eight_both_ways);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return peer_hosts_main(migration_link_suite());
}
