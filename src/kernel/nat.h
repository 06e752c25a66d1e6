/* Stateful NAT inside one namespace with kernel nftables, programmed over
 * netlink (libnftnl on libmnl); the `nft` program is never run.
 *
 * Used by NAT gateway and hyperplane namespaces (source NAT of everything
 * leaving one link) and by the internet-gateway link (1:1 static NAT between
 * Elastic IPs and private addresses). */
#ifndef VPCSIM_NAT_H
#define VPCSIM_NAT_H

#include <stdint.h>

#define NAT_TABLE "vpcsim"

struct mnl_socket;

/* One nftables table "vpcsim" (family ip) per namespace, made in one batch. */
struct nat_map { uint32_t private_ip, public_ip; }; /* host byte order */
struct nat_spec {
	/* Source NAT of everything forwarded out of snat_oif onto snat_to
	 * (NAT gateway: its own private address; Lambda service VPC: its
	 * public egress address). NULL: none. */
	const char *snat_oif;
	uint32_t snat_to;
	/* 1:1 static NAT at an internet gateway link `static_if`:
	 * packets in from static_if to a public_ip are DNATed to its private_ip;
	 * packets out to static_if from a private_ip are SNATed to its public_ip;
	 * packets forwarded out to static_if whose source has no mapping are
	 * dropped silently (AWS: IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS).
	 * Per-packet cost must not grow with n_static: use nftables maps/sets
	 * (lookup expressions), not one rule per mapping. */
	const char *static_if;
	const struct nat_map *static_maps;
	int n_static;
	/* Nothing may open a connection in through this link: packets of a
	 * NEW connection arriving on drop_new_in, to this namespace or
	 * forwarded through it, are dropped silently (a hyperplane ENI: no
	 * connection into a Lambda function). Replies of connections made
	 * from inside pass. NULL: none. */
	const char *drop_new_in;
	/* Nothing may open a connection out through any link but this one:
	 * packets of a NEW connection forwarded to another link are dropped
	 * silently. A hyperplane (only_new_out "eth0") or the Lambda service
	 * VPC (its internet link) forwards new connections only towards the
	 * VPC or the internet, never into the execution environments attached
	 * to it (e<k>): no environment, other function or internet host can
	 * connect into one. Replies and ICMP errors of connections the
	 * environment made pass. NULL: none. */
	const char *only_new_out;
};

/* Install in the namespace whose NETLINK_NETFILTER socket is `nl` (an
 * mnl_socket opened inside that namespace). Returns 0 or -errno with errf()
 * naming the operation, the table/chain/set and the kernel's message.
 *
 * The batch first removes any existing table "vpcsim", so a second call
 * replaces the first one atomically (the kernel commits all or nothing).
 * Interfaces are matched by name, so the links need not exist yet.
 * Each private_ip and each public_ip may appear at most once, and snat_oif
 * needs a non-zero snat_to (-EINVAL, nothing sent).
 * Side effects on `nl`: turns on NETLINK_EXT_ACK and NETLINK_CAP_ACK and
 * grows its send/receive buffers to fit the batch and its acks. */
int nat_install(struct mnl_socket *nl, const struct nat_spec *spec);

#endif
