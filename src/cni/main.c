/* vpcsim-cni: the CNI plugin's entry point (cni.h, docs/CNI.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni/cni.h"

#define CONF_MAX (1 << 20)

/* Standard input, at most CONF_MAX bytes; NULL (cni_fail) otherwise. */
static char *read_stdin(size_t *len)
{
	char *buf = malloc(CONF_MAX + 1);
	size_t n = 0;

	if (!buf) {
		cni_fail(CNI_ERR_INTERNAL, "out of memory");
		return NULL;
	}
	for (ssize_t r; n <= CONF_MAX && (r = read(0, buf + n, CONF_MAX + 1 - n)) != 0;) {
		if (r < 0) {
			free(buf);
			cni_fail(CNI_ERR_IO, "reading the network configuration: %m");
			return NULL;
		}
		n += (size_t)r;
	}
	if (n > CONF_MAX) {
		free(buf);
		cni_fail(CNI_ERR_DECODE, "the network configuration is over %d bytes", CONF_MAX);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

static int run(struct cni_call *c)
{
	struct cni_added added = { 0 };
	const char *cmd = c->command;

	if (!strcmp(cmd, "ADD")) {
		if (cni_add(c, &added) < 0)
			return -1;
		cni_print_result(c, &added);
		return 0;
	}
	if (!strcmp(cmd, "DEL"))
		return cni_del(c);
	if (!strcmp(cmd, "CHECK"))
		return cni_check(c);
	if (!strcmp(cmd, "GC"))
		return cni_gc(c);
	return cni_status(c);
}

int main(int argc, char **argv)
{
	struct cni_call c = { 0 };
	size_t len = 0;
	char *conf;
	int err;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("vpcsim-cni: the vpcsim CNI plugin; a container runtime runs it (CNI_COMMAND, "
		       "CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, the network configuration on "
		       "standard input). See docs/CNI.md.\n");
		return 0;
	}
	if (cni_read_env(&c) < 0) {
		cni_print_error(NULL);
		return 1;
	}
	conf = read_stdin(&len);
	if (!strcmp(c.command, "VERSION")) {
		/* The configuration holds the version to answer with, if any. */
		if (conf && cni_read_conf(&c, conf, len) < 0)
			c.version[0] = 0;
		cni_print_version(c.version);
		free(conf);
		return 0;
	}
	err = conf ? cni_read_conf(&c, conf, len) : -1;
	free(conf);
	if (!err && geteuid() != 0)
		err = cni_fail(CNI_ERR_IO, "the vpcsim plugin runs as root (it changes the "
			       "topology's namespaces)");
	if (!err)
		err = run(&c);
	free(c.valid);
	if (err < 0) {
		cni_print_error(c.version);
		return 1;
	}
	return 0;
}
