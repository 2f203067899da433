/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading hisi-accmigd's element in a domain's <metadata> (accmig-metadata.h says what it is):
 * pure logic on libxml2 nodes and text.
 */
#pragma once

#include <libxml/tree.h>
#include <stddef.h>

#include "accmig-metadata.h"

/*
 * The <vf> entries of our element under metadata (a <metadata> node, or NULL), in document
 * order. 0 and *ret_n 0 when there is none. -EINVAL and *ret_error (a sentence) for a
 * malformed one; -ENOMEM.
 */
int accmig_metadata_read(xmlNode *metadata, AccmigVf **ret, size_t *ret_n, char **ret_error);
