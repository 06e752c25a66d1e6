/* DNS of a topology (docs/DNS.md): the names the VPC resolver answers and
 * where it answers them. Pure: the records are text in hosts-file format
 * ("ADDRESS<TAB>NAME NAME..." per line), which the resolver (dnsmasq,
 * state/dns_steps.c) reads from a folder per *view*.
 *
 * A view is what one resolver answers: one per VPC (split horizon: private
 * addresses for that VPC and its peers), one for the Lambda service VPC
 * and one for the simulated internet (both outside every VPC). Records of
 * one view may come from several files in its folder (the nodes of `up`,
 * the environments' ENIs, AWS service names...): each source owns one
 * file and replaces it whole; the resolver picks a change up by itself. */
#ifndef VPCSIM_DNS_H
#define VPCSIM_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vpcsim/dataplane.h"
#include "model/layout.h"

#define DNS_LINK_LOCAL DP_DNS_LINK_LOCAL /* 169.254.169.253: AmazonProvidedDNS */
#define DNS_PORT 53
#define DNS_NAME_MAX 256
#define DNS_TOKEN_LEN 13           /* 12 characters + NUL (RDS_TOKEN_LEN) */
#define DNS_FOLDER_MAX 64          /* "vpc." + name + NUL */
#define DNS_NAMES_MAX 4            /* names of one node */

/* The record files of a view's folder written by vpcsim itself; another
 * source picks its own name (letters, digits, '-'; never starting with
 * '.', which marks a file being written). */
#define DNS_FILE_NODES "nodes"     /* everything `up` knows */
#define DNS_FILE_ENVS "envs"       /* ENIs of execution environments */

/* Views: 0..n_vpcs-1 the VPCs, then the Lambda service VPC, then the
 * internet. */
int dns_n_views(const struct layout *L);
int dns_view_lambda(const struct layout *L);
int dns_view_internet(const struct layout *L);
/* The VPC of a view, or -1 (Lambda service VPC, internet). */
int dns_view_vpc(const struct layout *L, int view);
/* The view whose resolver a node of VPC `vpc` asks (-1: an internet host);
 * an environment of a function without VPC asks dns_view_lambda(). */
int dns_view_of_vpc(const struct layout *L, int vpc);
/* Whether a resolver runs for the view: not for a VPC with
 * enable_dns_support false (its queries time out, as in AWS). */
bool dns_view_serves(const struct layout *L, int view);
/* The router namespace that holds the view's resolver (layout router). */
int dns_view_router(const struct layout *L, int view);
/* The view's own resolver address: the VPC's (or the Lambda service
 * VPC's) base + 2; 169.254.169.253 for the internet. Every resolver also
 * answers at 169.254.169.253. */
uint32_t dns_view_resolver(const struct layout *L, int view);
/* Folder name of a view below the topology's dns folder: "vpc.NAME",
 * "lambda" or "inet". */
void dns_view_folder(const struct layout *L, int view, char out[DNS_FOLDER_MAX]);

/* The 12-character id of a topology in RDS endpoint names, stable across
 * runs: lowercase letters and digits from a hash of account, Region and
 * topology name. */
void dns_rds_token(const struct topology *t, char out[DNS_TOKEN_LEN]);
/* Amazon-provided private IP name: ip-10-0-1-10.ec2.internal in
 * us-east-1, ip-10-0-1-10.REGION.compute.internal elsewhere. */
void dns_ip_name(const struct topology *t, uint32_t ip, char *out, size_t len);
/* Amazon-provided public DNS name of a public address:
 * ec2-203-0-113-10.compute-1.amazonaws.com in us-east-1,
 * ec2-203-0-113-10.REGION.compute.amazonaws.com elsewhere. A resource
 * (not rds, rds-proxy) with a public address in a VPC with both DNS
 * attributes has it: its private address inside its VPC (and peered
 * ones), the public one elsewhere, as every other name of the node. */
void dns_public_name(const struct topology *t, uint32_t pub, char *out, size_t len);
/* The endpoint of an rds or rds-proxy resource
 * (NAME.TOKEN.REGION.rds.amazonaws.com, NAME.proxy-TOKEN.REGION...);
 * false for other kinds. */
bool dns_rds_endpoint(const struct topology *t, int resource, char *out, size_t len);

/* The ip- name of a VPC ENI at `ip` (an environment's own ENI too) where
 * its VPC answers private names: 1 name written, else 0. */
int dns_eni_names(const struct topology *t, int vpc, uint32_t ip, char names[][DNS_NAME_MAX],
		  int max);
/* Every DNS name of node `node` (its topology name, RDS endpoint, host
 * dns_name, and its ip- name and, with a public address, its ec2- public
 * name when its VPC has both DNS attributes): for
 * status and graph. Returns how many were written to names. */
int dns_node_names(const struct layout *L, int node, char names[][DNS_NAME_MAX], int max);

/* A view's resolver addresses for people and scripts ("10.0.0.2,
 * 169.254.169.253"), or "" where no resolver runs. */
void dns_view_addresses(const struct layout *L, int view, char *out, size_t len);

/* The records of DNS_FILE_NODES for `view`, malloc'ed text. */
char *dns_records_render(const struct layout *L, int view);
/* The records of DNS_FILE_ENVS for `view`: the ip- names of the given
 * environment ENI addresses (empty text where the view's VPC does not
 * answer private hostnames). */
char *dns_env_records_render(const struct layout *L, int view, const uint32_t *ips, int n);
/* /etc/resolv.conf of a node of VPC `vpc` (-1: internet host;
 * dns_view_lambda() for default functions is dns_resolv_conf_view()). */
char *dns_resolv_conf_view(const struct layout *L, int view);

#endif
