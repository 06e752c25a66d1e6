/* A template's databases as a topology's (docs/TEMPLATES.md):
 * AWS::RDS::DBInstance (a real PostgreSQL when Engine is postgres and the
 * master credentials are given, else a responder on its port) in the first
 * subnet of its AWS::RDS::DBSubnetGroup; AWS::RDS::DBProxy and
 * AWS::RDS::DBProxyTargetGroup as vpcsim's rds-proxy; and the endpoint
 * names Fn::GetAtt gives (the simulated DNS's, model/rds_name.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/db_class.h"
#include "model/rds_name.h"
#include "model/template_internal.h"

static void warn(struct tctx *c, const char *id, const char *key, const char *msg)
{
	char path[TPATH_LEN];

	snprintf(path, sizeof(path), "Resources.%s%s%s", id, key ? ".Properties." : "",
		 key ? key : "");
	tmpl_unmapped(c, path, "%s: %s", tmpl_type(c, id), msg);
}

/* The DB subnet group's first subnet, by its node name, into out. */
static int db_subnet(struct tctx *c, const char *id, const cJSON *p, char *out, size_t size)
{
	char group[64], path[TPATH_LEN];
	const char *gid = tmpl_ref(c, id, p, "DBSubnetGroupName", "AWS::RDS::DBSubnetGroup",
				   true, group, sizeof(group));
	const cJSON *g = gid ? cJSON_GetObjectItemCaseSensitive(c->evaluated, gid) : NULL;
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(g, "Properties"), "SubnetIds");

	if (!gid)
		return -1;
	snprintf(path, sizeof(path), "Resources.%s.Properties.SubnetIds[0]", gid);
	return tmpl_ref_at(c, cJSON_GetArrayItem(ids, 0), path, "AWS::EC2::Subnet", true, out,
			   size) ? 0 : -1;
}

/* A topology resource of `kind` for resource id, its groups from list
 * `sg_key` (*rc: -1 when one is wrong). */
static cJSON *new_resource(struct tctx *c, const char *id, const cJSON *p, const char *kind,
			   const char *subnet, const char *sg_key, int *rc)
{
	cJSON *r = cJSON_CreateObject();
	char name[64];

	tmpl_name(c, id, name, sizeof(name));
	cJSON_AddStringToObject(r, "name", name);
	cJSON_AddStringToObject(r, "kind", kind);
	cJSON_AddStringToObject(r, "subnet", subnet);
	*rc = tmpl_ref_list(c, id, p, sg_key, "AWS::EC2::SecurityGroup", r, "security_groups");
	return r;
}

/* The engines vpcsim runs: postgres, and mysql (MariaDB, docs/RDS.md). */
static bool is_simulated(const cJSON *eng)
{
	return cJSON_IsString(eng) && (!strcmp(eng->valuestring, "postgres") ||
				       !strcmp(eng->valuestring, "mysql"));
}

/* A topology secret holding exactly user and password, or NULL. */
static const char *secret_holding(cJSON *topo, const char *user, const char *pw)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(topo, "secrets")) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "value");
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(v, "username");
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(v, "password");

		if (!strcmp(u->valuestring, user) && !strcmp(w->valuestring, pw))
			return cJSON_GetObjectItemCaseSensitive(s, "name")->valuestring;
	}
	return NULL;
}

/* The port a DBInstance answers on: Port, else its engine's default. */
static long db_port(const cJSON *p)
{
	const cJSON *eng = cJSON_GetObjectItemCaseSensitive(p, "Engine");
	bool mysql = cJSON_IsString(eng) && (strstr(eng->valuestring, "mysql") ||
					     strstr(eng->valuestring, "mariadb"));

	return tmpl_num(cJSON_GetObjectItemCaseSensitive(p, "Port"), mysql ? 3306 : 5432);
}

/* Engine postgres or mysql with MasterUsername and MasterUserPassword: a real
 * engine (credentials as the secret that holds them, when one does);
 * else the responder, listed. 1: an engine, 0: none. */
static int db_engine(struct tctx *c, cJSON *topo, const char *id, const cJSON *p, cJSON *r)
{
	const cJSON *eng = cJSON_GetObjectItemCaseSensitive(p, "Engine");
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(p, "MasterUsername");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(p, "MasterUserPassword");
	const cJSON *cls = cJSON_GetObjectItemCaseSensitive(p, "DBInstanceClass");
	const char *sec;

	if (!is_simulated(eng) || !cJSON_IsString(u) || !cJSON_IsString(w)) {
		if (eng)
			warn(c, id, "Engine", is_simulated(eng) ? "without MasterUsername and "
			     "MasterUserPassword the engine is not started; a responder answers on "
			     "the database's port" : "only the postgres and mysql engines are "
			     "simulated; a responder answers on the database's port");
		return 0;
	}
	cJSON_AddStringToObject(r, "engine", eng->valuestring);
	if ((sec = secret_holding(topo, u->valuestring, w->valuestring))) {
		cJSON_AddStringToObject(r, "secret", sec);
	} else {
		cJSON_AddStringToObject(r, "master_username", u->valuestring);
		cJSON_AddStringToObject(r, "master_password", w->valuestring);
	}
	if (cJSON_IsString(cls) && db_class_find(cls->valuestring))
		cJSON_AddStringToObject(r, "instance_class", cls->valuestring);
	else if (cls)
		warn(c, id, "DBInstanceClass", "a class vpcsim does not know: max_connections "
		     "stays the engine's default (docs/RDS.md lists the classes)");
	if (cJSON_GetObjectItemCaseSensitive(p, "Port"))
		cJSON_AddNumberToObject(r, "port", (double)db_port(p));
	return 1;
}

static cJSON *listen_on(cJSON *r, long port)
{
	cJSON *l = cJSON_CreateObject();

	cJSON_AddStringToObject(l, "proto", "tcp");
	cJSON_AddNumberToObject(l, "port", (double)port);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "listen"), l);
	return r;
}

static int map_db(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "DBInstanceIdentifier", "DBSubnetGroupName",
		"VPCSecurityGroups", "Port", "Engine", "PubliclyAccessible", "MasterUsername",
		"MasterUserPassword", "DBInstanceClass", NULL };
	char subnet[64];
	cJSON *r;
	int rc;

	if (db_subnet(c, id, p, subnet, sizeof(subnet)) < 0)
		return -1;
	r = new_resource(c, id, p, "rds", subnet, "VPCSecurityGroups", &rc);
	if (tmpl_bool(cJSON_GetObjectItemCaseSensitive(p, "PubliclyAccessible")) == 1)
		cJSON_AddTrueToObject(r, "publicly_accessible");
	if (!db_engine(c, topo, id, p, r))
		listen_on(r, db_port(p));
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(topo, "resources"), r);
	tmpl_rest_unmapped(c, id, p, known);
	return rc;
}

/* DBProxy's Auth: [{SecretArn, IAMAuth, ...}] into r.auth. */
static int proxy_auth(struct tctx *c, cJSON *topo, const char *id, const cJSON *auth, cJSON *r)
{
	cJSON *out = cJSON_AddArrayToObject(r, "auth");
	const cJSON *a;
	int i = 0, rc = 0;

	cJSON_ArrayForEach(a, auth) {
		const cJSON *arn = cJSON_GetObjectItemCaseSensitive(a, "SecretArn");
		const cJSON *iam = cJSON_GetObjectItemCaseSensitive(a, "IAMAuth");
		char path[TPATH_LEN], sec[TPATH_LEN];
		cJSON *o;

		snprintf(path, sizeof(path), "Resources.%s.Properties.Auth[%d].SecretArn", id, i++);
		if (!tmpl_secret_at(c, arn, path, sec, sizeof(sec)) ||
		    !tmpl_named(cJSON_GetObjectItemCaseSensitive(topo, "secrets"), sec)) {
			if (!c->d->n_errors)
				tmpl_error(c, path, "InvalidParameterValue", "the proxy's secret must "
					   "hold {\"username\", \"password\"} (as RDS Proxy reads it)");
			rc = -1;
			continue;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "secret", sec);
		if (cJSON_IsString(iam))
			cJSON_AddStringToObject(o, "iam_auth", iam->valuestring);
		cJSON_AddItemToArray(out, o);
	}
	return rc;
}

static int map_proxy(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "DBProxyName", "EngineFamily", "Auth",
		"VpcSubnetIds", "VpcSecurityGroupIds", "RequireTLS", "IdleClientTimeout", NULL };
	const cJSON *fam = cJSON_GetObjectItemCaseSensitive(p, "EngineFamily");
	const cJSON *subs = cJSON_GetObjectItemCaseSensitive(p, "VpcSubnetIds");
	char subnet[64], path[TPATH_LEN];
	cJSON *r;
	int rc;

	snprintf(path, sizeof(path), "Resources.%s.Properties.VpcSubnetIds[0]", id);
	if (!tmpl_ref_at(c, cJSON_GetArrayItem(subs, 0), path, "AWS::EC2::Subnet", true, subnet,
			 sizeof(subnet)))
		return -1;
	if (cJSON_GetArraySize(subs) > 1)
		warn(c, id, "VpcSubnetIds", "the proxy lives in the first subnet (vpcsim has no "
		     "Availability Zones)");
	if (!cJSON_IsString(fam) || strcmp(fam->valuestring, "POSTGRESQL"))
		warn(c, id, "EngineFamily", "only POSTGRESQL is simulated (vpcsim-rds-proxy speaks "
		     "PostgreSQL's protocol; docs/RDS.md)");
	r = new_resource(c, id, p, "rds-proxy", subnet, "VpcSecurityGroupIds", &rc);
	if (tmpl_bool(cJSON_GetObjectItemCaseSensitive(p, "RequireTLS")) == 1)
		cJSON_AddTrueToObject(r, "require_tls");
	if (cJSON_GetObjectItemCaseSensitive(p, "IdleClientTimeout"))
		cJSON_AddNumberToObject(r, "idle_client_timeout_s", (double)tmpl_num(
			cJSON_GetObjectItemCaseSensitive(p, "IdleClientTimeout"), 1800));
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(p, "Auth")))
		rc |= proxy_auth(c, topo, id, cJSON_GetObjectItemCaseSensitive(p, "Auth"), r);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(topo, "resources"), r);
	tmpl_rest_unmapped(c, id, p, known);
	return rc;
}

/* A resource of the topology named by v (a Ref/GetAtt of a resource of
 * `type`, or its name as a string); NULL reported. */
static cJSON *node_at(struct tctx *c, cJSON *topo, const cJSON *v, const char *path,
		      const char *type)
{
	char name[64];
	cJSON *r;

	if (cJSON_IsString(v))
		snprintf(name, sizeof(name), "%s", v->valuestring);
	else if (!tmpl_ref_at(c, v, path, type, true, name, sizeof(name)))
		return NULL;
	r = tmpl_named(cJSON_GetObjectItemCaseSensitive(topo, "resources"), name);
	if (!r)
		tmpl_error(c, path, "UnresolvedReference", "'%s' names no %s of the template",
			   name, type);
	return r;
}

/* ConnectionPoolConfigurationInfo onto the proxy. */
static void pool(struct tctx *c, const char *id, const cJSON *cp, cJSON *proxy)
{
	static const char *const keys[] = { "MaxConnectionsPercent",
		"MaxIdleConnectionsPercent", "ConnectionBorrowTimeout", NULL };
	static const char *const out[] = { "max_connections_percent",
		"max_idle_connections_percent", "connection_borrow_timeout_s" };
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(cp, "InitQuery"), *k;

	for (int i = 0; keys[i]; i++)
		if (cJSON_GetObjectItemCaseSensitive(cp, keys[i]))
			cJSON_AddNumberToObject(proxy, out[i], (double)tmpl_num(
				cJSON_GetObjectItemCaseSensitive(cp, keys[i]), 0));
	if (cJSON_IsString(q))
		cJSON_AddStringToObject(proxy, "init_query", q->valuestring);
	cJSON_ArrayForEach(k, (cJSON_IsObject(cp) ? cp : NULL)) /* a list has no names */
		if (strcmp(k->string, "InitQuery") && strcmp(k->string, keys[0]) &&
		    strcmp(k->string, keys[1]) && strcmp(k->string, keys[2])) {
			char key[TPATH_LEN];

			snprintf(key, sizeof(key), "ConnectionPoolConfigurationInfo.%s", k->string);
			warn(c, id, key, "not simulated; left out");
		}
}

static int map_target_group(struct tctx *c, cJSON *topo, const char *id, const cJSON *p)
{
	static const char *const known[] = { "DBProxyName", "TargetGroupName",
		"DBInstanceIdentifiers", "ConnectionPoolConfigurationInfo", NULL };
	const cJSON *dbs = cJSON_GetObjectItemCaseSensitive(p, "DBInstanceIdentifiers");
	char path[TPATH_LEN];
	cJSON *proxy, *db;

	snprintf(path, sizeof(path), "Resources.%s.Properties.DBProxyName", id);
	if (!(proxy = node_at(c, topo, cJSON_GetObjectItemCaseSensitive(p, "DBProxyName"), path,
			      "AWS::RDS::DBProxy")))
		return -1;
	snprintf(path, sizeof(path), "Resources.%s.Properties.DBInstanceIdentifiers[0]", id);
	tmpl_rest_unmapped(c, id, p, known);
	if (!cJSON_GetArraySize(dbs)) {
		warn(c, id, NULL, "no DBInstanceIdentifiers (clusters are not simulated): the "
		     "proxy has no target");
		return 0;
	}
	if (!(db = node_at(c, topo, cJSON_GetArrayItem(dbs, 0), path, "AWS::RDS::DBInstance")))
		return -1;
	if (cJSON_GetArraySize(dbs) > 1)
		warn(c, id, "DBInstanceIdentifiers", "a proxy targets one instance here: the first");
	if (!cJSON_GetObjectItemCaseSensitive(db, "engine")) {
		warn(c, id, "DBInstanceIdentifiers", "the instance runs no engine (see its Engine "
		     "warning): the proxy answers as a responder");
		return 0;
	}
	if (!strcmp(cJSON_GetObjectItemCaseSensitive(db, "engine")->valuestring, "mysql")) {
		warn(c, id, "DBInstanceIdentifiers", "the instance runs mysql, and vpcsim's RDS Proxy "
		     "speaks PostgreSQL's protocol only (no MySQL pooler in Debian; docs/RDS.md): "
		     "the proxy answers as a responder, clients connect to the instance directly");
		return 0;
	}
	cJSON_AddStringToObject(proxy, "target",
				cJSON_GetObjectItemCaseSensitive(db, "name")->valuestring);
	pool(c, id, cJSON_GetObjectItemCaseSensitive(p, "ConnectionPoolConfigurationInfo"), proxy);
	return 0;
}

/* A proxy no target group gave a target: a responder on 5432, without the
 * settings that need a target (listed). */
static void proxy_untargeted(struct tctx *c, cJSON *topo)
{
	static const char *const settings[] = { "require_tls", "idle_client_timeout_s", "auth",
						NULL };
	cJSON *r;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(topo, "resources")) {
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(r, "kind");
		char path[TPATH_LEN];

		if (strcmp(kind->valuestring, "rds-proxy") ||
		    cJSON_GetObjectItemCaseSensitive(r, "target"))
			continue;
		for (int i = 0; settings[i]; i++)
			cJSON_DeleteItemFromObjectCaseSensitive(r, settings[i]);
		listen_on(r, PROXY_PORT_POSTGRES);
		snprintf(path, sizeof(path), "resources.%s",
			 cJSON_GetObjectItemCaseSensitive(r, "name")->valuestring);
		tmpl_unmapped(c, path, "AWS::RDS::DBProxy: no DBProxyTargetGroup names an instance "
			      "with an engine: a responder answers on 5432, Auth, RequireTLS and "
			      "IdleClientTimeout left out");
	}
}

int tmpl_map_rds(struct tctx *c, cJSON *topo)
{
	/* A DB subnet group is read where an instance names it. */
	static const char *const subnet_group[] = { "SubnetIds", "DBSubnetGroupDescription",
						    "DBSubnetGroupName", NULL };
	static const struct tmpl_step steps[] = {
		{ "AWS::RDS::DBSubnetGroup", NULL, subnet_group },
		{ "AWS::RDS::DBInstance", map_db, NULL },
		{ "AWS::RDS::DBProxy", map_proxy, NULL },
		{ NULL, NULL, NULL },
		{ "AWS::RDS::DBProxyTargetGroup", map_target_group, NULL },
	};
	int rc = tmpl_run(c, topo, steps, sizeof(steps) / sizeof(steps[0]));

	if (rc == 0)
		proxy_untargeted(c, topo);
	return rc < 0 ? -1 : 0;
}

/* The endpoint name of rds or rds-proxy node `name`, as model/dns.c makes
 * it for the topology this template becomes. */
static char *endpoint_name(struct tctx *c, const char *name, bool proxy)
{
	char out[256];

	rds_name_endpoint(c->account, c->region, c->stack, name, proxy, out, sizeof(out));
	return strdup(out);
}

char *tmpl_attr_string(struct tctx *c, const cJSON *v)
{
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(v, "Fn::GetAtt");
	const char *id = tmpl_ref_id(v), *type, *attr;
	const cJSON *p;
	char name[64], *out;
	cJSON *e;

	if (!id || !cJSON_IsArray(g))
		return NULL;
	type = tmpl_type(c, id);
	attr = cJSON_GetArrayItem(g, 1)->valuestring;
	tmpl_name(c, id, name, sizeof(name));
	if (!strcmp(type, "AWS::RDS::DBInstance") && !strcmp(attr, "Endpoint.Address"))
		return endpoint_name(c, name, false);
	if (!strcmp(type, "AWS::RDS::DBProxy") && !strcmp(attr, "Endpoint"))
		return endpoint_name(c, name, true);
	if (strcmp(type, "AWS::RDS::DBInstance") || strcmp(attr, "Endpoint.Port"))
		return NULL;
	p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c->resources, id),
					     "Properties");
	e = cJSON_CreateObject();
	for (int i = 0; i < 2; i++) {
		const char *k = i ? "Engine" : "Port";
		cJSON *x = cJSON_GetObjectItemCaseSensitive(p, k) && c->depth < 32 ?
			   tmpl_eval(c, cJSON_GetObjectItemCaseSensitive(p, k), "") : NULL;

		if (x)
			cJSON_AddItemToObject(e, k, x);
	}
	if (asprintf(&out, "%ld", db_port(e)) < 0)
		out = NULL;
	cJSON_Delete(e);
	return out;
}
