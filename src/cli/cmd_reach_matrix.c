/* vpcsim reach --matrix: who reaches what, one table. Rows: every
 * function and resource; columns: every listening port of every resource
 * and internet host. A cell is the verdict, or the code that blocks it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/reach_out.h"
#include "util/err.h"

struct column {
	const char *node;
	uint8_t proto;
	uint16_t port;
	char label[48];
};

static int columns(const struct layout *L, struct column *c, int max)
{
	int n = 0;

	for (int i = 0; i < L->n_nodes; i++) {
		const struct listen_port *lp;
		int k = reach_node_listen(L, i, &lp);
		uint16_t ep = reach_node_engine_port(L, i);

		if (ep && n < max) { /* a real engine: PostgreSQL, PgBouncer */
			c[n].node = L->nodes[i].name;
			c[n].proto = 6;
			c[n].port = ep;
			snprintf(c[n].label, sizeof(c[n].label), "%s:%u", c[n].node, ep);
			n++;
		}
		for (int j = 0; j < k && n < max; j++, n++) {
			c[n].node = L->nodes[i].name;
			c[n].proto = lp[j].proto;
			c[n].port = lp[j].port;
			snprintf(c[n].label, sizeof(c[n].label), "%s:%u%s", c[n].node, c[n].port,
				 lp[j].proto == 17 ? "/udp" : "");
		}
	}
	return n;
}

/* Functions, then resources. */
static int rows(const struct layout *L, const char **r, int max)
{
	int n = 0;

	for (int i = 0; i < L->t->n_functions && n < max; i++)
		r[n++] = L->t->functions[i].name;
	for (int i = 0; i < L->t->n_resources && n < max; i++)
		r[n++] = L->t->resources[i].name;
	return n;
}

static const char *cell(const struct reach_result *r)
{
	return r->verdict == PROBE_OPEN ? "open" :
	       r->verdict == PROBE_REFUSED ? "refused" : reach_code_name(r->code);
}

static int matrix_json(const struct layout *L, const struct policy *pol, const char **rw,
		       int nr, const struct column *c, int nc)
{
	cJSON *o = cJSON_CreateObject(), *cells = cJSON_AddArrayToObject(o, "cells");
	char *s;

	cJSON_AddStringToObject(o, "topology", L->t->name);
	for (int i = 0; i < nr; i++)
		for (int j = 0; j < nc; j++) {
			struct reach_query q = { rw[i], c[j].node, c[j].proto, c[j].port, 0 };
			struct reach_result r;
			cJSON *x;

			if (!strcmp(rw[i], c[j].node) || reach_analyze(L, pol, &q, &r) < 0)
				continue;
			x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "from", rw[i]);
			cJSON_AddStringToObject(x, "to", c[j].node);
			cJSON_AddStringToObject(x, "proto", reach_proto_name(c[j].proto));
			cJSON_AddNumberToObject(x, "port", c[j].port);
			cJSON_AddStringToObject(x, "result", probe_result_str(r.verdict));
			if (r.code)
				cJSON_AddStringToObject(x, "code", reach_code_name(r.code));
			cJSON_AddItemToArray(cells, x);
		}
	s = cJSON_PrintUnformatted(o);
	puts(s);
	free(s);
	cJSON_Delete(o);
	return EXIT_OK;
}

/* Cells first, so each column is as wide as its widest cell. */
static void matrix_text(const struct layout *L, const struct policy *pol, const char **rw,
			int nr, const struct column *c, int nc)
{
	const char **cells = calloc((size_t)nr * (size_t)nc + 1, sizeof(*cells));
	int w0 = 4, *w = calloc((size_t)nc + 1, sizeof(*w));

	for (int i = 0; cells && w && i < nr; i++) {
		w0 = (int)strlen(rw[i]) > w0 ? (int)strlen(rw[i]) : w0;
		for (int j = 0; j < nc; j++) {
			struct reach_query q = { rw[i], c[j].node, c[j].proto, c[j].port, 0 };
			struct reach_result r;
			const char **x = &cells[i * nc + j];

			*x = !strcmp(rw[i], c[j].node) || reach_analyze(L, pol, &q, &r) < 0 ? "-" : cell(&r);
			w[j] = (int)strlen(*x) > w[j] ? (int)strlen(*x) : w[j];
			w[j] = (int)strlen(c[j].label) > w[j] ? (int)strlen(c[j].label) : w[j];
		}
	}
	printf("%-*s", w0, "FROM");
	for (int j = 0; cells && w && j < nc; j++)
		printf("  %-*s", w[j], c[j].label);
	putchar('\n');
	for (int i = 0; cells && w && i < nr; i++) {
		printf("%-*s", w0, rw[i]);
		for (int j = 0; j < nc; j++)
			printf("  %-*s", w[j], cells[i * nc + j]);
		putchar('\n');
	}
	printf("\nopen/refused as a client sees it; otherwise the code that blocks it "
	       "(`vpcsim reach FROM TO PORT` explains).\n");
	free(cells);
	free(w);
}

int reach_matrix(const struct layout *L, const struct policy *pol, bool json)
{
	int max = 1024, nr, nc;
	struct column *c = calloc((size_t)max, sizeof(*c));
	const char **rw = calloc((size_t)max, sizeof(*rw));

	if (!c || !rw) {
		free(c);
		free(rw);
		return fail(EXIT_FAILED, "out of memory");
	}
	nc = columns(L, c, max);
	nr = rows(L, rw, max);
	if (json)
		matrix_json(L, pol, rw, nr, c, nc);
	else
		matrix_text(L, pol, rw, nr, c, nc);
	free(c);
	free(rw);
	return EXIT_OK;
}
