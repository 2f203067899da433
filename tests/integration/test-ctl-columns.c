/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl's tables against a running daemon (issue 15): on a terminal 60 columns wide
 * (a pseudo-terminal, COLUMNS=60) every line of `list` and `status` fits, each VF's address
 * whole; narrower, the columns that are never cut stay whole; into a pipe the same COLUMNS
 * changes nothing.
 */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "macro.h"
#include "test-main.h"

/* hisi-accmigctl VERB on a pseudo-terminal with COLUMNS=columns: what it printed (the terminal
 * turns "\n" into "\r\n": the "\r" are dropped). */
static char *ctl_on_terminal(daemon_harness *h, const char *columns, const char *verb) {
        char *buf = NULL, chunk[4096];
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);
        int master, status;
        pid_t pid;
        ssize_t n;

        ck_assert_ptr_nonnull(out);
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        ck_assert_int_ge(master, 0);
        ck_assert_int_eq(grantpt(master), 0);
        ck_assert_int_eq(unlockpt(master), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                int slave = open(ptsname(master), O_RDWR | O_NOCTTY);

                if (slave < 0 || dup2(slave, STDOUT_FILENO) < 0 || dup2(slave, STDERR_FILENO) < 0)
                        _exit(127);
                (void)setenv("DBUS_SYSTEM_BUS_ADDRESS", h->bus_address, 1);
                (void)setenv("COLUMNS", columns, 1);
                execl(HISI_TEST_CTL, "hisi-accmigctl", verb, (char *)NULL);
                _exit(127);
        }
        /* Until the child's end of the terminal closes (EIO). */
        while ((n = read(master, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
                for (ssize_t i = 0; i < n; i++)
                        if (chunk[i] != '\r')
                                fputc(chunk[i], out);
        close(master);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        ck_assert_int_eq(fclose(out), 0);
        return buf;
}

static size_t longest_line(const char *s) {
        size_t longest = 0, n;

        for (; *s; s += n + (s[n] == '\n')) {
                n = strcspn(s, "\n");
                longest = MAX(longest, n);
        }
        return longest;
}

START_TEST(test_fits_a_terminal) {
        _cleanup_free_ char *list = NULL, *narrow = NULL, *status = NULL, *piped = NULL;
        daemon_harness *h = NULL;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);

        list = ctl_on_terminal(h, "60", "list");
        ck_assert_uint_le(longest_line(list), 60);
        ck_assert_ptr_nonnull(strstr(list, "\n0000:75:00.1  zip   0000:75:00.0 hisi_zip"));
        ck_assert_ptr_nonnull(strstr(list, "\n0000:79:00.4  hpre  "));
        narrow = ctl_on_terminal(h, "30", "list");
        ck_assert_ptr_nonnull(strstr(narrow, "\n0000:79:00.4 hpre "));
        ck_assert_ptr_nonnull(strstr(narrow, " leave  idle"));
        status = ctl_on_terminal(h, "60", "status");
        ck_assert_ptr_nonnull(strstr(status, "0000:76:00.0  sec   hisi_sec2    4/63"));

        /* A pipe: never cut. */
        ck_assert_int_eq(setenv("COLUMNS", "30", 1), 0);
        ck_assert_int_eq(dh_ctl(h, 0, &piped, NULL, "list", NULL), 0);
        ck_assert_int_eq(unsetenv("COLUMNS"), 0);
        ck_assert_uint_gt(longest_line(piped), 60);
        ck_assert_ptr_nonnull(strstr(piped, "0000:75:00.1  zip   0000:75:00.0  hisi_zip "));

        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

static Suite *ctl_columns_suite(void) {
        Suite *s = suite_create("ctl-columns");
        TCase *tc = test_tcase(s, "columns");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_fits_a_terminal);
        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, ctl_columns_suite)
