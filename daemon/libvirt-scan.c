/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's managed hostdevs, asked through a helper process (see libvirt-scan.h). */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "child-run.h"
#include "hisi/json-util.h"
#include "libvirt-scan.h"

#ifndef HISI_LIBEXECDIR
#define HISI_LIBEXECDIR "/usr/libexec"
#endif

#define OUTPUT_MAX      (1024 * 1024)
#define HOSTDEVS_MAX    65536
#define DOMAIN_NAME_MAX 1024

struct LibvirtScan {
        ChildRun *run;
        libvirt_scan_done_t done;
        void *userdata;
};

void libvirt_hostdevs_free(LibvirtHostdev *h, size_t n) {
        if (!h)
                return;
        for (size_t i = 0; i < n; i++)
                free(h[i].domain);
        free(h);
}

typedef struct HostdevList {
        LibvirtHostdev *items;
        size_t n;
} HostdevList;

static void hostdev_list_done(HostdevList *l) {
        libvirt_hostdevs_free(l->items, l->n);
}

static int decode(const hisi_json_value *root, HostdevList *list, char **ret_error) {
        static const char *const keys[] = { "hostdevs", "error", NULL };
        hisi_json_value array;
        const char *error;
        size_t n;
        int r;

        r = hisi_json_expect_object(root);
        if (r < 0)
                return r;
        r = hisi_json_check_keys(root, keys);
        if (r < 0)
                return r;
        r = hisi_json_get_string(root, "error", 4096, &error);
        if (r < 0)
                return r;
        if (r > 0) {
                *ret_error = strdup(error);
                return *ret_error ? -EINVAL : -ENOMEM;
        }
        r = hisi_json_get_array(root, "hostdevs", 0, HOSTDEVS_MAX, &array);
        if (r < 0)
                return r;
        if (r == 0)
                return hisi_json_missing(root, "hostdevs");
        n = hisi_json_length(&array);
        list->items = calloc(n > 0 ? n : 1, sizeof(*list->items));
        if (!list->items)
                return -ENOMEM;
        for (; list->n < n; list->n++) {
                static const char *const hkeys[] = { "address", "domain", NULL };
                LibvirtHostdev *h = &list->items[list->n];
                hisi_json_value e;
                const char *s;

                hisi_json_element(&array, list->n, &e);
                r = hisi_json_expect_object(&e);
                if (r >= 0)
                        r = hisi_json_check_keys(&e, hkeys);
                if (r >= 0)
                        r = hisi_json_get_string(&e, "address", 64, &s);
                if (r == 0)
                        r = hisi_json_missing(&e, "address");
                if (r < 0)
                        return r;
                if (hisi_pci_address_normalize(s, h->address) < 0) {
                        hisi_json_value v;
                        (void)hisi_json_member(&e, "address", &v);
                        return hisi_json_reject(&v, "expected a PCI address");
                }
                r = hisi_json_get_string(&e, "domain", DOMAIN_NAME_MAX, &s);
                if (r < 0)
                        return r;
                h->domain = strdup(r > 0 ? s : "");
                if (!h->domain)
                        return -ENOMEM;
        }
        return 0;
}

int libvirt_scan_parse(const char *text, size_t len, LibvirtHostdev **ret, size_t *ret_n,
                       char **ret_error) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *ctx = NULL;
        _cleanup_(hostdev_list_done) HostdevList list = {};
        char *own_error = NULL;
        hisi_json_value root;
        int r;

        if ((!text && len > 0) || !ret || !ret_n)
                return -EINVAL;
        r = hisi_json_ctx_new(text, len, "helper output", &ctx, ret_error);
        if (r < 0)
                return r;
        hisi_json_root(ctx, &root);
        r = decode(&root, &list, &own_error);
        if (own_error) {
                if (ret_error)
                        *ret_error = own_error;
                else
                        free(own_error);
                return -EINVAL;
        }
        if (r < 0)
                return hisi_json_ctx_finish(ctx, r, ret_error);
        *ret = TAKE_PTR(list.items);
        *ret_n = list.n;
        list.n = 0;
        return 0;
}

const char *libvirt_scan_helper_path(void) {
        const char *e = getenv(LIBVIRT_HELPER_ENV);

        return e && e[0] == '/' ? e : HISI_LIBEXECDIR "/hisi-accmigd-libvirt";
}

/* The helper has ended (and is reaped): decode what it said. */
static void on_helper_done(ChildRun *c, const ChildRunResult *result, void *userdata) {
        _cleanup_free_ char *error = NULL, *m = NULL;
        LibvirtScan *s = userdata;
        libvirt_scan_done_t done = s->done;
        LibvirtHostdev *h = NULL;
        size_t n = 0;
        int r;

        /* done may free the scan (and with it the ChildRun and result): nothing is used after
         * it. */
        switch (result->error) {
        case 0:
                break;
        case -ETIMEDOUT:
                done(-ETIMEDOUT, "libvirt did not answer in time", NULL, 0, s->userdata);
                return;
        case -EFBIG:
                done(-EFBIG, "the helper's output is too large", NULL, 0, s->userdata);
                return;
        default:
                done(result->error, "out of memory", NULL, 0, s->userdata);
                return;
        }

        r = libvirt_scan_parse(result->output, result->n_output, &h, &n, &error);
        if (r >= 0 && result->status == 0) {
                done(0, NULL, h, n, s->userdata);
                return;
        }
        if (r >= 0)
                libvirt_hostdevs_free(h, n);
        if (result->status == 127)
                r = asprintf(&m, "cannot run %s", libvirt_scan_helper_path());
        else if (error && result->n_output > 0)
                r = asprintf(&m, "%s", error);
        else
                r = asprintf(&m, "%s failed (exit status %d)", libvirt_scan_helper_path(),
                             result->status);
        if (r < 0)
                m = NULL;
        done(-EIO, m ?: "the libvirt helper failed", NULL, 0, s->userdata);
}

int libvirt_scan_start(sd_event *event, const char *uri, uint64_t timeout_usec,
                       libvirt_scan_done_t done, void *userdata, LibvirtScan **ret) {
        _cleanup_(libvirt_scan_freep) LibvirtScan *s = NULL;
        const char *helper = libvirt_scan_helper_path();
        char *argv[] = { (char *)"hisi-accmigd-libvirt", (char *)"--uri", (char *)uri, NULL };
        ChildRunOptions o = {
                .path = helper,
                .argv = argv,
                .capture_max = OUTPUT_MAX,
                .stderr_to_null = true,
                .timeout_usec = timeout_usec,
        };
        int r;

        if (!event || !uri || !done || !ret)
                return -EINVAL;
        if (access(helper, X_OK) < 0)
                return negative_errno();
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        r = child_run_start(event, &o, on_helper_done, s, &s->run);
        if (r < 0)
                return r;
        s->done = done;
        s->userdata = userdata;
        *ret = TAKE_PTR(s);
        return 0;
}

LibvirtScan *libvirt_scan_free(LibvirtScan *s) {
        if (!s)
                return NULL;
        /* A helper still running is killed and reaped. */
        child_run_free(s->run);
        free(s);
        return NULL;
}
