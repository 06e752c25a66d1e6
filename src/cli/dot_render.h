/* Graphviz as a program: DOT text piped through `dot -T<format> [-o OUT]`
 * (svg or png), for `graph` and `tune`. */
#ifndef VPCSIM_DOT_RENDER_H
#define VPCSIM_DOT_RENDER_H

#include <stdbool.h>
#include <stdio.h>

/* Render what write(arg, f) writes. pinned: the nodes carry their own
 * positions (pos="x,y!" in points), drawn as they are (neato -n2). out
 * NULL: stdout. An exit status; failures are printed naming `verb`. */
int dot_render(const char *verb, const char *format, const char *out, bool pinned,
	       int (*write)(void *arg, FILE *f), void *arg);

#endif
