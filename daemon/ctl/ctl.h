/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl's common ground: the exit codes scripts rely on (hisi-accmigctl(1)), the
 * options every verb reads, and the verb table. A verb group (devices, bind, …) is one file that
 * defines a CtlVerbGroup; ctl.c lists the groups, parses the options, checks each verb's
 * arguments (a usage error never waits for the bus), then connects and runs the verb.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

/* Exit codes (hisi-accmigctl(1)). */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,       /* the daemon tried and failed (bind failed, bad config, …) */
        EXIT_USAGE = 2,        /* a mistake on the command line */
        EXIT_NO_DEVICE = 3,    /* no such VF on this host */
        EXIT_DENIED = 4,       /* only root may do this */
        EXIT_REFUSED = 5,      /* the policy's checks refused it (excluded, libvirt's, busy, …) */
        EXIT_TIMEOUT = 6,      /* the operation did not finish in time */
        EXIT_UNREACHABLE = 7,  /* no daemon on the bus */
        EXIT_INCOMPATIBLE = 8, /* check: a VF's state would not fit on the other host */
        EXIT_PEER = 9,         /* check: the other host could not be reached or refused us */
};

/* The verb being run ("bind"), for messages; and the options (ctl.c). */
extern const char *arg_verb;
extern bool arg_json;
extern bool arg_force;
extern bool arg_persistent; /* --persistent (bind, unbind); --runtime is the default */
extern uint64_t arg_timeout_usec;
extern const char *arg_to;    /* --to HOST[:PORT] */
extern char **arg_to_devices; /* --to-device VF, in order; NULL-terminated */
extern size_t arg_n_to_devices;
extern bool arg_manual_switchover; /* --manual-switchover */
extern bool arg_manual_commit;
extern const char *arg_decision; /* resolve: ACCMIG_RESOLVE_* */ /* --manual-commit */

/* ctl-peer.c: the call of Check or Migrate (method) for the VFs argv[1..argc), --to and the
 * options; EXIT_OK and *ret, or an exit code (said why). */
int ctl_new_transfer_call(sd_bus *bus, const char *verb, const char *method, int argc, char **argv,
                          sd_bus_message **ret);

/* CLOCK_MONOTONIC in µs. */
uint64_t now_monotonic_usec(void);

typedef struct CtlVerb {
        const char *name;
        const char *args; /* its arguments for --help and the usage message: "VF", or "" */
        const char *help; /* one line for --help */
        unsigned n_args;  /* exactly this many arguments after the verb (at least, when more) */
        bool vf;          /* the first argument is a VF's PCI address, checked before the call
                           * (every argument, when more) */
        /* argv[0] is the verb, argc is n_args + 1; an exit code. */
        int (*run)(sd_bus *bus, int argc, char **argv);
        bool more; /* n_args or more arguments */
} CtlVerb;

typedef struct CtlVerbGroup {
        const CtlVerb *verbs;
        size_t n_verbs;
} CtlVerbGroup;

/* The groups, one file each, in the order of --help. */
extern const CtlVerbGroup ctl_devices_verbs; /* ctl-devices.c: status, list, show */
extern const CtlVerbGroup ctl_bind_verbs;    /* ctl-bind.c: bind, unbind, overrides, reload */
extern const CtlVerbGroup ctl_peer_verbs;    /* ctl-peer.c: check */
extern const CtlVerbGroup ctl_migrate_verbs; /* ctl-migrate.c: migrate, migrations, ... */
