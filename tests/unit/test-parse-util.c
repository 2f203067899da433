/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for libhisi's small utilities: number parsing, PCI addresses, errno names, small
 * files and the context root. */

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hisi/ctx.h"
#include "errno-name.h"
#include "file-util.h"
#include "macro.h"
#include "parse-util.h"
#include "hisi/pci-address.h"
#include "test-main.h"

START_TEST(test_atou) {
        uint64_t u64 = 7;
        uint32_t u32 = 7;
        uint16_t u16 = 7;
        int i = 7;

        ck_assert_int_eq(safe_atou64("0", &u64), 0);
        ck_assert_uint_eq(u64, 0);
        ck_assert_int_eq(safe_atou64("18446744073709551615", &u64), 0);
        ck_assert_uint_eq(u64, UINT64_MAX);
        ck_assert_int_eq(safe_atou64("18446744073709551616", &u64), -ERANGE);
        ck_assert_int_eq(safe_atou64("0x19e5\n", &u64), 0);
        ck_assert_uint_eq(u64, 0x19e5);
        ck_assert_int_eq(safe_atou64("  42 ", &u64), 0);
        ck_assert_uint_eq(u64, 42);

        u64 = 5;
        ck_assert_int_eq(safe_atou64("", &u64), -EINVAL);
        ck_assert_int_eq(safe_atou64("-1", &u64), -EINVAL);
        ck_assert_int_eq(safe_atou64("+1", &u64), -EINVAL);
        ck_assert_int_eq(safe_atou64("12abc", &u64), -EINVAL);
        ck_assert_int_eq(safe_atou64("010", &u64), -EINVAL);
        ck_assert_int_eq(safe_atou64("0x", &u64), -EINVAL);
        ck_assert_int_eq(safe_atou64(NULL, &u64), -EINVAL);
        ck_assert_uint_eq(u64, 5); /* untouched on failure */

        ck_assert_int_eq(safe_atou32("4294967295", &u32), 0);
        ck_assert_uint_eq(u32, UINT32_MAX);
        ck_assert_int_eq(safe_atou32("4294967296", &u32), -ERANGE);
        ck_assert_int_eq(safe_atou16("65535", &u16), 0);
        ck_assert_int_eq(safe_atou16("65536", &u16), -ERANGE);
        ck_assert_uint_eq(u16, 65535);

        ck_assert_int_eq(safe_atoi("-2147483648", &i), 0);
        ck_assert_int_eq(i, INT32_MIN);
        ck_assert_int_eq(safe_atoi("2147483647", &i), 0);
        ck_assert_int_eq(i, INT32_MAX);
        ck_assert_int_eq(safe_atoi("2147483648", &i), -ERANGE);
        ck_assert_int_eq(safe_atoi("--1", &i), -EINVAL);
}
END_TEST

START_TEST(test_pci_address) {
        char buf[HISI_PCI_ADDRESS_MAX];

        ck_assert(hisi_pci_address_valid("0000:7d:00.1"));
        ck_assert(hisi_pci_address_valid("ffff:ff:1f.7"));
        ck_assert(!hisi_pci_address_valid("0000:7D:00.1"));
        ck_assert(!hisi_pci_address_valid("7d:00.1"));
        ck_assert(!hisi_pci_address_valid("0000:7d:20.1"));
        ck_assert(!hisi_pci_address_valid("0000:7d:00.8"));
        ck_assert(!hisi_pci_address_valid("0000:7d:00.1 "));
        ck_assert(!hisi_pci_address_valid("../../etc/x"));
        ck_assert(!hisi_pci_address_valid(""));
        ck_assert(!hisi_pci_address_valid(NULL));

        ck_assert_int_eq(hisi_pci_address_normalize("7D:00.1", buf), 0);
        ck_assert_str_eq(buf, "0000:7d:00.1");
        ck_assert_int_eq(hisi_pci_address_normalize("0001:7d:1F.3", buf), 0);
        ck_assert_str_eq(buf, "0001:7d:1f.3");
        ck_assert_int_eq(hisi_pci_address_normalize("0000:7d:00", buf), -EINVAL);
        ck_assert_int_eq(hisi_pci_address_normalize("000g:7d:00.1", buf), -EINVAL);
        ck_assert_int_eq(hisi_pci_address_normalize(NULL, buf), -EINVAL);
}
END_TEST

START_TEST(test_errno_name) {
        ck_assert_str_eq(errno_to_name(EINVAL), "EINVAL");
        ck_assert_str_eq(errno_to_name(-EFAULT), "EFAULT");
        ck_assert_str_eq(errno_to_name(-ENOMSG), "ENOMSG");
        ck_assert_str_eq(errno_to_name(ESPIPE), "ESPIPE");
        ck_assert_ptr_null(errno_to_name(0));
        ck_assert_ptr_null(errno_to_name(100000));
}
END_TEST

static char tmpdir[] = "/tmp/test-parse-util.XXXXXX";

static void setup_tmp(void) {
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown_tmp(void) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        ck_assert_int_eq(system(cmd), 0);
        strcpy(tmpdir, "/tmp/test-parse-util.XXXXXX");
}

START_TEST(test_files) {
        _cleanup_free_ char *p = NULL, *q = NULL, *v = NULL, *l = NULL, *big = NULL;
        _cleanup_close_ int fd = -EBADF;

        ck_assert_int_eq(asprintf_safe(&p, "%s/attr", tmpdir), 0);
        fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write_string_file(p, "hisi_zip\n"), 0);
        ck_assert_int_eq(read_one_line_file(p, &v), 0);
        ck_assert_str_eq(v, "hisi_zip");

        /* write_string_file never creates: sysfs attributes exist or the kernel lacks them. */
        ck_assert_int_eq(asprintf_safe(&q, "%s/missing", tmpdir), 0);
        ck_assert_int_eq(write_string_file(q, "x"), -ENOENT);
        ck_assert_int_eq(read_one_line_file(q, &l), -ENOENT);

        /* A file larger than an attribute page is refused. */
        big = malloc(HISI_ATTR_MAX + 2);
        memset(big, 'a', HISI_ATTR_MAX + 1);
        big[HISI_ATTR_MAX + 1] = '\0';
        ck_assert_int_eq(write_string_file(p, big), 0);
        free(v);
        v = NULL;
        ck_assert_int_eq(read_one_line_file(p, &v), -EFBIG);
        ck_assert_ptr_null(v);

        ck_assert_int_eq(symlink("../../bus/pci/drivers/hisi_zip", q), 0);
        ck_assert_int_eq(readlink_basename(q, &l), 0);
        ck_assert_str_eq(l, "hisi_zip");
        free(l);
        l = NULL;
        ck_assert_int_eq(readlink_basename(p, &l), -EINVAL); /* not a link */
}
END_TEST

START_TEST(test_ctx) {
        _cleanup_(hisi_ctx_freep) hisi_ctx *ctx = NULL, *real = NULL;
        _cleanup_free_ char *p = NULL, *r = NULL;
        hisi_ctx *bad = NULL;

        ck_assert_int_eq(hisi_ctx_new("/tmp/root//", &ctx), 0);
        ck_assert_str_eq(hisi_ctx_root(ctx), "/tmp/root");
        ck_assert_int_eq(hisi_ctx_path(ctx, "/sys/bus/pci", &p), 0);
        ck_assert_str_eq(p, "/tmp/root/sys/bus/pci");
        ck_assert_int_eq(hisi_ctx_pathf(ctx, &r, "/dev/vfio/%d", 7), 0);
        ck_assert_str_eq(r, "/tmp/root/dev/vfio/7");
        ck_assert_int_eq(hisi_ctx_path(ctx, "relative", &p), -EINVAL);

        ck_assert_int_eq(hisi_ctx_new(NULL, &real), 0);
        ck_assert_str_eq(hisi_ctx_root(real), "");
        ck_assert_int_eq(hisi_ctx_new("relative/root", &bad), -EINVAL);
        ck_assert_ptr_null(bad);
        ck_assert_int_eq(hisi_ctx_new("/", NULL), -EINVAL);
}
END_TEST

static Suite *parse_util_suite(void) {
        Suite *s = suite_create("parse-util");
        TCase *tc;

        tc = tcase_create("numbers");
        tcase_add_test(tc, test_atou);
        suite_add_tcase(s, tc);
        tc = tcase_create("pci-address");
        tcase_add_test(tc, test_pci_address);
        suite_add_tcase(s, tc);
        tc = tcase_create("errno-name");
        tcase_add_test(tc, test_errno_name);
        suite_add_tcase(s, tc);
        tc = tcase_create("files");
        tcase_add_checked_fixture(tc, setup_tmp, teardown_tmp);
        tcase_add_test(tc, test_files);
        suite_add_tcase(s, tc);
        tc = tcase_create("ctx");
        tcase_add_test(tc, test_ctx);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(parse_util_suite)
