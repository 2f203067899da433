/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hisi-accmigctl's side of the bus (see ctl-bus.h). */

#include <stdio.h>
#include <string.h>

#include "accmig-bus.h"
#include "ctl-bus.h"
#include "ctl-json.h"
#include "ctl.h"
#include "json-cleanup.h"
#include "macro.h"

int ctl_bus_open(sd_bus **ret) {
        int r;

        r = sd_bus_open_system(ret);
        if (r < 0)
                return r;
        (void)sd_bus_error_add_map(bus_error_map);
        return 0;
}

int ctl_get_all(sd_bus *bus, const char *path, const char *interface, json_object **ret,
                sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, ACCMIG_BUS_NAME, path, "org.freedesktop.DBus.Properties",
                               "GetAll", error, &reply, "s", interface);
        if (r < 0)
                return r;
        r = ctl_json_read(reply, ret);
        return r < 0 ? r : r == 0 ? -EBADMSG : 0;
}

int ctl_exit_code_for(const sd_bus_error *e) {
        if (!e || !e->name)
                return EXIT_FAILED;
        if (sd_bus_error_has_names(e, ACCMIG_ERROR_NO_SUCH_DEVICE, ACCMIG_ERROR_NOT_A_VF))
                return EXIT_NO_DEVICE;
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_ACCESS_DENIED,
                                   "org.freedesktop.DBus.Error.AuthFailed"))
                return EXIT_DENIED;
        if (sd_bus_error_has_names(e, ACCMIG_ERROR_PEER_FAILED))
                return EXIT_PEER;
        if (sd_bus_error_has_names(e, ACCMIG_ERROR_EXCLUDED, ACCMIG_ERROR_MANAGED_BY_LIBVIRT,
                                   ACCMIG_ERROR_HELD_BY_OTHER, ACCMIG_ERROR_BUSY,
                                   ACCMIG_ERROR_SHUTTING_DOWN, ACCMIG_ERROR_NOT_BOUND))
                return EXIT_REFUSED;
        if (sd_bus_error_has_names(e, ACCMIG_ERROR_TIMEOUT, SD_BUS_ERROR_NO_REPLY,
                                   SD_BUS_ERROR_TIMEOUT))
                return EXIT_TIMEOUT;
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                   SD_BUS_ERROR_DISCONNECTED, SD_BUS_ERROR_NO_SERVER))
                return EXIT_UNREACHABLE;
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_INVALID_ARGS))
                return EXIT_USAGE;
        return EXIT_FAILED;
}

int ctl_call_failed(const char *what, const sd_bus_error *e, int r) {
        if (arg_json) {
                _cleanup_json_ json_object *o = json_object_new_object();
                json_object_object_add(o, "error",
                                       json_object_new_string(e && e->name ? e->name : "errno"));
                json_object_object_add(
                        o, "message",
                        json_object_new_string(e && e->message ? e->message : strerror(-r)));
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
        }
        if (e && e->name &&
            sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                fprintf(stderr,
                        "hisi-accmigctl: hisi-accmigd is not running (%s is not on the "
                        "system bus).\n",
                        ACCMIG_BUS_NAME);
        else
                fprintf(stderr, "hisi-accmigctl: %s: %s\n", what,
                        e && e->message ? e->message : strerror(-r));
        return e && e->name ? ctl_exit_code_for(e) : EXIT_FAILED;
}
