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

/* An "as" into a NULL-terminated list of canonical VF addresses ("" kept as NULL when
 * allow_empty). Refusals name the argument. */
static int read_addresses(sd_bus_message *message, const char *what, bool allow_empty, char ***ret,
                          size_t *ret_n, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        const char *s;
        int r;

        r = sd_bus_message_enter_container(message, 'a', "s");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read_basic(message, 's', &s)) > 0) {
                char canonical[HISI_PCI_ADDRESS_MAX];
                char **nl;

                if (n >= HISI_WIRE_DEVICES_MAX)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "At most %u VFs per check.",
                                                 HISI_WIRE_DEVICES_MAX);
                nl = realloc(l, (n + 2) * sizeof(char *));
                if (!nl)
                        return -ENOMEM;
                l = nl;
                l[n] = l[n + 1] = NULL;
                if (allow_empty && !*s) {
                        l[n++] = NULL;
                        continue;
                }
                if (hisi_pci_address_normalize(s, canonical) < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "%s: \"%.32s\" is not a PCI address.", what, s);
                l[n] = strdup(canonical);
                if (!l[n])
                        return -ENOMEM;
                n++;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(message);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

/* The a{sv} options of Check: "to-devices" (as), the destination VF for each VF. */
static int read_options(sd_bus_message *message, char ***ret_to, size_t *ret_n,
                        sd_bus_error *error) {
        const char *key;
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(message, 'e', "sv")) > 0) {
                r = sd_bus_message_read_basic(message, 's', &key);
                if (r < 0)
                        return r;
                if (!streq(key, "to-devices"))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Unknown option \"%.32s\" (known: to-devices).",
                                                 key);
                r = sd_bus_message_enter_container(message, 'v', "as");
                if (r < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Option to-devices must be of type as.");
                *ret_to = strv_free(*ret_to);
                r = read_addresses(message, "to-devices", true, ret_to, ret_n, error);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(message);
}

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
        _cleanup_strv_free_ char **vfs = NULL, **to = NULL;
        _cleanup_free_ char *host = NULL, *text = NULL;
        size_t n_vfs = 0, n_to = 0;
        Manager *m = userdata;
        const char *peer;
        uint16_t port;
        int r;

        /* Access before arguments: a check opens the VFs it describes. */
        r = bus_verify_root(message, "Only root may check a migration: it opens the VFs.", error);
        if (r < 0)
                return r;
        r = read_addresses(message, "vfs", false, &vfs, &n_vfs, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read_basic(message, 's', &peer);
        if (r < 0)
                return r;
        r = read_options(message, &to, &n_to, error);
        if (r < 0)
                return r;
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
