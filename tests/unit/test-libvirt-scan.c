/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the libvirt scan (daemon/libvirt-scan.c): the helper's output is decoded
 * strictly (addresses made canonical, unknown keys and bad addresses refused, the helper's own
 * error passed on), and the real helper program answers a libvirt test-driver URI with the
 * managed hostdevs of its domains and a URI nobody serves with an error.
 */

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file-util.h"
#include "libvirt-scan.h"
#include "macro.h"

static int parse(const char *text, LibvirtHostdev **h, size_t *n, char **error) {
        return libvirt_scan_parse(text, strlen(text), h, n, error);
}

START_TEST(test_parse) {
        LibvirtHostdev *h = NULL;
        size_t n = 0;

        ck_assert_int_eq(parse("{\"hostdevs\": [{\"address\": \"75:00.1\", \"domain\": \"vm1\"},"
                               " {\"address\": \"0000:76:00.2\"}]}",
                               &h, &n, NULL),
                         0);
        ck_assert_uint_eq(n, 2);
        ck_assert_str_eq(h[0].address, "0000:75:00.1");
        ck_assert_str_eq(h[0].domain, "vm1");
        ck_assert_str_eq(h[1].domain, "");
        libvirt_hostdevs_free(h, n);
        ck_assert_int_eq(parse("{\"hostdevs\": []}", &h, &n, NULL), 0);
        ck_assert_uint_eq(n, 0);
        libvirt_hostdevs_free(h, n);
}
END_TEST

static const struct {
        const char *text;
        const char *error;
} bad[] = {
        { "{\"error\": \"cannot connect to libvirt\"}", "cannot connect to libvirt" },
        { "{}", "helper output:1: missing required key \"hostdevs\"" },
        { "{\"hostdevs\": [{\"address\": \"x\"}]}",
          "helper output:1: hostdevs[0].address: expected a PCI address, got \"x\"" },
        { "{\"hostdevs\": [{\"address\": \"75:00.1\", \"name\": 1}]}",
          "helper output:1: hostdevs[0].name: unknown key" },
        { "{\"hostdevs\": {}}", "helper output:1: hostdevs: expected an array" },
        { "", "helper output:1:" },
};

START_TEST(test_refused) {
        _cleanup_free_ char *error = NULL;
        LibvirtHostdev *h = NULL;
        size_t n = 0;

        ck_assert_int_eq(parse(bad[_i].text, &h, &n, &error), -EINVAL);
        ck_assert_ptr_nonnull(error);
        ck_assert_msg(strneq(error, bad[_i].error, strlen(bad[_i].error)), "got \"%s\"", error);
        ck_assert_ptr_null(h);
}
END_TEST

static char *run_helper(const char *uri, int *ret_status) {
        _cleanup_free_ char *cmd = NULL;
        char buf[4096];
        size_t k;
        FILE *p;

        ck_assert_int_ge(
                asprintf_safe(&cmd, "%s --uri '%s' 2>/dev/null", HISI_TEST_LIBVIRT_HELPER, uri), 0);
        p = popen(cmd, "r");
        ck_assert_ptr_nonnull(p);
        k = fread(buf, 1, sizeof(buf) - 1, p);
        buf[k] = '\0';
        *ret_status = pclose(p);
        return strdup(buf);
}

START_TEST(test_helper) {
        char dir[] = "/tmp/hisi-lv.XXXXXX";
        _cleanup_free_ char *path = NULL, *uri = NULL, *out = NULL, *error = NULL;
        LibvirtHostdev *h = NULL;
        size_t n = 0;
        int status;
        static const char xml[] =
                "<node>\n"
                "  <domain type='test'><name>a</name><memory>1024</memory>"
                "<os><type>hvm</type></os><devices>\n"
                "    <hostdev mode='subsystem' type='pci' managed='yes'><source>"
                "<address domain='0x0000' bus='0x79' slot='0x00' function='0x2'/></source>"
                "</hostdev>\n"
                "    <hostdev mode='subsystem' type='pci' managed='no'><source>"
                "<address domain='0x0000' bus='0x79' slot='0x00' function='0x3'/></source>"
                "</hostdev>\n"
                "  </devices></domain>\n"
                "</node>\n";

        ck_assert_ptr_nonnull(mkdtemp(dir));
        ck_assert_int_ge(asprintf_safe(&path, "%s/host.xml", dir), 0);
        {
                _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                ck_assert_int_ge(fd, 0);
                ck_assert_int_eq(loop_write(fd, xml, strlen(xml)), 0);
        }
        ck_assert_int_ge(asprintf_safe(&uri, "test://%s", path), 0);
        out = run_helper(uri, &status);
        ck_assert_int_eq(status, 0);
        ck_assert_int_eq(parse(out, &h, &n, NULL), 0);
        ck_assert_uint_eq(n, 1);
        ck_assert_str_eq(h[0].address, "0000:79:00.2");
        ck_assert_str_eq(h[0].domain, "a");
        libvirt_hostdevs_free(h, n);
        unlink(path);
        rmdir(dir);

        /* Nobody serves it: an error object and a failure status. */
        out = mfree(out);
        out = run_helper("test:///nonexistent/host.xml", &status);
        ck_assert_int_ne(status, 0);
        ck_assert_int_eq(parse(out, &h, &n, &error), -EINVAL);
        ck_assert_ptr_nonnull(strstr(error, "cannot connect to libvirt at test:///nonexistent"));
}
END_TEST

int main(void) {
        Suite *s = suite_create("libvirt-scan");
        TCase *tc = tcase_create("scan");

        tcase_add_test(tc, test_parse);
        tcase_add_loop_test(tc, test_refused, 0, (int)ELEMENTSOF(bad));
        tcase_add_test(tc, test_helper);
        suite_add_tcase(s, tc);

        SRunner *sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
