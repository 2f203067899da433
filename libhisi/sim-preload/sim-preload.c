/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhisi-accsim-preload: what makes a write to a simulated PCI core attribute behave as on a
 * kernel, for any program run under `hisi-accsim exec` (a shell's echo, driverctl, Python, the
 * daemon). Loaded before umockdev's preload, which redirects /sys into the testbed.
 *
 * On a kernel a write() to driver_override, bind, unbind, drivers_probe, sriov_numvfs, remove,
 * reset or the bus's rescan has done its work when it returns, and fails with the store's errno.
 * A plain file in a testbed can do neither, so:
 *  - opening such a file for writing (its name tells, its real path must be in the testbed's
 *    /sys) puts a private memfd in place of the file, named after the file's path, so that
 *    nothing a writer leaves in it reaches the testbed, and a program started with it (a shell
 *    redirection, then exec) can find the path again;
 *  - write(), pwrite() and writev() on it carry the bytes to the simulator (the device socket,
 *    SIM_OP_SYSFS_WRITE), wait for its answer and return it: the count, or -1 with the errno;
 *  - what reaches it unseen, stdio's own writes inside the C library, is carried when the stream
 *    is flushed or closed, or the fd closed, replaced by dup2() or left at exit; a refusal then
 *    makes fflush() and fclose() fail with the errno and marks the stream's error, as a failed
 *    write() would (a shell's echo reports it).
 * Everything else goes to the next library untouched. Without $UMOCKDEV_DIR and
 * $HISI_ACCSIM_SOCKET the library does nothing. Not seen: programs that bypass the C library
 * (static binaries, raw syscalls), and files opened for both reading and writing.
 */

/* The hooks below define open() and friends themselves: no inline fortified wrappers. */
#undef _FORTIFY_SOURCE

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim-proto.h"

/* A store gets at most a page (kernfs cuts a longer write to one). */
#define STORE_MAX    4096
#define FD_TRACK_MAX 4096
#define MEMFD_PREFIX "hisi-accsim-sysfs:"
#define MEMFD_NAME   "/memfd:" MEMFD_PREFIX
#define DELETED      " (deleted)"
#define EXPORT       __attribute__((visibility("default")))

/* An open sysfs attribute: shared by the fds that dup() made of one open. */
typedef struct tracked {
        unsigned n_ref;
        char *path; /* below the testbed root: "/sys/..." */
        dev_t dev;  /* the memfd, so that a reused fd number is not taken for it */
        ino_t ino;
        off_t carried; /* the memfd's bytes before this were carried already */
} tracked;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(tracked *) fds[FD_TRACK_MAX];
static char *root;        /* realpath of $UMOCKDEV_DIR */
static char *socket_path; /* $HISI_ACCSIM_SOCKET */

/* ---- The next library's functions ---- */

#define NEXT(name) ((__typeof__(&name))next_symbol(#name))

static void *next_symbol(const char *name) {
        void *p = dlsym(RTLD_NEXT, name);

        if (!p) {
                fprintf(stderr, "hisi-accsim preload: no %s in the C library\n", name);
                abort();
        }
        return p;
}

static bool active(void) {
        return root && socket_path;
}

static bool attribute_name(const char *path) {
        static const char *const names[] = { "driver_override", "bind",   "unbind",
                                             "drivers_probe",   "remove", "reset",
                                             "sriov_numvfs",    "rescan" };
        const char *base;

        if (!path)
                return false;
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(base, names[i]) == 0)
                        return true;
        return false;
}

/* ---- The table of tracked fds ---- */

static tracked *tracked_unref(tracked *t) {
        if (t && --t->n_ref == 0) {
                free(t->path);
                free(t);
        }
        return NULL;
}

/* The entry of fd, if fd is still the memfd it was made for. Under lock. */
static tracked *lookup_locked(int fd) {
        tracked *t;
        struct stat st;

        if (fd < 0 || fd >= FD_TRACK_MAX)
                return NULL;
        t = atomic_load(&fds[fd]);
        if (!t)
                return NULL;
        if (fstat(fd, &st) < 0 || st.st_dev != t->dev || st.st_ino != t->ino) {
                atomic_store(&fds[fd], NULL);
                tracked_unref(t);
                return NULL;
        }
        return t;
}

static void untrack_locked(int fd) {
        if (fd >= 0 && fd < FD_TRACK_MAX)
                tracked_unref(atomic_exchange(&fds[fd], NULL));
}

static void share_locked(int from, int to) {
        tracked *t;

        if (to < 0 || to >= FD_TRACK_MAX || from == to)
                return;
        untrack_locked(to);
        t = lookup_locked(from);
        if (!t)
                return;
        t->n_ref++;
        atomic_store(&fds[to], t);
}

static int track_locked(int fd, const char *path, off_t carried) {
        tracked *t;
        struct stat st;

        if (fd < 0 || fd >= FD_TRACK_MAX || fstat(fd, &st) < 0)
                return -EBADF;
        t = calloc(1, sizeof(*t));
        if (!t || !(t->path = strdup(path))) {
                free(t);
                return -ENOMEM;
        }
        t->n_ref = 1;
        t->dev = st.st_dev;
        t->ino = st.st_ino;
        t->carried = carried;
        untrack_locked(fd);
        atomic_store(&fds[fd], t);
        return 0;
}

/* ---- Carrying a write to the simulator ---- */

/* One store: 0, the kernel's negative errno, or SIM_SYSFS_PASS. */
static int store(const char *path, const void *buf, size_t len) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t path_len = strlen(path) + 1;
        char *payload;
        sim_msg reply;
        int fd, r;

        if (strlen(socket_path) >= sizeof(sa.sun_path) || path_len + len > SIM_PAYLOAD_MAX)
                return -EIO;
        strcpy(sa.sun_path, socket_path);
        payload = malloc(path_len + len);
        if (!payload)
                return -ENOMEM;
        memcpy(payload, path, path_len);
        memcpy(payload + path_len, buf, len);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                free(payload);
                return -EIO;
        }
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                /* The simulated host is gone: its kernel does not answer. */
                NEXT(close)(fd);
                free(payload);
                return -EIO;
        }
        r = sim_call(fd, SIM_OP_SYSFS_WRITE, payload, path_len + len, &reply, NULL, 0, NULL);
        NEXT(close)(fd);
        free(payload);
        if (r < 0)
                return -EIO;
        return reply.result;
}

/* A file the simulated kernel does not act on: the bytes go to it as they would have. */
static int store_in_file(const char *path, const void *buf, size_t len) {
        char *full;
        int fd;
        ssize_t n;

        if (asprintf(&full, "%s%s", root, path) < 0)
                return -ENOMEM;
        fd = NEXT(open)(full, O_WRONLY | O_CLOEXEC);
        free(full);
        if (fd < 0)
                return -errno;
        n = NEXT(write)(fd, buf, len);
        if (n < 0)
                n = -errno;
        NEXT(close)(fd);
        return n < 0 ? (int)n : 0;
}

/* write() of len bytes: the count taken, or a negative errno. */
static ssize_t carry(const char *path, const void *buf, size_t len) {
        int r;

        if (len == 0)
                return 0; /* sysfs calls no store for nothing */
        if (len > STORE_MAX)
                len = STORE_MAX;
        r = store(path, buf, len);
        if (r == SIM_SYSFS_PASS)
                r = store_in_file(path, buf, len);
        return r < 0 ? r : (ssize_t)len;
}

/* What stdio wrote to the memfd since the last carry, one store per page as write() would
 * split it: 0 or the first refusal. Under lock. */
static int carry_pending_locked(int fd, tracked *t) {
        char buf[STORE_MAX];
        off_t end = lseek(fd, 0, SEEK_CUR);

        while (end > t->carried) {
                size_t want = (size_t)(end - t->carried) < sizeof(buf) ? (size_t)(end - t->carried)
                                                                       : sizeof(buf);
                ssize_t n = pread(fd, buf, want, t->carried), k;

                if (n <= 0)
                        break;
                k = carry(t->path, buf, (size_t)n);
                t->carried += n;
                if (k < 0) {
                        t->carried = end;
                        return (int)k;
                }
        }
        return 0;
}

/* Whether fd may be tracked: a cheap look without the lock. */
static bool maybe_tracked(int fd) {
        return fd >= 0 && fd < FD_TRACK_MAX && atomic_load(&fds[fd]);
}

static int carry_pending(int fd) {
        tracked *t;
        int r = 0;

        pthread_mutex_lock(&lock);
        t = lookup_locked(fd);
        if (t)
                r = carry_pending_locked(fd, t);
        pthread_mutex_unlock(&lock);
        return r;
}

/* fd goes away (closed, or replaced): what stdio left in it is carried, and it is tracked no
 * more. 0 or the refusal of what was carried. */
static int release(int fd) {
        int r = carry_pending(fd);

        pthread_mutex_lock(&lock);
        untrack_locked(fd);
        pthread_mutex_unlock(&lock);
        return r;
}

/* Data that can no longer be reported through a call: say so, as the kernel log would. */
static void warn_refused(int fd, int r) {
        if (r < 0)
                fprintf(stderr,
                        "hisi-accsim: a buffered write to a sysfs attribute (fd %d) was "
                        "refused: %s\n",
                        fd, strerror(-r));
}

/* ---- Opening ---- */

/* The path of fd below the testbed root, if fd is a file of the testbed's /sys. */
static char *testbed_path(int fd) {
        char link[64], target[PATH_MAX];
        size_t n_root = strlen(root);
        ssize_t n;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, target, sizeof(target) - 1);
        if (n <= 0)
                return NULL;
        target[n] = '\0';
        if (strncmp(target, root, n_root) != 0 || strncmp(target + n_root, "/sys/", 5) != 0)
                return NULL;
        return strdup(target + n_root);
}

/* fd was opened for writing on a file named like an attribute: put a memfd named after it in
 * its place, and track it. On failure fd is left as it was. */
static void adopt(int fd, int flags) {
        char *path, *name;
        int mfd;

        path = testbed_path(fd);
        if (!path)
                return;
        if (asprintf(&name, MEMFD_PREFIX "%s", path) < 0) {
                free(path);
                return;
        }
        if (strlen(name) > 249) { /* memfd_create()'s limit: left as a plain file */
                free(path);
                free(name);
                return;
        }
        mfd = memfd_create(name, MFD_CLOEXEC);
        free(name);
        if (mfd >= 0) {
                pthread_mutex_lock(&lock);
                if (dup3(mfd, fd, flags & O_CLOEXEC) >= 0)
                        (void)track_locked(fd, path, 0);
                pthread_mutex_unlock(&lock);
                NEXT(close)(mfd);
        }
        free(path);
}

/* Whether path (relative to dirfd) names something in the testbed's /sys: "/sys/..." is
 * umockdev's to redirect there; a relative path is if its directory is. */
static bool in_testbed_sys(int dirfd, const char *path) {
        char link[64], dir[PATH_MAX];
        size_t n_root = strlen(root);
        ssize_t n;

        if (path[0] == '/')
                return strncmp(path, "/sys/", 5) == 0 || (strncmp(path, root, n_root) == 0 &&
                                                          strncmp(path + n_root, "/sys/", 5) == 0);
        if (dirfd == AT_FDCWD)
                snprintf(link, sizeof(link), "/proc/self/cwd");
        else
                snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
        n = readlink(link, dir, sizeof(dir) - 1);
        if (n <= 0)
                return false;
        dir[n] = '\0';
        return strncmp(dir, root, n_root) == 0 &&
               (strcmp(dir + n_root, "/sys") == 0 || strncmp(dir + n_root, "/sys/", 5) == 0);
}

/* The flags the real open gets: a sysfs attribute is neither truncated, created nor appended
 * to, and the testbed's file must not be either. Any other file is opened as asked. */
static int open_flags(int dirfd, const char *path, int flags, bool *ret_adopt) {
        int acc = flags & O_ACCMODE;

        *ret_adopt =
                active() && acc == O_WRONLY && attribute_name(path) && in_testbed_sys(dirfd, path);
        return *ret_adopt ? flags & ~(O_TRUNC | O_CREAT | O_APPEND) : flags;
}

static int opened(int fd, int flags, bool adopt_it) {
        if (fd >= 0 && adopt_it) {
                int saved = errno;
                adopt(fd, flags);
                errno = saved;
        }
        return fd;
}

/* The mode argument of open(), which is there only with O_CREAT or O_TMPFILE. */
#define MODE_ARG(flags)                                                                            \
        ({                                                                                         \
                va_list _ap;                                                                       \
                mode_t _mode = 0;                                                                  \
                va_start(_ap, flags);                                                              \
                if (((flags)&O_CREAT) || ((flags)&O_TMPFILE) == O_TMPFILE)                         \
                        _mode = va_arg(_ap, mode_t);                                               \
                va_end(_ap);                                                                       \
                _mode;                                                                             \
        })

/* open(), open64(), openat() and openat64(): the real one with the flags an attribute needs, and
 * the memfd put in its place. */
static int open_hook(bool at, bool large, int dirfd, const char *path, int flags, mode_t mode) {
        bool a;
        int f = open_flags(at ? dirfd : AT_FDCWD, path, flags, &a), fd;

        if (at)
                fd = large ? NEXT(openat64)(dirfd, path, f, mode)
                           : NEXT(openat)(dirfd, path, f, mode);
        else
                fd = large ? NEXT(open64)(path, f, mode) : NEXT(open)(path, f, mode);
        return opened(fd, flags, a);
}

EXPORT int open(const char *path, int flags, ...) {
        return open_hook(false, false, AT_FDCWD, path, flags, MODE_ARG(flags));
}

EXPORT int open64(const char *path, int flags, ...) {
        return open_hook(false, true, AT_FDCWD, path, flags, MODE_ARG(flags));
}

EXPORT int openat(int dirfd, const char *path, int flags, ...) {
        return open_hook(true, false, dirfd, path, flags, MODE_ARG(flags));
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...) {
        return open_hook(true, true, dirfd, path, flags, MODE_ARG(flags));
}

/* The fortified forms (_FORTIFY_SOURCE) take no mode. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

EXPORT int __open_2(const char *path, int flags) {
        return open(path, flags);
}

EXPORT int __open64_2(const char *path, int flags) {
        return open64(path, flags);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags) {
        return openat(dirfd, path, flags);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags) {
        return openat64(dirfd, path, flags);
}

EXPORT int creat(const char *path, mode_t mode) {
        return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

EXPORT int creat64(const char *path, mode_t mode) {
        return open64(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

/* fopen() opens inside the C library: for an attribute, open it here and wrap the fd. */
static FILE *fopen_attribute(const char *path, const char *mode, bool large) {
        bool cloexec = strchr(mode, 'e') != NULL;
        int fd, flags = O_WRONLY | O_CREAT | O_TRUNC | (cloexec ? O_CLOEXEC : 0);
        FILE *f;

        fd = large ? open64(path, flags, 0666) : open(path, flags, 0666);
        if (fd < 0)
                return NULL;
        f = fdopen(fd, "w");
        if (!f) {
                int saved = errno;
                close(fd);
                errno = saved;
        }
        return f;
}

/* An attribute opened for writing only: "w", "a" and their "x", "e", "b" variants. */
static bool attribute_stream(const char *path, const char *mode) {
        return active() && mode && (mode[0] == 'w' || mode[0] == 'a') && !strchr(mode, '+') &&
               attribute_name(path) && in_testbed_sys(AT_FDCWD, path);
}

EXPORT FILE *fopen(const char *path, const char *mode) {
        if (attribute_stream(path, mode))
                return fopen_attribute(path, mode, false);
        return NEXT(fopen)(path, mode);
}

EXPORT FILE *fopen64(const char *path, const char *mode) {
        if (attribute_stream(path, mode))
                return fopen_attribute(path, mode, true);
        return NEXT(fopen64)(path, mode);
}

/* ---- Writing ---- */

/* The result of a carried write(), in write()'s terms. */
static ssize_t write_result(ssize_t r) {
        if (r < 0) {
                errno = (int)-r;
                return -1;
        }
        return r;
}

static bool carried_write(int fd, const void *buf, size_t len, ssize_t *ret) {
        tracked *t;
        ssize_t r;

        if (!maybe_tracked(fd))
                return false;
        pthread_mutex_lock(&lock);
        t = lookup_locked(fd);
        if (!t) {
                pthread_mutex_unlock(&lock);
                return false;
        }
        /* Whatever stdio left first, then this write. */
        r = carry_pending_locked(fd, t);
        if (r >= 0)
                r = carry(t->path, buf, len);
        pthread_mutex_unlock(&lock);
        *ret = write_result(r);
        return true;
}

EXPORT ssize_t write(int fd, const void *buf, size_t len) {
        ssize_t r;

        if (carried_write(fd, buf, len, &r))
                return r;
        return NEXT(write)(fd, buf, len);
}

/* sysfs ignores the position of a store. */
EXPORT ssize_t pwrite(int fd, const void *buf, size_t len, off_t offset) {
        ssize_t r;

        if (carried_write(fd, buf, len, &r))
                return r;
        return NEXT(pwrite)(fd, buf, len, offset);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t offset) {
        ssize_t r;

        if (carried_write(fd, buf, len, &r))
                return r;
        return NEXT(pwrite64)(fd, buf, len, offset);
}

/* kernfs gathers the vector into one page for the store. */
EXPORT ssize_t writev(int fd, const struct iovec *iov, int n) {
        char buf[STORE_MAX];
        size_t len = 0;
        ssize_t r;

        if (!maybe_tracked(fd) || n < 0)
                return NEXT(writev)(fd, iov, n);
        for (int i = 0; i < n && len < sizeof(buf); i++) {
                size_t k = iov[i].iov_len < sizeof(buf) - len ? iov[i].iov_len : sizeof(buf) - len;
                memcpy(buf + len, iov[i].iov_base, k);
                len += k;
        }
        if (carried_write(fd, buf, len, &r))
                return r;
        return NEXT(writev)(fd, iov, n);
}

/* ---- Streams ---- */

/* A refusal of what a stream wrote: the stream's error flag, as a failed write() sets it. */
static int stream_refused(FILE *f, int r) {
        f->_flags |= _IO_ERR_SEEN;
        errno = -r;
        return EOF;
}

static int carry_all_pending(void) {
        int first = 0;

        pthread_mutex_lock(&lock);
        for (int fd = 0; fd < FD_TRACK_MAX; fd++) {
                tracked *t;
                int r;

                if (!maybe_tracked(fd))
                        continue;
                t = lookup_locked(fd);
                r = t ? carry_pending_locked(fd, t) : 0;
                if (r < 0 && first == 0)
                        first = r;
        }
        pthread_mutex_unlock(&lock);
        return first;
}

EXPORT int fflush(FILE *f) {
        int r = NEXT(fflush)(f), k;

        if (!active())
                return r;
        k = f ? carry_pending(fileno(f)) : carry_all_pending();
        if (k < 0)
                return f ? stream_refused(f, k) : (errno = -k, EOF);
        return r;
}

EXPORT int fclose(FILE *f) {
        int fd = f ? fileno(f) : -1, r, k = 0;

        if (maybe_tracked(fd)) {
                (void)NEXT(fflush)(f);
                k = release(fd);
        }
        r = NEXT(fclose)(f);
        if (k < 0) {
                errno = -k;
                return EOF;
        }
        return r;
}

/* ---- Closing and duplicating ---- */

EXPORT int close(int fd) {
        int k = 0, r;

        if (maybe_tracked(fd))
                k = release(fd);
        r = NEXT(close)(fd);
        if (k < 0 && r >= 0) {
                errno = -k;
                return -1;
        }
        return r;
}

/* dup2() and dup3() close newfd first: what it held pending is carried then. */
static void replaced(int fd) {
        if (maybe_tracked(fd))
                warn_refused(fd, release(fd));
}

static int duplicated(int from, int to) {
        if (to >= 0 && maybe_tracked(from)) {
                pthread_mutex_lock(&lock);
                share_locked(from, to);
                pthread_mutex_unlock(&lock);
        }
        return to;
}

EXPORT int dup(int fd) {
        return duplicated(fd, NEXT(dup)(fd));
}

EXPORT int dup2(int from, int to) {
        if (from == to)
                return NEXT(dup2)(from, to);
        replaced(to);
        return duplicated(from, NEXT(dup2)(from, to));
}

EXPORT int dup3(int from, int to, int flags) {
        if (from != to)
                replaced(to);
        return duplicated(from, NEXT(dup3)(from, to, flags));
}

static int fcntl_common(int fd, int cmd, void *arg, bool large) {
        int r = large ? NEXT(fcntl64)(fd, cmd, arg) : NEXT(fcntl)(fd, cmd, arg);

        if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
                return duplicated(fd, r);
        return r;
}

/* fcntl()'s third argument, read as a pointer (an int fits in its place). */
#define FCNTL_ARG(cmd)                                                                             \
        ({                                                                                         \
                va_list _ap;                                                                       \
                void *_arg;                                                                        \
                va_start(_ap, cmd);                                                                \
                _arg = va_arg(_ap, void *);                                                        \
                va_end(_ap);                                                                       \
                _arg;                                                                              \
        })

EXPORT int fcntl(int fd, int cmd, ...) {
        return fcntl_common(fd, cmd, FCNTL_ARG(cmd), false);
}

EXPORT int fcntl64(int fd, int cmd, ...) {
        return fcntl_common(fd, cmd, FCNTL_ARG(cmd), true);
}

EXPORT int close_range(unsigned first, unsigned last, int flags) {
        if (!(flags & CLOSE_RANGE_CLOEXEC)) {
                pthread_mutex_lock(&lock);
                for (unsigned fd = first; fd <= last && fd < FD_TRACK_MAX; fd++)
                        untrack_locked((int)fd);
                pthread_mutex_unlock(&lock);
        }
        return NEXT(close_range)(first, last, flags);
}

/* ---- Start and exit ---- */

/* An attribute opened before an exec is a memfd named after its path: track it again. */
static void adopt_inherited(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                char link[64], target[PATH_MAX];
                char *end;
                long fd = strtol(de->d_name, &end, 10);
                ssize_t n;

                if (*end || fd < 0 || fd >= FD_TRACK_MAX || fd == dirfd(d))
                        continue;
                snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
                n = readlink(link, target, sizeof(target) - 1);
                if (n <= 0)
                        continue;
                target[n] = '\0';
                if (strncmp(target, MEMFD_NAME, strlen(MEMFD_NAME)) != 0)
                        continue;
                if ((size_t)n > strlen(DELETED) &&
                    strcmp(target + n - strlen(DELETED), DELETED) == 0)
                        target[n - strlen(DELETED)] = '\0';
                pthread_mutex_lock(&lock);
                (void)track_locked((int)fd, target + strlen(MEMFD_NAME),
                                   lseek((int)fd, 0, SEEK_CUR));
                pthread_mutex_unlock(&lock);
        }
        closedir(d);
}

__attribute__((constructor)) static void preload_init(void) {
        const char *dir = getenv("UMOCKDEV_DIR"), *sock = getenv(SIM_SOCKET_ENV);

        if (!dir || !sock || !*dir || !*sock)
                return;
        root = realpath(dir, NULL);
        socket_path = strdup(sock);
        if (!root || !socket_path) {
                free(root);
                free(socket_path);
                root = socket_path = NULL;
                return;
        }
        adopt_inherited();
}

/* What stdio holds for an attribute is written out at exit after this runs: flush it first. */
__attribute__((destructor)) static void preload_done(void) {
        if (!active())
                return;
        (void)NEXT(fflush)(NULL);
        warn_refused(-1, carry_all_pending());
}
