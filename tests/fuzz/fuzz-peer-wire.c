/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the peer protocol's decoder (libhisi/peer-wire.c). The first byte chooses how
 * the rest is cut into pushes, so that records split anywhere are tried. Every refusal must be
 * one of the documented errors with a sentence, a refused decoder must take nothing more, and
 * every record handed out must be whole and in order.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hisi/peer-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
        if (!ok)
                abort();
}

static bool is_refusal(int r) {
        return r == -EBADMSG || r == -EMSGSIZE || r == -EPROTO || r == -EILSEQ;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        hisi_wire_decoder *d = NULL;
        uint64_t next_offset[4] = {};
        size_t step, off = 1;
        int r = 0;

        if (size < 1)
                return 0;
        step = (size_t)(data[0] % 32) + 1;
        if (data[0] >= 0xf0)
                step = SIZE_MAX; /* all at once */
        check(hisi_wire_decoder_new(&d) == 0);

        while (off < size) {
                size_t n = step < size - off ? step : size - off, used = 0;
                hisi_wire_record rec;

                r = hisi_wire_decoder_push(d, data + off, n, &used, &rec);
                if (r < 0)
                        break;
                check(used <= n);
                off += used;
                if (r == 0) {
                        check(used == n);
                        continue;
                }
                switch (rec.type) {
                case HISI_WIRE_HELLO:
                case HISI_WIRE_MESSAGE:
                        check(rec.json_len > 0 && rec.json_len <= HISI_WIRE_JSON_MAX);
                        check(strlen(rec.json) == rec.json_len);
                        if (rec.type == HISI_WIRE_MESSAGE)
                                (void)hisi_wire_decoder_expect_devices(d, 4);
                        break;
                case HISI_WIRE_CHUNK:
                        check(rec.device < 4);
                        check(rec.data_len > 0 && rec.data_len <= HISI_WIRE_CHUNK_MAX);
                        check(rec.offset == next_offset[rec.device]);
                        next_offset[rec.device] += rec.data_len;
                        break;
                case HISI_WIRE_END:
                        check(rec.device < 4);
                        check(rec.total == next_offset[rec.device]);
                        check(hisi_wire_decoder_device_done(d, rec.device));
                        break;
                default:
                        check(false);
                }
        }
        if (r >= 0)
                r = hisi_wire_decoder_finish(d);
        if (r < 0) {
                size_t used;
                hisi_wire_record rec;

                check(is_refusal(r));
                check(hisi_wire_decoder_error(d) != HISI_WIRE_OK);
                check(hisi_wire_decoder_message(d) != NULL);
                check(hisi_wire_decoder_push(d, "x", 1, &used, &rec) == -EBADMSG);
        } else
                check(hisi_wire_decoder_error(d) == HISI_WIRE_OK);
        hisi_wire_decoder_free(d);
        return 0;
}
