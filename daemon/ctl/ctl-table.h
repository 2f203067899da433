/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl's tables: columns at least as wide as given (wider for a longer value), one
 * space between them, the last one unpadded. On a terminal a table fits its width ($COLUMNS,
 * else the terminal's): the columns that may shrink give up room in their order, their values
 * cut with an ellipsis. Output that is not a terminal is never cut (scripts read it), and
 * --json prints no table at all.
 */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "macro.h"

typedef struct CtlTable CtlTable;

/* How a column gives up room on a narrow terminal. */
typedef enum CtlShrink {
        CTL_SHRINK_NEVER,  /* an identity (an address): never cut */
        CTL_SHRINK_FIRST,  /* free text (a note, reasons): cut first */
        CTL_SHRINK_SECOND, /* a name that says more than it needs to (a driver) */
        CTL_SHRINK_LAST,
        _CTL_SHRINK_MAX,
} CtlShrink;

CtlTable *ctl_table_new(void);
CtlTable *ctl_table_free(CtlTable *t);
static inline void ctl_table_freep(CtlTable **t) {
        ctl_table_free(*t);
}
#define _cleanup_table_ _cleanup_(ctl_table_freep)

/* A column, before any cell: its header, its least width (0: the header's) and how it shrinks. */
int ctl_table_add_column(CtlTable *t, const char *header, size_t width, CtlShrink shrink);
/* The next cell, row after row (NULL is ""); a row is complete after as many cells as columns. */
int ctl_table_add_cell(CtlTable *t, const char *s);
/* Print to f, fitting into max_width columns (0: no limit). */
int ctl_table_print(CtlTable *t, FILE *f, size_t max_width);

/* The width tables on stdout must fit: 0 unless stdout is a terminal; then $COLUMNS if it is a
 * number, else the terminal's width, else 0. */
size_t ctl_terminal_width(void);
/* Print to stdout, fitting the terminal (ctl_terminal_width()). */
int ctl_table_print_stdout(CtlTable *t);
/* The end of building a table: r is the last add's result. Print it to stdout when r says all
 * went well, else (or when printing fails) say so on stderr; the result, negative on failure. */
int ctl_table_finish(CtlTable *t, int r);
