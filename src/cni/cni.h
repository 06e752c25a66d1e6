/* The CNI plugin (build/vpcsim-cni, installed as /opt/cni/bin/vpcsim): a
 * container's network namespace placed in a subnet of a running topology
 * as an ENI with security groups (docs/CNI.md). The runtime runs it with
 * CNI_COMMAND & co. in the environment and the network configuration on
 * standard input; it answers a result or an error object on standard
 * output (CNI SPEC.md, versions 0.3.0 to 1.1.0).
 *
 * Errors carry a CNI code: cni_fail() sets it with the message. */
#ifndef VPCSIM_CNI_H
#define VPCSIM_CNI_H

#include <stdbool.h>
#include <stdint.h>

#include "model/topology.h"

/* Codes of the specification, then the plugin's own (100 and up). */
enum cni_code {
	CNI_ERR_VERSION = 1,       /* incompatible CNI version */
	CNI_ERR_FIELD = 2,         /* unsupported field in the configuration */
	CNI_ERR_CONTAINER = 3,     /* container unknown or does not exist */
	CNI_ERR_ENV = 4,           /* invalid environment variables */
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,        /* failed to decode content */
	CNI_ERR_CONFIG = 7,        /* invalid network configuration */
	CNI_ERR_NETNS = 8,         /* invalid network namespace (libcni) */
	CNI_ERR_AGAIN = 11,
	CNI_ERR_UNAVAILABLE = 50,  /* STATUS: the plugin is not available */
	CNI_ERR_NOT_UP = 100,      /* the topology is not up */
	CNI_ERR_EXISTS = 101,      /* ADD: the interface is attached already */
	CNI_ERR_NO_ADDRESS = 102,  /* the subnet has no free address */
	CNI_ERR_CHECK = 103,       /* CHECK: the attachment differs */
	CNI_ERR_INTERNAL = 999,
};

#define CNI_SG_MAX 5

/* The runtime's side: environment and configuration. */
struct cni_call {
	const char *command;       /* ADD DEL CHECK GC STATUS VERSION */
	const char *container_id, *netns, *ifname;
	char pod_name[64];         /* CNI_ARGS K8S_POD_NAME, "" if none */
	/* the configuration */
	char version[16];
	char network[NAME_MAX_LEN * 2 + 1];
	char topology[TOPO_NAME_MAX_LEN + 1];
	char subnet[NAME_MAX_LEN + 1];
	char sgs[CNI_SG_MAX][NAME_MAX_LEN + 1];
	int n_sgs;
	char ip[16];               /* "" : the lowest free address */
	/* GC: the attachments the runtime still has ("id\nifname" pairs) */
	char (*valid)[2][CNI_ID_MAX + 1];
	int n_valid;
};

/* cni_fail: record code and message; returns -1. */
__attribute__((format(printf, 2, 3)))
int cni_fail(int code, const char *fmt, ...);
int cni_code(void);
const char *cni_message(void);

/* cni_conf.c: the environment and the configuration (stdin text) into
 * *c; -1 (cni_fail) when either breaks the specification or ours. */
int cni_read_env(struct cni_call *c);
int cni_read_conf(struct cni_call *c, const char *text, size_t len);
bool cni_version_supported(const char *v);
extern const char *const cni_versions[];

/* What ADD made, for the result. */
struct cni_added {
	char ifname[16];
	uint8_t mac[6];
	char sandbox[4096];
	uint32_t ip, gateway, dns;
	int prefix, mtu;
};

/* cni_attach.c: the commands against the live topology, under its lock. */
int cni_add(const struct cni_call *c, struct cni_added *out);
int cni_del(const struct cni_call *c);
int cni_check(const struct cni_call *c);
int cni_gc(const struct cni_call *c);
int cni_status(const struct cni_call *c);

/* cni_result.c: the JSON on standard output. */
void cni_print_result(const struct cni_call *c, const struct cni_added *a);
void cni_print_version(const char *version);
void cni_print_error(const char *version);

#endif
