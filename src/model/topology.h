/* The topology model: what a topology file says, as plain C structs.
 *
 * topology_load() parses and validates a file (cJSON stays inside
 * topology.c); everything after it works on these structs only. References
 * between objects are resolved to indices during validation, so a loaded
 * topology is internally consistent: every index is in range. All strings
 * are owned by the model and freed by topology_free(). */
#ifndef VPCSIM_TOPOLOGY_H
#define VPCSIM_TOPOLOGY_H

#include <stdbool.h>
#include <stdint.h>

#include "util/cidr.h"
#include "model/topology_code.h"

#define NAME_MAX_LEN 32        /* ^[a-z][a-z0-9-]{0,31}$ */
#define TOPO_NAME_MAX_LEN 12   /* ^[a-z][a-z0-9-]{0,11}$ */

/* AWS quotas the validator enforces. */
#define SG_RULES_MAX 60        /* per group and direction */
#define ENI_SG_MAX 5           /* groups per ENI */
#define NACL_RULES_MAX 20      /* per NACL and direction */
#define NACL_RULE_NUM_MAX 32766
#define FN_SUBNETS_MAX 16
#define FN_ENV_MAX_BYTES 4096

#define PROTO_ALL (-1)         /* "all" in a rule: every IP protocol */
#define ICMP_ANY (-1)          /* icmp_type / icmp_code wildcard */

enum rt_target {
	RT_LOCAL,      /* implicit VPC CIDR route; never in routes[] */
	RT_IGW,
	RT_NAT,        /* target = index into vpc.nat_gateways */
	RT_PEERING,    /* target = index into topology.peerings */
	RT_BLACKHOLE,
};

struct route {
	struct cidr dst;       /* canonical */
	enum rt_target kind;
	int target;            /* see enum; -1 when unused */
};

struct route_table {
	char *name;
	struct route *routes;
	int n_routes;
	bool implicit_main;    /* the VPC's main table, not in the file */
};

/* A security group or NACL rule. proto: 0..255 or PROTO_ALL. Ports apply to
 * tcp (6) and udp (17) and are 0..65535 inclusive ("all" = 0-65535). */
struct port_range {
	uint16_t lo, hi;
};

struct sg_rule {
	int proto;
	struct port_range ports;
	int icmp_type, icmp_code;  /* ICMP_ANY or 0..255 */
	bool peer_is_sg;
	struct cidr cidr;          /* when !peer_is_sg; canonical */
	int peer_vpc, peer_sg;     /* when peer_is_sg */
};

struct security_group {
	char *name;
	char *description;
	struct sg_rule *ingress;
	int n_ingress;
	struct sg_rule *egress;
	int n_egress;
	bool implicit;             /* the VPC's "default" group, not in the file */
};

struct nacl_rule {
	int number;                /* 1..32766 */
	int proto;
	struct port_range ports;
	int icmp_type, icmp_code;
	struct cidr cidr;
	bool allow;
};

struct nacl {
	char *name;
	struct nacl_rule *ingress; /* sorted by number */
	int n_ingress;
	struct nacl_rule *egress;  /* sorted by number */
	int n_egress;
	bool implicit;             /* the VPC's default NACL: rule 100 allow all */
};

struct subnet {
	char *name;
	struct cidr cidr;
	int route_table;           /* index into vpc.route_tables */
	int nacl;                  /* index into vpc.nacls */
	bool is_public;            /* its table routes something to the igw */
};

struct nat_gateway {
	char *name;
	int subnet;                /* index into vpc.subnets; a public subnet */
	uint32_t public_ip;        /* 0 until assigned by the layout */
};

/* A VPC endpoint (docs/AWS-SERVICES.md, "VPC endpoints"). A gateway
 * endpoint (s3, dynamodb) routes the service's prefix list in its route
 * tables; an interface endpoint puts one ENI in each of its subnets, with
 * security groups, and, with private_dns, answers the service's public
 * names with those ENIs' addresses inside the VPC. */
enum vpce_type {
	VPCE_GATEWAY,              /* AWS's default VpcEndpointType */
	VPCE_INTERFACE,
};

struct vpc_endpoint {
	char *name;
	int service;               /* enum aws_service, -1 while invalid */
	enum vpce_type type;
	int *route_tables;         /* gateway: indices into vpc.route_tables */
	int n_route_tables;
	int *subnets;              /* interface: indices into vpc.subnets */
	int n_subnets;
	int sgs[ENI_SG_MAX];       /* interface: default the VPC's default */
	int n_sgs;
	bool private_dns;          /* interface: default true */
};

struct vpc {
	char *name;
	struct cidr cidr;
	bool internet_gateway;
	/* The VPC's DNS attributes (docs/DNS.md): the resolver answers only
	 * with dns_support; Amazon-provided private hostnames (ip-...) only
	 * with both. AWS's defaults for a non-default VPC: true, false. */
	bool dns_support, dns_hostnames;
	struct subnet *subnets;
	int n_subnets;
	/* Always holds the main table: index vpc.main_table. */
	struct route_table *route_tables;
	int n_route_tables;
	int main_table;
	struct nat_gateway *nat_gateways;
	int n_nat_gateways;
	/* Always holds "default": index vpc.default_sg. */
	struct security_group *security_groups;
	int n_security_groups;
	int default_sg;
	/* Always holds the default NACL: index vpc.default_nacl. */
	struct nacl *nacls;
	int n_nacls;
	int default_nacl;
	struct vpc_endpoint *endpoints;
	int n_endpoints;
};

struct peering {
	char *name;
	int vpc[2];
};

struct listen_port {
	uint8_t proto;             /* 6 tcp or 17 udp */
	uint16_t port;
};

enum resource_kind {
	RES_GENERIC,
	RES_EC2,
	RES_RDS,
	RES_RDS_PROXY,
};

/* An ENI's connection tracking timeouts, seconds; 0 = AWS's default
 * (AWS ConnectionTrackingSpecification: TcpEstablishedTimeout 60..432000,
 * UdpStreamTimeout 60..180, UdpTimeout 30..60). */
struct conntrack_spec {
	int tcp_established_s, udp_stream_s, udp_s;
};

/* Database engines a `rds` resource can run (docs/RDS.md). */
enum db_engine {
	ENGINE_NONE,               /* v1: the built-in responder answers `listen` */
	ENGINE_POSTGRES,
	ENGINE_MYSQL,              /* Debian's MariaDB server (docs/RDS.md, "MySQL") */
};

#define DB_PORT_POSTGRES 5432
#define DB_MAX_CONNECTIONS_DEFAULT 100   /* PostgreSQL's own, without instance_class */
#define DB_MAX_CONNECTIONS_MIN 6         /* RDS's lower bound */
#define DB_MAX_CONNECTIONS_MAX 5000      /* LEAST(memory/9531392, 5000) caps RDS's */
#define DB_SUPERUSER_RESERVED 3          /* superuser_reserved_connections */
#define DB_ADMIN_USER "rdsadmin"         /* the engine's own superuser, as RDS's */

#define DB_PORT_MYSQL 3306
#define DB_MYSQL_MAX_CONNECTIONS_DEFAULT 151    /* MariaDB's own, without instance_class */
#define DB_MYSQL_MAX_CONNECTIONS_MIN 10         /* MariaDB 10.11 raises anything lower to 10 */
#define DB_MYSQL_MAX_CONNECTIONS_MAX 100000     /* MySQL's and MariaDB's upper bound */
#define DB_MYSQL_ADMIN_USER "root"              /* root@localhost, unix_socket only */

/* A `rds` resource with an engine: a real server. Credentials come from
 * the file or from a secret (then copied here); master_password is never
 * printed, logged or put in an error message. */
struct db_class;                   /* model/db_class.h */
struct db_config {
	enum db_engine engine;
	int port;                  /* the engine's default unless given */
	int max_connections;       /* given, else the instance class's, else 100 */
	bool max_connections_given;
	const struct db_class *instance_class; /* NULL: none given */
	char *master_username;
	char *master_password;
	int secret;                /* index into topology.secrets, -1 if none */
};

/* One entry of a proxy's `auth` (DBProxy's Auth): a secret whose
 * username may log in, with or without IAM authentication. */
struct proxy_auth {
	int secret;                /* index into topology.secrets */
	bool iam_required;         /* iam_auth "REQUIRED" */
};

#define PROXY_AUTH_MAX 32          /* vpcsim's bound (AWS allows 200) */
#define PROXY_INIT_QUERY_MAX 4096

/* An `rds-proxy` with a target: vpcsim-rds-proxy (docs/RDS.md). */
struct proxy_config {
	int target;                /* resource index (an rds with an engine), -1 */
	int max_connections_percent;       /* 1..100, default 100 */
	int max_idle_connections_percent;  /* 0..max_connections_percent, default 50 */
	int connection_borrow_timeout_s;   /* 0..3600, default 120 */
	int idle_client_timeout_s;         /* 1..28800, default 1800 */
	bool require_tls;                  /* clients must use TLS */
	struct proxy_auth *auth;           /* NULL: the target's own credentials */
	int n_auth;
	char *init_query;                  /* NULL if none */
};

#define PROXY_PORT_POSTGRES 5432         /* RDS Proxy's endpoint port */

/* A Secrets Manager secret in the shape RDS uses. */
struct secret {
	char *name;
	char *username;
	char *password;            /* never printed */
};

/* A container's network namespace placed in the subnet by the CNI plugin
 * (docs/CNI.md): written into the live topology by its ADD, never by a
 * user's file (`up` refuses it). Its interface is the router's e<link>,
 * kept here so that ADDs and DELs never renumber another attachment. */
#define CNI_ID_MAX 128          /* container ids longer are refused */
struct resource_cni {
	char container_id[CNI_ID_MAX + 1];
	char ifname[16];           /* the container's end (CNI_IFNAME) */
	char network[NAME_MAX_LEN * 2 + 1]; /* the CNI network name */
	int link;                  /* the router end is e<link> */
};

struct resource {
	char *name;
	struct resource_cni *cni;  /* NULL: made by up */
	struct conntrack_spec conntrack;   /* "connection_tracking" */
	enum resource_kind kind;
	int vpc, subnet;           /* subnet index within its VPC */
	int sgs[ENI_SG_MAX];       /* group indices within the VPC */
	int n_sgs;
	uint32_t ip;               /* 0 = allocate lowest free */
	bool public_ip_auto;       /* "auto" or publicly_accessible */
	uint32_t public_ip;        /* fixed public address, 0 if none */
	bool publicly_accessible;
	struct listen_port *listen;
	int n_listen;
	char *command;             /* NULL if none */
	char *user;                /* run command as this user (name or uid,
				    * checked to exist here); NULL: root */
	struct db_config db;       /* RES_RDS; engine ENGINE_NONE otherwise */
	struct proxy_config proxy; /* RES_RDS_PROXY; target -1 otherwise */
};

/* The AWS services vpcsim serves in its public zone (docs/AWS-SERVICES.md). */
enum aws_service {
	AWS_S3,
	AWS_DYNAMODB,
	AWS_SECRETSMANAGER,
	AWS_STS,
	AWS_LAMBDA,
	AWS_EXECUTE_API,           /* the HTTP API: only with http_api events */
	AWS_SERVICE_COUNT,
};

/* The AWS public zone's addresses: 198.18.0.0/24, part of the block RFC 2544
 * reserves for benchmarking (198.18.0.0/15), which is never routed on the
 * internet, so a simulated endpoint can never be confused with real traffic. */
#define AWS_ZONE_NET 0xc6120000u       /* 198.18.0.0 */
#define AWS_ZONE_MASK 0xffffff00u
#define AWS_ZONE_LEN 24
#define AWS_ZONE_CIDR_STR "198.18.0.0/24"

/* The services this vpcsim serves (the default of aws.services); naming
 * another is a validation error. */
#define AWS_SERVED ((1u << AWS_S3) | (1u << AWS_DYNAMODB) | (1u << AWS_SECRETSMANAGER) | \
		    (1u << AWS_STS) | (1u << AWS_LAMBDA))

/* "s3", "dynamodb", ... ; -1 / NULL for anything else. */
int aws_service_from_name(const char *name);
const char *aws_service_name(enum aws_service s);

struct aws_bucket {
	char *name;
};

struct aws_table {
	char *name;
	char *hash_key;
};

/* The top-level "aws" key. Without it (enabled false) no service exists and
 * `up` builds nothing for them. */
struct topo_aws {
	bool enabled;
	unsigned services;         /* bit (1u << enum aws_service) */
	struct aws_bucket *buckets;
	int n_buckets;
	struct aws_table *tables;
	int n_tables;
};

struct env_var {
	char *key, *value;
};

/* A function's event sources (TOPOLOGY.md "Function events",
 * docs/EVENTS.md), each invoking it asynchronously. */
enum fn_event_type {
	FN_EVENT_SCHEDULE,
	FN_EVENT_S3,
	FN_EVENT_HTTP_API,         /* a route of the topology's HTTP API (synchronous) */
};

/* S3 notification event types (bits of fn_event.s3_events). */
#define S3_EV_PUT    (1u << 0)         /* s3:ObjectCreated:Put */
#define S3_EV_POST   (1u << 1)         /* s3:ObjectCreated:Post */
#define S3_EV_COPY   (1u << 2)         /* s3:ObjectCreated:Copy */
#define S3_EV_MPU    (1u << 3)         /* s3:ObjectCreated:CompleteMultipartUpload */
#define S3_EV_DELETE (1u << 4)         /* s3:ObjectRemoved:Delete */
#define S3_EV_CREATED (S3_EV_PUT | S3_EV_POST | S3_EV_COPY | S3_EV_MPU)

struct fn_event {
	enum fn_event_type type;
	char *expression;          /* schedule: rate(...) or cron(...) */
	char *bucket;              /* s3: a bucket of aws.s3.buckets */
	unsigned s3_events;        /* s3: S3_EV_* */
	char *prefix, *suffix;     /* s3: key filters, NULL if none */
	char *method;              /* http_api: GET ... or ANY (model/http_route.h) */
	char *path;                /* http_api: /items/{id}, /{proxy+} or $default */
};

#define FN_EVENTS_MAX 16
/* The name `reach`, `probe` and `expect` take for the topology's HTTP API
 * (docs/HTTP-API.md), beside its ID.execute-api.REGION.amazonaws.com. */
#define HTTP_API_TARGET "http_api"
#define ASYNC_RETRIES_DEFAULT 2
#define ASYNC_EVENT_AGE_MIN_S 60
#define ASYNC_EVENT_AGE_MAX_S 21600    /* also the default: 6 hours */

/* Lambda's LoggingConfig: the format of the function's logs and, with
 * JSON, the lowest level kept of application and of system logs (names as
 * AWS spells them: TRACE DEBUG INFO WARN ERROR FATAL; DEBUG INFO WARN). */
struct log_config {
	bool json;                 /* log_format JSON (default Text) */
	char app_level[8];         /* "" with Text; default INFO with JSON */
	char sys_level[8];
};

struct function {
	char *name;
	struct log_config log;
	int memory_mb, timeout_s, ephemeral_storage_mb;
	struct env_var *env;
	int n_env;
	char *handler;             /* NULL if none */
	struct function_code code; /* v2: runtime, code or image */
	int reserved_concurrency;  /* -1 if unset */
	bool has_vpc;
	int vpc;                   /* when has_vpc */
	int subnets[FN_SUBNETS_MAX];
	int n_subnets;
	int sgs[ENI_SG_MAX];
	int n_sgs;
	char *role;                /* execution role; "NAME-role" unless given */
	struct fn_event *events;   /* event sources (FN_EVENTS_MAX) */
	int n_events;
	int max_retry_attempts;    /* asynchronous invokes: 0..2, default 2 */
	int max_event_age_s;       /* 60..21600, default 21600 */
};

struct internet_host {
	char *name;
	uint32_t ip;
	char *dns_name;            /* public DNS name (docs/DNS.md), NULL if none */
	struct listen_port *listen;
	int n_listen;
};

/* CloudFront distributions with Lambda@Edge (TOPOLOGY.md "Lambda@Edge",
 * docs/EDGE.md): the four events in the order a request meets them. */
enum cf_event_type {
	CF_VIEWER_REQUEST,
	CF_ORIGIN_REQUEST,
	CF_ORIGIN_RESPONSE,
	CF_VIEWER_RESPONSE,
	CF_EVENT_COUNT,
};

struct cf_association {
	int function;              /* index in functions, -1: none */
	bool include_body;         /* request events: the body goes to the function */
};

struct cf_distribution {
	char *name;
	char *origin;              /* an internet host's name, or "http_api" */
	int origin_host;           /* its index in hosts, -1 for the HTTP API */
	bool origin_api;           /* the topology's HTTP API, over HTTPS */
	int origin_port;           /* HTTP: default 80; the HTTP API: 443 */
	struct cf_association assoc[CF_EVENT_COUNT];
};

#define CF_DISTRIBUTIONS_MAX 16

/* "viewer-request", ...; and back (-1 for anything else). */
const char *cf_event_name(enum cf_event_type e);
int cf_event_from_name(const char *s);

enum probe_result {
	PROBE_OPEN,
	PROBE_REFUSED,
	PROBE_TIMEOUT,
};

struct expectation {
	char *from, *to;           /* node names; `to` may be an address */
	int port;                  /* 0 when absent (icmp) */
	uint8_t proto;             /* 6, 17 or 1 */
	enum probe_result result;
};

enum eni_mode {
	ENI_MODE_HYPERPLANE,
	ENI_MODE_PER_SANDBOX,
};

struct topology {
	char *file;                /* path as given, for messages */
	char *name;
	char *account_id;
	char *region;
	enum eni_mode eni_mode;
	int concurrency_limit;
	struct cidr service_cidr;
	int conntrack_allowance;   /* tracked flows per ENI; 0 = default */
	struct internet_host *hosts;
	int n_hosts;
	struct vpc *vpcs;
	int n_vpcs;
	struct peering *peerings;
	int n_peerings;
	struct resource *resources;
	int n_resources;
	struct function *functions;
	int n_functions;
	struct expectation *expects;
	int n_expects;
	struct secret *secrets;
	int n_secrets;
	struct topo_aws aws;
	struct cf_distribution *cloudfront;
	int n_cloudfront;
};

/* One problem found in a topology file. Warnings do not stop `up`. */
struct diag {
	char *path;                /* JSON path, e.g. vpcs[0].subnets[1].cidr */
	char *code;                /* InvalidSubnet.Range, UnknownKey, ... */
	char *message;
	bool warning;
};

struct diags {
	struct diag *items;
	int n;
	int n_errors;
};
/* Append an error to *d (the one way to grow it: capacity doubles). */
__attribute__((format(printf, 4, 5)))
void diags_error(struct diags *d, const char *path, const char *code, const char *fmt, ...);

/* Parse and validate the JSON text `text` (len bytes) read from `file`.
 * Returns the model when there is no error (warnings may be present), NULL
 * otherwise; every problem found is appended to *d. */
struct topology *topology_parse(const char *file, const char *text, size_t len,
				struct diags *d);
/* Read `file` and topology_parse() it. An unreadable file is one diag. */
struct topology *topology_load(const char *file, struct diags *d);
void topology_free(struct topology *t);

/* Does any function of t have an http_api route (so t has an HTTP API)? */
bool topo_has_http_api(const struct topology *t);

/* Parse `text` (len bytes), one security group rule object as docs/TOPOLOGY.md
 * writes it, as a rule of a group of VPC `vpc` of the loaded topology `t`:
 * the same code and checks as a rule inside a file, `sg` naming a group of
 * this VPC or VPC/GROUP of a peered one. Problems go to *d with JSON paths
 * under "$" ("$.ports"). Returns 0 with *out filled, -1 on any error. */
int topology_parse_sg_rule(const struct topology *t, int vpc, const char *text,
			   size_t len, struct sg_rule *out, struct diags *d);
/* Whether two rules admit exactly the same traffic, as AWS compares rules
 * for a duplicate authorize or a revoke: protocol, then ports (tcp, udp)
 * or ICMP type and code (icmp), then the peer. Descriptions do not count. */
bool sg_rule_same(const struct sg_rule *a, const struct sg_rule *b);

/* The text of a topology file (len bytes, the file `t` was loaded from)
 * with one rule list of group `gi` of VPC `vi` changed: `add` (a rule
 * object's JSON text) appended, or, when add is NULL, rule `remove_at`
 * removed. The group's implicit rules are first written out (see
 * topology_edit.c), so rule indices are those of t. Returns the new text
 * (free() it), or NULL with errf(). The result is not validated. */
char *topology_edit_sg_rules(const char *text, size_t len, const struct topology *t,
			     int vi, int gi, bool ingress, const char *add, int remove_at);

/* Containers (topology_cni.c, docs/CNI.md). The CNI alphabet checks: */
bool cni_container_id_ok(const char *s);
bool cni_ifname_ok(const char *s);
bool cni_network_ok(const char *s);
#define CNI_LINK_MAX 32767
/* The resource of container_id's interface ifname, or -1. */
int topology_find_container(const struct topology *t, const char *container_id,
			    const char *ifname);
/* What the plugin's ADD writes: a resource with its "cni" object. */
struct container_spec {
	const char *name, *subnet, *ip;
	const char *const *sgs;
	int n_sgs;
	const char *container_id, *ifname, *network;
	int link;
};
/* The topology text (len bytes) with container resource `add` appended
 * to "resources", or (add NULL) the container resource named `remove`
 * taken out. Returns the new text (free() it), or NULL with errf(). The
 * result is not validated. */
char *topology_cni_edit(const char *text, size_t len, const struct container_spec *add,
			const char *remove);

/* Print every diag as `FILE: PATH: Code: message`, warnings as
 * `FILE: PATH: warning: Code: message` (the PATH part is left out when
 * empty, e.g. an unreadable file), one per line, to `out`. */
void diags_print(const struct diags *d, const char *file, void *out /* FILE* */);
void diags_free(struct diags *d);

/* Lookups by name; -1 when absent. */
int topology_find_vpc(const struct topology *t, const char *name);
int vpc_find_subnet(const struct vpc *v, const char *name);
int vpc_find_sg(const struct vpc *v, const char *name);
/* Is there a peering between VPCs vpc_a and vpc_b (indexes)? */
bool topo_peered(const struct topology *t, int vpc_a, int vpc_b);

const char *resource_kind_str(enum resource_kind k);
const char *db_engine_str(enum db_engine e);       /* "postgres", "" for none */
const char *probe_result_str(enum probe_result r);
const char *proto_str(int proto, char buf[8]); /* "tcp", "udp", "icmp", "all", "47" */

#endif
