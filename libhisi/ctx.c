/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library context: its path root and the VFIO open path (see ctx.h). */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hisi/ctx.h"
#include "file-util.h"
#include "macro.h"
#include "string-table.h"

struct hisi_ctx {
        char *root; /* "" or an absolute directory without a trailing slash */
        hisi_vfio_path vfio_path;
};

static const char *const hisi_vfio_path_table[_HISI_VFIO_PATH_MAX] = {
        [HISI_VFIO_PATH_AUTO] = "auto",
        [HISI_VFIO_PATH_CDEV] = "cdev",
        [HISI_VFIO_PATH_GROUP] = "group",
};

DEFINE_STRING_TABLE_LOOKUP_CASE(hisi_vfio_path, hisi_vfio_path);

int hisi_ctx_new(const char *root, hisi_ctx **ret) {
        _cleanup_free_ hisi_ctx *ctx = NULL;
        size_t len;

        if (!ret)
                return -EINVAL;
        if (root && root[0] != '\0' && root[0] != '/')
                return -EINVAL;

        ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
                return -ENOMEM;
        ctx->root = strdup(root ? root : "");
        if (!ctx->root)
                return -ENOMEM;
        len = strlen(ctx->root);
        while (len > 0 && ctx->root[len - 1] == '/')
                ctx->root[--len] = '\0';

        *ret = TAKE_PTR(ctx);
        return 0;
}

hisi_ctx *hisi_ctx_free(hisi_ctx *ctx) {
        if (!ctx)
                return NULL;
        free(ctx->root);
        free(ctx);
        return NULL;
}

int hisi_ctx_set_vfio_path(hisi_ctx *ctx, hisi_vfio_path path) {
        if (!ctx || path < 0 || path >= _HISI_VFIO_PATH_MAX)
                return -EINVAL;
        ctx->vfio_path = path;
        return 0;
}

hisi_vfio_path hisi_ctx_get_vfio_path(const hisi_ctx *ctx) {
        return ctx ? ctx->vfio_path : HISI_VFIO_PATH_AUTO;
}

const char *hisi_ctx_root(const hisi_ctx *ctx) {
        return ctx ? ctx->root : "";
}

int hisi_ctx_path(const hisi_ctx *ctx, const char *abs_path, char **ret) {
        if (!ctx || !abs_path || abs_path[0] != '/' || !ret)
                return -EINVAL;
        return asprintf_safe(ret, "%s%s", ctx->root, abs_path);
}

int hisi_ctx_pathf(const hisi_ctx *ctx, char **ret, const char *fmt, ...) {
        _cleanup_free_ char *p = NULL;
        va_list ap;
        int r;

        if (!ctx || !ret || !fmt)
                return -EINVAL;
        va_start(ap, fmt);
        r = vasprintf(&p, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return hisi_ctx_path(ctx, p, ret);
}
