/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The service manager's file descriptor store (sd_notify FDSTORE=1, ARCHITECTURE.md): every
 * VFIO device the daemon holds is handed to it as soon as it is opened, under a name that says
 * which VF it is, and taken out (FDSTOREREMOVE=1) when the daemon lets the VF go. The last close
 * of a VFIO device resets the VF and throws a stopped VF's state away; with the store keeping a
 * copy, a daemon that dies never closes one. A restarted daemon finds them again among the fds
 * the service manager passes (LISTEN_FDS, LISTEN_FDNAMES): fd_store_take_passed().
 *
 * The names: "vf.<address with '_' for ':'>" ("vf.0000_75_00.1"), since LISTEN_FDNAMES joins
 * names with ':'. Without a service manager (no NOTIFY_SOCKET) nothing is stored, and a crash
 * loses what a crash loses without one.
 */
#pragma once

#include <stddef.h>

#include "hisi/pci-address.h"

#define FD_STORE_VF_PREFIX "vf."
/* "vf." and an address. */
#define FD_STORE_NAME_MAX (sizeof(FD_STORE_VF_PREFIX) + HISI_PCI_ADDRESS_MAX)

/* The name under which the device of a VF is stored. */
void fd_store_vf_name(const char *address, char ret[static FD_STORE_NAME_MAX]);
/* The VF address a stored name stands for (canonical): 0, or -EINVAL for another name. */
int fd_store_vf_address(const char *name, char ret[static HISI_PCI_ADDRESS_MAX]);

/* Hand fd to the service manager under name (it keeps a copy; fd stays ours). */
int fd_store_add(const char *name, int fd);
/* Tell it to close and forget every fd it keeps under name. */
int fd_store_remove(const char *name);

/* A device fd the service manager passed at start. */
typedef struct FdPassed {
        char address[HISI_PCI_ADDRESS_MAX];
        int fd;
} FdPassed;

/* Every passed fd whose name is a VF's (the rest, such as the peer socket, stay for their
 * users), now ours (close-on-exec). Names that are not valid are logged. */
int fd_store_take_passed(FdPassed **ret, size_t *ret_n);
/* Close the fds still in the list (fd >= 0) and free it. */
void fd_passed_free(FdPassed *l, size_t n);
