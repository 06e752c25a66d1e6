/* Function output shown on a terminal: control bytes as visible text.
 *
 * What a function prints (its logs, its response) reaches the caller's
 * terminal, and escape sequences in it would act there (set the window
 * title, rewrite the screen, answer back). When the output is a terminal
 * vpcsim writes it through visible_open(): C0 controls but newline and
 * tab, DEL, and the C1 controls (raw bytes 0x80-0x9f outside a UTF-8
 * sequence, or U+0080-U+009F) are written as `cat -v` writes them (ESC is
 * "^[", DEL "^?", CSI "M-^["); UTF-8 text passes unchanged. */
#ifndef VPCSIM_VISIBLE_H
#define VPCSIM_VISIBLE_H

#include <stdbool.h>
#include <stdio.h>

/* Where a stream is in UTF-8, between two calls. */
struct visible_state {
	int need;                  /* continuation bytes still due in a sequence */
	bool c2;                   /* a 0xc2 lead held back: U+0080-U+009F are controls */
};

/* Encode n bytes of in into out (room for 4 * n + 1 bytes); returns the
 * bytes written. A 0xc2 at the end is held for the next call. */
size_t visible_encode(struct visible_state *v, const char *in, size_t n, char *out);

/* A stream writing to `to` with controls made visible (fclose it; `to`
 * stays open). NULL when out of memory. */
FILE *visible_open(FILE *to);

/* `to` itself when it is not a terminal, else visible_open(to) (or `to`
 * if that fails). Close the result with visible_close(). */
FILE *visible_if_tty(FILE *to);
void visible_close(FILE *f, FILE *to);

#endif
