/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for strict JSON parsing and decoding with positions (libhisi/json-parse.c,
 * json-path.c, json-util.c). */

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hisi/json-util.h"
#include "json-cleanup.h"
#include "test-main.h"

/* Parse text; returns the error code and leaves the message (or "") in *ret_msg. */
static int parse(const char *text, char **ret_msg) {
        json_object *o = (json_object *)0x1;
        char *msg = NULL;
        int r;

        r = hisi_json_parse(text, strlen(text), "t.json", &o, &msg);
        if (r < 0)
                ck_assert_ptr_eq(o, (json_object *)0x1); /* untouched */
        else
                json_object_put(o);
        *ret_msg = msg ? msg : strdup("");
        return r;
}

#define assert_parse_error(text, msg)                                                              \
        do {                                                                                       \
                char *_m;                                                                          \
                ck_assert_int_eq(parse(text, &_m), -EINVAL);                                       \
                ck_assert_str_eq(_m, msg);                                                         \
                free(_m);                                                                          \
        } while (0)

#define assert_parse_ok(text)                                                                      \
        do {                                                                                       \
                char *_m;                                                                          \
                ck_assert_int_eq(parse(text, &_m), 0);                                             \
                ck_assert_str_eq(_m, "");                                                          \
                free(_m);                                                                          \
        } while (0)

START_TEST(test_parse_valid) {
        json_object *o = NULL;
        char *msg = NULL;

        ck_assert_int_eq(
                hisi_json_parse("{\"a\": [1, 2.5, \"x\", true, null]}", 32, NULL, &o, &msg), 0);
        ck_assert_ptr_null(msg);
        ck_assert(json_object_is_type(o, json_type_object));
        json_object_put(o);

        /* A scalar at the end needs json-c to see the end of the text. */
        o = NULL;
        ck_assert_int_eq(hisi_json_parse("42", 2, NULL, &o, NULL), 0);
        ck_assert_int_eq(json_object_get_int(o), 42);
        json_object_put(o);
        o = (json_object *)0x1;
        ck_assert_int_eq(hisi_json_parse("null", 4, NULL, &o, NULL), 0);
        ck_assert_ptr_null(o);

        assert_parse_ok("  {}\n");
        assert_parse_ok("-0");
        assert_parse_ok("[1e5, -1.5E-3, 0.25]");
        assert_parse_ok("\"\\ud83d\\ude00 \\u00e9 \\/\\b\\f\\n\\r\\t\\\"\\\\\"");
        assert_parse_ok("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
        assert_parse_ok("{\"a\": {\"a\": 1}, \"b\": [{\"a\": 1}, {\"a\": 2}]}");
}
END_TEST

START_TEST(test_parse_syntax) {
        assert_parse_error("{\n  \"a\": 1\n  \"b\": 2\n}",
                           "t.json:3:3: syntax error: object value separator ',' expected");
        assert_parse_error("{\"a\": [1,\n  2,,]}",
                           "t.json:2:5: syntax error: unexpected character");
        assert_parse_error("{\"a\":", "t.json:1:6: syntax error: unexpected end of data");
        assert_parse_error("", "t.json:1:1: syntax error: unexpected end of data");
        assert_parse_error("{} x", "t.json:1:4: syntax error: unexpected character");
        assert_parse_error("{\"a\": 1 /* no */}",
                           "t.json:1:9: syntax error: object value separator ',' expected");
        assert_parse_error("[1,]", "t.json:1:4: syntax error: unexpected character");
        /* json-c takes single quotes in strict mode; we do not. */
        assert_parse_error("{'a': 1}", "t.json:1:2: syntax error: object key expected");
        assert_parse_error("[True]", "t.json:1:2: syntax error: boolean expected");

        /* What json-c lets through and we do not. */
        assert_parse_error("[-01]", "t.json:1:2: syntax error: number with a leading zero");
        assert_parse_error("[1.]", "t.json:1:2: syntax error: invalid number");
        assert_parse_error("\"a\tb\"", "t.json:1:3: syntax error: control character in a string");
        assert_parse_error("[\"\xed\xa0\x80\"]",
                           "t.json:1:3: syntax error: invalid UTF-8 in a string");
        assert_parse_error("[\"\xc0\x80\"]", "t.json:1:3: syntax error: invalid UTF-8 in a string");
        assert_parse_error("[\"\xf4\x90\x80\x80\"]",
                           "t.json:1:3: syntax error: invalid UTF-8 in a string");
        assert_parse_error("\n \"\\ud800x\"",
                           "t.json:2:3: syntax error: unpaired surrogate in a string");
        assert_parse_error("\"\\udc00\"",
                           "t.json:1:2: syntax error: unpaired surrogate in a string");
        assert_parse_error("{\"a\\u0000b\": 1}",
                           "t.json:1:4: \\u0000 in a string is not supported");
}
END_TEST

START_TEST(test_parse_nul) {
        char *msg = NULL;
        json_object *o = NULL;

        ck_assert_int_eq(hisi_json_parse("{}\n\0", 4, "t.json", &o, &msg), -EINVAL);
        ck_assert_str_eq(msg, "t.json:2:1: syntax error: NUL byte");
        ck_assert_ptr_null(o);
        free(msg);
}
END_TEST

START_TEST(test_parse_duplicate) {
        assert_parse_error("{\"a\": 1, \"a\": 2}", "t.json:1: a: duplicate key");
        assert_parse_error("{\"pfs\": [\n {\"vfs\": 1},\n {\"vfs\": 1,\n  \"vfs\": 2}]}",
                           "t.json:4: pfs[1].vfs: duplicate key");
        /* The same name spelt with an escape is the same key. */
        assert_parse_error("{\"x\": {\"ab\": 1, \"a\\u0062\": 2}}",
                           "t.json:1: x.ab: duplicate key");
        assert_parse_error("{\"a.b\": {\"\": 1, \"\": 2}}",
                           "t.json:1: [\"a.b\"][\"\"]: duplicate key");
}
END_TEST

START_TEST(test_parse_limits) {
        char *text, *msg = NULL;
        size_t n = HISI_JSON_SIZE_MAX + 1;
        json_object *o = (json_object *)0x1;

        /* Too large: refused before anything else. */
        text = malloc(n);
        ck_assert_ptr_nonnull(text);
        memset(text, ' ', n);
        text[0] = '[';
        text[n - 1] = ']';
        ck_assert_int_eq(hisi_json_parse(text, n, "big.json", &o, &msg), -EFBIG);
        ck_assert_str_eq(msg, "big.json: too large: 1048577 bytes, the limit is 1048576");
        ck_assert_ptr_eq(o, (json_object *)0x1);
        free(msg);
        /* At the limit it is fine. */
        text[n - 2] = ']';
        ck_assert_int_eq(hisi_json_parse(text, n - 1, "big.json", &o, NULL), 0);
        json_object_put(o);
        free(text);

        /* 32 levels are fine, 33 are not, for arrays and objects alike. */
        char deep[512] = "";
        for (int i = 0; i < 32; i++)
                strcat(deep, "[");
        for (int i = 0; i < 32; i++)
                strcat(deep, "]");
        assert_parse_ok(deep);
        strcpy(deep, "");
        for (int i = 0; i < 33; i++)
                strcat(deep, "[");
        for (int i = 0; i < 33; i++)
                strcat(deep, "]");
        assert_parse_error(deep, "t.json:1:33: nesting deeper than 32 levels");
        strcpy(deep, "");
        for (int i = 0; i < 33; i++)
                strcat(deep, "{\"a\":");
        strcat(deep, "1");
        for (int i = 0; i < 33; i++)
                strcat(deep, "}");
        assert_parse_error(deep, "t.json:1:161: nesting deeper than 32 levels");
        /* Far deeper than json-c's own limit: still our message. */
        text = malloc(2001);
        ck_assert_ptr_nonnull(text);
        memset(text, '[', 2000);
        text[2000] = '\0';
        assert_parse_error(text, "t.json:1:33: nesting deeper than 32 levels");
        free(text);
}
END_TEST

START_TEST(test_parse_args) {
        json_object *o = NULL;

        ck_assert_int_eq(hisi_json_parse(NULL, 1, NULL, &o, NULL), -EINVAL);
        ck_assert_int_eq(hisi_json_parse("{}", 2, NULL, NULL, NULL), -EINVAL);
        /* No ret_error: only the code. */
        ck_assert_int_eq(hisi_json_parse("{", 1, NULL, &o, NULL), -EINVAL);
        ck_assert_int_eq(hisi_json_parse("{\"a\":1,\"a\":1}", 13, NULL, &o, NULL), -EINVAL);
        ck_assert_ptr_null(o);
}
END_TEST

static const char doc[] = "{\n"
                          "  \"profile\": \"6.16\",\n"
                          "  \"pfs\": [\n"
                          "    { \"address\": \"75:00.0\" },\n"
                          "    {\n"
                          "      \"vfs\": 4, \"a.b\": {\"\": 5}\n"
                          "    }\n"
                          "  ]\n"
                          "}\n";

START_TEST(test_locate) {
        hisi_json_position pos = {};
        size_t len = strlen(doc);

        ck_assert_int_eq(hisi_json_locate(doc, len, "", &pos), 1);
        ck_assert_uint_eq(pos.line, 1);
        ck_assert_uint_eq(pos.value_length, len - 1);
        ck_assert_int_eq(hisi_json_locate(doc, len, "profile", &pos), 1);
        ck_assert_uint_eq(pos.line, 2);
        ck_assert_uint_eq(pos.column, 3);
        ck_assert_uint_eq(pos.offset, 4);
        ck_assert_uint_eq(pos.value_length, 6);
        ck_assert(strncmp(doc + pos.value_offset, "\"6.16\"", 6) == 0);
        ck_assert_int_eq(hisi_json_locate(doc, len, "pfs[0].address", &pos), 1);
        ck_assert_uint_eq(pos.line, 4);
        ck_assert_uint_eq(pos.column, 7);
        ck_assert_int_eq(hisi_json_locate(doc, len, "pfs[1]", &pos), 1);
        ck_assert_uint_eq(pos.line, 5);
        ck_assert_uint_eq(pos.column, 5);
        ck_assert_int_eq(hisi_json_locate(doc, len, "pfs[1].vfs", &pos), 1);
        ck_assert_uint_eq(pos.line, 6);
        ck_assert_uint_eq(pos.value_length, 1);
        ck_assert_int_eq(hisi_json_locate(doc, len, "pfs[1][\"a.b\"][\"\"]", &pos), 1);
        ck_assert_uint_eq(pos.line, 6);
        ck_assert_uint_eq(pos.column, 25);

        /* Not there: the deepest ancestor that is. */
        ck_assert_int_eq(hisi_json_locate(doc, len, "pfs[1].total_vfs", &pos), 0);
        ck_assert_uint_eq(pos.line, 5);
        ck_assert_int_eq(hisi_json_locate(doc, len, "pfs[2]", &pos), 0);
        ck_assert_uint_eq(pos.line, 3);
        ck_assert_int_eq(hisi_json_locate(doc, len, "seed", &pos), 0);
        ck_assert_uint_eq(pos.line, 1);
        ck_assert_int_eq(hisi_json_locate(doc, len, "profile.x", &pos), 0);
        ck_assert_uint_eq(pos.line, 2);

        /* Malformed paths and texts. */
        pos.line = 99;
        ck_assert_int_eq(hisi_json_locate(doc, len, ".pfs", &pos), -EINVAL);
        ck_assert_int_eq(hisi_json_locate(doc, len, "pfs.", &pos), -EINVAL);
        ck_assert_int_eq(hisi_json_locate(doc, len, "pfs[01]", &pos), -EINVAL);
        ck_assert_int_eq(hisi_json_locate(doc, len, "pfs[x]", &pos), -EINVAL);
        ck_assert_int_eq(hisi_json_locate(doc, len, "pfs[1", &pos), -EINVAL);
        ck_assert_int_eq(hisi_json_locate(doc, len, "pfs[0]address", &pos), -EINVAL);
        ck_assert_int_eq(hisi_json_locate(doc, len, "[\"a\"", &pos), -EINVAL);
        ck_assert_int_eq(hisi_json_locate("{\"a\": x}", 8, "a", &pos), -EINVAL);
        ck_assert_int_eq(hisi_json_locate(NULL, 1, "a", &pos), -EINVAL);
        ck_assert_int_eq(hisi_json_locate(doc, len, NULL, &pos), -EINVAL);
        ck_assert_uint_eq(pos.line, 99); /* untouched */
}
END_TEST

START_TEST(test_line_column) {
        unsigned line, column;

        hisi_json_line_column("ab\ncd\n", 6, 0, &line, &column);
        ck_assert_uint_eq(line, 1);
        ck_assert_uint_eq(column, 1);
        hisi_json_line_column("ab\ncd\n", 6, 4, &line, &column);
        ck_assert_uint_eq(line, 2);
        ck_assert_uint_eq(column, 2);
        hisi_json_line_column("ab\ncd\n", 6, 6, &line, &column);
        ck_assert_uint_eq(line, 3);
        ck_assert_uint_eq(column, 1);
}
END_TEST

/* A context over text, for the getter tests. */
static hisi_json_ctx *ctx_of(const char *text) {
        hisi_json_ctx *c = NULL;

        ck_assert_int_eq(hisi_json_ctx_new(text, strlen(text), "c.json", &c, NULL), 0);
        return c;
}

static const char values[] = "{\n"
                             "  \"n\": 7,\n"
                             "  \"neg\": -3,\n"
                             "  \"big\": 18446744073709551615,\n"
                             "  \"huge\": 18446744073709551616,\n"
                             "  \"low\": -9223372036854775808,\n"
                             "  \"lower\": -9223372036854775809,\n"
                             "  \"f\": 1.0,\n"
                             "  \"s\": \"four\",\n"
                             "  \"b\": true,\n"
                             "  \"z\": null,\n"
                             "  \"a\": [1, 2, 3],\n"
                             "  \"o\": {\"x\": 1}\n"
                             "}";

START_TEST(test_integers) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = ctx_of(values);
        hisi_json_value root;
        uint64_t u = 99;
        uint32_t u32 = 99;
        int64_t i = 99;

        hisi_json_root(c, &root);
        ck_assert_int_eq(hisi_json_get_uint(&root, "n", 0, 255, &u), 1);
        ck_assert_uint_eq(u, 7);
        ck_assert_int_eq(hisi_json_get_u32(&root, "n", 7, 7, &u32), 1);
        ck_assert_uint_eq(u32, 7);
        ck_assert_int_eq(hisi_json_get_int(&root, "neg", -3, 0, &i), 1);
        ck_assert_int_eq(i, -3);
        ck_assert_int_eq(hisi_json_get_uint(&root, "big", 0, UINT64_MAX, &u), 1);
        ck_assert_uint_eq(u, UINT64_MAX);
        ck_assert_int_eq(hisi_json_get_int(&root, "low", INT64_MIN, 0, &i), 1);
        ck_assert_int_eq(i, INT64_MIN);
        ck_assert_int_eq(hisi_json_get_uint(&root, "absent", 0, 1, &u), 0);
        ck_assert_uint_eq(u, UINT64_MAX); /* untouched */
        ck_assert_ptr_null(hisi_json_ctx_error(c));
        ck_assert_int_eq(hisi_json_ctx_error_code(c), 0);
}
END_TEST

/* Run one failing getter on values in a fresh context and compare the message. */
typedef int (*getter_t)(const hisi_json_value *root);

static void assert_getter_error(getter_t g, const char *msg) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = ctx_of(values);
        hisi_json_value root;

        hisi_json_root(c, &root);
        ck_assert_int_eq(g(&root), -EINVAL);
        ck_assert_int_eq(hisi_json_ctx_error_code(c), -EINVAL);
        ck_assert_str_eq(hisi_json_ctx_error(c), msg);
}

static int g_range(const hisi_json_value *r) {
        uint64_t u = 5;
        int k = hisi_json_get_uint(r, "n", 0, 6, &u);
        ck_assert_uint_eq(u, 5);
        return k;
}
static int g_negative(const hisi_json_value *r) {
        uint64_t u;
        return hisi_json_get_uint(r, "neg", 0, 10, &u);
}
static int g_huge(const hisi_json_value *r) {
        uint64_t u;
        return hisi_json_get_uint(r, "huge", 0, UINT64_MAX, &u);
}
static int g_lower(const hisi_json_value *r) {
        int64_t i;
        return hisi_json_get_int(r, "lower", INT64_MIN, INT64_MAX, &i);
}
static int g_big_as_int(const hisi_json_value *r) {
        int64_t i;
        return hisi_json_get_int(r, "big", INT64_MIN, INT64_MAX, &i);
}
static int g_float(const hisi_json_value *r) {
        int64_t i;
        return hisi_json_get_int(r, "f", 0, 10, &i);
}
static int g_string_as_int(const hisi_json_value *r) {
        uint64_t u;
        return hisi_json_get_uint(r, "s", 0, 255, &u);
}
static int g_bool(const hisi_json_value *r) {
        bool b;
        return hisi_json_get_bool(r, "n", &b);
}
static int g_null_string(const hisi_json_value *r) {
        const char *s;
        return hisi_json_get_string(r, "z", 10, &s);
}
static int g_long_string(const hisi_json_value *r) {
        const char *s;
        return hisi_json_get_string(r, "s", 3, &s);
}
static int g_array_as_object(const hisi_json_value *r) {
        hisi_json_value v;
        return hisi_json_get_object(r, "a", &v);
}
static int g_object_as_array(const hisi_json_value *r) {
        hisi_json_value v;
        return hisi_json_get_array(r, "o", 0, SIZE_MAX, &v);
}
static int g_array_length(const hisi_json_value *r) {
        hisi_json_value v;
        return hisi_json_get_array(r, "a", 4, 8, &v);
}
static int g_element(const hisi_json_value *r) {
        hisi_json_value a, e;
        bool b;
        ck_assert_int_eq(hisi_json_get_array(r, "a", 3, 3, &a), 1);
        ck_assert_uint_eq(hisi_json_length(&a), 3);
        hisi_json_element(&a, 2, &e);
        return hisi_json_bool(&e, &b);
}

START_TEST(test_getter_errors) {
        assert_getter_error(g_range, "c.json:2: n: expected an integer from 0 to 6, got 7");
        assert_getter_error(g_negative, "c.json:3: neg: expected an integer from 0 to 10, got -3");
        /* json-c clamps this to UINT64_MAX; the text tells. */
        assert_getter_error(g_huge, "c.json:5: huge: expected an integer from 0 to "
                                    "18446744073709551615, got 18446744073709551616");
        assert_getter_error(g_lower, "c.json:7: lower: expected an integer from "
                                     "-9223372036854775808 to 9223372036854775807, got "
                                     "-9223372036854775809");
        assert_getter_error(g_big_as_int, "c.json:4: big: expected an integer from "
                                          "-9223372036854775808 to 9223372036854775807, got "
                                          "18446744073709551615");
        assert_getter_error(g_float, "c.json:8: f: expected an integer from 0 to 10, got 1.0");
        assert_getter_error(g_string_as_int,
                            "c.json:9: s: expected an integer from 0 to 255, got \"four\"");
        assert_getter_error(g_bool, "c.json:2: n: expected true or false, got 7");
        assert_getter_error(g_null_string, "c.json:11: z: expected a string, got null");
        assert_getter_error(g_long_string,
                            "c.json:9: s: expected a string of at most 3 bytes, got \"four\"");
        assert_getter_error(g_array_as_object,
                            "c.json:12: a: expected an object, got an array of 3 elements");
        assert_getter_error(g_object_as_array, "c.json:13: o: expected an array, got an object");
        assert_getter_error(g_array_length, "c.json:12: a: expected an array of 4 to 8 elements, "
                                            "got an array of 3 elements");
        assert_getter_error(g_element, "c.json:12: a[2]: expected true or false, got 3");
}
END_TEST

static int kind_from(const char *s) {
        static const char *const names[] = { "zip", "sec", "hpre" };
        for (int i = 0; i < 3; i++)
                if (streq(s, names[i]))
                        return i;
        return -EINVAL;
}

static const char *kind_to(int i) {
        static const char *const names[] = { "zip", "sec", "hpre" };
        return i >= 0 && i < 3 ? names[i] : NULL;
}

START_TEST(test_enum) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = NULL;
        hisi_json_value root;
        int k = -1;

        c = ctx_of("{\"kind\": \"sec\", \"bad\": \"SEC\"}");
        hisi_json_root(c, &root);
        ck_assert_int_eq(hisi_json_get_enum(&root, "kind", kind_from, kind_to, &k), 1);
        ck_assert_int_eq(k, 1);
        ck_assert_int_eq(hisi_json_get_enum(&root, "none", kind_from, kind_to, &k), 0);
        ck_assert_int_eq(hisi_json_get_enum(&root, "bad", kind_from, kind_to, &k), -EINVAL);
        ck_assert_int_eq(k, 1);
        ck_assert_str_eq(hisi_json_ctx_error(c),
                         "c.json:1: bad: expected one of \"zip\", \"sec\", \"hpre\", got \"SEC\"");
        ck_assert_int_eq(hisi_json_get_enum(&root, "kind", NULL, kind_to, &k), -EINVAL);
}
END_TEST

START_TEST(test_keys) {
        static const char *const known[] = { "address", "qp_per_vf", NULL };
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = NULL;
        hisi_json_value root, pfs, pf;

        c = ctx_of("{\"pfs\": [\n"
                   "  {\"address\": \"x\"},\n"
                   "  {\"address\": \"y\",\n"
                   "   \"qp_per_fv\": 1, \"zz\": 2}]}");
        hisi_json_root(c, &root);
        ck_assert_int_eq(hisi_json_get_array(&root, "pfs", 1, 10, &pfs), 1);
        hisi_json_element(&pfs, 0, &pf);
        ck_assert_int_eq(hisi_json_check_keys(&pf, known), 0);
        hisi_json_element(&pfs, 1, &pf);
        ck_assert_int_eq(hisi_json_check_keys(&pf, known), -EINVAL);
        ck_assert_str_eq(hisi_json_ctx_error(c), "c.json:4: pfs[1].qp_per_fv: unknown key");
        /* The first error stays. */
        ck_assert_int_eq(hisi_json_missing(&pf, "kind"), -EINVAL);
        ck_assert_str_eq(hisi_json_ctx_error(c), "c.json:4: pfs[1].qp_per_fv: unknown key");
}
END_TEST

START_TEST(test_missing) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = ctx_of("[\n  {\n    \"a\": 1\n  }\n]");
        hisi_json_value root, e, m;

        hisi_json_root(c, &root);
        ck_assert_int_eq(hisi_json_expect_array(&root, 1, 1), 0);
        hisi_json_element(&root, 0, &e);
        ck_assert_int_eq(hisi_json_missing(&e, "kind"), -EINVAL);
        ck_assert_str_eq(hisi_json_ctx_error(c), "c.json:2: [0]: missing required key \"kind\"");

        /* A member that is absent, named at its object's line. */
        hisi_json_ctx_free(c);
        c = ctx_of("[\n  {\n    \"a\": 1\n  }\n]");
        hisi_json_root(c, &root);
        hisi_json_element(&root, 0, &e);
        hisi_json_member_path(&e, "total", &m);
        ck_assert_int_eq(hisi_json_error(&m, -EINVAL, "too small for %d", 3), -EINVAL);
        ck_assert_str_eq(hisi_json_ctx_error(c), "c.json:2: [0].total: too small for 3");
}
END_TEST

START_TEST(test_root_and_quoting) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = ctx_of("\n\n[1]");
        hisi_json_value root, v;
        const char *s;

        hisi_json_root(c, &root);
        ck_assert_int_eq(hisi_json_expect_object(&root), -EINVAL);
        ck_assert_str_eq(hisi_json_ctx_error(c), "c.json:3: expected an object, got an array of 1 "
                                                 "element");

        /* Odd names are quoted in paths, long values are cut. */
        hisi_json_ctx_free(c);
        c = ctx_of("{\"a b\\n\": "
                   "\"0123456789012345678901234567890123456789012345678901234567890123456789\"}");
        hisi_json_root(c, &root);
        ck_assert_int_eq(hisi_json_member(&root, "a b\n", &v), 1);
        ck_assert_int_eq(hisi_json_string(&v, 5, &s), -EINVAL);
        ck_assert_str_eq(hisi_json_ctx_error(c),
                         "c.json:1: [\"a b\\n\"]: expected a string of at most 5 bytes, got "
                         "\"012345678901234567890123456789012345678901234567890123456789012...");
}
END_TEST

START_TEST(test_no_text) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = NULL;
        json_object *o = json_object_new_object();
        hisi_json_value root;
        char *msg = NULL;
        uint64_t u;

        json_object_object_add(o, "n", json_object_new_int(300));
        ck_assert_int_eq(hisi_json_ctx_new_object(o, "request", &c), 0);
        json_object_put(o); /* the context holds its own reference */
        hisi_json_root(c, &root);
        ck_assert_int_eq(hisi_json_get_uint(&root, "n", 0, 255, &u), -EINVAL);
        ck_assert_str_eq(hisi_json_ctx_error(c),
                         "request: n: expected an integer from 0 to 255, got 300");
        ck_assert_int_eq(hisi_json_ctx_finish(c, -EINVAL, &msg), -EINVAL);
        ck_assert_str_eq(msg, "request: n: expected an integer from 0 to 255, got 300");
        ck_assert_ptr_null(hisi_json_ctx_error(c));
        free(msg);
        ck_assert_int_eq(hisi_json_ctx_new_object(o, "x", NULL), -EINVAL);
}
END_TEST

START_TEST(test_finish) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = ctx_of("{}");
        char *msg = NULL;

        ck_assert_int_eq(hisi_json_ctx_finish(c, 0, &msg), 0);
        ck_assert_ptr_null(msg);
        /* A failure the context did not record still gets a message. */
        ck_assert_int_eq(hisi_json_ctx_finish(c, -ENOENT, &msg), -ENOENT);
        ck_assert_str_eq(msg, "c.json: No such file or directory");
        free(msg);
        ck_assert_int_eq(hisi_json_ctx_finish(c, -EIO, NULL), -EIO);
}
END_TEST

START_TEST(test_ctx_new_error) {
        hisi_json_ctx *c = (hisi_json_ctx *)0x1;
        char *msg = NULL;

        ck_assert_int_eq(hisi_json_ctx_new("{\n\"a\": 1,\n\"a\": 2}", 17, "d.json", &c, &msg),
                         -EINVAL);
        ck_assert_ptr_eq(c, (hisi_json_ctx *)0x1);
        ck_assert_str_eq(msg, "d.json:3: a: duplicate key");
        free(msg);
        ck_assert_int_eq(hisi_json_ctx_new(NULL, 3, "d.json", &c, &msg), -EINVAL);
        ck_assert_int_eq(hisi_json_ctx_new("{}", 2, "d.json", NULL, &msg), -EINVAL);
}
END_TEST

/* The tree is the one json-c builds from the same (valid) text. */
START_TEST(test_parse_tree) {
        static const char *const texts[] = {
                "{\"a\": [1, -2, 2.5, 1e3, \"x\", true, false, null, {}, []], \"b\": {\"c\": "
                "\"d\"}}",
                "\"\\u00e9\\ud83d\\ude00\\n\\\"\"",
                "{\"k\\u00e9y\": \"\xc3\xa9\", \"\": 0, \"z\": -0}",
                "[9223372036854775807, -9223372036854775808, 18446744073709551615]",
                "  [ 1 , [ [ ] , { } ] ]  ",
                "true",
        };

        for (size_t i = 0; i < ELEMENTSOF(texts); i++) {
                _cleanup_json_ json_object *ours = NULL, *theirs = NULL;
                ck_assert_int_eq(hisi_json_parse(texts[i], strlen(texts[i]), NULL, &ours, NULL), 0);
                theirs = json_tokener_parse(texts[i]);
                ck_assert_ptr_nonnull(theirs);
                ck_assert_msg(json_object_equal(ours, theirs), "%s: %s", texts[i],
                              json_object_to_json_string(ours));
        }
}
END_TEST

/* What json-c 0.16 takes even in strict mode, refused at its place. */
START_TEST(test_parse_json_c_leniency) {
        assert_parse_error("[NaN]", "t.json:1:2: syntax error: null expected");
        assert_parse_error("[Infinity]", "t.json:1:2: syntax error: unexpected character");
        assert_parse_error("[-Infinity]", "t.json:1:2: syntax error: invalid number");
        assert_parse_error("['a']", "t.json:1:2: syntax error: unexpected character");
        assert_parse_error("{\"a\": 'b'}", "t.json:1:7: syntax error: unexpected character");
        assert_parse_error("[01]", "t.json:1:2: syntax error: number with a leading zero");
        assert_parse_error("[+1]", "t.json:1:2: syntax error: unexpected character");
        assert_parse_error("[.5]", "t.json:1:2: syntax error: unexpected character");
        assert_parse_error("[1e]", "t.json:1:2: syntax error: invalid number");
        assert_parse_error("// c\n{}", "t.json:1:1: syntax error: unexpected character");
        assert_parse_error("{\"a\": 1,}", "t.json:1:9: syntax error: unexpected character");
        assert_parse_error("{\"a\" 1}", "t.json:1:6: syntax error: object property name "
                                        "separator ':' expected");
        assert_parse_error("[1 2]", "t.json:1:4: syntax error: array value separator ',' "
                                    "expected");
        assert_parse_error("[\"\\x\"]", "t.json:1:3: syntax error: invalid escape in a string");
        assert_parse_error("[\"\xff\"]", "t.json:1:3: syntax error: invalid UTF-8 in a string");
        assert_parse_error("[\"abc", "t.json:1:6: syntax error: unexpected end of data");
        assert_parse_error("[\"\\ud800\\u0041\"]",
                           "t.json:1:3: syntax error: unpaired surrogate in a string");
        assert_parse_error("{\"a\": {\"b\": 1},\n \"c\": [{\"d\": 1, \"d\": 2}]}",
                           "t.json:2: c[0].d: duplicate key");
}
END_TEST

/* Integers are exact: json-c's own types at the ends of 64 bits, a double beyond. */
START_TEST(test_exact_integers) {
        static const char text[] = "[9223372036854775807, -9223372036854775808, "
                                   "18446744073709551615, 18446744073709551616, "
                                   "-9223372036854775809, 1e2]";
        _cleanup_json_ json_object *o = NULL;

        ck_assert_int_eq(hisi_json_parse(text, strlen(text), NULL, &o, NULL), 0);
        ck_assert(json_object_is_type(json_object_array_get_idx(o, 0), json_type_int));
        ck_assert_int_eq(json_object_get_int64(json_object_array_get_idx(o, 0)), INT64_MAX);
        ck_assert_int_eq(json_object_get_int64(json_object_array_get_idx(o, 1)), INT64_MIN);
        ck_assert(json_object_is_type(json_object_array_get_idx(o, 2), json_type_int));
        ck_assert_uint_eq(json_object_get_uint64(json_object_array_get_idx(o, 2)), UINT64_MAX);
        /* Beyond 64 bits: a double that is written as it was. */
        for (size_t i = 3; i < 6; i++)
                ck_assert(json_object_is_type(json_object_array_get_idx(o, i), json_type_double));
        ck_assert_str_eq(json_object_to_json_string(json_object_array_get_idx(o, 3)),
                         "18446744073709551616");
        ck_assert_str_eq(json_object_to_json_string(json_object_array_get_idx(o, 4)),
                         "-9223372036854775809");
}
END_TEST

START_TEST(test_value_position) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = ctx_of(doc);
        hisi_json_value root, pfs, pf, v;
        hisi_json_position pos, located;

        /* What a value knows of its place is what hisi_json_locate() finds in the text. */
        hisi_json_root(c, &root);
        ck_assert_int_eq(hisi_json_member(&root, "pfs", &pfs), 1);
        hisi_json_element(&pfs, 1, &pf);
        ck_assert_int_eq(hisi_json_member(&pf, "a.b", &v), 1);
        ck_assert_int_eq(hisi_json_value_position(&v, &pos), 0);
        ck_assert_int_eq(hisi_json_locate(doc, strlen(doc), "pfs[1][\"a.b\"]", &located), 1);
        ck_assert_uint_eq(pos.offset, located.offset);
        ck_assert_uint_eq(pos.line, 6);
        ck_assert_uint_eq(pos.column, 17);
        ck_assert_uint_eq(pos.value_offset, located.value_offset);
        ck_assert_uint_eq(pos.value_length, 7);
        ck_assert(strncmp(doc + pos.value_offset, "{\"\": 5}", pos.value_length) == 0);
        ck_assert_int_eq(hisi_json_value_position(NULL, &pos), -EINVAL);
}
END_TEST

/* hisi_json_read_file(): a regular file is read; a FIFO with no writer (a config path an operator
 * replaced by `mkfifo`) is refused at once instead of waiting in open() for a writer that never
 * comes, as are a directory and a device. */
START_TEST(test_read_file) {
        char dir[] = "/tmp/test-json-util.XXXXXX", path[PATH_MAX];
        char *text = NULL, *error = NULL;
        size_t len = 0;
        FILE *f;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/good.json", dir);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        fputs("{\"a\": 1}\n", f);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(hisi_json_read_file(path, &text, &len, &error), 0);
        ck_assert_uint_eq(len, 9);
        ck_assert(memcmp(text, "{\"a\": 1}\n", 9) == 0);
        ck_assert_ptr_null(error);
        free(text);
        ck_assert_int_eq(unlink(path), 0);

        /* No writer ever opens it: a blocking open() would never return. */
        snprintf(path, sizeof(path), "%s/fifo.json", dir);
        ck_assert_int_eq(mkfifo(path, 0600), 0);
        ck_assert_int_eq(hisi_json_read_file(path, &text, &len, &error), -EINVAL);
        ck_assert_ptr_nonnull(strstr(error, "fifo.json: not a regular file"));
        free(error);
        error = NULL;
        ck_assert_int_eq(unlink(path), 0);

        ck_assert_int_eq(hisi_json_read_file(dir, &text, &len, &error), -EISDIR);
        free(error);
        error = NULL;
        ck_assert_int_eq(hisi_json_read_file("/dev/null", &text, &len, NULL), -EINVAL);
        ck_assert_int_eq(hisi_json_read_file("/nonexistent/x.json", &text, &len, NULL), -ENOENT);
        ck_assert_int_eq(hisi_json_read_file(NULL, &text, &len, NULL), -EINVAL);
        ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *json_util_suite(void) {
        Suite *s = suite_create("json-util");

        tcase_add_test(test_tcase(s, "parse-valid"), test_parse_valid);
        tcase_add_test(test_tcase(s, "parse-syntax"), test_parse_syntax);
        tcase_add_test(test_tcase(s, "parse-nul"), test_parse_nul);
        tcase_add_test(test_tcase(s, "parse-duplicate"), test_parse_duplicate);
        tcase_add_test(test_tcase(s, "parse-limits"), test_parse_limits);
        tcase_add_test(test_tcase(s, "parse-args"), test_parse_args);
        tcase_add_test(test_tcase(s, "locate"), test_locate);
        tcase_add_test(test_tcase(s, "line-column"), test_line_column);
        tcase_add_test(test_tcase(s, "integers"), test_integers);
        tcase_add_test(test_tcase(s, "getter-errors"), test_getter_errors);
        tcase_add_test(test_tcase(s, "enum"), test_enum);
        tcase_add_test(test_tcase(s, "keys"), test_keys);
        tcase_add_test(test_tcase(s, "missing"), test_missing);
        tcase_add_test(test_tcase(s, "root-and-quoting"), test_root_and_quoting);
        tcase_add_test(test_tcase(s, "no-text"), test_no_text);
        tcase_add_test(test_tcase(s, "finish"), test_finish);
        tcase_add_test(test_tcase(s, "ctx-new-error"), test_ctx_new_error);
        tcase_add_test(test_tcase(s, "parse-tree"), test_parse_tree);
        tcase_add_test(test_tcase(s, "parse-json-c-leniency"), test_parse_json_c_leniency);
        tcase_add_test(test_tcase(s, "exact-integers"), test_exact_integers);
        tcase_add_test(test_tcase(s, "value-position"), test_value_position);
        tcase_add_test(test_tcase(s, "read-file"), test_read_file);
        return s;
}

TEST_MAIN(json_util_suite)
