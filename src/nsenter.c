#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vpcsim/err.h"
#include "vpcsim/netns.h"
#include "vpcsim/nsenter.h"

bool nsenter_name_ok(const char *netns)
{
	size_t len = netns ? strnlen(netns, NETNS_NAME_MAX) : 0;

	return len > 0 && len < NETNS_NAME_MAX && !strchr(netns, '/') &&
	       strcmp(netns, ".") != 0 && strcmp(netns, "..") != 0;
}

int nsenter_net(const char *netns, int *saved)
{
	char path[sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX + 1];
	int fd, old = -1, err;

	if (!nsenter_name_ok(netns))
		return errf(EINVAL, "network namespace name '%s' is not valid",
			    netns ? netns : "(null)");
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errf(errno, "opening network namespace %s: %s", path,
			    strerror(errno));
	if (saved) {
		old = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (old < 0) {
			err = errno;
			close(fd);
			return errf(err, "opening current network namespace: %s",
				    strerror(err));
		}
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		err = errno;
		close(fd);
		if (old >= 0)
			close(old);
		return errf(err, "entering network namespace %s: %s", netns,
			    strerror(err));
	}
	close(fd);
	if (saved)
		*saved = old;
	return 0;
}

void nsenter_restore(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vpcsim: returning to the original network namespace: %s\n",
			strerror(errno));
		abort();
	}
	close(saved);
}
