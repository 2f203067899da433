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
 */

#include <assert.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "conformance-internal.h"
#include "conformance.h"
#include "macro.h"
#include "hisi/mig-state.h"
#include "hisi/vfio-uapi.h"

#define ST HISI_MIG_STATE_STOP
#define RU HISI_MIG_STATE_RUNNING
#define SC HISI_MIG_STATE_STOP_COPY
#define RE HISI_MIG_STATE_RESUMING
#define RP HISI_MIG_STATE_RUNNING_P2P
#define PC HISI_MIG_STATE_PRE_COPY
#define PP HISI_MIG_STATE_PRE_COPY_P2P

/* Reads and writes in this many bytes at a time, to prove that the stream does not care how
 * userspace cuts it: not a divisor of any header or data size. */
#define CHUNK 7

/* One run of the suite: the target, the open device and the reference stream. */
typedef struct run {
        conformance *c;
        const conformance_target *t;
        hisi_ctx *ctx;
        hisi_migdev *d;
        uint8_t *image; /* a whole STOP_COPY stream of data_size bytes, once one was read */
} run;

/* Report one check: passed when nothing was noted in why. Frees why. */
static void report(run *x, const char *name, char **why) {
        cf_report(x->c, x->t->label, name, why);
}

/* A raw VFIO_DEVICE_FEATURE call: argsz and flags as given, then up to 16 bytes of payload,
 * copied back afterwards as the kernel leaves it. */
static int feature_raw(run *x, uint32_t argsz, uint32_t flags, void *payload, size_t size) {
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

#define HDR_SIZE ((uint32_t)sizeof(hisi_vfio_feature_hdr))

/* SET MIG_DEVICE_STATE past the planner. The kernel copies the payload back even on error. */
static int set_state_raw(run *x, uint32_t state, hisi_vfio_feature_mig_state *ret) {
        hisi_vfio_feature_mig_state st = { .device_state = state, .data_fd = -1 };
        int r;

        r = feature_raw(x, HDR_SIZE + sizeof(st),
                        HISI_VFIO_DEVICE_FEATURE_SET | HISI_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
                        &st, sizeof(st));
        if (r >= 0 && st.data_fd >= 0) /* a blocked request that opened a session anyway */
                safe_close(st.data_fd);
        if (ret)
                *ret = st;
        return r;
}

static bool expect_state(char **why, run *x, hisi_mig_state want) {
        hisi_mig_state now;
        int r;

        r = hisi_migdev_get_state(x->d, &now);
        if (r < 0)
                return cf_whyf(why, "GET MIG_DEVICE_STATE: %s", cf_res(r).s);
        if (now != want)
                return cf_whyf(why, "the device is in %s, expected %s", cf_sname(now),
                               cf_sname(want));
        return true;
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
static bool expect_stream_bytes(char **why, run *x, hisi_migstream *s, size_t want, uint8_t *buf,
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
static int write_all(hisi_migstream *s, const uint8_t *buf, size_t n, size_t chunk) {
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
static bool expect_ended(char **why, hisi_migstream *s, bool saving) {
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
static bool fd_mode_checked(run *x) {
        return x->t->backend != HISI_BACKEND_SIM;
}

static bool expect_fd_mode(char **why, run *x, hisi_migstream *s, int accmode) {
        int fd = hisi_migstream_fd(s), fdflags, flflags;

        fdflags = fcntl(fd, F_GETFD);
        flflags = fcntl(fd, F_GETFL);
        if (fdflags < 0 || flflags < 0)
                return cf_whyf(why, "fcntl on the stream fd: %s", cf_res(-errno).s);
        if (!(fdflags & FD_CLOEXEC))
                return cf_whyf(why, "the stream fd is not close-on-exec");
        if (!fd_mode_checked(x))
                return true;
        if ((flflags & O_ACCMODE) != accmode)
                return cf_whyf(why, "the stream fd is %s, expected %s",
                               (flflags & O_ACCMODE) == O_RDONLY   ? "O_RDONLY"
                               : (flflags & O_ACCMODE) == O_WRONLY ? "O_WRONLY"
                                                                   : "O_RDWR",
                               accmode == O_RDONLY ? "O_RDONLY" : "O_WRONLY");
        return true;
}

/* Set a state through the planner and expect a new session (or none). */
static bool set_expect(char **why, run *x, hisi_mig_state new, bool want_stream,
                       hisi_migstream **ret) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        int r;

        r = hisi_migdev_set_state(x->d, new, NULL, &s);
        if (r < 0)
                return cf_whyf(why, "set %s: %s", cf_sname(new), cf_res(r).s);
        if (want_stream && !s)
                return cf_whyf(why, "set %s opened no session", cf_sname(new));
        if (!want_stream && s)
                return cf_whyf(why, "set %s opened a session", cf_sname(new));
        if (ret)
                *ret = TAKE_PTR(s);
        return true;
}

/* The device closed and opened again. */
static bool reopen(char **why, run *x) {
        int r;

        x->d = hisi_migdev_close(x->d);
        r = hisi_migdev_open(x->ctx, x->t->backend, x->t->device, &x->d);
        if (r < 0)
                return cf_whyf(why, "opening the device again: %s", cf_res(r).s);
        return true;
}

/* Back to RUNNING with no session, the device ready to save its full state again:
 * VFIO_DEVICE_RESET, or where the reset keeps the state (hisi 6.2+ without the reset fix),
 * closing the device and opening it again. */
static bool back_to_running(char **why, run *x) {
        int r;

        if (!x->d)
                return cf_whyf(why, "the device is not open");
        if (x->t->reset_keeps_state) {
                if (!reopen(why, x))
                        return false;
        } else {
                r = hisi_migdev_reset(x->d);
                if (r < 0)
                        return cf_whyf(why, "VFIO_DEVICE_RESET: %s", cf_res(r).s);
        }
        if (!expect_state(why, x, RU))
                return false;
        if (x->t->after_reset) {
                r = x->t->after_reset(x->d, x->t->userdata);
                if (r < 0)
                        return cf_whyf(why, "after the reset: %s", cf_res(r).s);
        }
        return true;
}

/* GET MIG_DATA_SIZE: the full data size, or the target's error where the device lacks it. */
static bool expect_data_size(char **why, run *x) {
        uint64_t size = 0;
        int r;

        r = hisi_migdev_data_size(x->d, &size);
        if (x->t->data_size_error < 0)
                return cf_expect(why, "GET MIG_DATA_SIZE", r, x->t->data_size_error);
        return cf_expect(why, "GET MIG_DATA_SIZE", r, 0) &&
               cf_expect(why, "stop_copy_length", (ssize_t)size, (ssize_t)x->t->data_size);
}

static char *data_size_name(run *x, const char *where) {
        if (x->t->data_size_error < 0)
                return cf_namef("GET MIG_DATA_SIZE%s refused with %s (no such feature)", where,
                                cf_res(x->t->data_size_error).s);
        return cf_namef("GET MIG_DATA_SIZE%s: the full data size", where);
}

/*
 * From a reset device, reach state the way a user would; a RESUMING session gets the whole
 * reference stream written. ret gets the session opened on the way, or NULL.
 */
static bool reach(char **why, run *x, hisi_mig_state state, hisi_migstream **ret) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        int r;

        if (!back_to_running(why, x))
                return false;
        if (state != RU) {
                r = hisi_migdev_set_state(x->d, state, NULL, &s);
                if (r < 0)
                        return cf_whyf(why, "reaching %s: %s", cf_sname(state), cf_res(r).s);
        }
        if (state == RE) {
                if (!x->image)
                        return cf_whyf(why, "no reference stream to resume (see the save checks)");
                r = write_all(s, x->image, x->t->data_size, x->t->data_size);
                if (r < 0)
                        return cf_whyf(why, "writing the reference stream in RESUMING: %s",
                                       cf_res(r).s);
        }
        *ret = TAKE_PTR(s);
        return true;
}

static bool has(run *x, uint64_t flag) {
        return (x->t->flags & flag) == flag;
}

/* --- VFIO_DEVICE_FEATURE: probing and the header checks of the core --- */

enum {
        WANT_UNKNOWN_FEATURE = 1,
};

static const struct {
        const char *name;
        uint32_t argsz;
        uint32_t flags;
        int want;       /* 0, a negative errno, or WANT_UNKNOWN_FEATURE */
        bool data_size; /* a MIG_DATA_SIZE case: the target's data_size_error, if any, instead */
} header_cases[] = {
#define F(x) HISI_VFIO_DEVICE_FEATURE_##x
        { "PROBE GET MIGRATION", 8, F(PROBE) | F(GET) | F(MIGRATION), 0 },
        { "PROBE SET MIGRATION refused (GET only)", 8, F(PROBE) | F(SET) | F(MIGRATION), -EINVAL },
        { "PROBE GET|SET MIG_DEVICE_STATE", 8, F(PROBE) | F(GET) | F(SET) | F(MIG_DEVICE_STATE),
          0 },
        { "PROBE GET MIG_DATA_SIZE", 8, F(PROBE) | F(GET) | F(MIG_DATA_SIZE), 0, true },
        { "PROBE SET MIG_DATA_SIZE refused (GET only)", 8, F(PROBE) | F(SET) | F(MIG_DATA_SIZE),
          -EINVAL, true },
        { "argsz below the 8-byte header refused", 4, F(GET) | F(MIGRATION), -EINVAL },
        { "an unknown flag bit refused", 16, (1u << 19) | F(GET) | F(MIGRATION), -EINVAL },
        { "GET|SET without PROBE refused", 16, F(GET) | F(SET) | F(MIG_DEVICE_STATE), -EINVAL },
        { "neither GET nor SET refused", 16, F(MIGRATION), -EINVAL },
        { "a short MIGRATION payload refused", 12, F(GET) | F(MIGRATION), -EINVAL },
        { "a short MIG_DEVICE_STATE payload refused", 12, F(GET) | F(MIG_DEVICE_STATE), -EINVAL },
        { "a short MIG_DATA_SIZE payload refused", 12, F(GET) | F(MIG_DATA_SIZE), -EINVAL, true },
        { "an unknown feature", 16, F(GET) | 0xfff, WANT_UNKNOWN_FEATURE },
#undef F
};

static void check_features(run *x) {
        _cleanup_free_ char *why = NULL, *got_s = NULL, *want_s = NULL, *name = NULL;
        hisi_vfio_feature_mig_state st;
        uint64_t flags = 0;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(header_cases); i++) {
                _cleanup_free_ char *case_name = NULL;
                int want = header_cases[i].want == WANT_UNKNOWN_FEATURE
                                   ? x->t->unknown_feature_error
                                   : header_cases[i].want;

                if (header_cases[i].data_size && x->t->data_size_error < 0) {
                        want = x->t->data_size_error;
                        case_name = cf_namef("%s: %s (no such feature)", header_cases[i].name,
                                             cf_res(want).s);
                }
                r = feature_raw(x, header_cases[i].argsz, header_cases[i].flags, NULL, 0);
                cf_expect(&why, "VFIO_DEVICE_FEATURE", r, want);
                report(x, case_name ?: header_cases[i].name, &why);
        }

        r = hisi_migdev_get_flags(x->d, &flags);
        if (r < 0)
                cf_whyf(&why, "GET MIGRATION: %s", cf_res(r).s);
        else if (flags != x->t->flags) {
                (void)hisi_mig_flags_to_string(flags, &got_s);
                (void)hisi_mig_flags_to_string(x->t->flags, &want_s);
                cf_whyf(&why, "flags %s, expected %s", got_s ?: "?", want_s ?: "?");
        }
        report(x, "GET MIGRATION: the expected flags", &why);

        expect_data_size(&why, x);
        name = data_size_name(x, "");
        report(x, name ?: "GET MIG_DATA_SIZE", &why);

        /* GET returns the state with data_fd = -1, whatever the caller put there. */
        st = (hisi_vfio_feature_mig_state){ .device_state = ST, .data_fd = 0x7ff };
        r = feature_raw(x, HDR_SIZE + sizeof(st),
                        HISI_VFIO_DEVICE_FEATURE_GET | HISI_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
                        &st, sizeof(st));
        if (cf_expect(&why, "GET MIG_DEVICE_STATE", r, 0) &&
            cf_expect(&why, "device_state", st.device_state, RU))
                cf_expect(&why, "data_fd", st.data_fd, -1);
        report(x, "GET MIG_DEVICE_STATE: RUNNING, data_fd -1", &why);

        /* ERROR is never requestable; the payload comes back with data_fd -1 even then. */
        r = set_state_raw(x, HISI_MIG_STATE_ERROR, &st);
        if (cf_expect(&why, "SET ERROR", r, -EINVAL) && cf_expect(&why, "data_fd", st.data_fd, -1))
                expect_state(&why, x, RU);
        report(x, "SET ERROR refused by the device", &why);

        r = set_state_raw(x, _HISI_MIG_STATE_MAX, NULL);
        if (cf_expect(&why, "SET state 8", r, -EINVAL))
                expect_state(&why, x, RU);
        report(x, "SET of an unknown state (8) refused by the device", &why);

        r = hisi_migdev_set_state(x->d, HISI_MIG_STATE_ERROR, NULL, NULL);
        cf_expect(&why, "hisi_migdev_set_state(ERROR)", r, -EINVAL);
        report(x, "the planner refuses ERROR", &why);

        /* Optional states the device lacks are refused like ERROR. */
        for (hisi_mig_state s = ST; s < _HISI_MIG_STATE_MAX; s++) {
                _cleanup_free_ char *state_name = NULL;

                if (hisi_mig_state_supported(s, x->t->flags))
                        continue;
                state_name = cf_namef("SET %s refused (not in the flags)", cf_sname(s));
                r = set_state_raw(x, s, NULL);
                if (cf_expect(&why, "SET", r, -EINVAL))
                        expect_state(&why, x, RU);
                report(x, state_name ?: "SET of an unsupported state refused", &why);
        }
}

/* --- Saving: STOP -> STOP_COPY, which also gives the reference stream --- */

static void check_save(run *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL, *name = NULL;
        _cleanup_free_ uint8_t *image = NULL;
        uint64_t initial;
        uint8_t byte;
        ssize_t k;
        int r;

        if (back_to_running(&why, x) && set_expect(&why, x, ST, false, NULL) &&
            set_expect(&why, x, SC, true, &s))
                expect_fd_mode(&why, x, s, O_RDONLY);
        report(x,
               fd_mode_checked(x) ? "STOP -> STOP_COPY opens a read-only, close-on-exec stream"
                                  : "STOP -> STOP_COPY opens a close-on-exec stream",
               &why);
        if (!s)
                return;

        expect_data_size(&why, x);
        name = data_size_name(x, " in STOP_COPY");
        report(x, name ?: "GET MIG_DATA_SIZE in STOP_COPY", &why);

        k = hisi_migstream_pread(s, &byte, 1, 0);
        cf_expect(&why, "pread()", k, -ESPIPE);
        report(x, "pread() on a stream refused with -ESPIPE", &why);

        k = hisi_migstream_write(s, &byte, 1);
        cf_expect(&why, "write()", k, -EBADF);
        report(x, "write() on a saving stream refused with -EBADF", &why);

        /* Outside PRE_COPY -EINVAL; a driver without PRE_COPY has no ioctl on its data fds at
         * all (hisi before 6.2). */
        r = hisi_migstream_precopy_info(s, &initial, NULL, NULL);
        cf_expect(&why, "VFIO_MIG_GET_PRECOPY_INFO", r,
                  has(x, HISI_MIG_FLAG_PRE_COPY) ? -EINVAL : -ENOTTY);
        report(x,
               has(x, HISI_MIG_FLAG_PRE_COPY)
                       ? "PRECOPY_INFO in STOP_COPY refused with -EINVAL"
                       : "PRECOPY_INFO on a saving stream refused with -ENOTTY (no PRE_COPY)",
               &why);

        image = malloc(x->t->data_size);
        if (!image)
                cf_whyf(&why, "out of memory");
        else
                expect_stream_bytes(&why, x, s, x->t->data_size, image, 0);
        report(x, "the STOP_COPY stream holds the full data size (read in 7-byte chunks)", &why);
        if (!why && image)
                x->image = TAKE_PTR(image);

        k = hisi_migstream_read(s, &byte, 1);
        if (cf_expect(&why, "read() at the end", k, 0)) {
                k = hisi_migstream_read(s, &byte, 1);
                cf_expect(&why, "read() again at the end", k, 0);
        }
        report(x, "EOF of a STOP_COPY stream: read() returns 0, and again", &why);

        if (set_expect(&why, x, ST, false, NULL))
                expect_ended(&why, s, true);
        report(x, "STOP_COPY -> STOP ends the session: read() gives -ENODEV", &why);
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

static void check_precopy(run *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL, *in = NULL;
        _cleanup_free_ char *why = NULL;
        _cleanup_free_ uint8_t *whole = NULL;
        const size_t head = x->t->header_size, first = MIN((size_t)5, head);
        ssize_t k;
        int r;

        if (!has(x, HISI_MIG_FLAG_PRE_COPY))
                return;

        if (back_to_running(&why, x) && set_expect(&why, x, PC, true, &s))
                expect_fd_mode(&why, x, s, O_RDONLY);
        report(x,
               fd_mode_checked(x) ? "RUNNING -> PRE_COPY opens a read-only, close-on-exec stream"
                                  : "RUNNING -> PRE_COPY opens a close-on-exec stream",
               &why);
        if (!s)
                return;

        expect_precopy_info(&why, s, head);
        report(x, "PRECOPY_INFO at the start of PRE_COPY: initial_bytes is the header size", &why);

        whole = calloc(1, x->t->data_size + 1);
        if (!whole) {
                cf_whyf(&why, "out of memory");
                report(x, "PRE_COPY", &why);
                return;
        }
        k = hisi_migstream_read(s, whole, first);
        if (cf_expect(&why, "read()", k, (ssize_t)first))
                expect_precopy_info(&why, s, head - first);
        report(x, "PRECOPY_INFO follows the reads", &why);

        expect_stream_bytes(&why, x, s, head - first, whole + first, x->t->precopy_end);
        report(x, "the PRE_COPY stream holds the header size", &why);

        k = hisi_migstream_read(s, whole + head, 1);
        cf_expect(&why, "read() at the end of the pre-copy data", k, x->t->precopy_end);
        report(x, "end of the pre-copy data: read() gives the target's end result", &why);

        expect_precopy_info(&why, s, 0);
        report(x, "PRECOPY_INFO at the end: initial_bytes 0", &why);

        if (set_expect(&why, x, SC, false, NULL))
                expect_state(&why, x, SC);
        report(x, "PRE_COPY -> STOP_COPY keeps the pre-copy stream (no new fd)", &why);

        r = hisi_migstream_precopy_info(s, NULL, NULL, NULL);
        cf_expect(&why, "VFIO_MIG_GET_PRECOPY_INFO", r, -EINVAL);
        report(x, "PRECOPY_INFO on the kept stream in STOP_COPY refused with -EINVAL", &why);

        expect_stream_bytes(&why, x, s, x->t->data_size - head, whole + head, 0);
        report(x, "the kept stream goes on with the rest of the data, then EOF", &why);

        /* Header and rest together are a whole stream: it must resume. */
        if (set_expect(&why, x, ST, false, NULL) && expect_ended(&why, s, true) &&
            set_expect(&why, x, RE, true, &in)) {
                r = write_all(in, whole, x->t->data_size, CHUNK);
                if (cf_expect(&why, "writing the pre-copy + stop-copy stream", r, 0) &&
                    set_expect(&why, x, ST, false, NULL))
                        expect_state(&why, x, ST);
        }
        report(x, "a PRE_COPY + STOP_COPY stream resumes", &why);
        s = hisi_migstream_close(s);

        if (back_to_running(&why, x) && set_expect(&why, x, PC, true, &s) &&
            set_expect(&why, x, RU, false, NULL))
                expect_ended(&why, s, true);
        report(x, "PRE_COPY -> RUNNING ends the session: read() gives -ENODEV", &why);
        s = hisi_migstream_close(s);

        if (!has(x, HISI_MIG_FLAG_P2P))
                return;

        if (back_to_running(&why, x) && set_expect(&why, x, RP, false, NULL) &&
            set_expect(&why, x, PP, true, &s))
                expect_precopy_info(&why, s, head);
        report(x, "RUNNING_P2P -> PRE_COPY_P2P opens a stream with PRECOPY_INFO", &why);

        if (s && set_expect(&why, x, PC, false, NULL) && expect_precopy_info(&why, s, head) &&
            set_expect(&why, x, PP, false, NULL))
                expect_precopy_info(&why, s, head);
        report(x, "PRE_COPY_P2P <-> PRE_COPY keep the stream", &why);

        if (s && set_expect(&why, x, RP, false, NULL))
                expect_ended(&why, s, true);
        report(x, "PRE_COPY_P2P -> RUNNING_P2P ends the session: read() gives -ENODEV", &why);
}

/* --- Resuming: the stream's rules, and what the device refuses --- */

static bool resume_session(char **why, run *x, hisi_migstream **ret) {
        return back_to_running(why, x) && set_expect(why, x, ST, false, NULL) &&
               set_expect(why, x, RE, true, ret);
}

static void check_resume(run *x) {
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
                expect_fd_mode(&why, x, s, O_WRONLY);
        report(x,
               fd_mode_checked(x) ? "STOP -> RESUMING opens a write-only, close-on-exec stream"
                                  : "STOP -> RESUMING opens a close-on-exec stream",
               &why);
        if (!s)
                return;

        k = hisi_migstream_read(s, &byte, 1);
        cf_expect(&why, "read()", k, -EBADF);
        report(x, "read() on a resuming stream refused with -EBADF", &why);

        k = hisi_migstream_pwrite(s, &byte, 1, 0);
        cf_expect(&why, "pwrite()", k, -ESPIPE);
        report(x, "pwrite() on a stream refused with -ESPIPE", &why);

        r = hisi_migstream_precopy_info(s, &initial, NULL, NULL);
        cf_expect(&why, "VFIO_MIG_GET_PRECOPY_INFO", r, -ENOTTY);
        report(x, "PRECOPY_INFO on a resuming stream refused with -ENOTTY", &why);

        expect_data_size(&why, x);
        name = data_size_name(x, " in RESUMING");
        report(x, name ?: "GET MIG_DATA_SIZE in RESUMING", &why);

        if (!x->image) {
                cf_whyf(&why, "no reference stream (see the save checks)");
                report(x, "resume", &why);
                return;
        }
        buf = calloc(1, size + 1);
        if (!buf) {
                cf_whyf(&why, "out of memory");
                report(x, "resume", &why);
                return;
        }

        memcpy(buf, x->image, size);
        k = hisi_migstream_write(s, buf, size + 1);
        cf_expect(&why, "write() of data size + 1 bytes", k, x->t->overflow_error);
        free(name);
        name = cf_namef("a write beyond the data size refused with %s",
                        cf_res(x->t->overflow_error).s);
        report(x, name ?: "a write beyond the data size refused", &why);

        r = write_all(s, x->image, size, CHUNK);
        if (cf_expect(&why, "writing the stream in 7-byte chunks", r, 0) &&
            set_expect(&why, x, ST, false, NULL))
                expect_state(&why, x, ST);
        report(x, "a stream written in 7-byte chunks resumes at RESUMING -> STOP", &why);

        expect_ended(&why, s, false);
        report(x, "RESUMING -> STOP ends the session: write() gives -ENODEV", &why);
        s = hisi_migstream_close(s);

        if (set_expect(&why, x, RU, false, NULL))
                expect_state(&why, x, RU);
        report(x, "STOP -> RUNNING after a resume", &why);

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
                report(x, name ?: "a corrupted header refused", &why);
        s = hisi_migstream_close(s);

        /* One byte short: RESUMING -> STOP fails, and the device stays where it was. */
        if (resume_session(&why, x, &s)) {
                r = write_all(s, x->image, size - 1, size);
                if (cf_expect(&why, "writing all but the last byte", r, 0)) {
                        r = hisi_migdev_set_state(x->d, ST, &path, NULL);
                        if (cf_expect(&why, "RESUMING -> STOP", r, x->t->short_stream_error) &&
                            expect_state(&why, x, RE))
                                cf_expect(&why, "states walked", (ssize_t)path.n, 1);
                }
        }
        free(name);
        name = cf_namef("a short stream refused at RESUMING -> STOP with %s, still RESUMING",
                        cf_res(x->t->short_stream_error).s);
        report(x, name ?: "a short stream refused", &why);

        if (s && !why) {
                k = hisi_migstream_write(s, x->image + size - 1, 1);
                if (cf_expect(&why, "write() of the last byte", k, 1) &&
                    set_expect(&why, x, ST, false, NULL))
                        expect_state(&why, x, ST);
        } else
                cf_whyf(&why, "skipped: the short stream check failed");
        report(x, "the session survives: the last byte completes the resume", &why);
}

/* --- Every (current, requested) pair the planner allows --- */

/*
 * Reach cur, request new through the planner, and check: the request succeeds; the device is in
 * new; a new session comes exactly when the last arc opens one; a session opened on the way to
 * cur ends exactly when an arc of the path ends it, and otherwise still holds its data.
 */
static void check_pair(run *x, hisi_mig_state cur, hisi_mig_state new) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *old = NULL, *s = NULL;
        _cleanup_free_ char *why = NULL, *name = NULL, *walked = NULL;
        const size_t size = x->t->data_size, head = x->t->header_size;
        hisi_mig_path plan, path = {};
        bool opens, ends = false;
        int r;

        r = hisi_mig_plan(x->t->flags, cur, new, &plan);
        assert(r >= 0);
        opens = plan.n > 1 &&
                hisi_mig_arc_opens_session(plan.states[plan.n - 2], plan.states[plan.n - 1]);
        for (size_t i = 1; i < plan.n; i++)
                ends = ends || hisi_mig_arc_ends_session(plan.states[i - 1], plan.states[i]);
        (void)hisi_mig_path_to_string(&plan, &walked);
        name = cf_namef("%s -> %s (%s%s%s)", cf_sname(cur), cf_sname(new), walked ?: "?",
                        opens ? ", new stream" : "", ends ? ", session ended" : "");

        if (!reach(&why, x, cur, &old))
                goto done;
        r = hisi_migdev_set_state(x->d, new, &path, &s);
        if (r < 0) {
                _cleanup_free_ char *got = NULL;
                (void)hisi_mig_path_to_string(&path, &got);
                cf_whyf(&why, "set_state: %s after %s", cf_res(r).s, got ?: "?");
                goto done;
        }
        if (!expect_state(&why, x, new))
                goto done;
        if (opens != !!s) {
                cf_whyf(&why, "%s", opens ? "no new stream" : "a new stream that no arc opens");
                goto done;
        }
        if (s && new == RE) {
                r = write_all(s, x->image, size, CHUNK);
                if (!cf_expect(&why, "writing the new resuming stream", r, 0))
                        goto done;
        } else if (s && !expect_stream_bytes(&why, x, s, new == SC ? size : head, NULL, 0))
                goto done;
        if (old) {
                bool saving = cur != RE;
                uint8_t none = 0;

                if (ends)
                        expect_ended(&why, old, saving);
                else if (saving)
                        expect_stream_bytes(&why, x, old, new == SC ? size : head, NULL, 0);
                else
                        cf_expect(&why, "a 0-byte write() on the kept resuming stream",
                                  hisi_migstream_write(old, &none, 0), 0);
        }
done:
        /* The next check starts from RUNNING itself. */
        report(x, name ?: "a pair", &why);
}

static void check_pairs(run *x) {
        for (hisi_mig_state cur = ST; cur < _HISI_MIG_STATE_MAX; cur++)
                for (hisi_mig_state new = ST; new < _HISI_MIG_STATE_MAX; new ++) {
                        hisi_mig_path plan;

                        if (!hisi_mig_state_supported(cur, x->t->flags) ||
                            !hisi_mig_state_supported(new, x->t->flags) ||
                            hisi_mig_plan(x->t->flags, cur, new, &plan) < 0)
                                continue;
                        check_pair(x, cur, new);
                }
}

/* --- STOP_COPY -> PRE_COPY(_P2P): blocked, and refused before anything is sent --- */

static void check_blocked(run *x, hisi_mig_state target) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL, *name = NULL;
        hisi_vfio_feature_mig_state st;
        hisi_mig_path plan;
        int r;

        r = hisi_mig_plan(x->t->flags, SC, target, &plan);
        cf_expect(&why, "hisi_mig_plan", r, -EINVAL);
        name = cf_namef("the planner refuses STOP_COPY -> %s", cf_sname(target));
        report(x, name ?: "the planner refuses a blocked arc", &why);

        /* hisi_migdev_set_state() plans first: -EINVAL with nothing sent, the session intact. */
        if (reach(&why, x, SC, &s)) {
                r = hisi_migdev_set_state(x->d, target, NULL, NULL);
                if (cf_expect(&why, "hisi_migdev_set_state", r, -EINVAL) &&
                    expect_state(&why, x, SC))
                        expect_stream_bytes(&why, x, s, x->t->data_size, NULL, 0);
        }
        free(name);
        name = cf_namef("STOP_COPY -> %s refused before it is sent, the session intact",
                        cf_sname(target));
        report(x, name ?: "a blocked arc refused", &why);
        s = hisi_migstream_close(s);

        if (x->t->send_blocked_arc) {
                if (reach(&why, x, SC, &s)) {
                        r = set_state_raw(x, target, &st);
                        if (cf_expect(&why, "SET", r, -EINVAL) &&
                            cf_expect(&why, "data_fd", st.data_fd, -1))
                                expect_state(&why, x, SC);
                }
                free(name);
                name = cf_namef("the device itself refuses STOP_COPY -> %s with -EINVAL",
                                cf_sname(target));
                report(x, name ?: "the device refuses a blocked arc", &why);
        }
}

/* --- VFIO_DEVICE_RESET from every state, and closing and opening again --- */

/* A session a reset or close left alone still works: a saving one reads (its data is not all
 * read yet), a resuming one takes a write of nothing. */
static bool expect_usable(char **why, hisi_migstream *s, bool saving) {
        uint8_t byte = 0;

        if (saving)
                return cf_expect(why, "read() on the session", hisi_migstream_read(s, &byte, 1), 1);
        return cf_expect(why, "a 0-byte write() on the session", hisi_migstream_write(s, &byte, 0),
                         0);
}

static void check_reset(run *x) {
        for (hisi_mig_state state = ST; state < _HISI_MIG_STATE_MAX; state++) {
                _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
                _cleanup_free_ char *why = NULL, *name = NULL;
                bool kept;
                int r;

                if (state == RU || !hisi_mig_state_supported(state, x->t->flags))
                        continue;
                if (reach(&why, x, state, &s)) {
                        r = hisi_migdev_reset(x->d);
                        if (r < 0)
                                cf_whyf(&why, "VFIO_DEVICE_RESET: %s", cf_res(r).s);
                        else if (!x->t->reset_keeps_state) {
                                if (expect_state(&why, x, RU) && s)
                                        expect_ended(&why, s, state != RE);
                        } else if (expect_state(&why, x, state) && s)
                                expect_usable(&why, s, state != RE);
                }
                if (!x->t->reset_keeps_state)
                        name = cf_namef("reset from %s back to RUNNING%s", cf_sname(state),
                                        s ? ", the session disabled" : "");
                else
                        name = cf_namef("reset from %s changes nothing: still %s%s",
                                        cf_sname(state), cf_sname(state),
                                        s ? ", the session usable" : "");
                report(x, name ?: "reset", &why);

                if (!x->t->open_sets_running)
                        continue;
                /* The way back to RUNNING on every kernel: close the device, open it again. */
                kept = x->t->close_keeps_sessions && x->t->reset_keeps_state;
                if (reopen(&why, x) && expect_state(&why, x, RU) && s) {
                        if (kept)
                                expect_usable(&why, s, state != RE);
                        else
                                expect_ended(&why, s, state != RE);
                }
                free(name);
                name = cf_namef("from %s, closed and opened again: RUNNING%s", cf_sname(state),
                                !s     ? ""
                                : kept ? ", the session still usable"
                                       : ", the session disabled");
                report(x, name ?: "closed and opened again", &why);
                if (!x->d)
                        return;
        }
}

/* --- Closing the device: last, as it ends the run --- */

static void check_close(run *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;
        hisi_mig_state state = has(x, HISI_MIG_FLAG_PRE_COPY) ? PC : SC;

        if (reach(&why, x, state, &s)) {
                x->d = hisi_migdev_close(x->d);
                if (x->t->close_keeps_sessions)
                        expect_usable(&why, s, true);
                else
                        expect_ended(&why, s, true);
        }
        report(x,
               x->t->close_keeps_sessions
                       ? "closing the device leaves its sessions usable (hisi before 6.16)"
                       : "closing the device disables its sessions",
               &why);
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
        report(&x, name ?: "open", &why);
        if (!x.d)
                return r;

        /* Some devices keep their migration state across close and open (mtty does): reset. */
        if (hisi_migdev_get_state(x.d, &state) >= 0)
                conformance_note(c, "%s: the device is in %s after opening", t->label,
                                 cf_sname(state));
        back_to_running(&why, &x);
        report(&x, t->reset_keeps_state ? "closed and opened again: RUNNING" : "reset to RUNNING",
               &why);

        check_features(&x);
        check_save(&x);
        check_precopy(&x);
        check_resume(&x);
        check_pairs(&x);
        if (has(&x, HISI_MIG_FLAG_PRE_COPY))
                check_blocked(&x, PC);
        if (has(&x, HISI_MIG_FLAG_PRE_COPY | HISI_MIG_FLAG_P2P))
                check_blocked(&x, PP);
        check_reset(&x);
        check_close(&x);

        hisi_migdev_close(x.d);
        free(x.image);
        return 0;
}
