/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl: the command line of hisi-accmigd. It talks to the daemon over the system bus
 * only (com.hisilicon.AccMig1): status, list, show, bind, unbind, reload. Tables for people,
 * --json for scripts, and exit codes that scripts can rely on (see hisi-accmigctl(1) and the
 * EXIT_* values below).
 *
 * Every reply is first turned into JSON by one generic D-Bus → JSON reader, so that --json and
 * the tables print the same data.
 */

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "accmig-bus.h"
#include "json-cleanup.h"
#include "macro.h"
#include "hisi/pci-address.h"
#include "version.h"

/* Exit codes (hisi-accmigctl(1)). */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,      /* the daemon tried and failed (bind failed, bad config, …) */
        EXIT_USAGE = 2,       /* a mistake on the command line */
        EXIT_NO_DEVICE = 3,   /* no such VF on this host */
        EXIT_DENIED = 4,      /* only root may do this */
        EXIT_REFUSED = 5,     /* the policy's checks refused it (excluded, libvirt's, busy, …) */
        EXIT_TIMEOUT = 6,     /* the operation did not finish in time */
        EXIT_UNREACHABLE = 7, /* no daemon on the bus */
};

static bool arg_json = false;
static bool arg_force = false;
static uint64_t arg_timeout_usec = 300 * 1000000ULL;

/* ---- D-Bus → JSON ---- */

static int read_json(sd_bus_message *m, json_object **ret);

static int read_basic(sd_bus_message *m, char type, json_object **ret) {
        union {
                uint8_t y;
                int b;
                int16_t n;
                uint16_t q;
                int32_t i;
                uint32_t u;
                int64_t x;
                uint64_t t;
                double d;
                const char *s;
        } v;
        int r;

        r = sd_bus_message_read_basic(m, type, &v);
        if (r < 0)
                return r;
        switch (type) {
        case 'y':
                *ret = json_object_new_int(v.y);
                break;
        case 'b':
                *ret = json_object_new_boolean(v.b);
                break;
        case 'n':
                *ret = json_object_new_int(v.n);
                break;
        case 'q':
                *ret = json_object_new_int(v.q);
                break;
        case 'i':
                *ret = json_object_new_int(v.i);
                break;
        case 'u':
                *ret = json_object_new_int64(v.u);
                break;
        case 'x':
                *ret = json_object_new_int64(v.x);
                break;
        case 't':
                *ret = json_object_new_uint64(v.t);
                break;
        case 'd':
                *ret = json_object_new_double(v.d);
                break;
        case 's':
        case 'o':
        case 'g':
                *ret = json_object_new_string(v.s);
                break;
        default:
                return -EBADMSG;
        }
        return *ret ? 1 : -ENOMEM;
}

/* A dictionary a{…}: a JSON object keyed by the entries' keys as strings. */
static int read_dict(sd_bus_message *m, const char *contents, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *entry = NULL;
        size_t n = strlen(contents);
        int r;

        if (!o)
                return -ENOMEM;
        /* "{sv}": the entries' signature is "sv". */
        if (n < 4 || contents[n - 1] != '}')
                return -EBADMSG;
        entry = strndup(contents + 1, n - 2);
        if (!entry)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, 'a', contents);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', entry)) > 0) {
                _cleanup_json_ json_object *key = NULL, *value = NULL;

                r = read_json(m, &key);
                if (r <= 0)
                        return r < 0 ? r : -EBADMSG;
                r = read_json(m, &value);
                if (r <= 0)
                        return r < 0 ? r : -EBADMSG;
                json_object_object_add(o, json_object_get_string(key), TAKE_PTR(value));
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 1;
}

/* One value; 0 at the end of the current container. */
static int read_json(sd_bus_message *m, json_object **ret) {
        _cleanup_json_ json_object *a = NULL;
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r;
        if (type == 'a' && contents[0] == '{')
                return read_dict(m, contents, ret);
        if (type == 'a' || type == 'r' || type == 'v') {
                if (type == 'v') {
                        r = sd_bus_message_enter_container(m, 'v', contents);
                        if (r < 0)
                                return r;
                        r = read_json(m, ret);
                        if (r <= 0)
                                return r < 0 ? r : -EBADMSG;
                        r = sd_bus_message_exit_container(m);
                        return r < 0 ? r : 1;
                }
                a = json_object_new_array();
                if (!a)
                        return -ENOMEM;
                r = sd_bus_message_enter_container(m, type, contents);
                if (r < 0)
                        return r;
                for (;;) {
                        json_object *e = NULL;

                        r = read_json(m, &e);
                        if (r < 0)
                                return r;
                        if (r == 0)
                                break;
                        json_object_array_add(a, e);
                }
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(a);
                return 1;
        }
        return read_basic(m, type, ret);
}

/* ---- Calls ---- */

static int exit_code_for(const sd_bus_error *e) {
        if (!e || !e->name)
                return EXIT_FAILED;
        if (sd_bus_error_has_names(e, ACCMIG_ERROR_NO_SUCH_DEVICE, ACCMIG_ERROR_NOT_A_VF))
                return EXIT_NO_DEVICE;
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_ACCESS_DENIED,
                                   "org.freedesktop.DBus.Error.AuthFailed"))
                return EXIT_DENIED;
        if (sd_bus_error_has_names(e, ACCMIG_ERROR_EXCLUDED, ACCMIG_ERROR_MANAGED_BY_LIBVIRT,
                                   ACCMIG_ERROR_HELD_BY_OTHER, ACCMIG_ERROR_BUSY,
                                   ACCMIG_ERROR_SHUTTING_DOWN))
                return EXIT_REFUSED;
        if (sd_bus_error_has_names(e, ACCMIG_ERROR_TIMEOUT, SD_BUS_ERROR_NO_REPLY,
                                   SD_BUS_ERROR_TIMEOUT))
                return EXIT_TIMEOUT;
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                   SD_BUS_ERROR_DISCONNECTED, SD_BUS_ERROR_NO_SERVER))
                return EXIT_UNREACHABLE;
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_INVALID_ARGS))
                return EXIT_USAGE;
        return EXIT_FAILED;
}

/* Print a failed call's error and return the exit code for it. */
static int call_failed(const char *what, const sd_bus_error *e, int r) {
        if (arg_json) {
                _cleanup_json_ json_object *o = json_object_new_object();
                json_object_object_add(o, "error",
                                       json_object_new_string(e && e->name ? e->name : "errno"));
                json_object_object_add(
                        o, "message",
                        json_object_new_string(e && e->message ? e->message : strerror(-r)));
                puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
        }
        if (e && e->name &&
            sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                fprintf(stderr,
                        "hisi-accmigctl: hisi-accmigd is not running (%s is not on the "
                        "system bus).\n",
                        ACCMIG_BUS_NAME);
        else
                fprintf(stderr, "hisi-accmigctl: %s: %s\n", what,
                        e && e->message ? e->message : strerror(-r));
        return e && e->name ? exit_code_for(e) : EXIT_FAILED;
}

static int get_all(sd_bus *bus, const char *path, const char *interface, json_object **ret,
                   sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_call_method(bus, ACCMIG_BUS_NAME, path, "org.freedesktop.DBus.Properties",
                               "GetAll", error, &reply, "s", interface);
        if (r < 0)
                return r;
        r = read_json(reply, ret);
        return r < 0 ? r : r == 0 ? -EBADMSG : 0;
}

static const char *str(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !v)
                return "";
        return json_object_get_string(v);
}

static int64_t num(json_object *o, const char *key) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !v)
                return 0;
        return json_object_get_int64(v);
}

static const char *dash(const char *s) {
        return s && s[0] ? s : "-";
}

static void print_json(json_object *o) {
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* ---- Commands ---- */

static int cmd_status(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_json_ json_object *p = NULL;
        json_object *pfs;
        int r;

        if (argc != 1) {
                fprintf(stderr, "hisi-accmigctl: status takes no argument\n");
                return EXIT_USAGE;
        }
        r = get_all(bus, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, &p, &error);
        if (r < 0)
                return call_failed("status", &error, r);
        if (arg_json) {
                print_json(p);
                return EXIT_OK;
        }
        printf("hisi-accmigd %s: %s, backend %s, config %s\n", str(p, "Version"), str(p, "State"),
               str(p, "Backend"), str(p, "ConfigFile"));
        printf("Binding policy: %s\n", str(p, "BindPolicy"));
        printf("VFs: %lld (%lld bound to hisi_acc_vfio_pci, %lld failed), %lld bind job%s "
               "pending\n",
               (long long)num(p, "DeviceCount"), (long long)num(p, "BoundCount"),
               (long long)num(p, "FailedCount"), (long long)num(p, "PendingJobs"),
               num(p, "PendingJobs") == 1 ? "" : "s");
        printf("libvirt: %s%s%s\n", str(p, "LibvirtState"), str(p, "LibvirtError")[0] ? ": " : "",
               str(p, "LibvirtError"));
        if (json_object_object_get_ex(p, "PhysicalFunctions", &pfs) &&
            json_object_array_length(pfs) > 0) {
                printf("\n%-13s %-5s %-12s %s\n", "PF", "KIND", "DRIVER", "VFS");
                for (size_t i = 0; i < json_object_array_length(pfs); i++) {
                        json_object *pf = json_object_array_get_idx(pfs, i);
                        printf("%-13s %-5s %-12s %lld/%lld\n",
                               json_object_get_string(json_object_array_get_idx(pf, 0)),
                               json_object_get_string(json_object_array_get_idx(pf, 1)),
                               dash(json_object_get_string(json_object_array_get_idx(pf, 2))),
                               (long long)json_object_get_int64(json_object_array_get_idx(pf, 3)),
                               (long long)json_object_get_int64(json_object_array_get_idx(pf, 4)));
                }
        }
        return EXIT_OK;
}

static int compare_address(const void *a, const void *b) {
        return strcmp(str(*(json_object *const *)a, "Address"),
                      str(*(json_object *const *)b, "Address"));
}

static int cmd_list(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_json_ json_object *objects = NULL, *list = NULL;
        int r;

        if (argc != 1) {
                fprintf(stderr, "hisi-accmigctl: list takes no argument\n");
                return EXIT_USAGE;
        }
        r = sd_bus_call_method(bus, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                               "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", &error,
                               &reply, NULL);
        if (r < 0)
                return call_failed("list", &error, r);
        r = read_json(reply, &objects);
        if (r <= 0) {
                fprintf(stderr, "hisi-accmigctl: malformed reply\n");
                return EXIT_FAILED;
        }
        list = json_object_new_array();
        json_object_object_foreach (objects, path, interfaces) {
                json_object *dev;
                (void)path;
                if (json_object_object_get_ex(interfaces, ACCMIG_DEVICE_INTERFACE, &dev))
                        json_object_array_add(list, json_object_get(dev));
        }
        json_object_array_sort(list, compare_address);
        if (arg_json) {
                print_json(list);
                return EXIT_OK;
        }
        printf("%-13s %-5s %-13s %-18s %-7s %-9s %s\n", "VF", "KIND", "PF", "DRIVER", "POLICY",
               "STATE", "NOTE");
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *d = json_object_array_get_idx(list, i);
                const char *note = str(d, "LastError")[0]       ? str(d, "LastError")
                                   : str(d, "LibvirtDomain")[0] ? "libvirt-managed"
                                                                : "";
                printf("%-13s %-5s %-13s %-18s %-7s %-9s %s\n", str(d, "Address"), str(d, "Kind"),
                       dash(str(d, "PF")), dash(str(d, "Driver")), str(d, "Policy"),
                       str(d, "BindState"), note);
        }
        if (json_object_array_length(list) == 0)
                printf("(no HiSilicon accelerator VFs on this host)\n");
        return EXIT_OK;
}

static int check_address(const char *cmd, const char *address) {
        char a[HISI_PCI_ADDRESS_MAX];

        if (hisi_pci_address_normalize(address, a) < 0) {
                fprintf(stderr,
                        "hisi-accmigctl: %s: '%s' is not a PCI address such as "
                        "0000:75:00.1\n",
                        cmd, address);
                return EXIT_USAGE;
        }
        return EXIT_OK;
}

static int cmd_show(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_json_ json_object *p = NULL;
        static const char *const keys[] = {
                "Address",        "Kind",      "Name",           "DeviceId",      "PF",
                "VFIndex",        "Driver",    "DriverOverride", "Bound",         "IommuGroup",
                "VfioDevice",     "Policy",    "PolicyReason",   "LibvirtDomain", "Owner",
                "BindState",      "LastError", "BindAttempts",   "ControlMode",   "MigrationState",
                "MigrationFlags",
        };
        const char *path;
        int r;

        if (argc != 2) {
                fprintf(stderr, "hisi-accmigctl: show needs one VF address\n");
                return EXIT_USAGE;
        }
        r = check_address("show", argv[1]);
        if (r != EXIT_OK)
                return r;
        r = sd_bus_call_method(bus, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                               "GetDevice", &error, &reply, "s", argv[1]);
        if (r < 0)
                return call_failed(argv[1], &error, r);
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return EXIT_FAILED;
        r = get_all(bus, path, ACCMIG_DEVICE_INTERFACE, &p, &error);
        if (r < 0)
                return call_failed(argv[1], &error, r);
        if (arg_json) {
                print_json(p);
                return EXIT_OK;
        }
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                json_object *v;
                const char *s = json_object_object_get_ex(p, keys[i], &v) && v
                                        ? json_object_get_string(v)
                                        : "";
                if (streq(keys[i], "DeviceId") && v)
                        printf("%16s: 0x%04llx\n", keys[i],
                               (unsigned long long)json_object_get_int64(v));
                else
                        printf("%16s: %s\n", keys[i], dash(s));
        }
        return EXIT_OK;
}

static int cmd_bind(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        bool bind = streq(argv[0], "bind");
        const char *message;
        int r;

        if (argc != 2) {
                fprintf(stderr, "hisi-accmigctl: %s needs one VF address\n", argv[0]);
                return EXIT_USAGE;
        }
        r = check_address(argv[0], argv[1]);
        if (r != EXIT_OK)
                return r;
        r = sd_bus_message_new_method_call(bus, &call, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                           ACCMIG_MANAGER_INTERFACE,
                                           bind ? "BindDevice" : "UnbindDevice");
        if (r >= 0)
                r = sd_bus_message_append(call, "st", argv[1],
                                          arg_force ? ACCMIG_BIND_FORCE : UINT64_C(0));
        if (r < 0) {
                fprintf(stderr, "hisi-accmigctl: cannot build the call: %s\n", strerror(-r));
                return EXIT_FAILED;
        }
        r = sd_bus_call(bus, call, arg_timeout_usec, &error, &reply);
        if (r < 0)
                return call_failed(argv[1], &error, r);
        r = sd_bus_message_read(reply, "s", &message);
        if (r < 0)
                return EXIT_FAILED;
        if (arg_json) {
                _cleanup_json_ json_object *o = json_object_new_object();
                json_object_object_add(o, "address", json_object_new_string(argv[1]));
                json_object_object_add(o, "message", json_object_new_string(message));
                print_json(o);
        } else
                printf("%s: %s\n", argv[1], message);
        return EXIT_OK;
}

static int cmd_reload(sd_bus *bus, int argc, char **argv) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (argc != 1) {
                fprintf(stderr, "hisi-accmigctl: reload takes no argument\n");
                return EXIT_USAGE;
        }
        r = sd_bus_call_method(bus, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                               "Reload", &error, NULL, NULL);
        if (r < 0)
                return call_failed("reload", &error, r);
        if (arg_json)
                puts("{}");
        return EXIT_OK;
}

static void help(void) {
        printf("Usage: hisi-accmigctl [OPTIONS] COMMAND [VF]\n"
               "\n"
               "Query and steer hisi-accmigd, the HiSilicon accelerator VF migration daemon,\n"
               "over the system bus.\n"
               "\n"
               "Commands:\n"
               "  status          The daemon, its policy, the PFs and counts\n"
               "  list            Every VF: driver, policy verdict, binding state\n"
               "  show VF         Everything about one VF\n"
               "  bind VF         Bind a VF to hisi_acc_vfio_pci (root)\n"
               "  unbind VF       Give a VF back to its host driver (root)\n"
               "  reload          Read the configuration again (root)\n"
               "\n"
               "Options:\n"
               "  -j, --json           Print JSON\n"
               "  -f, --force          bind: even a VF the policy's checks refuse (excluded,\n"
               "                       managed by libvirt, held by another driver)\n"
               "  -t, --timeout=SEC    How long bind and unbind may take (default 300)\n"
               "  -h, --help           Show this help\n"
               "      --version        Show the version\n"
               "\n"
               "Exit status: 0 done, 1 failed, 2 usage, 3 no such VF, 4 not permitted,\n"
               "5 refused, 6 timed out, 7 daemon not running. See hisi-accmigctl(1).\n");
}

int main(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
        };
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "force", no_argument, NULL, 'f' },
                { "timeout", required_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        static const struct {
                const char *name;
                int (*run)(sd_bus *bus, int argc, char **argv);
        } commands[] = {
                { "status", cmd_status }, { "list", cmd_list },   { "show", cmd_show },
                { "bind", cmd_bind },     { "unbind", cmd_bind }, { "reload", cmd_reload },
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        char *end;
        int c, r;

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
                        errno = 0;
                        s = strtoull(optarg, &end, 10);
                        if (errno != 0 || end == optarg || *end != '\0' || s == 0 ||
                            s > 24 * 3600) {
                                fprintf(stderr, "hisi-accmigctl: --timeout takes seconds from 1 "
                                                "to 86400\n");
                                return EXIT_USAGE;
                        }
                        arg_timeout_usec = s * 1000000ULL;
                        break;
                }
                case 'h':
                        help();
                        return EXIT_OK;
                case ARG_VERSION:
                        printf("hisi-accmigctl %s\n", HISI_VERSION);
                        return EXIT_OK;
                default:
                        return EXIT_USAGE;
                }
        if (optind >= argc) {
                fprintf(stderr, "hisi-accmigctl: no command given (see --help)\n");
                return EXIT_USAGE;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                if (!streq(argv[optind], commands[i].name))
                        continue;
                r = sd_bus_open_system(&bus);
                if (r < 0) {
                        fprintf(stderr, "hisi-accmigctl: cannot connect to the system bus: %s\n",
                                strerror(-r));
                        return EXIT_UNREACHABLE;
                }
                (void)sd_bus_error_add_map(bus_error_map);
                return commands[i].run(bus, argc - optind, argv + optind);
        }
        fprintf(stderr, "hisi-accmigctl: unknown command '%s' (see --help)\n", argv[optind]);
        return EXIT_USAGE;
}
