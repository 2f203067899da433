/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The peer protocol's framing (see hisi/peer-wire.h and docs/peer-protocol.md): an incremental
 * decoder that assembles one record at a time in a buffer of its own and checks each record's
 * place in the stream, and the encoder of the same records. SHA-256 comes from GnuTLS.
 */

#include <assert.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hisi/peer-wire.h"
#include "macro.h"
#include "string-table.h"

static const char *const hisi_wire_type_table[] = {
        [HISI_WIRE_HELLO] = "hello",
        [HISI_WIRE_MESSAGE] = "message",
        [HISI_WIRE_CHUNK] = "chunk",
        [HISI_WIRE_END] = "end",
};
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(hisi_wire_type, hisi_wire_type);

static const char *const hisi_wire_error_table[_HISI_WIRE_ERROR_MAX] = {
        [HISI_WIRE_OK] = "ok",
        [HISI_WIRE_BAD_PREAMBLE] = "bad-preamble",
        [HISI_WIRE_UNKNOWN_TYPE] = "unknown-type",
        [HISI_WIRE_BAD_FLAGS] = "bad-flags",
        [HISI_WIRE_OVERSIZED] = "oversized",
        [HISI_WIRE_BAD_LENGTH] = "bad-length",
        [HISI_WIRE_TRUNCATED] = "truncated",
        [HISI_WIRE_HELLO_NOT_FIRST] = "hello-not-first",
        [HISI_WIRE_HELLO_TWICE] = "hello-twice",
        [HISI_WIRE_NOT_JSON] = "not-json",
        [HISI_WIRE_STATE_UNEXPECTED] = "state-unexpected",
        [HISI_WIRE_BAD_DEVICE] = "bad-device",
        [HISI_WIRE_BAD_OFFSET] = "bad-offset",
        [HISI_WIRE_STATE_TOO_LARGE] = "state-too-large",
        [HISI_WIRE_AFTER_END] = "after-end",
        [HISI_WIRE_LENGTH_MISMATCH] = "length-mismatch",
        [HISI_WIRE_DIGEST_MISMATCH] = "digest-mismatch",
};
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(hisi_wire_error, hisi_wire_error);

static void put_be16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}
static void put_be32(uint8_t *p, uint32_t v) {
        put_be16(p, (uint16_t)(v >> 16));
        put_be16(p + 2, (uint16_t)v);
}
static void put_be64(uint8_t *p, uint64_t v) {
        put_be32(p, (uint32_t)(v >> 32));
        put_be32(p + 4, (uint32_t)v);
}
static uint16_t get_be16(const uint8_t *p) {
        return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}
static uint32_t get_be32(const uint8_t *p) {
        return (uint32_t)get_be16(p) << 16 | get_be16(p + 2);
}
static uint64_t get_be64(const uint8_t *p) {
        return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_header(uint8_t *out, hisi_wire_type type, uint32_t len) {
        out[0] = (uint8_t)type;
        out[1] = 0; /* flags */
        put_be16(out + 2, 0);
        put_be32(out + 4, len);
}

/* The stream of one device, as either side sees it. */
typedef struct wire_stream {
        uint64_t bytes;
        gnutls_hash_hd_t hash; /* NULL until the first byte */
        bool ended;
} wire_stream;

static int stream_hash(wire_stream *s, const void *data, size_t len) {
        if (!s->hash && gnutls_hash_init(&s->hash, GNUTLS_DIG_SHA256) < 0) {
                s->hash = NULL;
                return -ENOMEM;
        }
        if (len > 0 && gnutls_hash(s->hash, data, len) < 0)
                return -EIO;
        s->bytes += len;
        return 0;
}

/* The stream's digest; the hash is gone afterwards. */
static int stream_digest(wire_stream *s, uint8_t out[HISI_WIRE_DIGEST_SIZE]) {
        int r = stream_hash(s, NULL, 0); /* a stream of no bytes still has a digest */

        if (r < 0)
                return r;
        gnutls_hash_deinit(s->hash, out);
        s->hash = NULL;
        return 0;
}

static void streams_free(wire_stream *s, uint32_t n) {
        for (uint32_t i = 0; s && i < n; i++)
                if (s[i].hash)
                        gnutls_hash_deinit(s[i].hash, NULL);
        free(s);
}

/* ---- Decoder ---- */

struct hisi_wire_decoder {
        size_t preamble_have;
        uint8_t header[HISI_WIRE_HEADER_SIZE];
        size_t header_have;
        uint8_t *payload;    /* payload_size bytes: the largest record so far, and its NUL */
        size_t payload_size; /* at most HISI_WIRE_RECORD_MAX + 1 */
        size_t payload_len, payload_have;
        unsigned records; /* whole records so far */
        bool hello_seen;
        wire_stream *streams;
        uint32_t n_streams;
        hisi_wire_error error;
        char *message;
};

int hisi_wire_decoder_new(hisi_wire_decoder **ret) {
        _cleanup_free_ hisi_wire_decoder *d = NULL;

        if (!ret)
                return -EINVAL;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        *ret = TAKE_PTR(d);
        return 0;
}

hisi_wire_decoder *hisi_wire_decoder_free(hisi_wire_decoder *d) {
        if (!d)
                return NULL;
        streams_free(d->streams, d->n_streams);
        free(d->payload);
        free(d->message);
        return mfree(d);
}

static int fail(hisi_wire_decoder *d, hisi_wire_error e, const char *fmt, ...) _printf_(3, 4);
static int fail(hisi_wire_decoder *d, hisi_wire_error e, const char *fmt, ...) {
        char *body = NULL;
        va_list ap;

        assert(e != HISI_WIRE_OK);
        d->error = e;
        free(d->message);
        d->message = NULL;
        va_start(ap, fmt);
        if (vasprintf(&body, fmt, ap) >= 0) {
                if (e == HISI_WIRE_BAD_PREAMBLE || e == HISI_WIRE_TRUNCATED ||
                    asprintf(&d->message, "record %u (%s): %s", d->records + 1,
                             hisi_wire_type_to_string(d->header[0]) ?: "unknown type", body) < 0)
                        d->message = TAKE_PTR(body);
        }
        va_end(ap);
        free(body);
        switch (e) {
        case HISI_WIRE_OVERSIZED:
        case HISI_WIRE_STATE_TOO_LARGE:
                return -EMSGSIZE;
        case HISI_WIRE_HELLO_NOT_FIRST:
        case HISI_WIRE_HELLO_TWICE:
        case HISI_WIRE_STATE_UNEXPECTED:
        case HISI_WIRE_BAD_DEVICE:
        case HISI_WIRE_BAD_OFFSET:
        case HISI_WIRE_AFTER_END:
                return -EPROTO;
        case HISI_WIRE_LENGTH_MISMATCH:
        case HISI_WIRE_DIGEST_MISMATCH:
                return -EILSEQ;
        case HISI_WIRE_OK:
        case HISI_WIRE_BAD_PREAMBLE:
        case HISI_WIRE_UNKNOWN_TYPE:
        case HISI_WIRE_BAD_FLAGS:
        case HISI_WIRE_BAD_LENGTH:
        case HISI_WIRE_TRUNCATED:
        case HISI_WIRE_NOT_JSON:
        case _HISI_WIRE_ERROR_MAX:
                break;
        }
        return -EBADMSG;
}

/* The record's length is known: check the header before reading the payload. */
static int check_header(hisi_wire_decoder *d) {
        uint8_t type = d->header[0];
        uint32_t len = get_be32(d->header + 4);

        switch (type) {
        case HISI_WIRE_HELLO:
        case HISI_WIRE_MESSAGE:
                if (len > HISI_WIRE_JSON_MAX)
                        return fail(d, HISI_WIRE_OVERSIZED, "%" PRIu32 " bytes of JSON, at most %u",
                                    len, HISI_WIRE_JSON_MAX);
                if (len == 0)
                        return fail(d, HISI_WIRE_BAD_LENGTH, "no JSON");
                break;
        case HISI_WIRE_CHUNK:
                if (len > HISI_WIRE_CHUNK_HEADER + HISI_WIRE_CHUNK_MAX)
                        return fail(d, HISI_WIRE_OVERSIZED,
                                    "%" PRIu32 " bytes of state in one chunk, at most %u",
                                    len - HISI_WIRE_CHUNK_HEADER, HISI_WIRE_CHUNK_MAX);
                if (len <= HISI_WIRE_CHUNK_HEADER)
                        return fail(d, HISI_WIRE_BAD_LENGTH,
                                    "%" PRIu32 " bytes, a chunk has %u of header and 1 or more "
                                    "of state",
                                    len, HISI_WIRE_CHUNK_HEADER);
                break;
        case HISI_WIRE_END:
                if (len != HISI_WIRE_END_SIZE)
                        return fail(d, HISI_WIRE_BAD_LENGTH, "%" PRIu32 " bytes, an end has %u",
                                    len, HISI_WIRE_END_SIZE);
                break;
        default:
                return fail(d, HISI_WIRE_UNKNOWN_TYPE, "record type %u is not part of protocol 1",
                            type);
        }
        if (d->header[1] != 0 || get_be16(d->header + 2) != 0)
                return fail(d, HISI_WIRE_BAD_FLAGS, "flags 0x%02x and reserved 0x%04x must be 0",
                            d->header[1], get_be16(d->header + 2));
        if (type != HISI_WIRE_HELLO && !d->hello_seen)
                return fail(d, HISI_WIRE_HELLO_NOT_FIRST, "the first record must be the hello");
        if (type == HISI_WIRE_HELLO && d->hello_seen)
                return fail(d, HISI_WIRE_HELLO_TWICE, "a second hello");
        if (len + 1 > d->payload_size) {
                /* Grown to the record's size (bounded above): control messages take a few
                 * hundred bytes, only a connection that carries state needs the most. */
                size_t size = MIN(MAX((size_t)len + 1, 2 * d->payload_size),
                                  (size_t)HISI_WIRE_RECORD_MAX + 1);
                uint8_t *n = realloc(d->payload, size);

                if (!n)
                        return -ENOMEM;
                d->payload = n;
                d->payload_size = size;
        }
        d->payload_len = len;
        d->payload_have = 0;
        return 0;
}

/* The device a CHUNK or END is for, checked. */
static int record_stream(hisi_wire_decoder *d, uint32_t device, wire_stream **ret) {
        if (!d->streams)
                return fail(d, HISI_WIRE_STATE_UNEXPECTED,
                            "state of device %" PRIu32 " before any device was announced", device);
        if (device >= d->n_streams)
                return fail(d, HISI_WIRE_BAD_DEVICE,
                            "device %" PRIu32 ", but %" PRIu32 " device(s) were announced", device,
                            d->n_streams);
        if (d->streams[device].ended)
                return fail(d, HISI_WIRE_AFTER_END, "device %" PRIu32 "'s stream had ended",
                            device);
        *ret = &d->streams[device];
        return 0;
}

static int decode_chunk(hisi_wire_decoder *d, hisi_wire_record *rec) {
        const uint8_t *p = d->payload;
        wire_stream *s = NULL;
        int r;

        rec->device = get_be32(p);
        rec->offset = get_be64(p + 8);
        rec->data = p + HISI_WIRE_CHUNK_HEADER;
        rec->data_len = d->payload_len - HISI_WIRE_CHUNK_HEADER;
        if (get_be32(p + 4) != 0)
                return fail(d, HISI_WIRE_BAD_FLAGS, "reserved 0x%08" PRIx32 " must be 0",
                            get_be32(p + 4));
        r = record_stream(d, rec->device, &s);
        if (r < 0)
                return r;
        if (rec->offset != s->bytes)
                return fail(d, HISI_WIRE_BAD_OFFSET,
                            "device %" PRIu32 " at offset %" PRIu64 ", expected %" PRIu64,
                            rec->device, rec->offset, s->bytes);
        if (rec->data_len > HISI_WIRE_STATE_MAX - s->bytes)
                return fail(d, HISI_WIRE_STATE_TOO_LARGE,
                            "device %" PRIu32 "'s state passes %u bytes", rec->device,
                            HISI_WIRE_STATE_MAX);
        return stream_hash(s, rec->data, rec->data_len);
}

static int decode_end(hisi_wire_decoder *d, hisi_wire_record *rec) {
        const uint8_t *p = d->payload;
        uint8_t digest[HISI_WIRE_DIGEST_SIZE];
        wire_stream *s = NULL;
        int r;

        rec->device = get_be32(p);
        rec->total = get_be64(p + 8);
        memcpy(rec->digest, p + 16, HISI_WIRE_DIGEST_SIZE);
        if (get_be32(p + 4) != 0)
                return fail(d, HISI_WIRE_BAD_FLAGS, "reserved 0x%08" PRIx32 " must be 0",
                            get_be32(p + 4));
        r = record_stream(d, rec->device, &s);
        if (r < 0)
                return r;
        if (rec->total != s->bytes)
                return fail(d, HISI_WIRE_LENGTH_MISMATCH,
                            "device %" PRIu32 ": the end says %" PRIu64 " bytes, %" PRIu64
                            " arrived",
                            rec->device, rec->total, s->bytes);
        r = stream_digest(s, digest);
        if (r < 0)
                return r;
        if (memcmp(digest, rec->digest, HISI_WIRE_DIGEST_SIZE) != 0)
                return fail(d, HISI_WIRE_DIGEST_MISMATCH,
                            "device %" PRIu32 ": the SHA-256 of the %" PRIu64
                            " bytes received differs from the end's",
                            rec->device, s->bytes);
        s->ended = true;
        return 0;
}

/* The payload is complete: make the record. */
static int decode_record(hisi_wire_decoder *d, hisi_wire_record *rec) {
        int r = 0;

        *rec = (hisi_wire_record){ .type = d->header[0] };
        switch (rec->type) {
        case HISI_WIRE_HELLO:
        case HISI_WIRE_MESSAGE:
                if (memchr(d->payload, 0, d->payload_len))
                        return fail(d, HISI_WIRE_NOT_JSON, "a NUL byte in the JSON text");
                d->payload[d->payload_len] = 0;
                rec->json = (const char *)d->payload;
                rec->json_len = d->payload_len;
                if (rec->type == HISI_WIRE_HELLO)
                        d->hello_seen = true;
                break;
        case HISI_WIRE_CHUNK:
                r = decode_chunk(d, rec);
                break;
        case HISI_WIRE_END:
                r = decode_end(d, rec);
                break;
        }
        if (r < 0)
                return r;
        d->records++;
        d->header_have = 0;
        return 1;
}

int hisi_wire_decoder_push(hisi_wire_decoder *d, const void *data, size_t len, size_t *ret_used,
                           hisi_wire_record *ret) {
        const uint8_t *p = data;
        size_t used = 0, n;
        int r;

        if (!d || (!data && len > 0) || !ret_used || !ret)
                return -EINVAL;
        *ret_used = 0;
        if (d->error != HISI_WIRE_OK)
                return -EBADMSG;

        while (d->preamble_have < HISI_WIRE_PREAMBLE_SIZE && used < len) {
                if (p[used] != (uint8_t)HISI_WIRE_PREAMBLE[d->preamble_have])
                        return fail(d, HISI_WIRE_BAD_PREAMBLE,
                                    "this is not a hisi-accmigd peer (the stream does not begin "
                                    "with the protocol's preamble)");
                d->preamble_have++;
                used++;
        }
        while (used < len) {
                if (d->header_have < HISI_WIRE_HEADER_SIZE) {
                        n = MIN(len - used, HISI_WIRE_HEADER_SIZE - d->header_have);
                        memcpy(d->header + d->header_have, p + used, n);
                        d->header_have += n;
                        used += n;
                        if (d->header_have < HISI_WIRE_HEADER_SIZE)
                                break;
                        r = check_header(d);
                        if (r < 0)
                                return r;
                }
                n = MIN(len - used, d->payload_len - d->payload_have);
                memcpy(d->payload + d->payload_have, p + used, n);
                d->payload_have += n;
                used += n;
                if (d->payload_have == d->payload_len) {
                        *ret_used = used;
                        return decode_record(d, ret);
                }
        }
        *ret_used = used;
        return 0;
}

int hisi_wire_decoder_finish(hisi_wire_decoder *d) {
        if (!d)
                return -EINVAL;
        if (d->error != HISI_WIRE_OK)
                return -EBADMSG;
        if (d->preamble_have > 0 && d->preamble_have < HISI_WIRE_PREAMBLE_SIZE)
                return fail(d, HISI_WIRE_TRUNCATED, "the stream ended inside the preamble");
        if (d->header_have > 0)
                return fail(d, HISI_WIRE_TRUNCATED,
                            "the stream ended inside record %u, after %zu of its %zu bytes",
                            d->records + 1,
                            d->header_have +
                                    (d->header_have == HISI_WIRE_HEADER_SIZE ? d->payload_have : 0),
                            d->header_have == HISI_WIRE_HEADER_SIZE
                                    ? HISI_WIRE_HEADER_SIZE + d->payload_len
                                    : (size_t)HISI_WIRE_HEADER_SIZE);
        return 0;
}

int hisi_wire_decoder_expect_devices(hisi_wire_decoder *d, uint32_t n) {
        if (!d || n == 0 || n > HISI_WIRE_DEVICES_MAX)
                return -EINVAL;
        if (d->streams)
                return -EALREADY;
        d->streams = calloc(n, sizeof(*d->streams));
        if (!d->streams)
                return -ENOMEM;
        d->n_streams = n;
        return 0;
}

bool hisi_wire_decoder_device_done(const hisi_wire_decoder *d, uint32_t i) {
        return d && i < d->n_streams && d->streams[i].ended;
}

hisi_wire_error hisi_wire_decoder_error(const hisi_wire_decoder *d) {
        return d ? d->error : HISI_WIRE_OK;
}

const char *hisi_wire_decoder_message(const hisi_wire_decoder *d) {
        return d && d->error != HISI_WIRE_OK ? (d->message ?: hisi_wire_error_to_string(d->error))
                                             : NULL;
}

/* ---- Encoder ---- */

void hisi_wire_preamble(uint8_t out[HISI_WIRE_PREAMBLE_SIZE]) {
        memcpy(out, HISI_WIRE_PREAMBLE, HISI_WIRE_PREAMBLE_SIZE); /* with its NUL */
}

int hisi_wire_encode_json(hisi_wire_type type, const char *json, size_t len, uint8_t *out,
                          size_t out_size) {
        if ((type != HISI_WIRE_HELLO && type != HISI_WIRE_MESSAGE) || !json || len == 0 || !out ||
            memchr(json, 0, len))
                return -EINVAL;
        if (len > HISI_WIRE_JSON_MAX)
                return -EMSGSIZE;
        if (out_size < HISI_WIRE_HEADER_SIZE + len)
                return -ENOBUFS;
        put_header(out, type, (uint32_t)len);
        memcpy(out + HISI_WIRE_HEADER_SIZE, json, len);
        return (int)(HISI_WIRE_HEADER_SIZE + len);
}

struct hisi_wire_encoder {
        wire_stream *streams;
        uint32_t n_streams;
};

int hisi_wire_encoder_new(uint32_t n_devices, hisi_wire_encoder **ret) {
        _cleanup_free_ hisi_wire_encoder *e = NULL;

        if (n_devices == 0 || n_devices > HISI_WIRE_DEVICES_MAX || !ret)
                return -EINVAL;
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->streams = calloc(n_devices, sizeof(*e->streams));
        if (!e->streams)
                return -ENOMEM;
        e->n_streams = n_devices;
        *ret = TAKE_PTR(e);
        return 0;
}

hisi_wire_encoder *hisi_wire_encoder_free(hisi_wire_encoder *e) {
        if (!e)
                return NULL;
        streams_free(e->streams, e->n_streams);
        return mfree(e);
}

int hisi_wire_encoder_chunk(hisi_wire_encoder *e, uint32_t device, const void *data, size_t len,
                            uint8_t *out, size_t out_size) {
        wire_stream *s = NULL;
        int r;

        if (!e || device >= e->n_streams || !data || len == 0 || len > HISI_WIRE_CHUNK_MAX || !out)
                return -EINVAL;
        s = &e->streams[device];
        if (s->ended)
                return -EALREADY;
        if (len > HISI_WIRE_STATE_MAX - s->bytes)
                return -EMSGSIZE;
        if (out_size < HISI_WIRE_HEADER_SIZE + HISI_WIRE_CHUNK_HEADER + len)
                return -ENOBUFS;
        put_header(out, HISI_WIRE_CHUNK, (uint32_t)(HISI_WIRE_CHUNK_HEADER + len));
        put_be32(out + HISI_WIRE_HEADER_SIZE, device);
        put_be32(out + HISI_WIRE_HEADER_SIZE + 4, 0);
        put_be64(out + HISI_WIRE_HEADER_SIZE + 8, s->bytes);
        memcpy(out + HISI_WIRE_HEADER_SIZE + HISI_WIRE_CHUNK_HEADER, data, len);
        r = stream_hash(s, data, len);
        if (r < 0)
                return r;
        return (int)(HISI_WIRE_HEADER_SIZE + HISI_WIRE_CHUNK_HEADER + len);
}

int hisi_wire_encoder_end(hisi_wire_encoder *e, uint32_t device, uint8_t *out, size_t out_size) {
        wire_stream *s = NULL;
        uint8_t *p;
        int r;

        if (!e || device >= e->n_streams || !out)
                return -EINVAL;
        s = &e->streams[device];
        if (s->ended)
                return -EALREADY;
        if (out_size < HISI_WIRE_HEADER_SIZE + HISI_WIRE_END_SIZE)
                return -ENOBUFS;
        p = out + HISI_WIRE_HEADER_SIZE;
        put_header(out, HISI_WIRE_END, HISI_WIRE_END_SIZE);
        put_be32(p, device);
        put_be32(p + 4, 0);
        put_be64(p + 8, s->bytes);
        r = stream_digest(s, p + 16);
        if (r < 0)
                return r;
        s->ended = true;
        return (int)(HISI_WIRE_HEADER_SIZE + HISI_WIRE_END_SIZE);
}

uint64_t hisi_wire_encoder_sent(const hisi_wire_encoder *e, uint32_t device) {
        return e && device < e->n_streams ? e->streams[device].bytes : 0;
}
