/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's lifecycle events as JSON lines, and our metadata in a domain (libvirt-follow.h). */

#include <errno.h>
#include <json-c/json.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

#include "domain-xml.h"
#include "libvirt-follow.h"
#include "macro.h"

static const char *const event_table[] = {
        [VIR_DOMAIN_EVENT_DEFINED] = "defined",   [VIR_DOMAIN_EVENT_UNDEFINED] = "undefined",
        [VIR_DOMAIN_EVENT_STARTED] = "started",   [VIR_DOMAIN_EVENT_SUSPENDED] = "suspended",
        [VIR_DOMAIN_EVENT_RESUMED] = "resumed",   [VIR_DOMAIN_EVENT_STOPPED] = "stopped",
        [VIR_DOMAIN_EVENT_SHUTDOWN] = "shutdown", [VIR_DOMAIN_EVENT_PMSUSPENDED] = "pmsuspended",
        [VIR_DOMAIN_EVENT_CRASHED] = "crashed",
};

const char *libvirt_event_to_string(int event) {
        if (event < 0 || (size_t)event >= ELEMENTSOF(event_table))
                return NULL;
        return event_table[event];
}

/* Add the addresses of one XML text to the arrays (without duplicates). */
static void add_addresses(json_object *managed, json_object *all, const char *xml) {
        struct {
                json_object *list;
                int (*read)(const char *, size_t, char ***, size_t *, char **);
        } kinds[] = { { managed, NULL }, { all, NULL } };
        char **addresses = NULL;
        size_t n = 0;

        if (!xml)
                return;
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                int r = k == 0 ? domain_xml_managed_hostdevs(xml, strlen(xml), &addresses, &n, NULL,
                                                             NULL)
                               : domain_xml_pci_hostdevs(xml, strlen(xml), &addresses, &n, NULL);

                if (r < 0)
                        continue;
                for (size_t i = 0; i < n; i++) {
                        bool seen = false;

                        for (size_t j = 0; j < json_object_array_length(kinds[k].list); j++)
                                if (streq(json_object_get_string(
                                                  json_object_array_get_idx(kinds[k].list, j)),
                                          addresses[i]))
                                        seen = true;
                        if (!seen)
                                json_object_array_add(kinds[k].list,
                                                      json_object_new_string(addresses[i]));
                }
                domain_xml_addresses_free(addresses, n);
                addresses = NULL;
                n = 0;
        }
}

/* One line: the domain as it is now (its running devices, and those it is defined with). */
static void print_event(FILE *out, virDomainPtr dom, const char *event, int detail) {
        json_object *o = json_object_new_object(), *managed = json_object_new_array(),
                    *all = json_object_new_array();
        const char *domain = virDomainGetName(dom);
        bool active = false, persistent = false;

        if (!domain)
                domain = "";
        /* A domain that is gone has no XML: [] and false. One undefined while it runs goes
         * on as a transient domain, with its devices. */
        {
                char *xml = virDomainGetXMLDesc(dom, 0);

                active = virDomainIsActive(dom) == 1;
                persistent = virDomainIsPersistent(dom) == 1;
                add_addresses(managed, all, xml);
                free(xml);
                if (active && persistent) {
                        xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
                        add_addresses(managed, all, xml);
                        free(xml);
                }
        }
        json_object_object_add(o, "event", json_object_new_string(event));
        json_object_object_add(o, "detail", json_object_new_int(detail));
        json_object_object_add(o, "domain", json_object_new_string(domain));
        json_object_object_add(o, "managed", managed);
        json_object_object_add(o, "hostdevs", all);
        json_object_object_add(o, "active", json_object_new_boolean(active));
        json_object_object_add(o, "persistent", json_object_new_boolean(persistent));
        fprintf(out, "%s\n",
                json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
        fflush(out);
        json_object_put(o);
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque) {
        const char *name = libvirt_event_to_string(event);

        if (!name)
                return 0;
        print_event(opaque, dom, name, detail);
        return 0;
}

static void on_device_added(virConnectPtr conn, virDomainPtr dom, const char *alias, void *opaque) {
        print_event(opaque, dom, "device-added", 0);
}

static void on_device_removed(virConnectPtr conn, virDomainPtr dom, const char *alias,
                              void *opaque) {
        print_event(opaque, dom, "device-removed", 0);
}

int libvirt_follow_start(virConnectPtr conn, FILE *out, int ret_ids[LIBVIRT_FOLLOW_CALLBACKS]) {
        static const int ids[LIBVIRT_FOLLOW_CALLBACKS] = {
                VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
                VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
        };
        virConnectDomainEventGenericCallback cbs[LIBVIRT_FOLLOW_CALLBACKS] = {
                VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle),
                VIR_DOMAIN_EVENT_CALLBACK(on_device_added),
                VIR_DOMAIN_EVENT_CALLBACK(on_device_removed),
        };

        if (!conn || !out || !ret_ids)
                return -EINVAL;
        for (size_t i = 0; i < LIBVIRT_FOLLOW_CALLBACKS; i++) {
                ret_ids[i] =
                        virConnectDomainEventRegisterAny(conn, NULL, ids[i], cbs[i], out, NULL);
                if (ret_ids[i] < 0) {
                        libvirt_follow_stop(conn, ret_ids);
                        return -EIO;
                }
        }
        return 0;
}

void libvirt_follow_stop(virConnectPtr conn, int ids[LIBVIRT_FOLLOW_CALLBACKS]) {
        for (size_t i = 0; i < LIBVIRT_FOLLOW_CALLBACKS; i++)
                if (ids[i] >= 0) {
                        (void)virConnectDomainEventDeregisterAny(conn, ids[i]);
                        ids[i] = -1;
                }
}

int libvirt_follow_snapshot(virConnectPtr conn, FILE *out) {
        virDomainPtr *domains = NULL;
        int n;

        if (!conn || !out)
                return -EINVAL;
        n = virConnectListAllDomains(conn, &domains, 0);
        if (n < 0)
                return -EIO;
        for (int i = 0; i < n; i++) {
                print_event(out, domains[i], "present", 0);
                virDomainFree(domains[i]);
        }
        free(domains);
        return 0;
}

static void xml_free_docp(xmlDocPtr *d) {
        if (*d)
                xmlFreeDoc(*d);
}

/* The element read as the hook will read it, inside a <metadata> in our namespace. */
static int check_element(const char *element, AccmigVf **ret_vfs, size_t *ret_n, char **ret_error) {
        _cleanup_(xml_free_docp) xmlDocPtr doc = NULL;
        _cleanup_free_ char *wrapped = NULL, *error = NULL;
        _cleanup_free_ AccmigVf *vfs = NULL;
        size_t n = 0;
        int r;

        if (strncmp(element, "<vfs>", 5) != 0 || strlen(element) < 11 ||
            strcmp(element + strlen(element) - 6, "</vfs>") != 0)
                return asprintf(ret_error, "the metadata element is not <vfs>…</vfs>") < 0
                               ? -ENOMEM
                               : -EINVAL;
        /* libvirt puts the element in the namespace; the check does the same. */
        if (asprintf(&wrapped, "<metadata><vfs xmlns='%s'>%.*s</vfs></metadata>",
                     ACCMIG_METADATA_NS, (int)(strlen(element) - 11), element + 5) < 0)
                return -ENOMEM;
        doc = xmlReadMemory(wrapped, (int)strlen(wrapped), "metadata.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!doc)
                return asprintf(ret_error, "the metadata element is not well-formed XML") < 0
                               ? -ENOMEM
                               : -EINVAL;
        r = accmig_metadata_read(xmlDocGetRootElement(doc), &vfs, &n, &error);
        if (r < 0) {
                *ret_error = TAKE_PTR(error);
                return r;
        }
        if (ret_vfs) {
                *ret_vfs = TAKE_PTR(vfs);
                *ret_n = n;
        }
        return 0;
}

int libvirt_metadata_set(virDomainPtr dom, const char *element, char **ret_error) {
        unsigned flags = 0;
        const char *why;
        int r;

        if (!dom || !ret_error)
                return -EINVAL;
        if (element && element[0]) {
                r = check_element(element, NULL, NULL, ret_error);
                if (r < 0)
                        return r;
        } else
                element = NULL;
        if (virDomainIsActive(dom) == 1)
                flags |= VIR_DOMAIN_AFFECT_LIVE;
        if (virDomainIsPersistent(dom) == 1)
                flags |= VIR_DOMAIN_AFFECT_CONFIG;
        if (virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, element, ACCMIG_METADATA_KEY,
                                 ACCMIG_METADATA_NS, flags) == 0)
                return 0;
        why = virGetLastErrorMessage();
        return asprintf(ret_error, "libvirt refused the metadata: %s",
                        why ? why : "unknown error") < 0
                       ? -ENOMEM
                       : -EIO;
}

/* The element as the domain has it now (the running one's, else its definition's): parsed, or
 * nothing when it has none or one that cannot be read. */
static void current_vfs(virDomainPtr dom, AccmigVf **ret, size_t *ret_n) {
        _cleanup_(xml_free_docp) xmlDocPtr doc = NULL;
        _cleanup_free_ char *wrapped = NULL, *error = NULL;
        unsigned flags =
                virDomainIsActive(dom) == 1 ? VIR_DOMAIN_AFFECT_LIVE : VIR_DOMAIN_AFFECT_CONFIG;
        char *meta =
                virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, ACCMIG_METADATA_NS, flags);

        *ret = NULL;
        *ret_n = 0;
        if (!meta)
                return;
        if (asprintf(&wrapped, "<metadata>%s</metadata>", meta) < 0)
                wrapped = NULL;
        free(meta);
        if (!wrapped)
                return;
        doc = xmlReadMemory(wrapped, (int)strlen(wrapped), "metadata.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (doc && accmig_metadata_read(xmlDocGetRootElement(doc), ret, ret_n, &error) < 0) {
                *ret = NULL;
                *ret_n = 0;
        }
}

void libvirt_metadata_merge(AccmigVf *vfs, size_t n, const AccmigVf *old, size_t n_old) {
        for (size_t i = 0; i < n; i++) {
                AccmigVf *v = &vfs[i];
                const AccmigVf *o = accmig_metadata_find(old, n_old, v->address);
                uint32_t known;

                if (!o || o->desc.kind != v->desc.kind)
                        continue;
                if (!(v->desc.unknown & HISI_COMPAT_UNKNOWN(HISI_COMPAT_DEVICE_ID)) &&
                    !(o->desc.unknown & HISI_COMPAT_UNKNOWN(HISI_COMPAT_DEVICE_ID)) &&
                    o->desc.device_id != v->desc.device_id)
                        continue; /* another VF at the same address */
                known = o->desc.unknown;
                if ((v->desc.unknown & HISI_COMPAT_UNKNOWN(HISI_COMPAT_QP_NUM)) &&
                    !(known & HISI_COMPAT_UNKNOWN(HISI_COMPAT_QP_NUM))) {
                        v->desc.qp_num = o->desc.qp_num;
                        v->desc.unknown &= ~HISI_COMPAT_UNKNOWN(HISI_COMPAT_QP_NUM);
                }
                if ((v->desc.unknown & HISI_COMPAT_UNKNOWN(HISI_COMPAT_QUEUE_ISOLATION)) &&
                    !(known & HISI_COMPAT_UNKNOWN(HISI_COMPAT_QUEUE_ISOLATION))) {
                        v->desc.que_iso_cfg = o->desc.que_iso_cfg;
                        v->desc.unknown &= ~HISI_COMPAT_UNKNOWN(HISI_COMPAT_QUEUE_ISOLATION);
                }
                if ((v->desc.unknown & HISI_COMPAT_UNKNOWN(HISI_COMPAT_STREAM_VERSION)) &&
                    !(known & HISI_COMPAT_UNKNOWN(HISI_COMPAT_STREAM_VERSION))) {
                        v->desc.stream = o->desc.stream;
                        v->desc.unknown &= ~HISI_COMPAT_UNKNOWN(HISI_COMPAT_STREAM_VERSION);
                }
                if ((v->desc.unknown & HISI_COMPAT_UNKNOWN(HISI_COMPAT_MIG_FLAGS)) &&
                    !(known & HISI_COMPAT_UNKNOWN(HISI_COMPAT_MIG_FLAGS))) {
                        v->desc.mig_flags = o->desc.mig_flags;
                        v->desc.unknown &= ~HISI_COMPAT_UNKNOWN(HISI_COMPAT_MIG_FLAGS);
                }
                if ((v->desc.unknown & HISI_COMPAT_UNKNOWN(HISI_COMPAT_STATE_SIZE)) &&
                    !(known & HISI_COMPAT_UNKNOWN(HISI_COMPAT_STATE_SIZE))) {
                        v->desc.state_size = o->desc.state_size;
                        v->desc.unknown &= ~HISI_COMPAT_UNKNOWN(HISI_COMPAT_STATE_SIZE);
                }
                if (v->qm_version == 0)
                        v->qm_version = o->qm_version;
        }
}

int libvirt_metadata_update(virDomainPtr dom, const char *element, bool *ret_changed,
                            char **ret_error) {
        _cleanup_free_ AccmigVf *vfs = NULL, *old = NULL;
        _cleanup_free_ char *merged = NULL, *before = NULL;
        size_t n = 0, n_old = 0;
        int r;

        if (!dom || !ret_changed || !ret_error)
                return -EINVAL;
        if (element && element[0]) {
                r = check_element(element, &vfs, &n, ret_error);
                if (r < 0)
                        return r;
        }
        current_vfs(dom, &old, &n_old);
        libvirt_metadata_merge(vfs, n, old, n_old);
        r = accmig_metadata_format(vfs, n, &merged);
        if (r >= 0 && n_old > 0)
                r = accmig_metadata_format(old, n_old, &before);
        if (r < 0)
                return r;
        *ret_changed = false;
        if (n == 0 && n_old == 0)
                return 0; /* none, and none wanted */
        if (before && streq(before, merged))
                return 0;
        r = libvirt_metadata_set(dom, n > 0 ? merged : NULL, ret_error);
        if (r < 0)
                return r;
        *ret_changed = true;
        return 0;
}
