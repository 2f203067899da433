/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hisi half of the conformance suite, its device checks (see conformance-hisi.c): the ioctl
 * numbers, the features a VF answers, failed arcs on the facts page's paths (the device stays
 * in the state of the last arc that worked, never in ERROR), and BAR2's restriction.
 */

#include <stdlib.h>
#include <string.h>

#include "conformance-hisi-internal.h"
#include "conformance-internal.h"
#include "conformance.h"
#include "macro.h"
#include "hisi/state-image.h"
#include "hisi/vfio-uapi.h"

/* --- The uAPI numbers the kernel backend sends --- */

void hx_check_numbers(hrun *x) {
        static const struct {
                const char *name;
                unsigned long got, want;
        } numbers[] = {
                { "VFIO_DEVICE_FEATURE", HISI_VFIO_DEVICE_FEATURE, 0x3B75 },
                { "VFIO_MIG_GET_PRECOPY_INFO", HISI_VFIO_MIG_GET_PRECOPY_INFO, 0x3B79 },
                { "VFIO_DEVICE_RESET", HISI_VFIO_DEVICE_RESET, 0x3B6F },
                { "VFIO_GROUP_GET_DEVICE_FD", HISI_VFIO_GROUP_GET_DEVICE_FD, 0x3B6A },
                { "VFIO_DEVICE_BIND_IOMMUFD", HISI_VFIO_DEVICE_BIND_IOMMUFD, 0x3B76 },
                { "VFIO_DEVICE_GET_REGION_INFO", HISI_VFIO_DEVICE_GET_REGION_INFO, 0x3B6C },
        };
        _cleanup_free_ char *why = NULL;

        for (size_t i = 0; i < ELEMENTSOF(numbers); i++)
                if (numbers[i].got != numbers[i].want)
                        cf_whyf(&why, "%s is 0x%lx, expected 0x%lx", numbers[i].name,
                                numbers[i].got, numbers[i].want);
        hx_report(x,
                  "the ioctl numbers: FEATURE 0x3B75, PRECOPY_INFO 0x3B79, RESET 0x3B6F, "
                  "GET_DEVICE_FD 0x3B6A, BIND_IOMMUFD 0x3B76, GET_REGION_INFO 0x3B6C",
                  &why);
}

/* --- Feature numbers: what a hisi VF under vfio-pci answers to a PROBE --- */

void hx_check_features(hrun *x) {
#define F(x) HISI_VFIO_DEVICE_FEATURE_##x
        static const struct {
                uint32_t nr;
                const char *name;
                uint32_t dirs; /* the directions the feature takes */
                int want;
                const char *why;
        } features[] = {
                { 0, "PCI_VF_TOKEN", F(SET), -ENOTTY, "only a PF with SR-IOV has a token" },
                { 1, "MIGRATION", F(GET), 0, NULL },
                { 2, "MIG_DEVICE_STATE", F(GET) | F(SET), 0, NULL },
                { 3, "LOW_POWER_ENTRY", F(SET), 0, NULL },
                { 4, "LOW_POWER_ENTRY_WITH_WAKEUP", F(SET), 0, NULL },
                { 5, "LOW_POWER_EXIT", F(SET), 0, NULL },
                { 6, "DMA_LOGGING_START", F(SET), -ENOTTY, "no log_ops" },
                { 7, "DMA_LOGGING_STOP", F(SET), -ENOTTY, "no log_ops" },
                { 8, "DMA_LOGGING_REPORT", F(GET), -ENOTTY, "no log_ops" },
                { 9, "MIG_DATA_SIZE", F(GET), 0, NULL },
                { 10, "BUS_MASTER", F(SET), -ENOTTY, "a CDX feature" },
                { 11, "DMA_BUF", F(GET), -ENOTTY, "not before 6.19" },
        };
        for (size_t i = 0; i < ELEMENTSOF(features); i++) {
                _cleanup_free_ char *why = NULL, *name = NULL;
                hisi_vfio_feature_hdr hdr = {
                        .argsz = sizeof(hdr),
                        .flags = F(PROBE) | features[i].dirs | features[i].nr,
                };
                int want = features[i].want;
                const char *because = features[i].why;
                int r;

                if (features[i].nr == 9 && !hx_precopy(x)) {
                        want = -ENOTTY;
                        because = "not before 6.2";
                }
                if (features[i].nr == 11 && hx_at_least(x, CONFORMANCE_HISI_6_19)) {
                        hx_note(x, "feature 11 (DMA_BUF) on 6.19: not checked");
                        continue;
                }
                r = hisi_migdev_feature(x->d, &hdr, sizeof(hdr));
                cf_expect(&why, "VFIO_DEVICE_FEATURE", r, want);
                name = cf_namef("PROBE feature %u (%s): %s%s%s%s", features[i].nr, features[i].name,
                                cf_res(want).s, because ? " (" : "", because ?: "",
                                because ? ")" : "");
                hx_report(x, name ?: features[i].name, &why);
        }
#undef F
}

/* --- Failed arcs: the device stays where the last arc got it, never in ERROR --- */

typedef struct lit_path {
        hisi_mig_state s[4];
        size_t n;
} lit_path;

/* The facts page, section 2.3: the paths of more than one arc, flags STOP_COPY|PRE_COPY. */
static const lit_path paths_precopy[] = {
        { { ST, RU, PC }, 3 },     { { RU, ST, SC }, 3 },     { { RU, ST, RE }, 3 },
        { { SC, ST, RU }, 3 },     { { SC, ST, RE }, 3 },     { { RE, ST, RU }, 3 },
        { { RE, ST, SC }, 3 },     { { RE, ST, RU, PC }, 4 }, { { PC, RU, ST }, 3 },
        { { PC, RU, ST, RE }, 4 },
};

/* Flags STOP_COPY only (hisi before 6.2): every route goes through STOP. */
static const lit_path paths_stop_copy[] = {
        { { RU, ST, SC }, 3 }, { { RU, ST, RE }, 3 }, { { SC, ST, RU }, 3 },
        { { SC, ST, RE }, 3 }, { { RE, ST, RU }, 3 }, { { RE, ST, SC }, 3 },
};

static char *path_string(const hisi_mig_state *s, size_t n) {
        char *out = NULL;

        for (size_t i = 0; i < n; i++) {
                char *next = cf_namef("%s%s%s", out ?: "", i > 0 ? " -> " : "", cf_sname(s[i]));
                free(out);
                out = next;
                if (!out)
                        return NULL;
        }
        return out;
}

/* Fail arc i of the path: the request fails with its error and leaves the device in s[i]. */
static void check_failed_arc(hrun *x, const lit_path *p, size_t i) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL, *name = NULL, *walk = NULL;
        hisi_vfio_feature_mig_state st = {};
        hisi_mig_state target = p->s[p->n - 1];
        int r;

        walk = path_string(p->s, p->n);
        name = cf_namef("%s -> %s walks %s: with %s -> %s failing, -EIO and the device stays in %s",
                        cf_sname(p->s[0]), cf_sname(target), walk ?: "?", cf_sname(p->s[i]),
                        cf_sname(p->s[i + 1]), cf_sname(p->s[i]));
        if (hx_reach(&why, x, p->s[0], &s)) {
                r = x->t->fault_arc(x->t->userdata, p->s[i], p->s[i + 1], -EIO);
                if (r < 0)
                        cf_whyf(&why, "injecting the fault: %s", cf_res(r).s);
                else {
                        r = cf_set_raw(x->d, target, &st);
                        if (cf_expect(&why, "SET", r, -EIO) &&
                            cf_expect(&why, "data_fd", st.data_fd, -1) &&
                            cf_expect(&why, "device_state (the requested one)", st.device_state,
                                      target))
                                cf_expect_state(&why, x->d, p->s[i]);
                }
        }
        r = x->t->fault_clear(x->t->userdata);
        if (r < 0)
                cf_whyf(&why, "clearing the fault: %s", cf_res(r).s);
        hx_report(x, name ?: "a failed arc", &why);
}

void hx_check_faults(hrun *x) {
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_free_ char *why = NULL;
        const lit_path *paths = hx_precopy(x) ? paths_precopy : paths_stop_copy;
        size_t n = hx_precopy(x) ? ELEMENTSOF(paths_precopy) : ELEMENTSOF(paths_stop_copy);
        uint8_t buf[8];
        int r;

        if (!x->t->fault_arc || !x->t->fault_clear) {
                hx_note(x, "the target cannot fail an arc: failed arcs are checked only where the "
                           "kernel refuses (a short stream at RESUMING -> STOP)");
                return;
        }
        for (size_t i = 0; i < n; i++) {
                check_failed_arc(x, &paths[i], 0);
                check_failed_arc(x, &paths[i], paths[i].n - 2);
        }

        if (hx_precopy(x)) {
                if (hx_reach(&why, x, PC, &s) &&
                    cf_expect(&why, "read()", hisi_migstream_read(s, buf, 5), 5)) {
                        r = x->t->fault_arc(x->t->userdata, PC, SC, -EIO);
                        if (r >= 0 &&
                            cf_expect(&why, "PRE_COPY -> STOP_COPY",
                                      hisi_migdev_set_state(x->d, SC, NULL, NULL), -EIO) &&
                            cf_expect_state(&why, x->d, PC))
                                hx_precopy_raw(&why, s, sizeof(hisi_vfio_precopy_info), 0, 0,
                                               HEADER - 5);
                        (void)x->t->fault_clear(x->t->userdata);
                }
                hx_report(x,
                          "a failed PRE_COPY -> STOP_COPY leaves PRE_COPY with its session: "
                          "PRECOPY_INFO says 35 bytes left",
                          &why);
                s = hisi_migstream_close(s);
        }

        if (hx_reach(&why, x, RE, &s)) {
                r = x->t->fault_arc(x->t->userdata, RE, ST, -EIO);
                if (r >= 0 && hx_stop_expect(&why, x, -EIO) &&
                    cf_expect(&why, "a 0-byte write()", hisi_migstream_write(s, buf, 0), 0)) {
                        (void)x->t->fault_clear(x->t->userdata);
                        hx_stop_expect(&why, x, 0);
                }
                (void)x->t->fault_clear(x->t->userdata);
        }
        hx_report(x,
                  "a failed RESUMING -> STOP leaves RESUMING with its session; the next try loads",
                  &why);
}

/* --- A reset from outside (an FLR): what reset_done() does depends on the kernel --- */

/*
 * hisi_acc_vf_pci_aer_reset_done() returns at once unless the migration flags are STOP_COPY
 * alone: 6.1 resets (RUNNING, the files disabled), 6.2 to 6.19 as released change nothing of the
 * migration state, and with the reset fix (8be14dd48dfe, which tests for migration ops) 6.2+
 * resets as 6.1 does. Closing the device and opening it again returns RUNNING either way.
 */
void hx_check_function_reset(hrun *x) {
        static const hisi_mig_state states[] = { SC, RE, PC };
        bool restores = hx_reset_restores(x);

        if (!x->t->function_reset) {
                hx_note(x, "the target cannot reset the VF from outside: only VFIO_DEVICE_RESET "
                           "is checked");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(states); i++) {
                _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
                _cleanup_free_ char *why = NULL, *name = NULL;
                uint8_t byte = 0;
                ssize_t io;
                int r;

                if (states[i] == PC && !hx_precopy(x))
                        continue;
                if (hx_reach(&why, x, states[i], &s)) {
                        r = x->t->function_reset(x->t->userdata);
                        if (r < 0)
                                cf_whyf(&why, "resetting the VF: %s", cf_res(r).s);
                        else if (cf_expect_state(&why, x->d, restores ? RU : states[i])) {
                                /* The resuming stream is full: a write of nothing still meets
                                 * the disabled check. */
                                io = states[i] == RE ? hisi_migstream_write(s, &byte, 0)
                                                     : hisi_migstream_read(s, &byte, 1);
                                cf_expect(&why, "I/O on the session", io,
                                          restores          ? -ENODEV
                                          : states[i] == RE ? 0
                                                            : 1);
                        }
                }
                if (restores)
                        name = cf_namef("a function reset in %s (an FLR): RUNNING, the session "
                                        "disabled",
                                        cf_sname(states[i]));
                else
                        name = cf_namef("a function reset in %s (an FLR) changes nothing without "
                                        "the reset fix: still %s, the session usable",
                                        cf_sname(states[i]), cf_sname(states[i]));
                hx_report(x, name ?: "a function reset", &why);

                /* The way out that works on every kernel. */
                if (hx_reopen(&why, x))
                        cf_expect_state(&why, x->d, RU);
                free(name);
                name = cf_namef("after a function reset in %s, closed and opened again: RUNNING",
                                cf_sname(states[i]));
                hx_report(x, name ?: "closed and opened again", &why);
                if (!x->d)
                        return;
        }
}

/* --- BAR2: the migration registers kept from the user --- */

void hx_check_bar2(hrun *x) {
        _cleanup_free_ char *why = NULL;
        const uint64_t size = x->t->pf_ctrl ? BAR2_LEN : BAR2_LEN / 2;
        hisi_region_info info = {};
        uint8_t buf[8] = {};
        ssize_t k;
        int r;

        r = hisi_migdev_region_info(x->d, BAR2, &info);
        if (cf_expect(&why, "GET_REGION_INFO", r, 0) &&
            cf_expect(&why, "size", (ssize_t)info.size, (ssize_t)size) &&
            cf_expect(&why, "flags", info.flags,
                      HISI_VFIO_REGION_INFO_FLAG_READ | HISI_VFIO_REGION_INFO_FLAG_WRITE |
                              HISI_VFIO_REGION_INFO_FLAG_MMAP))
                cf_expect(&why, "offset", (ssize_t)info.offset, (ssize_t)UINT64_C(2) << 40);
        hx_report(x,
                  x->t->pf_ctrl ? "GET_REGION_INFO(BAR2): the whole 64 KiB (PF-controlled, 6.19), "
                                  "READ|WRITE|MMAP, at 2 << 40"
                                : "GET_REGION_INFO(BAR2): 32 KiB, the migration half hidden, "
                                  "READ|WRITE|MMAP, at 2 << 40",
                  &why);

        k = hisi_migdev_region_read(x->d, BAR2, 0, buf, 4);
        if (cf_expect(&why, "read() at 0", k, 4)) {
                k = hisi_migdev_region_read(x->d, BAR2, size - 4, buf, 8);
                cf_expect(&why, "read() of 8 bytes 4 before the end", k, 4);
        }
        hx_report(x, "BAR2: a read within the region; one crossing its end clipped to 4 bytes",
                  &why);

        k = hisi_migdev_region_read(x->d, BAR2, size, buf, 4);
        if (cf_expect(&why, "read() at the end", k, -EINVAL) && !x->t->pf_ctrl) {
                k = hisi_migdev_region_read(x->d, BAR2, 0x8000 + QM_VF_STATE, buf, 4);
                cf_expect(&why, "read() of a migration register", k, -EINVAL);
        }
        hx_report(x,
                  x->t->pf_ctrl ? "BAR2: a read at 64 KiB refused with -EINVAL"
                                : "BAR2: a read at the half or in the migration registers refused "
                                  "with -EINVAL",
                  &why);

        /* The register's own value written back: a clipped write changes nothing. */
        k = hisi_migdev_region_write(x->d, BAR2, size, buf, 4);
        if (cf_expect(&why, "write() at the end", k, -EINVAL) &&
            cf_expect(&why, "read() of the last register",
                      hisi_migdev_region_read(x->d, BAR2, size - 4, buf, 4), 4)) {
                memset(buf + 4, 0, 4);
                k = hisi_migdev_region_write(x->d, BAR2, size - 4, buf, 8);
                cf_expect(&why, "write() of 8 bytes 4 before the end", k, 4);
        }
        hx_report(x, "BAR2: a write at the end refused with -EINVAL, one crossing it clipped",
                  &why);

        r = hisi_migdev_region_info(x->d, HISI_VFIO_PCI_NUM_REGIONS, &info);
        cf_expect(&why, "GET_REGION_INFO", r, -EINVAL);
        hx_report(x, "GET_REGION_INFO of index 9 (no such region) refused with -EINVAL", &why);
}
