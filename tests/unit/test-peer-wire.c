/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the peer protocol's framing (libhisi/peer-wire.c): records made by the encoder
 * come back whole from the decoder however the bytes are cut, and every malformed, oversized,
 * truncated or out-of-order record is refused with its own error and a sentence.
 */

#include <check.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "hisi/peer-wire.h"
#include "macro.h"
#include "test-main.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(hisi_wire_decoder *, hisi_wire_decoder_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(hisi_wire_encoder *, hisi_wire_encoder_free);

/* A byte stream under construction. */
typedef struct buf {
        uint8_t *data;
        size_t len;
} buf;

static void buf_put(buf *b, const void *p, size_t n) {
        b->data = realloc(b->data, b->len + n);
        ck_assert_ptr_nonnull(b->data);
        memcpy(b->data + b->len, p, n);
        b->len += n;
}

static void buf_preamble(buf *b) {
        uint8_t pre[HISI_WIRE_PREAMBLE_SIZE];

        hisi_wire_preamble(pre);
        buf_put(b, pre, sizeof(pre));
}

static void buf_json(buf *b, hisi_wire_type type, const char *json) {
        uint8_t out[256];
        int n = hisi_wire_encode_json(type, json, strlen(json), out, sizeof(out));

        ck_assert_int_gt(n, 0);
        buf_put(b, out, (size_t)n);
}

static void buf_chunk(buf *b, hisi_wire_encoder *e, uint32_t dev, const void *p, size_t n) {
        _cleanup_free_ uint8_t *out = malloc(HISI_WIRE_RECORD_MAX);
        int r = hisi_wire_encoder_chunk(e, dev, p, n, out, HISI_WIRE_RECORD_MAX);

        ck_assert_int_gt(r, 0);
        buf_put(b, out, (size_t)r);
}

static void buf_end(buf *b, hisi_wire_encoder *e, uint32_t dev) {
        uint8_t out[HISI_WIRE_HEADER_SIZE + HISI_WIRE_END_SIZE];

        ck_assert_int_eq(hisi_wire_encoder_end(e, dev, out, sizeof(out)), (int)sizeof(out));
        buf_put(b, out, sizeof(out));
}

/* A raw record header, for what the encoder would never make. */
static void buf_header(buf *b, uint8_t type, uint8_t flags, uint32_t len) {
        uint8_t h[8] = { type,
                         flags,
                         0,
                         0,
                         (uint8_t)(len >> 24),
                         (uint8_t)(len >> 16),
                         (uint8_t)(len >> 8),
                         (uint8_t)len };
        buf_put(b, h, sizeof(h));
}

/* Push all of b, step bytes at a time; count the records; return the first error or 0. */
static int feed(hisi_wire_decoder *d, const buf *b, size_t step, unsigned *ret_records,
                hisi_wire_record *last) {
        size_t off = 0;
        unsigned records = 0;

        while (off < b->len) {
                size_t n = MIN(step, b->len - off), used;
                hisi_wire_record rec;
                int r = hisi_wire_decoder_push(d, b->data + off, n, &used, &rec);

                if (r < 0) {
                        *ret_records = records;
                        return r;
                }
                ck_assert_uint_le(used, n);
                off += used;
                if (r == 1) {
                        records++;
                        if (rec.type == HISI_WIRE_MESSAGE && strstr(rec.json, "\"devices\""))
                                ck_assert_int_eq(hisi_wire_decoder_expect_devices(d, 3), 0);
                        if (last)
                                *last = rec;
                } else
                        ck_assert_uint_eq(used, n);
        }
        *ret_records = records;
        return hisi_wire_decoder_finish(d);
}

static void make_stream(buf *b) {
        _cleanup_(hisi_wire_encoder_freep) hisi_wire_encoder *e = NULL;
        static uint8_t big[HISI_WIRE_CHUNK_MAX];

        for (size_t i = 0; i < sizeof(big); i++)
                big[i] = (uint8_t)(i * 7);
        ck_assert_int_eq(hisi_wire_encoder_new(3, &e), 0);
        buf_preamble(b);
        buf_json(b, HISI_WIRE_HELLO, "{\"protocol\":1}");
        buf_json(b, HISI_WIRE_MESSAGE, "{\"type\":\"x\",\"devices\":3}");
        buf_chunk(b, e, 0, "abc", 3);
        buf_chunk(b, e, 2, big, sizeof(big));
        buf_chunk(b, e, 0, "defg", 4);
        buf_end(b, e, 0);
        buf_end(b, e, 1); /* a device with no state at all */
        buf_chunk(b, e, 2, big, 100);
        buf_end(b, e, 2);
        ck_assert_uint_eq(hisi_wire_encoder_sent(e, 2), sizeof(big) + 100);
}

START_TEST(test_round_trip) {
        static const size_t steps[] = { 1, 2, 7, 8, 9, 4096, 1 << 20 };
        buf b = {};

        make_stream(&b);
        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                _cleanup_(hisi_wire_decoder_freep) hisi_wire_decoder *d = NULL;
                hisi_wire_record last;
                unsigned records;

                ck_assert_int_eq(hisi_wire_decoder_new(&d), 0);
                ck_assert_int_eq(feed(d, &b, steps[i], &records, &last), 0);
                ck_assert_uint_eq(records, 9);
                ck_assert_int_eq(last.type, HISI_WIRE_END);
                ck_assert_uint_eq(last.device, 2);
                ck_assert_uint_eq(last.total, HISI_WIRE_CHUNK_MAX + 100);
                for (uint32_t dev = 0; dev < 3; dev++)
                        ck_assert(hisi_wire_decoder_device_done(d, dev));
                ck_assert_int_eq(hisi_wire_decoder_error(d), HISI_WIRE_OK);
                ck_assert_ptr_null(hisi_wire_decoder_message(d));
        }
        free(b.data);
}
END_TEST

START_TEST(test_records_content) {
        _cleanup_(hisi_wire_decoder_freep) hisi_wire_decoder *d = NULL;
        buf b = {};
        size_t off = 0, used;
        hisi_wire_record rec;
        uint8_t want[HISI_WIRE_DIGEST_SIZE];

        make_stream(&b);
        ck_assert_int_eq(hisi_wire_decoder_new(&d), 0);
        ck_assert_int_eq(hisi_wire_decoder_push(d, b.data, b.len, &used, &rec), 1);
        ck_assert_int_eq(rec.type, HISI_WIRE_HELLO);
        ck_assert_str_eq(rec.json, "{\"protocol\":1}");
        ck_assert_uint_eq(rec.json_len, 14);
        off += used;
        ck_assert_int_eq(hisi_wire_decoder_push(d, b.data + off, b.len - off, &used, &rec), 1);
        ck_assert_int_eq(rec.type, HISI_WIRE_MESSAGE);
        off += used;
        ck_assert_int_eq(hisi_wire_decoder_expect_devices(d, 3), 0);
        ck_assert_int_eq(hisi_wire_decoder_expect_devices(d, 3), -EALREADY);
        ck_assert_int_eq(hisi_wire_decoder_push(d, b.data + off, b.len - off, &used, &rec), 1);
        ck_assert_int_eq(rec.type, HISI_WIRE_CHUNK);
        ck_assert_uint_eq(rec.device, 0);
        ck_assert_uint_eq(rec.offset, 0);
        ck_assert_uint_eq(rec.data_len, 3);
        ck_assert_mem_eq(rec.data, "abc", 3);
        off += used;
        ck_assert_int_eq(hisi_wire_decoder_push(d, b.data + off, b.len - off, &used, &rec), 1);
        off += used;
        ck_assert_int_eq(hisi_wire_decoder_push(d, b.data + off, b.len - off, &used, &rec), 1);
        ck_assert_uint_eq(rec.offset, 3);
        ck_assert_mem_eq(rec.data, "defg", 4);
        off += used;
        ck_assert(!hisi_wire_decoder_device_done(d, 0));
        ck_assert_int_eq(hisi_wire_decoder_push(d, b.data + off, b.len - off, &used, &rec), 1);
        ck_assert_int_eq(rec.type, HISI_WIRE_END);
        ck_assert_uint_eq(rec.total, 7);
        ck_assert_int_eq(gnutls_hash_fast(GNUTLS_DIG_SHA256, "abcdefg", 7, want), 0);
        ck_assert_mem_eq(rec.digest, want, sizeof(want));
        ck_assert(hisi_wire_decoder_device_done(d, 0));
        free(b.data);
}
END_TEST

/* Each refusal: the stream, the errno, the error and a word its sentence must hold. */
typedef void (*stream_fn)(buf *b);

static void s_bad_preamble(buf *b) {
        buf_put(b, "GET / HTTP/1.1\r\n", 16);
}
static void s_hello(buf *b) {
        buf_preamble(b);
        buf_json(b, HISI_WIRE_HELLO, "{}");
}
static void s_unknown_type(buf *b) {
        s_hello(b);
        buf_header(b, 9, 0, 4);
        buf_put(b, "abcd", 4);
}
static void s_flags(buf *b) {
        s_hello(b);
        buf_header(b, HISI_WIRE_MESSAGE, 0x80, 2);
        buf_put(b, "{}", 2);
}
static void s_json_oversized(buf *b) {
        s_hello(b);
        buf_header(b, HISI_WIRE_MESSAGE, 0, HISI_WIRE_JSON_MAX + 1);
}
static void s_json_empty(buf *b) {
        s_hello(b);
        buf_header(b, HISI_WIRE_MESSAGE, 0, 0);
}
static void s_json_nul(buf *b) {
        s_hello(b);
        buf_header(b, HISI_WIRE_MESSAGE, 0, 3);
        buf_put(b, "{\0}", 3);
}
static void s_chunk_oversized(buf *b) {
        s_hello(b);
        buf_header(b, HISI_WIRE_CHUNK, 0, HISI_WIRE_CHUNK_HEADER + HISI_WIRE_CHUNK_MAX + 1);
}
static void s_chunk_short(buf *b) {
        s_hello(b);
        buf_header(b, HISI_WIRE_CHUNK, 0, HISI_WIRE_CHUNK_HEADER);
}
static void s_end_size(buf *b) {
        s_hello(b);
        buf_header(b, HISI_WIRE_END, 0, HISI_WIRE_END_SIZE - 1);
}
static void s_hello_not_first(buf *b) {
        buf_preamble(b);
        buf_json(b, HISI_WIRE_MESSAGE, "{}");
}
static void s_hello_twice(buf *b) {
        s_hello(b);
        buf_json(b, HISI_WIRE_HELLO, "{}");
}
static void s_state_unannounced(buf *b) {
        _cleanup_(hisi_wire_encoder_freep) hisi_wire_encoder *e = NULL;

        ck_assert_int_eq(hisi_wire_encoder_new(1, &e), 0);
        s_hello(b);
        buf_chunk(b, e, 0, "x", 1);
}
/* Announces 3 devices (see feed()). */
static void s_announced(buf *b) {
        s_hello(b);
        buf_json(b, HISI_WIRE_MESSAGE, "{\"devices\":3}");
}
static void s_bad_device(buf *b) {
        _cleanup_(hisi_wire_encoder_freep) hisi_wire_encoder *e = NULL;

        ck_assert_int_eq(hisi_wire_encoder_new(4, &e), 0);
        s_announced(b);
        buf_chunk(b, e, 3, "x", 1);
}
static void s_bad_offset(buf *b) {
        _cleanup_(hisi_wire_encoder_freep) hisi_wire_encoder *e = NULL, *f = NULL;

        ck_assert_int_eq(hisi_wire_encoder_new(1, &e), 0);
        ck_assert_int_eq(hisi_wire_encoder_new(1, &f), 0);
        s_announced(b);
        buf_chunk(b, e, 0, "xy", 2);
        buf_chunk(b, f, 0, "z", 1); /* offset 0 again: a gap or a replay */
}
static void s_after_end(buf *b) {
        _cleanup_(hisi_wire_encoder_freep) hisi_wire_encoder *e = NULL, *f = NULL;

        ck_assert_int_eq(hisi_wire_encoder_new(1, &e), 0);
        ck_assert_int_eq(hisi_wire_encoder_new(1, &f), 0);
        s_announced(b);
        buf_end(b, e, 0);
        buf_end(b, f, 0);
}
static void s_length_mismatch(buf *b) {
        _cleanup_(hisi_wire_encoder_freep) hisi_wire_encoder *e = NULL, *f = NULL;

        buf scratch = {};

        ck_assert_int_eq(hisi_wire_encoder_new(1, &e), 0);
        ck_assert_int_eq(hisi_wire_encoder_new(1, &f), 0);
        s_announced(b);
        buf_chunk(b, e, 0, "xy", 2);
        buf_chunk(&scratch, f, 0, "xyz", 3); /* f's end says 3 bytes */
        buf_end(b, f, 0);
        free(scratch.data);
}
static void s_digest_mismatch(buf *b) {
        _cleanup_(hisi_wire_encoder_freep) hisi_wire_encoder *e = NULL, *f = NULL;
        buf scratch = {};

        ck_assert_int_eq(hisi_wire_encoder_new(1, &e), 0);
        ck_assert_int_eq(hisi_wire_encoder_new(1, &f), 0);
        s_announced(b);
        buf_chunk(b, e, 0, "xy", 2);
        buf_chunk(&scratch, f, 0, "xz", 2); /* same length, other bytes */
        buf_end(b, f, 0);
        free(scratch.data);
}
static void s_truncated_header(buf *b) {
        s_hello(b);
        buf_put(b, "\x02\x00", 2);
}
static void s_truncated_payload(buf *b) {
        s_hello(b);
        buf_header(b, HISI_WIRE_MESSAGE, 0, 10);
        buf_put(b, "{\"a\"", 4);
}
static void s_truncated_preamble(buf *b) {
        buf_put(b, "HACC", 4);
}

static const struct refusal {
        const char *name;
        stream_fn make;
        int error;
        hisi_wire_error code;
        const char *says;
} refusals[] = {
        { "bad preamble", s_bad_preamble, -EBADMSG, HISI_WIRE_BAD_PREAMBLE,
          "not a hisi-accmigd peer" },
        { "unknown type", s_unknown_type, -EBADMSG, HISI_WIRE_UNKNOWN_TYPE, "record type 9" },
        { "flags", s_flags, -EBADMSG, HISI_WIRE_BAD_FLAGS, "flags 0x80" },
        { "json oversized", s_json_oversized, -EMSGSIZE, HISI_WIRE_OVERSIZED,
          "65537 bytes of JSON" },
        { "json empty", s_json_empty, -EBADMSG, HISI_WIRE_BAD_LENGTH, "no JSON" },
        { "json nul", s_json_nul, -EBADMSG, HISI_WIRE_NOT_JSON, "NUL" },
        { "chunk oversized", s_chunk_oversized, -EMSGSIZE, HISI_WIRE_OVERSIZED,
          "65537 bytes of state" },
        { "chunk short", s_chunk_short, -EBADMSG, HISI_WIRE_BAD_LENGTH, "1 or more" },
        { "end size", s_end_size, -EBADMSG, HISI_WIRE_BAD_LENGTH, "an end has 48" },
        { "hello not first", s_hello_not_first, -EPROTO, HISI_WIRE_HELLO_NOT_FIRST,
          "must be the hello" },
        { "hello twice", s_hello_twice, -EPROTO, HISI_WIRE_HELLO_TWICE, "second hello" },
        { "state unannounced", s_state_unannounced, -EPROTO, HISI_WIRE_STATE_UNEXPECTED,
          "before any device" },
        { "bad device", s_bad_device, -EPROTO, HISI_WIRE_BAD_DEVICE, "device 3, but 3 device(s)" },
        { "bad offset", s_bad_offset, -EPROTO, HISI_WIRE_BAD_OFFSET, "at offset 0, expected 2" },
        { "after end", s_after_end, -EPROTO, HISI_WIRE_AFTER_END, "had ended" },
        { "length mismatch", s_length_mismatch, -EILSEQ, HISI_WIRE_LENGTH_MISMATCH,
          "says 3 bytes, 2 arrived" },
        { "digest mismatch", s_digest_mismatch, -EILSEQ, HISI_WIRE_DIGEST_MISMATCH, "SHA-256" },
        { "truncated header", s_truncated_header, -EBADMSG, HISI_WIRE_TRUNCATED,
          "after 2 of its 8 bytes" },
        { "truncated payload", s_truncated_payload, -EBADMSG, HISI_WIRE_TRUNCATED,
          "after 12 of its 18 bytes" },
        { "truncated preamble", s_truncated_preamble, -EBADMSG, HISI_WIRE_TRUNCATED,
          "inside the preamble" },
};

START_TEST(test_refusal) {
        const struct refusal *t = &refusals[_i];
        static const size_t steps[] = { 1, 3, 1 << 20 };

        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                _cleanup_(hisi_wire_decoder_freep) hisi_wire_decoder *d = NULL;
                unsigned records;
                buf b = {};
                size_t used;
                hisi_wire_record rec;

                t->make(&b);
                ck_assert_int_eq(hisi_wire_decoder_new(&d), 0);
                ck_assert_msg(feed(d, &b, steps[i], &records, NULL) == t->error, "%s", t->name);
                ck_assert_msg(hisi_wire_decoder_error(d) == t->code, "%s: %s", t->name,
                              hisi_wire_error_to_string(hisi_wire_decoder_error(d)));
                ck_assert_msg(strstr(hisi_wire_decoder_message(d), t->says), "%s: \"%s\"", t->name,
                              hisi_wire_decoder_message(d));
                /* Refused for good: nothing more is taken. */
                ck_assert_int_eq(hisi_wire_decoder_push(d, "x", 1, &used, &rec), -EBADMSG);
                free(b.data);
        }
}
END_TEST

START_TEST(test_state_too_large) {
        _cleanup_(hisi_wire_decoder_freep) hisi_wire_decoder *d = NULL;
        _cleanup_(hisi_wire_encoder_freep) hisi_wire_encoder *e = NULL;
        _cleanup_free_ uint8_t *chunk = calloc(1, HISI_WIRE_CHUNK_MAX);
        _cleanup_free_ uint8_t *out = malloc(HISI_WIRE_RECORD_MAX);
        hisi_wire_record rec;
        buf b = {};
        size_t used;
        int r = 0;

        ck_assert_int_eq(hisi_wire_decoder_new(&d), 0);
        ck_assert_int_eq(hisi_wire_encoder_new(1, &e), 0);
        s_hello(&b);
        ck_assert_int_eq(hisi_wire_decoder_push(d, b.data, b.len, &used, &rec), 1);
        ck_assert_int_eq(hisi_wire_decoder_expect_devices(d, 1), 0);
        /* The encoder refuses to pass the limit; the decoder refuses a peer that does. */
        for (unsigned i = 0; i < HISI_WIRE_STATE_MAX / HISI_WIRE_CHUNK_MAX; i++) {
                int n = hisi_wire_encoder_chunk(e, 0, chunk, HISI_WIRE_CHUNK_MAX, out,
                                                HISI_WIRE_RECORD_MAX);
                ck_assert_int_gt(n, 0);
                ck_assert_int_eq(hisi_wire_decoder_push(d, out, (size_t)n, &used, &rec), 1);
        }
        ck_assert_int_eq(hisi_wire_encoder_chunk(e, 0, chunk, 1, out, HISI_WIRE_RECORD_MAX),
                         -EMSGSIZE);
        /* A chunk at the right offset, one byte too many. */
        out[0] = HISI_WIRE_CHUNK;
        memset(out + 1, 0, 7);
        out[7] = HISI_WIRE_CHUNK_HEADER + 1;
        memset(out + 8, 0, HISI_WIRE_CHUNK_HEADER + 1);
        out[8 + 8 + 4] = 0x04; /* offset 64 MiB, big-endian */
        r = hisi_wire_decoder_push(d, out, 8 + HISI_WIRE_CHUNK_HEADER + 1, &used, &rec);
        ck_assert_int_eq(r, -EMSGSIZE);
        ck_assert_int_eq(hisi_wire_decoder_error(d), HISI_WIRE_STATE_TOO_LARGE);
        free(b.data);
}
END_TEST

START_TEST(test_arguments) {
        _cleanup_(hisi_wire_decoder_freep) hisi_wire_decoder *d = NULL;
        _cleanup_(hisi_wire_encoder_freep) hisi_wire_encoder *e = NULL;
        uint8_t out[64];
        size_t used;
        hisi_wire_record rec;

        ck_assert_int_eq(hisi_wire_decoder_new(NULL), -EINVAL);
        ck_assert_int_eq(hisi_wire_decoder_new(&d), 0);
        ck_assert_int_eq(hisi_wire_decoder_push(d, NULL, 1, &used, &rec), -EINVAL);
        ck_assert_int_eq(hisi_wire_decoder_push(d, "", 0, &used, &rec), 0);
        ck_assert_int_eq(hisi_wire_decoder_finish(d), 0); /* nothing is not truncated */
        ck_assert_int_eq(hisi_wire_decoder_expect_devices(d, 0), -EINVAL);
        ck_assert_int_eq(hisi_wire_decoder_expect_devices(d, HISI_WIRE_DEVICES_MAX + 1), -EINVAL);
        ck_assert_int_eq(hisi_wire_encoder_new(0, &e), -EINVAL);
        ck_assert_int_eq(hisi_wire_encoder_new(HISI_WIRE_DEVICES_MAX + 1, &e), -EINVAL);
        ck_assert_int_eq(hisi_wire_encoder_new(2, &e), 0);
        ck_assert_int_eq(hisi_wire_encoder_chunk(e, 2, "x", 1, out, sizeof(out)), -EINVAL);
        ck_assert_int_eq(hisi_wire_encoder_chunk(e, 0, "x", 0, out, sizeof(out)), -EINVAL);
        ck_assert_int_eq(hisi_wire_encoder_chunk(e, 0, "x", 1, out, 8), -ENOBUFS);
        ck_assert_int_eq(hisi_wire_encoder_end(e, 0, out, sizeof(out)), 56);
        ck_assert_int_eq(hisi_wire_encoder_end(e, 0, out, sizeof(out)), -EALREADY);
        ck_assert_int_eq(hisi_wire_encoder_chunk(e, 0, "x", 1, out, sizeof(out)), -EALREADY);
        ck_assert_int_eq(hisi_wire_encode_json(HISI_WIRE_CHUNK, "{}", 2, out, sizeof(out)),
                         -EINVAL);
        ck_assert_int_eq(hisi_wire_encode_json(HISI_WIRE_MESSAGE, "{}", 2, out, 9), -ENOBUFS);
        ck_assert_int_eq(hisi_wire_encode_json(HISI_WIRE_MESSAGE, "{\0}", 3, out, sizeof(out)),
                         -EINVAL);
        ck_assert_str_eq(hisi_wire_type_to_string(HISI_WIRE_END), "end");
        ck_assert_ptr_null(hisi_wire_type_to_string(0));
        ck_assert_str_eq(hisi_wire_error_to_string(HISI_WIRE_DIGEST_MISMATCH), "digest-mismatch");
}
END_TEST

static Suite *peer_wire_suite(void) {
        Suite *s = suite_create("peer-wire");
        TCase *tc = tcase_create("records");

        tcase_add_test(tc, test_round_trip);
        tcase_add_test(tc, test_records_content);
        tcase_add_test(tc, test_arguments);
        suite_add_tcase(s, tc);
        tc = tcase_create("refusals");
        tcase_set_timeout(tc, 60);
        tcase_add_loop_test(tc, test_refusal, 0, ELEMENTSOF(refusals));
        tcase_add_test(tc, test_state_too_large);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(peer_wire_suite)
