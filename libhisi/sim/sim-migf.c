/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A simulated VF's migration file (see sim-migf.h): the read, write and precopy ioctl of the
 * hisi driver's saving and resuming files, with the VFS checks that come before them (a read on
 * an O_WRONLY file is -EBADF, an ioctl on a file without one -ENOTTY). The stream is the bytes
 * of the kernel's struct acc_vf_data; the file's position and total_length are the kernel's
 * f_pos and total_length, and move the same way.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hisi/mig-state.h"
#include "sim-vf-internal.h"

int sim_migf_new(sim_vf *vf, bool saving, sim_migf **ret) {
        sim_migf *f;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->n_ref = 1;
        f->saving = saving;
        f->precopy_ioctl = saving && sim_profile_has_precopy(sim_vf_get_config(vf)->profile);
        f->vf = vf;
        sim_vf_attach_file(vf, f);
        *ret = f;
        return 0;
}

void sim_migf_disable(sim_migf *f) {
        f->disabled = true;
        f->total = 0;
        f->pos = 0;
}

sim_migf *sim_migf_ref(sim_migf *f) {
        if (f)
                f->n_ref++;
        return f;
}

sim_migf *sim_migf_unref(sim_migf *f) {
        if (!f || --f->n_ref > 0)
                return NULL;
        /* hisi_acc_vf_release_file(): the last reference is gone. */
        if (f->vf)
                sim_vf_detach_file(f->vf, f);
        free(f);
        return NULL;
}

bool sim_migf_is_saving(const sim_migf *f) {
        return f && f->saving;
}

bool sim_migf_is_disabled(const sim_migf *f) {
        return !f || f->disabled;
}

/* hisi_acc_vf_save_read() */
ssize_t sim_migf_read(sim_migf *f, void *buf, size_t n) {
        size_t len;

        if (!f)
                return -EINVAL;
        if (!f->saving)
                return -EBADF; /* vfs_read(): the resuming file is O_WRONLY */
        if (f->pos > f->total)
                return -EINVAL;
        if (f->disabled)
                return -ENODEV;

        len = MIN(n, f->total - f->pos);
        if (len == 0)
                return 0;
        if (!buf)
                return -EFAULT;
        memcpy(buf, f->data + f->pos, len);
        if (f->corrupt && f->corrupt_offset >= f->pos && f->corrupt_offset < f->pos + len)
                ((uint8_t *)buf)[f->corrupt_offset - f->pos] ^= 0xff;
        f->pos += len;
        return (ssize_t)len;
}

/* hisi_acc_vf_resume_write() */
ssize_t sim_migf_write(sim_migf *f, const void *buf, size_t n) {
        if (!f)
                return -EINVAL;
        if (f->saving)
                return -EBADF; /* vfs_write(): the saving file is O_RDONLY */
        /* Checked before the file is locked, so before "disabled": pos never passes 176. */
        if (n > HISI_STATE_IMAGE_SIZE - f->pos)
                return -ENOMEM;
        if (f->disabled)
                return -ENODEV;
        if (n > 0 && !buf)
                return -EFAULT;

        if (n > 0)
                memcpy(f->data + f->pos, buf, n);
        f->pos += n;
        f->total += n;
        /* The bytes stay written even when the check fails: only the return value says so. */
        if (f->vf && sim_vf_resume_check(f->vf, f) < 0)
                return -EFAULT;
        return (ssize_t)n;
}

/* hisi_acc_vf_precopy_ioctl() */
int sim_migf_precopy_info(sim_migf *f, hisi_vfio_precopy_info *info) {
        if (!f)
                return -EINVAL;
        if (!f->precopy_ioctl)
                return -ENOTTY; /* a resuming file, or a 6.1 saving file: no unlocked_ioctl */
        if (!info)
                return -EFAULT;
        if (info->argsz < sizeof(*info))
                return -EINVAL;
        /* The device's state first (under its state_mutex), then the file. A VF that went away
         * has no state to look at. */
        if (!f->vf)
                return -ENODEV;
        if (sim_vf_get_state(f->vf) != HISI_MIG_STATE_PRE_COPY)
                return -EINVAL;
        if (f->disabled)
                return -ENODEV;
        if (f->pos > f->total)
                return -EINVAL;

        info->dirty_bytes = 0;
        info->initial_bytes = f->total - f->pos;
        return 0;
}
