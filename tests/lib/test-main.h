/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The main() of every check test: build the suite, run it, exit 0 when nothing failed. A test
 * that needs what the machine lacks names a function that says whether it can run; when it
 * cannot, the test exits 77, which CTest counts as skipped.
 *
 *         static Suite *foo_suite(void) { ... }
 *         TEST_MAIN(foo_suite)
 *         TEST_MAIN_REQUIRES(dh_can_run, foo_suite)
 */
#pragma once

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>

#define TEST_EXIT_SKIP 77

/* A limit that tells a hang from a slow machine: twice what the step needs on an idle one, ten
 * times under the sanitizers and valgrind (tools/dev sets HISI_TEST_SLOW). Not a speed check:
 * the bugs such limits catch take minutes or forever. */
static inline unsigned long long test_limit_ms(unsigned long long ms) {
        return ms * (getenv("HISI_TEST_SLOW") ? 10 : 2);
}

/* A new test case, already in the suite. */
static inline TCase *test_tcase(Suite *s, const char *name) {
        TCase *tc = tcase_create(name);

        suite_add_tcase(s, tc);
        return tc;
}

static inline int test_run_suite(Suite *s) {
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#define TEST_MAIN(make_suite)                                                                      \
        int main(void) {                                                                           \
                return test_run_suite(make_suite());                                               \
        }

#define TEST_MAIN_REQUIRES(can_run, make_suite)                                                    \
        int main(void) {                                                                           \
                if (!(can_run)())                                                                  \
                        return TEST_EXIT_SKIP;                                                     \
                return test_run_suite(make_suite());                                               \
        }
