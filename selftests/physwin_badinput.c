// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: everything userspace can get wrong, and the errno it gets.
 *
 * mmap() must stay inside the window whatever the offset (no overflow),
 * private mappings are read-only for good, and read()/write()/lseek()
 * behave like a fixed-size file: short at the end, 0 (read) or ENOSPC
 * (write) past it.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

FIXTURE(bad)
{
	PW_FIXTURE_BASE;
	uint64_t size;	/* of window 0 */
};

FIXTURE_SETUP(bad)
{
	PW_SETUP_BASE();
	self->size = self->win[0].size;
	if (self->size < 4 * self->page)
		PW_SETUP_SKIP("physwin0 is smaller than 4 pages");
	PW_SETUP_OPEN();
}

FIXTURE_TEARDOWN(bad)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* mmap() that must fail with @err; unmaps if it unexpectedly works. */
#define EXPECT_MMAP_FAILS(err, len, prot, flags, fd, off) do {		\
	size_t _len = (len);						\
	off_t _off = (off);						\
	void *_p = mmap(NULL, _len, prot, flags, fd, _off);		\
									\
	EXPECT_EQ(MAP_FAILED, _p)					\
		TH_LOG("mmap(len %#llx, off %#llx) worked",		\
		       (unsigned long long)_len,			\
		       (unsigned long long)_off);			\
	if (_p != MAP_FAILED)						\
		munmap(_p, _len);					\
	else								\
		EXPECT_EQ(err, errno)					\
			TH_LOG("mmap(len %#llx, off %#llx): %s",	\
			       (unsigned long long)_len,		\
			       (unsigned long long)_off,		\
			       strerror(errno));			\
} while (0)

TEST_F(bad, mmap_outside_window)
{
	size_t page = self->page;
	uint64_t size = self->size;

	/* At, and beyond, the end. */
	EXPECT_MMAP_FAILS(EINVAL, page, PROT_READ, MAP_SHARED, self->fd, size);
	EXPECT_MMAP_FAILS(EINVAL, page, PROT_READ, MAP_SHARED, self->fd,
			  size + 16 * page);
	/* Starting inside, ending outside. */
	EXPECT_MMAP_FAILS(EINVAL, 2 * page, PROT_READ, MAP_SHARED, self->fd,
			  size - page);
	EXPECT_MMAP_FAILS(EINVAL, size + page, PROT_READ, MAP_SHARED,
			  self->fd, 0);
	/* Offsets whose low bits land inside the window. */
	EXPECT_MMAP_FAILS(EINVAL, page, PROT_READ, MAP_SHARED, self->fd,
			  (off_t)1 << 32);
	EXPECT_MMAP_FAILS(EINVAL, page, PROT_READ, MAP_SHARED, self->fd,
			  (off_t)1 << 52);
	/* The largest page-aligned off_t: fine for the kernel, not for us. */
	EXPECT_MMAP_FAILS(EINVAL, page, PROT_READ, MAP_SHARED, self->fd,
			  (off_t)(LLONG_MAX & ~(page - 1)));
}

/*
 * Offsets only the raw syscall can pass. Whether the kernel refuses the
 * page offset first (EOVERFLOW) or the driver does (EINVAL) depends on
 * the kernel; it must fail either way.
 */
TEST_F(bad, mmap_huge_offset)
{
	static const unsigned long lens[] = { 1, 2, 16 };
	size_t page = self->page;
	unsigned long off;
	unsigned int i;
	long ret;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		for (off = ULONG_MAX & ~(page - 1);
		     off >= (ULONG_MAX & ~(page - 1)) - 2 * page;
		     off -= page) {
			ret = syscall(SYS_mmap, NULL, lens[i] * page, PROT_READ,
				      MAP_SHARED, self->fd, off);
			EXPECT_TRUE(ret == -1 &&
				    (errno == EINVAL || errno == EOVERFLOW))
				TH_LOG("mmap(%lu pages at %#lx) = %#lx (%s)",
				       lens[i], off, ret, strerror(errno));
			if (ret != -1)
				munmap((void *)ret, lens[i] * page);
		}
	}
}

TEST_F(bad, mmap_kernel_checks)
{
	size_t page = self->page;

	EXPECT_MMAP_FAILS(EINVAL, 0, PROT_READ, MAP_SHARED, self->fd, 0);
	EXPECT_MMAP_FAILS(EINVAL, page, PROT_READ, MAP_SHARED, self->fd, 123);
}

TEST_F(bad, mmap_inside_window)
{
	size_t page = self->page;
	uint64_t v = pw_pattern(self->seed, 0);
	char *p;

	/* The last page, alone, and the whole window. */
	ASSERT_EQ((ssize_t)sizeof(v),
		  pwrite(self->fd, &v, sizeof(v), self->size - 8));
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, self->fd,
		 self->size - page);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(v, pw_rd(p + page - 8));
	ASSERT_EQ(0, munmap(p, page));

	p = mmap(NULL, self->size, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(v, pw_rd(p + self->size - 8));
	ASSERT_EQ(0, munmap(p, self->size));
}

TEST_F(bad, private_writable_refused)
{
	size_t page = self->page;

	EXPECT_MMAP_FAILS(EINVAL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			  self->fd, 0);
	EXPECT_MMAP_FAILS(EINVAL, page, PROT_WRITE, MAP_PRIVATE, self->fd, 0);
}

TEST_F(bad, private_readonly)
{
	size_t page = self->page;
	uint64_t v = pw_pattern(self->seed, 1);
	char *p;

	ASSERT_EQ((ssize_t)sizeof(v), pwrite(self->fd, &v, sizeof(v), page));
	p = mmap(NULL, 2 * page, PROT_READ, MAP_PRIVATE, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(v, pw_rd(p + page));

	/* Never writable later: no copy-on-write of device memory. */
	EXPECT_EQ(-1, mprotect(p, 2 * page, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(p + page, page, PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, mprotect(p, 2 * page, PROT_NONE));
	EXPECT_EQ(0, mprotect(p, 2 * page, PROT_READ));
	EXPECT_EQ(v, pw_rd(p + page));
	ASSERT_EQ(0, munmap(p, 2 * page));
}

TEST_F(bad, readonly_file)
{
	size_t page = self->page;
	uint64_t v = pw_pattern(self->seed, 2);
	char *p;
	int ro;

	ASSERT_EQ((ssize_t)sizeof(v), pwrite(self->fd, &v, sizeof(v), 0));
	ro = open(self->win[0].dev, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);

	EXPECT_MMAP_FAILS(EACCES, page, PROT_READ | PROT_WRITE, MAP_SHARED,
			  ro, 0);
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, ro, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(v, pw_rd(p));
	EXPECT_EQ(-1, mprotect(p, page, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	ASSERT_EQ(0, munmap(p, page));

	/* A private read-only mapping only needs read access. */
	p = mmap(NULL, page, PROT_READ, MAP_PRIVATE, ro, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(v, pw_rd(p));
	ASSERT_EQ(0, munmap(p, page));

	EXPECT_EQ(-1, write(ro, &v, sizeof(v)));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, pwrite(ro, &v, sizeof(v), 0));
	EXPECT_EQ(EBADF, errno);
	close(ro);
}

TEST_F(bad, writeonly_file)
{
	size_t page = self->page;
	uint64_t v;
	int wo;

	wo = open(self->win[0].dev, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, wo);
	/* Every mapping can be read, so every mapping needs read access. */
	EXPECT_MMAP_FAILS(EACCES, page, PROT_READ, MAP_SHARED, wo, 0);
	EXPECT_MMAP_FAILS(EACCES, page, PROT_READ | PROT_WRITE, MAP_SHARED,
			  wo, 0);
	EXPECT_EQ(-1, read(wo, &v, sizeof(v)));
	EXPECT_EQ(EBADF, errno);
	v = pw_pattern(self->seed, 3);
	EXPECT_EQ((ssize_t)sizeof(v), pwrite(wo, &v, sizeof(v), 8));
	close(wo);
}

TEST_F(bad, read_bounds)
{
	uint64_t size = self->size;
	unsigned char buf[64], want[10];
	size_t i;

	for (i = 0; i < sizeof(want); i++)
		want[i] = pw_pattern(self->seed, i);
	ASSERT_EQ((ssize_t)sizeof(want),
		  pwrite(self->fd, want, sizeof(want), size - sizeof(want)));

	/* Straddling the end: short. */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ((ssize_t)sizeof(want),
		  pread(self->fd, buf, sizeof(buf), size - sizeof(want)));
	EXPECT_EQ(0, memcmp(want, buf, sizeof(want)));

	/* At and past the end: nothing, and no error. */
	EXPECT_EQ(0, pread(self->fd, buf, sizeof(buf), size));
	EXPECT_EQ(0, pread(self->fd, buf, sizeof(buf), size + self->page));
	EXPECT_EQ(0, pread(self->fd, buf, sizeof(buf), (off_t)1 << 40));
	/* pos + count must not overflow loff_t, or the VFS says EINVAL. */
	EXPECT_EQ(0, pread(self->fd, buf, 1, LLONG_MAX - 1));
	EXPECT_EQ(-1, pread(self->fd, buf, 1, -1));
	EXPECT_EQ(EINVAL, errno);

	/* read() from the end of the file. */
	ASSERT_EQ((off_t)size, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(0, read(self->fd, buf, sizeof(buf)));
	ASSERT_EQ((off_t)(size - 4), lseek(self->fd, -4, SEEK_END));
	EXPECT_EQ(4, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(want + sizeof(want) - 4, buf, 4));
	EXPECT_EQ((off_t)size, lseek(self->fd, 0, SEEK_CUR));
}

TEST_F(bad, write_bounds)
{
	uint64_t size = self->size;
	unsigned char buf[64], got[64];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pw_pattern(self->seed, 100 + i);

	/* Straddling the end: short, and only the part inside lands. */
	EXPECT_EQ(10, pwrite(self->fd, buf, sizeof(buf), size - 10));
	ASSERT_EQ(10, pread(self->fd, got, sizeof(got), size - 10));
	EXPECT_EQ(0, memcmp(buf, got, 10));

	/* At and past the end: no space. */
	EXPECT_EQ(-1, pwrite(self->fd, buf, sizeof(buf), size));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, pwrite(self->fd, buf, sizeof(buf), size + self->page));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(-1, pwrite(self->fd, buf, 1, LLONG_MAX - 1));
	EXPECT_EQ(ENOSPC, errno);

	/* write() advances the position, and stops at the end. */
	ASSERT_EQ((off_t)(size - 4), lseek(self->fd, -4, SEEK_END));
	EXPECT_EQ(4, write(self->fd, buf, sizeof(buf)));
	EXPECT_EQ((off_t)size, lseek(self->fd, 0, SEEK_CUR));
	EXPECT_EQ(-1, write(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(ENOSPC, errno);
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(16, write(self->fd, buf, 16));
	EXPECT_EQ(16, lseek(self->fd, 0, SEEK_CUR));
}

TEST_F(bad, lseek)
{
	off_t size = self->size;

	EXPECT_EQ(size, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(size - 100, lseek(self->fd, -100, SEEK_END));
	EXPECT_EQ(size - 72, lseek(self->fd, 28, SEEK_CUR));
	EXPECT_EQ(size, lseek(self->fd, size, SEEK_SET));
	EXPECT_EQ(0, lseek(self->fd, 0, SEEK_SET));

	/* Nothing outside [0, size]; a failed seek leaves the position. */
	EXPECT_EQ(128, lseek(self->fd, 128, SEEK_SET));
	EXPECT_EQ(-1, lseek(self->fd, size + 1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, (off_t)1 << 40, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, 1, SEEK_END));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, -1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, -129, SEEK_CUR));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, size, SEEK_CUR));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, lseek(self->fd, LLONG_MAX, SEEK_CUR));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(128, lseek(self->fd, 0, SEEK_CUR));
}

/* The node is 0600 root: nobody else opens it, for reading or writing. */
TEST_F(bad, unprivileged_open)
{
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		if (open(self->win[0].dev, O_RDONLY) != -1 || errno != EACCES)
			_exit(1);
		if (open(self->win[0].dev, O_RDWR) != -1 || errno != EACCES)
			_exit(2);
		if (open(self->win[0].dev, O_WRONLY) != -1 || errno != EACCES)
			_exit(3);
		_exit(0);
	}
	EXPECT_EQ(0, pw_wait(pid))
		TH_LOG("1-3: open as uid 65534 did not fail with EACCES, 10: cannot drop root");
}

TEST_F(bad, madvise_refused)
{
	size_t page = self->page;
	char *p;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	(void)pw_rd(p);
	/* None of these make sense for a VM_PFNMAP mapping. */
	EXPECT_EQ(-1, madvise(p, page, MADV_DONTNEED));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, madvise(p, page, MADV_FREE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, madvise(p, page, MADV_WIPEONFORK));
	EXPECT_EQ(EINVAL, errno);
	/* And it still works afterwards. */
	pw_wr(p, pw_pattern(self->seed, 4));
	EXPECT_EQ(pw_pattern(self->seed, 4), pw_rd(p));
	ASSERT_EQ(0, munmap(p, page));
}

TEST_HARNESS_MAIN
