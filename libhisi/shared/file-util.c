/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small-file and symlink helpers (see file-util.h). */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file-util.h"
#include "macro.h"

int read_one_line_file(const char *path, char **ret) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        ssize_t n;

        /* O_NONBLOCK: a FIFO put in place of the file must not stop the reader (sysfs
         * attributes and regular files ignore the flag). */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        buf = malloc(HISI_ATTR_MAX + 1);
        if (!buf)
                return -ENOMEM;
        n = loop_read(fd, buf, HISI_ATTR_MAX + 1);
        if (n < 0)
                return (int)n;
        if (n > HISI_ATTR_MAX)
                return -EFBIG;
        if (n > 0 && buf[n - 1] == '\n')
                n--;
        buf[n] = '\0';
        if (memchr(buf, '\0', (size_t)n))
                return -EBADMSG;
        /* The caller may keep it (device facts, for as long as the device is there): its size,
         * not the page it was read into. */
        *ret = realloc(buf, (size_t)n + 1) ?: buf;
        buf = NULL;
        return 0;
}

int write_string_file(const char *path, const char *s) {
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(s);
        ssize_t n;

        /* O_TRUNC, as `echo >` does: sysfs ignores it, and a plain file (a fake tree, the
         * simulated host) then holds exactly the last value written. */
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        n = write(fd, s, len);
        if (n < 0)
                return negative_errno();
        if ((size_t)n != len)
                return -EIO;
        return 0;
}

int readlink_malloc(const char *path, char **ret) {
        _cleanup_free_ char *buf = NULL;
        ssize_t n;

        buf = malloc(PATH_MAX);
        if (!buf)
                return -ENOMEM;
        n = readlink(path, buf, PATH_MAX);
        if (n < 0)
                return negative_errno();
        if (n >= PATH_MAX)
                return -ENAMETOOLONG;
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

int readlink_basename(const char *path, char **ret) {
        _cleanup_free_ char *target = NULL;
        const char *base;
        char *b;
        int r;

        r = readlink_malloc(path, &target);
        if (r < 0)
                return r;
        base = strrchr(target, '/');
        base = base ? base + 1 : target;
        if (*base == '\0')
                return -EINVAL;
        b = strdup(base);
        if (!b)
                return -ENOMEM;
        *ret = b;
        return 0;
}

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = NULL;

        if (!path || path[0] != '/')
                return -EINVAL;
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return negative_errno();
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

static int replace_file(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                        bool durable) {
        _cleanup_free_ char *tmp = NULL, *dir = NULL;
        _cleanup_close_ int fd = -EBADF, dfd = -EBADF;
        const char *slash;
        int r;

        if (!path || (!data && len > 0))
                return -EINVAL;
        r = asprintf_safe(&tmp, "%s.tmp.%ld", path, (long)getpid());
        if (r < 0)
                return r;
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC | O_NOCTTY, mode);
        if (fd < 0)
                return negative_errno();
        r = loop_write(fd, data, len);
        if (r >= 0 && durable && fsync(fd) < 0)
                r = negative_errno();
        if (r >= 0 && renameat(dirfd, tmp, dirfd, path) < 0)
                r = negative_errno();
        if (r < 0) {
                (void)unlinkat(dirfd, tmp, 0);
                return r;
        }
        if (!durable)
                return 0;
        if (dirfd != AT_FDCWD && !strchr(path, '/')) {
                (void)fsync(dirfd);
                return 0;
        }
        slash = strrchr(path, '/');
        dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
        if (!dir)
                return -ENOMEM;
        dfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void)fsync(dfd);
        return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode) {
        return replace_file(AT_FDCWD, path, data, len, mode, true);
}

int write_file_replace_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode) {
        return replace_file(dirfd, path, data, len, mode, false);
}

int fd_set_nonblock(int fd, bool nonblock) {
        int flags = fcntl(fd, F_GETFL);

        if (flags < 0)
                return negative_errno();
        flags = nonblock ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (fcntl(fd, F_SETFL, flags) < 0)
                return negative_errno();
        return 0;
}

int memstream_finish(FILE *f, char **buf) {
        bool failed = fflush(f) != 0 || ferror(f);

        if (fclose(f) != 0 || failed) {
                *buf = mfree(*buf);
                return -ENOMEM;
        }
        return 0;
}

int write_file(const char *path, const void *data, size_t len, mode_t mode) {
        _cleanup_close_ int fd = -EBADF;

        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, mode);
        if (fd < 0)
                return negative_errno();
        return loop_write(fd, data, len);
}

ssize_t loop_read(int fd, void *buf, size_t n) {
        size_t done = 0;

        while (done < n) {
                ssize_t k = read(fd, (char *)buf + done, n - done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        break;
                done += (size_t)k;
        }
        return (ssize_t)done;
}

int loop_write(int fd, const void *buf, size_t n) {
        size_t done = 0;

        while (done < n) {
                ssize_t k = write(fd, (const char *)buf + done, n - done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        return -EIO;
                done += (size_t)k;
        }
        return 0;
}

int asprintf_safe(char **ret, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(ret, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}
