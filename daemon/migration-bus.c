/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The com.hisilicon.AccMig1.Migration interface (see migration-bus.h). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "accmig-bus.h"
#include "bus-util.h"
#include "log.h"
#include "manager.h"
#include "migration-bus.h"
#include "migration.h"
#include "string-util.h"
#include "time-util.h"

#define DEFINE_STRING_GETTER(name, expr)                                                           \
        static int property_get_##name(sd_bus *bus, const char *path, const char *interface,       \
                                       const char *property, sd_bus_message *reply,                \
                                       void *userdata, sd_bus_error *error) {                      \
                const Migration *m = userdata;                                                     \
                return sd_bus_message_append_basic(reply, 's', strempty(expr));                    \
        }

#define DEFINE_U64_GETTER(name, expr)                                                              \
        static int property_get_##name(sd_bus *bus, const char *path, const char *interface,       \
                                       const char *property, sd_bus_message *reply,                \
                                       void *userdata, sd_bus_error *error) {                      \
                const Migration *m = userdata;                                                     \
                uint64_t v = (expr);                                                               \
                return sd_bus_message_append_basic(reply, 't', &v);                                \
        }

DEFINE_STRING_GETTER(id, m->id)
DEFINE_STRING_GETTER(role, migration_role_to_string(m->role))
DEFINE_STRING_GETTER(phase, migration_phase_to_string(m->phase))
DEFINE_STRING_GETTER(peer, m->peer_name)
DEFINE_STRING_GETTER(error, m->error)
DEFINE_STRING_GETTER(attention, m->attention)
DEFINE_U64_GETTER(bytes_total, m->bytes_total)
DEFINE_U64_GETTER(started_at, m->started_usec)
DEFINE_U64_GETTER(finished_at, m->finished_usec)

/* (source, destination, phase, bytes, downtime µs, error) per VF. */
static int property_get_devices(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error) {
        const Migration *m = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ssstts)");
        for (size_t i = 0; r >= 0 && i < m->n_devices; i++) {
                const MigrationDevice *d = &m->devices[i];

                r = sd_bus_message_append(reply, "(ssstts)", strempty(d->source),
                                          strempty(d->destination), strempty(d->phase), d->bytes,
                                          d->downtime_usec, strempty(d->error));
        }
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int method_switchover(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Migration *m = userdata;
        int r;

        r = bus_verify_root(message, "Only root may move a migration on.", error);
        if (r < 0)
                return r;
        r = migration_source_switchover(m);
        if (r < 0)
                return sd_bus_error_setf(error, ACCMIG_ERROR_BUSY,
                                         "Migration %s is %s (%s): Switchover() is for a source "
                                         "migration waiting in \"ready\".",
                                         m->id, migration_phase_to_string(m->phase),
                                         migration_role_to_string(m->role));
        return sd_bus_reply_method_return(message, NULL);
}

static int method_commit(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Migration *m = userdata;
        int r;

        r = bus_verify_root(message, "Only root may commit a migration.", error);
        if (r < 0)
                return r;
        r = migration_source_commit(m);
        if (r < 0)
                return sd_bus_error_setf(error, ACCMIG_ERROR_BUSY,
                                         "Migration %s is %s (%s): Commit() is for a source "
                                         "migration waiting in \"loaded\".",
                                         m->id, migration_phase_to_string(m->phase),
                                         migration_role_to_string(m->role));
        return sd_bus_reply_method_return(message, NULL);
}

static int method_cancel(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Migration *m = userdata;
        int r;

        r = bus_verify_root(message, "Only root may cancel a migration.", error);
        if (r < 0)
                return r;
        r = migration_cancel(m, "cancelled by the operator");
        if (r < 0)
                return sd_bus_error_setf(error, ACCMIG_ERROR_BUSY,
                                         "Migration %s is %s: too late to cancel.", m->id,
                                         migration_phase_to_string(m->phase));
        return sd_bus_reply_method_return(message, NULL);
}

/* Resolve("resume-source" | "keep-destination"): the operator settles an in-doubt migration. */
static int method_resolve(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *text = NULL;
        Migration *m = userdata;
        const char *choice;
        bool resume;
        int r;

        r = sd_bus_message_read(message, "s", &choice);
        if (r < 0)
                return r;
        if (streq(choice, ACCMIG_RESOLVE_RESUME_SOURCE))
                resume = true;
        else if (streq(choice, ACCMIG_RESOLVE_KEEP_DESTINATION))
                resume = false;
        else {
                char quoted[BUS_EXCERPT_SIZE];

                bus_excerpt(choice, quoted);
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "\"%s\" is not a decision: \"" ACCMIG_RESOLVE_RESUME_SOURCE
                                         "\" or \"" ACCMIG_RESOLVE_KEEP_DESTINATION "\".",
                                         quoted);
        }
        r = bus_verify_root(message, "Only root may settle a migration.", error);
        if (r < 0)
                return r;
        r = migration_source_resolve(m, resume, &text);
        if (r < 0)
                return sd_bus_error_setf(error, ACCMIG_ERROR_BUSY, "Migration %s: %s", m->id,
                                         strna(text));
        return sd_bus_reply_method_return(message, NULL);
}

#define EMITS SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE
#define CONST SD_BUS_VTABLE_PROPERTY_CONST

const sd_bus_vtable migration_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Id", "s", property_get_id, 0, CONST),
        SD_BUS_PROPERTY("Role", "s", property_get_role, 0, CONST),
        SD_BUS_PROPERTY("Phase", "s", property_get_phase, 0, EMITS),
        SD_BUS_PROPERTY("Peer", "s", property_get_peer, 0, CONST),
        SD_BUS_PROPERTY("Devices", "a(ssstts)", property_get_devices, 0, EMITS),
        SD_BUS_PROPERTY("BytesTotal", "t", property_get_bytes_total, 0, EMITS),
        SD_BUS_PROPERTY("StartedAt", "t", property_get_started_at, 0, CONST),
        SD_BUS_PROPERTY("FinishedAt", "t", property_get_finished_at, 0, EMITS),
        SD_BUS_PROPERTY("Error", "s", property_get_error, 0, EMITS),
        SD_BUS_PROPERTY("Attention", "s", property_get_attention, 0, EMITS),
        SD_BUS_METHOD_WITH_ARGS("Switchover", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_switchover,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Commit", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_commit,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Cancel", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_cancel,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Resolve", SD_BUS_ARGS("s", decision), SD_BUS_NO_RESULT,
                                method_resolve, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int migration_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                          void **ret_found, sd_bus_error *error) {
        _cleanup_free_ char *id = NULL;
        Manager *manager = userdata;
        Migration *m;

        if (sd_bus_path_decode(path, ACCMIG_MIGRATION_PATH_PREFIX, &id) <= 0 || !id)
                return 0;
        m = manager_find_migration(manager, id);
        if (!m)
                return 0;
        *ret_found = m;
        return 1;
}

int migration_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***ret_nodes,
                              sd_bus_error *error) {
        Manager *manager = userdata;
        char **nodes;
        size_t k = 0;

        nodes = calloc(manager->n_migrations + 1, sizeof(char *));
        if (!nodes)
                return -ENOMEM;
        for (Migration *m = manager->migrations; m; m = m->next) {
                nodes[k] = strdup(m->object_path);
                if (!nodes[k]) {
                        for (size_t j = 0; j < k; j++)
                                free(nodes[j]);
                        free(nodes);
                        return -ENOMEM;
                }
                k++;
        }
        *ret_nodes = nodes;
        return 1;
}

static const BusPropertyGroup migration_property_groups[] = {
        { MIGRATION_PROP_PHASE, { "Phase" } },
        { MIGRATION_PROP_DEVICES, { "Devices", "BytesTotal" } },
        { MIGRATION_PROP_ERROR, { "Error" } },
        { MIGRATION_PROP_FINISHED, { "FinishedAt" } },
        { MIGRATION_PROP_ATTENTION, { "Attention" } },
};

static void flush_changed(Migration *m) {
        unsigned props = m->changed_props;
        int r;

        m->changed_props = 0;
        if (!props || !m->on_bus || !m->manager->bus)
                return;
        r = bus_emit_properties_changed(m->manager->bus, m->object_path, ACCMIG_MIGRATION_INTERFACE,
                                        migration_property_groups,
                                        ELEMENTSOF(migration_property_groups), props);
        if (r < 0)
                log_debug_errno(r, "Failed to send a migration's PropertiesChanged: %m");
}

static int on_changed_flush(sd_event_source *s, uint64_t usec, void *userdata) {
        flush_changed(userdata);
        return 0;
}

/* While its VFs are stopped (the downtime: the source's switchover and commit, the
 * destination's switchover and load) a migration's news wait this long at most, or until the
 * phase moves on: each signal wakes dbus-daemon and every client that follows, on the cores
 * the switchover needs. */
#define DOWNTIME_HOLD_USEC (50 * USEC_PER_MSEC)

static bool in_downtime(const Migration *m) {
        if (m->role == MIGRATION_SOURCE)
                return IN_SET(m->phase, MIGRATION_SWITCHOVER, MIGRATION_COMMITTING);
        return IN_SET(m->phase, MIGRATION_SWITCHOVER, MIGRATION_LOADING);
}

/* The properties are marked and sent together once nothing else is pending (a time source of
 * idle priority, due at once), or after DOWNTIME_HOLD_USEC during a downtime: once for a burst
 * of changes (with each, the whole Devices array would be O(N^2) bytes for N VFs). A client
 * sees every change's end result, and the last change before the object goes away. */
void migration_bus_send_changed(Migration *m, unsigned props) {
        uint64_t when = 1, due = 0; /* 1: long past, due at the next iteration */
        int r;

        if (!m->on_bus || !m->manager->bus)
                return;
        m->changed_props |= props;
        if (in_downtime(m))
                when = now_usec(CLOCK_MONOTONIC) + DOWNTIME_HOLD_USEC;
        if (!m->changed_flush) {
                /* Accuracy 1 us: 0 would mean sd-event's default slack of 250 ms. */
                r = sd_event_add_time(m->manager->event, &m->changed_flush, CLOCK_MONOTONIC, when,
                                      1, on_changed_flush, m);
                if (r >= 0)
                        r = sd_event_source_set_priority(m->changed_flush, SD_EVENT_PRIORITY_IDLE);
                if (r < 0) {
                        log_debug_errno(r, "Failed to defer a migration's PropertiesChanged: %m");
                        m->changed_flush = sd_event_source_disable_unref(m->changed_flush);
                        flush_changed(m); /* at once, then */
                }
                return;
        }
        r = sd_event_source_get_enabled(m->changed_flush, NULL);
        if (r > 0 && sd_event_source_get_time(m->changed_flush, &due) >= 0 && due <= when)
                return; /* an earlier flush is due already */
        (void)sd_event_source_set_time(m->changed_flush, when);
        (void)sd_event_source_set_enabled(m->changed_flush, SD_EVENT_ONESHOT);
}

void migration_bus_add(Migration *m) {
        if (m->on_bus || !m->manager->bus)
                return;
        m->on_bus = true;
        (void)sd_bus_emit_object_added(m->manager->bus, m->object_path);
}

void migration_bus_remove(Migration *m) {
        if (!m->on_bus || !m->manager->bus)
                return;
        flush_changed(m);
        (void)sd_event_source_set_enabled(m->changed_flush, SD_EVENT_OFF);
        (void)sd_bus_emit_object_removed(m->manager->bus, m->object_path);
        m->on_bus = false;
}
