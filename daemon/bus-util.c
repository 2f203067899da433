/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bus layer's shared helpers: the caller checks (root, polkit), PropertiesChanged (see
 * bus-util.h). */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- polkit ---- */

#define POLKIT_NAME        "org.freedesktop.PolicyKit1"
#define POLKIT_PATH        "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_INTERFACE   "org.freedesktop.PolicyKit1.Authority"
#define POLKIT_QUERIES_MAX 64

/* A question to polkit about one method call, until the call comes again with the answer. */
typedef struct PolkitQuery {
        sd_bus_message *request;
        sd_bus_slot *slot; /* the CheckAuthorization call; NULL once answered */
        const char *action;
        int result; /* 1 authorized, 0 not, -ENOENT polkit is not there */
} PolkitQuery;

/* Few at a time: one per changing call of a non-root caller in flight. */
static PolkitQuery polkit_queries[POLKIT_QUERIES_MAX];

static void polkit_query_done(PolkitQuery *q) {
        q->slot = sd_bus_slot_unref(q->slot);
        q->request = sd_bus_message_unref(q->request);
        q->action = NULL;
}

void bus_verify_admin_flush(void) {
        for (size_t i = 0; i < POLKIT_QUERIES_MAX; i++)
                polkit_query_done(&polkit_queries[i]);
}

static int on_polkit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);
        if (e) {
                q->result = sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                                   SD_BUS_ERROR_NAME_HAS_NO_OWNER)
                                    ? -ENOENT
                                    : 0;
                if (q->result == 0)
                        log_warning("polkit could not check %s: %s", q->action, e->message);
        } else {
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0)
                        log_warning_errno(r, "polkit's answer about %s is malformed: %m",
                                          q->action);
                q->result = r >= 0 && authorized;
        }
        /* The call again, now with its answer. */
        r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(q->request), q->request);
        if (r < 0) {
                log_error_errno(r, "Failed to dispatch a call again after polkit's answer: %m");
                polkit_query_done(q);
        }
        return 0;
}

static int polkit_ask(sd_bus_message *message, const char *action) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        sd_bus *bus = sd_bus_message_get_bus(message);
        PolkitQuery *q = NULL;
        int r;

        for (size_t i = 0; i < POLKIT_QUERIES_MAX && !q; i++)
                if (!polkit_queries[i].request)
                        q = &polkit_queries[i];
        if (!q)
                return -EBUSY;
        r = sd_bus_message_new_method_call(bus, &call, POLKIT_NAME, POLKIT_PATH, POLKIT_INTERFACE,
                                           "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name",
                                          "s", sd_bus_message_get_sender(message), action, 0,
                                          UINT32_C(0), "");
        if (r < 0)
                return r;
        r = sd_bus_call_async(bus, &q->slot, call, on_polkit_reply, q, 0);
        if (r < 0)
                return r;
        q->request = sd_bus_message_ref(message);
        q->action = action;
        q->result = -EINPROGRESS;
        return 1;
}

int bus_verify_admin(sd_bus_message *message, const char *action, const char *denied_message,
                     sd_bus_error *error) {
        int r;

        assert(message);
        assert(action);

        r = bus_verify_root(message, denied_message, error);
        if (r >= 0)
                return 0;
        for (size_t i = 0; i < POLKIT_QUERIES_MAX; i++) {
                PolkitQuery *q = &polkit_queries[i];
                int result;

                if (q->request != message || !streq_ptr(q->action, action))
                        continue;
                if (q->result == -EINPROGRESS) {
                        sd_bus_error_free(error);
                        return 1; /* still waiting */
                }
                result = q->result;
                polkit_query_done(q);
                if (result < 0)
                        return r; /* no polkit: root only */
                sd_bus_error_free(error);
                if (result > 0)
                        return 0;
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "%s polkit does not authorize %s for this user.",
                                         denied_message, action);
        }
        sd_bus_error_free(error);
        r = polkit_ask(message, action);
        if (r < 0) {
                log_debug_errno(r, "Failed to ask polkit about %s: %m", action);
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, denied_message);
        }
        return 1;
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

void bus_excerpt(const char *s, char out[static BUS_EXCERPT_SIZE]) {
        size_t n = 0, i;

        for (i = 0; s[i] && i < BUS_EXCERPT_MAX; i++) {
                unsigned char ch = (unsigned char)s[i];

                if (ch >= 0x20 && ch < 0x7f && ch != '\'' && ch != '"' && ch != '\\')
                        out[n++] = (char)ch;
                else
                        n += (size_t)snprintf(out + n, 5, "\\x%02x", ch);
        }
        if (s[i]) {
                memcpy(out + n, "...", 3);
                n += 3;
        }
        out[n] = '\0';
}
