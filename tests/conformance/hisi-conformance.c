/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-conformance: the conformance suite on a HiSilicon accelerator VF, simulated or real.
 *
 *   hisi-conformance [--backend sim|kernel] [--device VF] [--profile 6.1|6.2|6.16|6.19]
 *                    [--reset-fix yes|no] [--sim-dir DIR]
 *
 * Checks how the VF is bound (sysfs), then runs the hisi half of the suite (first: it needs a VF
 * on which no header check has passed since it was bound) and the generic half, one line per
 * check, and the summary line "N passed, M failed". Exit 0 when everything passed, 1 when
 * something failed, 77 when there is nothing to check here (no HiSilicon VF bound to
 * hisi_acc_vfio_pci, no permission to open it, no guest driver that set it up), 2 for a usage
 * error. Without --device the first VF bound to hisi_acc_vfio_pci is taken; without --profile
 * the kernel behaviour is worked out from the device, and without --reset-fix whether a reset
 * puts the VF back to RUNNING (the 2026 fix of hisi_acc_vfio_pci's reset_done) too. With
 * --sim-dir (a hisi-accsim host's
 * directory) the suite may unload the VF's guest driver and fail arcs through the host's control
 * socket; without it those checks are left out.
 */

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "conformance.h"
#include "errno-name.h"
#include "file-util.h"
#include "hisi/kind.h"
#include "macro.h"
#include "parse-util.h"
#include "hisi/pci-bind.h"
#include "hisi/pci-device.h"
#include "hisi/state-image.h"
#include "hisi/vfio-uapi.h"

#define EXIT_SKIP   77
#define EXIT_USAGE  2
#define CTL_MSG_MAX (256 * 1024)
#define QM_HW_V3    0x30

#define BIND_TIMEOUT_USEC (UINT64_C(10) * 1000 * 1000)

static hisi_backend arg_backend = HISI_BACKEND_KERNEL;
static const char *arg_device = NULL;
static conformance_hisi_kernel arg_profile = _CONFORMANCE_HISI_KERNEL_INVALID;
static const char *arg_sim_dir = NULL;
static int arg_reset_fix = -1; /* -1: from the device */

static void help(void) {
        printf("Usage: hisi-conformance [OPTIONS]\n"
               "\n"
               "The migration conformance suite on a HiSilicon accelerator VF bound to\n"
               "hisi_acc_vfio_pci: the generic VFIO migration v2 checks and hisi's own.\n"
               "\n"
               "Options:\n"
               "  -b, --backend=NAME   kernel (default) or sim (a hisi-accsim host)\n"
               "  -d, --device=VF      The VF's PCI address (default: the first bound one)\n"
               "  -p, --profile=KERNEL 6.1, 6.2, 6.16 or 6.19 (default: from the device)\n"
               "  -r, --reset-fix=BOOL Whether a reset returns the VF to RUNNING (upstream\n"
               "                       8be14dd48dfe; default: from the device)\n"
               "  -s, --sim-dir=DIR    The hisi-accsim host's directory: guest driver and faults\n"
               "  -h, --help           Show this help\n"
               "\n"
               "Exit status: 0 passed, 1 failed, 77 nothing to check here, 2 usage.\n");
}

/* --- The simulated host's control socket: the optional capabilities --- */

/* What the capabilities need: the VF, and a simulated host's directory. */
typedef struct caps {
        hisi_ctx *ctx;
        const char *dir;
        const char *device;
} caps;

/* One request; 0 when the host says ok, else its error. */
static int ctl_call(const caps *ctl, json_object *req) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
        json_object *reply, *ok, *err;
        ssize_t n;
        int r;

        if (asprintf_safe(&path, "%s/ctl.sock", ctl->dir) < 0)
                return -ENOMEM;
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return negative_errno();
        if (send(fd, text, strlen(text), MSG_NOSIGNAL) < 0)
                return negative_errno();
        buf = malloc(CTL_MSG_MAX + 1);
        if (!buf)
                return -ENOMEM;
        n = recv(fd, buf, CTL_MSG_MAX, 0);
        if (n <= 0)
                return n < 0 ? negative_errno() : -ECONNRESET;
        buf[n] = '\0';
        reply = json_tokener_parse(buf);
        if (!reply || !json_object_object_get_ex(reply, "ok", &ok)) {
                json_object_put(reply);
                return -EBADMSG;
        }
        r = 0;
        if (!json_object_get_boolean(ok)) {
                r = -EIO;
                if (json_object_object_get_ex(reply, "error", &err))
                        for (int e = 1; e < 200; e++)
                                if (streq(errno_to_name(-e) ?: "", json_object_get_string(err)))
                                        r = -e;
        }
        json_object_put(reply);
        return r;
}

static json_object *ctl_request(const caps *ctl, const char *cmd) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "cmd", json_object_new_string(cmd));
        json_object_object_add(o, "device", json_object_new_string(ctl->device));
        return o;
}

static int ctl_guest(void *userdata, bool loaded) {
        json_object *req = ctl_request(userdata, "guest");
        int r;

        json_object_object_add(req, "driver", json_object_new_boolean(loaded));
        r = ctl_call(userdata, req);
        json_object_put(req);
        return r;
}

static int ctl_fault_arc(void *userdata, hisi_mig_state from, hisi_mig_state to, int error) {
        json_object *req = ctl_request(userdata, "fault");
        int r;

        json_object_object_add(req, "type", json_object_new_string("arc"));
        json_object_object_add(req, "from", json_object_new_string(hisi_mig_state_to_string(from)));
        json_object_object_add(req, "to", json_object_new_string(hisi_mig_state_to_string(to)));
        json_object_object_add(req, "errno", json_object_new_int(-error));
        json_object_object_add(req, "once", json_object_new_boolean(true));
        r = ctl_call(userdata, req);
        json_object_put(req);
        return r;
}

static int ctl_fault_clear(void *userdata) {
        json_object *req = ctl_request(userdata, "fault");
        int r;

        json_object_object_add(req, "type", json_object_new_string("clear"));
        r = ctl_call(userdata, req);
        json_object_put(req);
        return r;
}

static int ctl_reset(void *userdata) {
        json_object *req = ctl_request(userdata, "reset");
        int r = ctl_call(userdata, req);

        json_object_put(req);
        return r;
}

/* A real host: the PCI core's reset attribute, which resets the function as an FLR does. */
static int sysfs_reset(void *userdata) {
        const caps *ctl = userdata;
        _cleanup_free_ char *path = NULL;
        int r;

        r = hisi_ctx_pathf(ctl->ctx, &path, "/sys/bus/pci/devices/%s/reset", ctl->device);
        if (r < 0)
                return r;
        return write_string_file(path, "1");
}

/* Unbind the VF from hisi_acc_vfio_pci (its host driver takes it back) and bind it again. */
static int rebind(void *userdata) {
        const caps *ctl = userdata;
        int r;

        r = hisi_pci_unbind_vfio(ctl->ctx, ctl->device, NULL, BIND_TIMEOUT_USEC);
        if (r < 0)
                return r;
        return hisi_pci_bind_vfio(ctl->ctx, ctl->device, 0, BIND_TIMEOUT_USEC, NULL);
}

/* --- The device: which one, how it is bound, which kernel it behaves like --- */

/* The first VF bound to hisi_acc_vfio_pci, or -ENODEV. */
static int find_vf(hisi_ctx *ctx, char **ret) {
        hisi_pci_dev *devs = NULL;
        size_t n = 0;
        int r;

        r = hisi_pci_enumerate(ctx, &devs, &n);
        if (r < 0)
                return r;
        r = -ENODEV;
        for (size_t i = 0; i < n && r < 0; i++)
                if (devs[i].is_vf && devs[i].driver && streq(devs[i].driver, HISI_VFIO_DRIVER)) {
                        *ret = strdup(devs[i].address);
                        r = *ret ? 0 : -ENOMEM;
                }
        hisi_pci_devs_free(devs, n);
        return r;
}

/* The PCI revision ID, which the QM drivers take as the QM version. */
static int read_revision(hisi_ctx *ctx, const char *address, uint32_t *ret) {
        _cleanup_free_ char *path = NULL, *line = NULL;
        int r;

        r = hisi_ctx_pathf(ctx, &path, "/sys/bus/pci/devices/%s/revision", address);
        if (r < 0)
                return r;
        r = read_one_line_file(path, &line);
        if (r < 0)
                return r;
        return safe_atou32(line, ret);
}

/* How the VF is bound: the facts the driver's probe and the kernel's sysfs give. ret_device_id
 * and ret_qm get the VF's device ID and its PF's QM version (0 when unknown). */
static void check_binding(conformance *c, hisi_ctx *ctx, const char *vf, uint16_t *ret_device_id,
                          uint32_t *ret_qm) {
        hisi_pci_dev dev = {}, pf = {};
        bool is_vf = false;
        uint32_t qm = 0;
        int r;

        r = hisi_pci_dev_load(ctx, vf, &dev);
        if (r < 0) {
                conformance_fail(c, "binding", "the VF in sysfs", "%s: %s", vf, strerror(-r));
                return;
        }
        *ret_device_id = dev.device_id;
        if (dev.vendor_id != 0x19e5 || hisi_kind_from_device_id(dev.device_id, &is_vf) < 0 ||
            !is_vf)
                conformance_fail(c, "binding", "a HiSilicon accelerator VF (19e5:a251/a256/a259)",
                                 "%04x:%04x", dev.vendor_id, dev.device_id);
        else
                conformance_pass(c, "binding", "a HiSilicon accelerator VF (19e5:a251/a256/a259)");

        /* The driver's IDs are override_only: driver_override is how it binds (a dynamic ID
         * written to new_id would do too, and is not wrong). */
        if (!dev.driver || !streq(dev.driver, HISI_VFIO_DRIVER))
                conformance_fail(c, "binding", "bound to hisi_acc_vfio_pci", "driver %s",
                                 dev.driver ?: "(none)");
        else
                conformance_pass(c, "binding", "bound to hisi_acc_vfio_pci");
        if (!dev.driver_override || !streq(dev.driver_override, HISI_VFIO_DRIVER))
                conformance_note(c, "binding: driver_override is %s, not hisi_acc_vfio_pci",
                                 dev.driver_override ?: "(null)");

        if (dev.iommu_group < 0 || !dev.vfio_dev)
                conformance_fail(c, "binding", "an iommu_group and a vfio-dev/vfioN entry",
                                 "iommu_group %d, vfio-dev %s", dev.iommu_group,
                                 dev.vfio_dev ?: "(none)");
        else
                conformance_pass(c, "binding", "an iommu_group and a vfio-dev/vfioN entry");

        r = dev.pf_address[0] ? hisi_pci_dev_load(ctx, dev.pf_address, &pf) : -ENOENT;
        if (r < 0)
                conformance_fail(c, "binding", "physfn: the PF, with a virtfnN link back",
                                 "physfn %s: %s", dev.pf_address[0] ? dev.pf_address : "(none)",
                                 strerror(-r));
        else if (pf.device_id != hisi_kind_pf_device_id(dev.kind) || dev.vf_index < 0)
                conformance_fail(c, "binding", "physfn: the PF, with a virtfnN link back",
                                 "PF %04x, virtfn index %d", pf.device_id, dev.vf_index);
        else
                conformance_pass(c, "binding", "physfn: the PF, with a virtfnN link back");

        /* Migration ops need the PF bound to its host driver and a QM of V3 or later. */
        if (r >= 0) {
                const char *host = hisi_kind_host_driver(dev.kind);
                int k = read_revision(ctx, pf.address, &qm);

                if (!pf.driver || !host || !streq(pf.driver, host) || k < 0 || qm < QM_HW_V3)
                        conformance_fail(c, "binding",
                                         "the PF bound to its host driver, QM V3 or later",
                                         "driver %s, revision %s0x%02x", pf.driver ?: "(none)",
                                         k < 0 ? "unreadable " : "", qm);
                else
                        conformance_pass(c, "binding",
                                         "the PF bound to its host driver, QM V3 or later");
        }
        *ret_qm = qm;
        hisi_pci_dev_done(&pf);
        hisi_pci_dev_done(&dev);
}

/* Open the VF's device and, where the kernel has PRE_COPY, set it (just opened: from RUNNING):
 * 1 with the device and its session, 0 when the kernel has none, or the error. */
static int open_in_precopy(hisi_ctx *ctx, const char *vf, hisi_migdev **ret_d,
                           hisi_migstream **ret_s) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        uint64_t flags;
        int r;

        r = hisi_migdev_open(ctx, arg_backend, vf, &d);
        if (r < 0)
                return r;
        r = hisi_migdev_get_flags(d, &flags);
        if (r < 0)
                return r;
        if (!(flags & HISI_MIG_FLAG_PRE_COPY))
                return 0;
        r = hisi_migdev_set_state(d, HISI_MIG_STATE_PRE_COPY, NULL, &s);
        if (r < 0)
                return r;
        *ret_d = TAKE_PTR(d);
        *ret_s = TAKE_PTR(s);
        return 1;
}

/* The kernel behaviour, from what the device shows: flags 0x1 before 6.2; the PRE_COPY header's
 * magic V2 from 6.16; BAR2 whole with PF-controlled registers on 6.19. */
static int detect_profile(hisi_ctx *ctx, const char *vf, conformance_hisi_kernel *ret) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        hisi_region_info info = {};
        uint8_t head[HISI_STATE_MATCH_SIZE];
        size_t n = 0;
        int r;

        r = open_in_precopy(ctx, vf, &d, &s);
        if (r < 0)
                return r;
        if (r == 0) {
                *ret = CONFORMANCE_HISI_6_1;
                return 0;
        }
        while (r >= 0 && s && n < sizeof(head)) {
                ssize_t k = hisi_migstream_read(s, head + n, sizeof(head) - n);
                if (k <= 0) {
                        r = k < 0 ? (int)k : -ENODATA;
                        break;
                }
                n += (size_t)k;
        }
        if (r < 0)
                return r;
        (void)hisi_migdev_set_state(d, HISI_MIG_STATE_RUNNING, NULL, NULL);
        if (hisi_migdev_region_info(d, HISI_VFIO_PCI_BAR2_REGION_INDEX, &info) >= 0 &&
            info.size == 0x10000)
                *ret = CONFORMANCE_HISI_6_19;
        else if (head[0] == (uint8_t)HISI_ACC_MAGIC_V2)
                *ret = CONFORMANCE_HISI_6_16;
        else
                *ret = CONFORMANCE_HISI_6_2;
        return 0;
}

/* Whether a reset puts the VF back to RUNNING: reset it in PRE_COPY and read the state. The
 * device is closed afterwards, which returns it to RUNNING either way. 6.1 (no PRE_COPY) always
 * resets. */
static int detect_reset_fix(hisi_ctx *ctx, const char *vf, bool *ret) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        hisi_mig_state state;
        int r;

        r = open_in_precopy(ctx, vf, &d, &s);
        if (r < 0)
                return r;
        if (r == 0) {
                *ret = true;
                return 0;
        }
        r = hisi_migdev_reset(d);
        if (r >= 0)
                r = hisi_migdev_get_state(d, &state);
        if (r < 0)
                return r;
        *ret = state == HISI_MIG_STATE_RUNNING;
        return 0;
}

/* On a real host: whether the VF can be checked at all. A VF whose QM no guest driver has set
 * up saves only the 40-byte match data, and the suite needs full states to resume. */
static int kernel_usable(hisi_ctx *ctx, const char *vf, const char **ret_why) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        int r;

        r = hisi_migdev_open(ctx, HISI_BACKEND_KERNEL, vf, &d);
        if (r == -EACCES || r == -EPERM) {
                *ret_why = "no permission to open its VFIO device (run as root)";
                return -EACCES;
        }
        if (r < 0)
                return 0; /* the suite's first check reports it */
        r = hisi_migdev_reset(d);
        if (r >= 0)
                r = conformance_hisi_wait_guest(d, NULL);
        if (r == -ETIMEDOUT) {
                *ret_why = "no guest driver has set the VF up (QM_VF_STATE 0x60 bit 0 stays "
                           "set), so it saves only the 40-byte match data";
                return r;
        }
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "backend", required_argument, NULL, 'b' },
                { "device", required_argument, NULL, 'd' },
                { "profile", required_argument, NULL, 'p' },
                { "reset-fix", required_argument, NULL, 'r' },
                { "sim-dir", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "b:d:p:r:s:h", options, NULL)) >= 0)
                switch (c) {
                case 'b':
                        arg_backend = hisi_backend_from_string(optarg);
                        if (arg_backend < 0) {
                                fprintf(stderr, "hisi-conformance: unknown backend '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'd':
                        arg_device = optarg;
                        break;
                case 'p':
                        arg_profile = conformance_hisi_kernel_from_string(optarg);
                        if (arg_profile < 0) {
                                fprintf(stderr,
                                        "hisi-conformance: unknown profile '%s' (6.1, 6.2, 6.16, "
                                        "6.19)\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case 'r':
                        if (streq(optarg, "yes"))
                                arg_reset_fix = 1;
                        else if (streq(optarg, "no"))
                                arg_reset_fix = 0;
                        else {
                                fprintf(stderr, "hisi-conformance: --reset-fix takes yes or no\n");
                                return -EINVAL;
                        }
                        break;
                case 's':
                        arg_sim_dir = optarg;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "hisi-conformance: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(hisi_ctx_freep) hisi_ctx *ctx = NULL;
        _cleanup_free_ char *found = NULL, *label = NULL;
        conformance_hisi_target hisi;
        conformance_target generic;
        conformance_hisi_kernel kernel;
        const char *vf, *why = NULL;
        caps ctl = {};
        struct utsname u = {};
        uint16_t device_id = 0;
        uint32_t qm = 0;
        bool reset_fix;
        conformance c;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;
        setvbuf(stdout, NULL, _IOLBF, 0);
        r = hisi_ctx_new(NULL, &ctx);
        if (r < 0) {
                fprintf(stderr, "hisi-conformance: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }

        vf = arg_device;
        if (!vf) {
                r = find_vf(ctx, &found);
                if (r < 0) {
                        printf("hisi-conformance: skipped: no HiSilicon accelerator VF bound to "
                               "hisi_acc_vfio_pci on this host (%s)\n",
                               r == -ENODEV ? "none found" : strerror(-r));
                        return EXIT_SKIP;
                }
                vf = found;
        }
        if (arg_backend == HISI_BACKEND_KERNEL && kernel_usable(ctx, vf, &why) < 0) {
                printf("hisi-conformance: skipped: %s: %s\n", vf, why);
                return EXIT_SKIP;
        }

        conformance_init(&c, stdout);
        (void)uname(&u);
        conformance_note(&c, "%s through the %s backend; kernel %s", vf,
                         hisi_backend_to_string(arg_backend), u.release);
        check_binding(&c, ctx, vf, &device_id, &qm);

        kernel = arg_profile;
        if (kernel < 0) {
                r = detect_profile(ctx, vf, &kernel);
                if (r < 0) {
                        conformance_fail(&c, "setup", "the kernel behaviour from the device", "%s",
                                         strerror(-r));
                        return conformance_summary(&c);
                }
                conformance_note(&c,
                                 "behaves like hisi_acc_vfio_pci of %s (from the device; "
                                 "--profile to say so)",
                                 conformance_hisi_kernel_to_string(kernel));
        }
        if (arg_reset_fix >= 0)
                reset_fix = arg_reset_fix;
        else {
                r = detect_reset_fix(ctx, vf, &reset_fix);
                if (r < 0) {
                        conformance_fail(&c, "setup", "what a reset does, from the device", "%s",
                                         strerror(-r));
                        return conformance_summary(&c);
                }
                conformance_note(&c, "a reset %s (from the device; --reset-fix to say so)",
                                 reset_fix ? "returns the VF to RUNNING (the reset fix)"
                                           : "leaves the migration state (no reset fix)");
        }
        /* A kernel with or without the fix where its version says otherwise: say so in each
         * check's name. */
        if (reset_fix != conformance_hisi_reset_fix(kernel) && kernel >= CONFORMANCE_HISI_6_2)
                (void)asprintf_safe(&label, "%s%s", conformance_hisi_kernel_to_string(kernel),
                                    reset_fix ? "+reset-fix" : "-reset-fix");
        else
                label = strdup(conformance_hisi_kernel_to_string(kernel));
        if (!label)
                return EXIT_FAILURE;

        hisi = (conformance_hisi_target){
                .label = label,
                .backend = arg_backend,
                .device = vf,
                .kernel = kernel,
                .pf_ctrl = kernel >= CONFORMANCE_HISI_6_19 && qm > QM_HW_V3,
                .reset_fix = reset_fix,
                .device_id = device_id,
        };
        ctl = (caps){ .ctx = ctx, .dir = arg_sim_dir, .device = vf };
        hisi.userdata = &ctl;
        if (arg_backend == HISI_BACKEND_KERNEL)
                hisi.function_reset = sysfs_reset;
        if (arg_sim_dir) {
                hisi.set_guest_driver = ctl_guest;
                hisi.fault_arc = ctl_fault_arc;
                hisi.fault_clear = ctl_fault_clear;
                /* A simulated host only: on a real one the VF's host driver would probe it. */
                hisi.rebind = rebind;
                hisi.function_reset = ctl_reset;
        }
        r = conformance_run_hisi(&c, ctx, &hisi);
        if (r == -EINVAL)
                conformance_fail(&c, label, "run", "bad target description");

        r = conformance_hisi_generic_target(&hisi, &generic);
        if (r < 0)
                conformance_fail(&c, label, "run", "bad target description");
        else {
                /* The simulator refuses STOP_COPY -> PRE_COPY; a kernel may spin on it. */
                generic.send_blocked_arc = arg_backend == HISI_BACKEND_SIM ||
                                           conformance_kernel_survives_blocked_arc(u.release);
                conformance_note(&c, "the generic suite");
                r = conformance_run_generic(&c, ctx, &generic);
                if (r == -EINVAL)
                        conformance_fail(&c, label, "run", "bad target description");
        }
        return conformance_summary(&c);
}
