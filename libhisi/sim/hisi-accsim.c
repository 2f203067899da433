/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accsim: the simulated HiSilicon host. `start` runs a host in a directory (sysfs and
 * uevents through umockdev, the migration devices on a socket), `exec` runs a command that sees
 * it, `ctl` inspects it and injects faults, `stop` ends it. The host is a process of its own so
 * that it outlives a client that crashes, as a kernel does.
 *
 * Files in the host directory: root (the testbed directory, for UMOCKDEV_DIR), pid,
 * device.sock (the migration devices), ctl.sock (control), accsim.log (background mode).
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "hisi/pci-address.h"
#include "errno-name.h"
#include "file-util.h"
#include "macro.h"
#include "parse-util.h"
#include "sim-config.h"
#include "sim-ctl.h"
#include "sim-host.h"
#include "sim-proto.h"
#include "sim-uevent-overrun.h"
#include "version.h"

#define EXIT_USAGE         2
#define ACCMIG_EXIT_CONFIG 78 /* EX_CONFIG */
#define PRELOAD            "libumockdev-preload.so.0"
#define SYSFS_PRELOAD      "libhisi-accsim-preload.so"

static const char *arg_dir = NULL;
static const char *arg_config = NULL;
static int arg_reset_fix = -1; /* -1: the config's */
static bool arg_foreground = false;
static bool arg_json = false;
static int arg_ready_fd = -1;

static void help(void) {
        printf("Usage: hisi-accsim COMMAND --dir DIR [OPTIONS] [ARGS]\n"
               "\n"
               "A simulated HiSilicon accelerator host: PFs and VFs in sysfs with uevents\n"
               "(umockdev), and their VFIO migration devices behaving as hisi_acc_vfio_pci does.\n"
               "\n"
               "Commands:\n"
               "  start [--config FILE] [--reset-fix yes|no] [--foreground]\n"
               "                                         Run a host in DIR\n"
               "  stop                                   End the host in DIR\n"
               "  exec -- COMMAND [ARGS...]              Run COMMAND so that it sees the host\n"
               "  ctl [--json] list                      Every PF and VF\n"
               "  ctl [--json] show DEVICE               One device\n"
               "  ctl [--json] digest VF                 Digest of the VF guest's registers\n"
               "  ctl fault VF arc FROM TO ERRNO [once]  Fail an arc with ERRNO\n"
               "  ctl fault VF delay FROM TO MS          Slow an arc down\n"
               "  ctl fault VF corrupt OFFSET            Flip a byte of the next saved stream\n"
               "  ctl fault VF clear                     Remove the VF's faults\n"
               "  ctl fault-probe DRIVER ERRNO|0         Make a driver's probe fail (or not)\n"
               "  ctl reset VF                           Reset a VF (FLR)\n"
               "  ctl unplug VF                          Hot-unplug a VF\n"
               "  ctl plug VF                            Hot-add an unplugged VF again\n"
               "  ctl guest VF on|off                    Load or unload the guest driver\n"
               "  ctl clock stop|run                     Stop or run every guest's clock\n"
               "\n"
               "Options:\n"
               "  -d, --dir=DIR        The host's directory\n"
               "  -c, --config=FILE    Host description (JSON); default: one PF per kind, 4 VFs\n"
               "  -r, --reset-fix=BOOL start: whether a reset returns a VF to RUNNING (the 2026\n"
               "                       fix; default: the config's \"reset_fix\", or the "
               "profile's)\n"
               "  -f, --foreground     start: stay in the foreground (prints \"ready\")\n"
               "  -j, --json           ctl: print JSON\n"
               "  -h, --help           Show this help\n"
               "      --version        Show the version\n");
}

static int dir_path(const char *name, char **ret) {
        return asprintf_safe(ret, "%s/%s", arg_dir, name);
}

/* The pid of the host running in DIR, or -ESRCH. */
static int host_pid(pid_t *ret) {
        _cleanup_free_ char *p = NULL, *s = NULL;
        uint32_t pid;

        if (dir_path("pid", &p) < 0)
                return -ENOMEM;
        if (read_one_line_file(p, &s) < 0 || safe_atou32(s, &pid) < 0 || pid == 0)
                return -ESRCH;
        if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
                return -ESRCH;
        *ret = (pid_t)pid;
        return 0;
}

/* A file of the host's directory, written all or nothing. */
static int write_dir_file(const char *name, const char *content) {
        _cleanup_free_ char *p = NULL;

        if (dir_path(name, &p) < 0)
                return -ENOMEM;
        return write_file_atomic(p, content, strlen(content), 0644);
}

static void remove_dir_file(const char *name) {
        _cleanup_free_ char *p = NULL;
        if (dir_path(name, &p) >= 0)
                (void)unlink(p);
}

static bool preload_active(void) {
        const char *p = getenv("LD_PRELOAD");
        return p && strstr(p, "libumockdev-preload");
}

/* umockdev's preload first in LD_PRELOAD, unless it is there already. */
static int set_preload(void) {
        const char *old = getenv("LD_PRELOAD");
        _cleanup_free_ char *v = NULL;

        if (old && strstr(old, "libumockdev-preload"))
                return 0;
        if (asprintf_safe(&v, old && old[0] ? PRELOAD ":%s" : PRELOAD, old) < 0)
                return -ENOMEM;
        return setenv("LD_PRELOAD", v, 1) < 0 ? negative_errno() : 0;
}

/* Our preload library (libhisi/sim-preload): $HISI_ACCSIM_PRELOAD, else beside this program
 * (the build tree), else where it is installed. */
static int find_sysfs_preload(char **ret) {
        _cleanup_free_ char *self = NULL, *beside = NULL;
        const char *env = getenv("HISI_ACCSIM_PRELOAD");
        char *slash;

        if (env && env[0]) {
                *ret = strdup(env);
                return *ret ? 0 : -ENOMEM;
        }
        self = realpath("/proc/self/exe", NULL);
        if (self && (slash = strrchr(self, '/'))) {
                *slash = '\0';
                if (asprintf_safe(&beside, "%s/" SYSFS_PRELOAD, self) < 0)
                        return -ENOMEM;
                if (access(beside, R_OK) == 0) {
                        *ret = TAKE_PTR(beside);
                        return 0;
                }
        }
        if (asprintf_safe(ret, "%s/" SYSFS_PRELOAD, HISI_ACCSIM_PRELOAD_DIR) < 0)
                return -ENOMEM;
        return access(*ret, R_OK) == 0 ? 0 : -ENOENT;
}

/* For exec: our preload, then umockdev's, so that a write to a PCI core attribute reaches the
 * host before umockdev sends it into the testbed. */
static int set_exec_preload(void) {
        const char *old = getenv("LD_PRELOAD");
        _cleanup_free_ char *ours = NULL, *v = NULL;
        int r;

        r = find_sysfs_preload(&ours);
        if (r < 0) {
                fprintf(stderr,
                        "hisi-accsim: cannot find " SYSFS_PRELOAD " (set "
                        "HISI_ACCSIM_PRELOAD): %s\n",
                        strerror(-r));
                return r;
        }
        if (old && strstr(old, SYSFS_PRELOAD))
                return 0;
        if (old && strstr(old, "libumockdev-preload"))
                r = asprintf_safe(&v, "%s:%s", ours, old);
        else if (old && old[0])
                r = asprintf_safe(&v, "%s:" PRELOAD ":%s", ours, old);
        else
                r = asprintf_safe(&v, "%s:" PRELOAD, ours);
        if (r < 0)
                return -ENOMEM;
        return setenv("LD_PRELOAD", v, 1) < 0 ? negative_errno() : 0;
}

/* The host itself runs under umockdev's preload alone: our preload would hand the host's own
 * writes to the tree back to a host. */
static int clear_exec_env(void) {
        const char *old = getenv("LD_PRELOAD");
        _cleanup_free_ char *v = NULL;
        size_t n = 0;

        (void)unsetenv(SIM_SOCKET_ENV);
        if (!old || !strstr(old, SYSFS_PRELOAD))
                return 0;
        v = calloc(1, strlen(old) + 1);
        if (!v)
                return -ENOMEM;
        /* Keep every entry but ours (entries are separated by colons or spaces). */
        for (const char *p = old; *p;) {
                size_t len = strcspn(p, ": ");
                if (len > 0 && !memmem(p, len, SYSFS_PRELOAD, strlen(SYSFS_PRELOAD))) {
                        if (n > 0)
                                v[n++] = ':';
                        memcpy(v + n, p, len);
                        n += len;
                }
                p += len;
                p += strspn(p, ": ");
        }
        v[n] = '\0';
        return (n > 0 ? setenv("LD_PRELOAD", v, 1) : unsetenv("LD_PRELOAD")) < 0 ? negative_errno()
                                                                                 : 0;
}

static int load_config(sim_config *ret) {
        _cleanup_free_ char *error = NULL;
        int r;

        if (!arg_config)
                r = sim_config_default(ret);
        else {
                r = sim_config_load(arg_config, ret, &error);
                if (r < 0)
                        fprintf(stderr, "hisi-accsim: %s\n", error ? error : strerror(-r));
        }
        if (r >= 0 && arg_reset_fix >= 0)
                ret->reset_fix = arg_reset_fix;
        return r;
}

/* The config's faults, through the same handler as `ctl fault`. */
static int apply_faults(sim_host *host, sd_event *event, const sim_config *config) {
        for (size_t i = 0; config->faults && i < json_object_array_length(config->faults); i++) {
                json_object *req = NULL, *reply, *ok, *message = NULL;
                bool good;

                if (json_object_deep_copy(json_object_array_get_idx(config->faults, i), &req,
                                          NULL) < 0)
                        return -ENOMEM;
                json_object_object_add(req, "cmd", json_object_new_string("fault"));
                reply = sim_ctl_handle(host, event, req);
                json_object_put(req);
                good = json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok);
                if (!good) {
                        json_object_object_get_ex(reply, "message", &message);
                        fprintf(stderr, "hisi-accsim: %s: faults[%zu]: %s\n",
                                arg_config ? arg_config : "config", i,
                                message ? json_object_get_string(message) : "refused");
                }
                json_object_put(reply);
                if (!good)
                        return -EINVAL;
        }
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* The host itself, in the foreground, under umockdev's preload. */
static int run_host(void) {
        _cleanup_(sim_config_done) sim_config config = {};
        _cleanup_(sim_host_freep) sim_host *host = NULL;
        _cleanup_(sim_ctl_freep) sim_ctl *ctl = NULL;
        _cleanup_free_ char *dev_sock = NULL, *ctl_sock = NULL;
        sd_event *event = NULL;
        char pid[32];
        size_t n_vfs = 0;
        int r;

        r = load_config(&config);
        if (r < 0)
                return ACCMIG_EXIT_CONFIG;
        for (size_t i = 0; i < config.n_pfs; i++)
                n_vfs += config.pfs[i].num_vfs;

        if (dir_path("device.sock", &dev_sock) < 0 || dir_path("ctl.sock", &ctl_sock) < 0)
                return EXIT_FAILURE;
        r = sd_event_default(&event);
        if (r < 0)
                goto fail;
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void)sd_event_add_signal(event, NULL, SIGTERM, on_signal, NULL);
        (void)sd_event_add_signal(event, NULL, SIGINT, on_signal, NULL);
        signal(SIGPIPE, SIG_IGN);

        r = sim_host_new(event, &config, dev_sock, &host);
        if (r < 0)
                goto fail;
        r = sim_ctl_new(event, host, ctl_sock, &ctl);
        if (r < 0)
                goto fail;
        r = apply_faults(host, event, &config);
        if (r < 0) {
                sd_event_unref(event);
                return ACCMIG_EXIT_CONFIG;
        }
        snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
        r = write_dir_file("root", sim_host_root(host));
        if (r >= 0)
                r = write_dir_file("pid", pid);
        if (r < 0)
                goto fail;

        printf("hisi-accsim: ready: %zu PFs, %zu VFs, kernel profile %s%s, in %s\n", config.n_pfs,
               n_vfs, sim_profile_to_string(config.profile),
               !sim_profile_has_precopy(config.profile) ? ""
               : config.reset_fix                       ? " with the reset fix"
                                                        : " without the reset fix",
               arg_dir);
        fflush(stdout);
        if (arg_ready_fd >= 0) {
                (void)loop_write(arg_ready_fd, "ready\n", 6);
                arg_ready_fd = safe_close(arg_ready_fd);
        }
        (void)sd_notify(0, "READY=1\nSTATUS=Simulated host ready");

        r = sd_event_loop(event);
        (void)sd_notify(0, "STOPPING=1");
        if (sim_uevent_overruns() > 0)
                fprintf(stderr,
                        "hisi-accsim: %llu uevents were dropped for listeners whose socket was "
                        "full (each was told: ENOBUFS)\n",
                        (unsigned long long)sim_uevent_overruns());
        remove_dir_file("pid");
        remove_dir_file("root");
        ctl = sim_ctl_free(ctl);
        host = sim_host_free(host);
        sd_event_unref(event);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
fail:
        fprintf(stderr, "hisi-accsim: cannot start the host in %s: %s\n", arg_dir, strerror(-r));
        sd_event_unref(event);
        return EXIT_FAILURE;
}

/* The arguments of the foreground host this start runs: args has room for 12. */
static char **start_argv(char *argv0, char *ready_fd, char **args) {
        size_t n = 0;

        args[n++] = argv0;
        args[n++] = (char *)"start";
        args[n++] = (char *)"--foreground";
        if (ready_fd) {
                args[n++] = (char *)"--ready-fd";
                args[n++] = ready_fd;
        }
        args[n++] = (char *)"--dir";
        args[n++] = (char *)arg_dir;
        if (arg_config) {
                args[n++] = (char *)"--config";
                args[n++] = (char *)arg_config;
        }
        if (arg_reset_fix >= 0) {
                args[n++] = (char *)"--reset-fix";
                args[n++] = (char *)(arg_reset_fix ? "yes" : "no");
        }
        args[n] = NULL;
        return args;
}

static int cmd_start(char *argv0) {
        _cleanup_free_ char *log = NULL, *ready_arg = NULL, *self = NULL;
        pid_t pid, child;
        int pipefd[2], status;
        char buf[16] = {};
        ssize_t n;

        if (mkdir(arg_dir, 0755) < 0 && errno != EEXIST) {
                fprintf(stderr, "hisi-accsim: cannot create %s: %m\n", arg_dir);
                return EXIT_FAILURE;
        }
        if (host_pid(&pid) >= 0) {
                fprintf(stderr, "hisi-accsim: a host already runs in %s (pid %d)\n", arg_dir,
                        (int)pid);
                return EXIT_FAILURE;
        }
        /* Refuse a bad config here, before anything goes to the background. */
        {
                _cleanup_(sim_config_done) sim_config config = {};
                if (load_config(&config) < 0)
                        return ACCMIG_EXIT_CONFIG;
        }

        if (clear_exec_env() < 0)
                return EXIT_FAILURE;
        if (arg_foreground) {
                if (!preload_active()) {
                        /* uevents reach only clients under the same preload: re-exec under it. */
                        if (set_preload() < 0)
                                return EXIT_FAILURE;
                        execv("/proc/self/exe", start_argv(argv0, NULL, (char *[12]){}));
                        fprintf(stderr, "hisi-accsim: cannot re-execute itself: %m\n");
                        return EXIT_FAILURE;
                }
                return run_host();
        }

        /* In the background: a child runs the host, and we return once it says it is ready. */
        if (pipe2(pipefd, O_CLOEXEC) < 0 || dir_path("accsim.log", &log) < 0)
                return EXIT_FAILURE;
        child = fork();
        if (child < 0)
                return EXIT_FAILURE;
        if (child == 0) {
                int logfd, nullfd;
                close(pipefd[0]);
                (void)setsid();
                nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (nullfd < 0 || logfd < 0)
                        _exit(EXIT_FAILURE);
                dup2(nullfd, STDIN_FILENO);
                dup2(logfd, STDOUT_FILENO);
                dup2(logfd, STDERR_FILENO);
                /* The ready pipe survives the exec. */
                fcntl(pipefd[1], F_SETFD, 0);
                if (asprintf_safe(&ready_arg, "%d", pipefd[1]) < 0 || set_preload() < 0)
                        _exit(EXIT_FAILURE);
                execv("/proc/self/exe", start_argv(argv0, ready_arg, (char *[12]){}));
                _exit(EXIT_FAILURE);
        }
        close(pipefd[1]);
        n = loop_read(pipefd[0], buf, sizeof(buf) - 1);
        close(pipefd[0]);
        if (n > 0 && strneq(buf, "ready", 5)) {
                printf("hisi-accsim: host ready in %s (pid %d, log %s)\n", arg_dir, (int)child,
                       log);
                return EXIT_SUCCESS;
        }
        (void)waitpid(child, &status, 0);
        fprintf(stderr, "hisi-accsim: the host did not start; see %s\n", log);
        return WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : EXIT_FAILURE;
}

static int cmd_exec(char **argv) {
        _cleanup_free_ char *root_file = NULL, *root = NULL, *sock = NULL;
        pid_t pid;

        if (!argv[0]) {
                fprintf(stderr, "hisi-accsim: exec needs a command after --\n");
                return EXIT_USAGE;
        }
        if (host_pid(&pid) < 0) {
                fprintf(stderr, "hisi-accsim: no host runs in %s (start one first)\n", arg_dir);
                return EXIT_FAILURE;
        }
        if (dir_path("root", &root_file) < 0 || read_one_line_file(root_file, &root) < 0 ||
            dir_path("device.sock", &sock) < 0) {
                fprintf(stderr, "hisi-accsim: %s has no host root\n", arg_dir);
                return EXIT_FAILURE;
        }
        if (setenv("UMOCKDEV_DIR", root, 1) < 0 || setenv(SIM_SOCKET_ENV, sock, 1) < 0 ||
            set_exec_preload() < 0)
                return EXIT_FAILURE;
        execvp(argv[0], argv);
        fprintf(stderr, "hisi-accsim: cannot execute %s: %m\n", argv[0]);
        return 127;
}

/* Send one ctl request; print the reply. */
static int ctl_call(json_object *req) {
        _cleanup_free_ char *sock = NULL, *buf = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        json_object *reply = NULL, *ok, *result = NULL;
        const char *out = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
        ssize_t n;
        int ret = EXIT_FAILURE;

        if (dir_path("ctl.sock", &sock) < 0 || strlen(sock) >= sizeof(sa.sun_path))
                return EXIT_FAILURE;
        strcpy(sa.sun_path, sock);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                fprintf(stderr, "hisi-accsim: no host runs in %s: %m\n", arg_dir);
                return EXIT_FAILURE;
        }
        if (send(fd, out, strlen(out), MSG_NOSIGNAL) < 0)
                return EXIT_FAILURE;
        buf = malloc(SIM_CTL_MSG_MAX + 1);
        if (!buf)
                return EXIT_FAILURE;
        n = recv(fd, buf, SIM_CTL_MSG_MAX, 0);
        if (n <= 0) {
                fprintf(stderr, "hisi-accsim: the host did not answer\n");
                return EXIT_FAILURE;
        }
        buf[n] = '\0';
        reply = json_tokener_parse(buf);
        if (!reply || !json_object_object_get_ex(reply, "ok", &ok)) {
                fprintf(stderr, "hisi-accsim: malformed reply\n");
                json_object_put(reply);
                return EXIT_FAILURE;
        }
        json_object_object_get_ex(reply, "result", &result);
        if (!json_object_get_boolean(ok)) {
                json_object *e = NULL, *m = NULL;
                json_object_object_get_ex(reply, "error", &e);
                json_object_object_get_ex(reply, "message", &m);
                fprintf(stderr, "hisi-accsim: %s: %s\n", json_object_get_string(e),
                        json_object_get_string(m));
        } else {
                ret = EXIT_SUCCESS;
                if (arg_json)
                        puts(json_object_to_json_string_ext(
                                result ? result : reply,
                                JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                else if (json_object_is_type(result, json_type_string))
                        puts(json_object_get_string(result));
                else if (json_object_is_type(result, json_type_array)) {
                        printf("%-13s %-4s %-5s %-13s %-18s %-13s %s\n", "DEVICE", "ROLE", "KIND",
                               "PF", "DRIVER", "STATE", "DIGEST");
                        for (size_t i = 0; i < json_object_array_length(result); i++) {
                                json_object *d = json_object_array_get_idx(result, i), *v;
                                const char *f[7] = {};
                                static const char *const keys[7] = { "address", "role",   "kind",
                                                                     "pf",      "driver", "state",
                                                                     "digest" };
                                for (size_t k = 0; k < 7; k++)
                                        f[k] = json_object_object_get_ex(d, keys[k], &v) && v
                                                       ? json_object_get_string(v)
                                                       : "-";
                                printf("%-13s %-4s %-5s %-13s %-18s %-13s %s\n", f[0], f[1], f[2],
                                       f[3], f[4], f[5], f[6]);
                        }
                } else if (result)
                        puts(json_object_to_json_string_ext(
                                result, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        }
        json_object_put(reply);
        return ret;
}

static json_object *request(const char *cmd, const char *device) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "cmd", json_object_new_string(cmd));
        if (device)
                json_object_object_add(o, "device", json_object_new_string(device));
        return o;
}

static int usage_error(const char *msg) {
        fprintf(stderr, "hisi-accsim: %s (see --help)\n", msg);
        return EXIT_USAGE;
}

/* An errno argument: a name ("EIO") or a number, sent as given. */
static json_object *errno_arg(const char *s) {
        uint32_t n;
        if (safe_atou32(s, &n) >= 0)
                return json_object_new_int((int)n);
        return json_object_new_string(s);
}

static int cmd_ctl(int argc, char **argv) {
        char device[HISI_PCI_ADDRESS_MAX];
        json_object *req = NULL;
        const char *cmd = argc > 0 ? argv[0] : NULL;
        int r;

        if (!cmd)
                return usage_error("ctl needs a command");
        /* A device argument, short ("75:00.1") or full. */
        if (argc >= 2 && !streq(cmd, "list") && !streq(cmd, "stop") && !streq(cmd, "fault-probe") &&
            !streq(cmd, "clock")) {
                if (hisi_pci_address_normalize(argv[1], device) < 0)
                        return usage_error("DEVICE is not a PCI address such as 0000:75:00.1 or "
                                           "75:00.1");
                argv[1] = device;
        }
        if (streq(cmd, "list") && argc == 1)
                req = request("list", NULL);
        else if ((streq(cmd, "show") || streq(cmd, "digest") || streq(cmd, "reset") ||
                  streq(cmd, "unplug") || streq(cmd, "plug")) &&
                 argc == 2)
                req = request(cmd, argv[1]);
        else if (streq(cmd, "clock") && argc == 2 &&
                 (streq(argv[1], "stop") || streq(argv[1], "run"))) {
                req = request("clock", NULL);
                json_object_object_add(req, "run", json_object_new_boolean(streq(argv[1], "run")));
        } else if (streq(cmd, "guest") && argc == 3 &&
                   (streq(argv[2], "on") || streq(argv[2], "off"))) {
                req = request("guest", argv[1]);
                json_object_object_add(req, "driver",
                                       json_object_new_boolean(streq(argv[2], "on")));
        } else if (streq(cmd, "fault-probe") && argc == 3) {
                req = request("fault", NULL);
                json_object_object_add(req, "type", json_object_new_string("probe"));
                json_object_object_add(req, "driver", json_object_new_string(argv[1]));
                json_object_object_add(req, "errno", errno_arg(argv[2]));
        } else if (streq(cmd, "fault") && argc >= 3) {
                const char *type = argv[2];
                uint32_t n;
                req = request("fault", argv[1]);
                json_object_object_add(req, "type", json_object_new_string(type));
                if (streq(type, "arc") && (argc == 6 || (argc == 7 && streq(argv[6], "once")))) {
                        json_object_object_add(req, "from", json_object_new_string(argv[3]));
                        json_object_object_add(req, "to", json_object_new_string(argv[4]));
                        json_object_object_add(req, "errno", errno_arg(argv[5]));
                        json_object_object_add(req, "once", json_object_new_boolean(argc == 7));
                } else if (streq(type, "delay") && argc == 6 && safe_atou32(argv[5], &n) >= 0) {
                        json_object_object_add(req, "from", json_object_new_string(argv[3]));
                        json_object_object_add(req, "to", json_object_new_string(argv[4]));
                        json_object_object_add(req, "ms", json_object_new_int64(n));
                } else if (streq(type, "corrupt") && argc == 4 && safe_atou32(argv[3], &n) >= 0)
                        json_object_object_add(req, "offset", json_object_new_int64(n));
                else if (!streq(type, "clear") || argc != 3) {
                        json_object_put(req);
                        return usage_error("malformed fault");
                }
        } else if (streq(cmd, "stop") && argc == 1)
                req = request("stop", NULL);
        else
                return usage_error("unknown or malformed ctl command");
        r = ctl_call(req);
        json_object_put(req);
        return r;
}

static int cmd_stop(void) {
        json_object *req = request("stop", NULL);
        pid_t pid;
        int r;

        if (host_pid(&pid) < 0) {
                fprintf(stderr, "hisi-accsim: no host runs in %s\n", arg_dir);
                json_object_put(req);
                return EXIT_FAILURE;
        }
        r = ctl_call(req);
        json_object_put(req);
        if (r != EXIT_SUCCESS)
                return r;
        /* Wait until the host has cleaned up (its pid file goes last but one). */
        for (int i = 0; i < 1000 && kill(pid, 0) == 0; i++)
                usleep(10 * 1000);
        return EXIT_SUCCESS;
}

int main(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_READY_FD
        };
        static const struct option options[] = {
                { "dir", required_argument, NULL, 'd' },
                { "config", required_argument, NULL, 'c' },
                { "reset-fix", required_argument, NULL, 'r' },
                { "foreground", no_argument, NULL, 'f' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "ready-fd", required_argument, NULL, ARG_READY_FD },
                {},
        };
        char *argv0 = argv[0];
        const char *cmd;
        int c;

        if (argc < 2)
                return usage_error("no command given");
        cmd = argv[1];
        if (streq(cmd, "-h") || streq(cmd, "--help")) {
                help();
                return EXIT_SUCCESS;
        }
        if (streq(cmd, "--version")) {
                printf("hisi-accsim %s\n", HISI_VERSION);
                return EXIT_SUCCESS;
        }
        /* Options follow the command; "+" stops at the first argument, so that
         * `exec -- CMD --its-options` and ctl's arguments are left alone. */
        argc--;
        argv++;
        while ((c = getopt_long(argc, argv, "+d:c:r:fjh", options, NULL)) >= 0)
                switch (c) {
                case 'd':
                        arg_dir = optarg;
                        break;
                case 'c':
                        arg_config = optarg;
                        break;
                case 'r':
                        if (streq(optarg, "yes"))
                                arg_reset_fix = 1;
                        else if (streq(optarg, "no"))
                                arg_reset_fix = 0;
                        else
                                return usage_error("--reset-fix takes yes or no");
                        break;
                case 'f':
                        arg_foreground = true;
                        break;
                case 'j':
                        arg_json = true;
                        break;
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case ARG_VERSION:
                        printf("hisi-accsim %s\n", HISI_VERSION);
                        return EXIT_SUCCESS;
                case ARG_READY_FD:
                        if (safe_atoi(optarg, &arg_ready_fd) < 0 || arg_ready_fd < 0)
                                return usage_error("bad --ready-fd");
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (!arg_dir)
                return usage_error("--dir is required");
        if (strlen(arg_dir) > 80)
                /* The sockets live in DIR and a socket path is at most 107 bytes. */
                return usage_error("--dir is too long for a socket path (80 bytes at most)");

        if (streq(cmd, "start"))
                return optind == argc ? cmd_start(argv0) : usage_error("start takes no arguments");
        if (streq(cmd, "stop"))
                return optind == argc ? cmd_stop() : usage_error("stop takes no arguments");
        if (streq(cmd, "exec"))
                return cmd_exec(argv + optind + (optind < argc && streq(argv[optind], "--")));
        if (streq(cmd, "ctl"))
                return cmd_ctl(argc - optind, argv + optind);
        fprintf(stderr, "hisi-accsim: unknown command '%s' (see --help)\n", cmd);
        return EXIT_USAGE;
}
