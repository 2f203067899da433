/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cross-host compatibility check: one small rule per field of hisi_vf_desc, each producing a
 * reason that names the field and both values. The rules for the match header follow the
 * destination kernel's vf_qm_check_match() and vf_qm_version_check() (facts page 3.3).
 */

#include <assert.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hisi/compat.h"
#include "hisi/mig-state.h"
#include "file-util.h"
#include "macro.h"
#include "string-table.h"

static const char *const hisi_compat_field_table[_HISI_COMPAT_FIELD_MAX] = {
        [HISI_COMPAT_KIND] = "kind",
        [HISI_COMPAT_DEVICE_ID] = "device id",
        [HISI_COMPAT_QP_NUM] = "qp count",
        [HISI_COMPAT_QUEUE_ISOLATION] = "queue isolation",
        [HISI_COMPAT_STREAM_VERSION] = "stream version",
        [HISI_COMPAT_MIG_FLAGS] = "migration flags",
        [HISI_COMPAT_STATE_SIZE] = "state size",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(hisi_compat_field, hisi_compat_field);

static bool desc_is_valid(const hisi_vf_desc *d) {
        return d && d->kind >= 0 && d->kind < _HISI_KIND_MAX &&
               (d->stream.version == 1 || d->stream.version == 2);
}

/* Each rule returns 0 and leaves *ret NULL when the field is compatible, 0 with a reason in *ret
 * when it is not, or -ENOMEM. The reason's prefix is added by the caller. */

static int check_kind(const hisi_vf_desc *src, const hisi_vf_desc *dst, char **ret) {
        if (src->kind == dst->kind)
                return 0;
        return asprintf_safe(ret, "source %s, destination %s", hisi_kind_to_string(src->kind),
                             hisi_kind_to_string(dst->kind));
}

static int check_device_id(const hisi_vf_desc *src, const hisi_vf_desc *dst, char **ret) {
        if (src->device_id == dst->device_id)
                return 0;
        return asprintf_safe(ret, "source 0x%04x, destination 0x%04x", src->device_id,
                             dst->device_id);
}

/* The destination kernel reads its own count from the VF mailbox and refuses 0 outright. */
static int check_qp_num(const hisi_vf_desc *src, const hisi_vf_desc *dst, char **ret) {
        if (dst->qp_num == 0)
                return asprintf_safe(ret,
                                     "source %" PRIu32 ", destination %" PRIu32
                                     " (the destination VF has no queue pairs)",
                                     src->qp_num, dst->qp_num);
        if (src->qp_num == dst->qp_num)
                return 0;
        return asprintf_safe(ret, "source %" PRIu32 ", destination %" PRIu32, src->qp_num,
                             dst->qp_num);
}

static int check_queue_isolation(const hisi_vf_desc *src, const hisi_vf_desc *dst, char **ret) {
        if (src->que_iso_cfg == dst->que_iso_cfg)
                return 0;
        return asprintf_safe(ret, "source 0x%" PRIx32 ", destination 0x%" PRIx32, src->que_iso_cfg,
                             dst->que_iso_cfg);
}

/*
 * Any destination takes V1: kernels before 6.16 know nothing else, later ones convert it. V2 needs
 * a destination that knows V2 (6.16 and later) with the same major version; the minor is ignored.
 */
static int check_stream_version(const hisi_vf_desc *src, const hisi_vf_desc *dst, char **ret) {
        const hisi_stream_format *s = &src->stream, *d = &dst->stream;

        if (s->version == 1)
                return 0;
        if (d->version == 1)
                return asprintf_safe(ret,
                                     "source sends V2 (%u.%u), destination kernel accepts only V1",
                                     s->major, s->minor);
        if (s->major == d->major)
                return 0;
        return asprintf_safe(ret,
                             "source sends V2 (%u.%u), destination kernel accepts V1 and V2 %u.x",
                             s->major, s->minor, d->major);
}

/* STOP_COPY is the one mode both ends need: it brings STOP_COPY on the source and RESUMING on the
 * destination. PRE_COPY is an optimisation of the source alone. */
static int check_mig_flags(const hisi_vf_desc *src, const hisi_vf_desc *dst, char **ret) {
        bool s = src->mig_flags & HISI_MIG_FLAG_STOP_COPY;
        bool d = dst->mig_flags & HISI_MIG_FLAG_STOP_COPY;
        const char *lacking;

        if (s && d)
                return 0;
        lacking = !s && !d ? "both" : !s ? "source" : "destination";
        return asprintf_safe(
                ret, "source 0x%" PRIx64 ", destination 0x%" PRIx64 " (%s without STOP_COPY)",
                src->mig_flags, dst->mig_flags, lacking);
}

static int check_state_size(const hisi_vf_desc *src, const hisi_vf_desc *dst, char **ret) {
        if (src->state_size <= dst->state_size)
                return 0;
        return asprintf_safe(ret,
                             "source saves %" PRIu64 " bytes, destination accepts at most %" PRIu64,
                             src->state_size, dst->state_size);
}

typedef int (*compat_rule)(const hisi_vf_desc *src, const hisi_vf_desc *dst, char **ret);

static const compat_rule compat_rules[_HISI_COMPAT_FIELD_MAX] = {
        [HISI_COMPAT_KIND] = check_kind,
        [HISI_COMPAT_DEVICE_ID] = check_device_id,
        [HISI_COMPAT_QP_NUM] = check_qp_num,
        [HISI_COMPAT_QUEUE_ISOLATION] = check_queue_isolation,
        [HISI_COMPAT_STREAM_VERSION] = check_stream_version,
        [HISI_COMPAT_MIG_FLAGS] = check_mig_flags,
        [HISI_COMPAT_STATE_SIZE] = check_state_size,
};

void hisi_compat_verdict_done(hisi_compat_verdict *v) {
        if (!v)
                return;
        for (size_t i = 0; i < ELEMENTSOF(v->reasons); i++) {
                free(v->reasons[i]);
                v->reasons[i] = NULL;
        }
        v->n_mismatches = 0;
}

int hisi_compat_check(const hisi_vf_desc *src, const hisi_vf_desc *dst, hisi_compat_verdict *ret) {
        _cleanup_(hisi_compat_verdict_done) hisi_compat_verdict v = {};
        int r;

        if (!desc_is_valid(src) || !desc_is_valid(dst) || !ret)
                return -EINVAL;

        for (hisi_compat_field f = 0; f < _HISI_COMPAT_FIELD_MAX; f++) {
                _cleanup_free_ char *detail = NULL;

                assert(compat_rules[f]);
                if ((src->unknown | dst->unknown) & HISI_COMPAT_UNKNOWN(f))
                        continue;
                r = compat_rules[f](src, dst, &detail);
                if (r < 0)
                        return r;
                if (!detail)
                        continue;
                r = asprintf_safe(&v.reasons[f], "%s: %s", hisi_compat_field_table[f], detail);
                if (r < 0)
                        return r;
                v.n_mismatches++;
        }

        *ret = v;
        r = (int)v.n_mismatches;
        v = (hisi_compat_verdict){};
        return r;
}

char *hisi_compat_verdict_summary(const hisi_compat_verdict *v) {
        size_t len = 0;
        char *s, *p;

        if (!v || v->n_mismatches == 0)
                return NULL;

        for (size_t i = 0; i < ELEMENTSOF(v->reasons); i++)
                if (v->reasons[i])
                        len += strlen(v->reasons[i]) + STRLEN("; ");
        if (len == 0)
                return NULL;

        s = malloc(len + 1);
        if (!s)
                return NULL;
        p = s;
        for (size_t i = 0; i < ELEMENTSOF(v->reasons); i++) {
                if (!v->reasons[i])
                        continue;
                if (p != s)
                        p = stpcpy(p, "; ");
                p = stpcpy(p, v->reasons[i]);
        }
        return s;
}
