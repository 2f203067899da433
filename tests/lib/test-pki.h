/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A PKI made for a test by certtool (tests/lib/make-certs.sh): a CA and, per host, a directory in
 * QEMU's layout. The TLS tests of the peer link share it.
 */
#pragma once

/* Make the PKI in a new directory from template ("/tmp/x.XXXXXX", changed in place); args are
 * make-certs.sh's hosts and options ("host-a host-b --expired host-old"). 0, or -errno. */
int test_pki_make(char *template, const char *args);
/* Remove it. */
void test_pki_remove(const char *dir);
