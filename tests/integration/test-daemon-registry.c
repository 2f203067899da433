/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigd's registry and D-Bus API against a real simulated host, on a private system bus:
 * the registry matches what the host has (every VF, its kind, PF, driver, IOMMU group, VFIO
 * cdev), a VF that goes away disappears from the bus with InterfacesRemoved and the Manager's
 * counts change with PropertiesChanged, a bind and an unbind show as PropertiesChanged, the live
 * introspection matches the interface reference daemon/com.hisilicon.AccMig1.xml, and
 * hisi-accmigctl's tables, JSON and exit codes say what the bus says.
 */

#include <check.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "macro.h"
#include "test-main.h"

#define ZIP_VF  "0000:75:00.1"
#define ZIP_VF2 "0000:75:00.2"
#define ZIP_PF  "0000:75:00.0"

static daemon_harness *start(const char *config) {
        daemon_harness *h = NULL;

        ck_assert_int_eq(dh_new(NULL, &h), 0);
        ck_assert_int_eq(dh_write_config(h, config), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        return h;
}

static void stop(daemon_harness *h) {
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}

static const char *jstr(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !v)
                return "null";
        return json_object_get_string(v);
}

START_TEST(test_registry_matches_host) {
        daemon_harness *h = start(NULL);
        json_object *reply = NULL, *list;
        _cleanup_free_ char *count = NULL;
        unsigned vfs = 0;

        ck_assert_int_eq(sim_harness_ctl(h->sim, "{\"cmd\":\"list\"}", &reply), 0);
        ck_assert(json_object_object_get_ex(reply, "result", &list));
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *d = json_object_array_get_idx(list, i);
                _cleanup_free_ char *path = NULL, *v = NULL, *group = NULL;

                if (!streq(jstr(d, "role"), "vf"))
                        continue;
                vfs++;
                path = dh_device_path(jstr(d, "address"));
                ck_assert_ptr_nonnull(path);
                ck_assert_int_eq(dh_get_property(h, path, ACCMIG_DEVICE_INTERFACE, "Kind", &v), 0);
                ck_assert_str_eq(v, jstr(d, "kind"));
                v = mfree(v);
                ck_assert_int_eq(dh_get_property(h, path, ACCMIG_DEVICE_INTERFACE, "PF", &v), 0);
                ck_assert_str_eq(v, jstr(d, "pf"));
                v = mfree(v);
                ck_assert_int_eq(dh_get_property(h, path, ACCMIG_DEVICE_INTERFACE, "Driver", &v),
                                 0);
                ck_assert_str_eq(v, jstr(d, "driver"));
                v = mfree(v);
                ck_assert_int_eq(
                        dh_get_property(h, path, ACCMIG_DEVICE_INTERFACE, "IommuGroup", &v), 0);
                ck_assert_str_eq(v, jstr(d, "iommu_group"));
                v = mfree(v);
                ck_assert_int_eq(dh_get_property(h, path, ACCMIG_DEVICE_INTERFACE, "VFIndex", &v),
                                 0);
                ck_assert_str_eq(v, jstr(d, "index"));
                v = mfree(v);
                ck_assert_int_eq(dh_get_property(h, path, ACCMIG_DEVICE_INTERFACE, "Bound", &v), 0);
                ck_assert_str_eq(v, "false");
        }
        json_object_put(reply);
        ck_assert_uint_eq(vfs, 12);
        ck_assert_int_eq(dh_get_property(h, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                                         "DeviceCount", &count),
                         0);
        ck_assert_str_eq(count, "12");
        stop(h);
}
END_TEST

START_TEST(test_vf_removed) {
        daemon_harness *h = start(NULL);
        _cleanup_free_ char *path = dh_device_path(ZIP_VF2), *err = NULL;

        ck_assert_int_eq(dh_sim_ctl(h, "unplug", ZIP_VF2, NULL), 0);
        ck_assert_int_eq(dh_wait_signal(h, "InterfacesRemoved", path, NULL), 0);
        ck_assert_int_eq(dh_wait_signal(h, "PropertiesChanged", ACCMIG_BUS_PATH, "DeviceCount=11"),
                         0);
        /* Gone for everyone: the CLI says so with its own exit code. */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "show", ZIP_VF2, NULL), 3);
        ck_assert_ptr_nonnull(strstr(err, "No HiSilicon accelerator device " ZIP_VF2));
        ck_assert_uint_eq(dh_count_log(h, "VF " ZIP_VF2 " (zip) is gone"), 1);
        stop(h);
}
END_TEST

START_TEST(test_bind_signals) {
        daemon_harness *h = start(NULL);
        _cleanup_free_ char *path = dh_device_path(ZIP_VF), *out = NULL, *driver = NULL;

        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "bind", ZIP_VF, NULL), 0);
        ck_assert_str_eq(out, ZIP_VF ": bound to hisi_acc_vfio_pci (was hisi_zip)\n");
        ck_assert_int_eq(
                dh_wait_signal(h, "PropertiesChanged", path, "Driver=hisi_acc_vfio_pci Bound=true"),
                0);
        ck_assert_int_eq(dh_wait_signal(h, "PropertiesChanged", ACCMIG_BUS_PATH, "BoundCount=1"),
                         0);
        ck_assert_int_eq(dh_sim_field(h, ZIP_VF, "driver", &driver), 0);
        ck_assert_str_eq(driver, "hisi_acc_vfio_pci");
        /* Idempotent. */
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "bind", ZIP_VF, NULL), 0);
        ck_assert_str_eq(out, ZIP_VF ": already bound to hisi_acc_vfio_pci\n");

        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "unbind", ZIP_VF, NULL), 0);
        ck_assert_str_eq(out, ZIP_VF ": unbound from hisi_acc_vfio_pci; now on hisi_zip\n");
        ck_assert_int_eq(dh_wait_signal(h, "PropertiesChanged", path, "Driver=hisi_zip"), 0);
        driver = mfree(driver);
        ck_assert_int_eq(dh_sim_field(h, ZIP_VF, "driver", &driver), 0);
        ck_assert_str_eq(driver, "hisi_zip");
        stop(h);
}
END_TEST

START_TEST(test_ctl) {
        daemon_harness *h = start("\"binding\": {\"policy\": \"none\"}");
        _cleanup_free_ char *out = NULL, *err = NULL;
        json_object *j;

        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "status", NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, ": running, backend sim"));
        ck_assert_ptr_nonnull(strstr(out, "Binding policy: none"));
        ck_assert_ptr_nonnull(strstr(out, "VFs: 12 (0 bound to hisi_acc_vfio_pci, 0 failed)"));
        ck_assert_ptr_nonnull(strstr(out, ZIP_PF "  zip   hisi_zip     4/63"));

        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "list", NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, ZIP_VF "  zip   " ZIP_PF "  hisi_zip"));

        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "--json", "list", NULL), 0);
        j = json_tokener_parse(out);
        ck_assert_ptr_nonnull(j);
        ck_assert_uint_eq(json_object_array_length(j), 12);
        ck_assert_str_eq(jstr(json_object_array_get_idx(j, 0), "address"), ZIP_VF);
        ck_assert_str_eq(jstr(json_object_array_get_idx(j, 0), "policy"), "leave");
        ck_assert_str_eq(jstr(json_object_array_get_idx(j, 0), "policy_reason"),
                         "binding.policy is \"none\"");
        json_object_put(j);

        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "--json", "show", "75:00.1", NULL), 0);
        j = json_tokener_parse(out);
        ck_assert_ptr_nonnull(j);
        ck_assert_str_eq(jstr(j, "address"), ZIP_VF);
        ck_assert_str_eq(jstr(j, "kind"), "zip");
        ck_assert_str_eq(jstr(j, "device_id"), "41553");
        ck_assert_str_eq(jstr(j, "vf_index"), "0");
        ck_assert_str_eq(jstr(j, "bind_state"), "idle");
        json_object_put(j);

        /* status --json: the PFs as objects, not positional arrays (issue 15). */
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "--json", "status", NULL), 0);
        j = json_tokener_parse(out);
        ck_assert_ptr_nonnull(j);
        ck_assert_str_eq(jstr(j, "state"), "running");
        {
                json_object *pfs = NULL, *pf;
                ck_assert(json_object_object_get_ex(j, "physical_functions", &pfs));
                ck_assert_uint_eq(json_object_array_length(pfs), 3);
                pf = json_object_array_get_idx(pfs, 0);
                ck_assert_str_eq(jstr(pf, "address"), ZIP_PF);
                ck_assert_str_eq(jstr(pf, "kind"), "zip");
                ck_assert_str_eq(jstr(pf, "driver"), "hisi_zip");
                ck_assert_str_eq(jstr(pf, "num_vfs"), "4");
        }
        json_object_put(j);

        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "show", ZIP_VF, NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, "        DeviceId: 0xa251\n"));
        ck_assert_ptr_nonnull(strstr(out, "       BindState: idle\n"));

        /* Exit codes scripts rely on. */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "show", "0000:75:07.7", NULL), 3);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "show", ZIP_PF, NULL), 3);
        ck_assert_ptr_nonnull(strstr(err, "is a PF"));
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "show", "not-an-address", NULL), 2);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "frobnicate", NULL), 2);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "bind", NULL), 2);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "bind", ZIP_PF, NULL), 3);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "--help", NULL), 0);
        /* Short addresses everywhere; a bind's answer names the VF in full. */
        out = mfree(out);
        ck_assert_int_eq(dh_ctl(h, 0, &out, NULL, "--json", "bind", "75:00.1", NULL), 0);
        ck_assert_ptr_nonnull(strstr(out, "\"address\":\"" ZIP_VF "\""));

        /* busctl sees the same. */
        out = mfree(out);
        ck_assert_int_eq(dh_busctl(h, 0, &out, NULL, "get-property", ACCMIG_BUS_NAME,
                                   ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "DeviceCount", NULL),
                         0);
        ck_assert_str_eq(out, "u 12\n");
        out = mfree(out);
        ck_assert_int_eq(dh_busctl(h, 0, &out, NULL, "call", ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                   ACCMIG_MANAGER_INTERFACE, "GetDevice", "s", "75:00.1", NULL),
                         0);
        ck_assert_str_eq(out, "o \"/com/hisilicon/AccMig1/device/_30000_3a75_3a00_2e1\"\n");
        stop(h);

        /* No daemon: its own exit code. */
        ck_assert_int_eq(dh_new(NULL, &h), 0);
        err = mfree(err);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, &err, "status", NULL), 7);
        ck_assert_ptr_nonnull(strstr(err, "hisi-accmigd is not running"));
        /* A usage error is said before the bus is asked: 2, not 7. */
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "show", "not-an-address", NULL), 2);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "bind", NULL), 2);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "check", ZIP_VF, NULL), 2);
        ck_assert_int_eq(dh_ctl(h, 0, NULL, NULL, "--to", "host-b", "list", NULL), 2);
        dh_free(h);
}
END_TEST

/* ---- Introspection against the reference XML ---- */

static void xml_doc_freep(xmlDocPtr *d) {
        if (*d)
                xmlFreeDoc(*d);
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *prop(xmlNode *n, const char *name) {
        xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
        char *s = strdup(v ? (const char *)v : "");

        xmlFree(v);
        return s;
}

/* One line per member of interface iface, sorted, for comparison: "method Bind in:t:flags
 * out:s:message", "property State s read emits", "signal …". */
static char *describe_interface(xmlDocPtr doc, const char *iface) {
        char *lines[128];
        size_t n = 0, size = 0;
        char *out = NULL;
        FILE *f;

        for (xmlNode *i = xmlDocGetRootElement(doc)->children; i; i = i->next) {
                _cleanup_free_ char *name = NULL;

                if (i->type != XML_ELEMENT_NODE || xmlStrcmp(i->name, (const xmlChar *)"interface"))
                        continue;
                name = prop(i, "name");
                if (!streq(name, iface))
                        continue;
                for (xmlNode *m = i->children; m; m = m->next) {
                        char *line = NULL;
                        size_t ls = 0;
                        FILE *lf;

                        if (m->type != XML_ELEMENT_NODE)
                                continue;
                        lf = open_memstream(&line, &ls);
                        ck_assert_ptr_nonnull(lf);
                        {
                                _cleanup_free_ char *mn = prop(m, "name");
                                fprintf(lf, "%s %s", (const char *)m->name, mn);
                        }
                        if (!xmlStrcmp(m->name, (const xmlChar *)"property")) {
                                _cleanup_free_ char *t = prop(m, "type"), *a = prop(m, "access");
                                const char *emits = "true";
                                for (xmlNode *x = m->children; x; x = x->next) {
                                        _cleanup_free_ char *an = NULL, *av = NULL;
                                        if (x->type != XML_ELEMENT_NODE)
                                                continue;
                                        an = prop(x, "name");
                                        av = prop(x, "value");
                                        if (streq(an, "org.freedesktop.DBus.Property."
                                                      "EmitsChangedSignal"))
                                                emits = streq(av, "const")   ? "const"
                                                        : streq(av, "false") ? "false"
                                                                             : "other";
                                }
                                fprintf(lf, " %s %s emits=%s", t, a, emits);
                        }
                        for (xmlNode *x = m->children; x; x = x->next) {
                                _cleanup_free_ char *t = NULL, *d = NULL, *an = NULL;
                                if (x->type != XML_ELEMENT_NODE ||
                                    xmlStrcmp(x->name, (const xmlChar *)"arg"))
                                        continue;
                                t = prop(x, "type");
                                d = prop(x, "direction");
                                an = prop(x, "name");
                                fprintf(lf, " %s:%s:%s", d[0] ? d : "in", t, an);
                        }
                        fclose(lf);
                        ck_assert_uint_lt(n, ELEMENTSOF(lines));
                        lines[n++] = line;
                }
        }
        qsort(lines, n, sizeof(char *), compare_strings);
        f = open_memstream(&out, &size);
        for (size_t i = 0; i < n; i++) {
                fprintf(f, "%s\n", lines[i]);
                free(lines[i]);
        }
        fclose(f);
        return out;
}

static xmlDocPtr parse_xml(const char *text) {
        xmlDocPtr d = xmlReadMemory(text, (int)strlen(text), "introspection.xml", NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOBLANKS);
        ck_assert_ptr_nonnull(d);
        return d;
}

static char *introspect(daemon_harness *h, const char *path) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *xml;

        ck_assert_int_ge(sd_bus_call_method(h->bus, ACCMIG_BUS_NAME, path,
                                            "org.freedesktop.DBus.Introspectable", "Introspect",
                                            &error, &reply, NULL),
                         0);
        ck_assert_int_ge(sd_bus_message_read(reply, "s", &xml), 0);
        return strdup(xml);
}

START_TEST(test_introspection_matches_reference) {
        daemon_harness *h = start(NULL);
        _cleanup_free_ char *ref_path = NULL, *ref_text = NULL, *root = NULL, *dev = NULL,
                            *vf_path = dh_device_path(ZIP_VF);
        _cleanup_(xml_doc_freep) xmlDocPtr ref = NULL, live_root = NULL, live_dev = NULL;
        static const char *const interfaces[] = { ACCMIG_MANAGER_INTERFACE,
                                                  ACCMIG_DEVICE_INTERFACE };

        ck_assert_int_ge(
                asprintf_safe(&ref_path, "%s/daemon/com.hisilicon.AccMig1.xml", dh_srcdir()), 0);
        {
                _cleanup_close_ int fd = open(ref_path, O_RDONLY | O_CLOEXEC);
                char buf[65536];
                ssize_t k;
                ck_assert_int_ge(fd, 0);
                k = loop_read(fd, buf, sizeof(buf) - 1);
                ck_assert_int_gt(k, 0);
                buf[k] = '\0';
                ref_text = strdup(buf);
        }
        ref = parse_xml(ref_text);
        root = introspect(h, ACCMIG_BUS_PATH);
        dev = introspect(h, vf_path);
        live_root = parse_xml(root);
        live_dev = parse_xml(dev);

        for (size_t i = 0; i < ELEMENTSOF(interfaces); i++) {
                _cleanup_free_ char *want = describe_interface(ref, interfaces[i]);
                _cleanup_free_ char *got =
                        describe_interface(i == 0 ? live_root : live_dev, interfaces[i]);
                ck_assert_msg(want[0] != '\0', "%s is not in the reference", interfaces[i]);
                ck_assert_msg(streq(want, got), "%s differs from the reference:\n%s\nlive:\n%s",
                              interfaces[i], want, got);
        }
        /* The root has the ObjectManager; the device only its own interface. */
        ck_assert_ptr_nonnull(strstr(root, "org.freedesktop.DBus.ObjectManager"));
        ck_assert_ptr_null(strstr(dev, ACCMIG_MANAGER_INTERFACE));
        stop(h);
}
END_TEST

static Suite *daemon_registry_suite(void) {
        Suite *s = suite_create("daemon-registry");
        TCase *tc;

        tc = tcase_create("registry");
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_registry_matches_host);
        tcase_add_test(tc, test_vf_removed);
        tcase_add_test(tc, test_bind_signals);
        suite_add_tcase(s, tc);

        tc = tcase_create("ctl");
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_ctl);
        suite_add_tcase(s, tc);

        tc = tcase_create("interface");
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_introspection_matches_reference);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, daemon_registry_suite)
