/* Named network namespaces, the iproute2 way, with netlink sockets opened
 * inside each namespace once and reused. */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "util/err.h"
#include "util/fs.h"
#include "kernel/netns.h"
#include "kernel/nlerr.h"

static void netns_path(const char *name, char path[PATH_MAX])
{
	path_netns(path, PATH_MAX, name);
}

/* Make NETNS_RUN_DIR a shared mount point, binding it onto itself first
 * if it is not a mount point yet. */
static int run_dir_make_shared(void)
{
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return errf(errno, "making %s shared: %s", NETNS_RUN_DIR, strerror(errno));
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
		return errf(errno, "bind-mounting %s: %s", NETNS_RUN_DIR, strerror(errno));
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return errf(errno, "making %s shared: %s", NETNS_RUN_DIR, strerror(errno));
	return 0;
}

int netns_run_dir_prepare(void)
{
	static bool done;
	int lock, err;

	if (done)
		return 0;
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return errf(errno, "creating %s: %s", NETNS_RUN_DIR, strerror(errno));
	/* As iproute2: make the directory a shared mount point so that the
	 * bind mounts below propagate to every mount namespace. Under an
	 * exclusive flock of the directory, the one iproute2 takes (ip netns
	 * add, https://bugs.debian.org/949235): two processes that both find
	 * it no mount point would each bind it onto itself, stacking mounts
	 * (many at once can lock the system up). Without the lock (flock
	 * refused) it proceeds, as iproute2 does. */
	lock = open(NETNS_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0)
		return errf(errno, "opening %s: %s", NETNS_RUN_DIR, strerror(errno));
	flock(lock, LOCK_EX);
	err = run_dir_make_shared();
	close(lock); /* unlocks */
	done = err == 0;
	return err;
}

bool netns_exists(const char *name)
{
	char path[PATH_MAX];

	netns_path(name, path);
	return access(path, F_OK) == 0;
}

/* The namespace this process started in, opened once per process: entering
 * and leaving namespaces is the hot path of `up`, and opening
 * /proc/thread-self/ns/net each time costs more than the setns itself.
 * Callers enter from home and return there; nesting is not supported. */
static uint64_t home; /* pid << 32 | (fd + 1) of the process that opened it; 0: none */

/* Opened once per process without a lock (a fork would copy a lock held
 * by another thread): two threads of serve opening it at once each try
 * to install theirs, the loser closes its own and uses the winner's. A
 * parent's, inherited by a fork, is not ours (a daemon closed it: its
 * number may name another file by now), and is neither used nor
 * closed. */
static int home_fd_of(uint64_t h)
{
	return h && (pid_t)(h >> 32) == getpid() ? (int)(h & 0xffffffffu) - 1 : -1;
}

static int netns_home(void)
{
	uint64_t cur = __atomic_load_n(&home, __ATOMIC_ACQUIRE), mine;
	int fd = home_fd_of(cur);

	if (fd >= 0)
		return fd;
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errf(errno, "opening own network namespace: %s", strerror(errno));
	mine = (uint64_t)getpid() << 32 | (uint32_t)(fd + 1);
	if (!__atomic_compare_exchange_n(&home, &cur, mine, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE) && home_fd_of(cur) >= 0) {
		close(fd); /* another thread of this process was first */
		return home_fd_of(cur);
	}
	return fd;
}

int netns_enter_fd(int fd, const char *what)
{
	int saved = netns_home();

	if (saved < 0)
		return saved;
	if (setns(fd, CLONE_NEWNET) < 0)
		return errf(errno, "entering network namespace %s: %s", what, strerror(errno));
	return saved;
}

bool netns_name_ok(const char *name)
{
	size_t len = name ? strnlen(name, NETNS_NAME_MAX) : 0;

	return len > 0 && len < NETNS_NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int netns_enter_name(const char *name, int *saved)
{
	char path[PATH_MAX];
	int fd, old;

	if (!netns_name_ok(name))
		return errf(EINVAL, "network namespace name '%s' is not valid",
			    name ? name : "(null)");
	netns_path(name, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errf(errno, "opening network namespace %s: %s", path, strerror(errno));
	old = netns_enter_fd(fd, name);
	close(fd);
	if (old < 0)
		return old;
	if (saved)
		*saved = old;
	return 0;
}

int netns_enter(const struct netns *ns)
{
	return netns_enter_fd(ns->fd, ns->name);
}

void netns_leave(int saved_fd)
{
	if (saved_fd < 0)
		return;
	/* Failing to return would leave later steps acting on the wrong
	 * namespace, possibly the host's; there is no safe way on. */
	if (setns(saved_fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vpcsim: returning to the original network namespace: %s\n",
			strerror(errno));
		abort();
	}
	if (saved_fd != home_fd_of(__atomic_load_n(&home, __ATOMIC_ACQUIRE)))
		close(saved_fd);
}

static struct netns *netns_alloc(const char *name, int fd)
{
	struct netns *ns = calloc(1, sizeof(*ns));

	if (!ns)
		return NULL;
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->fd = fd;
	return ns;
}

/* Open a NETLINK_ROUTE socket in the current namespace. */
static struct nl_sock *rt_socket_here(const char *what)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk) {
		errf(ENOMEM, "allocating a netlink socket for %s", what);
		return NULL;
	}
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(sk);
		errf(EIO, "opening a netlink socket in %s: %s", what, nl_geterror(err));
		return NULL;
	}
	/* Large batches of requests and their acks. */
	nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);
	nlerr_enable(sk);
	return sk;
}

static int lo_up_here(const char *what)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err = 0;

	if (fd < 0)
		return errf(errno, "opening a socket in %s: %s", what, strerror(errno));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0))
		err = errf(errno, "setting lo up in %s: %s", what, strerror(errno));
	close(fd);
	return err;
}

static int sysctl_write_here(const struct netns *ns, const char *key, const char *value);

/* The file under /run/netns a namespace is bind-mounted on. Each is a hard
 * link to the first this process made, which it keeps open (O_PATH, from
 * before its mount): making one then allocates no inode. Where /run is a
 * disk file system (ext4 here) an inode allocation searches past the
 * recently deleted inodes, which after a few up/down cycles costs more
 * than the namespace itself (docs/BENCHMARKS.md). Exclusive like
 * O_CREAT|O_EXCL: -EEXIST when the name is taken. 0 or -errno. */
static int anchor_fd = -1;
static pid_t anchor_pid; /* the process that opened it */
static pthread_mutex_t anchor_lock = PTHREAD_MUTEX_INITIALIZER;

static int mount_point_make(const char *path)
{
	int fd, err = 0;

	pthread_mutex_lock(&anchor_lock);
	/* A parent's, inherited by a fork: vpcsim's daemons (the AWS front,
	 * its Lambda invoker) close their parent's descriptors, and the
	 * number may name a file of theirs by now. Neither used nor closed:
	 * closing it closed the invoker's request socket (test_netns). */
	if (anchor_fd >= 0 && anchor_pid != getpid())
		anchor_fd = -1;
	if (anchor_fd >= 0) {
		if (linkat(anchor_fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0)
			goto out;
		if (errno == EEXIST) {
			err = -EEXIST;
			goto out;
		}
	}
	/* No anchor yet, or its last name is gone: this file becomes it. */
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	close(fd);
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd >= 0) {
		if (anchor_fd >= 0)
			close(anchor_fd);
		anchor_fd = fd;
		anchor_pid = getpid();
	}
out:
	pthread_mutex_unlock(&anchor_lock);
	return err;
}

/* The empty file /run/netns/NAME that a namespace is bound on; `verb`
 * ("creating", "binding") names the operation in errors. */
static int name_file_make(const char *name, const char *verb, char path[PATH_MAX])
{
	int err = netns_run_dir_prepare();

	if (err < 0)
		return err;
	netns_path(name, path);
	err = mount_point_make(path);
	if (err < 0)
		return errf(err, "%s namespace %s: %s", verb, name, strerror(-err));
	return 0;
}

int netns_create(const char *name, const char *const kv[][2], int n, struct netns **out)
{
	char path[PATH_MAX];
	struct netns *ns = NULL;
	int saved = -1, fd = -1, err;

	err = name_file_make(name, "creating", path);
	if (err < 0)
		return err;

	saved = netns_home();
	if (saved < 0) {
		err = saved;
		saved = -1;
		goto fail;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		err = errf(errno, "creating namespace %s (unshare): %s", name, strerror(errno));
		goto fail;
	}
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		err = errf(errno, "creating namespace %s (bind mount on %s): %s", name,
			   path, strerror(errno));
		goto fail_back;
	}
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ns = fd < 0 ? NULL : netns_alloc(name, fd);
	if (!ns) {
		err = errf(errno ? errno : ENOMEM, "opening namespace %s", name);
		goto fail_back;
	}
	fd = -1;
	/* We are inside: bring lo up and open the route socket now, which
	 * saves entering the namespace again for the first request. */
	err = lo_up_here(name);
	for (int i = 0; i < n && !err; i++)
		err = sysctl_write_here(ns, kv[i][0], kv[i][1]);
	if (err < 0)
		goto fail_back;
	ns->rt = rt_socket_here(name);
	if (!ns->rt) {
		err = -EIO;
		goto fail_back;
	}
	netns_leave(saved);
	*out = ns;
	return 0;

fail_back:
	netns_leave(saved);
	saved = -1;
fail:
	if (saved >= 0)
		netns_leave(saved);
	if (fd >= 0)
		close(fd);
	netns_close(ns);
	umount2(path, MNT_DETACH);
	unlink(path);
	return err;
}

int netns_attach_fd(const char *name, int fd, struct netns **out)
{
	char path[PATH_MAX], src[64];
	int err, own;

	err = name_file_make(name, "binding", path);
	if (err < 0)
		return err;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	if (mount(src, path, "none", MS_BIND, NULL) < 0) {
		err = errf(errno, "binding namespace %s (bind mount on %s): %s", name, path,
			   strerror(errno));
		unlink(path);
		return err;
	}
	own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	*out = own < 0 ? NULL : netns_alloc(name, own);
	if (!*out) {
		err = errf(errno ? errno : ENOMEM, "opening namespace %s", name);
		if (own >= 0)
			close(own);
		netns_delete(name);
		return err;
	}
	return 0;
}

int netns_open(const char *name, struct netns **out)
{
	char path[PATH_MAX];
	struct netns *ns;
	int fd;

	netns_path(name, path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errf(errno, "opening namespace %s: %s", name, strerror(errno));
	ns = netns_alloc(name, fd);
	if (!ns) {
		close(fd);
		return errf(ENOMEM, "opening namespace %s", name);
	}
	*out = ns;
	return 0;
}

void netns_close(struct netns *ns)
{
	if (!ns)
		return;
	if (ns->rt)
		nl_socket_free(ns->rt);
	if (ns->nf)
		mnl_socket_close(ns->nf);
	if (ns->fd >= 0)
		close(ns->fd);
	free(ns);
}

int netns_delete(const char *name)
{
	char path[PATH_MAX];

	netns_path(name, path);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return errf(errno, "unmounting namespace %s: %s", name, strerror(errno));
	if (unlink(path) < 0 && errno != ENOENT)
		return errf(errno, "removing %s: %s", path, strerror(errno));
	return 0;
}

struct nl_sock *netns_rt(struct netns *ns)
{
	int saved;

	if (ns->rt)
		return ns->rt;
	saved = netns_enter(ns);
	if (saved < 0)
		return NULL;
	ns->rt = rt_socket_here(ns->name);
	netns_leave(saved);
	return ns->rt;
}

struct mnl_socket *netns_nf(struct netns *ns)
{
	int saved, one = 1;

	if (ns->nf)
		return ns->nf;
	saved = netns_enter(ns);
	if (saved < 0)
		return NULL;
	ns->nf = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (ns->nf && mnl_socket_bind(ns->nf, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(ns->nf);
		ns->nf = NULL;
	}
	if (ns->nf)
		mnl_socket_setsockopt(ns->nf, NETLINK_EXT_ACK, &one, sizeof(one));
	else
		errf(errno, "opening a netfilter socket in %s: %s", ns->name, strerror(errno));
	netns_leave(saved);
	return ns->nf;
}

static int sysctl_write_here(const struct netns *ns, const char *key, const char *value)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "/proc/sys/net/%s", key);
	err = file_put(path, value);
	return err < 0 ? errf(err, "setting net.%s=%s in %s: %s", key, value, ns->name,
			      strerror(-err)) : 0;
}
