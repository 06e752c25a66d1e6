/* vpcsim import TEMPLATE: the topology of a SAM or CloudFormation template
 * on stdout, what is not mapped on stderr (docs/TEMPLATES.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "model/template.h"
#include "model/topology_code.h"
#include "util/fs.h"

static int usage(void)
{
	return fail(EXIT_USAGE, "%s", verb_usage("import"));
}

/* The topology text, checked as a topology file is; NULL on an error. */
static char *import_checked(const char *file, const struct template_opts *o)
{
	struct diags d = { 0 };
	size_t n = 0;
	char *text = file_read(file, &n), *topo = NULL, *abs;
	struct topology *t = NULL;

	if (!text)
		diags_error(&d, "", "FileNotReadable", "cannot read: %m");
	else
		topo = template_import(file, text, n, o, &d);
	if (topo)
		t = topology_parse(file, topo, strlen(topo), &d);
	diags_print(&d, file, stderr);
	diags_free(&d);
	free(text);
	if (!t) {
		free(topo);
		return NULL;
	}
	topology_free(t);
	/* Code paths absolute, so the output works wherever it is saved. */
	abs = function_code_absolute_paths(topo, strlen(topo), file);
	if (abs) {
		free(topo);
		topo = abs;
	}
	return topo;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'N' },
		{ "parameter", required_argument, NULL, 'P' },
		{ 0 },
	};
	struct template_opts o = { 0 };
	cJSON *over = cJSON_CreateObject();
	char *topo;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'N') {
			o.name = optarg;
		} else if (c != 'P' || !template_parameter_add(over, optarg)) {
			cJSON_Delete(over);
			return c == 'P' ? fail(EXIT_USAGE, "--parameter '%s': write KEY=VALUE", optarg)
				       : usage();
		}
	}
	if (optind != argc - 1) {
		cJSON_Delete(over);
		return usage();
	}
	o.overrides = over;
	topo = import_checked(argv[optind], &o);
	cJSON_Delete(over);
	if (!topo)
		return EXIT_USAGE;
	printf("%s\n", topo);
	free(topo);
	return EXIT_OK;
}
