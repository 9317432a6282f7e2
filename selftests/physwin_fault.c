// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: the fault path and the ways to reach window memory.
 *
 * mmap() maps nothing; each touch of an unmapped page goes through the
 * fault handler, which the "faults" attribute counts. The handler may map
 * more than the faulting page (fault-around), so counts are bounded, never
 * exact per page: a first touch raises "faults", a touch of a mapped page
 * does not, and k pages never take more than k faults in one thread.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

/* Sweeps stop here: enough to cross many page tables, quick under TCG. */
#define SWEEP_MAX	(64ULL << 20)
#define NR_THREADS	8

FIXTURE(fault)
{
	PW_FIXTURE_BASE;
};

FIXTURE_SETUP(fault)
{
	PW_SETUP_BASE();
	PW_SETUP_OPEN();
}

FIXTURE_TEARDOWN(fault)
{
	if (self->fd >= 0)
		close(self->fd);
}

#define NEED_PAGES(n) do {						\
	uint64_t _npages = (n);						\
									\
	if (self->win[0].size < _npages * self->page)			\
		SKIP(return, "physwin0 is smaller than %d pages",	\
		     (int)_npages);					\
} while (0)

static char *map_window(int fd, uint64_t off, size_t len, int prot, int flags)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

TEST_F(fault, mmap_maps_nothing)
{
	size_t len = self->win[0].size;
	uint64_t faults, maps;
	char *p;

	faults = pw_get(0, "faults");
	maps = pw_get(0, "mappings");

	p = map_window(self->fd, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(faults, pw_get(0, "faults"))
		TH_LOG("mmap() alone must not map anything");
	EXPECT_EQ(maps + 1, pw_get(0, "mappings"));

	ASSERT_EQ(0, munmap(p, len));
	EXPECT_EQ(faults, pw_get(0, "faults"));
	EXPECT_EQ(maps, pw_get(0, "mappings"));
}

TEST_F(fault, first_touch_and_retouch)
{
	const size_t npages = 16;
	size_t len = npages * self->page, i;
	uint64_t f0, f1, f2;
	char *p;

	NEED_PAGES(npages);
	p = map_window(self->fd, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));

	f0 = pw_get(0, "faults");
	(void)pw_rd(p);
	f1 = pw_get(0, "faults");
	EXPECT_LE(f0 + 1, f1) TH_LOG("first read of page 0 did not fault");

	pw_wr(p, pw_pattern(self->seed, 0));
	EXPECT_EQ(pw_pattern(self->seed, 0), pw_rd(p));
	EXPECT_EQ(f1, pw_get(0, "faults"))
		TH_LOG("touching the mapped page 0 again faulted");

	for (i = 0; i < npages; i++)
		(void)pw_rd(p + i * self->page);
	f2 = pw_get(0, "faults");
	/* Every fault maps at least the page that faulted. */
	EXPECT_LE(f2 - f0, npages)
		TH_LOG("%llu faults for %zu pages",
		       (unsigned long long)(f2 - f0), npages);

	/* A read fault of a shared mapping maps the page writable too. */
	for (i = 0; i < npages; i++) {
		pw_wr(p + i * self->page + 8, pw_pattern(self->seed, i));
		(void)pw_rd(p + i * self->page);
	}
	EXPECT_EQ(f2, pw_get(0, "faults"))
		TH_LOG("re-touching mapped pages faulted");
	ASSERT_EQ(0, munmap(p, len));

	/* A new mapping of the same pages starts empty: a write faults. */
	p = map_window(self->fd, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	f0 = pw_get(0, "faults");
	pw_wr(p + 5 * self->page, pw_pattern(self->seed, 100));
	f1 = pw_get(0, "faults");
	EXPECT_LE(f0 + 1, f1) TH_LOG("first write of page 5 did not fault");
	EXPECT_EQ(pw_pattern(self->seed, 100), pw_rd(p + 5 * self->page));
	EXPECT_EQ(f1, pw_get(0, "faults"));
	/* What the first mapping wrote is still there. */
	for (i = 0; i < npages; i++)
		EXPECT_EQ(pw_pattern(self->seed, i),
			  pw_rd(p + i * self->page + 8));
	ASSERT_EQ(0, munmap(p, len));
}

TEST_F(fault, views_alias)
{
	size_t page = self->page, i;
	uint64_t v, got;
	char *a, *b;

	NEED_PAGES(12);
	/* a maps window pages 0-7, b maps pages 4-11: they share 4-7. */
	a = map_window(self->fd, 0, 8 * page, PROT_READ | PROT_WRITE,
		       MAP_SHARED);
	ASSERT_NE(MAP_FAILED, a) TH_LOG("mmap: %s", strerror(errno));
	b = map_window(self->fd, 4 * page, 8 * page, PROT_READ | PROT_WRITE,
		       MAP_SHARED);
	ASSERT_NE(MAP_FAILED, b) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_NE(a + 4 * page, b);

	/* Written through a, read through b. */
	for (i = 4; i < 8; i++)
		pw_wr(a + i * page + 8 * i, pw_pattern(self->seed, i));
	pw_mb();
	for (i = 4; i < 8; i++)
		EXPECT_EQ(pw_pattern(self->seed, i),
			  pw_rd(b + (i - 4) * page + 8 * i))
			TH_LOG("window page %zu differs between views", i);

	/* Written through b, read through a and with pread(). */
	v = pw_pattern(self->seed, 1000);
	pw_wr(b + 512, v);
	pw_mb();
	EXPECT_EQ(v, pw_rd(a + 4 * page + 512));
	ASSERT_EQ((ssize_t)sizeof(got),
		  pread(self->fd, &got, sizeof(got), 4 * page + 512));
	EXPECT_EQ(v, got);

	/* Outside a's range: b and pread() only. */
	v = pw_pattern(self->seed, 1001);
	pw_wr(b + 6 * page + 64, v);
	pw_mb();
	ASSERT_EQ((ssize_t)sizeof(got),
		  pread(self->fd, &got, sizeof(got), 10 * page + 64));
	EXPECT_EQ(v, got);

	/* pwrite() is seen by both views. */
	v = pw_pattern(self->seed, 1002);
	ASSERT_EQ((ssize_t)sizeof(v),
		  pwrite(self->fd, &v, sizeof(v), 7 * page + 1000));
	EXPECT_EQ(v, pw_rd(a + 7 * page + 1000));
	EXPECT_EQ(v, pw_rd(b + 3 * page + 1000));

	/* A whole page written through b is the same page through a. */
	for (i = 0; i < page; i += 8)
		pw_wr(b + 2 * page + i, pw_pattern(self->seed, 6 * page + i));
	pw_mb();
	for (i = 0; i < page; i += 8)
		if (pw_rd(a + 6 * page + i) !=
		    pw_pattern(self->seed, 6 * page + i))
			break;
	EXPECT_EQ(page, i) TH_LOG("window page 6 differs at byte %zu", i);

	ASSERT_EQ(0, munmap(b, 8 * page));
	ASSERT_EQ(0, munmap(a, 8 * page));
}

/* Write two words in every page of @w through a mapping, read them back. */
static void sweep_window(struct __test_metadata *_metadata,
			 const struct pw_window *w, size_t page, uint64_t seed)
{
	size_t len = w->size < SWEEP_MAX ? w->size : SWEEP_MAX;
	size_t npages = len / page, i, bad = 0, first_bad = 0;
	uint64_t f0, f1, got;
	char *p;
	int fd;

	fd = open(w->dev, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", w->dev, strerror(errno));
	p = map_window(fd, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p)
		TH_LOG("mmap %s (%zu bytes): %s", w->dev, len, strerror(errno));

	f0 = pw_get(w->index, "faults");
	for (i = 0; i < len; i += page) {
		pw_wr(p + i, pw_pattern(seed, i));
		pw_wr(p + i + page - 8, pw_pattern(seed, i + page - 8));
	}
	pw_mb();
	for (i = 0; i < len; i += page) {
		if (pw_rd(p + i) != pw_pattern(seed, i) ||
		    pw_rd(p + i + page - 8) != pw_pattern(seed, i + page - 8)) {
			if (!bad++)
				first_bad = i;
		}
	}
	EXPECT_EQ(0U, bad)
		TH_LOG("%s (%s): %zu of %zu pages differ, first at offset %#zx",
		       w->name, w->cache, bad, npages, first_bad);

	f1 = pw_get(w->index, "faults");
	EXPECT_LE(f0 + 1, f1);
	EXPECT_LE(f1 - f0, npages);

	/* The same bytes through read(). */
	for (i = 0; i < len; i += len / 4) {
		ASSERT_EQ((ssize_t)sizeof(got),
			  pread(fd, &got, sizeof(got), i));
		EXPECT_EQ(pw_pattern(seed, i), got)
			TH_LOG("%s: pread at %#zx", w->name, i);
	}
	ASSERT_EQ((ssize_t)sizeof(got), pread(fd, &got, sizeof(got), len - 8));
	EXPECT_EQ(pw_pattern(seed, len - 8), got);

	/* Everything is mapped now: reading it all again takes no fault. */
	for (i = 0; i < len; i += page)
		(void)pw_rd(p + i);
	EXPECT_EQ(f1, pw_get(w->index, "faults"));

	EXPECT_EQ(0, munmap(p, len));
	close(fd);
}

TEST_F_TIMEOUT(fault, sweep_every_window, 120)
{
	int i;

	for (i = 0; i < self->nr; i++) {
		TH_LOG("%s: %s, %#llx bytes at %#llx", self->win[i].name,
		       self->win[i].cache,
		       (unsigned long long)self->win[i].size,
		       (unsigned long long)self->win[i].base);
		sweep_window(_metadata, &self->win[i], self->page,
			     self->seed + i);
	}
}

struct toucher {
	pthread_t thread;
	pthread_barrier_t *barrier;
	char *map;
	size_t page;
	size_t npages;
	uint64_t seed;
	int id;
	size_t bad;
};

/* Slot @t of page @p: each thread its own cache line of every page. */
static char *slot(const struct toucher *t, size_t p, int id)
{
	return t->map + p * t->page + id * 64;
}

static void *toucher_fn(void *arg)
{
	struct toucher *t = arg;
	size_t p;
	int id;

	/* Everyone starts on the same untouched page at the same time. */
	pthread_barrier_wait(t->barrier);
	for (p = 0; p < t->npages; p++)
		pw_wr(slot(t, p, t->id), pw_pattern(t->seed, p * 64 + t->id));
	pw_mb();
	pthread_barrier_wait(t->barrier);

	for (p = 0; p < t->npages; p++)
		for (id = 0; id < NR_THREADS; id++)
			if (pw_rd(slot(t, p, id)) !=
			    pw_pattern(t->seed, p * 64 + id))
				t->bad++;
	return NULL;
}

TEST_F(fault, threads_fault_same_pages)
{
	struct toucher t[NR_THREADS];
	pthread_barrier_t barrier;
	const size_t npages = 64;
	size_t len = npages * self->page;
	uint64_t f0, f1, maps;
	char *p;
	int i;

	NEED_PAGES(npages);
	ASSERT_LE((size_t)NR_THREADS * 64, self->page);
	p = map_window(self->fd, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));

	maps = pw_get(0, "mappings");
	f0 = pw_get(0, "faults");
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, NR_THREADS));
	for (i = 0; i < NR_THREADS; i++) {
		t[i] = (struct toucher){
			.barrier = &barrier,
			.map = p,
			.page = self->page,
			.npages = npages,
			.seed = self->seed,
			.id = i,
		};
		ASSERT_EQ(0, pthread_create(&t[i].thread, NULL, toucher_fn,
					    &t[i]));
	}
	for (i = 0; i < NR_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i].thread, NULL));
		EXPECT_EQ(0U, t[i].bad)
			TH_LOG("thread %d saw %zu wrong slots", i, t[i].bad);
	}
	pthread_barrier_destroy(&barrier);
	f1 = pw_get(0, "faults");

	/* At most one fault per thread and page, and at least one. */
	EXPECT_LE(f0 + 1, f1);
	EXPECT_LE(f1 - f0, npages * NR_THREADS)
		TH_LOG("%llu faults", (unsigned long long)(f1 - f0));
	/* Threads share the VMA: no VMA came or went. */
	EXPECT_EQ(maps, pw_get(0, "mappings"));

	ASSERT_EQ(0, munmap(p, len));
	EXPECT_EQ(maps - 1, pw_get(0, "mappings"));
}

/*
 * /proc/self/mem cannot pin a PFN mapping; the kernel falls back to the
 * VMA's ->access, which must reach pages that were never faulted in.
 */
TEST_F(fault, proc_self_mem)
{
	size_t page = self->page, i;
	uint64_t off = 8 * page;
	unsigned char buf[256], got[256];
	char *p;
	int mem;

	NEED_PAGES(16);
	p = map_window(self->fd, off, 8 * page, PROT_READ | PROT_WRITE,
		       MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, mem) TH_LOG("open /proc/self/mem: %s", strerror(errno));

	/* Written with pwrite(), read through the untouched mapping. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pw_pattern(self->seed, i);
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pwrite(self->fd, buf, sizeof(buf), off + 3 * page + 256));
	ASSERT_EQ((ssize_t)sizeof(got),
		  pread(mem, got, sizeof(got), (uintptr_t)p + 3 * page + 256))
		TH_LOG("read /proc/self/mem: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(buf, got, sizeof(buf)));

	/* Written through /proc/self/mem, read with pread(). */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pw_pattern(self->seed, 1000 + i);
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pwrite(mem, buf, sizeof(buf), (uintptr_t)p + 5 * page + 128))
		TH_LOG("write /proc/self/mem: %s", strerror(errno));
	ASSERT_EQ((ssize_t)sizeof(got),
		  pread(self->fd, got, sizeof(got), off + 5 * page + 128));
	EXPECT_EQ(0, memcmp(buf, got, sizeof(buf)));

	/* Across a page boundary, both pages untouched. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pw_pattern(self->seed, 2000 + i);
	ASSERT_EQ((ssize_t)sizeof(buf),
		  pwrite(mem, buf, sizeof(buf), (uintptr_t)p + 7 * page - 128));
	ASSERT_EQ((ssize_t)sizeof(got),
		  pread(self->fd, got, sizeof(got), off + 7 * page - 128));
	EXPECT_EQ(0, memcmp(buf, got, sizeof(buf)));
	ASSERT_EQ((ssize_t)sizeof(got),
		  pread(mem, got, sizeof(got), (uintptr_t)p + 7 * page - 128));
	EXPECT_EQ(0, memcmp(buf, got, sizeof(buf)));

	/* And the mapping itself agrees once faulted in. */
	EXPECT_EQ(0, memcmp(buf, p + 7 * page - 128, sizeof(buf)));

	close(mem);
	ASSERT_EQ(0, munmap(p, 8 * page));
}

/* /proc/self/mem writes are forced; they must not write read-only maps. */
TEST_F(fault, proc_self_mem_readonly)
{
	uint64_t v = pw_pattern(self->seed, 1), w = ~v, got = 0;
	size_t page = self->page;
	char *priv, *shared;
	int mem, ro;

	NEED_PAGES(2);
	ASSERT_EQ((ssize_t)sizeof(v), pwrite(self->fd, &v, sizeof(v), page));
	ro = open(self->win[0].dev, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	priv = map_window(self->fd, page, page, PROT_READ, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, priv) TH_LOG("mmap: %s", strerror(errno));
	shared = map_window(ro, page, page, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, shared) TH_LOG("mmap: %s", strerror(errno));
	mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, mem);

	ASSERT_EQ((ssize_t)sizeof(got),
		  pread(mem, &got, sizeof(got), (uintptr_t)priv));
	EXPECT_EQ(v, got);
	EXPECT_GT(0, pwrite(mem, &w, sizeof(w), (uintptr_t)priv))
		TH_LOG("wrote through a read-only MAP_PRIVATE mapping");
	EXPECT_GT(0, pwrite(mem, &w, sizeof(w), (uintptr_t)shared))
		TH_LOG("wrote through a mapping of an O_RDONLY file");
	ASSERT_EQ((ssize_t)sizeof(got),
		  pread(self->fd, &got, sizeof(got), page));
	EXPECT_EQ(v, got);

	close(mem);
	munmap(shared, page);
	munmap(priv, page);
	close(ro);
}

/* The "VmFlags:" line of the VMA at @addr in /proc/self/smaps. */
static int vm_flags(void *addr, char *flags, size_t len)
{
	unsigned long start, end;
	bool in_vma = false;
	char line[512];
	FILE *f;
	int ret = -ENOENT;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in_vma = start <= (uintptr_t)addr &&
				 (uintptr_t)addr < end;
			continue;
		}
		if (in_vma && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, len, "%s ", line + 8);
			flags[strcspn(flags, "\n")] = ' ';
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

static bool has_flag(const char *flags, const char *flag)
{
	char word[16];

	snprintf(word, sizeof(word), " %s ", flag);
	return strstr(flags, word);
}

TEST_F(fault, vma_flags)
{
	static const char always[][3] = { "io", "pf", "de", "dd" };
	size_t page = self->page;
	char flags[512];
	char *p;
	size_t i;

	p = map_window(self->fd, 0, page, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, vm_flags(p, flags, sizeof(flags)));
	TH_LOG("shared:%s", flags);
	for (i = 0; i < ARRAY_SIZE(always); i++)
		EXPECT_TRUE(has_flag(flags, always[i]))
			TH_LOG("MAP_SHARED VMA lacks %s", always[i]);
	EXPECT_TRUE(has_flag(flags, "sh"));
	EXPECT_TRUE(has_flag(flags, "wr"));
	munmap(p, page);

	p = map_window(self->fd, 0, page, PROT_READ, MAP_PRIVATE);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, vm_flags(p, flags, sizeof(flags)));
	TH_LOG("private:%s", flags);
	for (i = 0; i < ARRAY_SIZE(always); i++)
		EXPECT_TRUE(has_flag(flags, always[i]))
			TH_LOG("MAP_PRIVATE VMA lacks %s", always[i]);
	EXPECT_FALSE(has_flag(flags, "wr"));
	EXPECT_FALSE(has_flag(flags, "mw"))
		TH_LOG("a private mapping must never become writable");
	munmap(p, page);
}

TEST_HARNESS_MAIN
