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

/* Fork (and exec); done runs later from the event loop, once, never from here. */
int child_run_start(sd_event *event, const ChildRunOptions *o, child_run_done_t done,
                    void *userdata, ChildRun **ret);
/* Stops it: a child still running is killed and reaped at once (sd-event waits for it); done is
 * not called. For a child that may sit in an uninterruptible kernel wait, keep the ChildRun
 * until it ends instead (see sysfs-write.c). */
ChildRun *child_run_free(ChildRun *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(ChildRun *, child_run_free);

pid_t child_run_get_pid(const ChildRun *c);

/* The errno a function child returned (ChildRunOptions.func): 0, the negative errno of its exit
 * status, result->error when it was killed for a reason of ours, or -EINTR when a signal from
 * elsewhere ended it. */
int child_run_result_to_errno(const ChildRunResult *result);
