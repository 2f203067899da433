/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The wire protocol between libhisi's "sim" backend and the simulated host hisi-accsim. It
 * carries the VFIO calls one for one, so that the simulator answers with exactly what the kernel
 * would: a device connection stands for a VFIO device fd, and each data session is a connection
 * of its own that the simulator hands over with SCM_RIGHTS, standing for the data_fd. Both can
 * be passed to other processes like the kernel's fds; the simulator sees a close when the last
 * holder closes, as the kernel does.
 *
 * Transport: AF_UNIX SOCK_SEQPACKET, one message per call, one reply per message. A message is a
 * sim_msg header, then len payload bytes. Host byte order: both ends are on one host.
 *
 * Each request carries a tag that its reply echoes. A kernel's ioctl returns to the process that
 * made it or to nobody; a socket outlives its caller when another holder (the fd store) keeps
 * it, and a reply that a delay fault held back would then wait for the next caller. The tag lets
 * that caller know a reply that is not to its own request, and drop it (sim_call()).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hisi/migdev.h"

/* Where the device socket is: $HISI_ACCSIM_SOCKET, set by `hisi-accsim exec`. */
#define SIM_SOCKET_ENV HISI_SIM_SOCKET_ENV

#define SIM_PROTO_VERSION 2
/* The largest payload: a read or write moves at most this much per message. */
#define SIM_PAYLOAD_MAX (64 * 1024)
#define SIM_NAME_MAX    64

typedef enum sim_op {
        /* on a device connection */
        SIM_OP_OPEN = 1, /* payload: the device name, NUL-terminated; reply: result */
        SIM_OP_FEATURE,  /* payload: the feature buffer; reply: result, the buffer, maybe an fd */
        SIM_OP_RESET,    /* reply: result */
        SIM_OP_REGION_INFO,  /* payload: u32 index; reply: sim_region_info */
        SIM_OP_REGION_READ,  /* payload: sim_region_io; reply: result = count, the bytes */
        SIM_OP_REGION_WRITE, /* payload: sim_region_io then the bytes; reply: result = count */
        /* on a data connection */
        SIM_OP_READ = 16,    /* payload: u64 count; reply: result = count read, the bytes */
        SIM_OP_WRITE,        /* payload: the bytes; reply: result = count written */
        SIM_OP_PREAD,        /* payload: sim_region_io; reply: result (-ESPIPE) */
        SIM_OP_PWRITE,       /* payload: sim_region_io then the bytes; reply: result (-ESPIPE) */
        SIM_OP_PRECOPY_INFO, /* payload: the caller's vfio_precopy_info; reply: result, struct */
        /* on a new connection, one per write (the preload library of `hisi-accsim exec`) */
        SIM_OP_SYSFS_WRITE = 32, /* payload: the file's path below the testbed root ("/sys/..."),
                                  * NUL-terminated, then the bytes written; reply: result = 0,
                                  * the kernel's negative errno, or SIM_SYSFS_PASS */
} sim_op;

/* SIM_OP_SYSFS_WRITE: not an attribute the simulated kernel acts on; the client stores the
 * bytes in the file itself. */
#define SIM_SYSFS_PASS 1

/* A uevent the simulated kernel dropped for a listener whose socket was full, as netlink_overrun()
 * does: a file beside the listener's socket (umockdev's "<root>/event<N>"), named
 * SIM_UEVENT_OVERRUN_PREFIX "event<N>", holding the socket file's inode number in decimal. The
 * preload library reports it to that socket's owner as the socket's error, ENOBUFS, from
 * getsockopt(SO_ERROR), once, and removes it. */
#define SIM_UEVENT_OVERRUN_PREFIX "hisi-accsim-enobufs."

typedef struct sim_msg {
        uint32_t op;
        int32_t result; /* replies: >= 0, or a negative errno */
        uint32_t len;   /* payload bytes that follow */
        uint32_t version;
        uint32_t tag; /* requests: the caller's; replies: the request's */
} sim_msg;

typedef struct sim_region_io {
        uint64_t offset;
        uint64_t len;
} sim_region_io;

typedef struct sim_region_info {
        uint32_t index;
        uint32_t flags;
        uint64_t size;
        uint64_t offset;
} sim_region_info;

/*
 * Send one message with its payload and, when fd >= 0, the fd (SCM_RIGHTS). Returns 0 or a
 * negative errno (-EPIPE/-ECONNRESET when the peer went away).
 */
int sim_msg_send(int sock, uint32_t op, int32_t result, const void *payload, size_t len, int fd);
/* The same with a tag (sim_msg_send()'s is 0). */
int sim_msg_send_tagged(int sock, uint32_t op, uint32_t tag, int32_t result, const void *payload,
                        size_t len, int fd);
/*
 * Receive one message: the header into *ret_msg, at most payload_max payload bytes into payload,
 * and a passed fd into *ret_fd (-EBADF when none; may be NULL, then a passed fd is closed).
 * Returns 0, -ECONNRESET when the peer closed, -EBADMSG for a malformed message (short header,
 * wrong version, len not matching what arrived, more than payload_max), or another errno.
 */
int sim_msg_recv(int sock, sim_msg *ret_msg, void *payload, size_t payload_max, int *ret_fd);

/* One call: send a request with a new tag, wait for its reply (same op and tag). Replies with
 * another tag (to a caller that went away) are dropped, with their fds. */
int sim_call(int sock, uint32_t op, const void *payload, size_t len, sim_msg *ret_reply,
             void *reply_payload, size_t reply_max, int *ret_fd);
