// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: faults of several threads on the same PMD while huge= flips,
 * the races an order-0 fault and a huge fault of the same block can run.
 *
 * - An order-0 fault that fell back (huge was N) and a huge fault of
 *   another thread (huge is Y now) on the same empty PMD: the leaf lands
 *   first, and vmf_insert_pfn() finds no page table for the order-0
 *   fault's page. That is not an error: the page is mapped. The kernel
 *   logs "VM_FAULT_OOM leaked out to the #PF handler" for a touch that
 *   got one, and PHYSWIN_IOC_POPULATE fails with ENOMEM.
 * - Two write faults on a read-only leaf (soft-dirty tracking makes them
 *   read-only): one falls back (huge is N now) and the kernel splits the
 *   leaf, while the other, which saw it, asks vmf_insert_pfn_pmd() to make
 *   it writable and finds a page table: a kernel WARNING.
 *
 * Each test runs for PHYSWIN_RACE_SECONDS (default 10) and stops at the
 * first failure: a populate error, or a complaint in the kernel log
 * (/dev/kmsg, read from where the test started). The PMD size is the
 * kernel's (hpage_pmd_size), never a constant.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/physwin.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

#define PMD_SIZE_FILE	"/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"
#define MAX_BLOCKS	32

/* What the kernel log must not say while the threads run. */
static const char * const complaints[] = {
	"leaked out", "WARNING:", "BUG:", "Oops", "bad pmd", "bad pte",
};

FIXTURE(race)
{
	PW_FIXTURE_BASE;
	struct pw_saved_params saved;
	uint64_t pmd;
	size_t blocks;
	int kmsg;
};

FIXTURE_SETUP(race)
{
	char buf[32];

	self->kmsg = -1;
	PW_SETUP_BASE();
	if (pw_params_save(&self->saved) || !self->saved.huge[0])
		PW_SETUP_SKIP("this physwin has no huge parameter");
	if (pw_param_set("huge", "Y"))
		PW_SETUP_SKIP("this kernel cannot map huge PFN entries (huge=Y refused)");
	if (pw_read_file(PMD_SIZE_FILE, buf, sizeof(buf)) ||
	    pw_parse_u64(buf, &self->pmd) || !self->pmd)
		PW_SETUP_SKIP("no %s", PMD_SIZE_FILE);
	self->blocks = self->win[0].size / self->pmd;
	if (self->blocks > MAX_BLOCKS)
		self->blocks = MAX_BLOCKS;
	if (self->blocks < 2 || self->win[0].base % self->pmd)
		PW_SETUP_SKIP("physwin0 must be PMD aligned and two PMDs long");
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->kmsg);
	ASSERT_LE(0, lseek(self->kmsg, 0, SEEK_END));
	PW_SETUP_OPEN();
}

FIXTURE_TEARDOWN(race)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->kmsg >= 0)
		close(self->kmsg);
	pw_params_restore(&self->saved);
}

/* The first complaint the kernel logged since the last call, or NULL. */
static const char *kernel_complaint(int kmsg, char *rec, size_t len)
{
	ssize_t n;
	size_t i;

	while ((n = read(kmsg, rec, len - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n < 0)
			continue;	/* records were overwritten */
		rec[n] = '\0';
		for (i = 0; i < ARRAY_SIZE(complaints); i++)
			if (strstr(rec, complaints[i]))
				return strchr(rec, ';') ? strchr(rec, ';') + 1 : rec;
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double race_seconds(void)
{
	const char *s = getenv("PHYSWIN_RACE_SECONDS");

	return s && atof(s) > 0 ? atof(s) : 10;
}

/* One round of the threads: a fresh mapping, and who does what to it. */
struct round {
	pthread_barrier_t start, done;
	int fd;
	char *map;
	uint64_t pmd;
	size_t blocks;
	int write;		/* the toucher writes */
	volatile int stop;
	volatile int flip_stop;
	int populate_err;	/* the first errno populate gave */
};

/* Flip huge between Y and N as fast as sysfs takes it. */
static void *flipper(void *arg)
{
	struct round *r = arg;
	int fd = open(PW_PARAM_DIR "/huge", O_WRONLY | O_CLOEXEC);
	unsigned long i;

	if (fd < 0)
		return NULL;
	for (i = 0; !r->flip_stop; i++)
		if (pwrite(fd, i & 1 ? "N" : "Y", 1, 0) < 0)
			break;
	close(fd);
	return NULL;
}

/*
 * Read (or, with @r->write, write) the first page of each block, in step
 * with the test's own thread, round after round.
 */
static void *toucher(void *arg)
{
	struct round *r = arg;
	size_t b;

	for (;;) {
		pthread_barrier_wait(&r->start);
		if (r->stop)
			return NULL;
		for (b = 0; b < r->blocks; b++) {
			if (r->write)
				pw_wr(r->map + b * r->pmd, b);
			else
				pw_rd(r->map + b * r->pmd);
		}
		pthread_barrier_wait(&r->done);
	}
}

/* Populate each block's first page, in step with the toucher. */
static void populate_blocks(struct round *r)
{
	struct physwin_range range;
	size_t b;

	for (b = 0; b < r->blocks; b++) {
		range.addr = (uintptr_t)(r->map + b * r->pmd);
		range.len = getpagesize();
		if (ioctl(r->fd, PHYSWIN_IOC_POPULATE, &range) &&
		    !r->populate_err)
			r->populate_err = errno;
	}
}

TEST_F(race, order0_vs_huge_insert)
{
	size_t len = self->blocks * self->pmd;
	double end = now() + race_seconds();
	struct round r = {
		.fd = self->fd, .pmd = self->pmd, .blocks = self->blocks,
	};
	pthread_t flip, touch;
	const char *why = NULL;
	unsigned long rounds = 0;
	char rec[1024];

	ASSERT_EQ(0, pthread_barrier_init(&r.start, NULL, 2));
	ASSERT_EQ(0, pthread_barrier_init(&r.done, NULL, 2));
	ASSERT_EQ(0, pthread_create(&flip, NULL, flipper, &r));
	ASSERT_EQ(0, pthread_create(&touch, NULL, toucher, &r));
	while (now() < end && !why && !r.populate_err) {
		r.map = pw_map_aligned(self->fd, 0, len, self->pmd, 0);
		if (r.map == MAP_FAILED)
			break;
		pthread_barrier_wait(&r.start);
		populate_blocks(&r);
		pthread_barrier_wait(&r.done);
		munmap(r.map, len);
		why = kernel_complaint(self->kmsg, rec, sizeof(rec));
		rounds++;
	}
	r.stop = 1;
	pthread_barrier_wait(&r.start);
	r.flip_stop = 1;
	pthread_join(touch, NULL);
	pthread_join(flip, NULL);
	ASSERT_NE(MAP_FAILED, r.map);
	TH_LOG("%lu rounds of %zu blocks", rounds, self->blocks);
	EXPECT_EQ(0, r.populate_err)
		TH_LOG("PHYSWIN_IOC_POPULATE failed: %s", strerror(r.populate_err));
	EXPECT_EQ(NULL, why)
		TH_LOG("kernel: %s", why);
}

TEST_F(race, write_upgrade_vs_fallback)
{
	size_t len = self->blocks * self->pmd, b;
	double end = now() + race_seconds();
	struct round r = {
		.fd = self->fd, .pmd = self->pmd, .blocks = self->blocks,
		.write = 1,
	};
	pthread_t flip, other;
	const char *why = NULL;
	unsigned long rounds = 0;
	uint64_t before;
	char rec[1024];

	if (access("/proc/self/clear_refs", W_OK))
		SKIP(return, "no /proc/self/clear_refs");
	/* Soft-dirty tracking must make a written leaf fault. */
	r.map = pw_map_aligned(self->fd, 0, self->pmd, self->pmd, 0);
	ASSERT_NE(MAP_FAILED, r.map);
	ASSERT_EQ(0, pw_write_file("/proc/self/clear_refs", "4"));
	pw_rd(r.map);
	before = pw_get(0, "faults");
	pw_wr(r.map, 1);
	munmap(r.map, self->pmd);
	if (pw_get(0, "faults") == before)
		SKIP(return, "no soft-dirty write tracking (clear_refs 4)");

	ASSERT_EQ(0, pthread_barrier_init(&r.start, NULL, 2));
	ASSERT_EQ(0, pthread_barrier_init(&r.done, NULL, 2));
	ASSERT_EQ(0, pthread_create(&other, NULL, toucher, &r));
	while (now() < end && !why) {
		r.map = pw_map_aligned(self->fd, 0, len, self->pmd, 0);
		if (r.map == MAP_FAILED)
			break;
		/* Read-only leaves: huge=Y, soft-dirty cleared, read faults. */
		ASSERT_EQ(0, pw_param_set("huge", "Y"));
		ASSERT_EQ(0, pw_write_file("/proc/self/clear_refs", "4"));
		for (b = 0; b < self->blocks; b++)
			pw_rd(r.map + b * self->pmd);
		r.flip_stop = 0;
		ASSERT_EQ(0, pthread_create(&flip, NULL, flipper, &r));
		pthread_barrier_wait(&r.start);
		for (b = 0; b < self->blocks; b++)
			pw_wr(r.map + b * self->pmd, b);
		pthread_barrier_wait(&r.done);
		r.flip_stop = 1;
		pthread_join(flip, NULL);
		for (b = 0; b < self->blocks; b++)
			EXPECT_EQ(b, pw_rd(r.map + b * self->pmd));
		munmap(r.map, len);
		why = kernel_complaint(self->kmsg, rec, sizeof(rec));
		rounds++;
	}
	r.stop = 1;
	pthread_barrier_wait(&r.start);
	pthread_join(other, NULL);
	ASSERT_NE(MAP_FAILED, r.map);
	TH_LOG("%lu rounds of %zu blocks", rounds, self->blocks);
	EXPECT_EQ(NULL, why)
		TH_LOG("kernel: %s", why);
}

TEST_HARNESS_MAIN
