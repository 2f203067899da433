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

typedef struct CheckOptions {
        char **to;
        size_t n_to;
} CheckOptions;

static const BusOption check_options[] = {
        { "to-devices", 'a', offsetof(CheckOptions, to), offsetof(CheckOptions, n_to) },
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
        _cleanup_strv_free_ char **vfs = NULL;
        _cleanup_free_ char *host = NULL, *text = NULL;
        CheckOptions o = {};
        size_t n_vfs = 0;
        Manager *m = userdata;
        const char *peer;
        uint16_t port;
        int r;

        /* Access before arguments: a check opens the VFs it describes. */
        r = bus_verify_root(message, "Only root may check a migration: it opens the VFs.", error);
        if (r < 0)
                return r;
        r = bus_read_vf_list(message, "vfs", false, HISI_WIRE_DEVICES_MAX, &vfs, &n_vfs, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read_basic(message, 's', &peer);
        if (r < 0)
                return r;
        r = bus_read_options(message, check_options, &o, error);
        if (r < 0) {
                strv_free(o.to);
                return r;
        }
        _cleanup_strv_free_ char **to = o.to;
        size_t n_to = o.n_to;
        if (n_vfs == 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "No VF to check.");
        if (to && n_to != n_vfs)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "to-devices names %zu VFs for %zu VFs to check.", n_to,
                                         n_vfs);
        if (parse_host_port(peer, &host, &port) < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "\"%.64s\" is not HOST or HOST:PORT.", peer);
        if (m->state == MANAGER_STOPPING)
                return sd_bus_error_set(error, ACCMIG_ERROR_SHUTTING_DOWN,
                                        "The daemon is stopping.");
        r = manager_check(m, vfs, n_vfs, to, host, port, on_check_done, sd_bus_message_ref(message),
                          &text);
        if (r < 0) {
                sd_bus_message_unref(message);
                switch (-r) {
                case ENODEV:
                        return sd_bus_error_set(error, ACCMIG_ERROR_NO_SUCH_DEVICE, text);
                case EINVAL:
                        return sd_bus_error_set(error, ACCMIG_ERROR_NOT_A_VF, text);
                case EADDRNOTAVAIL:
                        return sd_bus_error_set(error, ACCMIG_ERROR_NOT_BOUND, text);
                case ENOMEM:
                        return -ENOMEM;
                default:
                        return sd_bus_error_set(error, ACCMIG_ERROR_PEER_FAILED,
                                                text ?: strerror(-r));
                }
        }
        return 1; /* answered when the peer has */
}
