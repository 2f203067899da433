/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the migration hook's domain XML reader and rewriter (daemon/hook/hook-xml.c):
 * arbitrary bytes are read as the domain XML libvirt hands the hook. Refused, the error is
 * -EINVAL with a sentence (or -ENOMEM) and nothing is returned. Accepted, every hostdev's tag
 * lies in the text, in order, and starts with "<address"; rewriting every hostdev to one address
 * gives a text that reads back with the same hostdevs at that address, and rewriting none gives
 * the input byte for byte.
 */

#include <errno.h>
#include <libxml/parser.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hook-xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
        if (!ok)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *xml = (const char *)data;
        HookDomain d = {}, again = {};
        char *error = NULL, *out = NULL, **to;
        size_t out_len, pos = 0;
        int r;

        r = hook_domain_parse(xml, size, &d, &error);
        if (r < 0) {
                check(r == -EINVAL || r == -ENOMEM || r == -EFBIG);
                check(r == -ENOMEM || (error && error[0]));
                check(!d.hostdevs && !d.vfs && !d.name);
                free(error);
                xmlResetLastError();
                return 0;
        }
        check(!error);
        for (size_t i = 0; i < d.n_hostdevs; i++) {
                const HookHostdev *h = &d.hostdevs[i];
                check(hisi_pci_address_valid(h->address));
                check(h->tag_start >= pos && h->tag_start < h->tag_end && h->tag_end <= size);
                check(memcmp(xml + h->tag_start, "<address", 8) == 0);
                pos = h->tag_end;
        }
        for (size_t i = 0; i < d.n_vfs; i++)
                check(hisi_pci_address_valid(d.vfs[i].address));

        to = calloc(d.n_hostdevs + 1, sizeof(char *));
        check(to);
        check(hook_domain_rewrite(xml, size, &d, to, &out, &out_len) == 0);
        check(out_len == size && memcmp(out, xml, size) == 0);
        free(out);
        for (size_t i = 0; i < d.n_hostdevs; i++)
                to[i] = (char *)"0000:75:00.7";
        check(hook_domain_rewrite(xml, size, &d, to, &out, &out_len) == 0);
        r = hook_domain_parse(out, out_len, &again, &error);
        check(r == 0 || r == -ENOMEM);
        if (r == 0) {
                check(again.n_hostdevs == d.n_hostdevs);
                for (size_t i = 0; i < again.n_hostdevs; i++)
                        check(strcmp(again.hostdevs[i].address, "0000:75:00.7") == 0);
        }
        free(error);
        free(out);
        free(to);
        hook_domain_done(&again);
        hook_domain_done(&d);
        xmlResetLastError();
        return 0;
}
