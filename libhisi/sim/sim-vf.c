/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One simulated VF (see sim-vf.h): the object, its files' list, open, close, probe and the
 * function reset (vfio_pci_core.c, hisi_acc_vfio_pci.c), BAR2, and the guest that runs on it.
 * The migration state machine, save, load and fault injection are in sim-vf-migration.c, the
 * VFIO_DEVICE_FEATURE ioctl in sim-vf-feature.c, the saving and resuming files in sim-migf.c,
 * the guest's registers in sim-guest.c. The kernel functions each part models are named above
 * it.
 */

#include <errno.h>
#include <stdlib.h>

#include "sim-vf-internal.h"

#define QM_HW_V3          0x30
#define QM_VF_STATE       0x60 /* bit 0 set: the guest driver has not set the VF up */
#define QM_QUE_ISO_CFG_V  0x30
#define QM_VFT_QP_NUM_MAX 1024   /* 10-bit field, plus one */
#define QM_VFT_BASE_MAX   0xffff /* 16-bit field */
#define PAGE_SIZE_4K      UINT64_C(4096)

static bool pf_ctrl_mode(const sim_vf *vf) {
        return sim_profile_pf_ctrl_bar(vf->config.profile) && vf->config.qm_version > QM_HW_V3;
}

void sim_vf_reset_last_path(sim_vf *vf) {
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
        sim_vf_reset_last_path(vf);
        if (config->guest_driver)
                sim_guest_init(&vf->guest, config->seed, config->kind, config->vf_index);

        *ret = vf;
        return 0;
}

/* hisi_acc_vf_disable_fds(): end both sessions and drop the driver's references. */
void sim_vf_disable_fds(sim_vf *vf) {
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
        sim_vf_disable_fds(vf);
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
                sim_vf_disable_fds(vf);
        }
        sim_vf_reset_last_path(vf);
}

void sim_vf_probe(sim_vf *vf) {
        if (!vf)
                return;
        /* Unbinding closed the device; be safe. */
        sim_vf_close_device(vf);
        sim_vf_disable_fds(vf);
        vf->mig_state = HISI_MIG_STATE_RUNNING;
        vf->vf_qm_state = HISI_QM_NOT_READY;
        vf->match_done = false;
        vf->pm_engaged = false;
        sim_vf_reset_last_path(vf);
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
        sim_vf_reset_last_path(vf);
        return 0;
}

/* hisi_acc_vfio_pci_close_device() */
void sim_vf_close_device(sim_vf *vf) {
        if (!vf || !vf->open)
                return;
        /* "bugfix the problem of uninstalling driver" (6.16): close disables the files first;
         * before, they outlive the close. */
        if (sim_profile_close_disables_fds(vf->config.profile))
                sim_vf_disable_fds(vf);
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
                return sim_vf_guest_ready(vf) ? 0 : 1;
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

uint64_t sim_vf_guest_digest(const sim_vf *vf) {
        return vf ? sim_guest_digest(&vf->guest) : 0;
}
