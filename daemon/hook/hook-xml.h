/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the migration hook reads of the domain XML libvirt gives it, and the one change it
 * makes. Read: the domain's name, every <hostdev mode='subsystem' type='pci'> with its managed
 * attribute and its <source><address/>, and hisi-accmigd's metadata (domain-metadata.h).
 * Written: the domain XML with some hostdevs' source address replaced, and nothing else changed:
 * the parser records where each <address> start tag lies in the text, and the new text is the
 * old one with those bytes replaced by a new tag (libxml2 would re-serialise the whole document:
 * attribute quotes, entities, white space and comments could all change). Pure logic over text;
 * no network, no entity substitution, no DTD. A fuzz target feeds it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "domain-metadata.h"
#include "hisi/pci-address.h"

/* libvirt's domain XML is far smaller; more is refused. */
#define HOOK_XML_SIZE_MAX (16u * 1024 * 1024)
#define HOOK_HOSTDEVS_MAX 1024

typedef struct HookHostdev {
        char address[HISI_PCI_ADDRESS_MAX]; /* its source address, canonical */
        bool managed;                       /* managed='yes' */
        size_t tag_start, tag_end;          /* its <address ...> start tag: [start, end) */
        bool self_closing;                  /* the tag ends with "/>" */
} HookHostdev;

typedef struct HookDomain {
        char *name;
        HookHostdev *hostdevs;
        size_t n_hostdevs;
        AccmigVf *vfs; /* the metadata's entries */
        size_t n_vfs;
} HookDomain;

/*
 * Read xml (len bytes, no NUL needed). -EINVAL and *ret_error (a sentence) for a text that is
 * not a domain XML, a PCI hostdev without a valid source address, or bad metadata; -EFBIG for
 * more than HOOK_XML_SIZE_MAX; -ENOMEM.
 */
int hook_domain_parse(const char *xml, size_t len, HookDomain *ret, char **ret_error);
void hook_domain_done(HookDomain *d);

/*
 * xml with hostdev i's source address replaced by to[i] for every to[i] not NULL (d from
 * hook_domain_parse() of the same text); the rest byte for byte. -EINVAL for an address that is
 * not canonical; -ENOMEM.
 */
int hook_domain_rewrite(const char *xml, size_t len, const HookDomain *d, char *const *to,
                        char **ret, size_t *ret_len);
