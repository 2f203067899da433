/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VFIO migration v2 state machine, as the kernel defines it: the states and flags of
 * include/uapi/linux/vfio.h, and the next-state table with its skip loop of
 * vfio_mig_get_next_state() (drivers/vfio/vfio_main.c). Written once here and shared by the
 * simulated host, the path planner and the validator. Pure logic: no I/O.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Values are the kernel's enum vfio_device_mig_state. */
typedef enum hisi_mig_state {
        HISI_MIG_STATE_ERROR = 0,
        HISI_MIG_STATE_STOP = 1,
        HISI_MIG_STATE_RUNNING = 2,
        HISI_MIG_STATE_STOP_COPY = 3,
        HISI_MIG_STATE_RESUMING = 4,
        HISI_MIG_STATE_RUNNING_P2P = 5,
        HISI_MIG_STATE_PRE_COPY = 6,
        HISI_MIG_STATE_PRE_COPY_P2P = 7,
        _HISI_MIG_STATE_MAX,
        _HISI_MIG_STATE_INVALID = -EINVAL,
} hisi_mig_state;

/* Values are the kernel's VFIO_MIGRATION_* flags. */
#define HISI_MIG_FLAG_STOP_COPY UINT64_C(0x1)
#define HISI_MIG_FLAG_P2P       UINT64_C(0x2)
#define HISI_MIG_FLAG_PRE_COPY  UINT64_C(0x4)
#define HISI_MIG_FLAGS_KNOWN    (HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_P2P | HISI_MIG_FLAG_PRE_COPY)

/* The longest path of states (the current one included) any request can take. */
#define HISI_MIG_PATH_MAX _HISI_MIG_STATE_MAX

/* The states a SET walks through, states[0] being where it starts. n == 1 means no arc. */
typedef struct hisi_mig_path {
        hisi_mig_state states[HISI_MIG_PATH_MAX];
        size_t n;
} hisi_mig_path;

/* The uAPI names without prefix: "RUNNING", "PRE_COPY_P2P", …; NULL when out of range. */
const char *hisi_mig_state_to_string(hisi_mig_state state);
/* Accepts the uAPI names in any case, with '-' for '_' ("stop-copy"); -EINVAL otherwise. */
hisi_mig_state hisi_mig_state_from_string(const char *s);

/* "STOP_COPY|PRE_COPY"; unknown bits as "0x…"; "none" for 0. Returns a new string. */
int hisi_mig_flags_to_string(uint64_t flags, char **ret);
/* The inverse: names joined by '|' or ',' in any case, or a number. -EINVAL otherwise. */
int hisi_mig_flags_from_string(const char *s, uint64_t *ret);

/*
 * Flags must hold STOP_COPY (mandatory in the uAPI) and no bit outside HISI_MIG_FLAGS_KNOWN. With
 * any other value no state is supported, so every request below is -EINVAL. A caller that wants
 * to tolerate bits of a newer kernel masks them with HISI_MIG_FLAGS_KNOWN first.
 */
/* Whether a device with these flags has this state (ERROR: never requestable, so false). */
bool hisi_mig_state_supported(hisi_mig_state state, uint64_t flags);

/*
 * One step of vfio_mig_get_next_state(): the next state on the way from cur to new on a device
 * with these flags, after the skip loop over states the device lacks.
 *  -EINVAL when cur or new is not a state of this device, when new is ERROR, or when the arc is
 *  blocked. STOP_COPY -> PRE_COPY(_P2P) is blocked: the kernel loops forever there (a soft
 *  lockup on kernels >= 6.2 without the 2026 fix); here it is -EINVAL, the intended result.
 *  cur == new gives new.
 */
int hisi_mig_next_state(uint64_t flags, hisi_mig_state cur, hisi_mig_state new,
                        hisi_mig_state *ret_next);

/* The whole path a SET from cur to new takes, every arc checked as above. */
int hisi_mig_plan(uint64_t flags, hisi_mig_state cur, hisi_mig_state new, hisi_mig_path *ret);

/* Data-session effects of one arc (facts page, section 1.5). */
bool hisi_mig_arc_opens_session(hisi_mig_state from, hisi_mig_state to); /* a new data fd */
bool hisi_mig_arc_ends_session(hisi_mig_state from, hisi_mig_state to);  /* the fd disabled */
/* The states in which a saving session is readable or a resuming one writable. */
bool hisi_mig_state_is_saving(hisi_mig_state state);  /* PRE_COPY, PRE_COPY_P2P, STOP_COPY */
bool hisi_mig_state_is_precopy(hisi_mig_state state); /* PRE_COPY, PRE_COPY_P2P */

/* "RUNNING -> STOP -> STOP_COPY". Returns a new string. */
int hisi_mig_path_to_string(const hisi_mig_path *path, char **ret);
