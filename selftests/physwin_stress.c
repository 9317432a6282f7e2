// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: several processes of several threads throw a random mix of
 * everything userspace can do to a mapping at two windows for a minute,
 * while another thread revokes and restores the windows.
 *
 * Every thread owns a region of each window that nobody else writes, and
 * remembers the version of each word it last wrote there, so every value
 * it reads back (through a mapping, a moved or split one, a forked
 * child's, read() or pread()) is checked exactly. Revoking a window does
 * not change its memory, it only makes accesses fail, so the checks hold
 * throughout; a store or pwrite() that failed changed nothing the thread
 * remembers. A failure (SIGBUS, ENODEV) must overlap a revocation: the
 * revoking thread keeps a sequence count per window, odd while revoked,
 * that each access reads before and after.
 *
 * Processes exit at random (with mappings, threads and forked children in
 * flight) and are replaced. At the end every VMA is gone: "mappings" is
 * back where it started. The runner then checks that the module unloads
 * and leaves nothing behind.
 *
 * PHYSWIN_STRESS_SECONDS sets the duration (default 60, at most 200) and
 * PHYSWIN_STRESS_SEED the random seed; both are printed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <linux/physwin.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

#define STRESS_SECONDS		60
#define STRESS_MAX_SECONDS	200
#define NR_PROCS		3
#define NR_THREADS		4
#define NR_WIN			2
#define MAX_PIECES		16
#define MAX_MAP_PAGES		64
#define NR_SLOTS		3	/* words checked per page */
#define MAX_ERRORS		8

enum stress_op {
	OP_MMAP,
	OP_MUNMAP,
	OP_MUNMAP_PART,
	OP_TOUCH,
	OP_STORE,
	OP_LOAD,
	OP_FORK,
	OP_MREMAP_SHRINK,
	OP_MREMAP_MOVE,
	OP_MREMAP_GROW,
	OP_MPROTECT,
	OP_READ,
	OP_PREAD,
	OP_WRITE,
	OP_PWRITE,
	OP_POPULATE,
	OP_CLOSE,
	OP_EXIT,
	NR_OPS
};

enum stress_event {
	EV_WORDS,
	EV_SIGBUS,
	EV_ENODEV,
	EV_REVOKE,
	EV_SPAWN,
	NR_EVENTS
};

static const char * const events[NR_EVENTS] = {
	[EV_WORDS]	= "words checked",
	[EV_SIGBUS]	= "SIGBUS while revoked",
	[EV_ENODEV]	= "ENODEV/EFAULT while revoked",
	[EV_REVOKE]	= "revocations",
	[EV_SPAWN]	= "processes started",
};

/* Shared by the test process and every worker: MAP_SHARED. */
struct stress_shared {
	int stop;
	uint64_t seq[NR_WIN];	/* odd while the window is revoked */
	uint64_t ops[NR_OPS];
	uint64_t events[NR_EVENTS];
	uint64_t nr_errors;
	char errors[MAX_ERRORS][200];
};

/* Set up before the first fork; read-only afterwards. */
static struct {
	struct stress_shared *sh;
	struct pw_window win[NR_WIN];
	int nr_win;
	size_t page;
	uint64_t rlen[NR_WIN];	/* bytes of each thread's region */
	uint64_t seed;
} cfg;

/* A mapping of one thread: one VMA, or several after a partial mprotect. */
struct piece {
	char *addr;
	size_t len;
	uint64_t off;	/* window offset of addr */
	int w;
	bool shared;	/* MAP_SHARED read-write, else MAP_PRIVATE read-only */
	bool whole;	/* exactly one VMA: mremap and populate take it */
};

struct stress_thread {
	pthread_t tid;
	int id;		/* which region: proc * NR_THREADS + thread */
	uint64_t rng;
	int fd[NR_WIN];
	uint64_t tag[NR_WIN];
	uint64_t rbase[NR_WIN];
	uint32_t *ver[NR_WIN];	/* NR_SLOTS per region page; 0: unknown */
	uint32_t next_ver;
	char *buf;		/* one page, for read() and write() */
	struct piece piece[MAX_PIECES];
	int nr_pieces;
	bool in_child;		/* a forked child reports on exit */
	char child_msg[200];
};

static __thread sigjmp_buf bus_env;
static __thread volatile sig_atomic_t bus_armed;

static void on_sigbus(int sig)
{
	if (bus_armed) {
		bus_armed = 0;
		siglongjmp(bus_env, 1);
	}
	/* Not ours: the access is retried and kills the process. */
	signal(sig, SIG_DFL);
}

/* The word at @p, or false if reading it raised SIGBUS. */
static bool try_rd(const char *p, uint64_t *val)
{
	if (sigsetjmp(bus_env, 0))
		return false;
	bus_armed = 1;
	*val = pw_rd(p);
	bus_armed = 0;
	return true;
}

/* Store @val at @p; false if it raised SIGBUS, and then nothing changed. */
static bool try_wr(char *p, uint64_t val)
{
	if (sigsetjmp(bus_env, 0))
		return false;
	bus_armed = 1;
	pw_wr(p, val);
	bus_armed = 0;
	/* Nothing that records the store may be moved before it. */
	__asm__ __volatile__("" ::: "memory");
	return true;
}

static void count_op(int op)
{
	__atomic_add_fetch(&cfg.sh->ops[op], 1, __ATOMIC_RELAXED);
}

static void count_event(int ev, uint64_t n)
{
	__atomic_add_fetch(&cfg.sh->events[ev], n, __ATOMIC_RELAXED);
}

static void fail(const char *fmt, ...)
{
	uint64_t n = __atomic_fetch_add(&cfg.sh->nr_errors, 1,
					__ATOMIC_SEQ_CST);
	va_list ap;

	if (n >= MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(cfg.sh->errors[n], sizeof(cfg.sh->errors[n]), fmt, ap);
	va_end(ap);
}

/*
 * A forked child keeps its first finding until it knows the finding is
 * valid (see child_main()); everyone else reports at once.
 */
static void report(struct stress_thread *t, const char *fmt, ...)
{
	char msg[sizeof(t->child_msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!t->in_child)
		fail("%s", msg);
	else if (!t->child_msg[0])
		memcpy(t->child_msg, msg, sizeof(msg));
}

static uint64_t seq_now(int w)
{
	return __atomic_load_n(&cfg.sh->seq[w], __ATOMIC_SEQ_CST);
}

/*
 * An access to window @w, begun when its sequence count was @seq, failed
 * with @what: that is right only if a revocation overlapped it.
 */
static void revoked_access(struct stress_thread *t, int w, uint64_t seq,
			   int ev, const char *what)
{
	count_event(ev, 1);
	if (!(seq & 1) && seq_now(w) == seq)
		report(t, "%s: %s while not revoked", cfg.win[w].name, what);
}

/* xorshift64*: @state must not be 0. */
static uint64_t rnd_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd(struct stress_thread *t)
{
	return rnd_next(&t->rng);
}

/* A random number in [0, n), n > 0. */
static uint64_t below(struct stress_thread *t, uint64_t n)
{
	return rnd(t) % n;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t region_pages(int w)
{
	return cfg.rlen[w] / cfg.page;
}

static size_t slot_off(int slot)
{
	return slot == 0 ? 0 : slot == 1 ? cfg.page / 2 : cfg.page - 8;
}

/* Window offset of word @slot of page @pg of the thread's region. */
static uint64_t word_off(struct stress_thread *t, int w, uint64_t pg,
			 int slot)
{
	return t->rbase[w] + pg * cfg.page + slot_off(slot);
}

static uint64_t value(struct stress_thread *t, int w, uint64_t pg, int slot,
		      uint32_t ver)
{
	return pw_pattern(t->tag[w], (uint64_t)ver << 32 | pg << 2 | slot);
}

static uint32_t new_version(struct stress_thread *t)
{
	if (!++t->next_ver)
		t->next_ver = 1;
	return t->next_ver;
}

static uint32_t *version(struct stress_thread *t, int w, uint64_t pg,
			 int slot)
{
	return &t->ver[w][pg * NR_SLOTS + slot];
}

/* Check a word read back from the region; unknown words pass. */
static void check_word(struct stress_thread *t, int w, uint64_t pg, int slot,
		       uint64_t got, const char *how)
{
	uint32_t ver = *version(t, w, pg, slot);
	uint64_t want;

	if (!ver)
		return;
	count_event(EV_WORDS, 1);
	want = value(t, w, pg, slot, ver);
	if (got != want)
		report(t, "%s offset %#llx: %s read %#llx, not %#llx (version %u)",
		       cfg.win[w].name,
		       (unsigned long long)word_off(t, w, pg, slot), how,
		       (unsigned long long)got, (unsigned long long)want,
		       ver);
}

/* Check the words of region page @pg in @buf, a copy of the page. */
static void check_page(struct stress_thread *t, int w, uint64_t pg,
		       const char *buf, const char *how)
{
	uint64_t v;
	int s;

	for (s = 0; s < NR_SLOTS; s++) {
		memcpy(&v, buf + slot_off(s), sizeof(v));
		check_word(t, w, pg, s, v, how);
	}
}

static struct piece *any_piece(struct stress_thread *t)
{
	return t->nr_pieces ? &t->piece[below(t, t->nr_pieces)] : NULL;
}

static struct piece *whole_piece(struct stress_thread *t, size_t min_len)
{
	int i, n = t->nr_pieces, start;

	if (!n)
		return NULL;
	start = below(t, n);
	for (i = 0; i < n; i++) {
		struct piece *p = &t->piece[(start + i) % n];

		if (p->whole && p->len >= min_len)
			return p;
	}
	return NULL;
}

/*
 * A piece that maps part of the thread's region (a shared one if @write),
 * with the region pages it maps in [*lo, *hi).
 */
static struct piece *region_piece(struct stress_thread *t, bool write,
				  uint64_t *lo, uint64_t *hi)
{
	int i, n = t->nr_pieces, start;

	if (!n)
		return NULL;
	start = below(t, n);
	for (i = 0; i < n; i++) {
		struct piece *p = &t->piece[(start + i) % n];
		uint64_t rb = t->rbase[p->w], re = rb + cfg.rlen[p->w];
		uint64_t b = p->off > rb ? p->off : rb;
		uint64_t e = min_u64(p->off + p->len, re);

		if ((write && !p->shared) || b >= e)
			continue;
		*lo = (b - rb) / cfg.page;
		*hi = (e - rb) / cfg.page;
		return p;
	}
	return NULL;
}

/* Address of word @slot of region page @pg in piece @p. */
static char *piece_word(struct stress_thread *t, struct piece *p, uint64_t pg,
			int slot)
{
	return p->addr + (word_off(t, p->w, pg, slot) - p->off);
}

static void drop_piece(struct stress_thread *t, struct piece *p)
{
	*p = t->piece[--t->nr_pieces];
}

static bool op_munmap(struct stress_thread *t)
{
	struct piece *p = any_piece(t);

	if (!p)
		return false;
	if (munmap(p->addr, p->len))
		fail("munmap: %s", strerror(errno));
	drop_piece(t, p);
	return true;
}

static bool op_mmap(struct stress_thread *t)
{
	int w = below(t, cfg.nr_win), kind = below(t, 16);
	uint64_t size = cfg.win[w].size, npages = size / cfg.page;
	uint64_t rpages = region_pages(w), off, len, seq, first;
	bool shared = below(t, 8) != 0;
	struct piece *p;
	char *a;

	if (t->nr_pieces == MAX_PIECES)
		return false;
	if (kind == 0 && size >= 2 * PW_2M) {
		/* Room for PMD entries where the kernel has them. */
		len = 2 * PW_2M;
		off = below(t, (size - len) / PW_2M + 1) * PW_2M;
	} else if (kind < 8) {
		/* Inside the thread's own region. */
		first = below(t, rpages);
		off = t->rbase[w] + first * cfg.page;
		len = (1 + below(t, min_u64(MAX_MAP_PAGES, rpages - first))) *
		      cfg.page;
	} else if (kind == 8) {
		/* Up to the last byte of the window. */
		len = (1 + below(t, min_u64(MAX_MAP_PAGES, npages))) *
		      cfg.page;
		off = size - len;
	} else {
		first = below(t, npages);
		off = first * cfg.page;
		len = (1 + below(t, min_u64(MAX_MAP_PAGES, npages - first))) *
		      cfg.page;
	}

	seq = seq_now(w);
	a = mmap(NULL, len, shared ? PROT_READ | PROT_WRITE : PROT_READ,
		 shared ? MAP_SHARED : MAP_PRIVATE, t->fd[w], off);
	if (a == MAP_FAILED) {
		if (errno == ENODEV)
			revoked_access(t, w, seq, EV_ENODEV, "mmap ENODEV");
		else
			fail("%s: mmap of %#llx bytes at %#llx: %s",
			     cfg.win[w].name, (unsigned long long)len,
			     (unsigned long long)off, strerror(errno));
		return true;
	}
	p = &t->piece[t->nr_pieces++];
	*p = (struct piece){ .addr = a, .len = len, .off = off, .w = w,
			     .shared = shared, .whole = true };
	return true;
}

/* Unmap the head, the tail or the middle of a piece. */
static bool op_munmap_part(struct stress_thread *t)
{
	struct piece *p = any_piece(t);
	size_t np, s, k;

	if (!p || p->len < 2 * cfg.page)
		return false;
	np = p->len / cfg.page;
	switch (np >= 3 && t->nr_pieces < MAX_PIECES ? below(t, 3) : below(t, 2)) {
	case 0:
		k = 1 + below(t, np - 1);
		if (munmap(p->addr, k * cfg.page))
			fail("munmap head: %s", strerror(errno));
		p->addr += k * cfg.page;
		p->off += k * cfg.page;
		p->len -= k * cfg.page;
		break;
	case 1:
		k = 1 + below(t, np - 1);
		if (munmap(p->addr + p->len - k * cfg.page, k * cfg.page))
			fail("munmap tail: %s", strerror(errno));
		p->len -= k * cfg.page;
		break;
	default:
		s = 1 + below(t, np - 2);
		k = 1 + below(t, np - 1 - s);
		if (munmap(p->addr + s * cfg.page, k * cfg.page))
			fail("munmap middle: %s", strerror(errno));
		t->piece[t->nr_pieces] = *p;
		t->piece[t->nr_pieces].addr += (s + k) * cfg.page;
		t->piece[t->nr_pieces].off += (s + k) * cfg.page;
		t->piece[t->nr_pieces].len -= (s + k) * cfg.page;
		t->nr_pieces++;
		p->len = s * cfg.page;
		break;
	}
	return true;
}

/* Read a few pages of a piece, anywhere in the window. */
static bool op_touch(struct stress_thread *t)
{
	struct piece *p = any_piece(t);
	uint64_t v, seq;
	int i, n;

	if (!p)
		return false;
	n = 1 + below(t, 8);
	seq = seq_now(p->w);
	for (i = 0; i < n; i++) {
		if (!try_rd(p->addr + below(t, p->len / 8) * 8, &v)) {
			revoked_access(t, p->w, seq, EV_SIGBUS, "SIGBUS");
			break;
		}
	}
	return true;
}

/* Store new versions of a few words of the region through a mapping. */
static bool op_store(struct stress_thread *t)
{
	uint64_t lo, hi, pg, seq;
	struct piece *p;
	uint32_t ver;
	int i, n, s;

	p = region_piece(t, true, &lo, &hi);
	if (!p)
		return false;
	n = 1 + below(t, 4);
	seq = seq_now(p->w);
	for (i = 0; i < n; i++) {
		pg = lo + below(t, hi - lo);
		s = below(t, NR_SLOTS);
		ver = new_version(t);
		if (!try_wr(piece_word(t, p, pg, s),
			    value(t, p->w, pg, s, ver))) {
			revoked_access(t, p->w, seq, EV_SIGBUS, "SIGBUS");
			break;
		}
		*version(t, p->w, pg, s) = ver;
	}
	pw_mb();
	return true;
}

/* Check a few pages of the region through a mapping. */
static bool op_load(struct stress_thread *t)
{
	uint64_t lo, hi, pg, seq, v;
	struct piece *p;
	int i, n, s;

	p = region_piece(t, false, &lo, &hi);
	if (!p)
		return false;
	n = 1 + below(t, 8);
	seq = seq_now(p->w);
	for (i = 0; i < n; i++) {
		pg = lo + below(t, hi - lo);
		for (s = 0; s < NR_SLOTS; s++) {
			if (!try_rd(piece_word(t, p, pg, s), &v)) {
				revoked_access(t, p->w, seq, EV_SIGBUS,
					       "SIGBUS");
				return true;
			}
			check_word(t, p->w, pg, s, v, "mapping");
		}
	}
	return true;
}

/*
 * The child of a fork: touches every inherited piece and checks the
 * region through them. Its findings are only valid while its parent
 * lives: once the parent is gone, a new process may be writing the same
 * region. So they are reported only if the parent is still there after
 * all the reads.
 */
static void child_main(struct stress_thread *t, pid_t parent)
{
	uint64_t v, seq, lo, hi, pg;
	struct piece *p;
	int i, s;

	t->in_child = true;
	t->child_msg[0] = '\0';
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	for (i = 0; i < t->nr_pieces; i++) {
		p = &t->piece[i];
		seq = seq_now(p->w);
		if (!try_rd(p->addr + below(t, p->len / 8) * 8, &v))
			revoked_access(t, p->w, seq, EV_SIGBUS,
				       "SIGBUS in a child");
	}
	p = region_piece(t, false, &lo, &hi);
	for (i = 0; p && i < 4; i++) {
		seq = seq_now(p->w);
		pg = lo + below(t, hi - lo);
		for (s = 0; s < NR_SLOTS; s++) {
			if (!try_rd(piece_word(t, p, pg, s), &v)) {
				revoked_access(t, p->w, seq, EV_SIGBUS,
					       "SIGBUS in a child");
				break;
			}
			check_word(t, p->w, pg, s, v, "a child's mapping");
		}
	}
	if (t->child_msg[0] && getppid() == parent) {
		fail("%s", t->child_msg);
		_exit(1);
	}
	_exit(0);
}

static bool op_fork(struct stress_thread *t)
{
	pid_t parent = getpid(), pid;
	int status;

	pid = fork();
	if (!pid)
		child_main(t, parent);
	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		return true;
	}
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	else if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
		fail("forked child: status %#x", status);
	return true;
}

static bool op_mremap_shrink(struct stress_thread *t)
{
	struct piece *p = whole_piece(t, 2 * cfg.page);
	size_t len;
	char *q;

	if (!p)
		return false;
	len = (1 + below(t, p->len / cfg.page - 1)) * cfg.page;
	q = mremap(p->addr, p->len, len, 0);
	if (q != p->addr) {
		fail("mremap shrink: %s", strerror(errno));
		if (q == MAP_FAILED)
			return true;
	}
	p->len = len;
	return true;
}

static bool op_mremap_move(struct stress_thread *t)
{
	struct piece *p = whole_piece(t, cfg.page);
	char *dst, *q;

	if (!p)
		return false;
	dst = mmap(NULL, p->len, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (dst == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		return true;
	}
	q = mremap(p->addr, p->len, p->len, MREMAP_MAYMOVE | MREMAP_FIXED,
		   dst);
	if (q != dst) {
		fail("mremap move: %s", strerror(errno));
		munmap(dst, p->len);
		return true;
	}
	p->addr = dst;
	return true;
}

static bool op_mremap_grow(struct stress_thread *t)
{
	struct piece *p = whole_piece(t, cfg.page);
	char *q;

	if (!p)
		return false;
	q = mremap(p->addr, p->len, p->len + cfg.page, MREMAP_MAYMOVE);
	if (q != MAP_FAILED) {
		fail("%s: mremap grew a mapping of %#zx bytes at offset %#llx",
		     cfg.win[p->w].name, p->len, (unsigned long long)p->off);
		munmap(q, p->len + cfg.page);
		drop_piece(t, p);
	} else if (errno != EFAULT) {
		fail("mremap grow: %s, not EFAULT", strerror(errno));
	}
	return true;
}

/*
 * Take write (or all) access away from part of a piece, touch it, give
 * it back. A private piece can never become writable.
 */
static bool op_mprotect(struct stress_thread *t)
{
	struct piece *p = any_piece(t);
	int low = below(t, 2) ? PROT_READ : PROT_NONE;
	int full = PROT_READ | PROT_WRITE;
	size_t np, s, k;
	uint64_t v, seq;
	char *a;

	if (!p)
		return false;
	np = p->len / cfg.page;
	s = below(t, np);
	k = 1 + below(t, np - s);
	a = p->addr + s * cfg.page;
	if (!p->shared) {
		low = PROT_NONE;
		full = PROT_READ;
		if (!mprotect(a, k * cfg.page, PROT_READ | PROT_WRITE))
			fail("mprotect made a private mapping writable");
		else if (errno != EACCES)
			fail("mprotect private writable: %s, not EACCES",
			     strerror(errno));
	}
	if (mprotect(a, k * cfg.page, low)) {
		fail("mprotect: %s", strerror(errno));
		return true;
	}
	if (k != np)
		p->whole = false;
	if (low == PROT_READ) {
		seq = seq_now(p->w);
		if (!try_rd(a + below(t, k * cfg.page / 8) * 8, &v))
			revoked_access(t, p->w, seq, EV_SIGBUS, "SIGBUS");
	}
	if (mprotect(a, k * cfg.page, full))
		fail("mprotect back: %s", strerror(errno));
	return true;
}

/* read() or pread() a page of the region, and check it. */
static bool op_read(struct stress_thread *t, bool positioned)
{
	int w = below(t, cfg.nr_win);
	uint64_t pg = below(t, region_pages(w));
	uint64_t off = word_off(t, w, pg, 0), seq = seq_now(w);
	ssize_t n;

	if (positioned) {
		n = pread(t->fd[w], t->buf, cfg.page, off);
	} else {
		if (lseek(t->fd[w], off, SEEK_SET) != (off_t)off) {
			fail("lseek: %s", strerror(errno));
			return true;
		}
		n = read(t->fd[w], t->buf, cfg.page);
	}
	if (n == (ssize_t)cfg.page)
		check_page(t, w, pg, t->buf, positioned ? "pread" : "read");
	else if (n < 0 && errno == ENODEV)
		revoked_access(t, w, seq, EV_ENODEV, "read ENODEV");
	else
		fail("%s: read of a page at %#llx: %zd (%s)", cfg.win[w].name,
		     (unsigned long long)off, n, n < 0 ? strerror(errno) : "");
	return true;
}

/*
 * write() or pwrite() new versions of one word, or of a whole page (with
 * all its words), of the region.
 */
static bool op_write(struct stress_thread *t, bool positioned)
{
	int w = below(t, cfg.nr_win), slot = below(t, NR_SLOTS), s;
	uint64_t pg = below(t, region_pages(w)), seq = seq_now(w);
	bool page = !below(t, 4);
	uint32_t ver[NR_SLOTS];
	uint64_t off, v;
	size_t len, i;
	ssize_t n;

	if (page) {
		for (i = 0; i < cfg.page; i += 8) {
			v = pw_pattern(t->rng, i);
			memcpy(t->buf + i, &v, sizeof(v));
		}
		for (s = 0; s < NR_SLOTS; s++) {
			ver[s] = new_version(t);
			v = value(t, w, pg, s, ver[s]);
			memcpy(t->buf + slot_off(s), &v, sizeof(v));
		}
		off = word_off(t, w, pg, 0);
		len = cfg.page;
	} else {
		ver[slot] = new_version(t);
		v = value(t, w, pg, slot, ver[slot]);
		memcpy(t->buf, &v, sizeof(v));
		off = word_off(t, w, pg, slot);
		len = sizeof(v);
	}

	if (positioned) {
		n = pwrite(t->fd[w], t->buf, len, off);
	} else {
		if (lseek(t->fd[w], off, SEEK_SET) != (off_t)off) {
			fail("lseek: %s", strerror(errno));
			return true;
		}
		n = write(t->fd[w], t->buf, len);
	}
	if (n == (ssize_t)len) {
		for (s = 0; s < NR_SLOTS; s++)
			if (page || s == slot)
				*version(t, w, pg, s) = ver[s];
	} else if (n < 0 && errno == ENODEV) {
		revoked_access(t, w, seq, EV_ENODEV, "write ENODEV");
	} else {
		fail("%s: write of %zu bytes at %#llx: %zd (%s)",
		     cfg.win[w].name, len, (unsigned long long)off, n,
		     n < 0 ? strerror(errno) : "");
	}
	return true;
}

static bool op_populate(struct stress_thread *t)
{
	struct piece *p = whole_piece(t, cfg.page);
	struct physwin_range r;
	uint64_t seq;

	if (!p)
		return false;
	r.addr = (uintptr_t)p->addr;
	r.len = p->len;
	seq = seq_now(p->w);
	if (!ioctl(t->fd[p->w], PHYSWIN_IOC_POPULATE, &r))
		return true;
	/* ENODEV if revoked before, EFAULT (SIGBUS) if during. */
	if (errno == ENODEV || errno == EFAULT)
		revoked_access(t, p->w, seq, EV_ENODEV, "populate failure");
	else
		fail("populate: %s", strerror(errno));
	return true;
}

/* Close a window's file; its mappings keep it open. */
static bool op_close(struct stress_thread *t)
{
	int w = below(t, cfg.nr_win);

	close(t->fd[w]);
	t->fd[w] = open(cfg.win[w].dev, O_RDWR | O_CLOEXEC);
	if (t->fd[w] < 0) {
		fail("reopen %s: %s", cfg.win[w].dev, strerror(errno));
		_exit(1);
	}
	return true;
}

static bool op_read_file(struct stress_thread *t)
{
	return op_read(t, false);
}

static bool op_pread(struct stress_thread *t)
{
	return op_read(t, true);
}

static bool op_write_file(struct stress_thread *t)
{
	return op_write(t, false);
}

static bool op_pwrite(struct stress_thread *t)
{
	return op_write(t, true);
}

/* With every other thread in the middle of something. */
static bool op_exit(struct stress_thread *t)
{
	count_op(OP_EXIT);
	_exit(0);
}

/* Relative weights: exits are rare, so that processes live a while. */
static const struct {
	const char *name;
	unsigned int weight;
	bool (*run)(struct stress_thread *t);
} ops[NR_OPS] = {
	[OP_MMAP]		= { "mmap", 13000, op_mmap },
	[OP_MUNMAP]		= { "munmap", 5000, op_munmap },
	[OP_MUNMAP_PART]	= { "munmap partial", 5000, op_munmap_part },
	[OP_TOUCH]		= { "touch", 14000, op_touch },
	[OP_STORE]		= { "store through a mapping", 12000, op_store },
	[OP_LOAD]		= { "load and check", 10000, op_load },
	[OP_FORK]		= { "fork", 1500, op_fork },
	[OP_MREMAP_SHRINK]	= { "mremap shrink", 3000, op_mremap_shrink },
	[OP_MREMAP_MOVE]	= { "mremap move", 3000, op_mremap_move },
	[OP_MREMAP_GROW]	= { "mremap grow (refused)", 1000, op_mremap_grow },
	[OP_MPROTECT]		= { "mprotect", 4000, op_mprotect },
	[OP_READ]		= { "read", 3000, op_read_file },
	[OP_PREAD]		= { "pread", 6000, op_pread },
	[OP_WRITE]		= { "write", 3000, op_write_file },
	[OP_PWRITE]		= { "pwrite", 6000, op_pwrite },
	[OP_POPULATE]		= { "populate ioctl", 2000, op_populate },
	[OP_CLOSE]		= { "close and reopen", 1500, op_close },
	[OP_EXIT]		= { "process exit", 25, op_exit },
};

static int pick_op(struct stress_thread *t)
{
	unsigned int r, total = 0;
	int op;

	for (op = 0; op < NR_OPS; op++)
		total += ops[op].weight;
	r = below(t, total);
	for (op = 0; op < NR_OPS - 1; op++) {
		if (r < ops[op].weight)
			break;
		r -= ops[op].weight;
	}
	return op;
}

static void *thread_main(void *arg)
{
	struct stress_thread *t = arg;
	int op;

	while (!__atomic_load_n(&cfg.sh->stop, __ATOMIC_RELAXED)) {
		op = pick_op(t);
		if (ops[op].run(t))
			count_op(op);
	}
	while (t->nr_pieces)
		op_munmap(t);
	return NULL;
}

/* A worker process: NR_THREADS threads, each with its own regions. */
static void worker_main(int proc, uint64_t gen)
{
	struct stress_thread *thr;
	int i, w;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	thr = calloc(NR_THREADS, sizeof(*thr));
	if (!thr) {
		fail("calloc: %s", strerror(errno));
		_exit(1);
	}
	for (i = 0; i < NR_THREADS; i++) {
		struct stress_thread *t = &thr[i];

		t->id = proc * NR_THREADS + i;
		t->rng = pw_pattern(cfg.seed, gen << 16 | t->id) | 1;
		t->buf = malloc(cfg.page);
		if (!t->buf) {
			fail("malloc: %s", strerror(errno));
			_exit(1);
		}
		for (w = 0; w < cfg.nr_win; w++) {
			t->tag[w] = rnd(t);
			t->rbase[w] = t->id * cfg.rlen[w];
			t->ver[w] = calloc(region_pages(w) * NR_SLOTS,
					   sizeof(uint32_t));
			t->fd[w] = open(cfg.win[w].dev, O_RDWR | O_CLOEXEC);
			if (!t->ver[w] || t->fd[w] < 0) {
				fail("worker setup: %s", strerror(errno));
				_exit(1);
			}
		}
	}
	for (i = 0; i < NR_THREADS; i++) {
		if (pthread_create(&thr[i].tid, NULL, thread_main, &thr[i])) {
			fail("pthread_create failed");
			_exit(1);
		}
	}
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(thr[i].tid, NULL);
	_exit(0);
}

struct revoker {
	pthread_t tid;
	volatile int stop;
	uint64_t rng;
};

/* Every 20-100 ms, revoke one window for 1-10 ms. */
static void *revoker_main(void *arg)
{
	struct revoker *r = arg;
	int w, ret;

	while (!r->stop) {
		usleep(20000 + rnd_next(&r->rng) % 80000);
		w = rnd_next(&r->rng) % cfg.nr_win;
		__atomic_add_fetch(&cfg.sh->seq[w], 1, __ATOMIC_SEQ_CST);
		ret = pw_set_enabled(cfg.win[w].index, 0);
		if (ret)
			fail("revoke %s: %s", cfg.win[w].name, strerror(-ret));
		usleep(1000 + rnd_next(&r->rng) % 10000);
		ret = pw_set_enabled(cfg.win[w].index, 1);
		if (ret)
			fail("restore %s: %s", cfg.win[w].name, strerror(-ret));
		__atomic_add_fetch(&cfg.sh->seq[w], 1, __ATOMIC_SEQ_CST);
		count_event(EV_REVOKE, 1);
	}
	return NULL;
}

FIXTURE(stress)
{
	struct pw_window all[PW_MAX_WINDOWS];
	int nr_all;
	uint64_t mappings[PW_MAX_WINDOWS];
	unsigned int seconds;
};

FIXTURE_SETUP(stress)
{
	const char *why, *env;
	int i;

	why = pw_cannot_test(self->all, &self->nr_all);
	if (why)
		PW_SETUP_SKIP("%s", why);
	if (access(PW_CLASS_DIR "/physwin0/enabled", W_OK))
		PW_SETUP_SKIP("this physwin has no enabled attribute");

	cfg.page = getpagesize();
	cfg.nr_win = self->nr_all < NR_WIN ? self->nr_all : NR_WIN;
	for (i = 0; i < cfg.nr_win; i++) {
		cfg.win[i] = self->all[i];
		cfg.rlen[i] = cfg.win[i].size / (NR_PROCS * NR_THREADS) &
			      ~(uint64_t)(cfg.page - 1);
		if (cfg.rlen[i] < 4 * cfg.page)
			PW_SETUP_SKIP("%s is too small: %d threads need 4 pages each",
				      cfg.win[i].name, NR_PROCS * NR_THREADS);
	}

	self->seconds = STRESS_SECONDS;
	env = getenv("PHYSWIN_STRESS_SECONDS");
	if (env && *env)
		self->seconds = strtoul(env, NULL, 0);
	if (self->seconds < 1 || self->seconds > STRESS_MAX_SECONDS)
		self->seconds = self->seconds < 1 ? 1 : STRESS_MAX_SECONDS;
	cfg.seed = pw_seed();
	env = getenv("PHYSWIN_STRESS_SEED");
	if (env && *env)
		cfg.seed = strtoull(env, NULL, 0);

	cfg.sh = mmap(NULL, sizeof(*cfg.sh), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cfg.sh);

	for (i = 0; i < self->nr_all; i++) {
		ASSERT_EQ(0, pw_set_enabled(self->all[i].index, 1));
		self->mappings[i] = pw_get(self->all[i].index, "mappings");
	}
}

FIXTURE_TEARDOWN(stress)
{
	int i;

	for (i = 0; i < cfg.nr_win; i++)
		pw_set_enabled(cfg.win[i].index, 1);
}

static pid_t spawn(int proc, uint64_t gen)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (!pid)
		worker_main(proc, gen);
	if (pid > 0)
		count_event(EV_SPAWN, 1);
	return pid;
}

/*
 * A process ended: a worker (replaced while the run lasts), or a child a
 * worker forked and left behind when it exited (we are their subreaper;
 * PR_SET_PDEATHSIG killed them).
 */
static void reaped(pid_t *workers, pid_t pid, int status, bool replace,
		   uint64_t *gen)
{
	int i;

	for (i = 0; i < NR_PROCS; i++)
		if (workers[i] == pid)
			break;
	if (i == NR_PROCS) {
		if ((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
		    (WIFEXITED(status) && WEXITSTATUS(status) <= 1))
			return;
		fail("orphaned child %d: status %#x", pid, status);
		return;
	}
	workers[i] = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("worker %d: status %#x", pid, status);
	if (replace) {
		workers[i] = spawn(i, ++*gen);
		if (workers[i] < 0)
			fail("fork: %s", strerror(errno));
	}
}

TEST_F_TIMEOUT(stress, run, STRESS_MAX_SECONDS + 60)
{
	struct sigaction sa = { .sa_handler = on_sigbus,
				.sa_flags = SA_NODEFER };
	struct revoker rev = { 0 };
	pid_t workers[NR_PROCS], pid;
	int missing = 0;
	struct timespec now;
	uint64_t gen = 0;
	time_t deadline;
	int i, status;

	ksft_print_msg("%u s, %d processes x %d threads on %s (%s) and %s (%s), seed %#llx\n",
		       self->seconds, NR_PROCS, NR_THREADS, cfg.win[0].name,
		       cfg.win[0].cache,
		       cfg.nr_win > 1 ? cfg.win[1].name : "-",
		       cfg.nr_win > 1 ? cfg.win[1].cache : "-",
		       (unsigned long long)cfg.seed);
	ksft_print_msg("PHYSWIN_STRESS_SECONDS and PHYSWIN_STRESS_SEED change them\n");

	/* The children of exiting workers come back to us, and are waited. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));

	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline = now.tv_sec + self->seconds;
	for (i = 0; i < NR_PROCS; i++) {
		workers[i] = spawn(i, ++gen);
		ASSERT_LT(0, workers[i]);
	}
	rev.rng = cfg.seed | 1;
	ASSERT_EQ(0, pthread_create(&rev.tid, NULL, revoker_main, &rev));

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec >= deadline)
			break;
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0)
			reaped(workers, pid, status, true, &gen);
		else
			usleep(50000);
	}
	__atomic_store_n(&cfg.sh->stop, 1, __ATOMIC_SEQ_CST);
	while ((pid = waitpid(-1, &status, 0)) > 0)
		reaped(workers, pid, status, false, &gen);
	EXPECT_EQ(ECHILD, errno);
	rev.stop = 1;
	ASSERT_EQ(0, pthread_join(rev.tid, NULL));

	for (i = 0; i < NR_OPS; i++) {
		ksft_print_msg("%-28s %10llu\n", ops[i].name,
			       (unsigned long long)cfg.sh->ops[i]);
		/* Everything but exit happens many times a second. */
		if (i != OP_EXIT && !cfg.sh->ops[i])
			missing++;
	}
	for (i = 0; i < NR_EVENTS; i++)
		ksft_print_msg("%-28s %10llu\n", events[i],
			       (unsigned long long)cfg.sh->events[i]);
	for (i = 0; i < MAX_ERRORS && i < (int)cfg.sh->nr_errors; i++)
		ksft_print_msg("error: %s\n", cfg.sh->errors[i]);
	fflush(stdout);

	EXPECT_EQ(0UL, cfg.sh->nr_errors);
	EXPECT_EQ(0, missing) TH_LOG("some operations never ran");
	EXPECT_LT(0UL, cfg.sh->events[EV_WORDS]);
	EXPECT_LT(0UL, cfg.sh->events[EV_REVOKE]);

	/* Every VMA of every process is gone. */
	for (i = 0; i < self->nr_all; i++)
		EXPECT_EQ(self->mappings[i],
			  pw_get(self->all[i].index, "mappings"))
			TH_LOG("%s", self->all[i].name);
}

TEST_HARNESS_MAIN
