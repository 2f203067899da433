/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's state: the event loop, the bus, the config, and the registry of every HiSilicon
 * PF and VF udev shows. manager.c runs the life cycle (start, reload, stop) and keeps the
 * registry in step with udev; manager-bind.c applies the binding policy and runs the bind jobs,
 * with plain arguments and results; manager-bus.c is the Manager's D-Bus interface and
 * device-bus.c each VF's: the bus layer alone knows messages, replies and the caller check.
 *
 * Start-up, in this order: the bus connection with its objects, the udev monitor, the
 * enumeration into the registry, the bus name; then READY=1. The binding policy runs after that
 * (after the libvirt scan, when enabled): binding takes time, and status queries are answered
 * meanwhile.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "accmig-bus.h"
#include "backend-watch.h"
#include "bind-job.h"
#include "bus-waiters.h"
#include "conf.h"
#include "device-monitor.h"
#include "device.h"
#include "hisi/ctx.h"
#include "libvirt-scan.h"
#include "sysfs-write.h"

typedef enum ManagerState {
        MANAGER_STARTING,  /* building the registry */
        MANAGER_RUNNING,   /* serving */
        MANAGER_RELOADING, /* reading the config again */
        MANAGER_STOPPING,  /* letting jobs finish before exiting */
        _MANAGER_STATE_MAX,
        _MANAGER_STATE_INVALID = -EINVAL,
} ManagerState;

const char *manager_state_to_string(ManagerState s);
ManagerState manager_state_from_string(const char *s);

typedef enum LibvirtState {
        LIBVIRT_DISABLED,    /* libvirt.enabled is off */
        LIBVIRT_SCANNING,    /* the helper runs */
        LIBVIRT_AVAILABLE,   /* the last scan worked */
        LIBVIRT_UNAVAILABLE, /* the last scan failed: LibvirtError says why */
        _LIBVIRT_STATE_MAX,
        _LIBVIRT_STATE_INVALID = -EINVAL,
} LibvirtState;

const char *libvirt_state_to_string(LibvirtState s);
LibvirtState libvirt_state_from_string(const char *s);

/* Manager properties that change, as bits for manager_bus_send_changed(). */
enum {
        MANAGER_PROP_STATE = 1u << 0,
        MANAGER_PROP_CONFIG = 1u << 1,    /* Backend, BindPolicy */
        MANAGER_PROP_COUNTS = 1u << 2,    /* DeviceCount, BoundCount, FailedCount, PendingJobs */
        MANAGER_PROP_PFS = 1u << 3,       /* PhysicalFunctions */
        MANAGER_PROP_LIBVIRT = 1u << 4,   /* LibvirtState, LibvirtError, LibvirtManaged */
        MANAGER_PROP_PEER = 1u << 5,      /* PeerListen, PeerError */
        MANAGER_PROP_OVERRIDES = 1u << 6, /* Overrides */
        MANAGER_PROP_STUCK = 1u << 7,     /* StuckWrites */
        MANAGER_PROP_BACKEND = 1u << 8,   /* State, BackendError */
};

/* The counts the Manager publishes (and STATUS= tells). */
typedef struct ManagerCounts {
        unsigned vfs;     /* DeviceCount */
        unsigned bound;   /* BoundCount: VFs on hisi_acc_vfio_pci */
        unsigned failed;  /* FailedCount: VFs whose last job failed */
        unsigned pending; /* PendingJobs: running and queued */
} ManagerCounts;

typedef struct Manager Manager;

/* A VF's bind or unbind job ended, or never will (the VF went away, the daemon stops before it
 * started): error 0 or a negative errno, and a sentence for people. The bus layer answers the
 * calls that wait on it. */
typedef void (*manager_bind_done_t)(Manager *m, Device *d, int error, const char *message);

struct Manager {
        sd_event *event;
        sd_bus *bus;
        hisi_ctx *ctx;
        Config config;
        char *config_path;
        /* The operator's persistent bindings (manager-bind.c): read at the first use. */
        struct BindOverrides *overrides;
        ManagerState state;
        int exit_code;

        DeviceMonitor *monitor;
        Device **devices; /* PFs and VFs, sorted by address */
        size_t n_devices;
        bool limit_warned; /* limits.max_devices was reached once already */

        /* Bind jobs: at most limits.max_concurrent_binds run, the rest wait in order. */
        Device **queue;
        size_t n_queue;
        unsigned jobs_running;

        LibvirtScan *libvirt_scan;
        LibvirtState libvirt_state;
        char *libvirt_error;
        LibvirtHostdev *libvirt_hostdevs;
        size_t n_libvirt_hostdevs;
        bool policy_after_scan; /* apply the policy to every VF when the scan ends */
        /* libvirt's events followed (manager-libvirt.c); Hold calls waiting for binds
         * (manager-reservation.c). */
        struct ManagerLibvirt *libvirt;
        struct ManagerHold *holds;

        /* The peer link (manager-peer.c): NULL when it could not start (peer_error says why). */
        struct PeerLink *peer_link;
        char *peer_error;
        struct ManagerCheck *checks; /* asked of other hosts, in flight */

        /* Migrations (manager-migration.c), both roles, running and finished (the newest
         * limits.kept_migrations finished ones stay listed). The list holds a reference. */
        struct Migration *migrations;
        unsigned n_migrations;
        /* Their in-flight records (migration-record.h): <runtime_directory>/migrations. */
        char *records_dir;
        int records_fd;               /* that directory, open: the records are written through it */
        uint64_t records_pruned_usec; /* when expired outcomes were last looked for */

        /* The bus layer's: the calls that wait for a job, and how it hears that a job ended. */
        BusWaiters *bind_waiters;
        manager_bind_done_t bind_done;

        /* Every sysfs write runs in a child of the writer (sysfs-write.h). */
        SysfsWriter *writer;
        /* Reading the registry again is due (uevents were lost; the host came back). */
        sd_event_source *resync;
        /* Whether the migration backend is there (backend-watch.h). */
        BackendWatch *backend_watch;

        sd_event_source *sigterm, *sigint, *sighup;
        sd_event_source *stop_timer;
        ManagerCounts last_counts; /* as last published */
        char *last_status;         /* the last STATUS= sent */
};

/* Takes the config (left empty). */
int manager_new(const char *config_path, Config *config, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Everything up to READY=1 (which it sends). */
int manager_start(Manager *m);
/* The event loop; returns the exit status. */
int manager_run(Manager *m);
/* Read the config file again (SIGHUP, Reload()). A bad file leaves the running config as it is:
 * -EINVAL and *ret_error (may be NULL) says why; the error is logged here. */
int manager_reload(Manager *m, char **ret_error);
/* SIGTERM: no new work; exit once running jobs are done, or after MANAGER_STOP_JOBS_USEC at
 * most, when they are given up (their write children killed). A second one: exit now. */
void manager_stop(Manager *m);
/* The State property: the state's name, or "degraded" while running without the backend. */
const char *manager_state_string(const Manager *m);
/* Read every device again from udev and make the registry what it finds, soon (from the event
 * loop, once however often asked): after lost uevents, or when the host came back. */
void manager_resync(Manager *m, const char *why);

Device *manager_find_device(Manager *m, const char *address);
/* Accepts "75:00.1" and upper case; NULL when unknown or not a VF. */
Device *manager_find_vf(Manager *m, const char *address);
size_t manager_count_vfs(Manager *m);
void manager_get_counts(Manager *m, ManagerCounts *ret);

/* A device's properties changed: PropertiesChanged, and the Manager's counters. */
void manager_device_changed(Manager *m, Device *d, unsigned device_props);
/* The Manager's own properties changed. */
void manager_changed(Manager *m, unsigned manager_props);
/* STATUS= for the service manager, from the current counts and state. */
void manager_notify_status(Manager *m);

/* manager-recovery.c: before READY=1, take back the devices the fd store kept and settle every
 * migration its record names (issue 12). */
int manager_recover(Manager *m);

/* manager-bind.c */
void manager_apply_policy(Manager *m, Device *d);
void manager_apply_policy_all(Manager *m);
/* After a device's facts were read again on a uevent. */
void manager_bind_on_uevent(Manager *m, Device *d, sd_device_action_t action);
/* Before a device leaves the registry: its job ends, reported as -ENODEV (-ESHUTDOWN when the
 * daemon stops) through bind_done. */
void manager_bind_forget(Manager *m, Device *d);
/* After jobs were forgotten: start queued ones in the freed slots, exit when stopping. */
void manager_bind_resume(Manager *m);
/* The daemon stops and its running jobs did not end in time: give them up (-ESHUTDOWN); their
 * write children are killed. */
void manager_bind_abort_running(Manager *m);
/* A write child that was stuck in the kernel ended at last (the writer's callback): its VF may
 * get jobs again. */
void manager_bind_unstuck(Manager *m, const char *address);
/*
 * An explicit Bind or Unbind of a VF. 0: a job started, was queued, or (the same request) runs
 * already; its end comes through bind_done. A refusal is a negative errno with *ret_message, a
 * sentence for people (NULL when it could not be made):
 *   -ESHUTDOWN   the daemon is stopping
 *   -EOPNOTSUPP  d is a PF
 *   -EBUSY       a job of the other type runs
 *   -EPERM       the policy's checks refuse a Bind without force: *ret_reason says which
 * persistent: record the request in the persistent bindings (bind-overrides.h) before the job
 * starts; without it, a record of the other type for d ends. A record that cannot be written
 * refuses the request with its errno and a message.
 * Any other negative errno is a failure to queue the job.
 */
int manager_bind_request(Manager *m, Device *d, BindJobType type, bool force, bool persistent,
                         BindReason *ret_reason, char **ret_message);
/* The persistent bindings, read from the state directory at the first call; NULL on -ENOMEM. */
struct BindOverrides *manager_bind_overrides(Manager *m);
/* Start the libvirt scan (at start, on reload, before a policy run when it is stale), and the
 * follower of libvirt's events when it does not run (manager-libvirt.h). */
void manager_libvirt_rescan(Manager *m, bool then_apply_policy);
/* What libvirt manages (managed='yes'), from the follower: the whole list (taken), or one
 * domain's part of it. */
void manager_libvirt_set_hostdevs(Manager *m, LibvirtHostdev *hostdevs, size_t n);
void manager_libvirt_set_domain(Manager *m, const char *domain, char *const *managed);
unsigned manager_pending_jobs(Manager *m);

/* manager-bus.c */
int manager_bus_setup(Manager *m);
int manager_bus_request_name(Manager *m);
void manager_bus_send_changed(Manager *m, unsigned manager_props);
/* manager-migration.c: the registry of migrations. */
struct Migration *manager_find_migration(Manager *m, const char *id);
void manager_add_migration(Manager *m, struct Migration *mig);
void manager_remove_migration(Manager *m, struct Migration *mig);
unsigned manager_count_migrations(Manager *m); /* running ones */
void manager_migration_finished(Manager *m, struct Migration *mig);
void manager_migrations_stop(Manager *m);

/* manager-bus-migration.c: Migrate() and the Migration objects' registry on the bus. */
int manager_bus_method_migrate(sd_bus_message *message, void *userdata, sd_bus_error *error);
int manager_bus_migration_setup(Manager *m);
int manager_bus_method_take_device(sd_bus_message *message, void *userdata, sd_bus_error *error);
int manager_bus_method_release_device(sd_bus_message *message, void *userdata, sd_bus_error *error);

/* manager-bus-reservation.c: Reserve(), Hold() and Release() for the libvirt hook. */
int manager_bus_method_reserve(sd_bus_message *message, void *userdata, sd_bus_error *error);
int manager_bus_method_hold(sd_bus_message *message, void *userdata, sd_bus_error *error);
int manager_bus_method_release(sd_bus_message *message, void *userdata, sd_bus_error *error);

/* manager-bus-peer.c: the peer part of the Manager interface. */
int manager_bus_method_check(sd_bus_message *message, void *userdata, sd_bus_error *error);
int manager_bus_property_peer_listen(sd_bus *bus, const char *path, const char *interface,
                                     const char *property, sd_bus_message *reply, void *userdata,
                                     sd_bus_error *error);
int manager_bus_property_peer_error(sd_bus *bus, const char *path, const char *interface,
                                    const char *property, sd_bus_message *reply, void *userdata,
                                    sd_bus_error *error);
/* A Bind or Unbind method call on d, from either interface, its caller checked already
 * (manager_bus_bind_verify_caller()): the flags, the request, and the reply when the job ends.
 * Returns as a method handler does. */
int manager_bus_bind_request(Manager *m, Device *d, BindJobType type, uint64_t flags,
                             sd_bus_message *message, sd_bus_error *error);
/* Whether the caller of a Bind or Unbind may (root, or polkit's yes; a stopping daemon refuses
 * anyone): checked before its arguments are read. Returns < 0 with error set, 0 when it may, > 0
 * while polkit is asked (the handler returns 1; the call comes again). */
int manager_bus_bind_verify_caller(Manager *m, sd_bus_message *message, sd_bus_error *error);
