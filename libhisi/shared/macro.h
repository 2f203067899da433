/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small macros shared by every part of the project: automatic cleanup attributes, ownership
 * transfer (TAKE_PTR/TAKE_FD), array sizes and a few compiler attributes.
 */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))
#define _pure_         __attribute__((pure))
#define _const_        __attribute__((const))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_     __attribute__((noreturn))
#define _likely_(x)    __builtin_expect(!!(x), 1)
#define _unlikely_(x)  __builtin_expect(!!(x), 0)
#define _fallthrough_  __attribute__((fallthrough))

#define ELEMENTSOF(a)                                                                              \
        (__builtin_choose_expr(!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])),  \
                               sizeof(a) / sizeof((a)[0]), (void)0))

/* glib defines the same two; whichever comes first wins, with the same meaning. */
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* Hand ownership of a pointer or fd out of a _cleanup_ variable. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _p_ = (p);                                                           \
                (p) = NULL;                                                                        \
                _p_;                                                                               \
        })
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _fd_ = (fd);                                                                   \
                (fd) = -EBADF;                                                                     \
                _fd_;                                                                              \
        })

static inline void freep(void *p) {
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

/* free() that returns NULL, for "p = mfree(p)". */
static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

static inline void *memdup(const void *p, size_t n) {
        void *q = malloc(n > 0 ? n : 1);
        if (q && n > 0)
                memcpy(q, p, n);
        return q;
}

/* Close an fd if it is valid, keeping errno; always returns -EBADF for "fd = safe_close(fd)". */
static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void)close(fd);
                errno = saved;
        }
        return -EBADF;
}
static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Define foo_freep() for a type whose destructor is foo_free(). */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
        static inline void func##p(type *p) {                                                      \
                if (*p)                                                                            \
                        func(*p);                                                                  \
        }

/* errno as a negative value, never 0, for functions that report failure through errno. */
static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}

#define STRLEN(s)       (sizeof(s) - 1)
#define streq(a, b)     (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)

/* x equals one of the values that follow. */
#define IN_SET(x, ...)                                                                             \
        ({                                                                                         \
                const __typeof__(x) _x_ = (x);                                                     \
                const __typeof__(x) _set_[] = { __VA_ARGS__ };                                     \
                _Bool _found_ = 0;                                                                 \
                for (size_t _i_ = 0; _i_ < ELEMENTSOF(_set_); _i_++)                               \
                        if (_set_[_i_] == _x_) {                                                   \
                                _found_ = 1;                                                       \
                                break;                                                             \
                        }                                                                          \
                _found_;                                                                           \
        })
