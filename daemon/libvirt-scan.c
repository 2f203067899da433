/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's managed hostdevs, asked through a helper process (see libvirt-scan.h). */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hisi/json-util.h"
#include "libvirt-scan.h"

#ifndef HISI_LIBEXECDIR
#define HISI_LIBEXECDIR "/usr/libexec"
#endif

#define OUTPUT_MAX      (1024 * 1024)
#define HOSTDEVS_MAX    65536
#define DOMAIN_NAME_MAX 1024

struct LibvirtScan {
        sd_event_source *child;
        sd_event_source *io;
        sd_event_source *timer;
        pid_t pid;
        int fd;
        char *output;
        size_t n_output;
        bool eof, exited;
        int status; /* the helper's exit status, or -1 when it was killed */
        libvirt_scan_done_t done;
        void *userdata;
};

void libvirt_hostdevs_free(LibvirtHostdev *h, size_t n) {
        if (!h)
                return;
        for (size_t i = 0; i < n; i++)
                free(h[i].domain);
        free(h);
}

typedef struct HostdevList {
        LibvirtHostdev *items;
        size_t n;
} HostdevList;

static void hostdev_list_done(HostdevList *l) {
        libvirt_hostdevs_free(l->items, l->n);
}

static int decode(const hisi_json_value *root, HostdevList *list, char **ret_error) {
        static const char *const keys[] = { "hostdevs", "error", NULL };
        hisi_json_value array;
        const char *error;
        size_t n;
        int r;

        r = hisi_json_expect_object(root);
        if (r < 0)
                return r;
        r = hisi_json_check_keys(root, keys);
        if (r < 0)
                return r;
        r = hisi_json_get_string(root, "error", 4096, &error);
        if (r < 0)
                return r;
        if (r > 0) {
                *ret_error = strdup(error);
                return *ret_error ? -EINVAL : -ENOMEM;
        }
        r = hisi_json_get_array(root, "hostdevs", 0, HOSTDEVS_MAX, &array);
        if (r < 0)
                return r;
        if (r == 0)
                return hisi_json_missing(root, "hostdevs");
        n = hisi_json_length(&array);
        list->items = calloc(n > 0 ? n : 1, sizeof(*list->items));
        if (!list->items)
                return -ENOMEM;
        for (; list->n < n; list->n++) {
                static const char *const hkeys[] = { "address", "domain", NULL };
                LibvirtHostdev *h = &list->items[list->n];
                hisi_json_value e;
                const char *s;

                hisi_json_element(&array, list->n, &e);
                r = hisi_json_expect_object(&e);
                if (r >= 0)
                        r = hisi_json_check_keys(&e, hkeys);
                if (r >= 0)
                        r = hisi_json_get_string(&e, "address", 64, &s);
                if (r == 0)
                        r = hisi_json_missing(&e, "address");
                if (r < 0)
                        return r;
                if (hisi_pci_address_normalize(s, h->address) < 0) {
                        hisi_json_value v;
                        (void)hisi_json_member(&e, "address", &v);
                        return hisi_json_reject(&v, "expected a PCI address");
                }
                r = hisi_json_get_string(&e, "domain", DOMAIN_NAME_MAX, &s);
                if (r < 0)
                        return r;
                h->domain = strdup(r > 0 ? s : "");
                if (!h->domain)
                        return -ENOMEM;
        }
        return 0;
}

int libvirt_scan_parse(const char *text, size_t len, LibvirtHostdev **ret, size_t *ret_n,
                       char **ret_error) {
        _cleanup_(hisi_json_ctx_freep) hisi_json_ctx *ctx = NULL;
        _cleanup_(hostdev_list_done) HostdevList list = {};
        char *own_error = NULL;
        hisi_json_value root;
        int r;

        if ((!text && len > 0) || !ret || !ret_n)
                return -EINVAL;
        r = hisi_json_ctx_new(text, len, "helper output", &ctx, ret_error);
        if (r < 0)
                return r;
        hisi_json_root(ctx, &root);
        r = decode(&root, &list, &own_error);
        if (own_error) {
                if (ret_error)
                        *ret_error = own_error;
                else
                        free(own_error);
                return -EINVAL;
        }
        if (r < 0)
                return hisi_json_ctx_finish(ctx, r, ret_error);
        *ret = TAKE_PTR(list.items);
        *ret_n = list.n;
        list.n = 0;
        return 0;
}

const char *libvirt_scan_helper_path(void) {
        const char *e = getenv(LIBVIRT_HELPER_ENV);

        return e && e[0] == '/' ? e : HISI_LIBEXECDIR "/hisi-accmigd-libvirt";
}

static void scan_report(LibvirtScan *s, int error, const char *message, LibvirtHostdev *h,
                        size_t n) {
        libvirt_scan_done_t done = s->done;

        s->done = NULL;
        s->timer = sd_event_source_disable_unref(s->timer);
        s->io = sd_event_source_disable_unref(s->io);
        if (done)
                done(error, message, h, n, s->userdata);
        else
                libvirt_hostdevs_free(h, n);
}

/* Both the end of the output and the helper's exit are in: decode. */
static void scan_complete(LibvirtScan *s) {
        _cleanup_free_ char *error = NULL, *m = NULL;
        LibvirtHostdev *h = NULL;
        size_t n = 0;
        int r;

        if (!s->eof || !s->exited || !s->done)
                return;
        r = libvirt_scan_parse(s->output, s->n_output, &h, &n, &error);
        if (r >= 0 && s->status == 0) {
                scan_report(s, 0, NULL, h, n);
                return;
        }
        if (r >= 0)
                libvirt_hostdevs_free(h, n);
        if (s->status == 127)
                r = asprintf(&m, "cannot run %s", libvirt_scan_helper_path());
        else if (error && s->n_output > 0)
                r = asprintf(&m, "%s", error);
        else
                r = asprintf(&m, "%s failed (exit status %d)", libvirt_scan_helper_path(),
                             s->status);
        if (r < 0)
                m = NULL;
        scan_report(s, -EIO, m ? m : "the libvirt helper failed", NULL, 0);
}

static int on_output(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        LibvirtScan *s = userdata;
        char buf[4096];
        ssize_t k;

        k = read(fd, buf, sizeof(buf));
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (k <= 0) {
                s->eof = true;
                s->io = sd_event_source_disable_unref(s->io);
                scan_complete(s);
                return 0;
        }
        if (s->n_output + (size_t)k > OUTPUT_MAX) {
                (void)kill(s->pid, SIGKILL);
                scan_report(s, -EFBIG, "the helper's output is too large", NULL, 0);
                return 0;
        }
        {
                char *p = realloc(s->output, s->n_output + (size_t)k + 1);
                if (!p) {
                        scan_report(s, -ENOMEM, "out of memory", NULL, 0);
                        return 0;
                }
                s->output = p;
        }
        memcpy(s->output + s->n_output, buf, (size_t)k);
        s->n_output += (size_t)k;
        s->output[s->n_output] = '\0';
        return 0;
}

static int on_helper_exit(sd_event_source *src, const siginfo_t *si, void *userdata) {
        LibvirtScan *s = userdata;

        s->exited = true;
        s->pid = 0;
        s->status = si->si_code == CLD_EXITED ? si->si_status : -1;
        scan_complete(s);
        return 0;
}

static int on_timeout(sd_event_source *src, uint64_t usec, void *userdata) {
        LibvirtScan *s = userdata;

        if (s->pid > 0)
                (void)kill(s->pid, SIGKILL);
        scan_report(s, -ETIMEDOUT, "libvirt did not answer in time", NULL, 0);
        return 0;
}

int libvirt_scan_start(sd_event *event, const char *uri, uint64_t timeout_usec,
                       libvirt_scan_done_t done, void *userdata, LibvirtScan **ret) {
        _cleanup_(libvirt_scan_freep) LibvirtScan *s = NULL;
        const char *helper = libvirt_scan_helper_path();
        int pipefd[2], r;

        if (!event || !uri || !done || !ret)
                return -EINVAL;
        if (access(helper, X_OK) < 0)
                return negative_errno();
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->fd = -EBADF;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return negative_errno();
        s->pid = fork();
        if (s->pid < 0) {
                safe_close(pipefd[0]);
                safe_close(pipefd[1]);
                return negative_errno();
        }
        if (s->pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        (void)dup2(null, STDIN_FILENO);
                        (void)dup2(null, STDERR_FILENO);
                }
                (void)dup2(pipefd[1], STDOUT_FILENO);
                execl(helper, "hisi-accmigd-libvirt", "--uri", uri, (char *)NULL);
                _exit(127);
        }
        safe_close(pipefd[1]);
        s->fd = pipefd[0];
        (void)fcntl(s->fd, F_SETFL, O_NONBLOCK);

        r = sd_event_add_child(event, &s->child, s->pid, WEXITED, on_helper_exit, s);
        if (r < 0)
                return r;
        r = sd_event_add_io(event, &s->io, s->fd, EPOLLIN, on_output, s);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(event, &s->timer, CLOCK_MONOTONIC, timeout_usec, 0,
                                       on_timeout, s);
        if (r < 0)
                return r;
        s->done = done;
        s->userdata = userdata;
        *ret = TAKE_PTR(s);
        return 0;
}

LibvirtScan *libvirt_scan_free(LibvirtScan *s) {
        if (!s)
                return NULL;
        s->timer = sd_event_source_disable_unref(s->timer);
        s->io = sd_event_source_disable_unref(s->io);
        s->child = sd_event_source_disable_unref(s->child);
        if (s->pid > 0) {
                /* Killed, it ends at once; reap it here, the event loop no longer watches. */
                (void)kill(s->pid, SIGKILL);
                (void)waitpid(s->pid, NULL, 0);
        }
        safe_close(s->fd);
        free(s->output);
        free(s);
        return NULL;
}
