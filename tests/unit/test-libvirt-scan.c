/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the libvirt scan (daemon/libvirt-scan.c): the helper's output is decoded
 * strictly (addresses made canonical, unknown keys and bad addresses refused, the helper's own
 * error passed on), and the real helper program answers a libvirt test-driver URI with the
 * managed hostdevs of its domains and a URI nobody serves with an error. The scan runs the
 * helper under the event loop: its answer comes back decoded; a helper that hangs is killed at
 * the deadline and reaped, one that cannot run, fails or says too much is reported so, and a
 * scan stopped early leaves no process and no fd behind.
 */

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "file-util.h"
#include "libvirt-events.h"
#include "libvirt-scan.h"
#include "macro.h"
#include "test-main.h"

static int parse(const char *text, LibvirtHostdev **h, size_t *n, char **error) {
        return libvirt_scan_parse(text, strlen(text), h, n, error);
}

START_TEST(test_parse) {
        LibvirtHostdev *h = NULL;
        size_t n = 0;

        ck_assert_int_eq(parse("{\"hostdevs\": [{\"address\": \"75:00.1\", \"domain\": \"vm1\"},"
                               " {\"address\": \"0000:76:00.2\"}]}",
                               &h, &n, NULL),
                         0);
        ck_assert_uint_eq(n, 2);
        ck_assert_str_eq(h[0].address, "0000:75:00.1");
        ck_assert_str_eq(h[0].domain, "vm1");
        ck_assert_str_eq(h[1].domain, "");
        libvirt_hostdevs_free(h, n);
        ck_assert_int_eq(parse("{\"hostdevs\": []}", &h, &n, NULL), 0);
        ck_assert_uint_eq(n, 0);
        libvirt_hostdevs_free(h, n);
}
END_TEST

static const struct {
        const char *text;
        const char *error;
} bad[] = {
        { "{\"error\": \"cannot connect to libvirt\"}", "cannot connect to libvirt" },
        { "{}", "helper output:1: missing required key \"hostdevs\"" },
        { "{\"hostdevs\": [{\"address\": \"x\"}]}",
          "helper output:1: hostdevs[0].address: expected a PCI address, got \"x\"" },
        { "{\"hostdevs\": [{\"address\": \"75:00.1\", \"name\": 1}]}",
          "helper output:1: hostdevs[0].name: unknown key" },
        { "{\"hostdevs\": {}}", "helper output:1: hostdevs: expected an array" },
        { "", "helper output:1:" },
};

/* The event follower's lines (libvirt-events.h). */
START_TEST(test_event_lines) {
        static const char started[] =
                "{\"event\":\"started\",\"detail\":1,\"domain\":\"vm1\","
                "\"managed\":[\"0000:75:00.1\"],\"hostdevs\":[\"75:00.1\",\"0000:76:00.1\","
                "\"0000:75:00.1\"],\"active\":true,\"persistent\":false}";
        static const char *const bad_lines[] = {
                "",
                "[]",
                "{\"event\":\"started\"}",
                "{\"event\":\"started\",\"domain\":\"vm1\",\"managed\":[\"x\"],"
                "\"hostdevs\":[]}",
                "{\"event\":\"defined\",\"domain\":\"vm1\",\"managed\":[],\"hostdevs\":[],"
                "\"surprise\":1}",
                "{\"event\":7}",
        };
        _cleanup_(libvirt_event_done) LibvirtEvent e = {};
        _cleanup_free_ char *error = NULL;

        ck_assert_int_eq(libvirt_event_parse(started, strlen(started), &e, &error), 1);
        ck_assert_int_eq(e.type, LIBVIRT_EVENT_STARTED);
        ck_assert_int_eq(e.detail, 1);
        ck_assert_str_eq(e.domain, "vm1");
        ck_assert_str_eq(e.managed[0], "0000:75:00.1");
        ck_assert_ptr_null(e.managed[1]);
        /* Canonical, once each. */
        ck_assert_str_eq(e.hostdevs[0], "0000:75:00.1");
        ck_assert_str_eq(e.hostdevs[1], "0000:76:00.1");
        ck_assert_ptr_null(e.hostdevs[2]);
        ck_assert(e.active);
        ck_assert(!e.persistent);
        libvirt_event_done(&e);

        ck_assert_int_eq(libvirt_event_parse("{\"event\":\"following\"}", 21, &e, NULL), 1);
        ck_assert_int_eq(e.type, LIBVIRT_EVENT_FOLLOWING);
        libvirt_event_done(&e);
        ck_assert_int_eq(libvirt_event_parse("{\"error\":\"gone\"}", 16, &e, NULL), 1);
        ck_assert_int_eq(e.type, LIBVIRT_EVENT_ERROR);
        ck_assert_str_eq(e.error, "gone");
        libvirt_event_done(&e);
        /* A later helper's event: skipped, not refused. */
        ck_assert_int_eq(libvirt_event_parse("{\"event\":\"teleported\"}", 22, &e, NULL), 0);

        for (size_t i = 0; i < ELEMENTSOF(bad_lines); i++) {
                error = mfree(error);
                ck_assert_msg(libvirt_event_parse(bad_lines[i], strlen(bad_lines[i]), &e, &error) ==
                                      -EINVAL,
                              "accepted: %s", bad_lines[i]);
        }
        ck_assert_str_eq(libvirt_event_type_to_string(LIBVIRT_EVENT_DEVICE_ADDED), "device-added");
}
END_TEST

START_TEST(test_refused) {
        _cleanup_free_ char *error = NULL;
        LibvirtHostdev *h = NULL;
        size_t n = 0;

        ck_assert_int_eq(parse(bad[_i].text, &h, &n, &error), -EINVAL);
        ck_assert_ptr_nonnull(error);
        ck_assert_msg(strneq(error, bad[_i].error, strlen(bad[_i].error)), "got \"%s\"", error);
        ck_assert_ptr_null(h);
}
END_TEST

static char *run_helper(const char *uri, int *ret_status) {
        _cleanup_free_ char *cmd = NULL;
        char buf[4096];
        size_t k;
        FILE *p;

        ck_assert_int_ge(
                asprintf_safe(&cmd, "%s --uri '%s' 2>/dev/null", HISI_TEST_LIBVIRT_HELPER, uri), 0);
        p = popen(cmd, "r");
        ck_assert_ptr_nonnull(p);
        k = fread(buf, 1, sizeof(buf) - 1, p);
        buf[k] = '\0';
        *ret_status = pclose(p);
        return strdup(buf);
}

START_TEST(test_helper) {
        char dir[] = "/tmp/hisi-lv.XXXXXX";
        _cleanup_free_ char *path = NULL, *uri = NULL, *out = NULL, *error = NULL;
        LibvirtHostdev *h = NULL;
        size_t n = 0;
        int status;
        static const char xml[] =
                "<node>\n"
                "  <domain type='test'><name>a</name><memory>1024</memory>"
                "<os><type>hvm</type></os><devices>\n"
                "    <hostdev mode='subsystem' type='pci' managed='yes'><source>"
                "<address domain='0x0000' bus='0x79' slot='0x00' function='0x2'/></source>"
                "</hostdev>\n"
                "    <hostdev mode='subsystem' type='pci' managed='no'><source>"
                "<address domain='0x0000' bus='0x79' slot='0x00' function='0x3'/></source>"
                "</hostdev>\n"
                "  </devices></domain>\n"
                "</node>\n";

        ck_assert_ptr_nonnull(mkdtemp(dir));
        ck_assert_int_ge(asprintf_safe(&path, "%s/host.xml", dir), 0);
        {
                _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                ck_assert_int_ge(fd, 0);
                ck_assert_int_eq(loop_write(fd, xml, strlen(xml)), 0);
        }
        ck_assert_int_ge(asprintf_safe(&uri, "test://%s", path), 0);
        out = run_helper(uri, &status);
        ck_assert_int_eq(status, 0);
        ck_assert_int_eq(parse(out, &h, &n, NULL), 0);
        ck_assert_uint_eq(n, 1);
        ck_assert_str_eq(h[0].address, "0000:79:00.2");
        ck_assert_str_eq(h[0].domain, "a");
        libvirt_hostdevs_free(h, n);
        unlink(path);
        rmdir(dir);

        /* Nobody serves it: an error object and a failure status. */
        out = mfree(out);
        out = run_helper("test:///nonexistent/host.xml", &status);
        ck_assert_int_ne(status, 0);
        ck_assert_int_eq(parse(out, &h, &n, &error), -EINVAL);
        ck_assert_ptr_nonnull(strstr(error, "cannot connect to libvirt at test:///nonexistent"));
}
END_TEST

/* ---- The scan itself: the helper in a child under the event loop ---- */

typedef struct scan_result {
        bool done;
        int error;
        char *message;
        LibvirtHostdev *hostdevs;
        size_t n;
} scan_result;

static sd_event *event;
static LibvirtScan *scan;

static void scan_setup(void) {
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        ck_assert_int_eq(sigprocmask(SIG_BLOCK, &mask, NULL), 0);
        ck_assert_int_eq(setenv(LIBVIRT_HELPER_ENV, HISI_TEST_LIBVIRT_HELPER, 1), 0);
}

static unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        ck_assert_ptr_nonnull(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

/* As the manager does: the scan is freed from its own callback. */
static void on_scan(int error, const char *message, LibvirtHostdev *hostdevs, size_t n,
                    void *userdata) {
        scan_result *r = userdata;

        r->done = true;
        r->error = error;
        r->message = message ? strdup(message) : NULL;
        r->hostdevs = hostdevs;
        r->n = n;
        scan = libvirt_scan_free(scan);
        (void)sd_event_exit(event, 0);
}

static void scan_run(const char *uri, uint64_t timeout, scan_result *r) {
        *r = (scan_result){};
        ck_assert_int_ge(sd_event_new(&event), 0);
        ck_assert_int_eq(libvirt_scan_start(event, uri, timeout, on_scan, r, &scan), 0);
        ck_assert_int_ge(sd_event_loop(event), 0);
        event = sd_event_unref(event);
        ck_assert(r->done);
        ck_assert_ptr_null(scan);
}

/* A stand-in for the helper: a shell script in dir. */
static char *write_helper(const char *dir, const char *script) {
        char *path = NULL;

        ck_assert_int_ge(asprintf_safe(&path, "%s/helper", dir), 0);
        ck_assert_int_eq(write_file(path, script, strlen(script), 0755), 0);
        ck_assert_int_eq(setenv(LIBVIRT_HELPER_ENV, path, 1), 0);
        return path;
}

START_TEST(test_scan) {
        char dir[] = "/tmp/hisi-lv.XXXXXX";
        _cleanup_free_ char *path = NULL, *uri = NULL;
        unsigned fds = count_fds();
        scan_result r;
        static const char xml[] =
                "<node>\n"
                "  <domain type='test'><name>b</name><memory>1024</memory>"
                "<os><type>hvm</type></os><devices>\n"
                "    <hostdev mode='subsystem' type='pci' managed='yes'><source>"
                "<address domain='0x0000' bus='0x75' slot='0x00' function='0x1'/></source>"
                "</hostdev>\n"
                "  </devices></domain>\n"
                "</node>\n";

        ck_assert_ptr_nonnull(mkdtemp(dir));
        ck_assert_int_ge(asprintf_safe(&path, "%s/host.xml", dir), 0);
        ck_assert_int_eq(write_file(path, xml, strlen(xml), 0644), 0);
        ck_assert_int_ge(asprintf_safe(&uri, "test://%s", path), 0);
        scan_run(uri, 30 * 1000000ULL, &r);
        ck_assert_msg(r.error == 0, "%s", r.message);
        ck_assert_uint_eq(r.n, 1);
        ck_assert_str_eq(r.hostdevs[0].address, "0000:75:00.1");
        ck_assert_str_eq(r.hostdevs[0].domain, "b");
        libvirt_hostdevs_free(r.hostdevs, r.n);
        free(r.message);
        unlink(path);
        rmdir(dir);

        /* Nobody serves it: the helper's own sentence. */
        scan_run("test:///nonexistent/host.xml", 30 * 1000000ULL, &r);
        ck_assert_int_eq(r.error, -EIO);
        ck_assert_ptr_nonnull(
                strstr(r.message, "cannot connect to libvirt at test:///nonexistent"));
        ck_assert_ptr_null(r.hostdevs);
        free(r.message);
        ck_assert_uint_eq(count_fds(), fds);
}
END_TEST

START_TEST(test_scan_timeout) {
        char dir[] = "/tmp/hisi-lv.XXXXXX";
        _cleanup_free_ char *helper = NULL;
        unsigned fds = count_fds();
        scan_result r;

        /* A libvirt that hangs: the helper is killed at the deadline and reaped. */
        ck_assert_ptr_nonnull(mkdtemp(dir));
        helper = write_helper(dir, "#!/bin/sh\nexec sleep 60\n");
        scan_run("test:///default", 100 * 1000ULL, &r);
        ck_assert_int_eq(r.error, -ETIMEDOUT);
        ck_assert_str_eq(r.message, "libvirt did not answer in time");
        free(r.message);
        ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
        ck_assert_int_eq(errno, ECHILD);
        ck_assert_uint_eq(count_fds(), fds);
        unlink(helper);
        rmdir(dir);
}
END_TEST

START_TEST(test_scan_failures) {
        char dir[] = "/tmp/hisi-lv.XXXXXX";
        _cleanup_free_ char *helper = NULL, *want = NULL;
        scan_result r;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        /* It cannot be run (valgrind cannot follow an execve() that fails: tools/dev valgrind
         * says so, and that case waits for a run without it). */
        if (!getenv("HISI_UNDER_VALGRIND")) {
                helper = write_helper(dir, "#!/nonexistent/interpreter\n");
                ck_assert_int_ge(asprintf_safe(&want, "cannot run %s", helper), 0);
                scan_run("test:///default", 30 * 1000000ULL, &r);
                ck_assert_int_eq(r.error, -EIO);
                ck_assert_str_eq(r.message, want);
                free(r.message);
                unlink(helper);
                helper = mfree(helper);
                want = mfree(want);
        }

        /* It fails with nothing to say. */
        helper = write_helper(dir, "#!/bin/sh\nexit 3\n");
        ck_assert_int_ge(asprintf_safe(&want, "%s failed (exit status 3)", helper), 0);
        scan_run("test:///default", 30 * 1000000ULL, &r);
        ck_assert_int_eq(r.error, -EIO);
        ck_assert_str_eq(r.message, want);
        free(r.message);
        unlink(helper);
        helper = mfree(helper);

        /* It says too much. */
        helper = write_helper(dir, "#!/bin/sh\nexec yes\n");
        scan_run("test:///default", 30 * 1000000ULL, &r);
        ck_assert_int_eq(r.error, -EFBIG);
        ck_assert_str_eq(r.message, "the helper's output is too large");
        free(r.message);
        unlink(helper);
        helper = mfree(helper);

        /* Not there at all: the scan does not start. */
        ck_assert_int_eq(setenv(LIBVIRT_HELPER_ENV, "/nonexistent/helper", 1), 0);
        ck_assert_int_ge(sd_event_new(&event), 0);
        ck_assert_int_eq(libvirt_scan_start(event, "test:///default", 1000, on_scan, &r, &scan),
                         -ENOENT);
        ck_assert_ptr_null(scan);
        ck_assert_int_eq(libvirt_scan_start(event, NULL, 1000, on_scan, &r, &scan), -EINVAL);
        event = sd_event_unref(event);
        rmdir(dir);
}
END_TEST

START_TEST(test_scan_free) {
        char dir[] = "/tmp/hisi-lv.XXXXXX";
        _cleanup_free_ char *helper = NULL;
        unsigned fds = count_fds();
        scan_result r = {};

        /* Stopped while the helper runs: killed and reaped, no callback. */
        ck_assert_ptr_nonnull(mkdtemp(dir));
        helper = write_helper(dir, "#!/bin/sh\nexec sleep 60\n");
        ck_assert_int_ge(sd_event_new(&event), 0);
        ck_assert_int_eq(
                libvirt_scan_start(event, "test:///default", 30 * 1000000ULL, on_scan, &r, &scan),
                0);
        scan = libvirt_scan_free(scan);
        ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
        ck_assert_int_eq(errno, ECHILD);
        ck_assert_int_ge(sd_event_run(event, 0), 0);
        ck_assert(!r.done);
        event = sd_event_unref(event);
        ck_assert_uint_eq(count_fds(), fds);
        unlink(helper);
        rmdir(dir);
}
END_TEST

static Suite *libvirt_scan_suite(void) {
        Suite *s = suite_create("libvirt-scan");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_parse);
        tcase_add_test(tc, test_event_lines);
        tcase_add_loop_test(tc, test_refused, 0, (int)ELEMENTSOF(bad));
        tcase_add_test(tc, test_helper);
        suite_add_tcase(s, tc);

        tc = tcase_create("scan");
        tcase_add_checked_fixture(tc, scan_setup, NULL);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_scan);
        tcase_add_test(tc, test_scan_timeout);
        tcase_add_test(tc, test_scan_failures);
        tcase_add_test(tc, test_scan_free);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(libvirt_scan_suite)
