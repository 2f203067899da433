/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for mig-state. The expected next steps and paths below were worked out by hand from
 * vfio_mig_get_next_state() in the kernel's drivers/vfio/vfio_main.c and cross-checked with the
 * facts page (section 2.3); they are literal tables, never computed by the code under test.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "hisi/mig-state.h"
#include "test-main.h"

#define ER HISI_MIG_STATE_ERROR
#define ST HISI_MIG_STATE_STOP
#define RU HISI_MIG_STATE_RUNNING
#define SC HISI_MIG_STATE_STOP_COPY
#define RE HISI_MIG_STATE_RESUMING
#define RP HISI_MIG_STATE_RUNNING_P2P
#define PC HISI_MIG_STATE_PRE_COPY
#define PP HISI_MIG_STATE_PRE_COPY_P2P
#define XX (-EINVAL) /* refused: unsupported state, ERROR, or a blocked arc */

#define F_SC     HISI_MIG_FLAG_STOP_COPY
#define F_SC_PRE (HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_PRE_COPY)
#define F_SC_P2P (HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_P2P)
#define F_ALL    (HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_P2P | HISI_MIG_FLAG_PRE_COPY)

/* Never a state: shows that an output was left alone. */
#define UNTOUCHED ((hisi_mig_state)99)

/* States that are not enum values, as a caller might pass them by mistake. */
static const hisi_mig_state out_of_range[] = {
        _HISI_MIG_STATE_MAX,     (hisi_mig_state)-1,      _HISI_MIG_STATE_INVALID,
        (hisi_mig_state)INT_MAX, (hisi_mig_state)INT_MIN,
};

/* Flag sets no device may have: STOP_COPY missing, or bits the uAPI does not define. */
static const uint64_t bad_flags[] = {
        0,
        HISI_MIG_FLAG_P2P,
        HISI_MIG_FLAG_PRE_COPY,
        HISI_MIG_FLAG_P2P | HISI_MIG_FLAG_PRE_COPY,
        F_SC | UINT64_C(0x8),
        F_ALL | UINT64_C(0x8),
        F_SC | (UINT64_C(1) << 63),
        UINT64_MAX,
};

/* clang-format off */

/*
 * The effective next step expect[cur][new] after the kernel's skip loop, for each flag set.
 * With every flag it is the raw vfio_from_fsm_table with ERROR and the blocked arcs refused.
 */
static const int expect_sc[8][8] = {
        /* new:  ER  ST  RU  SC  RE  RP  PC  PP */
        [ER] = { XX, XX, XX, XX, XX, XX, XX, XX },
        [ST] = { XX, ST, RU, SC, RE, XX, XX, XX },
        [RU] = { XX, ST, RU, ST, ST, XX, XX, XX },
        [SC] = { XX, ST, ST, SC, ST, XX, XX, XX },
        [RE] = { XX, ST, ST, ST, RE, XX, XX, XX },
        [RP] = { XX, XX, XX, XX, XX, XX, XX, XX },
        [PC] = { XX, XX, XX, XX, XX, XX, XX, XX },
        [PP] = { XX, XX, XX, XX, XX, XX, XX, XX },
};
static const int expect_sc_pre[8][8] = {
        /* new:  ER  ST  RU  SC  RE  RP  PC  PP */
        [ER] = { XX, XX, XX, XX, XX, XX, XX, XX },
        [ST] = { XX, ST, RU, SC, RE, XX, RU, XX },
        [RU] = { XX, ST, RU, ST, ST, XX, PC, XX },
        [SC] = { XX, ST, ST, SC, ST, XX, XX, XX }, /* SC -> PC: the kernel hangs */
        [RE] = { XX, ST, ST, ST, RE, XX, ST, XX },
        [RP] = { XX, XX, XX, XX, XX, XX, XX, XX },
        [PC] = { XX, RU, RU, SC, RU, XX, PC, XX },
        [PP] = { XX, XX, XX, XX, XX, XX, XX, XX },
};
static const int expect_sc_p2p[8][8] = {
        /* new:  ER  ST  RU  SC  RE  RP  PC  PP */
        [ER] = { XX, XX, XX, XX, XX, XX, XX, XX },
        [ST] = { XX, ST, RP, SC, RE, RP, XX, XX },
        [RU] = { XX, RP, RU, RP, RP, RP, XX, XX },
        [SC] = { XX, ST, ST, SC, ST, ST, XX, XX },
        [RE] = { XX, ST, ST, ST, RE, ST, XX, XX },
        [RP] = { XX, ST, RU, ST, ST, RP, XX, XX },
        [PC] = { XX, XX, XX, XX, XX, XX, XX, XX },
        [PP] = { XX, XX, XX, XX, XX, XX, XX, XX },
};
static const int expect_all[8][8] = {
        /* new:  ER  ST  RU  SC  RE  RP  PC  PP */
        [ER] = { XX, XX, XX, XX, XX, XX, XX, XX },
        [ST] = { XX, ST, RP, SC, RE, RP, RP, RP },
        [RU] = { XX, RP, RU, RP, RP, RP, PC, RP },
        [SC] = { XX, ST, ST, SC, ST, ST, XX, XX }, /* SC -> PC, PP: the kernel hangs */
        [RE] = { XX, ST, ST, ST, RE, ST, ST, ST },
        [RP] = { XX, ST, RU, ST, ST, RP, RU, PP },
        [PC] = { XX, RU, RU, PP, RU, RU, PC, PP },
        [PP] = { XX, RP, RP, SC, RP, RP, PC, PP },
};

/* Which states each flag set has, in enum order. */
static const bool supported_sc[8] =     { false, true, true, true, true, false, false, false };
static const bool supported_sc_pre[8] = { false, true, true, true, true, false, true,  false };
static const bool supported_sc_p2p[8] = { false, true, true, true, true, true,  false, false };
static const bool supported_all[8] =    { false, true, true, true, true, true,  true,  true  };

/* clang-format on */

static const struct {
        uint64_t flags;
        const int (*expect)[8];
        const bool *supported;
} flag_sets[] = {
        { F_SC, expect_sc, supported_sc },
        { F_SC_PRE, expect_sc_pre, supported_sc_pre },
        { F_SC_P2P, expect_sc_p2p, supported_sc_p2p },
        { F_ALL, expect_all, supported_all },
};

/* ---- next step ---- */

/* _i runs over the 64 (cur, new) pairs of one flag set; check names the failing iteration. */
static void check_next_pair(size_t set, int i) {
        hisi_mig_state cur = (hisi_mig_state)(i / 8), new = (hisi_mig_state)(i % 8);
        hisi_mig_state next = UNTOUCHED;
        int want = flag_sets[set].expect[cur][new];
        int r;

        r = hisi_mig_next_state(flag_sets[set].flags, cur, new, &next);
        if (want == XX) {
                ck_assert_int_eq(r, -EINVAL);
                ck_assert_int_eq(next, UNTOUCHED);
        } else {
                ck_assert_int_eq(r, 0);
                ck_assert_int_eq(next, want);
        }
}

START_TEST(test_next_sc) {
        check_next_pair(0, _i);
}
END_TEST

START_TEST(test_next_sc_pre) {
        check_next_pair(1, _i);
}
END_TEST

START_TEST(test_next_sc_p2p) {
        check_next_pair(2, _i);
}
END_TEST

START_TEST(test_next_all) {
        check_next_pair(3, _i);
}
END_TEST

START_TEST(test_next_blocked) {
        hisi_mig_state next = UNTOUCHED;

        /* The arcs on which the kernel's skip loop never ends. */
        ck_assert_int_eq(hisi_mig_next_state(F_SC_PRE, SC, PC, &next), -EINVAL);
        ck_assert_int_eq(hisi_mig_next_state(F_ALL, SC, PC, &next), -EINVAL);
        ck_assert_int_eq(hisi_mig_next_state(F_ALL, SC, PP, &next), -EINVAL);
        ck_assert_int_eq(next, UNTOUCHED);
        /* Without PRE_COPY the request is refused as unsupported, as the kernel does. */
        ck_assert_int_eq(hisi_mig_next_state(F_SC, SC, PC, &next), -EINVAL);
        ck_assert_int_eq(hisi_mig_next_state(F_SC_P2P, SC, PP, &next), -EINVAL);
        ck_assert_int_eq(next, UNTOUCHED);
        /* The way back out of STOP_COPY is open. */
        ck_assert_int_eq(hisi_mig_next_state(F_ALL, SC, ST, &next), 0);
        ck_assert_int_eq(next, ST);
}
END_TEST

START_TEST(test_next_error_state) {
        hisi_mig_state next = UNTOUCHED;

        for (size_t f = 0; f < ELEMENTSOF(flag_sets); f++)
                for (int s = 0; s < _HISI_MIG_STATE_MAX; s++) {
                        ck_assert_int_eq(hisi_mig_next_state(flag_sets[f].flags, ER,
                                                             (hisi_mig_state)s, &next),
                                         -EINVAL);
                        ck_assert_int_eq(hisi_mig_next_state(flag_sets[f].flags, (hisi_mig_state)s,
                                                             ER, &next),
                                         -EINVAL);
                }
        ck_assert_int_eq(next, UNTOUCHED);
}
END_TEST

START_TEST(test_next_bad_flags) {
        hisi_mig_state next = UNTOUCHED;

        for (size_t f = 0; f < ELEMENTSOF(bad_flags); f++)
                for (int i = 0; i < 64; i++)
                        ck_assert_int_eq(hisi_mig_next_state(bad_flags[f], (hisi_mig_state)(i / 8),
                                                             (hisi_mig_state)(i % 8), &next),
                                         -EINVAL);
        ck_assert_int_eq(next, UNTOUCHED);
}
END_TEST

START_TEST(test_next_bad_args) {
        hisi_mig_state next = UNTOUCHED;

        for (size_t i = 0; i < ELEMENTSOF(out_of_range); i++) {
                ck_assert_int_eq(hisi_mig_next_state(F_ALL, out_of_range[i], ST, &next), -EINVAL);
                ck_assert_int_eq(hisi_mig_next_state(F_ALL, ST, out_of_range[i], &next), -EINVAL);
        }
        ck_assert_int_eq(next, UNTOUCHED);
        ck_assert_int_eq(hisi_mig_next_state(F_ALL, ST, RU, NULL), -EINVAL);
}
END_TEST

/* ---- supported states ---- */

START_TEST(test_supported) {
        for (size_t f = 0; f < ELEMENTSOF(flag_sets); f++)
                for (int s = 0; s < _HISI_MIG_STATE_MAX; s++)
                        ck_assert_int_eq(
                                hisi_mig_state_supported((hisi_mig_state)s, flag_sets[f].flags),
                                flag_sets[f].supported[s]);
}
END_TEST

START_TEST(test_supported_refused) {
        for (size_t i = 0; i < ELEMENTSOF(out_of_range); i++)
                ck_assert(!hisi_mig_state_supported(out_of_range[i], F_ALL));
        for (size_t f = 0; f < ELEMENTSOF(bad_flags); f++)
                for (int s = 0; s < _HISI_MIG_STATE_MAX; s++)
                        ck_assert(!hisi_mig_state_supported((hisi_mig_state)s, bad_flags[f]));
}
END_TEST

/* ---- plans ---- */

static const struct {
        uint64_t flags;
        hisi_mig_state states[HISI_MIG_PATH_MAX];
        size_t n;
        const char *string;
} paths[] = {
        /* STOP_COPY only (hisi 5.18-6.1): every route goes through STOP. */
        { F_SC, { RU, ST, SC }, 3, "RUNNING -> STOP -> STOP_COPY" },
        { F_SC, { RU, ST, RE }, 3, "RUNNING -> STOP -> RESUMING" },
        { F_SC, { SC, ST, RU }, 3, "STOP_COPY -> STOP -> RUNNING" },
        { F_SC, { SC, ST, RE }, 3, "STOP_COPY -> STOP -> RESUMING" },
        { F_SC, { RE, ST, RU }, 3, "RESUMING -> STOP -> RUNNING" },
        { F_SC, { RE, ST, SC }, 3, "RESUMING -> STOP -> STOP_COPY" },
        { F_SC, { ST, RU }, 2, "STOP -> RUNNING" },
        { F_SC, { ST }, 1, "STOP" },
        /* STOP_COPY|PRE_COPY (hisi >= 6.2): the facts page, section 2.3. */
        { F_SC_PRE, { RU, ST, SC }, 3, "RUNNING -> STOP -> STOP_COPY" },
        { F_SC_PRE, { RU, ST, RE }, 3, "RUNNING -> STOP -> RESUMING" },
        { F_SC_PRE, { PC, RU, ST }, 3, "PRE_COPY -> RUNNING -> STOP" },
        { F_SC_PRE, { PC, RU, ST, RE }, 4, "PRE_COPY -> RUNNING -> STOP -> RESUMING" },
        { F_SC_PRE, { ST, RU, PC }, 3, "STOP -> RUNNING -> PRE_COPY" },
        { F_SC_PRE, { RE, ST, RU, PC }, 4, "RESUMING -> STOP -> RUNNING -> PRE_COPY" },
        { F_SC_PRE, { SC, ST, RU }, 3, "STOP_COPY -> STOP -> RUNNING" },
        { F_SC_PRE, { PC, SC }, 2, "PRE_COPY -> STOP_COPY" },
        { F_SC_PRE, { RU, PC }, 2, "RUNNING -> PRE_COPY" },
        { F_SC_PRE, { PC }, 1, "PRE_COPY" },
        /* STOP_COPY|P2P: RUNNING <-> STOP through RUNNING_P2P. */
        { F_SC_P2P, { RU, RP, ST }, 3, "RUNNING -> RUNNING_P2P -> STOP" },
        { F_SC_P2P, { RU, RP, ST, SC }, 4, "RUNNING -> RUNNING_P2P -> STOP -> STOP_COPY" },
        { F_SC_P2P, { RU, RP, ST, RE }, 4, "RUNNING -> RUNNING_P2P -> STOP -> RESUMING" },
        { F_SC_P2P, { ST, RP, RU }, 3, "STOP -> RUNNING_P2P -> RUNNING" },
        { F_SC_P2P, { SC, ST, RP, RU }, 4, "STOP_COPY -> STOP -> RUNNING_P2P -> RUNNING" },
        { F_SC_P2P, { RE, ST, RP, RU }, 4, "RESUMING -> STOP -> RUNNING_P2P -> RUNNING" },
        { F_SC_P2P, { SC, ST, RP }, 3, "STOP_COPY -> STOP -> RUNNING_P2P" },
        { F_SC_P2P, { RP, ST, SC }, 3, "RUNNING_P2P -> STOP -> STOP_COPY" },
        { F_SC_P2P, { RP, RU }, 2, "RUNNING_P2P -> RUNNING" },
        { F_SC_P2P, { RP }, 1, "RUNNING_P2P" },
        /* Every flag (mtty): the combinations listed in the kernel's comment. */
        { F_ALL, { PC, PP, SC }, 3, "PRE_COPY -> PRE_COPY_P2P -> STOP_COPY" },
        { F_ALL, { PC, RU, RP, ST }, 4, "PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP" },
        { F_ALL,
          { PC, RU, RP, ST, RE },
          5,
          "PRE_COPY -> RUNNING -> RUNNING_P2P -> STOP -> RESUMING" },
        { F_ALL,
          { RE, ST, RP, RU, PC },
          5,
          "RESUMING -> STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY" },
        { F_ALL, { RE, ST, RP, PP }, 4, "RESUMING -> STOP -> RUNNING_P2P -> PRE_COPY_P2P" },
        { F_ALL, { ST, RP, RU, PC }, 4, "STOP -> RUNNING_P2P -> RUNNING -> PRE_COPY" },
        { F_ALL, { ST, RP, PP }, 3, "STOP -> RUNNING_P2P -> PRE_COPY_P2P" },
        { F_ALL, { RU, RP, PP }, 3, "RUNNING -> RUNNING_P2P -> PRE_COPY_P2P" },
        { F_ALL, { PP, RP, RU }, 3, "PRE_COPY_P2P -> RUNNING_P2P -> RUNNING" },
        { F_ALL, { PP, RP, ST, RE }, 4, "PRE_COPY_P2P -> RUNNING_P2P -> STOP -> RESUMING" },
        { F_ALL, { PP, SC }, 2, "PRE_COPY_P2P -> STOP_COPY" },
        { F_ALL, { RP, RU, PC }, 3, "RUNNING_P2P -> RUNNING -> PRE_COPY" },
        { F_ALL, { SC, ST, RP, RU }, 4, "STOP_COPY -> STOP -> RUNNING_P2P -> RUNNING" },
        { F_ALL, { PC, PP }, 2, "PRE_COPY -> PRE_COPY_P2P" },
        { F_ALL, { PP, PC }, 2, "PRE_COPY_P2P -> PRE_COPY" },
        { F_ALL, { PP }, 1, "PRE_COPY_P2P" },
};

START_TEST(test_plan_paths) {
        hisi_mig_path path = { .n = 0 };
        _cleanup_free_ char *s = NULL;

        ck_assert_int_eq(hisi_mig_plan(paths[_i].flags, paths[_i].states[0],
                                       paths[_i].states[paths[_i].n - 1], &path),
                         0);
        ck_assert_uint_eq(path.n, paths[_i].n);
        for (size_t k = 0; k < path.n; k++)
                ck_assert_int_eq(path.states[k], paths[_i].states[k]);
        ck_assert_int_eq(hisi_mig_path_to_string(&path, &s), 0);
        ck_assert_str_eq(s, paths[_i].string);
}
END_TEST

/*
 * The arcs a driver must implement for each flag set, from the comment above the kernel's table
 * (and the facts page, section 2.2). Every arc of every plan must be one of them, and every one of
 * them must be used by some plan.
 */
typedef struct arc {
        hisi_mig_state from, to;
} arc;

/* clang-format off */
static const arc arcs_sc[] = {
        /* always */    { RE, ST }, { ST, RE }, { ST, SC }, { SC, ST },
        /* no P2P */    { RU, ST }, { ST, RU },
};
static const arc arcs_sc_pre[] = {
        /* always */    { RE, ST }, { ST, RE }, { ST, SC }, { SC, ST },
        /* no P2P */    { RU, ST }, { ST, RU },
        /* PRE_COPY */  { RU, PC }, { PC, RU }, { PC, SC },
};
static const arc arcs_sc_p2p[] = {
        /* always */    { RE, ST }, { ST, RE }, { ST, SC }, { SC, ST },
        /* P2P */       { RU, RP }, { RP, RU }, { RP, ST }, { ST, RP },
};
static const arc arcs_all[] = {
        /* always */    { RE, ST }, { ST, RE }, { ST, SC }, { SC, ST },
        /* P2P */       { RU, RP }, { RP, RU }, { RP, ST }, { ST, RP },
        /* both */      { PC, RU }, { PC, PP }, { PP, PC }, { PP, RP }, { PP, SC }, { RU, PC },
                        { RP, PP },
};
/* clang-format on */

static const struct {
        uint64_t flags;
        const int (*expect)[8];
        const arc *arcs;
        size_t n_arcs;
} arc_sets[] = {
        { F_SC, expect_sc, arcs_sc, ELEMENTSOF(arcs_sc) },
        { F_SC_PRE, expect_sc_pre, arcs_sc_pre, ELEMENTSOF(arcs_sc_pre) },
        { F_SC_P2P, expect_sc_p2p, arcs_sc_p2p, ELEMENTSOF(arcs_sc_p2p) },
        { F_ALL, expect_all, arcs_all, ELEMENTSOF(arcs_all) },
};

START_TEST(test_plan_driver_arcs) {
        bool used[16] = {};

        ck_assert_uint_le(arc_sets[_i].n_arcs, ELEMENTSOF(used));
        for (int c = 0; c < 8; c++)
                for (int n = 0; n < 8; n++) {
                        hisi_mig_path path = { .n = 0 };
                        int want = arc_sets[_i].expect[c][n];
                        int r;

                        r = hisi_mig_plan(arc_sets[_i].flags, (hisi_mig_state)c, (hisi_mig_state)n,
                                          &path);
                        /* A plan is refused exactly when its first step is. */
                        if (want == XX) {
                                ck_assert_int_eq(r, -EINVAL);
                                ck_assert_uint_eq(path.n, 0);
                                continue;
                        }
                        ck_assert_int_eq(r, 0);
                        ck_assert_uint_ge(path.n, 1);
                        ck_assert_uint_le(path.n, 5);
                        ck_assert_int_eq(path.states[0], c);
                        ck_assert_int_eq(path.states[path.n - 1], n);
                        if (c != n)
                                ck_assert_int_eq(path.states[1], want);
                        for (size_t k = 0; k + 1 < path.n; k++) {
                                hisi_mig_state from = path.states[k], to = path.states[k + 1];
                                bool legal = false;

                                for (size_t a = 0; a < arc_sets[_i].n_arcs; a++)
                                        if (arc_sets[_i].arcs[a].from == from &&
                                            arc_sets[_i].arcs[a].to == to) {
                                                used[a] = legal = true;
                                                break;
                                        }
                                ck_assert_msg(legal, "arc %s -> %s is not a driver arc",
                                              hisi_mig_state_to_string(from),
                                              hisi_mig_state_to_string(to));
                                /* A SET returns at most one fd, from its last arc. */
                                if (k + 2 < path.n)
                                        ck_assert(!hisi_mig_arc_opens_session(from, to));
                        }
                }
        for (size_t a = 0; a < arc_sets[_i].n_arcs; a++)
                ck_assert_msg(used[a], "driver arc %s -> %s never planned",
                              hisi_mig_state_to_string(arc_sets[_i].arcs[a].from),
                              hisi_mig_state_to_string(arc_sets[_i].arcs[a].to));
}
END_TEST

START_TEST(test_plan_refused) {
        hisi_mig_path path = { .n = 12345 };

        /* The blocked arcs. */
        ck_assert_int_eq(hisi_mig_plan(F_SC_PRE, SC, PC, &path), -EINVAL);
        ck_assert_int_eq(hisi_mig_plan(F_ALL, SC, PC, &path), -EINVAL);
        ck_assert_int_eq(hisi_mig_plan(F_ALL, SC, PP, &path), -EINVAL);
        /* ERROR, as the target, as the start, and as a no-op request. */
        ck_assert_int_eq(hisi_mig_plan(F_ALL, RU, ER, &path), -EINVAL);
        ck_assert_int_eq(hisi_mig_plan(F_ALL, ER, RU, &path), -EINVAL);
        ck_assert_int_eq(hisi_mig_plan(F_ALL, ER, ER, &path), -EINVAL);
        /* States the device lacks, at either end. */
        ck_assert_int_eq(hisi_mig_plan(F_SC_PRE, RU, RP, &path), -EINVAL);
        ck_assert_int_eq(hisi_mig_plan(F_SC_PRE, PP, PC, &path), -EINVAL);
        ck_assert_int_eq(hisi_mig_plan(F_SC, RU, PC, &path), -EINVAL);
        ck_assert_int_eq(hisi_mig_plan(F_SC_P2P, RP, RP, &path), 0);
        ck_assert_uint_eq(path.n, 1);
        path.n = 12345;
        ck_assert_int_eq(hisi_mig_plan(F_SC, RP, RP, &path), -EINVAL);
        /* Bad flags and arguments. */
        for (size_t f = 0; f < ELEMENTSOF(bad_flags); f++)
                ck_assert_int_eq(hisi_mig_plan(bad_flags[f], RU, ST, &path), -EINVAL);
        for (size_t i = 0; i < ELEMENTSOF(out_of_range); i++) {
                ck_assert_int_eq(hisi_mig_plan(F_ALL, out_of_range[i], ST, &path), -EINVAL);
                ck_assert_int_eq(hisi_mig_plan(F_ALL, ST, out_of_range[i], &path), -EINVAL);
        }
        ck_assert_uint_eq(path.n, 12345);
        ck_assert_int_eq(hisi_mig_plan(F_ALL, RU, ST, NULL), -EINVAL);
}
END_TEST

/* ---- data sessions ---- */

static const arc opens[] = { { RU, PC }, { RP, PP }, { ST, SC }, { ST, RE } };
static const arc ends[] = { { SC, ST }, { PC, RU }, { PP, RP }, { RE, ST } };

static bool arc_in(const arc *arcs, size_t n, int from, int to) {
        for (size_t i = 0; i < n; i++)
                if ((int)arcs[i].from == from && (int)arcs[i].to == to)
                        return true;
        return false;
}

/* _i runs over the 64 (from, to) pairs. */
START_TEST(test_session_arcs) {
        hisi_mig_state from = (hisi_mig_state)(_i / 8), to = (hisi_mig_state)(_i % 8);
        bool want_opens = arc_in(opens, ELEMENTSOF(opens), from, to);
        bool want_ends = arc_in(ends, ELEMENTSOF(ends), from, to);

        ck_assert_int_eq(hisi_mig_arc_opens_session(from, to), want_opens);
        ck_assert_int_eq(hisi_mig_arc_ends_session(from, to), want_ends);
}
END_TEST

START_TEST(test_session_same_fd) {
        /* The saving group keeps its fd. */
        ck_assert(!hisi_mig_arc_opens_session(PC, PP));
        ck_assert(!hisi_mig_arc_ends_session(PC, PP));
        ck_assert(!hisi_mig_arc_opens_session(PP, PC));
        ck_assert(!hisi_mig_arc_ends_session(PP, PC));
        ck_assert(!hisi_mig_arc_opens_session(PP, SC));
        ck_assert(!hisi_mig_arc_ends_session(PP, SC));
        ck_assert(!hisi_mig_arc_opens_session(PC, SC));
        ck_assert(!hisi_mig_arc_ends_session(PC, SC));
}
END_TEST

START_TEST(test_session_states) {
        static const bool saving[8] = { false, false, false, true, false, false, true, true };
        static const bool precopy[8] = { false, false, false, false, false, false, true, true };

        for (int s = 0; s < _HISI_MIG_STATE_MAX; s++) {
                ck_assert_int_eq(hisi_mig_state_is_saving((hisi_mig_state)s), saving[s]);
                ck_assert_int_eq(hisi_mig_state_is_precopy((hisi_mig_state)s), precopy[s]);
        }
}
END_TEST

START_TEST(test_session_refused) {
        for (size_t i = 0; i < ELEMENTSOF(out_of_range); i++) {
                hisi_mig_state bad = out_of_range[i];

                ck_assert(!hisi_mig_state_is_saving(bad));
                ck_assert(!hisi_mig_state_is_precopy(bad));
                ck_assert(!hisi_mig_arc_opens_session(bad, PC));
                ck_assert(!hisi_mig_arc_opens_session(RU, bad));
                ck_assert(!hisi_mig_arc_opens_session(ST, bad));
                ck_assert(!hisi_mig_arc_ends_session(bad, ST));
                ck_assert(!hisi_mig_arc_ends_session(SC, bad));
        }
}
END_TEST

/* ---- names ---- */

static const char *const state_names[8] = {
        "ERROR",    "STOP",        "RUNNING",  "STOP_COPY",
        "RESUMING", "RUNNING_P2P", "PRE_COPY", "PRE_COPY_P2P",
};

START_TEST(test_state_strings) {
        for (int s = 0; s < _HISI_MIG_STATE_MAX; s++) {
                ck_assert_str_eq(hisi_mig_state_to_string((hisi_mig_state)s), state_names[s]);
                ck_assert_int_eq(hisi_mig_state_from_string(state_names[s]), s);
        }
        ck_assert_int_eq(hisi_mig_state_from_string("running"), RU);
        ck_assert_int_eq(hisi_mig_state_from_string("stop-copy"), SC);
        ck_assert_int_eq(hisi_mig_state_from_string("Pre_Copy-p2p"), PP);
        ck_assert_int_eq(hisi_mig_state_from_string("error"), ER);
}
END_TEST

START_TEST(test_state_strings_refused) {
        static const char *const bad[] = {
                "",
                "RUN",
                "STOPCOPY",
                "STOP COPY",
                " STOP",
                "STOP ",
                "RUNNING_P2PX",
                "PRE_COPY_",
                "STOP_COPY\n",
                "0",
                "2",
                "VFIO_DEVICE_STATE_STOP",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ck_assert_int_eq(hisi_mig_state_from_string(bad[i]), -EINVAL);
        ck_assert_int_eq(hisi_mig_state_from_string(NULL), -EINVAL);
        for (size_t i = 0; i < ELEMENTSOF(out_of_range); i++)
                ck_assert_ptr_null(hisi_mig_state_to_string(out_of_range[i]));
}
END_TEST

START_TEST(test_flags_strings) {
        static const struct {
                uint64_t flags;
                const char *string;
        } table[] = {
                { 0, "none" },
                { F_SC, "STOP_COPY" },
                { HISI_MIG_FLAG_P2P, "P2P" },
                { F_SC_PRE, "STOP_COPY|PRE_COPY" },
                { F_SC_P2P, "STOP_COPY|P2P" },
                { F_ALL, "STOP_COPY|P2P|PRE_COPY" },
                { UINT64_C(0x8), "0x8" },
                { F_SC | UINT64_C(0x8), "STOP_COPY|0x8" },
                { UINT64_MAX, "STOP_COPY|P2P|PRE_COPY|0xfffffffffffffff8" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                _cleanup_free_ char *s = NULL;
                uint64_t back = 0xdead;

                ck_assert_int_eq(hisi_mig_flags_to_string(table[i].flags, &s), 0);
                ck_assert_str_eq(s, table[i].string);
                ck_assert_int_eq(hisi_mig_flags_from_string(s, &back), 0);
                ck_assert_uint_eq(back, table[i].flags);
        }
}
END_TEST

START_TEST(test_flags_from_string) {
        static const struct {
                const char *string;
                uint64_t flags;
        } table[] = {
                { "stop_copy,p2p", F_SC_P2P },
                { "pre-copy|stop-copy", F_SC_PRE },
                { " STOP_COPY | P2P ,PRE_COPY", F_ALL },
                { "P2P|P2P", HISI_MIG_FLAG_P2P },
                { "NONE", 0 },
                { " none ", 0 },
                { "0", 0 },
                { "7", F_ALL },
                { "0x5", F_SC_PRE },
                { "STOP_COPY|0x4", F_SC_PRE },
                { "18446744073709551615", UINT64_MAX },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                uint64_t flags = 0xdead;

                ck_assert_int_eq(hisi_mig_flags_from_string(table[i].string, &flags), 0);
                ck_assert_uint_eq(flags, table[i].flags);
        }
}
END_TEST

START_TEST(test_flags_strings_refused) {
        static const char *const bad[] = {
                "",     "  ",    "|",        "STOP_COPY|", "|P2P",      "STOP_COPY||P2P",
                "STOP", "P2P,,", "FOO",      "-1",         "+1",        "0x",
                "010",  "1.5",   "none|P2P", "P2P|none",   "STOP COPY", "18446744073709551616",
        };
        uint64_t flags = 0xdead;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ck_assert_int_eq(hisi_mig_flags_from_string(bad[i], &flags), -EINVAL);
        ck_assert_uint_eq(flags, 0xdead);
        ck_assert_int_eq(hisi_mig_flags_from_string(NULL, &flags), -EINVAL);
        ck_assert_int_eq(hisi_mig_flags_from_string("P2P", NULL), -EINVAL);
        ck_assert_int_eq(hisi_mig_flags_to_string(F_SC, NULL), -EINVAL);
}
END_TEST

START_TEST(test_path_strings_refused) {
        hisi_mig_path path = { .states = { RU, ST, SC }, .n = 3 };
        char *s = (char *)"untouched";

        ck_assert_int_eq(hisi_mig_path_to_string(NULL, &s), -EINVAL);
        ck_assert_int_eq(hisi_mig_path_to_string(&path, NULL), -EINVAL);
        path.n = 0;
        ck_assert_int_eq(hisi_mig_path_to_string(&path, &s), -EINVAL);
        path.n = HISI_MIG_PATH_MAX + 1;
        ck_assert_int_eq(hisi_mig_path_to_string(&path, &s), -EINVAL);
        for (size_t i = 0; i < ELEMENTSOF(out_of_range); i++) {
                path = (hisi_mig_path){ .states = { RU, ST, out_of_range[i] }, .n = 3 };
                ck_assert_int_eq(hisi_mig_path_to_string(&path, &s), -EINVAL);
        }
        ck_assert_str_eq(s, "untouched");
}
END_TEST

START_TEST(test_path_strings_full) {
        /* The longest path that fits, with ERROR in it: naming does not judge the path. */
        hisi_mig_path path = {
                .states = { ER, ST, RU, SC, RE, RP, PC, PP },
                .n = HISI_MIG_PATH_MAX,
        };
        _cleanup_free_ char *s = NULL;

        ck_assert_int_eq(hisi_mig_path_to_string(&path, &s), 0);
        ck_assert_str_eq(s, "ERROR -> STOP -> RUNNING -> STOP_COPY -> RESUMING -> RUNNING_P2P -> "
                            "PRE_COPY -> PRE_COPY_P2P");
}
END_TEST

static Suite *mig_state_suite(void) {
        Suite *s = suite_create("mig-state");
        TCase *tc;

        tc = tcase_create("next-state");
        tcase_add_loop_test(tc, test_next_sc, 0, 64);
        tcase_add_loop_test(tc, test_next_sc_pre, 0, 64);
        tcase_add_loop_test(tc, test_next_sc_p2p, 0, 64);
        tcase_add_loop_test(tc, test_next_all, 0, 64);
        tcase_add_test(tc, test_next_blocked);
        tcase_add_test(tc, test_next_error_state);
        tcase_add_test(tc, test_next_bad_flags);
        tcase_add_test(tc, test_next_bad_args);
        suite_add_tcase(s, tc);

        tc = tcase_create("supported");
        tcase_add_test(tc, test_supported);
        tcase_add_test(tc, test_supported_refused);
        suite_add_tcase(s, tc);

        tc = tcase_create("plan");
        tcase_add_loop_test(tc, test_plan_paths, 0, (int)ELEMENTSOF(paths));
        tcase_add_loop_test(tc, test_plan_driver_arcs, 0, (int)ELEMENTSOF(arc_sets));
        tcase_add_test(tc, test_plan_refused);
        suite_add_tcase(s, tc);

        tc = tcase_create("session");
        tcase_add_loop_test(tc, test_session_arcs, 0, 64);
        tcase_add_test(tc, test_session_same_fd);
        tcase_add_test(tc, test_session_states);
        tcase_add_test(tc, test_session_refused);
        suite_add_tcase(s, tc);

        tc = tcase_create("strings");
        tcase_add_test(tc, test_state_strings);
        tcase_add_test(tc, test_state_strings_refused);
        tcase_add_test(tc, test_flags_strings);
        tcase_add_test(tc, test_flags_from_string);
        tcase_add_test(tc, test_flags_strings_refused);
        tcase_add_test(tc, test_path_strings_refused);
        tcase_add_test(tc, test_path_strings_full);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(mig_state_suite)
