/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Integration test harness for hisi-accmigd: a private system bus (a real dbus-daemon whose
 * policy includes the project's units/com.hisilicon.AccMig1.conf), a simulated host (a real
 * hisi-accsim through tests/lib/sim-harness), the real daemon under `hisi-accsim exec` with
 * NOTIFY_SOCKET pointing at a socket the test reads, and helpers that drive it the way a user
 * does: hisi-accmigctl (as root or as nobody), busctl, signals seen by an sd-bus connection of
 * the test's own. Every wait is for an event (a notify message, a signal, a log line, a process
 * exit) with a generous timeout; none is a fixed sleep.
 *
 * In three parts: daemon-runner.c runs the processes (the bus, the daemon, the commands) and
 * captures the daemon's output; daemon-bus-client.c is the test's own bus connection (calls,
 * properties, a signal recorder); notify-receiver.c plays systemd's part on the notify socket,
 * with the fd store, whose fds a restarted daemon gets back as LISTEN_FDS. This file ties them
 * to one object per daemon.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "accmig-bus.h"
#include "notify-receiver.h"
#include "sim-harness.h"

/* Generous: several daemons share two cores, under sanitizers. */
#define DH_TIMEOUT_MS 60000

/* units/hisi-accmigd.service's FileDescriptorStoreMax=. */
#define DH_FDSTORE_MAX 4097

#define DH_NOBODY 65534

typedef struct dh_signal {
        char *member; /* "PropertiesChanged", "InterfacesAdded", … */
        char *path;   /* the object it is about (InterfacesAdded/Removed: the object added) */
        char *detail; /* PropertiesChanged: " Name=value Name2=value " of the changed ones */
} dh_signal;

/* One daemon on one simulated host with its own system bus: no global state, so that a test
 * runs two (a migration's source and destination) side by side. */
typedef struct daemon_harness {
        char *dir; /* 0755, so that nobody reaches the bus socket */
        char *config_path;
        sim_harness *sim;
        pid_t reaper_pid; /* undoes the rest if the test's process dies (daemon-harness.c) */
        int reaper_fd;

        /* The private system bus (daemon-runner.c). */
        char *bus_address;
        pid_t bus_pid;

        /* systemd's part (notify-receiver.c): NOTIFY_SOCKET and the fd store. */
        notify_receiver *notify;

        /* The daemon (daemon-runner.c). */
        pid_t daemon_pid;
        int daemon_fd; /* the daemon's stdout and stderr */
        int daemon_status;
        bool daemon_exited;
        char **log; /* every line the daemon printed, in order */
        size_t n_log;
        char partial[8192]; /* its last line, until the newline comes */
        size_t n_partial;

        /* The test's connection (daemon-bus-client.c). */
        sd_bus *bus;
        dh_signal *signals;
        size_t n_signals;
} daemon_harness;

/* A directory, a bus, a notify socket (fd store: DH_FDSTORE_MAX) and a simulated host;
 * sim_config: the host's JSON (NULL: the default host). The daemon's config comes from
 * dh_write_config(), or is the default one at the first start. */
int dh_new(const char *sim_config, daemon_harness **ret);
/* The same with a bus policy that lets everyone call the daemon (open_policy), so that a test
 * reaches the daemon's own check of the caller, behind the D-Bus policy. */
int dh_new_full(const char *sim_config, bool open_policy, daemon_harness **ret);
void dh_free(daemon_harness *h);

/* The simulated host dies (SIGKILL, as in a crash) and a new one starts in its place with
 * sim_config (NULL: the default host). The running daemon still sees the old one's tree: start
 * it again to see the new host, as after a host's reboot. */
int dh_replace_sim(daemon_harness *h, const char *sim_config);

/* Write the daemon's config file (again): config is a JSON object's members, without braces,
 * e.g. "\"binding\": {\"policy\": \"all\"}"; runtime_directory, backend "sim" and libvirt
 * disabled (unless config names "libvirt") are added. raw: write config as it is instead. */
int dh_write_config(daemon_harness *h, const char *config);
int dh_write_config_raw(daemon_harness *h, const char *text);

/* Start the daemon (under hisi-accsim exec), optionally with extra environment "K=V" (NULL
 * ends the list; may be NULL), and do not wait. It gets NOTIFY_SOCKET and this harness's bus,
 * and, as from systemd, the fds its fd store keeps (LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID);
 * only its messages count (NotifyAccess=main). */
int dh_spawn_daemon(daemon_harness *h, char *const env[]);
/* dh_spawn_daemon(), then wait for READY=1, and connect the test's bus. */
int dh_start_daemon(daemon_harness *h);
/* Wait for a notify message with a line that starts with prefix ("READY=1"); *ret (may be NULL)
 * gets the whole message. Messages already received count, from index *cursor on (may be NULL:
 * from the start); *cursor moves past the match. */
int dh_wait_notify(daemon_harness *h, const char *prefix, size_t *cursor, char **ret);
/* Wait for a daemon output line containing s, from line *cursor on (may be NULL). */
int dh_wait_log(daemon_harness *h, const char *s, size_t *cursor);
/* How many output lines contain s (reads what is pending first, without waiting). */
size_t dh_count_log(daemon_harness *h, const char *s);
/* Message i received on the notify socket (-ENOENT: not yet). */
int dh_notify_message(daemon_harness *h, size_t i, char **ret);
/* Wait for the daemon to exit; its exit status (or 128 + signal). What it sent to the notify
 * socket before it exited has been received by then. */
int dh_wait_exit(daemon_harness *h);
/* SIGTERM and wait; the exit status. */
int dh_stop_daemon(daemon_harness *h);
int dh_signal_daemon(daemon_harness *h, int sig);

/* The commands get this harness's bus as DBUS_SYSTEM_BUS_ADDRESS (the test's own environment
 * has none: each harness has its own bus).
 *
 * Run hisi-accmigctl (uid 0, or DH_NOBODY through setpriv); the exit status, stdout and stderr
 * (each may be NULL). The arguments end with NULL. */
int dh_ctl(daemon_harness *h, uid_t uid, char **ret_out, char **ret_err, ...);
/* Run busctl --system with the arguments (NULL-terminated), likewise. */
int dh_busctl(daemon_harness *h, uid_t uid, char **ret_out, char **ret_err, ...);
/* Run any command under the simulated host (hisi-accsim exec); status and output. */
int dh_sim_run(daemon_harness *h, char **ret_out, ...);
/* hisi-accsim ctl with the arguments; 0 or the exit status. */
int dh_sim_ctl(daemon_harness *h, ...);

/* The test's connection to this harness's bus (bus_address), with a match that records every
 * signal the daemon sends. Connected by dh_start_daemon(). */
int dh_connect(daemon_harness *h);
/* Wait until a recorded signal matches (path NULL: any; detail_part NULL: any; otherwise the
 * signal's detail contains it), consuming it and those before it. */
int dh_wait_signal(daemon_harness *h, const char *member, const char *path,
                   const char *detail_part);
/* Process the bus for up to timeout_ms or until a signal arrives. */
int dh_pump(daemon_harness *h, int timeout_ms);

/* A VF's object path. */
char *dh_device_path(const char *address);
/* A property as text ("s" as is, numbers and booleans printed) */
int dh_get_property(daemon_harness *h, const char *path, const char *interface,
                    const char *property, char **ret);
/* Wait until a property has a value (re-reading on each PropertiesChanged). */
int dh_wait_property(daemon_harness *h, const char *path, const char *interface,
                     const char *property, const char *want);

/* A device's field as the simulated host reports it (sim_harness_vf_field()). */
int dh_sim_field(daemon_harness *h, const char *address, const char *field, char **ret);

/* Read what the daemon printed so far, waiting up to timeout_ms for something (0: do not
 * wait): 0, -ETIMEDOUT when nothing came, -EPIPE once it has closed its output. Every wait of
 * the harness does this, so that the daemon never blocks on a full pipe. */
int dh_read_output(daemon_harness *h, int timeout_ms);

/* The daemon's changes are root's (its D-Bus policy and its own check), and the access tests
 * switch to nobody: these tests run as root. True when they may; otherwise it says why, and the
 * test exits 77 (skipped). */
bool dh_can_run(void);

/* The source tree and the built programs. */
const char *dh_srcdir(void);
const char *dh_daemon_binary(void);
const char *dh_ctl_binary(void);
