/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checked number parsing (see parse-util.h). */

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

#include "parse-util.h"

static const char *skip_space(const char *s) {
        while (*s && isspace((unsigned char)*s))
                s++;
        return s;
}

int safe_atou64(const char *s, uint64_t *ret) {
        char *end = NULL;
        unsigned long long v;

        if (!s)
                return -EINVAL;
        s = skip_space(s);
        /* strtoull() silently accepts a minus sign and negates: refuse it. */
        if (*s == '\0' || *s == '-' || *s == '+')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 0);
        if (errno == ERANGE)
                return -ERANGE;
        if (errno != 0 || end == s)
                return -EINVAL;
        if (*skip_space(end) != '\0')
                return -EINVAL;
        /* strtoull(…, 0) reads "010" as octal; sysfs and our config never mean octal. */
        if (s[0] == '0' && s[1] != '\0' && s[1] != 'x' && s[1] != 'X' &&
            !isspace((unsigned char)s[1]))
                return -EINVAL;
        if (ret)
                *ret = v;
        return 0;
}

int safe_atou32(const char *s, uint32_t *ret) {
        uint64_t v;
        int r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        if (ret)
                *ret = (uint32_t)v;
        return 0;
}

int safe_atou16(const char *s, uint16_t *ret) {
        uint64_t v;
        int r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT16_MAX)
                return -ERANGE;
        if (ret)
                *ret = (uint16_t)v;
        return 0;
}

int safe_atoi(const char *s, int *ret) {
        uint64_t v;
        bool neg;
        int r;

        if (!s)
                return -EINVAL;
        s = skip_space(s);
        neg = *s == '-';
        r = safe_atou64(neg ? s + 1 : s, &v);
        if (r < 0)
                return r;
        if (v > (uint64_t)INT_MAX + (neg ? 1 : 0))
                return -ERANGE;
        if (ret)
                *ret = neg ? (int)(-(int64_t)v) : (int)v;
        return 0;
}

int parse_host_port(const char *s, char **ret_host, uint16_t *ret_port) {
        const char *host = s, *end, *colon;
        uint16_t port = 0;
        char *h;

        if (!s || !*s || !ret_host || !ret_port)
                return -EINVAL;
        if (*s == '[') {
                host = s + 1;
                end = strchr(host, ']');
                if (!end || end == host)
                        return -EINVAL;
                if (end[1] == ':') {
                        if (safe_atou16(end + 2, &port) < 0 || port == 0 || !isdigit(end[2]))
                                return -EINVAL;
                } else if (end[1] != 0)
                        return -EINVAL;
        } else {
                colon = strchr(s, ':');
                if (colon && strchr(colon + 1, ':'))
                        end = s + strlen(s); /* a bare IPv6 literal: no port */
                else if (colon) {
                        end = colon;
                        if (safe_atou16(colon + 1, &port) < 0 || port == 0 || !isdigit(colon[1]))
                                return -EINVAL;
                } else
                        end = s + strlen(s);
                if (end == s)
                        return -EINVAL;
        }
        for (const char *p = host; p < end; p++)
                if (isspace((unsigned char)*p) || (unsigned char)*p < 0x20)
                        return -EINVAL;
        h = strndup(host, (size_t)(end - host));
        if (!h)
                return -ENOMEM;
        *ret_host = h;
        *ret_port = port;
        return 0;
}
