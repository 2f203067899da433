/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hisi-accmigd's element in a domain's <metadata> (see domain-metadata.h). */

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain-metadata.h"
#include "macro.h"
#include "parse-util.h"
#include "string-util.h"

static bool in_our_ns(const xmlNode *n, const char *name) {
        return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
               xmlStrcmp(n->ns->href, (const xmlChar *)ACCMIG_METADATA_NS) == 0 &&
               xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

static int refuse(char **ret_error, const char *fmt, ...) _printf_(2, 3);
static int refuse(char **ret_error, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(ret_error, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

/* One attribute of a <vf>: absent (0), read (1), or refused. */
static int read_vf(xmlNode *n, size_t index, AccmigVf *ret, char **ret_error) {
        size_t n_fields;
        const AccmigMetadataField *fields = accmig_metadata_fields(&n_fields);
        char where[32];
        xmlChar *v;

        snprintf(where, sizeof(where), "vf %zu", index + 1);
        *ret = (AccmigVf){};
        v = xmlGetNoNsProp(n, (const xmlChar *)"address");
        if (!v || hisi_pci_address_normalize((const char *)v, ret->address) < 0) {
                xmlFree(v);
                return refuse(ret_error, "metadata %s: address is missing or not a PCI address",
                              where);
        }
        xmlFree(v);
        v = xmlGetNoNsProp(n, (const xmlChar *)"kind");
        ret->desc.kind = v ? hisi_kind_from_string((const char *)v) : _HISI_KIND_INVALID;
        xmlFree(v);
        if (ret->desc.kind < 0)
                return refuse(ret_error, "metadata %s: kind is missing or not zip, sec or hpre",
                              where);
        for (size_t i = 0; i < n_fields; i++) {
                const AccmigMetadataField *f = &fields[i];
                uint64_t u;
                int r;

                v = xmlGetNoNsProp(n, (const xmlChar *)f->name);
                if (!v) {
                        if (f->compat_field >= 0)
                                ret->desc.unknown |= HISI_COMPAT_UNKNOWN(f->compat_field);
                        continue;
                }
                r = safe_atou64((const char *)v, &u);
                xmlFree(v);
                if (r < 0 || u > f->max)
                        return refuse(ret_error, "metadata %s: %s is not a number up to %" PRIu64,
                                      where, f->name, f->max);
                accmig_metadata_store(ret, f, u);
        }
        if (ret->desc.stream.version == 0)
                ret->desc.unknown |= HISI_COMPAT_UNKNOWN(HISI_COMPAT_STREAM_VERSION);
        return 0;
}

int accmig_metadata_read(xmlNode *metadata, AccmigVf **ret, size_t *ret_n, char **ret_error) {
        _cleanup_free_ AccmigVf *vfs = NULL;
        size_t n = 0;
        int r;

        if (!ret || !ret_n)
                return -EINVAL;
        for (xmlNode *e = metadata ? metadata->children : NULL; e; e = e->next) {
                if (!in_our_ns(e, "vfs"))
                        continue;
                for (xmlNode *c = e->children; c; c = c->next) {
                        AccmigVf *nv;

                        if (!in_our_ns(c, "vf"))
                                continue;
                        if (n >= ACCMIG_METADATA_VFS_MAX)
                                return refuse(ret_error, "metadata: more than %d VFs",
                                              ACCMIG_METADATA_VFS_MAX);
                        nv = reallocarray(vfs, n + 1, sizeof(*vfs));
                        if (!nv)
                                return -ENOMEM;
                        vfs = nv;
                        r = read_vf(c, n, &vfs[n], ret_error);
                        if (r < 0)
                                return r;
                        for (size_t i = 0; i < n; i++)
                                if (streq(vfs[i].address, vfs[n].address))
                                        return refuse(ret_error, "metadata: %s is described twice",
                                                      vfs[n].address);
                        n++;
                }
                break; /* libvirt keeps one element per namespace */
        }
        *ret = TAKE_PTR(vfs);
        *ret_n = n;
        return 0;
}
