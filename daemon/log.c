/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's logging: journal with structured fields, or stderr (see log.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "log.h"

#define FIELDS_MAX 12

static LogTarget log_target = LOG_TARGET_STDERR;
static int log_max_level = LOG_INFO;
static const char *log_identifier = "hisi-accmigd";

static const char *const level_names[LOG_DEBUG + 1] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
        [LOG_ERR] = "err",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

int log_level_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i <= LOG_DEBUG; i++)
                if (strcasecmp(s, level_names[i]) == 0)
                        return i;
        return -EINVAL;
}

const char *log_level_to_string(int level) {
        if (level < 0 || level > LOG_DEBUG)
                return NULL;
        return level_names[level];
}

/* journald sets JOURNAL_STREAM=<dev>:<inode> for a service whose stderr is its stream: only
 * then is stderr the journal (a redirected stderr inherits the variable but not the inode). */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_setup(LogTarget target, const char *identifier) {
        if (identifier)
                log_identifier = identifier;
        if (target == LOG_TARGET_AUTO)
                target = stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
        log_target = target;
}

LogTarget log_get_target(void) {
        return log_target;
}

void log_set_max_level(int level) {
        if (level >= 0 && level <= LOG_DEBUG)
                log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

static void iov_add(struct iovec *iov, size_t *n, char *s) {
        if (s && *n < FIELDS_MAX)
                iov[(*n)++] = (struct iovec){ .iov_base = s, .iov_len = strlen(s) };
}

static char *field(const char *name, const char *value) {
        char *s = NULL;

        if (!value)
                return NULL;
        if (asprintf(&s, "%s=%s", name, value) < 0)
                return NULL;
        return s;
}

static void log_to_journal(int level, int error, const LogFields *fields, const char *file,
                           int line, const char *func, const char *message) {
        char *s[FIELDS_MAX] = {};
        struct iovec iov[FIELDS_MAX];
        size_t n = 0, k = 0;
        char num[64];

        s[k++] = field("MESSAGE", message);
        snprintf(num, sizeof(num), "%d", level);
        s[k++] = field("PRIORITY", num);
        s[k++] = field("SYSLOG_IDENTIFIER", log_identifier);
        s[k++] = field("CODE_FILE", file);
        snprintf(num, sizeof(num), "%d", line);
        s[k++] = field("CODE_LINE", num);
        s[k++] = field("CODE_FUNC", func);
        if (error != 0) {
                snprintf(num, sizeof(num), "%d", error);
                s[k++] = field("ERRNO", num);
        }
        if (fields) {
                s[k++] = field("HISI_VF", fields->vf);
                s[k++] = field("HISI_PF", fields->pf);
                s[k++] = field("HISI_KIND", fields->kind);
        }
        for (size_t i = 0; i < k; i++)
                iov_add(iov, &n, s[i]);
        if (n == 0 || sd_journal_sendv(iov, (int)n) < 0)
                fprintf(stderr, "%s: %s\n", log_identifier, message);
        for (size_t i = 0; i < k; i++)
                free(s[i]);
}

int log_internalv(int level, int error, const LogFields *fields, const char *file, int line,
                  const char *func, const char *format, va_list ap) {
        char *message = NULL;
        int saved = errno;

        if (error < 0)
                error = -error;
        if (level > log_max_level)
                return -error;

        /* %m formats the error we were given. */
        errno = error;
        if (vasprintf(&message, format, ap) < 0)
                message = NULL;
        if (!message) {
                errno = saved;
                return -error;
        }

        switch (log_target) {
        case LOG_TARGET_JOURNAL:
                log_to_journal(level, error, fields, file, line, func, message);
                break;
        case LOG_TARGET_AUTO:
        case LOG_TARGET_STDERR:
        case _LOG_TARGET_MAX:
        case _LOG_TARGET_INVALID:
                fprintf(stderr, "%s: %s\n", log_identifier, message);
                break;
        }
        free(message);
        errno = saved;
        return -error;
}

int log_internal(int level, int error, const LogFields *fields, const char *file, int line,
                 const char *func, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_internalv(level, error, fields, file, line, func, format, ap);
        va_end(ap);
        return r;
}
