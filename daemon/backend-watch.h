/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Whether the migration backend is there. A kernel does not go away while the daemon runs; a
 * simulated host can (killed, crashed): then every VFIO call and every sysfs write of the daemon
 * fails, and the daemon says so in its State ("degraded") and status instead of carrying on as
 * if nothing happened. For the sim backend the watch keeps a connection to the host's device
 * socket ($HISI_ACCSIM_SOCKET) that asks nothing: the host's end closing it (the host died) is
 * the only thing that wakes the daemon while the host is there, so an idle daemon has no timer
 * of its own. While the host is gone (or could not be connected) it tries every
 * BACKEND_WATCH_INTERVAL_USEC, and at once when asked (a write that failed), without ever
 * blocking: a host that is there but busy (its socket's queue full, or stopped) counts as there.
 */
#pragma once

#include <systemd/sd-event.h>

#include "hisi/migdev.h"
#include "macro.h"
#include "time-util.h"

#define BACKEND_WATCH_INTERVAL_USEC (1 * USEC_PER_SEC)

typedef struct BackendWatch BackendWatch;

/* The backend came or went: error is a sentence saying why it is unreachable, NULL when it is
 * reachable again. Only on a change. */
typedef void (*backend_watch_changed_t)(BackendWatch *w, const char *error, void *userdata);

/* For the kernel backend nothing is watched. */
int backend_watch_new(sd_event *event, hisi_backend backend, backend_watch_changed_t changed,
                      void *userdata, BackendWatch **ret);
BackendWatch *backend_watch_free(BackendWatch *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(BackendWatch *, backend_watch_free);

/* Look now (the callback runs from here on a change). */
void backend_watch_check(BackendWatch *w);
/* Why it is unreachable; NULL while it is reachable (or not watched). */
const char *backend_watch_error(const BackendWatch *w);
