/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for parse-util: not written yet. */
#include <check.h>
#include <stdlib.h>

START_TEST(test_placeholder) {
        ck_assert_int_eq(1, 1);
}
END_TEST

int main(void) {
        Suite *s = suite_create("parse-util");
        TCase *tc = tcase_create("placeholder");
        tcase_add_test(tc, test_placeholder);
        suite_add_tcase(s, tc);
        SRunner *sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
