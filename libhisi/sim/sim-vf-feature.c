/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VFIO_DEVICE_FEATURE ioctl of a simulated VF (see sim-vf.h): the VFIO core's header checks
 * and its migration features (vfio_main.c), and vfio-pci's own low power features
 * (vfio_pci_core.c). The device state it sets is walked in sim-vf-migration.c.
 */

#include <errno.h>
#include <string.h>

#include "sim-vf-internal.h"

/* include/uapi/linux/vfio.h: features that vfio-pci itself serves for every device. */
#define FEATURE_PCI_VF_TOKEN                0
#define FEATURE_LOW_POWER_ENTRY             3
#define FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP 4
#define FEATURE_LOW_POWER_EXIT              5

typedef struct low_power_entry_with_wakeup {
        int32_t wakeup_eventfd;
        uint32_t reserved;
} low_power_entry_with_wakeup;

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
                r = sim_vf_set_device_state(vf, mig.device_state, &f);
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
        sim_vf_reset_last_path(vf);
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
