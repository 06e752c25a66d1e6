/* Shared by the report files (report.c, report_table.c, report_drops.c);
 * not part of any module's interface. */
#ifndef VPCSIM_REPORT_INTERNAL_H
#define VPCSIM_REPORT_INTERNAL_H

#include <cJSON.h>

#include "model/layout.h"

/* A table: rows of cells, printed with columns as wide as their widest. */
#define TABLE_COLS 8

struct table {
	int cols, n;
	char *(*cells)[TABLE_COLS];
};

/* Append a row of T->cols strings (NULL prints as "-"). */
void table_row(struct table *T, ...);
/* Print the rows and empty the table. */
void table_print(struct table *T);

/* Drop counters per VPC and reason (vpc_dp_drops_read): the non-zero ones
 * as a table, or a "drops" object with every reason in each VPC object of
 * `vpcs` (a JSON array in topology order). A VPC whose counters cannot be
 * read (no privilege, data plane gone) says why: in its table row, or on
 * stderr with "drops": null. */
void print_drops(const struct layout *L);
void json_add_drops(cJSON *vpcs, const struct layout *L);
/* "drop_reasons": every reason the data plane counts, as
 * { "name", "number", "meaning" } (DP_DROP_REASONS), for scripts and
 * tests that must not hard-code them. */
void json_add_drop_reasons(cJSON *root);

/* Databases and proxies that run engines (report_db.c): a table each
 * (nothing when the topology has none), or "databases" and "proxies"
 * arrays added to `root`. state_dir holds their sockets. */
void print_engines(const struct layout *L, const char *state_dir);
void json_add_engines(cJSON *root, const struct layout *L, const char *state_dir);

/* The VPC resolvers (report_dns.c): a table (and the fix under it for
 * each that exited), or a "resolvers" array of { view, vpc, addresses,
 * pid, state: running|exited|off|unknown, fix }, from the processes in
 * the journal J (may be NULL). */
struct journal;
void print_resolvers(const struct layout *L, const struct journal *J, const char *state_dir);
void json_add_resolvers(cJSON *root, const struct layout *L, const struct journal *J,
			const char *state_dir);

/* The event service (report_events.c): its row (nothing when the
 * topology has none), or an "event_service" object { pid, state,
 * restarts, last_crash, queued, delivered, retries, throttled, failed,
 * schedules, s3_sources }. */
struct live;
void print_event_service(const struct live *lv);
void json_add_event_service(cJSON *root, const struct live *lv);

/* The AWS zone's processes (report_aws.c): a table (nothing without
 * "aws") with a fix under each that does not run, or an "aws_zone"
 * object { front {pid, state, fix}, engines [{service, pid, state:
 * running|restarting|failed|exited, restarts, fix}] }. */
void print_aws_zone(const struct live *lv, const struct journal *J);
void json_add_aws_zone(cJSON *root, const struct live *lv, const struct journal *J);

/* VPC endpoints (report_vpce.c): a table (nothing without endpoints), or
 * an "endpoints" array of { name, vpc, id, type, service, service_name,
 * prefix_list {id, cidrs}, route_tables | enis [{id, subnet, ip}],
 * security_groups, private_dns, dns_names }. */
void print_endpoints(const struct layout *L);
void json_add_endpoints(cJSON *root, const struct layout *L);

/* CloudFront distributions (report_cloudfront.c): a table (nothing
 * without distributions), or a "distributions" array of { name,
 * domain_name, id, ip, origin, origin_port, lambda_associations
 * [{event_type, function, include_body}] }. */
void print_distributions(const struct layout *L);
void json_add_distributions(cJSON *root, const struct layout *L);

#endif
