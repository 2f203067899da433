/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live migration between two real hisi-accmigd, each under its own simulated host, on private
 * buses, over loopback TLS: driven with `hisi-accmigctl migrate` as an operator would. The state
 * a destination VF holds must be exactly what its source VF held at the stop (the simulated
 * guest's digest), and every failure before the commit must leave each source VF RUNNING with
 * its state.
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

#define ZIP_VF  "0000:75:00.1"
#define SEC_VF  "0000:76:00.1"
#define HPRE_VF "0000:77:00.1"

/* The id from migrate --json's output. */
static char *migration_id(const char *json) {
        const char *p = strstr(json, "\"id\":");
        const char *q;

        ck_assert_ptr_nonnull(p);
        p = strchr(p + 5, '"');
        ck_assert_ptr_nonnull(p);
        q = strchr(p + 1, '"');
        return strndup(p + 1, (size_t)(q - p - 1));
}

START_TEST(test_manual_commit_same_state) {
        _cleanup_free_ char *out = NULL, *err = NULL, *id = NULL, *src = NULL, *dst = NULL;
        host a, b;

        host_start(&a, "6.16", 64, "host-a");
        host_start(&b, "6.16", 64, "host-b");

        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, &err, "--json", "migrate", ZIP_VF, SEC_VF, HPRE_VF,
                                "--to", b.to, "--manual-commit", NULL),
                         0);
        assert_says(out, "\"phase\":\"loaded\"");
        id = migration_id(out);
        /* Both sides stopped: the destination holds exactly what the source held. */
        for (const char *const *vf = (const char *const[]){ ZIP_VF, SEC_VF, HPRE_VF, NULL }; *vf;
             vf++) {
                free(src);
                free(dst);
                src = field(&a, *vf, "digest");
                dst = field(&b, *vf, "digest");
                ck_assert_str_eq(src, dst);
                assert_field(&b, *vf, "state", "STOP");
        }
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, &err, "commit", id, NULL), 0);
        assert_says(out, "committed");
        assert_field(&b, ZIP_VF, "state", "RUNNING");
        wait_field(&a, ZIP_VF, "open", "false"); /* the source let go */
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(dh_ctl(b.h, 0, &out, &err, "migrations", NULL), 0);
        assert_says(out, "destination committed");
        host_stop(&a);
        host_stop(&b);
}
END_TEST

/* The daemon holds vf (a workload took it: TakeDevice), its guest driver set it up again after
 * the open, and then stops stepping, so that its digest stands still: the state a rollback must
 * give back untouched. Returns that digest. */
static char *take_and_freeze(host *x, const char *vf) {
        _cleanup_free_ char *out = NULL;

        out = mfree(out);
        ck_assert_int_eq(dh_busctl(x->h, 0, &out, NULL, "call", ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                   ACCMIG_MANAGER_INTERFACE, "TakeDevice", "s", vf, NULL),
                         0);
        for (int i = 0; i < 6000; i++) {
                _cleanup_free_ char *g = field(x, vf, "guest_driver");
                if (streq(g, "true"))
                        break;
                usleep(1000);
        }
        assert_field(x, vf, "guest_driver", "true");
        ck_assert_int_eq(dh_sim_ctl(x->h, "guest", vf, "off", NULL), 0);
        return field(x, vf, "digest");
}

/* A destination VF is free again: in no migration (the destination may learn of the end a
 * moment after the source), and reset (the daemon let go before it freed the reservation). */
static void assert_released(host *x, const char *vf) {
        _cleanup_free_ char *path = dh_device_path(vf);

        ck_assert_int_eq(dh_wait_property(x->h, path, ACCMIG_DEVICE_INTERFACE, "Migration", "/"),
                         0);
        wait_field(x, vf, "open", "false");
}

static const struct profile_pair {
        const char *source, *destination;
} pairs[] = {
        { "6.1", "6.1" },  { "6.2", "6.2" },   { "6.16", "6.16" },
        { "6.2", "6.16" }, { "6.19", "6.19" },
};

START_TEST(test_profiles) {
        const struct profile_pair *t = &pairs[_i];
        _cleanup_free_ char *out = NULL, *id = NULL;
        host a, b;

        host_start(&a, t->source, 64, "host-a");
        host_start(&b, t->destination, 64, "host-b");
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, NULL, "--json", "migrate", ZIP_VF, SEC_VF, HPRE_VF,
                                "--to", b.to, "--manual-commit", NULL),
                         0);
        assert_says(out, "\"phase\":\"loaded\"");
        id = migration_id(out);
        for (const char *const *vf = (const char *const[]){ ZIP_VF, SEC_VF, HPRE_VF, NULL }; *vf;
             vf++) {
                _cleanup_free_ char *src = field(&a, *vf, "digest"),
                                    *dst = field(&b, *vf, "digest");
                ck_assert_msg(streq(src, dst), "%s -> %s: %s: %s != %s", t->source, t->destination,
                              *vf, src, dst);
        }
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, NULL, "--json", "commit", id, NULL), 0);
        assert_says(out, "\"phase\":\"committed\"");
        assert_field(&b, HPRE_VF, "state", "RUNNING");
        wait_field(&a, HPRE_VF, "open", "false");
        host_stop(&a);
        host_stop(&b);
}
END_TEST

START_TEST(test_auto_commit) {
        _cleanup_free_ char *out = NULL;
        host a, b;

        host_start(&a, "6.16", 64, "host-a");
        host_start(&b, "6.16", 64, "host-b");
        out = mfree(out);
        ck_assert_int_eq(
                dh_ctl(a.h, 0, &out, NULL, "migrate", ZIP_VF, SEC_VF, HPRE_VF, "--to", b.to, NULL),
                0);
        assert_says(out, "committed");
        assert_says(out, "moved");
        assert_says(out, " us");
        for (const char *const *vf = (const char *const[]){ ZIP_VF, SEC_VF, HPRE_VF, NULL }; *vf;
             vf++) {
                assert_field(&b, *vf, "state", "RUNNING");
                assert_field(&b, *vf, "open", "true"); /* the daemon holds what it received */
                wait_field(&a, *vf, "open", "false");
        }
        /* The VFs taken are not offered again. */
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, NULL, "check", "0000:75:00.2", "--to", b.to, NULL),
                         0);
        assert_says(out, "0000:75:00.2   0000:75:00.2   accepted");
        host_stop(&a);
        host_stop(&b);
}
END_TEST

START_TEST(test_refused_before_stop) {
        _cleanup_free_ char *out = NULL, *err = NULL, *digest = NULL;
        host a, b;

        host_start(&a, "6.16", 64, "host-a");
        host_start(&b, "6.2", 64, "host-b");
        digest = take_and_freeze(&a, SEC_VF);
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, &err, "migrate", SEC_VF, "--to", b.to, NULL), 8);
        assert_says(out, "rolled-back");
        assert_says(out, "stream version: source sends V2");
        assert_intact(&a, SEC_VF, digest);
        assert_released(&b, SEC_VF);
        host_stop(&a);
        host_stop(&b);
}
END_TEST

/* A fault on an arc of either side, at each phase that has one: the migration rolls back. */
static const struct arc_fault {
        bool on_destination;
        const char *from, *to;
        const char *says;
} arc_faults[] = {
        /* The source reads its match data through PRE_COPY before it asks: refused at once. */
        { false, "RUNNING", "PRE_COPY", "Input/output error" },
        { false, "PRE_COPY", "STOP_COPY", "source, switchover" },
        { true, "STOP", "RESUMING", "-> RESUMING: Input/output error" },
        { true, "RESUMING", "STOP", "could not load" },
        { true, "STOP", "RUNNING", NULL }, /* after the load: reported, not rolled back */
};

START_TEST(test_arc_fault) {
        const struct arc_fault *t = &arc_faults[_i];
        _cleanup_free_ char *out = NULL, *err = NULL, *digest = NULL, *all = NULL;
        int r;
        host a, b;

        host_start(&a, "6.16", 64, "host-a");
        host_start(&b, "6.16", 64, "host-b");
        digest = take_and_freeze(&a, ZIP_VF);
        ck_assert_int_eq(dh_sim_ctl(t->on_destination ? b.h : a.h, "fault", ZIP_VF, "arc", t->from,
                                    t->to, "EIO", NULL),
                         0);
        if (!t->says) {
                /* STOP -> RUNNING after every VF loaded: past the commit, not a rollback. */
                out = mfree(out);
                err = mfree(err);
                ck_assert_int_eq(dh_ctl(a.h, 0, &out, &err, "migrate", ZIP_VF, "--to", b.to, NULL),
                                 0);
                wait_field(&a, ZIP_VF, "open", "false");
                host_stop(&a);
                host_stop(&b);
                return;
        }
        /* Exit 1 when it failed on the way, 8 when the destination refused the VF up front. */
        out = mfree(out);
        err = mfree(err);
        r = dh_ctl(a.h, 0, &out, &err, "migrate", ZIP_VF, "--to", b.to, NULL);
        ck_assert_msg(r == 1 || r == 8, "exit %d", r);
        ck_assert_int_eq(asprintf_safe(&all, "%s%s", strempty(out), strempty(err)), 0);
        assert_says(all, t->says);
        assert_intact(&a, ZIP_VF, digest);
        assert_released(&b, ZIP_VF);
        host_stop(&a);
        host_stop(&b);
}
END_TEST

START_TEST(test_one_of_three_fails_to_load) {
        _cleanup_free_ char *out = NULL, *d1 = NULL, *d2 = NULL, *d3 = NULL;
        host a, b;

        host_start(&a, "6.16", 64, "host-a");
        host_start(&b, "6.16", 64, "host-b");
        d1 = take_and_freeze(&a, ZIP_VF);
        d2 = take_and_freeze(&a, SEC_VF);
        d3 = take_and_freeze(&a, HPRE_VF);
        ck_assert_int_eq(
                dh_sim_ctl(b.h, "fault", SEC_VF, "arc", "RESUMING", "STOP", "EINVAL", NULL), 0);
        out = mfree(out);
        ck_assert_int_eq(
                dh_ctl(a.h, 0, &out, NULL, "migrate", ZIP_VF, SEC_VF, HPRE_VF, "--to", b.to, NULL),
                1);
        assert_says(out, "could not load");
        /* None runs on the destination; all three run on the source, as they were. */
        assert_released(&b, ZIP_VF);
        assert_released(&b, SEC_VF);
        assert_released(&b, HPRE_VF);
        assert_intact(&a, ZIP_VF, d1);
        assert_intact(&a, SEC_VF, d2);
        assert_intact(&a, HPRE_VF, d3);
        host_stop(&a);
        host_stop(&b);
}
END_TEST

START_TEST(test_refused_at_load) {
        _cleanup_free_ char *out = NULL, *digest = NULL;
        host a, b;

        /* A 6.1 source cannot show its match data without stopping: the check leaves the qp
         * count to the destination kernel, whose match check refuses the state (EFAULT), fatal
         * for the VF. The source runs again, as it was. */
        host_start(&a, "6.1", 64, "host-a");
        host_start(&b, "6.16", 32, "host-b");
        digest = take_and_freeze(&a, ZIP_VF);
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, NULL, "migrate", ZIP_VF, "--to", b.to, NULL), 1);
        assert_says(out, "the kernel refused the state at byte");
        assert_says(out, "Bad address");
        assert_intact(&a, ZIP_VF, digest);
        assert_released(&b, ZIP_VF);
        host_stop(&a);
        host_stop(&b);
}
END_TEST

START_TEST(test_cancel_and_kill) {
        _cleanup_free_ char *out = NULL, *id = NULL, *digest = NULL, *path = NULL, *mpath = NULL;
        host a, b;

        host_start(&a, "6.16", 64, "host-a");
        host_start(&b, "6.16", 64, "host-b");
        digest = take_and_freeze(&a, ZIP_VF);

        /* Cancelled while it waits for the switchover (in PRE_COPY). */
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, NULL, "--json", "migrate", ZIP_VF, "--to", b.to,
                                "--manual-switchover", NULL),
                         0);
        assert_says(out, "\"phase\":\"ready\"");
        id = migration_id(out);
        assert_field(&a, ZIP_VF, "state", "PRE_COPY");
        ck_assert_int_eq(dh_ctl(a.h, 0, NULL, NULL, "cancel", id, NULL), 0);
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, NULL, "show-migration", id, NULL), 0);
        assert_says(out, "rolled-back");
        assert_says(out, "cancelled by the operator");
        assert_intact(&a, ZIP_VF, digest);
        /* The destination learns it and lets go. */
        ck_assert_int_eq(asprintf_safe(&mpath, ACCMIG_MIGRATION_PATH_PREFIX "/%s", id), 0);
        ck_assert_int_eq(
                dh_wait_property(b.h, mpath, ACCMIG_MIGRATION_INTERFACE, "Phase", "rolled-back"),
                0);
        assert_released(&b, ZIP_VF);

        /* The destination's daemon killed while the migration waits: the source rolls back. */
        out = mfree(out);
        id = mfree(id);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, NULL, "--json", "migrate", ZIP_VF, "--to", b.to,
                                "--manual-switchover", NULL),
                         0);
        id = migration_id(out);
        ck_assert_int_eq(dh_signal_daemon(b.h, SIGKILL), 0);
        free(mpath);
        ck_assert_int_eq(asprintf_safe(&mpath, ACCMIG_MIGRATION_PATH_PREFIX "/%s", id), 0);
        ck_assert_int_eq(
                dh_wait_property(a.h, mpath, ACCMIG_MIGRATION_INTERFACE, "Phase", "rolled-back"),
                0);
        assert_intact(&a, ZIP_VF, digest);
        (void)dh_wait_exit(b.h);
        dh_free(b.h);
        host_stop(&a);
}
END_TEST

START_TEST(test_cancel_loaded_and_stop) {
        _cleanup_free_ char *out = NULL, *id = NULL, *digest = NULL, *mpath = NULL;
        host a, b;

        host_start(&a, "6.16", 64, "host-a");
        host_start(&b, "6.16", 64, "host-b");
        digest = take_and_freeze(&a, ZIP_VF);

        /* Cancelled once every VF loaded on the destination, before the commit. */
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, NULL, "--json", "migrate", ZIP_VF, "--to", b.to,
                                "--manual-commit", NULL),
                         0);
        assert_says(out, "\"phase\":\"loaded\"");
        id = migration_id(out);
        ck_assert_int_eq(dh_ctl(a.h, 0, NULL, NULL, "cancel", id, NULL), 0);
        assert_intact(&a, ZIP_VF, digest);
        assert_released(&b, ZIP_VF);
        /* Too late is said: a rolled-back migration cannot be cancelled or committed. */
        ck_assert_int_eq(dh_ctl(a.h, 0, NULL, NULL, "commit", id, NULL), 5);

        /* The source's daemon stops while a migration waits: it rolls back on its way out. */
        out = mfree(out);
        id = mfree(id);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, NULL, "--json", "migrate", ZIP_VF, "--to", b.to,
                                "--manual-switchover", NULL),
                         0);
        id = migration_id(out);
        ck_assert_int_eq(dh_stop_daemon(a.h), 0);
        ck_assert_int_eq(dh_wait_log(a.h, "the daemon is stopping", NULL), 0);
        ck_assert_int_eq(asprintf_safe(&mpath, ACCMIG_MIGRATION_PATH_PREFIX "/%s", id), 0);
        ck_assert_int_eq(
                dh_wait_property(b.h, mpath, ACCMIG_MIGRATION_INTERFACE, "Phase", "rolled-back"),
                0);
        assert_released(&b, ZIP_VF);
        dh_free(a.h);
        host_stop(&b);
}
END_TEST

/* A VF a libvirt domain holds is its VMM's to migrate: the daemon refuses to move it, and to
 * hand its device to a workload. */
START_TEST(test_vmm_held_refused) {
        _cleanup_free_ char *out = NULL, *err = NULL;
        host a, b;

        host_start(&a, "6.16", 64, "host-a");
        host_start(&b, "6.16", 64, "host-b");
        ck_assert_int_eq(dh_busctl(a.h, 0, &out, &err, "call", ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                   ACCMIG_MANAGER_INTERFACE, "Hold", "sasa{sv}", "vm1", "1", ZIP_VF,
                                   "0", NULL),
                         0);
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, &err, "migrate", ZIP_VF, "--to", b.to, NULL), 5);
        assert_says(err, "0000:75:00.1 is held by libvirt domain vm1: its VMM migrates it");
        assert_field(&a, ZIP_VF, "state", "RUNNING");
        out = mfree(out);
        err = mfree(err);
        ck_assert_int_ne(dh_busctl(a.h, 0, &out, &err, "call", ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                   ACCMIG_MANAGER_INTERFACE, "TakeDevice", "s", ZIP_VF, NULL),
                         0);
        assert_says(err, "reserved for libvirt domain vm1");
        host_stop(&a);
        host_stop(&b);
}
END_TEST

static Suite *migration_suite(void) {
        Suite *s = suite_create("migration");
        TCase *tc = tcase_create("migrate");

        tcase_add_unchecked_fixture(tc, peer_hosts_make_pki, peer_hosts_keep_pki);
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_manual_commit_same_state);
        tcase_add_test(tc, test_auto_commit);
        tcase_add_loop_test(tc, test_profiles, 0, ELEMENTSOF(pairs));
        tcase_add_test(tc, test_refused_before_stop);
        suite_add_tcase(s, tc);
        tc = tcase_create("rollback");
        tcase_add_unchecked_fixture(tc, peer_hosts_make_pki, peer_hosts_keep_pki);
        tcase_set_timeout(tc, 300);
        tcase_add_loop_test(tc, test_arc_fault, 0, ELEMENTSOF(arc_faults));
        tcase_add_test(tc, test_one_of_three_fails_to_load);
        tcase_add_test(tc, test_refused_at_load);
        tcase_add_test(tc, test_cancel_and_kill);
        tcase_add_test(tc, test_cancel_loaded_and_stop);
        tcase_add_test(tc, test_vmm_held_refused);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return peer_hosts_main(migration_suite());
}
