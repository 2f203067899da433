/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The com.hisilicon.AccMig1.Device interface (see device-bus.h and com.hisilicon.AccMig1.xml). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "accmig-bus.h"
#include "bus-util.h"
#include "device-bus.h"
#include "device.h"
#include "log.h"
#include "manager.h"
#include "migration.h"
#include "string-util.h"
#include "time-util.h"

int device_bus_path(const char *address, char **ret) {
        if (!address || !hisi_pci_address_valid(address) || !ret)
                return -EINVAL;
        return sd_bus_path_encode(ACCMIG_DEVICE_PATH_PREFIX, address, ret);
}

int device_bus_address_from_path(const char *path, char **ret) {
        _cleanup_free_ char *a = NULL;
        int r;

        if (!path || !ret)
                return -EINVAL;
        r = sd_bus_path_decode(path, ACCMIG_DEVICE_PATH_PREFIX, &a);
        if (r < 0)
                return r;
        if (r == 0 || !a || !hisi_pci_address_valid(a))
                return -EINVAL;
        *ret = TAKE_PTR(a);
        return 0;
}

/* ---- Properties ---- */

#define DEFINE_STRING_GETTER(name, expr)                                                           \
        static int property_get_##name(sd_bus *bus, const char *path, const char *interface,       \
                                       const char *property, sd_bus_message *reply,                \
                                       void *userdata, sd_bus_error *error) {                      \
                const Device *d = userdata;                                                        \
                return sd_bus_message_append_basic(reply, 's', strempty(expr));                    \
        }

DEFINE_STRING_GETTER(address, d->facts.address)
DEFINE_STRING_GETTER(kind, hisi_kind_to_string(d->facts.kind))
DEFINE_STRING_GETTER(name, d->facts.name)
DEFINE_STRING_GETTER(pf, d->facts.pf_address)
DEFINE_STRING_GETTER(driver, d->facts.driver)
DEFINE_STRING_GETTER(driver_override, d->facts.driver_override)
DEFINE_STRING_GETTER(vfio_device, d->facts.vfio_dev)
DEFINE_STRING_GETTER(policy, bind_decision_to_string(d->policy))
DEFINE_STRING_GETTER(policy_reason, d->policy_reason_text)
DEFINE_STRING_GETTER(libvirt_domain, d->libvirt_domain)
DEFINE_STRING_GETTER(bind_state, device_bind_state_to_string(d->binding.state))
DEFINE_STRING_GETTER(last_error, d->binding.last_error)
DEFINE_STRING_GETTER(control_mode, device_control_mode_to_string(d->control_mode))
DEFINE_STRING_GETTER(migration_state, d->migration_state)
DEFINE_STRING_GETTER(reserved_for, d->reserved_for)

static int property_get_migration(sd_bus *bus, const char *path, const char *interface,
                                  const char *property, sd_bus_message *reply, void *userdata,
                                  sd_bus_error *error) {
        const Device *d = userdata;
        return sd_bus_message_append(reply, "o", d->migration ? d->migration->object_path : "/");
}
DEFINE_STRING_GETTER(owner, device_owner(d))

static int property_get_device_id(sd_bus *bus, const char *path, const char *interface,
                                  const char *property, sd_bus_message *reply, void *userdata,
                                  sd_bus_error *error) {
        const Device *d = userdata;
        return sd_bus_message_append(reply, "q", d->facts.device_id);
}

static int property_get_vf_index(sd_bus *bus, const char *path, const char *interface,
                                 const char *property, sd_bus_message *reply, void *userdata,
                                 sd_bus_error *error) {
        const Device *d = userdata;
        return sd_bus_message_append(reply, "i", (int32_t)d->facts.vf_index);
}

static int property_get_bound(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error) {
        const Device *d = userdata;
        return sd_bus_message_append(reply, "b", (int)device_is_bound(d));
}

static int property_get_iommu_group(sd_bus *bus, const char *path, const char *interface,
                                    const char *property, sd_bus_message *reply, void *userdata,
                                    sd_bus_error *error) {
        const Device *d = userdata;
        return sd_bus_message_append(reply, "i", (int32_t)d->facts.iommu_group);
}

static int property_get_bind_attempts(sd_bus *bus, const char *path, const char *interface,
                                      const char *property, sd_bus_message *reply, void *userdata,
                                      sd_bus_error *error) {
        const Device *d = userdata;
        return sd_bus_message_append(reply, "u", (uint32_t)d->binding.attempts);
}

/* CLOCK_REALTIME microseconds when the reservation ends; 0 when none or held. */
static int property_get_reserved_until(sd_bus *bus, const char *path, const char *interface,
                                       const char *property, sd_bus_message *reply, void *userdata,
                                       sd_bus_error *error) {
        const Device *d = userdata;
        uint64_t now_mono = now_usec(CLOCK_MONOTONIC), t = 0;

        if (d->reserved_for && d->reserved_until > 0)
                t = now_usec(CLOCK_REALTIME) +
                    (d->reserved_until > now_mono ? d->reserved_until - now_mono : 0);
        return sd_bus_message_append(reply, "t", t);
}

static int property_get_migration_flags(sd_bus *bus, const char *path, const char *interface,
                                        const char *property, sd_bus_message *reply, void *userdata,
                                        sd_bus_error *error) {
        const Device *d = userdata;
        return sd_bus_message_append(reply, "t", d->migration_flags);
}

/* ---- Methods ---- */

static int method_bind_common(sd_bus_message *message, Device *d, BindJobType type,
                              sd_bus_error *error) {
        uint64_t flags;
        int r;

        /* Who asks, before what they ask. */
        r = manager_bus_bind_verify_caller(d->manager, message, error);
        if (r != 0)
                return r < 0 ? r : 1;
        r = sd_bus_message_read(message, "t", &flags);
        if (r < 0)
                return r;
        /* The same call as the Manager's BindDevice/UnbindDevice, on this VF. */
        return manager_bus_bind_request(d->manager, d, type, flags, message, error);
}

static int method_bind(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return method_bind_common(message, userdata, BIND_JOB_BIND, error);
}

static int method_unbind(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        return method_bind_common(message, userdata, BIND_JOB_UNBIND, error);
}

#define EMITS SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

const sd_bus_vtable device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Address", "s", property_get_address, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Kind", "s", property_get_kind, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("DeviceId", "q", property_get_device_id, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Name", "s", property_get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PF", "s", property_get_pf, 0, EMITS),
        SD_BUS_PROPERTY("VFIndex", "i", property_get_vf_index, 0, EMITS),
        SD_BUS_PROPERTY("Driver", "s", property_get_driver, 0, EMITS),
        SD_BUS_PROPERTY("DriverOverride", "s", property_get_driver_override, 0, EMITS),
        SD_BUS_PROPERTY("Bound", "b", property_get_bound, 0, EMITS),
        SD_BUS_PROPERTY("IommuGroup", "i", property_get_iommu_group, 0, EMITS),
        SD_BUS_PROPERTY("VfioDevice", "s", property_get_vfio_device, 0, EMITS),
        SD_BUS_PROPERTY("Policy", "s", property_get_policy, 0, EMITS),
        SD_BUS_PROPERTY("PolicyReason", "s", property_get_policy_reason, 0, EMITS),
        SD_BUS_PROPERTY("LibvirtDomain", "s", property_get_libvirt_domain, 0, EMITS),
        SD_BUS_PROPERTY("Owner", "s", property_get_owner, 0, EMITS),
        SD_BUS_PROPERTY("BindState", "s", property_get_bind_state, 0, EMITS),
        SD_BUS_PROPERTY("LastError", "s", property_get_last_error, 0, EMITS),
        SD_BUS_PROPERTY("BindAttempts", "u", property_get_bind_attempts, 0, EMITS),
        SD_BUS_PROPERTY("ControlMode", "s", property_get_control_mode, 0, EMITS),
        SD_BUS_PROPERTY("MigrationFlags", "t", property_get_migration_flags, 0, EMITS),
        SD_BUS_PROPERTY("MigrationState", "s", property_get_migration_state, 0, EMITS),
        SD_BUS_PROPERTY("Migration", "o", property_get_migration, 0, EMITS),
        SD_BUS_PROPERTY("ReservedFor", "s", property_get_reserved_for, 0, EMITS),
        SD_BUS_PROPERTY("ReservedUntil", "t", property_get_reserved_until, 0, EMITS),
        SD_BUS_METHOD_WITH_ARGS("Bind", SD_BUS_ARGS("t", flags), SD_BUS_RESULT("s", message),
                                method_bind, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Unbind", SD_BUS_ARGS("t", flags), SD_BUS_RESULT("s", message),
                                method_unbind, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

/* ---- Signals ---- */

static const BusPropertyGroup device_property_groups[] = {
        { DEVICE_PROP_DRIVER, { "Driver", "Bound" } },
        { DEVICE_PROP_DRIVER_OVERRIDE, { "DriverOverride" } },
        { DEVICE_PROP_IOMMU_GROUP, { "IommuGroup" } },
        { DEVICE_PROP_VFIO_DEVICE, { "VfioDevice" } },
        { DEVICE_PROP_POLICY, { "Policy", "PolicyReason" } },
        { DEVICE_PROP_BIND_STATE, { "BindState" } },
        { DEVICE_PROP_LAST_ERROR, { "LastError" } },
        { DEVICE_PROP_BIND_ATTEMPTS, { "BindAttempts" } },
        { DEVICE_PROP_LIBVIRT_DOMAIN, { "LibvirtDomain" } },
        { DEVICE_PROP_CONTROL_MODE, { "ControlMode" } },
        { DEVICE_PROP_MIGRATION, { "MigrationFlags", "MigrationState", "Migration" } },
        { DEVICE_PROP_PF, { "PF", "VFIndex" } },
        { DEVICE_PROP_OWNER, { "Owner" } },
        { DEVICE_PROP_RESERVATION, { "ReservedFor", "ReservedUntil" } },
};

void device_bus_send_changed(sd_bus *bus, Device *d, unsigned props) {
        int r;

        if (!bus || !d || props == 0 || !device_is_vf(d))
                return;
        r = bus_emit_properties_changed(bus, d->object_path, ACCMIG_DEVICE_INTERFACE,
                                        device_property_groups, ELEMENTSOF(device_property_groups),
                                        props);
        if (r < 0)
                log_device_debug(d, "Failed to send PropertiesChanged for %s: %s",
                                 device_address(d), strerror(-r));
}

void device_bus_send_added(sd_bus *bus, Device *d) {
        int r;

        if (!bus || !d || !device_is_vf(d))
                return;
        r = sd_bus_emit_object_added(bus, d->object_path);
        if (r < 0)
                log_device_debug(d, "Failed to send InterfacesAdded for %s: %s", device_address(d),
                                 strerror(-r));
}

void device_bus_send_removed(sd_bus *bus, Device *d) {
        int r;

        if (!bus || !d || !device_is_vf(d))
                return;
        r = sd_bus_emit_object_removed(bus, d->object_path);
        if (r < 0)
                log_device_debug(d, "Failed to send InterfacesRemoved for %s: %s",
                                 device_address(d), strerror(-r));
}
