/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared helpers of the simulated VF's unit tests (test-sim-vf*.c, test-sim-migf.c). */
#pragma once

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "hisi/mig-state.h"
#include "sim-guest.h"
#include "sim-migf.h"
#include "sim-profile.h"
#include "sim-vf.h"
#include "hisi/state-image.h"
#include "hisi/vfio-uapi.h"

#define ST HISI_MIG_STATE_STOP
#define RU HISI_MIG_STATE_RUNNING
#define SC HISI_MIG_STATE_STOP_COPY
#define RE HISI_MIG_STATE_RESUMING
#define RP HISI_MIG_STATE_RUNNING_P2P
#define PC HISI_MIG_STATE_PRE_COPY
#define PP HISI_MIG_STATE_PRE_COPY_P2P
#define ER HISI_MIG_STATE_ERROR

#define F_GET   HISI_VFIO_DEVICE_FEATURE_GET
#define F_SET   HISI_VFIO_DEVICE_FEATURE_SET
#define F_PROBE HISI_VFIO_DEVICE_FEATURE_PROBE

#define FEAT_MIGRATION 1
#define FEAT_STATE     2
#define FEAT_LP_ENTRY  3
#define FEAT_LP_WAKEUP 4
#define FEAT_LP_EXIT   5
#define FEAT_DATA_SIZE 9

#define ZIP_VF_ID 0xa251
#define SEC_VF_ID 0xa256

#define NPROFILES 4
extern const sim_profile all_profiles[NPROFILES];
/* Shows that an output parameter was left alone. */
extern char sentinel_storage;
#define SENTINEL ((sim_migf *)(void *)&sentinel_storage)

/* A test that runs once per kernel profile, _i indexing all_profiles. */
#define add_profile_test(tc, fn) tcase_add_loop_test(tc, fn, 0, NPROFILES)

sim_vf_config base_config(sim_profile p);
sim_vf *new_open_vf(const sim_vf_config *c);
sim_vf *open_vf(sim_profile p);
/* Close and open again: RUNNING whatever the kernel does on a reset. */
void restart(sim_vf *vf);
void tick(sim_vf *vf, unsigned n);
int feature_argsz(sim_vf *vf, uint32_t flags, uint32_t argsz, void *payload, size_t size,
                  sim_migf **ret);
int feature(sim_vf *vf, uint32_t flags, void *payload, size_t size, sim_migf **ret);
int set_state(sim_vf *vf, uint32_t state, sim_migf **ret_file);
hisi_mig_state get_state(sim_vf *vf);
ssize_t read_all(sim_migf *f, uint8_t *buf, size_t cap, size_t chunk);
size_t save_stream(sim_vf *vf, uint8_t out[HISI_STATE_IMAGE_SIZE]);
int load_stream(sim_vf *vf, const uint8_t *data, size_t n, size_t chunk);
/* A whole stream the compatibility check refuses, resumed: write() refuses it from 6.2
 * (-EFAULT); before, it is taken and RESUMING -> STOP refuses it (-EINVAL). */
void resume_refused(sim_vf *vf, const uint8_t data[HISI_STATE_IMAGE_SIZE]);
void parse_full(const uint8_t *data, size_t n, hisi_state_image *img);
uint64_t image_digest(const hisi_state_image *img);
hisi_state_image good_image(uint64_t magic);
