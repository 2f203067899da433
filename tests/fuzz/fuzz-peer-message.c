/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the peer protocol's JSON messages (libhisi/peer-message.c): arbitrary text
 * goes to every decoder. Each must accept or refuse with -EBADMSG and a sentence; whatever is
 * accepted must encode and decode back to the same values.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hisi/peer-message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
        if (!ok)
                abort();
}

static void check_refusal(int r, char *error) {
        check(r == -EBADMSG && error && *error);
        free(error);
}

static void fuzz_check(const char *text, size_t size) {
        hisi_peer_check c = {}, back = {};
        char *error = NULL, *json = NULL;
        int r = hisi_peer_check_from_json(text, size, &c, &error);

        if (r < 0) {
                check_refusal(r, error);
                return;
        }
        check(c.n_devices >= 1 && c.n_devices <= HISI_WIRE_DEVICES_MAX);
        check(hisi_peer_check_to_json(&c, &json) == 0);
        check(hisi_peer_check_from_json(json, strlen(json), &back, &error) == 0);
        check(back.id == c.id && back.n_devices == c.n_devices);
        for (size_t i = 0; i < c.n_devices; i++) {
                check(strcmp(back.devices[i].source, c.devices[i].source) == 0);
                check(back.devices[i].desc.kind == c.devices[i].desc.kind);
                check(back.devices[i].desc.qp_num == c.devices[i].desc.qp_num);
                check(back.devices[i].desc.state_size == c.devices[i].desc.state_size);
                check(back.devices[i].desc.unknown == c.devices[i].desc.unknown);
        }
        free(json);
        hisi_peer_check_done(&c);
        hisi_peer_check_done(&back);
}

static void fuzz_reply(const char *text, size_t size) {
        hisi_peer_check_reply c = {}, back = {};
        char *error = NULL, *json = NULL;
        int r = hisi_peer_check_reply_from_json(text, size, &c, &error);

        if (r < 0) {
                check_refusal(r, error);
                return;
        }
        check(hisi_peer_check_reply_to_json(&c, &json) == 0);
        check(hisi_peer_check_reply_from_json(json, strlen(json), &back, &error) == 0);
        check(back.n_devices == c.n_devices);
        free(json);
        hisi_peer_check_reply_done(&c);
        hisi_peer_check_reply_done(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text, *error = NULL, *type = NULL, *json = NULL;
        hisi_peer_hello h = {}, hb = {};
        hisi_peer_abort a = {};
        int r;

        /* A record's JSON never holds a NUL (the framing refuses it). */
        if (size > HISI_WIRE_JSON_MAX || memchr(data, 0, size))
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;

        r = hisi_peer_message_type(text, size, &type, &error);
        if (r < 0)
                check_refusal(r, error);
        else
                free(type);
        error = NULL;
        r = hisi_peer_hello_from_json(text, size, &h, &error);
        if (r < 0)
                check_refusal(r, error);
        else {
                check(h.min_version <= h.version && h.host);
                check(hisi_peer_hello_to_json(&h, &json) == 0);
                check(hisi_peer_hello_from_json(json, strlen(json), &hb, &error) == 0);
                check(hb.version == h.version && strcmp(hb.host, h.host) == 0);
                free(json);
                hisi_peer_hello_done(&h);
                hisi_peer_hello_done(&hb);
        }
        error = NULL;
        r = hisi_peer_abort_from_json(text, size, &a, &error);
        if (r < 0)
                check_refusal(r, error);
        else
                hisi_peer_abort_done(&a);
        fuzz_check(text, size);
        fuzz_reply(text, size);
        free(text);
        return 0;
}
