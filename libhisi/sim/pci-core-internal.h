/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the files of the PCI core model share (pci-attr.c, pci-tree.c, pci-core.c): the checks
 * on names and the readers of a device's attributes under <root>/sys/bus/pci/devices/<address>/.
 * Internal to the model.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* A driver name as a sysfs directory: not empty, no slash, not "." or "..". */
bool pci_driver_name_valid(const char *s);

/* <root>/sys/bus/pci/devices/<address>[/<attr>]. */
int pci_tree_device_path(const char *root, const char *address, const char *attr, char **ret);
/* 0 when the device is there, -ENODEV when not. */
int pci_tree_device_exists(const char *root, const char *address);
/* A numeric attribute (vendor, device, sriov_totalvfs...): -ENODEV when it is missing. */
int pci_tree_read_u16(const char *root, const char *address, const char *attr, uint16_t *ret);
/* The override the device has now: NULL when none (see pci-tree.c). */
int pci_tree_read_override(const char *root, const char *address, char **ret);
/* The bound driver's name, NULL when unbound. */
int pci_tree_read_driver(const char *root, const char *address, char **ret);
