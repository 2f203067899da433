/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated host's control socket (see sim-ctl.h). */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "errno-name.h"
#include "macro.h"
#include "sim-ctl.h"

struct sim_ctl {
        sd_event *event;
        sim_host *host;
        int fd;
        sd_event_source *source;
        char *path;
};

static json_object *reply_error(int r, const char *message) {
        json_object *o = json_object_new_object();
        const char *name = errno_to_name(r);

        json_object_object_add(o, "ok", json_object_new_boolean(false));
        json_object_object_add(o, "error", json_object_new_string(name ? name : "EIO"));
        json_object_object_add(o, "message",
                               json_object_new_string(message ? message : strerror(-r)));
        return o;
}

static json_object *reply_ok(json_object *result) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "ok", json_object_new_boolean(true));
        json_object_object_add(o, "result", result);
        return o;
}

static const char *get_string(json_object *req, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static bool get_int64(json_object *req, const char *key, int64_t *ret) {
        json_object *v;

        if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_int))
                return false;
        *ret = json_object_get_int64(v);
        return true;
}

/* An errno by name ("EIO") or number; returned negative. */
static bool get_errno(json_object *req, const char *key, int *ret) {
        const char *s = get_string(req, key);
        int64_t n;

        if (s) {
                for (int e = 1; e < 200; e++) {
                        const char *name = errno_to_name(e);
                        if (name && streq(name, s)) {
                                *ret = -e;
                                return true;
                        }
                }
                return false;
        }
        if (!get_int64(req, key, &n) || n < 0 || n > 4095)
                return false;
        *ret = (int)-n;
        return true;
}

static bool get_state(json_object *req, const char *key, hisi_mig_state *ret) {
        hisi_mig_state s = hisi_mig_state_from_string(get_string(req, key));

        if (s < 0)
                return false;
        *ret = s;
        return true;
}

static json_object *handle_fault(sim_host *h, const char *device, json_object *req) {
        const char *type = get_string(req, "type");
        hisi_mig_state from, to;
        int64_t n;
        int error, r;

        if (!type)
                return reply_error(-EINVAL, "fault needs a \"type\": arc, delay, corrupt, clear, "
                                            "probe");
        if (streq(type, "probe")) {
                const char *driver = get_string(req, "driver");
                if (!driver || !get_errno(req, "errno", &error))
                        return reply_error(-EINVAL, "probe fault needs \"driver\" and \"errno\"");
                r = sim_host_fault_probe(h, driver, error);
                return r < 0 ? reply_error(r, "no such driver") : reply_ok(NULL);
        }
        if (!device)
                return reply_error(-EINVAL, "fault needs a \"device\"");
        if (streq(type, "arc")) {
                json_object *once;
                if (!get_state(req, "from", &from) || !get_state(req, "to", &to) ||
                    !get_errno(req, "errno", &error))
                        return reply_error(-EINVAL, "arc fault needs \"from\", \"to\" (states) "
                                                    "and \"errno\"");
                r = sim_host_fault_arc(h, device, from, to, error,
                                       json_object_object_get_ex(req, "once", &once) &&
                                               json_object_get_boolean(once));
        } else if (streq(type, "delay")) {
                if (!get_state(req, "from", &from) || !get_state(req, "to", &to) ||
                    !get_int64(req, "ms", &n) || n < 0 || n > 3600 * 1000)
                        return reply_error(-EINVAL, "delay fault needs \"from\", \"to\" and "
                                                    "\"ms\" (0 to 3600000)");
                r = sim_host_fault_delay(h, device, from, to, (uint64_t)n * 1000);
        } else if (streq(type, "corrupt")) {
                if (!get_int64(req, "offset", &n) || n < 0 || n > 175)
                        return reply_error(-EINVAL, "corrupt fault needs an \"offset\" from 0 "
                                                    "to 175");
                r = sim_host_fault_corrupt(h, device, (size_t)n);
        } else if (streq(type, "clear"))
                r = sim_host_fault_clear(h, device);
        else
                return reply_error(-EINVAL, "unknown fault type");
        return r < 0 ? reply_error(r, r == -ENODEV ? "no such VF" : NULL) : reply_ok(NULL);
}

json_object *sim_ctl_handle(sim_host *h, sd_event *event, json_object *req) {
        const char *cmd = get_string(req, "cmd");
        const char *device = get_string(req, "device");
        json_object *result = NULL;
        uint64_t digest;
        int r;

        if (!cmd)
                return reply_error(-EINVAL, "the request has no \"cmd\"");
        if (streq(cmd, "list") || streq(cmd, "show")) {
                if (streq(cmd, "show") && !device)
                        return reply_error(-EINVAL, "show needs a \"device\"");
                r = sim_host_describe(h, streq(cmd, "show") ? device : NULL, &result);
                return r < 0 ? reply_error(r, "no such device") : reply_ok(result);
        }
        if (streq(cmd, "digest")) {
                char hex[32];
                r = sim_host_digest(h, device, &digest);
                if (r < 0)
                        return reply_error(r, "no such VF");
                snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)digest);
                return reply_ok(json_object_new_string(hex));
        }
        if (streq(cmd, "fault"))
                return handle_fault(h, device, req);
        if (streq(cmd, "reset")) {
                r = sim_host_reset_vf(h, device);
                return r < 0 ? reply_error(r, r == -ENODEV ? "no such VF" : NULL) : reply_ok(NULL);
        }
        if (streq(cmd, "plug")) {
                r = sim_host_plug_vf(h, device);
                return r < 0 ? reply_error(r, r == -EEXIST ? "the VF is present" : "no such VF")
                             : reply_ok(NULL);
        }
        if (streq(cmd, "unplug")) {
                r = sim_host_unplug_vf(h, device);
                return r < 0 ? reply_error(r, "no such VF") : reply_ok(NULL);
        }
        if (streq(cmd, "guest")) {
                json_object *v;
                if (!json_object_object_get_ex(req, "driver", &v) ||
                    !json_object_is_type(v, json_type_boolean))
                        return reply_error(-EINVAL, "guest needs \"driver\": true or false");
                r = sim_host_set_guest_driver(h, device, json_object_get_boolean(v));
                return r < 0 ? reply_error(r, "no such VF") : reply_ok(NULL);
        }
        if (streq(cmd, "clock")) {
                json_object *v;
                if (!json_object_object_get_ex(req, "run", &v) ||
                    !json_object_is_type(v, json_type_boolean))
                        return reply_error(-EINVAL, "clock needs \"run\": true or false");
                sim_host_set_clock(h, json_object_get_boolean(v));
                return reply_ok(NULL);
        }
        if (streq(cmd, "stop")) {
                (void)sd_event_exit(event, 0);
                return reply_ok(NULL);
        }
        return reply_error(-EINVAL, "unknown command");
}

static int on_request(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        sim_ctl *c = userdata;
        _cleanup_free_ char *buf = malloc(SIM_CTL_MSG_MAX + 1);
        json_object *req, *reply;
        const char *out;
        ssize_t n;

        if (!buf)
                return 0;
        n = recv(fd, buf, SIM_CTL_MSG_MAX, 0);
        if (n <= 0) {
                sd_event_source_disable_unref(s);
                close(fd);
                return 0;
        }
        buf[n] = '\0';
        req = json_tokener_parse(buf);
        if (!req || !json_object_is_type(req, json_type_object))
                reply = reply_error(-EINVAL, "the request is not a JSON object");
        else
                reply = sim_ctl_handle(c->host, c->event, req);
        json_object_put(req);
        out = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
        (void)send(fd, out, strlen(out), MSG_NOSIGNAL);
        json_object_put(reply);
        return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        sim_ctl *c = userdata;
        sd_event_source *src = NULL;
        int cfd;

        cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (cfd < 0)
                return 0;
        if (sd_event_add_io(c->event, &src, cfd, EPOLLIN, on_request, c) < 0) {
                close(cfd);
                return 0;
        }
        /* The source owns the connection: it goes when the client closes. */
        (void)sd_event_source_set_floating(src, true);
        sd_event_source_unref(src);
        return 0;
}

int sim_ctl_new(sd_event *event, sim_host *host, const char *socket_path, sim_ctl **ret) {
        _cleanup_(sim_ctl_freep) sim_ctl *c = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int r;

        if (strlen(socket_path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, socket_path);
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->fd = -EBADF;
        c->event = sd_event_ref(event);
        c->host = host;
        c->path = strdup(socket_path);
        if (!c->path)
                return -ENOMEM;
        c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (c->fd < 0)
                return negative_errno();
        (void)unlink(socket_path);
        if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(c->fd, 16) < 0)
                return negative_errno();
        r = sd_event_add_io(event, &c->source, c->fd, EPOLLIN, on_accept, c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

sim_ctl *sim_ctl_free(sim_ctl *c) {
        if (!c)
                return NULL;
        sd_event_source_disable_unref(c->source);
        safe_close(c->fd);
        if (c->path)
                (void)unlink(c->path);
        free(c->path);
        sd_event_unref(c->event);
        free(c);
        return NULL;
}
