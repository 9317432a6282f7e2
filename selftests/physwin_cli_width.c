// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: the physwin tool's accesses are exactly one load or store of
 * the width asked for. "physwin read|write physwin0 OFF BITS [VALUE]"
 * runs under ptrace until it has mapped the window; a hardware watchpoint
 * (perf's PERF_TYPE_BREAKPOINT, on the tool's task) then counts its
 * accesses, and the tool runs to its end untraced. For each case the tool
 * runs once per watchpoint, because a watchpoint exception reports one
 * watchpoint even when an access hits several:
 *
 *   the BITS/8 bytes at OFF          exactly 1 access: not 0, not 2 halves
 *   the byte after them              none: the access is not wider
 *   the byte before them             none
 *
 * and around each run the page holds a known pattern, of which only the
 * bytes written may change, to the value (little endian), and which a
 * read must print. The control cases run stand-ins for the tool, forked
 * from this test and traced the same way, that are right, split an access
 * in two, widen it or narrow it: each must get the verdict it deserves,
 * so that a broken measurement cannot pass.
 *
 * The tool is PHYSWIN_CLI, or "physwin" next to this test.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

enum cli_watch { WATCH_ACCESS, WATCH_AFTER, WATCH_BEFORE, NR_WATCH };

static const char * const watch_name[NR_WATCH] = {
	"the bytes accessed", "the byte after them", "the byte before them",
};

/* How a stand-in for the tool gets the access wrong, or not. */
enum cli_fake {
	FAKE_NONE,	/* not a stand-in: exec the real tool */
	FAKE_RIGHT,	/* one access of the width */
	FAKE_SPLIT,	/* two accesses of half the width */
	FAKE_WIDE,	/* one aligned access of twice the width */
	FAKE_NARROW,	/* one access of half the width */
};

struct cli_case {
	bool write;
	unsigned int width;	/* bytes: 1, 2, 4 or 8 */
	uint64_t off;		/* in physwin0 */
	uint64_t value;		/* written */
	const char *dev;	/* as the command line names physwin0 */
	enum cli_fake fake;
};

enum { CASE_PASS, CASE_FAIL, CASE_SKIP, CASE_ERROR };

struct cli_ctx {
	char tool[PATH_MAX];
	int fd;			/* physwin0 */
	size_t page;
	uint64_t seed;
	char why[256];		/* for CASE_FAIL, CASE_SKIP, CASE_ERROR */
};

static uint64_t load(const volatile void *p, unsigned int width)
{
	switch (width) {
	case 1:
		return *(const volatile uint8_t *)p;
	case 2:
		return *(const volatile uint16_t *)p;
	case 4:
		return *(const volatile uint32_t *)p;
	default:
		return *(const volatile uint64_t *)p;
	}
}

static void store(volatile void *p, unsigned int width, uint64_t v)
{
	switch (width) {
	case 1:
		*(volatile uint8_t *)p = v;
		break;
	case 2:
		*(volatile uint16_t *)p = v;
		break;
	case 4:
		*(volatile uint32_t *)p = v;
		break;
	default:
		*(volatile uint64_t *)p = v;
		break;
	}
}

static uint64_t width_mask(unsigned int width)
{
	return width == 8 ? ~0ULL : (1ULL << (8 * width)) - 1;
}

/*
 * A stand-in for the tool, in a child being traced: maps the page as the
 * tool does, then accesses it as @k->fake says.
 */
static int fake_tool(const struct cli_case *k, size_t page)
{
	size_t in = k->off & (page - 1);
	unsigned int half = k->width / 2, shift;
	uint64_t v = k->value;
	volatile char *a;
	uintptr_t wide;
	char *p;
	int fd;

	fd = open("/dev/physwin0", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 10;
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 k->off - in);
	if (p == MAP_FAILED)
		return 11;
	a = p + in;
	wide = (uintptr_t)a & ~(uintptr_t)(2 * k->width - 1);
	switch (k->fake) {
	case FAKE_SPLIT:
		if (k->write) {
			store(a, half, v);
			store(a + half, half, v >> (8 * half));
		} else {
			v = load(a, half);
			v |= load(a + half, half) << (8 * half);
		}
		break;
	case FAKE_WIDE:
		/*
		 * The other bytes are written back as they were (read with
		 * pread, not through the mapping): only watchpoints see it.
		 */
		if (k->width > 4)
			return 12;
		shift = 8 * ((uintptr_t)a - wide);
		if (k->write) {
			v = 0;
			if (pread(fd, &v, 2 * k->width,
				  k->off - ((uintptr_t)a - wide)) !=
			    2 * k->width)
				return 13;
			v &= ~(width_mask(k->width) << shift);
			v |= k->value << shift;
			store((void *)wide, 2 * k->width, v);
		} else {
			v = load((void *)wide, 2 * k->width) >> shift;
		}
		break;
	case FAKE_NARROW:
		if (k->write)
			store(a, half, v);
		else
			v = load(a, half);
		break;
	default:
		if (k->write)
			store(a, k->width, v);
		else
			v = load(a, k->width);
		break;
	}
	v &= width_mask(k->width);
	if (!k->write)
		printf("%#llx\n", (unsigned long long)v);
	fflush(stdout);
	return 0;
}

/*
 * The mapping of /dev/physwin0 in @pid that holds @off: 1 and its
 * address for @off in @addr and its bounds, 0 if there is none yet,
 * -1 if it cannot be told (with @c->why).
 */
static int find_mapping(struct cli_ctx *c, pid_t pid, uint64_t off,
			uintptr_t *addr, uintptr_t *start, uintptr_t *end)
{
	static const char dev[] = " /dev/physwin0";
	unsigned long s, e;
	unsigned long long pgoff;
	char path[64], line[512], perms[8];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f) {
		snprintf(c->why, sizeof(c->why), "%s: %s", path,
			 strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");

		line[len] = '\0';
		if (len < sizeof(dev) ||
		    strcmp(line + len - (sizeof(dev) - 1), dev))
			continue;
		if (sscanf(line, "%lx-%lx %7s %llx", &s, &e, perms,
			   &pgoff) != 4)
			continue;
		if (off < pgoff || off - pgoff >= e - s)
			continue;
		if (found++) {
			snprintf(c->why, sizeof(c->why),
				 "the tool mapped offset %#llx of physwin0 twice",
				 (unsigned long long)off);
			break;
		}
		if (perms[3] != 's') {
			snprintf(c->why, sizeof(c->why),
				 "the tool's mapping is %s, not MAP_SHARED",
				 perms);
			found = 2;
			break;
		}
		*start = s;
		*end = e;
		*addr = s + (off - pgoff);
	}
	fclose(f);
	return found > 1 ? -1 : found;
}

static int open_watchpoint(pid_t pid, uintptr_t addr, unsigned int len)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		/* x86 has no read-only watchpoints. */
		.bp_type = HW_BREAKPOINT_RW,
		.bp_addr = addr,
		.bp_len = len,
		.sample_period = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};

	return syscall(__NR_perf_event_open, &attr, pid, -1, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

/*
 * Run the tool (or its stand-in) once for case @k with a watchpoint on
 * @watch: the accesses it counted in @count (or UINT64_MAX where that
 * byte is not in the tool's mapping), the exit status in @status and
 * what the tool printed in @out. CASE_PASS when it could be measured.
 */
static int trace_once(struct cli_ctx *c, const struct cli_case *k,
		      enum cli_watch watch, uint64_t *count, int *status,
		      char *out, size_t outlen)
{
	uintptr_t addr = 0, start = 0, end = 0, at;
	int pipefd[2], st, found = 0, sig = 0, wfd = -1, ret = CASE_ERROR;
	unsigned int len;
	char bits[8], off[32], val[32];
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	*count = UINT64_MAX;
	*status = -1;
	if (pipe2(pipefd, O_CLOEXEC)) {
		snprintf(c->why, sizeof(c->why), "pipe: %s", strerror(errno));
		return CASE_ERROR;
	}
	snprintf(bits, sizeof(bits), "%u", 8 * k->width);
	snprintf(off, sizeof(off), "%#llx", (unsigned long long)k->off);
	snprintf(val, sizeof(val), "%#llx", (unsigned long long)k->value);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(c->why, sizeof(c->why), "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return CASE_ERROR;
	}
	if (!pid) {
		char *argv[7] = { c->tool, k->write ? "write" : "read",
				 (char *)k->dev, off, bits,
				 k->write ? val : NULL, NULL };

		if (dup2(pipefd[1], STDOUT_FILENO) < 0 ||
		    ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(125);
		if (k->fake != FAKE_NONE) {
			raise(SIGSTOP);
			_exit(fake_tool(k, c->page));
		}
		execv(c->tool, argv);
		_exit(126);
	}
	close(pipefd[1]);

	/* The first stop: the exec, or the stand-in's SIGSTOP. */
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) {
		snprintf(c->why, sizeof(c->why),
			 "the tool did not stop for its tracer (status %#x)",
			 st);
		goto out_reap;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)) {
		snprintf(c->why, sizeof(c->why), "PTRACE_SETOPTIONS: %s",
			 strerror(errno));
		goto out_kill;
	}
	/* Syscall by syscall, until the window is mapped. */
	while (!found) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig)) {
			snprintf(c->why, sizeof(c->why), "PTRACE_SYSCALL: %s",
				 strerror(errno));
			goto out_kill;
		}
		sig = 0;
		if (waitpid(pid, &st, 0) != pid) {
			snprintf(c->why, sizeof(c->why), "waitpid: %s",
				 strerror(errno));
			goto out_kill;
		}
		if (!WIFSTOPPED(st)) {
			snprintf(c->why, sizeof(c->why),
				 "the tool ended (status %#x) without mapping offset %#llx of physwin0",
				 st, (unsigned long long)k->off);
			ret = CASE_FAIL;
			goto out_pipe;
		}
		if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			sig = WSTOPSIG(st);
			continue;
		}
		found = find_mapping(c, pid, k->off, &addr, &start, &end);
		if (found < 0) {
			ret = CASE_FAIL;
			goto out_kill;
		}
	}

	switch (watch) {
	case WATCH_ACCESS:
		at = addr;
		len = k->width;
		break;
	case WATCH_AFTER:
		at = addr + k->width;
		len = 1;
		break;
	default:
		at = addr - 1;
		len = 1;
		break;
	}
	if (at >= start && at < end) {
		wfd = open_watchpoint(pid, at, len);
		if (wfd < 0) {
			ret = (errno == ENOENT || errno == EOPNOTSUPP ||
			       errno == ENOSPC) ? CASE_SKIP : CASE_ERROR;
			snprintf(c->why, sizeof(c->why),
				 "perf_event_open of a %u-byte watchpoint: %s",
				 len, strerror(errno));
			goto out_kill;
		}
	}
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL)) {
		snprintf(c->why, sizeof(c->why), "PTRACE_DETACH: %s",
			 strerror(errno));
		goto out_kill;
	}
	if (waitpid(pid, &st, 0) != pid) {
		snprintf(c->why, sizeof(c->why), "waitpid: %s",
			 strerror(errno));
		goto out_kill;
	}
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (wfd >= 0 && read(wfd, count, sizeof(*count)) != sizeof(*count)) {
		snprintf(c->why, sizeof(c->why),
			 "cannot read the watchpoint's count: %s",
			 strerror(errno));
		goto out_pipe;
	}
	while (got < outlen - 1 &&
	       (n = read(pipefd[0], out + got, outlen - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	ret = CASE_PASS;
	goto out_pipe;

out_kill:
	kill(pid, SIGKILL);
out_reap:
	waitpid(pid, &st, 0);
out_pipe:
	if (wfd >= 0)
		close(wfd);
	close(pipefd[0]);
	return ret;
}

/* The pattern the page of @off holds before each run: no zero byte. */
static void page_pattern(struct cli_ctx *c, uint64_t off, uint8_t *buf)
{
	uint64_t base = off & ~(uint64_t)(c->page - 1);
	size_t i;

	for (i = 0; i < c->page; i++)
		buf[i] = pw_pattern(c->seed, base + i) | 1;
}

/*
 * One case: CASE_PASS if the tool made exactly one access of the width
 * and it did what it should, else CASE_FAIL, CASE_SKIP or CASE_ERROR with
 * the reason in @c->why.
 */
static int run_case(struct cli_ctx *c, const struct cli_case *k)
{
	uint64_t base = k->off & ~(uint64_t)(c->page - 1), count, expect = 0;
	uint8_t *before, *after;
	enum cli_watch w;
	int ret = CASE_PASS, status;
	char out[64];
	size_t i, in = k->off - base;

	before = malloc(c->page);
	after = malloc(c->page);
	if (!before || !after) {
		snprintf(c->why, sizeof(c->why), "out of memory");
		free(before);
		free(after);
		return CASE_ERROR;
	}
	page_pattern(c, k->off, before);
	for (i = 0; i < k->width; i++)
		expect |= (uint64_t)before[in + i] << (8 * i);

	for (w = 0; w < NR_WATCH && ret == CASE_PASS; w++) {
		if (pwrite(c->fd, before, c->page, base) != (ssize_t)c->page) {
			snprintf(c->why, sizeof(c->why), "pwrite: %s",
				 strerror(errno));
			ret = CASE_ERROR;
			break;
		}
		ret = trace_once(c, k, w, &count, &status, out, sizeof(out));
		if (ret != CASE_PASS)
			break;
		ret = CASE_FAIL;
		if (pread(c->fd, after, c->page, base) != (ssize_t)c->page) {
			snprintf(c->why, sizeof(c->why), "pread: %s",
				 strerror(errno));
			ret = CASE_ERROR;
		} else if (status) {
			snprintf(c->why, sizeof(c->why),
				 "the tool exited with status %d", status);
		} else if (w == WATCH_ACCESS && count != 1) {
			snprintf(c->why, sizeof(c->why),
				 "a watchpoint on %s counted %llu accesses, not 1",
				 watch_name[w], (unsigned long long)count);
		} else if (w != WATCH_ACCESS && count != 0 &&
			   count != UINT64_MAX) {
			snprintf(c->why, sizeof(c->why),
				 "a watchpoint on %s counted %llu accesses, not 0: the access is wider",
				 watch_name[w], (unsigned long long)count);
		} else if (!k->write &&
			   (strncmp(out, "0x", 2) ||
			    strtoull(out, NULL, 16) != expect)) {
			out[strcspn(out, "\n")] = '\0';
			snprintf(c->why, sizeof(c->why),
				 "read printed \"%s\", the window holds %#llx",
				 out, (unsigned long long)expect);
		} else {
			ret = CASE_PASS;
		}
		for (i = 0; i < c->page && ret == CASE_PASS; i++) {
			uint8_t want = before[i];

			if (k->write && i >= in && i < in + k->width)
				want = k->value >> (8 * (i - in));
			if (after[i] == want)
				continue;
			snprintf(c->why, sizeof(c->why),
				 "after the tool, byte %#llx of physwin0 is %#x, not %#x",
				 (unsigned long long)base + i, after[i], want);
			ret = CASE_FAIL;
		}
	}
	free(before);
	free(after);
	return ret;
}

/* Why the tests cannot run, or NULL: fills @c. */
static const char *ctx_init(struct cli_ctx *c, struct pw_window *win)
{
	const char *why = pw_cannot_test(win, NULL);
	const char *env = getenv("PHYSWIN_CLI");
	char *slash, *end;
	ssize_t n;

	c->fd = -1;
	if (why)
		return why;
	c->page = getpagesize();
	c->seed = pw_seed();
	if (win[0].size < 4 * c->page)
		return "physwin0 is smaller than 4 pages";
	if (env && *env) {
		snprintf(c->tool, sizeof(c->tool), "%s", env);
	} else {
		n = readlink("/proc/self/exe", c->tool, sizeof(c->tool) - 1);
		c->tool[n < 0 ? 0 : n] = '\0';
		slash = strrchr(c->tool, '/');
		end = slash ? slash + 1 : c->tool;
		snprintf(end, sizeof(c->tool) - (end - c->tool), "physwin");
	}
	c->fd = open(win[0].dev, O_RDWR | O_CLOEXEC);
	return NULL;
}

/* Every case of one operation and width, at offsets that tell. */
FIXTURE(cli)
{
	struct pw_window win[PW_MAX_WINDOWS];
	struct cli_ctx c;
};

FIXTURE_VARIANT(cli)
{
	bool write;
	unsigned int width;
};

FIXTURE_VARIANT_ADD(cli, read8) { .write = false, .width = 1 };
FIXTURE_VARIANT_ADD(cli, read16) { .write = false, .width = 2 };
FIXTURE_VARIANT_ADD(cli, read32) { .write = false, .width = 4 };
FIXTURE_VARIANT_ADD(cli, read64) { .write = false, .width = 8 };
FIXTURE_VARIANT_ADD(cli, write8) { .write = true, .width = 1 };
FIXTURE_VARIANT_ADD(cli, write16) { .write = true, .width = 2 };
FIXTURE_VARIANT_ADD(cli, write32) { .write = true, .width = 4 };
FIXTURE_VARIANT_ADD(cli, write64) { .write = true, .width = 8 };

FIXTURE_SETUP(cli)
{
	const char *why = ctx_init(&self->c, self->win);

	if (why)
		PW_SETUP_SKIP("%s", why);
	ASSERT_LE(0, self->c.fd)
		TH_LOG("open %s: %s", self->win[0].dev, strerror(errno));
}

FIXTURE_TEARDOWN(cli)
{
	if (self->c.fd >= 0)
		close(self->c.fd);
}

/* @k's verdict must be @want, and the reason mention @because. */
static int verdict(struct __test_metadata *_metadata, struct cli_ctx *c,
		   const struct cli_case *k, int want, const char *because)
{
	int ret = run_case(c, k);

	if (ret == CASE_SKIP)
		SKIP(return ret, "%s", c->why);
	ASSERT_NE(CASE_ERROR, ret)
		TH_LOG("%s %u bits at %#llx: %s",
		       k->write ? "write" : "read", 8 * k->width,
		       (unsigned long long)k->off, c->why);
	EXPECT_EQ(want, ret)
		TH_LOG("%s %u bits at %#llx%s: %s",
		       k->write ? "write" : "read", 8 * k->width,
		       (unsigned long long)k->off,
		       k->fake ? " (stand-in)" : "",
		       ret == CASE_PASS ? "passed" : c->why);
	if (ret == CASE_FAIL && because)
		EXPECT_NE(NULL, strstr(c->why, because))
			TH_LOG("failed for the wrong reason: %s", c->why);
	return ret;
}

TEST_F_TIMEOUT(cli, one_access_of_the_width, 300)
{
	static const char * const devs[] = {
		"physwin0", "/dev/physwin0", "0",
	};
	unsigned int w = variant->width;
	size_t page = self->c.page;
	uint64_t offs[] = {
		2 * page,				/* a page's first */
		page + 0x238,				/* a word's first */
		(page + 0x23f) & ~(uint64_t)(w - 1),	/* a word's last */
		4 * page - w,				/* a page's last */
	};
	struct cli_case k = {
		.write = variant->write,
		.width = w,
	};
	size_t i;

	ASSERT_EQ(0, access(self->c.tool, X_OK))
		TH_LOG("no physwin tool at %s (set PHYSWIN_CLI)",
		       self->c.tool);
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		if (i && offs[i] == offs[i - 1])
			continue;
		k.off = offs[i];
		k.dev = devs[i % ARRAY_SIZE(devs)];
		k.value = ~pw_pattern(self->c.seed ^ 0x5a5a, k.off) &
			  width_mask(w);
		if (verdict(_metadata, &self->c, &k, CASE_PASS, NULL) ==
		    CASE_SKIP)
			return;
	}
}

/*
 * The measurement itself, on stand-ins of known behaviour: it must pass
 * the right one and fail each wrong one, for its own reason.
 */
FIXTURE(cli_control)
{
	struct pw_window win[PW_MAX_WINDOWS];
	struct cli_ctx c;
};

FIXTURE_SETUP(cli_control)
{
	const char *why = ctx_init(&self->c, self->win);

	if (why)
		PW_SETUP_SKIP("%s", why);
	ASSERT_LE(0, self->c.fd)
		TH_LOG("open %s: %s", self->win[0].dev, strerror(errno));
}

FIXTURE_TEARDOWN(cli_control)
{
	if (self->c.fd >= 0)
		close(self->c.fd);
}

TEST_F_TIMEOUT(cli_control, stand_ins_get_their_verdicts, 300)
{
	static const struct {
		bool write;
		unsigned int width;
		uint64_t in;		/* offset in the page */
		enum cli_fake fake;
		int want;
		const char *because;
	} ctl[] = {
		{ true, 8, 0x238, FAKE_RIGHT, CASE_PASS, NULL },
		{ false, 1, 0x23f, FAKE_RIGHT, CASE_PASS, NULL },
		/* Two 1-byte and two 4-byte accesses count 2. */
		{ true, 2, 0x238, FAKE_SPLIT, CASE_FAIL, "counted 2 " },
		{ true, 8, 0x238, FAKE_SPLIT, CASE_FAIL, "counted 2 " },
		{ false, 8, 0x238, FAKE_SPLIT, CASE_FAIL, "counted 2 " },
		/* Wider, keeping the value right: only watchpoints see it. */
		{ true, 4, 0x238, FAKE_WIDE, CASE_FAIL, "byte after" },
		{ false, 4, 0x23c, FAKE_WIDE, CASE_FAIL, "byte before" },
		{ false, 1, 0x23e, FAKE_WIDE, CASE_FAIL, "byte after" },
		/* Narrower: the value tells. */
		{ true, 8, 0x238, FAKE_NARROW, CASE_FAIL, "of physwin0 is" },
		{ false, 8, 0x238, FAKE_NARROW, CASE_FAIL, "read printed" },
	};
	struct cli_case k = { .dev = "physwin0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ctl); i++) {
		k.write = ctl[i].write;
		k.width = ctl[i].width;
		k.off = self->c.page + ctl[i].in;
		k.fake = ctl[i].fake;
		k.value = ~pw_pattern(self->c.seed ^ 0xa5a5, k.off) &
			  width_mask(k.width);
		if (verdict(_metadata, &self->c, &k, ctl[i].want,
			    ctl[i].because) == CASE_SKIP)
			return;
	}
}

TEST_HARNESS_MAIN
