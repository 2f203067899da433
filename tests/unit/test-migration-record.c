/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-flight migration records (daemon/migration-record.c) and the fd store's names
 * (daemon/fd-store.c): a record written and read back, each refusal of a damaged or foreign
 * record with the sentence that names what is wrong, a newer version named as such, a record in
 * another migration's file, the atomic file and its removal; the VF names the store keeps and
 * their way back to addresses.
 */

#include <check.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd-store.h"
#include "file-util.h"
#include "macro.h"
#include "migration-record.h"
#include "strv.h"
#include "test-main.h"

static char tmpdir[] = "/tmp/test-migration-record.XXXXXX";

static void setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void) {
        _cleanup_free_ char *cmd = NULL;

        ck_assert_int_ge(asprintf_safe(&cmd, "rm -rf '%s'", tmpdir), 0);
        ck_assert_int_eq(system(cmd), 0);
        strcpy(tmpdir, "/tmp/test-migration-record.XXXXXX");
}

static char *vfs[] = { (char *)"0000:75:00.1", (char *)"0000:76:00.1", NULL };
static char *peer_vfs[] = { (char *)"0000:75:00.2", (char *)"0000:76:00.3", NULL };

START_TEST(test_round_trip) {
        MigrationRecord rec = { .migration = (char *)"5f0c3a9e7d1b2c44",
                                .role = MIGRATION_SOURCE,
                                .phase = RECORD_COMMIT_SENT,
                                .peer = (char *)"host-b:16520",
                                .updated_usec = 1764556800000000,
                                .vfs = vfs,
                                .peer_vfs = peer_vfs };
        _cleanup_(migration_record_done) MigrationRecord back = {};
        _cleanup_free_ char *text = NULL, *error = NULL;

        ck_assert_int_eq(migration_record_format(&rec, &text), 0);
        ck_assert_ptr_nonnull(strstr(text, "\"version\": 1"));
        ck_assert_ptr_nonnull(strstr(text, "\"phase\": \"commit-sent\""));
        ck_assert_int_eq(migration_record_parse(text, strlen(text), "r", &back, &error), 0);
        ck_assert_ptr_null(error);
        ck_assert_str_eq(back.migration, rec.migration);
        ck_assert_int_eq(back.role, MIGRATION_SOURCE);
        ck_assert_int_eq(back.phase, RECORD_COMMIT_SENT);
        ck_assert_str_eq(back.peer, "host-b:16520");
        ck_assert_uint_eq(back.updated_usec, rec.updated_usec);
        ck_assert_uint_eq(strv_length(back.vfs), 2);
        ck_assert_str_eq(back.vfs[1], "0000:76:00.1");
        ck_assert_str_eq(back.peer_vfs[0], "0000:75:00.2");
        ck_assert_str_eq(back.peer_vfs[1], "0000:76:00.3");
        ck_assert_ptr_null(back.reason);
}
END_TEST

START_TEST(test_refused) {
        static const struct {
                const char *text, *error;
                int r;
        } cases[] = {
                { "", "r: ", -EINVAL },
                { "{ \"version\": 1, \"migration\": \"", "r:", -EINVAL },
                { "[]", "r:", -EINVAL },
                { "{ \"version\": 2, \"whatever\": [] }",
                  "r: written by a newer hisi-accmigd (record version 2; this one reads version "
                  "1)",
                  -EPROTONOSUPPORT },
                { "{ \"migration\": \"a\", \"role\": \"source\", \"phase\": \"reserved\", "
                  "\"peer\": \"h:1\", \"updated\": 1, \"vfs\": [\"0000:75:00.1\"] }",
                  "missing required key \"version\"", -EINVAL },
                { "{ \"version\": 1, \"migration\": \"../x\", \"role\": \"source\", \"phase\": "
                  "\"reserved\", \"peer\": \"h:1\", \"updated\": 1, \"vfs\": [\"0000:75:00.1\"] }",
                  "expected a migration id", -EINVAL },
                { "{ \"version\": 1, \"migration\": \"a\", \"role\": \"source\", \"phase\": "
                  "\"running\", \"peer\": \"h:1\", \"updated\": 1, \"vfs\": [\"0000:75:00.1\"] }",
                  "r: phase \"running\" is not a source's", -EINVAL },
                { "{ \"version\": 1, \"migration\": \"a\", \"role\": \"destination\", \"phase\": "
                  "\"commit-sent\", \"updated\": 1, \"vfs\": [\"0000:75:00.1\"] }",
                  "r: phase \"commit-sent\" is not a destination's", -EINVAL },
                { "{ \"version\": 1, \"migration\": \"a\", \"role\": \"source\", \"phase\": "
                  "\"reserved\", \"updated\": 1, \"vfs\": [\"0000:75:00.1\"] }",
                  "r: a source's record needs its \"peer\"", -EINVAL },
                { "{ \"version\": 1, \"migration\": \"a\", \"role\": \"destination\", \"phase\": "
                  "\"reserved\", \"updated\": 1, \"vfs\": [] }",
                  "r: vfs: between 1 and 256 VFs, got 0", -EINVAL },
                { "{ \"version\": 1, \"migration\": \"a\", \"role\": \"destination\", \"phase\": "
                  "\"reserved\", \"updated\": 1, \"vfs\": [\"75:00.1\"] }",
                  "r: vfs[0]: \"75:00.1\" is not a PCI address", -EINVAL },
                { "{ \"version\": 1, \"migration\": \"a\", \"role\": \"destination\", \"phase\": "
                  "\"reserved\", \"updated\": 1, \"vfs\": [\"0000:75:00.1\", \"0000:75:00.1\"] }",
                  "r: vfs: 0000:75:00.1 is named twice", -EINVAL },
                { "{ \"version\": 1, \"migration\": \"a\", \"role\": \"destination\", \"phase\": "
                  "\"reserved\", \"updated\": 1, \"vfs\": [\"0000:75:00.1\"], \"peer_vfs\": [] }",
                  "r: peer_vfs: 0 addresses for 1 VFs", -EINVAL },
                { "{ \"version\": 1, \"migration\": \"a\", \"role\": \"destination\", \"phase\": "
                  "\"reserved\", \"updated\": 1, \"vfs\": [\"0000:75:00.1\"], \"extra\": 1 }",
                  "r:1: extra: unknown key", -EINVAL },
                { "{ \"version\": 1, \"migration\": \"a\", \"role\": \"destination\", \"phase\": "
                  "\"reserved\", \"updated\": 1, \"vfs\": [\"0000:75:00.1\"], \"peer_vfs\": [\"\"] "
                  "}",
                  "peer_vfs", -EINVAL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                MigrationRecord rec = {};
                _cleanup_free_ char *error = NULL;

                ck_assert_int_eq(migration_record_parse(cases[i].text, strlen(cases[i].text), "r",
                                                        &rec, &error),
                                 cases[i].r);
                ck_assert_msg(error && strstr(error, cases[i].error), "case %zu: %s", i,
                              error ?: "(no message)");
                ck_assert_ptr_null(rec.migration);
        }
}
END_TEST

START_TEST(test_files) {
        MigrationRecord rec = { .migration = (char *)"abc-1",
                                .role = MIGRATION_DESTINATION,
                                .phase = RECORD_ROLLED_BACK,
                                .peer = (char *)"host-a",
                                .updated_usec = 7,
                                .vfs = vfs,
                                .reason = (char *)"destination, loading: RESUMING -> STOP" };
        _cleanup_(migration_record_done) MigrationRecord back = {};
        _cleanup_free_ char *dir = NULL, *error = NULL, *other = NULL, *text = NULL;
        _cleanup_close_ int dfd = -EBADF;

        ck_assert_int_ge(asprintf_safe(&dir, "%s/run/migrations", tmpdir), 0);
        dfd = migration_records_open(dir); /* makes it */
        ck_assert_int_ge(dfd, 0);
        ck_assert_int_eq(migration_record_save(dfd, &rec), 0);
        ck_assert_int_eq(migration_record_load(dir, "abc-1.json", &back, &error), 0);
        ck_assert_str_eq(back.reason, rec.reason);
        ck_assert_int_eq(back.phase, RECORD_ROLLED_BACK);
        /* No temporary file stays behind. */
        ck_assert_int_eq(
                system("test \"$(ls /tmp/test-migration-record.*/run/migrations | wc -l)\" "
                       "= 1"),
                0);
        /* A record in another migration's file is not that migration's. */
        ck_assert_int_ge(asprintf_safe(&other, "%s/other.json", dir), 0);
        ck_assert_int_eq(migration_record_format(&rec, &text), 0);
        ck_assert_int_eq(write_file(other, text, strlen(text), 0600), 0);
        migration_record_done(&back);
        ck_assert_int_eq(migration_record_load(dir, "other.json", &back, &error), -EINVAL);
        ck_assert_ptr_nonnull(strstr(error, "the record of migration abc-1, in another's file"));
        error = mfree(error);
        ck_assert_int_eq(migration_record_load(dir, "gone.json", &back, &error), -ENOENT);
        ck_assert_int_eq(migration_record_remove(dfd, "abc-1"), 0);
        ck_assert_int_eq(migration_record_remove(dfd, "abc-1"), 0);
        ck_assert_int_eq(access(other, F_OK), 0);
}
END_TEST

/* Expired outcomes go; young ones, a source's record and a damaged one stay. */
START_TEST(test_prune) {
        static const uint64_t day = 86400ULL * 1000000ULL;
        static const struct {
                const char *id;
                MigrationRole role;
                RecordPhase phase;
                bool old, gone;
        } records[] = {
                { "old-committed", MIGRATION_DESTINATION, RECORD_COMMITTED, true, true },
                { "old-rolled-back", MIGRATION_DESTINATION, RECORD_ROLLED_BACK, true, true },
                { "old-running", MIGRATION_DESTINATION, RECORD_RUNNING, true, false },
                { "old-source", MIGRATION_SOURCE, RECORD_COMMIT_SENT, true, false },
                { "young-committed", MIGRATION_DESTINATION, RECORD_COMMITTED, false, false },
        };
        _cleanup_free_ char *dir = NULL, *damaged = NULL;
        _cleanup_close_ int dfd = -EBADF;
        uint64_t now = 100 * day;

        ck_assert_int_ge(asprintf_safe(&dir, "%s/migrations", tmpdir), 0);
        dfd = migration_records_open(dir);
        ck_assert_int_ge(dfd, 0);
        for (size_t i = 0; i < ELEMENTSOF(records); i++) {
                MigrationRecord rec = { .migration = (char *)records[i].id,
                                        .role = records[i].role,
                                        .phase = records[i].phase,
                                        .peer = (char *)"h:1",
                                        .updated_usec = records[i].old ? now - 2 * day : now,
                                        .vfs = vfs };
                _cleanup_free_ char *path = NULL;

                ck_assert_int_eq(migration_record_save(dfd, &rec), 0);
                ck_assert_int_ge(asprintf_safe(&path, "%s/%s.json", dir, records[i].id), 0);
                /* The files' times as the records' (the clock here is not day 100). */
                ck_assert_int_eq(
                        utimensat(AT_FDCWD, path,
                                  (struct timespec[]){
                                          { .tv_sec = (time_t)(rec.updated_usec / 1000000) },
                                          { .tv_sec = (time_t)(rec.updated_usec / 1000000) } },
                                  0),
                        0);
        }
        ck_assert_int_ge(asprintf_safe(&damaged, "%s/damaged.json", dir), 0);
        ck_assert_int_eq(write_file(damaged, "{", 1, 0600), 0);
        ck_assert_int_eq(utimensat(AT_FDCWD, damaged,
                                   (struct timespec[]){ { .tv_sec = 1 }, { .tv_sec = 1 } }, 0),
                         0);
        ck_assert_int_eq(migration_records_prune(dir, day, now), 2);
        for (size_t i = 0; i < ELEMENTSOF(records); i++) {
                _cleanup_free_ char *path = NULL;

                ck_assert_int_ge(asprintf_safe(&path, "%s/%s.json", dir, records[i].id), 0);
                ck_assert_msg((access(path, F_OK) < 0) == records[i].gone, "%s", records[i].id);
        }
        ck_assert_int_eq(access(damaged, F_OK), 0);
}
END_TEST

START_TEST(test_fd_names) {
        char name[FD_STORE_NAME_MAX], address[HISI_PCI_ADDRESS_MAX];

        fd_store_vf_name("0000:75:00.1", name);
        ck_assert_str_eq(name, "vf.0000_75_00.1");
        ck_assert_ptr_null(strchr(name, ':')); /* LISTEN_FDNAMES joins names with ':' */
        ck_assert_int_eq(fd_store_vf_address(name, address), 0);
        ck_assert_str_eq(address, "0000:75:00.1");
        ck_assert_int_eq(fd_store_vf_address("peer", address), -EINVAL);
        ck_assert_int_eq(fd_store_vf_address("vf.", address), -EINVAL);
        ck_assert_int_eq(fd_store_vf_address("vf.0000_75_00", address), -EINVAL);
        ck_assert_int_eq(fd_store_vf_address("vf.0000_75_00.1_0000_75_00.1_0000", address),
                         -EINVAL);
}
END_TEST

static Suite *make_suite(void) {
        Suite *s = suite_create("migration-record");
        TCase *tc = tcase_create("records");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_round_trip);
        tcase_add_test(tc, test_refused);
        tcase_add_test(tc, test_files);
        tcase_add_test(tc, test_prune);
        tcase_add_test(tc, test_fd_names);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(make_suite)
