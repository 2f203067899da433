/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hisi-accmigctl's failed calls in words and exit codes (see ctl-error.h). */

#include <stdio.h>
#include <string.h>

#include "accmig-bus.h"
#include "ctl-error.h"
#include "ctl.h"
#include "file-util.h"
#include "macro.h"
#include "string-util.h"

#define DBUS_ERROR_AUTH_FAILED      "org.freedesktop.DBus.Error.AuthFailed"
#define DBUS_ERROR_INTERACTIVE_AUTH "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired"
/* How dbus-daemon's policy refusals begin. */
#define DBUS_REJECTED_PREFIX "Rejected send message"

int ctl_exit_code_for(const sd_bus_error *e) {
        if (!e || !e->name)
                return EXIT_FAILED;
        if (sd_bus_error_has_names(e, ACCMIG_ERROR_NO_SUCH_DEVICE, ACCMIG_ERROR_NOT_A_VF))
                return EXIT_NO_DEVICE;
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_ACCESS_DENIED, DBUS_ERROR_AUTH_FAILED,
                                   DBUS_ERROR_INTERACTIVE_AUTH))
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

/* What a changing verb does, for "only root may …". */
static const char *verb_action(const char *verb) {
        static const struct {
                const char *verb, *action;
        } actions[] = {
                { "bind", "bind a VF to hisi_acc_vfio_pci" },
                { "unbind", "give a VF back to its host driver" },
                { "reload", "make hisi-accmigd read its configuration again" },
                { "check", "check a migration with another host" },
        };

        for (size_t i = 0; i < ELEMENTSOF(actions); i++)
                if (streq_ptr(verb, actions[i].verb))
                        return actions[i].action;
        return "do this";
}

char *ctl_error_sentence(const char *verb, const char *what, const sd_bus_error *e, int r) {
        const char *message = e && e->message && e->message[0] ? e->message : NULL;
        char *s = NULL;
        int k;

        if (e &&
            sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                k = asprintf_safe(&s,
                                  "hisi-accmigd is not running (%s is not on the system bus). "
                                  "Start it with: systemctl start hisi-accmigd",
                                  ACCMIG_BUS_NAME);
        else if (e && ctl_exit_code_for(e) == EXIT_DENIED &&
                 (!message ||
                  strncmp(message, DBUS_REJECTED_PREFIX, STRLEN(DBUS_REJECTED_PREFIX)) == 0))
                /* The bus's policy said no before the daemon saw the call: the daemon's own
                 * refusals already say who may. */
                k = asprintf_safe(&s,
                                  "%s: permission denied: only root may %s. Run hisi-accmigctl "
                                  "as root (sudo hisi-accmigctl %s ...).",
                                  what, verb_action(verb), strna(verb));
        else if (e && sd_bus_error_has_names(e, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT))
                k = asprintf_safe(&s,
                                  "%s: hisi-accmigd did not answer in time (--timeout gives it "
                                  "longer).",
                                  what);
        else if (e && sd_bus_error_has_names(e, SD_BUS_ERROR_DISCONNECTED, SD_BUS_ERROR_NO_SERVER))
                k = asprintf_safe(&s, "%s: the connection to the system bus was lost.", what);
        else if (e && sd_bus_error_has_names(e, SD_BUS_ERROR_UNKNOWN_METHOD,
                                             SD_BUS_ERROR_UNKNOWN_INTERFACE,
                                             SD_BUS_ERROR_UNKNOWN_OBJECT))
                k = asprintf_safe(&s,
                                  "%s: the running hisi-accmigd does not know this request; it "
                                  "is of another version than hisi-accmigctl (restart it after "
                                  "an upgrade).",
                                  what);
        else
                k = asprintf_safe(&s, "%s: %s", what, message ?: strerror(r < 0 ? -r : EIO));
        return k < 0 ? NULL : s;
}
