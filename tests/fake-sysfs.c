/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared fake sysfs tree for unit tests: not written yet. */
