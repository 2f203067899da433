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

/* The managed='yes' PCI hostdevs of the domain as it is now; [] when it is gone. */
static json_object *managed_of(virDomainPtr dom) {
        json_object *list = json_object_new_array();
        char **addresses = NULL, *xml;
        size_t n = 0;

        xml = virDomainGetXMLDesc(dom, 0);
        if (xml && domain_xml_managed_hostdevs(xml, strlen(xml), &addresses, &n, NULL, NULL) >= 0) {
                for (size_t i = 0; i < n; i++)
                        json_object_array_add(list, json_object_new_string(addresses[i]));
                domain_xml_addresses_free(addresses, n);
        }
        free(xml);
        return list;
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque) {
        FILE *out = opaque;
        const char *name = libvirt_event_to_string(event), *domain = virDomainGetName(dom);
        json_object *o;

        if (!name || !domain)
                return 0;
        o = json_object_new_object();
        json_object_object_add(o, "event", json_object_new_string(name));
        json_object_object_add(o, "detail", json_object_new_int(detail));
        json_object_object_add(o, "domain", json_object_new_string(domain));
        json_object_object_add(o, "managed",
                               event == VIR_DOMAIN_EVENT_UNDEFINED ? json_object_new_array()
                                                                   : managed_of(dom));
        fprintf(out, "%s\n",
                json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
        fflush(out);
        json_object_put(o);
        return 0;
}

int libvirt_follow_start(virConnectPtr conn, FILE *out, int *ret_callback_id) {
        int id;

        if (!conn || !out || !ret_callback_id)
                return -EINVAL;
        id = virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                              VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), out, NULL);
        if (id < 0)
                return -EIO;
        *ret_callback_id = id;
        return 0;
}

static void xml_free_docp(xmlDocPtr *d) {
        if (*d)
                xmlFreeDoc(*d);
}

/* The element read as the hook will read it, inside a <metadata> in our namespace. */
static int check_element(const char *element, char **ret_error) {
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
        return 0;
}

int libvirt_metadata_set(virDomainPtr dom, const char *element, char **ret_error) {
        unsigned flags = 0;
        const char *why;
        int r;

        if (!dom || !ret_error)
                return -EINVAL;
        if (element && element[0]) {
                r = check_element(element, ret_error);
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
