/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel behaviour profiles of the simulated host: which kernel's hisi_acc_vfio_pci a simulated
 * VF behaves like (facts page, section 3.8).
 *   6.1   flags STOP_COPY only, no PRE_COPY, no MIG_DATA_SIZE, match checked at RESUMING -> STOP
 *   6.2   flags STOP_COPY|PRE_COPY, PRECOPY_INFO, MIG_DATA_SIZE, match checked from the 40th byte
 *   6.16  as 6.2, V2 magic with version 1.0 sent (V1 still accepted), fixed DMA word order,
 *         no-guest-driver load path
 *   6.19  as 6.16, PF-controlled migration registers: the whole BAR2 is exposed; the reset fix
 *         of 6.19.y by default (reset_done resets, open_device clears match_done: upstream
 *         8be14dd48dfe and 8c6ac1730a97)
 * On 6.2 and 6.16 a reset leaves the migration state as it was, unless the reset fix is chosen
 * (sim_vf_config.reset_fix, the config's "reset_fix"), which any 6.2+ profile can have.
 *
 * Distribution kernels carry stable backports: Debian's 6.12.117 behaves like the 6.16 profile
 * (V2 magic, DMA order fix, no-guest-driver path); 6.12.75 took 8be14dd48dfe but not
 * 8c6ac1730a97, which no profile models.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum sim_profile {
        SIM_PROFILE_6_1,
        SIM_PROFILE_6_2,
        SIM_PROFILE_6_16,
        SIM_PROFILE_6_19,
        _SIM_PROFILE_MAX,
        _SIM_PROFILE_INVALID = -EINVAL,
} sim_profile;

const char *sim_profile_to_string(sim_profile p); /* "6.1", "6.2", "6.16", "6.19" */
sim_profile sim_profile_from_string(const char *s);

bool sim_profile_has_precopy(sim_profile p);     /* >= 6.2 */
bool sim_profile_has_data_size(sim_profile p);   /* >= 6.2 */
bool sim_profile_sends_v2(sim_profile p);        /* >= 6.16 */
bool sim_profile_fixed_dma_order(sim_profile p); /* >= 6.16 */
bool sim_profile_pf_ctrl_bar(sim_profile p);     /* >= 6.19, with QM > V3 */

/* The VFIO_MIGRATION_* flags the driver reports: STOP_COPY, and PRE_COPY from 6.2. */
uint64_t sim_profile_migration_flags(sim_profile p);
/* The compatibility check runs on each resume write once 40 bytes are in (>= 6.2); before, it
 * runs at RESUMING -> STOP. */
bool sim_profile_early_match(sim_profile p);
/* RESUMING -> STOP with any DMA address zero succeeds as NOT_READY, loading nothing (>= 6.16). */
bool sim_profile_load_checks_dma(sim_profile p);
/* The default of the reset fix (sim_vf_config.reset_fix): the 2026 series of upstream
 * 8be14dd48dfe (reset_done resets the migration state) and 8c6ac1730a97 (open_device clears
 * match_done) is in 6.19.y; 6.2 and 6.16 as released do not have it. */
bool sim_profile_reset_fix(sim_profile p);
/* close_device disables the data files (>= 6.16; before, they stay usable after the close). */
bool sim_profile_close_disables_fds(sim_profile p);
