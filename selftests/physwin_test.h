/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the physwin selftests.
 *
 * The tests never assume which windows the module was loaded with: they
 * find them in /sys/class/misc/physwinN/ and skip when there is none.
 * Data tests need windows backed by memory (e.g. a memmap=SIZE$ADDR
 * reservation): what is written must read back.
 */
#ifndef PHYSWIN_TEST_H
#define PHYSWIN_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#define PW_MAX_WINDOWS	8
#define PW_CLASS_DIR	"/sys/class/misc"
#define PW_MODULE_DIR	"/sys/module/physwin"
#define PW_PARAM_DIR	PW_MODULE_DIR "/parameters"
#define PW_PAT_LIST	"/sys/kernel/debug/x86/pat_memtype_list"
#define PW_2M		(2UL << 20)

struct pw_window {
	int index;
	char name[16];		/* physwinN */
	char dev[32];		/* /dev/physwinN */
	uint64_t base;
	uint64_t size;
	char cache[8];		/* uc, wc or wb */
};

/*
 * Harnesses before v6.9 run the test body even after SKIP() in
 * FIXTURE_SETUP() (and know no exit_code); leave the test process with
 * their skip status instead. KSELFTEST_PRIO_TEST came with the new ones.
 */
#ifdef KSELFTEST_PRIO_TEST
#define PW_SETUP_SKIP(fmt, ...)	SKIP(return, fmt, ##__VA_ARGS__)
#else
#define PW_SETUP_SKIP(fmt, ...)	SKIP(_exit(255), fmt, ##__VA_ARGS__)
#endif

/* Read a small text file into @buf without its trailing newline. */
static inline int pw_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/* A whole string as a C number (0x.., 0.., decimal), nothing else. */
static inline int pw_parse_u64(const char *str, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (!*str || *str == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(str, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*val = v;
	return 0;
}

/* A C number with an optional K, M or G suffix, as the module takes. */
static inline int pw_parse_size(const char *str, uint64_t *val)
{
	char buf[32];
	unsigned int shift = 0;
	size_t len = strlen(str);

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, str, len + 1);
	switch (buf[len - 1]) {
	case 'K': case 'k':
		shift = 10;
		break;
	case 'M': case 'm':
		shift = 20;
		break;
	case 'G': case 'g':
		shift = 30;
		break;
	}
	if (shift)
		buf[--len] = '\0';
	if (pw_parse_u64(buf, val))
		return -EINVAL;
	if (shift && (*val >> (64 - shift)))
		return -ERANGE;
	*val <<= shift;
	return 0;
}

static inline int pw_attr_str(int index, const char *attr, char *buf,
			      size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), PW_CLASS_DIR "/physwin%d/%s", index, attr);
	return pw_read_file(path, buf, len);
}

static inline int pw_attr_u64(int index, const char *attr, uint64_t *val)
{
	char buf[64];
	int ret;

	ret = pw_attr_str(index, attr, buf, sizeof(buf));
	if (ret)
		return ret;
	return pw_parse_u64(buf, val);
}

/*
 * Read a counter of a window ("faults", "mappings"), failing the test if
 * it cannot be read. For use inside TEST()/TEST_F() bodies only.
 */
#define pw_get(index, attr) ({						\
	int _pw_index = (index);					\
	const char *_pw_attr = (attr);					\
	uint64_t _pw_val = 0;						\
									\
	ASSERT_EQ(0, pw_attr_u64(_pw_index, _pw_attr, &_pw_val))	\
		TH_LOG("cannot read %s of physwin%d", _pw_attr,		\
		       _pw_index);					\
	_pw_val;							\
})

static inline int pw_window_cmp(const void *a, const void *b)
{
	return ((const struct pw_window *)a)->index -
	       ((const struct pw_window *)b)->index;
}

/*
 * Fill @w with the windows the module created, by index. Returns their
 * number, or -errno if the class directory or an attribute is unreadable.
 */
static inline int pw_windows(struct pw_window *w, int max)
{
	struct dirent *de;
	int n = 0, ret = 0;
	DIR *dir;

	dir = opendir(PW_CLASS_DIR);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)) && n < max) {
		struct pw_window *p = &w[n];
		char end;

		if (sscanf(de->d_name, "physwin%d%c", &p->index, &end) != 1)
			continue;
		snprintf(p->name, sizeof(p->name), "physwin%d", p->index);
		snprintf(p->dev, sizeof(p->dev), "/dev/physwin%d", p->index);
		ret = pw_attr_u64(p->index, "base", &p->base);
		if (!ret)
			ret = pw_attr_u64(p->index, "size", &p->size);
		if (!ret)
			ret = pw_attr_str(p->index, "cache", p->cache,
					  sizeof(p->cache));
		if (ret)
			break;
		n++;
	}
	closedir(dir);
	if (ret)
		return ret;
	qsort(w, n, sizeof(*w), pw_window_cmp);
	return n;
}

/*
 * Why a test using the windows cannot run, or NULL if it can. Fills @w
 * and @nr (which may be NULL when only window 0 matters).
 */
static inline const char *pw_cannot_test(struct pw_window *w, int *nr)
{
	int n;

	if (geteuid() != 0)
		return "must be run as root";
	if (access("/dev/physwin0", F_OK))
		return "no /dev/physwin0: load physwin with at least one window";
	n = pw_windows(w, PW_MAX_WINDOWS);
	if (n <= 0 || w[0].index != 0)
		return "physwin0 not found in " PW_CLASS_DIR;
	if (nr)
		*nr = n;
	return NULL;
}

/*
 * What every fixture of the windows starts with: PW_FIXTURE_BASE; first
 * among its members, and PW_SETUP_BASE() first in its setup, which skips
 * when there is nothing to test and fills the members but @fd.
 * PW_SETUP_OPEN() then opens physwin0 read-write, once the fixture's own
 * checks are done. A teardown closes @fd when it is not -1.
 */
#define PW_FIXTURE_BASE							\
	struct pw_window win[PW_MAX_WINDOWS];				\
	int nr;								\
	size_t page;							\
	uint64_t seed;							\
	int fd

#define PW_SETUP_BASE() do {						\
	const char *_why;						\
									\
	self->fd = -1;							\
	_why = pw_cannot_test(self->win, &self->nr);			\
	if (_why)							\
		PW_SETUP_SKIP("%s", _why);				\
	self->page = getpagesize();					\
	self->seed = pw_seed();						\
} while (0)

#define PW_SETUP_OPEN() do {						\
	self->fd = open(self->win[0].dev, O_RDWR | O_CLOEXEC);		\
	ASSERT_LE(0, self->fd)						\
		TH_LOG("open %s: %s", self->win[0].dev, strerror(errno)); \
} while (0)

/* Number of VMAs of this process that map @dev, from /proc/self/maps. */
static inline int pw_maps_count(const char *dev)
{
	size_t dlen = strlen(dev);
	char line[512];
	int n = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");

		if (len >= dlen + 1 && line[len - dlen - 1] == ' ' &&
		    !strncmp(line + len - dlen, dev, dlen))
			n++;
	}
	fclose(f);
	return n;
}

/* A value unlikely to be left in the window by anything else. */
static inline uint64_t pw_pattern(uint64_t seed, uint64_t off)
{
	uint64_t x = seed ^ (off * 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline uint64_t pw_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)getpid() << 32) ^ ts.tv_nsec ^ ts.tv_sec;
}

/*
 * Device memory is accessed with volatile loads and stores so that each
 * one really reaches the mapping, and write-combined stores are drained
 * (mfence) before anyone else looks.
 */
static inline uint64_t pw_rd(const void *p)
{
	return *(const volatile uint64_t *)p;
}

static inline void pw_wr(void *p, uint64_t v)
{
	*(volatile uint64_t *)p = v;
}

static inline void pw_mb(void)
{
	__sync_synchronize();
}

/*
 * Wait for @pid and return its exit status, or -1 if it did not exit
 * normally. Children report through their exit status, never through
 * the harness: ASSERT_*() in a forked child would unwind into the parent's
 * test code.
 */
static inline int pw_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Read /sys/module/physwin/parameters/@name, without the newline. */
static inline int pw_param_get(const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), PW_PARAM_DIR "/%s", name);
	return pw_read_file(path, buf, len);
}

/* Write @val to a sysfs file; 0 or -errno (EINVAL for a refused value). */
static inline int pw_write_file(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

/* Write a runtime parameter of the module. */
static inline int pw_param_set(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), PW_PARAM_DIR "/%s", name);
	return pw_write_file(path, val);
}

/* The tunables a fixture changes, kept to be put back in its teardown. */
struct pw_saved_params {
	char around[32];
	char huge[8];
};

/*
 * Save fault_around and huge= (@s->huge stays empty where the kernel has
 * no huge entries); -1 if this physwin has no fault_around parameter.
 */
static inline int pw_params_save(struct pw_saved_params *s)
{
	pw_param_get("huge", s->huge, sizeof(s->huge));
	return pw_param_get("fault_around", s->around, sizeof(s->around));
}

static inline void pw_params_restore(const struct pw_saved_params *s)
{
	if (s->around[0])
		pw_param_set("fault_around", s->around);
	if (s->huge[0])
		pw_param_set("huge", s->huge);
}

/* Revoke (0) or restore (1) window @index through its enabled attribute. */
static inline int pw_set_enabled(int index, int on)
{
	char path[128];

	snprintf(path, sizeof(path), PW_CLASS_DIR "/physwin%d/enabled", index);
	return pw_write_file(path, on ? "1" : "0");
}

/*
 * Map @len bytes of @fd at offset @off, shared and read-write, at a
 * virtual address @skew bytes past a multiple of @align, so that tests
 * control how the mapping lines up with fault-around blocks and huge
 * entries. With @fd < 0, reserve such an address (PROT_NONE) instead.
 */
static inline void *pw_map_aligned(int fd, uint64_t off, size_t len,
				   size_t align, size_t skew)
{
	size_t span = len + skew + align;
	uintptr_t start, at;
	void *area, *p;

	area = mmap(NULL, span, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		return MAP_FAILED;
	start = (uintptr_t)area;
	at = ((start + align - 1) & ~(uintptr_t)(align - 1)) + skew;
	if (fd < 0)
		p = mmap((void *)at, len, PROT_NONE, MAP_PRIVATE |
			 MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	else
		p = mmap((void *)at, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, off);
	if (p == MAP_FAILED) {
		munmap(area, span);
		return MAP_FAILED;
	}
	if (at > start)
		munmap(area, at - start);
	if (start + span > at + len)
		munmap((void *)(at + len), start + span - at - len);
	return p;
}

#endif /* PHYSWIN_TEST_H */
