/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigd: parse the arguments and the config, then manager_new → manager_start (which sends
 * READY=1) → the event loop. A config that cannot be used exits with 78 (EX_CONFIG), so that the
 * unit's RestartPreventExitStatus= keeps the service manager from restarting into the same
 * mistake.
 */

#include <getopt.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "conf.h"
#include "log.h"
#include "manager.h"
#include "version.h"

#define EXIT_USAGE 2

static const char *arg_config = CONFIG_FILE_DEFAULT;
static bool arg_check_config = false;

static void help(void) {
        printf("Usage: hisi-accmigd [OPTIONS]\n"
               "\n"
               "Live migration of HiSilicon accelerator VFs (ZIP, SEC, HPRE): watches the VFs,\n"
               "binds them to hisi_acc_vfio_pci by the configured policy, and answers on the\n"
               "system bus as %s.\n"
               "\n"
               "Options:\n"
               "  -c, --config=FILE     The configuration (default %s)\n"
               "      --check-config    Check the configuration and exit (78 when it is bad)\n"
               "  -f, --foreground      Run in the foreground (always; for compatibility)\n"
               "  -h, --help            Show this help\n"
               "      --version         Show the version\n"
               "\n"
               "See hisi-accmigd(8) and hisi-accmigd.json(5).\n",
               ACCMIG_BUS_NAME, CONFIG_FILE_DEFAULT);
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_CHECK_CONFIG,
        };
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "check-config", no_argument, NULL, ARG_CHECK_CONFIG },
                { "foreground", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "c:fh", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        arg_config = optarg;
                        break;
                case ARG_CHECK_CONFIG:
                        arg_check_config = true;
                        break;
                case 'f':
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("hisi-accmigd %s\n", HISI_VERSION);
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "hisi-accmigd: unexpected argument '%s' (see --help)\n",
                        argv[optind]);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_(config_done) Config config = {};
        _cleanup_free_ char *error = NULL;
        sigset_t mask;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_SUCCESS;

        log_setup(LOG_TARGET_AUTO, "hisi-accmigd");

        r = config_load(arg_config, &config, &error);
        if (r < 0) {
                log_error_errno(r, "Refusing to start: %s", error ? error : strerror(-r));
                (void)sd_notifyf(false, "STATUS=Bad configuration: %s\nERRNO=%d",
                                 error ? error : strerror(-r), -r);
                return ACCMIG_EXIT_CONFIG;
        }
        if (arg_check_config) {
                printf("%s: the configuration is valid.\n", arg_config);
                return EXIT_SUCCESS;
        }
        log_set_max_level(config.log_level);
        if (config.backend == HISI_BACKEND_SIM && !getenv(HISI_SIM_SOCKET_ENV))
                log_warning("backend is \"sim\" but %s is not set: run the daemon under "
                            "`hisi-accsim exec`.",
                            HISI_SIM_SOCKET_ENV);

        /* sd-event takes these signals as events; a child's exit too (the helpers). */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m"), EXIT_FAILURE;
        (void)signal(SIGPIPE, SIG_IGN);

        /* One fd for each VF held, and a service's soft limit is 1024: take the hard one. */
        {
                struct rlimit rl;

                if (getrlimit(RLIMIT_NOFILE, &rl) >= 0 && rl.rlim_cur < rl.rlim_max) {
                        rl.rlim_cur = rl.rlim_max;
                        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                                log_warning_errno(errno, "Could not raise the fd limit: %m");
                }
        }

        r = manager_new(arg_config, &config, &m);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the daemon: %m");
                return EXIT_FAILURE;
        }
        r = manager_start(m);
        if (r < 0) {
                (void)sd_notifyf(false, "STATUS=Failed to start: %s\nERRNO=%d", strerror(-r), -r);
                return EXIT_FAILURE;
        }
        r = manager_run(m);
        log_info("Exiting.");
        return r < 0 ? EXIT_FAILURE : r;
}
