/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One sysfs write in a child process (see sysfs-write.h), on child-run.h. A detached write owns
 * itself until its child ends: it is never killed, only no longer listened to.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "child-run.h"
#include "hisi/pci-address.h"
#include "hisi/pci-bind.h"
#include "sysfs-write.h"

struct SysfsWrite {
        ChildRun *run;
        hisi_ctx *ctx;
        char address[HISI_PCI_ADDRESS_MAX];
        hisi_bind_attr attr;
        char *value;
        sysfs_write_done_t done; /* NULL once detached */
        void *userdata;
};

static SysfsWrite *sysfs_write_free(SysfsWrite *w) {
        if (!w)
                return NULL;
        child_run_free(w->run);
        free(w->value);
        free(w);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(SysfsWrite *, sysfs_write_free);

/* In the child. */
static int child_write(void *userdata) {
        SysfsWrite *w = userdata;

        return hisi_pci_bind_write(w->ctx, w->address, w->attr, w->value);
}

static void on_child_done(ChildRun *c, const ChildRunResult *result, void *userdata) {
        SysfsWrite *w = userdata;
        sysfs_write_done_t done = w->done;
        void *done_userdata = w->userdata;
        int error = child_run_result_to_errno(result);

        sysfs_write_free(w);
        if (done)
                done(error, done_userdata);
}

int sysfs_write_start(sd_event *event, hisi_ctx *ctx, const char *address, hisi_bind_attr attr,
                      const char *value, sysfs_write_done_t done, void *userdata,
                      SysfsWrite **ret) {
        _cleanup_(sysfs_write_freep) SysfsWrite *w = NULL;
        ChildRunOptions o = { .func = child_write };
        int r;

        if (!event || !ctx || !address || !hisi_pci_address_valid(address) || !done || !ret ||
            attr < 0 || attr >= _HISI_BIND_ATTR_MAX)
                return -EINVAL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->ctx = ctx;
        strcpy(w->address, address);
        w->attr = attr;
        if (value) {
                w->value = strdup(value);
                if (!w->value)
                        return -ENOMEM;
        }
        o.func_userdata = w;
        r = child_run_start(event, &o, on_child_done, w, &w->run);
        if (r < 0)
                return r;
        w->done = done;
        w->userdata = userdata;
        *ret = TAKE_PTR(w);
        return 0;
}

void sysfs_write_detach(SysfsWrite *w) {
        if (w)
                w->done = NULL;
}
