/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The few questions the daemon's libvirt helper and the hook ask of a domain XML tree (libxml2).
 * Only libvirt's own elements and attributes count: a name in a namespace (what a <metadata>
 * child carries, ours included) is never taken for one of libvirt's.
 */
#pragma once

#include <libxml/tree.h>
#include <stdbool.h>

/* n is the element name, outside any namespace. */
bool xml_node_is(const xmlNode *n, const char *name);
/* n's first child element name, or NULL. */
xmlNode *xml_node_child(const xmlNode *n, const char *name);
/* n's attribute attr (outside any namespace) is value; absent is false. */
bool xml_node_attr_is(xmlNode *n, const char *attr, const char *value);
