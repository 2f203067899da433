/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The com.hisilicon.AccMig1.Device interface: one object per VF at
 * /com/hisilicon/AccMig1/device/<escaped address>, served through a fallback vtable so that the
 * registry is the only list of objects. The address is escaped as sd_bus_path_encode() does
 * (each byte outside [A-Za-z0-9], and a leading digit, as _xx): 0000:75:00.1 is
 * _30000_3a75_3a00_2e1.
 */
#pragma once

#include <systemd/sd-bus.h>

typedef struct Device Device;
typedef struct Manager Manager;

extern const sd_bus_vtable device_vtable[];

/* The object path of a VF's address, and back (-EINVAL for a path outside the prefix or not
 * naming a valid address). */
int device_bus_path(const char *address, char **ret);
int device_bus_address_from_path(const char *path, char **ret);

int device_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                       void **ret_found, sd_bus_error *error);
int device_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***ret_nodes,
                           sd_bus_error *error);

/* PropertiesChanged for the DEVICE_PROP_* bits in props. */
void device_bus_send_changed(Device *d, unsigned props);
/* InterfacesAdded / InterfacesRemoved through the ObjectManager. */
void device_bus_send_added(Device *d);
void device_bus_send_removed(Device *d);
