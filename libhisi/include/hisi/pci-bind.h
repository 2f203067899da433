/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Binding a VF to the vfio variant driver hisi_acc_vfio_pci, and back. The driver's IDs are
 * override_only, so the sequence is the kernel's: write driver_override, unbind the current
 * driver, write drivers_probe, and verify the driver link (facts page, section 4). Never a PF.
 * The sequence and its undo are planned in bind-plan.h; the functions here carry the plan out
 * with blocking writes, or make one of its writes for a caller that drives the plan itself.
 *
 * On a real kernel each write takes effect before it returns; an asynchronous host may move the
 * driver link a moment later, so the verification polls the link with a short backoff up to
 * timeout_usec.
 */
#pragma once

#include <stdint.h>

#include "hisi/bind-plan.h"
#include "hisi/ctx.h"

/*
 * Bind a VF to hisi_acc_vfio_pci. Idempotent: a VF already bound to it succeeds at once.
 * ret_prev_driver (may be NULL) gets the driver it had (NULL when none).
 *  -EPERM       the device is a PF;
 *  -ENOTSUP     not a HiSilicon accelerator VF;
 *  -ENODEV      no such device;
 *  -ENOENT      the hisi_acc_vfio_pci driver is not loaded (nothing was changed);
 *  -EOPNOTSUPP  the device has no driver_override attribute (nothing was changed);
 *  -EBUSY       bound to another driver than its host driver and no HISI_BIND_FORCE, or
 *               another driver than hisi_acc_vfio_pci took it (the VF was put back);
 *  -ETIMEDOUT   the bind did not take within the timeout; the VF was put back as it was
 *               (override cleared, previous driver rebound) as far as the host allowed;
 *  or the errno of a write that failed (the VF was put back likewise).
 */
int hisi_pci_bind_vfio(hisi_ctx *ctx, const char *address, unsigned flags, uint64_t timeout_usec,
                       char **ret_prev_driver);

/*
 * Undo: unbind from hisi_acc_vfio_pci, clear driver_override, and bind restore_driver (NULL:
 * let the kernel probe, which binds the host driver). Idempotent: a VF not bound to
 * hisi_acc_vfio_pci has its override cleared and is left as it is. Same errors as above.
 */
int hisi_pci_unbind_vfio(hisi_ctx *ctx, const char *address, const char *restore_driver,
                         uint64_t timeout_usec);

/* One write of the plan (bind-plan.h): value is the override (NULL clears it) or the driver to
 * bind. The driver's own errno when it refuses; -ENOENT when the driver to bind is not loaded. */
int hisi_pci_bind_write(hisi_ctx *ctx, const char *address, hisi_bind_attr attr, const char *value);

/* The steps, for callers that wait for the uevent themselves. Each is one sysfs write. */
/* driver NULL or "" clears the override. */
int hisi_pci_write_override(hisi_ctx *ctx, const char *address, const char *driver);
/* Write the address to driver/unbind; 0 when no driver is bound. */
int hisi_pci_unbind_driver(hisi_ctx *ctx, const char *address);
/* Write the address to /sys/bus/pci/drivers_probe. */
int hisi_pci_probe(hisi_ctx *ctx, const char *address);
/* The bound driver's name in *ret, or NULL when unbound. */
int hisi_pci_read_driver(hisi_ctx *ctx, const char *address, char **ret);
/* The driver_override now set in *ret, NULL when none; -EOPNOTSUPP when the device has no such
 * attribute, -ENODEV when there is no such device. */
int hisi_pci_read_override(hisi_ctx *ctx, const char *address, char **ret);
/* 1 when the driver is loaded (/sys/bus/pci/drivers/<driver>/ exists), 0 when not. */
int hisi_pci_driver_loaded(hisi_ctx *ctx, const char *driver);
