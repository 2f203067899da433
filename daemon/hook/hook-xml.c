/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The migration hook's reading and rewriting of a domain XML (see hook-xml.h). */

#include <errno.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook-xml.h"
#include "macro.h"
#include "string-util.h"

static int refuse(char **ret_error, const char *fmt, ...) _printf_(2, 3);
static int refuse(char **ret_error, const char *fmt, ...) {
        va_list ap;
        int r;

        if (!ret_error)
                return -EINVAL;
        va_start(ap, fmt);
        r = vasprintf(ret_error, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

static bool is(const xmlNode *n, const char *name) {
        return n->type == XML_ELEMENT_NODE && !n->ns &&
               xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

static xmlNode *child(const xmlNode *n, const char *name) {
        for (xmlNode *c = n->children; c; c = c->next)
                if (is(c, name))
                        return c;
        return NULL;
}

static bool attr_is(xmlNode *n, const char *attr, const char *value) {
        xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)attr);
        bool eq = v && xmlStrcmp(v, (const xmlChar *)value) == 0;

        xmlFree(v);
        return eq;
}

/*
 * libxml2 builds the tree as usual; this wrapper of its start-tag handler also notes, on each
 * <address> node, where the parser stands when the tag's attributes are read: at the tag's
 * closing "/>" or ">" (offset + 1, so that 0 means "not noted").
 */
static void start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                          const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                          int nb_attributes, int nb_defaulted, const xmlChar **attributes) {
        xmlParserCtxtPtr ctxt = ctx;
        long at;

        xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                              nb_defaulted, attributes);
        if (!ctxt->node || xmlStrcmp(localname, (const xmlChar *)"address") != 0)
                return;
        /* Only in the document itself: an entity's text has offsets of its own. */
        if (ctxt->inputNr != 1)
                return;
        at = xmlByteConsumed(ctxt);
        if (at >= 0)
                ctxt->node->_private = (void *)(uintptr_t)((size_t)at + 1);
}

/* The <address> start tag of node a in xml: [start, end), or -EINVAL when not where noted. */
static int tag_span(const char *xml, size_t len, xmlNode *a, HookHostdev *h) {
        size_t at = (size_t)(uintptr_t)a->_private, start;

        if (at == 0 || at > len)
                return -EINVAL;
        at--;
        /* '<' never appears inside a start tag (not even in an attribute value). */
        for (start = at; start > 0 && xml[start] != '<'; start--)
                ;
        if (len - start < 8 || memcmp(xml + start, "<address", 8) != 0)
                return -EINVAL;
        if (at + 1 < len && xml[at] == '/' && xml[at + 1] == '>') {
                h->self_closing = true;
                h->tag_end = at + 2;
        } else if (xml[at] == '>') {
                h->self_closing = false;
                h->tag_end = at + 1;
        } else
                return -EINVAL;
        h->tag_start = start;
        return 0;
}

/* A number of an address as libvirt writes it ("0x7d" or decimal), up to max. */
static int attr_number(xmlNode *n, const char *attr, unsigned long max, unsigned long *ret) {
        xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)attr);
        const char *s = (const char *)v;
        unsigned long u;
        char *end;
        int r = 0;

        if (!v) {
                if (streq(attr, "domain")) { /* libvirt's default */
                        *ret = 0;
                        return 0;
                }
                return -EINVAL;
        }
        errno = 0;
        u = strtoul(s, &end, 0);
        if (errno != 0 || end == s || *end != '\0' || u > max || s[0] == '-' || s[0] == '+' ||
            s[0] == ' ')
                r = -EINVAL;
        else
                *ret = u;
        xmlFree(v);
        return r;
}

static int read_hostdev(const char *xml, size_t len, xmlNode *dev, HookHostdev *h) {
        xmlNode *source = child(dev, "source"), *a = source ? child(source, "address") : NULL;
        unsigned long domain, bus, slot, function;

        *h = (HookHostdev){ .managed = attr_is(dev, "managed", "yes") };
        if (!a || attr_number(a, "domain", 0xffff, &domain) < 0 ||
            attr_number(a, "bus", 0xff, &bus) < 0 || attr_number(a, "slot", 0x1f, &slot) < 0 ||
            attr_number(a, "function", 7, &function) < 0)
                return -EINVAL;
        snprintf(h->address, sizeof(h->address), "%04lx:%02lx:%02lx.%lx", domain, bus, slot,
                 function);
        return tag_span(xml, len, a, h) < 0 ? -EBADMSG : 0;
}

static void xml_free_ctxtp(xmlParserCtxtPtr *c) {
        if (*c) {
                if ((*c)->myDoc)
                        xmlFreeDoc((*c)->myDoc);
                xmlFreeParserCtxt(*c);
        }
}

void hook_domain_done(HookDomain *d) {
        if (!d)
                return;
        free(d->name);
        free(d->hostdevs);
        free(d->vfs);
        *d = (HookDomain){};
}

int hook_domain_parse(const char *xml, size_t len, HookDomain *ret, char **ret_error) {
        _cleanup_(xml_free_ctxtp) xmlParserCtxtPtr ctxt = NULL;
        _cleanup_(hook_domain_done) HookDomain d = {};
        xmlNode *root, *n, *devices;
        int r;

        if ((!xml && len > 0) || !ret || !ret_error)
                return -EINVAL;
        if (len > HOOK_XML_SIZE_MAX) {
                r = refuse(ret_error, "the domain XML is larger than %u bytes", HOOK_XML_SIZE_MAX);
                return r == -ENOMEM ? r : -EFBIG;
        }
        if (len == 0)
                return refuse(ret_error, "the domain XML is empty");
        ctxt = xmlCreateMemoryParserCtxt(xml, (int)len);
        if (!ctxt)
                return -ENOMEM;
        ctxt->sax->startElementNs = start_element;
        /* No network, no entity substitution, no DTD loading: the text is all there is. */
        xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (xmlParseDocument(ctxt) < 0 || !ctxt->wellFormed || !ctxt->myDoc) {
                const xmlError *e = xmlCtxtGetLastError(ctxt);

                if (e && e->message)
                        return refuse(ret_error,
                                      "the domain XML is not well-formed (line %d: %.*s)", e->line,
                                      (int)strcspn(e->message, "\n"), e->message);
                return refuse(ret_error, "the domain XML is not well-formed");
        }
        root = xmlDocGetRootElement(ctxt->myDoc);
        if (!root || !is(root, "domain"))
                return refuse(ret_error, "the root element is not <domain>");
        n = child(root, "name");
        if (n) {
                xmlChar *s = xmlNodeGetContent(n);

                d.name = strdup(s ? (const char *)s : "");
                xmlFree(s);
                if (!d.name)
                        return -ENOMEM;
        }
        n = child(root, "metadata");
        r = accmig_metadata_read(n, &d.vfs, &d.n_vfs, ret_error);
        if (r < 0)
                return r;
        devices = child(root, "devices");
        for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
                HookHostdev *nh;

                if (!is(c, "hostdev") || !attr_is(c, "mode", "subsystem") ||
                    !attr_is(c, "type", "pci"))
                        continue;
                if (d.n_hostdevs >= HOOK_HOSTDEVS_MAX)
                        return refuse(ret_error, "more than %d PCI hostdevs", HOOK_HOSTDEVS_MAX);
                nh = reallocarray(d.hostdevs, d.n_hostdevs + 1, sizeof(*nh));
                if (!nh)
                        return -ENOMEM;
                d.hostdevs = nh;
                r = read_hostdev(xml, len, c, &d.hostdevs[d.n_hostdevs]);
                if (r == -EBADMSG)
                        return refuse(ret_error,
                                      "PCI hostdev %zu: its source address is not where the "
                                      "parser says (an entity?); it cannot be rewritten",
                                      d.n_hostdevs + 1);
                if (r < 0)
                        return refuse(ret_error,
                                      "PCI hostdev %zu has no valid <source><address/> (domain, "
                                      "bus, slot, function)",
                                      d.n_hostdevs + 1);
                d.n_hostdevs++;
        }
        *ret = d;
        d = (HookDomain){};
        return 0;
}

int hook_domain_rewrite(const char *xml, size_t len, const HookDomain *d, char *const *to,
                        char **ret, size_t *ret_len) {
        _cleanup_free_ char *out = NULL;
        size_t size = 0, pos = 0;
        FILE *f;

        if ((!xml && len > 0) || !d || !to || !ret || !ret_len)
                return -EINVAL;
        for (size_t i = 0; i < d->n_hostdevs; i++) {
                const HookHostdev *h = &d->hostdevs[i];

                if (!to[i])
                        continue;
                if (!hisi_pci_address_valid(to[i]) || h->tag_start < pos || h->tag_end > len ||
                    h->tag_start >= h->tag_end)
                        return -EINVAL;
                pos = h->tag_end;
        }
        f = open_memstream(&out, &size);
        if (!f)
                return -ENOMEM;
        pos = 0;
        for (size_t i = 0; i < d->n_hostdevs; i++) {
                const HookHostdev *h = &d->hostdevs[i];
                unsigned dom, bus, slot, fn;

                if (!to[i])
                        continue;
                if (sscanf(to[i], "%4x:%2x:%2x.%1x", &dom, &bus, &slot, &fn) != 4) {
                        fclose(f);
                        return -EINVAL;
                }
                fwrite(xml + pos, 1, h->tag_start - pos, f);
                fprintf(f, "<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'%s",
                        dom, bus, slot, fn, h->self_closing ? "/>" : ">");
                pos = h->tag_end;
        }
        fwrite(xml + pos, 1, len - pos, f);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(out);
        *ret_len = size;
        return 0;
}
