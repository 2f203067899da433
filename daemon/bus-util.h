/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the daemon's bus layer (manager-bus.c, device-bus.c) does the same way everywhere: the
 * checks of a caller (root, or whom polkit authorizes), and PropertiesChanged from a table of
 * property groups. Only the bus
 * layer includes this; the logic below it never sees a message.
 */
#pragma once

#include <stddef.h>
#include <systemd/sd-bus.h>

/*
 * The caller of message is root: its effective uid, or its uid where the bus gives no effective
 * one. Anything else is refused with AccessDenied and denied_message, a uid that cannot be read
 * included. Returns 0 for root, a negative errno with error set otherwise. The D-Bus policy
 * already lets only root call the methods that change something: this is the daemon's own
 * check behind it.
 */
int bus_verify_root(sd_bus_message *message, const char *denied_message, sd_bus_error *error);

/* The polkit actions of the methods that change something (units/com.hisilicon.AccMig1.policy). */
#define ACCMIG_POLKIT_BIND    "com.hisilicon.accmig1.bind"
#define ACCMIG_POLKIT_RELOAD  "com.hisilicon.accmig1.reload"
#define ACCMIG_POLKIT_RESERVE "com.hisilicon.accmig1.reserve"

/*
 * The caller of message is root, or polkit authorizes it for action. Root passes at once.
 * Anyone else is asked about of org.freedesktop.PolicyKit1 (CheckAuthorization, without
 * interaction), without blocking the loop: the first time this returns > 0, and the method
 * handler returns 1 without answering; when polkit has answered, the same message is dispatched
 * again (sd_bus_enqueue_for_read()) and this call then returns 0 (authorized) or AccessDenied.
 * Where polkit does not run (no one owns its name), only root may: AccessDenied with
 * denied_message. Returns 0, > 0 or a negative errno with error set.
 */
int bus_verify_admin(sd_bus_message *message, const char *action, const char *denied_message,
                     sd_bus_error *error);

/* End the queries still waiting for polkit (the daemon stops). */
void bus_verify_admin_flush(void);

/*
 * A caller's argument quoted in an error reply: at most BUS_EXCERPT_MAX bytes of it, every byte
 * that is not printable ASCII (and the quotes and the backslash) escaped as \xNN, "..." when cut.
 * An argument can be 64 KiB of anything; the reply stays short and safe to print.
 */
#define BUS_EXCERPT_MAX  32
#define BUS_EXCERPT_SIZE (BUS_EXCERPT_MAX * 4 + 4)
void bus_excerpt(const char *s, char out[static BUS_EXCERPT_SIZE]);

/* Properties that change together, named by one bit. */
#define BUS_PROPERTY_GROUP_MAX 4

typedef struct BusPropertyGroup {
        unsigned bit;
        const char *names[BUS_PROPERTY_GROUP_MAX]; /* the unused ones NULL */
} BusPropertyGroup;

/* PropertiesChanged on path's interface, naming the properties of each group whose bit is in
 * props. Nothing is sent when no name results. */
int bus_emit_properties_changed(sd_bus *bus, const char *path, const char *interface,
                                const BusPropertyGroup *groups, size_t n_groups, unsigned props);
