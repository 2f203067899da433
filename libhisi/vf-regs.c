/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* HiSilicon VF registers read through the VFIO BAR2 region (see vf-regs.h). */

#include <time.h>

#include "macro.h"
#include "hisi/vf-regs.h"
#include "time-util.h"

int hisi_vf_qm_ready(hisi_migdev *d, bool *ret_ready) {
        uint8_t b[4];
        ssize_t k;

        if (!d || !ret_ready)
                return -EINVAL;
        k = hisi_migdev_region_read(d, HISI_VF_BAR2, HISI_QM_VF_STATE, b, sizeof(b));
        if (k < 0)
                return (int)k;
        if (k != sizeof(b))
                return -EIO;
        /* Little-endian like the device; only bit 0 matters. */
        *ret_ready = !(b[0] & 1);
        return 0;
}

int hisi_vf_wait_qm_ready(hisi_migdev *d, uint64_t timeout_usec) {
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;

        for (;;) {
                const struct timespec tick = { .tv_nsec = 1000 * 1000 };
                bool ready;
                int r;

                r = hisi_vf_qm_ready(d, &ready);
                if (r < 0)
                        return r;
                if (ready)
                        return 0;
                if (now_usec(CLOCK_MONOTONIC) >= deadline)
                        return -ETIMEDOUT;
                (void)nanosleep(&tick, NULL);
        }
}
