/* The VPC resolvers of a live topology (dns_steps.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/resolver.h"
#include "state/dns_steps.h"
#include "util/err.h"
#include "util/fs.h"

void dns_view_dir(const struct layout *L, int view, const char *state_dir,
		  char out[DNS_PATH_MAX])
{
	char folder[DNS_FOLDER_MAX];

	dns_view_folder(L, view, folder);
	snprintf(out, DNS_PATH_MAX, "%s/dns-%s", state_dir, folder);
}

/* A name a source may use: what dnsmasq reads (no leading '.', no '~'
 * or '#' backups) and no path. */
static bool file_name_ok(const char *f)
{
	if (!*f || *f == '.' || strlen(f) > 64)
		return false;
	for (; *f; f++)
		if (!((*f >= 'a' && *f <= 'z') || (*f >= '0' && *f <= '9') || *f == '-' ||
		      *f == '_'))
			return false;
	return true;
}

int dns_view_file_write(const struct layout *L, int view, const char *state_dir,
			const char *file, const char *text)
{
	char dir[DNS_PATH_MAX], tmp[DNS_PATH_MAX + 80], path[DNS_PATH_MAX + 80];
	struct stat st;
	int err;

	if (!file_name_ok(file))
		return errf(EINVAL, "DNS record file '%s': use lowercase letters, digits, '-' "
			    "and '_'", file);
	dns_view_dir(L, view, state_dir, dir);
	/* No folder: the view has no resolver (DNS support off), or the
	 * topology is going down. Nobody would read the records. */
	if (lstat(dir, &st) < 0 && errno == ENOENT)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, file);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	err = file_write(tmp, text);
	if (err == 0 && chmod(tmp, 0644) < 0) /* whatever the umask: dnsmasq reads it */
		err = errf(errno, "chmod %s: %s", tmp, strerror(errno));
	if (err < 0) {
		unlink(tmp);
		return err;
	}
	if (rename(tmp, path) < 0) {
		err = errf(errno, "renaming %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
	}
	return err;
}

static int make_dir(struct journal *J, const char *dir)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return errf(errno, "creating %s: %s", dir, strerror(errno));
	/* mkdir's mode is masked by the umask: the resolver's user reads it. */
	if (chmod(dir, 0755) < 0)
		return errf(errno, "chmod %s: %s", dir, strerror(errno));
	return journal_add(J, J_TREE, dir); /* with what other sources wrote */
}

static void resolver_log(const struct layout *L, int view, const char *state_dir,
			 char out[DNS_PATH_MAX + 32])
{
	char folder[DNS_FOLDER_MAX];

	dns_view_folder(L, view, folder);
	snprintf(out, DNS_PATH_MAX + 32, "%s/logs/resolver.%s.log", state_dir, folder);
}

int dns_step_resolver(const struct layout *L, int view, const char *state_dir,
		      struct journal *J, struct proc_id *p)
{
	char dir[DNS_PATH_MAX], path[DNS_PATH_MAX + 16];
	char log[DNS_PATH_MAX + 32], folder[DNS_FOLDER_MAX], label[DNS_FOLDER_MAX + 16];
	uint32_t addrs[RESOLVER_ADDRS_MAX];
	char *text;
	int err, n = 0;

	dns_view_dir(L, view, state_dir, dir);
	dns_view_folder(L, view, folder);
	err = make_dir(J, dir);
	if (err < 0)
		return err;
	text = dns_records_render(L, view);
	if (!text)
		return errf(ENOMEM, "rendering the DNS records of %s", folder);
	snprintf(path, sizeof(path), "%s/%s", dir, DNS_FILE_NODES);
	err = journal_add(J, J_FILE, path);
	if (!err)
		err = dns_view_file_write(L, view, state_dir, DNS_FILE_NODES, text);
	free(text);
	if (err < 0)
		return err;
	addrs[n++] = dns_view_resolver(L, view);
	if (addrs[0] != DNS_LINK_LOCAL)
		addrs[n++] = DNS_LINK_LOCAL;
	resolver_log(L, view, state_dir, log);
	err = resolver_spawn(L->routers[dns_view_router(L, view)].netns, addrs, n, dir, log, p);
	if (err < 0)
		return err;
	snprintf(label, sizeof(label), "resolver.%s", folder);
	return journal_add_proc(J, p->pid, p->start_time, label);
}

int dns_step_ready(const struct layout *L, const char *state_dir, const struct proc_id *procs)
{
	char log[DNS_PATH_MAX + 32];

	for (int view = 0; view < dns_n_views(L); view++) {
		int err;

		if (!procs[view].pid)
			continue;
		resolver_log(L, view, state_dir, log);
		err = resolver_wait(L->routers[dns_view_router(L, view)].netns,
				    dns_view_resolver(L, view), log, &procs[view],
				    DNS_READY_TIMEOUT_MS);
		if (err < 0)
			return err; /* the journal's undo stops it */
	}
	return 0;
}

int dns_envs_publish(const struct layout *L, const char *state_dir, const uint32_t *ips,
		     int n)
{
	int first = 0;

	for (int v = 0; v < L->t->n_vpcs; v++) {
		char *text = dns_env_records_render(L, v, ips, n);
		int err;

		if (!text)
			return errf(ENOMEM, "rendering the DNS records of environments");
		err = dns_view_file_write(L, v, state_dir, DNS_FILE_ENVS, text);
		free(text);
		first = first ? first : err;
	}
	return first;
}

int dns_lock(const char *state_dir)
{
	char path[DNS_PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/dns.lock", state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errf(errno, "opening %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX) < 0) {
		int e = errno;

		close(fd);
		return errf(e, "locking %s: %s", path, strerror(e));
	}
	return fd;
}

int dns_preflight(void)
{
	struct stat st;

	if (stat(RESOLVER_PROG, &st) < 0)
		return errf(ENOENT, "the VPC resolver needs %s: install the Debian package "
			    "dnsmasq-base (apt-get install dnsmasq-base, or make deps)", RESOLVER_PROG);
	return 0;
}
