/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus API of com.hisilicon.AccMig1 as names: the bus name, object paths, interfaces, the
 * named errors and the method flags. One header, shared by the daemon, hisi-accmigctl, the hook
 * and the tests, so that a name is written once. The interface itself is
 * daemon/com.hisilicon.AccMig1.xml; bus_error_map maps each error to an errno, so that sd-bus
 * clients read them as errno values too.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-bus.h>

#define ACCMIG_BUS_NAME              "com.hisilicon.AccMig1"
#define ACCMIG_BUS_PATH              "/com/hisilicon/AccMig1"
#define ACCMIG_DEVICE_PATH_PREFIX    ACCMIG_BUS_PATH "/device"
#define ACCMIG_MANAGER_INTERFACE     ACCMIG_BUS_NAME ".Manager"
#define ACCMIG_DEVICE_INTERFACE      ACCMIG_BUS_NAME ".Device"
#define ACCMIG_MIGRATION_PATH_PREFIX ACCMIG_BUS_PATH "/migration"
#define ACCMIG_MIGRATION_INTERFACE   ACCMIG_BUS_NAME ".Migration"

/* Migration.Resolve()'s decisions. */
#define ACCMIG_RESOLVE_RESUME_SOURCE    "resume-source"
#define ACCMIG_RESOLVE_KEEP_DESTINATION "keep-destination"

#define ACCMIG_ERROR_PREFIX             ACCMIG_BUS_NAME ".Error."
#define ACCMIG_ERROR_NO_SUCH_DEVICE     ACCMIG_ERROR_PREFIX "NoSuchDevice"
#define ACCMIG_ERROR_NOT_A_VF           ACCMIG_ERROR_PREFIX "NotAVirtualFunction"
#define ACCMIG_ERROR_EXCLUDED           ACCMIG_ERROR_PREFIX "Excluded"
#define ACCMIG_ERROR_MANAGED_BY_LIBVIRT ACCMIG_ERROR_PREFIX "ManagedByLibvirt"
#define ACCMIG_ERROR_HELD_BY_OTHER      ACCMIG_ERROR_PREFIX "HeldByOtherDriver"
#define ACCMIG_ERROR_BUSY               ACCMIG_ERROR_PREFIX "Busy"
#define ACCMIG_ERROR_DRIVER_NOT_LOADED  ACCMIG_ERROR_PREFIX "DriverNotLoaded"
#define ACCMIG_ERROR_TIMEOUT            ACCMIG_ERROR_PREFIX "Timeout"
#define ACCMIG_ERROR_BIND_FAILED        ACCMIG_ERROR_PREFIX "BindFailed"
#define ACCMIG_ERROR_INVALID_CONFIG     ACCMIG_ERROR_PREFIX "InvalidConfig"
#define ACCMIG_ERROR_SHUTTING_DOWN      ACCMIG_ERROR_PREFIX "ShuttingDown"
#define ACCMIG_ERROR_NOT_BOUND          ACCMIG_ERROR_PREFIX "NotBound"
#define ACCMIG_ERROR_PEER_FAILED        ACCMIG_ERROR_PREFIX "PeerFailed"
#define ACCMIG_ERROR_NO_SUCH_MIGRATION  ACCMIG_ERROR_PREFIX "NoSuchMigration"
#define ACCMIG_ERROR_MIGRATION_FAILED   ACCMIG_ERROR_PREFIX "MigrationFailed"

/* Flags of BindDevice, UnbindDevice, Bind, Unbind. FORCE: bind even what the policy's checks
 * would refuse. PERSISTENT: record the request, so that it outlasts a restart (Overrides). */
#define ACCMIG_BIND_FORCE      (UINT64_C(1) << 0)
#define ACCMIG_BIND_PERSISTENT (UINT64_C(1) << 1)
#define ACCMIG_BIND_FLAGS_ALL  (ACCMIG_BIND_FORCE | ACCMIG_BIND_PERSISTENT)

/* The daemon's exit status for a config it cannot use (EX_CONFIG): a restart would not help. */
#define ACCMIG_EXIT_CONFIG 78

extern const sd_bus_error_map bus_error_map[];
