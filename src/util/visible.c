/* Control bytes made visible; see visible.h. */
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/visible.h"

struct visible {
	FILE *to;
	int need;                  /* continuation bytes still due in a UTF-8 sequence */
	bool c2;                   /* a 0xc2 lead held back: U+0080-U+009F are controls */
};

/* cat -v's text for a control byte (c < 0x20, 0x7f, 0x80..0x9f). */
static void show(FILE *to, unsigned c)
{
	if (c >= 0x80) {
		fputs("M-", to);
		c -= 0x80;
	}
	fputc('^', to);
	fputc(c == 0x7f ? '?' : (int)(c + 64), to);
}

static void put(struct visible *v, unsigned char c)
{
	if (v->c2) {
		v->c2 = false;
		if (c >= 0x80 && c <= 0x9f) {
			show(v->to, c);
			return;
		}
		fputc(0xc2, v->to);
		if ((c & 0xc0) == 0x80) {
			fputc(c, v->to);
			return;
		}
	}
	if (v->need && (c & 0xc0) == 0x80) {
		v->need--;
		fputc(c, v->to);
		return;
	}
	v->need = 0;
	if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || (c >= 0x80 && c <= 0x9f))
		show(v->to, c);
	else if (c == 0xc2)
		v->c2 = true;
	else {
		v->need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
		fputc(c, v->to);
	}
}

static ssize_t vis_write(void *cookie, const char *buf, size_t n)
{
	struct visible *v = cookie;

	for (size_t i = 0; i < n; i++)
		put(v, (unsigned char)buf[i]);
	fflush(v->to);
	return (ssize_t)n;
}

static int vis_close(void *cookie)
{
	struct visible *v = cookie;

	if (v->c2)
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
