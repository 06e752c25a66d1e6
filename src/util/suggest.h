/* "Did you mean": the known name closest to a misspelt one. */
#ifndef VPCSIM_UTIL_SUGGEST_H
#define VPCSIM_UTIL_SUGGEST_H

/* Levenshtein distance of a and b (insert, delete, replace one
 * character); 99 when either is 63 characters or longer. */
int edit_distance(const char *a, const char *b);

/* The closest of the names seen so far: start with NEAREST_INIT, offer
 * each known name with nearest_offer(); `best` is then the first of the
 * closest within 2 edits of the misspelt name, or NULL. */
struct nearest {
	const char *best;
	int dist;
};
#define NEAREST_INIT { NULL, 3 }
void nearest_offer(struct nearest *nr, const char *misspelt, const char *known);

#endif
