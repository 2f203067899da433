/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for reading libvirt domain XML (daemon/domain-xml.c): the managed='yes' PCI hostdevs
 * and hostdev interfaces are found with their canonical addresses, everything else (managed='no'
 * or absent, USB, SCSI, other address types) is not, and malformed documents or addresses are
 * refused.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "domain-xml.h"
#include "macro.h"
#include "test-main.h"

static const char domain[] =
        "<domain type='kvm'>\n"
        "  <name>vm1</name>\n"
        "  <devices>\n"
        "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
        "      <source><address domain='0x0000' bus='0x75' slot='0x00' function='0x1'/></source>\n"
        "    </hostdev>\n"
        "    <hostdev mode='subsystem' type='pci' managed='no'>\n"
        "      <source><address domain='0x0000' bus='0x75' slot='0x00' function='0x2'/></source>\n"
        "    </hostdev>\n"
        "    <hostdev mode='subsystem' type='pci'>\n"
        "      <source><address domain='0x0000' bus='0x75' slot='0x00' function='0x3'/></source>\n"
        "    </hostdev>\n"
        "    <hostdev mode='subsystem' type='usb' managed='yes'>\n"
        "      <source><vendor id='0x1234'/><product id='0xbeef'/></source>\n"
        "    </hostdev>\n"
        "    <interface type='hostdev' managed='yes'>\n"
        "      <source><address type='pci' domain='0x0001' bus='0x7d' slot='0x1f' "
        "function='0x7'/></source>\n"
        "    </interface>\n"
        "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
        "      <driver model='hisi_acc_vfio_pci'/>\n"
        "      <source><address bus='118' slot='0' function='4'/></source>\n"
        "    </hostdev>\n"
        "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"
        "      <source><address domain='0x0000' bus='0x75' slot='0x00' function='0x1'/></source>\n"
        "    </hostdev>\n"
        "    <disk type='file'><source file='/x'/></disk>\n"
        "  </devices>\n"
        "</domain>\n";

START_TEST(test_managed_hostdevs) {
        _cleanup_free_ char *name = NULL;
        char **a = NULL;
        size_t n = 0;

        ck_assert_int_eq(domain_xml_managed_hostdevs(domain, strlen(domain), &a, &n, &name, NULL),
                         0);
        ck_assert_str_eq(name, "vm1");
        ck_assert_uint_eq(n, 3);
        ck_assert_str_eq(a[0], "0000:75:00.1");
        ck_assert_str_eq(a[1], "0001:7d:1f.7");
        ck_assert_str_eq(a[2], "0000:76:00.4"); /* decimal, domain 0 implied */
        domain_xml_addresses_free(a, n);
}
END_TEST

START_TEST(test_none) {
        static const char xml[] = "<domain><name>empty</name></domain>";
        char **a = (char **)1;
        size_t n = 7;

        ck_assert_int_eq(domain_xml_managed_hostdevs(xml, strlen(xml), &a, &n, NULL, NULL), 0);
        ck_assert_uint_eq(n, 0);
        ck_assert_ptr_null(a);
}
END_TEST

static const struct {
        const char *xml;
        const char *error;
} bad[] = {
        { "", "empty domain XML" },
        { "<domain>", "not well-formed XML" },
        { "<node><domain/></node>", "the root element is not <domain>" },
        { "<domain><devices><hostdev mode='subsystem' type='pci' managed='yes'/></devices>"
          "</domain>",
          "a managed PCI hostdev without a valid source address" },
        { "<domain><devices><hostdev mode='subsystem' type='pci' managed='yes'><source>"
          "<address bus='0x75' slot='0x20' function='0'/></source></hostdev></devices></domain>",
          "a managed PCI hostdev without a valid source address" },
        { "<domain><devices><hostdev mode='subsystem' type='pci' managed='yes'><source>"
          "<address bus='-1' slot='0' function='0'/></source></hostdev></devices></domain>",
          "a managed PCI hostdev without a valid source address" },
        { "<domain><devices><hostdev mode='subsystem' type='pci' managed='yes'><source>"
          "<address bus='0x75' slot='0' function='8'/></source></hostdev></devices></domain>",
          "a managed PCI hostdev without a valid source address" },
        { "<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><domain><name>&e;</name>"
          "</domain>",
          NULL }, /* external entities are not loaded: the name stays empty */
};

START_TEST(test_refused) {
        _cleanup_free_ char *error = NULL, *name = NULL;
        char **a = NULL;
        size_t n = 0;
        int r;

        r = domain_xml_managed_hostdevs(bad[_i].xml, strlen(bad[_i].xml), &a, &n, &name, &error);
        if (!bad[_i].error) {
                ck_assert_int_eq(r, 0);
                ck_assert_ptr_null(strstr(name ? name : "", "root:"));
                domain_xml_addresses_free(a, n);
                return;
        }
        ck_assert_int_eq(r, -EINVAL);
        ck_assert_str_eq(error, bad[_i].error);
        ck_assert_ptr_null(a);
}
END_TEST

START_TEST(test_arguments) {
        char **a;
        size_t n;

        ck_assert_int_eq(domain_xml_managed_hostdevs(NULL, 1, &a, &n, NULL, NULL), -EINVAL);
        ck_assert_int_eq(domain_xml_managed_hostdevs("<domain/>", 9, NULL, &n, NULL, NULL),
                         -EINVAL);
        domain_xml_addresses_free(NULL, 0);
}
END_TEST

static Suite *domain_xml_suite(void) {
        Suite *s = suite_create("domain-xml");
        TCase *tc = tcase_create("hostdevs");

        tcase_add_test(tc, test_managed_hostdevs);
        tcase_add_test(tc, test_none);
        tcase_add_loop_test(tc, test_refused, 0, (int)ELEMENTSOF(bad));
        tcase_add_test(tc, test_arguments);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(domain_xml_suite)
