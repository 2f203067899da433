/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel behaviour profiles of the simulated host (see sim-profile.h): names and switches. */

#include "hisi/mig-state.h"
#include "sim-profile.h"
#include "string-table.h"

static const char *const sim_profile_table[_SIM_PROFILE_MAX] = {
        [SIM_PROFILE_6_1] = "6.1",
        [SIM_PROFILE_6_2] = "6.2",
        [SIM_PROFILE_6_16] = "6.16",
        [SIM_PROFILE_6_19] = "6.19",
};

DEFINE_STRING_TABLE_LOOKUP(sim_profile, sim_profile);

static bool profile_valid(sim_profile p) {
        return p >= 0 && p < _SIM_PROFILE_MAX;
}

/* Whether p is a valid profile at least as new as min. Profiles are in version order. */
static bool at_least(sim_profile p, sim_profile min) {
        return profile_valid(p) && p >= min;
}

/* The switches: each is on from one profile on (sim-profile.h says why). */
#define PROFILE_SWITCH(name, since)                                                                \
        bool sim_profile_##name(sim_profile p) {                                                   \
                return at_least(p, since);                                                         \
        }

PROFILE_SWITCH(has_precopy, SIM_PROFILE_6_2)
PROFILE_SWITCH(has_data_size, SIM_PROFILE_6_2)
PROFILE_SWITCH(early_match, SIM_PROFILE_6_2)
PROFILE_SWITCH(sends_v2, SIM_PROFILE_6_16)
PROFILE_SWITCH(fixed_dma_order, SIM_PROFILE_6_16)
PROFILE_SWITCH(load_checks_dma, SIM_PROFILE_6_16)
PROFILE_SWITCH(close_disables_fds, SIM_PROFILE_6_16)
PROFILE_SWITCH(pf_ctrl_bar, SIM_PROFILE_6_19)
PROFILE_SWITCH(reset_fix, SIM_PROFILE_6_19)

uint64_t sim_profile_migration_flags(sim_profile p) {
        if (!profile_valid(p))
                return 0;
        if (sim_profile_has_precopy(p))
                return HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_PRE_COPY;
        return HISI_MIG_FLAG_STOP_COPY;
}
