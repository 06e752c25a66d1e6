/* A child forked into a new PID namespace by a process with threads
 * (kernel/proc.h proc_fork_pid_ns: the supervisor with its Runtime API
 * threads, serve's and the Lambda invoker's workers) can use malloc: a
 * raw clone copies the locks other threads hold at that instant, malloc's
 * arena above all (one arena: supervisor.c's M_ARENA_MAX), and a child
 * that then allocates waits on a lock no one will release. That child
 * was a cold start's runtime before its exec, and its supervisor gave no
 * word in 15 s (seen in CI). Needs root; skipped otherwise. */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ns_fixture.h"
#include "kernel/proc.h"

#define CHILD_WAIT_MS 10000 /* generous: a child that ends ends in ms */
#define CHUNK (64 * 1024) /* past the thread cache */

/* A thread stopped inside free() with malloc's main arena locked, and how
 * to let it go on. glibc's _int_free locks the arena, then reads the
 * header of the chunk after the one it frees; that header's page is kept
 * missing under userfaultfd, so the thread stops in the page fault with
 * the lock held until someone fills the page (UFFDIO_COPY). */
struct held_arena {
	char *chunk, *next; /* what the holder frees, the chunk after it */
	int uffd;
	char *page, *saved; /* the missing page, what it held */
	long page_size;
	pid_t forker;                 /* the thread that forks */
	atomic_bool faulted, give_up; /* the thread stopped; the test is over */
};

static bool in_futex(pid_t tid)
{
	char path[64], buf[32] = "";
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return atol(buf) == SYS_futex;
}

/* Lets the arena go only once the forker waits on it in futex() (glibc's
 * fork() takes it before the copy: no sleep decides the outcome), or when
 * the test gives up (a raw clone never waits). Never allocates: that
 * could wait on the held arena too. */
static void *release_arena(void *arg)
{
	struct held_arena *h = arg;
	struct uffdio_copy copy = {
		.dst = (uintptr_t)h->page, .src = (uintptr_t)h->saved, .len = h->page_size,
	};

	while (!(atomic_load(&h->faulted) && in_futex(h->forker)) && !atomic_load(&h->give_up))
		usleep(10 * 1000);
	if (ioctl(h->uffd, UFFDIO_COPY, &copy) < 0)
		abort(); /* the holder would never end: the alarm would tell less */
	return NULL;
}

static void *free_chunk(void *arg)
{
	free(((struct held_arena *)arg)->chunk);
	return NULL;
}

/* Keeps missing the page that holds the header of the chunk after
 * h->chunk: 0, or -1. That page holds only the end of h->chunk and the
 * start of h->next, both in use and never touched, so no one but the
 * holder's free() reads it (a free chunk there could be handed to
 * pthread_create's allocations, and the wrong thread would stop). */
static int hold_setup(struct held_arena *h)
{
	/* glibc: a chunk's usable bytes end where the next chunk's size
	 * field begins, the field _int_free reads (prev_inuse). */
	char *next_size = h->chunk + malloc_usable_size(h->chunk);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	if (h->next != next_size + sizeof(size_t)) /* not h->chunk's neighbour */
		return -1;
	h->page_size = sysconf(_SC_PAGESIZE);
	h->page = (char *)((uintptr_t)next_size & ~(uintptr_t)(h->page_size - 1));
	memcpy(h->saved, h->page, h->page_size);
	h->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (h->uffd < 0 || ioctl(h->uffd, UFFDIO_API, &api) < 0)
		return -1;
	reg.range.start = (uintptr_t)h->page;
	reg.range.len = h->page_size;
	if (ioctl(h->uffd, UFFDIO_REGISTER, &reg) < 0)
		return -1;
	return madvise(h->page, h->page_size, MADV_DONTNEED);
}

/* In a process of its own: 0 when the child of a fork made while another
 * thread held malloc's arena could allocate and end, 1 when it never
 * ended, 2 when the arena could not be held. */
static int scenario(void)
{
	static struct held_arena h = { .uffd = -1 };
	struct uffd_msg msg;
	pthread_t release, holder;
	int pidfd = -1, hung;
	pid_t pid;

	mallopt(M_MMAP_THRESHOLD, 4 * CHUNK); /* the chunks from the arena, never mmap */
	h.chunk = malloc(CHUNK);
	h.next = malloc(CHUNK);
	h.saved = malloc(sysconf(_SC_PAGESIZE));
	h.forker = (pid_t)syscall(SYS_gettid);
	if (!h.chunk || !h.next || !h.saved || hold_setup(&h) < 0)
		return 2;
	/* Both threads before the arena is held: making one allocates. */
	pthread_create(&release, NULL, release_arena, &h);
	pthread_create(&holder, NULL, free_chunk, &h);
	if (read(h.uffd, &msg, sizeof(msg)) != sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT)
		return 2;
	atomic_store(&h.faulted, true); /* the holder is in _int_free, the arena locked */
	pid = proc_fork_pid_ns(&pidfd);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* opendir's: past the thread cache, from the arena. volatile:
		 * the compiler drops a malloc whose block is only freed. */
		void *volatile dir_buf = malloc(32816);

		free(dir_buf);
		_exit(getpid() == 1 ? 0 : 3); /* PID 1 of its own namespace */
	}
	if (pid < 0)
		return 2;
	hung = poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, CHILD_WAIT_MS) <= 0;
	if (hung)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	atomic_store(&h.give_up, true);
	pthread_join(release, NULL);
	pthread_join(holder, NULL);
	free(h.next);
	return hung;
}

static void test_child_mallocs(void **state)
{
	int st = 0;
	pid_t p;

	NEED_ROOT();
	fflush(NULL);
	p = fork();
	if (p == 0) {
		alarm(60); /* whatever hangs, the test ends */
		_exit(scenario());
	}
	assert_true(p > 0);
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_false(WIFSIGNALED(st)); /* SIGALRM: the scenario itself hung */
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 1)
		fail_msg("the child of a fork made while another thread held malloc's arena "
			 "never ended: it waits on a lock copied held");
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* This thread's children are back in its own PID namespace afterwards. */
static void test_own_namespace_after(void **state)
{
	int pidfd = -1;
	pid_t pid;
	int st = 0;

	NEED_ROOT();
	pid = proc_fork_pid_ns(&pidfd);
	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	waitpid(pid, &st, 0);
	close(pidfd);
	pid = fork();
	if (pid == 0)
		_exit(getpid() == 1 ? 1 : 0);
	assert_true(pid > 1);
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_mallocs),
		cmocka_unit_test(test_own_namespace_after),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
