/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the library context (libhisi/ctx.c): the path root, and the VFIO open path
 * setting with its effect on the kernel backend's choice of cdev or group (on a bare fake root
 * where neither exists, the error tells which one was tried).
 */

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hisi/ctx.h"
#include "file-util.h"
#include "macro.h"
#include "hisi/migdev.h"
#include "test-main.h"

#define UUID "0c0ffee0-0000-4000-8000-000000000001"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

START_TEST(test_root) {
        _cleanup_(hisi_ctx_freep) hisi_ctx *ctx = NULL;
        _cleanup_free_ char *p = NULL;

        ck_assert_int_eq(hisi_ctx_new("relative", &ctx), -EINVAL);
        ck_assert_int_eq(hisi_ctx_new(NULL, NULL), -EINVAL);
        ck_assert_int_eq(hisi_ctx_new("/tmp/root//", &ctx), 0);
        ck_assert_str_eq(hisi_ctx_root(ctx), "/tmp/root");
        ck_assert_int_eq(hisi_ctx_path(ctx, "/sys/bus", &p), 0);
        ck_assert_str_eq(p, "/tmp/root/sys/bus");
        ck_assert_int_eq(hisi_ctx_path(ctx, "sys/bus", &p), -EINVAL);
}
END_TEST

START_TEST(test_vfio_path_names) {
        ck_assert_str_eq(hisi_vfio_path_to_string(HISI_VFIO_PATH_AUTO), "auto");
        ck_assert_str_eq(hisi_vfio_path_to_string(HISI_VFIO_PATH_CDEV), "cdev");
        ck_assert_str_eq(hisi_vfio_path_to_string(HISI_VFIO_PATH_GROUP), "group");
        ck_assert_ptr_null(hisi_vfio_path_to_string(_HISI_VFIO_PATH_MAX));
        ck_assert_ptr_null(hisi_vfio_path_to_string(_HISI_VFIO_PATH_INVALID));
        ck_assert_int_eq(hisi_vfio_path_from_string("GROUP"), HISI_VFIO_PATH_GROUP);
        ck_assert_int_eq(hisi_vfio_path_from_string("cdev"), HISI_VFIO_PATH_CDEV);
        ck_assert_int_eq(hisi_vfio_path_from_string("iommufd"), -EINVAL);
        ck_assert_int_eq(hisi_vfio_path_from_string(NULL), -EINVAL);
}
END_TEST

START_TEST(test_vfio_path_setting) {
        _cleanup_(hisi_ctx_freep) hisi_ctx *ctx = NULL;

        ck_assert_int_eq(hisi_ctx_new(NULL, &ctx), 0);
        ck_assert_int_eq(hisi_ctx_get_vfio_path(ctx), HISI_VFIO_PATH_AUTO);
        ck_assert_int_eq(hisi_ctx_set_vfio_path(ctx, HISI_VFIO_PATH_GROUP), 0);
        ck_assert_int_eq(hisi_ctx_get_vfio_path(ctx), HISI_VFIO_PATH_GROUP);
        ck_assert_int_eq(hisi_ctx_set_vfio_path(ctx, _HISI_VFIO_PATH_MAX), -EINVAL);
        ck_assert_int_eq(hisi_ctx_set_vfio_path(ctx, _HISI_VFIO_PATH_INVALID), -EINVAL);
        ck_assert_int_eq(hisi_ctx_set_vfio_path(NULL, HISI_VFIO_PATH_CDEV), -EINVAL);
        ck_assert_int_eq(hisi_ctx_get_vfio_path(ctx), HISI_VFIO_PATH_GROUP);
        ck_assert_int_eq(hisi_ctx_get_vfio_path(NULL), HISI_VFIO_PATH_AUTO);
}
END_TEST

/* An mdev directory with neither a vfio-dev entry (no cdev: -ENOENT) nor an iommu_group link
 * (no group: -ENODEV): the error says which path the kernel backend took. */
START_TEST(test_vfio_path_choice) {
        _cleanup_(hisi_ctx_freep) hisi_ctx *ctx = NULL;
        hisi_migdev *d = NULL;
        char root[] = "/tmp/hisi-test-ctx-XXXXXX";
        _cleanup_free_ char *dev = NULL;

        ck_assert_ptr_nonnull(mkdtemp(root));
        ck_assert_int_eq(hisi_ctx_new(root, &ctx), 0);
        ck_assert_int_eq(hisi_ctx_pathf(ctx, &dev, "/sys/bus/mdev/devices/%s", UUID), 0);
        ck_assert_int_eq(mkdir_p(dev, 0755), 0);

        ck_assert_int_eq(hisi_ctx_set_vfio_path(ctx, HISI_VFIO_PATH_CDEV), 0);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_KERNEL, UUID, &d), -ENOENT);
        ck_assert_int_eq(hisi_ctx_set_vfio_path(ctx, HISI_VFIO_PATH_GROUP), 0);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_KERNEL, UUID, &d), -ENODEV);
        ck_assert_int_eq(hisi_ctx_set_vfio_path(ctx, HISI_VFIO_PATH_AUTO), 0);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_KERNEL, UUID, &d), -ENODEV);
        ck_assert_ptr_null(d);

        ck_assert_int_eq(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}
END_TEST

static Suite *ctx_suite(void) {
        Suite *s = suite_create("ctx");
        TCase *tc;

        tc = tcase_create("root");
        tcase_add_test(tc, test_root);
        suite_add_tcase(s, tc);
        tc = tcase_create("vfio-path");
        tcase_add_test(tc, test_vfio_path_names);
        tcase_add_test(tc, test_vfio_path_setting);
        tcase_add_test(tc, test_vfio_path_choice);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(ctx_suite)
