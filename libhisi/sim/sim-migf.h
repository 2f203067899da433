/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A simulated VF's migration file: the object behind a data fd (hisi_acc_vf_migration_file).
 * Reference-counted like a struct file: the driver holds one reference while the session is
 * current, each data fd holder one more. When the session ends the driver disables the file
 * (every later call is -ENODEV) and drops its reference. Pure logic.
 *
 * The checks run in the kernel's order (hisi_acc_vfio_pci.c, 6.12), which matters where two
 * errors apply at once: a read past the end is -EINVAL before a disabled file is -ENODEV; a
 * write past 176 bytes is -ENOMEM before -ENODEV; the precopy ioctl looks at the device state
 * (-EINVAL outside PRE_COPY) before it looks at the file (-ENODEV).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "macro.h"
#include "hisi/state-image.h"
#include "hisi/vfio-uapi.h"

typedef struct sim_migf sim_migf;

sim_migf *sim_migf_ref(sim_migf *f);
sim_migf *sim_migf_unref(sim_migf *f); /* always returns NULL */

bool sim_migf_is_saving(const sim_migf *f); /* O_RDONLY saving file, else O_WRONLY resuming */
bool sim_migf_is_disabled(const sim_migf *f);

/* read() on a saving file: min(n, total - pos) bytes, 0 at the end; -EINVAL past the end,
 * -ENODEV when disabled, -EBADF on a resuming file (it is O_WRONLY). */
ssize_t sim_migf_read(sim_migf *f, void *buf, size_t n);
/* write() on a resuming file: -ENOMEM past 176 bytes, -ENODEV when disabled, -EBADF on a
 * saving file; from 40 bytes on the match check runs (6.2+) and a mismatch is -EFAULT with
 * the bytes kept. */
ssize_t sim_migf_write(sim_migf *f, const void *buf, size_t n);
/* VFIO_MIG_GET_PRECOPY_INFO with the caller's struct (argsz as given): -EINVAL for a small
 * argsz or outside PRE_COPY, -ENODEV when disabled (or when the VF is gone), -ENOTTY on a
 * resuming file and on a 6.1 saving file (no ioctl there). flags and argsz are left as given. */
int sim_migf_precopy_info(sim_migf *f, hisi_vfio_precopy_info *info);

DEFINE_TRIVIAL_CLEANUP_FUNC(sim_migf *, sim_migf_unref);
