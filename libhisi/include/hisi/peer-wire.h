/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The peer protocol's framing (libhisi/docs/peer-protocol.md is the reference): the preamble,
 * tagged length-prefixed records, binary state chunks with an end marker per device carrying the
 * total length and a SHA-256 digest. Pure: no I/O, no event loop. The decoder is incremental: it
 * takes bytes as they come and yields whole records, and refuses every malformed, oversized,
 * truncated or out-of-order record with its own error and a sentence that names what is wrong.
 * The JSON messages carried in HELLO and MESSAGE records are decoded by peer-message.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every limit of the protocol, as on the reference page. */
#define HISI_WIRE_PREAMBLE      "HACCMIG" /* and a NUL: 8 bytes, first on the wire each way */
#define HISI_WIRE_PREAMBLE_SIZE 8u
#define HISI_WIRE_HEADER_SIZE   8u            /* type, flags, reserved, payload length */
#define HISI_WIRE_JSON_MAX      (64u * 1024u) /* payload of a HELLO or MESSAGE record */
#define HISI_WIRE_CHUNK_MAX     (64u * 1024u) /* state bytes in one CHUNK record */
#define HISI_WIRE_CHUNK_HEADER  16u           /* device, reserved, offset */
#define HISI_WIRE_END_SIZE      48u           /* device, reserved, total, SHA-256 */
#define HISI_WIRE_DIGEST_SIZE   32u           /* SHA-256 */
#define HISI_WIRE_RECORD_MAX    (HISI_WIRE_HEADER_SIZE + HISI_WIRE_CHUNK_HEADER + HISI_WIRE_CHUNK_MAX)
#define HISI_WIRE_DEVICES_MAX   256u                  /* devices in one migration */
#define HISI_WIRE_STATE_MAX     (64u * 1024u * 1024u) /* state bytes of one device */

typedef enum hisi_wire_type {
        HISI_WIRE_HELLO = 1,   /* JSON: the versioned hello with capabilities, first and once */
        HISI_WIRE_MESSAGE = 2, /* JSON: a control message, {"type": ...} */
        HISI_WIRE_CHUNK = 3,   /* binary: state bytes of one device at an offset */
        HISI_WIRE_END = 4,     /* binary: a device's stream is complete: total length, digest */
} hisi_wire_type;

const char *hisi_wire_type_to_string(hisi_wire_type t); /* "hello", "message", "chunk", "end" */

/* Why the decoder refused the stream; each has its own sentence (hisi_wire_decoder_message). */
typedef enum hisi_wire_error {
        HISI_WIRE_OK,
        HISI_WIRE_BAD_PREAMBLE,     /* not a hisi-accmigd peer */
        HISI_WIRE_UNKNOWN_TYPE,     /* a record type this version does not know */
        HISI_WIRE_BAD_FLAGS,        /* flags or reserved bits set */
        HISI_WIRE_OVERSIZED,        /* a payload over its limit */
        HISI_WIRE_BAD_LENGTH,       /* a payload too short or of the wrong size for its type */
        HISI_WIRE_TRUNCATED,        /* the stream ended inside a record */
        HISI_WIRE_HELLO_NOT_FIRST,  /* a record before the hello */
        HISI_WIRE_HELLO_TWICE,      /* a second hello */
        HISI_WIRE_NOT_JSON,         /* a JSON payload that is not UTF-8 text without NUL */
        HISI_WIRE_STATE_UNEXPECTED, /* a chunk or end before the devices were announced */
        HISI_WIRE_BAD_DEVICE,       /* a chunk or end for a device index not announced */
        HISI_WIRE_BAD_OFFSET,       /* a chunk not at the end of what the device sent so far */
        HISI_WIRE_STATE_TOO_LARGE,  /* a device's state over HISI_WIRE_STATE_MAX */
        HISI_WIRE_AFTER_END,        /* a chunk or end for a device whose stream had ended */
        HISI_WIRE_LENGTH_MISMATCH,  /* the end's total differs from the bytes received */
        HISI_WIRE_DIGEST_MISMATCH,  /* the end's SHA-256 differs from the bytes received */
        _HISI_WIRE_ERROR_MAX,
} hisi_wire_error;

const char *hisi_wire_error_to_string(hisi_wire_error e); /* "bad-preamble", … */

/* One whole record. Pointers are into the decoder and valid until the next push. */
typedef struct hisi_wire_record {
        hisi_wire_type type;
        /* HELLO, MESSAGE: the JSON text, NUL-terminated (json_len excludes the NUL). */
        const char *json;
        size_t json_len;
        /* CHUNK, END */
        uint32_t device;
        /* CHUNK: data_len bytes at offset of the device's stream. */
        uint64_t offset;
        const uint8_t *data;
        size_t data_len;
        /* END: the total length; the digest was checked against the bytes received. */
        uint64_t total;
        uint8_t digest[HISI_WIRE_DIGEST_SIZE];
} hisi_wire_record;

typedef struct hisi_wire_decoder hisi_wire_decoder;

int hisi_wire_decoder_new(hisi_wire_decoder **ret);
hisi_wire_decoder *hisi_wire_decoder_free(hisi_wire_decoder *d);

/*
 * Take bytes: consumes from data until a whole record is there, or data is used up. Returns 1
 * and the record when one is complete (*ret_used bytes of data were taken: call again with the
 * rest), 0 when all of data was taken and no record is complete yet, or -EBADMSG (malformed),
 * -EMSGSIZE (oversized), -EPROTO (out of order), -EILSEQ (a digest or length mismatch), -ENOMEM.
 * After an error the decoder refuses everything; hisi_wire_decoder_error() and
 * hisi_wire_decoder_message() say why.
 */
int hisi_wire_decoder_push(hisi_wire_decoder *d, const void *data, size_t len, size_t *ret_used,
                           hisi_wire_record *ret);

/* The stream ended (the peer closed): -EBADMSG (TRUNCATED) inside a record or the preamble. */
int hisi_wire_decoder_finish(hisi_wire_decoder *d);

/*
 * From now on, accept state for devices 0..n-1 (a control message announced them). Once only;
 * -EINVAL for 0 or more than HISI_WIRE_DEVICES_MAX, -EALREADY the second time.
 */
int hisi_wire_decoder_expect_devices(hisi_wire_decoder *d, uint32_t n);
/* Whether device i's stream has ended (its END came and was verified). */
bool hisi_wire_decoder_device_done(const hisi_wire_decoder *d, uint32_t i);

hisi_wire_error hisi_wire_decoder_error(const hisi_wire_decoder *d);
/* A sentence naming what was wrong and where ("record 3 (chunk): device 2 at offset 100, expected
 * 64"), or NULL while there was no error. */
const char *hisi_wire_decoder_message(const hisi_wire_decoder *d);

/* ---- Encoding ---- */

/* The 8 bytes each side sends first. */
void hisi_wire_preamble(uint8_t out[HISI_WIRE_PREAMBLE_SIZE]);

/* A HELLO or MESSAGE record of json (len bytes, no NUL inside) into out (at least
 * HISI_WIRE_HEADER_SIZE + len bytes). Returns the record's size, -EMSGSIZE past
 * HISI_WIRE_JSON_MAX, -EINVAL for another type. */
int hisi_wire_encode_json(hisi_wire_type type, const char *json, size_t len, uint8_t *out,
                          size_t out_size);

/* The sending side of the device streams: offsets and digests kept per device. */
typedef struct hisi_wire_encoder hisi_wire_encoder;

int hisi_wire_encoder_new(uint32_t n_devices, hisi_wire_encoder **ret);
hisi_wire_encoder *hisi_wire_encoder_free(hisi_wire_encoder *e);
/* A CHUNK of len (1..HISI_WIRE_CHUNK_MAX) bytes of device's state, into out (at least
 * HISI_WIRE_HEADER_SIZE + HISI_WIRE_CHUNK_HEADER + len). Returns the record's size. */
int hisi_wire_encoder_chunk(hisi_wire_encoder *e, uint32_t device, const void *data, size_t len,
                            uint8_t *out, size_t out_size);
/* The END of device's stream, into out (HISI_WIRE_HEADER_SIZE + HISI_WIRE_END_SIZE bytes). */
int hisi_wire_encoder_end(hisi_wire_encoder *e, uint32_t device, uint8_t *out, size_t out_size);
/* The bytes sent so far for device. */
uint64_t hisi_wire_encoder_sent(const hisi_wire_encoder *e, uint32_t device);
