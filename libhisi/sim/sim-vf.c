/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One simulated VF (see sim-vf.h): the VFIO core's feature ioctl (vfio_main.c), vfio-pci's own
 * features (vfio_pci_core.c), and the hisi driver's migration state machine, arcs, load and
 * compatibility check (hisi_acc_vfio_pci.c). The kernel functions each part models are named
 * above it. The saving and resuming files are in sim-migf.c, the guest's registers in
 * sim-guest.c.
 */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim-guest.h"
#include "sim-vf-internal.h"

#define QM_HW_V3          0x30
#define QM_VF_STATE       0x60 /* bit 0 set: the guest driver has not set the VF up */
#define QM_QUE_ISO_CFG_V  0x30
#define QM_VFT_QP_NUM_MAX 1024   /* 10-bit field, plus one */
#define QM_VFT_BASE_MAX   0xffff /* 16-bit field */
#define PAGE_SIZE_4K      UINT64_C(4096)

/* include/uapi/linux/vfio.h: features that vfio-pci itself serves for every device. */
#define FEATURE_PCI_VF_TOKEN                0
#define FEATURE_LOW_POWER_ENTRY             3
#define FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP 4
#define FEATURE_LOW_POWER_EXIT              5

typedef struct low_power_entry_with_wakeup {
        int32_t wakeup_eventfd;
        uint32_t reserved;
} low_power_entry_with_wakeup;

typedef struct arc_fault {
        hisi_mig_state from;
        hisi_mig_state to;
        int error;
        bool once;
} arc_fault;

struct sim_vf {
        sim_vf_config config;
        uint64_t mig_flags; /* the driver's migration_flags */
        bool open;

        /* struct hisi_acc_vf_core_device */
        hisi_mig_state mig_state;
        uint32_t vf_qm_state; /* the driver's view: QM_READY or QM_NOT_READY */
        bool match_done;
        sim_migf *saving_migf; /* the driver's references to the current files */
        sim_migf *resuming_migf;

        bool pm_engaged; /* vfio-pci: low power entered (pm_runtime_engaged) */
        sim_migf *files; /* every live file of this VF, current or disabled */
        hisi_mig_path last_path;
        sim_guest guest;

        arc_fault faults[SIM_VF_FAULTS_MAX];
        size_t n_faults;
        bool corrupt_armed;
        size_t corrupt_offset;
};

static uint16_t vf_device_id(const sim_vf *vf) {
        return hisi_kind_vf_device_id(vf->config.kind);
}

static bool pf_ctrl_mode(const sim_vf *vf) {
        return sim_profile_pf_ctrl_bar(vf->config.profile) && vf->config.qm_version > QM_HW_V3;
}

/* QM_VF_STATE bit 0 clear: a guest driver has set the VF up (hisi_qm_set_state(QM_READY)),
 * and not since a function reset wiped it. */
static bool guest_ready(const sim_vf *vf) {
        return vf->config.guest_driver && vf->guest.initialized;
}

static void reset_last_path(sim_vf *vf) {
        vf->last_path = (hisi_mig_path){ .states = { vf->mig_state }, .n = 1 };
}

/* Whether the device runs in this state (the uAPI's definitions): the guest works. */
static bool state_runs(hisi_mig_state state) {
        switch (state) {
        case HISI_MIG_STATE_RUNNING:
        case HISI_MIG_STATE_RUNNING_P2P:
        case HISI_MIG_STATE_PRE_COPY:
        case HISI_MIG_STATE_PRE_COPY_P2P:
                return true;
        case HISI_MIG_STATE_ERROR:
        case HISI_MIG_STATE_STOP:
        case HISI_MIG_STATE_STOP_COPY:
        case HISI_MIG_STATE_RESUMING:
                return false;
        case _HISI_MIG_STATE_MAX:
        case _HISI_MIG_STATE_INVALID:
                break;
        }
        return false;
}

int sim_vf_new(const sim_vf_config *config, sim_vf **ret) {
        sim_vf *vf;

        if (!config || !ret)
                return -EINVAL;
        if (!hisi_kind_to_string(config->kind) || !sim_profile_to_string(config->profile))
                return -EINVAL;
        if (config->qp_num > QM_VFT_QP_NUM_MAX || config->qp_base > QM_VFT_BASE_MAX)
                return -EINVAL;

        vf = calloc(1, sizeof(*vf));
        if (!vf)
                return -ENOMEM;
        vf->config = *config;
        vf->mig_flags = sim_profile_migration_flags(config->profile);
        /* hisi_acc_vfio_pci_migrn_init_dev() */
        vf->mig_state = HISI_MIG_STATE_RUNNING;
        vf->vf_qm_state = HISI_QM_NOT_READY;
        reset_last_path(vf);
        if (config->guest_driver)
                sim_guest_init(&vf->guest, config->seed, config->kind, config->vf_index);

        *ret = vf;
        return 0;
}

/* hisi_acc_vf_disable_fds(): end both sessions and drop the driver's references. */
static void disable_fds(sim_vf *vf) {
        if (vf->resuming_migf) {
                sim_migf_disable(vf->resuming_migf);
                vf->resuming_migf = sim_migf_unref(vf->resuming_migf);
        }
        if (vf->saving_migf) {
                sim_migf_disable(vf->saving_migf);
                vf->saving_migf = sim_migf_unref(vf->saving_migf);
        }
}

sim_vf *sim_vf_free(sim_vf *vf) {
        if (!vf)
                return NULL;
        disable_fds(vf);
        /* Files that data fd holders still reference outlive the VF, disabled and detached. */
        while (vf->files) {
                sim_migf *f = vf->files;

                sim_migf_disable(f);
                sim_vf_detach_file(vf, f);
        }
        free(vf);
        return NULL;
}

void sim_vf_attach_file(sim_vf *vf, sim_migf *f) {
        f->vf_prev = NULL;
        f->vf_next = vf->files;
        if (vf->files)
                vf->files->vf_prev = f;
        vf->files = f;
}

void sim_vf_detach_file(sim_vf *vf, sim_migf *f) {
        if (f->vf_prev)
                f->vf_prev->vf_next = f->vf_next;
        else
                vf->files = f->vf_next;
        if (f->vf_next)
                f->vf_next->vf_prev = f->vf_prev;
        f->vf_next = f->vf_prev = NULL;
        f->vf = NULL;
}

const sim_vf_config *sim_vf_get_config(const sim_vf *vf) {
        return vf ? &vf->config : NULL;
}

/* hisi_acc_vfio_pci_probe(): migration ops for a VF whose PF's host driver has a QM >= V3. */
bool sim_vf_has_migration(const sim_vf *vf) {
        return vf && vf->config.pf_driver_bound && vf->config.qm_version >= QM_HW_V3;
}

hisi_mig_state sim_vf_get_state(const sim_vf *vf) {
        return vf ? vf->mig_state : _HISI_MIG_STATE_INVALID;
}

const hisi_mig_path *sim_vf_last_path(const sim_vf *vf) {
        return vf ? &vf->last_path : NULL;
}

bool sim_vf_is_open(const sim_vf *vf) {
        return vf && vf->open;
}

bool sim_vf_reset_restores(const sim_vf *vf) {
        return vf && (!sim_profile_has_precopy(vf->config.profile) || vf->config.reset_fix);
}

/* A function reset through pci_reset_function() and friends: the hardware loses the guest's
 * registers, and the PCI core calls the driver's reset_done, hisi_acc_vf_pci_aer_reset_done():
 * it runs hisi_acc_vf_reset() only where the migration flags are STOP_COPY alone (6.1), or with
 * 8be14dd48dfe, which tests for migration ops instead. */
void sim_vf_function_reset(sim_vf *vf) {
        if (!vf)
                return;
        sim_guest_wipe(&vf->guest);
        if (sim_vf_has_migration(vf) && sim_vf_reset_restores(vf)) {
                vf->vf_qm_state = HISI_QM_NOT_READY;
                vf->mig_state = HISI_MIG_STATE_RUNNING;
                disable_fds(vf);
        }
        reset_last_path(vf);
}

void sim_vf_probe(sim_vf *vf) {
        if (!vf)
                return;
        /* Unbinding closed the device; be safe. */
        sim_vf_close_device(vf);
        disable_fds(vf);
        vf->mig_state = HISI_MIG_STATE_RUNNING;
        vf->vf_qm_state = HISI_QM_NOT_READY;
        vf->match_done = false;
        vf->pm_engaged = false;
        reset_last_path(vf);
}

/* hisi_acc_vfio_pci_open_device() */
int sim_vf_open_device(sim_vf *vf) {
        if (!vf)
                return -EINVAL;
        if (vf->open)
                return -EBUSY;
        /* vfio_pci_core_enable() calls pci_try_reset_function(). */
        sim_vf_function_reset(vf);
        vf->mig_state = HISI_MIG_STATE_RUNNING;
        /* 8c6ac1730a97, of the same series as the reset fix. */
        if (vf->config.reset_fix)
                vf->match_done = false;
        vf->pm_engaged = false;
        vf->open = true;
        reset_last_path(vf);
        return 0;
}

/* hisi_acc_vfio_pci_close_device() */
void sim_vf_close_device(sim_vf *vf) {
        if (!vf || !vf->open)
                return;
        /* "bugfix the problem of uninstalling driver" (6.16): close disables the files first;
         * before, they outlive the close. */
        if (sim_profile_close_disables_fds(vf->config.profile))
                disable_fds(vf);
        /* vfio_pci_core_disable() resets with __pci_reset_function_locked(), which does not call
         * reset_done: the registers go, mig_state and vf_qm_state stay. */
        sim_guest_wipe(&vf->guest);
        vf->pm_engaged = false;
        vf->open = false;
}

int sim_vf_reset(sim_vf *vf) {
        if (!vf || !vf->open)
                return -EINVAL;
        sim_vf_function_reset(vf);
        return 0;
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
        if (!guest_ready(vf)) {
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
                disable_fds(vf);
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
                disable_fds(vf);
                return 0;
        }
        if (cur == HISI_MIG_STATE_PRE_COPY && next == HISI_MIG_STATE_RUNNING) {
                disable_fds(vf);
                return 0;
        }
        if (cur == HISI_MIG_STATE_STOP && next == HISI_MIG_STATE_RUNNING)
                return 0; /* hisi_acc_vf_start_device(): IFC init and SQ doorbells if READY */

        /* The kernel WARNs: vfio_mig_get_next_state() never yields another arc for hisi. */
        return -EINVAL;
}

/* hisi_acc_vfio_pci_set_device_state(): arc by arc until target is reached. hisi never enters
 * ERROR: a failed arc leaves the state at the last arc that worked. */
static int set_state(sim_vf *vf, uint32_t target, sim_migf **ret_file) {
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

/* ---- VFIO_DEVICE_FEATURE ---- */

/* vfio_check_feature(): < 0 an error, 0 a PROBE that succeeded, 1 go on. */
static int check_feature(uint32_t flags, size_t argsz, uint32_t supported, size_t minsz) {
        if ((flags & (HISI_VFIO_DEVICE_FEATURE_GET | HISI_VFIO_DEVICE_FEATURE_SET)) & ~supported)
                return -EINVAL;
        if (flags & HISI_VFIO_DEVICE_FEATURE_PROBE)
                return 0;
        if (!(flags & (HISI_VFIO_DEVICE_FEATURE_GET | HISI_VFIO_DEVICE_FEATURE_SET)))
                return -EINVAL;
        if (argsz < minsz)
                return -EINVAL;
        return 1;
}

/* The payload as the core copies it from or to user memory: what lies beyond the caller's
 * buffer is not there (-EFAULT). */
static int payload_get(const uint8_t *payload, size_t avail, void *dst, size_t size) {
        if (avail < size)
                return -EFAULT;
        memcpy(dst, payload, size);
        return 0;
}

static int payload_put(uint8_t *payload, size_t avail, const void *src, size_t size) {
        if (avail < size)
                return -EFAULT;
        memcpy(payload, src, size);
        return 0;
}

/* vfio_ioctl_device_feature_migration() */
static int feature_migration(sim_vf *vf, uint32_t flags, uint8_t *payload, size_t argsz,
                             size_t avail) {
        hisi_vfio_feature_migration mig = { .flags = vf->mig_flags };
        int r;

        if (!sim_vf_has_migration(vf))
                return -ENOTTY;
        r = check_feature(flags, argsz, HISI_VFIO_DEVICE_FEATURE_GET, sizeof(mig));
        if (r != 1)
                return r;
        return payload_put(payload, avail, &mig, sizeof(mig));
}

/* vfio_ioctl_device_feature_mig_device_state() */
static int feature_mig_state(sim_vf *vf, uint32_t flags, uint8_t *payload, size_t argsz,
                             size_t avail, sim_migf **ret_file) {
        hisi_vfio_feature_mig_state mig;
        sim_migf *f = NULL;
        int r, k;

        if (!sim_vf_has_migration(vf))
                return -ENOTTY;
        r = check_feature(flags, argsz, HISI_VFIO_DEVICE_FEATURE_GET | HISI_VFIO_DEVICE_FEATURE_SET,
                          sizeof(mig));
        if (r != 1)
                return r;
        r = payload_get(payload, avail, &mig, sizeof(mig));
        if (r < 0)
                return r;

        if (flags & HISI_VFIO_DEVICE_FEATURE_GET) {
                mig.device_state = (uint32_t)vf->mig_state;
                r = 0;
        } else {
                r = set_state(vf, mig.device_state, &f);
                if (r >= 0 && f) {
                        /* vfio_ioct_mig_return_fd(): the caller installs the fd. */
                        *ret_file = f;
                        return 0;
                }
        }

        /* Copied back on success and failure alike; device_state keeps the requested value. */
        mig.data_fd = -1;
        k = payload_put(payload, avail, &mig, sizeof(mig));
        if (r < 0)
                return r;
        if (k < 0)
                return k;
        *ret_file = NULL;
        return 0;
}

/* vfio_ioctl_device_feature_migration_data_size() */
static int feature_data_size(sim_vf *vf, uint32_t flags, uint8_t *payload, size_t argsz,
                             size_t avail) {
        hisi_vfio_feature_mig_data_size size = { .stop_copy_length = HISI_STATE_IMAGE_SIZE };
        int r;

        if (!sim_vf_has_migration(vf))
                return -ENOTTY;
        r = check_feature(flags, argsz, HISI_VFIO_DEVICE_FEATURE_GET, sizeof(size));
        if (r != 1)
                return r;
        return payload_put(payload, avail, &size, sizeof(size));
}

/* vfio_pci_core_pm_entry(), _with_wakeup() and _exit(). The runtime PM itself is not modelled:
 * only the checks and the "engaged" flag that refuses a second entry. */
static int feature_low_power(sim_vf *vf, uint32_t feature, uint32_t flags, uint8_t *payload,
                             size_t argsz, size_t avail) {
        low_power_entry_with_wakeup entry;
        int r;

        if (feature == FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP) {
                r = check_feature(flags, argsz, HISI_VFIO_DEVICE_FEATURE_SET, sizeof(entry));
                if (r != 1)
                        return r;
                r = payload_get(payload, avail, &entry, sizeof(entry));
                if (r < 0)
                        return r;
                if (entry.wakeup_eventfd < 0)
                        return -EINVAL;
                /* The model has no fd table to find an eventfd in. */
                return -EBADF;
        }

        r = check_feature(flags, argsz, HISI_VFIO_DEVICE_FEATURE_SET, 0);
        if (r != 1)
                return r;
        if (feature == FEATURE_LOW_POWER_EXIT) {
                vf->pm_engaged = false;
                return 0;
        }
        if (vf->pm_engaged)
                return -EINVAL;
        vf->pm_engaged = true;
        return 0;
}

/* vfio_ioctl_device_feature(), then vfio_pci_core_ioctl_feature() for what the core does not
 * handle itself. */
int sim_vf_feature(sim_vf *vf, void *buf, size_t buf_size, sim_migf **ret_file) {
        const uint32_t known = HISI_VFIO_DEVICE_FEATURE_MASK | HISI_VFIO_DEVICE_FEATURE_GET |
                               HISI_VFIO_DEVICE_FEATURE_SET | HISI_VFIO_DEVICE_FEATURE_PROBE;
        hisi_vfio_feature_hdr hdr;
        uint8_t *payload;
        size_t argsz, avail;
        uint32_t feature;

        if (!vf || !buf || !ret_file)
                return -EINVAL;
        reset_last_path(vf);
        /* A cdev that is not bound answers every ioctl but the bind with -EINVAL. */
        if (!vf->open)
                return -EINVAL;
        if (buf_size < sizeof(hdr))
                return -EFAULT;
        memcpy(&hdr, buf, sizeof(hdr));

        if (hdr.argsz < sizeof(hdr))
                return -EINVAL;
        if (hdr.flags & ~known)
                return -EINVAL;
        if (!(hdr.flags & HISI_VFIO_DEVICE_FEATURE_PROBE) &&
            (hdr.flags & HISI_VFIO_DEVICE_FEATURE_SET) &&
            (hdr.flags & HISI_VFIO_DEVICE_FEATURE_GET))
                return -EINVAL;

        payload = (uint8_t *)buf + sizeof(hdr);
        argsz = hdr.argsz - sizeof(hdr);
        avail = buf_size - sizeof(hdr);
        feature = hdr.flags & HISI_VFIO_DEVICE_FEATURE_MASK;

        switch (feature) {
        case HISI_VFIO_DEVICE_FEATURE_MIGRATION:
                return feature_migration(vf, hdr.flags, payload, argsz, avail);
        case HISI_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE:
                return feature_mig_state(vf, hdr.flags, payload, argsz, avail, ret_file);
        case HISI_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE:
                /* Before 6.2 the core does not know it and vfio-pci does not either. */
                if (!sim_profile_has_data_size(vf->config.profile))
                        return -ENOTTY;
                return feature_data_size(vf, hdr.flags, payload, argsz, avail);
        case FEATURE_LOW_POWER_ENTRY:
        case FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
        case FEATURE_LOW_POWER_EXIT:
                return feature_low_power(vf, feature, hdr.flags, payload, argsz, avail);
        case FEATURE_PCI_VF_TOKEN:
                /* Only a PF with SR-IOV has a VF token. */
                return -ENOTTY;
        }
        /* DMA logging (6-8): no log_ops. Everything else: vfio-pci does not know it. */
        return -ENOTTY;
}

/* ---- BAR2 ---- */

uint64_t sim_vf_bar2_size(const sim_vf *vf) {
        if (!vf)
                return 0;
        /* Without migration ops the plain vfio-pci ops expose the whole BAR. */
        if (!sim_vf_has_migration(vf) || pf_ctrl_mode(vf))
                return SIM_BAR2_SIZE;
        return SIM_BAR2_SIZE / 2;
}

static uint32_t bar2_reg(const sim_vf *vf, uint64_t offset) {
        switch (offset) {
        case QM_QUE_ISO_CFG_V:
                return vf->config.que_iso_cfg;
        case QM_VF_STATE:
                return guest_ready(vf) ? 0 : 1;
        }
        return sim_guest_reg(&vf->guest, offset);
}

/* hisi_acc_pci_rw_access_check(), then vfio_pci_bar_rw()'s own clipping to the BAR. */
ssize_t sim_vf_bar2_rw(sim_vf *vf, uint64_t offset, void *buf, size_t len, bool write) {
        uint64_t end;

        if (!vf || !vf->open)
                return -EINVAL;
        end = sim_vf_bar2_size(vf);
        if (offset >= end)
                return -EINVAL;
        len = (size_t)MIN((uint64_t)len, end - offset);
        if (len == 0)
                return 0;
        if (!buf)
                return -EFAULT;
        if (write)
                return (ssize_t)len;

        for (size_t i = 0; i < len; i++) {
                uint64_t o = offset + i;
                uint32_t reg = bar2_reg(vf, o & ~UINT64_C(3));

                ((uint8_t *)buf)[i] = (uint8_t)(reg >> (8 * (o & 3)));
        }
        return (ssize_t)len;
}

/* mmap(2)'s own checks, then hisi_acc_vfio_pci_mmap() and vfio_pci_core_mmap(): the mapping,
 * rounded up to whole pages, must lie within the region. */
int sim_vf_bar2_mmap_check(const sim_vf *vf, uint64_t offset, uint64_t len) {
        uint64_t req_len;

        if (!vf || !vf->open)
                return -EINVAL;
        if (len == 0 || offset % PAGE_SIZE_4K != 0 || len > UINT64_MAX - (PAGE_SIZE_4K - 1))
                return -EINVAL;
        req_len = (len + PAGE_SIZE_4K - 1) & ~(PAGE_SIZE_4K - 1);
        if (offset > UINT64_MAX - req_len || offset + req_len > sim_vf_bar2_size(vf))
                return -EINVAL;
        return 0;
}

/* ---- The guest ---- */

bool sim_vf_guest_tick(sim_vf *vf) {
        if (!vf || !vf->open || !vf->config.guest_driver || !state_runs(vf->mig_state))
                return false;
        if (!vf->guest.initialized)
                sim_guest_init(&vf->guest, vf->config.seed, vf->config.kind, vf->config.vf_index);
        else
                sim_guest_step(&vf->guest);
        return true;
}

void sim_vf_set_guest_driver(sim_vf *vf, bool loaded) {
        if (!vf)
                return;
        vf->config.guest_driver = loaded;
        /* A driver that loads sets the VF up; one that unloads leaves the registers. */
        if (loaded && !vf->guest.initialized)
                sim_guest_init(&vf->guest, vf->config.seed, vf->config.kind, vf->config.vf_index);
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

uint64_t sim_vf_guest_digest(const sim_vf *vf) {
        return vf ? sim_guest_digest(&vf->guest) : 0;
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
