/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which VFs libvirt manages itself: the PCI hostdevs with managed='yes' of every libvirt domain,
 * running or only defined (libvirt detaches and reattaches those when a domain starts and stops,
 * and the daemon must not race it). The daemon links no libvirt: a helper program
 * (hisi-accmigd-libvirt, libvirt + libxml2) asks libvirt read-only and prints one JSON object on
 * stdout. The helper runs as a child under a timeout, so that a libvirt that hangs stalls
 * nothing, and a host without libvirt (or without the helper installed) only loses this check:
 * libvirt is optional at run time.
 *
 * The helper's output: {"hostdevs": [{"address": "0000:75:00.1", "domain": "vm1"}, …]}, or
 * {"error": "<sentence>"} with a non-zero exit status.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "macro.h"
#include "hisi/pci-address.h"

#define LIBVIRT_HELPER_ENV "HISI_ACCMIGD_LIBVIRT_HELPER"

typedef struct LibvirtHostdev {
        char address[HISI_PCI_ADDRESS_MAX];
        char *domain;
} LibvirtHostdev;

void libvirt_hostdevs_free(LibvirtHostdev *h, size_t n);

/*
 * Decode the helper's output (pure; for the scan and its tests). 0 and the list, or -EINVAL and
 * *ret_error: the helper's own error sentence, or what is wrong with the output.
 */
int libvirt_scan_parse(const char *text, size_t len, LibvirtHostdev **ret, size_t *ret_n,
                       char **ret_error);

typedef struct LibvirtScan LibvirtScan;

/* error 0: hostdevs (taken by the callee, may be NULL with n 0). error < 0: message says why. */
typedef void (*libvirt_scan_done_t)(int error, const char *message, LibvirtHostdev *hostdevs,
                                    size_t n, void *userdata);

/* The helper program: $HISI_ACCMIGD_LIBVIRT_HELPER, else the installed one. */
const char *libvirt_scan_helper_path(void);

/* Run the helper for uri; done runs from the event loop, once. */
int libvirt_scan_start(sd_event *event, const char *uri, uint64_t timeout_usec,
                       libvirt_scan_done_t done, void *userdata, LibvirtScan **ret);
/* Stops a scan in progress (its helper is killed; done is not called). */
LibvirtScan *libvirt_scan_free(LibvirtScan *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(LibvirtScan *, libvirt_scan_free);
