/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live migration between two real hisi-accmigd, each under its own simulated host, on private
 * buses, over loopback TLS: driven with `hisi-accmigctl migrate` as an operator would. The state
 * a destination VF holds must be exactly what its source VF held at the stop (the simulated
 * guest's digest), and every failure before the commit must leave each source VF RUNNING with
 * its state.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "macro.h"
#include "peer-hosts.h"
#include "test-main.h"
#include "test-pki.h"

static char pki[] = "/tmp/test-migration.XXXXXX";

#define ZIP_VF  "0000:75:00.1"
#define SEC_VF  "0000:76:00.1"
#define HPRE_VF "0000:77:00.1"

static void make_pki(void) {
        peer_hosts_pki = pki;
        ck_assert_int_eq(test_pki_make(pki, "host-a host-b"), 0);
}

static void remove_pki(void) {
        test_pki_remove(pki);
}

static char *field(host *x, const char *vf, const char *name) {
        char *v = NULL;

        ck_assert_int_eq(dh_sim_field(x->h, vf, name, &v), 0);
        return v;
}

static void assert_field(host *x, const char *vf, const char *name, const char *want) {
        _cleanup_free_ char *v = field(x, vf, name);

        ck_assert_msg(streq(v, want), "%s %s: %s, expected %s", vf, name, v, want);
}

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
        ck_assert_int_eq(dh_ctl(a.h, 0, &out, &err, "commit", id, NULL), 0);
        assert_says(out, "committed");
        assert_field(&b, ZIP_VF, "state", "RUNNING");
        assert_field(&a, ZIP_VF, "open", "false"); /* the source let go */
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(b.h, 0, &out, &err, "migrations", NULL), 0);
        assert_says(out, "destination committed");
        host_stop(&a);
        host_stop(&b);
}
END_TEST

static Suite *migration_suite(void) {
        Suite *s = suite_create("migration");
        TCase *tc = tcase_create("migrate");

        tcase_add_unchecked_fixture(tc, make_pki, remove_pki);
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_manual_commit_same_state);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, migration_suite)
