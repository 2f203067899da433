/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl's changing verbs, root's (the D-Bus policy and the daemon check): bind and
 * unbind a VF (for now, or --persistent), and reload the daemon's configuration; and the list of
 * persistent bindings, which every user may read. A bind waits for the daemon's answer, which
 * comes when the driver has taken the VF or failed, up to --timeout.
 */

#include <stdio.h>
#include <string.h>

#include "accmig-bus.h"
#include "ctl-bus.h"
#include "ctl-json.h"
#include "ctl.h"
#include "json-cleanup.h"
#include "macro.h"

static int verb_bind(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        bool bind = streq(argv[0], "bind");
        const char *message;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                           ACCMIG_MANAGER_INTERFACE,
                                           bind ? "BindDevice" : "UnbindDevice");
        if (r >= 0)
                r = sd_bus_message_append(
                        call, "st", argv[1],
                        (arg_force ? ACCMIG_BIND_FORCE : UINT64_C(0)) |
                                (arg_persistent ? ACCMIG_BIND_PERSISTENT : UINT64_C(0)));
        if (r < 0) {
                fprintf(stderr, "hisi-accmigctl: cannot build the call: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        r = sd_bus_call(bus, call, arg_timeout_usec, &error, &reply);
        if (r < 0)
                return ctl_call_failed(argv[1], &error, r);
        r = sd_bus_message_read(reply, "s", &message);
        if (r < 0)
                return EXIT_FAILED;
        if (arg_json) {
                _cleanup_json_ json_object *o = json_object_new_object();
                json_object_object_add(o, "address", json_object_new_string(argv[1]));
                json_object_object_add(o, "message", json_object_new_string(message));
                json_object_object_add(o, "persistent", json_object_new_boolean(arg_persistent));
                ctl_json_print(o);
        } else
                printf("%s: %s%s\n", argv[1], message,
                       arg_persistent ? " (persistent: see hisi-accmigctl overrides)" : "");
        return EXIT_OK;
}

static int verb_overrides(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_json_ json_object *p = NULL;
        json_object *list = NULL;
        int r;

        r = ctl_get_all(bus, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, &p, &error);
        if (r < 0)
                return ctl_call_failed("overrides", &error, r);
        if (!json_object_object_get_ex(p, "overrides", &list) || !list) {
                fprintf(stderr, "hisi-accmigctl: overrides: the running hisi-accmigd has no "
                                "persistent bindings (it is older than hisi-accmigctl)\n");
                return EXIT_FAILED;
        }
        if (arg_json) {
                ctl_json_print(list);
                return EXIT_OK;
        }
        if (json_object_array_length(list) == 0) {
                printf("(no persistent bindings: the configuration's policy decides)\n");
                return EXIT_OK;
        }
        printf("%-13s %s\n", "VF", "BINDING");
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *o = json_object_array_get_idx(list, i);
                printf("%-13s %s\n", ctl_json_str(o, "address"), ctl_json_str(o, "binding"));
        }
        return EXIT_OK;
}

static int verb_reload(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                               "Reload", &error, NULL, NULL);
        if (r < 0)
                return ctl_call_failed("reload", &error, r);
        if (arg_json)
                puts("{}");
        return EXIT_OK;
}

static const CtlVerb verbs[] = {
        { "bind", "VF", "Bind a VF to hisi_acc_vfio_pci (root)", 1, true, verb_bind },
        { "unbind", "VF", "Give a VF back to its host driver (root)", 1, true, verb_bind },
        { "overrides", "", "The persistent bindings (bind/unbind --persistent)", 0, false,
          verb_overrides },
        { "reload", "", "Read the configuration again (root)", 0, false, verb_reload },
};

const CtlVerbGroup ctl_bind_verbs = { verbs, ELEMENTSOF(verbs) };
