/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's life cycle and its registry of HiSilicon PFs and VFs (see manager.h).
 *
 * The registry follows udev: a device is read again on each of its uevents (its facts are cheap
 * to read, see device-facts.h), so the registry holds what sysfs says now, not what a uevent
 * said earlier, and a uevent handled twice changes nothing.
 */

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "bind-overrides.h"
#include "bus-util.h"
#include "device-bus.h"
#include "device-facts.h"
#include "file-util.h"
#include "log.h"
#include "manager-libvirt.h"
#include "manager-peer.h"
#include "fd-store.h"
#include "manager.h"
#include "migration-record.h"
#include "migration.h"
#include "string-table.h"
#include "string-util.h"
#include "time-util.h"

/* How long a stopping daemon lets running bind jobs finish before it gives them up. */
#define MANAGER_STOP_JOBS_USEC (2 * USEC_PER_SEC)

static const char *const manager_state_table[_MANAGER_STATE_MAX] = {
        [MANAGER_STARTING] = "starting",
        [MANAGER_RUNNING] = "running",
        [MANAGER_RELOADING] = "reloading",
        [MANAGER_STOPPING] = "stopping",
};

DEFINE_STRING_TABLE_LOOKUP(manager_state, ManagerState);

static const char *const libvirt_state_table[_LIBVIRT_STATE_MAX] = {
        [LIBVIRT_DISABLED] = "disabled",
        [LIBVIRT_SCANNING] = "scanning",
        [LIBVIRT_AVAILABLE] = "available",
        [LIBVIRT_UNAVAILABLE] = "unavailable",
};

DEFINE_STRING_TABLE_LOOKUP(libvirt_state, LibvirtState);

/* Signals go out once the registry is complete: nobody has been told of the objects before. */
static sd_bus *signal_bus(Manager *m) {
        return m->state != MANAGER_STARTING ? m->bus : NULL;
}

/* ---- The registry ---- */

/* The index of address, or where it would go (*ret_found false). */
static size_t registry_position(Manager *m, const char *address, bool *ret_found) {
        size_t lo = 0, hi = m->n_devices;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(device_address(m->devices[mid]), address);

                if (c == 0) {
                        *ret_found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *ret_found = false;
        return lo;
}

Device *manager_find_device(Manager *m, const char *address) {
        bool found;
        size_t i;

        if (!m || !address)
                return NULL;
        i = registry_position(m, address, &found);
        return found ? m->devices[i] : NULL;
}

Device *manager_find_vf(Manager *m, const char *address) {
        char a[HISI_PCI_ADDRESS_MAX];
        Device *d;

        if (!address || hisi_pci_address_normalize(address, a) < 0)
                return NULL;
        d = manager_find_device(m, a);
        return d && device_is_vf(d) ? d : NULL;
}

size_t manager_count_vfs(Manager *m) {
        size_t n = 0;

        for (size_t i = 0; i < m->n_devices; i++)
                n += device_is_vf(m->devices[i]);
        return n;
}

void manager_get_counts(Manager *m, ManagerCounts *ret) {
        ManagerCounts c = { .pending = manager_pending_jobs(m) };

        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];

                if (!device_is_vf(d))
                        continue;
                c.vfs++;
                c.bound += device_is_bound(d);
                c.failed += d->binding.state == DEVICE_BIND_FAILED ||
                            d->binding.state == DEVICE_BIND_STUCK;
        }
        *ret = c;
}

static bool counts_equal(const ManagerCounts *a, const ManagerCounts *b) {
        return a->vfs == b->vfs && a->bound == b->bound && a->failed == b->failed &&
               a->pending == b->pending;
}

const char *manager_state_string(const Manager *m) {
        if (m->state == MANAGER_RUNNING && backend_watch_error(m->backend_watch))
                return "degraded";
        return manager_state_to_string(m->state);
}

/* STATUS='s opening: what the daemon does, and what is wrong with its host. */
static char *status_head(Manager *m) {
        const char *backend = backend_watch_error(m->backend_watch);
        unsigned stuck = sysfs_writer_n_stuck(m->writer);
        char *s = NULL;

        if (asprintf(&s, "%s%s%s%s",
                     m->state == MANAGER_RUNNING ? "Watching" : manager_state_to_string(m->state),
                     backend ? " (degraded: " : "", strempty(backend), backend ? ")" : "") < 0)
                return NULL;
        if (stuck > 0) {
                char *t = NULL;

                if (asprintf(&t, "%s, %u write%s stuck in the kernel", s, stuck,
                             stuck == 1 ? "" : "s") < 0)
                        t = NULL;
                free(s);
                s = t;
        }
        return s;
}

void manager_notify_status(Manager *m) {
        _cleanup_free_ char *status = NULL, *head = status_head(m);
        ManagerCounts c;
        size_t pfs = m->n_devices - manager_count_vfs(m);

        manager_get_counts(m, &c);
        if (!head ||
            asprintf(&status,
                     "STATUS=%s: %zu PF%s, %u VF%s (%u bound, %u failed), %u bind job%s, policy %s",
                     head, pfs, pfs == 1 ? "" : "s", c.vfs, c.vfs == 1 ? "" : "s", c.bound,
                     c.failed, c.pending, c.pending == 1 ? "" : "s",
                     bind_policy_to_string(m->config.binding.policy)) < 0)
                return;
        /* Only what changed: the service manager need not hear the same line twice. */
        if (m->last_status && streq(m->last_status, status))
                return;
        (void)sd_notify(false, status);
        free(m->last_status);
        m->last_status = TAKE_PTR(status);
}

void manager_changed(Manager *m, unsigned props) {
        if (props == 0)
                return;
        manager_bus_send_changed(m, props);
        if (props & (MANAGER_PROP_COUNTS | MANAGER_PROP_STATE | MANAGER_PROP_CONFIG |
                     MANAGER_PROP_STUCK | MANAGER_PROP_BACKEND))
                manager_notify_status(m);
}

void manager_device_changed(Manager *m, Device *d, unsigned device_props) {
        ManagerCounts c;
        unsigned props = 0;

        if (d && device_props) {
                device_bus_send_changed(signal_bus(m), d, device_props);
                if (!device_is_vf(d))
                        props |= MANAGER_PROP_PFS;
        }
        manager_get_counts(m, &c);
        if (!counts_equal(&c, &m->last_counts)) {
                m->last_counts = c;
                props |= MANAGER_PROP_COUNTS;
        }
        if (m->state != MANAGER_STARTING)
                manager_changed(m, props);
}

static int registry_add(Manager *m, hisi_pci_dev *facts, Device **ret) {
        _cleanup_(device_freep) Device *d = NULL;
        Device **n;
        bool found;
        size_t i;
        int r;

        if (m->n_devices >= m->config.limits.max_devices) {
                if (!m->limit_warned)
                        log_warning("Ignoring %s and any further device: limits.max_devices (%u) "
                                    "is reached.",
                                    facts->address, m->config.limits.max_devices);
                m->limit_warned = true;
                return -ENOSPC;
        }
        i = registry_position(m, facts->address, &found);
        if (found)
                return -EEXIST;
        r = device_new(m, facts, &d);
        if (r < 0)
                return r;
        n = reallocarray(m->devices, m->n_devices + 1, sizeof(*m->devices));
        if (!n)
                return -ENOMEM;
        m->devices = n;
        memmove(m->devices + i + 1, m->devices + i, (m->n_devices - i) * sizeof(*m->devices));
        m->devices[i] = d;
        m->n_devices++;
        *ret = TAKE_PTR(d);
        return 0;
}

static void registry_remove(Manager *m, Device *d) {
        bool found, vf = device_is_vf(d);
        size_t i;

        manager_bind_forget(m, d);
        if (d->migration)
                migration_device_gone(d->migration, d);
        device_bus_send_removed(signal_bus(m), d);
        i = registry_position(m, device_address(d), &found);
        if (found) {
                memmove(m->devices + i, m->devices + i + 1,
                        (m->n_devices - i - 1) * sizeof(*m->devices));
                m->n_devices--;
        }
        if (vf)
                log_device_info(d, "VF %s (%s) is gone.", device_address(d), device_kind_string(d));
        else
                log_device_info(d, "PF %s (%s) is gone.", device_address(d), device_kind_string(d));
        if (d->migdev) {
                /* Gone for good: the store keeps nothing of it (at exit it keeps all). */
                char name[FD_STORE_NAME_MAX];

                fd_store_vf_name(device_address(d), name);
                (void)fd_store_remove(name);
        }
        device_free(d);
        manager_device_changed(m, NULL, 0);
        if (!vf && m->state != MANAGER_STARTING)
                manager_changed(m, MANAGER_PROP_PFS);
        manager_bind_resume(m);
}

/* A device udev shows now: add it, or read it again. */
static void device_seen(Manager *m, sd_device *dev, sd_device_action_t action) {
        _cleanup_(hisi_pci_dev_done) hisi_pci_dev f = {};
        const char *sysname;
        Device *d;
        unsigned changed;
        int r;

        if (sd_device_get_sysname(dev, &sysname) < 0 || !hisi_pci_address_valid(sysname))
                return;
        d = manager_find_device(m, sysname);
        if (action == SD_DEVICE_REMOVE) {
                if (d)
                        registry_remove(m, d);
                return;
        }
        /* Read sysfs as it is now: the uevent may be older than the state. */
        r = device_facts_read(m->ctx, sysname, !d, &f);
        if (r == -ENOTSUP)
                return; /* not an accelerator */
        if (r == -ENODEV) {
                if (d)
                        registry_remove(m, d);
                return;
        }
        if (r < 0) {
                log_warning_errno(r, "Failed to read %s after its %s uevent, ignoring: %m", sysname,
                                  device_action_to_string(action));
                return;
        }
        if (!d) {
                r = registry_add(m, &f, &d);
                if (r < 0) {
                        if (r != -ENOSPC && r != -EEXIST)
                                log_warning_errno(r, "Failed to add %s to the registry: %m",
                                                  sysname);
                        return;
                }
                if (m->state == MANAGER_STARTING)
                        return;
                log_device_info(d, "%s %s (%s) appeared%s%s.", device_is_vf(d) ? "VF" : "PF",
                                device_address(d), device_kind_string(d),
                                d->facts.driver ? ", on " : ", without a driver",
                                d->facts.driver ? d->facts.driver : "");
                device_bus_send_added(signal_bus(m), d);
                manager_device_changed(m, NULL, 0);
                if (!device_is_vf(d))
                        manager_changed(m, MANAGER_PROP_PFS);
                else if (m->config.libvirt.enabled)
                        /* libvirt may manage the new VF: ask before the policy binds it. */
                        manager_libvirt_rescan(m, true);
                else
                        manager_apply_policy(m, d);
                return;
        }
        changed = device_update(d, &f);
        log_device_debug(d, "%s %s of %s%s.",
                         action < 0 ? "read again" : device_action_to_string(action),
                         action < 0 ? "(resync)" : "uevent", device_address(d),
                         changed ? "" : ", nothing changed");
        manager_device_changed(m, d, changed);
        manager_bind_on_uevent(m, d, action);
}

static void on_uevent(sd_device *dev, sd_device_action_t action, void *userdata) {
        device_seen(userdata, dev, action);
}

/* ---- Reading the registry again ---- */

typedef struct Resync {
        Manager *manager;
        char **seen; /* the addresses udev shows now */
        size_t n_seen;
} Resync;

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int on_resync_each(sd_device *dev, void *userdata) {
        Resync *r = userdata;
        const char *sysname;
        char **n;

        if (sd_device_get_sysname(dev, &sysname) >= 0 && hisi_pci_address_valid(sysname)) {
                n = reallocarray(r->seen, r->n_seen + 1, sizeof(char *));
                if (!n)
                        return -ENOMEM;
                r->seen = n;
                r->seen[r->n_seen] = strdup(sysname);
                if (!r->seen[r->n_seen])
                        return -ENOMEM;
                r->n_seen++;
        }
        /* Not a uevent: what changed is read, but nothing counts as an add or a change. */
        device_seen(r->manager, dev, _SD_DEVICE_ACTION_INVALID);
        return 0;
}

static int on_resync(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        Resync r = { .manager = m };
        size_t before = m->n_devices, removed = 0;
        int k;

        m->resync = sd_event_source_disable_unref(m->resync);
        if (m->state == MANAGER_STOPPING)
                return 0;
        k = device_monitor_enumerate(m->monitor, on_resync_each, &r);
        if (k < 0)
                log_warning_errno(k, "Failed to read the devices again, keeping the registry: %m");
        else {
                qsort(r.seen, r.n_seen, sizeof(char *), compare_strings);
                /* What udev no longer shows left while we did not listen. */
                for (size_t i = m->n_devices; i > 0; i--) {
                        const char *a = device_address(m->devices[i - 1]);

                        if (!bsearch(&a, r.seen, r.n_seen, sizeof(char *), compare_strings)) {
                                registry_remove(m, m->devices[i - 1]);
                                removed++;
                        }
                }
                log_info("Read every device again: %zu device%s, %zu new, %zu gone.", m->n_devices,
                         m->n_devices == 1 ? "" : "s", m->n_devices + removed - before, removed);
        }
        for (size_t i = 0; i < r.n_seen; i++)
                free(r.seen[i]);
        free(r.seen);
        return 0;
}

void manager_resync(Manager *m, const char *why) {
        int r;

        if (m->resync || m->state == MANAGER_STOPPING || m->state == MANAGER_STARTING)
                return;
        log_notice("%s; reading every device again.", why);
        /* Once nothing else waits: the uevents still queued are older than what we read then,
         * so they are handled first (a stale remove after the reading would drop a device that
         * is there). */
        r = sd_event_add_defer(m->event, &m->resync, on_resync, m);
        if (r >= 0)
                r = sd_event_source_set_priority(m->resync, SD_EVENT_PRIORITY_IDLE);
        if (r < 0) {
                m->resync = sd_event_source_disable_unref(m->resync);
                log_warning_errno(r, "Failed to schedule reading the devices again: %m");
        }
}

static void on_uevents_lost(void *userdata) {
        manager_resync(userdata, "uevents were lost (the kernel's buffer for us overflowed: "
                                 "ENOBUFS)");
}

/* ---- The backend, and the writes ---- */

static void on_backend_changed(BackendWatch *w, const char *error, void *userdata) {
        Manager *m = userdata;

        if (error)
                log_error("The migration backend is unreachable: %s. Binding and migration fail "
                          "until it is back.",
                          error);
        else
                log_notice("The migration backend is reachable again.");
        manager_changed(m, MANAGER_PROP_STATE | MANAGER_PROP_BACKEND);
        if (!error)
                manager_resync(m, "the host is back");
}

static void on_write_unstuck(SysfsWriter *w, const char *address, void *userdata) {
        manager_bind_unstuck(userdata, address);
}

static int on_enumerated(sd_device *dev, void *userdata) {
        device_seen(userdata, dev, SD_DEVICE_ADD);
        return 0;
}

/* ---- Life cycle ---- */

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        manager_stop(userdata);
        return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void)manager_reload(userdata, NULL);
        return 0;
}

/* The writer of every sysfs write, and the watch of the backend those writes need. */
static int manager_new_writes(Manager *m) {
        int r;

        r = sysfs_writer_new(m->event, m->ctx, &m->writer);
        if (r < 0)
                return r;
        sysfs_writer_set_unstuck_callback(m->writer, on_write_unstuck, m);
        return backend_watch_new(m->event, m->config.backend, on_backend_changed, m,
                                 &m->backend_watch);
}

/* At exit: no write child is left behind, unless the kernel holds it. */
static void manager_free_writes(Manager *m) {
        unsigned left = 0;

        m->writer = sysfs_writer_free(m->writer, &left);
        if (left > 0)
                log_warning("%u write process%s stuck in the kernel could not be stopped; "
                            "init reaps %s once %s.",
                            left, left == 1 ? "" : "es", left == 1 ? "it" : "them",
                            left == 1 ? "it ends" : "they end");
        m->backend_watch = backend_watch_free(m->backend_watch);
        m->resync = sd_event_source_disable_unref(m->resync);
}

int manager_new(const char *config_path, Config *config, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        assert(config_path);
        assert(config);
        assert(ret);
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->config = *config;
        *config = (Config){};
        m->state = MANAGER_STARTING;
        m->libvirt_state = LIBVIRT_DISABLED;
        m->records_fd = -EBADF;
        m->config_path = strdup(config_path);
        if (!m->config_path)
                return -ENOMEM;
        r = hisi_ctx_new(NULL, &m->ctx);
        if (r < 0)
                return r;
        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        r = sd_event_add_signal(m->event, &m->sigterm, SIGTERM, on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sigint, SIGINT, on_sigterm, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sighup, SIGHUP, on_sighup, m);
        if (r < 0)
                return r;
        r = manager_new_writes(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        libvirt_scan_free(m->libvirt_scan);
        manager_libvirt_stop(m);
        manager_migrations_stop(m);
        manager_peer_stop(m);
        free(m->peer_error);
        free(m->records_dir);
        safe_close(m->records_fd);
        /* Jobs first, while every device is still there to be answered for. */
        for (size_t i = 0; i < m->n_devices; i++)
                manager_bind_forget(m, m->devices[i]);
        for (size_t i = 0; i < m->n_devices; i++)
                device_free(m->devices[i]);
        manager_free_writes(m);
        free(m->devices);
        free(m->queue);
        bus_waiters_free(m->bind_waiters);
        device_monitor_free(m->monitor);
        libvirt_hostdevs_free(m->libvirt_hostdevs, m->n_libvirt_hostdevs);
        free(m->libvirt_error);
        free(m->last_status);
        sd_event_source_disable_unref(m->sigterm);
        sd_event_source_disable_unref(m->sigint);
        sd_event_source_disable_unref(m->sighup);
        sd_event_source_disable_unref(m->stop_timer);
        if (m->bus) {
                sd_bus_flush(m->bus);
                sd_bus_close_unref(m->bus);
        }
        sd_event_unref(m->event);
        hisi_ctx_free(m->ctx);
        config_done(&m->config);
        free(m->config_path);
        bind_overrides_free(m->overrides);
        bus_verify_admin_flush();
        free(m);
        return NULL;
}

/* The runtime directory, 0700, with its parents. */
static int make_runtime_directory(const char *path) {
        _cleanup_free_ char *p = strdup(path);
        struct stat st;

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++)
                if (*s == '/') {
                        *s = '\0';
                        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                                return negative_errno();
                        *s = '/';
                }
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
                return negative_errno();
        if (stat(p, &st) < 0)
                return negative_errno();
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int manager_start(Manager *m) {
        int r;

        (void)sd_notify(false, "STATUS=Starting");
        r = make_runtime_directory(m->config.runtime_directory);
        if (r < 0)
                return log_error_errno(r, "Failed to create the runtime directory %s: %m",
                                       m->config.runtime_directory);
        r = migration_records_dir(m->config.runtime_directory, &m->records_dir);
        if (r < 0)
                return log_oom();
        m->records_fd = migration_records_open(m->records_dir);
        if (m->records_fd < 0)
                return log_error_errno(m->records_fd, "Failed to open the directory %s: %m",
                                       m->records_dir);
        r = manager_bus_setup(m);
        if (r < 0)
                return r;

        /* The monitor first, so that nothing between the enumeration and it is lost. */
        r = device_monitor_new(m->event, on_uevent, on_uevents_lost, m, &m->monitor);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the udev monitor: %m");
        r = device_monitor_start(m->monitor);
        if (r < 0)
                return log_error_errno(r, "Failed to start the udev monitor: %m");
        (void)sd_notify(false, "STATUS=Enumerating HiSilicon accelerator devices");
        r = device_monitor_enumerate(m->monitor, on_enumerated, m);
        if (r < 0)
                return log_error_errno(r, "Failed to enumerate the PCI devices: %m");
        manager_get_counts(m, &m->last_counts);
        log_info("Found %zu PF%s and %zu VF%s.", m->n_devices - manager_count_vfs(m),
                 m->n_devices - manager_count_vfs(m) == 1 ? "" : "s", manager_count_vfs(m),
                 manager_count_vfs(m) == 1 ? "" : "s");

        /* What a daemon before this one left: its devices and its migrations' records. */
        (void)sd_notify(false, "STATUS=Settling the migrations a previous run left");
        (void)manager_recover(m);

        /* The peer link: without it this host still binds and answers, and says why. */
        (void)manager_peer_start(m, NULL);

        /* Only now may clients find us: the registry is complete. */
        r = manager_bus_request_name(m);
        if (r < 0)
                return r;
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, continuing without: %m");

        m->state = MANAGER_RUNNING;
        {
                ManagerCounts c;
                size_t pfs = m->n_devices - manager_count_vfs(m);

                manager_get_counts(m, &c);
                (void)sd_notifyf(
                        false, "READY=1\nSTATUS=Watching: %zu PF%s, %u VF%s (%u bound), policy %s",
                        pfs, pfs == 1 ? "" : "s", c.vfs, c.vfs == 1 ? "" : "s", c.bound,
                        bind_policy_to_string(m->config.binding.policy));
        }
        log_info("Ready: %s on the system bus, backend %s, binding policy %s.", ACCMIG_BUS_NAME,
                 hisi_backend_to_string(m->config.backend),
                 bind_policy_to_string(m->config.binding.policy));

        if (m->config.libvirt.enabled)
                manager_libvirt_rescan(m, true);
        else
                manager_apply_policy_all(m);
        return 0;
}

int manager_run(Manager *m) {
        int r;

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "The event loop failed: %m");
        return m->exit_code != 0 ? m->exit_code : r;
}

int manager_reload(Manager *m, char **ret_error) {
        _cleanup_(config_done) Config c = {};
        _cleanup_free_ char *error = NULL;
        int r;

        if (m->state != MANAGER_RUNNING) {
                log_notice("Not reloading while %s.", manager_state_to_string(m->state));
                return -EBUSY;
        }
        (void)sd_notify(false, "RELOADING=1\nSTATUS=Reloading the configuration");
        m->state = MANAGER_RELOADING;
        r = config_load(m->config_path, &c, &error);
        m->state = MANAGER_RUNNING;
        if (r < 0) {
                log_error_errno(r,
                                "Failed to reload the configuration, keeping the running one: %s",
                                error ? error : strerror(-r));
                (void)sd_notify(false, "READY=1");
                manager_notify_status(m);
                if (ret_error)
                        *ret_error = TAKE_PTR(error);
                return r;
        }

        /* What the running daemon was built around stays until the next start. */
        if (c.backend != m->config.backend)
                log_warning("backend changes from %s to %s only at the next start.",
                            hisi_backend_to_string(m->config.backend),
                            hisi_backend_to_string(c.backend));
        c.backend = m->config.backend;
        if (!streq(c.runtime_directory, m->config.runtime_directory)) {
                log_warning("runtime_directory changes to %s only at the next start.",
                            c.runtime_directory);
                free(c.runtime_directory);
                c.runtime_directory = TAKE_PTR(m->config.runtime_directory);
        }
        if (c.peer.port != m->config.peer.port ||
            !streq(c.peer.listen_address, m->config.peer.listen_address)) {
                log_warning("The peer port changes only at the next start.");
                c.peer.port = m->config.peer.port;
                free(c.peer.listen_address);
                c.peer.listen_address = TAKE_PTR(m->config.peer.listen_address);
        }
        config_done(&m->config);
        m->config = c;
        c = (Config){};
        log_set_max_level(m->config.log_level);
        (void)manager_peer_reload(m, NULL);
        log_info("Reloaded %s: binding policy %s.", m->config_path,
                 bind_policy_to_string(m->config.binding.policy));

        /* A reload is a change: failed VFs may be tried again at once, released ones too. */
        for (size_t i = 0; i < m->n_devices; i++)
                device_binding_reload(&m->devices[i]->binding);
        manager_changed(m, MANAGER_PROP_CONFIG | MANAGER_PROP_STATE);
        if (m->config.libvirt.enabled)
                manager_libvirt_rescan(m, true);
        else {
                libvirt_scan_free(m->libvirt_scan);
                m->libvirt_scan = NULL;
                manager_libvirt_stop(m);
                m->libvirt_state = LIBVIRT_DISABLED;
                manager_changed(m, MANAGER_PROP_LIBVIRT);
                manager_apply_policy_all(m);
        }
        (void)sd_notify(false, "READY=1");
        manager_notify_status(m);
        return 0;
}

static int on_stop_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        log_warning("Bind jobs did not end in time; exiting anyway.");
        manager_bind_abort_running(m);
        (void)sd_event_exit(m->event, 0);
        return 0;
}

void manager_stop(Manager *m) {
        unsigned running;

        if (m->state == MANAGER_STOPPING) {
                log_notice("Second stop request: exiting now.");
                manager_bind_abort_running(m);
                (void)sd_event_exit(m->event, 0);
                return;
        }
        m->state = MANAGER_STOPPING;
        (void)sd_notify(false, "STOPPING=1\nSTATUS=Stopping");
        manager_changed(m, MANAGER_PROP_STATE);
        m->libvirt_scan = libvirt_scan_free(m->libvirt_scan);
        manager_libvirt_stop(m);
        manager_migrations_stop(m);
        manager_peer_stop(m);
        /* Queued jobs never start; running ones finish or undo, bounded by their timers. */
        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];

                if (d->binding.job && d->binding.job_queued)
                        manager_bind_forget(m, d);
        }
        running = manager_pending_jobs(m);
        if (running == 0) {
                (void)sd_event_exit(m->event, 0);
                return;
        }
        log_info("Waiting for %u bind job%s to end before exiting.", running,
                 running == 1 ? "" : "s");
        /* Promptly, whatever the jobs wait for: past this they are given up. */
        (void)sd_event_add_time_relative(m->event, &m->stop_timer, CLOCK_MONOTONIC,
                                         MIN(m->config.timeouts.bind_usec, MANAGER_STOP_JOBS_USEC),
                                         0, on_stop_timeout, m);
}
