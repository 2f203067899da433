/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One sysfs write in a child process (see sysfs-write.h). */

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "hisi/pci-bind.h"
#include "sysfs-write.h"

struct SysfsWrite {
        sd_event_source *child;
        sysfs_write_done_t done; /* NULL once detached */
        void *userdata;
};

static const char *const op_names[_SYSFS_OP_MAX] = {
        [SYSFS_OP_UNBIND] = "unbind",
        [SYSFS_OP_PROBE] = "drivers_probe",
};

const char *sysfs_op_to_string(SysfsOp op) {
        if (op < 0 || op >= _SYSFS_OP_MAX)
                return NULL;
        return op_names[op];
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        SysfsWrite *w = userdata;
        int error = 0;

        if (si->si_code == CLD_EXITED)
                error = -si->si_status;
        else
                error = -EINTR; /* killed */
        if (w->done)
                w->done(error, w->userdata);
        sd_event_source_disable_unref(w->child);
        free(w);
        return 0;
}

static _noreturn_ void child(hisi_ctx *ctx, SysfsOp op, const char *address) {
        int r = -EINVAL;

        switch (op) {
        case SYSFS_OP_UNBIND:
                r = hisi_pci_unbind_driver(ctx, address);
                break;
        case SYSFS_OP_PROBE:
                r = hisi_pci_probe(ctx, address);
                break;
        case _SYSFS_OP_MAX:
        case _SYSFS_OP_INVALID:
                break;
        }
        /* An errno fits an exit status; anything odd becomes EIO. */
        _exit(r >= 0 ? 0 : -r <= 255 ? -r : EIO);
}

int sysfs_write_start(sd_event *event, hisi_ctx *ctx, SysfsOp op, const char *address,
                      sysfs_write_done_t done, void *userdata, SysfsWrite **ret) {
        SysfsWrite *w;
        pid_t pid;
        int r;

        if (!event || !ctx || !address || !done || !ret || op < 0 || op >= _SYSFS_OP_MAX)
                return -EINVAL;
        pid = fork();
        if (pid < 0)
                return negative_errno();
        if (pid == 0)
                child(ctx, op, address);

        /* Allocated after the fork, so that the child holds nothing of its own when it ends. */
        w = calloc(1, sizeof(*w));
        if (!w) {
                (void)waitpid(pid, NULL, 0);
                return -ENOMEM;
        }

        r = sd_event_add_child(event, &w->child, pid, WEXITED, on_child, w);
        if (r < 0) {
                /* Without a watch nobody would reap it: wait here; the write is short unless a
                 * driver blocks, and then we have no better choice. */
                (void)waitpid(pid, NULL, 0);
                free(w);
                return r;
        }
        w->done = done;
        w->userdata = userdata;
        *ret = w;
        return 0;
}

void sysfs_write_detach(SysfsWrite *w) {
        if (w)
                w->done = NULL;
}
