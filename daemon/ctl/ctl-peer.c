/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl's verbs about other hosts: check, whether VFs could move to another host and,
 * if not, exactly why, asked of the daemon (Manager.Check) which asks the other host's daemon.
 * Nothing stops and nothing is reserved.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "accmig-bus.h"
#include "ctl-bus.h"
#include "ctl-json.h"
#include "ctl-table.h"
#include "ctl.h"
#include "hisi/pci-address.h"
#include "json-cleanup.h"
#include "macro.h"
#include "strv.h"

/* One verdict as the reply carries it. */
typedef struct Verdict {
        const char *source, *destination;
        int accepted;
        char **reasons;
} Verdict;

/* One row per reason; a verdict without any still has its row. */
static int print_table(Verdict *v, size_t n) {
        _cleanup_table_ CtlTable *t = ctl_table_new();
        int r = t ? 0 : -ENOMEM;

        if (r >= 0)
                r = ctl_table_add_column(t, "SOURCE", 14, CTL_SHRINK_NEVER);
        if (r >= 0)
                r = ctl_table_add_column(t, "DESTINATION", 14, CTL_SHRINK_NEVER);
        if (r >= 0)
                r = ctl_table_add_column(t, "VERDICT", 9, CTL_SHRINK_NEVER);
        if (r >= 0)
                r = ctl_table_add_column(t, "REASONS", 0, CTL_SHRINK_FIRST);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                size_t n_rows = MAX(strv_length(v[i].reasons), (size_t)1);

                for (size_t k = 0; r >= 0 && k < n_rows; k++) {
                        const char *dest = *v[i].destination ? v[i].destination : "-";
                        const char *cells[] = {
                                k == 0 ? v[i].source : "",
                                k == 0 ? dest : "",
                                k > 0           ? ""
                                : v[i].accepted ? "accepted"
                                                : "refused",
                                v[i].reasons && v[i].reasons[k] ? v[i].reasons[k] : "",
                        };
                        for (size_t c = 0; r >= 0 && c < ELEMENTSOF(cells); c++)
                                r = ctl_table_add_cell(t, cells[c]);
                }
        }
        if (r >= 0)
                r = ctl_table_print_stdout(t);
        if (r < 0) {
                fprintf(stderr, "hisi-accmigctl: check: cannot print the table: %s\n",
                        strerror(-r));
                return EXIT_FAILED;
        }
        return EXIT_OK;
}

static json_object *verdicts_to_json(const char *peer, Verdict *v, size_t n, bool all) {
        json_object *o = json_object_new_object(), *a = json_object_new_array();

        json_object_object_add(o, "peer", json_object_new_string(peer));
        json_object_object_add(o, "accepted", json_object_new_boolean(all));
        for (size_t i = 0; i < n; i++) {
                json_object *d = json_object_new_object(), *r = json_object_new_array();

                json_object_object_add(d, "source", json_object_new_string(v[i].source));
                json_object_object_add(d, "destination",
                                       *v[i].destination ? json_object_new_string(v[i].destination)
                                                         : NULL);
                json_object_object_add(d, "accepted", json_object_new_boolean(v[i].accepted));
                for (size_t k = 0; v[i].reasons && v[i].reasons[k]; k++)
                        json_object_array_add(r, json_object_new_string(v[i].reasons[k]));
                json_object_object_add(d, "reasons", r);
                json_object_array_add(a, d);
        }
        json_object_object_add(o, "devices", a);
        return o;
}

static void verdicts_free(Verdict *v, size_t n) {
        for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; v[i].reasons && v[i].reasons[k]; k++)
                        free(v[i].reasons[k]);
                free(v[i].reasons);
        }
        free(v);
}

static int verb_check(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        Verdict *v = NULL;
        size_t n = 0;
        bool all = true;
        int ret = EXIT_OK;
        int r;

        r = ctl_new_transfer_call(bus, "check", "Check", argc, argv, &call);
        if (r != EXIT_OK)
                return r;
        r = sd_bus_call(bus, call, arg_timeout_usec, &error, &reply);
        if (r < 0)
                return ctl_call_failed("check", &error, r);

        r = sd_bus_message_enter_container(reply, 'a', "(ssbas)");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, 'r', "ssbas")) > 0) {
                Verdict *nv = realloc(v, (n + 1) * sizeof(*v));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                v = nv;
                v[n] = (Verdict){};
                r = sd_bus_message_read(reply, "ssb", &v[n].source, &v[n].destination,
                                        &v[n].accepted);
                if (r >= 0)
                        r = sd_bus_message_read_strv(reply, &v[n].reasons);
                n++;
                if (r >= 0)
                        r = sd_bus_message_exit_container(reply);
                all = all && v[n - 1].accepted;
        }
        if (r < 0) {
                fprintf(stderr, "hisi-accmigctl: check: a malformed answer: %s\n", strerror(-r));
                verdicts_free(v, n);
                return EXIT_FAILED;
        }
        if (arg_json) {
                _cleanup_json_ json_object *o = verdicts_to_json(arg_to, v, n, all);
                ctl_json_print(o);
        } else
                ret = print_table(v, n);
        verdicts_free(v, n);
        if (ret != EXIT_OK)
                return ret;
        return all ? EXIT_OK : EXIT_INCOMPATIBLE;
}

/* The options of Check and Migrate: the destination VFs, and Migrate's manual steps. */
static int append_options(sd_bus_message *call, bool migrate) {
        int r = sd_bus_message_open_container(call, 'a', "{sv}");

        if (r >= 0 && arg_n_to_devices > 0) {
                r = sd_bus_message_open_container(call, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(call, "s", "to-devices");
                if (r >= 0)
                        r = sd_bus_message_open_container(call, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_append_strv(call, arg_to_devices);
                if (r >= 0)
                        r = sd_bus_message_close_container(call);
                if (r >= 0)
                        r = sd_bus_message_close_container(call);
        }
        if (r >= 0 && migrate && arg_manual_switchover)
                r = sd_bus_message_append(call, "{sv}", "manual-switchover", "b", 1);
        if (r >= 0 && migrate && arg_manual_commit)
                r = sd_bus_message_append(call, "{sv}", "manual-commit", "b", 1);
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        return r;
}

int ctl_new_transfer_call(sd_bus *bus, const char *verb, const char *method, int argc, char **argv,
                          sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        int r;

        /* --to and --to-device were checked with the arguments (ctl.c). */
        r = sd_bus_message_new_method_call(bus, &call, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                           ACCMIG_MANAGER_INTERFACE, method);
        if (r >= 0)
                r = sd_bus_message_append_strv(call, argv + 1);
        if (r >= 0)
                r = sd_bus_message_append(call, "s", arg_to);
        if (r >= 0)
                r = append_options(call, streq(method, "Migrate"));
        if (r < 0) {
                fprintf(stderr, "hisi-accmigctl: cannot build the call: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        *ret = TAKE_PTR(call);
        return EXIT_OK;
}

static const CtlVerb verbs[] = {
        { "check", "VF... --to HOST[:PORT]",
          "Would these VFs' state fit on another host? (root; nothing stops)", 1, true, verb_check,
          .more = true },
};

const CtlVerbGroup ctl_peer_verbs = { verbs, ELEMENTSOF(verbs) };
