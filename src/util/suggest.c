/* "Did you mean" (see suggest.h). */
#include <string.h>

#include "util/suggest.h"

int edit_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b), row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (int j = 0; j <= lb; j++)
		row[j] = j;
	for (int i = 1; i <= la; i++) {
		int diag = row[0];

		row[0] = i;
		for (int j = 1; j <= lb; j++) {
			int up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

void nearest_offer(struct nearest *nr, const char *misspelt, const char *known)
{
	int d = edit_distance(misspelt, known);

	if (d < nr->dist) {
		nr->dist = d;
		nr->best = known;
	}
}
