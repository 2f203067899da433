/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hisi half of the conformance suite, its stream checks (see conformance-hisi.c): the
 * acc_vf_data stream each kernel saves, PRE_COPY's match data and PRECOPY_INFO, the save without
 * a guest driver, the compatibility check (in write() from 6.2 with -EFAULT and the bytes kept,
 * at RESUMING -> STOP before; match_done), the resume limits, and the loads that carry no state.
 */

#include <stdlib.h>
#include <string.h>

#include "conformance-hisi-internal.h"
#include "conformance-internal.h"
#include "conformance.h"
#include "macro.h"
#include "hisi/state-image.h"
#include "hisi/vfio-uapi.h"

/* --- Saving: the stream of each kernel --- */

void hx_check_save(hrun *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;
        bool v2 = hx_at_least(x, CONFORMANCE_HISI_6_16);
        uint8_t buf[IMAGE];
        hisi_state_image img;
        uint64_t eqe, aeqe;
        size_t n = 0;
        int r;

        if (hx_fresh(&why, x) && cf_set_expect(&why, x->d, ST, false, NULL) &&
            cf_set_expect(&why, x->d, SC, true, &s) && hx_read_all(&why, s, buf, sizeof(buf), &n))
                cf_expect(&why, "bytes in the STOP_COPY stream", (ssize_t)n, IMAGE);
        hx_report(x, "STOP -> STOP_COPY with a guest driver: 176 bytes, sizeof(struct acc_vf_data)",
                  &why);
        if (n != IMAGE)
                return;

        r = hisi_state_image_parse(buf, IMAGE, &img);
        cf_expect(&why, "hisi_state_image_parse", r, 0);
        hx_report(x, "the stream parses as acc_vf_data (state-image.h)", &why);
        if (r < 0)
                return;
        memcpy(x->image, buf, IMAGE);
        x->have_image = true;

        if (img.acc_magic != (v2 ? HISI_ACC_MAGIC_V2 : HISI_ACC_MAGIC_V1))
                cf_whyf(&why, "magic 0x%016llx", (unsigned long long)img.acc_magic);
        else if (v2 && (img.major_ver != 1 || img.minor_ver != 0))
                cf_whyf(&why, "version %u.%u", img.major_ver, img.minor_ver);
        hx_report(x,
                  v2 ? "the magic is V2 0xAACCFEEDDECADEDE with version 1.0 (6.16 and later)"
                     : "the magic is V1 0xCDCDCDCDFEEDAACC (before 6.16)",
                  &why);

        if (x->t->device_id && img.dev_id != x->t->device_id)
                cf_whyf(&why, "dev_id 0x%04x, the VF is 0x%04x", img.dev_id, x->t->device_id);
        else if (img.qp_num == 0 || img.qp_num > 1024)
                cf_whyf(&why, "qp_num %u", img.qp_num);
        else
                cf_expect(&why, "vf_qm_state", img.vf_qm_state, HISI_QM_READY);
        hx_report(x,
                  "the match header: dev_id the VF's device ID, qp_num 1-1024, vf_qm_state READY",
                  &why);

        /* vf_qm_state_save(): the V1 bug up to 6.15, QM_XQC_ADDR_HIGH/LOW = 2/1 from 6.16. */
        if (v2) {
                eqe = (uint64_t)img.qm_eqc_dw[2] << 32 | img.qm_eqc_dw[1];
                aeqe = (uint64_t)img.qm_aeqc_dw[2] << 32 | img.qm_aeqc_dw[1];
        } else {
                eqe = (uint64_t)img.qm_eqc_dw[1] << 32 | img.qm_eqc_dw[0];
                aeqe = (uint64_t)img.qm_aeqc_dw[1] << 32 | img.qm_aeqc_dw[0];
        }
        if (img.eqe_dma != eqe || img.aeqe_dma != aeqe)
                cf_whyf(&why, "eqe_dma 0x%llx aeqe_dma 0x%llx, expected 0x%llx 0x%llx",
                        (unsigned long long)img.eqe_dma, (unsigned long long)img.aeqe_dma,
                        (unsigned long long)eqe, (unsigned long long)aeqe);
        hx_report(x,
                  v2 ? "eqe_dma/aeqe_dma are EQC/AEQC dw[2] << 32 | dw[1] (6.16 and later)"
                     : "eqe_dma/aeqe_dma are EQC/AEQC dw[1] << 32 | dw[0] (before 6.16)",
                  &why);
}

/* --- PRE_COPY: the match data first, and the ioctl that tells how much is left --- */

bool hx_precopy_raw(char **why, hisi_migstream *s, uint32_t argsz, uint32_t flags, int want_r,
                    uint64_t want_initial) {
        hisi_vfio_precopy_info info = {
                .argsz = argsz,
                .flags = flags,
                .initial_bytes = UINT64_MAX,
                .dirty_bytes = UINT64_MAX,
        };
        int r;

        r = hisi_migstream_precopy_ioctl(s, &info);
        if (!cf_expect(why, "VFIO_MIG_GET_PRECOPY_INFO", r, want_r) || r < 0)
                return r == want_r;
        return cf_expect(why, "initial_bytes", (ssize_t)info.initial_bytes,
                         (ssize_t)want_initial) &&
               cf_expect(why, "dirty_bytes", (ssize_t)info.dirty_bytes, 0) &&
               cf_expect(why, "flags (the caller's)", info.flags, flags) &&
               cf_expect(why, "argsz (the caller's)", info.argsz, argsz);
}

void hx_check_precopy(hrun *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;
        uint8_t buf[IMAGE];
        hisi_state_image img;
        size_t n = 0;
        ssize_t k;

        if (!hx_precopy(x))
                return;
        if (hx_fresh(&why, x) && cf_set_expect(&why, x->d, PC, true, &s))
                hx_precopy_raw(&why, s, sizeof(hisi_vfio_precopy_info), 0xa5a5a5a5, 0, HEADER);
        hx_report(x,
                  "PRECOPY_INFO: initial_bytes 40, dirty_bytes 0, the caller's flags 0xa5a5a5a5 "
                  "left as they were",
                  &why);
        if (!s)
                return;

        hx_precopy_raw(&why, s, 16, 0, -EINVAL, 0);
        hx_report(x, "PRECOPY_INFO with argsz 16 refused with -EINVAL", &why);

        k = hisi_migstream_read(s, buf, 13);
        if (cf_expect(&why, "read()", k, 13))
                hx_precopy_raw(&why, s, sizeof(hisi_vfio_precopy_info), 0, 0, HEADER - 13);
        hx_report(x, "PRECOPY_INFO after 13 bytes read: initial_bytes 27 (40 - pos)", &why);

        if (hx_read_all(&why, s, buf + 13, sizeof(buf) - 13, &n) &&
            cf_expect(&why, "bytes of the PRE_COPY stream", (ssize_t)(13 + n), HEADER))
                cf_expect(&why, "read() at the end, again", hisi_migstream_read(s, buf, 1), 0);
        hx_report(x, "the PRE_COPY stream: the 40-byte match data, then read() 0 (not -ENOMSG)",
                  &why);

        if (n + 13 == HEADER) {
                int r = hisi_state_image_parse(buf, HEADER, &img);
                if (cf_expect(&why, "hisi_state_image_parse", r, 0) &&
                    cf_expect(&why, "vf_qm_state (left 0)", img.vf_qm_state, 0) && x->have_image &&
                    memcmp(buf, x->image, HEADER) != 0)
                        cf_whyf(&why, "differs from the first 40 bytes of a STOP_COPY stream");
        } else
                cf_whyf(&why, "no 40-byte header read");
        hx_report(x, "the PRE_COPY data is the match header of a STOP_COPY stream", &why);
}

/* --- No guest driver: hisi saves the match data only --- */

static bool hx_set_guest(char **why, hrun *x, bool loaded) {
        int r = x->t->set_guest_driver(x->t->userdata, loaded);

        if (r < 0)
                return cf_whyf(why, "%s the guest driver: %s", loaded ? "loading" : "unloading",
                               cf_res(r).s);
        x->no_guest = !loaded;
        return true;
}

/* vf_qm_state_save() saves the device state only when QM_VF_STATE says a guest driver set the
 * VF up; after a reset (an FLR) nothing has until the guest driver does it again. STOP keeps
 * the register as it is, so it is read there. */
void hx_check_not_ready(hrun *x) {
        _cleanup_free_ char *why = NULL;
        uint8_t buf[IMAGE];
        unsigned tries;
        int r;

        for (tries = 0; tries < 20; tries++) {
                _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
                uint32_t state = 0;
                size_t n = 0;

                if (!hx_back_to_running(&why, x) || !cf_set_expect(&why, x->d, ST, false, NULL))
                        break;
                r = hx_read_reg(x->d, QM_VF_STATE, &state);
                if (r < 0) {
                        cf_whyf(&why, "reading QM_VF_STATE: %s", cf_res(r).s);
                        break;
                }
                if (!(state & 1))
                        continue; /* the guest driver was quicker: again */
                if (cf_set_expect(&why, x->d, SC, true, &s) &&
                    hx_read_all(&why, s, buf, sizeof(buf), &n) &&
                    cf_expect(&why, "bytes in the STOP_COPY stream", (ssize_t)n, HEADER))
                        cf_expect(&why, "vf_qm_state", (ssize_t)hx_get_le(buf + OFF_VF_QM_STATE, 4),
                                  HISI_QM_NOT_READY);
                break;
        }
        if (tries == 20 && !why) {
                hx_note(x, "QM_VF_STATE was ready each time right after a reset: the save of a VF "
                           "not set up is not checked");
                return;
        }
        hx_report(x,
                  "QM_VF_STATE not ready after a reset: STOP_COPY saves the 40-byte match "
                  "data, vf_qm_state NOT_READY",
                  &why);
}

void hx_check_no_guest(hrun *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;
        uint8_t buf[IMAGE];
        uint64_t size = 0;
        size_t n = 0;
        int r;

        if (!x->t->set_guest_driver) {
                hx_note(x, "the target cannot unload the guest driver: the save without one is not "
                           "checked");
                return;
        }
        if (hx_set_guest(&why, x, false) && hx_fresh(&why, x) &&
            cf_set_expect(&why, x->d, ST, false, NULL) && cf_set_expect(&why, x->d, SC, true, &s) &&
            hx_read_all(&why, s, buf, sizeof(buf), &n) &&
            cf_expect(&why, "bytes in the STOP_COPY stream", (ssize_t)n, HEADER))
                cf_expect(&why, "vf_qm_state", (ssize_t)hx_get_le(buf + OFF_VF_QM_STATE, 4),
                          HISI_QM_NOT_READY);
        hx_report(x,
                  "no guest driver: STOP_COPY saves the 40-byte match data, vf_qm_state NOT_READY",
                  &why);
        s = hisi_migstream_close(s);

        if (hx_precopy(x)) {
                r = hisi_migdev_data_size(x->d, &size);
                if (cf_expect(&why, "GET MIG_DATA_SIZE", r, 0))
                        cf_expect(&why, "stop_copy_length", (ssize_t)size, IMAGE);
                hx_report(x, "no guest driver: MIG_DATA_SIZE still 176", &why);

                n = 0;
                if (hx_fresh(&why, x) && cf_set_expect(&why, x->d, PC, true, &s) &&
                    hx_read_all(&why, s, buf, sizeof(buf), &n) &&
                    cf_expect(&why, "bytes in PRE_COPY", (ssize_t)n, HEADER) &&
                    cf_set_expect(&why, x->d, SC, false, NULL) &&
                    hx_read_all(&why, s, buf, sizeof(buf), &n))
                        cf_expect(&why, "bytes added in STOP_COPY", (ssize_t)n, 0);
                hx_report(x, "no guest driver: PRE_COPY -> STOP_COPY adds nothing to the 40 bytes",
                          &why);
                s = hisi_migstream_close(s);
        }

        n = 0;
        if (hx_set_guest(&why, x, true) && hx_fresh(&why, x) &&
            cf_set_expect(&why, x->d, ST, false, NULL) && cf_set_expect(&why, x->d, SC, true, &s) &&
            hx_read_all(&why, s, buf, sizeof(buf), &n))
                cf_expect(&why, "bytes in the STOP_COPY stream", (ssize_t)n, IMAGE);
        hx_report(x, "the guest driver loaded again: STOP_COPY saves 176 bytes", &why);
}

/* --- The compatibility check: refusals, on a device that has passed none yet --- */

void hx_check_refusals_in_write(hrun *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;
        uint32_t dev_id = (uint32_t)hx_get_le(x->image + OFF_DEV_ID, 4);
        uint8_t bad[IMAGE];
        const struct {
                const char *name;
                unsigned offset, width;
                uint64_t value;
                conformance_hisi_kernel min, max;
        } cases[] = {
                { "a wrong qp_num refused by write() with -EFAULT", OFF_QP_NUM, 4,
                  hx_get_le(x->image + OFF_QP_NUM, 4) + 1, CONFORMANCE_HISI_6_2,
                  CONFORMANCE_HISI_6_19 },
                { "a wrong que_iso_cfg refused by write() with -EFAULT", OFF_QUE_ISO_CFG, 4,
                  hx_get_le(x->image + OFF_QUE_ISO_CFG, 4) ^ 1, CONFORMANCE_HISI_6_2,
                  CONFORMANCE_HISI_6_19 },
                { "an unknown magic refused by write() with -EFAULT", OFF_MAGIC, 8,
                  UINT64_C(0x0123456789abcdef), CONFORMANCE_HISI_6_2, CONFORMANCE_HISI_6_19 },
                { "a V2 stream refused by write() with -EFAULT (only V1 before 6.16)", OFF_MAGIC, 8,
                  HISI_ACC_MAGIC_V2, CONFORMANCE_HISI_6_2, CONFORMANCE_HISI_6_2 },
                { "a V2 stream of major version 2 refused by write() with -EFAULT", OFF_MAJOR_VER,
                  2, 2, CONFORMANCE_HISI_6_16, CONFORMANCE_HISI_6_19 },
        };

        /* A wrong dev_id, the header in two writes: the check runs once 40 bytes are in. */
        hx_image_with(x, bad, OFF_DEV_ID, 4, dev_id + 1);
        if (hx_resume_session(&why, x, &s) && hx_write_expect(&why, s, bad, HEADER - 1, HEADER - 1))
                hx_refused(&why, s, bad + HEADER - 1, 1, -EFAULT);
        hx_report(x, "a wrong dev_id: write() takes 39 bytes, then refuses the 40th with -EFAULT",
                  &why);

        if (s && hx_write_expect(&why, s, bad + HEADER, IMAGE - HEADER, -EFAULT))
                hx_write_expect(&why, s, bad, 1, -ENOMEM);
        hx_report(x,
                  "the refused bytes are kept: the next write() is refused again, one byte past "
                  "176 gives -ENOMEM",
                  &why);

        if (s)
                hx_stop_expect(&why, x, 0);
        hx_report(x,
                  "RESUMING -> STOP loads the refused stream anyway (6.2+ checks only in write())",
                  &why);
        s = hisi_migstream_close(s);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                if (x->t->kernel < cases[i].min || x->t->kernel > cases[i].max)
                        continue;
                hx_image_with(x, bad, cases[i].offset, cases[i].width, cases[i].value);
                if (cases[i].offset == OFF_MAJOR_VER || cases[i].value == HISI_ACC_MAGIC_V2) {
                        hx_put_le(bad + OFF_MAGIC, 8, HISI_ACC_MAGIC_V2);
                        if (cases[i].offset != OFF_MAJOR_VER)
                                hx_put_le(bad + OFF_MAJOR_VER, 4, 1); /* version 1.0 */
                }
                if (hx_resume_session(&why, x, &s))
                        hx_refused(&why, s, bad, HEADER, -EFAULT);
                hx_report(x, cases[i].name, &why);
                s = hisi_migstream_close(s);
        }
}

/* Before 6.2 write() takes anything up to 176 bytes and RESUMING -> STOP checks. */
void hx_check_refusals_at_load(hrun *x) {
        _cleanup_free_ char *why = NULL;
        uint8_t bad[IMAGE];
        const struct {
                const char *name;
                unsigned offset, width;
                uint64_t value;
        } cases[] = {
                { "a wrong dev_id taken by write(), refused at RESUMING -> STOP with -EINVAL "
                  "(before 6.2), still RESUMING",
                  OFF_DEV_ID, 4, hx_get_le(x->image + OFF_DEV_ID, 4) + 1 },
                { "a wrong qp_num refused at RESUMING -> STOP with -EINVAL", OFF_QP_NUM, 4,
                  hx_get_le(x->image + OFF_QP_NUM, 4) + 1 },
                { "a wrong que_iso_cfg refused at RESUMING -> STOP with -EINVAL", OFF_QUE_ISO_CFG,
                  4, hx_get_le(x->image + OFF_QUE_ISO_CFG, 4) ^ 1 },
                { "an unknown magic refused at RESUMING -> STOP with -EINVAL", OFF_MAGIC, 8,
                  UINT64_C(0x0123456789abcdef) },
                { "a V2 stream refused at RESUMING -> STOP with -EINVAL (only V1 before 6.16)",
                  OFF_MAGIC, 8, HISI_ACC_MAGIC_V2 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                hx_image_with(x, bad, cases[i].offset, cases[i].width, cases[i].value);
                if (cases[i].value == HISI_ACC_MAGIC_V2)
                        hx_put_le(bad + OFF_MAJOR_VER, 4, 1);
                hx_resume_expect(&why, x, bad, IMAGE, IMAGE, -EINVAL);
                hx_report(x, cases[i].name, &why);
        }
}

/* --- The compatibility check passed: streams that resume, and match_done --- */

void hx_check_resume(hrun *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;
        uint8_t buf[IMAGE];
        size_t n = 0;

        if (hx_at_least(x, CONFORMANCE_HISI_6_16)) {
                hx_image_with(x, buf, OFF_MAGIC, 8, HISI_ACC_MAGIC_V1);
                hx_resume_expect(&why, x, buf, IMAGE, IMAGE, 0);
                hx_report(x, "a V1 stream resumes (6.16 and later take both magics)", &why);
        }

        hx_resume_expect(&why, x, x->image, IMAGE, HEADER, 0);
        hx_report(x, "the stream in a 40-byte and a 136-byte write resumes", &why);

        /* Nothing ran since the load: the VF holds what was saved. */
        if (cf_expect_state(&why, x->d, ST) && cf_set_expect(&why, x->d, SC, true, &s) &&
            hx_read_all(&why, s, buf, sizeof(buf), &n) &&
            cf_expect(&why, "bytes saved again", (ssize_t)n, IMAGE))
                for (size_t i = 0; i < IMAGE; i++)
                        if (buf[i] != x->image[i]) {
                                cf_whyf(&why, "byte %zu is 0x%02x, was 0x%02x", i, buf[i],
                                        x->image[i]);
                                break;
                        }
        hx_report(x,
                  "a saved stream loaded back into the same VF round-trips: saved again, the same "
                  "176 bytes",
                  &why);
}

void hx_check_match_done(hrun *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;
        bool clears = x->t->reset_fix;
        uint8_t bad[IMAGE];

        hx_image_with(x, bad, OFF_DEV_ID, 4, hx_get_le(x->image + OFF_DEV_ID, 4) + 1);
        if (!hx_precopy(x)) {
                hx_resume_expect(&why, x, bad, IMAGE, IMAGE, -EINVAL);
                hx_report(x,
                          "every load checks the header (before 6.2): a wrong dev_id after a good "
                          "resume refused at RESUMING -> STOP",
                          &why);
        } else {
                if (hx_resume_session(&why, x, &s))
                        hx_write_expect(&why, s, bad, HEADER, HEADER);
                hx_report(x,
                          "once a header passed, write() checks no more (match_done, kept while "
                          "the driver is bound): a wrong dev_id is taken",
                          &why);
                s = hisi_migstream_close(s);
        }

        /* Opening the device again: RUNNING, whatever state it was closed in. */
        if (hx_fresh(&why, x) && cf_set_expect(&why, x->d, ST, false, NULL) && hx_reopen(&why, x))
                cf_expect_state(&why, x->d, RU);
        hx_report(x, "closed in STOP and opened again: RUNNING", &why);
        if (!x->d || !hx_precopy(x))
                return;

        if (hx_resume_session(&why, x, &s)) {
                if (clears)
                        hx_refused(&why, s, bad, HEADER, -EFAULT);
                else
                        hx_write_expect(&why, s, bad, HEADER, HEADER);
        }
        hx_report(x,
                  clears ? "opening the device clears match_done (the reset fix's series, "
                           "8c6ac1730a97): a wrong dev_id is refused with -EFAULT again"
                         : "opening the device keeps match_done (without the reset fix): a wrong "
                           "dev_id is still taken",
                  &why);
}

/* A VF bound to the driver again is a new device to it (vfio_alloc_device() zeroes
 * hisi_acc_vf_core_device): match_done is clear, whatever passed before. */
void hx_check_rebind(hrun *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;
        uint8_t bad[IMAGE];
        int r;

        if (!hx_precopy(x))
                return;
        if (!x->t->rebind) {
                hx_note(x, "the target cannot bind the VF again: match_done of a new binding is "
                           "not checked");
                return;
        }
        hx_image_with(x, bad, OFF_DEV_ID, 4, hx_get_le(x->image + OFF_DEV_ID, 4) + 1);
        /* A header that passes first, so that match_done is set for sure. */
        if (hx_resume_expect(&why, x, x->image, IMAGE, IMAGE, 0)) {
                x->d = hisi_migdev_close(x->d);
                r = x->t->rebind(x->t->userdata);
                if (r < 0)
                        cf_whyf(&why, "binding the VF again: %s", cf_res(r).s);
                r = hisi_migdev_open(x->ctx, x->t->backend, x->t->device, &x->d);
                if (r < 0)
                        cf_whyf(&why, "opening the device again: %s", cf_res(r).s);
                else if (!why && hx_resume_session(&why, x, &s))
                        hx_refused(&why, s, bad, HEADER, -EFAULT);
        }
        hx_report(x,
                  "bound to the driver again, the VF is a new device: a wrong dev_id is refused "
                  "with -EFAULT again",
                  &why);
}

/* --- Resume limits --- */

void hx_check_resume_limits(hrun *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;

        if (hx_resume_session(&why, x, &s) && hx_write_expect(&why, s, x->image, 100, 100) &&
            hx_write_expect(&why, s, x->image + 100, 77, -ENOMEM) &&
            hx_write_expect(&why, s, x->image + 100, 76, 76))
                hx_stop_expect(&why, x, 0);
        hx_report(x, "pos + len past 176 refused with -ENOMEM (100 + 77), pos kept: 76 more resume",
                  &why);
        s = hisi_migstream_close(s);

        if (hx_resume_session(&why, x, &s))
                hx_stop_expect(&why, x, -EINVAL);
        hx_report(x, "RESUMING -> STOP with no data refused with -EINVAL, still RESUMING", &why);
        s = hisi_migstream_close(s);

        if (hx_resume_session(&why, x, &s) && hx_write_expect(&why, s, x->image, 100, 100) &&
            hx_stop_expect(&why, x, -EINVAL) && hx_write_expect(&why, s, x->image + 100, 76, 76))
                hx_stop_expect(&why, x, 0);
        hx_report(x,
                  "RESUMING -> STOP with 100 bytes refused with -EINVAL, still RESUMING; the "
                  "stream takes the other 76 and resumes",
                  &why);
}

/* --- Loads that carry no state: last, as a simulated VF's guest goes with them --- */

void hx_check_stateless_loads(hrun *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;
        uint8_t buf[IMAGE];
        int r;

        /* A real VF keeps its QM_VF_STATE through these loads (the driver writes nothing);
         * the simulator's guest driver leaves with them (the source had none, in its reading),
         * and only the target can load it again for the checks that follow. */
        if (!x->t->set_guest_driver && x->t->backend != HISI_BACKEND_KERNEL) {
                hx_note(x, "the target cannot load the guest driver again: the loads without "
                           "state are not checked");
                return;
        }
        /* They need no full save, and a guest driver may be gone after them: wait for none. */
        x->no_guest = true;

        if (hx_resume_session(&why, x, &s) && hx_write_expect(&why, s, x->image, HEADER, HEADER) &&
            hx_stop_expect(&why, x, 0))
                cf_expect(&why, "write() on the ended session", hisi_migstream_write(s, buf, 1),
                          -ENODEV);
        hx_report(x,
                  "RESUMING -> STOP with the 40-byte match data alone: success, nothing loaded, "
                  "the session ended",
                  &why);
        s = hisi_migstream_close(s);

        if (hx_at_least(x, CONFORMANCE_HISI_6_16)) {
                hx_image_with(x, buf, OFF_SQC_DMA, 8, 0);
                hx_resume_expect(&why, x, buf, IMAGE, IMAGE, 0);
                hx_report(x,
                          "RESUMING -> STOP with a zero DMA address: success, nothing loaded "
                          "(6.16 and later)",
                          &why);
        }

        r = x->t->set_guest_driver ? x->t->set_guest_driver(x->t->userdata, true) : 0;
        x->no_guest = false;
        if (r < 0 || !hx_fresh(&why, x))
                hx_note(x, "after the loads without state, no guest driver sets the VF up again");
}
