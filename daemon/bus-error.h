/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The named D-Bus errors of com.hisilicon.AccMig1, shared by the daemon and hisi-accmigctl. Each
 * comes with a sentence; the errno mapping lets sd-bus clients read them as errno values too.
 */
#pragma once

#include <systemd/sd-bus.h>

#define BUS_ERROR_PREFIX             "com.hisilicon.AccMig1.Error."
#define BUS_ERROR_NO_SUCH_DEVICE     BUS_ERROR_PREFIX "NoSuchDevice"
#define BUS_ERROR_NOT_A_VF           BUS_ERROR_PREFIX "NotAVirtualFunction"
#define BUS_ERROR_EXCLUDED           BUS_ERROR_PREFIX "Excluded"
#define BUS_ERROR_MANAGED_BY_LIBVIRT BUS_ERROR_PREFIX "ManagedByLibvirt"
#define BUS_ERROR_HELD_BY_OTHER      BUS_ERROR_PREFIX "HeldByOtherDriver"
#define BUS_ERROR_BUSY               BUS_ERROR_PREFIX "Busy"
#define BUS_ERROR_DRIVER_NOT_LOADED  BUS_ERROR_PREFIX "DriverNotLoaded"
#define BUS_ERROR_TIMEOUT            BUS_ERROR_PREFIX "Timeout"
#define BUS_ERROR_BIND_FAILED        BUS_ERROR_PREFIX "BindFailed"
#define BUS_ERROR_INVALID_CONFIG     BUS_ERROR_PREFIX "InvalidConfig"
#define BUS_ERROR_SHUTTING_DOWN      BUS_ERROR_PREFIX "ShuttingDown"

/* Flags of BindDevice/UnbindDevice/Bind/Unbind. */
#define BUS_BIND_FORCE     (UINT64_C(1) << 0) /* bind even what the policy's checks would refuse */
#define BUS_BIND_FLAGS_ALL BUS_BIND_FORCE

extern const sd_bus_error_map bus_error_map[];
