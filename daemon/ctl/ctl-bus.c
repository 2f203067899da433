/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hisi-accmigctl's side of the bus (see ctl-bus.h). */

#include <stdio.h>
#include <string.h>

#include "accmig-bus.h"
#include "ctl-bus.h"
#include "ctl-error.h"
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
        _cleanup_json_ json_object *props = NULL;
        int r;

        r = sd_bus_call_method(bus, ACCMIG_BUS_NAME, path, "org.freedesktop.DBus.Properties",
                               "GetAll", error, &reply, "s", interface);
        if (r < 0)
                return r;
        r = ctl_json_read(reply, &props);
        if (r < 0)
                return r;
        if (r == 0)
                return -EBADMSG;
        /* In the tools' key style (snake_case, named struct members). */
        return ctl_json_properties(props, ret);
}

int ctl_call_failed(const char *what, const sd_bus_error *e, int r) {
        _cleanup_free_ char *sentence = ctl_error_sentence(arg_verb, what, e, r);

        if (arg_json) {
                _cleanup_json_ json_object *o = json_object_new_object();
                json_object_object_add(o, "error",
                                       json_object_new_string(e && e->name ? e->name : "errno"));
                json_object_object_add(o, "message",
                                       json_object_new_string(sentence ?: strerror(ENOMEM)));
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
        }
        fprintf(stderr, "hisi-accmigctl: %s\n", sentence ?: strerror(ENOMEM));
        return e && e->name ? ctl_exit_code_for(e) : EXIT_FAILED;
}
