/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel behaviour profiles of the simulated host (see sim-profile.h): names and switches. */

#include "hisi/mig-state.h"
#include "sim-profile.h"

#include <string.h>

static const char *const profile_names[_SIM_PROFILE_MAX] = {
        [SIM_PROFILE_6_1] = "6.1",
        [SIM_PROFILE_6_2] = "6.2",
        [SIM_PROFILE_6_16] = "6.16",
        [SIM_PROFILE_6_19] = "6.19",
};

static bool profile_valid(sim_profile p) {
        return p >= 0 && p < _SIM_PROFILE_MAX;
}

/* Whether p is a valid profile at least as new as min. Profiles are in version order. */
static bool at_least(sim_profile p, sim_profile min) {
        return profile_valid(p) && p >= min;
}

const char *sim_profile_to_string(sim_profile p) {
        if (!profile_valid(p))
                return NULL;
        return profile_names[p];
}

sim_profile sim_profile_from_string(const char *s) {
        if (!s)
                return _SIM_PROFILE_INVALID;
        for (sim_profile p = 0; p < _SIM_PROFILE_MAX; p++)
                if (strcmp(s, profile_names[p]) == 0)
                        return p;
        return _SIM_PROFILE_INVALID;
}

bool sim_profile_has_precopy(sim_profile p) {
        return at_least(p, SIM_PROFILE_6_2);
}

bool sim_profile_has_data_size(sim_profile p) {
        return at_least(p, SIM_PROFILE_6_2);
}

bool sim_profile_sends_v2(sim_profile p) {
        return at_least(p, SIM_PROFILE_6_16);
}

bool sim_profile_fixed_dma_order(sim_profile p) {
        return at_least(p, SIM_PROFILE_6_16);
}

bool sim_profile_pf_ctrl_bar(sim_profile p) {
        return at_least(p, SIM_PROFILE_6_19);
}

uint64_t sim_profile_migration_flags(sim_profile p) {
        if (!profile_valid(p))
                return 0;
        if (sim_profile_has_precopy(p))
                return HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_PRE_COPY;
        return HISI_MIG_FLAG_STOP_COPY;
}

bool sim_profile_early_match(sim_profile p) {
        return at_least(p, SIM_PROFILE_6_2);
}

bool sim_profile_load_checks_dma(sim_profile p) {
        return at_least(p, SIM_PROFILE_6_16);
}

bool sim_profile_reset_fix(sim_profile p) {
        return at_least(p, SIM_PROFILE_6_19);
}

bool sim_profile_close_disables_fds(sim_profile p) {
        return at_least(p, SIM_PROFILE_6_16);
}
