/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The steps on a device that both halves of the conformance suite make (conformance-internal.h):
 * expecting a state, setting one through the planner or past it, closing and opening again,
 * going back to RUNNING. Each notes its first failure in a "why" string.
 */

#include "conformance-internal.h"
#include "macro.h"

bool cf_expect_state(char **why, hisi_migdev *d, hisi_mig_state want) {
        hisi_mig_state now;
        int r;

        r = hisi_migdev_get_state(d, &now);
        if (r < 0)
                return cf_whyf(why, "GET MIG_DEVICE_STATE: %s", cf_res(r).s);
        if (now != want)
                return cf_whyf(why, "the device is in %s, expected %s", cf_sname(now),
                               cf_sname(want));
        return true;
}

bool cf_set_expect(char **why, hisi_migdev *d, hisi_mig_state new, bool want_stream,
                   hisi_migstream **ret) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        int r;

        r = hisi_migdev_set_state(d, new, NULL, &s);
        if (r < 0)
                return cf_whyf(why, "set %s: %s", cf_sname(new), cf_res(r).s);
        if (want_stream != !!s)
                return cf_whyf(why, "set %s %s", cf_sname(new),
                               s ? "opened a session" : "opened no session");
        if (ret)
                *ret = TAKE_PTR(s);
        return true;
}

int cf_set_raw(hisi_migdev *d, uint32_t state, hisi_vfio_feature_mig_state *ret) {
        struct {
                hisi_vfio_feature_hdr hdr;
                hisi_vfio_feature_mig_state st;
        } buf = {
                .hdr = { .argsz = sizeof(buf),
                         .flags = HISI_VFIO_DEVICE_FEATURE_SET |
                                  HISI_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE },
                .st = { .device_state = state, .data_fd = -1 },
        };
        int r;

        r = hisi_migdev_feature(d, &buf, sizeof(buf));
        if (r >= 0 && buf.st.data_fd >= 0) /* a refused request that opened a session anyway */
                safe_close(buf.st.data_fd);
        if (ret)
                *ret = buf.st;
        return r;
}

bool cf_reach(char **why, hisi_migdev *d, hisi_mig_state state, hisi_migstream **ret) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        int r;

        if (state != HISI_MIG_STATE_RUNNING) {
                r = hisi_migdev_set_state(d, state, NULL, &s);
                if (r < 0)
                        return cf_whyf(why, "reaching %s: %s", cf_sname(state), cf_res(r).s);
        }
        *ret = TAKE_PTR(s);
        return true;
}

bool cf_reopen(char **why, hisi_ctx *ctx, hisi_backend backend, const char *device,
               hisi_migdev **d) {
        int r;

        *d = hisi_migdev_close(*d);
        r = hisi_migdev_open(ctx, backend, device, d);
        if (r < 0)
                return cf_whyf(why, "opening the device again: %s", cf_res(r).s);
        return true;
}

bool cf_back_to_running(char **why, hisi_ctx *ctx, hisi_backend backend, const char *device,
                        hisi_migdev **d, bool reset_restores) {
        int r;

        if (!*d)
                return cf_whyf(why, "the device is not open");
        if (reset_restores) {
                r = hisi_migdev_reset(*d);
                if (r < 0)
                        return cf_whyf(why, "VFIO_DEVICE_RESET: %s", cf_res(r).s);
        } else if (!cf_reopen(why, ctx, backend, device, d))
                return false;
        return cf_expect_state(why, *d, HISI_MIG_STATE_RUNNING);
}
