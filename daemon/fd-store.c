/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The service manager's fd store for the VFs' devices (see fd-store.h). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "fd-store.h"
#include "file-util.h"
#include "log.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"

void fd_store_vf_name(const char *address, char ret[static FD_STORE_NAME_MAX]) {
        char *p;

        snprintf(ret, FD_STORE_NAME_MAX, FD_STORE_VF_PREFIX "%s", address);
        for (p = ret; *p; p++)
                if (*p == ':')
                        *p = '_';
}

int fd_store_vf_address(const char *name, char ret[static HISI_PCI_ADDRESS_MAX]) {
        char text[HISI_PCI_ADDRESS_MAX];
        const char *a = startswith(name, FD_STORE_VF_PREFIX);

        if (!a || strlen(a) >= sizeof(text))
                return -EINVAL;
        strcpy(text, a);
        for (char *p = text; *p; p++)
                if (*p == '_')
                        *p = ':';
        return hisi_pci_address_normalize(text, ret) < 0 ? -EINVAL : 0;
}

int fd_store_add(const char *name, int fd) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (asprintf_safe(&text, "FDSTORE=1\nFDNAME=%s", name) < 0)
                return -ENOMEM;
        r = sd_pid_notify_with_fds(0, false, text, &fd, 1);
        if (r < 0)
                return log_warning_errno(r,
                                         "Could not hand %s to the service manager's fd store "
                                         "(a crash would reset the VF): %m",
                                         name);
        return r;
}

int fd_store_remove(const char *name) {
        int r = sd_notifyf(false, "FDSTOREREMOVE=1\nFDNAME=%s", name);

        if (r < 0)
                log_warning_errno(r, "Could not take %s out of the fd store: %m", name);
        return r;
}

int fd_store_take_passed(FdPassed **ret, size_t *ret_n) {
        _cleanup_free_ FdPassed *list = NULL;
        char **names = NULL;
        size_t n = 0;
        int k;

        k = sd_listen_fds_with_names(false, &names);
        if (k < 0)
                log_warning_errno(k, "Could not read the fds the service manager passed: %m");
        if (k > 0) {
                list = calloc((size_t)k, sizeof(*list));
                if (!list) {
                        strv_free(names);
                        return -ENOMEM;
                }
        }
        for (int i = 0; i < k; i++) {
                int fd = SD_LISTEN_FDS_START + i;
                const char *name = names ? names[i] : NULL;

                if (!name || !startswith(name, FD_STORE_VF_PREFIX))
                        continue; /* another user's (the peer socket) */
                if (fd_store_vf_address(name, list[n].address) < 0) {
                        log_warning("The service manager passed an fd named \"%s\": not a VF; "
                                    "closing it.",
                                    name);
                        (void)fd_store_remove(name);
                        (void)close(fd);
                        continue;
                }
                (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
                list[n++].fd = fd;
        }
        strv_free(names);
        *ret = n > 0 ? TAKE_PTR(list) : NULL;
        *ret_n = n;
        return 0;
}

void fd_passed_free(FdPassed *l, size_t n) {
        for (size_t i = 0; l && i < n; i++)
                if (l[i].fd >= 0)
                        (void)close(l[i].fd);
        free(l);
}
