/* Database engines, proxies and secrets in a topology file (TOPOLOGY.md,
 * v2 additions; docs/RDS.md): the keys of `rds` and `rds-proxy` resources
 * that make vpcsim run a real PostgreSQL or MariaDB (`mysql`) and
 * vpcsim-rds-proxy, and the top-level
 * "secrets" they take credentials from.
 *
 * A password is never part of a message: errors about one name the key or
 * the secret, never the value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/db_class.h"
#include "model/topology_internal_json.h"

#define CODE_NOT_FOUND "ResourceNotFoundException"
#define CODE_DB_NOT_FOUND "DBInstanceNotFound"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 128
#define USERNAME_MAX 63
/* RDS for MySQL: "1 to 16 alphanumeric characters", "8 to 41 printable
 * ASCII characters" */
#define MYSQL_PASSWORD_MAX 41
#define MYSQL_USERNAME_MAX 16

static const char *const db_keys[] = {
	"port", "max_connections", "instance_class", "master_username", "master_password",
	"secret", NULL };
static const char *const proxy_keys[] = {
	"max_connections_percent", "max_idle_connections_percent",
	"connection_borrow_timeout_s", "idle_client_timeout_s", "require_tls", "auth",
	"init_query", NULL };

/* Secrets Manager names: 1..512 of letters, digits and /_+=.@- */
static bool secret_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 512 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+=.@-") == n;
}

/* Element parser for parse_list(): `out` is a struct secret. */
void parse_secret(struct parse *p, const cJSON *j, const char *path, void *out)
{
	static const char *const keys[] = { "name", "value", NULL };
	static const char *const value_keys[] = { "username", "password", NULL };
	struct secret *s = out;
	const cJSON *v;
	const char *str;
	char kp[PATH_LEN], vp[PATH_LEN];

	if (!as_object(p, j, path, "secret", keys))
		return;
	if (get_str(p, j, path, "name", true, &str) == 1) {
		s->name = topo_strdup(str);
		path_key(kp, path, "name");
		if (!secret_name_valid(str))
			ERR(p, kp, CODE_PARAM,
			    "The secret name '%s' is invalid: use 1 to 512 letters, digits or /_+=.@-", str);
		for (int i = 0; p->t->secrets + i < s; i++)
			if (p->t->secrets[i].name && !strcmp(p->t->secrets[i].name, str))
				ERR(p, kp, "ResourceExistsException",
				    "The secret '%s' already exists (secrets[%d]); secret names are unique", str, i);
	}
	v = member(p, j, path, "value", true);
	path_key(vp, path, "value");
	if (!v || !as_object(p, v, vp, "secret value", value_keys))
		return;
	if (get_str(p, v, vp, "username", true, &str) == 1)
		s->username = topo_strdup(str);
	if (get_str(p, v, vp, "password", true, &str) == 1)
		s->password = topo_strdup(str);
}

static bool username_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n < 1 || n > max || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

/* Names the engine keeps for itself, as RDS does; MariaDB's own
 * superuser and its system account too. */
static bool username_reserved(const char *s, enum db_engine e)
{
	if (e == ENGINE_MYSQL && (!strcasecmp(s, DB_MYSQL_ADMIN_USER) || !strcasecmp(s, "mysql")))
		return true;
	return !strcmp(s, DB_ADMIN_USER) || !strncmp(s, "rds", 3) || !strncmp(s, "pg_", 3) ||
	       !strcmp(s, "public") || !strcmp(s, "none");
}

/* RDS: 8..128 (MySQL: 8..41) printable ASCII characters except '/',
 * '"', '@' and space. */
static bool password_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n < PASSWORD_MIN || n > max)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == '/' || *s == '"' || *s == '@')
			return false;
	return true;
}

/* The credentials are checked where they are named: the key, or the
 * resource's "secret" key when they come from a secret. */
static void check_credentials(struct parse *p, const char *upath, const char *ppath,
			      const char *user, const char *pass, enum db_engine e)
{
	int umax = e == ENGINE_MYSQL ? MYSQL_USERNAME_MAX : USERNAME_MAX;
	int pmax = e == ENGINE_MYSQL ? MYSQL_PASSWORD_MAX : PASSWORD_MAX;

	if (user && !username_valid(user, (size_t)umax))
		ERR(p, upath, CODE_PARAM,
		    "The master user name '%s' is invalid: use 1 to %d letters, digits or '_', a letter first",
		    user, umax);
	else if (user && username_reserved(user, e))
		ERR(p, upath, CODE_PARAM,
		    "The master user name '%s' cannot be used: it is reserved for the engine (rdsadmin, rds*, %s, public, none)",
		    user, e == ENGINE_MYSQL ? "root, mysql" : "pg_*");
	if (pass && !password_valid(pass, (size_t)pmax))
		ERR(p, ppath, CODE_PARAM,
		    "The master password is invalid (not shown): use %d to %d printable ASCII characters other than '/', '\"', '@' and space",
		    PASSWORD_MIN, pmax);
}

static void credentials_from_secret(struct parse *p, const char *path, const char *name,
				    struct db_config *db)
{
	const struct secret *s;
	char kp[PATH_LEN];
	int i;

	path_key(kp, path, "secret");
	i = p->t->secrets ? FIND(p->t->secrets, p->t->n_secrets, name) : -1;
	if (i < 0) {
		ERR(p, kp, CODE_NOT_FOUND,
		    "Secrets Manager can't find the specified secret '%s'; define it in the top-level \"secrets\"",
		    name);
		return;
	}
	s = &p->t->secrets[i];
	db->secret = i;
	db->master_username = topo_strdup(s->username);
	db->master_password = topo_strdup(s->password);
	check_credentials(p, kp, kp, s->username, s->password, db->engine);
}

static void parse_credentials(struct parse *p, const cJSON *j, const char *path,
			      struct db_config *db)
{
	const char *user = NULL, *pass = NULL, *secret = NULL;
	char up[PATH_LEN], pp[PATH_LEN];
	int hu, hp, hs;

	hu = get_str(p, j, path, "master_username", false, &user);
	hp = get_str(p, j, path, "master_password", false, &pass);
	hs = get_str(p, j, path, "secret", false, &secret);
	path_key(up, path, "master_username");
	path_key(pp, path, "master_password");
	if (hs && (hu || hp)) {
		ERR(p, path_key(up, path, "secret"), CODE_PARAM,
		    "Give either master_username and master_password, or secret, not both");
		return;
	}
	if (hs == 1) {
		credentials_from_secret(p, path, secret, db);
		return;
	}
	if (hs)
		return;
	if (!hu && !hp) {
		ERR(p, up, CODE_MISSING,
		    "A database with an engine needs master_username and master_password, or a secret");
		return;
	}
	if (!hu || !hp) {
		ERR(p, hu ? pp : up, CODE_MISSING, "The key '%s' is required with '%s'",
		    hu ? "master_password" : "master_username", hu ? "master_username" : "master_password");
		return;
	}
	if (hu != 1 || hp != 1)
		return;
	db->master_username = topo_strdup(user);
	db->master_password = topo_strdup(pass);
	check_credentials(p, up, pp, user, pass, db->engine);
}

/* Keys in `keys` present on a resource they do not apply to. */
static void refuse_keys(struct parse *p, const cJSON *j, const char *path,
			const char *const keys[], const char *applies_to)
{
	char kp[PATH_LEN];

	for (int i = 0; keys[i]; i++)
		if (cJSON_GetObjectItemCaseSensitive(j, keys[i]))
			ERR(p, path_key(kp, path, keys[i]), CODE_PARAM,
			    "The key '%s' applies to %s only", keys[i], applies_to);
}

/* A `listen` port equal to the engine's would have two servers on it. */
static void check_listen_port(struct parse *p, const char *path, const struct resource *r,
			      int port)
{
	char kp[PATH_LEN];

	for (int i = 0; i < r->n_listen; i++) {
		if (r->listen[i].proto != 6 || r->listen[i].port != port)
			continue;
		snprintf(kp, sizeof(kp), "%s.listen[%d].port", path, i);
		ERR(p, kp, CODE_PARAM,
		    "Port %d is served by the %s of '%s'; the built-in responder cannot answer it too (remove this listen entry)",
		    port, r->kind == RES_RDS ? "database engine" : "proxy", r->name ? r->name : "?");
	}
}

/* instance_class: a class vpcsim knows; its max_connections by AWS's
 * formula is the default (db_class.h). */
static void parse_instance_class(struct parse *p, const cJSON *j, const char *path,
				 struct db_config *db)
{
	const char *s;
	char kp[PATH_LEN];

	if (get_str(p, j, path, "instance_class", false, &s) != 1)
		return;
	db->instance_class = db_class_find(s);
	if (!db->instance_class) {
		ERR(p, path_key(kp, path, "instance_class"), CODE_PARAM,
		    "Invalid DB instance class '%s': vpcsim knows %s; give one of them, or drop "
		    "instance_class and set max_connections", s, db_class_families());
		return;
	}
	db->max_connections = db->engine == ENGINE_MYSQL ?
		db_class_max_connections_mysql(db->instance_class) :
		db_class_max_connections_postgres(db->instance_class);
}

static void parse_engine(struct parse *p, const cJSON *j, const char *path, struct resource *r)
{
	const char *s;
	char kp[PATH_LEN];
	int got = get_str(p, j, path, "engine", false, &s);
	bool mysql;

	if (got == 1 && r->kind != RES_RDS)
		ERR(p, path_key(kp, path, "engine"), CODE_PARAM,
		    "The key 'engine' applies to rds resources only, not %s", resource_kind_str(r->kind));
	else if (got == 1 && strcmp(s, "postgres") && strcmp(s, "mysql"))
		ERR(p, path_key(kp, path, "engine"), CODE_PARAM,
		    "Invalid DB engine '%s': vpcsim runs postgres and mysql (MariaDB's server)", s);
	else if (got == 1)
		r->db.engine = strcmp(s, "mysql") ? ENGINE_POSTGRES : ENGINE_MYSQL;
	if (r->db.engine == ENGINE_NONE) {
		refuse_keys(p, j, path, db_keys, "an rds resource with an engine");
		return;
	}
	mysql = r->db.engine == ENGINE_MYSQL;
	r->db.port = mysql ? DB_PORT_MYSQL : DB_PORT_POSTGRES;
	r->db.max_connections = mysql ? DB_MYSQL_MAX_CONNECTIONS_DEFAULT : DB_MAX_CONNECTIONS_DEFAULT;
	get_int(p, j, path, "port", false, 1150, 65535, CODE_PARAM, &r->db.port);
	parse_instance_class(p, j, path, &r->db);
	r->db.max_connections_given = get_int(p, j, path, "max_connections", false,
		mysql ? DB_MYSQL_MAX_CONNECTIONS_MIN : DB_MAX_CONNECTIONS_MIN,
		mysql ? DB_MYSQL_MAX_CONNECTIONS_MAX : DB_MAX_CONNECTIONS_MAX,
		CODE_PARAM, &r->db.max_connections) == 1;
	parse_credentials(p, j, path, &r->db);
	check_listen_port(p, path, r, r->db.port);
}

/* One element of `auth`: {"secret": NAME, "iam_auth": "DISABLED"|"REQUIRED"}. */
static void parse_auth_entry(struct parse *p, const cJSON *e, const char *path,
			     struct proxy_auth *a)
{
	static const char *const keys[] = { "secret", "iam_auth", "description", NULL };
	const char *name, *iam = "DISABLED";
	char kp[PATH_LEN];

	a->secret = -1;
	if (!as_object(p, e, path, "proxy auth entry", keys))
		return;
	get_str(p, e, path, "description", false, &name);
	if (get_str(p, e, path, "iam_auth", false, &iam) == 1 && strcmp(iam, "DISABLED") &&
	    strcmp(iam, "REQUIRED"))
		ERR(p, path_key(kp, path, "iam_auth"), CODE_PARAM,
		    "Invalid IAMAuth '%s': use DISABLED or REQUIRED", iam);
	a->iam_required = !strcmp(iam, "REQUIRED");
	if (get_str(p, e, path, "secret", true, &name) != 1)
		return;
	a->secret = p->t->secrets ? FIND(p->t->secrets, p->t->n_secrets, name) : -1;
	if (a->secret < 0)
		ERR(p, path_key(kp, path, "secret"), CODE_NOT_FOUND,
		    "Secrets Manager can't find the specified secret '%s'; define it in the top-level \"secrets\"",
		    name);
}

/* `auth`: DBProxy's Auth, the secrets whose users may log in (one user
 * once); `init_query`: the target group's InitQuery. */
static void parse_proxy_auth(struct parse *p, const cJSON *j, const char *path,
			     struct proxy_config *x)
{
	const cJSON *arr, *e;
	const char *q;
	char ep[PATH_LEN], kp[PATH_LEN];
	int i = 0;

	if (get_str(p, j, path, "init_query", false, &q) == 1) {
		path_key(kp, path, "init_query");
		if (!*q || strlen(q) > PROXY_INIT_QUERY_MAX || strpbrk(q, "\n\r"))
			ERR(p, kp, CODE_PARAM,
			    "InitQuery must be 1 to %d characters on one line (separate statements with ';')",
			    PROXY_INIT_QUERY_MAX);
		else
			x->init_query = topo_strdup(q);
	}
	if (get_array(p, j, path, "auth", false, &arr) != 1)
		return;
	path_key(kp, path, "auth");
	if (cJSON_GetArraySize(arr) < 1 || cJSON_GetArraySize(arr) > PROXY_AUTH_MAX) {
		ERR(p, kp, CODE_PARAM, "Auth must have 1 to %d entries (vpcsim's bound), not %d",
		    PROXY_AUTH_MAX, cJSON_GetArraySize(arr));
		return;
	}
	x->auth = topo_calloc((size_t)cJSON_GetArraySize(arr), sizeof(*x->auth));
	cJSON_ArrayForEach(e, arr) {
		struct proxy_auth *a = &x->auth[i];

		parse_auth_entry(p, e, path_idx(ep, kp, i), a);
		for (int k = 0; a->secret >= 0 && k < i; k++)
			if (x->auth[k].secret >= 0 &&
			    p->t->secrets[x->auth[k].secret].username &&
			    p->t->secrets[a->secret].username &&
			    !strcmp(p->t->secrets[x->auth[k].secret].username,
				    p->t->secrets[a->secret].username))
				ERR(p, path_key(kp, ep, "secret"), CODE_PARAM,
				    "The secrets of auth[%d] and auth[%d] both hold user '%s'; the proxy "
				    "would not know which to use", k, i,
				    p->t->secrets[a->secret].username);
		i++;
	}
	x->n_auth = i;
}

void check_proxy_auth(struct parse *p)
{
	char kp[PATH_LEN];

	for (int i = 0; i < p->t->n_resources; i++) {
		const struct proxy_config *x = &p->t->resources[i].proxy;

		for (int k = 0; k < x->n_auth; k++)
			if (x->auth[k].iam_required && !(p->t->aws.enabled && (p->t->aws.services & (1u << AWS_STS)))) {
				snprintf(kp, sizeof(kp), "resources[%d].auth[%d].iam_auth", i, k);
				ERR(p, kp, CODE_PARAM,
				    "IAM authentication checks tokens signed with the topology's AWS "
				    "credentials: add \"aws\" (with sts among its services) to the topology");
			}
	}
}

static void parse_proxy(struct parse *p, const cJSON *j, const char *path, struct resource *r)
{
	struct proxy_config *x = &r->proxy;
	const char *s;
	char kp[PATH_LEN];
	int got = get_str(p, j, path, "target", false, &s);

	if (got && r->kind != RES_RDS_PROXY) {
		ERR(p, path_key(kp, path, "target"), CODE_PARAM,
		    "The key 'target' applies to rds-proxy resources only, not %s",
		    resource_kind_str(r->kind));
		got = 0;
	}
	if (got == 0)
		refuse_keys(p, j, path, proxy_keys, "an rds-proxy with a target");
	if (got != 1)
		return;
	x->max_connections_percent = 100;
	x->max_idle_connections_percent = 50;
	x->connection_borrow_timeout_s = 120;
	x->idle_client_timeout_s = 1800;
	get_int(p, j, path, "max_connections_percent", false, 1, 100, CODE_PARAM,
		&x->max_connections_percent);
	if (get_int(p, j, path, "max_idle_connections_percent", false, 0, 100, CODE_PARAM,
		    &x->max_idle_connections_percent) == 1 &&
	    x->max_idle_connections_percent > x->max_connections_percent)
		ERR(p, path_key(kp, path, "max_idle_connections_percent"), CODE_PARAM,
		    "MaxIdleConnectionsPercent (%d) must be less than or equal to MaxConnectionsPercent (%d)",
		    x->max_idle_connections_percent, x->max_connections_percent);
	get_int(p, j, path, "connection_borrow_timeout_s", false, 0, 3600, CODE_PARAM,
		&x->connection_borrow_timeout_s);
	get_int(p, j, path, "idle_client_timeout_s", false, 1, 28800, CODE_PARAM,
		&x->idle_client_timeout_s);
	get_bool(p, j, path, "require_tls", &x->require_tls);
	parse_proxy_auth(p, j, path, x);
	check_listen_port(p, path, r, PROXY_PORT_POSTGRES);
}

void parse_resource_db(struct parse *p, const cJSON *j, const char *path, struct resource *r)
{
	r->db.secret = -1;
	r->proxy.target = -1;
	parse_engine(p, j, path, r);
	parse_proxy(p, j, path, r);
}

static void resolve_target(struct parse *p, const char *path, int ri, const char *name)
{
	const struct topology *t = p->t;
	struct resource *r = &t->resources[ri];
	const struct resource *d;
	char kp[PATH_LEN];
	int k = FIND(t->resources, t->n_resources, name);

	path_key(kp, path, "target");
	if (k < 0 || t->resources[k].kind != RES_RDS) {
		ERR(p, kp, CODE_DB_NOT_FOUND, "The target '%s' is not an rds resource of this topology",
		    name);
		return;
	}
	d = &t->resources[k];
	if (d->db.engine == ENGINE_NONE) {
		ERR(p, kp, CODE_PARAM,
		    "The target '%s' runs no engine; a proxy pools a real database: add \"engine\": \"postgres\" to it",
		    name);
		return;
	}
	if (d->db.engine == ENGINE_MYSQL) {
		ERR(p, kp, CODE_PARAM,
		    "The target '%s' runs engine mysql, and vpcsim's RDS Proxy speaks PostgreSQL's "
		    "protocol only (no MySQL-protocol pooler is packaged in Debian; docs/RDS.md, "
		    "\"MySQL\"): target a postgres database, or connect to '%s' directly",
		    name, name);
		return;
	}
	if (r->vpc >= 0 && d->vpc >= 0 && r->vpc != d->vpc) {
		ERR(p, kp, CODE_PARAM,
		    "The target '%s' is in VPC %s and the proxy in VPC %s; an RDS Proxy lives in its database's VPC",
		    name, t->vpcs[d->vpc].name, t->vpcs[r->vpc].name);
		return;
	}
	r->proxy.target = k;
}

void resolve_proxy_targets(struct parse *p, const cJSON *root)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "resources"), *e;
	char ep[PATH_LEN];
	int i = 0;

	if (!cJSON_IsArray(arr))
		return;
	cJSON_ArrayForEach(e, arr) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "target"));

		if (i < p->t->n_resources && name && p->t->resources[i].kind == RES_RDS_PROXY)
			resolve_target(p, path_idx(ep, "resources", i), i, name);
		i++;
	}
}
