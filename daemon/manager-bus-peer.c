/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager interface's peer part (the bus layer only): Check() and the PeerListen and
 * PeerError properties. The logic is manager-peer.c's; this file turns messages into plain
 * arguments and verdicts into replies.
 */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "accmig-bus.h"
#include "bus-args.h"
#include "bus-util.h"
#include "file-util.h"
#include "hisi/pci-address.h"
#include "log.h"
#include "manager-peer.h"
#include "manager.h"
#include "parse-util.h"
#include "peer-link.h"
#include "string-util.h"
#include "strv.h"

int manager_bus_property_peer_listen(sd_bus *bus, const char *path, const char *interface,
                                     const char *property, sd_bus_message *reply, void *userdata,
                                     sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s",
                                     m->peer_link ? peer_link_describe(m->peer_link) : "");
}

int manager_bus_property_peer_error(sd_bus *bus, const char *path, const char *interface,
                                    const char *property, sd_bus_message *reply, void *userdata,
                                    sd_bus_error *error) {
        Manager *m = userdata;
        return sd_bus_message_append(reply, "s", strempty(m->peer_error));
}

static const BusOption check_options[] = {
        { "to-devices", 'a', offsetof(BusTransferOptions, to), offsetof(BusTransferOptions, n_to) },
        {},
};

static void on_check_done(Manager *m, int error, const char *error_text,
                          const hisi_peer_check_reply *reply, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = userdata, *answer = NULL;
        int r;

        if (error < 0) {
                r = sd_bus_reply_method_errorf(call,
                                               error == -ESHUTDOWN ? ACCMIG_ERROR_SHUTTING_DOWN
                                                                   : ACCMIG_ERROR_PEER_FAILED,
                                               "%s", strna(error_text));
                goto done;
        }
        r = sd_bus_message_new_method_return(call, &answer);
        if (r >= 0)
                r = sd_bus_message_open_container(answer, 'a', "(ssbas)");
        for (size_t i = 0; r >= 0 && i < reply->n_devices; i++) {
                const hisi_peer_check_result *res = &reply->devices[i];

                r = sd_bus_message_open_container(answer, 'r', "ssbas");
                if (r >= 0)
                        r = sd_bus_message_append(answer, "ssb", res->source,
                                                  strempty(res->destination), res->accepted);
                if (r >= 0)
                        r = sd_bus_message_append_strv(answer, res->reasons);
                if (r >= 0)
                        r = sd_bus_message_close_container(answer);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(answer);
        if (r >= 0)
                r = sd_bus_send(NULL, answer, NULL);
done:
        if (r < 0)
                log_debug_errno(r, "Failed to answer a Check call: %m");
}

int manager_bus_method_check(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(bus_transfer_done) BusTransfer t = {};
        _cleanup_free_ char *text = NULL;
        BusTransferOptions o = {};
        Manager *m = userdata;
        int r;

        /* Access before arguments: a check opens the VFs it describes. */
        r = bus_verify_root(message, "Only root may check a migration: it opens the VFs.", error);
        if (r < 0)
                return r;
        r = bus_read_transfer(message, "check", check_options, &o, &t, error);
        _cleanup_strv_free_ char **to = o.to;
        if (r < 0)
                return r;
        if (m->state == MANAGER_STOPPING)
                return sd_bus_error_set(error, ACCMIG_ERROR_SHUTTING_DOWN,
                                        "The daemon is stopping.");
        r = manager_check(m, t.vfs, t.n_vfs, to, t.host, t.port, on_check_done,
                          sd_bus_message_ref(message), &text);
        if (r < 0) {
                sd_bus_message_unref(message);
                return bus_transfer_error(r, text, ACCMIG_ERROR_PEER_FAILED, error);
        }
        return 1; /* answered when the peer has */
}
