/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run something in a child process under sd-event, with a deadline: a function of ours (in a
 * fork) or a program (fork and exec), optionally with its stdout collected. The event loop
 * watches the child (sd-event's child source: a pidfd where the kernel has them) and never
 * waits for it; past the deadline the child is killed (SIGKILL), and in every case it is reaped
 * before the completion callback runs, which gets how it ended.
 *
 * For the daemon's helpers: a sysfs write a driver may make wait (sysfs-write.h), the libvirt
 * helper program (libvirt-scan.h), and next the migration hook. Needs SIGCHLD blocked, as every
 * sd-event child source does. Not part of hisi-shared proper, which is libc only: its target is
 * hisi-shared-event.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "macro.h"
#include "time-util.h"

typedef struct ChildRun ChildRun;

typedef struct ChildRunResult {
        /*
         * 0: the child ended by itself, see status. Otherwise why it was killed: -ETIMEDOUT
         * (the deadline), -EFBIG (more output than capture_max), -ENOMEM (its output could not
         * be kept).
         */
        int error;
        int status;         /* its exit status (0-255); -1 when a signal ended it */
        const char *output; /* capture: what it wrote on stdout, NUL-terminated; else NULL */
        size_t n_output;
} ChildRunResult;

/* The ChildRun may be freed from here. */
typedef void (*child_run_done_t)(ChildRun *c, const ChildRunResult *result, void *userdata);

typedef struct ChildRunOptions {
        /*
         * Either a function, run in the forked child: its return value (0 or a negative
         * errno) becomes the exit status (0, or the errno; EIO when it does not fit) ...
         */
        int (*func)(void *userdata);
        void *func_userdata;
        /* ... or a program: path executed with argv (exit status 127 when it cannot be), stdin
         * on /dev/null, the signal mask cleared. */
        const char *path;
        char *const *argv;
        /* > 0: collect stdout, at most this many bytes (more: the child is killed). */
        size_t capture_max;
        bool stderr_to_null;
        /* > 0: kill the child this long after the start. */
        uint64_t timeout_usec;
} ChildRunOptions;

/* How long child_run_free() waits for a killed child to end. */
#define CHILD_RUN_REAP_USEC (500 * USEC_PER_MSEC)

/* Fork (and exec); done runs later from the event loop, once, never from here. */
int child_run_start(sd_event *event, const ChildRunOptions *o, child_run_done_t done,
                    void *userdata, ChildRun **ret);
/* Kill it now (SIGKILL), for reason (a negative errno, result.error; the first reason stands);
 * done runs once it has been reaped, from the event loop as always. A child in an
 * uninterruptible kernel wait ends only when the kernel lets it: done waits for that. */
void child_run_kill(ChildRun *c, int reason);
/* Wait (blocking, at most until the CLOCK_MONOTONIC time until_usec) for a killed child to end,
 * and reap it: 1 when it is reaped (or was), 0 when it still runs. done is not called. For the
 * end of a program, where the event loop no longer runs. */
int child_run_reap(ChildRun *c, uint64_t until_usec);
/* Stops it: a child still running is killed and reaped (waiting at most CHILD_RUN_REAP_USEC for
 * it to end); done is not called. A child that does not end in that time is left to the kernel:
 * it is a zombie until this process ends, then init's. */
ChildRun *child_run_free(ChildRun *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ChildRun *, child_run_free);

/* Forget it without waiting: a child still running is left (once it ends, a zombie until this
 * process ends). For a child that child_run_reap() could not reap in time. */
ChildRun *child_run_abandon(ChildRun *c);

pid_t child_run_get_pid(const ChildRun *c);
/* The child has ended and was reaped (or is being: from done). */
bool child_run_exited(const ChildRun *c);

/* The errno a function child returned (ChildRunOptions.func): 0, the negative errno of its exit
 * status, result->error when it was killed for a reason of ours, or -EINTR when a signal from
 * elsewhere ended it. */
int child_run_result_to_errno(const ChildRunResult *result);
