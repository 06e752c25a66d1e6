/* Session pinning, PostgreSQL (proxy.h): the conditions RDS Proxy's
 * guide lists ("Avoiding pinning an RDS Proxy", docs/RDS.md), read from
 * the client's messages before they are relayed. A simple Query is split
 * into statements outside quotes and comments; each statement's first
 * words decide, and a few functions anywhere in the text. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rdsproxy/proxy.h"

#define PIN_STATEMENT_MAX 16384    /* "statements larger than 16 KB" */
#define WORDS 4

/* The text with comments and quoted parts blanked, lower case; statement
 * ends (;) kept. out has len + 1 bytes. */
static void scrub(const char *in, uint32_t len, char *out)
{
	uint32_t i = 0;
	char q = 0;

	while (i < len) {
		char c = in[i];

		if (q) {
			out[i] = ' ';
			if (c == q && !(i + 1 < len && in[i + 1] == q))
				q = 0;
			else if (c == q)
				out[++i] = ' ';
			i++;
		} else if (c == '\'' || c == '"') {
			q = c;
			out[i++] = ' ';
		} else if (c == '-' && i + 1 < len && in[i + 1] == '-') {
			while (i < len && in[i] != '\n')
				out[i++] = ' ';
		} else if (c == '/' && i + 1 < len && in[i + 1] == '*') {
			out[i++] = ' ';
			while (i < len && !(in[i] == '*' && i + 1 < len && in[i + 1] == '/'))
				out[i++] = ' ';
			if (i < len)
				out[i++] = ' ';
			if (i < len)
				out[i++] = ' ';
		} else {
			out[i++] = (char)tolower((unsigned char)c);
		}
	}
	out[len] = '\0';
}

/* The first n words of statement s (up to ';'). */
static int words(const char *s, char w[WORDS][24])
{
	int n = 0;

	while (n < WORDS) {
		size_t k = 0;

		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s || *s == ';')
			break;
		while (*s && !isspace((unsigned char)*s) && *s != ';' && *s != '(') {
			if (k < 23)
				w[n][k++] = *s;
			s++;
		}
		w[n][k] = '\0';
		if (*s == '(')
			s++;
		n++;
	}
	return n;
}

static bool temp_word(const char *w)
{
	return !strcmp(w, "temp") || !strcmp(w, "temporary");
}

static const char *statement_reason(const char *s)
{
	char w[WORDS][24] = { "" };
	int n = words(s, w);

	if (n == 0)
		return NULL;
	if (!strcmp(w[0], "set") || !strcmp(w[0], "reset"))
		return "SET command";
	if (!strcmp(w[0], "listen"))
		return "LISTEN";
	if (!strcmp(w[0], "load"))
		return "LOAD";
	if (!strcmp(w[0], "discard"))
		return "DISCARD";
	if (!strcmp(w[0], "declare"))
		return "DECLARE cursor";
	if (!strcmp(w[0], "prepare"))
		return "prepared statement";
	if (!strcmp(w[0], "create") && n > 1 &&
	    (temp_word(w[1]) || ((!strcmp(w[1], "local") || !strcmp(w[1], "global")) && n > 2 &&
				 temp_word(w[2]))))
		return "temporary table, sequence or view";
	return NULL;
}

static const char *text_reason(const char *t)
{
	static const struct { const char *needle, *why; } fns[] = {
		{ "pg_advisory_lock", "advisory lock" },
		{ "pg_try_advisory_lock", "advisory lock" },
		{ "nextval", "sequence function (nextval/setval)" },
		{ "setval", "sequence function (nextval/setval)" },
		{ "set_config", "setting a parameter (set_config)" },
	};
	const char *p;

	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		for (p = strstr(t, fns[i].needle); p; p = strstr(p + 1, fns[i].needle)) {
			const char *q = p + strlen(fns[i].needle);

			while (isspace((unsigned char)*q))
				q++;
			if (*q == '(' && (p == t || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')))
				return fns[i].why;
		}
	if (strstr(t, "into temp ") || strstr(t, "into temporary "))
		return "temporary table, sequence or view";
	return NULL;
}

const char *pin_reason(char type, const char *body, uint32_t len)
{
	const char *why = NULL;
	char *t, *s;

	switch (type) {
	case 'P':
		return "extended query protocol (Parse)";
	case 'F':
		return "function call";
	case 'Q':
		break;
	default:
		return NULL;
	}
	if (len > PIN_STATEMENT_MAX)
		return "statement larger than 16 KB";
	if (!(t = malloc(len + 1)))
		return "statement larger than the proxy's memory";
	scrub(body, len, t);
	for (s = t; s && !why; s = strchr(s, ';') ? strchr(s, ';') + 1 : NULL)
		why = statement_reason(s);
	if (!why)
		why = text_reason(t);
	free(t);
	return why;
}
