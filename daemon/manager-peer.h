/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager's side of the peer link: it starts the link (on the socket systemd passed, or on
 * its own port), reloads its credentials, describes this host's VFs for a check (as the source)
 * and chooses a VF for each VF of another host's check (as the destination). The bus layer
 * calls manager_check() with plain arguments and hears the verdicts through a callback.
 */
#pragma once

#include <stdint.h>

#include "hisi/peer-message.h"

typedef struct Manager Manager;
typedef struct ManagerCheck ManagerCheck;

/* Take the peer socket systemd passed (FDNAME=peer), or listen; log the result. */
int manager_peer_start(Manager *m, char **ret_error);
/* Read the credentials again; a set that cannot be used keeps the old one: -errno and why. */
int manager_peer_reload(Manager *m, char **ret_error);
/* End every check in flight (their callbacks see -ESHUTDOWN), and the link. */
void manager_peer_stop(Manager *m);

/* error 0: reply has the verdicts, in the order of vfs. Otherwise error_text says why. */
typedef void (*manager_check_done_t)(Manager *m, int error, const char *error_text,
                                     const hisi_peer_check_reply *reply, void *userdata);

/*
 * Check whether the VFs vfs (canonical addresses) could move to host[:port]; to_devices, when
 * not NULL, names the destination VF for each (an entry may be NULL). -errno and *ret_error
 * when the check cannot start (a VF this host cannot describe); then cb is not called.
 */
int manager_check(Manager *m, char *const *vfs, size_t n_vfs, char *const *to_devices,
                  const char *host, uint16_t port, manager_check_done_t cb, void *userdata,
                  char **ret_error);

/*
 * Destination side: choose a VF of this host for the source VF src (or check the one src->to
 * names): bound to hisi_acc_vfio_pci, not reserved, not held, not in taken, of the same kind,
 * its state fits. Fills ret's destination, accepted and reasons; negative only when the check
 * could not be made at all.
 */
int manager_choose_destination(Manager *m, const hisi_peer_check_device *src, char *const *taken,
                               size_t n_taken, hisi_peer_check_result *ret);

/* Describe one of this host's VFs for a check. */
int manager_describe_vf(Manager *m, const char *address, hisi_peer_check_device *ret,
                        char **ret_error);
