/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Binding a VF to hisi_acc_vfio_pci and back (see pci-bind.h), the kernel's way: driver_override,
 * unbind, drivers_probe, then wait for the driver link.
 *
 * Everything is checked before the first write, so that a refusal changes nothing. Once a write
 * has happened, any failure puts the VF back as it was: its previous driver_override (normally
 * none) and its previous driver. The undo gets its own time budget, the caller's timeout but at
 * least a second, so that a short timeout on an asynchronous host (the simulator) still leaves
 * nothing half-done; on a real kernel each step is synchronous and the undo immediate.
 */

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file-util.h"
#include "hisi/kind.h"
#include "macro.h"
#include "parse-util.h"
#include "hisi/pci-address.h"
#include "hisi/pci-bind.h"
#include "string-util.h"
#include "time-util.h"

#define POLL_FIRST_USEC  1000ULL
#define POLL_MAX_USEC    50000ULL
#define UNDO_MIN_USEC    1000000ULL
#define OVERRIDE_MAX_LEN (HISI_ATTR_MAX - 2) /* the kernel refuses PAGE_SIZE - 1 and more */

static uint64_t deadline_after(uint64_t usec) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        return usec > UINT64_MAX - now ? UINT64_MAX : now + usec;
}

static void sleep_usec(uint64_t usec) {
        struct timespec ts = {
                .tv_sec = (time_t)(usec / USEC_PER_SEC),
                .tv_nsec = (long)((usec % USEC_PER_SEC) * NSEC_PER_USEC),
        };

        /* An interrupted sleep only makes the poll come sooner. */
        (void)nanosleep(&ts, NULL);
}

static bool driver_name_valid(const char *s) {
        return s && s[0] != '\0' && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..");
}

static int device_exists(hisi_ctx *ctx, const char *address) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        int r;

        r = hisi_ctx_pathf(ctx, &p, "/sys/bus/pci/devices/%s", address);
        if (r < 0)
                return r;
        if (stat(p, &st) < 0)
                return errno == ENOENT ? -ENODEV : negative_errno();
        return S_ISDIR(st.st_mode) ? 0 : -ENODEV;
}

/* -ENOENT when opening a device's attribute: the device is gone (-ENODEV), or else the
 * attribute is missing (missing). */
static int attr_missing(hisi_ctx *ctx, const char *address, int missing) {
        int r = device_exists(ctx, address);

        return r < 0 ? r : missing;
}

static int driver_loaded(hisi_ctx *ctx, const char *driver) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        int r;

        r = hisi_ctx_pathf(ctx, &p, "/sys/bus/pci/drivers/%s", driver);
        if (r < 0)
                return r;
        if (stat(p, &st) < 0)
                return negative_errno();
        return S_ISDIR(st.st_mode) ? 0 : -ENOENT;
}

/* A HiSilicon accelerator VF, never a PF. */
static int check_vf(hisi_ctx *ctx, const char *address, hisi_kind *ret_kind) {
        const char *attrs[] = { "vendor", "device" };
        uint16_t ids[2];
        hisi_kind kind;
        bool is_vf;
        int r;

        r = device_exists(ctx, address);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(attrs); i++) {
                _cleanup_free_ char *p = NULL, *s = NULL;

                r = hisi_ctx_pathf(ctx, &p, "/sys/bus/pci/devices/%s/%s", address, attrs[i]);
                if (r < 0)
                        return r;
                r = read_one_line_file(p, &s);
                if (r == -ENOENT)
                        return -ENODEV;
                if (r < 0)
                        return r;
                r = safe_atou16(s, &ids[i]);
                if (r < 0)
                        return r;
        }
        if (ids[0] != HISI_PCI_VENDOR_ID)
                return -ENOTSUP;
        kind = hisi_kind_from_device_id(ids[1], &is_vf);
        if (kind < 0)
                return -ENOTSUP;
        if (!is_vf)
                return -EPERM;
        *ret_kind = kind;
        return 0;
}

static int has_override(hisi_ctx *ctx, const char *address) {
        _cleanup_free_ char *p = NULL;
        int r;

        r = hisi_ctx_pathf(ctx, &p, "/sys/bus/pci/devices/%s/driver_override", address);
        if (r < 0)
                return r;
        if (access(p, F_OK) < 0)
                return errno == ENOENT ? -EOPNOTSUPP : negative_errno();
        return 0;
}

/* The override now set, NULL when none ("(null)" in sysfs; "" or "\n" in a fake tree). */
static int read_override(hisi_ctx *ctx, const char *address, char **ret) {
        _cleanup_free_ char *p = NULL, *s = NULL;
        int r;

        r = hisi_ctx_pathf(ctx, &p, "/sys/bus/pci/devices/%s/driver_override", address);
        if (r < 0)
                return r;
        r = read_one_line_file(p, &s);
        if (r == -ENOENT)
                return attr_missing(ctx, address, -EOPNOTSUPP);
        if (r < 0)
                return r;
        if (s[0] == '\0' || streq(s, "(null)"))
                s = (free(s), NULL);
        *ret = TAKE_PTR(s);
        return 0;
}

static int bind_driver(hisi_ctx *ctx, const char *address, const char *driver) {
        _cleanup_free_ char *p = NULL;
        int r;

        r = hisi_ctx_pathf(ctx, &p, "/sys/bus/pci/drivers/%s/bind", driver);
        if (r < 0)
                return r;
        return write_string_file(p, address);
}

/* Poll the driver link until it names want (NULL: until unbound), with a short backoff. */
static int wait_driver(hisi_ctx *ctx, const char *address, const char *want, uint64_t deadline) {
        uint64_t delay = POLL_FIRST_USEC;

        for (;;) {
                _cleanup_free_ char *cur = NULL;
                uint64_t now;
                int r;

                r = hisi_pci_read_driver(ctx, address, &cur);
                if (r < 0)
                        return r;
                if (streq_ptr(cur, want))
                        return 0;
                now = now_usec(CLOCK_MONOTONIC);
                if (now >= deadline)
                        return -ETIMEDOUT;
                sleep_usec(MIN(delay, deadline - now));
                delay = MIN(delay * 2, POLL_MAX_USEC);
        }
}

/* Put the VF back on driver (NULL: none) with override (NULL: none), as far as the host lets
 * us. Used to undo a half-done bind or unbind; its errors do not replace the original one. */
static int restore(hisi_ctx *ctx, const char *address, const char *override, const char *driver,
                   uint64_t timeout_usec) {
        _cleanup_free_ char *cur = NULL;
        uint64_t deadline = deadline_after(MAX(timeout_usec, UNDO_MIN_USEC));
        int r;

        r = hisi_pci_write_override(ctx, address, override);
        if (r < 0)
                return r;
        r = hisi_pci_read_driver(ctx, address, &cur);
        if (r < 0)
                return r;
        if (streq_ptr(cur, driver))
                return 0;
        if (cur) {
                r = hisi_pci_unbind_driver(ctx, address);
                if (r < 0)
                        return r;
                r = wait_driver(ctx, address, NULL, deadline);
                if (r < 0)
                        return r;
        }
        if (!driver)
                return 0;
        r = bind_driver(ctx, address, driver);
        if (r < 0)
                return r;
        return wait_driver(ctx, address, driver, deadline);
}

int hisi_pci_bind_vfio(hisi_ctx *ctx, const char *address, unsigned flags, uint64_t timeout_usec,
                       char **ret_prev_driver) {
        _cleanup_free_ char *prev = NULL, *prev_override = NULL;
        char a[HISI_PCI_ADDRESS_MAX];
        const char *host;
        uint64_t deadline;
        hisi_kind kind;
        int r;

        if (!ctx || !address || (flags & ~(unsigned)HISI_BIND_FORCE))
                return -EINVAL;
        r = hisi_pci_address_normalize(address, a);
        if (r < 0)
                return r;

        /* Checks: nothing changes until all of them pass. */
        r = check_vf(ctx, a, &kind);
        if (r < 0)
                return r;
        r = driver_loaded(ctx, HISI_VFIO_DRIVER);
        if (r < 0)
                return r == -ENOTDIR ? -ENOENT : r;
        r = has_override(ctx, a);
        if (r < 0)
                return r;
        r = hisi_pci_read_driver(ctx, a, &prev);
        if (r < 0)
                return r;
        if (streq_ptr(prev, HISI_VFIO_DRIVER))
                goto done;
        host = hisi_kind_host_driver(kind);
        if (prev && !streq(prev, host) && !(flags & HISI_BIND_FORCE))
                return -EBUSY;
        r = read_override(ctx, a, &prev_override);
        if (r < 0)
                return r;

        /* The kernel's sequence. The unbind must have taken before the probe, or the probe
         * would find the device still bound and leave it alone. */
        deadline = deadline_after(timeout_usec);
        r = hisi_pci_write_override(ctx, a, HISI_VFIO_DRIVER);
        if (r < 0)
                goto undo;
        r = hisi_pci_unbind_driver(ctx, a);
        if (r < 0)
                goto undo;
        r = wait_driver(ctx, a, NULL, deadline);
        if (r < 0)
                goto undo;
        r = hisi_pci_probe(ctx, a);
        if (r < 0)
                goto undo;
        r = wait_driver(ctx, a, HISI_VFIO_DRIVER, deadline);
        if (r < 0)
                goto undo;

done:
        if (ret_prev_driver)
                *ret_prev_driver = TAKE_PTR(prev);
        return 0;

undo:
        (void)restore(ctx, a, prev_override, prev, timeout_usec);
        return r;
}

int hisi_pci_unbind_vfio(hisi_ctx *ctx, const char *address, const char *restore_driver,
                         uint64_t timeout_usec) {
        _cleanup_free_ char *cur = NULL, *prev_override = NULL;
        char a[HISI_PCI_ADDRESS_MAX];
        const char *want;
        uint64_t deadline;
        hisi_kind kind;
        int r;

        if (!ctx || !address || (restore_driver && !driver_name_valid(restore_driver)))
                return -EINVAL;
        r = hisi_pci_address_normalize(address, a);
        if (r < 0)
                return r;

        r = check_vf(ctx, a, &kind);
        if (r < 0)
                return r;
        r = has_override(ctx, a);
        if (r < 0)
                return r;
        if (restore_driver) {
                r = driver_loaded(ctx, restore_driver);
                if (r < 0)
                        return r == -ENOTDIR ? -ENOENT : r;
        }
        r = hisi_pci_read_driver(ctx, a, &cur);
        if (r < 0)
                return r;
        r = read_override(ctx, a, &prev_override);
        if (r < 0)
                return r;

        if (!streq_ptr(cur, HISI_VFIO_DRIVER)) {
                /* Not ours (any more): drop our override, if it is ours, and leave the rest. An
                 * override naming another driver belongs to whoever set it. */
                if (streq_ptr(prev_override, HISI_VFIO_DRIVER))
                        return hisi_pci_write_override(ctx, a, NULL);
                return 0;
        }

        /* Without a driver to restore, the probe binds the host driver if it is loaded. */
        want = restore_driver;
        if (!want && driver_loaded(ctx, hisi_kind_host_driver(kind)) >= 0)
                want = hisi_kind_host_driver(kind);

        deadline = deadline_after(timeout_usec);
        r = hisi_pci_write_override(ctx, a, NULL);
        if (r < 0)
                goto undo;
        r = hisi_pci_unbind_driver(ctx, a);
        if (r < 0)
                goto undo;
        r = wait_driver(ctx, a, NULL, deadline);
        if (r < 0)
                goto undo;
        r = restore_driver ? bind_driver(ctx, a, restore_driver) : hisi_pci_probe(ctx, a);
        if (r < 0)
                goto undo;
        if (want) {
                r = wait_driver(ctx, a, want, deadline);
                if (r < 0)
                        goto undo;
        }
        return 0;

undo:
        (void)restore(ctx, a, prev_override, HISI_VFIO_DRIVER, timeout_usec);
        return r;
}

int hisi_pci_write_override(hisi_ctx *ctx, const char *address, const char *driver) {
        _cleanup_free_ char *p = NULL;
        char a[HISI_PCI_ADDRESS_MAX];
        int r;

        if (!ctx || !address)
                return -EINVAL;
        if (driver && (strlen(driver) > OVERRIDE_MAX_LEN || strchr(driver, '\n')))
                return -EINVAL;
        r = hisi_pci_address_normalize(address, a);
        if (r < 0)
                return r;
        r = hisi_ctx_pathf(ctx, &p, "/sys/bus/pci/devices/%s/driver_override", a);
        if (r < 0)
                return r;
        /* A lone newline clears it, in every kernel since driver_override exists. */
        r = write_string_file(p, driver && driver[0] != '\0' ? driver : "\n");
        if (r == -ENOENT)
                return attr_missing(ctx, a, -EOPNOTSUPP);
        return r;
}

int hisi_pci_unbind_driver(hisi_ctx *ctx, const char *address) {
        _cleanup_free_ char *p = NULL;
        char a[HISI_PCI_ADDRESS_MAX];
        int r;

        if (!ctx || !address)
                return -EINVAL;
        r = hisi_pci_address_normalize(address, a);
        if (r < 0)
                return r;
        r = hisi_ctx_pathf(ctx, &p, "/sys/bus/pci/devices/%s/driver/unbind", a);
        if (r < 0)
                return r;
        r = write_string_file(p, a);
        if (r == -ENOENT) /* no driver link: nothing bound */
                return attr_missing(ctx, a, 0);
        return r;
}

int hisi_pci_probe(hisi_ctx *ctx, const char *address) {
        _cleanup_free_ char *p = NULL;
        char a[HISI_PCI_ADDRESS_MAX];
        int r;

        if (!ctx || !address)
                return -EINVAL;
        r = hisi_pci_address_normalize(address, a);
        if (r < 0)
                return r;
        r = hisi_ctx_path(ctx, "/sys/bus/pci/drivers_probe", &p);
        if (r < 0)
                return r;
        return write_string_file(p, a);
}

int hisi_pci_read_driver(hisi_ctx *ctx, const char *address, char **ret) {
        _cleanup_free_ char *p = NULL;
        char a[HISI_PCI_ADDRESS_MAX];
        char *d = NULL;
        int r;

        if (!ctx || !address || !ret)
                return -EINVAL;
        r = hisi_pci_address_normalize(address, a);
        if (r < 0)
                return r;
        r = hisi_ctx_pathf(ctx, &p, "/sys/bus/pci/devices/%s/driver", a);
        if (r < 0)
                return r;
        r = readlink_basename(p, &d);
        if (r == -ENOENT) {
                r = device_exists(ctx, a);
                if (r < 0)
                        return r;
        } else if (r < 0)
                return r;
        *ret = d;
        return 0;
}
