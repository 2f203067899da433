/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libvirt helper's long-running parts (hisi-accmigd-libvirt --follow, --set-metadata):
 * libvirt's domain lifecycle events as JSON lines, and hisi-accmigd's metadata written into a
 * domain. One JSON object per line, for the daemon to read (libvirt-events.h there):
 *
 *   {"event":"defined","detail":0,"domain":"vm1","managed":["0000:75:00.1"],
 *    "hostdevs":["0000:75:00.1","0000:76:00.1"],"active":false,"persistent":true}
 *
 * event is one of defined, undefined, started, suspended, resumed, stopped, shutdown,
 * pmsuspended, crashed (libvirt's VIR_DOMAIN_EVENT_*), device-added and device-removed (a
 * device hot-plugged or unplugged), or present (the snapshot a follower prints when it starts,
 * one line per domain); detail is libvirt's number for the reason (STARTED_MIGRATED 1,
 * STOPPED_MIGRATED 3, ...), 0 for the others. The rest is the domain as it is after the event,
 * running and defined put together: managed its managed='yes' PCI hostdevs, hostdevs every PCI
 * hostdev, active whether it runs, persistent whether it is defined; [] and false when it is
 * gone (undefined, or a transient domain that stopped). The caller runs libvirt's event loop
 * (virEventRegisterDefaultImpl() before the connection is opened, then
 * virEventRunDefaultImpl()).
 */
#pragma once

#include <libvirt/libvirt.h>
#include <stdbool.h>
#include <stdio.h>

#include "domain-metadata.h"

/* "defined", "undefined", …; NULL for an event number libvirt may add later. */
const char *libvirt_event_to_string(int event);

/* The callbacks a follower registers: lifecycle, device added, device removed. */
#define LIBVIRT_FOLLOW_CALLBACKS 3

/* Register for every domain's events on conn; each is a line on out (flushed). */
int libvirt_follow_start(virConnectPtr conn, FILE *out, int ret_ids[LIBVIRT_FOLLOW_CALLBACKS]);
void libvirt_follow_stop(virConnectPtr conn, int ids[LIBVIRT_FOLLOW_CALLBACKS]);
/* A "present" line for every domain on conn. -EIO when libvirt cannot list them. */
int libvirt_follow_snapshot(virConnectPtr conn, FILE *out);

/*
 * Write element (<vfs>…</vfs>, accmig_metadata_format()) into dom as hisi-accmigd's metadata,
 * in the running domain and in its persistent definition where it has them; NULL or "" removes
 * it. The element is checked first (accmig_metadata_read()). -EINVAL and *ret_error for a bad
 * element, -EIO and libvirt's reason when libvirt refuses.
 */
int libvirt_metadata_set(virDomainPtr dom, const char *element, char **ret_error);

/*
 * Fill what vfs leaves unknown from old (the element the domain had) for each VF at the same
 * address, of the same kind and device ID: the daemon describes a VF that its VMM holds from
 * sysfs only (kind, device ID, QM version), and what it knew of it before stays.
 */
void libvirt_metadata_merge(AccmigVf *vfs, size_t n, const AccmigVf *old, size_t n_old);

/*
 * libvirt_metadata_set() of element merged with what the domain has (libvirt_metadata_merge()),
 * and only when that changes it: *ret_changed says whether libvirt was asked. NULL or "" removes
 * the element where there is one.
 */
int libvirt_metadata_update(virDomainPtr dom, const char *element, bool *ret_changed,
                            char **ret_error);
