// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: splitting, shrinking and moving mappings, and the module
 * reference they hold.
 *
 * "mappings" counts VMAs, so after every step it must move exactly as the
 * VMAs of this process that map the device do in /proc/self/maps. Data
 * must survive every split and move, faulted in or not.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

#define NPAGES	16

FIXTURE(munmap)
{
	PW_FIXTURE_BASE;
	/* "mappings", and our VMAs of the device, before the test maps any */
	uint64_t base_mappings;
	int base_vmas;
};

FIXTURE_SETUP(munmap)
{
	PW_SETUP_BASE();
	if (self->win[0].size < 2 * NPAGES * self->page)
		PW_SETUP_SKIP("physwin0 is smaller than %d pages", 2 * NPAGES);
	PW_SETUP_OPEN();
	ASSERT_EQ(0, pw_attr_u64(0, "mappings", &self->base_mappings));
	self->base_vmas = pw_maps_count(self->win[0].dev);
	ASSERT_LE(0, self->base_vmas);
}

FIXTURE_TEARDOWN(munmap)
{
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * "mappings" must be @expect above the baseline, and agree with the
 * number of our VMAs of the device in /proc/self/maps.
 */
#define EXPECT_MAPPINGS(expect) do {					\
	int _expect = (expect);						\
	uint64_t _now = pw_get(0, "mappings");				\
	int _vmas = pw_maps_count(self->win[0].dev);			\
									\
	EXPECT_EQ(self->base_mappings + _expect, _now)			\
		TH_LOG("mappings is %llu, expected %llu + %d",		\
		       (unsigned long long)_now,			\
		       (unsigned long long)self->base_mappings, _expect); \
	EXPECT_EQ(self->base_vmas + _expect, _vmas)			\
		TH_LOG("/proc/self/maps has %d VMAs of %s",		\
		       _vmas, self->win[0].dev);			\
} while (0)

/*
 * Helpers take the fixture data as struct _test_data_munmap, which is what
 * FIXTURE_DATA(munmap) expands to, spelled out as other selftests do.
 */
static char *map_pages(struct _test_data_munmap *self, size_t first, size_t n)
{
	return mmap(NULL, n * self->page, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->fd, first * self->page);
}

/*
 * Give window pages [0, n) known contents with pwrite(), then fault in
 * every other page of @map (which maps them from page 0) so that both
 * faulted and unfaulted pages get split and moved.
 */
static int fill(struct _test_data_munmap *self, char *map, size_t n)
{
	size_t p;

	for (p = 0; p < n; p++) {
		uint64_t v = pw_pattern(self->seed, p);

		if (pwrite(self->fd, &v, sizeof(v), p * self->page + 64) !=
		    sizeof(v))
			return -1;
	}
	for (p = 0; p < n; p += 2)
		(void)pw_rd(map + p * self->page);
	return 0;
}

/* Pages of @map (window pages [first, first + n)) with wrong contents. */
static int bad_pages(struct _test_data_munmap *self, const char *map,
		     size_t first, size_t n)
{
	int bad = 0;
	size_t p;

	for (p = 0; p < n; p++)
		if (pw_rd(map + p * self->page + 64) !=
		    pw_pattern(self->seed, first + p))
			bad++;
	return bad;
}

/* Whether [addr, addr + len) is entirely unmapped. */
static bool unmapped(void *addr, size_t len)
{
	unsigned char vec[NPAGES];

	/* mincore() fails with ENOMEM for a range that is not mapped. */
	return len <= NPAGES * (size_t)getpagesize() &&
	       mincore(addr, len, vec) && errno == ENOMEM;
}

TEST_F(munmap, split_head_tail_hole)
{
	size_t page = self->page;
	char *p;

	p = map_pages(self, 0, NPAGES);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_MAPPINGS(1);
	ASSERT_EQ(0, fill(self, p, NPAGES));

	/* Head: pages 0-1 go, 2-15 stay one VMA. */
	ASSERT_EQ(0, munmap(p, 2 * page));
	EXPECT_MAPPINGS(1);
	EXPECT_EQ(0, bad_pages(self, p + 2 * page, 2, NPAGES - 2));

	/* Tail: pages 14-15 go, 2-13 stay. */
	ASSERT_EQ(0, munmap(p + 14 * page, 2 * page));
	EXPECT_MAPPINGS(1);
	EXPECT_EQ(0, bad_pages(self, p + 2 * page, 2, 12));

	/* Hole at 6-7: 2-5 and 8-13. */
	ASSERT_EQ(0, munmap(p + 6 * page, 2 * page));
	EXPECT_MAPPINGS(2);
	EXPECT_EQ(0, bad_pages(self, p + 2 * page, 2, 4));
	EXPECT_EQ(0, bad_pages(self, p + 8 * page, 8, 6));

	/* Hole at 10: 2-5, 8-9 and 11-13. */
	ASSERT_EQ(0, munmap(p + 10 * page, page));
	EXPECT_MAPPINGS(3);
	EXPECT_EQ(0, bad_pages(self, p + 8 * page, 8, 2));
	EXPECT_EQ(0, bad_pages(self, p + 11 * page, 11, 3));

	/* Unmapping the whole original range, holes included, ends all. */
	ASSERT_EQ(0, munmap(p, NPAGES * page));
	EXPECT_MAPPINGS(0);
}

TEST_F(munmap, mprotect_split)
{
	size_t page = self->page;
	int vmas;
	char *p;

	p = map_pages(self, 0, NPAGES);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, fill(self, p, NPAGES));

	ASSERT_EQ(0, mprotect(p + 4 * page, 4 * page, PROT_READ));
	EXPECT_MAPPINGS(3);
	EXPECT_EQ(0, bad_pages(self, p, 0, NPAGES));

	/* Whether the kernel merges them back or not, the count follows. */
	ASSERT_EQ(0, mprotect(p + 4 * page, 4 * page, PROT_READ | PROT_WRITE));
	vmas = pw_maps_count(self->win[0].dev) - self->base_vmas;
	EXPECT_EQ(self->base_mappings + vmas, pw_get(0, "mappings"));
	pw_wr(p + 5 * page + 64, pw_pattern(self->seed, 5));

	ASSERT_EQ(0, munmap(p, NPAGES * page));
	EXPECT_MAPPINGS(0);
}

TEST_F(munmap, mremap_shrink)
{
	size_t page = self->page;
	char *p, *q;

	p = map_pages(self, 0, NPAGES);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, fill(self, p, NPAGES));

	q = mremap(p, NPAGES * page, NPAGES / 2 * page, 0);
	ASSERT_EQ(p, q) TH_LOG("mremap shrink: %s", strerror(errno));
	EXPECT_MAPPINGS(1);
	EXPECT_EQ(0, bad_pages(self, p, 0, NPAGES / 2));
	EXPECT_TRUE(unmapped(p + NPAGES / 2 * page, NPAGES / 2 * page));

	/* Shrinking with MREMAP_MAYMOVE stays in place too. */
	q = mremap(p, NPAGES / 2 * page, 3 * page, MREMAP_MAYMOVE);
	ASSERT_EQ(p, q);
	EXPECT_MAPPINGS(1);
	EXPECT_EQ(0, bad_pages(self, p, 0, 3));

	ASSERT_EQ(0, munmap(p, 3 * page));
	EXPECT_MAPPINGS(0);
}

TEST_F(munmap, mremap_move)
{
	size_t page = self->page, len = NPAGES * page;
	char *p, *dst, *q;

	p = map_pages(self, 0, NPAGES);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, fill(self, p, NPAGES));

	/* A place to move to, that is not where the mapping is. */
	dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, dst);

	q = mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ASSERT_EQ(dst, q) TH_LOG("mremap move: %s", strerror(errno));
	EXPECT_MAPPINGS(1);
	EXPECT_TRUE(unmapped(p, len));
	EXPECT_EQ(0, bad_pages(self, dst, 0, NPAGES));

	/* Writes through the moved mapping reach the window. */
	pw_wr(dst + 3 * page + 64, pw_pattern(self->seed, 1003));
	pw_mb();
	{
		uint64_t got;

		ASSERT_EQ((ssize_t)sizeof(got),
			  pread(self->fd, &got, sizeof(got), 3 * page + 64));
		EXPECT_EQ(pw_pattern(self->seed, 1003), got);
	}
	ASSERT_EQ(0, fill(self, dst, NPAGES));

	/* Move the middle only: the VMA splits in three. */
	p = mmap(NULL, 4 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	q = mremap(dst + 6 * page, 4 * page, 4 * page,
		   MREMAP_MAYMOVE | MREMAP_FIXED, p);
	ASSERT_EQ(p, q) TH_LOG("mremap move: %s", strerror(errno));
	EXPECT_MAPPINGS(3);
	EXPECT_EQ(0, bad_pages(self, p, 6, 4));
	EXPECT_EQ(0, bad_pages(self, dst, 0, 6));
	EXPECT_EQ(0, bad_pages(self, dst + 10 * page, 10, NPAGES - 10));

	/* Move and shrink at once. */
	q = mremap(p, 4 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED,
		   dst + 6 * page);
	ASSERT_EQ(dst + 6 * page, q) TH_LOG("mremap: %s", strerror(errno));
	EXPECT_MAPPINGS(3);
	EXPECT_EQ(0, bad_pages(self, dst + 6 * page, 6, 2));

	ASSERT_EQ(0, munmap(dst, len));
	ASSERT_EQ(0, munmap(p, 4 * page));
	EXPECT_MAPPINGS(0);
}

TEST_F(munmap, mremap_grow_refused)
{
	size_t page = self->page;
	char *p, *q;

	p = map_pages(self, 0, NPAGES / 2);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, fill(self, p, NPAGES / 2));

	/*
	 * VM_DONTEXPAND | VM_PFNMAP: the kernel refuses any growth of the
	 * VMA with EFAULT, in place or moving, even inside the window.
	 */
	q = mremap(p, NPAGES / 2 * page, NPAGES * page, 0);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	q = mremap(p, NPAGES / 2 * page, NPAGES * page, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	/* old_len 0 would duplicate the mapping: growth from nothing. */
	q = mremap(p, 0, page, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	/* Nor can the old range stay behind. */
	q = mremap(p, NPAGES / 2 * page, NPAGES / 2 * page,
		   MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EINVAL, errno);

	EXPECT_MAPPINGS(1);
	EXPECT_EQ(0, bad_pages(self, p, 0, NPAGES / 2));
	ASSERT_EQ(0, munmap(p, NPAGES / 2 * page));
	EXPECT_MAPPINGS(0);

	/* At the very end of the window there is nothing to grow into. */
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, self->fd,
		 self->win[0].size - page);
	ASSERT_NE(MAP_FAILED, p);
	q = mremap(p, page, 2 * page, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, munmap(p, page));
	EXPECT_MAPPINGS(0);
}

static int delete_module(const char *name, int flags)
{
	return syscall(__NR_delete_module, name, flags);
}

static int read_refcnt(uint64_t *val)
{
	char buf[32];
	int ret;

	ret = pw_read_file(PW_MODULE_DIR "/refcnt", buf, sizeof(buf));
	return ret ? ret : pw_parse_u64(buf, val);
}

/*
 * An open file, or a mapping whose file was closed, pins the module.
 * delete_module() is only tried while the reference count is seen to be
 * raised, so that a bug here cannot unload physwin under later tests.
 */
TEST(module_pinned)
{
	uint64_t base, now;
	size_t page = getpagesize();
	struct pw_window w[PW_MAX_WINDOWS];
	const char *why;
	char *p;
	int fd;

	why = pw_cannot_test(w, NULL);
	if (why)
		SKIP(return, "%s", why);
	if (read_refcnt(&base))
		SKIP(return, "no " PW_MODULE_DIR "/refcnt (CONFIG_MODULE_UNLOAD=n?)");

	fd = open(w[0].dev, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, read_refcnt(&now));
	ASSERT_LT(base, now) TH_LOG("an open file does not pin the module");
	EXPECT_EQ(-1, delete_module("physwin", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);

	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	(void)pw_rd(p);
	close(fd);
	ASSERT_EQ(0, read_refcnt(&now));
	ASSERT_LT(base, now) TH_LOG("a mapping does not pin the module");
	EXPECT_EQ(-1, delete_module("physwin", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(0, access(PW_MODULE_DIR, F_OK));

	ASSERT_EQ(0, munmap(p, page));
	ASSERT_EQ(0, read_refcnt(&now));
	EXPECT_EQ(base, now);
}

TEST_HARNESS_MAIN
