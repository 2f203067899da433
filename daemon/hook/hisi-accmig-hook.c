/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmig-hook: libvirt's QEMU hook for HiSilicon accelerator VFs, installed as
 * /etc/libvirt/hooks/qemu.d/hisi-accmig (hisi-accmig-hook(8); ECOSYSTEM.md, section 2.1).
 * libvirt runs it as `hisi-accmig-hook DOMAIN OPERATION SUB-OPERATION EXTRA` with the domain XML
 * on stdin; exit status 0 lets libvirt go on, anything else stops the operation and libvirt
 * shows stderr; for "migrate" the domain XML to use is what it prints on stdout.
 *
 *   migrate begin   (destination) a VF of this host is reserved for every HiSilicon VF hostdev
 *                   the domain's metadata describes, and the hostdev's source address is
 *                   rewritten to it; one that cannot be matched fails the migration with the
 *                   compatibility check's reason, before anything moved
 *   prepare begin,  the domain's VFs are held for it (Hold)
 *   start begin
 *   release end     the domain's VFs are free again (Release)
 *
 * It never calls libvirt (that would deadlock libvirtd); it asks the local hisi-accmigd over
 * the system bus with a short timeout. Other operations do nothing.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file-util.h"
#include "hook-bus.h"
#include "hook-xml.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"
#include "version.h"

static const char *arg_domain;

static int fail(const char *fmt, ...) _printf_(1, 2);
static int fail(const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "hisi-accmig-hook: domain %s: ", arg_domain);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return EXIT_FAILURE;
}

/* All of stdin, at most HOOK_XML_SIZE_MAX bytes (the rest is read and dropped): -EFBIG. */
static int read_stdin(char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, size = 0;
        bool too_big = false;

        for (;;) {
                char chunk[65536];
                ssize_t k = read(STDIN_FILENO, chunk, sizeof(chunk));

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                if (too_big || n + (size_t)k > HOOK_XML_SIZE_MAX) {
                        too_big = true;
                        continue;
                }
                if (n + (size_t)k + 1 > size) {
                        size_t ns = MAX(size * 2, n + (size_t)k + 1);
                        char *nb = realloc(buf, ns);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        size = ns;
                }
                memcpy(buf + n, chunk, (size_t)k);
                n += (size_t)k;
        }
        if (too_big)
                return -EFBIG;
        if (!buf && !(buf = strdup("")))
                return -ENOMEM;
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = n;
        return 0;
}

static int write_all(const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(STDOUT_FILENO, p, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

/* ---- migrate begin: reserve and rewrite ---- */

static int op_migrate(const char *xml, size_t len, const HookDomain *d) {
        _cleanup_(hook_bus_close) HookBus b = {};
        _cleanup_free_ char *error = NULL, *out = NULL;
        _cleanup_strv_free_ char **to = NULL;
        size_t n_ours = 0, out_len;
        int r;

        to = calloc(d->n_hostdevs + 1, sizeof(char *));
        if (!to)
                return fail("out of memory");
        for (size_t i = 0; i < d->n_hostdevs; i++)
                if (accmig_metadata_find(d->vfs, d->n_vfs, d->hostdevs[i].address))
                        n_ours++;
        /* No HiSilicon VF described: the XML as it came, and no daemon asked. */
        if (n_ours == 0)
                return write_all(xml, len) < 0 ? fail("cannot write the domain XML") : 0;

        if (hook_bus_open(&b, &error) < 0)
                return fail("%s", strna(error));
        /* A migration of this domain that came this far before and stopped left its VFs. */
        if (hook_bus_release(&b, arg_domain, NULL, &error) < 0)
                return fail("%s", strna(error));
        for (size_t i = 0; i < d->n_hostdevs; i++) {
                const AccmigVf *vf = accmig_metadata_find(d->vfs, d->n_vfs, d->hostdevs[i].address);
                _cleanup_free_ char *reason = NULL;

                if (!vf)
                        continue;
                r = hook_bus_reserve(&b, vf, arg_domain, &to[i], &reason, &error);
                if (r <= 0) {
                        _cleanup_free_ char *e2 = NULL;

                        (void)hook_bus_release(&b, arg_domain, NULL, &e2);
                        if (r < 0)
                                return fail("%s", error ? error : strerror(-r));
                        return fail("no %s VF on this host takes the state of %s: %s",
                                    hisi_kind_to_string(vf->desc.kind), vf->address, reason);
                }
        }
        r = hook_domain_rewrite(xml, len, d, to, &out, &out_len);
        if (r < 0) {
                _cleanup_free_ char *e2 = NULL;

                (void)hook_bus_release(&b, arg_domain, NULL, &e2);
                return fail("cannot rewrite the domain XML: %s", strerror(-r));
        }
        for (size_t i = 0; i < d->n_hostdevs; i++)
                if (to[i])
                        fprintf(stderr, "hisi-accmig-hook: domain %s: %s -> %s (reserved)\n",
                                arg_domain, d->hostdevs[i].address, to[i]);
        return write_all(out, out_len) < 0 ? fail("cannot write the domain XML") : 0;
}

/* ---- prepare begin, start begin: hold ---- */

static int op_hold(const HookDomain *d) {
        _cleanup_(hook_bus_close) HookBus b = {};
        _cleanup_strv_free_ char **devices = NULL, **unmanaged = NULL, **held = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        if (d->n_hostdevs == 0)
                return 0;
        for (size_t i = 0; i < d->n_hostdevs; i++) {
                if (strv_extend(&devices, d->hostdevs[i].address) < 0 ||
                    (!d->hostdevs[i].managed &&
                     strv_extend(&unmanaged, d->hostdevs[i].address) < 0))
                        return fail("out of memory");
        }
        r = hook_bus_open(&b, &error);
        if (r >= 0)
                r = hook_bus_hold(&b, arg_domain, devices, unmanaged, &held, &error);
        if (r >= 0)
                return 0;
        /* A domain without our metadata may have no HiSilicon VF at all: a daemon that does
         * not run must not stop it. One with it came from a migration that needs its VFs. */
        if ((r == -ESRCH || r == -ETIMEDOUT || r == -ENOENT || r == -ECONNREFUSED) &&
            d->n_vfs == 0) {
                fprintf(stderr, "hisi-accmig-hook: domain %s: %s; its PCI hostdevs are not held\n",
                        arg_domain, strna(error));
                return 0;
        }
        return fail("%s", error ? error : strerror(-r));
}

/* ---- release end: release ---- */

static int op_release(void) {
        _cleanup_(hook_bus_close) HookBus b = {};
        _cleanup_free_ char *error = NULL;
        int r;

        r = hook_bus_open(&b, &error);
        if (r >= 0)
                r = hook_bus_release(&b, arg_domain, NULL, &error);
        /* A daemon that does not run holds nothing. */
        if (r >= 0 || r == -ESRCH)
                return 0;
        return fail("%s", error ? error : strerror(-r));
}

static void help(void) {
        printf("Usage: hisi-accmig-hook DOMAIN OPERATION SUB-OPERATION EXTRA < DOMAIN-XML\n"
               "libvirt's QEMU hook for HiSilicon accelerator VFs: on an incoming migration\n"
               "it reserves a compatible VF here and rewrites the hostdev to it.\n"
               "Installed as /etc/libvirt/hooks/qemu.d/hisi-accmig; see hisi-accmig-hook(8).\n");
}

int main(int argc, char *argv[]) {
        _cleanup_(hook_domain_done) HookDomain d = {};
        _cleanup_free_ char *xml = NULL, *error = NULL;
        const char *op, *subop;
        bool migrate, hold, release;
        size_t len = 0;
        int r;

        if (argc == 2 && streq(argv[1], "--help")) {
                help();
                return EXIT_SUCCESS;
        }
        if (argc == 2 && streq(argv[1], "--version")) {
                printf("hisi-accmig-hook %s\n", HISI_VERSION);
                return EXIT_SUCCESS;
        }
        if (argc < 4) {
                fprintf(stderr, "hisi-accmig-hook: libvirt runs this with DOMAIN OPERATION "
                                "SUB-OPERATION EXTRA; see --help.\n");
                return 2;
        }
        arg_domain = argv[1];
        op = argv[2];
        subop = argv[3];
        migrate = streq(op, "migrate") && streq(subop, "begin");
        hold = (streq(op, "prepare") || streq(op, "start")) && streq(subop, "begin");
        release = streq(op, "release") && streq(subop, "end");

        /* libvirt writes the whole XML whatever the operation: read it to the end. */
        r = read_stdin(&xml, &len);
        if (!migrate && !hold && !release)
                return EXIT_SUCCESS;
        if (r == -EFBIG)
                return fail("the domain XML on stdin is larger than %u bytes", HOOK_XML_SIZE_MAX);
        if (r < 0)
                return fail("cannot read the domain XML from stdin: %s", strerror(-r));
        if (release)
                return op_release();
        r = hook_domain_parse(xml, len, &d, &error);
        if (r == -ENOMEM)
                return fail("out of memory");
        if (r < 0)
                return fail("%s: %s", op, strna(error));
        if (migrate)
                return op_migrate(xml, len, &d);
        return op_hold(&d);
}
