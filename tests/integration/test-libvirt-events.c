/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon follows libvirt's domain events (issue 14), against a real libvirtd serving its
 * test driver: a private libvirtd (Debian's libvirt-daemon) started by this test as an
 * unprivileged user, in session mode, with its socket, config and state in the test's own
 * directory and no driver module loaded (LIBVIRT_DRIVER_DIR points at an empty one), so that it
 * serves only the built-in test driver and never touches the machine's /run/libvirt. Clients
 * reach it as test+unix:///default?socket=…; libvirtd keeps one test:///default state while a
 * connection to it is open, which this test keeps open for the daemon's helpers to share.
 *
 * A domain defined with a HiSilicon VF hostdev gets its metadata; started, its VFs are held;
 * stopped, released; undefined, it loses its reservation; libvirtd restarted, the daemon follows
 * again, and a hold of a domain the new libvirtd does not run becomes a reservation that expires.
 */

#include <check.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "hook-xml.h"
#include "macro.h"
#include "peer-hosts.h"
#include "string-util.h"
#include "test-main.h"
#include "time-util.h"

#define LIBVIRTD "/usr/sbin/libvirtd"
#define ZIP_VF   "0000:75:00.1"
#define ZIP_VF2  "0000:75:00.2"
#define SEC_VF   "0000:76:00.1"

typedef struct libvirtd {
        char *dir;
        char *socket;
        char *uri;
        pid_t pid;
} libvirtd;

static void quiet(void *userdata, virErrorPtr error) {
}

static bool can_run(void) {
        if (access(LIBVIRTD, X_OK) < 0) {
                fprintf(stderr, "%s is not installed (Debian: libvirt-daemon); skipping.\n",
                        LIBVIRTD);
                return false;
        }
        return dh_can_run();
}

static void mkdir_open(const char *path) {
        ck_assert_int_eq(mkdir_p(path, 0777), 0);
        ck_assert_int_eq(chmod(path, 0777), 0);
}

/* libvirtd as nobody (session mode: everything under dir), only the test driver. */
static void libvirtd_start(libvirtd *l) {
        _cleanup_free_ char *conf = NULL, *text = NULL, *sub = NULL;
        const char *subs[] = { "sock", "empty", "home", "run", "config" };
        uint64_t deadline;

        if (!l->dir) {
                char tmpl[] = "/tmp/hisi-test-libvirtd.XXXXXX";
                ck_assert_ptr_nonnull(mkdtemp(tmpl));
                l->dir = strdup(tmpl);
                ck_assert_int_eq(chmod(l->dir, 0755), 0);
                ck_assert_int_ge(asprintf_safe(&l->socket, "%s/sock/libvirt-sock", l->dir), 0);
                ck_assert_int_ge(
                        asprintf_safe(&l->uri, "test+unix:///default?socket=%s", l->socket), 0);
        }
        for (size_t i = 0; i < ELEMENTSOF(subs); i++) {
                sub = mfree(sub);
                ck_assert_int_ge(asprintf_safe(&sub, "%s/%s", l->dir, subs[i]), 0);
                mkdir_open(sub);
        }
        ck_assert_int_ge(asprintf_safe(&conf, "%s/config/libvirtd.conf", l->dir), 0);
        ck_assert_int_ge(asprintf_safe(&text,
                                       "unix_sock_dir = \"%s/sock\"\n"
                                       "unix_sock_rw_perms = \"0777\"\n"
                                       "auth_unix_rw = \"none\"\n"
                                       "auth_unix_ro = \"none\"\n",
                                       l->dir),
                         0);
        ck_assert_int_eq(write_file(conf, text, strlen(text), 0644), 0);
        (void)unlink(l->socket);

        l->pid = fork();
        ck_assert_int_ge(l->pid, 0);
        if (l->pid == 0) {
                _cleanup_free_ char *home = NULL, *run = NULL, *cfg = NULL, *drv = NULL,
                                    *log = NULL;
                int fd;

                (void)asprintf_safe(&home, "HOME=%s/home", l->dir);
                (void)asprintf_safe(&run, "XDG_RUNTIME_DIR=%s/run", l->dir);
                (void)asprintf_safe(&cfg, "XDG_CONFIG_HOME=%s/config", l->dir);
                (void)asprintf_safe(&drv, "LIBVIRT_DRIVER_DIR=%s/empty", l->dir);
                (void)asprintf_safe(&log, "%s/libvirtd.log", l->dir);
                fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (fd >= 0) {
                        (void)dup2(fd, STDOUT_FILENO);
                        (void)dup2(fd, STDERR_FILENO);
                }
                /* --timeout: one that a failed test leaves behind ends by itself once idle. */
                setpgid(0, 0);
                if (geteuid() == 0)
                        execl("/usr/bin/setpriv", "setpriv", "--reuid=65534", "--regid=65534",
                              "--clear-groups", "env", "-i", home, run, cfg, drv,
                              "XDG_CACHE_HOME=/nonexistent", "PATH=/usr/sbin:/usr/bin", LIBVIRTD,
                              "--config", conf, "--timeout", "60", NULL);
                else
                        execl("/usr/bin/env", "env", "-i", home, run, cfg, drv,
                              "PATH=/usr/sbin:/usr/bin", LIBVIRTD, "--config", conf, "--timeout",
                              "60", NULL);
                _exit(127);
        }
        deadline = now_usec(CLOCK_MONOTONIC) + test_limit_ms(20000) * USEC_PER_MSEC;
        while (access(l->socket, F_OK) < 0) {
                ck_assert_msg(now_usec(CLOCK_MONOTONIC) < deadline, "libvirtd did not start");
                usleep(20000);
        }
}

static void libvirtd_stop(libvirtd *l) {
        int status;

        if (l->pid <= 0)
                return;
        (void)kill(-l->pid, SIGKILL);
        (void)kill(l->pid, SIGKILL);
        (void)waitpid(l->pid, &status, 0);
        l->pid = 0;
}

static void libvirtd_done(libvirtd *l) {
        _cleanup_free_ char *cmd = NULL;

        libvirtd_stop(l);
        if (l->dir && asprintf_safe(&cmd, "rm -rf '%s'", l->dir) >= 0)
                (void)system(cmd);
        free(l->dir);
        free(l->socket);
        free(l->uri);
}

static virConnectPtr connect_to(libvirtd *l) {
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + test_limit_ms(20000) * USEC_PER_MSEC;
        virConnectPtr c;

        while (!(c = virConnectOpen(l->uri))) {
                ck_assert_msg(now_usec(CLOCK_MONOTONIC) < deadline, "cannot connect to %s: %s",
                              l->uri, virGetLastErrorMessage());
                usleep(50000);
        }
        return c;
}

#define DOMAIN(name, hostdevs)                                                                     \
        "<domain type='test'>\n"                                                                   \
        "  <name>" name "</name>\n"                                                                \
        "  <memory unit='KiB'>1048576</memory>\n"                                                  \
        "  <vcpu>1</vcpu>\n"                                                                       \
        "  <os><type arch='x86_64'>hvm</type></os>\n"                                              \
        "  <devices>\n" hostdevs "  </devices>\n"                                                  \
        "</domain>\n"

#define HOSTDEV(managed, bus, fn)                                                                  \
        "    <hostdev mode='subsystem' type='pci' managed='" managed "'>\n"                        \
        "      <source><address domain='0x0000' bus='" bus "' slot='0x00' function='" fn           \
        "'/></source>\n"                                                                           \
        "    </hostdev>\n"

static char *property(daemon_harness *h, const char *vf, const char *name) {
        _cleanup_free_ char *p = dh_device_path(vf);
        char *v = NULL;

        ck_assert_int_eq(dh_get_property(h, p, ACCMIG_DEVICE_INTERFACE, name, &v), 0);
        return v;
}

static void wait_property(daemon_harness *h, const char *vf, const char *name, const char *want) {
        _cleanup_free_ char *p = dh_device_path(vf);

        ck_assert_msg(dh_wait_property(h, p, ACCMIG_DEVICE_INTERFACE, name, want) == 0,
                      "%s %s never became \"%s\"", vf, name, want);
}

/* The domain's metadata once it has some (the daemon writes it a moment after the event). */
static char *wait_metadata(virDomainPtr dom, unsigned flags, const char *part) {
        uint64_t deadline = now_usec(CLOCK_MONOTONIC) + test_limit_ms(20000) * USEC_PER_MSEC;

        for (;;) {
                char *meta = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
                                                  ACCMIG_METADATA_NS, flags);

                if (meta && (!part || strstr(meta, part)))
                        return meta;
                ck_assert_msg(now_usec(CLOCK_MONOTONIC) < deadline, "no metadata with %s: %s",
                              strna(part), strna(meta));
                free(meta);
                usleep(50000);
        }
}

START_TEST(test_events) {
        _cleanup_(hook_domain_done) HookDomain parsed = {};
        _cleanup_free_ char *sim = NULL, *config = NULL, *meta = NULL, *xml = NULL, *error = NULL,
                            *v = NULL;
        libvirtd l = {};
        daemon_harness *h = NULL;
        virConnectPtr conn;
        virDomainPtr vm1, vm2;
        size_t cursor = 0;

        virSetErrorFunc(NULL, quiet);
        libvirtd_start(&l);
        conn = connect_to(&l); /* keeps the test driver's state for everyone */

        sim = sim_config("6.16", 64);
        ck_assert_int_eq(dh_new(sim, &h), 0);
        ck_assert_int_ge(asprintf_safe(&config,
                                       "\"binding\": {\"policy\": \"all\"},\n"
                                       "  \"libvirt\": {\"enabled\": true, \"uri\": \"%s\"},\n"
                                       "  \"timeouts\": {\"reservation_ms\": 2000}",
                                       l.uri),
                         0);
        ck_assert_int_eq(dh_write_config(h, config), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        ck_assert_int_eq(dh_wait_log(h, "Following libvirt's domain events at", &cursor), 0);
        wait_property(h, ZIP_VF, "Bound", "true");
        wait_property(h, SEC_VF, "Bound", "true");

        /* Defined with a managed='no' ZIP VF and a managed SEC VF: metadata for both, the ZIP
         * VF described in full (nothing runs it: opened briefly, as for a check). */
        vm1 = virDomainDefineXML(
                conn, DOMAIN("vm1", HOSTDEV("no", "0x75", "0x1") HOSTDEV("yes", "0x76", "0x1")));
        ck_assert_msg(vm1, "%s", virGetLastErrorMessage());
        meta = wait_metadata(vm1, VIR_DOMAIN_AFFECT_CONFIG, "qp-num=");
        xml = virDomainGetXMLDesc(vm1, VIR_DOMAIN_XML_MIGRATABLE);
        ck_assert_ptr_nonnull(xml);
        ck_assert_msg(hook_domain_parse(xml, strlen(xml), &parsed, &error) == 0, "%s",
                      strna(error));
        ck_assert_uint_eq(parsed.n_vfs, 2);
        ck_assert_str_eq(parsed.vfs[0].address, ZIP_VF);
        ck_assert_int_eq(parsed.vfs[0].desc.kind, HISI_KIND_ZIP);
        ck_assert_uint_eq(parsed.vfs[0].desc.device_id, 0xa251);
        ck_assert_uint_gt(parsed.vfs[0].desc.qp_num, 0);
        ck_assert_uint_eq(parsed.vfs[0].qm_version, 0x30);
        ck_assert_str_eq(parsed.vfs[1].address, SEC_VF);
        ck_assert_int_eq(parsed.vfs[1].desc.kind, HISI_KIND_SEC);
        /* libvirt manages the SEC VF: the policy's LibvirtDomain says so. */
        wait_property(h, SEC_VF, "LibvirtDomain", "vm1");

        /* Started: its VFs are held for it, as if the hook had said so. */
        ck_assert_int_eq(virDomainCreate(vm1), 0);
        wait_property(h, ZIP_VF, "ControlMode", "vmm-held");
        wait_property(h, ZIP_VF, "ReservedFor", "vm1");
        v = property(h, ZIP_VF, "ReservedUntil");
        ck_assert_str_eq(v, "0");
        /* The running domain's metadata keeps the full description (never opened now). */
        free(meta);
        meta = wait_metadata(vm1, VIR_DOMAIN_AFFECT_LIVE, "qp-num=");

        /* Stopped: released. */
        ck_assert_int_eq(virDomainDestroy(vm1), 0);
        wait_property(h, ZIP_VF, "ReservedFor", "");
        wait_property(h, ZIP_VF, "ControlMode", "none");

        /* A reservation (the hook's migrate begin) for a defined domain; undefined, it goes. */
        vm2 = virDomainDefineXML(conn, DOMAIN("vm2", HOSTDEV("no", "0x75", "0x2")));
        ck_assert_ptr_nonnull(vm2);
        ck_assert_int_eq(dh_busctl(h, 0, NULL, NULL, "call", ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                   ACCMIG_MANAGER_INTERFACE, "Reserve", "a{sv}sa{sv}", "1", "kind",
                                   "s", "zip", "vm2", "0", NULL),
                         0);
        v = mfree(v);
        v = property(h, ZIP_VF, "ReservedFor");
        if (streq(v, "")) /* the chooser took the other ZIP VF */
                wait_property(h, ZIP_VF2, "ReservedFor", "vm2");
        ck_assert_int_eq(virDomainUndefine(vm2), 0);
        wait_property(h, ZIP_VF, "ReservedFor", "");
        wait_property(h, ZIP_VF2, "ReservedFor", "");
        ck_assert_int_eq(dh_wait_log(h, "libvirt: domain vm2 undefined.", &cursor), 0);

        /* vm1 runs again; libvirtd restarts (a fresh test driver without vm1): the daemon says
         * it lost libvirt, follows again with a backoff, and vm1's hold becomes a reservation
         * that expires, since the new libvirtd does not run vm1. */
        ck_assert_int_eq(virDomainCreate(vm1), 0);
        wait_property(h, ZIP_VF, "ControlMode", "vmm-held");
        virDomainFree(vm1);
        virDomainFree(vm2);
        virConnectClose(conn);
        libvirtd_stop(&l);
        ck_assert_int_eq(dh_wait_log(h,
                                     "Not following libvirt's domain events: lost the "
                                     "connection to libvirt",
                                     &cursor),
                         0);
        libvirtd_start(&l);
        conn = connect_to(&l);
        ck_assert_int_eq(dh_wait_log(h, "Following libvirt's domain events at", &cursor), 0);
        ck_assert_int_eq(dh_wait_log(h, "Domain vm1 does not run: its hold ends", &cursor), 0);
        wait_property(h, ZIP_VF, "ReservedFor", "");

        /* SIGTERM stops the follower with the daemon. */
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
        virConnectClose(conn);
        libvirtd_done(&l);
}
END_TEST

static Suite *libvirt_events_suite(void) {
        Suite *s = suite_create("libvirt-events");
        TCase *tc = test_tcase(s, "libvirtd");

        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_events);
        return s;
}

TEST_MAIN_REQUIRES(can_run, libvirt_events_suite)
