/* Tables for people, laid out by libsmartcols (util-linux's table library,
 * the one behind lsblk and findmnt): the first row names the columns,
 * columns are as wide as their widest cell, two spaces apart, the last one
 * unpadded. See docs/ARCHITECTURE.md ("Output") for why JSON is not made
 * here. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsmartcols.h>

#include "cli/report_internal.h"

void table_row(struct table *T, ...)
{
	void *grown = realloc(T->cells, (size_t)(T->n + 1) * sizeof(*T->cells));
	va_list ap;

	if (!grown)
		return;
	T->cells = grown;
	va_start(ap, T);
	for (int c = 0; c < T->cols; c++) {
		const char *s = va_arg(ap, const char *);

		T->cells[T->n][c] = strdup(s ? s : "-");
	}
	va_end(ap);
	T->n++;
}

static void table_free(struct table *T)
{
	for (int r = 0; r < T->n; r++)
		for (int c = 0; c < T->cols; c++)
			free(T->cells[r][c]);
	free(T->cells);
	T->cells = NULL;
	T->n = 0;
}

/* The rows as a libsmartcols table, or NULL (out of memory). */
static struct libscols_table *scols_of(const struct table *T)
{
	struct libscols_table *tb = scols_new_table();

	if (!tb)
		return NULL;
	scols_table_set_column_separator(tb, "  ");
	scols_table_enable_noencoding(tb, 1);
	for (int c = 0; c < T->cols; c++)
		if (!scols_table_new_column(tb, T->cells[0][c], 0, 0))
			goto fail;
	for (int r = 1; r < T->n; r++) {
		struct libscols_line *ln = scols_table_new_line(tb, NULL);

		if (!ln)
			goto fail;
		for (int c = 0; c < T->cols; c++)
			if (scols_line_set_data(ln, (size_t)c, T->cells[r][c]) < 0)
				goto fail;
	}
	return tb;
fail:
	scols_unref_table(tb);
	return NULL;
}

void table_print(struct table *T)
{
	struct libscols_table *tb = T->n ? scols_of(T) : NULL;

	if (tb) {
		scols_print_table(tb);
		scols_unref_table(tb);
	}
	table_free(T);
}
