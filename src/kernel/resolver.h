/* The VPC resolver process: dnsmasq from Debian, one per router namespace
 * (docs/DNS.md). Nothing here knows topologies: the caller hands the
 * namespace, the addresses, the records folder and the log.
 *
 * dnsmasq binds UDP and TCP port 53 on the given addresses (already on
 * the namespace's lo), answers from the hosts-format files of `dir`
 * (--hostsdir: a file written or renamed there is read at once, a
 * replaced one drops its old records) and NXDOMAIN for every other name
 * (--local=/#/, no upstream). It binds as root, then becomes the dnsmasq
 * user with no capabilities (its own privilege drop; no DHCP, so it keeps
 * none) and no_new_privs. It sees the state folder only as far as `dir`
 * (a mount namespace of its own, kernel/engine.h). Bounded: a cache of
 * RESOLVER_CACHE names, RESOLVER_TCP_MAX concurrent TCP queries. */
#ifndef VPCSIM_RESOLVER_H
#define VPCSIM_RESOLVER_H

#include <stdint.h>

#include "kernel/proc.h"

#define RESOLVER_PROG "/usr/sbin/dnsmasq"
#define RESOLVER_USER "dnsmasq"
#define RESOLVER_ADDRS_MAX 2
#define RESOLVER_CACHE 1000

/* Start dnsmasq in router namespace `netns` on addrs[0..n) (host byte
 * order) port 53, records from folder `dir` (readable by the dnsmasq
 * user), output appended to `log`; returns once it answers a query at
 * addrs[0] (at most timeout_ms), with its pid and start time in *out. On
 * failure no process is left and the message has the log's last line. */
int resolver_start(const char *netns, const uint32_t *addrs, int n, const char *dir,
		   const char *log, int timeout_ms, struct proc_id *out);

/* The two halves of resolver_start, so that several resolvers start at
 * once: spawn returns once dnsmasq was exec'ed (journal it then); wait
 * returns once it answers at `addr`, or the error with the log's last
 * line (the caller stops it). */
int resolver_spawn(const char *netns, const uint32_t *addrs, int n, const char *dir,
		   const char *log, struct proc_id *out);
int resolver_wait(const char *netns, uint32_t addr, const char *log, const struct proc_id *p,
		  int timeout_ms);

/* Send one DNS query for `name` (type A) from inside `netns` to
 * server:53 and wait at most timeout_ms for the answer: its rcode (0
 * NOERROR, 3 NXDOMAIN...) and, for NOERROR, the first A address in *addr
 * (0 if none). -ETIMEDOUT when nothing came back, -ECONNREFUSED when
 * nothing listens there (ICMP port unreachable). */
int resolver_query(const char *netns, uint32_t server, const char *name, int timeout_ms,
		   uint32_t *addr);

#endif
