/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Prints the PCI uevents an sd_device_monitor receives, one line each ("bind 0000:75:00.1
 * hisi_acc_vfio_pci"), after a first line "ready"; and "lost ENOBUFS" when its socket says
 * uevents were dropped for it (asked after each uevent, as the daemon asks). Run under
 * `hisi-accsim exec`, it shows what a daemon's udev code would see of the simulated host. Exits
 * on SIGTERM or stdin's end.
 */

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <systemd/sd-device.h>
#include <systemd/sd-event.h>
#include <unistd.h>

static void check_lost(sd_device_monitor *m) {
        sd_event_source *s = sd_device_monitor_get_event_source(m);
        int fd = s ? sd_event_source_get_io_fd(s) : -1, error = 0;
        socklen_t len = sizeof(error);

        if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) >= 0 &&
            error == ENOBUFS) {
                printf("lost ENOBUFS\n");
                fflush(stdout);
        }
}

static int on_uevent(sd_device_monitor *m, sd_device *d, void *userdata) {
        const char *sysname = "?", *driver = NULL;
        sd_device_action_t action = _SD_DEVICE_ACTION_INVALID;

        (void)sd_device_get_sysname(d, &sysname);
        (void)sd_device_get_action(d, &action);
        (void)sd_device_get_driver(d, &driver);
        printf("%s %s %s\n",
               action == SD_DEVICE_ADD      ? "add"
               : action == SD_DEVICE_REMOVE ? "remove"
               : action == SD_DEVICE_CHANGE ? "change"
               : action == SD_DEVICE_BIND   ? "bind"
               : action == SD_DEVICE_UNBIND ? "unbind"
                                            : "other",
               sysname, driver && driver[0] ? driver : "-");
        fflush(stdout);
        check_lost(m);
        return 0;
}

int main(void) {
        sd_device_monitor *m = NULL;
        sd_event *e = NULL;
        int r;

        r = sd_event_default(&e);
        if (r >= 0)
                r = sd_device_monitor_new(&m);
        if (r >= 0)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(m, "pci", NULL);
        if (r >= 0)
                r = sd_device_monitor_attach_event(m, e);
        if (r >= 0)
                r = sd_device_monitor_start(m, on_uevent, NULL);
        if (r < 0) {
                fprintf(stderr, "sim-uevent-watch: cannot monitor uevents: %d\n", r);
                return 1;
        }
        printf("ready\n");
        fflush(stdout);
        r = sd_event_loop(e);
        sd_device_monitor_unref(m);
        sd_event_unref(e);
        return r < 0 ? 1 : 0;
}
