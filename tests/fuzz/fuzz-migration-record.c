/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the in-flight migration record's decoder (daemon/migration-record.c): what a
 * restarted daemon reads from disk, maybe damaged. An accepted record has a valid id, a phase
 * its role writes, 1 to 256 canonical VF addresses without duplicates, as many peer VFs when
 * named, a peer for a source; it formats back to a text that decodes to the same record. A
 * refusal is -EINVAL or -EPROTONOSUPPORT (or -ENOMEM, -EFBIG) with a message naming the origin.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hisi/pci-address.h"
#include "hisi/peer-message.h"
#include "migration-record.h"
#include "strv.h"

#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const MigrationRecord *a, const MigrationRecord *b) {
        check(strcmp(a->migration, b->migration) == 0);
        check(a->role == b->role && a->phase == b->phase);
        check(a->updated_usec == b->updated_usec);
        check((!a->peer && !b->peer) || (a->peer && b->peer && strcmp(a->peer, b->peer) == 0));
        check((!a->reason && !b->reason) ||
              (a->reason && b->reason && strcmp(a->reason, b->reason) == 0));
        check(strv_length(a->vfs) == strv_length(b->vfs));
        for (size_t i = 0; a->vfs[i]; i++)
                check(strcmp(a->vfs[i], b->vfs[i]) == 0);
        check(!a->peer_vfs == !b->peer_vfs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        MigrationRecord rec = {}, again = {};
        char *error = NULL, *text = NULL;
        size_t n;
        int r;

        r = migration_record_parse((const char *)data, size, "record", &rec, &error);
        if (r < 0) {
                check(r == -EINVAL || r == -EPROTONOSUPPORT || r == -ENOMEM || r == -EFBIG);
                check(r == -ENOMEM || (error && strncmp(error, "record", 6) == 0));
                check(!rec.migration && !rec.vfs);
                free(error);
                return 0;
        }
        check(!error);
        check(hisi_peer_migration_id_is_valid(rec.migration));
        check(rec.role >= 0 && rec.role < _MIGRATION_ROLE_MAX);
        check(rec.phase >= 0 && rec.phase < _RECORD_PHASE_MAX);
        check(rec.role != MIGRATION_SOURCE || (rec.peer && rec.peer[0]));
        n = strv_length(rec.vfs);
        check(n >= 1 && n <= 256);
        check(!rec.peer_vfs || strv_length(rec.peer_vfs) == n);
        for (size_t i = 0; i < n; i++) {
                check(hisi_pci_address_valid(rec.vfs[i]));
                for (size_t k = 0; k < i; k++)
                        check(strcmp(rec.vfs[i], rec.vfs[k]) != 0);
        }
        check(migration_record_format(&rec, &text) == 0);
        check(migration_record_parse(text, strlen(text), "again", &again, NULL) == 0);
        check_same(&rec, &again);
        free(text);
        migration_record_done(&rec);
        migration_record_done(&again);
        return 0;
}
