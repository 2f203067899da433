/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VFIO migration v2 state machine (see mig-state.h): the kernel's next-state table and its
 * skip loop over states a device lacks, stopped at the blocked arcs where the kernel spins, the
 * path planner on top of it, the data-session effects of each arc, and the names.
 *
 * Flags are strict: STOP_COPY must be set (the uAPI makes it mandatory) and no bit outside
 * HISI_MIG_FLAGS_KNOWN may be; any other value supports no state, so every request is -EINVAL.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "hisi/mig-state.h"
#include "parse-util.h"
#include "string-table.h"

#define ER HISI_MIG_STATE_ERROR
#define ST HISI_MIG_STATE_STOP
#define RU HISI_MIG_STATE_RUNNING
#define SC HISI_MIG_STATE_STOP_COPY
#define RE HISI_MIG_STATE_RESUMING
#define RP HISI_MIG_STATE_RUNNING_P2P
#define PC HISI_MIG_STATE_PRE_COPY
#define PP HISI_MIG_STATE_PRE_COPY_P2P

/*
 * vfio_from_fsm_table of drivers/vfio/vfio_main.c: next_step[cur][new] is the next state on the
 * way from cur to new when the device has every optional state. Rows and columns are in the
 * order of the enum, ERROR first. STOP_COPY -> PRE_COPY(_P2P) is ERROR: blocked.
 */
/* clang-format off */
static const hisi_mig_state next_step[_HISI_MIG_STATE_MAX][_HISI_MIG_STATE_MAX] = {
        /* new:        ER  ST  RU  SC  RE  RP  PC  PP */
        [ER] =       { ER, ER, ER, ER, ER, ER, ER, ER },
        [ST] =       { ER, ST, RP, SC, RE, RP, RP, RP },
        [RU] =       { ER, RP, RU, RP, RP, RP, PC, RP },
        [SC] =       { ER, ST, ST, SC, ST, ST, ER, ER },
        [RE] =       { ER, ST, ST, ST, RE, ST, ST, ST },
        [RP] =       { ER, ST, RU, ST, ST, RP, RU, PP },
        [PC] =       { ER, RU, RU, PP, RU, RU, PC, PP },
        [PP] =       { ER, RP, RP, SC, RP, RP, PC, PP },
};
/* clang-format on */

/* The flags a device needs for each state. No valid flag set holds every bit, so never ERROR. */
static const uint64_t state_needs[_HISI_MIG_STATE_MAX] = {
        [ER] = UINT64_MAX,
        [ST] = HISI_MIG_FLAG_STOP_COPY,
        [RU] = HISI_MIG_FLAG_STOP_COPY,
        [SC] = HISI_MIG_FLAG_STOP_COPY,
        [RE] = HISI_MIG_FLAG_STOP_COPY,
        [RP] = HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_P2P,
        [PC] = HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_PRE_COPY,
        [PP] = HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_P2P | HISI_MIG_FLAG_PRE_COPY,
};

/* The uAPI's VFIO_DEVICE_STATE_* names. */
static const char *const hisi_mig_state_table[_HISI_MIG_STATE_MAX] = {
        [ER] = "ERROR",    [ST] = "STOP",        [RU] = "RUNNING",  [SC] = "STOP_COPY",
        [RE] = "RESUMING", [RP] = "RUNNING_P2P", [PC] = "PRE_COPY", [PP] = "PRE_COPY_P2P",
};

#undef ER
#undef ST
#undef RU
#undef SC
#undef RE
#undef RP
#undef PC
#undef PP

/* The uAPI's VFIO_MIGRATION_* names, in bit order. */
static const struct {
        uint64_t bit;
        const char *name;
} flag_names[] = {
        { HISI_MIG_FLAG_STOP_COPY, "STOP_COPY" },
        { HISI_MIG_FLAG_P2P, "P2P" },
        { HISI_MIG_FLAG_PRE_COPY, "PRE_COPY" },
};

static bool state_in_range(hisi_mig_state state) {
        return (int)state >= 0 && (int)state < _HISI_MIG_STATE_MAX;
}

static bool flags_valid(uint64_t flags) {
        return (flags & HISI_MIG_FLAG_STOP_COPY) && !(flags & ~HISI_MIG_FLAGS_KNOWN);
}

/* Whether the n bytes at s spell name (upper case, '_') in any case, with '-' for '_'. */
static bool name_matches(const char *name, const char *s, size_t n) {
        size_t i;

        for (i = 0; i < n; i++) {
                char c = s[i] == '-' ? '_' : (char)toupper((unsigned char)s[i]);

                if (name[i] == '\0' || c != name[i])
                        return false;
        }
        return name[i] == '\0';
}

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(hisi_mig_state, hisi_mig_state);

/* Not the table's exact lookup: a person may type "stop-copy" or "Running_P2P" (name_matches()),
 * as for the flags. */
hisi_mig_state hisi_mig_state_from_string(const char *s) {
        if (!s)
                return _HISI_MIG_STATE_INVALID;
        for (int i = 0; i < _HISI_MIG_STATE_MAX; i++)
                if (name_matches(hisi_mig_state_table[i], s, strlen(s)))
                        return (hisi_mig_state)i;
        return _HISI_MIG_STATE_INVALID;
}

int hisi_mig_flags_to_string(uint64_t flags, char **ret) {
        /* The longest result: every name and every unknown bit. */
        char buf[STRLEN("STOP_COPY|P2P|PRE_COPY|0x") + 16 + 1];
        char *p = buf;
        uint64_t unknown = flags & ~HISI_MIG_FLAGS_KNOWN;
        char *s;

        if (!ret)
                return -EINVAL;

        if (flags == 0)
                p = stpcpy(p, "none");
        for (size_t i = 0; i < ELEMENTSOF(flag_names); i++) {
                if (!(flags & flag_names[i].bit))
                        continue;
                if (p != buf)
                        *p++ = '|';
                p = stpcpy(p, flag_names[i].name);
        }
        if (unknown != 0) {
                if (p != buf)
                        *p++ = '|';
                (void)snprintf(p, sizeof(buf) - (size_t)(p - buf), "0x%" PRIx64, unknown);
        } else
                *p = '\0';

        s = strdup(buf);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Cut blanks off both ends, in place. */
static char *strip(char *s) {
        char *end;

        while (*s == ' ' || *s == '\t')
                s++;
        end = s + strlen(s);
        while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        *end = '\0';
        return s;
}

int hisi_mig_flags_from_string(const char *s, uint64_t *ret) {
        _cleanup_free_ char *copy = NULL;
        uint64_t flags = 0;
        char *p, *word;

        if (!s || !ret)
                return -EINVAL;

        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        p = strip(copy);

        /* What hisi_mig_flags_to_string() writes for 0; only on its own. */
        if (name_matches("NONE", p, strlen(p))) {
                *ret = 0;
                return 0;
        }

        while ((word = strsep(&p, "|,"))) {
                uint64_t v = 0;
                size_t i;

                word = strip(word);
                for (i = 0; i < ELEMENTSOF(flag_names); i++)
                        if (name_matches(flag_names[i].name, word, strlen(word))) {
                                v = flag_names[i].bit;
                                break;
                        }
                /* Not a name: a number (this also refuses an empty word). Overflow is -EINVAL
                 * too, as the header promises. */
                if (i == ELEMENTSOF(flag_names) && safe_atou64(word, &v) < 0)
                        return -EINVAL;
                flags |= v;
        }

        *ret = flags;
        return 0;
}

bool hisi_mig_state_supported(hisi_mig_state state, uint64_t flags) {
        if (!flags_valid(flags) || !state_in_range(state))
                return false;
        return (state_needs[state] & flags) == state_needs[state];
}

int hisi_mig_next_state(uint64_t flags, hisi_mig_state cur, hisi_mig_state new,
                        hisi_mig_state *ret_next) {
        hisi_mig_state next;

        if (!ret_next)
                return -EINVAL;
        /* Also refuses bad flags, out-of-range values and ERROR on either side. */
        if (!hisi_mig_state_supported(cur, flags) || !hisi_mig_state_supported(new, flags))
                return -EINVAL;

        next = next_step[cur][new];
        /*
         * The skip loop: a state the device lacks is passed over by looking up its own next step
         * towards new. The kernel loops until it finds a supported state, and ERROR is never
         * supported while its row is all ERROR: on a blocked arc it spins forever. Stop there.
         * The bound only guards against a broken table; the table above never reaches it.
         */
        for (unsigned i = 0; !hisi_mig_state_supported(next, flags); i++) {
                if (next == HISI_MIG_STATE_ERROR)
                        return -EINVAL;
                if (i >= _HISI_MIG_STATE_MAX)
                        return -ELOOP;
                next = next_step[next][new];
        }

        *ret_next = next;
        return 0;
}

int hisi_mig_plan(uint64_t flags, hisi_mig_state cur, hisi_mig_state new, hisi_mig_path *ret) {
        hisi_mig_path path = {
                .states = { cur },
                .n = 1,
        };

        if (!ret)
                return -EINVAL;
        if (!hisi_mig_state_supported(cur, flags) || !hisi_mig_state_supported(new, flags))
                return -EINVAL;

        while (path.states[path.n - 1] != new) {
                hisi_mig_state next;
                int r;

                /* A path visits each state at most once, so it fits; more means a cycle. */
                if (path.n >= HISI_MIG_PATH_MAX)
                        return -ELOOP;
                r = hisi_mig_next_state(flags, path.states[path.n - 1], new, &next);
                if (r < 0)
                        return r;
                path.states[path.n++] = next;
        }

        *ret = path;
        return 0;
}

/* As in the kernel drivers: each arc that starts a data session is its own case. */
bool hisi_mig_arc_opens_session(hisi_mig_state from, hisi_mig_state to) {
        switch (from) {
        case HISI_MIG_STATE_RUNNING:
                return to == HISI_MIG_STATE_PRE_COPY;
        case HISI_MIG_STATE_RUNNING_P2P:
                return to == HISI_MIG_STATE_PRE_COPY_P2P;
        case HISI_MIG_STATE_STOP:
                return to == HISI_MIG_STATE_STOP_COPY || to == HISI_MIG_STATE_RESUMING;
        case HISI_MIG_STATE_ERROR:
        case HISI_MIG_STATE_STOP_COPY:
        case HISI_MIG_STATE_RESUMING:
        case HISI_MIG_STATE_PRE_COPY:
        case HISI_MIG_STATE_PRE_COPY_P2P:
                return false;
        case _HISI_MIG_STATE_MAX:
        case _HISI_MIG_STATE_INVALID:
                break;
        }
        return false;
}

bool hisi_mig_arc_ends_session(hisi_mig_state from, hisi_mig_state to) {
        switch (from) {
        case HISI_MIG_STATE_STOP_COPY:
        case HISI_MIG_STATE_RESUMING:
                return to == HISI_MIG_STATE_STOP;
        case HISI_MIG_STATE_PRE_COPY:
                return to == HISI_MIG_STATE_RUNNING;
        case HISI_MIG_STATE_PRE_COPY_P2P:
                return to == HISI_MIG_STATE_RUNNING_P2P;
        case HISI_MIG_STATE_ERROR:
        case HISI_MIG_STATE_STOP:
        case HISI_MIG_STATE_RUNNING:
        case HISI_MIG_STATE_RUNNING_P2P:
                return false;
        case _HISI_MIG_STATE_MAX:
        case _HISI_MIG_STATE_INVALID:
                break;
        }
        return false;
}

bool hisi_mig_state_is_saving(hisi_mig_state state) {
        switch (state) {
        case HISI_MIG_STATE_PRE_COPY:
        case HISI_MIG_STATE_PRE_COPY_P2P:
        case HISI_MIG_STATE_STOP_COPY:
                return true;
        case HISI_MIG_STATE_ERROR:
        case HISI_MIG_STATE_STOP:
        case HISI_MIG_STATE_RUNNING:
        case HISI_MIG_STATE_RESUMING:
        case HISI_MIG_STATE_RUNNING_P2P:
                return false;
        case _HISI_MIG_STATE_MAX:
        case _HISI_MIG_STATE_INVALID:
                break;
        }
        return false;
}

bool hisi_mig_state_is_precopy(hisi_mig_state state) {
        switch (state) {
        case HISI_MIG_STATE_PRE_COPY:
        case HISI_MIG_STATE_PRE_COPY_P2P:
                return true;
        case HISI_MIG_STATE_ERROR:
        case HISI_MIG_STATE_STOP:
        case HISI_MIG_STATE_RUNNING:
        case HISI_MIG_STATE_STOP_COPY:
        case HISI_MIG_STATE_RESUMING:
        case HISI_MIG_STATE_RUNNING_P2P:
                return false;
        case _HISI_MIG_STATE_MAX:
        case _HISI_MIG_STATE_INVALID:
                break;
        }
        return false;
}

int hisi_mig_path_to_string(const hisi_mig_path *path, char **ret) {
        size_t len = 1;
        char *s, *p;

        if (!path || !ret)
                return -EINVAL;
        if (path->n == 0 || path->n > HISI_MIG_PATH_MAX)
                return -EINVAL;
        for (size_t i = 0; i < path->n; i++) {
                const char *name = hisi_mig_state_to_string(path->states[i]);

                if (!name)
                        return -EINVAL;
                len += strlen(name) + (i > 0 ? STRLEN(" -> ") : 0);
        }

        s = malloc(len);
        if (!s)
                return -ENOMEM;
        p = s;
        for (size_t i = 0; i < path->n; i++) {
                if (i > 0)
                        p = stpcpy(p, " -> ");
                p = stpcpy(p, hisi_mig_state_table[path->states[i]]);
        }

        *ret = s;
        return 0;
}
