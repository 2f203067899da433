/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The migration device: one VF's VFIO migration interface, whatever serves it. Two backends sit
 * behind the same calls: "kernel" (ioctls on a VFIO device fd, through the cdev + iommufd path or
 * the legacy group/container path) and "sim" (the simulated host hisi-accsim). The semantics are
 * the kernel's: one set_state reaches the requested state through every arc on the way, a new
 * data session hands back a stream, and a failed arc leaves the device where it got to.
 *
 * The higher calls (flags, state, data size) are built once here on the raw
 * VFIO_DEVICE_FEATURE call that each backend provides, so both backends share them.
 */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <sys/types.h>

#include "hisi/ctx.h"
#include "hisi/mig-state.h"

typedef enum hisi_backend {
        HISI_BACKEND_KERNEL,
        HISI_BACKEND_SIM,
        _HISI_BACKEND_MAX,
        _HISI_BACKEND_INVALID = -EINVAL,
} hisi_backend;

const char *hisi_backend_to_string(hisi_backend b); /* "kernel", "sim" */

/* The environment variable that names the simulated host's socket (hisi-accsim exec sets it). */
#define HISI_SIM_SOCKET_ENV "HISI_ACCSIM_SOCKET"
hisi_backend hisi_backend_from_string(const char *s);

typedef struct hisi_migdev hisi_migdev;
typedef struct hisi_migstream hisi_migstream;

/*
 * Open the migration device of a VF by PCI address (kernel backend: an mdev UUID works too, for
 * the mtty sample device). The kernel backend prefers the cdev (/dev/vfio/devices/vfioN, bound
 * to a new iommufd) and falls back to the legacy group/container path; hisi_ctx_set_vfio_path()
 * restricts it to one of the two.
 *  -EINVAL  malformed name;  -ENODEV  no such device, or not bound to a vfio driver;
 *  -ENOENT  no VFIO device node;  -EBUSY  another process holds it;
 *  -EOPNOTSUPP  the backend is not built in.
 */
int hisi_migdev_open(hisi_ctx *ctx, hisi_backend backend, const char *name, hisi_migdev **ret);
/* Adopt a device fd that another holder passed (SCM_RIGHTS) or the fd store kept. Takes fd. */
int hisi_migdev_open_fd(hisi_ctx *ctx, hisi_backend backend, const char *name, int fd,
                        hisi_migdev **ret);
/* Closes the device (its last close resets the VF: see the fd store in ARCHITECTURE.md). */
hisi_migdev *hisi_migdev_close(hisi_migdev *d);

const char *hisi_migdev_name(const hisi_migdev *d);
hisi_backend hisi_migdev_get_backend(const hisi_migdev *d);
/* The device fd, for polling, passing and the fd store. Owned by d. */
int hisi_migdev_fd(const hisi_migdev *d);
/* How the kernel backend opened the device: "cdev" or "group"; the sim's: "sim". */
const char *hisi_migdev_path_kind(const hisi_migdev *d);

/*
 * The raw VFIO_DEVICE_FEATURE call: buf starts with the 8-byte header (argsz, flags) that the
 * caller filled, then the payload. buf_size is the buffer's real size: argsz larger than it is
 * refused here with -EINVAL (the kernel would read past the buffer). Returns the kernel's
 * result: 0, or a negative errno. For conformance tests and for the calls below.
 */
int hisi_migdev_feature(hisi_migdev *d, void *buf, size_t buf_size);

/* VFIO_DEVICE_FEATURE_MIGRATION: the flags. -ENOTTY when the device has no migration. */
int hisi_migdev_get_flags(hisi_migdev *d, uint64_t *ret_flags);
int hisi_migdev_get_state(hisi_migdev *d, hisi_mig_state *ret);
/*
 * Reach the requested state. The path is planned first with the kernel's table, and a request
 * the table blocks (STOP_COPY -> PRE_COPY: it hangs real kernels) is refused with -EINVAL
 * before anything is sent. ret_path (may be NULL) gets the states walked: the whole path on
 * success; on failure, the path up to the state the device is in afterwards. ret_stream (may be
 * NULL; then a new stream is closed at once) gets the new data session, or NULL when the
 * request opened none.
 */
int hisi_migdev_set_state(hisi_migdev *d, hisi_mig_state new, hisi_mig_path *ret_path,
                          hisi_migstream **ret_stream);
/* VFIO_DEVICE_FEATURE_MIG_DATA_SIZE: the STOP_COPY length the device predicts. */
int hisi_migdev_data_size(hisi_migdev *d, uint64_t *ret);
/* VFIO_DEVICE_RESET. hisi_acc_vfio_pci puts the device back to RUNNING and disables its data
 * sessions only on 6.1 and with upstream 8be14dd48dfe (6.19.y, 7.0); on 6.2 to 6.19 as released
 * the reset leaves the migration state and the sessions as they were. GET the state after it;
 * to return to RUNNING on every kernel, close the device's last fd and open it again. */
int hisi_migdev_reset(hisi_migdev *d);

/*
 * The device's VFIO regions, as the VF's user sees them (vfio-pci: BAR0-5 are indexes 0-5, ROM
 * 6, CONFIG 7, VGA 8; HISI_VFIO_PCI_* in vfio-uapi.h). hisi_acc_vfio_pci restricts BAR2 (index
 * 2), whose upper half holds the migration registers in the VF-controlled mode: the region is
 * reported as half the BAR, an access at or past the half is -EINVAL, one crossing it is
 * clipped. For conformance tests, and to look at the QM registers a guest driver sets up.
 *
 * region_info: VFIO_DEVICE_GET_REGION_INFO. -EINVAL for an index the device has no region at.
 * region_read/region_write: read()/write() on the device fd at the region's offset plus offset,
 * as the kernel takes them: the count moved (the device may clip it; the sim backend moves at
 * most 64 KiB per call), or a negative errno. An offset of 2^40 or more would leave the region's
 * window on the fd and is refused here with -EINVAL. The simulated VF has only BAR2: its other
 * regions are absent (size 0, flags 0, every access -EINVAL).
 */
typedef struct hisi_region_info {
        uint32_t flags;  /* HISI_VFIO_REGION_INFO_FLAG_READ | _WRITE | _MMAP */
        uint64_t size;   /* bytes the user may access */
        uint64_t offset; /* where the region starts on the device fd */
} hisi_region_info;

int hisi_migdev_region_info(hisi_migdev *d, uint32_t index, hisi_region_info *ret);
ssize_t hisi_migdev_region_read(hisi_migdev *d, uint32_t index, uint64_t offset, void *buf,
                                size_t len);
ssize_t hisi_migdev_region_write(hisi_migdev *d, uint32_t index, uint64_t offset, const void *buf,
                                 size_t len);

/*
 * A data session (the kernel's data_fd). Saving streams read, resuming streams write. Reads
 * return the count, 0 at the end of the stream (a STOP_COPY EOF, or hisi's PRE_COPY end); a
 * driver that implements the uAPI's temporary PRE_COPY EOF returns -ENOMSG. After the session
 * ended every call fails with -ENODEV. Positioned I/O is refused with -ESPIPE, as on the
 * kernel's stream fds.
 */
ssize_t hisi_migstream_read(hisi_migstream *s, void *buf, size_t n);
ssize_t hisi_migstream_write(hisi_migstream *s, const void *buf, size_t n);
ssize_t hisi_migstream_pread(hisi_migstream *s, void *buf, size_t n, off_t offset);
ssize_t hisi_migstream_pwrite(hisi_migstream *s, const void *buf, size_t n, off_t offset);
/* VFIO_MIG_GET_PRECOPY_INFO. ret_flags (may be NULL) gets the flags word back as the driver
 * left it. */
int hisi_migstream_precopy_info(hisi_migstream *s, uint64_t *ret_initial, uint64_t *ret_dirty,
                                uint32_t *ret_flags);
/* The raw VFIO_MIG_GET_PRECOPY_INFO with the caller's struct (argsz and flags as the caller set
 * them), copied back as the driver left it; for conformance tests. */
struct hisi_vfio_precopy_info;
int hisi_migstream_precopy_ioctl(hisi_migstream *s, struct hisi_vfio_precopy_info *info);
int hisi_migstream_fd(const hisi_migstream *s);
/* Adopt a data fd passed by another process. Takes fd. */
int hisi_migstream_open_fd(hisi_backend backend, int fd, hisi_migstream **ret);
hisi_migstream *hisi_migstream_close(hisi_migstream *s);

static inline void hisi_migdev_closep(hisi_migdev **d) {
        if (*d)
                hisi_migdev_close(*d);
}
static inline void hisi_migstream_closep(hisi_migstream **s) {
        if (*s)
                hisi_migstream_close(*s);
}
