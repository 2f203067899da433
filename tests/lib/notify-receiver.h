/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The service manager's side of a notify socket, for tests that play systemd's part: a datagram
 * socket that a daemon finds through NOTIFY_SOCKET, read on a thread of its own (a daemon whose
 * datagrams nobody reads blocks in sd_notify() once the socket's queue is full), every message
 * kept in order with its sender's pid (READY=1, STATUS=, WATCHDOG=1, STOPPING=1, …), and the
 * file descriptor store as systemd keeps it:
 *
 *   - FDSTORE=1 keeps the fds that came with the message, under FDNAME= (default "stored"; an
 *     invalid name is ignored, as systemd does), at most fdstore_max of them (a unit's
 *     FileDescriptorStoreMax=, 0 unless set), an fd that is already kept (the same open file)
 *     only once;
 *   - FDSTOREREMOVE=1 with FDNAME= closes and forgets every kept fd of that name;
 *   - fds that come without FDSTORE=1 are closed.
 *
 * A restarted service gets copies of the kept fds (the store keeps its own) as LISTEN_FDS,
 * LISTEN_FDNAMES and LISTEN_PID, at fd 3 on: notify_receiver_listen_fds() before the fork,
 * listen_fds_install() in the child.
 *
 * No global state: one receiver per simulated service manager, any number in a process.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define NOTIFY_FDNAME_DEFAULT "stored"

typedef struct notify_receiver notify_receiver;

/* Bind a datagram socket at path (which must not exist) and start reading it. */
int notify_receiver_new(const char *path, notify_receiver **ret);
/* Stop reading, close the socket and every kept fd; NULL. Accepts NULL. */
notify_receiver *notify_receiver_free(notify_receiver *r);

const char *notify_receiver_path(notify_receiver *r);

/* Take every message queued on the socket now, before returning. A service manager handles
 * what a service sent before it exited before it handles the exit: call this once the
 * service's process is gone. */
void notify_receiver_sync(notify_receiver *r);

/* NotifyAccess=main: drop messages from any pid but this one (0, the default: accept all). */
void notify_receiver_set_main_pid(notify_receiver *r, pid_t pid);
/* FileDescriptorStoreMax=: how many fds the store keeps at most (default 0: none). */
void notify_receiver_set_fdstore_max(notify_receiver *r, size_t max);

/* How many messages have been received (and accepted) so far. */
size_t notify_receiver_count(notify_receiver *r);
/* A copy of message i (-ENOENT: not received yet); ret_pid (may be NULL) gets its sender. */
int notify_receiver_message(notify_receiver *r, size_t i, char **ret, pid_t *ret_pid);
/* Look, from message *cursor on, for one with a line that starts with prefix ("READY=1"):
 * 1 and *cursor past it (ret, may be NULL, gets a copy of the whole message), or 0 when none
 * has come yet. Does not wait. */
int notify_receiver_find(notify_receiver *r, const char *prefix, size_t *cursor, char **ret);
/* The value of key in the latest message that has it ("STATUS": what systemctl status would
 * show); -ENOENT when none has. */
int notify_receiver_field(notify_receiver *r, const char *key, char **ret);
/* Wait until more than n messages have come, at most timeout_ms; whether they have. */
bool notify_receiver_wait(notify_receiver *r, size_t n, int timeout_ms);

/* The fd store: how many fds are kept, and a copy of the names of those kept, in the order
 * they were stored, joined with ':' ("" when empty), as LISTEN_FDNAMES= would carry them. */
size_t notify_receiver_fdstore_count(notify_receiver *r);
int notify_receiver_fdstore_names(notify_receiver *r, char **ret);
/* Close and forget every kept fd (the service stopped for good). */
void notify_receiver_fdstore_clear(notify_receiver *r);
/* Put fd in the store under name, as a socket unit's socket is passed (takes fd). */
void notify_receiver_fdstore_add(notify_receiver *r, int fd, const char *name);

/* The kept fds prepared for a service's start: copies numbered above where they will go. */
typedef struct listen_fds {
        int *fds;
        size_t n;
        char *names; /* "a:b:c" */
} listen_fds;

int notify_receiver_listen_fds(notify_receiver *r, listen_fds *ret);
/* Close the copies (in the parent once the child has them) and free; idempotent. */
void listen_fds_done(listen_fds *l);
/* In the child between fork and exec: the fds at 3, 4, … (not close-on-exec), LISTEN_FDS,
 * LISTEN_FDNAMES and LISTEN_PID (this process) set; with no fds, all three unset. */
int listen_fds_install(const listen_fds *l);
