/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated host's configuration: the kernel profile its VFs behave like, the seed of their
 * register values, and its PFs. Read from a JSON file (hisi-accsim --config), or the defaults:
 *
 *   {
 *     "profile": "6.16",      "6.1", "6.2", "6.16" or "6.19"; default "6.16"
 *     "reset_fix": false,     the 2026 reset fix (upstream 8be14dd48dfe, 8c6ac1730a97): a reset
 *                             puts a VF back to RUNNING and opening it clears match_done; default
 *                             true on 6.19, false on 6.2 and 6.16; 6.1 resets either way
 *     "seed": 1,              0 to 2^64-1; default 1
 *     "pfs": [                1 to SIM_CONFIG_PFS_MAX PFs; when given, replaces the default list
 *       {                     (one PF of each kind at 0000:75:00.0, 0000:76:00.0, 0000:79:00.0)
 *         "address": "0000:75:00.0",  required; "75:00.0" and upper case are accepted; a PF is
 *                                     function 0 of its device, as HiSilicon's are
 *         "kind": "zip",              required: "zip", "sec" or "hpre"
 *         "total_vfs": 63,            sriov_totalvfs, 1 to 255; default 63
 *         "vfs": 4,                   VFs enabled (sriov_numvfs), 0 to total_vfs; default 4,
 *                                     or total_vfs when that is smaller
 *         "qp_per_vf": 64,            queue pairs of each VF, 1 to 1024; default 64
 *         "que_iso_cfg": 0,           the PF's QM_QUE_ISO_CFG_V, a u32; default 0
 *         "qm_version": 48,           the QM version, the PF's PCI revision: 0 to 255, or "v1"
 *                                     (0x20), "v2" (0x21), "v3" (0x30); default 0x30
 *         "driver_bound": true,       the PF is bound to its host driver; default true
 *         "guest_driver": true        a guest driver runs on each VF; default true
 *       }
 *     ]
 *   }
 *
 * VF i of a PF has the routing ID of the PF + 1 + i (First VF Offset 1, VF Stride 1). The SR-IOV
 * capability fixes the routing IDs of all total_vfs VFs, so those of each PF must fit on its bus
 * and must not meet another PF or the routing IDs of its VFs: a config where enabling more VFs
 * would make two devices share an address is refused. Every error names the file, the line, the
 * path and the reason: "sim.json:7: pfs[1].vfs: expected an integer from 0 to 255, got "four"".
 */
#pragma once

#include <json-c/json.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hisi/kind.h"
#include "hisi/pci-address.h"
#include "sim-profile.h"

#define SIM_CONFIG_PFS_MAX 64u

/* The PCIe root port the simulated accelerators sit behind, as on a Kunpeng 920: no PF may take
 * its address. */
#define SIM_BRIDGE_ADDRESS "0000:74:00.0"

typedef struct sim_pf_config {
        char address[HISI_PCI_ADDRESS_MAX]; /* canonical "dddd:bb:dd.0" */
        hisi_kind kind;
        unsigned num_vfs;   /* 0 to total_vfs */
        unsigned total_vfs; /* 1 to 255 */
        uint32_t qp_per_vf; /* 1 to 1024 */
        uint32_t que_iso_cfg;
        uint32_t qm_version; /* 0 to 255: 0x20 V1, 0x21 V2, 0x30 V3 */
        bool driver_bound;
        bool guest_driver;
} sim_pf_config;

typedef struct sim_config {
        sim_profile profile;
        bool reset_fix; /* see sim_vf_config.reset_fix */
        uint64_t seed;
        sim_pf_config *pfs; /* n_pfs, 1 to SIM_CONFIG_PFS_MAX */
        size_t n_pfs;
        /* Faults to inject at start: an array of `hisi-accsim ctl` fault requests
         * ({"type": "arc"|"delay"|"corrupt"|"probe", "device", "from", "to", "errno", "once",
         * "ms", "offset", "driver"}), checked here for shape and by the host when it applies
         * them; NULL when none. */
        json_object *faults;
} sim_config;

/* One PF per kind: ZIP 0000:75:00.0, SEC 0000:76:00.0, HPRE 0000:79:00.0, each with 4 of 63 VFs
 * enabled, 64 queue pairs per VF, QM V3, bound to its host driver, guest drivers running;
 * profile 6.16 without the reset fix, seed 1. */
int sim_config_default(sim_config *ret);

/*
 * Decode a config from text; origin names it in messages (NULL: "input"). -EINVAL for a
 * malformed config, -EFBIG for a text over 1 MiB, -ENOMEM. On failure *ret is untouched and
 * *ret_error (when not NULL) gets the message, which the caller frees (NULL only for -ENOMEM).
 */
int sim_config_parse(const char *text, size_t len, const char *origin, sim_config *ret,
                     char **ret_error);
/* Read and decode the file at path (the origin of messages); read errors are negative errnos
 * with a message "<path>: <strerror>". */
int sim_config_load(const char *path, sim_config *ret, char **ret_error);

/* A deep copy. */
int sim_config_copy(const sim_config *c, sim_config *ret);
/* Free what c holds and leave it empty; c may be empty or zeroed. */
void sim_config_done(sim_config *c);

/*
 * The address of VF index (0-based) of a PF: the PF's routing ID + 1 + index, the carry going
 * into the device number: 0000:75:00.0 has VF 0 at 0000:75:00.1 and VF 7 at 0000:75:01.0.
 * -ERANGE when that is past the end of the PF's bus, -EINVAL for an invalid PF address. The
 * index is not checked against total_vfs.
 */
int sim_config_vf_address(const sim_pf_config *pf, unsigned index,
                          char ret[static HISI_PCI_ADDRESS_MAX]);
