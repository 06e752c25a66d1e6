/* vpcsim graph [NAME|FILE] [--format dot|svg|png] [-o OUT]: the topology
 * as a picture. DOT comes from model/graph.c; SVG and PNG from Graphviz's
 * `dot`, run as a child process with the DOT text on its stdin (the
 * library, libgvc, would add a link dependency and its plugin loading to
 * every vpcsim run for one verb; the program is what Debian's graphviz
 * package guarantees). A FILE is read directly (no root needed), a NAME
 * through the saved copy of the topology that is up (root needed when the
 * state folder is root's alone). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/dot_render.h"
#include "model/graph.h"
#include "state/state.h"
#include "util/err.h"

static int write_graph(const struct layout *L, FILE *out)
{
	int n_edges;
	struct graph_edge *edges = graph_expect_edges(L->t, &n_edges);
	int rc = graph_write_dot(L, edges, n_edges, out);

	free(edges);
	return rc;
}

static int write_graph_cb(void *arg, FILE *f)
{
	return write_graph(arg, f);
}

static int emit(const struct layout *L, const char *format, const char *out)
{
	FILE *f;
	int rc;

	if (strcmp(format, "dot") != 0)
		return dot_render("graph", format, out, false, write_graph_cb, (void *)L);
	f = out ? fopen(out, "w") : stdout;
	if (!f)
		return fail(EXIT_FAILED, "graph: cannot write %s: %s", out, strerror(errno));
	rc = write_graph(L, f);
	if (out && fclose(f) != 0)
		rc = -1;
	if (rc < 0)
		return fail(EXIT_FAILED, "graph: writing %s: %s", out ? out : "stdout",
			    strerror(errno));
	return EXIT_OK;
}

/* A topology that is up when `arg` names one, else a file. The state may
 * be root's alone (/run/vpcsim mode 0700): then a name needs root. */
static int graph_of(const char *arg, const char *format, const char *out)
{
	bool name_like = !arg || (strlen(arg) <= TOPO_NAME_MAX_LEN && !strchr(arg, '/') &&
				  !strchr(arg, '.'));
	struct layout L;
	struct topology *t;
	struct live lv;
	int rc;

	if (name_like && (!arg || access(arg, R_OK) < 0) && access(STATE_ROOT, X_OK) < 0 &&
	    errno == EACCES)
		return fail(EXIT_PRIVILEGE, "graph: the state of topologies that are up (%s) is "
			    "readable by root only; run: sudo vpcsim graph%s%s, or give the topology "
			    "FILE", STATE_ROOT, arg ? " " : "", arg ? arg : "");
	if (name_like && (!arg || state_is_up(arg))) {
		if (live_open(arg, &lv) < 0)
			return fail(EXIT_FAILED, "%s", err_msg());
		rc = emit(&lv.L, format, out);
		live_close(&lv);
		return rc;
	}
	if (access(arg, R_OK) < 0 && name_like)
		return fail(EXIT_USAGE, "graph: '%s' is neither a topology that is up (see `vpcsim "
			    "status`) nor a readable topology file", arg);
	t = topology_prepare(arg, &L);
	if (!t)
		return EXIT_USAGE;
	rc = emit(&L, format, out);
	layout_free(&L);
	topology_free(t);
	return rc;
}

int cmd_graph(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 },
	};
	const char *format = "dot", *out = NULL, *name = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "t:o:f:", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == 't')
			name = optarg;
		else
			return fail(EXIT_USAGE, "%s", verb_usage("graph"));
	}
	if (strcmp(format, "dot") && strcmp(format, "svg") && strcmp(format, "png"))
		return fail(EXIT_USAGE, "graph: --format %s: must be dot, svg or png", format);
	if ((c = topology_arg("graph", name, argc - optind, argv + optind, &name)) != EXIT_OK)
		return c;
	return graph_of(name, format, out);
}
