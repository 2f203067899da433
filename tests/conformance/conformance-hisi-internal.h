/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the files of the hisi half of the conformance suite share (conformance-hisi.c and its
 * -stream.c and -device.c): one run's state, the steps the checks are made of, each noting its
 * first failure in a "why" string (conformance-internal.h), and the checks. Internal.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conformance-internal.h"
#include "conformance.h"
#include "hisi/state-image.h"
#include "hisi/vfio-uapi.h"

#define IMAGE  HISI_STATE_IMAGE_SIZE /* sizeof(struct acc_vf_data) */
#define HEADER HISI_STATE_MATCH_SIZE /* QM_MATCH_SIZE */

/* struct acc_vf_data, byte offsets (hisi_acc_vfio_pci.h) */
#define OFF_MAGIC       0
#define OFF_QP_NUM      8
#define OFF_DEV_ID      12
#define OFF_QUE_ISO_CFG 16
#define OFF_VF_QM_STATE 24
#define OFF_MAJOR_VER   28
#define OFF_SQC_DMA     160

#define BAR2        HISI_VFIO_PCI_BAR2_REGION_INDEX
#define BAR2_LEN    0x10000 /* the VF's BAR2 */
#define QM_VF_STATE 0x60    /* bit 0 set: no guest driver has set the VF up */

/* One run of the hisi half. */
typedef struct hrun {
        conformance *c;
        const conformance_hisi_target *t;
        hisi_ctx *ctx;
        hisi_migdev *d;
        bool no_guest; /* no guest driver to wait for: unloaded, or gone with an empty load */
        uint8_t image[IMAGE]; /* a whole STOP_COPY stream of this VF */
        bool have_image;
} hrun;

static inline bool hx_at_least(hrun *x, conformance_hisi_kernel k) {
        return x->t->kernel >= k;
}

/* PRE_COPY, PRECOPY_INFO, MIG_DATA_SIZE, the header checked in write(): 6.2 and later. */
static inline bool hx_precopy(hrun *x) {
        return hx_at_least(x, CONFORMANCE_HISI_6_2);
}

void hx_report(hrun *x, const char *name, char **why);
void hx_note(hrun *x, const char *what);
uint64_t hx_get_le(const uint8_t *p, unsigned width);
/* A 32-bit register of BAR2. */
int hx_read_reg(hisi_migdev *d, uint64_t offset, uint32_t *ret);
void hx_put_le(uint8_t *p, unsigned width, uint64_t v);

/* Whether a reset puts the VF back to RUNNING here: 6.1, or the reset fix. */
bool hx_reset_restores(hrun *x);
/* Close the device and open it again. */
bool hx_reopen(char **why, hrun *x);
/* Back to RUNNING with no session: a reset where it restores, else close and open again. */
bool hx_back_to_running(char **why, hrun *x);
/* Back to RUNNING; and, unless the guest driver is unloaded, the VF set up again. */
bool hx_fresh(char **why, hrun *x);
/* Read a saving stream to its end (read() 0): the byte count in *ret_n. */
bool hx_read_all(char **why, hisi_migstream *s, uint8_t *buf, size_t cap, size_t *ret_n);
/* Write n bytes in one write() and expect want back. */
bool hx_write_expect(char **why, hisi_migstream *s, const uint8_t *buf, size_t n, ssize_t want);
/* The same, for the first header check: a failure says what may explain it. */
bool hx_refused(char **why, hisi_migstream *s, const uint8_t *buf, size_t n, ssize_t want);
/* From a fresh device, STOP -> RESUMING. */
bool hx_resume_session(char **why, hrun *x, hisi_migstream **ret);
/* RESUMING -> STOP, expecting error (0: success); after a failure the device is still in
 * RESUMING, having walked nothing. */
bool hx_stop_expect(char **why, hrun *x, int error);
/* Resume buf (n bytes, in writes of chunk), expecting RESUMING -> STOP to give error. */
bool hx_resume_expect(char **why, hrun *x, const uint8_t *buf, size_t n, size_t chunk, int error);
/* From a fresh device, reach state; RESUMING gets the reference stream written. */
bool hx_reach(char **why, hrun *x, hisi_mig_state state, hisi_migstream **ret);
/* The reference stream with the little-endian field at offset set to v. */
void hx_image_with(hrun *x, uint8_t out[IMAGE], unsigned offset, unsigned width, uint64_t v);
/* The raw PRECOPY_INFO with argsz and flags: want_r, and on success initial_bytes, dirty 0,
 * flags and argsz as given. */
bool hx_precopy_raw(char **why, hisi_migstream *s, uint32_t argsz, uint32_t flags, int want_r,
                    uint64_t want_initial);

/* conformance-hisi-device.c */
void hx_check_numbers(hrun *x);
void hx_check_features(hrun *x);
void hx_check_faults(hrun *x);
void hx_check_function_reset(hrun *x);
void hx_check_bar2(hrun *x);

/* conformance-hisi-stream.c */
void hx_check_save(hrun *x);
void hx_check_precopy(hrun *x);
void hx_check_not_ready(hrun *x);
void hx_check_no_guest(hrun *x);
void hx_check_rebind(hrun *x);
void hx_check_refusals_in_write(hrun *x);
void hx_check_refusals_at_load(hrun *x);
void hx_check_resume(hrun *x);
void hx_check_match_done(hrun *x);
void hx_check_resume_limits(hrun *x);
void hx_check_stateless_loads(hrun *x);
