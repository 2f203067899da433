/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One HiSilicon accelerator PF or VF in the daemon's registry: what sysfs says about it (its
 * facts, libhisi's hisi_pci_dev), what the binding policy decided and why, the state of binding
 * it (a DeviceBinding, device-binding.h), and (for the migration issue) its control mode,
 * migration flags and Migration once the daemon has opened it. A VF is one D-Bus object
 * (device-bus.c); PFs are listed by the Manager.
 *
 * device_update() takes fresh facts and says which D-Bus properties changed, so that a uevent
 * becomes exactly one PropertiesChanged signal with exactly what changed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "bind-policy.h"
#include "device-binding.h"
#include "hisi/migdev.h"
#include "hisi/pci-device.h"
#include "log.h"

typedef struct Manager Manager;
typedef struct Migration Migration;

/* Who drives a VF's migration (ARCHITECTURE.md, "Two ways a VF is used"). */
typedef enum DeviceControlMode {
        DEVICE_CONTROL_NONE,     /* the daemon has not opened it */
        DEVICE_CONTROL_OWNED,    /* the daemon holds its VFIO device */
        DEVICE_CONTROL_VMM_HELD, /* a VMM holds it and drives its migration */
        _DEVICE_CONTROL_MODE_MAX,
        _DEVICE_CONTROL_MODE_INVALID = -EINVAL,
} DeviceControlMode;

const char *device_control_mode_to_string(DeviceControlMode m);
DeviceControlMode device_control_mode_from_string(const char *s);

/* The Device interface's properties that can change, as bits for device_bus_send_changed(). */
enum {
        DEVICE_PROP_DRIVER = 1u << 0, /* Driver, Bound */
        DEVICE_PROP_DRIVER_OVERRIDE = 1u << 1,
        DEVICE_PROP_IOMMU_GROUP = 1u << 2,
        DEVICE_PROP_VFIO_DEVICE = 1u << 3,
        DEVICE_PROP_POLICY = 1u << 4, /* Policy, PolicyReason */
        DEVICE_PROP_BIND_STATE = 1u << 5,
        DEVICE_PROP_LAST_ERROR = 1u << 6,
        DEVICE_PROP_BIND_ATTEMPTS = 1u << 7,
        DEVICE_PROP_LIBVIRT_DOMAIN = 1u << 8,
        DEVICE_PROP_CONTROL_MODE = 1u << 9,
        DEVICE_PROP_MIGRATION = 1u << 10,   /* MigrationFlags, MigrationState */
        DEVICE_PROP_PF = 1u << 11,          /* PF, VFIndex */
        DEVICE_PROP_SRIOV = 1u << 12,       /* a PF's VF counts: the Manager's PhysicalFunctions */
        DEVICE_PROP_OWNER = 1u << 13,       /* Owner */
        DEVICE_PROP_RESERVATION = 1u << 14, /* ReservedFor, ReservedUntil */
};

typedef struct Device {
        Manager *manager;
        hisi_pci_dev facts;
        char *object_path; /* VFs only */

        /* The binding policy's verdict (VFs). */
        BindDecision policy;
        BindReason policy_reason;
        char *policy_reason_text;
        char *libvirt_domain; /* the domain that has it as a managed='yes' hostdev, or NULL */

        DeviceBinding binding;

        /* Set by the migration code once it opens the VF. */
        DeviceControlMode control_mode;
        uint64_t migration_flags;
        char *migration_state;  /* NULL until opened */
        Migration *migration;   /* the migration that has it (source or destination), or NULL */
        hisi_migdev *migdev;    /* its migration device while the daemon holds it (device-hold.c) */
        uint64_t released_usec; /* when the daemon last let it go (CLOCK_MONOTONIC), or 0 */

        /* A libvirt domain's claim (manager-reservation.c): reserved by the migration hook
         * until reserved_until (CLOCK_MONOTONIC), or held while the domain runs (0). */
        char *reserved_for;
        uint64_t reserved_until;
        sd_event_source *reservation_timer;
} Device;

/* Takes the facts (they are left empty). */
int device_new(Manager *m, hisi_pci_dev *facts, Device **ret);
Device *device_free(Device *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(Device *, device_free);

static inline bool device_is_vf(const Device *d) {
        return d->facts.is_vf;
}
static inline const char *device_address(const Device *d) {
        return d->facts.address;
}
static inline const char *device_kind_string(const Device *d) {
        return hisi_kind_to_string(d->facts.kind);
}
/* Bound to hisi_acc_vfio_pci. */
bool device_is_bound(const Device *d);
/* Who has the VF: "hisi-accmigd", "libvirt", "host-driver", "other-driver" or "none". */
const char *device_owner(const Device *d);

/* Take fresh facts (left empty); returns the DEVICE_PROP_* bits that changed. */
unsigned device_update(Device *d, hisi_pci_dev *facts);

/* Setters that return the DEVICE_PROP_* bits that changed (0 when nothing did). */
unsigned device_set_bind_state(Device *d, DeviceBindState s);
unsigned device_set_last_error(Device *d, const char *error);
unsigned device_set_policy(Device *d, BindDecision decision, BindReason reason, const char *text);
unsigned device_set_libvirt_domain(Device *d, const char *domain);

/* The facts the binding policy reads. */
void device_bind_facts(const Device *d, BindFacts *ret);

/* device-hold.c: open the VF's migration device once and keep it (control mode "owned");
 * release it (the kernel resets the VF); read its state and flags into the properties
 * (returns the DEVICE_PROP_ bits that changed). */
int device_hold(Device *d, hisi_migdev **ret);
/* Hold the device fd the fd store kept across a restart (takes fd, even on failure). */
int device_adopt(Device *d, int fd);
void device_release(Device *d);
unsigned device_refresh_migration(Device *d);
/* The same for a state the daemon itself just set, without asking the device again (the flags
 * do not change while it is open). */
unsigned device_note_migration_state(Device *d, hisi_mig_state state);

/* Add the structured log fields (HISI_VF=, HISI_PF=, HISI_KIND=) to f. */
void device_log_fields(const Device *d, LogFields *f);

#define log_device_full_errno(d, level, error, ...)                                                \
        ({                                                                                         \
                LogFields _f_ = {};                                                                \
                device_log_fields((d), &_f_);                                                      \
                log_full_errno_fields((level), (error), &_f_, __VA_ARGS__);                        \
        })
#define log_device_debug(d, ...)              log_device_full_errno(d, LOG_DEBUG, 0, __VA_ARGS__)
#define log_device_info(d, ...)               log_device_full_errno(d, LOG_INFO, 0, __VA_ARGS__)
#define log_device_notice(d, ...)             log_device_full_errno(d, LOG_NOTICE, 0, __VA_ARGS__)
#define log_device_warning(d, ...)            log_device_full_errno(d, LOG_WARNING, 0, __VA_ARGS__)
#define log_device_error_errno(d, error, ...) log_device_full_errno(d, LOG_ERR, error, __VA_ARGS__)
#define log_device_warning_errno(d, error, ...)                                                    \
        log_device_full_errno(d, LOG_WARNING, error, __VA_ARGS__)
