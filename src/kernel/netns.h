/* Named network namespaces, made as iproute2 makes them (a bind mount of the
 * namespace file under /run/netns), so `ip -n NAME ...` works on them.
 *
 * A struct netns is an open handle: the namespace fd plus netlink sockets
 * opened inside it on first use and reused for every later call, so building
 * a topology opens one route socket and at most one netfilter socket per
 * namespace and spawns no process. */
#ifndef VPCSIM_NETNS_H
#define VPCSIM_NETNS_H

#include <stdbool.h>

#include "util/paths.h"

struct nl_sock;
struct mnl_socket;

struct netns {
	char name[NETNS_NAME_MAX];
	int fd;                    /* O_RDONLY on /run/netns/NAME */
	struct nl_sock *rt;        /* NETLINK_ROUTE, libnl; see netns_rt() */
	struct mnl_socket *nf;     /* NETLINK_NETFILTER, libmnl; netns_nf() */
};

/* Create /run/netns/NAME as a new namespace with `lo` up and the n sysctls
 * kv[i][0] = kv[i][1] under /proc/sys/net set (written from inside, so the
 * host's are never touched), and open it. Fails with
 * -EEXIST if the name is taken. */
int netns_create(const char *name, const char *const kv[][2], int n, struct netns **out);
/* Give the namespace open as `fd` (someone else's: a container's) the name
 * NAME, as `ip netns attach` does: a bind mount of it on /run/netns/NAME,
 * and open it. netns_delete(NAME) later removes the name only; the
 * namespace lives on as long as its owner holds it. */
int netns_attach_fd(const char *name, int fd, struct netns **out);
/* Open the network namespace at `path`, handed over by someone else (a
 * container runtime's CNI_NETNS) to a process that runs as root: an
 * absolute path whose components are never symbolic links (but for the
 * kernel's own /proc/PID[/task/TID]/ns/net), that is a network namespace
 * (nsfs, NS_GET_NSTYPE) and neither this process's nor init's. *out is an
 * O_RDONLY descriptor. -EINVAL / -EPERM / -errno with a message naming the
 * path (netns_foreign.c). */
int netns_open_foreign(const char *path, int *out);
/* A name under /run/netns bound to the namespace of `fd` for which
 * want(name) holds (want NULL: any): 1 and the name in out, or 0 when
 * there is none. A namespace may have several names. */
int netns_name_of_fd(int fd, bool (*want)(const char *name), char out[NETNS_NAME_MAX]);
/* Is /run/netns/NAME the namespace of `fd`? */
bool netns_is(int fd, const char *name);
/* Open an existing named namespace. -ENOENT if absent. */
int netns_open(const char *name, struct netns **out);
/* Close the handle (sockets and fd); the namespace stays. NULL is fine. */
void netns_close(struct netns *ns);
/* Unmount and remove /run/netns/NAME; the kernel frees the namespace when
 * its last user goes. Absent is success (down is idempotent). */
int netns_delete(const char *name);
bool netns_exists(const char *name);

/* Switch the calling thread into `ns` / back to the namespace it was in.
 * netns_enter() returns a fd for netns_leave(), or a negative error. */
int netns_enter(const struct netns *ns);
int netns_enter_fd(int fd, const char *what);
void netns_leave(int saved_fd);
/* Enter /run/netns/NAME by name. With `saved` NULL the switch is for good
 * (before an exec); else *saved is the fd for netns_leave(). */
int netns_enter_name(const char *name, int *saved);
/* A name that can be a file under /run/netns: no '/', not "." or "..". */
bool netns_name_ok(const char *name);

/* Sockets bound to the namespace, opened on first call. */
struct nl_sock *netns_rt(struct netns *ns);
struct mnl_socket *netns_nf(struct netns *ns);


/* Make /run/netns a shared mount point as iproute2 does, once. */
int netns_run_dir_prepare(void);

#endif
