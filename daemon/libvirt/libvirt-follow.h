/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libvirt helper's long-running parts (hisi-accmigd-libvirt --follow, --set-metadata):
 * libvirt's domain lifecycle events as JSON lines, and hisi-accmigd's metadata written into a
 * domain. One JSON object per line, for the daemon to read:
 *
 *   {"event":"defined","detail":0,"domain":"vm1","managed":["0000:75:00.1"]}
 *
 * event is one of defined, undefined, started, suspended, resumed, stopped, shutdown,
 * pmsuspended, crashed (libvirt's VIR_DOMAIN_EVENT_*), detail libvirt's number for the reason
 * (STARTED_MIGRATED 1, STOPPED_MIGRATED 3, ...); managed the domain's managed='yes' PCI hostdevs
 * as its XML says after the event ([] when it is gone). The caller runs libvirt's event loop
 * (virEventRegisterDefaultImpl() before the connection is opened, then
 * virEventRunDefaultImpl()).
 */
#pragma once

#include <libvirt/libvirt.h>
#include <stdio.h>

#include "domain-metadata.h"

/* "defined", "undefined", …; NULL for an event number libvirt may add later. */
const char *libvirt_event_to_string(int event);

/* Register for every domain's lifecycle events on conn; each is a line on out (flushed). */
int libvirt_follow_start(virConnectPtr conn, FILE *out, int *ret_callback_id);

/*
 * Write element (<vfs>…</vfs>, accmig_metadata_format()) into dom as hisi-accmigd's metadata,
 * in the running domain and in its persistent definition where it has them; NULL or "" removes
 * it. The element is checked first (accmig_metadata_read()). -EINVAL and *ret_error for a bad
 * element, -EIO and libvirt's reason when libvirt refuses.
 */
int libvirt_metadata_set(virDomainPtr dom, const char *element, char **ret_error);
