/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * udev for the daemon: the PCI devices that are there at start (sd_device_enumerator, HiSilicon
 * vendor only) and their uevents afterwards (sd_device_monitor on the event loop). The monitor
 * starts before the enumeration, so that a device that comes or goes in between is not missed;
 * the manager's handling is idempotent, so seeing a device twice does no harm.
 *
 * Nothing here knows about a simulated host: under `hisi-accsim exec` umockdev's preload serves
 * the same sd-device calls.
 *
 * Uevents can be lost: when the monitor's socket is full, the kernel drops what it would have
 * queued there and sets the socket's error to ENOBUFS (netlink_overrun()). sd-device (systemd
 * 252) reads past that error without telling, so the monitor asks the socket itself: from a
 * source of its own on a copy of the socket's fd, woken by the error (EPOLLERR) before
 * sd-device's reader runs, and after every uevent (SO_ERROR). A loss is reported through the
 * lost handler, once per loss: the manager then reads every device again.
 */
#pragma once

#include <systemd/sd-device.h>
#include <systemd/sd-event.h>

#include "macro.h"

typedef struct DeviceMonitor DeviceMonitor;

/* A uevent of a PCI device (any vendor: the handler filters). */
typedef void (*device_monitor_handler_t)(sd_device *device, sd_device_action_t action,
                                         void *userdata);

/* Uevents were lost. */
typedef void (*device_monitor_lost_t)(void *userdata);

int device_monitor_new(sd_event *event, device_monitor_handler_t handler,
                       device_monitor_lost_t lost, void *userdata, DeviceMonitor **ret);
DeviceMonitor *device_monitor_free(DeviceMonitor *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(DeviceMonitor *, device_monitor_free);

/* Start receiving uevents. */
int device_monitor_start(DeviceMonitor *m);

/* Call fn for each HiSilicon PCI device there is now, in sysfs order. */
typedef int (*device_monitor_each_t)(sd_device *device, void *userdata);
int device_monitor_enumerate(DeviceMonitor *m, device_monitor_each_t fn, void *userdata);

const char *device_action_to_string(sd_device_action_t a); /* "add", "bind", … */
