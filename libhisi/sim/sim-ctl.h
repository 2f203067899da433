/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated host's control socket: `hisi-accsim ctl` inspects the host and injects faults
 * through it. One JSON object per SOCK_SEQPACKET message each way:
 *   request  {"cmd": "list" | "show" | "digest" | "fault" | "reset" | "unplug" | "plug" | "guest" |
 * "stop", "device": "0000:75:00.1", ...arguments} reply    {"ok": true, "result": ...} or {"ok":
 * false, "error": "ENODEV", "message": "..."}
 */
#pragma once

#include <json-c/json.h>
#include <systemd/sd-event.h>

#include "sim-host.h"

#define SIM_CTL_MSG_MAX (256 * 1024)

typedef struct sim_ctl sim_ctl;

int sim_ctl_new(sd_event *event, sim_host *host, const char *socket_path, sim_ctl **ret);
sim_ctl *sim_ctl_free(sim_ctl *c);

/* Handle one request (the socket does this; tests may call it directly). Returns the reply. */
json_object *sim_ctl_handle(sim_host *host, sd_event *event, json_object *request);

static inline void sim_ctl_freep(sim_ctl **p) {
        if (*p)
                sim_ctl_free(*p);
}
