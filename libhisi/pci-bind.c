/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Binding a VF to hisi_acc_vfio_pci and back (see pci-bind.h): the checks, then the bind plan
 * (bind-plan.h) carried out with blocking writes, the driver link polled with a short backoff
 * while the plan waits. The plan decides every write and the undo; this file only reads what
 * the plan needs to know and makes the writes.
 */

#include <assert.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "file-util.h"
#include "hisi/bind-plan.h"
#include "hisi/kind.h"
#include "macro.h"
#include "parse-util.h"
#include "hisi/pci-address.h"
#include "hisi/pci-bind.h"
#include "string-util.h"
#include "time-util.h"

#define POLL_FIRST_USEC  1000ULL
#define POLL_MAX_USEC    50000ULL
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

/* The public calls' arguments: a context, and an address normalized into a. */
static int normalize(hisi_ctx *ctx, const char *address, char a[static HISI_PCI_ADDRESS_MAX]) {
        if (!ctx || !address)
                return -EINVAL;
        return hisi_pci_address_normalize(address, a);
}

/* The path of a device's attribute, the address normalized into a. */
static int attr_path(hisi_ctx *ctx, const char *address, const char *attr,
                     char a[static HISI_PCI_ADDRESS_MAX], char **ret) {
        int r;

        r = normalize(ctx, address, a);
        if (r < 0)
                return r;
        return hisi_ctx_pathf(ctx, ret, "/sys/bus/pci/devices/%s/%s", a, attr);
}

/* -ENOENT when opening a device's attribute: the device is gone (-ENODEV), or else the
 * attribute is missing (missing). */
static int attr_missing(hisi_ctx *ctx, const char *address, int missing) {
        int r = device_exists(ctx, address);

        return r < 0 ? r : missing;
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

static int bind_driver(hisi_ctx *ctx, const char *address, const char *driver) {
        _cleanup_free_ char *p = NULL;
        int r;

        if (!driver_name_valid(driver))
                return -EINVAL;
        r = hisi_ctx_pathf(ctx, &p, "/sys/bus/pci/drivers/%s/bind", driver);
        if (r < 0)
                return r;
        r = write_string_file(p, address);
        if (r == -ENOENT) /* no such driver (any more) */
                return attr_missing(ctx, address, -ENOENT);
        return r;
}

/*
 * Carry out the plan with blocking writes, polling the driver link with a short backoff while
 * the plan waits, until its verdict. The deadlines are the plan's.
 */
static int drive(hisi_ctx *ctx, const char *address, hisi_bind_plan *plan,
                 const hisi_bind_facts *facts) {
        uint64_t deadline = UINT64_MAX, delay = POLL_FIRST_USEC;
        hisi_bind_action a;
        int r;

        r = hisi_bind_plan_start(plan, facts, &a);
        if (r < 0)
                return r;
        for (;;) {
                _cleanup_free_ char *cur = NULL;
                hisi_bind_observation o = {};
                uint64_t now;

                switch (a.verb) {
                case HISI_BIND_DONE:
                        return a.error;
                case HISI_BIND_WRITE:
                        if (a.deadline_usec > 0) {
                                deadline = deadline_after(a.deadline_usec);
                                delay = POLL_FIRST_USEC;
                        }
                        o.write_returned = true;
                        o.write_error = hisi_pci_bind_write(ctx, address, a.attr, a.value);
                        break;
                case HISI_BIND_WAIT:
                        now = now_usec(CLOCK_MONOTONIC);
                        if (now >= deadline) {
                                o.timed_out = true;
                                break;
                        }
                        sleep_usec(MIN(delay, deadline - now));
                        delay = MIN(delay * 2, POLL_MAX_USEC);
                        break;
                case _HISI_BIND_VERB_MAX:
                case _HISI_BIND_VERB_INVALID:
                        assert(false);
                        return -EINVAL;
                }
                r = hisi_pci_read_driver(ctx, address, &cur);
                o.read_error = MIN(r, 0);
                o.driver = cur;
                r = hisi_bind_plan_next(plan, &o, &a);
                if (r < 0)
                        return r;
        }
}

/* Whether the plan's target driver is loaded; an error only when the plan needs it. */
static int target_loaded(hisi_ctx *ctx, const hisi_bind_plan *plan, bool required, bool *ret) {
        int r = hisi_pci_driver_loaded(ctx, hisi_bind_plan_target_driver(plan));

        if (r < 0 && required)
                return r;
        *ret = r > 0;
        return 0;
}

/*
 * Read what the plan needs to know about the VF (nothing changes until it starts), then carry it
 * out. The plan's target driver must be loaded when target_required (else the plan decides).
 */
static int run_plan(hisi_ctx *ctx, const char *address, hisi_bind_op op, unsigned flags,
                    const char *restore_driver, bool target_required, uint64_t timeout_usec,
                    hisi_bind_plan **ret_plan) {
        _cleanup_(hisi_bind_plan_freep) hisi_bind_plan *plan = NULL;
        _cleanup_free_ char *cur = NULL, *override = NULL;
        char a[HISI_PCI_ADDRESS_MAX];
        hisi_bind_facts facts = {};
        hisi_kind kind;
        int r;

        r = hisi_pci_address_normalize(address, a);
        if (r < 0)
                return r;
        r = check_vf(ctx, a, &kind);
        if (r < 0)
                return r;
        r = hisi_bind_plan_new(op, kind, a, flags, restore_driver, timeout_usec, &plan);
        if (r < 0)
                return r;
        r = target_loaded(ctx, plan, target_required, &facts.target_loaded);
        if (r < 0)
                return r;
        r = hisi_pci_read_override(ctx, a, &override); /* -EOPNOTSUPP: no driver_override */
        if (r < 0)
                return r;
        r = hisi_pci_read_driver(ctx, a, &cur);
        if (r < 0)
                return r;
        facts.driver = cur;
        facts.override = override;

        r = drive(ctx, a, plan, &facts);
        if (r < 0)
                return r;
        *ret_plan = TAKE_PTR(plan);
        return 0;
}

int hisi_pci_bind_vfio(hisi_ctx *ctx, const char *address, unsigned flags, uint64_t timeout_usec,
                       char **ret_prev_driver) {
        _cleanup_(hisi_bind_plan_freep) hisi_bind_plan *plan = NULL;
        int r;

        if (!ctx || !address || (flags & ~(unsigned)HISI_BIND_FORCE))
                return -EINVAL;
        r = run_plan(ctx, address, HISI_BIND_OP_BIND, flags, NULL, true, timeout_usec, &plan);
        if (r < 0)
                return r;
        if (ret_prev_driver) {
                const char *prev = hisi_bind_plan_prev_driver(plan);
                char *copy = NULL;

                if (prev) {
                        copy = strdup(prev);
                        if (!copy)
                                return -ENOMEM;
                }
                *ret_prev_driver = copy;
        }
        return 0;
}

int hisi_pci_unbind_vfio(hisi_ctx *ctx, const char *address, const char *restore_driver,
                         uint64_t timeout_usec) {
        _cleanup_(hisi_bind_plan_freep) hisi_bind_plan *plan = NULL;

        if (!ctx || !address || (restore_driver && !driver_name_valid(restore_driver)))
                return -EINVAL;
        /* A restore driver must be there; the host driver only decides what the probe does. */
        return run_plan(ctx, address, HISI_BIND_OP_UNBIND, 0, restore_driver,
                        restore_driver != NULL, timeout_usec, &plan);
}

int hisi_pci_bind_write(hisi_ctx *ctx, const char *address, hisi_bind_attr attr,
                        const char *value) {
        char a[HISI_PCI_ADDRESS_MAX];
        int r;

        r = normalize(ctx, address, a);
        if (r < 0)
                return r;
        switch (attr) {
        case HISI_BIND_ATTR_DRIVER_OVERRIDE:
                return hisi_pci_write_override(ctx, a, value);
        case HISI_BIND_ATTR_UNBIND:
                return hisi_pci_unbind_driver(ctx, a);
        case HISI_BIND_ATTR_DRIVERS_PROBE:
                return hisi_pci_probe(ctx, a);
        case HISI_BIND_ATTR_DRIVER_BIND:
                return bind_driver(ctx, a, value);
        case _HISI_BIND_ATTR_MAX:
        case _HISI_BIND_ATTR_INVALID:
                break;
        }
        return -EINVAL;
}

int hisi_pci_driver_loaded(hisi_ctx *ctx, const char *driver) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        int r;

        if (!ctx || !driver_name_valid(driver))
                return -EINVAL;
        r = hisi_ctx_pathf(ctx, &p, "/sys/bus/pci/drivers/%s", driver);
        if (r < 0)
                return r;
        if (stat(p, &st) < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : negative_errno();
        return S_ISDIR(st.st_mode);
}

int hisi_pci_read_override(hisi_ctx *ctx, const char *address, char **ret) {
        _cleanup_free_ char *p = NULL, *s = NULL;
        char a[HISI_PCI_ADDRESS_MAX];
        int r;

        if (!ret)
                return -EINVAL;
        r = attr_path(ctx, address, "driver_override", a, &p);
        if (r < 0)
                return r;
        r = read_one_line_file(p, &s);
        if (r == -ENOENT)
                return attr_missing(ctx, a, -EOPNOTSUPP);
        if (r < 0)
                return r;
        /* "(null)" in sysfs; "" or "\n" in a fake tree. */
        if (s[0] == '\0' || streq(s, "(null)"))
                s = mfree(s);
        *ret = TAKE_PTR(s);
        return 0;
}

int hisi_pci_write_override(hisi_ctx *ctx, const char *address, const char *driver) {
        _cleanup_free_ char *p = NULL;
        char a[HISI_PCI_ADDRESS_MAX];
        int r;

        if (driver && (strlen(driver) > OVERRIDE_MAX_LEN || strchr(driver, '\n')))
                return -EINVAL;
        r = attr_path(ctx, address, "driver_override", a, &p);
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

        r = attr_path(ctx, address, "driver/unbind", a, &p);
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

        r = normalize(ctx, address, a);
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

        if (!ret)
                return -EINVAL;
        r = attr_path(ctx, address, "driver", a, &p);
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
