// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: the helper of physwin_failinject.sh, which sets up failslab or
 * fail_page_alloc in debugfs and then runs:
 *
 *   physwin_failinject_ops loadwalk KO RBASE RSIZE PARAM...
 *	init_module() of KO with /proc/thread-self/fail-nth set to N, for
 *	N = 1, 2, ... until a load reaches no Nth allocation: the Nth
 *	allocation that reaches the fault injection code fails. A load that
 *	fails must leave nothing behind (module, /dev/physwin*, /proc/iomem,
 *	PAT memtypes starting in [RBASE, RBASE + RSIZE)); one that works
 *	must look exactly like a load without injection, and unload.
 *
 *   physwin_failinject_ops loadrace KO RBASE RSIZE ROUNDS PARAM...
 *	The same loads, failing only in the second window's setup or later,
 *	each N ROUNDS times, while a thread on another CPU opens
 *	/dev/physwin0 in a loop: a load that fails must not have let it
 *	open, nor leave anything behind.
 *
 *   physwin_failinject_ops op DEV OP
 *	Walks OP (mmap, touch, touch-huge, populate, read, pread, write,
 *	pwrite) on DEV
 *	through its allocation points: for N = 1, 2, ... a child process
 *	does OP with fail-nth N, until OP no longer reaches an Nth point.
 *	touch-huge maps DEV across a 512 GiB boundary of otherwise empty
 *	address space, so that its PMD faults need new PUD and PMD tables
 *	on both sides: a PMD entry needs no table below it, and next to
 *	the other mappings the tables above it already exist.
 *	Each run must succeed, fail with an errno an allocation failure
 *	explains, or (touch only) end by SIGBUS, SIGSEGV or SIGKILL; whatever
 *	succeeded must have moved the right data, and the window's mappings
 *	count must be back to where it was once the child is gone.
 *
 *   physwin_failinject_ops check DEV
 *	Without injection: mmap, touch, populate, read and write must all
 *	work and agree.
 *
 * fail-nth is per thread (only the child is affected, whatever the rest of
 * the system does) and, unlike the probability/interval knobs, walks the
 * allocation points one by one, the same way every run.
 *
 * A walk that reaches no allocation point tests nothing, and fails.
 *
 * Exit: 0 all fine, 1 something unacceptable happened, 4 cannot run.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/physwin.h>

#include "kselftest.h"
#include "physwin_test.h"

/* Bytes mapped by the mmap ops, and the scratch area that writes go to. */
#define MAP_LEN		(4UL << 20)
#define IO_LEN		(64UL << 10)
#define SCRATCH		MAP_LEN
#define MAX_NTH		2000
#define CHILD_SECONDS	30

static const char *fail_nth_path = "/proc/thread-self/fail-nth";
static uint64_t seed;
static int problems;

#define problem(fmt, ...) do {						\
	printf("# " fmt "\n", ##__VA_ARGS__);				\
	problems++;							\
} while (0)

/* Arm fail-nth: the @nth allocation point from now on fails. */
static void fail_nth_set(int fd, unsigned int nth)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", nth);

	if (pwrite(fd, buf, len, 0) != len) {
		printf("# cannot write %s: %s\n", fail_nth_path,
		       strerror(errno));
		_exit(KSFT_FAIL);
	}
}

/*
 * Disarm fail-nth; return whether the failure was injected (the counter
 * had reached 0) or the operation ended before its Nth point.
 */
static bool fail_nth_reset(int fd)
{
	char buf[16] = "";
	ssize_t n;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	fail_nth_set(fd, 0);
	return n > 0 && strtoul(buf, NULL, 10) == 0;
}

static int fail_nth_open(void)
{
	int fd = open(fail_nth_path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("# cannot open %s: %s\n", fail_nth_path,
		       strerror(errno));
		exit(KSFT_SKIP);
	}
	return fd;
}

/* ----------------------------------------------------------------------
 * loadwalk
 */

/* Append the lines of @path that contain @needle to @buf. */
static void grep_file(const char *path, const char *needle, char *buf,
		      size_t len)
{
	char line[256];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			strncat(buf, line, len - strlen(buf) - 1);
	fclose(f);
}

/*
 * What physwin shows of itself: the module, its windows (device node and
 * attributes), its /proc/iomem claims and the PAT memtypes that start in
 * [@rbase, @rbase + @rsize).
 */
static void snapshot(uint64_t rbase, uint64_t rsize, char *buf, size_t len)
{
	struct pw_window w[PW_MAX_WINDOWS];
	unsigned long long start;
	char line[256];
	uint64_t maps;
	int i, n;
	FILE *f;

	buf[0] = '\0';
	if (!access(PW_MODULE_DIR, F_OK))
		strncat(buf, "module loaded\n", len - strlen(buf) - 1);
	n = pw_windows(w, PW_MAX_WINDOWS);
	for (i = 0; i < n; i++) {
		if (pw_attr_u64(w[i].index, "mappings", &maps))
			maps = -1;
		snprintf(line, sizeof(line), "%s %s %#llx %#llx %s %lld\n",
			 w[i].name, access(w[i].dev, F_OK) ? "-" : w[i].dev,
			 (unsigned long long)w[i].base,
			 (unsigned long long)w[i].size, w[i].cache,
			 (long long)maps);
		strncat(buf, line, len - strlen(buf) - 1);
	}
	for (i = 0; i < PW_MAX_WINDOWS; i++) {
		snprintf(line, sizeof(line), "/dev/physwin%d", i);
		if (!access(line, F_OK) && (i >= n || strcmp(w[i].dev, line))) {
			strncat(line, " exists\n", sizeof(line) - strlen(line) - 1);
			strncat(buf, line, len - strlen(buf) - 1);
		}
	}
	grep_file("/proc/iomem", "physwin", buf, len);
	f = fopen(PW_PAT_LIST, "re");
	while (f && fgets(line, sizeof(line), f)) {
		/* PAT: [mem 0x0000000060000000-0x0000000062000000] uncached-minus */
		if (sscanf(line, "PAT: [mem %llx", &start) == 1 &&
		    start >= rbase && start < rbase + rsize)
			strncat(buf, line, len - strlen(buf) - 1);
	}
	if (f)
		fclose(f);
}

static void print_indented(const char *what, const char *text)
{
	const char *p = text, *nl;

	printf("#   %s:%s\n", what, *text ? "" : " (nothing)");
	while (*p) {
		nl = strchrnul(p, '\n');
		printf("#     %.*s\n", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

/*
 * The module image, read once: init_module(), not finit_module(), because
 * the kernel copies the image with __GFP_NOWARN, where
 * kernel_read_file()'s vmalloc() would dump a stack for each failure.
 */
static void *read_image(const char *path, size_t *size)
{
	struct stat st;
	void *image;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		printf("# cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	image = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
		     fd, 0);
	close(fd);
	if (image == MAP_FAILED)
		return NULL;
	*size = st.st_size;
	return image;
}

static int load(void *image, size_t size, const char *params)
{
	return syscall(SYS_init_module, image, (unsigned long)size, params);
}

static int unload(void)
{
	return syscall(SYS_delete_module, "physwin", O_NONBLOCK);
}

/*
 * The module parameters PARAM... as one string; with @first, those of the
 * first window only (base=A,B length=C,D becomes base=A length=C).
 */
static int join_params(int argc, char **argv, bool first, char *buf,
		       size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < argc; i++)
		n += snprintf(buf + n, len - n, "%s%.*s", n ? " " : "",
			      first ? (int)strcspn(argv[i], ",") :
				      (int)strlen(argv[i]),
			      argv[i]);
	return n < len ? 0 : -1;
}

/*
 * loadwalk KO RBASE RSIZE PARAM...: load KO with PARAM... and with the
 * Nth allocation failing, for N = 1, 2, ... until a load reaches no Nth
 * allocation. A load that works must look exactly like one made without
 * injection, and unload; one that fails must leave nothing.
 */
static int cmd_loadwalk(int argc, char **argv)
{
	static char empty[8192], good[8192], now[8192];
	int nfd, nth, ret, err, failed = 0, worked = 0, points = 0;
	char params[4096];
	uint64_t rbase, rsize;
	bool injected = true;
	size_t size;
	void *image;

	if (argc < 6 || pw_parse_u64(argv[3], &rbase) ||
	    pw_parse_u64(argv[4], &rsize) ||
	    join_params(argc - 5, argv + 5, false, params, sizeof(params)))
		return KSFT_FAIL;
	image = read_image(argv[2], &size);
	if (!image)
		return KSFT_SKIP;
	nfd = fail_nth_open();

	/* The reference: before loading, and loaded without injection. */
	snapshot(rbase, rsize, empty, sizeof(empty));
	if (load(image, size, params)) {
		printf("# cannot load %s %s: %s\n", argv[2], params,
		       strerror(errno));
		return KSFT_FAIL;
	}
	snapshot(rbase, rsize, good, sizeof(good));
	if (unload()) {
		printf("# cannot unload physwin: %s\n", strerror(errno));
		return KSFT_FAIL;
	}

	for (nth = 1; injected && nth <= MAX_NTH && problems < 10; nth++) {
		fail_nth_set(nfd, nth);
		ret = load(image, size, params);
		err = errno;
		injected = fail_nth_reset(nfd);
		points += injected;
		snapshot(rbase, rsize, now, sizeof(now));
		if (ret) {
			failed++;
			if (strcmp(now, empty)) {
				problem("nth=%d: the load failed with %s and left:",
					nth, strerrorname_np(err));
				print_indented("left", now);
			}
			continue;
		}
		worked++;
		if (strcmp(now, good)) {
			problem("nth=%d: the load worked, but not as without failures:",
				nth);
			print_indented("expected", good);
			print_indented("got", now);
		}
		if (unload()) {
			problem("nth=%d: cannot unload physwin: %s", nth,
				strerror(errno));
			break;
		}
		snapshot(rbase, rsize, now, sizeof(now));
		if (strcmp(now, empty)) {
			problem("nth=%d: unloading left:", nth);
			print_indented("left", now);
		}
	}
	if (injected && problems < 10)
		problem("still failing allocations after %d points", MAX_NTH);
	if (!points)
		problem("the load reached no allocation point: nothing was tested");
	printf("# %d allocation points: %d loads failed, %d worked despite the failure\n",
	       points, failed, worked - !injected);
	return problems ? KSFT_FAIL : KSFT_PASS;
}

/* ----------------------------------------------------------------------
 * loadrace
 */

#define RACE_DEV	"/dev/physwin0"

/* The loading thread and the opener, in step one load at a time. */
static struct {
	pthread_barrier_t start, end;
	atomic_bool loading;	/* a load is under way: keep opening */
	bool quit;
	int cpu;		/* of the opener, or -1 */
	int fd;			/* what open() gave during the load, or -1 */
	int bad_errno;		/* an errno open() must not fail with */
	unsigned long opens;	/* open() calls */
	unsigned long found;	/* those that found the device node */
} race;

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		printf("# cannot move to CPU %d: %s\n", cpu, strerror(errno));
}

/*
 * Open RACE_DEV in a loop for as long as the load lasts, or until it gives
 * a file: the loading thread looks at that once the load is over.
 */
static void *opener(void *arg)
{
	int fd;

	pin(race.cpu);
	for (;;) {
		pthread_barrier_wait(&race.start);
		if (race.quit)
			return NULL;
		while (atomic_load(&race.loading)) {
			fd = open(RACE_DEV, O_RDWR | O_CLOEXEC);
			race.opens++;
			if (fd >= 0) {
				race.fd = fd;
				race.found++;
				break;
			}
			if (errno == ENOENT)
				continue;
			race.found++;
			/* No such device: no window, or not set up yet. */
			if (errno != ENXIO && errno != ENODEV)
				race.bad_errno = errno;
		}
		pthread_barrier_wait(&race.end);
	}
}

/*
 * Use @fd, a file opened during a load that failed, as a program would:
 * read it, map it and touch the mapping. Its window and module are gone;
 * a kernel that let the file outlive them reports it here, or crashes.
 */
static void use_gone(int fd)
{
	uint64_t v;
	void *map;

	printf("# read: %zd\n", pread(fd, &v, sizeof(v), 0));
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return;
	printf("# touch: %#llx\n", (unsigned long long)pw_rd(map));
	munmap(map, 4096);
}

/* Does a load with @params reach an Nth allocation point? -1: error */
static int reaches(int nfd, void *image, size_t size, const char *params,
		   int nth)
{
	bool injected;
	int ret;

	fail_nth_set(nfd, nth);
	ret = load(image, size, params);
	injected = fail_nth_reset(nfd);
	if (!ret && unload())
		return -1;
	return injected;
}

/*
 * How many allocation points a load with @params reaches, or -1. A load
 * follows the same path up to its Nth point whether that one fails or
 * not, so reaching the Nth point means reaching every one before it:
 * bisect instead of walking.
 */
static int count_points(int nfd, void *image, size_t size,
			const char *params)
{
	int lo = 0, hi = 1, mid, ret;

	/* lo is reached, hi is not. */
	while ((ret = reaches(nfd, image, size, params, hi)) == 1) {
		lo = hi;
		hi *= 2;
		if (hi > MAX_NTH)
			return -1;
	}
	while (ret >= 0 && hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		ret = reaches(nfd, image, size, params, mid);
		if (ret == 1)
			lo = mid;
		else
			hi = mid;
	}
	return ret < 0 ? -1 : lo;
}

/*
 * loadrace KO RBASE RSIZE ROUNDS PARAM...: fail, ROUNDS times each, every
 * allocation of the load that comes after the first window's setup (the
 * points past those of a load of the first window alone), while a thread
 * on another CPU opens /dev/physwin0 in a loop. The first window's device
 * is then there until the failure tears it down: a file opened meanwhile
 * would outlive its window and its module. An open during a load may
 * fail (ENODEV, ENXIO, ENOENT) or give a file; in a load that then fails,
 * it must not have given one. Each failed load must leave nothing.
 */
static int cmd_loadrace(int argc, char **argv)
{
	static char empty[8192], now[8192];
	int nfd, nth, first, round, rounds, ret, err, cpus = 0;
	unsigned long loads = 0, files = 0, points = 0;
	char params[4096], first_params[4096];
	uint64_t rbase, rsize, v;
	bool injected = true;
	pthread_t thread;
	cpu_set_t set;
	size_t size;
	void *image;

	if (argc < 7 || pw_parse_u64(argv[3], &rbase) ||
	    pw_parse_u64(argv[4], &rsize) || pw_parse_u64(argv[5], &v) ||
	    !v || v > 1000 ||
	    join_params(argc - 6, argv + 6, false, params, sizeof(params)) ||
	    join_params(argc - 6, argv + 6, true, first_params,
			sizeof(first_params)))
		return KSFT_FAIL;
	rounds = v;
	if (!strcmp(params, first_params)) {
		printf("# %s: one window only, nothing to race\n", params);
		return KSFT_FAIL;
	}
	image = read_image(argv[2], &size);
	if (!image)
		return KSFT_SKIP;
	nfd = fail_nth_open();
	snapshot(rbase, rsize, empty, sizeof(empty));

	first = count_points(nfd, image, size, first_params);
	if (first < 0) {
		printf("# cannot count the allocation points of a load with %s\n",
		       first_params);
		return KSFT_FAIL;
	}

	/* The load on the first CPU it may use, the opener on the last. */
	race.cpu = -1;
	if (!sched_getaffinity(0, sizeof(set), &set))
		cpus = CPU_COUNT(&set);
	if (cpus >= 2) {
		for (nth = CPU_SETSIZE - 1; !CPU_ISSET(nth, &set); nth--)
			;
		race.cpu = nth;
		for (nth = 0; !CPU_ISSET(nth, &set); nth++)
			;
		pin(nth);
	} else {
		printf("# one CPU: the opener and the load take turns\n");
	}
	if (pthread_barrier_init(&race.start, NULL, 2) ||
	    pthread_barrier_init(&race.end, NULL, 2) ||
	    pthread_create(&thread, NULL, opener, NULL)) {
		printf("# cannot start the opener\n");
		return KSFT_FAIL;
	}

	for (nth = first + 1; injected && nth <= MAX_NTH && problems < 10;
	     nth++) {
		for (round = 0; round < rounds && injected && problems < 10;
		     round++) {
			race.fd = -1;
			race.bad_errno = 0;
			atomic_store(&race.loading, true);
			pthread_barrier_wait(&race.start);
			fail_nth_set(nfd, nth);
			ret = load(image, size, params);
			err = errno;
			injected = fail_nth_reset(nfd);
			atomic_store(&race.loading, false);
			pthread_barrier_wait(&race.end);
			loads++;

			if (race.bad_errno)
				problem("nth=%d: open %s failed with %s", nth,
					RACE_DEV,
					strerrorname_np(race.bad_errno));
			if (race.fd >= 0) {
				files++;
				if (ret) {
					problem("nth=%d: opened %s in a load that failed with %s",
						nth, RACE_DEV,
						strerrorname_np(err));
					use_gone(race.fd);
				}
				close(race.fd);
			}
			if (!ret && unload()) {
				problem("nth=%d: cannot unload physwin: %s",
					nth, strerror(errno));
				break;
			}
			snapshot(rbase, rsize, now, sizeof(now));
			if (strcmp(now, empty)) {
				problem("nth=%d: the load %s, and left:", nth,
					ret ? "failed" : "worked");
				print_indented("left", now);
			}
		}
		points += injected;
	}
	race.quit = true;
	pthread_barrier_wait(&race.start);
	pthread_join(thread, NULL);

	if (injected && problems < 10)
		problem("still failing allocations after %d points", MAX_NTH);
	if (!points)
		problem("no allocation point after the first window: nothing was tested");
	if (!race.found)
		problem("%lu opens, none found %s during a load: nothing was tested",
			race.opens, RACE_DEV);
	printf("# %lu allocation points after the first window's %d, %lu loads\n",
	       points, first, loads);
	printf("# %lu opens: %lu found %s, %lu gave a file\n", race.opens,
	       race.found, RACE_DEV, files);
	return problems ? KSFT_FAIL : KSFT_PASS;
}

/* ----------------------------------------------------------------------
 * op and check
 */

enum { OP_MMAP, OP_TOUCH, OP_TOUCH_HUGE, OP_POPULATE, OP_READ, OP_PREAD,
	OP_WRITE, OP_PWRITE, OP_NR };

static const char * const op_names[OP_NR] = {
	[OP_MMAP] = "mmap", [OP_TOUCH] = "touch",
	[OP_TOUCH_HUGE] = "touch-huge", [OP_POPULATE] = "populate",
	[OP_READ] = "read", [OP_PREAD] = "pread", [OP_WRITE] = "write",
	[OP_PWRITE] = "pwrite",
};

/* What a child tells its parent, through a pipe. */
struct report {
	int ret;		/* 0, or the errno the operation failed with */
	int injected;
	int bad;		/* wrong data, or an errno not allowed */
	char msg[160];
};

static struct pw_window win;

/*
 * Offsets touched in the mapping: pages in different blocks and PMDs
 * (for touch-huge, two on each side of the 512 GiB boundary).
 */
static const uint64_t touch_offs[] = {
	0, 0x11000, 0x200000 + 0x3000, MAP_LEN - 8,
};

/* What one PUD table maps (a PGD entry on x86-64 with 4 levels). */
#define PUD_TABLE_SPAN	(512ULL << 30)

/*
 * Map MAP_LEN of @fd across a 512 GiB boundary with no other mapping
 * within 512 GiB of it, 2M aligned like the window: each half then needs
 * a PUD table and a PMD table of its own, none of which exists yet.
 */
static void *map_fresh(int fd)
{
	unsigned long long lo, hi, b;
	char line[512];
	bool used;
	FILE *f;

	/* Below the 47-bit limit of user space (4-level paging). */
	for (b = PUD_TABLE_SPAN; b < (1ULL << 47); b += PUD_TABLE_SPAN) {
		f = fopen("/proc/self/maps", "re");
		if (!f)
			return MAP_FAILED;
		used = false;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 &&
			    lo < b + PUD_TABLE_SPAN && hi > b - PUD_TABLE_SPAN)
				used = true;
		fclose(f);
		if (!used)
			return mmap((void *)(uintptr_t)(b - MAP_LEN / 2),
				    MAP_LEN, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	}
	errno = ENOMEM;
	return MAP_FAILED;
}

static uint64_t pattern_at(uint64_t off)
{
	return pw_pattern(seed, off / 8);
}

static bool check_pattern(const void *buf, uint64_t off, size_t len,
			  char *msg, size_t msglen)
{
	const uint64_t *p = buf;
	size_t i;

	for (i = 0; i < len / 8; i++) {
		if (p[i] != pattern_at(off + i * 8)) {
			snprintf(msg, msglen,
				 "wrong data at window offset %#llx: %#llx, not %#llx",
				 (unsigned long long)(off + i * 8),
				 (unsigned long long)p[i],
				 (unsigned long long)pattern_at(off + i * 8));
			return false;
		}
	}
	return true;
}

/* Put the pattern in [0, MAP_LEN) of the window, without injection. */
static int fill_pattern(int fd)
{
	uint64_t *buf = malloc(IO_LEN);
	uint64_t off;
	size_t i;

	if (!buf)
		return -1;
	for (off = 0; off < MAP_LEN; off += IO_LEN) {
		for (i = 0; i < IO_LEN / 8; i++)
			buf[i] = pattern_at(off + i * 8);
		if (pwrite(fd, buf, IO_LEN, off) != (ssize_t)IO_LEN) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

/* The errnos an allocation failure may explain, per operation. */
static bool errno_allowed(int op, int err)
{
	switch (err) {
	case ENOMEM:
	case EINTR:
		return true;
	case EAGAIN:
		return op == OP_MMAP;
	case EFAULT:
		return op != OP_MMAP;
	default:
		return false;
	}
}

/*
 * A buffer of fresh pages: copying to or from it faults. Reading fresh
 * anonymous memory only maps the zero page, so what write() copies from
 * is shmem, whose read faults allocate its pages.
 */
static void *fresh_buffer(int op)
{
	void *p;
	int fd;

	if (op != OP_WRITE && op != OP_PWRITE)
		return mmap(NULL, IO_LEN, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = memfd_create("physwin_failinject", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, IO_LEN))
		return MAP_FAILED;
	p = mmap(NULL, IO_LEN, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	return p;
}

/*
 * Runs in the child: do @op with fail-nth @nth (0: no injection) and
 * report. Everything but the operation itself runs without injection.
 */
static void child(int op, unsigned int nth, int out)
{
	struct report r = { 0 };
	struct physwin_range range;
	volatile uint64_t sink = 0;
	int fd, nfd, fl;
	uint64_t *buf;
	ssize_t n = 0;
	char *map = MAP_FAILED;
	size_t i;

	alarm(CHILD_SECONDS);
	nfd = fail_nth_open();
	fd = open(win.dev, O_RDWR | O_CLOEXEC);
	buf = fresh_buffer(op);
	if (fd < 0 || buf == MAP_FAILED) {
		snprintf(r.msg, sizeof(r.msg), "setup: %s", strerror(errno));
		r.bad = 1;
		goto out;
	}
	if (op == OP_TOUCH || op == OP_TOUCH_HUGE || op == OP_POPULATE) {
		/*
		 * 4K off a 2M boundary, so that faults map pages and need
		 * page tables; touch-huge lines up for PMD entries instead,
		 * where they need the tables above.
		 */
		if (op == OP_TOUCH_HUGE)
			map = map_fresh(fd);
		else
			map = pw_map_aligned(fd, 0, MAP_LEN, PW_2M, 0x1000);
		if (map == MAP_FAILED) {
			snprintf(r.msg, sizeof(r.msg), "setup mmap: %s",
				 strerror(errno));
			r.bad = 1;
			goto out;
		}
	}
	fl = op == OP_READ || op == OP_WRITE;
	if (fl && lseek(fd, op == OP_READ ? 0x5000 : SCRATCH, SEEK_SET) < 0) {
		r.bad = 1;
		goto out;
	}
	range.addr = (uintptr_t)map;
	range.len = MAP_LEN;

	if (nth)
		fail_nth_set(nfd, nth);
	switch (op) {
	case OP_MMAP:
		map = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		n = map == MAP_FAILED ? -1 : 0;
		break;
	case OP_TOUCH:
	case OP_TOUCH_HUGE:
		/* Read faults, then write faults on what is now mapped. */
		for (i = 0; i < ARRAY_SIZE(touch_offs); i++)
			sink += pw_rd(map + touch_offs[i]);
		for (i = 0; i < ARRAY_SIZE(touch_offs); i++)
			pw_wr(map + touch_offs[i], pattern_at(touch_offs[i]));
		break;
	case OP_POPULATE:
		n = ioctl(fd, PHYSWIN_IOC_POPULATE, &range);
		break;
	case OP_READ:
		n = read(fd, buf, IO_LEN);
		break;
	case OP_PREAD:
		n = pread(fd, buf, IO_LEN, 0x3000);
		break;
	case OP_WRITE:
		n = write(fd, buf, IO_LEN);
		break;
	case OP_PWRITE:
		n = pwrite(fd, buf, IO_LEN, SCRATCH + IO_LEN);
		break;
	}
	r.ret = n < 0 ? errno : 0;
	r.injected = nth && fail_nth_reset(nfd);
	(void)sink;

	if (r.ret) {
		if (!errno_allowed(op, r.ret)) {
			snprintf(r.msg, sizeof(r.msg), "failed with %s",
				 strerrorname_np(r.ret));
			r.bad = 1;
		}
		goto out;
	}
	/* It worked: did it do the right thing? */
	switch (op) {
	case OP_MMAP:
	case OP_POPULATE:
	case OP_TOUCH:
	case OP_TOUCH_HUGE:
		for (i = 0; i < ARRAY_SIZE(touch_offs); i++)
			if (!check_pattern(map + touch_offs[i], touch_offs[i],
					   8, r.msg, sizeof(r.msg)))
				r.bad = 1;
		break;
	case OP_READ:
	case OP_PREAD:
		if (n == 0 || n % 8) {
			snprintf(r.msg, sizeof(r.msg), "read returned %zd", n);
			r.bad = 1;
		} else if (!check_pattern(buf, op == OP_READ ? 0x5000 : 0x3000,
					  n, r.msg, sizeof(r.msg))) {
			r.bad = 1;
		}
		break;
	case OP_WRITE:
	case OP_PWRITE:
		/* Zeroes from the fresh buffer, wherever they went. */
		if (n == 0) {
			snprintf(r.msg, sizeof(r.msg), "write returned 0");
			r.bad = 1;
		}
		break;
	}
out:
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(KSFT_FAIL);
	_exit(0);
}

static int mappings(void)
{
	uint64_t v;

	if (pw_attr_u64(win.index, "mappings", &v))
		return -1;
	return (int)v;
}

/* Run @op once in a child with fail-nth @nth; 1: the Nth point was hit. */
static int run_child(int op, unsigned int nth, int base, int *nerr,
		     int *nsig)
{
	struct report r = { 0 };
	int pipefd[2], status, m;
	ssize_t got;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(pipefd[0]);
		child(op, nth, pipefd[1]);
	}
	close(pipefd[1]);
	got = read(pipefd[0], &r, sizeof(r));
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;

	if (WIFSIGNALED(status)) {
		bool touch = op == OP_TOUCH || op == OP_TOUCH_HUGE;
		int sig = WTERMSIG(status);

		if (!touch || (sig != SIGBUS && sig != SIGSEGV &&
			       sig != SIGKILL))
			problem("%s nth=%u: child killed by %s", op_names[op],
				nth, strsignal(sig));
		(*nsig)++;
		r.injected = 1;
	} else if (got != sizeof(r) || WEXITSTATUS(status)) {
		problem("%s nth=%u: child exited with %d", op_names[op], nth,
			WEXITSTATUS(status));
		r.injected = 1;
	} else {
		if (r.bad)
			problem("%s nth=%u: %s", op_names[op], nth, r.msg);
		if (r.ret)
			(*nerr)++;
	}
	m = mappings();
	if (m != base)
		problem("%s nth=%u: mappings is %d after the child, not %d",
			op_names[op], nth, m, base);
	return r.injected;
}

static int setup(const char *dev)
{
	struct pw_window all[PW_MAX_WINDOWS];
	int n, i, fd;

	n = pw_windows(all, PW_MAX_WINDOWS);
	for (i = 0; i < n; i++)
		if (!strcmp(all[i].dev, dev))
			break;
	if (n <= 0 || i == n) {
		printf("# %s is not a physwin window\n", dev);
		return KSFT_SKIP;
	}
	win = all[i];
	if (win.size < SCRATCH + 2 * IO_LEN) {
		printf("# %s is smaller than %lu bytes\n", dev,
		       SCRATCH + 2 * IO_LEN);
		return KSFT_SKIP;
	}
	fd = open(dev, O_RDWR | O_CLOEXEC);
	seed = pw_seed();
	if (fd < 0 || fill_pattern(fd)) {
		printf("# cannot write the pattern to %s: %s\n", dev,
		       strerror(errno));
		return KSFT_FAIL;
	}
	close(fd);
	return KSFT_PASS;
}

static int cmd_op(const char *dev, const char *name)
{
	int op, ret, nth, base, nerr = 0, nsig = 0, points = 0;

	for (op = 0; op < OP_NR; op++)
		if (!strcmp(name, op_names[op]))
			break;
	if (op == OP_NR) {
		printf("# unknown operation %s\n", name);
		return KSFT_FAIL;
	}
	ret = setup(dev);
	if (ret)
		return ret;
	base = mappings();

	for (nth = 1; nth <= MAX_NTH; nth++) {
		ret = run_child(op, nth, base, &nerr, &nsig);
		if (ret < 0) {
			problem("%s nth=%d: fork: %s", name, nth,
				strerror(errno));
			break;
		}
		if (!ret)
			break;
		points++;
		if (problems > 10)
			break;
	}
	if (nth > MAX_NTH)
		problem("%s: still failing allocations after %d points",
			name, MAX_NTH);
	if (!points)
		problem("%s reached no allocation point: nothing was tested",
			name);
	printf("# %s: %d allocation points, %d failed with an errno, %d killed\n",
	       name, points, nerr, nsig);
	return problems ? KSFT_FAIL : KSFT_PASS;
}

static int cmd_check(const char *dev)
{
	int op, ret, base, nerr = 0, nsig = 0;

	ret = setup(dev);
	if (ret)
		return ret;
	base = mappings();
	for (op = 0; op < OP_NR; op++) {
		run_child(op, 0, base, &nerr, &nsig);
		if (nerr || nsig)
			problem("%s failed without injection", op_names[op]);
		nerr = 0;
		nsig = 0;
	}
	return problems ? KSFT_FAIL : KSFT_PASS;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && !strcmp(argv[1], "loadwalk"))
		return cmd_loadwalk(argc, argv);
	if (argc >= 7 && !strcmp(argv[1], "loadrace"))
		return cmd_loadrace(argc, argv);
	if (argc == 4 && !strcmp(argv[1], "op"))
		return cmd_op(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "check"))
		return cmd_check(argv[2]);
	fprintf(stderr,
		"usage: %s loadwalk KO RBASE RSIZE PARAM... | loadrace KO RBASE RSIZE ROUNDS PARAM... | op DEV OP | check DEV\n",
		argv[0]);
	return KSFT_FAIL;
}
