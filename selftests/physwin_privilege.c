// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: who can reach window memory, and how far.
 *
 * Only users the device node lets in can open a window, and only root
 * can revoke one or change the runtime parameters. Whoever has a window
 * open reaches its bytes and nothing else: no mmap offset, no mremap, no
 * fork and no ptrace access (->access, here through /proc/self/mem) gets
 * to a byte past the end of the mapping, let alone of the window. Where
 * the windows are adjacent in physical memory, the bytes just past a
 * window are the next window's, and the tests check that those are not
 * what comes back.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

#define NOBODY		65534
#define PW_GID		1000	/* group physwin in the test VM */
#define PW_UID		1000	/* pwuser, member of physwin */
#define OTHER_UID	1001	/* other, not a member */

static sigjmp_buf probe_env;
static volatile sig_atomic_t probe_armed;
static siginfo_t probe_info;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	if (probe_armed) {
		probe_info = *si;
		probe_armed = 0;
		siglongjmp(probe_env, 1);
	}
	/* Not a probe: the access is retried and kills the process. */
	signal(sig, SIG_DFL);
}

/*
 * Read the byte at @p into *val: 0 if that worked, else the signal the
 * access raised (probe_info has its address and code).
 */
static int probe(const char *p, unsigned char *val)
{
	memset(&probe_info, 0, sizeof(probe_info));
	if (sigsetjmp(probe_env, 0))
		return probe_info.si_signo;
	probe_armed = 1;
	*val = *(const volatile unsigned char *)p;
	probe_armed = 0;
	return 0;
}

/* Reading @p must raise SIGSEGV for an unmapped address, at @p. */
static bool segv_at(const char *p)
{
	unsigned char v;

	return probe(p, &v) == SIGSEGV && probe_info.si_addr == p &&
	       probe_info.si_code == SEGV_MAPERR;
}

FIXTURE(priv)
{
	PW_FIXTURE_BASE;
	uint64_t size;	/* of window 0 */
	int next;	/* the window right after window 0 in memory, or -1 */
	int fd_next;
	char *pat[4];	/* page-sized patterns */
};

FIXTURE_SETUP(priv)
{
	struct sigaction sa = { .sa_sigaction = on_fault,
				.sa_flags = SA_SIGINFO | SA_NODEFER };
	size_t i, j;

	PW_SETUP_BASE();
	self->fd_next = -1;
	self->size = self->win[0].size;
	if (self->size < 32 * self->page)
		PW_SETUP_SKIP("physwin0 is smaller than 32 pages");
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));

	PW_SETUP_OPEN();
	self->next = -1;
	for (i = 1; i < (size_t)self->nr; i++)
		if (self->win[i].base == self->win[0].base + self->size)
			self->next = i;
	if (self->next >= 0) {
		self->fd_next = open(self->win[self->next].dev,
				     O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, self->fd_next);
	}
	for (i = 0; i < ARRAY_SIZE(self->pat); i++) {
		self->pat[i] = malloc(self->page);
		ASSERT_NE(NULL, self->pat[i]);
		for (j = 0; j < self->page; j += 8) {
			uint64_t v = pw_pattern(self->seed + i, j);

			memcpy(self->pat[i] + j, &v, sizeof(v));
		}
	}
}

FIXTURE_TEARDOWN(priv)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(self->pat); i++)
		free(self->pat[i]);
	if (self->fd_next >= 0)
		close(self->fd_next);
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * Map [off, off + len) of @fd at an address whose neighbouring pages,
 * before and after, are not mapped at all.
 */
static char *map_between_holes(size_t page, int fd, uint64_t off, size_t len,
			       int prot, int flags)
{
	char *area, *p;

	area = mmap(NULL, len + 2 * page, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		return MAP_FAILED;
	if (fd < 0) {
		/* Only the place: the caller moves a mapping there. */
		p = area + page;
	} else {
		p = mmap(area + page, len, prot, flags | MAP_FIXED, fd, off);
		if (p == MAP_FAILED) {
			munmap(area, len + 2 * page);
			return MAP_FAILED;
		}
	}
	munmap(area, page);
	munmap(p + len, page);
	return p;
}

/* The start, end and file offset of the VMA that contains @addr. */
static int vma_of(const void *addr, unsigned long *start, unsigned long *end,
		  unsigned long long *off)
{
	char line[512];
	int ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %llx", start, end, off) != 3)
			continue;
		if (*start <= (uintptr_t)addr && (uintptr_t)addr < *end) {
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* In a child: drop root for @uid, with @gid and no other group. */
static int become(uid_t uid, gid_t gid)
{
	if (setgroups(1, &gid) || setgid(gid) || setuid(uid))
		return -1;
	return geteuid() == uid ? 0 : -1;
}

/* How opening @path with @flags ends: 0, or -errno. */
static int try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * Users without access to the node (nobody, a user in no group of
 * interest, and the physwin group's member: the node is root's until an
 * administrator says otherwise) cannot open any window, revoke one, or
 * change a runtime parameter.
 */
TEST_F(priv, unprivileged_users)
{
	static const uid_t uids[] = { NOBODY, OTHER_UID, PW_UID };
	static const char * const params[] = { "fault_around", "huge" };
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	unsigned int u, m, a;
	char path[128];
	pid_t pid;
	int i;

	for (u = 0; u < ARRAY_SIZE(uids); u++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			if (become(uids[u], uids[u] == PW_UID ? PW_GID : uids[u]))
				_exit(100);
			for (i = 0; i < self->nr; i++) {
				for (m = 0; m < ARRAY_SIZE(modes); m++)
					if (try_open(self->win[i].dev,
						     modes[m]) != -EACCES)
						_exit(10 + i);
				snprintf(path, sizeof(path), PW_CLASS_DIR
					 "/%s/enabled", self->win[i].name);
				if (try_open(path, O_WRONLY) != -EACCES)
					_exit(20 + i);
				/* Reading the attributes is for everyone. */
				if (try_open(path, O_RDONLY))
					_exit(30 + i);
			}
			for (a = 0; a < ARRAY_SIZE(params); a++) {
				snprintf(path, sizeof(path), PW_PARAM_DIR "/%s",
					 params[a]);
				if (try_open(path, O_WRONLY) != -EACCES)
					_exit(40 + a);
			}
			_exit(0);
		}
		/*
		 * 100: cannot drop root; 1N: opened physwinN; 2N: could
		 * write physwinN/enabled, 3N: could not read it; 4N: could
		 * write a parameter.
		 */
		EXPECT_EQ(0, pw_wait(pid)) TH_LOG("uid %u", uids[u]);
	}
	/* Still enabled, whatever was tried. */
	for (i = 0; i < self->nr; i++)
		EXPECT_EQ(1UL, pw_get(self->win[i].index, "enabled"));
}

/*
 * Access granted to a group, the way a udev rule would: its members get
 * exactly what the mode says, others nothing. A node made with mknod in
 * a private directory stands in for /dev/physwin0, which stays 0600.
 */
TEST_F(priv, group_grant)
{
	char dir[] = "/tmp/physwin-priv-XXXXXX", node[64];
	size_t page = self->page;
	struct stat st;
	uint64_t v = pw_pattern(self->seed, 77), got;
	pid_t pid;

	ASSERT_EQ(0, fstat(self->fd, &st));
	ASSERT_NE(NULL, mkdtemp(dir));
	ASSERT_EQ(0, chmod(dir, 0755));
	snprintf(node, sizeof(node), "%s/physwin0", dir);
	ASSERT_EQ(0, mknod(node, S_IFCHR | 0660, st.st_rdev));
	ASSERT_EQ(0, chown(node, 0, PW_GID));
	ASSERT_EQ(0, chmod(node, 0660));

	/* rw for the group: a member maps the window and writes it. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd;
		char *p;

		if (become(PW_UID, PW_GID))
			_exit(100);
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(1);
		p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 3 * page);
		if (p == MAP_FAILED)
			_exit(2);
		pw_wr(p + 8, v);
		pw_mb();
		_exit(0);
	}
	EXPECT_EQ(0, pw_wait(pid)) TH_LOG("member: 1 open, 2 mmap failed");
	ASSERT_EQ((ssize_t)sizeof(got),
		  pread(self->fd, &got, sizeof(got), 3 * page + 8));
	EXPECT_EQ(v, got);

	/* Not a member: nothing. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (become(OTHER_UID, OTHER_UID))
			_exit(100);
		if (try_open(node, O_RDONLY) != -EACCES ||
		    try_open(node, O_RDWR) != -EACCES)
			_exit(1);
		_exit(0);
	}
	EXPECT_EQ(0, pw_wait(pid)) TH_LOG("a non-member opened the node");

	/* Read-only for the group: no write, no writable mapping. */
	ASSERT_EQ(0, chmod(node, 0640));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t w;
		char *p;
		int fd;

		if (become(PW_UID, PW_GID))
			_exit(100);
		if (try_open(node, O_RDWR) != -EACCES ||
		    try_open(node, O_WRONLY) != -EACCES)
			_exit(1);
		fd = open(node, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(2);
		p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 3 * page);
		if (p != MAP_FAILED || errno != EACCES)
			_exit(3);
		p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 3 * page);
		if (p == MAP_FAILED || pw_rd(p + 8) != v)
			_exit(4);
		if (mprotect(p, page, PROT_READ | PROT_WRITE) != -1 ||
		    errno != EACCES)
			_exit(5);
		w = ~v;
		if (pwrite(fd, &w, sizeof(w), 3 * page + 8) != -1 ||
		    errno != EBADF)
			_exit(6);
		_exit(0);
	}
	/*
	 * 1: opened for writing, 2: could not open for reading, 3: writable
	 * mapping, 4: bad read mapping, 5: made it writable, 6: wrote.
	 */
	EXPECT_EQ(0, pw_wait(pid)) TH_LOG("read-only member of the group");
	ASSERT_EQ((ssize_t)sizeof(got),
		  pread(self->fd, &got, sizeof(got), 3 * page + 8));
	EXPECT_EQ(v, got);

	unlink(node);
	rmdir(dir);
}

/* mmap() that must fail with EINVAL and leave no VMA behind. */
#define EXPECT_MMAP_EINVAL(fd, len, off, prot, flags) do {		\
	uint64_t _len = (len), _off = (off);				\
	void *_p = mmap(NULL, _len, (prot), (flags), (fd), _off);	\
									\
	EXPECT_EQ(MAP_FAILED, _p)					\
		TH_LOG("%s: mmap of %#llx bytes at offset %#llx worked", \
		       w->name, (unsigned long long)_len,		\
		       (unsigned long long)_off);			\
	if (_p != MAP_FAILED)						\
		munmap(_p, _len);					\
	else								\
		EXPECT_EQ(EINVAL, errno)				\
			TH_LOG("%s: mmap of %#llx bytes at %#llx: %s",	\
			       w->name, (unsigned long long)_len,	\
			       (unsigned long long)_off,		\
			       strerror(errno));			\
} while (0)

/*
 * Every window, and every way an offset can point past it: a range that
 * ends one page past the end from several starts, the window's physical
 * address taken for an offset, and the distance to the next window (where
 * a driver that added offsets to the wrong base would land). Shared or
 * private, nothing is mapped and nothing counted. The largest ranges that
 * fit work and read the window's own bytes.
 */
TEST_F(priv, mmap_offsets)
{
	size_t page = self->page;
	unsigned char last, got;
	int i, j, fd, k, vmas;
	uint64_t s, mappings;
	char *p;

	for (i = 0; i < self->nr; i++) {
		const struct pw_window *w = &self->win[i];
		uint64_t ends_past[] = { 0, page, w->size / 2,
					 w->size - page };

		s = w->size;
		fd = open(w->dev, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		mappings = pw_get(w->index, "mappings");
		vmas = pw_maps_count(w->dev);

		for (k = 0; k < 2; k++) {
			int prot = k ? PROT_READ : PROT_READ | PROT_WRITE;
			int flags = k ? MAP_PRIVATE : MAP_SHARED;

			for (j = 0; j < (int)ARRAY_SIZE(ends_past); j++)
				EXPECT_MMAP_EINVAL(fd, s - ends_past[j] + page,
						   ends_past[j], prot, flags);
			EXPECT_MMAP_EINVAL(fd, page, s, prot, flags);
			EXPECT_MMAP_EINVAL(fd, page, w->base, prot, flags);
			for (j = 0; j < self->nr; j++)
				if (self->win[j].base > w->base)
					EXPECT_MMAP_EINVAL(fd, page,
							   self->win[j].base -
							   w->base, prot,
							   flags);
		}
		EXPECT_EQ(mappings, pw_get(w->index, "mappings"));
		EXPECT_EQ(vmas, pw_maps_count(w->dev));

		/* The last page alone, and the whole window. */
		ASSERT_EQ(1, pread(fd, &last, 1, s - 1));
		p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, s - page);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("%s: %s", w->name,
						strerror(errno));
		EXPECT_EQ(0, probe(p + page - 1, &got));
		EXPECT_EQ(last, got);
		ASSERT_EQ(0, munmap(p, page));
		p = mmap(NULL, s, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, p) TH_LOG("%s: %s", w->name,
						strerror(errno));
		EXPECT_EQ(0, probe(p + s - 1, &got));
		EXPECT_EQ(last, got);
		ASSERT_EQ(0, munmap(p, s));
		EXPECT_EQ(mappings, pw_get(w->index, "mappings"));
		close(fd);
	}
}

/*
 * mremap cannot grow a mapping, even where the window has room; a move
 * keeps exactly the same window bytes, and the byte after the moved
 * mapping is unmapped memory, not the next physical page.
 */
TEST_F(priv, mremap)
{
	size_t page = self->page, s = self->size;
	unsigned long start, end;
	unsigned long long off;
	char *p, *q, *dst, *dst2;
	uint64_t mappings;

	ASSERT_EQ((ssize_t)page, pwrite(self->fd, self->pat[0], page, 0));
	ASSERT_EQ((ssize_t)page,
		  pwrite(self->fd, self->pat[1], page, s - page));
	if (self->next >= 0)
		ASSERT_EQ((ssize_t)page,
			  pwrite(self->fd_next, self->pat[2], page, 0));
	mappings = pw_get(0, "mappings");

	/* Growth: refused in place and moving, in the middle and at the end. */
	p = map_between_holes(page, self->fd, page, 2 * page,
			      PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(MAP_FAILED, mremap(p, 2 * page, 3 * page, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(MAP_FAILED, mremap(p, 2 * page, 3 * page, MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_TRUE(segv_at(p + 2 * page));
	ASSERT_EQ(0, munmap(p, 2 * page));

	p = map_between_holes(page, self->fd, 0, s, PROT_READ | PROT_WRITE,
			      MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(MAP_FAILED, mremap(p, s, s + page, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(MAP_FAILED, mremap(p, s, s + page, MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, vma_of(p, &start, &end, &off));
	EXPECT_EQ((uintptr_t)p, start);
	EXPECT_EQ((uintptr_t)p + s, end);
	EXPECT_EQ(0ULL, off);
	EXPECT_EQ(mappings + 1, pw_get(0, "mappings"));
	EXPECT_TRUE(segv_at(p + s));

	/* Move the whole window mapping, faulted in at both ends. */
	EXPECT_EQ(0, memcmp(p, self->pat[0], page));
	EXPECT_EQ(0, memcmp(p + s - page, self->pat[1], page));
	dst = map_between_holes(page, -1, 0, s, 0, 0);
	ASSERT_NE(MAP_FAILED, dst);
	q = mremap(p, s, s, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ASSERT_EQ(dst, q) TH_LOG("mremap: %s", strerror(errno));
	EXPECT_TRUE(segv_at(p));
	EXPECT_EQ(0, memcmp(dst, self->pat[0], page));
	EXPECT_EQ(0, memcmp(dst + s - page, self->pat[1], page));
	EXPECT_TRUE(segv_at(dst + s))
		TH_LOG("the byte after the moved mapping: signal %d",
		       probe_info.si_signo);
	EXPECT_TRUE(segv_at(dst - 1));
	ASSERT_EQ(0, vma_of(dst, &start, &end, &off));
	EXPECT_EQ((uintptr_t)dst + s, end);
	EXPECT_EQ(0ULL, off);
	EXPECT_EQ(mappings + 1, pw_get(0, "mappings"));

	/* Move the last page alone: still the window's last page. */
	dst2 = map_between_holes(page, -1, 0, page, 0, 0);
	ASSERT_NE(MAP_FAILED, dst2);
	q = mremap(dst + s - page, page, page, MREMAP_MAYMOVE | MREMAP_FIXED,
		   dst2);
	ASSERT_EQ(dst2, q) TH_LOG("mremap: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(dst2, self->pat[1], page));
	EXPECT_TRUE(segv_at(dst2 + page));
	EXPECT_TRUE(segv_at(dst + s - page));
	ASSERT_EQ(0, vma_of(dst2, &start, &end, &off));
	EXPECT_EQ((unsigned long long)(s - page), off);
	/* And it cannot grow into the next window either. */
	EXPECT_EQ(MAP_FAILED, mremap(dst2, page, 2 * page, MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(mappings + 2, pw_get(0, "mappings"));

	/* Untouched by all this: the next window's first page. */
	if (self->next >= 0) {
		char *buf = malloc(page);

		ASSERT_NE(NULL, buf);
		ASSERT_EQ((ssize_t)page, pread(self->fd_next, buf, page, 0));
		EXPECT_EQ(0, memcmp(buf, self->pat[2], page));
		free(buf);
	}
	ASSERT_EQ(0, munmap(dst2, page));
	ASSERT_EQ(0, munmap(dst, s - page));
	EXPECT_EQ(mappings, pw_get(0, "mappings"));
}

/*
 * A child's copy of a mapping covers exactly the parent's range, whether
 * the parent had faulted it in (the child inherits the PTEs) or not (the
 * child faults): the same VMA bounds and offset, the window's bytes at its
 * last page, and SIGSEGV one byte after it and one byte before it.
 */
TEST_F(priv, fork)
{
	size_t page = self->page, len = 4 * page, i;
	uint64_t off = self->size - len, mappings;
	char *p, *buf;
	int touched;
	pid_t pid;

	buf = malloc(page);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ((ssize_t)page,
		  pwrite(self->fd, self->pat[0], page, self->size - page));
	ASSERT_EQ((ssize_t)page, pwrite(self->fd, self->pat[1], page,
					off - page));
	if (self->next >= 0)
		ASSERT_EQ((ssize_t)page,
			  pwrite(self->fd_next, self->pat[2], page, 0));
	mappings = pw_get(0, "mappings");

	for (touched = 0; touched < 2; touched++) {
		p = map_between_holes(page, self->fd, off, len,
				      PROT_READ | PROT_WRITE, MAP_SHARED);
		ASSERT_NE(MAP_FAILED, p);
		if (touched)
			for (i = 0; i < len; i += page)
				(void)pw_rd(p + i);

		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			unsigned long start, end;
			unsigned long long voff;

			if (vma_of(p, &start, &end, &voff))
				_exit(1);
			if (start != (uintptr_t)p ||
			    end != (uintptr_t)p + len || voff != off)
				_exit(2);
			if (pread(self->fd, buf, page, off + len - page) !=
			    (ssize_t)page)
				_exit(3);
			if (memcmp(p + len - page, buf, page) ||
			    memcmp(p + len - page, self->pat[0], page))
				_exit(4);
			if (!segv_at(p + len))
				_exit(5);
			if (!segv_at(p - 1))
				_exit(6);
			_exit(0);
		}
		/*
		 * 1: no VMA, 2: not the parent's, 3: pread failed, 4: last
		 * page differs, 5: byte after readable, 6: byte before.
		 */
		EXPECT_EQ(0, pw_wait(pid))
			TH_LOG("child of a %s mapping",
			       touched ? "faulted-in" : "untouched");
		EXPECT_EQ(mappings + 1, pw_get(0, "mappings"));
		ASSERT_EQ(0, munmap(p, len));
	}
	free(buf);
}

/*
 * ptrace accesses (->access; /proc/self/mem here) reach the last bytes of
 * a mapping, and stop at its end: an access that crosses it is short, one
 * that starts there fails with EIO, and the bytes after the end are never
 * read or written, whether they are the window's next bytes, the next
 * window's, or another mapping's.
 */
TEST_F(priv, access)
{
	size_t page = self->page, len = 4 * page;
	unsigned char buf[128], want[128], next[64];
	uint64_t off = 8 * page;
	ssize_t n;
	char *p, *q;
	int mem;

	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, mem);
	/* Window bytes: the mapping's last 64, the 64 after it, and more. */
	ASSERT_EQ(64, pwrite(self->fd, self->pat[0], 64, off + len - 64));
	ASSERT_EQ(64, pwrite(self->fd, self->pat[1], 64, off + len));
	ASSERT_EQ(64, pwrite(self->fd, self->pat[2] + 64, 64, 20 * page));

	p = map_between_holes(page, self->fd, off, len,
			      PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);

	/* The last bytes: read and written. */
	EXPECT_EQ(64, pread(mem, buf, 64, (uintptr_t)p + len - 64));
	EXPECT_EQ(0, memcmp(buf, self->pat[0], 64));
	EXPECT_EQ(64, pwrite(mem, self->pat[3], 64, (uintptr_t)p + len - 64));
	ASSERT_EQ(64, pread(self->fd, buf, 64, off + len - 64));
	EXPECT_EQ(0, memcmp(buf, self->pat[3], 64));

	/* Across the end: 64 bytes, the rest of the buffer untouched. */
	memset(buf, 0x5a, sizeof(buf));
	n = pread(mem, buf, sizeof(buf), (uintptr_t)p + len - 64);
	EXPECT_EQ(64, n) TH_LOG("read across the end: %zd (%s)", n,
				n < 0 ? strerror(errno) : "");
	EXPECT_EQ(0, memcmp(buf, self->pat[3], 64));
	memset(want, 0x5a, sizeof(want));
	EXPECT_EQ(0, memcmp(buf + 64, want + 64, 64))
		TH_LOG("bytes past the end of the mapping were returned");
	ASSERT_EQ(64, pread(self->fd, next, 64, off + len));
	EXPECT_EQ(0, memcmp(next, self->pat[1], 64));

	/* At the end: nothing. */
	EXPECT_EQ(-1, pread(mem, buf, 8, (uintptr_t)p + len));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, pwrite(mem, buf, 8, (uintptr_t)p + len));
	EXPECT_EQ(EIO, errno);

	/* A write across the end writes the mapping's part only. */
	memcpy(want, self->pat[2], sizeof(want));
	n = pwrite(mem, want, sizeof(want), (uintptr_t)p + len - 64);
	EXPECT_EQ(64, n) TH_LOG("write across the end: %zd (%s)", n,
				n < 0 ? strerror(errno) : "");
	ASSERT_EQ(128, pread(self->fd, buf, 128, off + len - 64));
	EXPECT_EQ(0, memcmp(buf, want, 64));
	EXPECT_EQ(0, memcmp(buf + 64, self->pat[1], 64))
		TH_LOG("a write through /proc/self/mem went past the mapping");

	/*
	 * Another mapping of the window right after the first, at window
	 * page 20: a read across the boundary continues there, not at the
	 * window bytes that follow the first mapping.
	 */
	q = mmap(p + len, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 self->fd, 20 * page);
	ASSERT_EQ(p + len, q);
	memset(buf, 0x5a, sizeof(buf));
	EXPECT_EQ(128, pread(mem, buf, 128, (uintptr_t)p + len - 64));
	EXPECT_EQ(0, memcmp(buf, want, 64));
	EXPECT_EQ(0, memcmp(buf + 64, self->pat[2] + 64, 64));
	ASSERT_EQ(0, munmap(q, page));
	ASSERT_EQ(0, munmap(p, len));

	/* At the end of the window: the next window's bytes are not read. */
	if (self->next >= 0)
		ASSERT_EQ(64, pwrite(self->fd_next, self->pat[1], 64, 0));
	ASSERT_EQ(64, pwrite(self->fd, self->pat[0], 64, self->size - 64));
	p = map_between_holes(page, self->fd, self->size - 2 * page, 2 * page,
			      PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	memset(buf, 0x5a, sizeof(buf));
	n = pread(mem, buf, sizeof(buf), (uintptr_t)p + 2 * page - 64);
	EXPECT_EQ(64, n) TH_LOG("read across the window's end: %zd (%s)", n,
				n < 0 ? strerror(errno) : "");
	EXPECT_EQ(0, memcmp(buf, self->pat[0], 64));
	memset(want, 0x5a, sizeof(want));
	EXPECT_EQ(0, memcmp(buf + 64, want + 64, 64));
	n = pwrite(mem, self->pat[3], 128, (uintptr_t)p + 2 * page - 64);
	EXPECT_EQ(64, n);
	if (self->next >= 0) {
		ASSERT_EQ(64, pread(self->fd_next, next, 64, 0));
		EXPECT_EQ(0, memcmp(next, self->pat[1], 64))
			TH_LOG("%s was written through a mapping of physwin0",
			       self->win[self->next].name);
	}
	ASSERT_EQ(0, munmap(p, 2 * page));
	close(mem);
}

TEST_HARNESS_MAIN
