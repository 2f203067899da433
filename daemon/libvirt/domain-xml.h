/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PCI devices a libvirt domain XML hands to its guest with managed='yes': <hostdev
 * mode='subsystem' type='pci' managed='yes'> and <interface type='hostdev' managed='yes'>, each
 * with its <source><address domain= bus= slot= function=/>. libvirt detaches and reattaches
 * those itself (ECOSYSTEM.md, section 2.2), so hisi-accmigd's policy leaves them alone. Pure
 * logic over text with libxml2 (no network, no entity expansion); a fuzz target feeds it.
 */
#pragma once

#include <stddef.h>

#include "hisi/pci-address.h"

/*
 * The canonical addresses ("0000:75:00.2") of the managed PCI hostdevs in xml, in document
 * order, without duplicates, and the domain's <name> (NULL when it has none). -EINVAL and
 * *ret_error (may be NULL) for a text that is not a domain XML or an address that is not valid;
 * -ENOMEM.
 */
int domain_xml_managed_hostdevs(const char *xml, size_t len, char ***ret_addresses, size_t *ret_n,
                                char **ret_name, char **ret_error);

/*
 * The same for every PCI hostdev, managed='yes' or not (the ones hisi-accmigd keeps metadata
 * for, and holds while the domain runs).
 */
int domain_xml_pci_hostdevs(const char *xml, size_t len, char ***ret_addresses, size_t *ret_n,
                            char **ret_error);

void domain_xml_addresses_free(char **addresses, size_t n);
