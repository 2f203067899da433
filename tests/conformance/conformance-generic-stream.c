/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stream checks of the generic half of the conformance suite (see conformance-generic.c):
 * saving (the reference stream, the access mode, EOF, -ESPIPE, -ENODEV once the session ended),
 * pre-copy (PRECOPY_INFO, the end of the initial data, the stream kept into STOP_COPY) and
 * resuming (the stream's rules and what the device refuses).
 */

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "conformance-generic-internal.h"
#include "macro.h"

/* --- Saving: STOP -> STOP_COPY, which also gives the reference stream --- */

void gx_check_save(run *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL, *name = NULL;
        _cleanup_free_ uint8_t *image = NULL;
        uint64_t initial;
        uint8_t byte;
        ssize_t k;
        int r;

        if (gx_back_to_running(&why, x) && cf_set_expect(&why, x->d, ST, false, NULL) &&
            cf_set_expect(&why, x->d, SC, true, &s))
                gx_expect_fd_mode(&why, x, s, O_RDONLY);
        gx_report(x,
                  gx_fd_mode_checked(x)
                          ? "STOP -> STOP_COPY opens a read-only, close-on-exec stream"
                          : "STOP -> STOP_COPY opens a close-on-exec stream",
                  &why);
        if (!s)
                return;

        gx_expect_data_size(&why, x);
        name = gx_data_size_name(x, " in STOP_COPY");
        gx_report(x, name ?: "GET MIG_DATA_SIZE in STOP_COPY", &why);

        k = hisi_migstream_pread(s, &byte, 1, 0);
        cf_expect(&why, "pread()", k, -ESPIPE);
        gx_report(x, "pread() on a stream refused with -ESPIPE", &why);

        k = hisi_migstream_write(s, &byte, 1);
        cf_expect(&why, "write()", k, -EBADF);
        gx_report(x, "write() on a saving stream refused with -EBADF", &why);

        /* Outside PRE_COPY -EINVAL; a driver without PRE_COPY has no ioctl on its data fds at
         * all (hisi before 6.2). */
        r = hisi_migstream_precopy_info(s, &initial, NULL, NULL);
        cf_expect(&why, "VFIO_MIG_GET_PRECOPY_INFO", r,
                  gx_has(x, HISI_MIG_FLAG_PRE_COPY) ? -EINVAL : -ENOTTY);
        gx_report(x,
                  gx_has(x, HISI_MIG_FLAG_PRE_COPY)
                          ? "PRECOPY_INFO in STOP_COPY refused with -EINVAL"
                          : "PRECOPY_INFO on a saving stream refused with -ENOTTY (no PRE_COPY)",
                  &why);

        image = malloc(x->t->data_size);
        if (!image)
                cf_whyf(&why, "out of memory");
        else
                gx_expect_stream_bytes(&why, x, s, x->t->data_size, image, 0);
        gx_report(x, "the STOP_COPY stream holds the full data size (read in 7-byte chunks)", &why);
        if (!why && image)
                x->image = TAKE_PTR(image);

        k = hisi_migstream_read(s, &byte, 1);
        if (cf_expect(&why, "read() at the end", k, 0)) {
                k = hisi_migstream_read(s, &byte, 1);
                cf_expect(&why, "read() again at the end", k, 0);
        }
        gx_report(x, "EOF of a STOP_COPY stream: read() returns 0, and again", &why);

        if (cf_set_expect(&why, x->d, ST, false, NULL))
                gx_expect_ended(&why, s, true);
        gx_report(x, "STOP_COPY -> STOP ends the session: read() gives -ENODEV", &why);
}

/* --- Pre-copy: PRECOPY_INFO, the end of the initial data, the stream kept into STOP_COPY --- */

static bool expect_precopy_info(char **why, hisi_migstream *s, uint64_t want_initial) {
        uint64_t initial = UINT64_MAX, dirty = UINT64_MAX;
        uint32_t flags = UINT32_MAX;
        int r;

        r = hisi_migstream_precopy_info(s, &initial, &dirty, &flags);
        return cf_expect(why, "VFIO_MIG_GET_PRECOPY_INFO", r, 0) &&
               cf_expect(why, "initial_bytes", (ssize_t)initial, (ssize_t)want_initial) &&
               cf_expect(why, "dirty_bytes", (ssize_t)dirty, 0) &&
               cf_expect(why, "flags (as the caller passed them)", flags, 0);
}

void gx_check_precopy(run *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL, *in = NULL;
        _cleanup_free_ char *why = NULL;
        _cleanup_free_ uint8_t *whole = NULL;
        const size_t head = x->t->header_size, first = MIN((size_t)5, head);
        ssize_t k;
        int r;

        if (!gx_has(x, HISI_MIG_FLAG_PRE_COPY))
                return;

        if (gx_back_to_running(&why, x) && cf_set_expect(&why, x->d, PC, true, &s))
                gx_expect_fd_mode(&why, x, s, O_RDONLY);
        gx_report(x,
                  gx_fd_mode_checked(x)
                          ? "RUNNING -> PRE_COPY opens a read-only, close-on-exec stream"
                          : "RUNNING -> PRE_COPY opens a close-on-exec stream",
                  &why);
        if (!s)
                return;

        expect_precopy_info(&why, s, head);
        gx_report(x, "PRECOPY_INFO at the start of PRE_COPY: initial_bytes is the header size",
                  &why);

        whole = calloc(1, x->t->data_size + 1);
        if (!whole) {
                cf_whyf(&why, "out of memory");
                gx_report(x, "PRE_COPY", &why);
                return;
        }
        k = hisi_migstream_read(s, whole, first);
        if (cf_expect(&why, "read()", k, (ssize_t)first))
                expect_precopy_info(&why, s, head - first);
        gx_report(x, "PRECOPY_INFO follows the reads", &why);

        gx_expect_stream_bytes(&why, x, s, head - first, whole + first, x->t->precopy_end);
        gx_report(x, "the PRE_COPY stream holds the header size", &why);

        k = hisi_migstream_read(s, whole + head, 1);
        cf_expect(&why, "read() at the end of the pre-copy data", k, x->t->precopy_end);
        gx_report(x, "end of the pre-copy data: read() gives the target's end result", &why);

        expect_precopy_info(&why, s, 0);
        gx_report(x, "PRECOPY_INFO at the end: initial_bytes 0", &why);

        if (cf_set_expect(&why, x->d, SC, false, NULL))
                cf_expect_state(&why, x->d, SC);
        gx_report(x, "PRE_COPY -> STOP_COPY keeps the pre-copy stream (no new fd)", &why);

        r = hisi_migstream_precopy_info(s, NULL, NULL, NULL);
        cf_expect(&why, "VFIO_MIG_GET_PRECOPY_INFO", r, -EINVAL);
        gx_report(x, "PRECOPY_INFO on the kept stream in STOP_COPY refused with -EINVAL", &why);

        gx_expect_stream_bytes(&why, x, s, x->t->data_size - head, whole + head, 0);
        gx_report(x, "the kept stream goes on with the rest of the data, then EOF", &why);

        /* Header and rest together are a whole stream: it must resume. */
        if (cf_set_expect(&why, x->d, ST, false, NULL) && gx_expect_ended(&why, s, true) &&
            cf_set_expect(&why, x->d, RE, true, &in)) {
                r = gx_write_all(in, whole, x->t->data_size, CHUNK);
                if (cf_expect(&why, "writing the pre-copy + stop-copy stream", r, 0) &&
                    cf_set_expect(&why, x->d, ST, false, NULL))
                        cf_expect_state(&why, x->d, ST);
        }
        gx_report(x, "a PRE_COPY + STOP_COPY stream resumes", &why);
        s = hisi_migstream_close(s);

        if (gx_back_to_running(&why, x) && cf_set_expect(&why, x->d, PC, true, &s) &&
            cf_set_expect(&why, x->d, RU, false, NULL))
                gx_expect_ended(&why, s, true);
        gx_report(x, "PRE_COPY -> RUNNING ends the session: read() gives -ENODEV", &why);
        s = hisi_migstream_close(s);

        if (!gx_has(x, HISI_MIG_FLAG_P2P))
                return;

        if (gx_back_to_running(&why, x) && cf_set_expect(&why, x->d, RP, false, NULL) &&
            cf_set_expect(&why, x->d, PP, true, &s))
                expect_precopy_info(&why, s, head);
        gx_report(x, "RUNNING_P2P -> PRE_COPY_P2P opens a stream with PRECOPY_INFO", &why);

        if (s && cf_set_expect(&why, x->d, PC, false, NULL) && expect_precopy_info(&why, s, head) &&
            cf_set_expect(&why, x->d, PP, false, NULL))
                expect_precopy_info(&why, s, head);
        gx_report(x, "PRE_COPY_P2P <-> PRE_COPY keep the stream", &why);

        if (s && cf_set_expect(&why, x->d, RP, false, NULL))
                gx_expect_ended(&why, s, true);
        gx_report(x, "PRE_COPY_P2P -> RUNNING_P2P ends the session: read() gives -ENODEV", &why);
}

/* --- Resuming: the stream's rules, and what the device refuses --- */

static bool resume_session(char **why, run *x, hisi_migstream **ret) {
        return gx_back_to_running(why, x) && cf_set_expect(why, x->d, ST, false, NULL) &&
               cf_set_expect(why, x->d, RE, true, ret);
}

void gx_check_resume(run *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL, *name = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        const size_t size = x->t->data_size, head = x->t->header_size;
        hisi_mig_path path = {};
        uint64_t initial;
        uint8_t byte = 0;
        ssize_t k;
        int r;

        if (resume_session(&why, x, &s))
                gx_expect_fd_mode(&why, x, s, O_WRONLY);
        gx_report(x,
                  gx_fd_mode_checked(x)
                          ? "STOP -> RESUMING opens a write-only, close-on-exec stream"
                          : "STOP -> RESUMING opens a close-on-exec stream",
                  &why);
        if (!s)
                return;

        k = hisi_migstream_read(s, &byte, 1);
        cf_expect(&why, "read()", k, -EBADF);
        gx_report(x, "read() on a resuming stream refused with -EBADF", &why);

        k = hisi_migstream_pwrite(s, &byte, 1, 0);
        cf_expect(&why, "pwrite()", k, -ESPIPE);
        gx_report(x, "pwrite() on a stream refused with -ESPIPE", &why);

        r = hisi_migstream_precopy_info(s, &initial, NULL, NULL);
        cf_expect(&why, "VFIO_MIG_GET_PRECOPY_INFO", r, -ENOTTY);
        gx_report(x, "PRECOPY_INFO on a resuming stream refused with -ENOTTY", &why);

        gx_expect_data_size(&why, x);
        name = gx_data_size_name(x, " in RESUMING");
        gx_report(x, name ?: "GET MIG_DATA_SIZE in RESUMING", &why);

        if (!x->image) {
                cf_whyf(&why, "no reference stream (see the save checks)");
                gx_report(x, "resume", &why);
                return;
        }
        buf = calloc(1, size + 1);
        if (!buf) {
                cf_whyf(&why, "out of memory");
                gx_report(x, "resume", &why);
                return;
        }

        memcpy(buf, x->image, size);
        k = hisi_migstream_write(s, buf, size + 1);
        cf_expect(&why, "write() of data size + 1 bytes", k, x->t->overflow_error);
        free(name);
        name = cf_namef("a write beyond the data size refused with %s",
                        cf_res(x->t->overflow_error).s);
        gx_report(x, name ?: "a write beyond the data size refused", &why);

        r = gx_write_all(s, x->image, size, CHUNK);
        if (cf_expect(&why, "writing the stream in 7-byte chunks", r, 0) &&
            cf_set_expect(&why, x->d, ST, false, NULL))
                cf_expect_state(&why, x->d, ST);
        gx_report(x, "a stream written in 7-byte chunks resumes at RESUMING -> STOP", &why);

        gx_expect_ended(&why, s, false);
        gx_report(x, "RESUMING -> STOP ends the session: write() gives -ENODEV", &why);
        s = hisi_migstream_close(s);

        if (cf_set_expect(&why, x->d, RU, false, NULL))
                cf_expect_state(&why, x->d, RU);
        gx_report(x, "STOP -> RUNNING after a resume", &why);

        /* A header the device cannot take: refused by write(), whatever it keeps. */
        if (x->t->header_check_elsewhere)
                conformance_note(x->c, "%s: a corrupted header: see the device's own checks",
                                 x->t->label);
        else if (resume_session(&why, x, &s)) {
                memcpy(buf, x->image, head);
                buf[x->t->corrupt_offset] ^= 0xff;
                k = hisi_migstream_write(s, buf, head);
                cf_expect(&why, "write() of the corrupted header", k, x->t->corrupt_header_error);
        }
        free(name);
        name = cf_namef("a corrupted header refused by write() with %s",
                        cf_res(x->t->corrupt_header_error).s);
        if (!x->t->header_check_elsewhere)
                gx_report(x, name ?: "a corrupted header refused", &why);
        s = hisi_migstream_close(s);

        /* One byte short: RESUMING -> STOP fails, and the device stays where it was. */
        if (resume_session(&why, x, &s)) {
                r = gx_write_all(s, x->image, size - 1, size);
                if (cf_expect(&why, "writing all but the last byte", r, 0)) {
                        r = hisi_migdev_set_state(x->d, ST, &path, NULL);
                        if (cf_expect(&why, "RESUMING -> STOP", r, x->t->short_stream_error) &&
                            cf_expect_state(&why, x->d, RE))
                                cf_expect(&why, "states walked", (ssize_t)path.n, 1);
                }
        }
        free(name);
        name = cf_namef("a short stream refused at RESUMING -> STOP with %s, still RESUMING",
                        cf_res(x->t->short_stream_error).s);
        gx_report(x, name ?: "a short stream refused", &why);

        if (s && !why) {
                k = hisi_migstream_write(s, x->image + size - 1, 1);
                if (cf_expect(&why, "write() of the last byte", k, 1) &&
                    cf_set_expect(&why, x->d, ST, false, NULL))
                        cf_expect_state(&why, x->d, ST);
        } else
                cf_whyf(&why, "skipped: the short stream check failed");
        gx_report(x, "the session survives: the last byte completes the resume", &why);
}
