// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: PHYSWIN_IOC_POPULATE maps a range of the caller's own mapping
 * now, through the same fault code, so that touching it later takes no
 * fault. The range must lie inside one physwin mapping of the same window.
 *
 * "No fault" is counted the way the CPU sees it: the process's own page
 * faults (getrusage), whatever handled them, so that a page populate left
 * unmapped, or mapped read-only under a write, cannot hide.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <linux/physwin.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

FIXTURE(populate)
{
	PW_FIXTURE_BASE;
	struct pw_saved_params saved;
};

FIXTURE_SETUP(populate)
{
	PW_SETUP_BASE();
	if (pw_params_save(&self->saved))
		PW_SETUP_SKIP("this physwin has no fault_around parameter");
	/* One page per fault, so that counts say exactly what was mapped. */
	ASSERT_EQ(0, pw_param_set("fault_around", "4K"));
	PW_SETUP_OPEN();
}

FIXTURE_TEARDOWN(populate)
{
	if (self->fd >= 0)
		close(self->fd);
	pw_params_restore(&self->saved);
	pw_set_enabled(0, 1);
}

static int populate(int fd, const void *addr, uint64_t len)
{
	struct physwin_range r = { .addr = (uintptr_t)addr, .len = len };

	return ioctl(fd, PHYSWIN_IOC_POPULATE, &r) ? -errno : 0;
}

/* Page faults the process has taken so far. */
static long faults_taken(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return ru.ru_minflt + ru.ru_majflt;
}

/*
 * Read, then write back, every page of [p, p + len): the page faults that
 * took. The loop touches nothing but the range.
 */
static long touch_faults(char *p, size_t len, size_t page)
{
	long before;
	size_t off;

	faults_taken();
	before = faults_taken();
	for (off = 0; off < len; off += page)
		pw_wr(p + off, pw_rd(p + off));
	return faults_taken() - before;
}

/* A 2 MiB aligned mapping of @len at the window's start. */
static char *map_aligned(int fd, size_t len)
{
	return pw_map_aligned(fd, 0, len, PW_2M, 0);
}

/* After a populate, touching the range adds no faults. */
TEST_F(populate, then_no_faults)
{
	size_t len = 256 * self->page, off;
	uint64_t before, populated;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);

	before = pw_get(0, "faults");
	ASSERT_EQ(0, populate(self->fd, p, len));
	populated = pw_get(0, "faults");
	EXPECT_LE(1UL, populated - before);

	for (off = 0; off < len; off += self->page)
		pw_wr(p + off, off);
	EXPECT_EQ(populated, pw_get(0, "faults"));
	ASSERT_EQ(0, munmap(p, len));
}

/* Only the range is mapped; a length is rounded up to whole pages. */
TEST_F(populate, only_the_range)
{
	size_t len = 64 * self->page;
	uint64_t before;
	char *p;

	p = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);

	before = pw_get(0, "faults");
	ASSERT_EQ(0, populate(self->fd, p + 16 * self->page,
			      15 * self->page + 1));
	EXPECT_EQ(16UL, pw_get(0, "faults") - before);

	before = pw_get(0, "faults");
	pw_rd(p + 16 * self->page);
	pw_rd(p + 31 * self->page);
	EXPECT_EQ(0UL, pw_get(0, "faults") - before);
	pw_rd(p + 32 * self->page);
	EXPECT_EQ(1UL, pw_get(0, "faults") - before);
	ASSERT_EQ(0, munmap(p, len));
}

/* With fault-around, populate takes one fault per block. */
TEST_F(populate, uses_fault_around)
{
	size_t len = PW_2M;
	uint64_t before;
	char *p;

	ASSERT_EQ(0, pw_param_set("fault_around", "64K"));
	p = pw_map_aligned(self->fd, self->page, len, PW_2M, 0);
	ASSERT_NE(MAP_FAILED, p);
	before = pw_get(0, "faults");
	ASSERT_EQ(0, populate(self->fd, p, len));
	EXPECT_EQ(len / 65536, pw_get(0, "faults") - before);
	ASSERT_EQ(0, munmap(p, len));
}

/*
 * Pages mapped before, by smaller fault-around blocks, do not stop populate
 * at the block they are in: every other page is mapped too.
 */
TEST_F(populate, after_smaller_blocks)
{
	size_t len = 2 * PW_2M, page = self->page;
	static const size_t touched[] = { 0, 1, 7, 100, 511, 513, 1000 };
	unsigned int i;
	uint64_t before;
	char *p;

	/* Small entries only: a huge one would cover the touched pages. */
	pw_param_set("huge", "N");
	p = map_aligned(self->fd, len);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < ARRAY_SIZE(touched); i++)
		pw_rd(p + touched[i] * page);
	ASSERT_EQ(0, pw_param_set("fault_around", "64K"));
	ASSERT_EQ(0, populate(self->fd, p, len));

	before = pw_get(0, "faults");
	EXPECT_EQ(0, touch_faults(p, len, page));
	EXPECT_EQ(before, pw_get(0, "faults"));
	ASSERT_EQ(0, munmap(p, len));
}

/*
 * Where the kernel refuses huge entries (MADV_NOHUGEPAGE), populate maps
 * every page with small ones instead of skipping what one huge entry
 * would have covered.
 */
TEST_F(populate, nohugepage)
{
	size_t len = 2 * PW_2M;
	char *p;

	pw_param_set("huge", "Y");
	ASSERT_EQ(0, pw_param_set("fault_around", "64K"));
	p = map_aligned(self->fd, len);
	ASSERT_NE(MAP_FAILED, p);
	/* Without THP (PREEMPT_RT 6.12) there is nothing to refuse: EINVAL. */
	if (madvise(p, len, MADV_NOHUGEPAGE))
		ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, populate(self->fd, p, len));
	EXPECT_EQ(0, touch_faults(p, len, self->page));
	ASSERT_EQ(0, munmap(p, len));
}

/* The same with THP turned off for the whole process (prctl). */
TEST_F(populate, thp_disabled)
{
	size_t len = 2 * PW_2M;
	pid_t pid;

	pw_param_set("huge", "Y");
	ASSERT_EQ(0, pw_param_set("fault_around", "64K"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *p;

		if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
			_exit(2);
		p = map_aligned(self->fd, len);
		if (p == MAP_FAILED)
			_exit(3);
		if (populate(self->fd, p, len))
			_exit(4);
		_exit(touch_faults(p, len, self->page) ? 1 : 0);
	}
	EXPECT_EQ(0, pw_wait(pid));
}

/*
 * Writes take no fault either: populate maps a writable mapping for
 * writing, also where it was mapped read-only before an mprotect.
 */
TEST_F(populate, writes_take_no_fault)
{
	size_t len = 2 * PW_2M;
	char *p;

	pw_param_set("huge", "Y");
	p = map_aligned(self->fd, len);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p, len, PROT_READ));
	ASSERT_EQ(0, populate(self->fd, p, len));
	ASSERT_EQ(0, mprotect(p, len, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, populate(self->fd, p, len));
	EXPECT_EQ(0, touch_faults(p, len, self->page));

	/* Huge entries off: small entries, every one writable. */
	ASSERT_EQ(0, munmap(p, len));
	pw_param_set("huge", "N");
	p = map_aligned(self->fd, len);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, populate(self->fd, p, len));
	EXPECT_EQ(0, touch_faults(p, len, self->page));
	ASSERT_EQ(0, munmap(p, len));
}

/* Populating what is already mapped maps nothing and takes no fault. */
TEST_F(populate, twice)
{
	size_t len = PW_2M;
	uint64_t before;
	char *p;

	p = map_aligned(self->fd, len);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, populate(self->fd, p, len));
	before = pw_get(0, "faults");
	ASSERT_EQ(0, populate(self->fd, p, len));
	EXPECT_EQ(before, pw_get(0, "faults"));
	EXPECT_EQ(0, touch_faults(p, len, self->page));
	ASSERT_EQ(0, munmap(p, len));
}

/* A revoked window is ENODEV, before populate starts and while it runs. */
static void *revoke_soon(void *arg)
{
	usleep(*(unsigned int *)arg);
	pw_set_enabled(0, 0);
	return NULL;
}

TEST_F(populate, revoked)
{
	size_t len = self->win[0].size < 32UL << 20 ? self->win[0].size :
		     32UL << 20;
	unsigned int delay, runs, midway = 0;
	pthread_t thread;
	int ret;
	char *p;

	pw_param_set("huge", "N");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);

	ASSERT_EQ(0, pw_set_enabled(0, 0));
	EXPECT_EQ(-ENODEV, populate(self->fd, p, len));
	ASSERT_EQ(0, pw_set_enabled(0, 1));

	/* One page a fault: slow enough for a revocation to land inside. */
	for (runs = 0, delay = 100; runs < 40 && midway < 3; runs++) {
		ASSERT_EQ(0, pthread_create(&thread, NULL, revoke_soon,
					    &delay));
		ret = populate(self->fd, p, len);
		pthread_join(thread, NULL);
		EXPECT_TRUE(ret == 0 || ret == -ENODEV)
			TH_LOG("populate under revocation: %s", strerror(-ret));
		if (ret == -ENODEV)
			midway++;
		else
			delay = delay * 3 / 4;
		ASSERT_EQ(0, pw_set_enabled(0, 1));
	}
	TH_LOG("%u of %u populates revoked while running", midway, runs);
	EXPECT_LT(0U, midway);
	ASSERT_EQ(0, munmap(p, len));
}

/*
 * A revocation and a restore while populate runs: the revocation zapped
 * what populate had mapped, so it must fail with ENODEV, never return 0
 * with pages missing, nor EFAULT. Populate runs on CPU 0; once it is a
 * quarter done, a SCHED_FIFO thread wakes there and takes the CPU from it
 * (at most 200 ms), while the other CPU revokes and restores the window.
 * Populate then runs on, and a populate that looked only at "enabled"
 * finds it set again.
 */
struct midway {
	uint64_t start;		/* the window's faults before populate */
	uint64_t pages;		/* how many it maps, one a fault */
	int wake[2];		/* a pipe that starts the busy thread */
	volatile int stop;	/* the busy thread stops */
	volatile int done;	/* populate returned */
	int cycled;		/* revoked and restored before it had mapped all */
};

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *busy(void *arg)
{
	struct sched_param fifo = { .sched_priority = 1 };
	struct midway *m = arg;
	struct timespec t0, t;
	char c;

	pin(0);
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &fifo) ||
	    read(m->wake[0], &c, 1) != 1)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while (!m->stop && (t.tv_sec - t0.tv_sec) * 1000000000L +
			   t.tv_nsec - t0.tv_nsec < 200000000L);
	return NULL;
}

static void *cycle_midway(void *arg)
{
	struct midway *m = arg;
	uint64_t f;

	pin(1);
	while (!m->done) {
		if (pw_attr_u64(0, "faults", &f))
			break;
		if (f < m->start + m->pages / 4)
			continue;
		if (write(m->wake[1], "", 1) != 1)
			break;
		usleep(1000);
		pw_set_enabled(0, 0);
		pw_set_enabled(0, 1);
		if (!pw_attr_u64(0, "faults", &f) && f < m->start + m->pages)
			m->cycled = 1;
		break;
	}
	m->stop = 1;
	return NULL;
}

TEST_F(populate, revoke_and_restore_midway)
{
	size_t len = self->win[0].size < 32UL << 20 ? self->win[0].size :
		     32UL << 20;
	unsigned int runs, midway = 0;
	pthread_t hog, cycler;
	struct midway m;
	long faults;
	int ret;
	char *p;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	pw_param_set("huge", "N");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pin(0));

	for (runs = 0; runs < 20; runs++) {
		memset(&m, 0, sizeof(m));
		ASSERT_EQ(0, pipe(m.wake));
		m.pages = len / self->page;
		m.start = pw_get(0, "faults");
		ASSERT_EQ(0, pthread_create(&hog, NULL, busy, &m));
		ASSERT_EQ(0, pthread_create(&cycler, NULL, cycle_midway, &m));
		ret = populate(self->fd, p, len);
		m.done = 1;
		pthread_join(cycler, NULL);
		close(m.wake[1]);
		pthread_join(hog, NULL);
		close(m.wake[0]);
		EXPECT_TRUE(ret == 0 || ret == -ENODEV)
			TH_LOG("populate across a revoke and restore: %s",
			       strerror(-ret));
		if (!m.cycled)
			continue;
		midway++;
		faults = touch_faults(p, len, self->page);
		EXPECT_EQ(-ENODEV, ret)
			TH_LOG("revoked midway, populate gave %d: %ld unmapped",
			       ret, faults);
		/* Unmap what a later run must fault in again. */
		ASSERT_EQ(0, pw_set_enabled(0, 0));
		ASSERT_EQ(0, pw_set_enabled(0, 1));
	}
	TH_LOG("%u of %u populates revoked and restored midway", midway, runs);
	EXPECT_LT(0U, midway);
	ASSERT_EQ(0, munmap(p, len));
}

/* A mapping that cannot be accessed is not one to populate. */
TEST_F(populate, prot_none)
{
	size_t len = 16 * self->page;
	char *p;

	p = mmap(NULL, len, PROT_NONE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EINVAL, populate(self->fd, p, len));
	ASSERT_EQ(0, munmap(p, len));
}

/* Anything but a range inside one mapping of this window is EINVAL. */
TEST_F(populate, errors)
{
	size_t len = 16 * self->page;
	char *p, *anon;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	anon = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);

	EXPECT_EQ(-EINVAL, populate(self->fd, p, 0));
	EXPECT_EQ(-EINVAL, populate(self->fd, p + 1, self->page));
	EXPECT_EQ(-EINVAL, populate(self->fd, p, len + self->page));
	EXPECT_EQ(-EINVAL, populate(self->fd, p - self->page, self->page));
	EXPECT_EQ(-EINVAL, populate(self->fd, anon, self->page));
	EXPECT_EQ(-EINVAL, populate(self->fd, NULL, self->page));
	EXPECT_EQ(-EINVAL, populate(self->fd, p, UINT64_MAX));
	EXPECT_EQ(-EINVAL, populate(self->fd, (void *)-4096L, 4096));

	/* Two VMAs after a split are two mappings. */
	ASSERT_EQ(0, munmap(p + 8 * self->page, self->page));
	EXPECT_EQ(-EINVAL, populate(self->fd, p, len));
	EXPECT_EQ(0, populate(self->fd, p, 8 * self->page));

	EXPECT_EQ(-1, ioctl(self->fd, PHYSWIN_IOC_POPULATE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(PHYSWIN_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);

	munmap(p, 8 * self->page);
	munmap(p + 9 * self->page, len - 9 * self->page);
	munmap(anon, len);
}

/* A mapping of another window is not this window's to populate. */
TEST_F(populate, other_window)
{
	size_t len = 4 * self->page;
	int fd1;
	char *p;

	if (self->nr < 2)
		SKIP(return, "needs two windows");
	fd1 = open(self->win[1].dev, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd1);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd1, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EINVAL, populate(self->fd, p, len));
	EXPECT_EQ(0, populate(fd1, p, len));
	ASSERT_EQ(0, munmap(p, len));
	close(fd1);
}

TEST_HARNESS_MAIN
