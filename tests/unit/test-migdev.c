/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the backend-neutral migration device (libhisi/migdev.c) and the kernel
 * backend's open paths (libhisi/migdev-kernel.c) on a fake /sys and /dev tree. A machine without
 * VFIO can only show the refusals here; the kernel backend's real ioctls are proven on a real
 * kernel by the mtty test (tests/kernel), and the semantics by the simulator's conformance suite.
 */

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hisi/ctx.h"
#include "file-util.h"
#include "macro.h"
#include "hisi/migdev.h"
#include "hisi/vfio-uapi.h"
#include "test-main.h"

#define VF "0000:7d:00.1"

static char root[] = "/tmp/test-migdev.XXXXXX";
static hisi_ctx *ctx;

static void mkpath(const char *rel) {
        _cleanup_free_ char *cmd = NULL;
        ck_assert_int_eq(asprintf_safe(&cmd, "mkdir -p '%s/%s'", root, rel), 0);
        ck_assert_int_eq(system(cmd), 0);
}

static void touch(const char *rel) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        ck_assert_int_eq(asprintf_safe(&p, "%s/%s", root, rel), 0);
        fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        ck_assert_int_ge(fd, 0);
}

static void link_at(const char *target, const char *rel) {
        _cleanup_free_ char *p = NULL;
        ck_assert_int_eq(asprintf_safe(&p, "%s/%s", root, rel), 0);
        ck_assert_int_eq(symlink(target, p), 0);
}

static void setup(void) {
        ck_assert_ptr_nonnull(mkdtemp(root));
        ck_assert_int_eq(hisi_ctx_new(root, &ctx), 0);
        mkpath("sys/devices/pci0000:7c/" VF);
        mkpath("sys/bus/pci/devices");
        link_at("../../../devices/pci0000:7c/" VF, "sys/bus/pci/devices/" VF);
}

static void teardown(void) {
        _cleanup_free_ char *cmd = NULL;
        ctx = hisi_ctx_free(ctx);
        ck_assert_int_eq(asprintf_safe(&cmd, "rm -rf '%s'", root), 0);
        ck_assert_int_eq(system(cmd), 0);
        strcpy(root, "/tmp/test-migdev.XXXXXX");
}

START_TEST(test_backend_names) {
        ck_assert_str_eq(hisi_backend_to_string(HISI_BACKEND_KERNEL), "kernel");
        ck_assert_str_eq(hisi_backend_to_string(HISI_BACKEND_SIM), "sim");
        ck_assert_ptr_null(hisi_backend_to_string(_HISI_BACKEND_MAX));
        ck_assert_int_eq(hisi_backend_from_string("Kernel"), HISI_BACKEND_KERNEL);
        ck_assert_int_eq(hisi_backend_from_string("sim"), HISI_BACKEND_SIM);
        ck_assert_int_eq(hisi_backend_from_string("qemu"), -EINVAL);
        ck_assert_int_eq(hisi_backend_from_string(NULL), -EINVAL);
}
END_TEST

START_TEST(test_open_refusals) {
        hisi_migdev *d = NULL;

        ck_assert_int_eq(hisi_migdev_open(NULL, HISI_BACKEND_KERNEL, VF, &d), -EINVAL);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_KERNEL, NULL, &d), -EINVAL);
        ck_assert_int_eq(hisi_migdev_open(ctx, _HISI_BACKEND_MAX, VF, &d), -EINVAL);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_KERNEL, "../" VF, &d), -EINVAL);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_KERNEL, "..", &d), -EINVAL);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_KERNEL, "", &d), -EINVAL);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_KERNEL, "0000:7d:00.2", &d), -ENODEV);
        /* The device exists but is bound to no vfio driver: no vfio-dev, no iommu group. */
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_KERNEL, VF, &d), -ENODEV);
        ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_open_missing_nodes) {
        hisi_migdev *d = NULL;

        /* A cdev announced in sysfs whose node is missing, and a group without /dev/vfio/vfio:
         * the legacy path's error is the answer. */
        mkpath("sys/devices/pci0000:7c/" VF "/vfio-dev/vfio0");
        mkpath("sys/kernel/iommu_groups/5");
        link_at("../../../kernel/iommu_groups/5", "sys/devices/pci0000:7c/" VF "/iommu_group");
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_KERNEL, VF, &d), -ENOENT);
        ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_open_not_vfio_nodes) {
        hisi_migdev *d = NULL;

        /* Nodes that are plain files, not VFIO: every ioctl is -ENOTTY, and nothing leaks. */
        mkpath("sys/devices/pci0000:7c/" VF "/vfio-dev/vfio0");
        mkpath("dev/vfio/devices");
        touch("dev/vfio/devices/vfio0");
        touch("dev/iommu");
        touch("dev/vfio/vfio");
        mkpath("sys/kernel/iommu_groups/5");
        link_at("../../../kernel/iommu_groups/5", "sys/devices/pci0000:7c/" VF "/iommu_group");
        touch("dev/vfio/5");
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_KERNEL, VF, &d), -ENOTTY);
        ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_sim_without_host) {
        _cleanup_free_ char *sock = NULL;
        hisi_migdev *d = NULL;

        /* No simulated host: no such device. */
        ck_assert_int_eq(unsetenv("HISI_ACCSIM_SOCKET"), 0);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, VF, &d), -ENODEV);
        ck_assert_int_eq(asprintf_safe(&sock, "%s/no-such.sock", root), 0);
        ck_assert_int_eq(setenv("HISI_ACCSIM_SOCKET", sock, 1), 0);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, VF, &d), -ENODEV);
        ck_assert_int_eq(hisi_migdev_open(ctx, HISI_BACKEND_SIM, "", &d), -EINVAL);
        ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_adopted_fd_is_not_vfio) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        hisi_vfio_feature_hdr hdr = { .argsz = 64, .flags = HISI_VFIO_DEVICE_FEATURE_PROBE };
        hisi_mig_state state;
        hisi_mig_path path = { .n = 99 };
        uint64_t flags;
        int fd;

        fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(hisi_migdev_open_fd(ctx, HISI_BACKEND_KERNEL, VF, fd, &d), 0);
        ck_assert_int_eq(hisi_migdev_fd(d), fd);
        ck_assert_str_eq(hisi_migdev_name(d), VF);
        ck_assert_int_eq(hisi_migdev_get_backend(d), HISI_BACKEND_KERNEL);

        ck_assert_int_eq(hisi_migdev_get_flags(d, &flags), -ENOTTY);
        ck_assert_int_eq(hisi_migdev_get_state(d, &state), -ENOTTY);
        ck_assert_int_eq(hisi_migdev_data_size(d, &flags), -ENOTTY);
        ck_assert_int_eq(hisi_migdev_reset(d), -ENOTTY);
        /* set_state asks the flags first: nothing is sent, the path is untouched. */
        ck_assert_int_eq(hisi_migdev_set_state(d, HISI_MIG_STATE_STOP, &path, NULL), -ENOTTY);
        ck_assert_uint_eq(path.n, 99);
        ck_assert_int_eq(hisi_migdev_set_state(d, _HISI_MIG_STATE_MAX, NULL, NULL), -EINVAL);

        /* The raw call refuses an argsz larger than the buffer before the kernel reads it. */
        ck_assert_int_eq(hisi_migdev_feature(d, &hdr, sizeof(hdr)), -EINVAL);
        ck_assert_int_eq(hisi_migdev_feature(d, &hdr, 4), -EINVAL);
        hdr.argsz = sizeof(hdr);
        ck_assert_int_eq(hisi_migdev_feature(d, &hdr, sizeof(hdr)), -ENOTTY);

        ck_assert_int_eq(hisi_migdev_open_fd(ctx, HISI_BACKEND_KERNEL, VF, -1, &d), -EINVAL);
}
END_TEST

START_TEST(test_stream_on_pipe) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *rs = NULL, *ws = NULL;
        int p[2];
        char buf[8] = {};
        uint64_t initial = 1, dirty = 1;

        /* A pipe is a stream like the kernel's data fds: no positioned I/O, no PRECOPY_INFO. */
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        ck_assert_int_eq(hisi_migstream_open_fd(HISI_BACKEND_KERNEL, p[0], &rs), 0);
        ck_assert_int_eq(hisi_migstream_open_fd(HISI_BACKEND_KERNEL, p[1], &ws), 0);
        ck_assert_int_eq(hisi_migstream_fd(rs), p[0]);

        ck_assert_int_eq(hisi_migstream_write(ws, "state", 5), 5);
        ck_assert_int_eq(hisi_migstream_read(rs, buf, sizeof(buf)), 5);
        ck_assert_str_eq(buf, "state");
        ck_assert_int_eq(hisi_migstream_pread(rs, buf, 1, 0), -ESPIPE);
        ck_assert_int_eq(hisi_migstream_pwrite(ws, buf, 1, 0), -ESPIPE);
        ck_assert_int_eq(hisi_migstream_precopy_info(rs, &initial, &dirty, NULL), -ENOTTY);
        ck_assert_uint_eq(initial, 1);
        ck_assert_int_eq(hisi_migstream_read(NULL, buf, 1), -EINVAL);
        ck_assert_int_eq(hisi_migstream_write(ws, NULL, 1), -EINVAL);

        /* The writer closed: a read is the end of the stream, 0. */
        ws = hisi_migstream_close(ws);
        ck_assert_int_eq(hisi_migstream_read(rs, buf, sizeof(buf)), 0);

        ck_assert_int_eq(hisi_migstream_open_fd(HISI_BACKEND_KERNEL, -1, &rs), -EINVAL);
        ck_assert_int_eq(hisi_migstream_open_fd(_HISI_BACKEND_MAX, -1, &ws), -EINVAL);
}
END_TEST

START_TEST(test_region_refusals) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        hisi_region_info info = { .size = 7 };
        uint8_t buf[4];
        int fd;

        ck_assert_int_eq(hisi_migdev_region_info(NULL, 2, &info), -EINVAL);
        ck_assert_int_eq(hisi_migdev_region_read(NULL, 2, 0, buf, 4), -EINVAL);
        ck_assert_int_eq(hisi_migdev_region_write(NULL, 2, 0, buf, 4), -EINVAL);

        fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(hisi_migdev_open_fd(ctx, HISI_BACKEND_KERNEL, VF, fd, &d), 0);
        ck_assert_int_eq(hisi_migdev_region_info(d, 2, NULL), -EINVAL);
        ck_assert_int_eq(hisi_migdev_region_read(d, 2, 0, NULL, 4), -EINVAL);
        ck_assert_int_eq(hisi_migdev_region_write(d, 2, 0, NULL, 4), -EINVAL);
        /* 2^40 and beyond would reach the next region's window on the fd. */
        ck_assert_int_eq(hisi_migdev_region_read(d, 2, UINT64_C(1) << 40, buf, 4), -EINVAL);
        ck_assert_int_eq(hisi_migdev_region_write(d, 2, UINT64_MAX, buf, 4), -EINVAL);
        /* Not a VFIO device: GET_REGION_INFO is -ENOTTY, and so is an access that asks it
         * where the region is; the output is untouched. */
        ck_assert_int_eq(hisi_migdev_region_info(d, 2, &info), -ENOTTY);
        ck_assert_uint_eq(info.size, 7);
        ck_assert_int_eq(hisi_migdev_region_read(d, 2, 0, buf, 4), -ENOTTY);
        ck_assert_int_eq(hisi_migdev_region_write(d, 2, 0x7ffc, buf, 4), -ENOTTY);
}
END_TEST

START_TEST(test_region_sim_refusals) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        hisi_region_info info = { .size = 7 };
        uint8_t buf[4] = {};
        int sv[2];

        /* A device connection whose simulator is gone. */
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(hisi_migdev_open_fd(ctx, HISI_BACKEND_SIM, VF, sv[0], &d), 0);
        /* The simulated VF has only BAR2: any other region is refused before anything is
         * sent, as the kernel refuses a BAR that is not there. */
        ck_assert_int_eq(hisi_migdev_region_read(d, 0, 0, buf, 4), -EINVAL);
        ck_assert_int_eq(hisi_migdev_region_write(d, 7, 0, buf, 4), -EINVAL);
        ck_assert_int_eq(hisi_migdev_region_read(d, 2, UINT64_C(1) << 40, buf, 4), -EINVAL);
        safe_close(sv[1]);
        ck_assert_int_eq(hisi_migdev_region_info(d, 2, &info), -ENODEV);
        ck_assert_uint_eq(info.size, 7);
        ck_assert_int_eq(hisi_migdev_region_read(d, 2, 0, buf, 4), -ENODEV);
        ck_assert_int_eq(hisi_migdev_region_write(d, 2, 0, buf, 4), -ENODEV);
}
END_TEST

START_TEST(test_precopy_ioctl_refusals) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *rs = NULL;
        hisi_vfio_precopy_info info = { .argsz = sizeof(info), .flags = 0x5a5a, .dirty_bytes = 3 };
        int p[2];

        ck_assert_int_eq(hisi_migstream_precopy_ioctl(NULL, &info), -EINVAL);
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        safe_close(p[1]);
        ck_assert_int_eq(hisi_migstream_open_fd(HISI_BACKEND_KERNEL, p[0], &rs), 0);
        ck_assert_int_eq(hisi_migstream_precopy_ioctl(rs, NULL), -EINVAL);
        /* A pipe has no such ioctl; the caller's struct is left as it was. */
        ck_assert_int_eq(hisi_migstream_precopy_ioctl(rs, &info), -ENOTTY);
        ck_assert_uint_eq(info.flags, 0x5a5a);
        ck_assert_uint_eq(info.dirty_bytes, 3);
}
END_TEST

static Suite *migdev_suite(void) {
        Suite *s = suite_create("migdev");
        TCase *tc;

        tc = tcase_create("names");
        tcase_add_test(tc, test_backend_names);
        suite_add_tcase(s, tc);
        tc = tcase_create("open");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_open_refusals);
        tcase_add_test(tc, test_open_missing_nodes);
        tcase_add_test(tc, test_open_not_vfio_nodes);
        tcase_add_test(tc, test_sim_without_host);
        suite_add_tcase(s, tc);
        tc = tcase_create("calls");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_adopted_fd_is_not_vfio);
        tcase_add_test(tc, test_stream_on_pipe);
        suite_add_tcase(s, tc);
        tc = tcase_create("regions");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_region_refusals);
        tcase_add_test(tc, test_region_sim_refusals);
        tcase_add_test(tc, test_precopy_ioctl_refusals);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(migdev_suite)
