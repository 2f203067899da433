/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library context and its path root (see ctx.h). */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctx.h"
#include "file-util.h"
#include "macro.h"

struct hisi_ctx {
        char *root; /* "" or an absolute directory without a trailing slash */
};

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
