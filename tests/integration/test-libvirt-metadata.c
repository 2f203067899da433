/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libvirt helper's long-running parts against libvirt's own test driver (test:///default,
 * an in-memory hypervisor shared by the connections of one process): lifecycle events as the
 * helper's JSON lines (defined, started, stopped, undefined, with the domain's managed
 * hostdevs), and hisi-accmigd's metadata written with virDomainSetMetadata() and read back from
 * the domain XML by the migration hook's reader, as the destination's hook will read it.
 */

#include <check.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook-xml.h"
#include "libvirt-follow.h"
#include "macro.h"
#include "string-util.h"
#include "test-main.h"

static const char domain_xml[] =
        "<domain type='test'>\n"
        "  <name>hvm1</name>\n"
        "  <memory unit='KiB'>1048576</memory>\n"
        "  <vcpu>1</vcpu>\n"
        "  <os><type arch='x86_64'>hvm</type></os>\n"
        "  <devices>\n"
        "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
        "      <source><address domain='0x0000' bus='0x75' slot='0x00' function='0x1'/></source>\n"
        "    </hostdev>\n"
        "    <hostdev mode='subsystem' type='pci' managed='no'>\n"
        "      <source><address domain='0x0000' bus='0x76' slot='0x00' function='0x1'/></source>\n"
        "    </hostdev>\n"
        "  </devices>\n"
        "</domain>\n";

static char *lines;
static size_t n_lines;
static FILE *out;

static void quiet(void *userdata, virErrorPtr error) {
}

static void tick(int timer, void *opaque) {
}

/* Run libvirt's event loop until the helper's output holds want (at most ~5 s). */
static void wait_line(const char *want) {
        int timer = virEventAddTimeout(50, tick, NULL, NULL);

        ck_assert_int_ge(timer, 0);
        for (unsigned i = 0; i < 100; i++) {
                fflush(out);
                if (lines && strstr(lines, want))
                        break;
                ck_assert_int_eq(virEventRunDefaultImpl(), 0);
        }
        virEventRemoveTimeout(timer);
        fflush(out);
        ck_assert_msg(lines && strstr(lines, want), "no \"%s\" in:\n%s", want, strna(lines));
}

START_TEST(test_events_and_metadata) {
        _cleanup_(hook_domain_done) HookDomain d = {};
        _cleanup_free_ char *error = NULL, *xml = NULL, *meta = NULL, *element = NULL;
        virConnectPtr follow_conn, conn;
        virDomainPtr dom;
        AccmigVf vf = {
                .address = "0000:75:00.1",
                .desc = { .kind = HISI_KIND_ZIP,
                          .device_id = 0xa251,
                          .qp_num = 64,
                          .stream = { 2, 1, 0 },
                          .mig_flags = 5,
                          .state_size = 65536 },
                .qm_version = 3,
        };
        int id;

        virSetErrorFunc(NULL, quiet);
        ck_assert_int_eq(virEventRegisterDefaultImpl(), 0);
        out = open_memstream(&lines, &n_lines);
        ck_assert_ptr_nonnull(out);
        follow_conn = virConnectOpen("test:///default");
        ck_assert_ptr_nonnull(follow_conn);
        ck_assert_int_eq(libvirt_follow_start(follow_conn, out, &id), 0);
        conn = virConnectOpen("test:///default");
        ck_assert_ptr_nonnull(conn);

        /* Defined: the helper says so, with the managed hostdev (not the unmanaged one). */
        dom = virDomainDefineXML(conn, domain_xml);
        ck_assert_msg(dom, "%s", virGetLastErrorMessage());
        wait_line("{\"event\":\"defined\",\"detail\":0,\"domain\":\"hvm1\","
                  "\"managed\":[\"0000:75:00.1\"]}");

        /* The metadata, as the daemon has the helper write it. */
        vf.desc.unknown = HISI_COMPAT_UNKNOWN(HISI_COMPAT_QUEUE_ISOLATION);
        ck_assert_int_eq(accmig_metadata_format(&vf, 1, &element), 0);
        ck_assert_str_eq(element, "<vfs><vf address=\"0000:75:00.1\" kind=\"zip\" "
                                  "device-id=\"0xa251\" qp-num=\"64\" qm-version=\"3\" "
                                  "stream-version=\"2\" stream-major=\"1\" "
                                  "migration-flags=\"0x5\" state-size=\"65536\"/></vfs>");
        ck_assert_msg(libvirt_metadata_set(dom, element, &error) == 0, "%s", strna(error));
        meta = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, ACCMIG_METADATA_NS,
                                    VIR_DOMAIN_AFFECT_CONFIG);
        ck_assert_msg(meta && strstr(meta, "qp-num=\"64\""), "%s", strna(meta));

        /* The domain XML libvirt sends to the destination carries it; the hook reads it back. */
        xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_MIGRATABLE);
        ck_assert_ptr_nonnull(xml);
        ck_assert_msg(strstr(xml, "xmlns:accmig=\"https://hisilicon.com/accmig/1\""), "%s", xml);
        ck_assert_msg(hook_domain_parse(xml, strlen(xml), &d, &error) == 0, "%s", strna(error));
        ck_assert_uint_eq(d.n_vfs, 1);
        ck_assert_str_eq(d.vfs[0].address, "0000:75:00.1");
        ck_assert_int_eq(d.vfs[0].desc.kind, HISI_KIND_ZIP);
        ck_assert_uint_eq(d.vfs[0].desc.qp_num, 64);
        ck_assert_uint_eq(d.vfs[0].desc.stream.version, 2);
        ck_assert_uint_eq(d.vfs[0].qm_version, 3);
        ck_assert_uint_eq(d.vfs[0].desc.unknown, HISI_COMPAT_UNKNOWN(HISI_COMPAT_QUEUE_ISOLATION));
        ck_assert_uint_eq(d.n_hostdevs, 2);

        /* A bad element is refused before libvirt sees it. */
        error = mfree(error);
        ck_assert_int_eq(libvirt_metadata_set(dom, "<vfs><vf kind='zip'/></vfs>", &error), -EINVAL);
        ck_assert_str_eq(error, "metadata vf 1: address is missing or not a PCI address");

        /* Started, stopped, undefined. */
        ck_assert_int_eq(virDomainCreate(dom), 0);
        wait_line("{\"event\":\"started\",\"detail\":0,\"domain\":\"hvm1\"");
        /* A running domain gets it live and in its definition. */
        error = mfree(error);
        ck_assert_msg(libvirt_metadata_set(dom, element, &error) == 0, "%s", strna(error));
        free(meta);
        meta = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, ACCMIG_METADATA_NS,
                                    VIR_DOMAIN_AFFECT_LIVE);
        ck_assert_ptr_nonnull(meta);
        ck_assert_int_eq(virDomainDestroy(dom), 0);
        wait_line("{\"event\":\"stopped\",\"detail\":1,\"domain\":\"hvm1\"");
        ck_assert_int_eq(virDomainUndefine(dom), 0);
        wait_line("{\"event\":\"undefined\",\"detail\":0,\"domain\":\"hvm1\",\"managed\":[]}");

        virDomainFree(dom);
        virConnectDomainEventDeregisterAny(follow_conn, id);
        virConnectClose(conn);
        virConnectClose(follow_conn);
        fclose(out);
        free(lines);
}
END_TEST

START_TEST(test_event_names) {
        ck_assert_str_eq(libvirt_event_to_string(VIR_DOMAIN_EVENT_DEFINED), "defined");
        ck_assert_str_eq(libvirt_event_to_string(VIR_DOMAIN_EVENT_CRASHED), "crashed");
        ck_assert_ptr_null(libvirt_event_to_string(-1));
        ck_assert_ptr_null(libvirt_event_to_string(1000));
}
END_TEST

static Suite *libvirt_metadata_suite(void) {
        Suite *s = suite_create("libvirt-metadata");
        TCase *tc = test_tcase(s, "test-driver");

        tcase_add_test(tc, test_events_and_metadata);
        tcase_add_test(tc, test_event_names);
        return s;
}

TEST_MAIN(libvirt_metadata_suite)
