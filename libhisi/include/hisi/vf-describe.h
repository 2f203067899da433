/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the compatibility check needs to know of a VF (hisi/compat.h), read from its open
 * migration device without stopping it: the migration flags and the data size from the device
 * features; where the device has PRE_COPY, the 40-byte match data (qp count, queue isolation,
 * stream format) read as RUNNING -> PRE_COPY -> RUNNING, which leaves the VF running with its
 * state untouched. A device without PRE_COPY (6.1) cannot show its match data without stopping:
 * qp_num and que_iso_cfg are left 0 ("unknown"), and its kernel checks them at load. Before 6.2
 * there is no MIG_DATA_SIZE either: the state size is then struct acc_vf_data's, as on every
 * kernel.
 */
#pragma once

#include "hisi/compat.h"
#include "hisi/migdev.h"

/*
 * Fill ret for the VF open as d, of the given kind and PCI device ID. The device must be RUNNING
 * (-EBUSY otherwise: someone is migrating it) and is RUNNING again on return, also on failure
 * where the kernel allows. -ENOTTY: the device has no migration; -EBADMSG: its match data is not
 * a HiSilicon header; other errors from the device.
 */
int hisi_vf_describe(hisi_migdev *d, hisi_kind kind, uint16_t device_id, hisi_vf_desc *ret);
