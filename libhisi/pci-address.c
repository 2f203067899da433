/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PCI address validation and normalisation (see pci-address.h). */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hisi/pci-address.h"

static int hex_field(const char *s, size_t len, unsigned *ret) {
        unsigned v = 0;

        for (size_t i = 0; i < len; i++) {
                if (!isxdigit((unsigned char)s[i]))
                        return -EINVAL;
                v = v * 16 + (unsigned)(isdigit((unsigned char)s[i])
                                                ? s[i] - '0'
                                                : tolower((unsigned char)s[i]) - 'a' + 10);
        }
        *ret = v;
        return 0;
}

int hisi_pci_address_normalize(const char *s, char ret[static HISI_PCI_ADDRESS_MAX]) {
        unsigned domain = 0, bus, dev, fn;
        size_t len;

        if (!s)
                return -EINVAL;
        len = strlen(s);
        if (len == 12) {
                if (s[4] != ':' || hex_field(s, 4, &domain) < 0)
                        return -EINVAL;
                s += 5;
                len -= 5;
        }
        if (len != 7 || s[2] != ':' || s[5] != '.')
                return -EINVAL;
        if (hex_field(s, 2, &bus) < 0 || hex_field(s + 3, 2, &dev) < 0 ||
            hex_field(s + 6, 1, &fn) < 0)
                return -EINVAL;
        if (dev >= 0x20 || fn >= 8)
                return -EINVAL;
        snprintf(ret, HISI_PCI_ADDRESS_MAX, "%04x:%02x:%02x.%x", domain, bus, dev, fn);
        return 0;
}

bool hisi_pci_address_valid(const char *s) {
        char canon[HISI_PCI_ADDRESS_MAX];

        if (hisi_pci_address_normalize(s, canon) < 0)
                return false;
        return strcmp(canon, s) == 0;
}
