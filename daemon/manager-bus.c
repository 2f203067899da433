/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The com.hisilicon.AccMig1.Manager interface on /com/hisilicon/AccMig1, the ObjectManager
 * there, and the bus connection (see com.hisilicon.AccMig1.xml for the interface's reference).
 * Reading is open to every local user; the methods that change something check that the caller
 * is root, on top of the D-Bus policy that already says so.
 */

#include <errno.h>
#include <string.h>

#include "accmig-bus.h"
#include "device-bus.h"
#include "log.h"
#include "manager.h"
#include "version.h"
#include "string-util.h"

static int property_get_version(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", HISI_VERSION);
}

static int property_get_state(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", manager_state_to_string(m->state));
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
        uint32_t n = 0;

        if (streq(property, "PendingJobs"))
                return sd_bus_message_append(reply, "u", manager_pending_jobs(m));
        for (size_t i = 0; i < m->n_devices; i++) {
                Device *d = m->devices[i];

                if (!device_is_vf(d))
                        continue;
                if (streq(property, "DeviceCount"))
                        n++;
                else if (streq(property, "BoundCount"))
                        n += device_is_bound(d);
                else if (streq(property, "FailedCount"))
                        n += d->bind_state == DEVICE_BIND_FAILED;
        }
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
        char a[HISI_PCI_ADDRESS_MAX];
        Device *d;

        if (hisi_pci_address_normalize(address, a) < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "'%s' is not a PCI address such as 0000:75:00.1.",
                                         address);
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

static int method_bind_device_common(sd_bus_message *message, Manager *m, BindJobType type,
                                     sd_bus_error *error) {
        const char *address;
        uint64_t flags;
        Device *d = NULL;
        int r;

        r = sd_bus_message_read(message, "st", &address, &flags);
        if (r < 0)
                return r;
        if (flags & ~ACCMIG_BIND_FLAGS_ALL)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Unknown flags 0x%llx.",
                                         (unsigned long long)flags);
        r = find_vf_arg(m, address, &d, error);
        if (r < 0)
                return r;
        r = manager_bind_request(m, d, type, flags & ACCMIG_BIND_FORCE, message, error);
        if (r < 0)
                return r;
        return 1; /* answered when the job ends */
}

static int method_bind_device(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return method_bind_device_common(message, userdata, BIND_JOB_BIND, error);
}

static int method_unbind_device(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return method_bind_device_common(message, userdata, BIND_JOB_UNBIND, error);
}

static int method_reload(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *msg = NULL;
        sd_bus_creds *creds = NULL;
        Manager *m = userdata;
        uid_t uid = (uid_t)-1;
        int r;

        r = sd_bus_query_sender_creds(message, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID, &creds);
        if (r < 0)
                return r;
        if (sd_bus_creds_get_euid(creds, &uid) < 0)
                (void)sd_bus_creds_get_uid(creds, &uid);
        sd_bus_creds_unref(creds);
        if (uid != 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Only root may reload the configuration.");
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
        SD_BUS_VTABLE_END,
};

void manager_bus_send_changed(Manager *m, unsigned props) {
        char *names[16];
        size_t n = 0;
        int r;

        if (!m->bus || m->state == MANAGER_STARTING || props == 0)
                return;
        if (props & MANAGER_PROP_STATE)
                names[n++] = (char *)"State";
        if (props & MANAGER_PROP_CONFIG)
                names[n++] = (char *)"BindPolicy";
        if (props & MANAGER_PROP_COUNTS) {
                names[n++] = (char *)"DeviceCount";
                names[n++] = (char *)"BoundCount";
                names[n++] = (char *)"FailedCount";
                names[n++] = (char *)"PendingJobs";
        }
        if (props & MANAGER_PROP_PFS)
                names[n++] = (char *)"PhysicalFunctions";
        if (props & MANAGER_PROP_LIBVIRT) {
                names[n++] = (char *)"LibvirtState";
                names[n++] = (char *)"LibvirtError";
                names[n++] = (char *)"LibvirtManaged";
        }
        names[n] = NULL;
        r = sd_bus_emit_properties_changed_strv(m->bus, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                                                names);
        if (r < 0)
                log_debug_errno(r, "Failed to send the Manager's PropertiesChanged: %m");
}

int manager_bus_setup(Manager *m) {
        int r;

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
