/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checked number parsing: the project's replacement for atoi() and unchecked strtol(). */
#pragma once

#include <stdint.h>

/* Decimal, or hexadecimal with a 0x prefix; surrounding white space (a sysfs newline) is allowed.
 * -EINVAL for empty or trailing garbage, -ERANGE for overflow. */
int safe_atou64(const char *s, uint64_t *ret);
int safe_atou32(const char *s, uint32_t *ret);
int safe_atou16(const char *s, uint16_t *ret);
int safe_atoi(const char *s, int *ret);

/*
 * "host", "host:port", "[v6]:port" or a bare IPv6 literal ("::1"): *ret_host a new string (the
 * brackets gone), *ret_port the port or 0 when none was given. -EINVAL for an empty host, a bad
 * port (0 or past 65535), or an unclosed bracket.
 */
int parse_host_port(const char *s, char **ret_host, uint16_t *ret_port);
