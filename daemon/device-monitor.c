/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* udev enumeration and monitoring of PCI devices (see device-monitor.h). */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device-monitor.h"
#include "hisi/kind.h"
#include "log.h"
#include "string-table.h"

/* Large enough for a burst of uevents (enabling 255 VFs on a PF) while the loop is busy. */
#define RECEIVE_BUFFER_SIZE (16 * 1024 * 1024)

struct DeviceMonitor {
        sd_event *event;
        sd_device_monitor *monitor;
        device_monitor_handler_t handler;
        device_monitor_lost_t lost;
        void *userdata;
        int error_fd; /* a copy of the monitor's socket, to read its error */
        sd_event_source *error_source;
};

static const char *const uevent_action_table[_SD_DEVICE_ACTION_MAX] = {
        [SD_DEVICE_ADD] = "add",   [SD_DEVICE_REMOVE] = "remove", [SD_DEVICE_CHANGE] = "change",
        [SD_DEVICE_MOVE] = "move", [SD_DEVICE_ONLINE] = "online", [SD_DEVICE_OFFLINE] = "offline",
        [SD_DEVICE_BIND] = "bind", [SD_DEVICE_UNBIND] = "unbind",
};

_DEFINE_STRING_TABLE_LOOKUP_TO_STRING(uevent_action, sd_device_action_t, static);

const char *device_action_to_string(sd_device_action_t a) {
        /* libsystemd's enum: a newer libsystemd may know more actions than this table. */
        return uevent_action_to_string(a) ?: "unknown";
}

/* Read (and so clear) the socket's pending error: ENOBUFS says uevents were dropped. */
static void check_lost(DeviceMonitor *m) {
        socklen_t len = sizeof(int);
        int error = 0;

        if (m->error_fd < 0 || getsockopt(m->error_fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0 ||
            error == 0)
                return;
        if (error == ENOBUFS && m->lost)
                m->lost(m->userdata);
}

static int on_uevent(sd_device_monitor *monitor, sd_device *device, void *userdata) {
        DeviceMonitor *m = userdata;
        sd_device_action_t action;

        if (sd_device_get_action(device, &action) >= 0)
                m->handler(device, action, m->userdata);
        check_lost(m);
        return 0;
}

/* The socket has an error (EPOLLERR): read it before sd-device's next read swallows it. */
static int on_socket_error(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        DeviceMonitor *m = userdata;

        check_lost(m);
        if (revents & EPOLLHUP)
                /* Not a uevent socket any more: nothing more to learn here. */
                (void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
        return 0;
}

/* A source on a copy of the socket, woken only by its errors, ahead of sd-device's reader. */
static int watch_errors(DeviceMonitor *m) {
        sd_event_source *reader = sd_device_monitor_get_event_source(m->monitor);
        int fd, r;

        fd = reader ? sd_event_source_get_io_fd(reader) : -EBADF;
        if (fd < 0)
                return fd;
        m->error_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (m->error_fd < 0)
                return negative_errno();
        r = sd_event_add_io(m->event, &m->error_source, m->error_fd, 0, on_socket_error, m);
        if (r < 0)
                return r;
        return sd_event_source_set_priority(m->error_source, SD_EVENT_PRIORITY_IMPORTANT);
}

int device_monitor_new(sd_event *event, device_monitor_handler_t handler,
                       device_monitor_lost_t lost, void *userdata, DeviceMonitor **ret) {
        _cleanup_(device_monitor_freep) DeviceMonitor *m = NULL;
        int r;

        assert(event);
        assert(handler);
        assert(ret);
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->event = sd_event_ref(event);
        m->handler = handler;
        m->lost = lost;
        m->userdata = userdata;
        m->error_fd = -EBADF;

        r = sd_device_monitor_new(&m->monitor);
        if (r < 0)
                return r;
        /* Best effort: without it the kernel's default buffer is used. */
        (void)sd_device_monitor_set_receive_buffer_size(m->monitor, RECEIVE_BUFFER_SIZE);
        r = sd_device_monitor_filter_add_match_subsystem_devtype(m->monitor, "pci", NULL);
        if (r < 0)
                return r;
        r = sd_device_monitor_attach_event(m->monitor, event);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

DeviceMonitor *device_monitor_free(DeviceMonitor *m) {
        if (!m)
                return NULL;
        sd_event_source_disable_unref(m->error_source);
        safe_close(m->error_fd);
        if (m->monitor) {
                (void)sd_device_monitor_stop(m->monitor);
                sd_device_monitor_unref(m->monitor);
        }
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

int device_monitor_start(DeviceMonitor *m) {
        int r;

        assert(m);
        r = sd_device_monitor_start(m->monitor, on_uevent, m);
        if (r < 0)
                return r;
        /* Best effort: uevents are received all the same. Without the copy of the socket a loss
         * goes unnoticed; without the error source, until the next uevent's check. */
        r = watch_errors(m);
        if (r < 0)
                log_debug_errno(r, "Failed to watch the uevent socket's errors, continuing: %m");
        return 0;
}

int device_monitor_enumerate(DeviceMonitor *m, device_monitor_each_t fn, void *userdata) {
        sd_device_enumerator *e = NULL;
        char vendor[16];
        int r;

        assert(m);
        assert(fn);
        r = sd_device_enumerator_new(&e);
        if (r < 0)
                return r;
        snprintf(vendor, sizeof(vendor), "0x%04x", HISI_PCI_VENDOR_ID);
        r = sd_device_enumerator_add_match_subsystem(e, "pci", true);
        if (r >= 0)
                r = sd_device_enumerator_add_match_sysattr(e, "vendor", vendor, true);
        for (sd_device *d = r >= 0 ? sd_device_enumerator_get_device_first(e) : NULL; d;
             d = sd_device_enumerator_get_device_next(e)) {
                r = fn(d, userdata);
                if (r < 0)
                        break;
        }
        sd_device_enumerator_unref(e);
        return r < 0 ? r : 0;
}
