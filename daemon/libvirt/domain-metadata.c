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

/* The numeric attributes, in the order they are written. */
typedef struct MetadataField {
        const char *name;
        int compat_field; /* unknown when absent, or -1 */
        size_t offset;    /* in AccmigVf */
        unsigned size;    /* bytes */
        uint64_t max;
        bool hex; /* written as 0x… */
} MetadataField;

#define FIELD(n, f, member, max, hex)                                                              \
        { n, f, offsetof(AccmigVf, member), sizeof(((AccmigVf *)0)->member), max, hex }

static const MetadataField fields[] = {
        FIELD("device-id", HISI_COMPAT_DEVICE_ID, desc.device_id, UINT16_MAX, true),
        FIELD("qp-num", HISI_COMPAT_QP_NUM, desc.qp_num, UINT32_MAX, false),
        FIELD("queue-isolation", HISI_COMPAT_QUEUE_ISOLATION, desc.que_iso_cfg, UINT32_MAX, false),
        FIELD("qm-version", -1, qm_version, UINT32_MAX, false),
        FIELD("stream-version", HISI_COMPAT_STREAM_VERSION, desc.stream.version, 2, false),
        FIELD("stream-major", -1, desc.stream.major, UINT16_MAX, false),
        FIELD("stream-minor", -1, desc.stream.minor, UINT16_MAX, false),
        FIELD("migration-flags", HISI_COMPAT_MIG_FLAGS, desc.mig_flags, UINT64_MAX, true),
        FIELD("state-size", HISI_COMPAT_STATE_SIZE, desc.state_size, UINT64_MAX, false),
};

static void store(void *p, unsigned size, uint64_t v) {
        switch (size) {
        case 1:
                *(uint8_t *)p = (uint8_t)v;
                break;
        case 2:
                *(uint16_t *)p = (uint16_t)v;
                break;
        case 4:
                *(uint32_t *)p = (uint32_t)v;
                break;
        default:
                *(uint64_t *)p = v;
                break;
        }
}

static uint64_t load(const void *p, unsigned size) {
        switch (size) {
        case 1:
                return *(const uint8_t *)p;
        case 2:
                return *(const uint16_t *)p;
        case 4:
                return *(const uint32_t *)p;
        default:
                return *(const uint64_t *)p;
        }
}

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
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                const MetadataField *f = &fields[i];
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
                store((uint8_t *)ret + f->offset, f->size, u);
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

const AccmigVf *accmig_metadata_find(const AccmigVf *vfs, size_t n, const char *address) {
        for (size_t i = 0; i < n; i++)
                if (streq(vfs[i].address, address))
                        return &vfs[i];
        return NULL;
}

int accmig_metadata_format(const AccmigVf *vfs, size_t n, char **ret) {
        _cleanup_free_ char *s = NULL;
        size_t size = 0;
        FILE *f;

        if ((!vfs && n > 0) || !ret)
                return -EINVAL;
        f = open_memstream(&s, &size);
        if (!f)
                return -ENOMEM;
        fputs("<vfs>", f);
        for (size_t i = 0; i < n; i++) {
                const AccmigVf *v = &vfs[i];

                fprintf(f, "<vf address=\"%s\" kind=\"%s\"", v->address,
                        hisi_kind_to_string(v->desc.kind));
                for (size_t k = 0; k < ELEMENTSOF(fields); k++) {
                        const MetadataField *fl = &fields[k];
                        uint64_t u = load((const uint8_t *)v + fl->offset, fl->size);

                        if (fl->compat_field >= 0 &&
                            (v->desc.unknown & HISI_COMPAT_UNKNOWN(fl->compat_field)))
                                continue;
                        if (fl->compat_field < 0 && u == 0)
                                continue; /* qm-version 0, a V1 stream's major and minor */
                        fprintf(f, fl->hex ? " %s=\"0x%" PRIx64 "\"" : " %s=\"%" PRIu64 "\"",
                                fl->name, u);
                }
                fputs("/>", f);
        }
        fputs("</vfs>", f);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(s);
        return 0;
}
