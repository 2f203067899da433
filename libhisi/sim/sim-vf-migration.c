/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hisi driver's migration on a simulated VF (see sim-vf.h), from hisi_acc_vfio_pci.c: the
 * saving side (the match data, vf_qm_state_save()), the resuming side (vf_qm_check_match(),
 * vf_qm_load_data()), each arc of the state machine as its own block and the loop that walks
 * them, and the faults a test injects into the arcs and the saved stream.
 */

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "sim-vf-internal.h"

static uint16_t vf_device_id(const sim_vf *vf) {
        return hisi_kind_vf_device_id(vf->config.kind);
}

/* ---- Saving: the match data and vf_qm_state_save() ---- */

/* vf_qm_get_match_data(): what the source's PF says about this VF. qp_num 0 stands for a VFT
 * that cannot be read (pf_qm_get_qp_num() <= 0). */
static int match_data(const sim_vf *vf, hisi_state_image *img) {
        if (vf->config.qp_num == 0)
                return -EINVAL;
        *img = (hisi_state_image){
                .header_only = true,
                .qp_num = vf->config.qp_num,
                .dev_id = vf_device_id(vf),
                .que_iso_cfg = vf->config.que_iso_cfg,
                .qp_base = vf->config.qp_base,
        };
        if (sim_profile_sends_v2(vf->config.profile)) {
                img->acc_magic = HISI_ACC_MAGIC_V2;
                img->major_ver = HISI_ACC_DRV_MAJOR_VER;
                img->minor_ver = HISI_ACC_DRV_MINOR_VER;
        } else
                img->acc_magic = HISI_ACC_MAGIC_V1;
        return 0;
}

/* eqe_dma/aeqe_dma from the EQC/AEQC words: dw[1]<<32|dw[0] up to 6.15 (the V1 bug),
 * dw[2]<<32|dw[1] from 6.16. */
static uint64_t xqe_dma(const uint32_t dw[7], bool fixed_order) {
        if (fixed_order)
                return (uint64_t)dw[2] << 32 | dw[1];
        return (uint64_t)dw[1] << 32 | dw[0];
}

/* The device-state half of vf_qm_state_save(), on an image that holds the match data. */
static void fill_state(const sim_vf *vf, hisi_state_image *img) {
        bool fixed = sim_profile_fixed_dma_order(vf->config.profile);

        /* qm_wait_dev_not_ready() reads QM_VF_STATE: a VF that no guest driver set up (none
         * loaded, or none since a reset) does not become ready within 1 ms: the match data. */
        if (!sim_vf_guest_ready(vf)) {
                img->vf_qm_state = HISI_QM_NOT_READY;
                img->header_only = true;
                return;
        }
        img->vf_qm_state = HISI_QM_READY;
        sim_guest_save(&vf->guest, img);
        img->eqe_dma = xqe_dma(img->qm_eqc_dw, fixed);
        img->aeqe_dma = xqe_dma(img->qm_aeqc_dw, fixed);
        img->header_only = false;
}

/* The file's bytes from its decoded image: 40 bytes for a header-only image, else 176. */
static void encode_file(sim_migf *f) {
        int r = hisi_state_image_build(&f->img, f->data, sizeof(f->data));

        assert(r > 0); /* the buffer always fits */
        (void)r;
}

/* hisi_acc_open_saving_migf() */
static int open_saving(sim_vf *vf, sim_migf **ret) {
        _cleanup_(sim_migf_unrefp) sim_migf *f = NULL;
        hisi_state_image img;
        int r;

        r = match_data(vf, &img);
        if (r < 0)
                return r;
        r = sim_migf_new(vf, true, &f);
        if (r < 0)
                return r;
        f->img = img;
        encode_file(f);
        if (vf->corrupt_armed) {
                f->corrupt = true;
                f->corrupt_offset = vf->corrupt_offset;
                vf->corrupt_armed = false;
        }
        *ret = TAKE_PTR(f);
        return 0;
}

/* vf_qm_state_save(): fills the file in place; bytes already read keep what they were. */
static void state_save(sim_vf *vf, sim_migf *f) {
        fill_state(vf, &f->img);
        vf->vf_qm_state = f->img.vf_qm_state;
        encode_file(f);
        f->total = f->img.header_only ? HISI_STATE_MATCH_SIZE : HISI_STATE_IMAGE_SIZE;
}

/* A new current saving file. The kernel overwrites the driver's pointer to a current one,
 * which is there only where a close or a reset left it (before 6.16, or 6.2+ without the reset
 * fix): that file stays usable to whoever holds it. */
static void set_saving(sim_vf *vf, sim_migf *f) {
        sim_migf_unref(vf->saving_migf);
        vf->saving_migf = sim_migf_ref(f);
}

/* ---- Resuming: vf_qm_check_match() and vf_qm_load_data() ---- */

static uint64_t get_le64(const uint8_t *p) {
        uint64_t v = 0;

        for (unsigned i = 8; i > 0; i--)
                v = v << 8 | p[i - 1];
        return v;
}

/*
 * The kernel reads vf_data's fields whatever its magic says (a 6.2+ load does not look at the
 * magic again), while the codec refuses unknown magics. Decode a copy that carries the V1 magic,
 * which every version accepts, and put the real magic back.
 */
static void decode_any(const uint8_t data[HISI_STATE_IMAGE_SIZE], hisi_state_image *ret) {
        uint8_t copy[HISI_STATE_IMAGE_SIZE];
        int r;

        memcpy(copy, data, sizeof(copy));
        for (unsigned i = 0; i < 8; i++)
                copy[i] = (uint8_t)(HISI_ACC_MAGIC_V1 >> (8 * i));
        r = hisi_state_image_parse(copy, sizeof(copy), ret);
        assert(r >= 0);
        (void)r;
        ret->acc_magic = get_le64(data);
}

/* vf_qm_version_check() for a V1 stream on 6.16+: eqe/aeqe recomputed in the corrected word
 * order from whatever the dw words hold now. A stream written in chunks gets this while the
 * words are still 0, and its later bytes overwrite the result (facts page, section 3.3). */
static void correct_v1_dma(sim_migf *f) {
        hisi_state_image img;
        int r;

        decode_any(f->data, &img);
        img.eqe_dma = xqe_dma(img.qm_eqc_dw, true);
        img.aeqe_dma = xqe_dma(img.qm_aeqc_dw, true);
        img.header_only = false;
        r = hisi_state_image_build(&img, f->data, sizeof(f->data));
        assert(r == HISI_STATE_IMAGE_SIZE);
        (void)r;
}

/* The checks of vf_qm_check_match() in the kernel's order, on at least 40 bytes. */
static int match_check(sim_vf *vf, sim_migf *f) {
        hisi_state_image hdr;
        int r;

        /* 1. The magic: V1, or V2 with major 1 on kernels that know V2 (6.16+). */
        r = hisi_state_match_parse(f->data, f->total, &hdr);
        if (r < 0)
                return -EINVAL;
        if (hisi_state_magic_version(hdr.acc_magic) == 2) {
                if (!sim_profile_sends_v2(vf->config.profile))
                        return -EINVAL;
        } else if (sim_profile_fixed_dma_order(vf->config.profile))
                correct_v1_dma(f);
        /* 2. The VF's PCI device ID. */
        if (hdr.dev_id != vf_device_id(vf))
                return -EINVAL;
        /* 3. The qp count from this VF's own VFT (qm_get_vft()). */
        if (vf->config.qp_num == 0 || hdr.qp_num != vf->config.qp_num)
                return -EINVAL;
        /* 4. The queue isolation of this PF. */
        if (hdr.que_iso_cfg != vf->config.que_iso_cfg)
                return -EINVAL;
        return 0;
}

/* From 6.2 each resume write runs the check once 40 bytes are in, until it first succeeds. */
int sim_vf_resume_check(sim_vf *vf, sim_migf *f) {
        int r;

        if (!sim_profile_early_match(vf->config.profile))
                return 0;
        if (f->total < HISI_STATE_MATCH_SIZE || vf->match_done)
                return 0;
        r = match_check(vf, f);
        if (r < 0)
                return r;
        vf->match_done = true;
        return 0;
}

/* hisi_acc_vf_load_state() */
static int load_state(sim_vf *vf) {
        sim_migf *f = vf->resuming_migf;
        hisi_state_image img;
        int r;

        if (!f)
                return -EINVAL;
        /* Before 6.2 the check runs here, on the whole stream. */
        if (!sim_profile_early_match(vf->config.profile)) {
                if (f->total < HISI_STATE_MATCH_SIZE)
                        return -EINVAL;
                r = match_check(vf, f);
                if (r < 0)
                        return r;
        }

        /* vf_qm_load_data(). 6.2+ does not check again: a stream whose write got -EFAULT loads
         * if the caller goes on to STOP anyway. */
        if (f->total == HISI_STATE_MATCH_SIZE) {
                /* The match data only: nothing to load. The source had no guest driver, so the
                 * guest arriving here has none either (the model's reading; the kernel does
                 * nothing). */
                vf->config.guest_driver = false;
                return 0;
        }
        if (f->total < HISI_STATE_IMAGE_SIZE)
                return -EINVAL;

        decode_any(f->data, &img);
        if (sim_profile_load_checks_dma(vf->config.profile) &&
            (!img.eqe_dma || !img.aeqe_dma || !img.sqc_dma || !img.cqc_dma)) {
                vf->vf_qm_state = HISI_QM_NOT_READY;
                vf->config.guest_driver = false;
                return 0;
        }

        /* QM_VF_STATE, the registers, EQC/AEQC, the SQC_BT/CQC_BT mailboxes. */
        vf->vf_qm_state = img.vf_qm_state;
        sim_guest_load(&vf->guest, &img);
        vf->config.guest_driver = img.vf_qm_state == HISI_QM_READY;
        return 0;
}

/* ---- The state machine: hisi_acc_vf_set_device_state() and its loop ---- */

static int arc_fault_check(sim_vf *vf, hisi_mig_state from, hisi_mig_state to) {
        for (size_t i = 0; i < vf->n_faults; i++) {
                int error;

                if (vf->faults[i].from != from || vf->faults[i].to != to)
                        continue;
                error = vf->faults[i].error;
                if (vf->faults[i].once)
                        vf->faults[i] = vf->faults[--vf->n_faults];
                return error;
        }
        return 0;
}

/* One arc, each the driver's own block. A new file is returned in *ret_file. */
static int do_arc(sim_vf *vf, hisi_mig_state next, sim_migf **ret_file) {
        _cleanup_(sim_migf_unrefp) sim_migf *f = NULL;
        hisi_mig_state cur = vf->mig_state;
        int r;

        r = arc_fault_check(vf, cur, next);
        if (r < 0)
                return r;

        if (cur == HISI_MIG_STATE_RUNNING && next == HISI_MIG_STATE_PRE_COPY) {
                /* hisi_acc_vf_pre_copy(): the match data only; the device keeps running. */
                r = open_saving(vf, &f);
                if (r < 0)
                        return r;
                f->total = HISI_STATE_MATCH_SIZE;
                set_saving(vf, f);
                *ret_file = TAKE_PTR(f);
                return 0;
        }
        if (cur == HISI_MIG_STATE_PRE_COPY && next == HISI_MIG_STATE_STOP_COPY) {
                /* hisi_acc_vf_stop_device(), then the state into the same file: no new fd. */
                if (!vf->saving_migf)
                        return -EINVAL;
                state_save(vf, vf->saving_migf);
                return 0;
        }
        if (cur == HISI_MIG_STATE_RUNNING && next == HISI_MIG_STATE_STOP)
                return 0; /* hisi_acc_vf_stop_device(): the guest stops with the state */
        if (cur == HISI_MIG_STATE_STOP && next == HISI_MIG_STATE_STOP_COPY) {
                r = open_saving(vf, &f);
                if (r < 0)
                        return r;
                state_save(vf, f);
                set_saving(vf, f);
                *ret_file = TAKE_PTR(f);
                return 0;
        }
        if (cur == HISI_MIG_STATE_STOP_COPY && next == HISI_MIG_STATE_STOP) {
                sim_vf_disable_fds(vf);
                return 0;
        }
        if (cur == HISI_MIG_STATE_STOP && next == HISI_MIG_STATE_RESUMING) {
                /* hisi_acc_vf_pci_resume() */
                r = sim_migf_new(vf, false, &f);
                if (r < 0)
                        return r;
                /* As for saving: a file a close or reset left is overwritten, not disabled. */
                sim_migf_unref(vf->resuming_migf);
                vf->resuming_migf = sim_migf_ref(f);
                *ret_file = TAKE_PTR(f);
                return 0;
        }
        if (cur == HISI_MIG_STATE_RESUMING && next == HISI_MIG_STATE_STOP) {
                /* On failure the device stays in RESUMING with the file usable. */
                r = load_state(vf);
                if (r < 0)
                        return r;
                sim_vf_disable_fds(vf);
                return 0;
        }
        if (cur == HISI_MIG_STATE_PRE_COPY && next == HISI_MIG_STATE_RUNNING) {
                sim_vf_disable_fds(vf);
                return 0;
        }
        if (cur == HISI_MIG_STATE_STOP && next == HISI_MIG_STATE_RUNNING)
                return 0; /* hisi_acc_vf_start_device(): IFC init and SQ doorbells if READY */

        /* The kernel WARNs: vfio_mig_get_next_state() never yields another arc for hisi. */
        return -EINVAL;
}

/* hisi_acc_vfio_pci_set_device_state(): arc by arc until target is reached. hisi never enters
 * ERROR: a failed arc leaves the state at the last arc that worked. */
int sim_vf_set_device_state(sim_vf *vf, uint32_t target, sim_migf **ret_file) {
        _cleanup_(sim_migf_unrefp) sim_migf *f = NULL;

        while (target != (uint32_t)vf->mig_state) {
                hisi_mig_state next;
                int r;

                /* An earlier arc returned a file but was not the last one: the core's rule. */
                if (f)
                        return -EINVAL;
                if (target >= _HISI_MIG_STATE_MAX)
                        return -EINVAL;
                /* The table also refuses STOP_COPY -> PRE_COPY, where kernels without the 2026
                 * fix of the skip loop spin forever. */
                r = hisi_mig_next_state(vf->mig_flags, vf->mig_state, (hisi_mig_state)target,
                                        &next);
                if (r < 0)
                        return -EINVAL;
                r = do_arc(vf, next, &f);
                if (r < 0)
                        return r;
                vf->mig_state = next;
                if (vf->last_path.n < HISI_MIG_PATH_MAX)
                        vf->last_path.states[vf->last_path.n++] = next;
        }

        *ret_file = TAKE_PTR(f);
        return 0;
}

int sim_vf_snapshot(const sim_vf *vf, hisi_state_image *ret) {
        hisi_state_image img;
        int r;

        if (!vf || !ret)
                return -EINVAL;
        r = match_data(vf, &img);
        if (r < 0)
                return r;
        fill_state(vf, &img);
        *ret = img;
        return 0;
}

/* ---- Fault injection ---- */

int sim_vf_fault_arc(sim_vf *vf, hisi_mig_state from, hisi_mig_state to, int error, bool once) {
        size_t i;

        if (!vf)
                return -EINVAL;
        if (from < 0 || from >= _HISI_MIG_STATE_MAX || to < 0 || to >= _HISI_MIG_STATE_MAX ||
            from == to)
                return -EINVAL;
        if (error >= 0 || error < -4095)
                return -EINVAL;

        for (i = 0; i < vf->n_faults; i++)
                if (vf->faults[i].from == from && vf->faults[i].to == to)
                        break;
        if (i == vf->n_faults) {
                if (vf->n_faults >= SIM_VF_FAULTS_MAX)
                        return -ENOSPC;
                vf->n_faults++;
        }
        vf->faults[i] = (arc_fault){ .from = from, .to = to, .error = error, .once = once };
        return 0;
}

int sim_vf_fault_corrupt(sim_vf *vf, size_t offset) {
        if (!vf || offset >= HISI_STATE_IMAGE_SIZE)
                return -EINVAL;
        vf->corrupt_armed = true;
        vf->corrupt_offset = offset;
        return 0;
}

void sim_vf_fault_clear(sim_vf *vf) {
        if (!vf)
                return;
        vf->n_faults = 0;
        vf->corrupt_armed = false;
}
