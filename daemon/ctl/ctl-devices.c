/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl's reading verbs, open to every local user: status (the daemon and its PFs),
 * list (every VF), show (one VF). Each reads the daemon's properties into JSON once and prints
 * either that JSON (--json) or a table of it.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accmig-bus.h"
#include "ctl-bus.h"
#include "ctl-json.h"
#include "ctl-table.h"
#include "ctl.h"
#include "json-cleanup.h"
#include "macro.h"

static int print_table_or_oom(CtlTable *t, int r) {
        return ctl_table_finish(t, r) < 0 ? EXIT_FAILED : EXIT_OK;
}

static int print_pfs(json_object *pfs) {
        _cleanup_table_ CtlTable *t = ctl_table_new();
        int r = t ? 0 : -ENOMEM;

        if (r >= 0)
                r = ctl_table_add_column(t, "PF", 13, CTL_SHRINK_NEVER);
        if (r >= 0)
                r = ctl_table_add_column(t, "KIND", 5, CTL_SHRINK_NEVER);
        if (r >= 0)
                r = ctl_table_add_column(t, "DRIVER", 12, CTL_SHRINK_FIRST);
        if (r >= 0)
                r = ctl_table_add_column(t, "VFS", 0, CTL_SHRINK_NEVER);
        for (size_t i = 0; r >= 0 && i < json_object_array_length(pfs); i++) {
                json_object *pf = json_object_array_get_idx(pfs, i);
                char vfs[64];

                snprintf(vfs, sizeof(vfs), "%lld/%lld", (long long)ctl_json_int(pf, "num_vfs"),
                         (long long)ctl_json_int(pf, "total_vfs"));
                r = ctl_table_add_cell(t, ctl_json_str(pf, "address"));
                if (r >= 0)
                        r = ctl_table_add_cell(t, ctl_json_str(pf, "kind"));
                if (r >= 0)
                        r = ctl_table_add_cell(t, ctl_dash(ctl_json_str(pf, "driver")));
                if (r >= 0)
                        r = ctl_table_add_cell(t, vfs);
        }
        return print_table_or_oom(t, r);
}

static int verb_status(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_json_ json_object *p = NULL;
        json_object *pfs;
        int r;

        r = ctl_get_all(bus, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, &p, &error);
        if (r < 0)
                return ctl_call_failed("status", &error, r);
        if (arg_json) {
                ctl_json_print(p);
                return EXIT_OK;
        }
        printf("hisi-accmigd %s: %s, backend %s, config %s\n", ctl_json_str(p, "version"),
               ctl_json_str(p, "state"), ctl_json_str(p, "backend"),
               ctl_json_str(p, "config_file"));
        if (ctl_json_str(p, "backend_error")[0])
                printf("Backend: %s\n", ctl_json_str(p, "backend_error"));
        if (ctl_json_int(p, "stuck_writes") > 0)
                printf("Stuck writes: %lld (their VFs wait until the kernel lets them go)\n",
                       (long long)ctl_json_int(p, "stuck_writes"));
        printf("Binding policy: %s\n", ctl_json_str(p, "bind_policy"));
        printf("VFs: %lld (%lld bound to hisi_acc_vfio_pci, %lld failed), %lld bind job%s "
               "pending\n",
               (long long)ctl_json_int(p, "device_count"),
               (long long)ctl_json_int(p, "bound_count"),
               (long long)ctl_json_int(p, "failed_count"),
               (long long)ctl_json_int(p, "pending_jobs"),
               ctl_json_int(p, "pending_jobs") == 1 ? "" : "s");
        printf("libvirt: %s%s%s\n", ctl_json_str(p, "libvirt_state"),
               ctl_json_str(p, "libvirt_error")[0] ? ": " : "", ctl_json_str(p, "libvirt_error"));
        if (json_object_object_get_ex(p, "physical_functions", &pfs) &&
            json_object_array_length(pfs) > 0) {
                putchar('\n');
                return print_pfs(pfs);
        }
        return EXIT_OK;
}

static int compare_address(const void *a, const void *b) {
        return strcmp(ctl_json_str(*(json_object *const *)a, "address"),
                      ctl_json_str(*(json_object *const *)b, "address"));
}

static int print_vfs(json_object *list) {
        static const struct {
                const char *header;
                size_t width;
                CtlShrink shrink;
        } columns[] = {
                { "VF", 13, CTL_SHRINK_NEVER },    { "KIND", 5, CTL_SHRINK_NEVER },
                { "PF", 13, CTL_SHRINK_LAST },     { "DRIVER", 18, CTL_SHRINK_SECOND },
                { "POLICY", 7, CTL_SHRINK_NEVER }, { "STATE", 9, CTL_SHRINK_NEVER },
                { "NOTE", 0, CTL_SHRINK_FIRST },
        };
        _cleanup_table_ CtlTable *t = ctl_table_new();
        int r = t ? 0 : -ENOMEM;

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(columns); i++)
                r = ctl_table_add_column(t, columns[i].header, columns[i].width, columns[i].shrink);
        for (size_t i = 0; r >= 0 && i < json_object_array_length(list); i++) {
                json_object *d = json_object_array_get_idx(list, i);
                const char *note = ctl_json_str(d, "last_error")[0] ? ctl_json_str(d, "last_error")
                                   : ctl_json_str(d, "libvirt_domain")[0] ? "libvirt-managed"
                                                                          : "";
                const char *cells[] = {
                        ctl_json_str(d, "address"),
                        ctl_json_str(d, "kind"),
                        ctl_dash(ctl_json_str(d, "pf")),
                        ctl_dash(ctl_json_str(d, "driver")),
                        ctl_json_str(d, "policy"),
                        ctl_json_str(d, "bind_state"),
                        note,
                };
                for (size_t k = 0; r >= 0 && k < ELEMENTSOF(cells); k++)
                        r = ctl_table_add_cell(t, cells[k]);
        }
        return print_table_or_oom(t, r);
}

static int verb_list(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_json_ json_object *objects = NULL, *list = NULL;
        int r;

        r = sd_bus_call_method(bus, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                               "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", &error,
                               &reply, NULL);
        if (r < 0)
                return ctl_call_failed("list", &error, r);
        r = ctl_json_read(reply, &objects);
        if (r <= 0) {
                fprintf(stderr, "hisi-accmigctl: malformed reply\n");
                return EXIT_FAILED;
        }
        list = json_object_new_array();
        json_object_object_foreach (objects, path, interfaces) {
                json_object *dev, *d;
                (void)path;
                if (!json_object_object_get_ex(interfaces, ACCMIG_DEVICE_INTERFACE, &dev))
                        continue;
                r = ctl_json_properties(dev, &d);
                if (r < 0) {
                        fprintf(stderr, "hisi-accmigctl: malformed reply\n");
                        return EXIT_FAILED;
                }
                json_object_array_add(list, d);
        }
        json_object_array_sort(list, compare_address);
        if (arg_json) {
                ctl_json_print(list);
                return EXIT_OK;
        }
        r = print_vfs(list);
        if (r == EXIT_OK && json_object_array_length(list) == 0)
                printf("(no HiSilicon accelerator VFs on this host)\n");
        return r;
}

static int verb_show(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_json_ json_object *p = NULL;
        static const char *const keys[] = {
                "Address",        "Kind",      "Name",           "DeviceId",      "PF",
                "VFIndex",        "Driver",    "DriverOverride", "Bound",         "IommuGroup",
                "VfioDevice",     "Policy",    "PolicyReason",   "LibvirtDomain", "Owner",
                "BindState",      "LastError", "BindAttempts",   "ControlMode",   "MigrationState",
                "MigrationFlags",
        };
        const char *path;
        int r;

        r = sd_bus_call_method(bus, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                               "GetDevice", &error, &reply, "s", argv[1]);
        if (r < 0)
                return ctl_call_failed(argv[1], &error, r);
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return EXIT_FAILED;
        r = ctl_get_all(bus, path, ACCMIG_DEVICE_INTERFACE, &p, &error);
        if (r < 0)
                return ctl_call_failed(argv[1], &error, r);
        if (arg_json) {
                ctl_json_print(p);
                return EXIT_OK;
        }
        /* Labelled with the properties' D-Bus names, found by their JSON keys. */
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                _cleanup_free_ char *key = ctl_json_key(keys[i]);
                json_object *v = NULL;
                const char *s;

                if (!key)
                        return EXIT_FAILED;
                s = json_object_object_get_ex(p, key, &v) && v ? json_object_get_string(v) : "";
                if (streq(keys[i], "DeviceId") && v)
                        printf("%16s: 0x%04llx\n", keys[i],
                               (unsigned long long)json_object_get_int64(v));
                else
                        printf("%16s: %s\n", keys[i], ctl_dash(s));
        }
        return EXIT_OK;
}

static const CtlVerb verbs[] = {
        { "status", "", "The daemon, its policy, the PFs and counts", 0, false, verb_status },
        { "list", "", "Every VF: driver, policy verdict, binding state", 0, false, verb_list },
        { "show", "VF", "Everything about one VF", 1, true, verb_show },
};

const CtlVerbGroup ctl_devices_verbs = { verbs, ELEMENTSOF(verbs) };
