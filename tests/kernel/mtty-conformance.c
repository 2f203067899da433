/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The real-kernel test program, statically linked: /init of the minimal guest that run-mtty.sh
 * boots under qemu. It mounts /proc, /sys and a devtmpfs /dev, creates an mtty-2 mediated device
 * (the kernel's sample driver that implements VFIO migration v2), and runs the generic
 * conformance suite on it through libhisi's kernel backend, the very code that runs on a Kunpeng
 * host: once through the cdev + iommufd path and once through the legacy group/container path.
 * One line per check and the summary go to the console; then the guest reboots, which ends qemu
 * (-no-reboot). The last line, "mtty-conformance: exit N", tells the script that the program ran
 * to its end.
 *
 * Not as pid 1 (on a host with the mtty module loaded, as root) it skips the guest setup, removes
 * the device again afterwards and exits with the result: 0 passed, 1 failed, 77 no mtty.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include "conformance.h"
#include "file-util.h"
#include "macro.h"

#define MTTY_UUID "5c4e1d0a-8b3f-4f6e-9a2d-6d7c1b0e3f42"

/* Where the mtty parent device offers its types; the class link first, the device path second. */
static const char *const mtty_type_dirs[] = {
        "/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-2",
        "/sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-2",
};

static int guest_setup(void) {
        static const struct {
                const char *source, *target, *type;
        } mounts[] = {
                { "proc", "/proc", "proc" },
                { "sysfs", "/sys", "sysfs" },
                { "devtmpfs", "/dev", "devtmpfs" },
        };

        for (size_t i = 0; i < ELEMENTSOF(mounts); i++) {
                if (mkdir(mounts[i].target, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                if (mount(mounts[i].source, mounts[i].target, mounts[i].type, 0, NULL) < 0) {
                        int r = negative_errno();
                        printf("mtty-conformance: mounting %s: %s\n", mounts[i].target,
                               strerror(-r));
                        return r;
                }
        }
        return 0;
}

/* Create the mtty-2 device, or find it already there. -ENOENT when there is no mtty driver. */
static int mtty_create(const char **ret_type_dir) {
        _cleanup_free_ char *create = NULL, *dev = NULL;
        int r;

        r = asprintf_safe(&dev, "/sys/bus/mdev/devices/%s", MTTY_UUID);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(mtty_type_dirs); i++) {
                if (access(mtty_type_dirs[i], F_OK) < 0)
                        continue;
                *ret_type_dir = mtty_type_dirs[i];
                if (access(dev, F_OK) == 0)
                        return 0;
                r = asprintf_safe(&create, "%s/create", mtty_type_dirs[i]);
                if (r < 0)
                        return r;
                r = write_string_file(create, MTTY_UUID);
                if (r < 0)
                        return r;
                return access(dev, F_OK) == 0 ? 0 : -ENODEV;
        }
        return -ENOENT;
}

static void mtty_remove(void) {
        _cleanup_free_ char *remove = NULL;

        if (asprintf_safe(&remove, "/sys/bus/mdev/devices/%s/remove", MTTY_UUID) >= 0)
                (void)write_string_file(remove, "1");
}

static int run(void) {
        _cleanup_(hisi_ctx_freep) hisi_ctx *ctx = NULL;
        const char *type_dir = NULL;
        struct utsname u = {};
        conformance c;
        int r;

        conformance_init(&c, stdout);
        (void)uname(&u);
        conformance_note(&c, "kernel %s %s", u.release, u.version);

        r = mtty_create(&type_dir);
        if (r == -ENOENT && getpid() != 1) {
                printf("mtty-conformance: no mtty driver here (modprobe mtty), skipping\n");
                return 77;
        }
        if (r < 0) {
                conformance_fail(&c, "setup", "create the mtty-2 device " MTTY_UUID, "%s",
                                 strerror(-r));
                return conformance_summary(&c);
        }
        conformance_pass(&c, "setup", "create the mtty-2 device " MTTY_UUID);

        r = hisi_ctx_new(NULL, &ctx);
        if (r < 0) {
                conformance_fail(&c, "setup", "hisi_ctx_new", "%s", strerror(-r));
                return conformance_summary(&c);
        }

        static const hisi_vfio_path paths[] = { HISI_VFIO_PATH_CDEV, HISI_VFIO_PATH_GROUP };
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                const conformance_target mtty = {
                        .label = hisi_vfio_path_to_string(paths[i]),
                        .backend = HISI_BACKEND_KERNEL,
                        .device = MTTY_UUID,
                        .path_kind = hisi_vfio_path_to_string(paths[i]),
                        .flags = HISI_MIG_FLAG_STOP_COPY | HISI_MIG_FLAG_P2P |
                                 HISI_MIG_FLAG_PRE_COPY,
                        /* struct mtty_data: magic, major, minor, nr_ports, flags, then two
                         * 36-byte struct serial_port for mtty-2. */
                        .header_size = 24,
                        .data_size = 24 + 2 * 36,
                        .corrupt_offset = 0,
                        .corrupt_header_error = -EFAULT,
                        .short_stream_error = -EINVAL,
                        .overflow_error = -ENOMEM,
                        .precopy_end = 0,
                        .unknown_feature_error = -ENOTTY,
                        .send_blocked_arc = conformance_kernel_survives_blocked_arc(u.release),
                };

                conformance_note(&c, "the generic suite through the %s path", mtty.label);
                (void)hisi_ctx_set_vfio_path(ctx, paths[i]);
                r = conformance_run_generic(&c, ctx, &mtty);
                if (r == -EINVAL)
                        conformance_fail(&c, mtty.label, "run", "bad target description");
        }

        if (getpid() != 1)
                mtty_remove();
        return conformance_summary(&c);
}

int main(void) {
        bool guest = getpid() == 1;
        int r;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (guest)
                putchar('\n'); /* off the line where the firmware left the cursor */
        if (guest && guest_setup() < 0)
                r = 1;
        else
                r = run();
        printf("mtty-conformance: exit %d\n", r);
        fflush(stdout);
        if (!guest)
                return r;

        /* Let the UART send everything before the machine goes: qemu -no-reboot then exits. */
        (void)tcdrain(STDOUT_FILENO);
        sync();
        (void)reboot(RB_AUTOBOOT);
        for (;;)
                pause();
}
