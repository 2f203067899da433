/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hisi-accmigd's metadata element: its VFs and their text (see accmig-metadata.h). */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accmig-metadata.h"
#include "macro.h"
#include "string-util.h"

#define FIELD(n, f, member, max, hex)                                                              \
        { n, f, offsetof(AccmigVf, member), sizeof(((AccmigVf *)0)->member), max, hex }

static const AccmigMetadataField fields[] = {
        FIELD("device-id", HISI_COMPAT_DEVICE_ID, desc.device_id, UINT16_MAX, true),
        FIELD("qp-num", HISI_COMPAT_QP_NUM, desc.qp_num, UINT32_MAX, false),
        FIELD("queue-isolation", HISI_COMPAT_QUEUE_ISOLATION, desc.que_iso_cfg, UINT32_MAX, false),
        FIELD("qm-version", -1, qm_version, UINT32_MAX, false),
        FIELD("stream-version", HISI_COMPAT_STREAM_VERSION, desc.stream.version, 2, false),
        FIELD("stream-major", -1, desc.stream.major, UINT16_MAX, false),
        FIELD("stream-minor", -1, desc.stream.minor, UINT16_MAX, false),
        FIELD("migration-flags", HISI_COMPAT_MIG_FLAGS, desc.mig_flags, UINT64_MAX, true),
        FIELD("state-size", HISI_COMPAT_STATE_SIZE, desc.state_size, UINT64_MAX, false),
};

const AccmigMetadataField *accmig_metadata_fields(size_t *ret_n) {
        *ret_n = ELEMENTSOF(fields);
        return fields;
}

void accmig_metadata_store(AccmigVf *vf, const AccmigMetadataField *f, uint64_t v) {
        void *p = (uint8_t *)vf + f->offset;

        switch (f->size) {
        case 1:
                *(uint8_t *)p = (uint8_t)v;
                break;
        case 2:
                *(uint16_t *)p = (uint16_t)v;
                break;
        case 4:
                *(uint32_t *)p = (uint32_t)v;
                break;
        default:
                *(uint64_t *)p = v;
                break;
        }
}

uint64_t accmig_metadata_load(const AccmigVf *vf, const AccmigMetadataField *f) {
        const void *p = (const uint8_t *)vf + f->offset;

        switch (f->size) {
        case 1:
                return *(const uint8_t *)p;
        case 2:
                return *(const uint16_t *)p;
        case 4:
                return *(const uint32_t *)p;
        default:
                return *(const uint64_t *)p;
        }
}

const AccmigVf *accmig_metadata_find(const AccmigVf *vfs, size_t n, const char *address) {
        for (size_t i = 0; i < n; i++)
                if (streq(vfs[i].address, address))
                        return &vfs[i];
        return NULL;
}

int accmig_metadata_format(const AccmigVf *vfs, size_t n, char **ret) {
        _cleanup_free_ char *s = NULL;
        size_t size = 0;
        FILE *f;

        if ((!vfs && n > 0) || !ret)
                return -EINVAL;
        f = open_memstream(&s, &size);
        if (!f)
                return -ENOMEM;
        fputs("<vfs>", f);
        for (size_t i = 0; i < n; i++) {
                const AccmigVf *v = &vfs[i];

                fprintf(f, "<vf address=\"%s\" kind=\"%s\"", v->address,
                        hisi_kind_to_string(v->desc.kind));
                for (size_t k = 0; k < ELEMENTSOF(fields); k++) {
                        const AccmigMetadataField *fl = &fields[k];
                        uint64_t u = accmig_metadata_load(v, fl);

                        if (fl->compat_field >= 0 &&
                            (v->desc.unknown & HISI_COMPAT_UNKNOWN(fl->compat_field)))
                                continue;
                        if (fl->compat_field < 0 && u == 0)
                                continue; /* qm-version 0, a V1 stream's major and minor */
                        fprintf(f, fl->hex ? " %s=\"0x%" PRIx64 "\"" : " %s=\"%" PRIu64 "\"",
                                fl->name, u);
                }
                fputs("/>", f);
        }
        fputs("</vfs>", f);
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(s);
        return 0;
}
