/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the simulated host's config decoder (and through it the strict JSON layer):
 * arbitrary bytes are parsed as a config. A config that is accepted has no message and every
 * field in range, with no two devices at one address; a refusal is one of the documented errors,
 * leaves the output untouched and has a message that starts with the origin and, for -EINVAL,
 * a line within the text.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-config.h"

#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int compare_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return x < y ? -1 : x > y;
}

/* The routing ID of an address, with its domain: domain << 16 | bus << 8 | devfn. */
static uint32_t routing_key(const char *address) {
        unsigned domain, bus, dev, fn;

        check(sscanf(address, "%x:%x:%x.%x", &domain, &bus, &dev, &fn) == 4);
        return domain << 16 | bus << 8 | dev << 3 | fn;
}

static void check_config(const sim_config *c) {
        uint32_t *keys;
        size_t n = 0;

        check(c->profile >= 0 && c->profile < _SIM_PROFILE_MAX);
        check(c->n_pfs >= 1 && c->n_pfs <= SIM_CONFIG_PFS_MAX && c->pfs);
        keys = malloc(c->n_pfs * 256 * sizeof(*keys));
        check(keys);
        for (size_t i = 0; i < c->n_pfs; i++) {
                const sim_pf_config *pf = &c->pfs[i];
                char vf[HISI_PCI_ADDRESS_MAX];

                check(hisi_pci_address_valid(pf->address));
                check(pf->address[11] == '0');
                check(pf->kind >= 0 && pf->kind < _HISI_KIND_MAX);
                check(pf->total_vfs >= 1 && pf->total_vfs <= 255);
                check(pf->num_vfs <= pf->total_vfs);
                check(pf->qp_per_vf >= 1 && pf->qp_per_vf <= 1024);
                check(pf->qm_version <= 255);
                keys[n++] = routing_key(pf->address);
                /* Every VF the PF could enable has an address of its own. */
                for (unsigned j = 0; j < pf->total_vfs; j++) {
                        check(sim_config_vf_address(pf, j, vf) == 0);
                        check(hisi_pci_address_valid(vf));
                        keys[n++] = routing_key(vf);
                }
                check(sim_config_vf_address(pf, 255, vf) == -ERANGE);
        }
        qsort(keys, n, sizeof(*keys), compare_u32);
        for (size_t i = 1; i < n; i++)
                check(keys[i - 1] != keys[i]);
        free(keys);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        sim_config c, untouched, copy;
        char *msg = NULL;
        int r;

        memset(&c, 0xa5, sizeof(c));
        untouched = c;
        r = sim_config_parse((const char *)data, size, ORIGIN, &c, &msg);
        if (!check_result(r, msg, &c, &untouched, sizeof(c), data, size))
                return 0;
        check_config(&c);
        check(sim_config_copy(&c, &copy) == 0);
        check(copy.n_pfs == c.n_pfs && copy.seed == c.seed && copy.profile == c.profile);
        check(memcmp(copy.pfs, c.pfs, c.n_pfs * sizeof(*c.pfs)) == 0);
        sim_config_done(&copy);
        sim_config_done(&c);
        return 0;
}
