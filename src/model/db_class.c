/* RDS DB instance classes (db_class.h). Memory and vCPUs from RDS's "DB
 * instance class" hardware table. */
#include <string.h>

#include "model/db_class.h"

#define GIB 1024
#define PG_BYTES_PER_CONNECTION 9531392LL
#define PG_MAX_CONNECTIONS_CAP 5000
#define MYSQL_BYTES_PER_CONNECTION 12582880LL

static const struct db_class classes[] = {
	/* burstable */
	{ "db.t3.micro", 2, 1 * GIB }, { "db.t3.small", 2, 2 * GIB },
	{ "db.t3.medium", 2, 4 * GIB }, { "db.t3.large", 2, 8 * GIB },
	{ "db.t3.xlarge", 4, 16 * GIB }, { "db.t3.2xlarge", 8, 32 * GIB },
	{ "db.t4g.micro", 2, 1 * GIB }, { "db.t4g.small", 2, 2 * GIB },
	{ "db.t4g.medium", 2, 4 * GIB }, { "db.t4g.large", 2, 8 * GIB },
	{ "db.t4g.xlarge", 4, 16 * GIB }, { "db.t4g.2xlarge", 8, 32 * GIB },
	/* general purpose: 4 GiB per vCPU */
	{ "db.m5.large", 2, 8 * GIB }, { "db.m5.xlarge", 4, 16 * GIB },
	{ "db.m5.2xlarge", 8, 32 * GIB }, { "db.m5.4xlarge", 16, 64 * GIB },
	{ "db.m5.8xlarge", 32, 128 * GIB }, { "db.m5.12xlarge", 48, 192 * GIB },
	{ "db.m5.16xlarge", 64, 256 * GIB }, { "db.m5.24xlarge", 96, 384 * GIB },
	{ "db.m6g.large", 2, 8 * GIB }, { "db.m6g.xlarge", 4, 16 * GIB },
	{ "db.m6g.2xlarge", 8, 32 * GIB }, { "db.m6g.4xlarge", 16, 64 * GIB },
	{ "db.m6g.8xlarge", 32, 128 * GIB }, { "db.m6g.12xlarge", 48, 192 * GIB },
	{ "db.m6g.16xlarge", 64, 256 * GIB },
	{ "db.m6i.large", 2, 8 * GIB }, { "db.m6i.xlarge", 4, 16 * GIB },
	{ "db.m6i.2xlarge", 8, 32 * GIB }, { "db.m6i.4xlarge", 16, 64 * GIB },
	{ "db.m6i.8xlarge", 32, 128 * GIB }, { "db.m6i.12xlarge", 48, 192 * GIB },
	{ "db.m6i.16xlarge", 64, 256 * GIB }, { "db.m6i.24xlarge", 96, 384 * GIB },
	{ "db.m6i.32xlarge", 128, 512 * GIB },
	/* memory optimised: 8 GiB per vCPU */
	{ "db.r5.large", 2, 16 * GIB }, { "db.r5.xlarge", 4, 32 * GIB },
	{ "db.r5.2xlarge", 8, 64 * GIB }, { "db.r5.4xlarge", 16, 128 * GIB },
	{ "db.r5.8xlarge", 32, 256 * GIB }, { "db.r5.12xlarge", 48, 384 * GIB },
	{ "db.r5.16xlarge", 64, 512 * GIB }, { "db.r5.24xlarge", 96, 768 * GIB },
	{ "db.r6g.large", 2, 16 * GIB }, { "db.r6g.xlarge", 4, 32 * GIB },
	{ "db.r6g.2xlarge", 8, 64 * GIB }, { "db.r6g.4xlarge", 16, 128 * GIB },
	{ "db.r6g.8xlarge", 32, 256 * GIB }, { "db.r6g.12xlarge", 48, 384 * GIB },
	{ "db.r6g.16xlarge", 64, 512 * GIB },
	{ "db.r6i.large", 2, 16 * GIB }, { "db.r6i.xlarge", 4, 32 * GIB },
	{ "db.r6i.2xlarge", 8, 64 * GIB }, { "db.r6i.4xlarge", 16, 128 * GIB },
	{ "db.r6i.8xlarge", 32, 256 * GIB }, { "db.r6i.12xlarge", 48, 384 * GIB },
	{ "db.r6i.16xlarge", 64, 512 * GIB }, { "db.r6i.24xlarge", 96, 768 * GIB },
	{ "db.r6i.32xlarge", 128, 1024 * GIB },
};

const struct db_class *db_class_find(const char *name)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (!strcmp(classes[i].name, name))
			return &classes[i];
	return NULL;
}

int db_class_max_connections_postgres(const struct db_class *c)
{
	long long n = (long long)c->memory_mib * 1024 * 1024 / PG_BYTES_PER_CONNECTION;

	return n > PG_MAX_CONNECTIONS_CAP ? PG_MAX_CONNECTIONS_CAP : (int)n;
}

int db_class_max_connections_mysql(const struct db_class *c)
{
	return (int)((long long)c->memory_mib * 1024 * 1024 / MYSQL_BYTES_PER_CONNECTION);
}

const char *db_class_families(void)
{
	return "db.t3 and db.t4g (micro to 2xlarge), db.m5, db.m6g, db.m6i, db.r5, db.r6g, "
	       "db.r6i (large to 16xlarge, 24xlarge, 32xlarge as AWS offers them)";
}
