/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl's tables (ctl-table.h). Written here rather than with libsmartcols: its 2.38
 * (Debian 12) cuts columns in an order of its own (a driver's name before a free-text note) and
 * has no way to say which goes first, and the CLI's JSON is json-c's already.
 */

#include <assert.h>
#include <errno.h>
#include <langinfo.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ctl-table.h"
#include "string-util.h"
#include "macro.h"
#include "parse-util.h"

typedef struct Column {
        char *header;
        size_t width; /* the least */
        CtlShrink shrink;
} Column;

struct CtlTable {
        Column *columns;
        size_t n_columns;
        char **cells; /* row after row */
        size_t n_cells;
};

CtlTable *ctl_table_new(void) {
        return calloc(1, sizeof(CtlTable));
}

CtlTable *ctl_table_free(CtlTable *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_columns; i++)
                free(t->columns[i].header);
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->columns);
        free(t->cells);
        free(t);
        return NULL;
}

int ctl_table_add_column(CtlTable *t, const char *header, size_t width, CtlShrink shrink) {
        Column *c;
        char *h;

        assert(t && header && shrink >= 0 && shrink < _CTL_SHRINK_MAX);
        assert(t->n_cells == 0);
        h = strdup(header);
        if (!h)
                return -ENOMEM;
        c = reallocarray(t->columns, t->n_columns + 1, sizeof(Column));
        if (!c) {
                free(h);
                return -ENOMEM;
        }
        t->columns = c;
        t->columns[t->n_columns++] = (Column){ .header = h, .width = width, .shrink = shrink };
        return 0;
}

int ctl_table_add_cell(CtlTable *t, const char *s) {
        char **cells, *copy;

        assert(t && t->n_columns > 0);
        copy = strdup(s ? s : "");
        if (!copy)
                return -ENOMEM;
        cells = reallocarray(t->cells, t->n_cells + 1, sizeof(char *));
        if (!cells) {
                free(copy);
                return -ENOMEM;
        }
        t->cells = cells;
        t->cells[t->n_cells++] = copy;
        return 0;
}

/* Characters, not bytes: UTF-8 continuation bytes do not count. */
static size_t text_width(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char)*s & 0xc0) != 0x80;
        return n;
}

/* The bytes of s's first n characters. */
static size_t prefix_bytes(const char *s, size_t n) {
        size_t i = 0;

        for (; s[i]; i++)
                if (((unsigned char)s[i] & 0xc0) != 0x80 && n-- == 0)
                        break;
        return i;
}

static const char *ellipsis(size_t *ret_width) {
        bool utf8 = streq(nl_langinfo(CODESET), "UTF-8");

        *ret_width = utf8 ? 1 : 3;
        return utf8 ? "\xe2\x80\xa6" : "...";
}

/* One cell in width characters: cut with an ellipsis when longer, padded unless last. */
static void print_cell(FILE *f, const char *s, size_t width, bool last) {
        size_t n = text_width(s), e_width;
        const char *e = ellipsis(&e_width);

        if (n <= width) {
                fputs(s, f);
                if (!last)
                        fprintf(f, "%*s", (int)(width - n), "");
        } else if (width > e_width) {
                fwrite(s, 1, prefix_bytes(s, width - e_width), f);
                fputs(e, f);
        } else
                fwrite(s, 1, prefix_bytes(s, width), f);
}

/* Take excess characters: first the room no value uses (a column's least width), from any
 * column; then from the columns that may shrink, in their order, each down to its header's width
 * (and never below an ellipsis and one character). */
static void fit(const CtlTable *t, size_t *widths, const size_t *used, size_t max_width) {
        size_t total = t->n_columns - 1, e_width;

        (void)ellipsis(&e_width);
        for (size_t i = 0; i < t->n_columns; i++)
                total += widths[i];
        for (size_t i = t->n_columns; i-- > 0 && total > max_width;) {
                size_t cut = MIN(widths[i] - used[i], total - max_width);

                widths[i] -= cut;
                total -= cut;
        }
        for (CtlShrink s = CTL_SHRINK_FIRST; s < _CTL_SHRINK_MAX && total > max_width; s++)
                for (size_t i = t->n_columns; i-- > 0 && total > max_width;) {
                        size_t floor = MAX(text_width(t->columns[i].header), e_width + 1), cut;

                        if (t->columns[i].shrink != s || widths[i] <= floor)
                                continue;
                        cut = MIN(widths[i] - floor, total - max_width);
                        widths[i] -= cut;
                        total -= cut;
                }
}

/* One row of n cells: the cells up to the last that is not empty, one space between them, no
 * padding after the last (no line ends in spaces). */
static void print_row(FILE *f, const char *const *cells, const size_t *widths, size_t n) {
        size_t last = n;

        while (last > 1 && isempty(cells[last - 1]))
                last--;
        for (size_t i = 0; i < last; i++) {
                print_cell(f, strempty(cells[i]), widths[i], i == last - 1);
                if (i < last - 1)
                        fputc(' ', f);
        }
        fputc('\n', f);
}

int ctl_table_print(CtlTable *t, FILE *f, size_t max_width) {
        _cleanup_free_ size_t *widths = NULL, *used = NULL;
        size_t n = t->n_columns;

        assert(t && f && n > 0);
        widths = calloc(n, sizeof(size_t));
        used = calloc(n, sizeof(size_t));
        if (!widths || !used)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                used[i] = text_width(t->columns[i].header);
        for (size_t k = 0; k < t->n_cells; k++)
                used[k % n] = MAX(used[k % n], text_width(t->cells[k]));
        for (size_t i = 0; i < n; i++)
                widths[i] = MAX(t->columns[i].width, used[i]);
        if (max_width > 0)
                fit(t, widths, used, max_width);

        {
                _cleanup_free_ const char **headers = calloc(n, sizeof(char *));

                if (!headers)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        headers[i] = t->columns[i].header;
                print_row(f, headers, widths, n);
        }
        for (size_t k = 0; k < t->n_cells; k += n) /* the last row may be unfinished */
                print_row(f, (const char *const *)t->cells + k, widths, MIN(n, t->n_cells - k));
        return ferror(f) ? -EIO : 0;
}

size_t ctl_terminal_width(void) {
        const char *e = getenv("COLUMNS");
        struct winsize ws = {};
        uint32_t c;

        if (!isatty(STDOUT_FILENO))
                return 0;
        if (e && safe_atou32(e, &c) >= 0 && c > 0)
                return c;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0 && ws.ws_col > 0)
                return ws.ws_col;
        return 0;
}

int ctl_table_print_stdout(CtlTable *t) {
        return ctl_table_print(t, stdout, ctl_terminal_width());
}

int ctl_table_finish(CtlTable *t, int r) {
        if (r >= 0)
                r = ctl_table_print_stdout(t);
        if (r < 0)
                fprintf(stderr, "hisi-accmigctl: cannot print the table: %s\n", strerror(-r));
        return r;
}
