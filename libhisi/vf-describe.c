/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A VF's descriptor for the compatibility check, read without stopping it (see vf-describe.h). */

#include <errno.h>
#include <string.h>

#include "hisi/state-image.h"
#include "hisi/vf-describe.h"
#include "macro.h"

/* Read the match data from the PRE_COPY stream: the first 40 bytes the device offers. */
static int read_match(hisi_migstream *s, uint8_t buf[static HISI_STATE_MATCH_SIZE]) {
        size_t have = 0;

        while (have < HISI_STATE_MATCH_SIZE) {
                ssize_t n = hisi_migstream_read(s, buf + have, HISI_STATE_MATCH_SIZE - have);
                if (n == -EINTR)
                        continue;
                if (n < 0)
                        return (int)n;
                if (n == 0)
                        return -EBADMSG; /* the device offers less than a match header */
                have += (size_t)n;
        }
        return 0;
}

static int describe_precopy(hisi_migdev *d, hisi_vf_desc *desc) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        uint8_t buf[HISI_STATE_MATCH_SIZE];
        hisi_state_image img;
        int r, q;

        r = hisi_migdev_set_state(d, HISI_MIG_STATE_PRE_COPY, NULL, &s);
        if (r < 0)
                return r;
        r = read_match(s, buf);
        /* Back to RUNNING whatever the read gave: PRE_COPY -> RUNNING is one arc. */
        q = hisi_migdev_set_state(d, HISI_MIG_STATE_RUNNING, NULL, NULL);
        if (r < 0)
                return r;
        if (q < 0)
                return q;
        r = hisi_state_match_parse(buf, sizeof(buf), &img);
        if (r < 0)
                return -EBADMSG;
        r = hisi_state_magic_version(img.acc_magic);
        if (r < 0)
                return -EBADMSG;
        desc->qp_num = img.qp_num;
        desc->que_iso_cfg = img.que_iso_cfg;
        desc->stream.version = (uint8_t)r;
        if (r >= 2) {
                desc->stream.major = img.major_ver;
                desc->stream.minor = img.minor_ver;
        }
        return 0;
}

int hisi_vf_describe(hisi_migdev *d, hisi_kind kind, uint16_t device_id, hisi_vf_desc *ret) {
        hisi_vf_desc desc = { .kind = kind, .device_id = device_id, .stream.version = 1 };
        hisi_mig_state state;
        int r;

        if (!d || !ret || kind < 0 || kind >= _HISI_KIND_MAX)
                return -EINVAL;
        r = hisi_migdev_get_flags(d, &desc.mig_flags);
        if (r < 0)
                return r;
        r = hisi_migdev_get_state(d, &state);
        if (r < 0)
                return r;
        if (state != HISI_MIG_STATE_RUNNING)
                return -EBUSY;
        r = hisi_migdev_data_size(d, &desc.state_size);
        if (r == -ENOTTY)
                /* No MIG_DATA_SIZE before 6.2; the driver's state is struct acc_vf_data on every
                 * kernel. */
                desc.state_size = HISI_STATE_IMAGE_SIZE;
        else if (r < 0)
                return r;
        if (desc.mig_flags & HISI_MIG_FLAG_PRE_COPY) {
                r = describe_precopy(d, &desc);
                if (r < 0)
                        return r;
        } else
                desc.unknown |= HISI_COMPAT_UNKNOWN(HISI_COMPAT_QP_NUM) |
                                HISI_COMPAT_UNKNOWN(HISI_COMPAT_QUEUE_ISOLATION);
        *ret = desc;
        return 0;
}
