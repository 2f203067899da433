/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl: the command line of hisi-accmigd. It talks to the daemon over the system bus
 * only (com.hisilicon.AccMig1). Tables for people, --json for scripts, and exit codes that
 * scripts can rely on (see hisi-accmigctl(1) and ctl.h).
 *
 * This file parses the options, finds the verb in the groups' tables, checks its arguments,
 * connects and runs it. The verbs live with their group: ctl-devices.c (status, list, show),
 * ctl-bind.c (bind, unbind, reload); a new group is a new file and a line in groups[].
 */

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-bus.h"
#include "accmig-bus.h"
#include "ctl.h"
#include "file-util.h"
#include "hisi/pci-address.h"
#include "macro.h"
#include "time-util.h"
#include "version.h"

const char *arg_verb = NULL;
bool arg_json = false;
bool arg_force = false;
bool arg_persistent = false;
uint64_t arg_timeout_usec = 300 * 1000000ULL;
const char *arg_to = NULL;
char **arg_to_devices = NULL;
size_t arg_n_to_devices = 0;
bool arg_manual_switchover = false;
bool arg_manual_commit = false;
const char *arg_decision = NULL;

uint64_t now_monotonic_usec(void) {
        return now_usec(CLOCK_MONOTONIC);
}

static const CtlVerbGroup *const groups[] = {
        &ctl_devices_verbs,
        &ctl_bind_verbs,
        &ctl_peer_verbs,
        &ctl_migrate_verbs,
};

static const CtlVerb *find_verb(const char *name) {
        for (size_t g = 0; g < ELEMENTSOF(groups); g++)
                for (size_t i = 0; i < groups[g]->n_verbs; i++)
                        if (streq(groups[g]->verbs[i].name, name))
                                return &groups[g]->verbs[i];
        return NULL;
}

static void help(void) {
        printf("Usage: hisi-accmigctl [OPTIONS] COMMAND [VF]\n"
               "\n"
               "Query and steer hisi-accmigd, the HiSilicon accelerator VF migration daemon,\n"
               "over the system bus.\n"
               "\n"
               "Commands:\n");
        for (size_t g = 0; g < ELEMENTSOF(groups); g++)
                for (size_t i = 0; i < groups[g]->n_verbs; i++) {
                        const CtlVerb *v = &groups[g]->verbs[i];
                        _cleanup_free_ char *usage = NULL;

                        (void)asprintf_safe(&usage, "%s%s%s", v->name, v->args[0] ? " " : "",
                                            v->args);
                        printf("  %-15s %s\n", usage ?: v->name, v->help);
                }
        printf("\n"
               "Options:\n"
               "  -j, --json           Print JSON\n"
               "  -f, --force          bind: even a VF the policy's checks refuse (excluded,\n"
               "                       managed by libvirt, held by another driver)\n"
               "  -t, --timeout=SEC    How long bind, unbind and check may take (default 300)\n"
               "      --to=HOST[:PORT] check, migrate: the other host (its hisi-accmigd's peer "
               "port)\n"
               "      --to-device=VF   check, migrate: the destination VF for the next VF, in "
               "order\n"
               "      --manual-switchover  migrate: wait in \"ready\" until 'switchover ID'\n"
               "      --manual-commit  migrate: wait in \"loaded\" until 'commit ID'\n"
               "      --resume-source  resolve: the destination never ran the VFs: run them\n"
               "                       here again\n"
               "      --keep-destination  resolve: the destination runs them: let ours go\n"
               "      --persistent     bind, unbind: record it, so that it outlasts a restart\n"
               "                       and a reboot (see overrides)\n"
               "      --runtime        bind, unbind: until the daemon stops (the default)\n"
               "  -h, --help           Show this help\n"
               "      --version        Show the version\n"
               "\n"
               "Exit status: 0 done, 1 failed, 2 usage, 3 no such VF, 4 not permitted,\n"
               "5 refused, 6 timed out, 7 daemon not running, 8 would not fit (check),\n"
               "9 other host unreachable or refused the link. See hisi-accmigctl(1).\n");
}

/* The verb's arguments as its table line says, each VF address made canonical in place
 * ("75:00.1" → "0000:75:00.1", into addresses[]); EXIT_OK or EXIT_USAGE (said why). */
static int check_args(const CtlVerb *verb, int argc, char **argv,
                      char (*addresses)[HISI_PCI_ADDRESS_MAX]) {
        if (verb->more ? (unsigned)argc < verb->n_args + 1 : (unsigned)argc != verb->n_args + 1) {
                if (verb->n_args == 0)
                        fprintf(stderr, "hisi-accmigctl: %s takes no argument\n", verb->name);
                else if (verb->n_args == 1 && verb->vf)
                        fprintf(stderr, "hisi-accmigctl: %s needs one VF address\n", verb->name);
                else
                        fprintf(stderr, "hisi-accmigctl: %s needs %s (see --help)\n", verb->name,
                                verb->args);
                return EXIT_USAGE;
        }
        /* The options of check and migrate, before anything is asked of the daemon. */
        if (streq(verb->name, "check") || streq(verb->name, "migrate")) {
                if (!arg_to) {
                        fprintf(stderr, "hisi-accmigctl: %s needs --to HOST[:PORT]\n", verb->name);
                        return EXIT_USAGE;
                }
                if (arg_n_to_devices > 0 && arg_n_to_devices != (size_t)argc - 1) {
                        fprintf(stderr,
                                "hisi-accmigctl: %s: %zu --to-device for %d VFs (one per VF, "
                                "in order, or none)\n",
                                verb->name, arg_n_to_devices, argc - 1);
                        return EXIT_USAGE;
                }
        } else if (arg_to || arg_n_to_devices > 0) {
                fprintf(stderr,
                        "hisi-accmigctl: %s: --to and --to-device are for check and migrate\n",
                        verb->name);
                return EXIT_USAGE;
        }
        if ((arg_manual_switchover || arg_manual_commit) && !streq(verb->name, "migrate")) {
                fprintf(stderr,
                        "hisi-accmigctl: %s: --manual-switchover and --manual-commit are for "
                        "migrate\n",
                        verb->name);
                return EXIT_USAGE;
        }
        if (!!arg_decision != streq(verb->name, "resolve")) {
                fprintf(stderr,
                        arg_decision ? "hisi-accmigctl: %s: --resume-source and --keep-destination "
                                       "are for resolve\n"
                                     : "hisi-accmigctl: %s needs --resume-source or "
                                       "--keep-destination\n",
                        verb->name);
                return EXIT_USAGE;
        }
        if (arg_persistent && !streq(verb->name, "bind") && !streq(verb->name, "unbind")) {
                fprintf(stderr, "hisi-accmigctl: %s: --persistent is for bind and unbind\n",
                        verb->name);
                return EXIT_USAGE;
        }
        for (int i = 1; verb->vf && i < (verb->more ? argc : 2); i++) {
                if (hisi_pci_address_normalize(argv[i], addresses[i]) < 0) {
                        fprintf(stderr,
                                "hisi-accmigctl: %s: '%s' is not a PCI address such as "
                                "0000:75:00.1 or 75:00.1\n",
                                verb->name, argv[i]);
                        return EXIT_USAGE;
                }
                argv[i] = addresses[i];
        }
        return EXIT_OK;
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_TO,
                ARG_TO_DEVICE,
                ARG_MANUAL_SWITCHOVER,
                ARG_MANUAL_COMMIT,
                ARG_PERSISTENT,
                ARG_RUNTIME,
                ARG_RESUME_SOURCE,
                ARG_KEEP_DESTINATION,
        };
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "force", no_argument, NULL, 'f' },
                { "timeout", required_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "to", required_argument, NULL, ARG_TO },
                { "to-device", required_argument, NULL, ARG_TO_DEVICE },
                { "manual-switchover", no_argument, NULL, ARG_MANUAL_SWITCHOVER },
                { "manual-commit", no_argument, NULL, ARG_MANUAL_COMMIT },
                { "persistent", no_argument, NULL, ARG_PERSISTENT },
                { "runtime", no_argument, NULL, ARG_RUNTIME },
                { "resume-source", no_argument, NULL, ARG_RESUME_SOURCE },
                { "keep-destination", no_argument, NULL, ARG_KEEP_DESTINATION },
                {},
        };
        bool seen_scope = false;
        int c;

        while ((c = getopt_long(argc, argv, "jft:h", options, NULL)) >= 0)
                switch (c) {
                case 'j':
                        arg_json = true;
                        break;
                case 'f':
                        arg_force = true;
                        break;
                case 't': {
                        unsigned long long s;
                        char *end;

                        errno = 0;
                        s = strtoull(optarg, &end, 10);
                        if (errno != 0 || end == optarg || *end != '\0' || s == 0 ||
                            s > 24 * 3600) {
                                fprintf(stderr, "hisi-accmigctl: --timeout takes seconds from 1 "
                                                "to 86400\n");
                                return -EXIT_USAGE;
                        }
                        arg_timeout_usec = s * 1000000ULL;
                        break;
                }
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("hisi-accmigctl %s\n", HISI_VERSION);
                        return 0;
                case ARG_TO:
                        arg_to = optarg;
                        break;
                case ARG_MANUAL_SWITCHOVER:
                        arg_manual_switchover = true;
                        break;
                case ARG_MANUAL_COMMIT:
                        arg_manual_commit = true;
                        break;
                case ARG_RESUME_SOURCE:
                case ARG_KEEP_DESTINATION: {
                        const char *d = c == ARG_RESUME_SOURCE ? ACCMIG_RESOLVE_RESUME_SOURCE
                                                               : ACCMIG_RESOLVE_KEEP_DESTINATION;
                        if (arg_decision && !streq(arg_decision, d)) {
                                fprintf(stderr, "hisi-accmigctl: --resume-source and "
                                                "--keep-destination exclude each other\n");
                                return -EXIT_USAGE;
                        }
                        arg_decision = d;
                        break;
                }
                case ARG_PERSISTENT:
                case ARG_RUNTIME:
                        if (seen_scope && arg_persistent != (c == ARG_PERSISTENT)) {
                                fprintf(stderr, "hisi-accmigctl: --persistent and --runtime "
                                                "exclude each other\n");
                                return -EXIT_USAGE;
                        }
                        seen_scope = true;
                        arg_persistent = c == ARG_PERSISTENT;
                        break;
                case ARG_TO_DEVICE: {
                        char a[HISI_PCI_ADDRESS_MAX], **l;

                        if (hisi_pci_address_normalize(optarg, a) < 0) {
                                fprintf(stderr,
                                        "hisi-accmigctl: --to-device: '%s' is not a PCI address "
                                        "such as 0000:75:00.1\n",
                                        optarg);
                                return -EXIT_USAGE;
                        }
                        l = realloc(arg_to_devices, (arg_n_to_devices + 2) * sizeof(char *));
                        if (!l)
                                return -EXIT_FAILED;
                        arg_to_devices = l;
                        arg_to_devices[arg_n_to_devices++] = optarg;
                        arg_to_devices[arg_n_to_devices] = NULL;
                        break;
                }
                default:
                        return -EXIT_USAGE;
                }
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char **to_devices = NULL;
        _cleanup_free_ char(*addresses)[HISI_PCI_ADDRESS_MAX] = NULL;
        const CtlVerb *verb;
        int r;

        /* The character set only (tables cut text with an ellipsis where it is UTF-8); numbers
         * and messages stay as they are. */
        (void)setlocale(LC_CTYPE, "");
        /* > 0: run a verb; 0: done (--help, --version); < 0: minus the exit code. */
        r = parse_argv(argc, argv);
        to_devices = arg_to_devices; /* freed at the end */
        if (r <= 0)
                return -r;
        if (optind >= argc) {
                fprintf(stderr, "hisi-accmigctl: no command given (see --help)\n");
                return EXIT_USAGE;
        }
        verb = find_verb(argv[optind]);
        if (!verb) {
                fprintf(stderr, "hisi-accmigctl: unknown command '%s' (see --help)\n",
                        argv[optind]);
                return EXIT_USAGE;
        }
        arg_verb = verb->name;
        /* Every mistake on the command line is said before anything else, daemon or not. */
        addresses = calloc(argc - optind, sizeof(*addresses));
        if (!addresses)
                return EXIT_FAILED;
        r = check_args(verb, argc - optind, argv + optind, addresses);
        if (r != EXIT_OK)
                return r;
        r = ctl_bus_open(&bus);
        if (r < 0) {
                fprintf(stderr, "hisi-accmigctl: cannot connect to the system bus: %s\n",
                        strerror(-r));
                return EXIT_UNREACHABLE;
        }
        return verb->run(bus, argc - optind, argv + optind);
}
