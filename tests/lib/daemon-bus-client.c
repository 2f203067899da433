/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon harness's own bus connection (see daemon-harness.h): connected to this harness's
 * private system bus, it records every signal the daemon sends (PropertiesChanged with the
 * changed values as text, InterfacesAdded/Removed with the object), waits for one, and reads
 * properties as text. While it waits it keeps reading the daemon's output.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-harness-private.h"
#include "file-util.h"
#include "macro.h"

/* ---- Signals ---- */

static void append_detail(FILE *f, sd_bus_message *m) {
        const char *contents, *name;
        char type;

        if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                if (sd_bus_message_read(m, "s", &name) < 0 ||
                    sd_bus_message_peek_type(m, &type, &contents) < 0)
                        return;
                if (sd_bus_message_enter_container(m, 'v', contents) < 0)
                        return;
                fprintf(f, "%s=", name);
                switch (contents[0]) {
                case 's':
                case 'o': {
                        const char *s;
                        if (sd_bus_message_read_basic(m, contents[0], &s) >= 0)
                                fputs(s, f);
                        break;
                }
                case 'b': {
                        int b;
                        if (sd_bus_message_read_basic(m, 'b', &b) >= 0)
                                fputs(b ? "true" : "false", f);
                        break;
                }
                case 'u': {
                        uint32_t u;
                        if (sd_bus_message_read_basic(m, 'u', &u) >= 0)
                                fprintf(f, "%u", u);
                        break;
                }
                case 'i': {
                        int32_t i;
                        if (sd_bus_message_read_basic(m, 'i', &i) >= 0)
                                fprintf(f, "%d", i);
                        break;
                }
                default:
                        (void)sd_bus_message_skip(m, contents);
                        fputs("?", f);
                }
                fputs(" ", f);
                (void)sd_bus_message_exit_container(m);
                (void)sd_bus_message_exit_container(m);
        }
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        daemon_harness *h = userdata;
        const char *member = sd_bus_message_get_member(m);
        const char *path = sd_bus_message_get_path(m);
        char *detail = NULL;
        size_t size = 0;
        dh_signal *n;
        FILE *f;

        if (!member || !path)
                return 0;
        f = open_memstream(&detail, &size);
        if (!f)
                return 0;
        fputs(" ", f);
        if (streq(member, "PropertiesChanged")) {
                const char *iface;
                if (sd_bus_message_read(m, "s", &iface) >= 0) {
                        fprintf(f, "%s ", iface);
                        append_detail(f, m);
                }
        } else if (streq(member, "InterfacesAdded") || streq(member, "InterfacesRemoved")) {
                const char *object;
                if (sd_bus_message_read(m, "o", &object) >= 0)
                        path = object;
        }
        fclose(f);
        n = realloc(h->signals, (h->n_signals + 1) * sizeof(*n));
        if (!n) {
                free(detail);
                return 0;
        }
        h->signals = n;
        h->signals[h->n_signals++] = (dh_signal){
                .member = strdup(member),
                .path = strdup(path),
                .detail = detail,
        };
        return 0;
}

int dh_connect(daemon_harness *h) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (h->bus)
                return 0;
        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        r = sd_bus_set_address(bus, h->bus_address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return r;
        h->bus = TAKE_PTR(bus);
        r = sd_bus_match_signal(h->bus, NULL, ACCMIG_BUS_NAME, NULL, NULL, NULL, on_signal, h);
        return r < 0 ? r : 0;
}

int dh_pump(daemon_harness *h, int timeout_ms) {
        uint64_t deadline = dh_now_ms() + (uint64_t)timeout_ms;
        size_t before = h->n_signals;
        int r;

        for (;;) {
                do
                        r = sd_bus_process(h->bus, NULL);
                while (r > 0);
                if (r < 0)
                        return r;
                (void)dh_read_output(h, 0);
                if (h->n_signals > before || dh_remaining(deadline) == 0)
                        return 0;
                /* Wake up now and then for the daemon's output too. */
                r = sd_bus_wait(h->bus, (uint64_t)MIN(dh_remaining(deadline), 200) * 1000);
                if (r < 0 && r != -EINTR)
                        return r;
        }
}

int dh_wait_signal(daemon_harness *h, const char *member, const char *path,
                   const char *detail_part) {
        uint64_t deadline = dh_now_ms() + DH_TIMEOUT_MS;

        for (;;) {
                for (size_t i = 0; i < h->n_signals; i++) {
                        dh_signal *s = &h->signals[i];
                        if (!streq(s->member, member) || (path && !streq(s->path, path)) ||
                            (detail_part && !strstr(s->detail, detail_part)))
                                continue;
                        for (size_t k = 0; k <= i; k++) {
                                free(h->signals[k].member);
                                free(h->signals[k].path);
                                free(h->signals[k].detail);
                        }
                        memmove(h->signals, h->signals + i + 1,
                                (h->n_signals - i - 1) * sizeof(*h->signals));
                        h->n_signals -= i + 1;
                        return 0;
                }
                if (dh_remaining(deadline) == 0) {
                        fprintf(stderr, "daemon-harness: no %s signal on %s with \"%s\"\n", member,
                                path ? path : "any path", detail_part ? detail_part : "");
                        return -ETIMEDOUT;
                }
                int r = dh_pump(h, dh_remaining(deadline));
                if (r < 0)
                        return r;
        }
}

/* ---- Properties ---- */

char *dh_device_path(const char *address) {
        char *p = NULL;

        if (sd_bus_path_encode(ACCMIG_BUS_PATH "/device", address, &p) < 0)
                return NULL;
        return p;
}

int dh_get_property(daemon_harness *h, const char *path, const char *interface,
                    const char *property, char **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *contents;
        char type;
        int r;

        r = sd_bus_call_method(h->bus, ACCMIG_BUS_NAME, path, "org.freedesktop.DBus.Properties",
                               "Get", &error, &reply, "ss", interface, property);
        if (r < 0)
                return r;
        r = sd_bus_message_peek_type(reply, &type, &contents);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'v', contents);
        if (r < 0)
                return r;
        switch (contents[0]) {
        case 's':
        case 'o': {
                const char *s;
                r = sd_bus_message_read_basic(reply, contents[0], &s);
                if (r < 0)
                        return r;
                *ret = strdup(s);
                break;
        }
        case 'b': {
                int b;
                r = sd_bus_message_read_basic(reply, 'b', &b);
                if (r < 0)
                        return r;
                *ret = strdup(b ? "true" : "false");
                break;
        }
        case 'u': {
                uint32_t u;
                r = sd_bus_message_read_basic(reply, 'u', &u);
                if (r < 0)
                        return r;
                r = asprintf_safe(ret, "%u", u);
                break;
        }
        case 'i': {
                int32_t i;
                r = sd_bus_message_read_basic(reply, 'i', &i);
                if (r < 0)
                        return r;
                r = asprintf_safe(ret, "%d", i);
                break;
        }
        case 't': {
                uint64_t t;
                r = sd_bus_message_read_basic(reply, 't', &t);
                if (r < 0)
                        return r;
                r = asprintf_safe(ret, "%" PRIu64, t);
                break;
        }
        default:
                return -EOPNOTSUPP;
        }
        return r < 0 ? r : *ret ? 0 : -ENOMEM;
}

int dh_wait_property(daemon_harness *h, const char *path, const char *interface,
                     const char *property, const char *want) {
        uint64_t deadline = dh_now_ms() + DH_TIMEOUT_MS;

        for (;;) {
                _cleanup_free_ char *v = NULL;
                int r = dh_get_property(h, path, interface, property, &v);

                if (r >= 0 && streq(v, want))
                        return 0;
                if (dh_remaining(deadline) == 0) {
                        fprintf(stderr, "daemon-harness: %s %s is \"%s\", not \"%s\"\n", path,
                                property, r >= 0 ? v : strerror(-r), want);
                        return -ETIMEDOUT;
                }
                /* Wait for the next signal (a PropertiesChanged, most likely). */
                r = dh_pump(h, dh_remaining(deadline));
                if (r < 0)
                        return r;
        }
}

void dh_bus_client_done(daemon_harness *h) {
        h->bus = sd_bus_flush_close_unref(h->bus);
        for (size_t i = 0; i < h->n_signals; i++) {
                free(h->signals[i].member);
                free(h->signals[i].path);
                free(h->signals[i].detail);
        }
        h->signals = mfree(h->signals);
        h->n_signals = 0;
}
