/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Questions to a domain XML tree (xml-node.h). */

#include "xml-node.h"

bool xml_node_is(const xmlNode *n, const char *name) {
        return n->type == XML_ELEMENT_NODE && !n->ns &&
               xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

xmlNode *xml_node_child(const xmlNode *n, const char *name) {
        for (xmlNode *c = n->children; c; c = c->next)
                if (xml_node_is(c, name))
                        return c;
        return NULL;
}

bool xml_node_attr_is(xmlNode *n, const char *attr, const char *value) {
        xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)attr);
        bool eq = v && xmlStrcmp(v, (const xmlChar *)value) == 0;

        xmlFree(v);
        return eq;
}
