/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A PKI made for a test by certtool (see test-pki.h). */

#include <errno.h>
#include <stdlib.h>

#include "file-util.h"
#include "macro.h"
#include "test-pki.h"

int test_pki_make(char *template, const char *args) {
        _cleanup_free_ char *cmd = NULL;

        if (!mkdtemp(template))
                return negative_errno();
        if (asprintf_safe(&cmd, "sh %s/lib/make-certs.sh %s %s", HISI_TEST_SRCDIR, template, args) <
            0)
                return -ENOMEM;
        return system(cmd) == 0 ? 0 : -EIO;
}

void test_pki_remove(const char *dir) {
        _cleanup_free_ char *cmd = NULL;

        if (asprintf_safe(&cmd, "rm -rf '%s'", dir) == 0)
                (void)system(cmd);
}
