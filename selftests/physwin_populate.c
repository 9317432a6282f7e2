// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: PHYSWIN_IOC_POPULATE maps a range of the caller's own mapping
 * now, through the same fault code, so that touching it later takes no
 * fault. The range must lie inside one physwin mapping of the same window.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/physwin.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

FIXTURE(populate)
{
	struct pw_window win[PW_MAX_WINDOWS];
	char saved_around[32];
	int nr;
	size_t page;
	int fd;
};

FIXTURE_SETUP(populate)
{
	const char *why;

	self->fd = -1;
	why = pw_cannot_test(self->win, &self->nr);
	if (why)
		PW_SETUP_SKIP("%s", why);
	if (pw_param_get("fault_around", self->saved_around,
			 sizeof(self->saved_around)))
		PW_SETUP_SKIP("this physwin has no fault_around parameter");
	/* One page per fault, so that counts say exactly what was mapped. */
	ASSERT_EQ(0, pw_param_set("fault_around", "4K"));
	self->page = getpagesize();
	self->fd = open(self->win[0].dev, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(populate)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->saved_around[0])
		pw_param_set("fault_around", self->saved_around);
}

static int populate(int fd, const void *addr, uint64_t len)
{
	struct physwin_range r = { .addr = (uintptr_t)addr, .len = len };

	return ioctl(fd, PHYSWIN_IOC_POPULATE, &r) ? -errno : 0;
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
