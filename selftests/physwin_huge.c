// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: huge PFN entries. Where the kernel can map them (6.12 and
 * later), a fault in a 2 MiB block that lies inside the VMA and the window,
 * at equally aligned virtual and physical addresses, maps the whole block
 * with one PMD. mmap(NULL, ...) picks such an address by itself. Elsewhere
 * the fault falls back to fault-around. Fork, munmap of part of a huge
 * entry, mremap and /proc/PID/mem keep working with huge entries in place.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/physwin.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

FIXTURE(huge)
{
	PW_FIXTURE_BASE;
	struct pw_saved_params saved;
};

FIXTURE_SETUP(huge)
{
	PW_SETUP_BASE();
	if (pw_params_save(&self->saved) || !self->saved.huge[0])
		PW_SETUP_SKIP("this physwin has no huge or fault_around parameter");
	if (pw_param_set("huge", "Y"))
		PW_SETUP_SKIP("this kernel cannot map huge PFN entries (huge=Y refused)");
	ASSERT_EQ(0, pw_param_set("fault_around", "64K"));
	if (self->win[0].size < 4 * PW_2M || self->win[0].base % PW_2M)
		PW_SETUP_SKIP("physwin0 must be 2 MiB aligned and at least 8 MiB");
	PW_SETUP_OPEN();
}

FIXTURE_TEARDOWN(huge)
{
	if (self->fd >= 0)
		close(self->fd);
	pw_params_restore(&self->saved);
}

static void fill(char *p, size_t len, uint64_t seed)
{
	size_t off;

	for (off = 0; off < len; off += 8)
		pw_wr(p + off, pw_pattern(seed, off));
	pw_mb();
}

/* Offset of the first word in [p, p + len) that is not the pattern, or len. */
static size_t check(const char *p, size_t len, uint64_t seed, size_t from)
{
	size_t off;

	for (off = 0; off < len; off += 8)
		if (pw_rd(p + off) != pw_pattern(seed, from + off))
			return off;
	return len;
}

/* mmap(NULL) of an aligned offset is aligned; one fault maps 2 MiB. */
TEST_F(huge, one_fault_per_pmd)
{
	size_t len = 2 * PW_2M, off;
	uint64_t before;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0UL, (uintptr_t)p % PW_2M)
		TH_LOG("get_unmapped_area gave %p, not 2 MiB aligned", p);

	before = pw_get(0, "faults");
	pw_rd(p);
	EXPECT_EQ(1UL, pw_get(0, "faults") - before);
	for (off = 0; off < PW_2M; off += self->page)
		pw_rd(p + off);
	EXPECT_EQ(1UL, pw_get(0, "faults") - before);
	pw_rd(p + PW_2M + 12345);
	EXPECT_EQ(2UL, pw_get(0, "faults") - before);
	ASSERT_EQ(0, munmap(p, len));
}

/*
 * An offset that is not 2 MiB aligned still gets a PMD where the physical
 * alignment allows: mmap(NULL) puts the mapping at the same offset within
 * a 2 MiB block as the physical address.
 */
/*
 * A write to a huge entry that is there but read-only keeps it huge, and
 * so the whole block takes one write fault. Soft dirty tracking (clear_refs
 * 4, as CRIU uses) makes the kernel insert entries read-only and take a
 * write fault on the first store: the entry is made writable in place, not
 * split and refaulted page by page, and that still holds with huge=N set
 * in between (the kernel splits a leaf whose write fault falls back).
 * Returns false where the kernel does not track writes that way.
 */
static bool write_keeps_entry(struct __test_metadata *_metadata,
			      struct _test_data_huge *self, const char *huge)
{
	size_t len = PW_2M, off;
	uint64_t read, written, more;
	char *p;

	p = pw_map_aligned(self->fd, 0, len, PW_2M, 0);
	ASSERT_NE(MAP_FAILED, p);
	if (pw_write_file("/proc/self/clear_refs", "4")) {
		munmap(p, len);
		return false;
	}
	read = pw_get(0, "faults");
	for (off = 0; off < len; off += self->page)
		pw_rd(p + off);
	EXPECT_EQ(1UL, pw_get(0, "faults") - read);

	ASSERT_EQ(0, pw_param_set("huge", huge));
	read = pw_get(0, "faults");
	pw_wr(p, 1);
	written = pw_get(0, "faults");
	if (written == read) {
		munmap(p, len);
		return false;
	}
	for (off = 0; off < len; off += self->page)
		pw_wr(p + off, off);
	more = pw_get(0, "faults") - written;
	EXPECT_EQ(0UL, more)
		TH_LOG("huge=%s: a write to the read-only entry split it: %llu more faults",
		       huge, (unsigned long long)more);
	for (off = 0; off < len; off += self->page)
		EXPECT_EQ(off, pw_rd(p + off));
	ASSERT_EQ(0, munmap(p, len));
	return true;
}

TEST_F(huge, write_fault_keeps_entry)
{
	if (access("/proc/self/clear_refs", W_OK))
		SKIP(return, "no /proc/self/clear_refs");
	if (!write_keeps_entry(_metadata, self, "Y"))
		SKIP(return, "no soft-dirty write tracking (clear_refs 4)");
	write_keeps_entry(_metadata, self, "N");
}

TEST_F(huge, unaligned_offset_is_placed)
{
	uint64_t off = 16 * self->page;
	size_t len = 3 * PW_2M;
	uint64_t before;
	char *p, *block;

	p = mmap(NULL, len, PROT_READ, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ((self->win[0].base + off) % PW_2M, (uintptr_t)p % PW_2M);

	/* The first whole 2 MiB block inside the mapping is one PMD. */
	block = (char *)(((uintptr_t)p + PW_2M - 1) & ~(uintptr_t)(PW_2M - 1));
	before = pw_get(0, "faults");
	pw_rd(block);
	pw_rd(block + PW_2M - self->page);
	EXPECT_EQ(1UL, pw_get(0, "faults") - before);
	ASSERT_EQ(0, munmap(p, len));
}

/*
 * Virtual and physical addresses that cannot be equally aligned fall back
 * to fault-around: 2 MiB take 2M / 64K faults.
 */
TEST_F(huge, misaligned_falls_back)
{
	size_t len = PW_2M, off;
	uint64_t before;
	char *p;

	/* Virtually 2 MiB aligned, physically one page past a boundary. */
	p = pw_map_aligned(self->fd, self->page, len, PW_2M, 0);
	ASSERT_NE(MAP_FAILED, p);
	before = pw_get(0, "faults");
	for (off = 0; off < len; off += self->page)
		pw_rd(p + off);
	EXPECT_EQ(PW_2M / 65536, pw_get(0, "faults") - before);
	ASSERT_EQ(0, munmap(p, len));
}

/* huge=N turns it off: the same aligned sweep takes fault-around faults. */
TEST_F(huge, off_means_off)
{
	size_t len = PW_2M, off;
	uint64_t before;
	char *p;

	ASSERT_EQ(0, pw_param_set("huge", "N"));
	p = pw_map_aligned(self->fd, 0, len, PW_2M, 0);
	ASSERT_NE(MAP_FAILED, p);
	before = pw_get(0, "faults");
	for (off = 0; off < len; off += self->page)
		pw_rd(p + off);
	EXPECT_EQ(PW_2M / 65536, pw_get(0, "faults") - before);
	ASSERT_EQ(0, munmap(p, len));
}

/* Unmapping one page inside a huge entry splits it; the rest stays. */
TEST_F(huge, munmap_inside_a_pmd)
{
	size_t len = 2 * PW_2M, hole = PW_2M / 2;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, len, self->seed);
	EXPECT_EQ(1, pw_maps_count(self->win[0].dev));

	ASSERT_EQ(0, munmap(p + hole, self->page));
	EXPECT_EQ(2, pw_maps_count(self->win[0].dev));
	EXPECT_EQ(hole, check(p, hole, self->seed, 0));
	EXPECT_EQ(len - hole - self->page,
		  check(p + hole + self->page, len - hole - self->page,
			self->seed, hole + self->page));

	ASSERT_EQ(0, munmap(p, hole));
	ASSERT_EQ(0, munmap(p + hole + self->page, len - hole - self->page));
	EXPECT_EQ(0, pw_maps_count(self->win[0].dev));
}

/* A child inherits huge entries; each side sees what the other wrote. */
TEST_F(huge, fork)
{
	size_t len = 2 * PW_2M;
	pid_t pid;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, PW_2M, self->seed);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (check(p, PW_2M, self->seed, 0) != PW_2M)
			_exit(1);
		fill(p + PW_2M, PW_2M, ~self->seed);
		_exit(0);
	}
	ASSERT_EQ(0, pw_wait(pid));
	EXPECT_EQ(PW_2M, check(p + PW_2M, PW_2M, ~self->seed, 0));
	ASSERT_EQ(0, munmap(p, len));
}

/* mremap moves huge entries with their data, and shrinks through one. */
TEST_F(huge, mremap)
{
	size_t len = 2 * PW_2M;
	char *p, *q, *target;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, len, self->seed);

	target = pw_map_aligned(-1, 0, len, PW_2M, 0);
	ASSERT_NE(MAP_FAILED, target);
	q = mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	ASSERT_EQ(target, q);
	EXPECT_EQ(len, check(q, len, self->seed, 0));
	EXPECT_EQ(1, pw_maps_count(self->win[0].dev));

	/* Shrinking cuts the second huge entry in half. */
	q = mremap(q, len, len - PW_2M / 2, 0);
	ASSERT_EQ(target, q);
	EXPECT_EQ(len - PW_2M / 2, check(q, len - PW_2M / 2, self->seed, 0));
	ASSERT_EQ(0, munmap(q, len - PW_2M / 2));
	EXPECT_EQ(0, pw_maps_count(self->win[0].dev));
}

/* /proc/self/mem reads and writes through a huge mapping. */
TEST_F(huge, proc_mem)
{
	size_t len = PW_2M;
	uint64_t v = 0, w = 0x0123456789abcdefULL;
	int mem;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fill(p, len, self->seed);
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, mem);

	ASSERT_EQ(8, pread(mem, &v, 8, (uintptr_t)p + PW_2M / 2));
	EXPECT_EQ(pw_pattern(self->seed, PW_2M / 2), v);
	ASSERT_EQ(8, pwrite(mem, &w, 8, (uintptr_t)p + 4096));
	EXPECT_EQ(w, pw_rd(p + 4096));

	close(mem);
	ASSERT_EQ(0, munmap(p, len));
}

/* PHYSWIN_IOC_POPULATE goes through the same code: one fault per PMD. */
TEST_F(huge, populate)
{
	size_t len = 2 * PW_2M;
	struct physwin_range r = { .len = len };
	uint64_t before;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	r.addr = (uintptr_t)p;
	before = pw_get(0, "faults");
	ASSERT_EQ(0, ioctl(self->fd, PHYSWIN_IOC_POPULATE, &r));
	EXPECT_EQ(2UL, pw_get(0, "faults") - before);
	pw_rd(p + PW_2M - 8);
	pw_rd(p + len - 8);
	EXPECT_EQ(2UL, pw_get(0, "faults") - before);
	ASSERT_EQ(0, munmap(p, len));
}

TEST_HARNESS_MAIN
