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

#include "xml-node.h"
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
        if (!ctxt->node)
                return;
        if (xmlStrcmp(localname, (const xmlChar *)"address") != 0 &&
            !(xmlStrcmp(localname, (const xmlChar *)"vf") == 0 && uri &&
              xmlStrcmp(uri, (const xmlChar *)ACCMIG_METADATA_NS) == 0))
                return;
        /* Only in the document itself: an entity's text has offsets of its own. */
        if (ctxt->inputNr != 1)
                return;
        at = xmlByteConsumed(ctxt);
        if (at >= 0)
                ctxt->node->_private = (void *)(uintptr_t)((size_t)at + 1);
}

/* The start tag of node a in xml: [start, end), or -EINVAL when not where noted. */
static int node_span(const char *xml, size_t len, xmlNode *a, size_t *ret_start, size_t *ret_end,
                     bool *ret_self_closing) {
        size_t at = (size_t)(uintptr_t)a->_private, start, name_len;

        if (at == 0 || at > len)
                return -EINVAL;
        at--;
        /* '<' never appears inside a start tag (not even in an attribute value). */
        for (start = at; start > 0 && xml[start] != '<'; start--)
                ;
        if (xml[start] != '<')
                return -EINVAL;
        /* The tag's name, after a prefix where it has one. */
        name_len = strlen((const char *)a->name);
        {
                size_t p = start + 1, q;

                for (q = p; q < len && xml[q] != ' ' && xml[q] != '\t' && xml[q] != '\n' &&
                            xml[q] != '\r' && xml[q] != '/' && xml[q] != '>';
                     q++)
                        ;
                if (q - p < name_len ||
                    memcmp(xml + q - name_len, (const char *)a->name, name_len) != 0 ||
                    (q - p > name_len && xml[q - name_len - 1] != ':'))
                        return -EINVAL;
        }
        if (at + 1 < len && xml[at] == '/' && xml[at + 1] == '>') {
                *ret_self_closing = true;
                *ret_end = at + 2;
        } else if (xml[at] == '>') {
                *ret_self_closing = false;
                *ret_end = at + 1;
        } else
                return -EINVAL;
        *ret_start = start;
        return 0;
}

static int tag_span(const char *xml, size_t len, xmlNode *a, HookHostdev *h) {
        if (xmlStrcmp(a->name, (const xmlChar *)"address") != 0 || a->ns)
                return -EINVAL;
        return node_span(xml, len, a, &h->tag_start, &h->tag_end, &h->self_closing);
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The value of the unprefixed attribute name in the start tag xml[start, end): [*ret_start,
 * *ret_end) between its quotes. -ENOENT when the tag has none. */
static int attr_value_span(const char *xml, size_t start, size_t end, const char *name,
                           size_t *ret_start, size_t *ret_end) {
        size_t p = start + 1, n = strlen(name);

        while (p < end && !is_space(xml[p]) && xml[p] != '/' && xml[p] != '>')
                p++;
        for (;;) {
                size_t a, a_end, v;
                char q;

                while (p < end && is_space(xml[p]))
                        p++;
                if (p >= end || xml[p] == '/' || xml[p] == '>')
                        return -ENOENT;
                a = p;
                while (p < end && xml[p] != '=' && !is_space(xml[p]))
                        p++;
                a_end = p;
                while (p < end && is_space(xml[p]))
                        p++;
                if (p >= end || xml[p] != '=')
                        return -EINVAL;
                p++;
                while (p < end && is_space(xml[p]))
                        p++;
                if (p >= end || (xml[p] != '\'' && xml[p] != '"'))
                        return -EINVAL;
                q = xml[p++];
                v = p;
                while (p < end && xml[p] != q)
                        p++;
                if (p >= end)
                        return -EINVAL;
                if (a_end - a == n && memcmp(xml + a, name, n) == 0) {
                        *ret_start = v;
                        *ret_end = p;
                        return 0;
                }
                p++;
        }
}

/* Where each <vf> of our metadata element lies, in the order accmig_metadata_read() gives. */
static int vf_spans(const char *xml, size_t len, xmlNode *metadata, HookDomain *d) {
        size_t k = 0;

        if (d->n_vfs == 0)
                return 0;
        d->vf_tags = calloc(d->n_vfs, sizeof(*d->vf_tags));
        if (!d->vf_tags)
                return -ENOMEM;
        for (xmlNode *e = metadata->children; e; e = e->next) {
                if (e->type != XML_ELEMENT_NODE || !e->ns ||
                    xmlStrcmp(e->ns->href, (const xmlChar *)ACCMIG_METADATA_NS) != 0 ||
                    xmlStrcmp(e->name, (const xmlChar *)"vfs") != 0)
                        continue;
                for (xmlNode *c = e->children; c && k < d->n_vfs; c = c->next) {
                        HookTag *t = &d->vf_tags[k];
                        bool self_closing;

                        if (c->type != XML_ELEMENT_NODE || !c->ns ||
                            xmlStrcmp(c->ns->href, (const xmlChar *)ACCMIG_METADATA_NS) != 0 ||
                            xmlStrcmp(c->name, (const xmlChar *)"vf") != 0)
                                continue;
                        if (node_span(xml, len, c, &t->tag_start, &t->tag_end, &self_closing) < 0 ||
                            attr_value_span(xml, t->tag_start, t->tag_end, "address",
                                            &t->value_start, &t->value_end) < 0)
                                return -EBADMSG;
                        k++;
                }
                break;
        }
        return k == d->n_vfs ? 0 : -EBADMSG;
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
        xmlNode *source = xml_node_child(dev, "source"),
                *a = source ? xml_node_child(source, "address") : NULL;
        unsigned long domain, bus, slot, function;

        *h = (HookHostdev){ .managed = xml_node_attr_is(dev, "managed", "yes") };
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
        free(d->vf_tags);
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
        if (!root || !xml_node_is(root, "domain"))
                return refuse(ret_error, "the root element is not <domain>");
        n = xml_node_child(root, "name");
        if (n) {
                xmlChar *s = xmlNodeGetContent(n);

                d.name = strdup(s ? (const char *)s : "");
                xmlFree(s);
                if (!d.name)
                        return -ENOMEM;
        }
        n = xml_node_child(root, "metadata");
        r = accmig_metadata_read(n, &d.vfs, &d.n_vfs, ret_error);
        if (r < 0)
                return r;
        r = n ? vf_spans(xml, len, n, &d) : 0;
        if (r == -EBADMSG)
                return refuse(ret_error, "the metadata's <vf> address is not where the parser "
                                         "says (an entity?); it cannot be rewritten");
        if (r < 0)
                return r;
        devices = xml_node_child(root, "devices");
        for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
                HookHostdev *nh;

                if (!xml_node_is(c, "hostdev") || !xml_node_attr_is(c, "mode", "subsystem") ||
                    !xml_node_attr_is(c, "type", "pci"))
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

typedef struct Edit {
        size_t start, end; /* the bytes replaced */
        char text[128];
} Edit;

static int edit_compare(const void *a, const void *b) {
        const Edit *x = a, *y = b;

        return x->start < y->start ? -1 : x->start > y->start;
}

int hook_domain_rewrite(const char *xml, size_t len, const HookDomain *d, char *const *to,
                        char **ret, size_t *ret_len) {
        _cleanup_free_ char *out = NULL;
        _cleanup_free_ Edit *edits = NULL;
        _cleanup_free_ bool *done = NULL;
        size_t size = 0, pos = 0, n = 0;
        FILE *f;

        if ((!xml && len > 0) || !d || !to || !ret || !ret_len)
                return -EINVAL;
        edits = calloc(2 * d->n_hostdevs + 1, sizeof(*edits));
        done = calloc(d->n_vfs + 1, sizeof(*done));
        if (!edits || !done)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_hostdevs; i++) {
                const HookHostdev *h = &d->hostdevs[i];
                unsigned dom, bus, slot, fn;

                if (!to[i])
                        continue;
                if (!hisi_pci_address_valid(to[i]) ||
                    sscanf(to[i], "%4x:%2x:%2x.%1x", &dom, &bus, &slot, &fn) != 4 ||
                    h->tag_end > len || h->tag_start >= h->tag_end)
                        return -EINVAL;
                edits[n] = (Edit){ .start = h->tag_start, .end = h->tag_end };
                snprintf(edits[n].text, sizeof(edits[n].text),
                         "<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'%s",
                         dom, bus, slot, fn, h->self_closing ? "/>" : ">");
                n++;
                /* The metadata names the VF the hostdev names: the new one from now on. */
                for (size_t k = 0; k < d->n_vfs && d->vf_tags; k++) {
                        const HookTag *t = &d->vf_tags[k];

                        /* Once: a second hostdev of the same address (libvirt refuses
                         * that) does not move it again. */
                        if (done[k] || !streq(d->vfs[k].address, h->address))
                                continue;
                        done[k] = true;
                        if (t->value_end > len || t->value_start > t->value_end)
                                return -EINVAL;
                        edits[n] = (Edit){ .start = t->value_start, .end = t->value_end };
                        snprintf(edits[n].text, sizeof(edits[n].text), "%s", to[i]);
                        n++;
                }
        }
        qsort(edits, n, sizeof(*edits), edit_compare);
        for (size_t i = 1; i < n; i++)
                if (edits[i].start < edits[i - 1].end)
                        return -EINVAL;
        f = open_memstream(&out, &size);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                fwrite(xml + pos, 1, edits[i].start - pos, f);
                fputs(edits[i].text, f);
                pos = edits[i].end;
        }
        fwrite(xml + pos, 1, len - pos, f);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(out);
        *ret_len = size;
        return 0;
}
