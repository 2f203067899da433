/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VFs claimed for libvirt domains (the migration hook, hisi-accmig-hook(8)). On the destination
 * of a libvirt migration the hook asks for a VF that takes the source VF's state: the Manager
 * chooses it as it does for another daemon's check (manager_choose_destination()) and reserves
 * it for the domain until timeouts.reservation_ms, so that a migration that never comes back
 * strands nothing. When the domain starts, its VFs are held for it (no expiry, ControlMode
 * "vmm-held": QEMU drives their migration, the daemon issues no migration ioctl on them) until
 * libvirt releases the domain. A reserved or held VF is refused to every other chooser: other
 * reservations, checks and migrations. Plain arguments and results; the bus layer is
 * manager-bus-reservation.c.
 */
#pragma once

#include "hisi/peer-message.h"

typedef struct Manager Manager;

/* A domain name as libvirt allows it, bounded: 1 to this many bytes, no control character. */
#define RESERVATION_DOMAIN_MAX 1024
bool reservation_domain_valid(const char *domain);

/*
 * Choose a VF of this host for the source VF src and reserve it for domain. 1 and
 * *ret_address when one fits; 0 and *ret_reason (the check's reasons, "; " between them) when
 * none does; -ESHUTDOWN while stopping; -ENOMEM.
 */
int manager_reserve(Manager *m, const hisi_peer_check_device *src, const char *domain,
                    char **ret_address, char **ret_reason);

/* Every VF reserved or held for domain is free again; how many. */
unsigned manager_release_domain(Manager *m, const char *domain);

/*
 * The domain starts: the VFs reserved for it, and the HiSilicon VFs among devices (the PCI
 * addresses of its hostdevs; NULL-terminated, may be NULL), are held for it. Each one in
 * unmanaged (managed='no' hostdevs: nobody binds them at start) must be bound to
 * hisi_acc_vfio_pci already. Nothing is held on a refusal: -EBUSY (another domain's, or in a
 * migration of the daemon's own) or -EADDRNOTAVAIL (not bound), with *ret_error. On success
 * *ret_held lists the VFs held (NULL-terminated, may be empty).
 */
int manager_hold_domain(Manager *m, const char *domain, char *const *devices,
                        char *const *unmanaged, char ***ret_held, char **ret_error);
