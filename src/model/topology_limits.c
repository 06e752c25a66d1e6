/* The limits of the layout and of the data plane's maps, checked on the
 * model so that `validate` refuses what `up` could not build (issue 7):
 * every one is an error with its JSON path.
 *
 *   - security groups of all VPCs: ids are 16 bit (policy_group_id), 0 is
 *     "none", so at most 65535;
 *   - network ACLs of all VPCs: ids 1..DP_NACLS_MAX-1 (the nacls array);
 *   - router links (Lambda egress, internet gateways, peerings): their
 *     interface indexes IFINDEX_LINK_BASE + k must stay below the ENIs'
 *     IFINDEX_ATT_BASE;
 *   - VPC CIDRs and lambda.service_cidr must not hold the simulated public
 *     pool (PUBLIC_POOL), the router link pool (LINK_POOL) or an internet
 *     host's address: those are reached through the internet router, and
 *     a VPC-local route would capture them.
 * ENIs per VPC (the enis map, DP_ENIS_MAX) depend on the layout and are
 * checked there (layout.c). */
#include <stdio.h>

#include "model/numbering.h"
#include "model/topology.h"
#include "model/topology_internal.h"
#include "vpcsim/dataplane.h"

#define GROUPS_MAX 65535
#define LINKS_MAX (IFINDEX_ATT_BASE - IFINDEX_LINK_BASE)

static void check_id_spaces(const struct topology *t, struct diags *d)
{
	char path[PATH_LEN];
	int groups = 0, nacls = 0;
	bool g_done = false, n_done = false;

	for (int v = 0; v < t->n_vpcs; v++) {
		groups += t->vpcs[v].n_security_groups;
		nacls += t->vpcs[v].n_nacls;
		if (groups > GROUPS_MAX && !g_done) {
			g_done = true;
			snprintf(path, sizeof(path), "vpcs[%d].security_groups", v);
			topo_error(d, path, "SecurityGroupLimitExceeded",
				   "The topology has more than %d security groups (default groups included) by here; "
				   "the data plane numbers groups in 16 bits: use fewer", GROUPS_MAX);
		}
		if (nacls > DP_NACLS_MAX - 1 && !n_done) {
			n_done = true;
			snprintf(path, sizeof(path), "vpcs[%d].network_acls", v);
			topo_error(d, path, "NetworkAclLimitExceeded",
				   "The topology has more than %d network ACLs (default ACLs included) by here; "
				   "the data plane holds %d: use fewer", DP_NACLS_MAX - 1, DP_NACLS_MAX - 1);
		}
	}
}

static void check_links(const struct topology *t, struct diags *d)
{
	char path[PATH_LEN];
	int links = 1; /* the Lambda service VPC's egress */

	for (int v = 0; v < t->n_vpcs; v++)
		links += t->vpcs[v].internet_gateway ? 1 : 0;
	if (links > LINKS_MAX) {
		topo_error(d, "vpcs", "InternetGatewayLimitExceeded",
			   "%d internet gateways: the internet router has interface numbers for %d links "
			   "(gateways and peerings together); use fewer", links - 1, LINKS_MAX - 1);
		return;
	}
	if (links + t->n_peerings > LINKS_MAX) {
		snprintf(path, sizeof(path), "peerings[%d]", LINKS_MAX - links);
		topo_error(d, path, "VpcPeeringConnectionLimitExceeded",
			   "%d peerings and %d internet gateways: router links are numbered %d..%d, "
			   "below the ENIs' %d; use at most %d peerings here", t->n_peerings, links - 1,
			   IFINDEX_LINK_BASE, IFINDEX_ATT_BASE - 1, IFINDEX_ATT_BASE, LINKS_MAX - links);
	}
}

/* Does `c` hold a range or address the internet router owns? Names it. */
static const char *internet_clash(const struct topology *t, struct cidr c, char *what, size_t size)
{
	struct cidr pub, link;
	char ip[IP4_STRLEN];

	cidr_parse(PUBLIC_POOL, &pub, NULL);
	cidr_parse(LINK_POOL, &link, NULL);
	if (cidr_overlaps(c, pub)) {
		snprintf(what, size, "the simulated public address pool %s", PUBLIC_POOL);
		return what;
	}
	if (cidr_overlaps(c, link)) {
		snprintf(what, size, "the router link pool %s", LINK_POOL);
		return what;
	}
	for (int i = 0; i < t->n_hosts; i++)
		if (t->hosts[i].ip && cidr_contains_ip(c, t->hosts[i].ip)) {
			snprintf(what, size, "internet host %s (%s, internet.hosts[%d])",
				 t->hosts[i].name ? t->hosts[i].name : "?", ip4_str(t->hosts[i].ip, ip), i);
			return what;
		}
	return NULL;
}

static void check_internet_ranges(const struct topology *t, struct diags *d)
{
	char path[PATH_LEN], what[160], cb[CIDR_STRLEN];

	for (int v = 0; v < t->n_vpcs; v++) {
		struct cidr c = t->vpcs[v].cidr;

		if (!cidr_valid(c) || !internet_clash(t, c, what, sizeof(what)))
			continue;
		snprintf(path, sizeof(path), "vpcs[%d].cidr", v);
		topo_error(d, path, "InvalidVpc.Range",
			   "The CIDR '%s' overlaps %s, which the simulated internet uses; pick another range",
			   cidr_str(c, cb), what);
	}
	if (cidr_valid(t->service_cidr) && internet_clash(t, t->service_cidr, what, sizeof(what)))
		topo_error(d, "lambda.service_cidr", "InvalidParameterValue",
			   "The service CIDR '%s' overlaps %s, which the simulated internet uses; pick another range",
			   cidr_str(t->service_cidr, cb), what);
}

void topology_check_limits(const struct topology *t, struct diags *d)
{
	check_id_spaces(t, d);
	check_links(t, d);
	check_internet_ranges(t, d);
}
