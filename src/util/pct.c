/* Percent-decoding; see pct.h. */
#include "util/pct.h"

int pct_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t pct_decode(const char *s, size_t n, char *out)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n && (hi = pct_nibble(s[i + 1])) >= 0 && (lo = pct_nibble(s[i + 2])) >= 0) {
			out[len++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[len++] = s[i];
		}
	}
	out[len] = '\0';
	return len;
}
