/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cross-host compatibility check run before anything stops: does a source VF's state fit a
 * destination VF? It mirrors what the destination kernel will check on the match header
 * (vf_qm_check_match: magic/version, dev_id, qp count, queue isolation) and adds what the
 * daemons must agree on (kind, migration flags, state size), so that a mismatch is refused with
 * a reason a person can act on before the guest pauses. Pure logic: no I/O.
 */
#pragma once

#include <stdint.h>

#include "hisi/kind.h"

/* A stream format: version 1 (V1 magic, no version fields) or 2 (V2 magic, major.minor). */
typedef struct hisi_stream_format {
        uint8_t version;
        uint16_t major;
        uint16_t minor;
} hisi_stream_format;

/*
 * What is known of a VF on either side. For a source VF, stream is the format its kernel sends;
 * for a destination VF, the newest format its kernel accepts (version 1 before 6.16, which
 * accepts only V1; version 2 from 6.16, which accepts V1 and V2 of its own major).
 */
typedef struct hisi_vf_desc {
        hisi_kind kind;
        uint16_t device_id;   /* PCI device ID */
        uint32_t qp_num;      /* queue pairs of the VF (from the PF's VFT) */
        uint32_t que_iso_cfg; /* the PF's QM_QUE_ISO_CFG_V */
        hisi_stream_format stream;
        uint64_t mig_flags;  /* VFIO_MIGRATION_* */
        uint64_t state_size; /* MIG_DATA_SIZE: bytes the device saves, or accepts at most */
        /* HISI_COMPAT_UNKNOWN(field) bits: what could not be read without stopping the VF (a
         * 6.1 kernel's match data) or at all (a VF another process holds). Such a field is not
         * checked here; the destination kernel checks it at load. */
        unsigned unknown;
} hisi_vf_desc;

typedef enum hisi_compat_field {
        HISI_COMPAT_KIND,
        HISI_COMPAT_DEVICE_ID,
        HISI_COMPAT_QP_NUM,
        HISI_COMPAT_QUEUE_ISOLATION,
        HISI_COMPAT_STREAM_VERSION,
        HISI_COMPAT_MIG_FLAGS,
        HISI_COMPAT_STATE_SIZE,
        _HISI_COMPAT_FIELD_MAX,
        _HISI_COMPAT_FIELD_INVALID = -22,
} hisi_compat_field;

#define HISI_COMPAT_UNKNOWN(field) (1u << (field))

/* One reason per mismatching field, NULL where the field is compatible. */
typedef struct hisi_compat_verdict {
        unsigned n_mismatches;
        char *reasons[_HISI_COMPAT_FIELD_MAX];
} hisi_compat_verdict;

/* "kind", "device id", "qp count", "queue isolation", "stream version", "migration flags",
 * "state size": the words each reason starts with. */
const char *hisi_compat_field_to_string(hisi_compat_field field);

/*
 * Fill ret with the verdict. Returns 0 when compatible, the number of mismatches (> 0) when
 * not, -EINVAL for a bad argument, -ENOMEM. Each reason names the field and both values, e.g.
 * "qp count: source 64, destination 32", "stream version: source sends V2 (1.0), destination
 * kernel accepts only V1". ret must be released with hisi_compat_verdict_done().
 */
int hisi_compat_check(const hisi_vf_desc *src, const hisi_vf_desc *dst, hisi_compat_verdict *ret);
void hisi_compat_verdict_done(hisi_compat_verdict *v);

/* All reasons joined with "; ", or NULL when compatible. Returns a new string or NULL. */
char *hisi_compat_verdict_summary(const hisi_compat_verdict *v);
