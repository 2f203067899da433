/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The generic half of the conformance suite (see conformance.h): the VFIO migration v2 uAPI as
 * include/uapi/linux/vfio.h and vfio_main.c define it, checked through the migdev API on any
 * device that implements it. Feature probing and the header errors of VFIO_DEVICE_FEATURE; every
 * (current, requested) pair the planner allows, with the data sessions each one opens, keeps or
 * ends; the stream rules (PRECOPY_INFO, EOF as read() 0, -ENODEV once a session ended, -ESPIPE
 * for positioned I/O, the access mode); resume and its refusals; reset; the blocked STOP_COPY ->
 * PRE_COPY arc, which the planner must refuse before anything reaches the device.
 *
 * Each check is one block that notes its first failure in a "why" string and reports once, so
 * that every check prints exactly one line. The device is reset before each check that needs a
 * known state, so one failure does not cascade into the next checks.
 *
 * This file holds the run and the steps the checks are made of; the checks are in
 * conformance-generic-device.c (features, the pairs, the blocked arc, reset, close) and
 * conformance-generic-stream.c (save, pre-copy, resume).
 */

#include <assert.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "conformance-generic-internal.h"
#include "macro.h"

/* Report one check: passed when nothing was noted in why. Frees why. */
void gx_report(run *x, const char *name, char **why) {
        cf_report(x->c, x->t->label, name, why);
}

/* A raw VFIO_DEVICE_FEATURE call: argsz and flags as given, then up to 16 bytes of payload,
 * copied back afterwards as the kernel leaves it. */
int gx_feature_raw(run *x, uint32_t argsz, uint32_t flags, void *payload, size_t size) {
        struct {
                hisi_vfio_feature_hdr hdr;
                uint64_t data[2];
        } buf = { .hdr = { .argsz = argsz, .flags = flags } };
        int r;

        assert(size <= sizeof(buf.data));
        if (payload)
                memcpy(buf.data, payload, size);
        r = hisi_migdev_feature(x->d, &buf, sizeof(buf));
        if (payload)
                memcpy(payload, buf.data, size);
        return r;
}

/* Read a saving stream until its end (read() 0, or end_error) in chunks: the byte count, or a
 * negative errno; more than cap bytes is -EFBIG. */
static ssize_t read_all(hisi_migstream *s, uint8_t *buf, size_t cap, size_t chunk, int end_error) {
        size_t total = 0;

        for (;;) {
                uint8_t spill;
                ssize_t k;

                if (total == cap)
                        k = hisi_migstream_read(s, &spill, 1);
                else
                        k = hisi_migstream_read(s, buf + total, MIN(chunk, cap - total));
                if (k == 0 || (k < 0 && k == end_error))
                        return (ssize_t)total;
                if (k < 0)
                        return k;
                if (total == cap)
                        return -EFBIG;
                total += (size_t)k;
        }
}

/* Read a saving stream to its end and expect want bytes. buf (may be NULL) gets them. */
bool gx_expect_stream_bytes(char **why, run *x, hisi_migstream *s, size_t want, uint8_t *buf,
                            int end_error) {
        _cleanup_free_ uint8_t *scratch = NULL;
        size_t cap = x->t->data_size + 64;
        ssize_t n;

        if (!buf) {
                buf = scratch = malloc(cap);
                if (!buf)
                        return cf_whyf(why, "out of memory");
        } else
                cap = want;
        n = read_all(s, buf, cap, CHUNK, end_error);
        if (n == -EFBIG)
                return cf_whyf(why, "the stream holds more than the %zu bytes expected", want);
        return cf_expect(why, "bytes read to the end of the stream", n, (ssize_t)want);
}

/* Write all of buf, in chunks; 0 or the first error. */
int gx_write_all(hisi_migstream *s, const uint8_t *buf, size_t n, size_t chunk) {
        while (n > 0) {
                ssize_t k = hisi_migstream_write(s, buf, MIN(chunk, n));
                if (k < 0)
                        return (int)k;
                if (k == 0)
                        return -EIO;
                buf += k;
                n -= (size_t)k;
        }
        return 0;
}

/* A session that ended refuses every call with -ENODEV. */
bool gx_expect_ended(char **why, hisi_migstream *s, bool saving) {
        uint8_t byte = 0;
        ssize_t k;

        k = saving ? hisi_migstream_read(s, &byte, 1) : hisi_migstream_write(s, &byte, 1);
        return cf_expect(why,
                         saving ? "read() on the ended session" : "write() on the ended session", k,
                         -ENODEV);
}

/* The fd of a stream: close-on-exec, opened only for reading (saving) or writing (resuming).
 * The sim backend's data fds are sockets, open for both whatever the session: there the access
 * mode shows only in read() or write() refusing with -EBADF, which later checks look at. */
bool gx_fd_mode_checked(run *x) {
        return x->t->backend != HISI_BACKEND_SIM;
}

bool gx_expect_fd_mode(char **why, run *x, hisi_migstream *s, int accmode) {
        int fd = hisi_migstream_fd(s), fdflags, flflags;

        fdflags = fcntl(fd, F_GETFD);
        flflags = fcntl(fd, F_GETFL);
        if (fdflags < 0 || flflags < 0)
                return cf_whyf(why, "fcntl on the stream fd: %s", cf_res(-errno).s);
        if (!(fdflags & FD_CLOEXEC))
                return cf_whyf(why, "the stream fd is not close-on-exec");
        if (!gx_fd_mode_checked(x))
                return true;
        if ((flflags & O_ACCMODE) != accmode)
                return cf_whyf(why, "the stream fd is %s, expected %s",
                               (flflags & O_ACCMODE) == O_RDONLY   ? "O_RDONLY"
                               : (flflags & O_ACCMODE) == O_WRONLY ? "O_WRONLY"
                                                                   : "O_RDWR",
                               accmode == O_RDONLY ? "O_RDONLY" : "O_WRONLY");
        return true;
}

/* Back to RUNNING with no session, the device ready to save its full state again:
 * VFIO_DEVICE_RESET, or where the reset keeps the state (hisi 6.2+ without the reset fix),
 * closing the device and opening it again. */
bool gx_back_to_running(char **why, run *x) {
        int r;

        if (!cf_back_to_running(why, x->ctx, x->t->backend, x->t->device, &x->d,
                                !x->t->reset_keeps_state))
                return false;
        if (x->t->after_reset) {
                r = x->t->after_reset(x->d, x->t->userdata);
                if (r < 0)
                        return cf_whyf(why, "after the reset: %s", cf_res(r).s);
        }
        return true;
}

/* GET MIG_DATA_SIZE: the full data size, or the target's error where the device lacks it. */
bool gx_expect_data_size(char **why, run *x) {
        uint64_t size = 0;
        int r;

        r = hisi_migdev_data_size(x->d, &size);
        if (x->t->data_size_error < 0)
                return cf_expect(why, "GET MIG_DATA_SIZE", r, x->t->data_size_error);
        return cf_expect(why, "GET MIG_DATA_SIZE", r, 0) &&
               cf_expect(why, "stop_copy_length", (ssize_t)size, (ssize_t)x->t->data_size);
}

char *gx_data_size_name(run *x, const char *where) {
        if (x->t->data_size_error < 0)
                return cf_namef("GET MIG_DATA_SIZE%s refused with %s (no such feature)", where,
                                cf_res(x->t->data_size_error).s);
        return cf_namef("GET MIG_DATA_SIZE%s: the full data size", where);
}

/*
 * From a reset device, reach state the way a user would; a RESUMING session gets the whole
 * reference stream written. ret gets the session opened on the way, or NULL.
 */
bool gx_reach(char **why, run *x, hisi_mig_state state, hisi_migstream **ret) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        int r;

        if (!gx_back_to_running(why, x) || !cf_reach(why, x->d, state, &s))
                return false;
        if (state == RE) {
                if (!x->image)
                        return cf_whyf(why, "no reference stream to resume (see the save checks)");
                r = gx_write_all(s, x->image, x->t->data_size, x->t->data_size);
                if (r < 0)
                        return cf_whyf(why, "writing the reference stream in RESUMING: %s",
                                       cf_res(r).s);
        }
        *ret = TAKE_PTR(s);
        return true;
}

bool gx_has(run *x, uint64_t flag) {
        return (x->t->flags & flag) == flag;
}

int conformance_run_generic(conformance *c, hisi_ctx *ctx, const conformance_target *t) {
        _cleanup_free_ char *why = NULL, *name = NULL;
        run x = { .c = c, .t = t, .ctx = ctx };
        hisi_mig_state state;
        const char *kind;
        int r;

        if (!c || !ctx || !t || !t->label || !t->device || t->header_size == 0 ||
            t->header_size >= t->data_size || t->corrupt_offset >= t->header_size)
                return -EINVAL;

        r = hisi_migdev_open(ctx, t->backend, t->device, &x.d);
        if (r < 0)
                cf_whyf(&why, "hisi_migdev_open(%s): %s", t->device, cf_res(r).s);
        else {
                kind = hisi_migdev_path_kind(x.d);
                if (t->path_kind && !streq(kind, t->path_kind))
                        cf_whyf(&why, "opened through %s, expected %s", kind, t->path_kind);
        }
        name = cf_namef("open %s through %s", t->device, t->path_kind ?: "any path");
        gx_report(&x, name ?: "open", &why);
        if (!x.d)
                return r;

        /* Some devices keep their migration state across close and open (mtty does): reset. */
        if (hisi_migdev_get_state(x.d, &state) >= 0)
                conformance_note(c, "%s: the device is in %s after opening", t->label,
                                 cf_sname(state));
        gx_back_to_running(&why, &x);
        gx_report(&x,
                  t->reset_keeps_state ? "closed and opened again: RUNNING" : "reset to RUNNING",
                  &why);

        gx_check_features(&x);
        gx_check_save(&x);
        gx_check_precopy(&x);
        gx_check_resume(&x);
        gx_check_pairs(&x);
        if (gx_has(&x, HISI_MIG_FLAG_PRE_COPY))
                gx_check_blocked(&x, PC);
        if (gx_has(&x, HISI_MIG_FLAG_PRE_COPY | HISI_MIG_FLAG_P2P))
                gx_check_blocked(&x, PP);
        gx_check_reset(&x);
        gx_check_adopt(&x);
        if (x.d)
                gx_check_close(&x);

        hisi_migdev_close(x.d);
        free(x.image);
        return 0;
}
