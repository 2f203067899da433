/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmig-hook run exactly as libvirt runs a hook (domain, operation, sub-operation and
 * extra as arguments, the domain XML on stdin, a minimal environment; the exit status, stdout
 * and stderr read back) against a real hisi-accmigd on a simulated host with one PF of each
 * kind and two VFs each (qp count 64). Realistic domain XML: hostdevs of each kind, managed and
 * unmanaged, other devices around them, metadata present and absent, two HiSilicon hostdevs in
 * one domain, none at all, a VF that cannot be matched, malformed and truncated XML, a daemon
 * that does not run or does not answer; reservations that expire, that are held and released,
 * and that the caller check guards.
 */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon-harness.h"
#include "file-util.h"
#include "macro.h"
#include "peer-hosts.h"
#include "test-main.h"
#include "time-util.h"

#define ZIP_VF  "0000:75:00.1"
#define ZIP_VF2 "0000:75:00.2"
#define SEC_VF  "0000:76:00.1"

/* The output of one run of the hook. */
typedef struct hook_run {
        int status;
        char *out, *err;
        uint64_t usec;
} hook_run;

static void hook_run_done(hook_run *r) {
        free(r->out);
        free(r->err);
}

static char *read_memfd(int fd) {
        char *s = NULL;
        off_t n = lseek(fd, 0, SEEK_END);

        ck_assert_int_ge(n, 0);
        s = calloc(1, (size_t)n + 1);
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(pread(fd, s, (size_t)n, 0), n);
        close(fd);
        return s;
}

/* libvirt's way: argv, the XML through a pipe on stdin, stdout and stderr collected, LC_ALL=C,
 * a fixed PATH, HOME=/root; and the harness's bus as the system bus. */
static void run_hook_env(daemon_harness *h, const char *extra_env, const char *domain,
                         const char *op, const char *subop, const char *xml, size_t len,
                         hook_run *ret) {
        int in[2], out = memfd_create("out", MFD_CLOEXEC), err = memfd_create("err", MFD_CLOEXEC);
        _cleanup_free_ char *bus = NULL;
        uint64_t start = now_usec(CLOCK_MONOTONIC);
        int status;
        pid_t pid;

        ck_assert_int_ge(out, 0);
        ck_assert_int_ge(err, 0);
        ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
        ck_assert_int_ge(asprintf_safe(&bus, "DBUS_SYSTEM_BUS_ADDRESS=%s", h->bus_address), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                char *argv[] = { (char *)"hisi-accmig", (char *)domain, (char *)op,
                                 (char *)subop,         (char *)"-",    NULL };
                char *envp[] = { (char *)"LC_ALL=C",
                                 (char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
                                 (char *)"HOME=/root",
                                 bus,
                                 (char *)extra_env,
                                 NULL };

                if (dup2(in[0], 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
                        _exit(127);
                execve(HISI_TEST_HOOK, argv, envp);
                _exit(127);
        }
        close(in[0]);
        /* libvirt writes the whole XML whatever the hook does with it. */
        signal(SIGPIPE, SIG_IGN);
        for (size_t done = 0; done < len;) {
                ssize_t k = write(in[1], xml + done, len - done);
                if (k < 0)
                        break;
                done += (size_t)k;
        }
        close(in[1]);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ret->usec = now_usec(CLOCK_MONOTONIC) - start;
        ck_assert_msg(WIFEXITED(status), "the hook was killed by signal %d", WTERMSIG(status));
        ret->status = WEXITSTATUS(status);
        ret->out = read_memfd(out);
        ret->err = read_memfd(err);
}

static void run_hook(daemon_harness *h, const char *domain, const char *op, const char *xml,
                     hook_run *ret) {
        const char *subop = strstr(op, " ");

        ck_assert_ptr_nonnull(subop);
        {
                _cleanup_free_ char *o = strndup(op, (size_t)(subop - op));
                run_hook_env(h, NULL, domain, o, subop + 1, xml, strlen(xml), ret);
        }
}

static daemon_harness *start(const char *extra_config) {
        _cleanup_free_ char *sim = sim_config("6.16", 64), *config = NULL;
        daemon_harness *h = NULL;
        const char *vfs[] = { ZIP_VF,         ZIP_VF2,        SEC_VF,
                              "0000:76:00.2", "0000:77:00.1", "0000:77:00.2" };

        ck_assert_int_eq(dh_new(sim, &h), 0);
        ck_assert_int_ge(
                asprintf_safe(&config, "\"binding\": {\"policy\": \"all\"}%s", extra_config ?: ""),
                0);
        ck_assert_int_eq(dh_write_config(h, config), 0);
        ck_assert_int_eq(dh_start_daemon(h), 0);
        for (size_t i = 0; i < ELEMENTSOF(vfs); i++) {
                _cleanup_free_ char *p = dh_device_path(vfs[i]);
                ck_assert_int_eq(dh_wait_property(h, p, ACCMIG_DEVICE_INTERFACE, "Bound", "true"),
                                 0);
        }
        return h;
}

static char *property(daemon_harness *h, const char *vf, const char *name) {
        _cleanup_free_ char *p = dh_device_path(vf);
        char *v = NULL;

        ck_assert_int_eq(dh_get_property(h, p, ACCMIG_DEVICE_INTERFACE, name, &v), 0);
        return v;
}

static void assert_property(daemon_harness *h, const char *vf, const char *name, const char *want) {
        _cleanup_free_ char *v = property(h, vf, name);
        ck_assert_msg(streq(v, want), "%s %s is \"%s\", not \"%s\"", vf, name, v, want);
}

/* The metadata the daemon's libvirt helper writes on the source. */
#define METADATA_ZIP_SEC(qp)                                                                       \
        "  <metadata>\n"                                                                           \
        "    <accmig:vfs xmlns:accmig=\"https://hisilicon.com/accmig/1\">\n"                       \
        "      <accmig:vf address=\"0000:81:00.1\" kind=\"zip\" device-id=\"0xa251\" qp-num=\"" qp \
        "\" stream-version=\"1\"/>\n"                                                              \
        "      <accmig:vf address=\"0000:82:00.3\" kind=\"sec\" device-id=\"0xa256\" "             \
        "qp-num=\"64\"/>\n"                                                                        \
        "    </accmig:vfs>\n"                                                                      \
        "  </metadata>\n"

/* A domain as `virsh dumpxml --migratable` gives it on the source: a disk, a network
 * interface, a USB hostdev and a non-HiSilicon PCI hostdev around a managed ZIP VF and an
 * unmanaged SEC VF; comments, both quote styles, odd spacing. */
#define DOMAIN_HEAD(name)                                                                          \
        "<domain type='kvm'>\n"                                                                    \
        "  <name>" name "</name>\n"                                                                \
        "  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>\n"                                    \
        "  <memory unit='KiB'>4194304</memory>\n"                                                  \
        "  <vcpu placement='static'>4</vcpu>\n"                                                    \
        "  <os><type arch='aarch64' machine='virt-7.2'>hvm</type></os>\n"

#define DOMAIN_DEVICES(zip_address, sec_address)                                                   \
        "  <devices>\n"                                                                            \
        "    <emulator>/usr/bin/qemu-system-aarch64</emulator>\n"                                  \
        "    <disk type='file' device='disk'>\n"                                                   \
        "      <driver name='qemu' type='qcow2'/>\n"                                               \
        "      <source file='/var/lib/libvirt/images/vm.qcow2'/>\n"                                \
        "      <target dev='vda' bus='virtio'/>\n"                                                 \
        "      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>\n"      \
        "    </disk>\n"                                                                            \
        "    <interface type='network'>\n"                                                         \
        "      <mac address='52:54:00:6b:3c:58'/><source network='default'/>\n"                    \
        "      <model type='virtio'/>\n"                                                           \
        "    </interface>\n"                                                                       \
        "    <!-- the ZIP engine -->\n"                                                            \
        "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"                                \
        "      <driver name='vfio'/>\n"                                                            \
        "      <source>\n"                                                                         \
        "        " zip_address "\n"                                                                \
        "      </source>\n"                                                                        \
        "      <alias name='hostdev0'/>\n"                                                         \
        "      <address type='pci' domain='0x0000' bus='0x07' slot='0x00' function='0x0'/>\n"      \
        "    </hostdev>\n"                                                                         \
        "    <hostdev mode=\"subsystem\" type=\"pci\" managed=\"no\">\n"                           \
        "      <source>" sec_address "</source>\n"                                                 \
        "    </hostdev>\n"                                                                         \
        "    <hostdev mode='subsystem' type='pci' managed='yes'>\n"                                \
        "      <source><address domain='0x0000' bus='0x03' slot='0x00' "                           \
        "function='0x0'/></source>\n"                                                              \
        "    </hostdev>\n"                                                                         \
        "    <hostdev mode='subsystem' type='usb' managed='yes'>\n"                                \
        "      <source><vendor id='0x0781'/><product id='0x5567'/></source>\n"                     \
        "    </hostdev>\n"                                                                         \
        "  </devices>\n"                                                                           \
        "</domain>\n"

#define SRC_ZIP "<address domain='0x0000' bus='0x81' slot='0x00' function='0x1'/>"
#define SRC_SEC "<address  bus=\"0x82\" slot=\"0x00\" function=\"3\" ></address>"

static const char migrating[] =
        DOMAIN_HEAD("vm1") METADATA_ZIP_SEC("64") DOMAIN_DEVICES(SRC_ZIP, SRC_SEC);
/* What the hook must print: the two HiSilicon addresses replaced, every other byte the same. */
static const char rewritten[] = DOMAIN_HEAD("vm1") METADATA_ZIP_SEC("64")
        DOMAIN_DEVICES("<address domain='0x0000' bus='0x75' slot='0x00' function='0x1'/>",
                       "<address domain='0x0000' bus='0x76' slot='0x00' function='0x1'>"
                       "</address>");

START_TEST(test_migrate_prepare_start_release) {
        _cleanup_(hook_run_done) hook_run r = {}, p = {}, s = {}, x = {}, rel = {};
        daemon_harness *h = start(NULL);

        run_hook(h, "vm1", "migrate begin", migrating, &r);
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        ck_assert_str_eq(r.out, rewritten);
        ck_assert_ptr_nonnull(strstr(r.err, "0000:81:00.1 -> " ZIP_VF));
        assert_property(h, ZIP_VF, "ReservedFor", "vm1");
        assert_property(h, SEC_VF, "ReservedFor", "vm1");
        assert_property(h, ZIP_VF2, "ReservedFor", "");
        {
                _cleanup_free_ char *until = property(h, ZIP_VF, "ReservedUntil");
                ck_assert_str_ne(until, "0");
        }
        assert_property(h, ZIP_VF, "ControlMode", "none");

        /* A second domain gets the other ZIP VF; a third finds none free. */
        {
                _cleanup_(hook_run_done) hook_run a = {}, b = {};
                static const char vm2[] =
                        DOMAIN_HEAD("vm2") METADATA_ZIP_SEC("64") DOMAIN_DEVICES(SRC_ZIP, SRC_SEC);
                static const char vm3[] =
                        DOMAIN_HEAD("vm3") METADATA_ZIP_SEC("64") DOMAIN_DEVICES(SRC_ZIP, SRC_SEC);

                run_hook(h, "vm2", "migrate begin", vm2, &a);
                ck_assert_msg(a.status == 0, "exit %d: %s", a.status, a.err);
                ck_assert_ptr_nonnull(strstr(a.out, "bus='0x75' slot='0x00' function='0x2'"));
                assert_property(h, ZIP_VF2, "ReservedFor", "vm2");
                run_hook(h, "vm3", "migrate begin", vm3, &b);
                ck_assert_int_eq(b.status, 1);
                ck_assert_str_eq(b.out, "");
                ck_assert_msg(strstr(b.err, "hisi-accmig-hook: domain vm3: no zip VF on this "
                                            "host takes the state of 0000:81:00.1: no free zip "
                                            "VF bound to hisi_acc_vfio_pci"),
                              "%s", b.err);
                /* vm3 keeps nothing; vm2 has the other SEC VF. */
                assert_property(h, "0000:76:00.2", "ReservedFor", "vm2");
                /* A VF held for vm1 stops vm2 from starting with it. */
                hook_run_done(&b);
                b = (hook_run){};
                run_hook(h, "vm2", "prepare begin", rewritten, &b);
                ck_assert_int_eq(b.status, 1);
                ck_assert_msg(strstr(b.err, ZIP_VF " is reserved for domain vm1"), "%s", b.err);
                hook_run_done(&b);
                b = (hook_run){};
                run_hook_env(h, NULL, "vm2", "release", "end", "", 0, &b);
                assert_property(h, ZIP_VF2, "ReservedFor", "");
                assert_property(h, "0000:76:00.2", "ReservedFor", "");
        }

        /* libvirt goes on with the XML the hook printed. */
        run_hook(h, "vm1", "prepare begin", r.out, &p);
        ck_assert_msg(p.status == 0, "exit %d: %s", p.status, p.err);
        assert_property(h, ZIP_VF, "ControlMode", "vmm-held");
        assert_property(h, SEC_VF, "ControlMode", "vmm-held");
        assert_property(h, ZIP_VF, "ReservedUntil", "0");
        run_hook(h, "vm1", "start begin", r.out, &s);
        ck_assert_msg(s.status == 0, "exit %d: %s", s.status, s.err);
        /* Other operations: nothing, at once. */
        run_hook(h, "vm1", "started begin", r.out, &x);
        ck_assert_int_eq(x.status, 0);
        ck_assert_str_eq(x.out, "");
        assert_property(h, ZIP_VF, "ReservedFor", "vm1");

        /* The domain stops: libvirt's "release end <reason>". */
        run_hook_env(h, NULL, "vm1", "release", "end", r.out, strlen(r.out), &rel);
        ck_assert_msg(rel.status == 0, "exit %d: %s", rel.status, rel.err);
        assert_property(h, ZIP_VF, "ReservedFor", "");
        assert_property(h, SEC_VF, "ReservedFor", "");
        assert_property(h, ZIP_VF, "ControlMode", "none");
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

START_TEST(test_unmatched) {
        _cleanup_(hook_run_done) hook_run r = {};
        static const char xml[] =
                DOMAIN_HEAD("big") METADATA_ZIP_SEC("128") DOMAIN_DEVICES(SRC_ZIP, SRC_SEC);
        daemon_harness *h = start(NULL);

        run_hook(h, "big", "migrate begin", xml, &r);
        ck_assert_int_eq(r.status, 1);
        ck_assert_str_eq(r.out, "");
        ck_assert_msg(strstr(r.err, "no zip VF on this host takes the state of 0000:81:00.1: "
                                    "qp count: source 128, destination 64"),
                      "%s", r.err);
        /* Nothing reserved: not the ZIP VF, nor the SEC VF. */
        assert_property(h, ZIP_VF, "ReservedFor", "");
        assert_property(h, ZIP_VF2, "ReservedFor", "");
        assert_property(h, SEC_VF, "ReservedFor", "");
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

/* No metadata, or no HiSilicon hostdev: the XML as it came, and no daemon needed. */
START_TEST(test_nothing_ours) {
        _cleanup_(hook_run_done) hook_run a = {}, b = {}, c = {};
        static const char plain[] = DOMAIN_HEAD("plain") DOMAIN_DEVICES(SRC_ZIP, SRC_SEC);
        static const char no_hostdev[] = "<domain type='kvm'><name>tiny</name><devices>"
                                         "<disk type='file' device='disk'/></devices></domain>";
        daemon_harness *h = start(NULL);

        ck_assert_int_eq(dh_stop_daemon(h), 0);
        run_hook(h, "plain", "migrate begin", plain, &a);
        ck_assert_int_eq(a.status, 0);
        ck_assert_str_eq(a.out, plain);
        run_hook(h, "tiny", "migrate begin", no_hostdev, &b);
        ck_assert_int_eq(b.status, 0);
        ck_assert_str_eq(b.out, no_hostdev);
        /* Starting a domain without our metadata does not need the daemon either. */
        run_hook(h, "plain", "prepare begin", plain, &c);
        ck_assert_msg(c.status == 0, "exit %d: %s", c.status, c.err);
        dh_free(h);
}
END_TEST

START_TEST(test_malformed) {
        static const struct {
                const char *xml;
                const char *says;
        } cases[] = {
                { "", "the domain XML is empty" },
                { "<domain><name>x</name><devices><hostdev mode='subsystem'",
                  "not well-formed (line 1:" },
                { "<notadomain/>", "the root element is not <domain>" },
                { "<domain><devices><hostdev mode='subsystem' type='pci'><source>"
                  "<address domain='0x0000' slot='0x00' function='0x1'/></source></hostdev>"
                  "</devices></domain>",
                  "PCI hostdev 1 has no valid <source><address/>" },
                { "<domain><metadata><a:vfs xmlns:a='https://hisilicon.com/accmig/1'>"
                  "<a:vf address='0000:81:00.1' kind='gpu'/></a:vfs></metadata></domain>",
                  "metadata vf 1: kind is missing or not zip, sec or hpre" },
                { "<domain><metadata><a:vfs xmlns:a='https://hisilicon.com/accmig/1'>"
                  "<a:vf address='0000:81:00.1' kind='zip' qp-num='-1'/></a:vfs></metadata>"
                  "</domain>",
                  "metadata vf 1: qp-num is not a number" },
                { "<!DOCTYPE domain [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><domain>&e;"
                  "</domain>",
                  NULL },
        };
        daemon_harness *h = start(NULL);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(hook_run_done) hook_run r = {};

                run_hook(h, "bad", "migrate begin", cases[i].xml, &r);
                if (!cases[i].says) {
                        /* An external entity is never read: no passwd in the output. */
                        ck_assert_ptr_null(strstr(r.out, "root:"));
                        continue;
                }
                ck_assert_msg(r.status == 1, "case %zu: exit %d", i, r.status);
                ck_assert_str_eq(r.out, "");
                ck_assert_msg(strstr(r.err, cases[i].says), "case %zu: %s", i, r.err);
        }
        /* Truncated in the middle of the migrating domain's XML. */
        for (size_t cut = 1; cut < sizeof(migrating) - 1; cut += 97) {
                _cleanup_(hook_run_done) hook_run r = {};

                run_hook_env(h, NULL, "cut", "migrate", "begin", migrating, cut, &r);
                ck_assert_msg(r.status == 1, "cut at %zu: exit %d", cut, r.status);
                ck_assert_str_eq(r.out, "");
        }
        assert_property(h, ZIP_VF, "ReservedFor", "");
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

START_TEST(test_daemon_away) {
        _cleanup_(hook_run_done) hook_run a = {}, b = {}, c = {};
        daemon_harness *h = start(NULL);

        /* Stopped: it says so at once. */
        ck_assert_int_eq(kill(h->daemon_pid, SIGSTOP), 0);
        run_hook_env(h, "HISI_ACCMIG_HOOK_TIMEOUT_MS=1000", "vm1", "migrate", "begin", migrating,
                     strlen(migrating), &a);
        ck_assert_int_eq(kill(h->daemon_pid, SIGCONT), 0);
        ck_assert_int_eq(a.status, 1);
        ck_assert_str_eq(a.out, "");
        ck_assert_msg(strstr(a.err, "hisi-accmigd did not answer Release within 1000 ms"), "%s",
                      a.err);
        ck_assert_uint_lt(a.usec, test_limit_ms(3000) * USEC_PER_MSEC);

        ck_assert_int_eq(dh_stop_daemon(h), 0);
        run_hook(h, "vm1", "migrate begin", migrating, &b);
        ck_assert_int_eq(b.status, 1);
        ck_assert_str_eq(b.out, "");
        ck_assert_msg(strstr(b.err, "hisi-accmig-hook: domain vm1: hisi-accmigd is not running"),
                      "%s", b.err);
        ck_assert_uint_lt(b.usec, test_limit_ms(5000) * USEC_PER_MSEC);
        /* Releasing with no daemon: nothing is held. */
        run_hook(h, "vm1", "release end", migrating, &c);
        ck_assert_int_eq(c.status, 0);
        dh_free(h);
}
END_TEST

START_TEST(test_expiry_and_access) {
        _cleanup_(hook_run_done) hook_run r = {};
        _cleanup_free_ char *err = NULL, *path = dh_device_path(ZIP_VF);
        daemon_harness *h = start(",\n  \"timeouts\": {\"reservation_ms\": 1500}");

        run_hook(h, "vm1", "migrate begin", migrating, &r);
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        assert_property(h, ZIP_VF, "ReservedFor", "vm1");
        /* libvirt never comes back: the VF is free again. */
        ck_assert_int_eq(dh_wait_property(h, path, ACCMIG_DEVICE_INTERFACE, "ReservedFor", ""), 0);
        ck_assert_int_eq(dh_wait_log(h, "timeouts.reservation_ms passed", NULL), 0);

        /* Only root (or whom polkit allows) reserves; nobody may read. */
        ck_assert_int_ne(dh_busctl(h, DH_NOBODY, NULL, &err, "call", ACCMIG_BUS_NAME,
                                   ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE, "Release", "s", "vm1",
                                   NULL),
                         0);
        ck_assert_msg(strstr(err, "Access denied"), "%s", err);
        err = mfree(err);
        /* Malformed calls are refused by name. */
        ck_assert_int_ne(dh_busctl(h, 0, NULL, &err, "call", ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                   ACCMIG_MANAGER_INTERFACE, "Reserve", "a{sv}sa{sv}", "1",
                                   "qp-num", "u", "64", "vm1", "0", NULL),
                         0);
        ck_assert_msg(strstr(err, "The descriptor has no kind"), "%s", err);
        err = mfree(err);
        ck_assert_int_ne(dh_busctl(h, 0, NULL, &err, "call", ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                   ACCMIG_MANAGER_INTERFACE, "Reserve", "a{sv}sa{sv}", "1", "kind",
                                   "s", "zip", "", "0", NULL),
                         0);
        ck_assert_msg(strstr(err, "is not a domain name"), "%s", err);
        ck_assert_int_eq(dh_stop_daemon(h), 0);
        dh_free(h);
}
END_TEST

static Suite *libvirt_hook_suite(void) {
        Suite *s = suite_create("libvirt-hook");
        TCase *tc = test_tcase(s, "hook");

        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_migrate_prepare_start_release);
        tcase_add_test(tc, test_unmatched);
        tcase_add_test(tc, test_nothing_ours);
        tcase_add_test(tc, test_malformed);
        tcase_add_test(tc, test_daemon_away);
        tcase_add_test(tc, test_expiry_and_access);
        return s;
}

TEST_MAIN_REQUIRES(dh_can_run, libvirt_hook_suite)
