/* Tables for people: rows of cells, columns as wide as their widest. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void table_print(struct table *T)
{
	int w[TABLE_COLS] = { 0 };

	for (int r = 0; r < T->n; r++)
		for (int c = 0; c < T->cols; c++) {
			int len = (int)strlen(T->cells[r][c]);

			if (len > w[c])
				w[c] = len;
		}
	for (int r = 0; r < T->n; r++) {
		for (int c = 0; c + 1 < T->cols; c++)
			printf("%-*s  ", w[c], T->cells[r][c]);
		printf("%s\n", T->cells[r][T->cols - 1]);
		for (int c = 0; c < T->cols; c++)
			free(T->cells[r][c]);
	}
	free(T->cells);
	T->cells = NULL;
	T->n = 0;
}

