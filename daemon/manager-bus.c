/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The com.hisilicon.AccMig1.Manager interface on /com/hisilicon/AccMig1, the ObjectManager
 * there, the registry of Device objects behind device-bus.c's vtable, and the bus connection (see
 * com.hisilicon.AccMig1.xml for the interface's reference). Reading is open to every local user;
 * the methods that change something check that the caller is root (bus_verify_root()), on top of
 * the D-Bus policy that already says so.
 *
 * A Bind or Unbind call, on either interface, becomes manager_bind_request() here; the call
 * waits in m->bind_waiters and is answered when the Manager reports the job's end.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "accmig-bus.h"
#include "bind-overrides.h"
#include "bus-util.h"
#include "device-bus.h"
#include "log.h"
#include "manager.h"
#include "string-util.h"
#include "version.h"

static int property_get_version(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", HISI_VERSION);
}

static int property_get_state(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", manager_state_string(m));
}

static int property_get_backend_error(sd_bus *bus, const char *path, const char *interface,
                                      const char *property, sd_bus_message *reply, void *userdata,
                                      sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", strempty(backend_watch_error(m->backend_watch)));
}

static int property_get_stuck_writes(sd_bus *bus, const char *path, const char *interface,
                                     const char *property, sd_bus_message *reply, void *userdata,
                                     sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "u", (uint32_t)sysfs_writer_n_stuck(m->writer));
}

static int property_get_backend(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", hisi_backend_to_string(m->config.backend));
}

static int property_get_config_file(sd_bus *bus, const char *path, const char *interface,
                                    const char *property, sd_bus_message *reply, void *userdata,
                                    sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", m->config_path);
}

static int property_get_bind_policy(sd_bus *bus, const char *path, const char *interface,
                                    const char *property, sd_bus_message *reply, void *userdata,
                                    sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", bind_policy_to_string(m->config.binding.policy));
}

static int property_get_count(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error) {
        Manager *m = userdata;
        ManagerCounts c;
        uint32_t n;

        manager_get_counts(m, &c);
        if (streq(property, "DeviceCount"))
                n = c.vfs;
        else if (streq(property, "BoundCount"))
                n = c.bound;
        else if (streq(property, "FailedCount"))
                n = c.failed;
        else if (streq(property, "PendingJobs"))
                n = c.pending;
        else
                return -ENOENT; /* not in the vtable */
        return sd_bus_message_append(reply, "u", n);
}

static int property_get_pfs(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply, void *userdata,
                            sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(sssuu)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];

                if (device_is_vf(d))
                        continue;
                r = sd_bus_message_append(reply, "(sssuu)", device_address(d),
                                          device_kind_string(d), strempty(d->facts.driver),
                                          d->facts.sriov_numvfs, d->facts.sriov_totalvfs);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* The persistent bindings: (address, "bind" or "unbind"), by address. */
static int property_get_overrides(sd_bus *bus, const char *path, const char *interface,
                                  const char *property, sd_bus_message *reply, void *userdata,
                                  sd_bus_error *error) {
        BindOverrides *o = manager_bind_overrides(userdata);
        int r;

        if (!o)
                return -ENOMEM;
        r = sd_bus_message_open_container(reply, 'a', "(ss)");
        for (size_t i = 0; r >= 0 && i < o->n; i++)
                r = sd_bus_message_append(reply, "(ss)", o->entries[i].address,
                                          bind_job_type_to_string(o->entries[i].type));
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int property_get_libvirt_state(sd_bus *bus, const char *path, const char *interface,
                                      const char *property, sd_bus_message *reply, void *userdata,
                                      sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", libvirt_state_to_string(m->libvirt_state));
}

static int property_get_libvirt_error(sd_bus *bus, const char *path, const char *interface,
                                      const char *property, sd_bus_message *reply, void *userdata,
                                      sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", strempty(m->libvirt_error));
}

static int property_get_libvirt_managed(sd_bus *bus, const char *path, const char *interface,
                                        const char *property, sd_bus_message *reply, void *userdata,
                                        sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ss)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_libvirt_hostdevs; i++) {
                r = sd_bus_message_append(reply, "(ss)", m->libvirt_hostdevs[i].address,
                                          m->libvirt_hostdevs[i].domain);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* ---- Methods ---- */

static int method_list_devices(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Manager *m = userdata;
        int r;

        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(sssso)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];

                if (!device_is_vf(d))
                        continue;
                r = sd_bus_message_append(reply, "(sssso)", device_address(d),
                                          device_kind_string(d), d->facts.pf_address,
                                          strempty(d->facts.driver), d->object_path);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* The VF named by a method's address argument, or a NoSuchDevice/NotAVirtualFunction error. */
static int find_vf_arg(Manager *m, const char *address, Device **ret, sd_bus_error *error) {
        char a[HISI_PCI_ADDRESS_MAX], quoted[BUS_EXCERPT_SIZE];
        Device *d;

        if (hisi_pci_address_normalize(address, a) < 0) {
                bus_excerpt(address, quoted);
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "'%s' is not a PCI address such as 0000:75:00.1.", quoted);
        }
        d = manager_find_device(m, a);
        if (!d)
                return sd_bus_error_setf(error, ACCMIG_ERROR_NO_SUCH_DEVICE,
                                         "No HiSilicon accelerator device %s on this host.", a);
        if (!device_is_vf(d))
                return sd_bus_error_setf(error, ACCMIG_ERROR_NOT_A_VF,
                                         "%s is a PF; the daemon handles only VFs.", a);
        *ret = d;
        return 0;
}

static int method_get_device(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *address;
        Device *d = NULL;
        int r;

        r = sd_bus_message_read(message, "s", &address);
        if (r < 0)
                return r;
        r = find_vf_arg(m, address, &d, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "o", d->object_path);
}

static int verify_bind_flags(uint64_t flags, sd_bus_error *error) {
        if (flags & ~ACCMIG_BIND_FLAGS_ALL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown flags 0x%llx.",
                                         (unsigned long long)flags);
        return 0;
}

static int method_bind_device_common(sd_bus_message *message, Manager *m, BindJobType type,
                                     sd_bus_error *error) {
        const char *address;
        uint64_t flags;
        Device *d = NULL;
        int r;

        /* Who asks, before what they ask about. */
        r = manager_bus_bind_verify_caller(m, message, error);
        if (r != 0)
                return r < 0 ? r : 1;
        r = sd_bus_message_read(message, "st", &address, &flags);
        if (r < 0)
                return r;
        r = verify_bind_flags(flags, error);
        if (r < 0)
                return r;
        r = find_vf_arg(m, address, &d, error);
        if (r < 0)
                return r;
        return manager_bus_bind_request(m, d, type, flags, message, error);
}

static int method_bind_device(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return method_bind_device_common(message, userdata, BIND_JOB_BIND, error);
}

static int method_unbind_device(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return method_bind_device_common(message, userdata, BIND_JOB_UNBIND, error);
}

static int method_reload(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *msg = NULL;
        Manager *m = userdata;
        int r;

        r = bus_verify_admin(message, ACCMIG_POLKIT_RELOAD,
                             "Only root may reload the configuration.", error);
        if (r != 0)
                return r < 0 ? r : 1; /* > 0: polkit answers first, then the call comes again */
        r = manager_reload(m, &msg);
        if (r == -EBUSY)
                return sd_bus_error_setf(error, ACCMIG_ERROR_BUSY, "The daemon is %s.",
                                         manager_state_to_string(m->state));
        if (r < 0)
                return sd_bus_error_setf(error, ACCMIG_ERROR_INVALID_CONFIG,
                                         "%s; the running configuration stays.",
                                         msg ? msg : strerror(-r));
        return sd_bus_reply_method_return(message, NULL);
}

/* ---- Bind and Unbind, from either interface ---- */

static const char *error_name_for_reason(BindReason reason) {
        switch (reason) {
        case BIND_REASON_EXCLUDED:
                return ACCMIG_ERROR_EXCLUDED;
        case BIND_REASON_LIBVIRT_MANAGED:
                return ACCMIG_ERROR_MANAGED_BY_LIBVIRT;
        case BIND_REASON_OTHER_DRIVER:
                return ACCMIG_ERROR_HELD_BY_OTHER;
        case BIND_REASON_POLICY_NONE:
        case BIND_REASON_NOT_LISTED:
        case BIND_REASON_PF_NOT_LISTED:
        case BIND_REASON_LISTED:
        case BIND_REASON_PF_LISTED:
        case BIND_REASON_ALL:
        case BIND_REASON_ALLOWED:
        case _BIND_REASON_MAX:
        case _BIND_REASON_INVALID:
                break;
        }
        return ACCMIG_ERROR_BIND_FAILED;
}

/* The error a refused request is answered with; 0 for a failure sd-bus answers by errno. */
static const char *error_name_for_refusal(int r, BindReason reason) {
        switch (-r) {
        case ESHUTDOWN:
                return ACCMIG_ERROR_SHUTTING_DOWN;
        case EOPNOTSUPP:
                return ACCMIG_ERROR_NOT_A_VF;
        case EBUSY:
                return ACCMIG_ERROR_BUSY;
        case EPERM:
                return error_name_for_reason(reason);
        default:
                return NULL;
        }
}

/* The error a job's end is answered with. */
static const char *error_name_for_job(int error) {
        switch (-error) {
        case ETIMEDOUT:
                return ACCMIG_ERROR_TIMEOUT;
        case ENOENT:
                return ACCMIG_ERROR_DRIVER_NOT_LOADED;
        case ENODEV:
                return ACCMIG_ERROR_NO_SUCH_DEVICE;
        case ESHUTDOWN:
                return ACCMIG_ERROR_SHUTTING_DOWN;
        default:
                return ACCMIG_ERROR_BIND_FAILED;
        }
}

int manager_bus_bind_verify_caller(Manager *m, sd_bus_message *message, sd_bus_error *error) {
        assert(m);
        assert(message);

        /* A stopping daemon says so before it looks at the caller, as it always has. */
        if (m->state == MANAGER_STOPPING)
                return sd_bus_error_set(error, ACCMIG_ERROR_SHUTTING_DOWN,
                                        "The daemon is stopping.");
        /* > 0: polkit answers first, then the call comes again. */
        return bus_verify_admin(message, ACCMIG_POLKIT_BIND,
                                "Only root may change the binding of a VF; reading is open to "
                                "every local user.",
                                error);
}

int manager_bus_bind_request(Manager *m, Device *d, BindJobType type, uint64_t flags,
                             sd_bus_message *message, sd_bus_error *error) {
        _cleanup_free_ char *text = NULL;
        BindReason reason = BIND_REASON_ALLOWED;
        const char *name;
        int r;

        assert(m);
        assert(d);
        assert(message);

        /* The caller was checked before its arguments were read. */
        r = verify_bind_flags(flags, error);
        if (r < 0)
                return r;

        /* Waiting before the request: a job that cannot start answers at once. */
        r = bus_waiters_add(m->bind_waiters, d, message);
        if (r < 0)
                return r;
        r = manager_bind_request(m, d, type, flags & ACCMIG_BIND_FORCE,
                                 flags & ACCMIG_BIND_PERSISTENT, &reason, &text);
        if (r < 0) {
                bus_waiters_remove(m->bind_waiters, d, message);
                name = error_name_for_refusal(r, reason);
                if (!name)
                        return text ? sd_bus_error_set_errnof(error, r, "%s", text) : r;
                return sd_bus_error_set(error, name, text ? text : "Refused.");
        }
        return 1; /* answered when the job ends */
}

/* m->bind_done: the job of d ended; answer whoever waits on it. */
static void bind_done(Manager *m, Device *d, int error, const char *message) {
        int r;

        r = bus_waiters_reply(m->bind_waiters, d, error < 0 ? error_name_for_job(error) : NULL,
                              message);
        if (r < 0)
                log_device_debug(d, "Failed to answer a call about %s: %s", device_address(d),
                                 strerror(-r));
}

/* ---- Device objects ---- */

static int device_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                              void **ret_found, sd_bus_error *error) {
        _cleanup_free_ char *address = NULL;
        Manager *m = userdata;
        Device *d;

        if (device_bus_address_from_path(path, &address) < 0)
                return 0;
        d = manager_find_device(m, address);
        if (!d || !device_is_vf(d))
                return 0;
        *ret_found = d;
        return 1;
}

static int device_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***ret_nodes,
                                  sd_bus_error *error) {
        Manager *m = userdata;
        char **nodes;
        size_t k = 0;

        nodes = calloc(m->n_devices + 1, sizeof(char *));
        if (!nodes)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_devices; i++) {
                if (!device_is_vf(m->devices[i]))
                        continue;
                nodes[k] = strdup(m->devices[i]->object_path);
                if (!nodes[k]) {
                        for (size_t j = 0; j < k; j++)
                                free(nodes[j]);
                        free(nodes);
                        return -ENOMEM;
                }
                k++;
        }
        *ret_nodes = nodes;
        return 1;
}

#define EMITS SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define CONST SD_BUS_VTABLE_PROPERTY_CONST

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, CONST),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, EMITS),
        SD_BUS_PROPERTY("Backend", "s", property_get_backend, 0, CONST),
        SD_BUS_PROPERTY("ConfigFile", "s", property_get_config_file, 0, CONST),
        SD_BUS_PROPERTY("BindPolicy", "s", property_get_bind_policy, 0, EMITS),
        SD_BUS_PROPERTY("DeviceCount", "u", property_get_count, 0, EMITS),
        SD_BUS_PROPERTY("BoundCount", "u", property_get_count, 0, EMITS),
        SD_BUS_PROPERTY("FailedCount", "u", property_get_count, 0, EMITS),
        SD_BUS_PROPERTY("PendingJobs", "u", property_get_count, 0, EMITS),
        SD_BUS_PROPERTY("PhysicalFunctions", "a(sssuu)", property_get_pfs, 0, EMITS),
        SD_BUS_PROPERTY("LibvirtState", "s", property_get_libvirt_state, 0, EMITS),
        SD_BUS_PROPERTY("LibvirtError", "s", property_get_libvirt_error, 0, EMITS),
        SD_BUS_PROPERTY("LibvirtManaged", "a(ss)", property_get_libvirt_managed, 0, EMITS),
        SD_BUS_PROPERTY("PeerListen", "s", manager_bus_property_peer_listen, 0, EMITS),
        SD_BUS_PROPERTY("PeerError", "s", manager_bus_property_peer_error, 0, EMITS),
        SD_BUS_PROPERTY("Overrides", "a(ss)", property_get_overrides, 0, EMITS),
        SD_BUS_PROPERTY("BackendError", "s", property_get_backend_error, 0, EMITS),
        SD_BUS_PROPERTY("StuckWrites", "u", property_get_stuck_writes, 0, EMITS),
        SD_BUS_METHOD_WITH_ARGS("ListDevices", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(sssso)", devices),
                                method_list_devices, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetDevice", SD_BUS_ARGS("s", address), SD_BUS_RESULT("o", device),
                                method_get_device, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("BindDevice", SD_BUS_ARGS("s", address, "t", flags),
                                SD_BUS_RESULT("s", message), method_bind_device,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("UnbindDevice", SD_BUS_ARGS("s", address, "t", flags),
                                SD_BUS_RESULT("s", message), method_unbind_device,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_reload,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Check", SD_BUS_ARGS("as", vfs, "s", peer, "a{sv}", options),
                                SD_BUS_RESULT("a(ssbas)", verdicts), manager_bus_method_check,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Migrate", SD_BUS_ARGS("as", vfs, "s", peer, "a{sv}", options),
                                SD_BUS_RESULT("o", migration), manager_bus_method_migrate,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("TakeDevice", SD_BUS_ARGS("s", address), SD_BUS_RESULT("h", fd),
                                manager_bus_method_take_device, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ReleaseDevice", SD_BUS_ARGS("s", address), SD_BUS_NO_RESULT,
                                manager_bus_method_release_device, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reserve",
                                SD_BUS_ARGS("a{sv}", descriptor, "s", domain, "a{sv}", options),
                                SD_BUS_RESULT("s", address, "s", reason),
                                manager_bus_method_reserve, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Hold", SD_BUS_ARGS("s", domain, "as", devices, "a{sv}", options),
                                SD_BUS_RESULT("as", held), manager_bus_method_hold,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Release", SD_BUS_ARGS("s", domain), SD_BUS_RESULT("u", released),
                                manager_bus_method_release, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static const BusPropertyGroup manager_property_groups[] = {
        { MANAGER_PROP_STATE, { "State" } },
        { MANAGER_PROP_CONFIG, { "BindPolicy" } },
        { MANAGER_PROP_COUNTS, { "DeviceCount", "BoundCount", "FailedCount", "PendingJobs" } },
        { MANAGER_PROP_PFS, { "PhysicalFunctions" } },
        { MANAGER_PROP_LIBVIRT, { "LibvirtState", "LibvirtError", "LibvirtManaged" } },
        { MANAGER_PROP_PEER, { "PeerListen", "PeerError" } },
        { MANAGER_PROP_OVERRIDES, { "Overrides" } },
        { MANAGER_PROP_STUCK, { "StuckWrites" } },
        { MANAGER_PROP_BACKEND, { "State", "BackendError" } },
};

void manager_bus_send_changed(Manager *m, unsigned props) {
        int r;

        if (!m->bus || m->state == MANAGER_STARTING || props == 0)
                return;
        r = bus_emit_properties_changed(m->bus, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                                        manager_property_groups,
                                        ELEMENTSOF(manager_property_groups), props);
        if (r < 0)
                log_debug_errno(r, "Failed to send the Manager's PropertiesChanged: %m");
}

int manager_bus_setup(Manager *m) {
        int r;

        r = bus_waiters_new(&m->bind_waiters);
        if (r < 0)
                return log_oom();
        m->bind_done = bind_done;
        r = sd_bus_default_system(&m->bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");
        r = sd_bus_add_object_vtable(m->bus, NULL, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                                     manager_vtable, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the Manager object: %m");
        r = sd_bus_add_fallback_vtable(m->bus, NULL, ACCMIG_DEVICE_PATH_PREFIX,
                                       ACCMIG_DEVICE_INTERFACE, device_vtable, device_object_find,
                                       m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the Device objects: %m");
        r = sd_bus_add_node_enumerator(m->bus, NULL, ACCMIG_DEVICE_PATH_PREFIX,
                                       device_node_enumerator, m);
        if (r < 0)
                return log_error_errno(r, "Failed to add the Device enumerator: %m");
        r = manager_bus_migration_setup(m);
        if (r < 0)
                return r;
        r = sd_bus_add_object_manager(m->bus, NULL, ACCMIG_BUS_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to add the ObjectManager: %m");
        r = sd_bus_error_add_map(bus_error_map);
        if (r < 0)
                return log_error_errno(r, "Failed to register the D-Bus errors: %m");
        r = sd_bus_attach_event(m->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");
        /* Without the bus there is nobody to serve: exit, and let the service manager decide. */
        r = sd_bus_set_exit_on_disconnect(m->bus, true);
        if (r < 0)
                return log_error_errno(r, "Failed to set exit on disconnect: %m");
        return 0;
}

int manager_bus_request_name(Manager *m) {
        int r;

        r = sd_bus_request_name(m->bus, ACCMIG_BUS_NAME, 0);
        if (r == -EEXIST)
                return log_error_errno(r, "%s is already owned: another hisi-accmigd runs.",
                                       ACCMIG_BUS_NAME);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire the bus name %s: %m", ACCMIG_BUS_NAME);
        return 0;
}
