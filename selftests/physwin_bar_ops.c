// SPDX-License-Identifier: GPL-2.0
/*
 * physwin_bar_ops: both halves of the end-to-end PCI BAR test.
 *
 * The host prepares the memory behind an emulated BAR (QEMU's ivshmem-plain
 * backed by a file), the guest checks it and writes its own patterns into
 * it through physwin, and after the guest is gone the host checks the file
 * byte for byte. The layout of that memory is a pure function of a seed,
 * shared here by both sides:
 *
 *   [0, 64)   a header: magic, version, seed, size, and the passes the
 *             guest has completed;
 *   the rest  the host's pattern, except for the chunks each guest pass
 *             wrote, which hold that pass's pattern.
 *
 * A pass (uc, then wc: one per cache mode physwin is loaded with) owns one
 * half of the BAR and writes its chunks in every way a user can: byte,
 * halfword, word and doubleword stores and memcpy() through mmap()s taken
 * at different offsets, pwrite() and write().
 *
 *   physwin_bar_ops init FILE SIZE SEED   host: create the backing file
 *   physwin_bar_ops guest DEV PASS        guest: check what is there,
 *                                         write PASS's chunks, check again
 *   physwin_bar_ops verify FILE PASS...   host: every byte as expected
 *   physwin_bar_ops entries DEV           guest: the caching of the user
 *                                         entries of each size (ptdump)
 *   physwin_bar_ops pud-size              guest: what a PUD entry maps
 *
 * The guest writes nothing unless the window carries the header: exit 4
 * (skip) then, so that the test never scribbles over a real device.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>

#include "physwin_test.h"

#define BAR_MAGIC	"physwin-bar-test"
#define BAR_VERSION	1
#define BAR_MIN_SIZE	(8ULL << 20)
#define KSFT_SKIP	4

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct bar_header {
	char magic[16];
	uint64_t version;
	uint64_t seed;
	uint64_t size;
	uint64_t passes;	/* bit p: pass p completed */
	uint64_t reserved[2];
};

enum method { M_U8, M_U16, M_U32, M_U64, M_MEMCPY, M_PWRITE, M_WRITE };

static const char * const method_names[] = {
	[M_U8] = "8-bit stores", [M_U16] = "16-bit stores",
	[M_U32] = "32-bit stores", [M_U64] = "64-bit stores",
	[M_MEMCPY] = "memcpy", [M_PWRITE] = "pwrite", [M_WRITE] = "write",
};

/*
 * The chunks of a pass, relative to the start of its half (or, with
 * from_end, to its end). Chosen to start and end unaligned, to cross a
 * page and a 2 MiB boundary, to fill a whole fault-around block, and to
 * reach the last bytes of the half, which for the last pass are the
 * last bytes of the BAR.
 */
static const struct chunk {
	uint64_t off;
	uint64_t len;
	bool from_end;
	enum method how;
} chunks[] = {
	{ 0x1003, 100, false, M_U8 },
	{ 0x2002, 64, false, M_U16 },
	{ 0x3000 - 12, 24, false, M_U32 },
	{ 0x10000, 0x10000, false, M_U64 },
	{ 0x200000 - 1000, 2000, false, M_MEMCPY },
	{ 0x40005, 3000, false, M_PWRITE },
	{ 0x80000, 0x40000, false, M_WRITE },
	{ 0x2007, 4000, true, M_PWRITE },
	{ 64, 64, true, M_U64 },
};

#define NR_CHUNKS	ARRAY_SIZE(chunks)

static const char * const pass_names[] = { "uc", "wc" };

#define NR_PASSES	ARRAY_SIZE(pass_names)

static struct bar_header hdr;
static long page_size;

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("# physwin_bar_ops: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	exit(1);
}

static uint64_t chunk_start(const struct chunk *c, unsigned int pass)
{
	uint64_t half = hdr.size / 2;

	return pass * half + (c->from_end ? half - c->off : c->off);
}

static uint64_t pass_seed(unsigned int pass)
{
	return hdr.seed ^ (0x5bd1e9955bd1e995ULL * (pass + 1));
}

/* Byte @off of the pattern of @seed. */
static uint8_t pattern_byte(uint64_t seed, uint64_t off)
{
	return pw_pattern(seed, off / 8) >> (off % 8 * 8);
}

static void fill_pattern(uint8_t *buf, uint64_t seed, uint64_t off,
			 size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern_byte(seed, off + i);
}

/*
 * What the BAR must hold in [off, off + len) once the passes in @passes
 * have run (the header saying so included).
 */
static void expected(uint8_t *buf, uint64_t off, size_t len, uint64_t passes)
{
	struct bar_header h = hdr;
	unsigned int p, i;

	fill_pattern(buf, hdr.seed, off, len);
	for (p = 0; p < NR_PASSES; p++) {
		if (!(passes & (1ULL << p)))
			continue;
		for (i = 0; i < NR_CHUNKS; i++) {
			uint64_t s = chunk_start(&chunks[i], p);
			uint64_t e = s + chunks[i].len;
			uint64_t from = s > off ? s : off;
			uint64_t to = e < off + len ? e : off + len;

			if (from < to)
				fill_pattern(buf + (from - off), pass_seed(p),
					     from, to - from);
		}
	}
	h.passes = passes;
	if (off < sizeof(h))
		memcpy(buf, (char *)&h + off,
		       (sizeof(h) - off < len ? sizeof(h) - off : len));
}

/*
 * Compare @len bytes at BAR offset @off with what is expected; report the
 * first mismatch and how many bytes differ.
 */
static int compare(const char *how, const uint8_t *got, uint64_t off,
		   size_t len, uint64_t passes)
{
	static uint8_t want[1 << 20];
	uint64_t bad = 0, first = 0;
	size_t done, n, i;

	for (done = 0; done < len; done += n) {
		n = len - done < sizeof(want) ? len - done : sizeof(want);
		expected(want, off + done, n, passes);
		for (i = 0; i < n; i++) {
			if (got[done + i] == want[i])
				continue;
			if (!bad++)
				first = done + i;
		}
	}
	if (!bad)
		return 0;
	expected(want, off + first, 1, passes);
	printf("# %s: %llu bytes differ, the first at 0x%llx: 0x%02x, expected 0x%02x\n",
	       how, (unsigned long long)bad,
	       (unsigned long long)(off + first), got[first], want[0]);
	return -1;
}

static int pass_index(const char *name)
{
	unsigned int p;

	for (p = 0; p < NR_PASSES; p++)
		if (!strcmp(name, pass_names[p]))
			return p;
	die("unknown pass %s (uc or wc)", name);
	return -1;
}

static void xpwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	ssize_t n = pwrite(fd, buf, len, off);

	if (n != (ssize_t)len)
		die("pwrite of %zu bytes at 0x%llx: %s", len,
		    (unsigned long long)off, n < 0 ? strerror(errno) : "short");
}

static void xpread(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n != (ssize_t)len)
		die("pread of %zu bytes at 0x%llx: %s", len,
		    (unsigned long long)off, n < 0 ? strerror(errno) : "short");
}

/* ---- host ---------------------------------------------------------- */

static int cmd_init(const char *file, const char *size, const char *seed)
{
	static uint8_t buf[1 << 20];
	uint64_t off;
	int fd;

	if (pw_parse_size(size, &hdr.size) || pw_parse_u64(seed, &hdr.seed))
		die("bad size or seed: %s %s", size, seed);
	if (hdr.size < BAR_MIN_SIZE || hdr.size & (hdr.size - 1))
		die("the size must be a power of two of 8M or more");
	memcpy(hdr.magic, BAR_MAGIC, sizeof(hdr.magic));
	hdr.version = BAR_VERSION;

	fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("cannot create %s: %s", file, strerror(errno));
	for (off = 0; off < hdr.size; off += sizeof(buf)) {
		expected(buf, off, sizeof(buf), 0);
		xpwrite(fd, buf, sizeof(buf), off);
	}
	if (fsync(fd) || close(fd))
		die("%s: %s", file, strerror(errno));
	printf("# %s: %llu MiB, seed 0x%llx\n", file,
	       (unsigned long long)(hdr.size >> 20),
	       (unsigned long long)hdr.seed);
	return 0;
}

static int cmd_verify(const char *file, int npass, char **passes)
{
	static uint8_t buf[1 << 20];
	uint64_t mask = 0, off;
	struct stat st;
	int fd, i, ret = 0;

	for (i = 0; i < npass; i++)
		mask |= 1ULL << pass_index(passes[i]);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		die("cannot open %s: %s", file, strerror(errno));
	xpread(fd, &hdr, sizeof(hdr), 0);
	if (memcmp(hdr.magic, BAR_MAGIC, sizeof(hdr.magic)) ||
	    hdr.version != BAR_VERSION || hdr.size != (uint64_t)st.st_size)
		die("%s: not a physwin BAR test file (or a damaged header)",
		    file);
	if (hdr.passes != mask) {
		printf("# %s: the guest completed passes 0x%llx, expected 0x%llx\n",
		       file, (unsigned long long)hdr.passes,
		       (unsigned long long)mask);
		ret = 1;
	}
	for (off = 0; off < hdr.size; off += sizeof(buf)) {
		xpread(fd, buf, sizeof(buf), off);
		if (compare(file, buf, off, sizeof(buf), mask))
			ret = 1;
	}
	close(fd);
	if (!ret)
		printf("# %s: all %llu bytes as expected after passes",
		       file, (unsigned long long)hdr.size);
	for (i = 0; !ret && i < npass; i++)
		printf(" %s", passes[i]);
	if (!ret)
		putchar('\n');
	return ret;
}

/* ---- guest --------------------------------------------------------- */

/* The whole window, through a fresh mapping and through pread(). */
static int check_all(int fd, uint64_t passes, const char *when)
{
	static uint8_t buf[1 << 20];
	char how[64];
	uint64_t off, *dst;
	const uint8_t *map;
	size_t i;
	int ret = 0;

	map = mmap(NULL, hdr.size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap of the whole window: %s", strerror(errno));
	snprintf(how, sizeof(how), "mmap read %s", when);
	for (off = 0; off < hdr.size; off += sizeof(buf)) {
		/* 64-bit loads: what a driver does to device memory. */
		dst = (uint64_t *)buf;
		for (i = 0; i < sizeof(buf) / 8; i++)
			dst[i] = pw_rd(map + off + i * 8);
		if (compare(how, buf, off, sizeof(buf), passes))
			ret = -1;
	}
	munmap((void *)map, hdr.size);

	snprintf(how, sizeof(how), "pread %s", when);
	for (off = 0; off < hdr.size; off += sizeof(buf)) {
		xpread(fd, buf, sizeof(buf), off);
		if (compare(how, buf, off, sizeof(buf), passes))
			ret = -1;
	}
	return ret;
}

/* Write chunk @c of @pass through its own mapping, or through the fd. */
static void write_chunk(int fd, const struct chunk *c, unsigned int pass)
{
	static uint8_t buf[1 << 20];
	uint64_t start = chunk_start(c, pass);
	uint64_t moff = start & ~(uint64_t)(page_size - 1);
	size_t mlen = start + c->len - moff, i;
	uint8_t *map;

	if (c->len > sizeof(buf))
		die("chunk too long");
	fill_pattern(buf, pass_seed(pass), start, c->len);

	if (c->how == M_PWRITE) {
		xpwrite(fd, buf, c->len, start);
		return;
	}
	if (c->how == M_WRITE) {
		if (lseek(fd, start, SEEK_SET) != (off_t)start)
			die("lseek to 0x%llx: %s", (unsigned long long)start,
			    strerror(errno));
		if (write(fd, buf, c->len) != (ssize_t)c->len)
			die("write at 0x%llx: %s", (unsigned long long)start,
			    strerror(errno));
		return;
	}

	/* A mapping of just the pages of this chunk, at their offset. */
	map = mmap(NULL, mlen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, moff);
	if (map == MAP_FAILED)
		die("mmap of %zu bytes at offset 0x%llx: %s", mlen,
		    (unsigned long long)moff, strerror(errno));
	map += start - moff;
	switch (c->how) {
	case M_U8:
		for (i = 0; i < c->len; i++)
			((volatile uint8_t *)map)[i] = buf[i];
		break;
	case M_U16:
		for (i = 0; i < c->len / 2; i++)
			((volatile uint16_t *)map)[i] = ((uint16_t *)buf)[i];
		break;
	case M_U32:
		for (i = 0; i < c->len / 4; i++)
			((volatile uint32_t *)map)[i] = ((uint32_t *)buf)[i];
		break;
	case M_U64:
		for (i = 0; i < c->len / 8; i++)
			pw_wr(map + i * 8, ((uint64_t *)buf)[i]);
		break;
	default:
		memcpy(map, buf, c->len);
		break;
	}
	/* Write-combined stores are drained before anyone looks. */
	pw_mb();
	munmap(map - (start - moff), mlen);
}

/* Open /dev/physwinN read-write; its size in *@size. */
static int open_window(const char *dev, uint64_t *size)
{
	int fd, index;
	char end;

	if (sscanf(dev, "/dev/physwin%d%c", &index, &end) != 1)
		die("%s is not a /dev/physwinN", dev);
	if (pw_attr_u64(index, "size", size))
		die("cannot read the size of physwin%d", index);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s: %s", dev, strerror(errno));
	return fd;
}

static int cmd_guest(const char *dev, const char *pass_name)
{
	unsigned int pass = pass_index(pass_name), i;
	uint64_t size, before;
	int fd, ret;

	fd = open_window(dev, &size);

	xpread(fd, &hdr, sizeof(hdr), 0);
	if (memcmp(hdr.magic, BAR_MAGIC, sizeof(hdr.magic))) {
		printf("# %s has no test header (physwin_bar_ops init): not writing to it\n",
		       dev);
		return KSFT_SKIP;
	}
	if (hdr.version != BAR_VERSION || hdr.size != size)
		die("header version %llu size 0x%llx, window size 0x%llx",
		    (unsigned long long)hdr.version,
		    (unsigned long long)hdr.size, (unsigned long long)size);
	before = hdr.passes;
	if (before & (1ULL << pass))
		die("pass %s already ran on this BAR", pass_name);
	printf("# %s: seed 0x%llx, %llu MiB, passes before 0x%llx\n", dev,
	       (unsigned long long)hdr.seed,
	       (unsigned long long)(size >> 20), (unsigned long long)before);

	/* Host to guest: the host's pattern (and earlier passes) reads back. */
	ret = check_all(fd, before, "before the writes");
	if (!ret)
		printf("# host to guest: all %llu bytes read back through mmap and pread\n",
		       (unsigned long long)size);

	for (i = 0; i < NR_CHUNKS; i++) {
		write_chunk(fd, &chunks[i], pass);
		printf("# wrote %llu bytes at 0x%llx with %s\n",
		       (unsigned long long)chunks[i].len,
		       (unsigned long long)chunk_start(&chunks[i], pass),
		       method_names[chunks[i].how]);
	}
	hdr.passes = before | 1ULL << pass;
	xpwrite(fd, &hdr.passes, sizeof(hdr.passes),
		offsetof(struct bar_header, passes));

	if (check_all(fd, hdr.passes, "after the writes"))
		ret = -1;
	else
		printf("# guest: all %llu bytes as expected after pass %s\n",
		       (unsigned long long)size, pass_name);
	close(fd);
	return ret ? 1 : 0;
}

#define PTDUMP		"/sys/kernel/debug/page_tables/current_kernel"

/* An entry of this process's page tables, as x86's ptdump shows it. */
struct entry {
	char line[256];
	char level[8];
	bool pwt, pcd, pat;	/* the caching bits */
};

/*
 * The ptdump line of the present user entry that maps @addr. ptdump
 * prints runs of entries alike as "0xSTART-0xEND SIZE FLAGS LEVEL".
 */
static void find_entry(uintptr_t addr, struct entry *e)
{
	char line[sizeof(e->line)], *word;
	unsigned long long start, end;
	FILE *f;

	f = fopen(PTDUMP, "re");
	if (!f)
		die("cannot open %s: %s", PTDUMP, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "0x%llx-0x%llx", &start, &end) != 2 ||
		    addr < start || addr >= end || !strstr(line, " USR "))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(e->line, sizeof(e->line), "%s", line);
		word = strrchr(line, ' ');
		snprintf(e->level, sizeof(e->level), "%s", word ? word + 1 : "");
		e->pwt = strstr(line, " PWT ");
		e->pcd = strstr(line, " PCD ");
		e->pat = strstr(line, " PAT ");
		fclose(f);
		return;
	}
	fclose(f);
	die("no present user entry for 0x%llx in %s",
	    (unsigned long long)addr, PTDUMP);
}

/*
 * Map @len bytes of the window at @off, read the first byte (a huge
 * entry where the mapping allows one, unless @small), and look at the
 * entry that fault made. Every mapping stays, so that the reads after it
 * do not reuse its address.
 */
static void map_entry(int fd, size_t len, bool small, struct entry *e,
		      volatile uint8_t *first)
{
	uint8_t *map;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap of %zu bytes: %s", len, strerror(errno));
	if (small && madvise(map, len, MADV_NOHUGEPAGE))
		die("madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
	*first = *(volatile uint8_t *)map;
	find_entry((uintptr_t)map, e);
}

/*
 * The size of a PUD entry on x86-64, and of a PMD entry in *@pmd: a PUD
 * maps a page table's worth of PMDs (8-byte entries).
 */
static uint64_t huge_sizes(uint64_t *pmd)
{
	uint64_t pmd_size;
	char buf[32];

	if (pw_read_file("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
			 buf, sizeof(buf)) || pw_parse_u64(buf, &pmd_size))
		die("no hpage_pmd_size: the kernel maps no huge entries");
	if (pmd)
		*pmd = pmd_size;
	return pmd_size * (page_size / sizeof(uint64_t));
}

/*
 * entries DEV: the caching of the user entries of each size that a
 * fault of the window makes: a PTE, a PMD leaf and a PUD leaf, in
 * ptdump. The PTE's is the PAT memtype, looked up for it by
 * vmf_insert_pfn(); the huge entries must carry the same, and the PTE's
 * must not be write-back (physwin_bar.sh loads a write-back window that
 * PAT made UC-). x86 only: ptdump's format and PAT are x86's.
 */
static int cmd_entries(const char *dev)
{
	static const char * const levels[] = { "pte", "pmd", "pud" };
	struct entry e[ARRAY_SIZE(levels)];
	uint8_t first[ARRAY_SIZE(levels)];
	uint64_t size, pmd_size, pud_size;
	unsigned int i;
	int fd, ret = 0;

	pud_size = huge_sizes(&pmd_size);
	fd = open_window(dev, &size);
	if (size < pud_size)
		die("%s is %llu MiB, smaller than a PUD entry", dev,
		    (unsigned long long)(size >> 20));

	map_entry(fd, page_size, true, &e[0], &first[0]);
	map_entry(fd, pmd_size, false, &e[1], &first[1]);
	map_entry(fd, pud_size, false, &e[2], &first[2]);
	for (i = 0; i < ARRAY_SIZE(levels); i++) {
		printf("# %s: %s\n", levels[i], e[i].line);
		if (strcmp(e[i].level, levels[i])) {
			printf("# the fault made a %s entry, not a %s one\n",
			       e[i].level, levels[i]);
			ret = 1;
		}
		if (first[i] != first[0]) {
			printf("# byte 0 is 0x%02x through the %s, 0x%02x through the pte\n",
			       first[i], levels[i], first[0]);
			ret = 1;
		}
		if (e[i].pwt != e[0].pwt || e[i].pcd != e[0].pcd ||
		    e[i].pat != e[0].pat) {
			printf("# the %s's caching (PWT, PCD, PAT) is not the pte's\n",
			       levels[i]);
			ret = 1;
		}
	}
	if (!e[0].pwt && !e[0].pcd && !e[0].pat) {
		printf("# the entries are write-back\n");
		ret = 1;
	}
	close(fd);
	return ret;
}

static void bad_usage(void)
{
	fputs("usage: physwin_bar_ops init FILE SIZE SEED\n"
	      "       physwin_bar_ops guest /dev/physwinN uc|wc\n"
	      "       physwin_bar_ops verify FILE [uc] [wc]\n"
	      "       physwin_bar_ops entries /dev/physwinN\n"
	      "       physwin_bar_ops pud-size\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	page_size = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc == 5 && !strcmp(argv[1], "init"))
		return cmd_init(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "guest"))
		return cmd_guest(argv[2], argv[3]);
	if (argc >= 3 && !strcmp(argv[1], "verify"))
		return cmd_verify(argv[2], argc - 3, argv + 3);
	if (argc == 3 && !strcmp(argv[1], "entries"))
		return cmd_entries(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "pud-size")) {
		printf("%llu\n", (unsigned long long)huge_sizes(NULL));
		return 0;
	}
	bad_usage();
	return 2;
}
