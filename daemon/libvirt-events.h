/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt's domain events, as the daemon hears them: a long-lived `hisi-accmigd-libvirt --follow`
 * child (the daemon links no libvirt) whose stdout is read from the event loop, line by line,
 * each line at most LIBVIRT_EVENT_LINE_MAX bytes. The helper prints one "present" line per
 * domain, then {"event":"following"}, then one line per event (libvirt/libvirt-follow.h), and
 * ends when its connection to libvirt does (libvirt restarted, the connection dropped, the
 * keepalive found libvirt dead), its reason as a last {"error": ...} line. The follower tells
 * its owner each line and its end; starting another one (with a backoff) is the owner's part
 * (manager-libvirt.c). A line that is too long or cannot be read ends the follower too: an event
 * was lost, and only a new follower's snapshot makes up for it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#include "macro.h"

/* Far more than a domain with HOOK_HOSTDEVS_MAX hostdevs needs. */
#define LIBVIRT_EVENT_LINE_MAX     (256 * 1024)
#define LIBVIRT_EVENT_HOSTDEVS_MAX 4096

typedef enum LibvirtEventType {
        LIBVIRT_EVENT_PRESENT,   /* the snapshot at the start: the domain is there */
        LIBVIRT_EVENT_FOLLOWING, /* the snapshot is complete; events follow */
        LIBVIRT_EVENT_DEFINED,
        LIBVIRT_EVENT_UNDEFINED,
        LIBVIRT_EVENT_STARTED,
        LIBVIRT_EVENT_SUSPENDED,
        LIBVIRT_EVENT_RESUMED,
        LIBVIRT_EVENT_STOPPED,
        LIBVIRT_EVENT_SHUTDOWN,
        LIBVIRT_EVENT_PMSUSPENDED,
        LIBVIRT_EVENT_CRASHED,
        LIBVIRT_EVENT_DEVICE_ADDED,
        LIBVIRT_EVENT_DEVICE_REMOVED,
        LIBVIRT_EVENT_ERROR, /* the helper's last line: why it ends */
        _LIBVIRT_EVENT_TYPE_MAX,
        _LIBVIRT_EVENT_TYPE_INVALID = -EINVAL,
} LibvirtEventType;

const char *libvirt_event_type_to_string(LibvirtEventType t);
LibvirtEventType libvirt_event_type_from_string(const char *s);

typedef struct LibvirtEvent {
        LibvirtEventType type;
        int detail;
        char *domain;    /* NULL for following and error */
        char **managed;  /* NULL-terminated, never NULL for a domain's event */
        char **hostdevs; /* every PCI hostdev */
        bool active, persistent;
        char *error; /* LIBVIRT_EVENT_ERROR */
} LibvirtEvent;

void libvirt_event_done(LibvirtEvent *e);

/*
 * Decode one line (pure; for the follower and its tests). 1 and *ret; 0 for an event of a name
 * this daemon does not know (a later helper's): skipped; -EINVAL and *ret_error (may be NULL)
 * for a line that is not one.
 */
int libvirt_event_parse(const char *line, size_t len, LibvirtEvent *ret, char **ret_error);

/*
 * Run the libvirt helper (libvirt_scan_helper_path()) with argv, in a child made by ChildRun's
 * function mode: stdin from stdin_fd (-1: /dev/null), stdout to stdout_fd (-1: as ChildRun set
 * it), no signal blocked, and SIGTERM when the daemon dies. Returns only when it cannot exec.
 */
int libvirt_helper_exec(int stdin_fd, int stdout_fd, char *const argv[]);

typedef struct LibvirtFollower LibvirtFollower;

/* A line came. */
typedef void (*libvirt_follower_event_t)(LibvirtFollower *f, const LibvirtEvent *e, void *userdata);
/* The follower ended (and was reaped), why says why (a sentence); the owner frees it. */
typedef void (*libvirt_follower_end_t)(LibvirtFollower *f, const char *why, void *userdata);

/* Start `hisi-accmigd-libvirt --uri uri --follow`. */
int libvirt_follower_start(sd_event *event, const char *uri, libvirt_follower_event_t on_event,
                           libvirt_follower_end_t on_end, void *userdata, LibvirtFollower **ret);
/* Stop it: the helper is killed and reaped; no callback is called. */
LibvirtFollower *libvirt_follower_free(LibvirtFollower *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(LibvirtFollower *, libvirt_follower_free);
const char *libvirt_follower_uri(const LibvirtFollower *f);
