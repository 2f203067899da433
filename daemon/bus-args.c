/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The arguments several methods share (see bus-args.h). */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accmig-bus.h"
#include "bus-args.h"
#include "bus-util.h"
#include "hisi/pci-address.h"
#include "hisi/peer-wire.h"
#include "macro.h"
#include "parse-util.h"
#include "string-util.h"
#include "strv.h"

int bus_read_vf_list(sd_bus_message *message, const char *what, bool allow_empty, size_t max,
                     char ***ret, size_t *ret_n, sd_bus_error *error) {
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

                if (n >= max)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "%s: at most %zu VFs.", what, max);
                nl = realloc(l, (n + 2) * sizeof(char *));
                if (!nl)
                        return -ENOMEM;
                l = nl;
                l[n] = l[n + 1] = NULL;
                if (allow_empty && !*s)
                        canonical[0] = 0;
                else if (hisi_pci_address_normalize(s, canonical) < 0) {
                        char quoted[BUS_EXCERPT_SIZE];

                        bus_excerpt(s, quoted);
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "%s: \"%s\" is not a PCI address.", what, quoted);
                }
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

static const BusOption *find_option(const BusOption *table, const char *key) {
        for (const BusOption *o = table; o->name; o++)
                if (streq(o->name, key))
                        return o;
        return NULL;
}

int bus_read_options(sd_bus_message *message, const BusOption *table, void *base,
                     sd_bus_error *error) {
        const char *key;
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(message, 'e', "sv")) > 0) {
                const BusOption *o;

                r = sd_bus_message_read_basic(message, 's', &key);
                if (r < 0)
                        return r;
                o = find_option(table, key);
                if (!o) {
                        char quoted[BUS_EXCERPT_SIZE];

                        bus_excerpt(key, quoted);
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Unknown option \"%s\".", quoted);
                }
                r = sd_bus_message_enter_container(message, 'v', o->type == 'b' ? "b" : "as");
                if (r < 0)
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Option %s must be of type %s.", o->name,
                                                 o->type == 'b' ? "b" : "as");
                if (o->type == 'b') {
                        int b;

                        r = sd_bus_message_read_basic(message, 'b', &b);
                        if (r < 0)
                                return r;
                        *(bool *)((uint8_t *)base + o->offset) = b;
                } else {
                        char ***target = (char ***)((uint8_t *)base + o->offset);

                        *target = strv_free(*target);
                        r = bus_read_vf_list(message, o->name, true, SIZE_MAX, target,
                                             (size_t *)((uint8_t *)base + o->offset_n), error);
                        if (r < 0)
                                return r;
                }
                r = sd_bus_message_exit_container(message);
                if (r >= 0)
                        r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(message);
}

void bus_transfer_done(BusTransfer *t) {
        t->vfs = strv_free(t->vfs);
        t->host = mfree(t->host);
}

int bus_read_transfer(sd_bus_message *message, const char *what, const BusOption *options,
                      BusTransferOptions *opts, BusTransfer *t, sd_bus_error *error) {
        const char *peer;
        int r;

        r = bus_read_vf_list(message, "vfs", false, HISI_WIRE_DEVICES_MAX, &t->vfs, &t->n_vfs,
                             error);
        if (r < 0)
                return r;
        r = sd_bus_message_read_basic(message, 's', &peer);
        if (r < 0)
                return r;
        r = bus_read_options(message, options, opts, error);
        if (r < 0)
                return r;
        if (t->n_vfs == 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No VF to %s.", what);
        if (opts->to && opts->n_to != t->n_vfs)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "to-devices names %zu VFs for %zu VFs to %s.", opts->n_to,
                                         t->n_vfs, what);
        if (parse_host_port(peer, &t->host, &t->port) < 0) {
                char quoted[BUS_EXCERPT_SIZE];

                bus_excerpt(peer, quoted);
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "\"%s\" is not HOST or HOST:PORT.", quoted);
        }
        return 0;
}

int bus_transfer_error(int r, const char *text, const char *fallback, sd_bus_error *error) {
        const char *name;

        switch (-r) {
        case ENODEV:
                name = ACCMIG_ERROR_NO_SUCH_DEVICE;
                break;
        case EINVAL:
                name = ACCMIG_ERROR_NOT_A_VF;
                break;
        case EADDRNOTAVAIL:
                name = ACCMIG_ERROR_NOT_BOUND;
                break;
        case EBUSY:
                name = ACCMIG_ERROR_BUSY;
                break;
        case ENOMEM:
                return -ENOMEM;
        default:
                name = fallback;
        }
        return sd_bus_error_set(error, name, text ?: strerror(-r));
}
