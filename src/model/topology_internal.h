/* Shared by the files of the topology module (src/model/topology*.c: the
 * parser, the checks, the limits, the code, database and DNS keys, the
 * model's lookups). Not part of the public model: nothing
 * outside those files includes it, and no cJSON type appears here
 * (topology_internal_json.h has the JSON side). */
#ifndef VPCSIM_TOPOLOGY_INTERNAL_H
#define VPCSIM_TOPOLOGY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/topology.h"

#define PATH_LEN 256

/* A CIDR that failed to parse keeps this length, so later checks skip it
 * instead of reporting follow-on errors about 0.0.0.0/0. Only ever seen in a
 * model that is being thrown away (it has at least one error). */
#define CIDR_BAD 0xff

static inline bool cidr_valid(struct cidr c)
{
	return c.len <= 32;
}

/* strdup that aborts on allocation failure; NULL stays NULL. */
char *topo_strdup(const char *s);

/* Index of the element named `name` in an array of structs, given the
 * address of the first element's `name` member and the element size; -1
 * when absent. FIND(arr, n, name) spells it for an array of n structs,
 * which is NULL when n is 0 (its first member's address is then not
 * taken: that would be arithmetic on a null pointer). */
int topo_find_named(const void *first, size_t stride, int n, const char *name);
#define FIND(arr, n, key) \
	((n) > 0 ? topo_find_named(&(arr)[0].name, sizeof((arr)[0]), n, key) : -1)

/* Duplicates in O(n log n), so validation stays linear-ish on huge files:
 * first[i] is the lowest k < i whose key equals key i, else -1. Keys
 * flagged skip (skip may be NULL) are never equal to anything. */
void topo_first_equal_str(const char *const *keys, int n, int *first);
void topo_first_equal_u64(const uint64_t *keys, const bool *skip, int n, int *first);

__attribute__((format(printf, 4, 5)))
void topo_error(struct diags *d, const char *path, const char *code,
		const char *fmt, ...);
__attribute__((format(printf, 4, 5)))
void topo_warning(struct diags *d, const char *path, const char *code,
		  const char *fmt, ...);

/* Lookups that tolerate the half-built model of a file with errors: NULL
 * names never match. */
int topo_find_peering(const struct topology *t, const char *name);
bool topo_has_node(const struct topology *t, const char *name);

/* Cross-object rules on the parsed model: unique names, overlapping CIDRs,
 * unique addresses, peerings, NAT placement, reserved concurrency. Element
 * indices equal positions in the file, so paths are rebuilt from them. */
void topology_check(const struct topology *t, struct diags *d);
/* The layout's and the data plane's limits (topology_limits.c). */
void topology_check_limits(const struct topology *t, struct diags *d);

/* topology_aws.c */
void topo_aws_free(struct topo_aws *a);

#endif
