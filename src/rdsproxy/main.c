/* vpcsim-rds-proxy's process (proxy.h): the configuration from stdin,
 * the TLS context, the listening socket, one thread per client. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "rdsproxy/proxy.h"

#define CLIENTS_MAX 1000           /* like the PgBouncer it replaces */
#define STACK_BYTES (256 * 1024)
#define CONFIG_MAX 65536

struct config cfg = { .aws_fd = -1 };
SSL_CTX *tls_ctx;
static long clients;

void plog(const char *fmt, ...)
{
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", gmtime_r(&now, &tm));
	va_start(ap, fmt);
	flockfile(stderr);
	fprintf(stderr, "%s UTC rds-proxy %s: ", ts, cfg.name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}

static void str(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v);
}

/* "cred SECRET|- USER IAM PASSWORD" */
static int config_cred(char *v)
{
	struct cred *c = &cfg.creds[cfg.n_creds];
	char *secret = strtok(v, " "), *user = strtok(NULL, " "), *iam = strtok(NULL, " ");
	char *pass = strtok(NULL, "");

	if (cfg.n_creds == PROXY_USERS_MAX || !secret || !user || !iam || !pass)
		return -1;
	str(c->secret, sizeof(c->secret), strcmp(secret, "-") ? secret : "");
	str(c->user, sizeof(c->user), user);
	str(c->password, sizeof(c->password), pass);
	c->iam = !strcmp(iam, "1");
	cfg.n_creds++;
	return 0;
}

static int config_line(char *line)
{
	char *v = strchr(line, ' ');

	if (!v)
		return -1;
	*v++ = '\0';
	if (!strcmp(line, "name")) str(cfg.name, sizeof(cfg.name), v);
	else if (!strcmp(line, "listen")) return sscanf(v, "%63s %d", cfg.listen_ip, &cfg.listen_port) == 2 ? 0 : -1;
	else if (!strcmp(line, "database")) return sscanf(v, "%63s %d", cfg.db_ip, &cfg.db_port) == 2 ? 0 : -1;
	else if (!strcmp(line, "pool")) return sscanf(v, "%d %d", &cfg.pool_size, &cfg.idle_size) == 2 ? 0 : -1;
	else if (!strcmp(line, "timeouts")) return sscanf(v, "%d %d", &cfg.borrow_timeout_s, &cfg.idle_client_timeout_s) == 2 ? 0 : -1;
	else if (!strcmp(line, "require_tls")) cfg.require_tls = !strcmp(v, "1");
	else if (!strcmp(line, "tls_key")) str(cfg.tls_key, sizeof(cfg.tls_key), v);
	else if (!strcmp(line, "tls_cert")) str(cfg.tls_cert, sizeof(cfg.tls_cert), v);
	else if (!strcmp(line, "metrics")) str(cfg.metrics, sizeof(cfg.metrics), v);
	else if (!strcmp(line, "init_query")) return (cfg.init_query = strdup(v)) ? 0 : -1;
	else if (!strcmp(line, "host") && cfg.n_hosts < PROXY_HOSTS_MAX) str(cfg.hosts[cfg.n_hosts++], sizeof(cfg.hosts[0]), v);
	else if (!strcmp(line, "aws_socket")) str(cfg.aws_socket, sizeof(cfg.aws_socket), v);
	else if (!strcmp(line, "cred")) return config_cred(v);
	else return -1;
	return 0;
}

/* Key/value lines on stdin, to its end (vpcsim writes them into a pipe). */
static int config_read(void)
{
	static char buf[CONFIG_MAX];
	size_t n = 0;
	ssize_t r;
	char *line, *save = NULL;

	while (n < sizeof(buf) - 1 && (r = read(0, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (config_line(line) < 0) {
			fprintf(stderr, "rds-proxy: configuration line not understood: %.40s\n", line);
			return -1;
		}
	OPENSSL_cleanse(buf, n);
	if (!cfg.listen_port || !cfg.db_port || cfg.pool_size < 1 || !cfg.metrics[0]) {
		fprintf(stderr, "rds-proxy: configuration incomplete (listen, database, pool, metrics)\n");
		return -1;
	}
	return 0;
}

static int tls_setup(void)
{
	if (!cfg.tls_key[0])
		return 0;
	tls_ctx = SSL_CTX_new(TLS_server_method());
	if (!tls_ctx || SSL_CTX_set_min_proto_version(tls_ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(tls_ctx, cfg.tls_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(tls_ctx, cfg.tls_key, SSL_FILETYPE_PEM) != 1) {
		plog("TLS: the key %s or certificate %s cannot be used", cfg.tls_key, cfg.tls_cert);
		return -1;
	}
	return 0;
}

static int listen_on(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)cfg.listen_port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || inet_pton(AF_INET, cfg.listen_ip, &a.sin_addr) != 1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1024) < 0) {
		plog("listening on %s:%d: %s", cfg.listen_ip, cfg.listen_port, strerror(errno));
		return -1;
	}
	return fd;
}

static void refuse_busy(int fd)
{
	static const char text[] = "SFATAL\0VFATAL\0C53300\0M"
				   "The maximum number of client connections to the proxy exceeded 1000.\0";
	unsigned char head[5] = { 'E' };
	uint32_t n = htonl(sizeof(text) + 4);

	memcpy(head + 1, &n, 4);
	if (write(fd, head, 5) == 5 && write(fd, text, sizeof(text)) < 0)
		plog("refusing a client: %s", strerror(errno));
	close(fd);
}

static void *client_thread(void *arg)
{
	client_main(arg);
	__atomic_sub_fetch(&clients, 1, __ATOMIC_RELAXED);
	return NULL;
}

int main(void)
{
	pthread_attr_t attr;
	int lfd, one = 1;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (config_read() < 0 || tls_setup() < 0 || (lfd = listen_on()) < 0)
		return 1;
	pool_init();
	if (metrics_start() < 0)
		return 1;
	plog("listening on %s:%d for %s:%d, pool %d (idle %d), borrow timeout %d s%s%s",
	     cfg.listen_ip, cfg.listen_port, cfg.db_ip, cfg.db_port, cfg.pool_size, cfg.idle_size,
	     cfg.borrow_timeout_s, tls_ctx ? ", TLS" : "", cfg.require_tls ? " required" : "");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK_BYTES);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;

		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				usleep(10000);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (__atomic_add_fetch(&clients, 1, __ATOMIC_RELAXED) > CLIENTS_MAX ||
		    pthread_create(&t, &attr, client_thread, (void *)(intptr_t)fd)) {
			__atomic_sub_fetch(&clients, 1, __ATOMIC_RELAXED);
			refuse_busy(fd);
		}
	}
}
