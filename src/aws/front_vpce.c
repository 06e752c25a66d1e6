/* The front inside interface endpoints (docs/AWS-SERVICES.md, "VPC
 * endpoints"): before it enters the zone, the front opens a listening
 * socket on port 443 of each endpoint ENI's address, inside that ENI's
 * namespace (a socket stays in the namespace it was made in), and serves
 * the endpoint's service there, so a connection to the ENI reaches the
 * same engines as one to the public address, and only after the ENI's
 * security groups admitted it (the VPC's data plane). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws/front_internal.h"
#include "kernel/netns.h"
#include "model/aws_zone.h"
#include "util/err.h"

#define VPCE_PORT 443
#define VPCE_BACKLOG 128

static int listen_on(uint32_t ip, const char *netns)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(VPCE_PORT),
				  .sin_addr.s_addr = htonl(ip) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, VPCE_BACKLOG) < 0) {
		int e = errno;
		char a[IP4_STRLEN];

		if (fd >= 0)
			close(fd);
		return errf(e, "aws front: listening on %s:%d in %s: %s", ip4_str(ip, a), VPCE_PORT,
			    netns, strerror(e));
	}
	return fd;
}

int front_vpce_listen(struct front *f)
{
	const struct layout *L = f->L;

	f->n_vpce = 0;
	f->vpce = calloc((size_t)L->n_vpce_enis + 1, sizeof(*f->vpce));
	if (!f->vpce)
		return errf(ENOMEM, "aws front: endpoint listeners");
	for (int i = 0; i < L->n_vpce_enis; i++) {
		const struct vpce_eni *x = &L->vpce_enis[i];
		const struct node *n = &L->nodes[x->node];
		int saved, fd, err;

		err = netns_enter_name(n->netns, &saved);
		if (err < 0)
			return err;
		fd = listen_on(L->atts[n->att].ip, n->netns);
		netns_leave(saved);
		if (fd < 0)
			return fd;
		f->vpce[f->n_vpce++] = (struct front_vpce){
			.fd = fd, .service = L->t->vpcs[x->vpc].endpoints[x->endpoint].service,
		};
	}
	return 0;
}

/* Does host (port, trailing dot and case ignored) end with
 * ".SERVICE.REGION.vpce.amazonaws.com", an interface endpoint's name? */
static bool vpce_host(const struct topology *t, const char *host, int s)
{
	char name[AWS_HOST_MAX], suffix[AWS_HOST_MAX];
	size_t n = 0, k;

	for (; host && host[n] && host[n] != ':' && n + 1 < sizeof(name); n++)
		name[n] = (char)tolower((unsigned char)host[n]);
	if (n && name[n - 1] == '.')
		n--;
	name[n] = '\0';
	k = (size_t)snprintf(suffix, sizeof(suffix), ".%s.%s.vpce.amazonaws.com",
			     aws_service_name(s), t->region);
	return n > k && !strcmp(name + n - k, suffix);
}

int front_route(const struct front *f, int pinned, const char *host, char bucket[AWS_HOST_MAX])
{
	int s = aws_zone_route(f->t, host, bucket);

	if (pinned < 0)
		return s;
	/* An endpoint serves its own service only, by its public name
	 * (private DNS) or its vpce- names. */
	if (s < 0 && vpce_host(f->t, host, pinned)) {
		bucket[0] = '\0';
		return pinned;
	}
	return s == pinned ? s : -1;
}
