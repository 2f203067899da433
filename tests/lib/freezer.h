/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A task stuck in the kernel, on demand: the cgroup v1 freezer puts a process in an
 * uninterruptible sleep ("D") that not even SIGKILL ends until it is thawed, as a driver whose
 * remove() hangs does to the task that wrote its unbind. For the tests of what the daemon does
 * with a child it cannot kill. Needs root and a mounted v1 freezer hierarchy; where either is
 * missing, test_freezer_new() says why and returns -EOPNOTSUPP, and the test skips that part.
 */
#pragma once

#include <sys/types.h>

typedef struct test_freezer test_freezer;

/* A new, empty freezer cgroup of our own. */
int test_freezer_new(test_freezer **ret);
/* Move pid into it and freeze it; returns once the kernel says FROZEN. */
int test_freezer_freeze(test_freezer *f, pid_t pid);
/* Let it run again (a pending SIGKILL then ends it). */
int test_freezer_thaw(test_freezer *f);
/* Thaw, move what is left back to the root cgroup, remove the cgroup. */
void test_freezer_free(test_freezer *f);
