/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Managed PCI hostdevs of a libvirt domain XML (see domain-xml.h). */

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml-node.h"
#include "domain-xml.h"
#include "macro.h"

#define XML_SIZE_MAX (16 * 1024 * 1024)

static int fail(char **ret_error, int error, const char *msg) {
        if (ret_error) {
                *ret_error = strdup(msg);
                if (!*ret_error)
                        return -ENOMEM;
        }
        return error;
}

static void xml_free_docp(xmlDocPtr *d) {
        if (*d)
                xmlFreeDoc(*d);
}

/* A number as libvirt writes it in an address: "0x7d" or decimal, up to max. */
static int attr_number(xmlNode *n, const char *attr, unsigned long max, unsigned long *ret) {
        xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
        unsigned long u;
        char *end;
        int r = 0;

        if (!v) {
                /* libvirt's default for an absent domain is 0; the rest are required. */
                if (streq(attr, "domain")) {
                        *ret = 0;
                        return 0;
                }
                return -EINVAL;
        }
        errno = 0;
        u = strtoul((const char *)v, &end, 0);
        if (errno != 0 || end == (const char *)v || *end != '\0' || u > max ||
            ((const char *)v)[0] == '-' || ((const char *)v)[0] == '+' ||
            ((const char *)v)[0] == ' ')
                r = -EINVAL;
        else
                *ret = u;
        xmlFree(v);
        return r;
}

static int address_of(xmlNode *dev, char ret[static HISI_PCI_ADDRESS_MAX]) {
        xmlNode *source = xml_node_child(dev, "source"), *a;
        unsigned long domain, bus, slot, function;

        if (!source)
                return -EINVAL;
        a = xml_node_child(source, "address");
        if (!a)
                return -EINVAL;
        /* An <interface type='hostdev'> address may say type='pci'; anything else is not ours. */
        {
                xmlChar *type = xmlGetProp(a, (const xmlChar *)"type");
                bool pci = !type || xmlStrcmp(type, (const xmlChar *)"pci") == 0;
                xmlFree(type);
                if (!pci)
                        return -EOPNOTSUPP;
        }
        if (attr_number(a, "domain", 0xffff, &domain) < 0 ||
            attr_number(a, "bus", 0xff, &bus) < 0 || attr_number(a, "slot", 0x1f, &slot) < 0 ||
            attr_number(a, "function", 7, &function) < 0)
                return -EINVAL;
        snprintf(ret, HISI_PCI_ADDRESS_MAX, "%04lx:%02lx:%02lx.%lx", domain, bus, slot, function);
        return 0;
}

void domain_xml_addresses_free(char **addresses, size_t n) {
        if (!addresses)
                return;
        for (size_t i = 0; i < n; i++)
                free(addresses[i]);
        free(addresses);
}

typedef struct List {
        char **items;
        size_t n;
} List;

static void list_done(List *l) {
        domain_xml_addresses_free(l->items, l->n);
}

static int list_add(List *l, const char *a) {
        char **n;

        for (size_t i = 0; i < l->n; i++)
                if (streq(l->items[i], a))
                        return 0;
        n = reallocarray(l->items, l->n + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        l->items = n;
        l->items[l->n] = strdup(a);
        if (!l->items[l->n])
                return -ENOMEM;
        l->n++;
        return 0;
}

/* The PCI hostdevs of xml: managed='yes' ones only, or every one. */
static int walk(const char *xml, size_t len, bool managed_only, char ***ret_addresses,
                size_t *ret_n, char **ret_name, char **ret_error) {
        _cleanup_(xml_free_docp) xmlDocPtr doc = NULL;
        _cleanup_(list_done) List list = {};
        _cleanup_free_ char *name = NULL;
        xmlNode *root, *devices, *n;
        int r;

        if ((!xml && len > 0) || !ret_addresses || !ret_n)
                return -EINVAL;
        if (len == 0 || len > XML_SIZE_MAX || len > INT32_MAX)
                return fail(ret_error, -EINVAL,
                            len == 0 ? "empty domain XML" : "domain XML too large");
        /* No network, no entity substitution, no DTD loading: the text is all there is. */
        doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                    XML_PARSE_NOBLANKS);
        if (!doc)
                return fail(ret_error, -EINVAL, "not well-formed XML");
        root = xmlDocGetRootElement(doc);
        if (!root || !xml_node_is(root, "domain"))
                return fail(ret_error, -EINVAL, "the root element is not <domain>");
        n = xml_node_child(root, "name");
        if (n) {
                xmlChar *s = xmlNodeGetContent(n);
                if (s) {
                        name = strdup((const char *)s);
                        xmlFree(s);
                        if (!name)
                                return -ENOMEM;
                }
        }
        devices = xml_node_child(root, "devices");
        for (xmlNode *d = devices ? devices->children : NULL; d; d = d->next) {
                char a[HISI_PCI_ADDRESS_MAX];

                if (xml_node_is(d, "hostdev")) {
                        if (!xml_node_attr_is(d, "mode", "subsystem") ||
                            !xml_node_attr_is(d, "type", "pci"))
                                continue;
                } else if (xml_node_is(d, "interface")) {
                        if (!xml_node_attr_is(d, "type", "hostdev"))
                                continue;
                } else
                        continue;
                if (managed_only && !xml_node_attr_is(d, "managed", "yes"))
                        continue;
                r = address_of(d, a);
                if (r == -EOPNOTSUPP)
                        continue;
                if (r < 0)
                        return fail(ret_error, -EINVAL,
                                    managed_only ? "a managed PCI hostdev without a valid source "
                                                   "address"
                                                 : "a PCI hostdev without a valid source address");
                r = list_add(&list, a);
                if (r < 0)
                        return r;
        }
        *ret_addresses = TAKE_PTR(list.items);
        *ret_n = list.n;
        list.n = 0;
        if (ret_name)
                *ret_name = TAKE_PTR(name);
        return 0;
}

int domain_xml_managed_hostdevs(const char *xml, size_t len, char ***ret_addresses, size_t *ret_n,
                                char **ret_name, char **ret_error) {
        return walk(xml, len, true, ret_addresses, ret_n, ret_name, ret_error);
}

int domain_xml_pci_hostdevs(const char *xml, size_t len, char ***ret_addresses, size_t *ret_n,
                            char **ret_error) {
        return walk(xml, len, false, ret_addresses, ret_n, NULL, ret_error);
}
