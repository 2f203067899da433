/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-migtool: the low-level tool on one VF's migration device, for operators debugging a host
 * and for tests. Each command opens the device, does one self-contained thing and closes it.
 * Closing is the device's last close unless another holder keeps it, and the kernel then resets
 * the VF: so `state` and `load` matter while something else holds the device, and `save` puts
 * the VF back to RUNNING itself.
 */

#include <fcntl.h>
#include <inttypes.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hisi/ctx.h"
#include "errno-name.h"
#include "file-util.h"
#include "macro.h"
#include "hisi/migdev.h"
#include "parse-util.h"
#include "hisi/kind.h"
#include "hisi/pci-address.h"
#include "hisi/pci-bind.h"
#include "version.h"
#include "hisi/vf-regs.h"

#define EXIT_USAGE    2
#define CHUNK_DEFAULT 4096
#define CHUNK_MAX     (16u * 1024 * 1024)

static hisi_backend arg_backend = HISI_BACKEND_KERNEL;
static const char *arg_root = NULL;
static bool arg_json = false;
static bool arg_precopy = false;
static bool arg_run = false;
static uint32_t arg_chunk = CHUNK_DEFAULT;
static bool arg_force = false;
static uint32_t arg_timeout_sec = 5;
static uint32_t arg_wait_ready_sec = 0;

static void help(void) {
        printf("Usage: hisi-migtool [OPTIONS] COMMAND VF [ARG]\n"
               "\n"
               "Low-level access to the VFIO migration device of one HiSilicon accelerator VF.\n"
               "\n"
               "Commands:\n"
               "  info VF              Migration flags, state, STOP_COPY data size, open path\n"
               "  state VF [STATE]     Show the migration state, or walk to STATE and show the\n"
               "                       arcs taken (STOP, RUNNING, STOP_COPY, RESUMING,\n"
               "                       RUNNING_P2P, PRE_COPY, PRE_COPY_P2P)\n"
               "  save VF FILE         Save the VF's state to FILE (RUNNING -> STOP_COPY, read to\n"
               "                       the end), then put the VF back to RUNNING\n"
               "  load VF FILE         Load FILE into the VF (STOP -> RESUMING, write,\n"
               "                       RESUMING -> STOP); with --run, then RUNNING\n"
               "  precopy-info VF      Enter PRE_COPY, report initial and dirty bytes, go back\n"
               "                       to RUNNING\n"
               "  reset VF             VFIO_DEVICE_RESET; print the state it left\n"
               "  bind VF              Bind the VF to hisi_acc_vfio_pci (driver_override)\n"
               "  unbind VF            Give the VF back to its host driver\n"
               "\n"
               "Options:\n"
               "  -b, --backend=NAME   kernel (default) or sim (the simulated host)\n"
               "      --root=DIR       Treat DIR as / for /sys and /dev (tests)\n"
               "      --precopy        save: go through PRE_COPY first\n"
               "      --chunk=BYTES    Read and write the stream in chunks of BYTES (%d)\n"
               "      --run            load: run the VF after it loaded\n"
               "      --wait-ready=SEC save: first wait until a guest driver has set the VF\n"
               "                       up (QM_VF_STATE), or only the 40-byte match data is\n"
               "                       saved\n"
               "      --force          bind: take the VF from another driver than its host's\n"
               "      --timeout=SEC    bind, unbind: wait this long for the driver (5)\n"
               "  -j, --json           Print the result as JSON\n"
               "  -h, --help           Show this help\n"
               "      --version        Show the version\n"
               "\n"
               "When hisi-migtool closes the device and nothing else holds it, the kernel resets\n"
               "the VF, so a state set or loaded here lasts only while another holder keeps the\n"
               "device open.\n",
               CHUNK_DEFAULT);
}

/* One sentence on what an errno means for a migration device. */
static const char *explain(int r) {
        switch (-r) {
        case ENODEV:
                return "no such device, it is not bound to a vfio driver, or its data session "
                       "has ended";
        case ENOENT:
                return "a file or device node it needs is missing";
        case EBUSY:
                return "another process holds the device, or its IOMMU group is not viable";
        case ENOTTY:
                return "the device has no VFIO migration support (plain vfio-pci ops, or a PF "
                       "not bound to its host driver)";
        case EINVAL:
                return "the device refused the request: a blocked or unsupported state arc, or a "
                       "malformed request";
        case EFAULT:
                return "the state does not match this device (the kernel's match check failed)";
        case ENOMEM:
                return "more state than the device accepts";
        case ESPIPE:
                return "migration streams cannot seek";
        case EACCES:
        case EPERM:
                return "permission denied: run as root";
        case EOPNOTSUPP:
                return "not supported by this backend or kernel";
        case ENOMSG:
                return "no data for now (PRE_COPY)";
        default:
                return strerror(-r);
        }
}

_printf_(2, 3) static int fail(int r, const char *fmt, ...) {
        va_list ap;
        const char *name = errno_to_name(r);

        fputs("hisi-migtool: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, ": %s: %s\n", name ? name : "error", explain(r));
        return EXIT_FAILURE;
}

static void print_json(json_object *o) {
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
}

static json_object *json_path(const hisi_mig_path *path) {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < path->n; i++)
                json_object_array_add(
                        a, json_object_new_string(hisi_mig_state_to_string(path->states[i])));
        return a;
}

static int open_dev(hisi_ctx *ctx, const char *vf, hisi_migdev **ret) {
        int r = hisi_migdev_open(ctx, arg_backend, vf, ret);
        if (r < 0)
                return fail(r, "cannot open the migration device of %s", vf);
        return 0;
}

static int cmd_info(hisi_ctx *ctx, const char *vf) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        _cleanup_free_ char *flags_str = NULL;
        hisi_mig_state state;
        uint64_t flags, size = 0;
        bool ready = false;
        int r, size_r, ready_r;

        if (open_dev(ctx, vf, &d) != 0)
                return EXIT_FAILURE;
        r = hisi_migdev_get_flags(d, &flags);
        if (r < 0)
                return fail(r, "%s: cannot read the migration flags", vf);
        r = hisi_migdev_get_state(d, &state);
        if (r < 0)
                return fail(r, "%s: cannot read the migration state", vf);
        r = hisi_mig_flags_to_string(flags, &flags_str);
        if (r < 0)
                return fail(r, "%s: cannot format the flags", vf);
        /* MIG_DATA_SIZE exists from 6.2; older kernels answer -ENOTTY. */
        size_r = hisi_migdev_data_size(d, &size);
        ready_r = hisi_vf_qm_ready(d, &ready);

        if (arg_json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "address", json_object_new_string(vf));
                json_object_object_add(o, "backend",
                                       json_object_new_string(hisi_backend_to_string(arg_backend)));
                json_object_object_add(o, "open_path",
                                       json_object_new_string(hisi_migdev_path_kind(d)));
                json_object_object_add(o, "flags", json_object_new_uint64(flags));
                json_object_object_add(o, "flag_names", json_object_new_string(flags_str));
                json_object_object_add(o, "state",
                                       json_object_new_string(hisi_mig_state_to_string(state)));
                json_object_object_add(o, "data_size",
                                       size_r >= 0 ? json_object_new_uint64(size) : NULL);
                json_object_object_add(o, "qm_ready",
                                       ready_r >= 0 ? json_object_new_boolean(ready) : NULL);
                print_json(o);
                json_object_put(o);
        } else {
                printf("Device:     %s\n", vf);
                printf("Backend:    %s (%s)\n", hisi_backend_to_string(arg_backend),
                       hisi_migdev_path_kind(d));
                printf("Flags:      0x%" PRIx64 " (%s)\n", flags, flags_str);
                printf("State:      %s\n", hisi_mig_state_to_string(state));
                if (size_r >= 0)
                        printf("Data size:  %" PRIu64 " bytes\n", size);
                else
                        printf("Data size:  unknown (%s)\n", errno_to_name(size_r));
                if (ready_r >= 0)
                        printf("QM:         %s\n", ready ? "ready (a guest driver set it up)"
                                                         : "not ready (saves the match data only)");
        }
        return EXIT_SUCCESS;
}

static void print_path(const char *vf, const hisi_mig_path *path, hisi_mig_state state) {
        _cleanup_free_ char *s = NULL;

        if (arg_json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "address", json_object_new_string(vf));
                json_object_object_add(o, "state",
                                       json_object_new_string(hisi_mig_state_to_string(state)));
                if (path)
                        json_object_object_add(o, "path", json_path(path));
                print_json(o);
                json_object_put(o);
                return;
        }
        if (path && hisi_mig_path_to_string(path, &s) >= 0)
                printf("%s\n", s);
        else
                printf("%s\n", hisi_mig_state_to_string(state));
}

static int cmd_state(hisi_ctx *ctx, const char *vf, const char *new_str) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        hisi_mig_state state, new;
        hisi_mig_path path = {};
        int r;

        if (new_str) {
                new = hisi_mig_state_from_string(new_str);
                if (new < 0) {
                        fprintf(stderr, "hisi-migtool: unknown state '%s'\n", new_str);
                        return EXIT_USAGE;
                }
        }
        if (open_dev(ctx, vf, &d) != 0)
                return EXIT_FAILURE;
        if (!new_str) {
                r = hisi_migdev_get_state(d, &state);
                if (r < 0)
                        return fail(r, "%s: cannot read the migration state", vf);
                print_path(vf, NULL, state);
                return EXIT_SUCCESS;
        }
        r = hisi_migdev_set_state(d, new, &path, &s);
        if (r < 0) {
                _cleanup_free_ char *walked = NULL;
                if (path.n > 0 && hisi_mig_path_to_string(&path, &walked) >= 0)
                        fprintf(stderr, "hisi-migtool: %s: walked %s\n", vf, walked);
                return fail(r, "%s: cannot reach %s", vf, hisi_mig_state_to_string(new));
        }
        print_path(vf, &path, new);
        return EXIT_SUCCESS;
}

/* Read a saving stream to its end into fd. */
static int stream_to_fd(hisi_migstream *s, int fd, uint64_t *ret_total) {
        _cleanup_free_ uint8_t *buf = malloc(arg_chunk);
        uint64_t total = 0;

        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = hisi_migstream_read(s, buf, arg_chunk);
                if (n < 0)
                        return (int)n;
                if (n == 0)
                        break;
                int r = loop_write(fd, buf, (size_t)n);
                if (r < 0)
                        return r;
                total += (uint64_t)n;
        }
        *ret_total = total;
        return 0;
}

static int cmd_save(hisi_ctx *ctx, const char *vf, const char *file) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint64_t total = 0;
        int r, back;

        if (open_dev(ctx, vf, &d) != 0)
                return EXIT_FAILURE;
        if (arg_wait_ready_sec > 0) {
                r = hisi_vf_wait_qm_ready(d, (uint64_t)arg_wait_ready_sec * 1000000);
                if (r < 0)
                        return fail(r, "%s: no guest driver set the VF up within %u s", vf,
                                    arg_wait_ready_sec);
        }
        fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return fail(negative_errno(), "cannot create %s", file);

        if (arg_precopy) {
                r = hisi_migdev_set_state(d, HISI_MIG_STATE_PRE_COPY, NULL, &s);
                if (r < 0)
                        return fail(r, "%s: cannot enter PRE_COPY", vf);
                /* PRE_COPY -> STOP_COPY keeps the same stream: the rest follows the header. */
                r = hisi_migdev_set_state(d, HISI_MIG_STATE_STOP_COPY, NULL, NULL);
        } else
                r = hisi_migdev_set_state(d, HISI_MIG_STATE_STOP_COPY, NULL, &s);
        if (r < 0) {
                back = hisi_migdev_set_state(d, HISI_MIG_STATE_RUNNING, NULL, NULL);
                return fail(r, "%s: cannot enter STOP_COPY%s", vf,
                            back < 0 ? " (and could not return to RUNNING)" : "");
        }
        if (!s) {
                hisi_migdev_set_state(d, HISI_MIG_STATE_RUNNING, NULL, NULL);
                return fail(-EPROTO, "%s: the device opened no data session", vf);
        }
        r = stream_to_fd(s, fd, &total);
        /* Back to RUNNING whatever happened: STOP_COPY -> STOP -> RUNNING. */
        s = hisi_migstream_close(s);
        back = hisi_migdev_set_state(d, HISI_MIG_STATE_RUNNING, NULL, NULL);
        if (r < 0)
                return fail(r, "%s: reading the state failed", vf);
        if (back < 0)
                return fail(back, "%s: saved, but cannot return to RUNNING", vf);

        if (arg_json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "address", json_object_new_string(vf));
                json_object_object_add(o, "file", json_object_new_string(file));
                json_object_object_add(o, "bytes", json_object_new_uint64(total));
                print_json(o);
                json_object_put(o);
        } else
                printf("%s: saved %" PRIu64 " bytes to %s\n", vf, total, file);
        return EXIT_SUCCESS;
}

static int cmd_load(hisi_ctx *ctx, const char *vf, const char *file) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint8_t *buf = malloc(arg_chunk);
        hisi_mig_state final;
        uint64_t total = 0;
        int r;

        if (!buf)
                return fail(-ENOMEM, "out of memory");
        fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return fail(negative_errno(), "cannot open %s", file);
        if (open_dev(ctx, vf, &d) != 0)
                return EXIT_FAILURE;
        r = hisi_migdev_set_state(d, HISI_MIG_STATE_RESUMING, NULL, &s);
        if (r < 0)
                return fail(r, "%s: cannot enter RESUMING", vf);
        if (!s)
                return fail(-EPROTO, "%s: the device opened no data session", vf);
        for (;;) {
                ssize_t n = loop_read(fd, buf, arg_chunk);
                if (n < 0)
                        return fail((int)n, "cannot read %s", file);
                if (n == 0)
                        break;
                ssize_t w = hisi_migstream_write(s, buf, (size_t)n);
                if (w < 0)
                        return fail((int)w,
                                    "%s: the device refused the write of bytes %" PRIu64
                                    "-%" PRIu64,
                                    vf, total, total + (uint64_t)n - 1);
                total += (uint64_t)w;
                if ((size_t)w != (size_t)n)
                        return fail(-EIO, "%s: short write at byte %" PRIu64, vf, total);
        }
        /* RESUMING -> STOP loads and validates what was written. */
        r = hisi_migdev_set_state(d, HISI_MIG_STATE_STOP, NULL, NULL);
        if (r < 0)
                return fail(r, "%s: the device did not accept the %" PRIu64 " bytes written", vf,
                            total);
        final = HISI_MIG_STATE_STOP;
        if (arg_run) {
                r = hisi_migdev_set_state(d, HISI_MIG_STATE_RUNNING, NULL, NULL);
                if (r < 0)
                        return fail(r, "%s: loaded, but cannot run", vf);
                final = HISI_MIG_STATE_RUNNING;
        }
        if (arg_json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "address", json_object_new_string(vf));
                json_object_object_add(o, "file", json_object_new_string(file));
                json_object_object_add(o, "bytes", json_object_new_uint64(total));
                json_object_object_add(o, "state",
                                       json_object_new_string(hisi_mig_state_to_string(final)));
                print_json(o);
                json_object_put(o);
        } else
                printf("%s: loaded %" PRIu64 " bytes from %s, now %s\n", vf, total, file,
                       hisi_mig_state_to_string(final));
        return EXIT_SUCCESS;
}

static int cmd_precopy_info(hisi_ctx *ctx, const char *vf) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        _cleanup_(hisi_migstream_closep) hisi_migstream *s = NULL;
        uint64_t initial, dirty;
        int r, back;

        if (open_dev(ctx, vf, &d) != 0)
                return EXIT_FAILURE;
        r = hisi_migdev_set_state(d, HISI_MIG_STATE_PRE_COPY, NULL, &s);
        if (r < 0)
                return fail(r, "%s: cannot enter PRE_COPY", vf);
        r = s ? hisi_migstream_precopy_info(s, &initial, &dirty, NULL) : -EPROTO;
        s = hisi_migstream_close(s);
        back = hisi_migdev_set_state(d, HISI_MIG_STATE_RUNNING, NULL, NULL);
        if (r < 0)
                return fail(r, "%s: VFIO_MIG_GET_PRECOPY_INFO failed", vf);
        if (back < 0)
                return fail(back, "%s: cannot return to RUNNING", vf);
        if (arg_json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "address", json_object_new_string(vf));
                json_object_object_add(o, "initial_bytes", json_object_new_uint64(initial));
                json_object_object_add(o, "dirty_bytes", json_object_new_uint64(dirty));
                print_json(o);
                json_object_put(o);
        } else
                printf("%s: initial %" PRIu64 " bytes, dirty %" PRIu64 " bytes\n", vf, initial,
                       dirty);
        return EXIT_SUCCESS;
}

static int cmd_reset(hisi_ctx *ctx, const char *vf) {
        _cleanup_(hisi_migdev_closep) hisi_migdev *d = NULL;
        hisi_mig_state state;
        int r;

        if (open_dev(ctx, vf, &d) != 0)
                return EXIT_FAILURE;
        r = hisi_migdev_reset(d);
        if (r < 0)
                return fail(r, "%s: VFIO_DEVICE_RESET failed", vf);
        /* What the reset left: RUNNING where reset_done resets the migration state (6.1, or
         * with upstream 8be14dd48dfe), the state as it was on 6.2 to 6.19 as released. */
        r = hisi_migdev_get_state(d, &state);
        if (r < 0)
                return fail(r, "%s: cannot read the state after the reset", vf);
        print_path(vf, NULL, state);
        return EXIT_SUCCESS;
}

static int cmd_bind(hisi_ctx *ctx, const char *vf, bool bind) {
        _cleanup_free_ char *prev = NULL;
        uint64_t timeout = (uint64_t)arg_timeout_sec * 1000000;
        int r;

        if (bind)
                r = hisi_pci_bind_vfio(ctx, vf, arg_force ? HISI_BIND_FORCE : 0, timeout, &prev);
        else
                r = hisi_pci_unbind_vfio(ctx, vf, NULL, timeout);
        if (r < 0) {
                switch (-r) {
                case EPERM:
                        return fail(r, "%s is a PF: only VFs are bound to %s", vf,
                                    HISI_VFIO_DRIVER);
                case EBUSY:
                        return fail(r,
                                    "%s is held by another driver than its host driver "
                                    "(--force takes it)",
                                    vf);
                case ENOENT:
                        return fail(r, "the %s driver is not loaded (modprobe it)",
                                    HISI_VFIO_DRIVER);
                case ETIMEDOUT:
                        return fail(r,
                                    "%s: the driver did not take the VF within %u s; it was "
                                    "put back as it was",
                                    vf, arg_timeout_sec);
                default:
                        return fail(r, "%s: cannot %s", vf, bind ? "bind" : "unbind");
                }
        }
        if (arg_json) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "address", json_object_new_string(vf));
                json_object_object_add(o, "bound", json_object_new_boolean(bind));
                if (bind)
                        json_object_object_add(o, "previous_driver",
                                               prev ? json_object_new_string(prev) : NULL);
                print_json(o);
                json_object_put(o);
        } else if (bind)
                printf("%s: bound to %s (was %s)\n", vf, HISI_VFIO_DRIVER, prev ? prev : "unbound");
        else
                printf("%s: unbound from %s\n", vf, HISI_VFIO_DRIVER);
        return EXIT_SUCCESS;
}

static const struct {
        const char *name;
        int min_args, max_args; /* after the command: VF and its arguments */
} commands[] = {
        { "info", 1, 1 },         { "state", 1, 2 }, { "save", 2, 2 }, { "load", 2, 2 },
        { "precopy-info", 1, 1 }, { "reset", 1, 1 }, { "bind", 1, 1 }, { "unbind", 1, 1 },
};

int main(int argc, char *argv[]) {
        enum {
                ARG_ROOT = 0x100,
                ARG_PRECOPY,
                ARG_CHUNK,
                ARG_RUN,
                ARG_VERSION,
                ARG_FORCE,
                ARG_TIMEOUT,
                ARG_WAIT_READY,
        };
        static const struct option options[] = {
                { "backend", required_argument, NULL, 'b' },
                { "root", required_argument, NULL, ARG_ROOT },
                { "precopy", no_argument, NULL, ARG_PRECOPY },
                { "chunk", required_argument, NULL, ARG_CHUNK },
                { "run", no_argument, NULL, ARG_RUN },
                { "force", no_argument, NULL, ARG_FORCE },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "wait-ready", required_argument, NULL, ARG_WAIT_READY },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        _cleanup_(hisi_ctx_freep) hisi_ctx *ctx = NULL;
        char address[HISI_PCI_ADDRESS_MAX];
        const char *cmd, *vf, *arg;
        int c, r, nargs;
        size_t i;

        while ((c = getopt_long(argc, argv, "b:jh", options, NULL)) >= 0)
                switch (c) {
                case 'b':
                        arg_backend = hisi_backend_from_string(optarg);
                        if (arg_backend < 0) {
                                fprintf(stderr,
                                        "hisi-migtool: unknown backend '%s' (kernel or sim)\n",
                                        optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_PRECOPY:
                        arg_precopy = true;
                        break;
                case ARG_CHUNK:
                        if (safe_atou32(optarg, &arg_chunk) < 0 || arg_chunk == 0 ||
                            arg_chunk > CHUNK_MAX) {
                                fprintf(stderr,
                                        "hisi-migtool: --chunk takes a size from 1 to %u bytes, "
                                        "not '%s'\n",
                                        CHUNK_MAX, optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case ARG_RUN:
                        arg_run = true;
                        break;
                case ARG_FORCE:
                        arg_force = true;
                        break;
                case ARG_WAIT_READY:
                        if (safe_atou32(optarg, &arg_wait_ready_sec) < 0 ||
                            arg_wait_ready_sec > 3600) {
                                fprintf(stderr,
                                        "hisi-migtool: --wait-ready takes seconds from 0 to "
                                        "3600, not '%s'\n",
                                        optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case ARG_TIMEOUT:
                        if (safe_atou32(optarg, &arg_timeout_sec) < 0 || arg_timeout_sec > 3600) {
                                fprintf(stderr,
                                        "hisi-migtool: --timeout takes seconds from 0 to 3600, "
                                        "not '%s'\n",
                                        optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 'j':
                        arg_json = true;
                        break;
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case ARG_VERSION:
                        printf("hisi-migtool %s\n", HISI_VERSION);
                        return EXIT_SUCCESS;
                default:
                        return EXIT_USAGE;
                }

        if (optind >= argc) {
                fprintf(stderr, "hisi-migtool: no command given (see --help)\n");
                return EXIT_USAGE;
        }
        cmd = argv[optind];
        nargs = argc - optind - 1;
        for (i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(cmd, commands[i].name))
                        break;
        if (i == ELEMENTSOF(commands)) {
                fprintf(stderr, "hisi-migtool: unknown command '%s' (see --help)\n", cmd);
                return EXIT_USAGE;
        }
        if (nargs < commands[i].min_args || nargs > commands[i].max_args) {
                fprintf(stderr, "hisi-migtool: %s takes %s (see --help)\n", cmd,
                        commands[i].min_args == 2   ? "a VF and a FILE"
                        : commands[i].max_args == 2 ? "a VF and optionally a STATE"
                                                    : "one VF");
                return EXIT_USAGE;
        }
        /* Short addresses ("75:00.1") as well as full ones; the devices are found by the full
         * one. */
        if (hisi_pci_address_normalize(argv[optind + 1], address) < 0) {
                fprintf(stderr,
                        "hisi-migtool: %s: '%s' is not a PCI address such as 0000:75:00.1 or "
                        "75:00.1\n",
                        cmd, argv[optind + 1]);
                return EXIT_USAGE;
        }
        vf = address;
        arg = nargs > 1 ? argv[optind + 2] : NULL;

        if (arg_root && arg_root[0] != '/') {
                fprintf(stderr, "hisi-migtool: --root needs an absolute path, not '%s'\n",
                        arg_root);
                return EXIT_USAGE;
        }
        r = hisi_ctx_new(arg_root, &ctx);
        if (r < 0)
                return fail(r, "cannot set up");

        if (streq(cmd, "info"))
                return cmd_info(ctx, vf);
        if (streq(cmd, "state"))
                return cmd_state(ctx, vf, arg);
        if (streq(cmd, "save"))
                return cmd_save(ctx, vf, arg);
        if (streq(cmd, "load"))
                return cmd_load(ctx, vf, arg);
        if (streq(cmd, "precopy-info"))
                return cmd_precopy_info(ctx, vf);
        if (streq(cmd, "bind") || streq(cmd, "unbind"))
                return cmd_bind(ctx, vf, streq(cmd, "bind"));
        return cmd_reset(ctx, vf);
}
