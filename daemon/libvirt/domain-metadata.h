/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigd's element in a libvirt domain's <metadata>: per HiSilicon VF hostdev, what the
 * cross-host compatibility check needs to know of the VF (hisi/compat.h). The daemon's libvirt
 * helper writes it (virDomainSetMetadata, namespace ACCMIG_METADATA_NS, key "accmig"); libvirt
 * carries it to the destination in the domain XML, where the migration hook reads it and so
 * checks without asking the source. In a domain XML it reads:
 *
 *   <metadata>
 *     <accmig:vfs xmlns:accmig="https://hisilicon.com/accmig/1">
 *       <accmig:vf address="0000:75:00.1" kind="zip" device-id="0xa251" qp-num="64"
 *                  queue-isolation="0" qm-version="3" stream-version="2" stream-major="1"
 *                  stream-minor="0" migration-flags="0x5" state-size="65536"/>
 *     </accmig:vfs>
 *   </metadata>
 *
 * address is the VF on the host that wrote it (the hostdev's source address there) and kind is
 * required; every other attribute is optional, and a field of the check it does not give is
 * unknown (the destination kernel checks it at load). Numbers are decimal or 0x hexadecimal.
 * Elements and attributes of other names are ignored (a later version may add some); a known
 * attribute with a bad value refuses the whole element. Pure logic on libxml2 nodes and text.
 */
#pragma once

#include <libxml/tree.h>
#include <stddef.h>
#include <stdint.h>

#include "hisi/compat.h"
#include "hisi/pci-address.h"

#define ACCMIG_METADATA_NS  "https://hisilicon.com/accmig/1"
#define ACCMIG_METADATA_KEY "accmig"
/* At most this many <vf> elements. */
#define ACCMIG_METADATA_VFS_MAX 64

typedef struct AccmigVf {
        char address[HISI_PCI_ADDRESS_MAX];
        hisi_vf_desc desc;   /* desc.unknown: the fields not given */
        uint32_t qm_version; /* 0: not given */
} AccmigVf;

/*
 * The <vf> entries of our element under metadata (a <metadata> node, or NULL), in document
 * order. 0 and *ret_n 0 when there is none. -EINVAL and *ret_error (a sentence) for a
 * malformed one; -ENOMEM.
 */
int accmig_metadata_read(xmlNode *metadata, AccmigVf **ret, size_t *ret_n, char **ret_error);

/* The entry for a VF address, or NULL. */
const AccmigVf *accmig_metadata_find(const AccmigVf *vfs, size_t n, const char *address);

/*
 * The element as virDomainSetMetadata() takes it (<vfs><vf .../></vfs>, no namespace: libvirt
 * puts it in ACCMIG_METADATA_NS with the prefix ACCMIG_METADATA_KEY). Unknown fields are left
 * out. -ENOMEM.
 */
int accmig_metadata_format(const AccmigVf *vfs, size_t n, char **ret);
