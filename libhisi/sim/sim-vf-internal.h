/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What sim-vf.c and sim-migf.c share and nobody else sees: the migration file's fields (the
 * kernel's struct hisi_acc_vf_migration_file) and the calls between a file and its VF.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim-migf.h"
#include "sim-vf.h"
#include "hisi/state-image.h"

struct sim_migf {
        unsigned n_ref;
        bool saving;        /* O_RDONLY saving file, else O_WRONLY resuming file */
        bool disabled;      /* the session ended: every call is -ENODEV */
        bool precopy_ioctl; /* a saving file of a kernel with PRE_COPY has the ioctl (6.2+) */
        /* The device. It stays set after the file is disabled (the kernel's precopy ioctl looks
         * at the device's state before it looks at the file), and is cleared only when the VF
         * itself goes away. */
        sim_vf *vf;
        sim_migf *vf_next, *vf_prev; /* the VF's list of live files */
        /* The kernel's vf_data: the bytes of the stream, and for a saving file the decoded form
         * the driver filled them from. */
        hisi_state_image img;
        uint8_t data[HISI_STATE_IMAGE_SIZE];
        size_t total; /* total_length */
        size_t pos;   /* f_pos */
        /* Fault injection: the byte at this offset reads back xor 0xff. */
        bool corrupt;
        size_t corrupt_offset;
};

/* A new file of the VF with one reference (the caller's), on the VF's list of live files. */
int sim_migf_new(sim_vf *vf, bool saving, sim_migf **ret);
/* hisi_acc_vf_disable_fd(): disabled, total and pos 0. The caller drops its reference. */
void sim_migf_disable(sim_migf *f);

/* The VF's side: its list of live files (so that a VF that goes away detaches them), and the
 * compatibility check a resume write runs (vf_qm_check_match). */
void sim_vf_attach_file(sim_vf *vf, sim_migf *f);
void sim_vf_detach_file(sim_vf *vf, sim_migf *f);
int sim_vf_resume_check(sim_vf *vf, sim_migf *f);
