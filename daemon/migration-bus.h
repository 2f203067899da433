/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The com.hisilicon.AccMig1.Migration interface: one object per migration at
 * /com/hisilicon/AccMig1/migration/<id>, added and removed with InterfacesAdded/Removed,
 * PropertiesChanged for every change (several changes in a row coalesced into one). The bus layer
 * alone: the logic is migration*.c's.
 */
#pragma once

#include <systemd/sd-bus.h>

typedef struct Migration Migration;
typedef struct Manager Manager;

/* Migration properties that change, as bits for migration_bus_send_changed(). */
enum {
        MIGRATION_PROP_PHASE = 1u << 0,     /* Phase */
        MIGRATION_PROP_DEVICES = 1u << 1,   /* Devices, BytesTotal */
        MIGRATION_PROP_ERROR = 1u << 2,     /* Error */
        MIGRATION_PROP_FINISHED = 1u << 3,  /* FinishedAt */
        MIGRATION_PROP_ATTENTION = 1u << 4, /* Attention */
};

extern const sd_bus_vtable migration_vtable[];

/* The object of a migration from its path: for the fallback vtable. */
int migration_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                          void **ret_found, sd_bus_error *error);
int migration_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***ret_nodes,
                              sd_bus_error *error);

void migration_bus_add(Migration *m);    /* InterfacesAdded */
void migration_bus_remove(Migration *m); /* InterfacesRemoved */
void migration_bus_send_changed(Migration *m, unsigned props);
