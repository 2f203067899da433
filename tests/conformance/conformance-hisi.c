/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hisi half of the conformance suite (see conformance.h): what hisi_acc_vfio_pci does where
 * the uAPI leaves room, per kernel (facts page, section 3; the kernel's hisi_acc_vfio_pci.c).
 * This file holds the target, the steps the checks are made of and the order they run in; the
 * checks are in conformance-hisi-stream.c (the stream, the compatibility check, resume) and
 * conformance-hisi-device.c (features, failed arcs, BAR2). Expected values are literals from
 * the kernel source.
 *
 * The checks that need a device on which no header check has passed since the driver was bound
 * run first; the loads after which a simulated VF's guest is gone run last. A check that needs a
 * capability the target lacks (the guest driver, arc faults) is left out with a note.
 */

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conformance-hisi-internal.h"
#include "hisi/vf-regs.h"
#include "conformance-internal.h"
#include "conformance.h"
#include "macro.h"
#include "hisi/state-image.h"
#include "hisi/vfio-uapi.h"
#include "string-table.h"

#define GUEST_WAIT_USEC (UINT64_C(10) * 1000 * 1000)

static const char *const conformance_hisi_kernel_table[_CONFORMANCE_HISI_KERNEL_MAX] = {
        [CONFORMANCE_HISI_6_1] = "6.1",
        [CONFORMANCE_HISI_6_2] = "6.2",
        [CONFORMANCE_HISI_6_16] = "6.16",
        [CONFORMANCE_HISI_6_19] = "6.19",
};

DEFINE_STRING_TABLE_LOOKUP(conformance_hisi_kernel, conformance_hisi_kernel);

void hx_report(hrun *x, const char *name, char **why) {
        cf_report(x->c, x->t->label, name, why);
}

void hx_note(hrun *x, const char *what) {
        conformance_note(x->c, "%s: %s", x->t->label, what);
}

uint64_t hx_get_le(const uint8_t *p, unsigned width) {
        uint64_t v = 0;

        for (unsigned i = width; i > 0; i--)
                v = v << 8 | p[i - 1];
        return v;
}

void hx_put_le(uint8_t *p, unsigned width, uint64_t v) {
        for (unsigned i = 0; i < width; i++, v >>= 8)
                p[i] = (uint8_t)v;
}

int hx_read_reg(hisi_migdev *d, uint64_t offset, uint32_t *ret) {
        uint8_t b[4];
        ssize_t k;

        k = hisi_migdev_region_read(d, BAR2, offset, b, sizeof(b));
        if (k < 0)
                return (int)k;
        if (k != sizeof(b))
                return -EIO;
        *ret = (uint32_t)hx_get_le(b, 4);
        return 0;
}

bool conformance_hisi_reset_fix(conformance_hisi_kernel k) {
        return k >= CONFORMANCE_HISI_6_19;
}

int conformance_hisi_wait_guest(hisi_migdev *d, void *userdata) {
        return hisi_vf_wait_qm_ready(d, GUEST_WAIT_USEC);
}

int conformance_hisi_generic_target(const conformance_hisi_target *h, conformance_target *ret) {
        if (!h || !ret || !conformance_hisi_kernel_to_string(h->kernel))
                return -EINVAL;
        *ret = (conformance_target){
                .label = h->label,
                .backend = h->backend,
                .device = h->device,
                .flags = h->kernel >= CONFORMANCE_HISI_6_2
                                 ? HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_PRE_COPY
                                 : HISI_MIG_FLAG_STOP_COPY,
                .header_size = HEADER,
                .data_size = IMAGE,
                .corrupt_offset = OFF_MAGIC,
                .corrupt_header_error = -EFAULT,
                .short_stream_error = -EINVAL,
                .overflow_error = -ENOMEM,
                .precopy_end = 0,
                .unknown_feature_error = -ENOTTY,
                .data_size_error = h->kernel >= CONFORMANCE_HISI_6_2 ? 0 : -ENOTTY,
                .header_check_elsewhere = true,
                .after_reset = conformance_hisi_wait_guest,
                .reset_keeps_state = h->kernel >= CONFORMANCE_HISI_6_2 && !h->reset_fix,
                .open_sets_running = true,
                .close_keeps_sessions = h->kernel < CONFORMANCE_HISI_6_16,
        };
        return 0;
}

/* --- Small steps, each noting its first failure in why --- */

bool hx_reset_restores(hrun *x) {
        return !hx_precopy(x) || x->t->reset_fix;
}

/* The device closed and opened again: RUNNING on every kernel. */
bool hx_reopen(char **why, hrun *x) {
        return cf_reopen(why, x->ctx, x->t->backend, x->t->device, &x->d);
}

/* Back to RUNNING with no session: a reset where it does that (6.1, the reset fix), else
 * closing the device and opening it again. Either resets the function: the VF's registers are
 * gone until a guest driver sets them up. */
bool hx_back_to_running(char **why, hrun *x) {
        return cf_back_to_running(why, x->ctx, x->t->backend, x->t->device, &x->d,
                                  hx_reset_restores(x));
}

/* Back to RUNNING; and, unless the guest driver is unloaded, the VF set up again. */
bool hx_fresh(char **why, hrun *x) {
        int r;

        if (!hx_back_to_running(why, x))
                return false;
        if (x->no_guest)
                return true;
        r = conformance_hisi_wait_guest(x->d, NULL);
        if (r < 0)
                return cf_whyf(why, "waiting for the guest driver to set the VF up: %s",
                               cf_res(r).s);
        return true;
}

/* Read a saving stream to its end (read() 0): the byte count in *ret_n. */
bool hx_read_all(char **why, hisi_migstream *s, uint8_t *buf, size_t cap, size_t *ret_n) {
        size_t n = 0;

        for (;;) {
                uint8_t spill;
                ssize_t k = n < cap ? hisi_migstream_read(s, buf + n, cap - n)
                                    : hisi_migstream_read(s, &spill, 1);
                if (k < 0)
                        return cf_whyf(why, "read() after %zu bytes: %s", n, cf_res(k).s);
                if (k == 0)
                        break;
                if (n == cap)
                        return cf_whyf(why, "the stream holds more than %zu bytes", cap);
                n += (size_t)k;
        }
        *ret_n = n;
        return true;
}

/* Write n bytes in one write() and expect want back. */
bool hx_write_expect(char **why, hisi_migstream *s, const uint8_t *buf, size_t n, ssize_t want) {
        ssize_t k = hisi_migstream_write(s, buf, n);

        if (k == want)
                return true;
        return cf_whyf(why, "write() of %zu bytes: expected %s, got %s", n, cf_res(want).s,
                       cf_res(k).s);
}

/* From a fresh device, STOP -> RESUMING. */
bool hx_resume_session(char **why, hrun *x, hisi_migstream **ret) {
        return hx_fresh(why, x) && cf_set_expect(why, x->d, ST, false, NULL) &&
               cf_set_expect(why, x->d, RE, true, ret);
}

/* RESUMING -> STOP, expecting error (0 for success); on failure the device must stay in
 * RESUMING after walking nothing, as hisi keeps the last state that worked. */
bool hx_stop_expect(char **why, hrun *x, int error) {
        hisi_mig_path path = {};
        int r;

        r = hisi_migdev_set_state(x->d, ST, &path, NULL);
        if (!cf_expect(why, "RESUMING -> STOP", r, error))
                return false;
        if (error == 0)
                return cf_expect_state(why, x->d, ST);
        return cf_expect_state(why, x->d, RE) &&
               cf_expect(why, "states walked", (ssize_t)path.n, 1);
}

/* Resume buf (n bytes, in writes of chunk) and expect RESUMING -> STOP to give error. */
bool hx_resume_expect(char **why, hrun *x, const uint8_t *buf, size_t n, size_t chunk, int error) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;

        if (!hx_resume_session(why, x, &s))
                return false;
        for (size_t done = 0; done < n; done += MIN(chunk, n - done))
                if (!hx_write_expect(why, s, buf + done, MIN(chunk, n - done),
                                     (ssize_t)MIN(chunk, n - done)))
                        return false;
        return hx_stop_expect(why, x, error);
}

/* From a fresh device, reach state; RESUMING gets the reference stream written. */
bool hx_reach(char **why, hrun *x, hisi_mig_state state, hisi_migstream **ret) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;

        if (!hx_fresh(why, x) || !cf_reach(why, x->d, state, &s))
                return false;
        if (state == RE && !hx_write_expect(why, s, x->image, IMAGE, IMAGE))
                return false;
        if (ret)
                *ret = TAKE_PTR(s);
        return true;
}

/* The reference stream with a u32/u64 field changed. */
void hx_image_with(hrun *x, uint8_t out[IMAGE], unsigned offset, unsigned width, uint64_t v) {
        memcpy(out, x->image, IMAGE);
        hx_put_le(out + offset, width, v);
}

/* A failure of the first header check, with what may explain it on a device that was used. */
bool hx_refused(char **why, hisi_migstream *s, const uint8_t *buf, size_t n, ssize_t want) {
        ssize_t k = hisi_migstream_write(s, buf, n);

        if (k == want)
                return true;
        return cf_whyf(why, "write() of %zu bytes: expected %s, got %s%s", n, cf_res(want).s,
                       cf_res(k).s,
                       k == (ssize_t)n ? " (hisi checks a header only until one passes, while "
                                         "the driver is bound: rebind the VF)"
                                       : "");
}

int conformance_run_hisi(conformance *c, hisi_ctx *ctx, const conformance_hisi_target *t) {
        _cleanup_free_ char *why = NULL, *name = NULL;
        _cleanup_free_ hrun *x = NULL;
        int r;

        if (!c || !ctx || !t || !t->label || !t->device ||
            !conformance_hisi_kernel_to_string(t->kernel))
                return -EINVAL;
        x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        *x = (hrun){ .c = c, .t = t, .ctx = ctx };

        r = hisi_migdev_open(ctx, t->backend, t->device, &x->d);
        if (r < 0)
                cf_whyf(&why, "hisi_migdev_open(%s): %s", t->device, cf_res(r).s);
        name = cf_namef("open %s (hisi_acc_vfio_pci as in %s)", t->device,
                        conformance_hisi_kernel_to_string(t->kernel));
        hx_report(x, name ?: "open", &why);
        if (!x->d)
                return r;

        hx_check_numbers(x);
        hx_check_features(x);
        hx_check_save(x);
        if (!x->have_image) {
                hx_note(x, "no reference stream: the checks that resume one are left out");
                x->d = hisi_migdev_close(x->d);
                return 0;
        }
        hx_check_precopy(x);
        hx_check_not_ready(x);
        hx_check_no_guest(x);
        if (hx_precopy(x))
                hx_check_refusals_in_write(x);
        else
                hx_check_refusals_at_load(x);
        hx_check_resume(x);
        hx_check_match_done(x);
        if (x->d)
                hx_check_rebind(x);
        if (x->d) {
                hx_check_resume_limits(x);
                hx_check_faults(x);
                hx_check_function_reset(x);
                hx_check_bar2(x);
                hx_check_stateless_loads(x);
        }
        x->d = hisi_migdev_close(x->d);
        return 0;
}
