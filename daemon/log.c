/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's logging: journal with structured fields, or stderr (see log.h). */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "string-table.h"

static LogTarget log_target = LOG_TARGET_STDERR;
static int log_max_level = LOG_INFO;
static const char *log_identifier = "hisi-accmigd";

static const char *const log_level_table[LOG_DEBUG + 1] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
        [LOG_ERR] = "err",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(log_level, int);

/* Case-insensitive, unlike the table's own lookup: "DEBUG" is a level too. */
int log_level_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(log_level_table); i++)
                if (strcasecmp(s, log_level_table[i]) == 0)
                        return (int)i;
        return -EINVAL;
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

/* What the journal accepts as a field name (sd_journal_sendv() refuses the rest). */
static bool field_name_valid(const char *name) {
        if (!name || name[0] == '\0' || name[0] == '_' || strlen(name) > 64)
                return false;
        for (const char *p = name; *p; p++)
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
                        return false;
        return true;
}

int log_fields_add(LogFields *f, const char *name, const char *value) {
        assert(f);
        assert(f->n <= ELEMENTSOF(f->fields));

        if (!field_name_valid(name))
                return -EINVAL;
        if (!value)
                return 0;
        if (f->n >= ELEMENTSOF(f->fields)) {
                f->n_dropped++;
                return -ENOBUFS;
        }
        f->fields[f->n++] = (LogField){ .name = name, .value = value };
        return 0;
}

void log_entry_done(LogEntry *e) {
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++)
                free(e->fields[i]);
        e->n = 0;
}

/* NAME=value, unless value is NULL. Never past the end: the entry's size counts every field
 * log_entry_build() adds, and a full entry refuses. */
static int entry_add(LogEntry *e, const char *name, const char *value) {
        char *s = NULL;

        if (!value)
                return 0;
        if (e->n >= ELEMENTSOF(e->fields))
                return -ENOBUFS;
        if (asprintf(&s, "%s=%s", name, value) < 0)
                return -ENOMEM;
        e->fields[e->n++] = s;
        return 0;
}

static int entry_add_number(LogEntry *e, const char *name, long long v) {
        char num[32];

        snprintf(num, sizeof(num), "%lld", v);
        return entry_add(e, name, num);
}

int log_entry_build(LogEntry *e, int level, int error, const LogFields *fields, const char *file,
                    int line, const char *func, const char *message) {
        int r;

        assert(e);
        *e = (LogEntry){};
        r = entry_add(e, "MESSAGE", message);
        if (r >= 0)
                r = entry_add_number(e, "PRIORITY", level);
        if (r >= 0)
                r = entry_add(e, "SYSLOG_IDENTIFIER", log_identifier);
        if (r >= 0)
                r = entry_add(e, "CODE_FILE", file);
        if (r >= 0)
                r = entry_add_number(e, "CODE_LINE", line);
        if (r >= 0)
                r = entry_add(e, "CODE_FUNC", func);
        if (r >= 0 && error != 0)
                r = entry_add_number(e, "ERRNO", error);
        if (fields) {
                assert(fields->n <= ELEMENTSOF(fields->fields));
                for (size_t i = 0; r >= 0 && i < fields->n; i++)
                        r = entry_add(e, fields->fields[i].name, fields->fields[i].value);
                if (r >= 0 && fields->n_dropped > 0)
                        r = entry_add_number(e, "HISI_LOG_FIELDS_DROPPED",
                                             (long long)fields->n_dropped);
        }
        return r;
}

static void log_to_journal(int level, int error, const LogFields *fields, const char *file,
                           int line, const char *func, const char *message) {
        _cleanup_(log_entry_done) LogEntry e = {};
        struct iovec iov[LOG_ENTRY_FIELDS_MAX];

        /* A field that could not be formatted is left out; the message still goes. */
        (void)log_entry_build(&e, level, error, fields, file, line, func, message);
        for (size_t i = 0; i < e.n; i++)
                iov[i] = (struct iovec){ .iov_base = e.fields[i], .iov_len = strlen(e.fields[i]) };
        if (e.n == 0 || sd_journal_sendv(iov, (int)e.n) < 0)
                fprintf(stderr, "%s: %s\n", log_identifier, message);
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
