/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus layer's shared helpers: the caller check, PropertiesChanged (see bus-util.h). */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

#include "bus-util.h"
#include "log.h"
#include "macro.h"
#include "string-util.h"

static void creds_unrefp(sd_bus_creds **c) {
        sd_bus_creds_unref(*c);
}

int bus_verify_root(sd_bus_message *message, const char *denied_message, sd_bus_error *error) {
        _cleanup_(creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid = (uid_t)-1;
        int r;

        assert(message);
        assert(denied_message);

        r = sd_bus_query_sender_creds(message, SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID, &creds);
        if (r >= 0 && sd_bus_creds_get_euid(creds, &uid) < 0)
                r = sd_bus_creds_get_uid(creds, &uid);
        if (r < 0)
                /* Who cannot be told apart from root is not root. */
                log_debug_errno(r, "Failed to read the uid of the caller %s, refusing: %m",
                                strna(sd_bus_message_get_sender(message)));
        else if (uid == 0)
                return 0;
        return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, denied_message);
}

int bus_emit_properties_changed(sd_bus *bus, const char *path, const char *interface,
                                const BusPropertyGroup *groups, size_t n_groups, unsigned props) {
        _cleanup_free_ char **names = NULL;
        size_t n = 0;

        assert(bus);
        assert(path);
        assert(interface);
        assert(groups || n_groups == 0);

        /* Room for every name of every group, and the NULL that ends the list. */
        names = calloc(n_groups * BUS_PROPERTY_GROUP_MAX + 1, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < n_groups; i++)
                if (props & groups[i].bit)
                        for (size_t k = 0; k < BUS_PROPERTY_GROUP_MAX && groups[i].names[k]; k++)
                                names[n++] = (char *)groups[i].names[k];
        /* An empty list would be sent as "nothing"; NULL would mean "every property". */
        if (n == 0)
                return 0;
        return sd_bus_emit_properties_changed_strv(bus, path, interface, names);
}
