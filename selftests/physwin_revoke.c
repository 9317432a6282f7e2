// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: revocation. Writing 0 to /sys/class/misc/physwinN/enabled zaps
 * every mapping of the window in every process; while it is 0, touching an
 * existing mapping raises SIGBUS and mmap, read, write and populate fail
 * with ENODEV, but open works. Writing 1 restores service, and the same
 * VMAs fault in again.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/physwin.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

#define NR_THREADS	8
#define FLIPS		200

static __thread sigjmp_buf bus_env;
static __thread volatile int bus_armed;

static void on_sigbus(int sig)
{
	if (bus_armed)
		siglongjmp(bus_env, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Read a word: 1 if it worked, 0 if the access raised SIGBUS. */
static int try_read(const char *p, uint64_t *val)
{
	int ok = 0;

	bus_armed = 1;
	if (!sigsetjmp(bus_env, 1)) {
		*val = pw_rd(p);
		ok = 1;
	}
	bus_armed = 0;
	return ok;
}

FIXTURE(revoke)
{
	PW_FIXTURE_BASE;
};

FIXTURE_SETUP(revoke)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	char path[128];

	PW_SETUP_BASE();
	snprintf(path, sizeof(path), PW_CLASS_DIR "/physwin0/enabled");
	if (access(path, W_OK))
		PW_SETUP_SKIP("this physwin has no enabled attribute");
	ASSERT_EQ(0, pw_set_enabled(0, 1));
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	PW_SETUP_OPEN();
}

FIXTURE_TEARDOWN(revoke)
{
	if (self->fd >= 0)
		close(self->fd);
	pw_set_enabled(0, 1);
}

/* The whole contract, step by step, in one process. */
TEST_F(revoke, sigbus_enodev_and_back)
{
	size_t len = 64 * self->page;
	struct physwin_range r;
	uint64_t v, faults;
	char buf[8], *p, *q;
	int mem, fd2;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	pw_wr(p, self->seed);
	pw_wr(p + len - 8, ~self->seed);
	pw_mb();

	ASSERT_EQ(0, pw_set_enabled(0, 0));
	ASSERT_EQ(0, pw_attr_u64(0, "enabled", &v));
	EXPECT_EQ(0UL, v);

	/* Existing mappings: SIGBUS, on pages faulted in before or not. */
	EXPECT_EQ(0, try_read(p, &v));
	EXPECT_EQ(0, try_read(p + len / 2, &v));
	EXPECT_EQ(1UL, (uint64_t)pw_maps_count(self->win[0].dev));

	/* New mappings, read, write, populate, ptrace: ENODEV. */
	q = mmap(NULL, self->page, PROT_READ, MAP_SHARED, self->fd, 0);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, pread(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, pwrite(self->fd, buf, sizeof(buf), 0));
	EXPECT_EQ(ENODEV, errno);
	r.addr = (uintptr_t)p;
	r.len = len;
	EXPECT_EQ(-1, ioctl(self->fd, PHYSWIN_IOC_POPULATE, &r));
	EXPECT_EQ(ENODEV, errno);
	mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, mem);
	EXPECT_EQ(-1, pread(mem, &v, sizeof(v), (uintptr_t)p));
	close(mem);

	/* Opening still works, so users can wait for the window. */
	fd2 = open(self->win[0].dev, O_RDWR | O_CLOEXEC);
	EXPECT_LE(0, fd2);
	if (fd2 >= 0)
		close(fd2);

	/* Restored: the same VMA faults in again and the data is there. */
	ASSERT_EQ(0, pw_set_enabled(0, 1));
	faults = pw_get(0, "faults");
	ASSERT_EQ(1, try_read(p, &v));
	EXPECT_EQ(self->seed, v);
	ASSERT_EQ(1, try_read(p + len - 8, &v));
	EXPECT_EQ(~self->seed, v);
	EXPECT_LT(faults, pw_get(0, "faults"));
	ASSERT_EQ(0, munmap(p, len));
}

/*
 * Every mapping of the window is revoked: another process's, and one made
 * through a second device node for the same window.
 */
TEST_F(revoke, every_process_every_node)
{
	int to_child[2], to_parent[2], fd2, status;
	size_t len = 16 * self->page;
	char node[] = "/tmp/physwin-revoke-XXXXXX";
	struct stat st;
	char *p, c = 0;
	uint64_t v;
	pid_t pid;

	ASSERT_EQ(0, fstat(self->fd, &st));
	ASSERT_NE(NULL, mkdtemp(node));
	strcat(node, "/node");
	ASSERT_EQ(0, mknod(node, S_IFCHR | 0600, st.st_rdev));
	fd2 = open(node, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(1, try_read(p, &v));

	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *cp = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd, 0);

		if (cp == MAP_FAILED || !try_read(cp, &v))
			_exit(10);
		if (write(to_parent[1], &c, 1) != 1 ||
		    read(to_child[0], &c, 1) != 1)
			_exit(11);
		/* Revoked while we held it: both mappings raise SIGBUS. */
		if (try_read(cp + self->page, &v) || try_read(p, &v))
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	ASSERT_EQ(0, pw_set_enabled(0, 0));
	EXPECT_EQ(0, try_read(p + self->page, &v));
	ASSERT_EQ(1, write(to_child[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	ASSERT_EQ(0, pw_set_enabled(0, 1));
	EXPECT_EQ(1, try_read(p + self->page, &v));
	ASSERT_EQ(0, munmap(p, len));
	close(fd2);
	unlink(node);
	*strrchr(node, '/') = '\0';
	rmdir(node);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

struct racer {
	int fd;
	size_t len;
	size_t page;
	volatile int *stop;
	unsigned long reads, bus;
	int failed;
};

/* Map, touch every page (SIGBUS is fine while revoked), unmap; repeat. */
static void *race_faults(void *arg)
{
	struct racer *r = arg;
	uint64_t v;
	size_t off;
	char *p;

	while (!*r->stop) {
		p = mmap(NULL, r->len, PROT_READ, MAP_SHARED, r->fd, 0);
		if (p == MAP_FAILED) {
			/* mmap of a revoked window is ENODEV, nothing else. */
			if (errno != ENODEV)
				r->failed = errno;
			continue;
		}
		for (off = 0; off < r->len; off += r->page) {
			if (try_read(p + off, &v))
				r->reads++;
			else
				r->bus++;
		}
		if (munmap(p, r->len))
			r->failed = errno;
	}
	return NULL;
}

/* Revoking and restoring under 8 faulting threads: no crash, exact count. */
TEST_F(revoke, under_load)
{
	struct racer racers[NR_THREADS];
	pthread_t threads[NR_THREADS];
	volatile int stop = 0;
	unsigned long reads = 0, bus = 0;
	uint64_t mappings;
	int i;

	mappings = pw_get(0, "mappings");
	for (i = 0; i < NR_THREADS; i++) {
		racers[i] = (struct racer){
			.fd = self->fd, .len = 32 * self->page,
			.page = self->page, .stop = &stop,
		};
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, race_faults,
					    &racers[i]));
	}
	for (i = 0; i < FLIPS; i++) {
		ASSERT_EQ(0, pw_set_enabled(0, i & 1));
		usleep(1000);
	}
	ASSERT_EQ(0, pw_set_enabled(0, 1));
	stop = 1;
	for (i = 0; i < NR_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(threads[i], NULL));
		EXPECT_EQ(0, racers[i].failed);
		reads += racers[i].reads;
		bus += racers[i].bus;
	}
	TH_LOG("%lu reads, %lu SIGBUS over %d flips", reads, bus, FLIPS);
	EXPECT_LT(0UL, reads);
	EXPECT_EQ(mappings, pw_get(0, "mappings"));
}

/* Anything but a boolean is refused; the state does not change. */
TEST_F(revoke, bad_values)
{
	static const char * const bad[] = { "2", "-1", "maybe", "\n" };
	unsigned int i;
	char path[128];
	uint64_t v;
	int fd;

	snprintf(path, sizeof(path), PW_CLASS_DIR "/physwin0/enabled");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		ASSERT_LE(0, fd);
		EXPECT_EQ(-1, write(fd, bad[i], strlen(bad[i])));
		EXPECT_EQ(EINVAL, errno);
		close(fd);
	}
	ASSERT_EQ(0, pw_attr_u64(0, "enabled", &v));
	EXPECT_EQ(1UL, v);
}

TEST_HARNESS_MAIN
