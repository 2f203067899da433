/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The steps of the migration tests, on hosts of peer-hosts.h: the simulated host's view of a VF
 * (its fields: state, open, digest, guest_driver), a workload's hold on a VF and its guest,
 * Manager.Migrate through busctl, and the Migration objects' properties. Every wait is for the
 * value itself, with DH_TIMEOUT_MS; a failure aborts the test saying what was seen.
 */

#include <assert.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "migration-steps.h"
#include "string-util.h"
#include "time-util.h"

char *field(host *x, const char *vf, const char *name) {
        char *v = NULL;

        ck_assert_int_eq(dh_sim_field(x->h, vf, name, &v), 0);
        return v;
}

void assert_field(host *x, const char *vf, const char *name, const char *want) {
        _cleanup_free_ char *v = field(x, vf, name);

        ck_assert_msg(streq(v, want), "%s %s: %s, expected %s", vf, name, v, want);
}

/* Wait until the simulated host shows a VF's field at want: the other process moved it. */
void wait_field(host *x, const char *vf, const char *name, const char *want) {
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + DH_TIMEOUT_MS * USEC_PER_MSEC;

        for (;;) {
                _cleanup_free_ char *v = field(x, vf, name);

                if (streq(v, want))
                        return;
                ck_assert_msg(now_usec(CLOCK_MONOTONIC) < deadline, "%s %s stays %s, not %s", vf,
                              name, v, want);
                usleep(2000);
        }
}

/* Wait until a daemon holds vf open in the given state: a VF nobody opened shows RUNNING too. */
void wait_held(host *x, const char *vf, const char *state) {
        wait_field(x, vf, "open", "true");
        wait_field(x, vf, "state", state);
}

/* The daemon holds vf (TakeDevice, as a workload does) and its guest driver set it up again
 * after the open (which wiped its registers): a migration now moves the guest's whole state,
 * not only the match data. The guest steps only once it is set up: its digest moves. */
void take_device(host *x, const char *vf) {
        _cleanup_free_ char *wiped = NULL;
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + DH_TIMEOUT_MS * USEC_PER_MSEC;

        ck_assert_int_eq(dh_busctl(x->h, 0, NULL, NULL, "call", ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                   ACCMIG_MANAGER_INTERFACE, "TakeDevice", "s", vf, NULL),
                         0);
        assert_field(x, vf, "guest_driver", "true");
        wiped = field(x, vf, "digest");
        for (;;) {
                _cleanup_free_ char *now = field(x, vf, "digest");

                if (!streq(now, wiped))
                        return;
                ck_assert_msg(now_usec(CLOCK_MONOTONIC) < deadline, "%s: the guest never steps",
                              vf);
                usleep(2000);
        }
}

/* The guest stops stepping (its driver unloads, the registers stay): the digest stands still,
 * the state a rollback must give back untouched. Returns that digest. */
char *freeze(host *x, const char *vf) {
        ck_assert_int_eq(dh_sim_ctl(x->h, "guest", vf, "off", NULL), 0);
        return field(x, vf, "digest");
}

/* After a rollback: vf runs on x with exactly the state it had. */
void assert_intact(host *x, const char *vf, const char *digest) {
        _cleanup_free_ char *now = field(x, vf, "digest");

        assert_field(x, vf, "state", "RUNNING");
        ck_assert_msg(streq(now, digest), "%s: digest %s after the rollback, %s before", vf, now,
                      digest);
}

/* A destination VF is free again: reset (the daemon let go, and so did the fd store, which
 * reads FDSTOREREMOVE=1 on its own time), in no migration. */
void assert_free(host *x, const char *vf) {
        _cleanup_free_ char *path = dh_device_path(vf), *mig = NULL;

        wait_field(x, vf, "open", "false");
        ck_assert_int_eq(dh_get_property(x->h, path, ACCMIG_DEVICE_INTERFACE, "Migration", &mig),
                         0);
        ck_assert_str_eq(mig, "/");
}

/* A VF of the source that must not run: stopped, holding its state for the destination. */
void assert_stopped(host *x, const char *vf) {
        _cleanup_free_ char *s = field(x, vf, "state");

        ck_assert_msg(streq(s, "STOP_COPY") || streq(s, "STOP"), "%s is %s, not stopped", vf, s);
}

/* Manager.Migrate(vfs, to, options) through busctl: the new migration's object path. vfs ends
 * with NULL; to_devices (may be NULL) names a destination VF for each. */
char *migrate(host *x, const char *to, unsigned flags, const char *const *vfs,
              const char *const *to_devices) {
        _cleanup_free_ char *out = NULL, *err = NULL;
        const char *argv[40] = {};
        char n_vfs[8], n_opts[8];
        size_t n = 0, k = 0, opts = 0;
        const char *p, *q;

        argv[n++] = "call";
        argv[n++] = ACCMIG_BUS_NAME;
        argv[n++] = ACCMIG_BUS_PATH;
        argv[n++] = ACCMIG_MANAGER_INTERFACE;
        argv[n++] = "Migrate";
        argv[n++] = "assa{sv}";
        argv[n++] = n_vfs;
        while (vfs[k])
                argv[n++] = vfs[k++];
        snprintf(n_vfs, sizeof(n_vfs), "%zu", k);
        argv[n++] = to;
        argv[n++] = n_opts;
        if (flags & MANUAL_SWITCHOVER) {
                argv[n++] = "manual-switchover";
                argv[n++] = "b";
                argv[n++] = "true";
                opts++;
        }
        if (flags & MANUAL_COMMIT) {
                argv[n++] = "manual-commit";
                argv[n++] = "b";
                argv[n++] = "true";
                opts++;
        }
        if (to_devices) {
                argv[n++] = "to-devices";
                argv[n++] = "as";
                argv[n++] = n_vfs;
                for (size_t i = 0; i < k; i++)
                        argv[n++] = to_devices[i];
                opts++;
        }
        snprintf(n_opts, sizeof(n_opts), "%zu", opts);
        assert(n < ELEMENTSOF(argv));
        ck_assert_msg(dh_busctl(x->h, 0, &out, &err, argv[0], argv[1], argv[2], argv[3], argv[4],
                                argv[5], argv[6], argv[7], argv[8], argv[9], argv[10], argv[11],
                                argv[12], argv[13], argv[14], argv[15], argv[16], argv[17],
                                argv[18], argv[19], argv[20], argv[21], argv[22], argv[23],
                                argv[24], argv[25], NULL) == 0,
                      "Migrate: %s", strempty(err));
        /* o "/com/hisilicon/AccMig1/migration/ID" */
        p = strchr(out, '"');
        ck_assert_ptr_nonnull(p);
        q = strchr(p + 1, '"');
        ck_assert_ptr_nonnull(q);
        return strndup(p + 1, (size_t)(q - p - 1));
}

char *mig_property(host *x, const char *path, const char *name) {
        char *v = NULL;
        int r = dh_get_property(x->h, path, ACCMIG_MIGRATION_INTERFACE, name, &v);

        if (r < 0) {
                _cleanup_free_ char *out = NULL, *err = NULL;
                (void)dh_busctl(x->h, 0, &out, &err, "get-property", ACCMIG_BUS_NAME, path,
                                ACCMIG_MIGRATION_INTERFACE, name, NULL);
                ck_abort_msg("%s %s: %s: %s%s", path, name, strerror(-r), strempty(out),
                             strempty(err));
        }
        return v;
}

void wait_phase(host *x, const char *path, const char *phase) {
        int r = dh_wait_property(x->h, path, ACCMIG_MIGRATION_INTERFACE, "Phase", phase);

        if (r < 0) {
                _cleanup_free_ char *error = NULL;
                (void)dh_get_property(x->h, path, ACCMIG_MIGRATION_INTERFACE, "Error", &error);
                ck_abort_msg("%s never became %s (error: %s)", path, phase, strna(error));
        }
}

void assert_error(host *x, const char *path, const char *words) {
        _cleanup_free_ char *error = mig_property(x, path, "Error");

        assert_says(error, words);
}

/* A Migration method (Switchover, Commit) on the test's own bus connection, without waiting
 * for the answer: the daemon answers only once its device operations are done, and the test
 * must act while a delay fault holds them. */
void call_async(host *x, const char *path, const char *method) {
        ck_assert_int_ge(sd_bus_call_method_async(x->h->bus, NULL, ACCMIG_BUS_NAME, path,
                                                  ACCMIG_MIGRATION_INTERFACE, method, NULL, NULL,
                                                  NULL),
                         0);
        ck_assert_int_ge(sd_bus_flush(x->h->bus), 0);
}
