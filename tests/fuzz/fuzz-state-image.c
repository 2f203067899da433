/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the state image codec: arbitrary bytes go to both decoders. Every refusal must
 * be one of the documented errors, the two decoders must agree on the header, and whatever is
 * accepted must encode back to the very same bytes.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hisi/state-image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
        if (!ok)
                abort();
}

static bool is_refusal(int r) {
        return r == -ENODATA || r == -EFBIG || r == -EPROTO || r == -EPROTONOSUPPORT;
}

/* build(img) must give back the first n bytes of data exactly, and refuse a buffer one short. */
static void check_rebuild(const hisi_state_image *img, const uint8_t *data, size_t n) {
        uint8_t out[HISI_STATE_IMAGE_SIZE + 1];

        memset(out, 0xa5, sizeof(out));
        check(hisi_state_image_build(img, out, sizeof(out)) == (int)n);
        check(memcmp(out, data, n) == 0);
        check(out[n] == 0xa5); /* nothing written past the image */
        check(hisi_state_image_build(img, out, n - 1) == -ENOBUFS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        hisi_state_image img, hdr;
        int r_img, r_hdr;

        memset(&img, 0x5a, sizeof(img));
        r_img = hisi_state_image_parse(data, size, &img);
        r_hdr = hisi_state_match_parse(data, size, &hdr);

        if (r_img < 0) {
                check(is_refusal(r_img));
                if (size < HISI_STATE_MATCH_SIZE)
                        check(r_img == -ENODATA);
                else if (size > HISI_STATE_IMAGE_SIZE)
                        check(r_img == -EFBIG);
        } else {
                check(r_img == 0);
                check(size == HISI_STATE_MATCH_SIZE || size == HISI_STATE_IMAGE_SIZE);
                check(img.header_only == (size == HISI_STATE_MATCH_SIZE));
                check(hisi_state_magic_version(img.acc_magic) > 0);
                check_rebuild(&img, data, size);
        }

        if (r_hdr < 0) {
                check(is_refusal(r_hdr));
                check(r_hdr != -EFBIG);
                check(size >= HISI_STATE_MATCH_SIZE || r_hdr == -ENODATA);
        } else {
                check(r_hdr == 0);
                check(hdr.header_only);
                check_rebuild(&hdr, data, HISI_STATE_MATCH_SIZE);
        }

        /* At the two valid lengths both decoders apply the same header checks. */
        if (size == HISI_STATE_MATCH_SIZE || size == HISI_STATE_IMAGE_SIZE)
                check(r_img == r_hdr);
        /* The header fields of the full decode are the header decode's. */
        if (r_img == 0)
                check(img.acc_magic == hdr.acc_magic && img.qp_num == hdr.qp_num &&
                      img.dev_id == hdr.dev_id && img.que_iso_cfg == hdr.que_iso_cfg &&
                      img.qp_base == hdr.qp_base && img.vf_qm_state == hdr.vf_qm_state &&
                      img.major_ver == hdr.major_ver && img.minor_ver == hdr.minor_ver &&
                      img.qm_rsv_state[0] == hdr.qm_rsv_state[0] &&
                      img.qm_rsv_state[1] == hdr.qm_rsv_state[1]);
        return 0;
}
