/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the daemon's logging (daemon/log.c): the journal is chosen only when stderr is
 * journald's stream (JOURNAL_STREAM names stderr's device and inode), the log_*_errno() calls
 * return the negative errno they were given and format it with %m, levels filter, and the level
 * names are syslog's.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"

/* Run fn with stderr going to a file, and return what it wrote. */
static char *capture(void (*fn)(void)) {
        char path[] = "/tmp/hisi-log.XXXXXX";
        int fd = mkstemp(path), saved = dup(STDERR_FILENO);
        char *buf = calloc(1, 4096);

        ck_assert_int_ge(fd, 0);
        ck_assert_ptr_nonnull(buf);
        unlink(path);
        ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
        fn();
        ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
        close(saved);
        ck_assert_int_ge(pread(fd, buf, 4095, 0), 0);
        close(fd);
        return buf;
}

static void log_some(void) {
        ck_assert_int_eq(log_error_errno(-ENODEV, "Failed to find %s: %m", "0000:75:00.1"),
                         -ENODEV);
        ck_assert_int_eq(log_warning_errno(EIO, "positive %d", 1), -EIO);
        ck_assert_int_eq(log_info_errno(0, "plain"), 0);
        log_debug("not shown at info");
}

START_TEST(test_stderr) {
        _cleanup_free_ char *out = NULL;

        unsetenv("JOURNAL_STREAM");
        log_setup(LOG_TARGET_AUTO, "hisi-test");
        ck_assert_int_eq(log_get_target(), LOG_TARGET_STDERR);
        log_set_max_level(LOG_INFO);
        out = capture(log_some);
        ck_assert_str_eq(out, "hisi-test: Failed to find 0000:75:00.1: No such device\n"
                              "hisi-test: positive 1\n"
                              "hisi-test: plain\n");
}
END_TEST

START_TEST(test_levels) {
        _cleanup_free_ char *out = NULL;

        log_setup(LOG_TARGET_STDERR, "hisi-test");
        log_set_max_level(LOG_ERR);
        ck_assert_int_eq(log_get_max_level(), LOG_ERR);
        out = capture(log_some);
        ck_assert_str_eq(out, "hisi-test: Failed to find 0000:75:00.1: No such device\n");
        log_set_max_level(99); /* ignored */
        ck_assert_int_eq(log_get_max_level(), LOG_ERR);
        ck_assert_int_eq(log_level_from_string("warning"), LOG_WARNING);
        ck_assert_int_eq(log_level_from_string("DEBUG"), LOG_DEBUG);
        ck_assert_int_eq(log_level_from_string("loud"), -EINVAL);
        ck_assert_int_eq(log_level_from_string(NULL), -EINVAL);
        ck_assert_str_eq(log_level_to_string(LOG_NOTICE), "notice");
        ck_assert_ptr_null(log_level_to_string(8));
}
END_TEST

START_TEST(test_journal_stream) {
        struct stat st;
        char v[64];

        /* stderr is journald's stream only when JOURNAL_STREAM names its very inode. */
        ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
        snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
        setenv("JOURNAL_STREAM", v, 1);
        log_setup(LOG_TARGET_AUTO, NULL);
        ck_assert_int_eq(log_get_target(), LOG_TARGET_JOURNAL);
        snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino + 1);
        setenv("JOURNAL_STREAM", v, 1);
        log_setup(LOG_TARGET_AUTO, NULL);
        ck_assert_int_eq(log_get_target(), LOG_TARGET_STDERR);
        setenv("JOURNAL_STREAM", "garbage", 1);
        log_setup(LOG_TARGET_AUTO, NULL);
        ck_assert_int_eq(log_get_target(), LOG_TARGET_STDERR);
        unsetenv("JOURNAL_STREAM");
}
END_TEST

static void log_to_journal(void) {
        LogFields f = { .vf = "0000:75:00.1", .pf = "0000:75:00.0", .kind = "zip" };

        /* Without a journal here, the message still goes somewhere: stderr. */
        ck_assert_int_eq(log_full_errno_fields(LOG_ERR, -EBUSY, &f, "Failed: %m"), -EBUSY);
}

START_TEST(test_journal_fields) {
        _cleanup_free_ char *out = NULL;

        log_setup(LOG_TARGET_JOURNAL, "hisi-test");
        log_set_max_level(LOG_INFO);
        out = capture(log_to_journal);
        /* Either journald took it (nothing on stderr) or stderr has it. */
        ck_assert(out[0] == '\0' || streq(out, "hisi-test: Failed: Device or resource busy\n"));
        log_setup(LOG_TARGET_STDERR, NULL);
}
END_TEST

int main(void) {
        Suite *s = suite_create("daemon-log");
        TCase *tc = tcase_create("log");

        tcase_add_test(tc, test_stderr);
        tcase_add_test(tc, test_levels);
        tcase_add_test(tc, test_journal_stream);
        tcase_add_test(tc, test_journal_fields);
        suite_add_tcase(s, tc);

        SRunner *sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
