/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel backend of the migration device: a VFIO device fd opened through the cdev and
 * iommufd (kernel >= 6.6, CONFIG_VFIO_DEVICE_CDEV) or through the legacy group and container,
 * and the ioctls on it and on its data fds. This is the code that runs on a real Kunpeng host.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "file-util.h"
#include "macro.h"
#include "migdev-backend.h"
#include "parse-util.h"

/* What the device fd needs kept open beside it. */
typedef struct kernel_aux {
        int iommufd;   /* cdev path */
        int group;     /* legacy path */
        int container; /* legacy path */
} kernel_aux;

static void kernel_aux_free(void *p) {
        kernel_aux *aux = p;

        if (!aux)
                return;
        safe_close(aux->group);
        safe_close(aux->container);
        safe_close(aux->iommufd);
        free(aux);
}

static int ioctl_errno(int fd, unsigned long req, void *arg) {
        if (ioctl(fd, req, arg) < 0)
                return negative_errno();
        return 0;
}

/* The sysfs directory of a device: a PCI function, or an mdev (the mtty sample) by UUID. */
static int device_sysfs_dir(hisi_ctx *ctx, const char *name, char **ret) {
        static const char *const buses[] = { "/sys/bus/pci/devices/", "/sys/bus/mdev/devices/" };

        if (!name[0] || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(buses); i++) {
                _cleanup_free_ char *p = NULL;
                int r = hisi_ctx_pathf(ctx, &p, "%s%s", buses[i], name);
                if (r < 0)
                        return r;
                if (access(p, F_OK) == 0) {
                        *ret = TAKE_PTR(p);
                        return 0;
                }
        }
        return -ENODEV;
}

/* /dev/vfio/devices/vfioN for the device's vfio-dev/vfioN entry, checked against its dev
 * numbers when the node is a character device. */
static int cdev_path(hisi_ctx *ctx, const char *sysdir, char **ret) {
        _cleanup_free_ char *vfio_dir = NULL, *dev_attr = NULL, *node = NULL, *devnum = NULL;
        struct dirent **names = NULL;
        char *vfio_name = NULL;
        struct stat st;
        int n, r;

        r = asprintf_safe(&vfio_dir, "%s/vfio-dev", sysdir);
        if (r < 0)
                return r;
        n = scandir(vfio_dir, &names, NULL, alphasort);
        if (n < 0)
                return -ENOENT;
        for (int i = 0; i < n; i++) {
                if (!vfio_name && strneq(names[i]->d_name, "vfio", 4))
                        vfio_name = strdup(names[i]->d_name);
                free(names[i]);
        }
        free(names);
        if (!vfio_name)
                return -ENOENT;

        r = hisi_ctx_pathf(ctx, &node, "/dev/vfio/devices/%s", vfio_name);
        if (r >= 0)
                r = asprintf_safe(&dev_attr, "%s/%s/dev", vfio_dir, vfio_name);
        free(vfio_name);
        if (r < 0)
                return r;
        if (stat(node, &st) < 0)
                return negative_errno();
        if (S_ISCHR(st.st_mode) && read_one_line_file(dev_attr, &devnum) >= 0) {
                char want[32];
                snprintf(want, sizeof(want), "%u:%u", major(st.st_rdev), minor(st.st_rdev));
                if (!streq(want, devnum))
                        return -ESTALE; /* a node left from another device */
        }
        *ret = TAKE_PTR(node);
        return 0;
}

static int open_cdev(hisi_ctx *ctx, const char *sysdir, int *ret_fd, kernel_aux *aux) {
        _cleanup_free_ char *node = NULL, *iommu = NULL;
        _cleanup_close_ int fd = -EBADF, iommufd = -EBADF;
        hisi_vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
        hisi_iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
        hisi_vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
        int r;

        r = cdev_path(ctx, sysdir, &node);
        if (r < 0)
                return r;
        r = hisi_ctx_path(ctx, "/dev/iommu", &iommu);
        if (r < 0)
                return r;
        fd = open(node, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        iommufd = open(iommu, O_RDWR | O_CLOEXEC);
        if (iommufd < 0)
                return negative_errno();

        /* Binding opens the device: until then every other ioctl on the cdev is -EINVAL. */
        bind.iommufd = iommufd;
        r = ioctl_errno(fd, HISI_VFIO_DEVICE_BIND_IOMMUFD, &bind);
        if (r < 0)
                return r;
        /* An address space of its own, so the holder can map DMA later. */
        r = ioctl_errno(iommufd, HISI_IOMMU_IOAS_ALLOC, &ioas);
        if (r < 0)
                return r;
        attach.pt_id = ioas.out_ioas_id;
        r = ioctl_errno(fd, HISI_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
        if (r < 0)
                return r;

        aux->iommufd = TAKE_FD(iommufd);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int open_group(hisi_ctx *ctx, const char *sysdir, const char *name, int *ret_fd,
                      kernel_aux *aux) {
        _cleanup_free_ char *link = NULL, *group_name = NULL, *group_path = NULL, *vfio = NULL;
        _cleanup_close_ int container = -EBADF, group = -EBADF;
        hisi_vfio_group_status status = { .argsz = sizeof(status) };
        uint32_t group_nr;
        int r, fd;

        r = asprintf_safe(&link, "%s/iommu_group", sysdir);
        if (r < 0)
                return r;
        r = readlink_basename(link, &group_name);
        if (r < 0)
                return r == -ENOENT ? -ENODEV : r;
        r = safe_atou32(group_name, &group_nr);
        if (r < 0)
                return -EINVAL;
        r = hisi_ctx_pathf(ctx, &group_path, "/dev/vfio/%u", group_nr);
        if (r < 0)
                return r;
        r = hisi_ctx_path(ctx, "/dev/vfio/vfio", &vfio);
        if (r < 0)
                return r;

        container = open(vfio, O_RDWR | O_CLOEXEC);
        if (container < 0)
                return negative_errno();
        r = ioctl(container, HISI_VFIO_GET_API_VERSION);
        if (r < 0)
                return negative_errno();
        if (r != HISI_VFIO_API_VERSION)
                return -EPROTONOSUPPORT;
        r = ioctl(container, HISI_VFIO_CHECK_EXTENSION, HISI_VFIO_TYPE1v2_IOMMU);
        if (r < 0)
                return negative_errno();
        if (r == 0)
                return -EOPNOTSUPP;

        group = open(group_path, O_RDWR | O_CLOEXEC);
        if (group < 0)
                return negative_errno();
        r = ioctl_errno(group, HISI_VFIO_GROUP_GET_STATUS, &status);
        if (r < 0)
                return r;
        /* Viable only when every device of the group is bound to a vfio driver or to none. */
        if (!(status.flags & HISI_VFIO_GROUP_FLAGS_VIABLE))
                return -EBUSY;
        r = ioctl_errno(group, HISI_VFIO_GROUP_SET_CONTAINER, &container);
        if (r < 0)
                return r;
        if (ioctl(container, HISI_VFIO_SET_IOMMU, HISI_VFIO_TYPE1v2_IOMMU) < 0)
                return negative_errno();
        fd = ioctl(group, HISI_VFIO_GROUP_GET_DEVICE_FD, name);
        if (fd < 0)
                return negative_errno();
        /* GET_DEVICE_FD sets O_CLOEXEC on the new fd (anon_inode_getfile with O_CLOEXEC in
         * vfio_device_open_file); make sure on older kernels. */
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);

        aux->group = TAKE_FD(group);
        aux->container = TAKE_FD(container);
        *ret_fd = fd;
        return 0;
}

static int kernel_open(hisi_ctx *ctx, const char *name, int *ret_fd, void **ret_aux,
                       const char **ret_path_kind) {
        _cleanup_free_ char *sysdir = NULL;
        hisi_vfio_path path;
        kernel_aux *aux;
        int r;

        r = device_sysfs_dir(ctx, name, &sysdir);
        if (r < 0)
                return r;

        aux = calloc(1, sizeof(*aux));
        if (!aux)
                return -ENOMEM;
        aux->iommufd = aux->group = aux->container = -EBADF;

        path = hisi_ctx_get_vfio_path(ctx);
        if (path != HISI_VFIO_PATH_GROUP) {
                r = open_cdev(ctx, sysdir, ret_fd, aux);
                if (r >= 0) {
                        *ret_path_kind = "cdev";
                        *ret_aux = aux;
                        return 0;
                }
                /* No cdev (old kernel, no CONFIG_VFIO_DEVICE_CDEV, no iommufd): the legacy path,
                 * unless the caller asked for the cdev only. A cdev that exists but is busy is an
                 * answer, not a reason to try another path. */
                if (path == HISI_VFIO_PATH_CDEV || r == -EBUSY) {
                        kernel_aux_free(aux);
                        return r;
                }
        }
        r = open_group(ctx, sysdir, name, ret_fd, aux);
        if (r < 0) {
                kernel_aux_free(aux);
                return r;
        }
        *ret_path_kind = "group";
        *ret_aux = aux;
        return 0;
}

static int kernel_feature(int fd, void *aux, void *buf) {
        return ioctl_errno(fd, HISI_VFIO_DEVICE_FEATURE, buf);
}

static int kernel_reset(int fd, void *aux) {
        return ioctl_errno(fd, HISI_VFIO_DEVICE_RESET, NULL);
}

static int kernel_region_info(int fd, void *aux, uint32_t index, hisi_region_info *ret) {
        hisi_vfio_region_info info = { .argsz = sizeof(info), .index = index };
        int r;

        r = ioctl_errno(fd, HISI_VFIO_DEVICE_GET_REGION_INFO, &info);
        if (r < 0)
                return r;
        *ret = (hisi_region_info){ .flags = info.flags, .size = info.size, .offset = info.offset };
        return 0;
}

/* read()/write() on the device fd at the region's offset, which GET_REGION_INFO says (vfio-pci
 * places region i at i << 40, but the uAPI has the driver say where). */
static ssize_t kernel_region_rw(int fd, void *aux, uint32_t index, uint64_t offset, void *buf,
                                size_t len, bool write) {
        hisi_region_info info;
        ssize_t k;
        off_t pos;
        int r;

        r = kernel_region_info(fd, aux, index, &info);
        if (r < 0)
                return r;
        if (info.offset > (uint64_t)INT64_MAX - offset)
                return -EINVAL;
        pos = (off_t)(info.offset + offset);
        do
                k = write ? pwrite(fd, buf, len, pos) : pread(fd, buf, len, pos);
        while (k < 0 && errno == EINTR);
        return k < 0 ? negative_errno() : k;
}

static ssize_t kernel_read(int fd, void *buf, size_t n) {
        ssize_t k;

        do
                k = read(fd, buf, n);
        while (k < 0 && errno == EINTR);
        return k < 0 ? negative_errno() : k;
}

static ssize_t kernel_write(int fd, const void *buf, size_t n) {
        ssize_t k;

        do
                k = write(fd, buf, n);
        while (k < 0 && errno == EINTR);
        return k < 0 ? negative_errno() : k;
}

static ssize_t kernel_pread(int fd, void *buf, size_t n, off_t offset) {
        ssize_t k = pread(fd, buf, n, offset);
        return k < 0 ? negative_errno() : k;
}

static ssize_t kernel_pwrite(int fd, const void *buf, size_t n, off_t offset) {
        ssize_t k = pwrite(fd, buf, n, offset);
        return k < 0 ? negative_errno() : k;
}

static int kernel_precopy_info(int fd, hisi_vfio_precopy_info *info) {
        return ioctl_errno(fd, HISI_VFIO_MIG_GET_PRECOPY_INFO, info);
}

static const hisi_migstream_ops kernel_stream_ops = {
        .read = kernel_read,
        .write = kernel_write,
        .pread = kernel_pread,
        .pwrite = kernel_pwrite,
        .precopy_info = kernel_precopy_info,
};

const hisi_migdev_backend hisi_migdev_backend_kernel = {
        .id = HISI_BACKEND_KERNEL,
        .open = kernel_open,
        .feature = kernel_feature,
        .reset = kernel_reset,
        .region_info = kernel_region_info,
        .region_rw = kernel_region_rw,
        .free_aux = kernel_aux_free,
        .stream = &kernel_stream_ops,
};
