/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the table-driven JSON dispatcher (libhisi/json-dispatch.c): every type, flag
 * and refusal, the order in which refusals are found, and that each names the key, its path
 * and its line, nested or not.
 */

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "file-util.h"
#include "hisi/json-dispatch.h"
#include "json-cleanup.h"
#include "macro.h"
#include "string-table.h"
#include "test-main.h"

typedef enum Colour {
        COLOUR_RED,
        COLOUR_GREEN,
        COLOUR_BLUE,
        _COLOUR_MAX,
        _COLOUR_INVALID = -EINVAL,
} Colour;

static const char *const colour_table[_COLOUR_MAX] = {
        [COLOUR_RED] = "red",
        [COLOUR_GREEN] = "green",
        [COLOUR_BLUE] = "blue",
};

DEFINE_PRIVATE_STRING_TABLE_LOOKUP(colour, Colour);

typedef struct Thing {
        bool flag;
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        uint64_t u64;
        uint32_t ranged;
        char *name;
        char *note;
        Colour colour;
        struct {
                uint16_t port;
                bool on;
        } inner;
        unsigned custom_calls;
        uint64_t doubled;
} Thing;

static void thing_done(Thing *t) {
        free(t->name);
        free(t->note);
}

/* A CUSTOM field: twice an integer, with the range from its table entry. */
static int dispatch_doubled(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        Thing *t = base;
        uint64_t u;
        int r;

        t->custom_calls++;
        r = hisi_json_uint(v, (uint64_t)f->min, f->max, &u);
        if (r < 0)
                return r;
        *(uint64_t *)hisi_json_field_target(f, base) = 2 * u;
        return 0;
}

static const hisi_json_field inner_fields[] = {
        { "port", HISI_JSON_UINT16, offsetof(Thing, inner.port), HISI_JSON_REQUIRED, .min = 1,
          .max = 65535 },
        { "on", HISI_JSON_BOOL, offsetof(Thing, inner.on) },
        {},
};

static const hisi_json_field thing_fields[] = {
        { "flag", HISI_JSON_BOOL, offsetof(Thing, flag) },
        { "i8", HISI_JSON_INT8, offsetof(Thing, i8) },
        { "i16", HISI_JSON_INT16, offsetof(Thing, i16) },
        { "i32", HISI_JSON_INT32, offsetof(Thing, i32) },
        { "i64", HISI_JSON_INT64, offsetof(Thing, i64) },
        { "u8", HISI_JSON_UINT8, offsetof(Thing, u8) },
        { "u16", HISI_JSON_UINT16, offsetof(Thing, u16) },
        { "u32", HISI_JSON_UINT32, offsetof(Thing, u32) },
        { "u64", HISI_JSON_UINT64, offsetof(Thing, u64) },
        { "ranged", HISI_JSON_UINT32, offsetof(Thing, ranged), .min = 10, .max = 20 },
        { "name", HISI_JSON_STRING, offsetof(Thing, name), HISI_JSON_REQUIRED, .max = 8 },
        { "note", HISI_JSON_STRING, offsetof(Thing, note), HISI_JSON_NULLABLE },
        { "colour", HISI_JSON_ENUM, offsetof(Thing, colour), .from_string = colour_from_string,
          .to_string = colour_to_string },
        { "inner", HISI_JSON_OBJECT, .fields = inner_fields },
        { "doubled", HISI_JSON_CUSTOM, offsetof(Thing, doubled), .max = 100,
          .dispatch = dispatch_doubled },
        { "extra", HISI_JSON_ANY },
        {},
};

/* Dispatch text into *t (which keeps what it had where the text says nothing). */
static int dispatch(const char *text, unsigned flags, Thing *t, char **ret_msg) {
        return hisi_json_dispatch_text(text, strlen(text), "d.json", thing_fields, flags, t,
                                       ret_msg);
}

START_TEST(test_every_type) {
        static const char text[] = "{\n"
                                   "  \"flag\": true,\n"
                                   "  \"i8\": -128, \"i16\": 32767, \"i32\": -2147483648,\n"
                                   "  \"i64\": -9223372036854775808,\n"
                                   "  \"u8\": 255, \"u16\": 65535, \"u32\": 4294967295,\n"
                                   "  \"u64\": 18446744073709551615,\n"
                                   "  \"ranged\": 20,\n"
                                   "  \"name\": \"eight ch\",\n"
                                   "  \"colour\": \"blue\",\n"
                                   "  \"inner\": {\"port\": 443, \"on\": true},\n"
                                   "  \"doubled\": 21,\n"
                                   "  \"extra\": [1, {\"anything\": null}]\n"
                                   "}\n";
        _cleanup_(thing_done) Thing t = { .note = strdup("kept") };
        _cleanup_free_ char *msg = NULL;

        ck_assert_msg(dispatch(text, 0, &t, &msg) == 0, "%s", msg);
        ck_assert_ptr_null(msg);
        ck_assert(t.flag);
        ck_assert_int_eq(t.i8, INT8_MIN);
        ck_assert_int_eq(t.i16, INT16_MAX);
        ck_assert_int_eq(t.i32, INT32_MIN);
        ck_assert_int_eq(t.i64, INT64_MIN);
        ck_assert_uint_eq(t.u8, UINT8_MAX);
        ck_assert_uint_eq(t.u16, UINT16_MAX);
        ck_assert_uint_eq(t.u32, UINT32_MAX);
        ck_assert_uint_eq(t.u64, UINT64_MAX);
        ck_assert_uint_eq(t.ranged, 20);
        ck_assert_str_eq(t.name, "eight ch");
        ck_assert_str_eq(t.note, "kept"); /* absent: untouched */
        ck_assert_int_eq(t.colour, COLOUR_BLUE);
        ck_assert_uint_eq(t.inner.port, 443);
        ck_assert(t.inner.on);
        ck_assert_uint_eq(t.custom_calls, 1);
        ck_assert_uint_eq(t.doubled, 42);
}
END_TEST

START_TEST(test_absent_and_null) {
        _cleanup_(thing_done) Thing t = { .i32 = 7, .colour = COLOUR_GREEN };
        _cleanup_free_ char *msg = NULL;

        t.name = strdup("old");
        t.note = strdup("note");
        ck_assert_int_eq(dispatch("{\"name\": \"new\", \"note\": null}", 0, &t, &msg), 0);
        ck_assert_str_eq(t.name, "new"); /* the old value freed: ASan would tell */
        ck_assert_ptr_null(t.note);      /* nullable: null clears it */
        ck_assert_int_eq(t.i32, 7);      /* absent: the default stays */
        ck_assert_int_eq(t.colour, COLOUR_GREEN);
        ck_assert_uint_eq(t.custom_calls, 0);

        /* null where it is not allowed is a wrong type. */
        ck_assert_int_eq(dispatch("{\"name\": null}", 0, &t, &msg), -EINVAL);
        ck_assert_str_eq(msg, "d.json:1: name: expected a string, got null");
}
END_TEST

/* One refusal: the code, the message, and the field it names untouched. */
static void assert_refused(const char *text, unsigned flags, const char *message) {
        _cleanup_(thing_done) Thing t = { .i8 = 1, .u64 = 1, .ranged = 15 };
        _cleanup_free_ char *msg = NULL;

        ck_assert_int_eq(dispatch(text, flags, &t, &msg), -EINVAL);
        ck_assert_str_eq(msg, message);
        ck_assert_int_eq(t.i8, 1);
        ck_assert_uint_eq(t.u64, 1);
        ck_assert_uint_eq(t.ranged, 15);
}

START_TEST(test_missing_required) {
        assert_refused("{\n  \"flag\": true\n}", 0, "d.json:1: missing required key \"name\"");
        assert_refused("{\"name\": \"x\",\n \"inner\": {\n   \"on\": true}}", 0,
                       "d.json:2: inner: missing required key \"port\"");
}
END_TEST

START_TEST(test_unknown_key) {
        _cleanup_(thing_done) Thing t = {};
        _cleanup_free_ char *msg = NULL;

        assert_refused("{\"name\": \"x\",\n \"colur\": \"red\"}", 0,
                       "d.json:2: colur: unknown key");
        assert_refused("{\"name\": \"x\", \"inner\": {\"port\": 1,\n \"of\": 1}}", 0,
                       "d.json:2: inner.of: unknown key");
        /* The unknown key is found first, before a field the table lists earlier is refused. */
        assert_refused("{\"i8\": 1000, \"name\": \"x\", \"zz\": 1}", 0,
                       "d.json:1: zz: unknown key");

        /* Ignored, nested objects included, when the caller asks for it. */
        ck_assert_int_eq(dispatch("{\"name\": \"x\", \"zz\": 1, \"inner\": {\"port\": 2, \"v2\": "
                                  "{}}}",
                                  HISI_JSON_ALLOW_UNKNOWN, &t, &msg),
                         0);
        ck_assert_uint_eq(t.inner.port, 2);
        /* A missing required field is still refused. */
        assert_refused("{\"zz\": 1}", HISI_JSON_ALLOW_UNKNOWN,
                       "d.json:1: missing required key \"name\"");
}
END_TEST

START_TEST(test_wrong_type) {
        assert_refused("{\"name\": \"x\", \"flag\": 1}", 0,
                       "d.json:1: flag: expected true or false, got 1");
        assert_refused("{\"name\": \"x\", \"i8\": \"1\"}", 0,
                       "d.json:1: i8: expected an integer from -128 to 127, got \"1\"");
        assert_refused("{\"name\": \"x\", \"u64\": 1.0}", 0,
                       "d.json:1: u64: expected an integer from 0 to 18446744073709551615, got "
                       "1.0");
        assert_refused("{\"name\": 8}", 0, "d.json:1: name: expected a string, got 8");
        assert_refused("{\"name\": \"x\", \"colour\": 2}", 0,
                       "d.json:1: colour: expected one of \"red\", \"green\", \"blue\", got 2");
        assert_refused("{\"name\": \"x\", \"inner\": [1]}", 0,
                       "d.json:1: inner: expected an object, got an array of 1 element");
        assert_refused("{\"name\": \"x\", \"doubled\": true}", 0,
                       "d.json:1: doubled: expected an integer from 0 to 100, got true");
        assert_refused("[{\"name\": \"x\"}]", 0,
                       "d.json:1: expected an object, got an array of 1 element");
}
END_TEST

START_TEST(test_integer_ranges) {
        static const struct {
                const char *field;
                const char *value;
                const char *range;
        } cases[] = {
                { "i8", "128", "-128 to 127" },
                { "i8", "-129", "-128 to 127" },
                { "i16", "32768", "-32768 to 32767" },
                { "i16", "-32769", "-32768 to 32767" },
                { "i32", "2147483648", "-2147483648 to 2147483647" },
                { "i32", "-2147483649", "-2147483648 to 2147483647" },
                { "i64", "9223372036854775808", "-9223372036854775808 to 9223372036854775807" },
                { "i64", "-9223372036854775809", "-9223372036854775808 to 9223372036854775807" },
                { "u8", "256", "0 to 255" },
                { "u8", "-1", "0 to 255" },
                { "u16", "65536", "0 to 65535" },
                { "u32", "4294967296", "0 to 4294967295" },
                { "u64", "18446744073709551616", "0 to 18446744073709551615" },
                { "u64", "-1", "0 to 18446744073709551615" },
                { "u64", "99999999999999999999999999", "0 to 18446744073709551615" },
                { "ranged", "9", "10 to 20" },
                { "ranged", "21", "10 to 20" },
                { "doubled", "101", "0 to 100" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = NULL, *msg = NULL;
                ck_assert_int_ge(asprintf_safe(&text, "{\"name\": \"x\",\n\"%s\": %s}",
                                               cases[i].field, cases[i].value),
                                 0);
                ck_assert_int_ge(asprintf_safe(&msg,
                                               "d.json:2: %s: expected an integer from %s, got %s",
                                               cases[i].field, cases[i].range, cases[i].value),
                                 0);
                assert_refused(text, 0, msg);
        }
        assert_refused("{\"name\": \"x\", \"inner\": {\"port\": 0}}", 0,
                       "d.json:1: inner.port: expected an integer from 1 to 65535, got 0");
}
END_TEST

START_TEST(test_string_and_enum) {
        assert_refused("{\"name\": \"nine char\"}", 0,
                       "d.json:1: name: expected a string of at most 8 bytes, got \"nine char\"");
        assert_refused("{\"name\": \"x\", \"colour\": \"Red\"}", 0,
                       "d.json:1: colour: expected one of \"red\", \"green\", \"blue\", got "
                       "\"Red\"");
        assert_refused("{\"name\": \"x\", \"colour\": \"\"}", 0,
                       "d.json:1: colour: expected one of \"red\", \"green\", \"blue\", got \"\"");
}
END_TEST

START_TEST(test_syntax_refusals) {
        /* What json-c would take, refused by the parser before any field is looked at. */
        assert_refused("{\"name\": \"x\",\n \"name\": \"y\"}", 0, "d.json:2: name: duplicate key");
        assert_refused("{\"name\": \"x\", \"inner\": {\"port\": 1,\n\"port\": 1}}", 0,
                       "d.json:2: inner.port: duplicate key");
        assert_refused("{\"name\": 'x'}", 0, "d.json:1:10: syntax error: unexpected character");
        assert_refused("{\"name\": \"x\", \"i8\": NaN}", 0,
                       "d.json:1:21: syntax error: null expected");
        assert_refused("{\"name\": \"x\", \"i8\": 01}", 0,
                       "d.json:1:21: syntax error: number with a leading zero");
        assert_refused("{\"name\": \"\\udc00\"}", 0,
                       "d.json:1:11: syntax error: unpaired surrogate in a string");
        assert_refused("{\"name\": \"x\" // c\n}", 0,
                       "d.json:1:14: syntax error: object value separator ',' expected");
}
END_TEST

/* A document whose "extra" is levels - 1 nested arrays: levels in all, with the root. */
static char *nested(int levels) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        ck_assert_ptr_nonnull(f);
        fputs("{\"name\": \"x\", \"extra\": ", f);
        for (int i = 1; i < levels; i++)
                fputc('[', f);
        for (int i = 1; i < levels; i++)
                fputc(']', f);
        fputc('}', f);
        ck_assert_int_eq(memstream_finish(f, &text), 0);
        return text;
}

START_TEST(test_depth) {
        _cleanup_(thing_done) Thing t = {};
        _cleanup_free_ char *ok = nested(32), *deep = nested(33), *msg = NULL;

        /* "extra" takes any value, but not one nested past the limit. */
        ck_assert_msg(dispatch(ok, 0, &t, &msg) == 0, "%s", msg);
        /* The 33rd level opens at column 24 + 31. */
        assert_refused(deep, 0, "d.json:1:55: nesting deeper than 32 levels");
}
END_TEST

/* The dispatcher's refusals name the path and line of nested values, and the values it walks
 * know their column and text. */
START_TEST(test_nested_positions) {
        static const char text[] = "{\n"
                                   "  \"name\": \"x\",\n"
                                   "  \"extra\": {\"a\": [10,\n"
                                   "      {\"b\":\n"
                                   "         [true, \"s\"]}]},\n"
                                   "  \"inner\": {\n"
                                   "    \"on\": true,\n"
                                   "    \"port\":\n"
                                   "      70000\n"
                                   "  }\n"
                                   "}\n";
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = NULL;
        hisi_json_value root, extra, a, e, b, s;
        hisi_json_position pos;

        assert_refused(text, 0,
                       "d.json:8: inner.port: expected an integer from 1 to 65535, got "
                       "70000");

        ck_assert_int_eq(hisi_json_ctx_new(text, strlen(text), "d.json", &c, NULL), 0);
        hisi_json_root(c, &root);
        ck_assert_int_eq(hisi_json_value_position(&root, &pos), 0);
        ck_assert_uint_eq(pos.line, 1);
        ck_assert_uint_eq(pos.value_length, strlen(text) - 1);
        ck_assert_int_eq(hisi_json_member(&root, "extra", &extra), 1);
        ck_assert_int_eq(hisi_json_member(&extra, "a", &a), 1);
        ck_assert_int_eq(hisi_json_value_position(&a, &pos), 0);
        ck_assert_uint_eq(pos.line, 3);
        ck_assert_uint_eq(pos.column, 13);
        hisi_json_element(&a, 1, &e);
        ck_assert_int_eq(hisi_json_value_position(&e, &pos), 0);
        ck_assert_uint_eq(pos.line, 4);
        ck_assert_uint_eq(pos.column, 7);
        ck_assert_int_eq(hisi_json_member(&e, "b", &b), 1);
        ck_assert_int_eq(hisi_json_value_position(&b, &pos), 0);
        /* A member stands at its key; its value may be on a later line. */
        ck_assert_uint_eq(pos.line, 4);
        ck_assert_uint_eq(pos.column, 8);
        ck_assert(strncmp(text + pos.value_offset, "[true, \"s\"]", pos.value_length) == 0);
        hisi_json_element(&b, 1, &s);
        ck_assert_int_eq(hisi_json_value_position(&s, &pos), 0);
        ck_assert_uint_eq(pos.line, 5);
        ck_assert_uint_eq(pos.column, 17);
        ck_assert_uint_eq(pos.value_length, 3);
        ck_assert_int_eq(hisi_json_reject(&s, "expected a number"), -EINVAL);
        ck_assert_str_eq(hisi_json_ctx_error(c),
                         "d.json:5: extra.a[1].b[1]: expected a number, got \"s\"");

        /* An absent member has no position of its own. */
        hisi_json_member_path(&e, "zz", &s);
        ck_assert_int_eq(hisi_json_value_position(&s, &pos), -ENODATA);
}
END_TEST

/* A tree received already parsed: the same refusals, without lines. */
START_TEST(test_no_text) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = NULL;
        _cleanup_(thing_done) Thing t = {};
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *inner = json_object_new_object();
        hisi_json_value root;
        char *msg = NULL;

        json_object_object_add(o, "name", json_object_new_string("x"));
        json_object_object_add(o, "inner", inner);
        json_object_object_add(inner, "port", json_object_new_int64(70000));
        ck_assert_int_eq(hisi_json_ctx_new_object(o, "request", &c), 0);
        hisi_json_root(c, &root);
        ck_assert_int_eq(hisi_json_dispatch(&root, thing_fields, 0, &t), -EINVAL);
        ck_assert_int_eq(hisi_json_ctx_finish(c, -EINVAL, &msg), -EINVAL);
        ck_assert_str_eq(msg, "request: inner.port: expected an integer from 1 to 65535, got "
                              "70000");
        free(msg);
}
END_TEST

START_TEST(test_args) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *c = NULL;
        hisi_json_value root;
        Thing t = {};
        char *msg = NULL;

        ck_assert_int_eq(hisi_json_dispatch(NULL, thing_fields, 0, &t), -EINVAL);
        ck_assert_int_eq(hisi_json_ctx_new("{}", 2, NULL, &c, NULL), 0);
        hisi_json_root(c, &root);
        ck_assert_int_eq(hisi_json_dispatch(&root, NULL, 0, &t), -EINVAL);
        ck_assert_int_eq(hisi_json_dispatch(&root, thing_fields, 0, NULL), -EINVAL);
        ck_assert_int_eq(hisi_json_dispatch_text(NULL, 1, NULL, thing_fields, 0, &t, NULL),
                         -EINVAL);
        /* No origin: "input". */
        ck_assert_int_eq(hisi_json_dispatch_text("{}", 2, NULL, thing_fields, 0, &t, &msg),
                         -EINVAL);
        ck_assert_str_eq(msg, "input:1: missing required key \"name\"");
        free(msg);
}
END_TEST

static Suite *json_dispatch_suite(void) {
        Suite *s = suite_create("json-dispatch");
        TCase *tc;

        tc = tcase_create("accepted");
        tcase_add_test(tc, test_every_type);
        tcase_add_test(tc, test_absent_and_null);
        suite_add_tcase(s, tc);

        tc = tcase_create("refused");
        tcase_add_test(tc, test_missing_required);
        tcase_add_test(tc, test_unknown_key);
        tcase_add_test(tc, test_wrong_type);
        tcase_add_test(tc, test_integer_ranges);
        tcase_add_test(tc, test_string_and_enum);
        tcase_add_test(tc, test_syntax_refusals);
        tcase_add_test(tc, test_depth);
        suite_add_tcase(s, tc);

        tc = tcase_create("positions");
        tcase_add_test(tc, test_nested_positions);
        tcase_add_test(tc, test_no_text);
        tcase_add_test(tc, test_args);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(json_dispatch_suite)
