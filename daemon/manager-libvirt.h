/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager follows libvirt's domain events while libvirt.enabled (manager-libvirt.c): which
 * VFs libvirt manages, which a running domain holds, and each domain's metadata. Started by the
 * first libvirt scan (manager_libvirt_rescan()), stopped with the daemon or when a reload turns
 * libvirt off.
 */
#pragma once

#include <stdbool.h>

typedef struct Manager Manager;
typedef struct ManagerLibvirt ManagerLibvirt;

/* Follow libvirt at libvirt.uri (again: a new URI restarts it); nothing when it does already or
 * a restart is scheduled. */
void manager_libvirt_follow(Manager *m);
/* Whether the follower's snapshot is complete and events come. */
bool manager_libvirt_following(Manager *m);
/* Stop following (the helpers are killed and reaped), and forget. */
void manager_libvirt_stop(Manager *m);
