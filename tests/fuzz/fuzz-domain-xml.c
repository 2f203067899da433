/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the libvirt domain XML reader (daemon/domain-xml.c): arbitrary bytes are read
 * as a domain XML. Accepted, the addresses are canonical PCI addresses without duplicates;
 * refused, the error is -EINVAL with a message (or -ENOMEM) and nothing is returned.
 */

#include <errno.h>
#include <libxml/parser.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain-xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
        if (!ok)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char **a = (char **)&a, *name = NULL, *error = NULL;
        size_t n = 12345;
        int r;

        r = domain_xml_managed_hostdevs((const char *)data, size, &a, &n, &name, &error);
        if (r < 0) {
                check(r == -EINVAL || r == -ENOMEM);
                check(r == -ENOMEM || (error && error[0]));
                check(a == (char **)&a && n == 12345 && !name);
                free(error);
                return 0;
        }
        check(!error);
        for (size_t i = 0; i < n; i++) {
                check(hisi_pci_address_valid(a[i]));
                for (size_t j = 0; j < i; j++)
                        check(strcmp(a[i], a[j]) != 0);
        }
        domain_xml_addresses_free(a, n);
        free(name);
        xmlResetLastError();
        return 0;
}
