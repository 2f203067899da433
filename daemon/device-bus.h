/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The com.hisilicon.AccMig1.Device interface: one object per VF at
 * /com/hisilicon/AccMig1/device/<escaped address>, served through a fallback vtable so that the
 * registry is the only list of objects. The address is escaped as sd_bus_path_encode() does
 * (each byte outside [A-Za-z0-9], and a leading digit, as _xx): 0000:75:00.1 is
 * _30000_3a75_3a00_2e1. The registry behind the fallback (which objects exist) is the Manager's
 * (manager-bus.c); this file knows one Device.
 */
#pragma once

#include <systemd/sd-bus.h>

typedef struct Device Device;

extern const sd_bus_vtable device_vtable[];

/* The object path of a VF's address, and back (-EINVAL for a path outside the prefix or not
 * naming a valid address). */
int device_bus_path(const char *address, char **ret);
int device_bus_address_from_path(const char *path, char **ret);

/* PropertiesChanged for the DEVICE_PROP_* bits in props. bus NULL: no signals yet (the daemon
 * is starting), nothing is sent; nor for a PF, which is no object. */
void device_bus_send_changed(sd_bus *bus, Device *d, unsigned props);
/* InterfacesAdded / InterfacesRemoved through the ObjectManager (bus NULL: nothing). */
void device_bus_send_added(sd_bus *bus, Device *d);
void device_bus_send_removed(sd_bus *bus, Device *d);
