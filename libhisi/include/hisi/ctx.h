/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library context: where the host's /sys and /dev are. Every sysfs and device-node path that
 * libhisi opens goes through hisi_ctx_path(), so that tests can point the library at a fake tree
 * (the kmod testsuite's way). The real host is the root "/".
 */
#pragma once

#include <errno.h>

typedef struct hisi_ctx hisi_ctx;

/*
 * How the kernel backend opens a VFIO device: AUTO (the default) tries the cdev bound to an
 * iommufd and falls back to the legacy group and container; CDEV and GROUP take only that path,
 * for tests that must prove each one.
 */
typedef enum hisi_vfio_path {
        HISI_VFIO_PATH_AUTO,
        HISI_VFIO_PATH_CDEV,
        HISI_VFIO_PATH_GROUP,
        _HISI_VFIO_PATH_MAX,
        _HISI_VFIO_PATH_INVALID = -EINVAL,
} hisi_vfio_path;

const char *hisi_vfio_path_to_string(hisi_vfio_path p); /* "auto", "cdev", "group" */
hisi_vfio_path hisi_vfio_path_from_string(const char *s);

/* root: a directory that stands for "/", or NULL for the real root. It is taken as given: it
 * must be absolute. */
int hisi_ctx_new(const char *root, hisi_ctx **ret);
hisi_ctx *hisi_ctx_free(hisi_ctx *ctx);

/* The VFIO open path for devices opened through this context afterwards. -EINVAL when out of
 * range. */
int hisi_ctx_set_vfio_path(hisi_ctx *ctx, hisi_vfio_path path);
hisi_vfio_path hisi_ctx_get_vfio_path(const hisi_ctx *ctx);

/* "" for the real root, else the root without a trailing slash. */
const char *hisi_ctx_root(const hisi_ctx *ctx);

/* The path that stands for an absolute host path ("/sys/bus/pci/devices/…"). */
int hisi_ctx_path(const hisi_ctx *ctx, const char *abs_path, char **ret);
/* printf-style variant. */
int hisi_ctx_pathf(const hisi_ctx *ctx, char **ret, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static inline void hisi_ctx_freep(hisi_ctx **p) {
        if (*p)
                hisi_ctx_free(*p);
}
