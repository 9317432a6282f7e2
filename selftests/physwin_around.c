// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: fault-around. An order-0 fault maps the aligned block of
 * fault_around bytes around the address, clipped to the VMA, so that a
 * sequential sweep of N pages takes N / (fault_around / page size) faults.
 * The parameter can be changed at runtime and applies to the next fault.
 * fault_around=auto, the default, grows the block while faults are
 * sequential, forwards or backwards (one or two pages after the run the
 * faults before them mapped on this CPU), and maps one page otherwise.
 *
 * Huge entries are turned off here (where the kernel has them) so that the
 * counts are those of fault-around alone; physwin_huge covers them.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

FIXTURE(around)
{
	PW_FIXTURE_BASE;
	struct pw_saved_params saved;
};

FIXTURE_SETUP(around)
{
	cpu_set_t cpus;

	/*
	 * auto keeps its sweep hint per CPU: stay on one, so that the
	 * scheduler moving the test does not start a sweep over.
	 */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu(), &cpus);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpus), &cpus));
	PW_SETUP_BASE();
	if (pw_params_save(&self->saved))
		PW_SETUP_SKIP("this physwin has no fault_around parameter");
	ASSERT_EQ(0, pw_param_set("huge", "N"));
	if (self->win[0].size < PW_2M * 2)
		PW_SETUP_SKIP("physwin0 is smaller than 4 MiB");
	PW_SETUP_OPEN();
}

FIXTURE_TEARDOWN(around)
{
	if (self->fd >= 0)
		close(self->fd);
	pw_params_restore(&self->saved);
}

/* Read every page of [p, p + len) in order. */
static void sweep(const char *p, size_t len, size_t page)
{
	size_t off;

	for (off = 0; off < len; off += page)
		pw_rd(p + off);
}

/*
 * A sequential sweep takes exactly one fault per fault-around block, and
 * the faults map every page once (fault_pages).
 */
TEST_F(around, one_fault_per_block)
{
	static const struct {
		const char *param;
		size_t bytes;
	} sizes[] = {
		{ "4K", 4096 }, { "16K", 16384 }, { "64K", 65536 },
		{ "256K", 262144 }, { "2M", PW_2M },
	};
	size_t len = PW_2M * 2;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint64_t before, pages;
		char *p;

		ASSERT_EQ(0, pw_param_set("fault_around", sizes[i].param));
		p = pw_map_aligned(self->fd, 0, len, PW_2M, 0);
		ASSERT_NE(MAP_FAILED, p);
		before = pw_get(0, "faults");
		pages = pw_get(0, "fault_pages");
		sweep(p, len, self->page);
		EXPECT_EQ(len / sizes[i].bytes, pw_get(0, "faults") - before)
			TH_LOG("fault_around=%s", sizes[i].param);
		EXPECT_EQ(len / self->page, pw_get(0, "fault_pages") - pages)
			TH_LOG("fault_around=%s", sizes[i].param);
		ASSERT_EQ(0, munmap(p, len));
	}
}

/*
 * Blocks are aligned in the address space and clipped to the VMA: a
 * mapping that starts one page past a block boundary and spans two
 * blocks takes two faults, the first of which maps one page less.
 */
TEST_F(around, clipped_to_the_vma)
{
	size_t block = 65536, len = block;
	uint64_t before;
	char *p;

	ASSERT_EQ(0, pw_param_set("fault_around", "64K"));
	p = pw_map_aligned(self->fd, 0, len, block, self->page);
	ASSERT_NE(MAP_FAILED, p);
	before = pw_get(0, "faults");
	pw_rd(p);
	EXPECT_EQ(1UL, pw_get(0, "faults") - before);
	/* The rest of the first block came with the first fault... */
	sweep(p, block - self->page, self->page);
	EXPECT_EQ(1UL, pw_get(0, "faults") - before);
	/* ...and the last page is in the next block. */
	pw_rd(p + len - self->page);
	EXPECT_EQ(2UL, pw_get(0, "faults") - before);
	ASSERT_EQ(0, munmap(p, len));
}

/* A block never maps past the end of the window. */
TEST_F(around, clipped_to_the_window)
{
	size_t len = 4 * self->page;
	uint64_t off = self->win[0].size - len;
	char *p;

	ASSERT_EQ(0, pw_param_set("fault_around", "2M"));
	p = pw_map_aligned(self->fd, off, len, PW_2M, 0);
	ASSERT_NE(MAP_FAILED, p);
	pw_wr(p + len - 8, 0x5a5a5a5a5a5a5a5aULL);
	pw_mb();
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, pw_rd(p + len - 8));
	EXPECT_EQ(1, pw_maps_count(self->win[0].dev));
	ASSERT_EQ(0, munmap(p, len));
}

/*
 * mmap(NULL) lines the mapping up with fault-around blocks by itself, so a
 * sweep takes exactly len / fault_around faults, not one more.
 */
TEST_F(around, mmap_null_is_aligned)
{
	size_t len = PW_2M;
	uint64_t before;
	char *p;

	if (self->win[0].base % PW_2M)
		SKIP(return, "physwin0 is not 2 MiB aligned");
	ASSERT_EQ(0, pw_param_set("fault_around", "64K"));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0UL, (uintptr_t)p % 65536)
		TH_LOG("mmap(NULL) gave %p", p);
	before = pw_get(0, "faults");
	sweep(p, len, self->page);
	EXPECT_EQ(len / 65536, pw_get(0, "faults") - before);
	ASSERT_EQ(0, munmap(p, len));
}

/* A new value applies to the next fault, without remapping. */
TEST_F(around, runtime_change)
{
	size_t len = PW_2M;
	uint64_t before;
	char *p;

	ASSERT_EQ(0, pw_param_set("fault_around", "4K"));
	p = pw_map_aligned(self->fd, 0, len, PW_2M, 0);
	ASSERT_NE(MAP_FAILED, p);

	before = pw_get(0, "faults");
	sweep(p, 16 * self->page, self->page);
	EXPECT_EQ(16UL, pw_get(0, "faults") - before);

	ASSERT_EQ(0, pw_param_set("fault_around", "1M"));
	before = pw_get(0, "faults");
	sweep(p + len / 2, len / 2, self->page);
	EXPECT_EQ(1UL, pw_get(0, "faults") - before);
	ASSERT_EQ(0, munmap(p, len));
}

/* Values that are not a power of two from 4K to 2M are refused. */
TEST_F(around, bad_values)
{
	static const char * const bad[] = {
		"0", "1", "2048", "3K", "96K", "4M", "1G", "-64K", "64Q",
		"abc", "\n", "0x", "99999999999999999999",
	};
	char now[32];
	unsigned int i;

	ASSERT_EQ(0, pw_param_set("fault_around", "128K"));
	ASSERT_EQ(0, pw_param_get("fault_around", now, sizeof(now)));
	EXPECT_STREQ("131072", now);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, pw_param_set("fault_around", bad[i]))
			TH_LOG("fault_around=\"%s\" was accepted", bad[i]);
		ASSERT_EQ(0, pw_param_get("fault_around", now, sizeof(now)));
		EXPECT_STREQ("131072", now);
	}

	ASSERT_EQ(0, pw_param_set("fault_around", "0x10000"));
	ASSERT_EQ(0, pw_param_get("fault_around", now, sizeof(now)));
	EXPECT_STREQ("65536", now);
}

/*
 * fault_around=auto: the faults taken by touching every @step bytes of a
 * fresh mapping of one aligned page table of physwin0, first page to last
 * or, if @backwards, last to first.
 */
static uint64_t auto_faults(struct __test_metadata *_metadata, int fd,
			    size_t step, bool backwards)
{
	size_t len = PW_2M, i, n = PW_2M / step;
	uint64_t before, faults;
	char *p;

	ASSERT_EQ(0, pw_param_set("fault_around", "auto"));
	p = pw_map_aligned(fd, 0, len, PW_2M, 0);
	ASSERT_NE(MAP_FAILED, p);
	before = pw_get(0, "faults");
	for (i = 0; i < n; i++)
		pw_rd(p + (backwards ? n - 1 - i : i) * step);
	faults = pw_get(0, "faults") - before;
	EXPECT_EQ(0, munmap(p, len));
	return faults;
}

/*
 * auto: a sequential sweep of a page table, forwards or backwards, takes
 * at most 8 faults (6 when the mapping is aligned), where 4K would take
 * 512 and 64K 32.
 */
TEST_F(around, auto_sequential_sweep)
{
	uint64_t faults = auto_faults(_metadata, self->fd, self->page, false);

	EXPECT_GE(8UL, faults) TH_LOG("forwards: %llu faults",
				      (unsigned long long)faults);
	faults = auto_faults(_metadata, self->fd, self->page, true);
	EXPECT_GE(8UL, faults) TH_LOG("backwards: %llu faults",
				      (unsigned long long)faults);
}

/*
 * auto: touching 1% of the pages of the window at random maps at most two
 * pages per page touched (64K maps 16), as fault_pages counts too. The pages mapped are
 * counted afterwards with fault_around pinned to one page: a sweep then
 * takes one fault per page that was not.
 */
TEST_F(around, auto_random_sparse)
{
	size_t len = self->win[0].size < 32 * PW_2M ? self->win[0].size :
		     32 * PW_2M;
	size_t pages = len / self->page, touched = 0, mapped, i;
	uint64_t x = self->seed | 1, before, counted;
	char *p, *seen;

	ASSERT_EQ(0, pw_param_set("fault_around", "auto"));
	p = pw_map_aligned(self->fd, 0, len, PW_2M, 0);
	ASSERT_NE(MAP_FAILED, p);
	counted = pw_get(0, "fault_pages");
	seen = calloc(pages, 1);
	ASSERT_NE(NULL, seen);
	while (touched < pages / 100) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = x % pages;
		if (seen[i])
			continue;
		seen[i] = 1;
		touched++;
		pw_rd(p + i * self->page);
	}
	free(seen);
	counted = pw_get(0, "fault_pages") - counted;

	ASSERT_EQ(0, pw_param_set("fault_around", "4K"));
	before = pw_get(0, "faults");
	sweep(p, len, self->page);
	mapped = pages - (pw_get(0, "faults") - before);
	TH_LOG("%zu pages touched at random, %zu mapped", touched, mapped);
	EXPECT_LE(touched, mapped);
	EXPECT_GE(2 * touched, mapped);
	EXPECT_EQ(mapped, counted);
	ASSERT_EQ(0, munmap(p, len));
}

/*
 * auto: a sweep that touches every other page of a page table (one of
 * two threads sharing a sweep) is a sweep too: at most 8 faults, where
 * a fault per page touched would be 256. The blocks it maps hold the
 * pages in between, so the other thread would find them mapped.
 */
TEST_F(around, auto_every_other_page)
{
	uint64_t faults = auto_faults(_metadata, self->fd, 2 * self->page,
				      false);

	EXPECT_GE(8UL, faults) TH_LOG("%llu faults",
				      (unsigned long long)faults);
}

/*
 * auto: touching every 16th page is no sweep: each touch maps its own
 * page and nothing else.
 */
TEST_F(around, auto_strided)
{
	size_t len = PW_2M, off, touched = 0;
	uint64_t before, pages;
	char *p;

	ASSERT_EQ(0, pw_param_set("fault_around", "auto"));
	p = pw_map_aligned(self->fd, 0, len, PW_2M, 0);
	ASSERT_NE(MAP_FAILED, p);
	before = pw_get(0, "faults");
	pages = pw_get(0, "fault_pages");
	for (off = 0; off < len; off += 16 * self->page, touched++)
		pw_rd(p + off);
	EXPECT_EQ(touched, pw_get(0, "faults") - before);
	EXPECT_EQ(touched, pw_get(0, "fault_pages") - pages);
	ASSERT_EQ(0, munmap(p, len));
}

/* auto reads back as auto; a size written after it reads back as bytes. */
TEST_F(around, auto_reads_back)
{
	char now[32];

	ASSERT_EQ(0, pw_param_set("fault_around", "auto"));
	ASSERT_EQ(0, pw_param_get("fault_around", now, sizeof(now)));
	EXPECT_STREQ("auto", now);
	ASSERT_EQ(0, pw_param_set("fault_around", "16K"));
	ASSERT_EQ(0, pw_param_get("fault_around", now, sizeof(now)));
	EXPECT_STREQ("16384", now);
	EXPECT_EQ(-EINVAL, pw_param_set("fault_around", "autox"));
	ASSERT_EQ(0, pw_param_get("fault_around", now, sizeof(now)));
	EXPECT_STREQ("16384", now);
}

TEST_HARNESS_MAIN
