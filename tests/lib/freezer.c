/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A cgroup v1 freezer of a test's own (see freezer.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file-util.h"
#include "freezer.h"
#include "macro.h"

#define FREEZER_ROOT "/sys/fs/cgroup/freezer"

struct test_freezer {
        char *dir;
};

static int write_attr(const test_freezer *f, const char *name, const char *value) {
        _cleanup_free_ char *p = NULL;

        if (asprintf_safe(&p, "%s/%s", f->dir, name) < 0)
                return -ENOMEM;
        return write_string_file(p, value);
}

static int read_attr(const test_freezer *f, const char *name, char **ret) {
        _cleanup_free_ char *p = NULL;

        if (asprintf_safe(&p, "%s/%s", f->dir, name) < 0)
                return -ENOMEM;
        return read_one_line_file(p, ret);
}

/* Wait (at most 5 s) until freezer.state says want. */
static int wait_state(const test_freezer *f, const char *want) {
        for (unsigned i = 0; i < 500; i++) {
                _cleanup_free_ char *s = NULL;

                if (read_attr(f, "freezer.state", &s) >= 0 && streq(s, want))
                        return 0;
                (void)nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
        }
        return -ETIMEDOUT;
}

int test_freezer_new(test_freezer **ret) {
        test_freezer *f;
        char name[64];

        if (geteuid() != 0 || access(FREEZER_ROOT "/tasks", F_OK) < 0) {
                fprintf(stderr, "skipped: no cgroup v1 freezer at " FREEZER_ROOT
                                " (or not root): no way to make a task unkillable\n");
                return -EOPNOTSUPP;
        }
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        snprintf(name, sizeof(name), "hisi-test-%d-%ld", (int)getpid(), (long)random());
        if (asprintf_safe(&f->dir, FREEZER_ROOT "/%s", name) < 0) {
                free(f);
                return -ENOMEM;
        }
        if (mkdir(f->dir, 0755) < 0) {
                int r = negative_errno();

                fprintf(stderr, "skipped: cannot make a freezer cgroup %s: %s\n", f->dir,
                        strerror(-r));
                free(f->dir);
                free(f);
                return -EOPNOTSUPP;
        }
        *ret = f;
        return 0;
}

int test_freezer_freeze(test_freezer *f, pid_t pid) {
        char s[32];
        int r;

        snprintf(s, sizeof(s), "%d", (int)pid);
        r = write_attr(f, "cgroup.procs", s);
        if (r < 0)
                return r;
        r = write_attr(f, "freezer.state", "FROZEN");
        if (r < 0)
                return r;
        return wait_state(f, "FROZEN");
}

int test_freezer_thaw(test_freezer *f) {
        int r = write_attr(f, "freezer.state", "THAWED");

        return r < 0 ? r : wait_state(f, "THAWED");
}

void test_freezer_free(test_freezer *f) {
        _cleanup_free_ char *procs = NULL;

        if (!f)
                return;
        (void)test_freezer_thaw(f);
        /* What is still in it goes back to the root, so that the cgroup can go. */
        if (read_attr(f, "cgroup.procs", &procs) >= 0)
                for (char *p = strtok(procs, "\n"); p; p = strtok(NULL, "\n"))
                        (void)write_string_file(FREEZER_ROOT "/cgroup.procs", p);
        for (unsigned i = 0; i < 100 && rmdir(f->dir) < 0 && errno == EBUSY; i++)
                (void)nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
        free(f->dir);
        free(f);
}
