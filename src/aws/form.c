/* Form bodies; see form.h. */
#include <string.h>

#include "aws/form.h"
#include "util/pct.h"

/* Decode p[0..n) into out; -1 on a bad escape or overflow. */
static int decode(const char *p, size_t n, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = pct_nibble(p[i + 1]);
			lo = pct_nibble(p[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= size || c == '\0')
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 1;
}

int form_get(const char *body, size_t len, const char *name, char *out, size_t size)
{
	size_t k = strlen(name), i = 0;

	while (body && i < len) {
		const char *amp = memchr(body + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - body) : len;

		if (end - i > k && !strncmp(body + i, name, k) && body[i + k] == '=')
			return decode(body + i + k + 1, end - i - k - 1, out, size);
		if (end - i == k && !strncmp(body + i, name, k)) {
			out[0] = '\0';
			return 1;
		}
		i = end + 1;
	}
	return 0;
}
