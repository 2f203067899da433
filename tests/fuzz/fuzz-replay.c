/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A stand-in for libFuzzer's main() in builds without it: feeds every file of the directories
 * (or files) named on the command line to LLVMFuzzerTestOneInput(), so that each fuzz target's
 * seed corpus runs as a test in every build, sanitizers included.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "file-util.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX (1024 * 1024)

static int replay_file(const char *path) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint8_t *buf = NULL;
        ssize_t n;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "%s: %m\n", path);
                return -errno;
        }
        buf = malloc(REPLAY_MAX);
        if (!buf)
                return -ENOMEM;
        n = loop_read(fd, buf, REPLAY_MAX);
        if (n < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror((int)-n));
                return (int)n;
        }
        /* Exactly-sized heap copy, so ASan sees reads past the end. */
        uint8_t *copy = malloc(n > 0 ? (size_t)n : 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, buf, (size_t)n);
        LLVMFuzzerTestOneInput(copy, (size_t)n);
        free(copy);
        return 0;
}

int main(int argc, char *argv[]) {
        unsigned count = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %m\n", argv[i]);
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (replay_file(argv[i]) < 0)
                                return 1;
                        count++;
                        continue;
                }
                struct dirent **names = NULL;
                int n = scandir(argv[i], &names, NULL, alphasort);
                if (n < 0) {
                        fprintf(stderr, "%s: %m\n", argv[i]);
                        return 1;
                }
                for (int j = 0; j < n; j++) {
                        if (names[j]->d_name[0] != '.') {
                                _cleanup_free_ char *p = NULL;
                                if (asprintf_safe(&p, "%s/%s", argv[i], names[j]->d_name) < 0 ||
                                    replay_file(p) < 0)
                                        return 1;
                                count++;
                        }
                        free(names[j]);
                }
                free(names);
        }
        if (count == 0) {
                fprintf(stderr, "no input replayed\n");
                return 1;
        }
        printf("replayed %u inputs\n", count);
        return 0;
}
