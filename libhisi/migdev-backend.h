/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a migration device backend provides to migdev.c: opening, the raw feature call, reset,
 * and the stream operations. Internal to libhisi.
 */
#pragma once

#include "hisi/migdev.h"
#include "hisi/vfio-uapi.h"

typedef struct hisi_migstream_ops {
        ssize_t (*read)(int fd, void *buf, size_t n);
        ssize_t (*write)(int fd, const void *buf, size_t n);
        ssize_t (*pread)(int fd, void *buf, size_t n, off_t offset);
        ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t offset);
        int (*precopy_info)(int fd, hisi_vfio_precopy_info *info);
} hisi_migstream_ops;

typedef struct hisi_migdev_backend {
        hisi_backend id;
        /* Open by name: set *ret_fd to the device fd, *ret_aux to backend data (may be NULL),
         * *ret_path_kind to a static string. */
        int (*open)(hisi_ctx *ctx, const char *name, int *ret_fd, void **ret_aux,
                    const char **ret_path_kind);
        /* The raw VFIO_DEVICE_FEATURE. A MIG_DEVICE_STATE SET that opened a session leaves the
         * new fd in the payload's data_fd, owned by the caller. */
        int (*feature)(int fd, void *aux, void *buf);
        int (*reset)(int fd, void *aux);
        /* VFIO_DEVICE_GET_REGION_INFO, and read()/write() within a region (offset < 2^40). */
        int (*region_info)(int fd, void *aux, uint32_t index, hisi_region_info *ret);
        ssize_t (*region_rw)(int fd, void *aux, uint32_t index, uint64_t offset, void *buf,
                             size_t len, bool write);
        void (*free_aux)(void *aux);
        const hisi_migstream_ops *stream;
} hisi_migdev_backend;

extern const hisi_migdev_backend hisi_migdev_backend_kernel;
extern const hisi_migdev_backend hisi_migdev_backend_sim;
