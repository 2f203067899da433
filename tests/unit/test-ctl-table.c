/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hisi-accmigctl's tables (daemon/ctl/ctl-table.c): without a width limit exactly what the
 * printf() formats they replaced printed; a longer value widens its column for every row; fitted
 * into a width, first the room no value uses goes, then the columns shrink in their order (the
 * free-text note first, the identities never) with an ellipsis in UTF-8 and "..." elsewhere; and
 * the width is a terminal's only
 * ($COLUMNS, else the terminal's size), never that of a pipe.
 */

#include <check.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ctl-table.h"
#include "file-util.h"
#include "macro.h"
#include "test-main.h"

#define NOTE "cannot write driver_override of 0000:75:00.2 (EROFS); it is unchanged"

/* The list table of hisi-accmigctl with two VFs. */
static CtlTable *list_table(void) {
        static const char *const rows[][7] = {
                { "0000:75:00.1", "zip", "0000:75:00.0", "hisi_acc_vfio_pci", "bind", "idle", "" },
                { "0000:75:00.2", "zip", "0000:75:00.0", "hisi_zip", "bind", "failed", NOTE },
        };
        CtlTable *t = ctl_table_new();

        ck_assert_ptr_nonnull(t);
        ck_assert_int_eq(ctl_table_add_column(t, "VF", 13, CTL_SHRINK_NEVER), 0);
        ck_assert_int_eq(ctl_table_add_column(t, "KIND", 5, CTL_SHRINK_NEVER), 0);
        ck_assert_int_eq(ctl_table_add_column(t, "PF", 13, CTL_SHRINK_LAST), 0);
        ck_assert_int_eq(ctl_table_add_column(t, "DRIVER", 18, CTL_SHRINK_SECOND), 0);
        ck_assert_int_eq(ctl_table_add_column(t, "POLICY", 7, CTL_SHRINK_NEVER), 0);
        ck_assert_int_eq(ctl_table_add_column(t, "STATE", 9, CTL_SHRINK_NEVER), 0);
        ck_assert_int_eq(ctl_table_add_column(t, "NOTE", 0, CTL_SHRINK_FIRST), 0);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                for (size_t k = 0; k < ELEMENTSOF(rows[i]); k++)
                        ck_assert_int_eq(ctl_table_add_cell(t, rows[i][k]), 0);
        return t;
}

static char *print(CtlTable *t, size_t width) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(ctl_table_print(t, f, width), 0);
        ck_assert_int_eq(fclose(f), 0);
        return buf;
}

/* The length in characters of each line is at most width. */
static void assert_lines_fit(const char *s, size_t width) {
        size_t n = 0;

        for (; *s; s++) {
                if (*s == '\n') {
                        ck_assert_uint_le(n, width);
                        n = 0;
                } else if (((unsigned char)*s & 0xc0) != 0x80)
                        n++;
        }
}

/* Without a width limit, the columns as printf would pad them. */
START_TEST(test_unlimited_is_printf) {
        _cleanup_table_ CtlTable *t = list_table();
        _cleanup_free_ char *out = print(t, 0), *want = NULL;
#define FMT "%-13s %-5s %-13s %-18s %-7s %-9s %s\n"
        char l[3][256];

        snprintf(l[0], sizeof(l[0]), FMT, "VF", "KIND", "PF", "DRIVER", "POLICY", "STATE", "NOTE");
        /* A row whose last cells are empty ends with the last one that is not: no line ends
         * in spaces. */
        snprintf(l[1], sizeof(l[1]), "%-13s %-5s %-13s %-18s %-7s %s\n", "0000:75:00.1", "zip",
                 "0000:75:00.0", "hisi_acc_vfio_pci", "bind", "idle");
        snprintf(l[2], sizeof(l[2]), FMT, "0000:75:00.2", "zip", "0000:75:00.0", "hisi_zip", "bind",
                 "failed", NOTE);
        ck_assert_int_gt(asprintf(&want, "%s%s%s", l[0], l[1], l[2]), 0);
        ck_assert_str_eq(out, want);
#undef FMT
}
END_TEST

START_TEST(test_longer_value_widens_column) {
        _cleanup_table_ CtlTable *t = ctl_table_new();
        _cleanup_free_ char *out = NULL;

        ck_assert_int_eq(ctl_table_add_column(t, "A", 3, CTL_SHRINK_NEVER), 0);
        ck_assert_int_eq(ctl_table_add_column(t, "B", 0, CTL_SHRINK_NEVER), 0);
        ck_assert_int_eq(ctl_table_add_cell(t, "x"), 0);
        ck_assert_int_eq(ctl_table_add_cell(t, "1"), 0);
        ck_assert_int_eq(ctl_table_add_cell(t, "longer"), 0);
        ck_assert_int_eq(ctl_table_add_cell(t, "2"), 0);
        out = print(t, 0);
        ck_assert_str_eq(out, "A      B\nx      1\nlonger 2\n");
}
END_TEST

START_TEST(test_fit_cuts_note_first) {
        _cleanup_table_ CtlTable *t = list_table();
        _cleanup_free_ char *out = NULL;

        ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C"));
        out = print(t, 100);
        assert_lines_fit(out, 100);
        /* First the room no value uses, then the note: 34 characters of it and the ellipsis. */
        ck_assert_ptr_nonnull(strstr(out, "\n0000:75:00.2 zip  0000:75:00.0 hisi_zip          "
                                          "bind   failed cannot write driver_override of 00...\n"));
}
END_TEST

START_TEST(test_fit_then_driver_then_pf) {
        _cleanup_table_ CtlTable *t = list_table();
        _cleanup_free_ char *at63 = NULL, *at40 = NULL;

        ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C"));
        /* The note down to its header's width, then the driver. */
        at63 = print(t, 63);
        assert_lines_fit(at63, 63);
        ck_assert_ptr_nonnull(
                strstr(at63, "0000:75:00.1 zip  0000:75:00.0 hisi_acc_v... bind   idle"));
        ck_assert_ptr_nonnull(strstr(at63, "failed c...\n"));
        /* Then the PF; the VF's address never, even when the line stays too long. */
        at40 = print(t, 40);
        ck_assert_ptr_nonnull(strstr(at40, "0000:75:00.2 zip  0... his... bind"));
}
END_TEST

START_TEST(test_fit_utf8) {
        _cleanup_table_ CtlTable *t = ctl_table_new();
        _cleanup_free_ char *out = NULL;

        if (!setlocale(LC_CTYPE, "C.UTF-8"))
                return; /* no such locale here */
        ck_assert_int_eq(ctl_table_add_column(t, "NAME", 4, CTL_SHRINK_NEVER), 0);
        ck_assert_int_eq(ctl_table_add_column(t, "TEXT", 0, CTL_SHRINK_FIRST), 0);
        ck_assert_int_eq(ctl_table_add_cell(t, "été"), 0); /* 3 characters, 5 bytes */
        ck_assert_int_eq(ctl_table_add_cell(t, "ça coûte trop cher"), 0);
        out = print(t, 12);
        ck_assert_str_eq(out, "NAME TEXT\nété  ça coû…\n");
        ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C"));
}
END_TEST

/* ctl_terminal_width() with stdout on fd and COLUMNS set to columns (NULL: unset). */
static size_t width_with_stdout(int fd, const char *columns) {
        int saved = dup(STDOUT_FILENO);
        size_t w;

        ck_assert_int_ge(saved, 0);
        ck_assert_int_ge(dup2(fd, STDOUT_FILENO), 0);
        if (columns)
                ck_assert_int_eq(setenv("COLUMNS", columns, 1), 0);
        else
                ck_assert_int_eq(unsetenv("COLUMNS"), 0);
        w = ctl_terminal_width();
        ck_assert_int_ge(dup2(saved, STDOUT_FILENO), 0);
        close(saved);
        return w;
}

START_TEST(test_terminal_width) {
        struct winsize ws = { .ws_row = 24, .ws_col = 55 };
        int p[2], master, slave;

        /* A pipe: never a width, whatever $COLUMNS says. */
        ck_assert_int_eq(pipe(p), 0);
        ck_assert_uint_eq(width_with_stdout(p[1], "20"), 0);
        close(p[0]);
        close(p[1]);

        /* A terminal: $COLUMNS, else its size. */
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        ck_assert_int_ge(master, 0);
        ck_assert_int_eq(grantpt(master), 0);
        ck_assert_int_eq(unlockpt(master), 0);
        slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
        ck_assert_int_ge(slave, 0);
        ck_assert_int_eq(ioctl(slave, TIOCSWINSZ, &ws), 0);
        ck_assert_uint_eq(width_with_stdout(slave, "37"), 37);
        ck_assert_uint_eq(width_with_stdout(slave, NULL), 55);
        ck_assert_uint_eq(width_with_stdout(slave, "wide"), 55);
        close(slave);
        close(master);
}
END_TEST

static Suite *ctl_table_suite(void) {
        Suite *s = suite_create("ctl-table");
        TCase *tc = test_tcase(s, "table");

        tcase_add_test(tc, test_unlimited_is_printf);
        tcase_add_test(tc, test_longer_value_widens_column);
        tcase_add_test(tc, test_fit_cuts_note_first);
        tcase_add_test(tc, test_fit_then_driver_then_pf);
        tcase_add_test(tc, test_fit_utf8);
        tcase_add_test(tc, test_terminal_width);
        return s;
}

TEST_MAIN(ctl_table_suite)
