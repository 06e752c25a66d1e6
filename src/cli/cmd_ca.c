/* vpcsim ca: the topology's CA certificate (PEM), which every node and
 * bundled runtime trusts, for clients outside the simulation
 * (docs/AWS-SERVICES.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aws/ca.h"
#include "aws/front.h"
#include "cli/cli.h"
#include "state/state.h"
#include "util/err.h"

int cmd_ca(int argc, char **argv)
{
	char name[TOPO_NAME_MAX_LEN + 1], dir[STATE_PATH_MAX], zone[4096], path[4200], buf[4096];
	const char *topo = NULL;
	ssize_t n;
	int c, fd;

	while ((c = getopt(argc, argv, "t:")) != -1) {
		if (c != 't')
			return fail(EXIT_USAGE, "%s", verb_usage("ca"));
		topo = optarg;
	}
	if (optind != argc)
		return fail(EXIT_USAGE, "%s", verb_usage("ca"));
	if (state_pick(topo, name) < 0)
		return fail(EXIT_FAILED, "%s", err_msg());
	state_dir(name, dir);
	aws_zone_dir(dir, zone);
	snprintf(path, sizeof(path), "%s/%s", zone, AWS_CA_CERT);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return fail(EXIT_FAILED, "topology '%s' has no AWS services, so no CA: add an \"aws\" "
			    "key to its file (docs/AWS-SERVICES.md)", name);
	if (fd < 0)
		return fail(EXIT_FAILED, "reading %s: %s", path, strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return n < 0 ? fail(EXIT_FAILED, "reading %s: %s", path, strerror(errno)) : EXIT_OK;
}
