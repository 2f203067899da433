/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Prints the PCI uevents an sd_device_monitor receives, one line each ("bind 0000:75:00.1
 * hisi_acc_vfio_pci"), after a first line "ready". Run under `hisi-accsim exec`, it shows what a
 * daemon's udev code would see of the simulated host. Exits on SIGTERM or stdin's end.
 */

#include <stdio.h>
#include <systemd/sd-device.h>
#include <systemd/sd-event.h>
#include <unistd.h>

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
