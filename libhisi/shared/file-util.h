/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading and writing small files such as sysfs attributes, and reading symlinks. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* Largest attribute we read: sysfs attributes are at most a page. */
#define HISI_ATTR_MAX 4096

/* Read a small file (at most HISI_ATTR_MAX bytes) and strip one trailing newline. -EFBIG when
 * longer. */
int read_one_line_file(const char *path, char **ret);
/* Write a string in one write() as sysfs wants, without O_CREAT, with O_TRUNC. */
int write_string_file(const char *path, const char *s);
/* The target of a symlink, and its last component. */
int readlink_malloc(const char *path, char **ret);
int readlink_basename(const char *path, char **ret);

/* mkdir -p: every missing directory of an absolute path. */
int mkdir_p(const char *path, mode_t mode);
/* Create (or truncate) a regular file and write data to it. */
int write_file(const char *path, const void *data, size_t len, mode_t mode);
/* Write data as the whole content of path, all or nothing: a temporary file in the same
 * directory, written, fsync()ed and renamed over path, then the directory fsync()ed. A crash at
 * any moment leaves either the old content or the new one. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* The same without the fsync()s, path relative to dirfd (or AT_FDCWD): all or nothing for
 * every process on this kernel (the rename is atomic and the page cache outlives a process that
 * dies), not across a power loss. For files that need not outlive the host, such as what lives
 * under /run; through a directory fd kept open, no lookup of the directory's path each time. */
int write_file_replace_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode);

/* Close a memory stream (open_memstream); -ENOMEM, and *buf freed and NULL, when a write or the
 * close failed. */
int memstream_finish(FILE *f, char **buf);

/* O_NONBLOCK on (or off) for fd. */
int fd_set_nonblock(int fd, bool nonblock);

/* read()/write() until done or error; read stops at EOF and reports what it got. */
ssize_t loop_read(int fd, void *buf, size_t n);
int loop_write(int fd, const void *buf, size_t n);

/* printf into a new string; -ENOMEM on failure. */
int asprintf_safe(char **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
