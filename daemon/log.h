/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's logging: to the journal's native protocol with structured fields when stderr is
 * connected to journald (JOURNAL_STREAM names it), to stderr as plain lines otherwise. A message
 * about a device carries HISI_VF=, HISI_PF= and HISI_KIND=, so that `journalctl HISI_VF=…` finds
 * everything about one VF.
 *
 * As in systemd, an error is logged once, where it is handled: log_*_errno() return the negative
 * errno they were given, so that "return log_error_errno(r, "Failed to …: %m");" both logs and
 * propagates, and %m formats that errno, not the global one.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

#include "macro.h"

typedef enum LogTarget {
        LOG_TARGET_AUTO,    /* the journal when stderr is journald's stream, else stderr */
        LOG_TARGET_JOURNAL, /* the journal's native socket */
        LOG_TARGET_STDERR,  /* plain lines on stderr */
        _LOG_TARGET_MAX,
        _LOG_TARGET_INVALID = -EINVAL,
} LogTarget;

/*
 * The structured fields of one message beyond the standard ones (MESSAGE=, PRIORITY=, CODE_*=,
 * ERRNO=): a device's HISI_VF=, HISI_PF=, HISI_KIND=, a migration's MIGRATION_ID=, PEER= and
 * role. The list is bounded: log_fields_add() refuses a field that does not fit (the entry then
 * says how many were dropped), so that no caller can overflow an entry.
 */
#define LOG_FIELDS_MAX 8

typedef struct LogField {
        const char *name;  /* "HISI_VF": A-Z, 0-9 and '_', not starting with '_' */
        const char *value; /* borrowed: it must live until the message is logged */
} LogField;

typedef struct LogFields {
        LogField fields[LOG_FIELDS_MAX];
        size_t n;
        size_t n_dropped; /* refused because the list was full */
} LogFields;

/* Add NAME=value; a NULL value adds nothing. -EINVAL for a name the journal would refuse;
 * -ENOBUFS when the list is full: the field is dropped and counted, the list stays valid. */
int log_fields_add(LogFields *f, const char *name, const char *value);

/* The journal entry of one message, "NAME=value" strings: the standard fields, the caller's, and
 * HISI_LOG_FIELDS_DROPPED= when some did not fit. Built for the journal; public for the tests. */
#define LOG_ENTRY_FIELDS_MAX (7 + LOG_FIELDS_MAX + 1)

typedef struct LogEntry {
        char *fields[LOG_ENTRY_FIELDS_MAX];
        size_t n;
} LogEntry;

/* -ENOMEM when a field cannot be formatted (the entry holds the ones before it). */
int log_entry_build(LogEntry *e, int level, int error, const LogFields *fields, const char *file,
                    int line, const char *func, const char *message);
void log_entry_done(LogEntry *e);

/* Pick the target (AUTO decides from JOURNAL_STREAM) and the identifier messages carry. */
void log_setup(LogTarget target, const char *identifier);
LogTarget log_get_target(void);
/* LOG_ERR … LOG_DEBUG; messages above it are dropped. */
void log_set_max_level(int level);
int log_get_max_level(void);

/* "err", "warning", "notice", "info", "debug" (syslog's names); -EINVAL otherwise. */
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);

/* Returns -abs(error) (0 when error is 0), so that callers can return it. */
int log_internal(int level, int error, const LogFields *fields, const char *file, int line,
                 const char *func, const char *format, ...) _printf_(7, 8);
int log_internalv(int level, int error, const LogFields *fields, const char *file, int line,
                  const char *func, const char *format, va_list ap) _printf_(7, 0);

#define log_full_errno_fields(level, error, fields, ...)                                           \
        log_internal((level), (error), (fields), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full_errno(level, error, ...) log_full_errno_fields(level, error, NULL, __VA_ARGS__)

#define log_debug(...)   log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...)    log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...)  log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...)   log_full_errno(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(error, ...)   log_full_errno(LOG_DEBUG, error, __VA_ARGS__)
#define log_info_errno(error, ...)    log_full_errno(LOG_INFO, error, __VA_ARGS__)
#define log_notice_errno(error, ...)  log_full_errno(LOG_NOTICE, error, __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, error, __VA_ARGS__)
#define log_error_errno(error, ...)   log_full_errno(LOG_ERR, error, __VA_ARGS__)

/* An allocation failure, logged and returned as -ENOMEM. */
#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")
