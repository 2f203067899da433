/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The persistent bindings' file (daemon/bind-overrides.c): decoding (short addresses made
 * canonical, a malformed address, one recorded twice, unknown keys refused), the text written,
 * the changes and their file (the whole list each time, the directory made), and a change that
 * cannot be written leaving the list as it was.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind-overrides.h"
#include "file-util.h"
#include "macro.h"
#include "test-main.h"

static char tmpdir[] = "/tmp/test-bind-overrides.XXXXXX";

static void setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void) {
        _cleanup_free_ char *cmd = NULL;

        ck_assert_int_ge(asprintf_safe(&cmd, "rm -rf '%s'", tmpdir), 0);
        ck_assert_int_eq(system(cmd), 0);
        strcpy(tmpdir, "/tmp/test-bind-overrides.XXXXXX");
}

START_TEST(test_parse) {
        BindOverrides o = {};
        _cleanup_free_ char *error = NULL, *text = NULL;
        static const char good[] = "{\"bind\": [\"75:00.1\", \"0000:79:00.2\"], "
                                   "\"unbind\": [\"0000:76:00.3\"]}";

        ck_assert_int_eq(bind_overrides_parse(&o, good, strlen(good), "o.json", &error), 0);
        ck_assert_uint_eq(o.n, 3);
        ck_assert_int_eq(bind_overrides_get(&o, "0000:75:00.1"), BIND_JOB_BIND);
        ck_assert_int_eq(bind_overrides_get(&o, "0000:76:00.3"), BIND_JOB_UNBIND);
        ck_assert_int_eq(bind_overrides_get(&o, "0000:79:00.2"), BIND_JOB_BIND);
        ck_assert_int_eq(bind_overrides_get(&o, "0000:79:00.3"), -ENOENT);
        ck_assert_int_eq(bind_overrides_format(&o, &text), 0);
        ck_assert_str_eq(text, "{\n  \"bind\": [\n    \"0000:75:00.1\",\n    \"0000:79:00.2\"\n"
                               "  ],\n  \"unbind\": [\n    \"0000:76:00.3\"\n  ]\n}\n");
        ck_assert_int_eq(bind_overrides_parse(&o, "{}", 2, "o.json", &error), 0);
        ck_assert_uint_eq(o.n, 0);
        free(o.entries);
}
END_TEST

START_TEST(test_parse_refused) {
        static const struct {
                const char *text, *error;
        } cases[] = {
                { "{\"bind\": [\"75:00\"]}", "o.json: bind: \"75:00\" is not a PCI address" },
                { "{\"bind\": [\"75:00.1\"], \"unbind\": [\"0000:75:00.1\"]}",
                  "o.json: 0000:75:00.1 is recorded twice" },
                { "{\"bind\": \"75:00.1\"}", NULL },
                { "{\"forever\": []}", NULL },
                { "[", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                BindOverrides o = {};
                _cleanup_free_ char *error = NULL;

                ck_assert_int_eq(bind_overrides_parse(&o, cases[i].text, strlen(cases[i].text),
                                                      "o.json", &error),
                                 -EINVAL);
                ck_assert_ptr_nonnull(error);
                if (cases[i].error)
                        ck_assert_str_eq(error, cases[i].error);
                ck_assert_ptr_null(o.entries);
        }
        ck_assert_int_eq(bind_overrides_parse(NULL, "{}", 2, NULL, NULL), -EINVAL);
        ck_assert_int_eq(bind_overrides_get(NULL, "0000:75:00.1"), -EINVAL);
}
END_TEST

START_TEST(test_record) {
        _cleanup_(bind_overrides_freep) BindOverrides *o = NULL, *again = NULL;
        _cleanup_free_ char *error = NULL, *dir = NULL, *path = NULL, *text = NULL;

        /* The state directory does not exist yet: made at the first change. */
        ck_assert_int_ge(asprintf_safe(&dir, "%s/lib/hisi-accmigd", tmpdir), 0);
        ck_assert_int_eq(bind_overrides_load(dir, &o, &error), 0);
        ck_assert_ptr_null(error);
        ck_assert_uint_eq(o->n, 0);
        ck_assert_int_eq(bind_overrides_record(o, "0000:76:00.1", BIND_JOB_UNBIND), 1);
        ck_assert_int_eq(bind_overrides_record(o, "0000:75:00.1", BIND_JOB_BIND), 1);
        ck_assert_int_eq(bind_overrides_record(o, "0000:75:00.1", BIND_JOB_BIND), 0);
        ck_assert_int_eq(bind_overrides_record(o, "0000:76:00.1", BIND_JOB_BIND), 1);
        ck_assert_int_eq(bind_overrides_record(o, "0000:79:00.1", -1), 0);
        ck_assert_int_eq(bind_overrides_record(o, "0000:79:00.1", _BIND_JOB_TYPE_MAX), -EINVAL);

        ck_assert_int_eq(bind_overrides_load(dir, &again, &error), 0);
        ck_assert_uint_eq(again->n, 2);
        ck_assert_int_eq(bind_overrides_get(again, "0000:76:00.1"), BIND_JOB_BIND);
        again = bind_overrides_free(again);

        ck_assert_int_eq(bind_overrides_record(o, "0000:75:00.1", -1), 1);
        ck_assert_int_eq(bind_overrides_load(dir, &again, &error), 0);
        ck_assert_uint_eq(again->n, 1);
        ck_assert_int_eq(bind_overrides_get(again, "0000:75:00.1"), -ENOENT);
        again = bind_overrides_free(again);

        /* A file that cannot be written: the list stays as it was. */
        ck_assert_int_ge(asprintf_safe(&path, "%s/overrides.json", dir), 0);
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(mkdir(path, 0700), 0);
        ck_assert_int_lt(bind_overrides_record(o, "0000:79:00.2", BIND_JOB_BIND), 0);
        ck_assert_int_eq(bind_overrides_get(o, "0000:79:00.2"), -ENOENT);
        ck_assert_int_lt(bind_overrides_record(o, "0000:76:00.1", -1), 0);
        ck_assert_int_eq(bind_overrides_get(o, "0000:76:00.1"), BIND_JOB_BIND);
        ck_assert_int_lt(bind_overrides_record(o, "0000:76:00.1", BIND_JOB_UNBIND), 0);
        ck_assert_int_eq(bind_overrides_get(o, "0000:76:00.1"), BIND_JOB_BIND);
        ck_assert_uint_eq(o->n, 1);
        ck_assert_int_eq(rmdir(path), 0);

        /* A file that is not such a list: an empty one, with the error; the next change
         * replaces it. */
        ck_assert_int_eq(write_file(path, "{\"bind\": 7}", 11, 0644), 0);
        ck_assert_int_eq(bind_overrides_load(dir, &again, &error), -EINVAL);
        ck_assert_ptr_nonnull(strstr(error, "overrides.json"));
        ck_assert_ptr_nonnull(again);
        ck_assert_uint_eq(again->n, 0);
        ck_assert_int_eq(bind_overrides_record(again, "0000:75:00.2", BIND_JOB_BIND), 1);
        error = mfree(error);
        o = bind_overrides_free(o);
        ck_assert_int_eq(bind_overrides_load(dir, &o, &error), 0);
        ck_assert_uint_eq(o->n, 1);
}
END_TEST

static Suite *bind_overrides_suite(void) {
        Suite *s = suite_create("bind-overrides");
        TCase *tc = tcase_create("file");

        tcase_add_test(tc, test_parse);
        tcase_add_test(tc, test_parse_refused);
        suite_add_tcase(s, tc);
        tc = tcase_create("record");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_record);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(bind_overrides_suite)
