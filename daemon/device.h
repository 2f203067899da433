/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One HiSilicon accelerator PF or VF in the daemon's registry: what sysfs says about it (its
 * DeviceFacts), what the binding policy decided and why, the state of binding it, and (for the
 * migration issue) its control mode and migration flags once the daemon has opened it. A VF is
 * one D-Bus object (device-bus.c); PFs are listed by the Manager.
 *
 * device_update() takes fresh facts and says which D-Bus properties changed, so that a uevent
 * becomes exactly one PropertiesChanged signal with exactly what changed.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bind-policy.h"
#include "device-facts.h"
#include "log.h"

typedef struct Manager Manager;
typedef struct BindJob BindJob;

/* Where binding a VF stands. */
typedef enum DeviceBindState {
        DEVICE_BIND_IDLE,      /* nothing in progress, nothing failed */
        DEVICE_BIND_QUEUED,    /* a job waits for a free slot (limits.max_concurrent_binds) */
        DEVICE_BIND_BINDING,   /* a bind job runs */
        DEVICE_BIND_UNBINDING, /* an unbind job runs */
        DEVICE_BIND_FAILED,    /* the last job failed: LastError says why; no retry until
                                * something changes (see manager-bind.c) */
        _DEVICE_BIND_STATE_MAX,
        _DEVICE_BIND_STATE_INVALID = -EINVAL,
} DeviceBindState;

const char *device_bind_state_to_string(DeviceBindState s);

/* Who drives a VF's migration (ARCHITECTURE.md, "Two ways a VF is used"). */
typedef enum DeviceControlMode {
        DEVICE_CONTROL_NONE,     /* the daemon has not opened it */
        DEVICE_CONTROL_OWNED,    /* the daemon holds its VFIO device */
        DEVICE_CONTROL_VMM_HELD, /* a VMM holds it and drives its migration */
        _DEVICE_CONTROL_MODE_MAX,
        _DEVICE_CONTROL_MODE_INVALID = -EINVAL,
} DeviceControlMode;

const char *device_control_mode_to_string(DeviceControlMode m);

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
        DEVICE_PROP_MIGRATION = 1u << 10, /* MigrationFlags, MigrationState */
        DEVICE_PROP_PF = 1u << 11,        /* PF, VFIndex */
        DEVICE_PROP_SRIOV = 1u << 12,     /* a PF's VF counts: the Manager's PhysicalFunctions */
        DEVICE_PROP_OWNER = 1u << 13,     /* Owner */
};

typedef struct Device {
        Manager *manager;
        DeviceFacts facts;
        char *object_path; /* VFs only */

        /* The binding policy's verdict (VFs). */
        BindDecision policy;
        BindReason policy_reason;
        char *policy_reason_text;
        char *libvirt_domain; /* the domain that has it as a managed='yes' hostdev, or NULL */

        /* Binding. */
        DeviceBindState bind_state;
        BindJob *job;         /* running or queued */
        bool job_queued;      /* in the manager's queue, not started */
        bool job_by_operator; /* an explicit Bind/Unbind call, not the policy */
        char *last_error;
        unsigned bind_attempts; /* bind jobs started, since the daemon started */
        unsigned failures;      /* consecutive failed bind jobs: the backoff's exponent */
        uint64_t retry_after;   /* CLOCK_MONOTONIC usec before which no policy retry runs */
        bool retry_armed;       /* something changed since the failure: the policy may retry */
        char *failed_driver;    /* the driver and override after the failure, to tell a change */
        char *failed_override;
        sd_event_source *retry_timer;
        bool released; /* an explicit Unbind: the policy leaves it until Bind or a reload */
        sd_bus_message **waiters; /* Bind/Unbind calls answered when the job ends */
        size_t n_waiters;

        /* Set by the migration code once it opens the VF. */
        DeviceControlMode control_mode;
        uint64_t migration_flags;
        char *migration_state; /* NULL until opened */
} Device;

/* Takes the facts (they are left empty). */
int device_new(Manager *m, DeviceFacts *facts, Device **ret);
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
unsigned device_update(Device *d, DeviceFacts *facts);

/* Setters that return the DEVICE_PROP_* bits that changed (0 when nothing did). */
unsigned device_set_bind_state(Device *d, DeviceBindState s);
unsigned device_set_last_error(Device *d, const char *error);
unsigned device_set_policy(Device *d, BindDecision decision, BindReason reason, const char *text);
unsigned device_set_libvirt_domain(Device *d, const char *domain);

/* The facts the binding policy reads. */
void device_bind_facts(const Device *d, BindFacts *ret);

/* Structured log fields (HISI_VF=, HISI_PF=, HISI_KIND=). */
void device_log_fields(const Device *d, LogFields *ret);

#define log_device_full_errno(d, level, error, ...)                                                \
        ({                                                                                         \
                LogFields _f_;                                                                     \
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
