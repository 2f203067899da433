/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device checks of the generic half of the conformance suite (see conformance-generic.c):
 * feature probing and the header errors of VFIO_DEVICE_FEATURE, every (current, requested) pair
 * the planner allows with the sessions each opens, keeps or ends, the blocked STOP_COPY ->
 * PRE_COPY arc, VFIO_DEVICE_RESET from every state, and closing the device.
 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>

#include "conformance-generic-internal.h"
#include "macro.h"

#define HDR_SIZE ((uint32_t)sizeof(hisi_vfio_feature_hdr))

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

void gx_check_features(run *x) {
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
                r = gx_feature_raw(x, header_cases[i].argsz, header_cases[i].flags, NULL, 0);
                cf_expect(&why, "VFIO_DEVICE_FEATURE", r, want);
                gx_report(x, case_name ?: header_cases[i].name, &why);
        }

        r = hisi_migdev_get_flags(x->d, &flags);
        if (r < 0)
                cf_whyf(&why, "GET MIGRATION: %s", cf_res(r).s);
        else if (flags != x->t->flags) {
                (void)hisi_mig_flags_to_string(flags, &got_s);
                (void)hisi_mig_flags_to_string(x->t->flags, &want_s);
                cf_whyf(&why, "flags %s, expected %s", got_s ?: "?", want_s ?: "?");
        }
        gx_report(x, "GET MIGRATION: the expected flags", &why);

        gx_expect_data_size(&why, x);
        name = gx_data_size_name(x, "");
        gx_report(x, name ?: "GET MIG_DATA_SIZE", &why);

        /* GET returns the state with data_fd = -1, whatever the caller put there. */
        st = (hisi_vfio_feature_mig_state){ .device_state = ST, .data_fd = 0x7ff };
        r = gx_feature_raw(x, HDR_SIZE + sizeof(st),
                           HISI_VFIO_DEVICE_FEATURE_GET | HISI_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
                           &st, sizeof(st));
        if (cf_expect(&why, "GET MIG_DEVICE_STATE", r, 0) &&
            cf_expect(&why, "device_state", st.device_state, RU))
                cf_expect(&why, "data_fd", st.data_fd, -1);
        gx_report(x, "GET MIG_DEVICE_STATE: RUNNING, data_fd -1", &why);

        /* ERROR is never requestable; the payload comes back with data_fd -1 even then. */
        r = cf_set_raw(x->d, HISI_MIG_STATE_ERROR, &st);
        if (cf_expect(&why, "SET ERROR", r, -EINVAL) && cf_expect(&why, "data_fd", st.data_fd, -1))
                cf_expect_state(&why, x->d, RU);
        gx_report(x, "SET ERROR refused by the device", &why);

        r = cf_set_raw(x->d, _HISI_MIG_STATE_MAX, NULL);
        if (cf_expect(&why, "SET state 8", r, -EINVAL))
                cf_expect_state(&why, x->d, RU);
        gx_report(x, "SET of an unknown state (8) refused by the device", &why);

        r = hisi_migdev_set_state(x->d, HISI_MIG_STATE_ERROR, NULL, NULL);
        cf_expect(&why, "hisi_migdev_set_state(ERROR)", r, -EINVAL);
        gx_report(x, "the planner refuses ERROR", &why);

        /* Optional states the device lacks are refused like ERROR. */
        for (hisi_mig_state s = ST; s < _HISI_MIG_STATE_MAX; s++) {
                _cleanup_free_ char *state_name = NULL;

                if (hisi_mig_state_supported(s, x->t->flags))
                        continue;
                state_name = cf_namef("SET %s refused (not in the flags)", cf_sname(s));
                r = cf_set_raw(x->d, s, NULL);
                if (cf_expect(&why, "SET", r, -EINVAL))
                        cf_expect_state(&why, x->d, RU);
                gx_report(x, state_name ?: "SET of an unsupported state refused", &why);
        }
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

        if (!gx_reach(&why, x, cur, &old))
                goto done;
        r = hisi_migdev_set_state(x->d, new, &path, &s);
        if (r < 0) {
                _cleanup_free_ char *got = NULL;
                (void)hisi_mig_path_to_string(&path, &got);
                cf_whyf(&why, "set_state: %s after %s", cf_res(r).s, got ?: "?");
                goto done;
        }
        if (!cf_expect_state(&why, x->d, new))
                goto done;
        if (opens != !!s) {
                cf_whyf(&why, "%s", opens ? "no new stream" : "a new stream that no arc opens");
                goto done;
        }
        if (s && new == RE) {
                r = gx_write_all(s, x->image, size, CHUNK);
                if (!cf_expect(&why, "writing the new resuming stream", r, 0))
                        goto done;
        } else if (s && !gx_expect_stream_bytes(&why, x, s, new == SC ? size : head, NULL, 0))
                goto done;
        if (old) {
                bool saving = cur != RE;
                uint8_t none = 0;

                if (ends)
                        gx_expect_ended(&why, old, saving);
                else if (saving)
                        gx_expect_stream_bytes(&why, x, old, new == SC ? size : head, NULL, 0);
                else
                        cf_expect(&why, "a 0-byte write() on the kept resuming stream",
                                  hisi_migstream_write(old, &none, 0), 0);
        }
done:
        /* The next check starts from RUNNING itself. */
        gx_report(x, name ?: "a pair", &why);
}

void gx_check_pairs(run *x) {
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

void gx_check_blocked(run *x, hisi_mig_state target) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL, *name = NULL;
        hisi_vfio_feature_mig_state st;
        hisi_mig_path plan;
        int r;

        r = hisi_mig_plan(x->t->flags, SC, target, &plan);
        cf_expect(&why, "hisi_mig_plan", r, -EINVAL);
        name = cf_namef("the planner refuses STOP_COPY -> %s", cf_sname(target));
        gx_report(x, name ?: "the planner refuses a blocked arc", &why);

        /* hisi_migdev_set_state() plans first: -EINVAL with nothing sent, the session intact. */
        if (gx_reach(&why, x, SC, &s)) {
                r = hisi_migdev_set_state(x->d, target, NULL, NULL);
                if (cf_expect(&why, "hisi_migdev_set_state", r, -EINVAL) &&
                    cf_expect_state(&why, x->d, SC))
                        gx_expect_stream_bytes(&why, x, s, x->t->data_size, NULL, 0);
        }
        free(name);
        name = cf_namef("STOP_COPY -> %s refused before it is sent, the session intact",
                        cf_sname(target));
        gx_report(x, name ?: "a blocked arc refused", &why);
        s = hisi_migstream_close(s);

        if (x->t->send_blocked_arc) {
                if (gx_reach(&why, x, SC, &s)) {
                        r = cf_set_raw(x->d, target, &st);
                        if (cf_expect(&why, "SET", r, -EINVAL) &&
                            cf_expect(&why, "data_fd", st.data_fd, -1))
                                cf_expect_state(&why, x->d, SC);
                }
                free(name);
                name = cf_namef("the device itself refuses STOP_COPY -> %s with -EINVAL",
                                cf_sname(target));
                gx_report(x, name ?: "the device refuses a blocked arc", &why);
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

void gx_check_reset(run *x) {
        for (hisi_mig_state state = ST; state < _HISI_MIG_STATE_MAX; state++) {
                _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
                _cleanup_free_ char *why = NULL, *name = NULL;
                bool kept;
                int r;

                if (state == RU || !hisi_mig_state_supported(state, x->t->flags))
                        continue;
                if (gx_reach(&why, x, state, &s)) {
                        r = hisi_migdev_reset(x->d);
                        if (r < 0)
                                cf_whyf(&why, "VFIO_DEVICE_RESET: %s", cf_res(r).s);
                        else if (!x->t->reset_keeps_state) {
                                if (cf_expect_state(&why, x->d, RU) && s)
                                        gx_expect_ended(&why, s, state != RE);
                        } else if (cf_expect_state(&why, x->d, state) && s)
                                expect_usable(&why, s, state != RE);
                }
                if (!x->t->reset_keeps_state)
                        name = cf_namef("reset from %s back to RUNNING%s", cf_sname(state),
                                        s ? ", the session disabled" : "");
                else
                        name = cf_namef("reset from %s changes nothing: still %s%s",
                                        cf_sname(state), cf_sname(state),
                                        s ? ", the session usable" : "");
                gx_report(x, name ?: "reset", &why);

                if (!x->t->open_sets_running)
                        continue;
                /* The way back to RUNNING on every kernel: close the device, open it again. */
                kept = x->t->close_keeps_sessions && x->t->reset_keeps_state;
                if (cf_reopen(&why, x->ctx, x->t->backend, x->t->device, &x->d) &&
                    cf_expect_state(&why, x->d, RU) && s) {
                        if (kept)
                                expect_usable(&why, s, state != RE);
                        else
                                gx_expect_ended(&why, s, state != RE);
                }
                free(name);
                name = cf_namef("from %s, closed and opened again: RUNNING%s", cf_sname(state),
                                !s     ? ""
                                : kept ? ", the session still usable"
                                       : ", the session disabled");
                gx_report(x, name ?: "closed and opened again", &why);
                if (!x->d)
                        return;
        }
}

/* --- Closing the device: last, as it ends the run --- */

/* The premise of the daemon's fd store: another holder's copy of the device fd keeps the device
 * open, and its migration state, when the opener closes all it has (the device fd and the
 * iommufd, or the group and the container); the copy, adopted, drives the device on. */
void gx_check_adopt(run *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;
        hisi_mig_state state = 0;
        int kept, r;

        if (gx_reach(&why, x, SC, &s)) {
                s = hisi_migstream_close(s);
                kept = fcntl(hisi_migdev_fd(x->d), F_DUPFD_CLOEXEC, 3);
                if (kept >= 0)
                        x->d = hisi_migdev_close(x->d);
                r = kept < 0
                            ? -errno
                            : hisi_migdev_open_fd(x->ctx, x->t->backend, x->t->device, kept, &x->d);
                if (kept < 0)
                        cf_whyf(&why, "dup: %s", strerror(-r));
                else if (r < 0)
                        cf_whyf(&why, "adopting the kept fd: %s", cf_res(r).s);
                else if ((r = hisi_migdev_get_state(x->d, &state)) < 0)
                        cf_whyf(&why, "GET after the opener closed: %s", cf_res(r).s);
                else if (state != SC)
                        cf_whyf(&why, "%s after the opener closed, not STOP_COPY (it was reset)",
                                cf_sname(state));
                else
                        gx_back_to_running(&why, x);
        }
        gx_report(x, "a kept copy of the device fd outlives its opener (STOP_COPY stays)", &why);
}

void gx_check_close(run *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;
        hisi_mig_state state = gx_has(x, HISI_MIG_FLAG_PRE_COPY) ? PC : SC;

        if (gx_reach(&why, x, state, &s)) {
                x->d = hisi_migdev_close(x->d);
                if (x->t->close_keeps_sessions)
                        expect_usable(&why, s, true);
                else
                        gx_expect_ended(&why, s, true);
        }
        gx_report(x,
                  x->t->close_keeps_sessions
                          ? "closing the device leaves its sessions usable (hisi before 6.16)"
                          : "closing the device disables its sessions",
                  &why);
}
