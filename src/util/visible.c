/* Control bytes made visible; see visible.h. */
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/visible.h"

struct visible {
	FILE *to;
	struct visible_state st;
};

/* cat -v's text for a control byte (c < 0x20, 0x7f, 0x80..0x9f). */
static size_t show(char *o, unsigned c)
{
	size_t n = 0;

	if (c >= 0x80) {
		o[n++] = 'M';
		o[n++] = '-';
		c -= 0x80;
	}
	o[n++] = '^';
	o[n++] = (char)(c == 0x7f ? '?' : c + 64);
	return n;
}

static size_t put(struct visible_state *v, unsigned char c, char *o)
{
	size_t n = 0;

	if (v->c2) {
		v->c2 = false;
		if (c >= 0x80 && c <= 0x9f)
			return show(o, c);
		o[n++] = (char)0xc2;
		if ((c & 0xc0) == 0x80) {
			o[n++] = (char)c;
			return n;
		}
	}
	if (v->need && (c & 0xc0) == 0x80) {
		v->need--;
		o[n++] = (char)c;
		return n;
	}
	v->need = 0;
	if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || (c >= 0x80 && c <= 0x9f))
		return n + show(o + n, c);
	if (c == 0xc2) {
		v->c2 = true;
		return n;
	}
	v->need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	o[n++] = (char)c;
	return n;
}

size_t visible_encode(struct visible_state *v, const char *in, size_t n, char *out)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += put(v, (unsigned char)in[i], out + len);
	return len;
}

static ssize_t vis_write(void *cookie, const char *buf, size_t n)
{
	struct visible *v = cookie;
	char out[4 * 1024 + 1];

	for (size_t i = 0; i < n; i += 1024) {
		size_t k = n - i < 1024 ? n - i : 1024;

		fwrite(out, 1, visible_encode(&v->st, buf + i, k, out), v->to);
	}
	fflush(v->to);
	return (ssize_t)n;
}

static int vis_close(void *cookie)
{
	struct visible *v = cookie;

	if (v->st.c2)
		fputc(0xc2, v->to);
	fflush(v->to);
	free(v);
	return 0;
}

FILE *visible_open(FILE *to)
{
	struct visible *v = calloc(1, sizeof(*v));
	FILE *f;

	if (!v)
		return NULL;
	v->to = to;
	f = fopencookie(v, "w", (cookie_io_functions_t){ .write = vis_write, .close = vis_close });
	if (!f)
		free(v);
	return f;
}

FILE *visible_if_tty(FILE *to)
{
	FILE *f;

	if (!isatty(fileno(to)))
		return to;
	f = visible_open(to);
	return f ? f : to;
}

void visible_close(FILE *f, FILE *to)
{
	if (f && f != to)
		fclose(f);
}
