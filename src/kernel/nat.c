/* Stateful NAT in one namespace: one nftables table "vpcsim" (family ip),
 * built with libnftnl and sent as one netlink batch, so the kernel commits
 * the whole table or nothing.
 *
 * Layout (only what the spec asks for is made):
 *
 *   map static_dnat { ipv4_addr : ipv4_addr }   public  -> private
 *   map static_snat { ipv4_addr : ipv4_addr }   private -> public
 *   chain prerouting  (nat, prio -100):
 *       iifname STATIC dnat to ip daddr map @static_dnat
 *   chain postrouting (nat, prio 100):
 *       oifname STATIC snat to ip saddr map @static_snat
 *       oifname SNAT_OIF snat to SNAT_TO
 *   chain forward (filter, prio 0):
 *       oifname STATIC ip saddr != @static_snat drop
 *
 * Each rule is a fixed chain of expressions whatever the number of mappings:
 * the maps are hash sets in the kernel, so the per-packet cost is one lookup.
 * NAT chains only see the first packet of a connection; conntrack translates
 * the rest and the replies.
 *
 * Kernel support: nf_tables, nft_nat, nft_lookup and nf_conntrack are
 * per-namespace once loaded. On kernels with them as modules, the first
 * NEWCHAIN of type nat makes nfnetlink autoload them (the kernel replays the
 * batch), which changes no setting of the root namespace; no modprobe is
 * needed. On the test machines they are built in. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "util/err.h"
#include "kernel/nlerr.h"
#include "kernel/nat.h"

#define MAP_DNAT "static_dnat"
#define MAP_SNAT "static_snat"
#define MAP_DNAT_ID 1
#define MAP_SNAT_ID 2

/* nftables' data type id of ipv4_addr (nftables src/datatype.h TYPE_IPADDR);
 * `nft list` uses it to print the map's key and value types. */
#define NFT_TYPE_IPADDR 7

/* Elements per NEWSETELEM message, so one message stays far below a batch
 * page (each element is about 40 bytes of attributes). */
#define ELEMS_PER_MSG 128
#define BATCH_PAGE (64 * 1024)
#define BATCH_OVERRUN (16 * 1024)

/* A batch under construction: the nftnl pages plus, for every message, what
 * it does, so a kernel error (which carries the message's sequence number)
 * can name its object. */
struct batch {
	struct nftnl_batch *b;
	uint32_t seq0;       /* sequence number of the batch-begin message */
	uint32_t seq;        /* next sequence number */
	char (*what)[96];    /* what[seq - seq0] */
	size_t cap;
	int n_acked;         /* messages sent with NLM_F_ACK */
};

static __thread uint32_t next_seq;

static int batch_init(struct batch *bt)
{
	memset(bt, 0, sizeof(*bt));
	bt->b = nftnl_batch_alloc(BATCH_PAGE, BATCH_OVERRUN);
	if (!bt->b)
		return errf(ENOMEM, "allocating nftables batch");
	if (!next_seq)
		next_seq = (uint32_t)time(NULL);
	bt->seq0 = bt->seq = next_seq;
	return 0;
}

static void batch_free(struct batch *bt)
{
	if (bt->b)
		nftnl_batch_free(bt->b);
	free(bt->what);
	next_seq = bt->seq + 1;
	memset(bt, 0, sizeof(*bt));
}

/* Record the description of message `seq` and return its slot. */
static int batch_note(struct batch *bt, uint32_t seq, const char *what)
{
	size_t i = seq - bt->seq0;

	if (i >= bt->cap) {
		size_t cap = bt->cap ? bt->cap * 2 : 32;
		void *p;

		while (cap <= i)
			cap *= 2;
		p = realloc(bt->what, cap * sizeof(*bt->what));
		if (!p)
			return errf(ENOMEM, "allocating nftables batch");
		bt->what = p;
		bt->cap = cap;
	}
	snprintf(bt->what[i], sizeof(bt->what[i]), "%s", what);
	return 0;
}

static const char *batch_what(const struct batch *bt, uint32_t seq)
{
	size_t i = seq - bt->seq0;

	return i < bt->cap && bt->what[i][0] ? bt->what[i] : "nftables batch";
}

/* Start message `type` (NFT_MSG_*) at the batch tail; the caller fills the
 * payload and calls batch_next(). */
static struct nlmsghdr *batch_msg(struct batch *bt, uint16_t type,
				  uint16_t flags, const char *what)
{
	uint32_t seq = bt->seq++;

	if (batch_note(bt, seq, what) < 0)
		return NULL;
	bt->n_acked++;
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(bt->b), type,
				     NFPROTO_IPV4, flags | NLM_F_ACK, seq);
}

static int batch_next(struct batch *bt)
{
	if (nftnl_batch_update(bt->b) < 0)
		return errf(ENOMEM, "allocating nftables batch");
	return 0;
}

static int batch_begin(struct batch *bt)
{
	uint32_t seq = bt->seq++;
	int err = batch_note(bt, seq, "starting nftables batch");

	if (err < 0)
		return err;
	nftnl_batch_begin(nftnl_batch_buffer(bt->b), seq);
	return batch_next(bt);
}

static int batch_end(struct batch *bt)
{
	uint32_t seq = bt->seq++;
	int err = batch_note(bt, seq, "committing nftables batch");

	if (err < 0)
		return err;
	nftnl_batch_end(nftnl_batch_buffer(bt->b), seq);
	return batch_next(bt);
}

/* Grow a socket buffer to at least `want` bytes. The FORCE variants need
 * CAP_NET_ADMIN (which we have) and ignore net.core.*mem_max, so no sysctl
 * is touched; the plain option is the fallback. */
static void sock_buf_at_least(int fd, int opt, int opt_force, int want)
{
	int cur = 0;
	socklen_t len = sizeof(cur);

	if (getsockopt(fd, SOL_SOCKET, opt, &cur, &len) == 0 && cur / 2 >= want)
		return;
	if (setsockopt(fd, SOL_SOCKET, opt_force, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, opt, &want, sizeof(want));
}

/* Send the batch and read every answer. nfnetlink handles the whole batch
 * (commit or abort, with module-load replays) inside our sendmsg(), so when
 * it returns every ack and error is already queued on our socket: drain it
 * without blocking. Success is one zero ack per NLM_F_ACK message. */
static int batch_send(struct mnl_socket *nl, struct batch *bt)
{
	int one = 1;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int fd = mnl_socket_get_fd(nl);
	int n_iov = nftnl_batch_iovec_len(bt->b);
	struct iovec iov[n_iov];
	struct msghdr msg = {
		.msg_name = &kernel, .msg_namelen = sizeof(kernel),
		.msg_iov = iov, .msg_iovlen = n_iov,
	};
	size_t total = 0;
	int acks = 0, first_err = 0;
	uint32_t err_seq = 0;
	char kmsg[256] = "";
	ssize_t n;

	/* Ask for the kernel's error text and for short acks. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));

	nftnl_batch_iovec(bt->b, iov, n_iov);
	for (int i = 0; i < n_iov; i++)
		total += iov[i].iov_len;
	/* netlink refuses a message larger than the send buffer, and every
	 * ack is its own skb in the receive buffer. */
	sock_buf_at_least(fd, SO_SNDBUF, SO_SNDBUFFORCE, (int)total + 4096);
	sock_buf_at_least(fd, SO_RCVBUF, SO_RCVBUFFORCE, bt->n_acked * 2048);

	if (sendmsg(fd, &msg, 0) < 0)
		return errf(errno, "sending nftables batch (%zu bytes): %s",
			    total, strerror(errno));

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;
			const char *km;

			if (nlh->nlmsg_seq < bt->seq0 || nlh->nlmsg_seq >= bt->seq)
				continue;   /* not ours (stale answer) */
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error == 0) {
				acks++;
				continue;
			}
			if (first_err)
				continue;
			first_err = e->error;
			err_seq = nlh->nlmsg_seq;
			km = nlerr_ext_ack(nlh);
			if (km)
				snprintf(kmsg, sizeof(kmsg), " (kernel: %s)", km);
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return errf(errno, "reading nftables answers: %s%s",
			    strerror(errno),
			    errno == ENOBUFS ? " (acks lost, receive buffer full)" : "");
	if (first_err)
		return errf(-first_err, "%s: %s%s", batch_what(bt, err_seq),
			    strerror(-first_err), kmsg);
	if (acks != bt->n_acked)
		return errf(EPROTO, "nftables batch: kernel acknowledged %d of %d messages",
			    acks, bt->n_acked);
	return 0;
}

/* ---- objects ---------------------------------------------------------- */

static int table_msg(struct batch *bt, uint16_t type)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	bool create = type == NFT_MSG_NEWTABLE;

	if (!t)
		return errf(ENOMEM, "allocating table %s", NAT_TABLE);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NAT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	nlh = batch_msg(bt, type, create ? NLM_F_CREATE : 0,
			create ? "creating table ip " NAT_TABLE
			       : "deleting table ip " NAT_TABLE);
	if (!nlh) {
		nftnl_table_free(t);
		return -ENOMEM;
	}
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return batch_next(bt);
}

/* "add table; delete table": the add makes the delete valid whether or not
 * the table existed, and both happen in the same transaction. */
static int table_reset(struct batch *bt)
{
	int err = table_msg(bt, NFT_MSG_NEWTABLE);

	return err < 0 ? err : table_msg(bt, NFT_MSG_DELTABLE);
}

static int chain_add(struct batch *bt, const char *name, const char *type,
		     uint32_t hook, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	char what[96];

	if (!c)
		return errf(ENOMEM, "allocating chain %s", name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NAT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	snprintf(what, sizeof(what), "creating chain %s/%s (type %s, prio %d)",
		 NAT_TABLE, name, type, prio);
	nlh = batch_msg(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE, what);
	if (!nlh) {
		nftnl_chain_free(c);
		return -ENOMEM;
	}
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	return batch_next(bt);
}

static struct nftnl_set *map_obj(const char *name, uint32_t id)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NAT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_IPV4);
	/* Set id: later messages of the same batch find the new set by it. */
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	return s;
}

/* An ipv4_addr -> ipv4_addr map with the given pairs (host order),
 * key = from, value = to. */
static int map_add(struct batch *bt, const char *name, uint32_t id,
		   const struct nat_map *maps, int n, bool by_public)
{
	struct nftnl_set *s = map_obj(name, id);
	struct nlmsghdr *nlh;
	char what[96];
	int err;

	if (!s)
		return errf(ENOMEM, "allocating map %s", name);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, NFT_TYPE_IPADDR);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, sizeof(uint32_t));
	nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_TYPE_IPADDR);
	nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, sizeof(uint32_t));
	snprintf(what, sizeof(what), "creating map %s/%s", NAT_TABLE, name);
	nlh = batch_msg(bt, NFT_MSG_NEWSET, NLM_F_CREATE, what);
	if (!nlh) {
		nftnl_set_free(s);
		return -ENOMEM;
	}
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	err = batch_next(bt);

	for (int i = 0; err == 0 && i < n; i += ELEMS_PER_MSG) {
		int end = i + ELEMS_PER_MSG < n ? i + ELEMS_PER_MSG : n;

		s = map_obj(name, id);
		if (!s)
			return errf(ENOMEM, "allocating map %s", name);
		for (int j = i; j < end; j++) {
			struct nftnl_set_elem *e = nftnl_set_elem_alloc();
			uint32_t key = htonl(by_public ? maps[j].public_ip : maps[j].private_ip);
			uint32_t val = htonl(by_public ? maps[j].private_ip : maps[j].public_ip);

			if (!e) {
				nftnl_set_free(s);
				return errf(ENOMEM, "allocating map %s", name);
			}
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &key, sizeof(key));
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, &val, sizeof(val));
			nftnl_set_elem_add(s, e);
		}
		snprintf(what, sizeof(what), "adding elements %d..%d to map %s/%s",
			 i, end - 1, NAT_TABLE, name);
		nlh = batch_msg(bt, NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL, what);
		if (!nlh) {
			nftnl_set_free(s);
			return -ENOMEM;
		}
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
		err = batch_next(bt);
	}
	return err;
}

/* ---- rule expressions --------------------------------------------------
 * Every helper appends one expression and returns 0 or -ENOMEM. Values go
 * through NFT_REG_1 (16 bytes, enough for an interface name). */

static int expr_add(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -ENOMEM;
	nftnl_rule_add_expr(r, e);
	return 0;
}

/* meta iifname/oifname == name (compared as a zero-padded IFNAMSIZ buffer,
 * so the link need not exist when the rule is made) */
/* meta KEY, cmp OP (NFT_CMP_EQ or NFT_CMP_NEQ) with the zero-padded name. */
static int expr_ifname_cmp(struct nftnl_rule *r, uint32_t key, const char *name,
			   uint32_t op)
{
	struct nftnl_expr *m = nftnl_expr_alloc("meta");
	struct nftnl_expr *c;
	char pad[IFNAMSIZ] = { 0 };

	if (!m)
		return -ENOMEM;
	nftnl_expr_set_u32(m, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(m, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, m);

	c = nftnl_expr_alloc("cmp");
	if (!c)
		return -ENOMEM;
	strncpy(pad, name, sizeof(pad) - 1);
	nftnl_expr_set_u32(c, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(c, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(c, NFTNL_EXPR_CMP_DATA, pad, sizeof(pad));
	return expr_add(r, c);
}

static int expr_ifname_eq(struct nftnl_rule *r, uint32_t key, const char *name)
{
	return expr_ifname_cmp(r, key, name, NFT_CMP_EQ);
}

/* load ip saddr (offset 12) or daddr (offset 16) into reg 1 */
static int expr_ip_addr(struct nftnl_rule *r, uint32_t offset)
{
	struct nftnl_expr *p = nftnl_expr_alloc("payload");

	if (!p)
		return -ENOMEM;
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_LEN, sizeof(uint32_t));
	nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	return expr_add(r, p);
}

/* reg 1 = map[reg 1], the rule ends if absent (map = true); or, with
 * map = false, the rule goes on only if reg 1 is NOT a key (match on
 * "!= @set", the map's values are ignored). */
static int expr_lookup(struct nftnl_rule *r, const char *set, uint32_t id,
		       bool map)
{
	struct nftnl_expr *l = nftnl_expr_alloc("lookup");

	if (!l)
		return -ENOMEM;
	nftnl_expr_set_str(l, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(l, NFTNL_EXPR_LOOKUP_SET_ID, id);
	nftnl_expr_set_u32(l, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	if (map)
		nftnl_expr_set_u32(l, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
	else
		nftnl_expr_set_u32(l, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	return expr_add(r, l);
}

static int expr_imm_addr(struct nftnl_rule *r, uint32_t addr_host)
{
	struct nftnl_expr *i = nftnl_expr_alloc("immediate");
	uint32_t be = htonl(addr_host);

	if (!i)
		return -ENOMEM;
	nftnl_expr_set_u32(i, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(i, NFTNL_EXPR_IMM_DATA, &be, sizeof(be));
	return expr_add(r, i);
}

static int expr_drop(struct nftnl_rule *r)
{
	struct nftnl_expr *i = nftnl_expr_alloc("immediate");

	if (!i)
		return -ENOMEM;
	nftnl_expr_set_u32(i, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(i, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
	return expr_add(r, i);
}

/* ct state new: (ct state & new) != 0. ct state is a host-order u32. */
static int expr_ct_state_new(struct nftnl_rule *r)
{
	uint32_t mask = NF_CT_STATE_BIT(IP_CT_NEW), zero = 0;
	struct nftnl_expr *ct = nftnl_expr_alloc("ct");
	struct nftnl_expr *b, *c;

	if (!ct)
		return -ENOMEM;
	nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
	nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, ct);
	b = nftnl_expr_alloc("bitwise");
	if (!b)
		return -ENOMEM;
	nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
	nftnl_expr_set(b, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(b, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
	nftnl_rule_add_expr(r, b);
	c = nftnl_expr_alloc("cmp");
	if (!c)
		return -ENOMEM;
	nftnl_expr_set_u32(c, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(c, NFTNL_EXPR_CMP_OP, NFT_CMP_NEQ);
	nftnl_expr_set(c, NFTNL_EXPR_CMP_DATA, &zero, sizeof(zero));
	return expr_add(r, c);
}

/* snat/dnat to the address in reg 1 (ports kept unless they clash) */
static int expr_nat(struct nftnl_rule *r, uint32_t type)
{
	struct nftnl_expr *n = nftnl_expr_alloc("nat");

	if (!n)
		return -ENOMEM;
	nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_TYPE, type);
	nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
	nftnl_expr_set_u32(n, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	return expr_add(r, n);
}

static struct nftnl_rule *rule_new(const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		return NULL;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NAT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
	return r;
}

/* Append the finished rule `r` (or report the -ENOMEM met building it). */
static int rule_add(struct batch *bt, struct nftnl_rule *r, int built,
		    const char *chain, const char *what)
{
	struct nlmsghdr *nlh;
	char desc[96];

	if (built < 0) {
		nftnl_rule_free(r);
		return errf(ENOMEM, "building rule %s in chain %s/%s", what,
			    NAT_TABLE, chain);
	}
	snprintf(desc, sizeof(desc), "adding rule %s to chain %s/%s", what,
		 NAT_TABLE, chain);
	nlh = batch_msg(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, desc);
	if (!nlh) {
		nftnl_rule_free(r);
		return -ENOMEM;
	}
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return batch_next(bt);
}

/* ---- rules ------------------------------------------------------------ */

/* The static mapping's three rules have one shape: an interface matched,
 * an address of the IPv4 header looked up in a map, then NAT or a drop.
 *   prerouting:  iifname STATIC dnat to ip daddr map @static_dnat
 *   postrouting: oifname STATIC snat to ip saddr map @static_snat
 *   forward:     oifname STATIC ip saddr != @static_snat drop */
struct map_rule {
	const char *chain;
	uint32_t meta;             /* NFT_META_IIFNAME or NFT_META_OIFNAME */
	uint32_t offset;           /* in the IPv4 header: 16 daddr, 12 saddr */
	const char *map;
	uint32_t map_id;
	bool in_map;               /* matches an address in the map, or not in it */
	int nat;                   /* NFT_NAT_DNAT, NFT_NAT_SNAT, or -1: drop */
	const char *what;
};

enum { STATIC_DNAT, STATIC_SNAT, UNMAPPED_DROP };

static const struct map_rule map_rules[] = {
	[STATIC_DNAT] = { "prerouting", NFT_META_IIFNAME, 16, MAP_DNAT, MAP_DNAT_ID, true,
			  NFT_NAT_DNAT, "static dnat" },
	[STATIC_SNAT] = { "postrouting", NFT_META_OIFNAME, 12, MAP_SNAT, MAP_SNAT_ID, true,
			  NFT_NAT_SNAT, "static snat" },
	[UNMAPPED_DROP] = { "forward", NFT_META_OIFNAME, 12, MAP_SNAT, MAP_SNAT_ID, false,
			    -1, "unmapped source drop" },
};

static int rule_map(struct batch *bt, const struct map_rule *m, const char *ifname)
{
	struct nftnl_rule *r = rule_new(m->chain);
	int err;

	if (!r)
		return errf(ENOMEM, "allocating rule");
	err = expr_ifname_eq(r, m->meta, ifname);
	if (!err)
		err = expr_ip_addr(r, m->offset);
	if (!err)
		err = expr_lookup(r, m->map, m->map_id, m->in_map);
	if (!err)
		err = m->nat >= 0 ? expr_nat(r, (uint32_t)m->nat) : expr_drop(r);
	return rule_add(bt, r, err, m->chain, m->what);
}

/* postrouting: oifname SNAT_OIF snat to SNAT_TO */
static int rule_snat(struct batch *bt, const char *ifname, uint32_t to)
{
	struct nftnl_rule *r = rule_new("postrouting");
	int err;

	if (!r)
		return errf(ENOMEM, "allocating rule");
	err = expr_ifname_eq(r, NFT_META_OIFNAME, ifname);
	if (!err)
		err = expr_imm_addr(r, to);
	if (!err)
		err = expr_nat(r, NFT_NAT_SNAT);
	return rule_add(bt, r, err, "postrouting", "snat");
}

/* CHAIN (input or forward): iifname IF ct state new drop */
static int rule_drop_new_in(struct batch *bt, const char *chain, const char *ifname)
{
	struct nftnl_rule *r = rule_new(chain);
	int err;

	if (!r)
		return errf(ENOMEM, "allocating rule");
	err = expr_ifname_eq(r, NFT_META_IIFNAME, ifname);
	if (!err)
		err = expr_ct_state_new(r);
	if (!err)
		err = expr_drop(r);
	return rule_add(bt, r, err, chain, "new connection in drop");
}

/* forward: oifname != IF ct state new drop */
static int rule_drop_new_out(struct batch *bt, const char *ifname)
{
	struct nftnl_rule *r = rule_new("forward");
	int err;

	if (!r)
		return errf(ENOMEM, "allocating rule");
	err = expr_ifname_cmp(r, NFT_META_OIFNAME, ifname, NFT_CMP_NEQ);
	if (!err)
		err = expr_ct_state_new(r);
	if (!err)
		err = expr_drop(r);
	return rule_add(bt, r, err, "forward", "new connection out drop");
}

/* ---- validation ------------------------------------------------------- */

static int ifname_check(const char *field, const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ || strchr(name, '/'))
		return errf(EINVAL, "NAT %s \"%s\": an interface name must be 1 to %d bytes without '/'",
			    field, name, IFNAMSIZ - 1);
	return 0;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

static int by_private(const void *a, const void *b)
{
	return cmp_u32(((const struct nat_map *)a)->private_ip,
		       ((const struct nat_map *)b)->private_ip);
}

static int by_public(const void *a, const void *b)
{
	return cmp_u32(((const struct nat_map *)a)->public_ip,
		       ((const struct nat_map *)b)->public_ip);
}

static const char *ip_str(uint32_t host, char *buf)
{
	uint32_t be = htonl(host);

	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

/* A 1:1 map must be a bijection: a duplicate key would make the kernel
 * refuse the batch with a bare EEXIST, so name the address here. */
static int static_maps_check(const struct nat_map *maps, int n)
{
	struct nat_map *s;
	char a[INET_ADDRSTRLEN];
	int err = 0;

	if (n < 0 || (n > 0 && !maps))
		return errf(EINVAL, "NAT static maps: %d mappings at %p", n,
			    (const void *)maps);
	if (n < 2)
		return 0;
	s = malloc((size_t)n * sizeof(*s));
	if (!s)
		return errf(ENOMEM, "checking NAT static maps");
	memcpy(s, maps, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), by_private);
	for (int i = 1; i < n && !err; i++)
		if (s[i].private_ip == s[i - 1].private_ip)
			err = errf(EINVAL, "NAT static maps: private address %s is mapped twice",
				   ip_str(s[i].private_ip, a));
	qsort(s, (size_t)n, sizeof(*s), by_public);
	for (int i = 1; i < n && !err; i++)
		if (s[i].public_ip == s[i - 1].public_ip)
			err = errf(EINVAL, "NAT static maps: public address %s is mapped twice",
				   ip_str(s[i].public_ip, a));
	free(s);
	return err;
}

static int spec_check(const struct nat_spec *spec)
{
	int err = 0;

	if (spec->snat_oif)
		err = ifname_check("snat_oif", spec->snat_oif);
	if (!err && spec->snat_oif && spec->snat_to == 0)
		err = errf(EINVAL, "NAT snat_oif \"%s\" needs a snat_to address",
			   spec->snat_oif);
	if (!err && spec->static_if)
		err = ifname_check("static_if", spec->static_if);
	if (!err && spec->static_if)
		err = static_maps_check(spec->static_maps, spec->n_static);
	if (!err && spec->drop_new_in)
		err = ifname_check("drop_new_in", spec->drop_new_in);
	if (!err && spec->only_new_out)
		err = ifname_check("only_new_out", spec->only_new_out);
	return err;
}

/* ---- API -------------------------------------------------------------- */

static int build_install(struct batch *bt, const struct nat_spec *spec)
{
	const char *sif = spec->static_if;
	int err;

	err = batch_begin(bt);
	if (!err)
		err = table_reset(bt);
	if (!err)
		err = table_msg(bt, NFT_MSG_NEWTABLE);
	if (!err && sif) {
		err = map_add(bt, MAP_DNAT, MAP_DNAT_ID, spec->static_maps,
			      spec->n_static, true);
		if (!err)
			err = map_add(bt, MAP_SNAT, MAP_SNAT_ID, spec->static_maps,
				      spec->n_static, false);
		if (!err)
			err = chain_add(bt, "prerouting", "nat", NF_INET_PRE_ROUTING,
					NF_IP_PRI_NAT_DST);
	}
	if (!err && (sif || spec->snat_oif))
		err = chain_add(bt, "postrouting", "nat", NF_INET_POST_ROUTING,
				NF_IP_PRI_NAT_SRC);
	if (!err && (sif || spec->drop_new_in || spec->only_new_out))
		err = chain_add(bt, "forward", "filter", NF_INET_FORWARD,
				NF_IP_PRI_FILTER);
	if (!err && spec->drop_new_in)
		err = chain_add(bt, "input", "filter", NF_INET_LOCAL_IN,
				NF_IP_PRI_FILTER);
	if (!err && spec->drop_new_in)
		err = rule_drop_new_in(bt, "forward", spec->drop_new_in);
	if (!err && spec->drop_new_in)
		err = rule_drop_new_in(bt, "input", spec->drop_new_in);
	if (!err && spec->only_new_out)
		err = rule_drop_new_out(bt, spec->only_new_out);
	if (!err && sif)
		err = rule_map(bt, &map_rules[STATIC_DNAT], sif);
	/* Static mappings before the port-translating SNAT: the first NAT
	 * rule that matches decides (a nat expression ends the chain). */
	if (!err && sif)
		err = rule_map(bt, &map_rules[STATIC_SNAT], sif);
	if (!err && spec->snat_oif)
		err = rule_snat(bt, spec->snat_oif, spec->snat_to);
	if (!err && sif)
		err = rule_map(bt, &map_rules[UNMAPPED_DROP], sif);
	if (!err)
		err = batch_end(bt);
	return err;
}

int nat_install(struct mnl_socket *nl, const struct nat_spec *spec)
{
	struct batch bt;
	int err;

	if (!nl || !spec)
		return errf(EINVAL, "installing NAT: no socket or spec");
	err = spec_check(spec);
	if (err < 0)
		return err;
	err = batch_init(&bt);
	if (err < 0)
		return err;
	err = build_install(&bt, spec);
	if (!err)
		err = batch_send(nl, &bt);
	batch_free(&bt);
	if (err < 0)
		return errf_prefix(err, "installing NAT table ip %s", NAT_TABLE);
	return 0;
}

