/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The peer protocol's JSON messages (libhisi/docs/peer-protocol.md, "Messages"): one schema per
 * message type, decoded with the field tables of json-dispatch; unknown fields are ignored,
 * missing or malformed required ones refused with a sentence that names the field. Encoders
 * write the same shapes. Pure: no I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hisi/compat.h"
#include "hisi/json-dispatch.h"
#include "hisi/pci-address.h"
#include "hisi/peer-wire.h"

#define HISI_PEER_PROTOCOL "hisi-accmig"

/* How much of a sentence or name a message may carry. */
#define HISI_PEER_TEXT_MAX 1024u
#define HISI_PEER_NAME_MAX 255u

/* The hello, first record of each side. */
typedef struct hisi_peer_hello {
        unsigned version;     /* the newest protocol version the sender speaks */
        unsigned min_version; /* the oldest */
        char *host;           /* the sender's host name, for the logs */
        char *software;       /* "hisi-accmigd 0.1.0" */
        char **capabilities;  /* NULL-terminated: "check", "precopy", "migrate" */
} hisi_peer_hello;

int hisi_peer_hello_to_json(const hisi_peer_hello *h, char **ret);
int hisi_peer_hello_from_json(const char *json, size_t len, hisi_peer_hello *ret, char **ret_error);
void hisi_peer_hello_done(hisi_peer_hello *h);
bool hisi_peer_hello_has(const hisi_peer_hello *h, const char *capability);

/* The version both speak: the lower newest, if at least both oldest; -EPROTONOSUPPORT when
 * there is none. */
int hisi_peer_version_agree(const hisi_peer_hello *a, const hisi_peer_hello *b);

/* The "type" of any message: 0 and a new string, or -EBADMSG and a sentence. */
int hisi_peer_message_type(const char *json, size_t len, char **ret_type, char **ret_error);

/* ABORT: a machine-readable reason and a sentence. */
typedef struct hisi_peer_abort {
        char *reason;  /* "busy", "version", "auth", "protocol", "timeout", "cancelled", … */
        char *message; /* for a person */
} hisi_peer_abort;

int hisi_peer_abort_to_json(const char *reason, const char *message, char **ret);
int hisi_peer_abort_from_json(const char *json, size_t len, hisi_peer_abort *ret, char **ret_error);
void hisi_peer_abort_done(hisi_peer_abort *a);

/* check: the source describes each VF it would move. */
typedef struct hisi_peer_check_device {
        char *source;        /* the source VF's address */
        char *to;            /* the destination VF asked for, or NULL */
        hisi_vf_desc desc;   /* what the compatibility check compares */
        uint32_t qm_version; /* the source PF's QM version, 0 if unknown */
} hisi_peer_check_device;

typedef struct hisi_peer_check {
        uint64_t id;
        hisi_peer_check_device *devices;
        size_t n_devices; /* 1 .. HISI_WIRE_DEVICES_MAX */
} hisi_peer_check;

int hisi_peer_check_to_json(const hisi_peer_check *c, char **ret);
int hisi_peer_check_from_json(const char *json, size_t len, hisi_peer_check *ret, char **ret_error);
void hisi_peer_check_done(hisi_peer_check *c);

/* check-reply: the destination's verdict per source VF. */
typedef struct hisi_peer_check_result {
        char *source;
        char *destination; /* the VF it would take, or NULL */
        bool accepted;
        char **reasons; /* NULL-terminated; empty when accepted */
} hisi_peer_check_result;

typedef struct hisi_peer_check_reply {
        uint64_t id;
        hisi_peer_check_result *devices;
        size_t n_devices;
} hisi_peer_check_reply;

int hisi_peer_check_reply_to_json(const hisi_peer_check_reply *c, char **ret);
int hisi_peer_check_reply_from_json(const char *json, size_t len, hisi_peer_check_reply *ret,
                                    char **ret_error);
void hisi_peer_check_reply_done(hisi_peer_check_reply *c);

/* ---- Migration (docs/peer-protocol.md, "A migration") ---- */

/* A migration's id: letters, digits and '-', at most this long. */
#define HISI_PEER_MIGRATION_ID_MAX 64u
/* Whether s is such an id (it names files, too: the crash-safety records). */
bool hisi_peer_migration_id_is_valid(const char *s);
/* A json-dispatch CUSTOM decoder of such an id into a char * (hisi/json-dispatch.h). */
int hisi_peer_dispatch_migration_id(const hisi_json_value *v, const hisi_json_field *f, void *base);

/* migrate: the source asks the destination to take these VFs. */
typedef struct hisi_peer_migrate {
        char *migration;       /* its id, the same on both hosts */
        hisi_peer_check check; /* the devices, as a check describes them (check.id unused) */
        bool precopy;          /* the source will send PRE_COPY bytes before it stops */
        bool manual_commit;    /* the destination loads, and runs only on "commit" */
} hisi_peer_migrate;

int hisi_peer_migrate_to_json(const hisi_peer_migrate *m, char **ret);
int hisi_peer_migrate_from_json(const char *json, size_t len, hisi_peer_migrate *ret,
                                char **ret_error);
void hisi_peer_migrate_done(hisi_peer_migrate *m);

/* migrate-reply: the destination's verdict per VF; it took (reserved) the VFs it named only when
 * every VF was accepted. */
typedef struct hisi_peer_migrate_reply {
        char *migration;
        hisi_peer_check_reply reply;
} hisi_peer_migrate_reply;

int hisi_peer_migrate_reply_to_json(const hisi_peer_migrate_reply *m, char **ret);
int hisi_peer_migrate_reply_from_json(const char *json, size_t len, hisi_peer_migrate_reply *ret,
                                      char **ret_error);
void hisi_peer_migrate_reply_done(hisi_peer_migrate_reply *m);

/*
 * The steps of a migration, one shape for all:
 *   precopy-done  S->D  device's initial (PRE_COPY) bytes are all sent: bytes
 *   precopy-ack   D->S  the destination wrote them and its kernel took the match header
 *   commit        S->D  every END is sent: load every VF and, if all verified, run them
 *   load          S->D  every END is sent: load every VF, run none yet (manual commit)
 *   loaded        D->S  every VF loaded and verified (manual commit)
 *   committed     D->S  every VF runs on the destination
 *   failed        D->S  the destination ran none and reset them: reasons
 *   outcome       S->D  what became of the migration? (after the link broke)
 *   outcome-reply D->S  outcome: "committed", "rolled-back", "unknown"
 *   forget        S->D  the source settled the migration: the destination may drop the outcome
 *                       it kept for it (on the migration's connection or an outcome's)
 */
typedef struct hisi_peer_step {
        char *type;
        char *migration;
        int64_t device; /* -1 when the step is not about one device */
        uint64_t bytes;
        char **reasons; /* failed: one per VF or cause */
        char *outcome;  /* outcome-reply */
} hisi_peer_step;

int hisi_peer_step_to_json(const hisi_peer_step *s, char **ret);
int hisi_peer_step_from_json(const char *json, size_t len, hisi_peer_step *ret, char **ret_error);
void hisi_peer_step_done(hisi_peer_step *s);
