/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fake host tree's reacting kernel (see fake-sysfs.h): an inotify thread that hands each
 * closed write to sim/pci-core, and the log of the uevents the model emits.
 *
 * inotify delivers a watch's events in order, so a write is handled after every write made
 * before it. fake_sysfs_sync() uses that: it writes a marker with a fresh name (equal
 * consecutive events may be merged, different names never are) and waits until the thread has
 * seen it.
 */

#include <dirent.h>
#include <inttypes.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "fake-sysfs-internal.h"
#include "file-util.h"
#include "macro.h"
#include "parse-util.h"

#define SYNC_PREFIX ".fake-sync-"
/* More than the kernel's PAGE_SIZE limit, so that a too long value reaches the model whole. */
#define VALUE_MAX 8192

/* ---- The kernel's uevents, and its watches ---- */

static int record_uevent(const char *root, const char *address, const char *action,
                         const char *driver, void *userdata) {
        fake_sysfs *f = userdata;
        _cleanup_free_ char *line = NULL;
        size_t n;
        char *u;
        int r;

        /* Called by the model, under f->lock. */
        r = asprintf_safe(&line, "%s %s %s\n", action, driver ? driver : "-", address);
        if (r < 0)
                return r;
        n = strlen(line);
        u = realloc(f->uevents, f->uevents_len + n + 1);
        if (!u)
                return -ENOMEM;
        memcpy(u + f->uevents_len, line, n + 1);
        f->uevents = u;
        f->uevents_len += n;
        return 0;
}

const hisi_sim_pci_ops fake_sysfs_ops = {
        .set_driver_link = hisi_sim_pci_tree_set_driver_link,
        .remove_driver_link = hisi_sim_pci_tree_remove_driver_link,
        .emit_uevent = record_uevent,
};

/* Watch a directory for closed writes, if the kernel runs. Called under f->lock. */
static int watch_dir(fake_sysfs *f, const char *host_dir) {
        _cleanup_free_ char *p = NULL, *dir = NULL;
        watch *w;
        int wd, r;

        if (!f->running)
                return 0;
        r = asprintf_safe(&p, "%s%s", f->root, host_dir);
        if (r < 0)
                return r;
        wd = inotify_add_watch(f->inotify_fd, p, IN_CLOSE_WRITE);
        if (wd < 0)
                return negative_errno();
        for (size_t i = 0; i < f->n_watches; i++)
                if (f->watches[i].wd == wd)
                        return 0;
        dir = strdup(host_dir);
        if (!dir)
                return -ENOMEM;
        w = reallocarray(f->watches, f->n_watches + 1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        f->watches = w;
        w[f->n_watches++] = (watch){ .wd = wd, .dir = TAKE_PTR(dir) };
        return 0;
}

int fake_sysfs_watch(fake_sysfs *f, const char *bus_dir, const char *name) {
        _cleanup_free_ char *dir = NULL;
        int r;

        r = asprintf_safe(&dir, "/sys/bus/pci/%s/%s", bus_dir, name);
        if (r < 0)
                return r;
        return watch_dir(f, dir);
}

/* ---- The kernel thread ---- */

static void handle_sync(fake_sysfs *f, const char *name) {
        _cleanup_free_ char *p = NULL;
        uint64_t n;

        if (safe_atou64(name + STRLEN(SYNC_PREFIX), &n) < 0)
                return;
        if (asprintf_safe(&p, "%s/sys/bus/pci/%s", f->root, name) >= 0)
                (void)unlink(p);
        if (n > f->sync_done)
                f->sync_done = n;
        pthread_cond_broadcast(&f->cond);
}

/* A closed write: the value is what the file holds now (the model reads the rest itself). */
static void handle_write(fake_sysfs *f, const char *dir, const char *name) {
        _cleanup_free_ char *host_path = NULL, *p = NULL, *target = NULL;
        _cleanup_close_ int fd = -EBADF;
        hisi_sim_pci_attr attr;
        char *value;
        ssize_t n;

        if (asprintf_safe(&host_path, "%s/%s", dir, name) < 0)
                return;
        if (hisi_sim_pci_attr_from_path(host_path, &attr, &target) < 0)
                return;
        if (asprintf_safe(&p, "%s%s", f->root, host_path) < 0)
                return;
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return;
        value = malloc(VALUE_MAX);
        if (!value)
                return;
        n = loop_read(fd, value, VALUE_MAX);
        if (n >= 0)
                (void)hisi_sim_pci_write(f->pci, attr, target, value, (size_t)n);
        free(value);
}

static void handle_event(fake_sysfs *f, const struct inotify_event *ev) {
        const char *dir = NULL;

        if (!(ev->mask & IN_CLOSE_WRITE) || ev->len == 0)
                return;
        pthread_mutex_lock(&f->lock);
        for (size_t i = 0; i < f->n_watches; i++)
                if (f->watches[i].wd == ev->wd)
                        dir = f->watches[i].dir;
        if (dir && streq(dir, "/sys/bus/pci") && strneq(ev->name, SYNC_PREFIX, STRLEN(SYNC_PREFIX)))
                handle_sync(f, ev->name);
        else if (dir)
                handle_write(f, dir, ev->name);
        pthread_mutex_unlock(&f->lock);
}

static void *kernel_thread(void *userdata) {
        fake_sysfs *f = userdata;
        char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

        for (;;) {
                struct pollfd pfd[2] = {
                        { .fd = f->inotify_fd, .events = POLLIN },
                        { .fd = f->stop_fd, .events = POLLIN },
                };
                ssize_t n;

                if (poll(pfd, ELEMENTSOF(pfd), -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (pfd[1].revents)
                        break;
                if (!(pfd[0].revents & POLLIN))
                        continue;
                n = read(f->inotify_fd, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        break;
                }
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *)p;

                        handle_event(f, ev);
                        p += sizeof(*ev) + ev->len;
                }
        }
        return NULL;
}

static int add_existing_watches(fake_sysfs *f, const char *bus_dir) {
        _cleanup_free_ char *rel = NULL, *p = NULL;
        struct dirent *de;
        DIR *dir;
        int r;

        r = asprintf_safe(&rel, "sys/bus/pci/%s", bus_dir);
        if (r < 0)
                return r;
        r = fake_sysfs_path(f, rel, &p);
        if (r < 0)
                return r;
        dir = opendir(p);
        if (!dir)
                return negative_errno();
        while ((de = readdir(dir))) {
                if (de->d_name[0] == '.')
                        continue;
                r = fake_sysfs_watch(f, bus_dir, de->d_name);
                if (r < 0)
                        break;
        }
        closedir(dir);
        return r;
}

int fake_sysfs_start_kernel(fake_sysfs *f, const char *refuse_driver) {
        int r;

        if (!f)
                return -EINVAL;
        if (f->running)
                return -EBUSY;
        if (refuse_driver) {
                r = fake_sysfs_add_driver(f, refuse_driver);
                if (r < 0)
                        return r;
                r = hisi_sim_pci_set_probe_error(f->pci, refuse_driver, -EIO);
                if (r < 0)
                        return r;
        }

        f->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (f->inotify_fd < 0)
                return negative_errno();
        f->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (f->stop_fd < 0) {
                r = negative_errno();
                goto fail;
        }

        pthread_mutex_lock(&f->lock);
        f->running = true;
        r = watch_dir(f, "/sys/bus/pci");
        if (r >= 0)
                r = add_existing_watches(f, "drivers");
        if (r >= 0)
                r = add_existing_watches(f, "devices");
        if (r < 0)
                f->running = false;
        pthread_mutex_unlock(&f->lock);
        if (r < 0)
                goto fail;

        r = -pthread_create(&f->thread, NULL, kernel_thread, f);
        if (r < 0) {
                f->running = false;
                goto fail;
        }
        return 0;

fail:
        f->inotify_fd = safe_close(f->inotify_fd);
        f->stop_fd = safe_close(f->stop_fd);
        return r;
}

void fake_sysfs_stop_kernel(fake_sysfs *f) {
        uint64_t one = 1;

        if (!f || !f->running)
                return;
        (void)loop_write(f->stop_fd, &one, sizeof(one));
        pthread_join(f->thread, NULL);

        pthread_mutex_lock(&f->lock);
        f->running = false;
        for (size_t i = 0; i < f->n_watches; i++)
                free(f->watches[i].dir);
        free(f->watches);
        f->watches = NULL;
        f->n_watches = 0;
        pthread_cond_broadcast(&f->cond);
        pthread_mutex_unlock(&f->lock);
        f->inotify_fd = safe_close(f->inotify_fd);
        f->stop_fd = safe_close(f->stop_fd);
}

int fake_sysfs_sync(fake_sysfs *f) {
        _cleanup_free_ char *rel = NULL;
        uint64_t ticket;
        int r;

        if (!f)
                return -EINVAL;
        pthread_mutex_lock(&f->lock);
        if (!f->running) {
                pthread_mutex_unlock(&f->lock);
                return 0;
        }
        ticket = ++f->sync_requested;
        pthread_mutex_unlock(&f->lock);

        r = asprintf_safe(&rel, "sys/bus/pci/" SYNC_PREFIX "%" PRIu64, ticket);
        if (r < 0)
                return r;
        r = fake_sysfs_write_rel(f, rel, "");
        if (r < 0)
                return r;

        pthread_mutex_lock(&f->lock);
        while (f->running && f->sync_done < ticket)
                pthread_cond_wait(&f->cond, &f->lock);
        r = f->sync_done >= ticket ? 0 : -ESHUTDOWN;
        pthread_mutex_unlock(&f->lock);
        return r;
}

int fake_sysfs_take_uevents(fake_sysfs *f, char **ret) {
        char *s;
        int r;

        if (!f || !ret)
                return -EINVAL;
        r = fake_sysfs_sync(f);
        if (r < 0)
                return r;
        pthread_mutex_lock(&f->lock);
        s = f->uevents ? TAKE_PTR(f->uevents) : strdup("");
        f->uevents_len = 0;
        pthread_mutex_unlock(&f->lock);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
