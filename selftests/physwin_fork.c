// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: mappings across fork().
 *
 * A child inherits every physwin VMA (->open counts each copy in
 * "mappings") and sees the same device memory as its parent, whether the
 * parent had faulted the pages in or not. Children report through their
 * exit status: 0 when all was as expected, else the number of bad pages.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

#define NPAGES	16

FIXTURE(fork)
{
	PW_FIXTURE_BASE;
	size_t len;
	char *map;	/* window pages [0, NPAGES), shared, read-write */
};

FIXTURE_SETUP(fork)
{
	PW_SETUP_BASE();
	self->map = MAP_FAILED;
	self->len = NPAGES * self->page;
	if (self->win[0].size < self->len)
		PW_SETUP_SKIP("physwin0 is smaller than %d pages", NPAGES);
	PW_SETUP_OPEN();
	self->map = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->map) TH_LOG("mmap: %s", strerror(errno));
}

FIXTURE_TEARDOWN(fork)
{
	if (self->map != MAP_FAILED)
		munmap(self->map, self->len);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * Helpers take the fixture data as struct _test_data_fork, which is what
 * FIXTURE_DATA(fork) expands to, spelled out as other selftests do.
 *
 * Word @i of page @p of the fixture's mapping.
 */
static char *word(struct _test_data_fork *self, size_t p, size_t i)
{
	return self->map + p * self->page + i * 8;
}

/* Number of pages in [first, last) whose first two words are not @seed's. */
static int bad_pages(struct _test_data_fork *self, const char *map,
		     size_t first, size_t last, uint64_t seed)
{
	int bad = 0;
	size_t p;

	for (p = first; p < last; p++) {
		const char *w = map + p * self->page;

		if (pw_rd(w) != pw_pattern(seed, 2 * p) ||
		    pw_rd(w + 8) != pw_pattern(seed, 2 * p + 1))
			bad++;
	}
	return bad;
}

static void fill_pages(struct _test_data_fork *self, size_t first, size_t last,
		       uint64_t seed)
{
	size_t p;

	for (p = first; p < last; p++) {
		pw_wr(word(self, p, 0), pw_pattern(seed, 2 * p));
		pw_wr(word(self, p, 1), pw_pattern(seed, 2 * p + 1));
	}
	pw_mb();
}

TEST_F(fork, data_both_ways)
{
	uint64_t child_seed = self->seed + 1;
	pid_t pid;

	/* The parent faults in and writes pages 0-7 only. */
	fill_pages(self, 0, NPAGES / 2, self->seed);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int bad = bad_pages(self, self->map, 0, NPAGES / 2, self->seed);

		/* Pages the parent never touched, and one it did. */
		fill_pages(self, NPAGES / 2, NPAGES, child_seed);
		pw_wr(word(self, 0, 2), child_seed);
		pw_mb();
		_exit(bad);
	}
	ASSERT_EQ(0, pw_wait(pid)) TH_LOG("child read stale parent data");

	EXPECT_EQ(0, bad_pages(self, self->map, NPAGES / 2, NPAGES,
			       child_seed))
		TH_LOG("parent does not see the child's writes");
	EXPECT_EQ(child_seed, pw_rd(word(self, 0, 2)));
	EXPECT_EQ(0, bad_pages(self, self->map, 0, NPAGES / 2, self->seed));
}

TEST_F(fork, mappings_follow_child)
{
	int ready[2], hold[2];
	uint64_t base;
	char *second;
	char c;
	pid_t pid;

	/* Two VMAs of window 0 in this process: the fixture's and this one. */
	second = mmap(NULL, self->page, PROT_READ, MAP_SHARED, self->fd,
		      self->len);
	ASSERT_NE(MAP_FAILED, second);
	ASSERT_EQ(2, pw_maps_count(self->win[0].dev));
	base = pw_get(0, "mappings");

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(hold));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(ready[0]);
		close(hold[1]);
		/* Tell the parent we live, then wait until it lets us go. */
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		_exit(read(hold[0], &c, 1) == 0 ? 0 : 2);
	}
	close(ready[1]);
	close(hold[0]);

	ASSERT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ(base + 2, pw_get(0, "mappings"))
		TH_LOG("the child's two VMAs are not counted");

	close(hold[1]);
	ASSERT_EQ(0, pw_wait(pid));
	close(ready[0]);
	EXPECT_EQ(base, pw_get(0, "mappings"))
		TH_LOG("the child's VMAs outlived it");

	ASSERT_EQ(0, munmap(second, self->page));
	EXPECT_EQ(base - 1, pw_get(0, "mappings"));
}

TEST_F(fork, after_partial_fault)
{
	uint64_t faults;
	size_t p;
	pid_t pid;

	/* Write every page with pwrite(), fault in only the even ones. */
	for (p = 0; p < NPAGES; p++) {
		uint64_t w[2] = {
			pw_pattern(self->seed, 2 * p),
			pw_pattern(self->seed, 2 * p + 1),
		};

		ASSERT_EQ((ssize_t)sizeof(w),
			  pwrite(self->fd, w, sizeof(w), p * self->page));
	}
	faults = pw_get(0, "faults");
	for (p = 0; p < NPAGES; p += 2)
		(void)pw_rd(word(self, p, 0));
	EXPECT_LT(faults, pw_get(0, "faults"));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(bad_pages(self, self->map, 0, NPAGES, self->seed));
	EXPECT_EQ(0, pw_wait(pid))
		TH_LOG("child read wrong data (exit status = bad pages)");

	/* The parent's view is unchanged by the child's faults. */
	EXPECT_EQ(0, bad_pages(self, self->map, 0, NPAGES, self->seed));
}

TEST_F(fork, private_readonly)
{
	uint64_t base;
	char *priv;
	pid_t pid;

	fill_pages(self, 0, NPAGES, self->seed);
	priv = mmap(NULL, self->len, PROT_READ, MAP_PRIVATE, self->fd, 0);
	ASSERT_NE(MAP_FAILED, priv) TH_LOG("mmap: %s", strerror(errno));
	base = pw_get(0, "mappings");
	/* Half of it faulted in before the fork. */
	EXPECT_EQ(0, bad_pages(self, priv, 0, NPAGES / 2, self->seed));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(bad_pages(self, priv, 0, NPAGES, self->seed));
	EXPECT_EQ(0, pw_wait(pid));

	/*
	 * Device memory is never copied on write: a private mapping is a
	 * read-only view of the live window, in the parent and in a child.
	 */
	fill_pages(self, 0, NPAGES, self->seed + 1);
	EXPECT_EQ(0, bad_pages(self, priv, 0, NPAGES, self->seed + 1));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(bad_pages(self, priv, 0, NPAGES, self->seed + 1));
	EXPECT_EQ(0, pw_wait(pid));

	EXPECT_EQ(base, pw_get(0, "mappings"));
	ASSERT_EQ(0, munmap(priv, self->len));
	EXPECT_EQ(base - 1, pw_get(0, "mappings"));
}

/* A child's munmap() of its copy leaves the parent's mapping alone. */
TEST_F(fork, child_unmaps)
{
	uint64_t base;
	pid_t pid;

	fill_pages(self, 0, NPAGES, self->seed);
	base = pw_get(0, "mappings");

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t now;

		/* Our copy was counted, and goes with the munmap(). */
		if (munmap(self->map, self->len))
			_exit(100);
		if (pw_attr_u64(0, "mappings", &now))
			_exit(101);
		_exit(now == base ? 0 : 102);
	}
	EXPECT_EQ(0, pw_wait(pid));
	EXPECT_EQ(base, pw_get(0, "mappings"));
	EXPECT_EQ(0, bad_pages(self, self->map, 0, NPAGES, self->seed));
}

TEST_HARNESS_MAIN
