/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigd-libvirt: tell hisi-accmigd which PCI devices libvirt manages itself. It opens a
 * read-only connection to libvirt, reads the XML of every domain (running ones live, persistent
 * ones as defined as well), and prints one JSON object on stdout:
 *
 *     {"hostdevs": [{"address": "0000:75:00.2", "domain": "vm1"}, …]}
 *
 * or {"error": "<sentence>"} and exit status 1. It is a program of its own so that the daemon
 * links no libvirt (optional at run time) and a libvirt that hangs stalls only this process,
 * which the daemon kills after timeouts.libvirt_ms (libvirt-scan.c). Not for people: see
 * hisi-accmigd(8).
 */

#include <getopt.h>
#include <json-c/json.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain-xml.h"
#include "libvirt-follow.h"
#include "macro.h"

static void quiet(void *userdata, virErrorPtr error) {
}

/* "<what> <uri>: <libvirt's reason>" */
static int fail(const char *what, const char *uri) {
        json_object *o = json_object_new_object();
        char *msg = NULL;
        const char *why = virGetLastErrorMessage();

        if (asprintf(&msg, "%s %s: %s", what, uri, why ? why : "unknown error") < 0)
                msg = NULL;
        json_object_object_add(o, "error", json_object_new_string(msg ? msg : "failed"));
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        free(msg);
        return EXIT_FAILURE;
}

/* Add the managed hostdevs of one XML text to list. */
static void add_hostdevs(json_object *list, const char *xml, const char *domain) {
        char **addresses = NULL, *name = NULL, *error = NULL;
        size_t n = 0;

        if (!xml ||
            domain_xml_managed_hostdevs(xml, strlen(xml), &addresses, &n, &name, &error) < 0) {
                fprintf(stderr, "hisi-accmigd-libvirt: domain %s: %s\n", domain,
                        error ? error : "unreadable XML");
                free(error);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                bool seen = false;

                for (size_t k = 0; k < json_object_array_length(list); k++) {
                        json_object *e = json_object_array_get_idx(list, k), *a, *d;
                        if (json_object_object_get_ex(e, "address", &a) &&
                            json_object_object_get_ex(e, "domain", &d) &&
                            streq(json_object_get_string(a), addresses[i]) &&
                            streq(json_object_get_string(d), domain))
                                seen = true;
                }
                if (seen)
                        continue;
                json_object *e = json_object_new_object();
                json_object_object_add(e, "address", json_object_new_string(addresses[i]));
                json_object_object_add(e, "domain", json_object_new_string(domain));
                json_object_array_add(list, e);
        }
        domain_xml_addresses_free(addresses, n);
        free(name);
}

/* --follow: one JSON line per lifecycle event, until libvirt goes away. */
static int follow(const char *uri) {
        virConnectPtr conn;
        int id, r = EXIT_SUCCESS;

        /* The event loop first: libvirt needs it before the connection opens. */
        if (virEventRegisterDefaultImpl() < 0)
                return fail("cannot start libvirt's event loop for", uri);
        conn = virConnectOpenReadOnly(uri);
        if (!conn)
                return fail("cannot connect to libvirt at", uri);
        if (libvirt_follow_start(conn, stdout, &id) < 0) {
                virConnectClose(conn);
                return fail("cannot follow the domain events of", uri);
        }
        puts("{\"event\":\"following\"}");
        fflush(stdout);
        while (virConnectIsAlive(conn) == 1)
                if (virEventRunDefaultImpl() < 0) {
                        r = fail("libvirt's event loop failed for", uri);
                        break;
                }
        virConnectDomainEventDeregisterAny(conn, id);
        virConnectClose(conn);
        return r;
}

/* --set-metadata DOMAIN: the element on stdin (empty: remove it). */
static int set_metadata(const char *uri, const char *domain) {
        char *element = NULL, *error = NULL;
        size_t size = 0, n;
        virConnectPtr conn;
        virDomainPtr dom;
        FILE *f = open_memstream(&element, &size);
        int r;

        if (!f)
                return EXIT_FAILURE;
        for (char buf[4096]; (n = fread(buf, 1, sizeof(buf), stdin)) > 0;)
                fwrite(buf, 1, n, f);
        fclose(f);
        while (size > 0 && (element[size - 1] == '\n' || element[size - 1] == ' '))
                element[--size] = 0;
        conn = virConnectOpen(uri);
        if (!conn) {
                free(element);
                return fail("cannot connect to libvirt at", uri);
        }
        dom = virDomainLookupByName(conn, domain);
        if (!dom) {
                free(element);
                virConnectClose(conn);
                return fail("no such domain on", uri);
        }
        r = libvirt_metadata_set(dom, element, &error);
        if (r < 0)
                fprintf(stderr, "hisi-accmigd-libvirt: domain %s: %s\n", domain,
                        error ? error : strerror(-r));
        free(error);
        free(element);
        virDomainFree(dom);
        virConnectClose(conn);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "uri", required_argument, NULL, 'u' },
                { "follow", no_argument, NULL, 'f' },
                { "set-metadata", required_argument, NULL, 'm' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *metadata_domain = NULL;
        bool follow_events = false;
        const char *uri = "qemu:///system";
        virDomainPtr *domains = NULL;
        json_object *out, *list;
        virConnectPtr conn;
        int c, n;

        while ((c = getopt_long(argc, argv, "u:h", options, NULL)) >= 0)
                switch (c) {
                case 'u':
                        uri = optarg;
                        break;
                case 'f':
                        follow_events = true;
                        break;
                case 'm':
                        metadata_domain = optarg;
                        break;
                case 'h':
                        printf("Usage: hisi-accmigd-libvirt [--uri URI] [--follow | --set-metadata "
                               "DOMAIN]\n"
                               "Prints the PCI devices libvirt manages (managed='yes') as JSON;\n"
                               "--follow: domain lifecycle events as JSON lines;\n"
                               "--set-metadata: hisi-accmigd's metadata (stdin) into DOMAIN.\n"
                               "Run by hisi-accmigd.\n");
                        return EXIT_SUCCESS;
                default:
                        return EXIT_FAILURE;
                }

        virSetErrorFunc(NULL, quiet);
        if (follow_events)
                return follow(uri);
        if (metadata_domain)
                return set_metadata(uri, metadata_domain);
        conn = virConnectOpenReadOnly(uri);
        if (!conn)
                return fail("cannot connect to libvirt at", uri);
        n = virConnectListAllDomains(conn, &domains, 0);
        if (n < 0) {
                virConnectClose(conn);
                return fail("cannot list the domains of", uri);
        }

        out = json_object_new_object();
        list = json_object_new_array();
        for (int i = 0; i < n; i++) {
                const char *name = virDomainGetName(domains[i]);
                char *xml;

                if (!name)
                        name = "";
                /* A running domain's live devices, and what it is defined with. */
                xml = virDomainGetXMLDesc(domains[i], 0);
                add_hostdevs(list, xml, name);
                free(xml);
                if (virDomainIsActive(domains[i]) == 1 && virDomainIsPersistent(domains[i]) == 1) {
                        xml = virDomainGetXMLDesc(domains[i], VIR_DOMAIN_XML_INACTIVE);
                        add_hostdevs(list, xml, name);
                        free(xml);
                }
                virDomainFree(domains[i]);
        }
        free(domains);
        virConnectClose(conn);

        json_object_object_add(out, "hostdevs", list);
        puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(out);
        return EXIT_SUCCESS;
}
