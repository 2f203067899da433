/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading the arguments that several methods share, in the bus layer: a list of VF addresses
 * (as), and an options dictionary (a{sv}) against a table of the known keys. Each refusal is
 * InvalidArgs with a sentence that names the argument and quotes at most a short piece of it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

/* "as" of PCI addresses into canonical ones, NULL-terminated, at most max; "" stays "" when
 * allow_empty (a list with holes). what names the argument in messages. */
int bus_read_vf_list(sd_bus_message *message, const char *what, bool allow_empty, size_t max,
                     char ***ret, size_t *ret_n, sd_bus_error *error);

typedef struct BusOption {
        const char *name;
        char type;     /* 'b' (bool) or 'a' (as of VF addresses, "" for none) */
        size_t offset; /* bool, or char ** and the count at offset_n */
        size_t offset_n;
} BusOption;

/* a{sv} into base through table (ended by an entry without a name). An unknown key, or a value
 * of another type, is refused. */
int bus_read_options(sd_bus_message *message, const BusOption *table, void *base,
                     sd_bus_error *error);

/* What Check and Migrate take: VFs, the other host and options. An options struct for them
 * starts with this header, which the "to-devices" option fills. */
typedef struct BusTransferOptions {
        char **to;
        size_t n_to;
} BusTransferOptions;

typedef struct BusTransfer {
        char **vfs;
        size_t n_vfs;
        char *host;
        uint16_t port; /* 0: the configured peer.port */
} BusTransfer;

void bus_transfer_done(BusTransfer *t);

/* (as vfs, s peer, a{sv} options) of a Check or Migrate call into t and opts (whose struct
 * starts with a BusTransferOptions); what names the operation in messages ("check"). Refuses no
 * VF, a to-devices of another length, a peer that is not HOST[:PORT]. */
int bus_read_transfer(sd_bus_message *message, const char *what, const BusOption *options,
                      BusTransferOptions *opts, BusTransfer *t, sd_bus_error *error);

/* A Check or Migrate that could not start (-errno and the sentence text) as its D-Bus error:
 * NoSuchDevice, NotAVirtualFunction, NotBound, Busy, or fallback (the operation's own). */
int bus_transfer_error(int r, const char *text, const char *fallback, sd_bus_error *error);
