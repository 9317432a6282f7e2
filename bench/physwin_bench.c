// SPDX-License-Identifier: GPL-2.0
/*
 * physwin_bench: the guest half of "make bench". It times the same mmap
 * workloads on a physwin window, which maps lazily from its fault handler,
 * and on /dev/mem, which maps everything with remap_pfn_range() at mmap
 * time, and prints one line per measurement for scripts/bench:
 *
 *	BENCH {"target":"physwin","config":"fa=64K huge=on",...}
 *
 * and INFO lines for the report. Usage:
 *
 *	physwin_bench -d DEVICE [-o OFFSET] [-p PHYS] [-l LENGTH] [-t NAME]
 *		      [-c CONFIG] [-m CACHE] [-f FAULTS] [-r RUNS] [-a ALIGN]
 *		      [-D PEER -O PEER_OFFSET [-T PEER_NAME] [-C PEER_CONFIG]]
 *		      [-F AROUND,...] [-S SIZE] [-s] [-P] TEST...
 *	physwin_bench -V BDF [-p PHYS] ... TEST...
 *
 *	-d  /dev/physwinN, /dev/mem, or a PCI resource file
 *	    (/sys/bus/pci/devices/BDF/resourceN)
 *	-V  instead of -d: BAR2 of the PCI device BDF through VFIO (the
 *	    device bound to vfio-pci): the container, the IOMMU group, the
 *	    device, and VFIO_DEVICE_GET_REGION_INFO for the mmap offset
 *	-o  mmap offset of the window in DEVICE: 0 for physwin, the physical
 *	    address for /dev/mem (default 0)
 *	-p  physical address of the window, to find its PAT memtype
 *	    (default OFFSET)
 *	-l  window length, K/M/G suffix allowed (default 1G)
 *	-t  target name in the output (default physwin with -f, else devmem)
 *	-c  configuration label and -m caching-mode label, copied to the
 *	    output (defaults "-" and "wb")
 *	-f  the window's sysfs "faults" attribute: faults are counted there,
 *	    and the pages they mapped in "fault_pages" beside it; without it
 *	    faults are getrusage()'s minor faults, and pages are not counted
 *	-r  runs per measurement; the median is reported (default 5)
 *	-a  put every mapping at a virtual address aligned to ALIGN (by
 *	    default mmap(NULL) lets the kernel, and physwin, choose)
 *	-D  a peer to measure in turns with DEVICE, so that both see the same
 *	    load on the host: /dev/mem with its window at PEER_OFFSET (-O),
 *	    or a PCI resource file; reported as target PEER_NAME (-T,
 *	    default "devmem") and configuration PEER_CONFIG (-C, default
 *	    CONFIG)
 *	-F  measure the access patterns (sweep, sparse, stride, backward,
 *	    threads) at each of these fault_around values in turns, writing
 *	    the module parameter before each turn, and the peer in the same
 *	    turns: so that every value sees the same load on the host. The
 *	    configuration of each is "fa=VALUE CONFIG"
 *	-S  the access patterns at this mapping size only (one of theirs,
 *	    K/M/G suffix allowed): scripts/bench measures again a row that
 *	    missed its target
 *	-s  open the devices with O_SYNC (/dev/mem then maps UC-, not WB)
 *	-P  map every mapping of DEVICE with PHYSWIN_IOC_POPULATE before
 *	    touching it
 *
 * Tests, run in the order given:
 *
 *	warm    write one word in every page of the window, so that QEMU has
 *		backed all of it before anything is timed
 *	pat     print the PAT memtype entries of the window while it is mapped
 *	mmap    mmap + munmap, nothing touched: 4K, 2M, 64M, 1G
 *	sweep   mmap, write one word in every page, munmap: 2M, 64M, 1G
 *	sparse  mmap, write one word in 1% of the pages (the same pseudo-random
 *		pages for every target), munmap: 64M, 1G
 *	stride  mmap, write one word in every 16th page, munmap: 64M, 1G
 *	backward
 *		the sweep from the last page to the first: 2M, 64M, 1G
 *	threads mmap, two threads write one word in every other page, one
 *		the even pages and one the odd, both forwards, munmap: 64M, 1G
 *	bw      sequential read and write bandwidth over 64M, everything
 *		faulted in first
 *	pmd     sweep and sparse over [2M, LENGTH): no 1 GiB entry fits there
 *	populate
 *		mmap, PHYSWIN_IOC_POPULATE over all of it, munmap: 2M, 64M,
 *		1G. The peer has no populate and its mmap maps everything
 *		already (remap_pfn_range()): it times mmap + munmap. Then,
 *		untimed, a sweep over a populated mapping of each size,
 *		whose faults must be 0, in a CHECK line
 *
 * Each BENCH line has the faults per operation, and, with -f, the pages
 * those faults mapped per operation ("pages") beside the pages it touched
 * ("touched").
 *
 * Build: cc -O2 -Wall -Wextra -pthread -I include/uapi -o physwin_bench physwin_bench.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <linux/physwin.h>
#include <linux/vfio.h>

#define SZ_4K		(4ULL * 1024)
#define SZ_1M		(1024ULL * 1024)
#define SZ_2M		(2 * SZ_1M)
#define SZ_64M		(64 * SZ_1M)
#define SZ_1G		(1024 * SZ_1M)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define MAX_RUNS	64
/*
 * Operations measured in turns (physwin and its peer) take this many times
 * as many runs, each this many times shorter: the host's load changes
 * while we measure, and many short turns see the same load.
 */
#define TURNS_PER_RUN	3
/*
 * A pause after each turn, so that work the kernel defers after munmap
 * (freeing page tables, for one) runs before the other target's turn
 * instead of being billed to it: without it, physwin's mmap of 64M took
 * 35 or 295 us depending on whether /dev/mem had just unmapped 64M.
 */
#define TURN_PAUSE_US	20000
/* A timed run repeats the operation until it lasts at least this long. */
#define RUN_SECONDS	0.1
#define MAX_ITERS	100000
/* Operations measured in turns: the fault_around values and the peer. */
#define MAX_OPS		8
#define AROUND_PARAM	"/sys/module/physwin/parameters/fault_around"
/* The pages of the sparse test are the same for every target and run. */
#define SPARSE_SEED	0x9e3779b97f4a7c15ULL
#define SPARSE_PERCENT	1
#define STRIDE_PAGES	16

/* A device to map: a physwin window, or the same amount of /dev/mem. */
struct target {
	const char *name;
	const char *dev;
	uint64_t offset;	/* mmap offset of the window in dev */
	const char *faults_path;
	bool populate;
	bool vfio;		/* dev is a PCI address, mapped through VFIO */
	int fd;
	int faults_fd;		/* -1: count getrusage()'s minor faults */
	int pages_fd;		/* fault_pages; -1: not counted */
};

static struct target target = {
	.faults_fd = -1,
	.pages_fd = -1,
};

static struct target peer = {
	.name = "devmem",
	.faults_fd = -1,
	.pages_fd = -1,
};

static struct {
	const char *config;
	const char *peer_config;
	const char *arounds[MAX_OPS - 1];	/* -F */
	unsigned int narounds;
	const char *cache;
	uint64_t phys;
	uint64_t length;
	uint64_t align;
	uint64_t size;		/* -S: 0 for every size */
	bool size_measured;
	unsigned int runs;
	bool sync;
	long page;
} opt = {
	.config = "-",
	.cache = "wb",
	.length = SZ_1G,
	.runs = 5,
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "physwin_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* A C number with an optional K, M or G suffix. */
static uint64_t parse_size(const char *s)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		die("not a number: %s", s);
	if (*end && strchr("KMG", *end)) {
		shift = *end == 'K' ? 10 : *end == 'M' ? 20 : 30;
		end++;
	}
	if (*end || v > UINT64_MAX >> shift)
		die("not a number: %s", s);
	return v << shift;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static uint64_t read_counter(int fd, const char *what)
{
	char buf[32];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		die("cannot read %s: %s", what, strerror(errno));
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

/* The faults of @t so far: its sysfs counter, or our minor faults. */
static uint64_t target_faults(const struct target *t)
{
	if (t->faults_fd < 0)
		return minor_faults();
	return read_counter(t->faults_fd, t->faults_path);
}

/* The pages the faults of @t mapped so far; 0 if not counted. */
static uint64_t target_pages(const struct target *t)
{
	return t->pages_fd < 0 ? 0 : read_counter(t->pages_fd, "fault_pages");
}

/*
 * Where a mapping of @len bytes aligned to opt.align can go: reserve room
 * for it and the alignment, and give back what the mapping will not
 * cover. The caller maps over the rest with MAP_FIXED.
 */
static char *aligned_hole(size_t len)
{
	size_t room = len + opt.align;
	char *res, *p;

	res = mmap(NULL, room, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		die("cannot reserve %zu bytes of address space: %s", room,
		    strerror(errno));
	p = (char *)(((uintptr_t)res + opt.align - 1) & ~(opt.align - 1));
	if (p > res)
		munmap(res, p - res);
	if (p + len < res + room)
		munmap(p + len, res + room - (p + len));
	return p;
}

static void populate(const struct target *t, char *p, size_t len)
{
	struct physwin_range range = {
		.addr = (uintptr_t)p,
		.len = len,
	};

	if (ioctl(t->fd, PHYSWIN_IOC_POPULATE, &range))
		die("PHYSWIN_IOC_POPULATE: %s", strerror(errno));
}

static char *map(const struct target *t, uint64_t off, size_t len)
{
	char *hint = opt.align ? aligned_hole(len) : NULL;
	void *p;

	p = mmap(hint, len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | (hint ? MAP_FIXED : 0), t->fd, t->offset + off);
	if (p == MAP_FAILED)
		die("mmap of %zu bytes at offset 0x%llx of %s: %s", len,
		    (unsigned long long)(t->offset + off), t->dev,
		    strerror(errno));
	if (t->populate)
		populate(t, p, len);
	return p;
}

static void unmap(char *p, size_t len)
{
	if (munmap(p, len))
		die("munmap: %s", strerror(errno));
}

static void touch(char *p, size_t off)
{
	*(volatile uint64_t *)(p + off) = off;
}

/* One operation to time: what it does, and to which part of which window. */
struct op {
	void (*fn)(const struct op *op);
	const struct target *t;
	const char *config;	/* the label; NULL: opt.config */
	const char *around;	/* fault_around to set before each turn */
	uint64_t off;
	size_t len;
	const size_t *pages;	/* sparse: page indices to touch */
	size_t npages;
	size_t touched;		/* pages touched per operation */
	char *mem;		/* bw: a mapping that stays */
};

static void op_mmap(const struct op *op)
{
	unmap(map(op->t, op->off, op->len), op->len);
}

static void op_sweep(const struct op *op)
{
	char *p = map(op->t, op->off, op->len);
	size_t off;

	for (off = 0; off < op->len; off += opt.page)
		touch(p, off);
	unmap(p, op->len);
}

/* The sweep with PHYSWIN_IOC_POPULATE in place of the touches. */
static void op_populate(const struct op *op)
{
	char *p = map(op->t, op->off, op->len);

	if (!op->t->populate)
		populate(op->t, p, op->len);
	unmap(p, op->len);
}

static void op_backward(const struct op *op)
{
	char *p = map(op->t, op->off, op->len);
	size_t off;

	for (off = op->len; off; off -= opt.page)
		touch(p, off - opt.page);
	unmap(p, op->len);
}

static void op_stride(const struct op *op)
{
	char *p = map(op->t, op->off, op->len);
	size_t off;

	for (off = 0; off < op->len; off += STRIDE_PAGES * opt.page)
		touch(p, off);
	unmap(p, op->len);
}

/* One of the two threads of op_threads(): every other page, from @first. */
struct half {
	char *p;
	size_t len;
	size_t first;
};

static void *sweep_half(void *arg)
{
	const struct half *h = arg;
	size_t off;

	for (off = h->first; off < h->len; off += 2 * opt.page)
		touch(h->p, off);
	return NULL;
}

static void op_threads(const struct op *op)
{
	char *p = map(op->t, op->off, op->len);
	struct half odd = { p, op->len, opt.page };
	struct half even = { p, op->len, 0 };
	pthread_t thread;
	int err;

	err = pthread_create(&thread, NULL, sweep_half, &odd);
	if (err)
		die("pthread_create: %s", strerror(err));
	sweep_half(&even);
	err = pthread_join(thread, NULL);
	if (err)
		die("pthread_join: %s", strerror(err));
	unmap(p, op->len);
}

static void op_sparse(const struct op *op)
{
	char *p = map(op->t, op->off, op->len);
	size_t i;

	for (i = 0; i < op->npages; i++)
		touch(p, op->pages[i] * opt.page);
	unmap(p, op->len);
}

/* Keeps the compiler from dropping the reads. */
static volatile uint64_t read_sink;

static void op_read(const struct op *op)
{
	const uint64_t *w = (const uint64_t *)op->mem;
	size_t i, n = op->len / sizeof(*w);
	uint64_t sum = 0;

	for (i = 0; i < n; i++)
		sum += w[i];
	read_sink = sum;
}

static void op_write(const struct op *op)
{
	uint64_t *w = (uint64_t *)op->mem;
	size_t i, n = op->len / sizeof(*w);

	/* Not a constant, so that the loop does not become a memset(). */
	for (i = 0; i < n; i++)
		w[i] = i;
}

static double time_ops(const struct op *op, unsigned long iters)
{
	unsigned long i;
	double t = now();

	for (i = 0; i < iters; i++)
		op->fn(op);
	return now() - t;
}

/*
 * How many iterations make a run last @seconds. The untimed rounds this
 * takes also warm up page tables and caches.
 */
static unsigned long calibrate(const struct op *op, double seconds)
{
	unsigned long iters = 1;
	double t;

	for (;;) {
		t = time_ops(op, iters);
		if (t >= seconds / 4 || iters >= MAX_ITERS)
			break;
		iters *= 2;
	}
	if (t < seconds)
		iters = iters * seconds / t + 1;
	return iters < MAX_ITERS ? iters : MAX_ITERS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

enum unit { UNIT_US, UNIT_MS, UNIT_MBS };

static const char * const unit_names[] = {
	[UNIT_US] = "us",
	[UNIT_MS] = "ms",
	[UNIT_MBS] = "MB/s",
};

/* Seconds per operation on @len bytes, in @unit. */
static double in_unit(double seconds, enum unit unit, size_t len)
{
	switch (unit) {
	case UNIT_US:
		return seconds * 1e6;
	case UNIT_MS:
		return seconds * 1e3;
	case UNIT_MBS:
		return len / seconds / 1e6;
	}
	return 0;
}

/* What the timed runs of one operation gave. */
struct sample {
	double secs[MAX_RUNS * TURNS_PER_RUN];	/* per operation, per run */
	unsigned int runs;
	unsigned long iters;
	uint64_t faults;	/* over all runs */
	uint64_t pages;		/* mapped by those faults */
	uint64_t minflt;
};

static void report(const char *metric, const struct op *op,
		   const struct sample *s, enum unit unit)
{
	double sorted[ARRAY_SIZE(s->secs)], median;
	uint64_t ops = (uint64_t)s->runs * s->iters;
	unsigned int r, n = s->runs;

	memcpy(sorted, s->secs, sizeof(sorted[0]) * n);
	qsort(sorted, n, sizeof(sorted[0]), cmp_double);
	median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;

	printf("BENCH {\"target\":\"%s\",\"config\":\"%s\",\"cache\":\"%s\"",
	       op->t->name, op->config ? op->config : opt.config, opt.cache);
	printf(",\"metric\":\"%s\",\"size\":%zu,\"offset\":%llu", metric,
	       op->len, (unsigned long long)op->off);
	printf(",\"unit\":\"%s\",\"value\":%.6g,\"runs\":%u,\"iters\":%lu",
	       unit_names[unit], in_unit(median, unit, op->len), n, s->iters);
	printf(",\"faults\":%.6g,\"minflt\":%.6g",
	       (double)s->faults / ops, (double)s->minflt / ops);
	if (op->t->pages_fd >= 0)
		printf(",\"pages\":%.6g", (double)s->pages / ops);
	printf(",\"touched\":%zu,\"samples\":[", op->touched);
	for (r = 0; r < n; r++)
		printf("%s%.6g", r ? "," : "",
		       in_unit(s->secs[r], unit, op->len));
	printf("]}\n");
	fflush(stdout);
}

static void set_around(const char *around)
{
	int fd = open(AROUND_PARAM, O_WRONLY);

	if (fd < 0 || write(fd, around, strlen(around)) < 0)
		die("cannot set fault_around=%s: %s", around, strerror(errno));
	close(fd);
}

/*
 * Time each of the @n operations in @ops over opt.runs runs and report
 * each. Two operations take turns, TURNS_PER_RUN shorter ones per run;
 * more take one turn each per run. Faults are counted over the timed runs
 * only and reported per operation.
 */
static void measure(const char *metric, const struct op *ops, unsigned int n,
		    enum unit unit)
{
	static struct sample s[MAX_OPS];
	unsigned int turns = n == 2 ? TURNS_PER_RUN : 1;
	unsigned int i, r, runs = opt.runs * turns;

	if (n > ARRAY_SIZE(s))
		die("more operations than samples");
	memset(s, 0, sizeof(s));
	for (i = 0; i < n; i++) {
		if (ops[i].around)
			set_around(ops[i].around);
		s[i].runs = runs;
		s[i].iters = calibrate(&ops[i], RUN_SECONDS / turns);
	}
	for (r = 0; r < runs; r++) {
		for (i = 0; i < n; i++) {
			if (ops[i].around)
				set_around(ops[i].around);
			uint64_t faults = target_faults(ops[i].t);
			uint64_t pages = target_pages(ops[i].t);
			uint64_t minflt = minor_faults();

			s[i].secs[r] = time_ops(&ops[i], s[i].iters) /
				       s[i].iters;
			s[i].faults += target_faults(ops[i].t) - faults;
			s[i].pages += target_pages(ops[i].t) - pages;
			s[i].minflt += minor_faults() - minflt;
			if (n > 1)
				usleep(TURN_PAUSE_US);
		}
	}
	for (i = 0; i < n; i++)
		report(metric, &ops[i], &s[i], unit);
}

/* Time @op, and the same on the peer in turns with it if there is one. */
static void measure_both(const char *metric, const struct op *op,
			 enum unit unit)
{
	struct op ops[2] = { *op, *op };

	ops[1].t = &peer;
	ops[1].config = opt.peer_config;
	measure(metric, ops, peer.dev ? 2 : 1, unit);
}

/*
 * Time @op at each -F fault_around value and on the peer, all in turns;
 * without -F, as measure_both().
 */
static void measure_arounds(const char *metric, const struct op *op)
{
	static char labels[MAX_OPS][128];
	struct op ops[MAX_OPS];
	unsigned int i, n = 0;

	if (!opt.narounds) {
		measure_both(metric, op, UNIT_MS);
		return;
	}
	for (i = 0; i < opt.narounds; i++, n++) {
		ops[n] = *op;
		ops[n].around = opt.arounds[i];
		snprintf(labels[n], sizeof(labels[n]), "fa=%s %s",
			 opt.arounds[i], opt.config);
		ops[n].config = labels[n];
	}
	if (peer.dev) {
		ops[n] = *op;
		ops[n].t = &peer;
		ops[n++].config = opt.peer_config;
	}
	measure(metric, ops, n, UNIT_MS);
}

static uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* SPARSE_PERCENT of the @total pages, distinct, in pseudo-random order. */
static size_t *sparse_pages(size_t total, size_t *count)
{
	size_t n = total * SPARSE_PERCENT / 100, i = 0;
	uint8_t *taken = calloc(total, 1);
	size_t *pages = calloc(n ? n : 1, sizeof(*pages));
	uint64_t seed = SPARSE_SEED;

	if (!taken || !pages)
		die("out of memory");
	while (i < n) {
		size_t pg = xorshift64(&seed) % total;

		if (!taken[pg]) {
			taken[pg] = 1;
			pages[i++] = pg;
		}
	}
	free(taken);
	*count = n;
	return pages;
}

static bool fits(uint64_t off, uint64_t len)
{
	return off < opt.length && len <= opt.length - off;
}

static void test_warm(void)
{
	char *p = map(&target, 0, opt.length);
	size_t off;

	for (off = 0; off < opt.length; off += opt.page)
		touch(p, off);
	unmap(p, opt.length);
	printf("INFO %s: wrote every page of [mem 0x%llx-0x%llx]\n",
	       target.name, (unsigned long long)opt.phys,
	       (unsigned long long)(opt.phys + opt.length - 1));
}

/* The PAT entries that overlap the window, read while it is mapped. */
static void test_pat(void)
{
	static const char list[] = "/sys/kernel/debug/x86/pat_memtype_list";
	unsigned long long start, end;
	char line[256], type[64];
	char *p = map(&target, 0, opt.length);
	int found = 0;
	FILE *f;

	f = fopen(list, "r");
	if (!f) {
		printf("INFO %s cache=%s: cannot read %s: %s\n", target.name,
		       opt.cache, list, strerror(errno));
		unmap(p, opt.length);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "PAT: [mem 0x%llx-0x%llx] %63[^\n]", &start,
			   &end, type) != 3)
			continue;
		if (end <= opt.phys || start >= opt.phys + opt.length)
			continue;
		printf("INFO %s cache=%s: PAT memtype [mem 0x%llx-0x%llx] %s\n",
		       target.name, opt.cache, start, end, type);
		found++;
	}
	if (!found)
		printf("INFO %s cache=%s: no PAT memtype entry for the window\n",
		       target.name, opt.cache);
	fclose(f);
	unmap(p, opt.length);
}

static void test_mmap(void)
{
	static const uint64_t sizes[] = { SZ_4K, SZ_2M, SZ_64M, SZ_1G };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct op op = { .fn = op_mmap, .t = &target, .len = sizes[i] };

		if (fits(0, sizes[i]))
			measure_both("mmap", &op, UNIT_US);
	}
}

/* An access pattern over [@off, @off + @len), touching @touched pages. */
static void pattern(const char *metric, void (*fn)(const struct op *op),
		    uint64_t off, size_t len, size_t touched)
{
	struct op op = {
		.fn = fn, .t = &target, .off = off, .len = len,
		.touched = touched,
	};

	measure_arounds(metric, &op);
}

static void sweep(uint64_t off, size_t len)
{
	pattern("sweep", op_sweep, off, len, len / opt.page);
}

static void sparse(uint64_t off, size_t len)
{
	struct op op = { .fn = op_sparse, .t = &target, .off = off, .len = len };
	size_t *pages = sparse_pages(len / opt.page, &op.npages);

	op.pages = pages;
	op.touched = op.npages;
	measure_arounds("sparse", &op);
	free(pages);
}

static void stride(uint64_t off, size_t len)
{
	pattern("stride", op_stride, off, len,
		len / opt.page / STRIDE_PAGES);
}

static void backward(uint64_t off, size_t len)
{
	pattern("backward", op_backward, off, len, len / opt.page);
}

static void threads(uint64_t off, size_t len)
{
	pattern("threads", op_threads, off, len, len / opt.page);
}

/* @fn over each of @sizes that fits the window, from its start. */
static void for_sizes(void (*fn)(uint64_t off, size_t len),
		      const uint64_t *sizes, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!fits(0, sizes[i]) || (opt.size && sizes[i] != opt.size))
			continue;
		fn(0, sizes[i]);
		opt.size_measured = true;
	}
}

static const uint64_t dense_sizes[] = { SZ_2M, SZ_64M, SZ_1G };
static const uint64_t sparse_sizes[] = { SZ_64M, SZ_1G };

static void test_sweep(void)
{
	for_sizes(sweep, dense_sizes, ARRAY_SIZE(dense_sizes));
}

static void test_sparse(void)
{
	for_sizes(sparse, sparse_sizes, ARRAY_SIZE(sparse_sizes));
}

static void test_stride(void)
{
	for_sizes(stride, sparse_sizes, ARRAY_SIZE(sparse_sizes));
}

static void test_backward(void)
{
	for_sizes(backward, dense_sizes, ARRAY_SIZE(dense_sizes));
}

static void test_threads(void)
{
	for_sizes(threads, sparse_sizes, ARRAY_SIZE(sparse_sizes));
}

static void test_bw(void)
{
	struct op ops[2] = {
		{ .t = &target, .len = SZ_64M },
		{ .t = &peer, .len = SZ_64M },
	};
	unsigned int i, n = peer.dev ? 2 : 1;
	size_t off;

	if (!fits(0, SZ_64M))
		return;
	for (i = 0; i < n; i++) {
		ops[i].mem = map(ops[i].t, 0, ops[i].len);
		for (off = 0; off < ops[i].len; off += opt.page)
			touch(ops[i].mem, off);
	}
	for (i = 0; i < n; i++)
		ops[i].fn = op_read;
	measure("bw_read", ops, n, UNIT_MBS);
	for (i = 0; i < n; i++)
		ops[i].fn = op_write;
	measure("bw_write", ops, n, UNIT_MBS);
	for (i = 0; i < n; i++)
		unmap(ops[i].mem, ops[i].len);
}

/*
 * A populated mapping must take no fault: sweep one and count. Each size
 * once, untimed, after its populate has been measured.
 */
static void check_populate(size_t len)
{
	char *p = map(&target, 0, len);
	uint64_t faults;
	size_t off;

	if (!target.populate)
		populate(&target, p, len);
	faults = target_faults(&target);
	for (off = 0; off < len; off += opt.page)
		touch(p, off);
	faults = target_faults(&target) - faults;
	unmap(p, len);
	printf("CHECK {\"target\":\"%s\",\"config\":\"%s\",\"cache\":\"%s\"",
	       target.name, opt.config, opt.cache);
	printf(",\"check\":\"sweep_after_populate\",\"size\":%zu", len);
	printf(",\"faults\":%llu}\n", (unsigned long long)faults);
	fflush(stdout);
}

/* Timed against the peer's mmap + munmap of the same size, in turns. */
static void test_populate(void)
{
	static const uint64_t sizes[] = { SZ_2M, SZ_64M, SZ_1G };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct op ops[2] = {
			{ .fn = op_populate, .t = &target, .len = sizes[i] },
			{ .fn = op_mmap, .t = &peer, .len = sizes[i] },
		};

		if (!fits(0, sizes[i]))
			continue;
		measure("populate", ops, peer.dev ? 2 : 1, UNIT_MS);
		check_populate(sizes[i]);
	}
}

/* From 2 MiB to the end: PMD-aligned, but no 1 GiB block fits. */
static void test_pmd(void)
{
	if (opt.length <= SZ_2M)
		return;
	sweep(SZ_2M, opt.length - SZ_2M);
	sparse(SZ_2M, opt.length - SZ_2M);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "warm", test_warm },
	{ "pat", test_pat },
	{ "mmap", test_mmap },
	{ "sweep", test_sweep },
	{ "sparse", test_sparse },
	{ "stride", test_stride },
	{ "backward", test_backward },
	{ "threads", test_threads },
	{ "bw", test_bw },
	{ "pmd", test_pmd },
	{ "populate", test_populate },
};

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: physwin_bench -d DEVICE | -V BDF [-o OFFSET] [-p PHYS] [-l LENGTH]\n"
		"                     [-t NAME] [-c CONFIG] [-m CACHE] [-f FAULTS] [-r RUNS]\n"
		"                     [-a ALIGN] [-D PEER -O PEER_OFFSET [-T PEER_NAME]\n"
		"                     [-C PEER_CONFIG]] [-F AROUND,...] [-S SIZE] [-s] [-P]\n"
		"                     TEST...\n"
		"tests: warm pat mmap sweep sparse stride backward threads bw pmd\n"
		"       populate\n");
	exit(2);
}

/* The labels end up in JSON strings: keep them free of quoting. */
static const char *label(const char *s)
{
	if (strpbrk(s, "\"\\\n"))
		die("labels cannot hold quotes, backslashes or newlines: %s", s);
	return s;
}

/*
 * What a VFIO user (DPDK, SPDK, QEMU) does to map a BAR: a type1 container,
 * the device's IOMMU group in it, the device from the group, and the
 * offset of the BAR's region in the device fd. The fds stay open, as the
 * BAR is claimed (pci_request_selected_regions()) only while they are.
 */
static void open_vfio(struct target *t)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_region_info reg = {
		.argsz = sizeof(reg),
		.index = VFIO_PCI_BAR2_REGION_INDEX,
	};
	char path[PATH_MAX], link[PATH_MAX];
	const char *group;
	int container, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 t->dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die("%s: %s (is the IOMMU on?)", path, strerror(errno));
	link[n] = '\0';
	group = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		die("cannot open /dev/vfio/vfio: %s", strerror(errno));
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		die("unknown VFIO API version");
	if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0)
		die("VFIO has no type1 IOMMU");

	snprintf(path, sizeof(path), "/dev/vfio/%.32s", group);
	fd = open(path, O_RDWR);
	if (fd < 0)
		die("cannot open %s: %s", path, strerror(errno));
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &status))
		die("VFIO_GROUP_GET_STATUS: %s", strerror(errno));
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("IOMMU group %s is not viable: bind all its devices to vfio-pci",
		    group);
	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &container))
		die("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		die("VFIO_SET_IOMMU: %s", strerror(errno));

	t->fd = ioctl(fd, VFIO_GROUP_GET_DEVICE_FD, t->dev);
	if (t->fd < 0)
		die("VFIO_GROUP_GET_DEVICE_FD %s: %s", t->dev, strerror(errno));
	if (ioctl(t->fd, VFIO_DEVICE_GET_REGION_INFO, &reg))
		die("VFIO_DEVICE_GET_REGION_INFO: %s", strerror(errno));
	if (!(reg.flags & VFIO_REGION_INFO_FLAG_MMAP))
		die("BAR2 of %s cannot be mmapped through VFIO", t->dev);
	if (reg.size < opt.length)
		die("BAR2 of %s is %llu bytes, less than the length", t->dev,
		    (unsigned long long)reg.size);
	t->offset = reg.offset;
	printf("INFO vfio: %s in IOMMU group %s, BAR2 %llu MiB at region offset 0x%llx\n",
	       t->dev, group, (unsigned long long)reg.size >> 20,
	       (unsigned long long)reg.offset);
}

static void open_target(struct target *t)
{
	t->fd = open(t->dev, O_RDWR | (opt.sync ? O_SYNC : 0));
	if (t->fd < 0)
		die("cannot open %s: %s", t->dev, strerror(errno));
	if (t->faults_path) {
		char pages[PATH_MAX];
		const char *dir = strrchr(t->faults_path, '/');

		t->faults_fd = open(t->faults_path, O_RDONLY);
		if (t->faults_fd < 0)
			die("cannot open %s: %s", t->faults_path,
			    strerror(errno));
		/* fault_pages beside it; an older physwin has none. */
		snprintf(pages, sizeof(pages), "%.*sfault_pages",
			 dir ? (int)(dir - t->faults_path + 1) : 0,
			 t->faults_path);
		t->pages_fd = open(pages, O_RDONLY);
	}
}

int main(int argc, char **argv)
{
	bool phys_set = false;
	unsigned int i;
	char *arg;
	int c;

	while ((c = getopt(argc, argv, "d:V:o:p:l:t:c:m:f:r:a:D:O:T:C:F:S:sP")) != -1) {
		switch (c) {
		case 'd':
			target.dev = optarg;
			break;
		case 'V':
			target.dev = optarg;
			target.vfio = true;
			break;
		case 'o':
			target.offset = parse_size(optarg);
			break;
		case 'p':
			opt.phys = parse_size(optarg);
			phys_set = true;
			break;
		case 'l':
			opt.length = parse_size(optarg);
			break;
		case 't':
			target.name = label(optarg);
			break;
		case 'c':
			opt.config = label(optarg);
			break;
		case 'm':
			opt.cache = label(optarg);
			break;
		case 'f':
			target.faults_path = optarg;
			break;
		case 'r':
			opt.runs = parse_size(optarg);
			break;
		case 'a':
			opt.align = parse_size(optarg);
			break;
		case 'D':
			peer.dev = optarg;
			break;
		case 'O':
			peer.offset = parse_size(optarg);
			break;
		case 'T':
			peer.name = label(optarg);
			break;
		case 'C':
			opt.peer_config = label(optarg);
			break;
		case 'F':
			for (arg = strtok(optarg, ","); arg;
			     arg = strtok(NULL, ",")) {
				if (opt.narounds == ARRAY_SIZE(opt.arounds))
					die("at most %zu fault_around values",
					    ARRAY_SIZE(opt.arounds));
				opt.arounds[opt.narounds++] = label(arg);
			}
			break;
		case 'S':
			opt.size = parse_size(optarg);
			if (!opt.size)
				die("-S needs a size");
			break;
		case 's':
			opt.sync = true;
			break;
		case 'P':
			target.populate = true;
			break;
		default:
			bad_usage();
		}
	}
	if (!target.dev || optind == argc)
		bad_usage();
	if (!opt.runs || opt.runs > MAX_RUNS)
		die("runs must be 1 to %d", MAX_RUNS);
	if (opt.align & (opt.align - 1))
		die("the alignment must be a power of two");
	if (!phys_set)
		opt.phys = target.offset;
	if (!opt.peer_config)
		opt.peer_config = opt.config;
	if (!target.name)
		target.name = target.vfio ? "vfio" :
			      target.faults_path ? "physwin" : "devmem";
	opt.page = sysconf(_SC_PAGESIZE);

	if (target.vfio)
		open_vfio(&target);
	else
		open_target(&target);
	if (peer.dev)
		open_target(&peer);

	for (; optind < argc; optind++) {
		for (i = 0; i < ARRAY_SIZE(tests); i++)
			if (!strcmp(argv[optind], tests[i].name))
				break;
		if (i == ARRAY_SIZE(tests))
			bad_usage();
		tests[i].fn();
	}
	if (opt.size && !opt.size_measured)
		die("no access pattern asked for was measured at -S %llu",
		    (unsigned long long)opt.size);
	return 0;
}
