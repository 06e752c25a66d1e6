/* A topology as a picture: Graphviz DOT text, computed from the model and
 * its layout alone (no kernel), so it works on a file without root and on a
 * topology that is up through its saved copy.
 *
 * Clusters: the simulated internet (its hosts), the Lambda service VPC
 * (every function; default functions live only there), each VPC, and each
 * subnet inside its VPC. Nodes: ENIs with their id and addresses
 * (resources, NAT gateways, hyperplane ENIs of VPC functions, or one
 * "ENIs per environment" node per function and subnet in per-sandbox
 * mode), internet gateways, peering connections. Edges: route-table
 * routes (from the subnet to the target, labelled with the destination),
 * internet gateway and peering links, functions to their ENIs, and
 * reachability edges coloured by result (green open, red timeout, orange
 * refused) from the topology's `expect` list or any other source of
 * (from, to, port, result) facts, e.g. `reach --matrix`. */
#ifndef VPCSIM_GRAPH_H
#define VPCSIM_GRAPH_H

#include <stdint.h>
#include <stdio.h>

#include "model/layout.h"
#include "model/topology.h"

/* One reachability fact to draw: `from` is a function, resource or
 * internet host; `to` a node name or an IPv4 address (as in `expect`). */
struct graph_edge {
	const char *from, *to;
	int port;                  /* 0 for icmp */
	uint8_t proto;             /* 6, 17 or 1 */
	enum probe_result result;
};

/* The topology's `expect` list as edges. The strings are the topology's:
 * the array (free() it) lives no longer than t. *n is set; NULL with *n 0
 * when there are none (or out of memory). */
struct graph_edge *graph_expect_edges(const struct topology *t, int *n);

/* The colour of a result on the picture: "green3", "red3", "orange". */
const char *graph_result_colour(enum probe_result r);

/* Write the DOT text of the topology laid out in L, with the n_edges
 * reachability edges, to out. An edge whose endpoint names nothing in the
 * topology (and is no address) is drawn to a node of its own labelled
 * "unknown". Returns 0, or -1 when writing failed (errno set). */
int graph_write_dot(const struct layout *L, const struct graph_edge *edges, int n_edges,
		    FILE *out);

#endif
