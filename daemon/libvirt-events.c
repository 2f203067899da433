/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's domain events through a long-lived helper process (see libvirt-events.h). */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "child-run.h"
#include "file-util.h"
#include "hisi/json-util.h"
#include "hisi/pci-address.h"
#include "libvirt-events.h"
#include "libvirt-scan.h"
#include "string-table.h"
#include "string-util.h"
#include "strv.h"

static const char *const libvirt_event_type_table[_LIBVIRT_EVENT_TYPE_MAX] = {
        [LIBVIRT_EVENT_PRESENT] = "present",
        [LIBVIRT_EVENT_FOLLOWING] = "following",
        [LIBVIRT_EVENT_DEFINED] = "defined",
        [LIBVIRT_EVENT_UNDEFINED] = "undefined",
        [LIBVIRT_EVENT_STARTED] = "started",
        [LIBVIRT_EVENT_SUSPENDED] = "suspended",
        [LIBVIRT_EVENT_RESUMED] = "resumed",
        [LIBVIRT_EVENT_STOPPED] = "stopped",
        [LIBVIRT_EVENT_SHUTDOWN] = "shutdown",
        [LIBVIRT_EVENT_PMSUSPENDED] = "pmsuspended",
        [LIBVIRT_EVENT_CRASHED] = "crashed",
        [LIBVIRT_EVENT_DEVICE_ADDED] = "device-added",
        [LIBVIRT_EVENT_DEVICE_REMOVED] = "device-removed",
        [LIBVIRT_EVENT_ERROR] = "error",
};

DEFINE_STRING_TABLE_LOOKUP(libvirt_event_type, LibvirtEventType);

#define DOMAIN_NAME_MAX 1024
#define ERROR_MAX       4096

void libvirt_event_done(LibvirtEvent *e) {
        if (!e)
                return;
        free(e->domain);
        strv_free(e->managed);
        strv_free(e->hostdevs);
        free(e->error);
        *e = (LibvirtEvent){};
}

/* An array of PCI addresses, canonical, as a strv (never NULL). */
static int get_addresses(const hisi_json_value *obj, const char *key, char ***ret) {
        _cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
        hisi_json_value array;
        size_t n;
        int r;

        if (!l)
                return -ENOMEM;
        r = hisi_json_get_array(obj, key, 0, LIBVIRT_EVENT_HOSTDEVS_MAX, &array);
        if (r < 0)
                return r;
        if (r == 0)
                return hisi_json_missing(obj, key);
        n = hisi_json_length(&array);
        for (size_t i = 0; i < n; i++) {
                char a[HISI_PCI_ADDRESS_MAX];
                hisi_json_value e;
                const char *s;

                hisi_json_element(&array, i, &e);
                r = hisi_json_string(&e, 64, &s);
                if (r < 0)
                        return r;
                if (hisi_pci_address_normalize(s, a) < 0)
                        return hisi_json_reject(&e, "expected a PCI address");
                if (strv_contains(l, a))
                        continue;
                r = strv_extend(&l, a);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int decode(const hisi_json_value *root, LibvirtEvent *e) {
        static const char *const keys[] = { "event",  "detail",     "domain", "managed", "hostdevs",
                                            "active", "persistent", "error",  NULL };
        const char *s;
        int64_t detail = 0;
        int r;

        r = hisi_json_expect_object(root);
        if (r >= 0)
                r = hisi_json_check_keys(root, keys);
        if (r < 0)
                return r;
        r = hisi_json_get_string(root, "error", ERROR_MAX, &s);
        if (r < 0)
                return r;
        if (r > 0) {
                e->type = LIBVIRT_EVENT_ERROR;
                e->error = strdup(s);
                return e->error ? 1 : -ENOMEM;
        }
        r = hisi_json_get_string(root, "event", 64, &s);
        if (r == 0)
                r = hisi_json_missing(root, "event");
        if (r < 0)
                return r;
        e->type = libvirt_event_type_from_string(s);
        if (e->type < 0 || e->type == LIBVIRT_EVENT_ERROR)
                return 0; /* a later helper's: not ours to know */
        if (e->type == LIBVIRT_EVENT_FOLLOWING)
                return 1;
        r = hisi_json_get_int(root, "detail", INT32_MIN, INT32_MAX, &detail);
        if (r < 0)
                return r;
        e->detail = (int)detail;
        r = hisi_json_get_string(root, "domain", DOMAIN_NAME_MAX, &s);
        if (r == 0)
                r = hisi_json_missing(root, "domain");
        if (r < 0)
                return r;
        e->domain = strdup(s);
        if (!e->domain)
                return -ENOMEM;
        r = get_addresses(root, "managed", &e->managed);
        if (r >= 0)
                r = get_addresses(root, "hostdevs", &e->hostdevs);
        if (r >= 0)
                r = hisi_json_get_bool(root, "active", &e->active);
        if (r >= 0)
                r = hisi_json_get_bool(root, "persistent", &e->persistent);
        return r < 0 ? r : 1;
}

int libvirt_event_parse(const char *line, size_t len, LibvirtEvent *ret, char **ret_error) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *ctx = NULL;
        _cleanup_(libvirt_event_done) LibvirtEvent e = {};
        hisi_json_value root;
        int r;

        if ((!line && len > 0) || !ret)
                return -EINVAL;
        r = hisi_json_ctx_new(line, len, "event line", &ctx, ret_error);
        if (r < 0)
                return r;
        hisi_json_root(ctx, &root);
        r = decode(&root, &e);
        if (r < 0)
                return hisi_json_ctx_finish(ctx, r, ret_error);
        if (r == 0)
                return 0;
        *ret = e;
        e = (LibvirtEvent){};
        return 1;
}

int libvirt_helper_exec(int stdin_fd, int stdout_fd, char *const argv[]) {
        const char *path = libvirt_scan_helper_path();
        sigset_t none;
        int fd = stdin_fd;

        if (fd < 0) {
                fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        return negative_errno();
        }
        if (dup2(fd, STDIN_FILENO) < 0)
                return negative_errno();
        if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0)
                return negative_errno();
        /* A program starts as programs do, and does not outlive the daemon. */
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
        (void)signal(SIGPIPE, SIG_DFL);
        (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (access(path, X_OK) < 0)
                return -ENOENT;
        execv(path, argv);
        return negative_errno();
}

/* ---- The follower ---- */

struct LibvirtFollower {
        ChildRun *run;
        sd_event_source *io;
        int fd;     /* the helper's stdout, read end */
        int out_fd; /* its write end, until the child has it */
        char *uri;
        char *line;
        size_t n_line;
        bool skipping; /* in a line that is too long */
        char *why;     /* why we end it, or its own last error line */
        libvirt_follower_event_t on_event;
        libvirt_follower_end_t on_end;
        void *userdata;
};

const char *libvirt_follower_uri(const LibvirtFollower *f) {
        return f->uri;
}

/* End the follower for why (the first reason stands); its end comes through on_end. */
static void follower_kill(LibvirtFollower *f, const char *why) {
        if (!f->why)
                f->why = strdup(why);
        f->io = sd_event_source_disable_unref(f->io);
        child_run_kill(f->run, -EPROTO);
}

static void handle_line(LibvirtFollower *f, const char *line, size_t len) {
        _cleanup_(libvirt_event_done) LibvirtEvent e = {};
        _cleanup_free_ char *error = NULL;
        int r;

        if (len == 0)
                return;
        r = libvirt_event_parse(line, len, &e, &error);
        if (r < 0) {
                _cleanup_free_ char *why = NULL;

                (void)asprintf_safe(&why, "the helper printed a line that is not an event (%s)",
                                    strna(error));
                follower_kill(f, why ?: "the helper printed a line that is not an event");
                return;
        }
        if (r == 0)
                return;
        if (e.type == LIBVIRT_EVENT_ERROR) {
                free(f->why);
                f->why = TAKE_PTR(e.error);
                return;
        }
        f->on_event(f, &e, f->userdata);
}

/* Read what is there and hand on every whole line: -1 at the end (or once it is killed). */
static int read_lines(LibvirtFollower *f) {
        char buf[8192];
        ssize_t k;

        if (f->fd < 0)
                return -1;
        k = read(f->fd, buf, sizeof(buf));
        if (k < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -1;
        if (k == 0)
                return -1;
        for (ssize_t i = 0; i < k; i++) {
                if (buf[i] == '\n') {
                        if (!f->skipping)
                                handle_line(f, f->line, f->n_line);
                        f->skipping = false;
                        f->n_line = 0;
                        if (!f->io)
                                return -1; /* killed for that line */
                        continue;
                }
                if (f->skipping)
                        continue;
                if (f->n_line >= LIBVIRT_EVENT_LINE_MAX) {
                        /* Lost: the owner's next follower starts from a snapshot. */
                        f->skipping = true;
                        follower_kill(f, "the helper printed a line longer than the limit");
                        return -1;
                }
                f->line[f->n_line++] = buf[i];
        }
        return 1;
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        LibvirtFollower *f = userdata;

        if (read_lines(f) < 0)
                f->io = sd_event_source_disable_unref(f->io);
        return 0;
}

static void on_exited(ChildRun *c, const ChildRunResult *result, void *userdata) {
        _cleanup_free_ char *why = NULL;
        LibvirtFollower *f = userdata;

        /* What it printed before it ended is in the pipe: every line of it counts. */
        if (f->io)
                while (read_lines(f) > 0)
                        ;
        f->io = sd_event_source_disable_unref(f->io);
        if (f->why)
                why = TAKE_PTR(f->why);
        else if (result->status == 127 || result->status == ENOENT)
                (void)asprintf_safe(&why, "cannot run %s", libvirt_scan_helper_path());
        else if (result->status >= 0)
                (void)asprintf_safe(&why, "the event helper ended (exit status %d)",
                                    result->status);
        else
                why = strdup("the event helper was killed by a signal");
        f->on_end(f, why ?: "the event helper ended", f->userdata);
}

static int exec_follower(void *userdata) {
        LibvirtFollower *f = userdata;
        char *argv[] = { (char *)"hisi-accmigd-libvirt", (char *)"--uri", f->uri,
                         (char *)"--follow", NULL };

        return libvirt_helper_exec(-1, f->out_fd, argv);
}

int libvirt_follower_start(sd_event *event, const char *uri, libvirt_follower_event_t on_event,
                           libvirt_follower_end_t on_end, void *userdata, LibvirtFollower **ret) {
        _cleanup_(libvirt_follower_freep) LibvirtFollower *f = NULL;
        ChildRunOptions o = {
                .func = exec_follower,
                .stderr_to_null = true,
        };
        int p[2], r;

        if (!event || !uri || !on_event || !on_end || !ret)
                return -EINVAL;
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->fd = f->out_fd = -EBADF;
        f->uri = strdup(uri);
        f->line = malloc(LIBVIRT_EVENT_LINE_MAX);
        if (!f->uri || !f->line)
                return -ENOMEM;
        if (pipe2(p, O_CLOEXEC) < 0)
                return negative_errno();
        f->fd = p[0];
        f->out_fd = p[1];
        r = fd_set_nonblock(f->fd, true);
        if (r < 0)
                return r;
        r = sd_event_add_io(event, &f->io, f->fd, EPOLLIN, on_output, f);
        if (r < 0)
                return r;
        o.func_userdata = f;
        r = child_run_start(event, &o, on_exited, f, &f->run);
        f->out_fd = safe_close(f->out_fd); /* the child has its copy */
        if (r < 0)
                return r;
        f->on_event = on_event;
        f->on_end = on_end;
        f->userdata = userdata;
        *ret = TAKE_PTR(f);
        return 0;
}

LibvirtFollower *libvirt_follower_free(LibvirtFollower *f) {
        if (!f)
                return NULL;
        child_run_free(f->run);
        sd_event_source_disable_unref(f->io);
        safe_close(f->fd);
        safe_close(f->out_fd);
        free(f->uri);
        free(f->line);
        free(f->why);
        free(f);
        return NULL;
}
