/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test harness for the simulated host: start a real hisi-accsim process in a fresh directory,
 * wait for its "ready" line, talk to its control socket, run commands under `hisi-accsim exec`,
 * read their output line by line with a timeout, and stop it. Tests wait for events (a line,
 * a reply), never for a fixed time.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct sim_harness {
        char *dir;  /* the host directory */
        char *root; /* the testbed root (what UMOCKDEV_DIR is under exec) */
        char *socket;
        pid_t pid;
        int out_fd; /* the host's stdout */
} sim_harness;

/* The built hisi-accsim and hisi-migtool. */
const char *sim_harness_accsim(void);
const char *sim_harness_migtool(void);

/* config_json: the host's config text, or NULL for the default host. */
int sim_harness_start(const char *config_json, sim_harness **ret);
/* SIGTERM and wait; removes the directory. */
void sim_harness_stop(sim_harness *h);
/* SIGKILL: the whole simulator dies, as in a crash. */
void sim_harness_kill(sim_harness *h);

/* Point libhisi's sim backend in this process at this host. */
int sim_harness_use(sim_harness *h);

/* One control request ("{\"cmd\": \"list\"}"); *ret_reply gets the reply object. */
int sim_harness_ctl(sim_harness *h, const char *request, json_object **ret_reply);
/* The digest of a VF's guest, or an error. */
int sim_harness_digest(sim_harness *h, const char *vf, char **ret);
/* A VF's "state" as the host reports it. */
int sim_harness_vf_field(sim_harness *h, const char *vf, const char *field, char **ret);

/* Run argv under `hisi-accsim exec`, its stdout (and stderr) on *ret_fd. */
int sim_harness_spawn(sim_harness *h, char *const argv[], pid_t *ret_pid, int *ret_fd);
/* Run argv under exec and wait: its exit status, and its output (may be NULL). */
int sim_harness_run(sim_harness *h, char *const argv[], char **ret_output);

/* One line from fd, without its newline, waiting at most timeout_ms. -ETIMEDOUT, -EPIPE at
 * end of file. */
int read_line_timeout(int fd, char **ret, int timeout_ms);
