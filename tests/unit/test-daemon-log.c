/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the daemon's logging (daemon/log.c): the journal is chosen only when stderr is
 * journald's stream (JOURNAL_STREAM names stderr's device and inode), the log_*_errno() calls
 * return the negative errno they were given and format it with %m, levels filter, the level
 * names are syslog's, and a message's structured fields are bounded: more than fit are dropped
 * and counted, never written past the entry.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "migration.h"
#include "test-main.h"

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
        LogFields f = {};

        ck_assert_int_eq(log_fields_add(&f, "HISI_VF", "0000:75:00.1"), 0);
        ck_assert_int_eq(log_fields_add(&f, "HISI_PF", "0000:75:00.0"), 0);
        ck_assert_int_eq(log_fields_add(&f, "HISI_KIND", "zip"), 0);

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

/* More fields than fit: each one past the bound is refused and counted, the list and the entry
 * stay within their arrays, and the entry says how many were dropped. */
static char field_names[LOG_FIELDS_MAX + 4][16];

static void fill_too_many(LogFields *f) {
        for (size_t i = 0; i < ELEMENTSOF(field_names); i++) {
                snprintf(field_names[i], sizeof(field_names[i]), "HISI_F%zu", i);
                ck_assert_int_eq(log_fields_add(f, field_names[i], "v"),
                                 i < LOG_FIELDS_MAX ? 0 : -ENOBUFS);
        }
        ck_assert_uint_eq(f->n, LOG_FIELDS_MAX);
        ck_assert_uint_eq(f->n_dropped, 4);
}

START_TEST(test_fields_bounded) {
        _cleanup_(log_entry_done) LogEntry e = {};
        LogFields f = {};

        fill_too_many(&f);
        ck_assert_int_eq(log_entry_build(&e, LOG_ERR, EBUSY, &f, "f.c", 7, "fn", "hello"), 0);
        /* The 7 standard fields (ERRNO included), the 8 that fit, and the count of the others. */
        ck_assert_uint_eq(e.n, LOG_ENTRY_FIELDS_MAX);
        ck_assert_str_eq(e.fields[0], "MESSAGE=hello");
        ck_assert_str_eq(e.fields[1], "PRIORITY=3");
        ck_assert_str_eq(e.fields[3], "CODE_FILE=f.c");
        ck_assert_str_eq(e.fields[4], "CODE_LINE=7");
        ck_assert_str_eq(e.fields[6], "ERRNO=16");
        ck_assert_str_eq(e.fields[7], "HISI_F0=v");
        ck_assert_str_eq(e.fields[7 + LOG_FIELDS_MAX - 1], "HISI_F7=v");
        ck_assert_str_eq(e.fields[LOG_ENTRY_FIELDS_MAX - 1], "HISI_LOG_FIELDS_DROPPED=4");
}
END_TEST

/* A migration's entries carry its id, role and peer, and for a VF the VF's fields too. */
START_TEST(test_migration_fields) {
        _cleanup_(log_entry_done) LogEntry e = {};
        Device dev = { .facts = { .address = "0000:75:00.1",
                                  .pf_address = "0000:75:00.0",
                                  .is_vf = true,
                                  .kind = HISI_KIND_ZIP } };
        Migration m = { .id = (char *)"0123456789abcdef",
                        .role = MIGRATION_DESTINATION,
                        .peer_name = (char *)"host-a" };
        MigrationDevice d = { .migration = &m, .device = &dev };
        LogFields f = {};

        migration_log_fields(&m, &d, &f);
        ck_assert_uint_eq(f.n_dropped, 0);
        ck_assert_int_eq(log_entry_build(&e, LOG_INFO, 0, &f, "f.c", 1, "fn", "m"), 0);
        ck_assert_str_eq(e.fields[6], "MIGRATION_ID=0123456789abcdef");
        ck_assert_str_eq(e.fields[7], "MIGRATION_ROLE=destination");
        ck_assert_str_eq(e.fields[8], "PEER=host-a");
        ck_assert_str_eq(e.fields[9], "HISI_VF=0000:75:00.1");
        ck_assert_str_eq(e.fields[10], "HISI_PF=0000:75:00.0");
        ck_assert_str_eq(e.fields[11], "HISI_KIND=zip");
}
END_TEST

static void log_too_many(void) {
        LogFields f = {};

        fill_too_many(&f);
        ck_assert_int_eq(log_full_errno_fields(LOG_WARNING, 0, &f, "many fields"), 0);
}

START_TEST(test_log_too_many) {
        _cleanup_free_ char *out = NULL;

        /* The journal, or stderr when there is none here: the message goes either way. */
        log_setup(LOG_TARGET_JOURNAL, "hisi-test");
        log_set_max_level(LOG_INFO);
        out = capture(log_too_many);
        ck_assert(out[0] == '\0' || streq(out, "hisi-test: many fields\n"));
        log_setup(LOG_TARGET_STDERR, NULL);
}
END_TEST

START_TEST(test_fields_refused) {
        _cleanup_(log_entry_done) LogEntry e = {};
        LogFields f = {};

        /* Names the journal refuses. */
        ck_assert_int_eq(log_fields_add(&f, "hisi_vf", "x"), -EINVAL);
        ck_assert_int_eq(log_fields_add(&f, "_HISI", "x"), -EINVAL);
        ck_assert_int_eq(log_fields_add(&f, "", "x"), -EINVAL);
        ck_assert_int_eq(log_fields_add(&f, NULL, "x"), -EINVAL);
        ck_assert_int_eq(log_fields_add(&f, "A-B", "x"), -EINVAL);
        /* A NULL value adds nothing. */
        ck_assert_int_eq(log_fields_add(&f, "PEER", NULL), 0);
        ck_assert_uint_eq(f.n, 0);
        ck_assert_uint_eq(f.n_dropped, 0);
        ck_assert_int_eq(log_fields_add(&f, "MIGRATION_ID", "m1"), 0);
        /* Without an error, no ERRNO=; without drops, no count. */
        ck_assert_int_eq(log_entry_build(&e, LOG_INFO, 0, &f, "f.c", 1, "fn", "m"), 0);
        ck_assert_uint_eq(e.n, 7);
        ck_assert_str_eq(e.fields[6], "MIGRATION_ID=m1");
}
END_TEST

static Suite *daemon_log_suite(void) {
        Suite *s = suite_create("daemon-log");
        TCase *tc = tcase_create("log");

        tcase_add_test(tc, test_stderr);
        tcase_add_test(tc, test_levels);
        tcase_add_test(tc, test_journal_stream);
        tcase_add_test(tc, test_journal_fields);
        suite_add_tcase(s, tc);

        tc = tcase_create("fields");
        tcase_add_test(tc, test_fields_bounded);
        tcase_add_test(tc, test_log_too_many);
        tcase_add_test(tc, test_fields_refused);
        tcase_add_test(tc, test_migration_fields);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(daemon_log_suite)
