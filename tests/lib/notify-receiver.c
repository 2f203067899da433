/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The service manager's side of a notify socket, with the fd store (see notify-receiver.h). */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "notify-receiver.h"

#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY (1024 + 3) /* F_LINUX_SPECIFIC_BASE + 3, Linux 6.10 */
#endif
#define KCMP_FILE_TYPE 0 /* KCMP_FILE of linux/kcmp.h */

/* systemd reads at most this much of a message (NOTIFY_BUFFER_MAX), and SCM_MAX_FD fds. */
#define MESSAGE_MAX 4096
#define FDS_MAX     253

typedef struct message {
        char *text;
        pid_t pid;
} message;

typedef struct kept_fd {
        int fd;
        char *name;
} kept_fd;

struct notify_receiver {
        char *path;
        int fd;
        pthread_t thread;
        bool running, stop;
        pthread_mutex_t read_lock; /* one reader at a time: the thread, or a sync */
        pthread_mutex_t lock;      /* everything below */
        pthread_cond_t cond;       /* a message came */
        message *messages;
        size_t n_messages;
        kept_fd *store;
        size_t n_store, store_max;
        pid_t main_pid;
};

/* Whether a and b are the same open file, as systemd's same_fd() asks: the kernel knows
 * (F_DUPFD_QUERY, else kcmp); failing both, the same inode opened with the same flags. */
static bool same_fd(int a, int b) {
        struct stat sa, sb;
        int r;

        if (a == b)
                return true;
        r = fcntl(a, F_DUPFD_QUERY, b);
        if (r >= 0)
                return r > 0;
        r = (int)syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE_TYPE, a, b);
        if (r >= 0)
                return r == 0;
        if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0)
                return false;
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino &&
               fcntl(a, F_GETFL) == fcntl(b, F_GETFL);
}

/* A name LISTEN_FDNAMES can carry: 1 to 255 printable ASCII characters, no ':'. */
static bool fdname_valid(const char *s) {
        size_t n = 0;

        for (; s[n]; n++)
                if (s[n] < ' ' || s[n] > '~' || s[n] == ':')
                        return false;
        return n > 0 && n <= 255;
}

/* The value of the line "key=…" of a message, as a new string; NULL when absent. */
static char *field(const char *text, const char *key) {
        size_t n = strlen(key);

        for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, key, n) == 0 && l[n] == '=')
                        return strndup(l + n + 1, strcspn(l + n + 1, "\n"));
        return NULL;
}

static bool field_is(const char *text, const char *key, const char *value) {
        _cleanup_free_ char *v = field(text, key);

        return v && streq(v, value);
}

/* Under the lock. */
static void store_remove(notify_receiver *r, const char *name) {
        size_t k = 0;

        for (size_t i = 0; i < r->n_store; i++) {
                if (streq(r->store[i].name, name)) {
                        safe_close(r->store[i].fd);
                        free(r->store[i].name);
                        continue;
                }
                r->store[k++] = r->store[i];
        }
        r->n_store = k;
}

/* Under the lock; takes fd (kept or closed). */
static void store_add(notify_receiver *r, int fd, const char *name) {
        kept_fd *n;
        char *copy;

        for (size_t i = 0; i < r->n_store; i++)
                if (same_fd(r->store[i].fd, fd)) {
                        safe_close(fd);
                        return;
                }
        if (r->n_store >= r->store_max) {
                fprintf(stderr, "notify-receiver: the fd store is full (%zu), closing fd '%s'\n",
                        r->store_max, name);
                safe_close(fd);
                return;
        }
        n = realloc(r->store, (r->n_store + 1) * sizeof(*n));
        copy = strdup(name);
        if (!n || !copy) {
                free(copy);
                if (n)
                        r->store = n;
                safe_close(fd);
                return;
        }
        r->store = n;
        r->store[r->n_store++] = (kept_fd){ .fd = fd, .name = copy };
}

/* One datagram, as systemd's manager takes it: the message, then the fd store's part. Takes
 * the fds. Under the lock. */
static void take_message(notify_receiver *r, char *text, pid_t pid, int *fds, size_t n_fds) {
        _cleanup_free_ char *name = NULL;
        message *m;

        if (r->main_pid > 0 && pid != r->main_pid) {
                fprintf(stderr,
                        "notify-receiver: ignoring a message from pid %d, not the main "
                        "pid %d (NotifyAccess=main)\n",
                        (int)pid, (int)r->main_pid);
                for (size_t i = 0; i < n_fds; i++)
                        safe_close(fds[i]);
                free(text);
                return;
        }

        name = field(text, "FDNAME");
        if (name && !fdname_valid(name)) {
                fprintf(stderr, "notify-receiver: FDNAME=%s is invalid, ignoring it\n", name);
                name = mfree(name);
        }
        if (field_is(text, "FDSTOREREMOVE", "1")) {
                if (name)
                        store_remove(r, name);
                else
                        fprintf(stderr, "notify-receiver: FDSTOREREMOVE=1 without FDNAME=\n");
        }
        for (size_t i = 0; i < n_fds; i++) {
                if (field_is(text, "FDSTORE", "1"))
                        store_add(r, fds[i], name ?: NOTIFY_FDNAME_DEFAULT);
                else
                        safe_close(fds[i]);
        }

        m = realloc(r->messages, (r->n_messages + 1) * sizeof(*m));
        if (!m) {
                free(text);
                return;
        }
        r->messages = m;
        r->messages[r->n_messages++] = (message){ .text = text, .pid = pid };
        pthread_cond_broadcast(&r->cond);
}

/* Read one datagram if there is one; whether there was. Under read_lock. */
static bool receive_one(notify_receiver *r) {
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * FDS_MAX)];
        } control = {};
        char buf[MESSAGE_MAX + 1];
        struct iovec iov = { .iov_base = buf, .iov_len = MESSAGE_MAX };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        int fds[FDS_MAX];
        size_t n_fds = 0;
        pid_t pid = 0;
        ssize_t k;
        char *text;

        k = recvmsg(r->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (k < 0)
                return false;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET)
                        continue;
                if (c->cmsg_type == SCM_RIGHTS) {
                        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        for (size_t i = 0; i < n && n_fds < FDS_MAX; i++)
                                memcpy(&fds[n_fds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                } else if (c->cmsg_type == SCM_CREDENTIALS &&
                           c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
                        struct ucred u;
                        memcpy(&u, CMSG_DATA(c), sizeof(u));
                        pid = u.pid;
                }
        }
        buf[k] = '\0';
        text = strdup(buf);
        pthread_mutex_lock(&r->lock);
        if (text)
                take_message(r, text, pid, fds, n_fds);
        else
                for (size_t i = 0; i < n_fds; i++)
                        safe_close(fds[i]);
        pthread_mutex_unlock(&r->lock);
        return true;
}

static void *reader(void *userdata) {
        notify_receiver *r = userdata;

        while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
                struct pollfd p = { .fd = r->fd, .events = POLLIN };

                if (poll(&p, 1, 100) > 0) {
                        pthread_mutex_lock(&r->read_lock);
                        (void)receive_one(r);
                        pthread_mutex_unlock(&r->read_lock);
                }
        }
        return NULL;
}

int notify_receiver_new(const char *path, notify_receiver **ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        notify_receiver *r;
        int one = 1;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        pthread_mutex_init(&r->lock, NULL);
        pthread_mutex_init(&r->read_lock, NULL);
        pthread_cond_init(&r->cond, NULL);
        r->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        r->path = strdup(path);
        if (r->fd < 0 || !r->path) {
                int e = r->fd < 0 ? negative_errno() : -ENOMEM;
                notify_receiver_free(r);
                return e;
        }
        if (setsockopt(r->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
            bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = negative_errno();
                notify_receiver_free(r);
                return e;
        }
        if (pthread_create(&r->thread, NULL, reader, r) != 0) {
                notify_receiver_free(r);
                return -EAGAIN;
        }
        r->running = true;
        *ret = r;
        return 0;
}

notify_receiver *notify_receiver_free(notify_receiver *r) {
        if (!r)
                return NULL;
        if (r->running) {
                __atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
                pthread_join(r->thread, NULL);
        }
        safe_close(r->fd);
        notify_receiver_fdstore_clear(r);
        free(r->store);
        for (size_t i = 0; i < r->n_messages; i++)
                free(r->messages[i].text);
        free(r->messages);
        free(r->path);
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->lock);
        pthread_mutex_destroy(&r->read_lock);
        free(r);
        return NULL;
}

void notify_receiver_sync(notify_receiver *r) {
        pthread_mutex_lock(&r->read_lock);
        while (receive_one(r))
                ;
        pthread_mutex_unlock(&r->read_lock);
}

const char *notify_receiver_path(notify_receiver *r) {
        return r->path;
}

void notify_receiver_set_main_pid(notify_receiver *r, pid_t pid) {
        pthread_mutex_lock(&r->lock);
        r->main_pid = pid;
        pthread_mutex_unlock(&r->lock);
}

void notify_receiver_set_fdstore_max(notify_receiver *r, size_t max) {
        pthread_mutex_lock(&r->lock);
        r->store_max = max;
        pthread_mutex_unlock(&r->lock);
}

size_t notify_receiver_count(notify_receiver *r) {
        size_t n;

        pthread_mutex_lock(&r->lock);
        n = r->n_messages;
        pthread_mutex_unlock(&r->lock);
        return n;
}

int notify_receiver_message(notify_receiver *r, size_t i, char **ret, pid_t *ret_pid) {
        int e = 0;

        pthread_mutex_lock(&r->lock);
        if (i >= r->n_messages)
                e = -ENOENT;
        else {
                *ret = strdup(r->messages[i].text);
                if (!*ret)
                        e = -ENOMEM;
                else if (ret_pid)
                        *ret_pid = r->messages[i].pid;
        }
        pthread_mutex_unlock(&r->lock);
        return e;
}

static bool starts_a_line(const char *text, const char *prefix) {
        size_t n = strlen(prefix);

        for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, prefix, n) == 0)
                        return true;
        return false;
}

int notify_receiver_find(notify_receiver *r, const char *prefix, size_t *cursor, char **ret) {
        int found = 0;

        pthread_mutex_lock(&r->lock);
        for (size_t i = *cursor; i < r->n_messages; i++) {
                if (!starts_a_line(r->messages[i].text, prefix))
                        continue;
                found = 1;
                if (ret) {
                        *ret = strdup(r->messages[i].text);
                        if (!*ret)
                                found = -ENOMEM;
                }
                if (found > 0)
                        *cursor = i + 1;
                break;
        }
        pthread_mutex_unlock(&r->lock);
        return found;
}

int notify_receiver_field(notify_receiver *r, const char *key, char **ret) {
        char *v = NULL;

        pthread_mutex_lock(&r->lock);
        for (size_t i = r->n_messages; i > 0 && !v; i--)
                v = field(r->messages[i - 1].text, key);
        pthread_mutex_unlock(&r->lock);
        if (!v)
                return -ENOENT;
        *ret = v;
        return 0;
}

bool notify_receiver_wait(notify_receiver *r, size_t n, int timeout_ms) {
        struct timespec ts;
        bool more;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += timeout_ms / 1000;
        ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&r->lock);
        while (r->n_messages <= n)
                if (pthread_cond_timedwait(&r->cond, &r->lock, &ts) != 0)
                        break;
        more = r->n_messages > n;
        pthread_mutex_unlock(&r->lock);
        return more;
}

size_t notify_receiver_fdstore_count(notify_receiver *r) {
        size_t n;

        pthread_mutex_lock(&r->lock);
        n = r->n_store;
        pthread_mutex_unlock(&r->lock);
        return n;
}

/* Under the lock. */
static char *join_names(notify_receiver *r) {
        size_t len = 1;
        char *s, *p;

        for (size_t i = 0; i < r->n_store; i++)
                len += strlen(r->store[i].name) + 1;
        s = p = malloc(len);
        if (!s)
                return NULL;
        *p = '\0';
        for (size_t i = 0; i < r->n_store; i++) {
                if (i > 0)
                        *p++ = ':';
                p = stpcpy(p, r->store[i].name);
        }
        return s;
}

int notify_receiver_fdstore_names(notify_receiver *r, char **ret) {
        pthread_mutex_lock(&r->lock);
        *ret = join_names(r);
        pthread_mutex_unlock(&r->lock);
        return *ret ? 0 : -ENOMEM;
}

void notify_receiver_fdstore_add(notify_receiver *r, int fd, const char *name) {
        pthread_mutex_lock(&r->lock);
        store_add(r, fd, name);
        pthread_mutex_unlock(&r->lock);
}

void notify_receiver_fdstore_clear(notify_receiver *r) {
        pthread_mutex_lock(&r->lock);
        for (size_t i = 0; i < r->n_store; i++) {
                safe_close(r->store[i].fd);
                free(r->store[i].name);
        }
        r->n_store = 0;
        pthread_mutex_unlock(&r->lock);
}

int notify_receiver_listen_fds(notify_receiver *r, listen_fds *ret) {
        listen_fds l = {};
        int e = 0;

        pthread_mutex_lock(&r->lock);
        l.names = join_names(r);
        l.fds = calloc(r->n_store ?: 1, sizeof(int));
        if (!l.names || !l.fds)
                e = -ENOMEM;
        /* Above 3 + n, so that moving them to 3, 4, … in the child overwrites none of them. */
        for (size_t i = 0; e == 0 && i < r->n_store; i++) {
                int fd = fcntl(r->store[i].fd, F_DUPFD_CLOEXEC, 3 + (int)r->n_store);
                if (fd < 0)
                        e = negative_errno();
                else
                        l.fds[l.n++] = fd;
        }
        pthread_mutex_unlock(&r->lock);
        if (e < 0) {
                listen_fds_done(&l);
                return e;
        }
        *ret = l;
        return 0;
}

void listen_fds_done(listen_fds *l) {
        for (size_t i = 0; i < l->n; i++)
                safe_close(l->fds[i]);
        free(l->fds);
        free(l->names);
        *l = (listen_fds){};
}

int listen_fds_install(const listen_fds *l) {
        char n[32], pid[32];

        if (l->n == 0) {
                (void)unsetenv("LISTEN_FDS");
                (void)unsetenv("LISTEN_FDNAMES");
                (void)unsetenv("LISTEN_PID");
                return 0;
        }
        /* dup2() leaves the copy without close-on-exec. */
        for (size_t i = 0; i < l->n; i++)
                if (dup2(l->fds[i], 3 + (int)i) < 0)
                        return negative_errno();
        snprintf(n, sizeof(n), "%zu", l->n);
        snprintf(pid, sizeof(pid), "%d", (int)getpid());
        if (setenv("LISTEN_FDS", n, 1) < 0 || setenv("LISTEN_FDNAMES", l->names, 1) < 0 ||
            setenv("LISTEN_PID", pid, 1) < 0)
                return negative_errno();
        return 0;
}
