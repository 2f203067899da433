/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The steps the migration tests share (migration-steps.c), on hosts of peer-hosts.h: what the
 * simulated host says of a VF, a workload's hold on it and its guest, Manager.Migrate, and the
 * Migration objects. Failures abort the test (check), saying what was seen.
 */
#pragma once

#include "peer-hosts.h"

/* Migrate() options. */
enum {
        MANUAL_SWITCHOVER = 1 << 0,
        MANUAL_COMMIT = 1 << 1,
};

/* A VF's field as the simulated host of x reports it ("state", "open", "digest", …). */
char *field(host *x, const char *vf, const char *name);
void assert_field(host *x, const char *vf, const char *name, const char *want);
/* Wait until the field is want: another process moves it. */
void wait_field(host *x, const char *vf, const char *name, const char *want);
/* Wait until a daemon holds vf open in the given state (a VF nobody opened shows RUNNING). */
void wait_held(host *x, const char *vf, const char *state);
/* The daemon holds vf (TakeDevice, as a workload does) and its guest sets it up and steps. */
void take_device(host *x, const char *vf);
/* The guest stops stepping: its digest stands still. Returns it. */
char *freeze(host *x, const char *vf);
/* vf runs on x with exactly that digest. */
void assert_intact(host *x, const char *vf, const char *digest);
/* A destination VF is free again: reset, in no migration. */
void assert_free(host *x, const char *vf);
/* A source VF that must not run: stopped, holding its state. */
void assert_stopped(host *x, const char *vf);

/* Manager.Migrate(vfs, to, options) through busctl: the migration's object path. vfs ends with
 * NULL; to_devices (may be NULL) names a destination VF for each. */
char *migrate(host *x, const char *to, unsigned flags, const char *const *vfs,
              const char *const *to_devices);
char *mig_property(host *x, const char *path, const char *name);
void wait_phase(host *x, const char *path, const char *phase);
/* The migration's Error says words. */
void assert_error(host *x, const char *path, const char *words);
/* A Migration method called without waiting for its answer. */
void call_async(host *x, const char *path, const char *method);
