// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: the command-line tool for the windows of the physwin module.
 * It does for a window what "busybox devmem" does for /dev/mem: list the
 * windows, read and write one register with one access of an exact width
 * through an mmap of the page that holds it, dump, fill, load and save a
 * range through pread and pwrite, and revoke and restore a window.
 *
 * Every argument is checked against the window (sysfs) before anything is
 * written. Exit status: 0 done, 1 an error, 2 a usage error. See physwin(1).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define _FILE_OFFSET_BITS 64

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PHYSWIN_VERSION
#include "version.h"	/* driver/version.h */
#endif

/* What the kernel's compiler_attributes.h and kernel.h call them. */
#define PHYSWIN_ATTR(x)		__attribute__(x)
#define __noreturn		PHYSWIN_ATTR((__noreturn__))
#define __printf(a, b)		PHYSWIN_ATTR((__format__(printf, a, b)))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* Where the windows are; a test build can point elsewhere. */
#ifndef SYSFS_MISC
#define SYSFS_MISC	"/sys/class/misc"
#endif
#ifndef DEV_DIR
#define DEV_DIR		"/dev"
#endif
#define EXIT_ERROR	1
#define EXIT_USAGE	2
#define CHUNK		(64 * 1024)

struct window {
	unsigned int n;
	char name[32];		/* physwinN */
	char dev[48];		/* /dev/physwinN */
	char sys[64];		/* /sys/class/misc/physwinN */
	char base[32];		/* as sysfs shows it: 0x... */
	uint64_t size;
	char cache[16];
	char memtype[32];
	uint64_t mappings;
	uint64_t faults;
	bool enabled;
};

struct command {
	const char *name;
	const char *args;	/* the synopsis after "physwin NAME" */
	const char *help;	/* what it does, for --help */
	int min_args, max_args;
	int (*run)(int argc, char **argv);
};

static const struct command *current;

/* One line on stderr, then exit @status. */
static void __noreturn __printf(2, 3)
die_status(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("physwin: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

#define die(...)	die_status(EXIT_ERROR, __VA_ARGS__)

/* A usage error: what is wrong and where the usage is, on one line. */
static void __noreturn __printf(1, 2)
usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (current)
		die_status(EXIT_USAGE, "%s (usage: physwin %s %s; physwin %s --help)",
			   msg, current->name, current->args, current->name);
	die_status(EXIT_USAGE, "%s (physwin --help lists the commands)", msg);
}

/*
 * A number as the module takes base= and length= (physwin_parse_size() in
 * driver/params.c): a C number (0x hexadecimal, 0 octal, decimal) with an
 * optional K, M or G suffix; no sign but '+', no space, no junk, no
 * overflow of 64 bits.
 */
static int parse_size(const char *str, uint64_t *val)
{
	unsigned int shift = 0;
	unsigned long long v;
	char buf[32], *p, *end;
	size_t len = strlen(str);

	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, str, len + 1);
	switch (buf[len - 1]) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	}
	if (shift)
		buf[--len] = '\0';
	p = buf;
	if (*p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtoull(p, &end, 0);
	if (errno || *end)
		return -1;
	if (v > (UINT64_MAX >> shift))
		return -1;
	*val = (uint64_t)v << shift;
	return 0;
}

static uint64_t arg_number(const char *what, const char *str)
{
	static const char hint[] = "use 0x1000, 4096 or 4K";
	uint64_t v;

	if (parse_size(str, &v))
		usage_error("%s \"%s\" is not a valid number (%s)", what, str,
			    hint);
	return v;
}

static unsigned int width_arg(const char *str)
{
	if (!strcmp(str, "8"))
		return 8;
	if (!strcmp(str, "16"))
		return 16;
	if (!strcmp(str, "32"))
		return 32;
	if (!strcmp(str, "64"))
		return 64;
	usage_error("width \"%s\" is not 8, 16, 32 or 64", str);
}

/* The contents of @dir/@attr, without the newline; -errno on failure. */
static int read_attr(const char *dir, const char *attr, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, len - 1);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void attr_string(struct window *w, const char *attr, char *buf,
			size_t len)
{
	int ret = read_attr(w->sys, attr, buf, len);

	if (ret)
		die("%s/%s: %s", w->sys, attr, strerror(-ret));
}

static uint64_t attr_number(struct window *w, const char *attr)
{
	unsigned long long v;
	char buf[64], *end;

	attr_string(w, attr, buf, sizeof(buf));
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (errno || end == buf || *end)
		die("%s/%s: \"%s\" is not a number", w->sys, attr, buf);
	return v;
}

static bool module_loaded(void)
{
	struct dirent *d;
	bool found = false;
	DIR *dir;

	dir = opendir(SYSFS_MISC);
	if (!dir)
		return false;
	while (!found && (d = readdir(dir)))
		found = !strncmp(d->d_name, "physwin", 7);
	closedir(dir);
	return found;
}

static void __noreturn not_loaded(void)
{
	die("the physwin module is not loaded (no %s/physwin*): load it with modprobe physwin",
	    SYSFS_MISC);
}

/* Window @n as sysfs shows it, or -1 if it does not exist. */
static int window_info(unsigned int n, struct window *w)
{
	struct stat st;

	memset(w, 0, sizeof(*w));
	w->n = n;
	snprintf(w->name, sizeof(w->name), "physwin%u", n);
	snprintf(w->dev, sizeof(w->dev), DEV_DIR "/physwin%u", n);
	snprintf(w->sys, sizeof(w->sys), SYSFS_MISC "/physwin%u", n);
	if (stat(w->sys, &st))
		return -1;
	attr_string(w, "base", w->base, sizeof(w->base));
	w->size = attr_number(w, "size");
	attr_string(w, "cache", w->cache, sizeof(w->cache));
	if (read_attr(w->sys, "memtype", w->memtype, sizeof(w->memtype)))
		snprintf(w->memtype, sizeof(w->memtype), "-");
	w->mappings = attr_number(w, "mappings");
	w->faults = attr_number(w, "faults");
	w->enabled = attr_number(w, "enabled") != 0;
	return 0;
}

/* "physwinN", "/dev/physwinN" or "N": N, or -1. */
static long dev_number(const char *arg)
{
	unsigned long n;
	char *end;

	if (!strncmp(arg, "/dev/", 5))
		arg += 5;
	if (!strncmp(arg, "physwin", 7))
		arg += 7;
	if (!isdigit((unsigned char)*arg) || (arg[0] == '0' && arg[1]))
		return -1;
	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || *end || n > 0xffff)
		return -1;
	return n;
}

/* The window DEV names; exits unless it exists. */
static void find_window(const char *arg, struct window *w)
{
	long n = dev_number(arg);

	if (n < 0)
		usage_error("\"%s\" is not a window (use physwin0, /dev/physwin0 or 0)",
			    arg);
	if (!module_loaded())
		not_loaded();
	if (window_info(n, w))
		die("physwin%ld: no such window (physwin list shows the windows)",
		    n);
}

static void __noreturn die_revoked(const struct window *w)
{
	die("%s is revoked (enabled is 0); physwin enable %s restores it",
	    w->name, w->name);
}

/* [@off, @off + @len) must lie inside the window (no wrap either). */
static void check_range(const struct window *w, uint64_t off, uint64_t len)
{
	if (off > w->size || len > w->size - off)
		die("%s: offset 0x%llx length 0x%llx is outside the window (size 0x%llx)",
		    w->name, (unsigned long long)off, (unsigned long long)len,
		    (unsigned long long)w->size);
}

/*
 * Open /dev/physwinN, once everything else has been checked. Permission
 * and revocation get messages that say what to do.
 */
static int open_window(const struct window *w, int flags)
{
	int fd;

	if (!w->enabled)
		die_revoked(w);
	do {
		fd = open(w->dev, flags | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd >= 0)
		return fd;
	if (errno == EACCES || errno == EPERM)
		die("%s: %s; join the group physwin (usermod -aG physwin $USER)",
		    w->dev, strerror(errno));
	if (errno == ENODEV)
		die_revoked(w);
	die("%s: %s", w->dev, strerror(errno));
}

static void __noreturn io_error(const struct window *w, const char *what,
				int err)
{
	if (err == ENODEV)
		die_revoked(w);
	die("%s: %s: %s", w->dev, what, strerror(err));
}

/* ------------------------------------------------------------------------
 * One access of an exact width through an mmap
 */

static sigjmp_buf bus_env;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_env, 1);
}

struct mapped {
	void *map;
	size_t len;
	volatile void *addr;	/* the register */
};

static void map_register(const struct window *w, int fd, uint64_t off,
			 int prot, struct mapped *m)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct sigaction sa;

	m->len = page;
	m->map = mmap(NULL, page, prot, MAP_SHARED, fd,
		      (off_t)(off & ~(page - 1)));
	if (m->map == MAP_FAILED)
		io_error(w, "mmap", errno);
	m->addr = (volatile char *)m->map + (off & (page - 1));
	/* A revoke between the mmap and the access raises SIGBUS. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

static void check_access(const struct window *w, uint64_t off,
			 unsigned int width)
{
	check_range(w, off, width / 8);
	if (off % (width / 8))
		die("%s: offset 0x%llx is not aligned to %u bytes, as a %u-bit access must be",
		    w->name, (unsigned long long)off, width / 8, width);
#if UINTPTR_MAX < UINT64_MAX
	if (width == 64)
		die("64-bit accesses are not single accesses on this CPU; use two 32-bit ones");
#endif
}

/*
 * SIGBUS during the access: the window was revoked, or (enabled still 1)
 * the device did not answer, which raises it too on arm64.
 */
static void __noreturn revoked_during(const struct window *w,
				      const char *what)
{
	char buf[8];

	if (!read_attr(w->sys, "enabled", buf, sizeof(buf)) &&
	    !strcmp(buf, "1"))
		die("%s: bus error during the %s: the device did not answer",
		    w->name, what);
	die("%s was revoked during the %s; physwin enable %s restores it",
	    w->name, what, w->name);
}

/* Exactly one load of exactly @width bits. */
static uint64_t load_once(const struct window *w, volatile void *addr,
			  unsigned int width)
{
	if (sigsetjmp(bus_env, 1))
		revoked_during(w, "read");
	switch (width) {
	case 8:
		return *(volatile uint8_t *)addr;
	case 16:
		return *(volatile uint16_t *)addr;
	case 32:
		return *(volatile uint32_t *)addr;
	default:
		return *(volatile uint64_t *)addr;
	}
}

/* Exactly one store of exactly @width bits. */
static void store_once(const struct window *w, volatile void *addr,
		       unsigned int width, uint64_t v)
{
	if (sigsetjmp(bus_env, 1))
		revoked_during(w, "write");
	switch (width) {
	case 8:
		*(volatile uint8_t *)addr = (uint8_t)v;
		break;
	case 16:
		*(volatile uint16_t *)addr = (uint16_t)v;
		break;
	case 32:
		*(volatile uint32_t *)addr = (uint32_t)v;
		break;
	default:
		*(volatile uint64_t *)addr = v;
		break;
	}
}

static int cmd_read(int argc, char **argv)
{
	unsigned int width = 32;
	struct window w;
	struct mapped m;
	uint64_t off, v;
	int fd;

	off = arg_number("offset", argv[1]);
	if (argc > 2)
		width = width_arg(argv[2]);
	find_window(argv[0], &w);
	check_access(&w, off, width);
	fd = open_window(&w, O_RDONLY);
	map_register(&w, fd, off, PROT_READ, &m);
	v = load_once(&w, m.addr, width);
	munmap(m.map, m.len);
	close(fd);
	printf("0x%0*llx\n", (int)(width / 4), (unsigned long long)v);
	return 0;
}

static int cmd_write(int argc, char **argv)
{
	unsigned int width;
	struct window w;
	struct mapped m;
	uint64_t off, v;
	int fd;

	(void)argc;
	off = arg_number("offset", argv[1]);
	width = width_arg(argv[2]);
	v = arg_number("value", argv[3]);
	find_window(argv[0], &w);
	check_access(&w, off, width);
	if (width < 64 && v >> width)
		die("value 0x%llx does not fit in %u bits",
		    (unsigned long long)v, width);
	fd = open_window(&w, O_RDWR);
	map_register(&w, fd, off, PROT_READ | PROT_WRITE, &m);
	store_once(&w, m.addr, width, v);
	munmap(m.map, m.len);
	close(fd);
	return 0;
}

/* ------------------------------------------------------------------------
 * pread and pwrite
 */

/* Read (@write false) or write all of @len at @off, or die. */
static void window_io(const struct window *w, int fd, void *buf, size_t len,
		      uint64_t off, bool write)
{
	const char *what = write ? "write" : "read";
	char *p = buf;

	while (len) {
		ssize_t n = write ? pwrite(fd, p, len, (off_t)off) :
				    pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			io_error(w, what, errno);
		if (!n)
			die("%s: %s: no progress at 0x%llx", w->dev, what,
			    (unsigned long long)off);
		p += n;
		off += n;
		len -= n;
	}
}

/* read(2) all it can into @buf: the bytes read, 0 at end of file. */
static size_t file_read(const char *name, int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("%s: %s", name, strerror(errno));
		if (!n)
			break;
		done += n;
	}
	return done;
}

static void file_write(const char *name, int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("%s: %s", name, strerror(errno));
		p += n;
		len -= n;
	}
}

static void *xmalloc(size_t len)
{
	void *p = malloc(len ? len : 1);

	if (!p)
		die("out of memory");
	return p;
}

/* The hexdump -C layout, offsets those of the window. */
struct dumper {
	uint64_t off;		/* of the next line */
	unsigned char prev[16];
	bool have_prev;		/* a full line was printed or skipped */
	bool starred;
};

static void dump_line(struct dumper *d, const unsigned char *p, size_t n)
{
	char line[80], *s = line;
	size_t i;

	if (n == 16 && d->have_prev && !memcmp(p, d->prev, 16)) {
		if (!d->starred)
			puts("*");
		d->starred = true;
		d->off += n;
		return;
	}
	d->starred = false;
	if (n == 16) {
		memcpy(d->prev, p, 16);
		d->have_prev = true;
	}
	s += sprintf(s, "%08llx  ", (unsigned long long)d->off);
	for (i = 0; i < 16; i++) {
		if (i < n)
			s += sprintf(s, "%02x ", p[i]);
		else
			s += sprintf(s, "   ");
		if (i == 7)
			*s++ = ' ';
	}
	s += sprintf(s, " |");
	for (i = 0; i < n; i++)
		*s++ = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.';
	*s++ = '|';
	*s = '\0';
	puts(line);
	d->off += n;
}

static int cmd_dump(int argc, char **argv)
{
	struct dumper d = { 0 };
	struct window w;
	uint64_t off, len, start;
	unsigned char *buf;
	size_t have = 0;
	int fd;

	(void)argc;
	off = arg_number("offset", argv[1]);
	len = arg_number("length", argv[2]);
	find_window(argv[0], &w);
	check_range(&w, off, len);
	fd = open_window(&w, O_RDONLY);
	buf = xmalloc(CHUNK);
	d.off = off;
	start = off;
	while (len) {
		size_t n = len < CHUNK - have ? len : CHUNK - have, i;

		window_io(&w, fd, buf + have, n, off, false);
		off += n;
		len -= n;
		have += n;
		for (i = 0; i + 16 <= have; i += 16)
			dump_line(&d, buf + i, 16);
		memmove(buf, buf + i, have - i);
		have -= i;
	}
	if (have)
		dump_line(&d, buf, have);
	if (d.off != start)
		printf("%08llx\n", (unsigned long long)d.off);
	free(buf);
	close(fd);
	if (fflush(stdout) || ferror(stdout))
		die("standard output: %s", strerror(errno));
	return 0;
}

static int cmd_fill(int argc, char **argv)
{
	struct window w;
	uint64_t off, len, byte;
	unsigned char *buf;
	int fd;

	(void)argc;
	off = arg_number("offset", argv[1]);
	len = arg_number("length", argv[2]);
	byte = arg_number("byte", argv[3]);
	find_window(argv[0], &w);
	check_range(&w, off, len);
	if (byte > 0xff)
		die("byte 0x%llx does not fit in 8 bits", (unsigned long long)byte);
	fd = open_window(&w, O_WRONLY);
	buf = xmalloc(CHUNK);
	memset(buf, (int)byte, CHUNK);
	while (len) {
		size_t n = len < CHUNK ? len : CHUNK;

		window_io(&w, fd, buf, n, off, true);
		off += n;
		len -= n;
	}
	free(buf);
	close(fd);
	return 0;
}

static int cmd_load(int argc, char **argv)
{
	const char *name = argv[2];
	uint64_t off, room, cap;
	unsigned char *buf;
	struct window w;
	struct stat st;
	size_t len;
	int fd, in;

	(void)argc;
	off = arg_number("offset", argv[1]);
	find_window(argv[0], &w);
	check_range(&w, off, 0);
	room = w.size - off;
	if (!strcmp(name, "-")) {
		name = "standard input";
		in = STDIN_FILENO;
	} else {
		in = open(name, O_RDONLY | O_CLOEXEC);
		if (in < 0)
			die("%s: %s", name, strerror(errno));
	}
	if (fstat(in, &st))
		die("%s: %s", name, strerror(errno));
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > room)
		die("%s: %llu bytes do not fit in the 0x%llx bytes of %s from offset 0x%llx",
		    name, (unsigned long long)st.st_size,
		    (unsigned long long)room, w.name,
		    (unsigned long long)off);
	/*
	 * Everything is read before anything is written, so that a file
	 * that turns out too large (a pipe, a file that grows, a /proc file
	 * whose size says 0) writes nothing. The buffer grows as the input
	 * comes, one byte past the room at most.
	 */
	if (room > SIZE_MAX - 1)
		room = SIZE_MAX - 1;
	cap = S_ISREG(st.st_mode) && st.st_size ? (uint64_t)st.st_size + 1 :
						   CHUNK;
	if (cap > room + 1)
		cap = room + 1;
	buf = xmalloc(cap);
	len = 0;
	for (;;) {
		len += file_read(name, in, buf + len, cap - len);
		if (len > room)
			die("%s: more than the 0x%llx bytes of %s from offset 0x%llx",
			    name, (unsigned long long)room, w.name,
			    (unsigned long long)off);
		if (len < cap)
			break;	/* end of file */
		cap = cap > (room + 1) / 2 ? room + 1 : cap * 2;
		buf = realloc(buf, cap);
		if (!buf)
			die("out of memory");
	}
	fd = open_window(&w, O_WRONLY);
	window_io(&w, fd, buf, len, off, true);
	free(buf);
	close(fd);
	if (in != STDIN_FILENO)
		close(in);
	return 0;
}

static int cmd_save(int argc, char **argv)
{
	const char *name = argv[3];
	struct window w;
	uint64_t off, len;
	unsigned char *buf;
	int fd, out;

	(void)argc;
	off = arg_number("offset", argv[1]);
	len = arg_number("length", argv[2]);
	find_window(argv[0], &w);
	check_range(&w, off, len);
	fd = open_window(&w, O_RDONLY);
	if (!strcmp(name, "-")) {
		name = "standard output";
		out = STDOUT_FILENO;
	} else {
		out = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (out < 0)
			die("%s: %s", name, strerror(errno));
	}
	buf = xmalloc(CHUNK);
	while (len) {
		size_t n = len < CHUNK ? len : CHUNK;

		window_io(&w, fd, buf, n, off, false);
		file_write(name, out, buf, n);
		off += n;
		len -= n;
	}
	free(buf);
	close(fd);
	if (out != STDOUT_FILENO && close(out))
		die("%s: %s", name, strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------------
 * sysfs
 */

static int set_enabled(char **argv, const char *value, const char *verb)
{
	char path[128];
	struct window w;
	ssize_t n;
	int fd;

	find_window(argv[0], &w);
	snprintf(path, sizeof(path), "%s/enabled", w.sys);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		die("%s %s needs root: %s: %s", verb, w.name, path,
		    strerror(errno));
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	do {
		n = write(fd, value, 1);
	} while (n < 0 && errno == EINTR);
	if (n != 1)
		die("%s: %s", path, n < 0 ? strerror(errno) : "short write");
	close(fd);
	return 0;
}

static int cmd_revoke(int argc, char **argv)
{
	(void)argc;
	return set_enabled(argv, "0", "revoking");
}

static int cmd_enable(int argc, char **argv)
{
	(void)argc;
	return set_enabled(argv, "1", "enabling");
}

static int window_cmp(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

#define COLUMNS 8

static const char * const list_head[COLUMNS] = {
	"DEVICE", "BASE", "SIZE", "CACHE", "MEMTYPE", "MAPPINGS", "FAULTS",
	"ENABLED",
};

/* Column @c of window @x in the table, in @buf if it must be made. */
static const char *list_cell(const struct window *x, unsigned int c,
			     char *buf, size_t len)
{
	switch (c) {
	case 0:
		return x->name;
	case 1:
		return x->base;
	case 2:
		snprintf(buf, len, "%llu", (unsigned long long)x->size);
		return buf;
	case 3:
		return x->cache;
	case 4:
		return x->memtype;
	case 5:
		snprintf(buf, len, "%llu", (unsigned long long)x->mappings);
		return buf;
	case 6:
		snprintf(buf, len, "%llu", (unsigned long long)x->faults);
		return buf;
	default:
		return x->enabled ? "yes" : "no";
	}
}

static void list_table(const struct window *w, unsigned int count)
{
	size_t width[COLUMNS];
	unsigned int i, c;
	char buf[32];

	for (c = 0; c < COLUMNS; c++) {
		width[c] = strlen(list_head[c]);
		for (i = 0; i < count; i++) {
			size_t n = strlen(list_cell(&w[i], c, buf, sizeof(buf)));

			if (n > width[c])
				width[c] = n;
		}
	}
	for (i = 0; i <= count; i++) {
		for (c = 0; c < COLUMNS; c++) {
			const char *s = list_head[c];

			if (i)
				s = list_cell(&w[i - 1], c, buf, sizeof(buf));
			if (c == COLUMNS - 1)
				printf("%s\n", s);
			else if (c == 2 || c == 5 || c == 6)	/* numbers */
				printf("%*s  ", (int)width[c], s);
			else
				printf("%-*s  ", (int)width[c], s);
		}
	}
}

static void list_json(const struct window *w, unsigned int count)
{
	unsigned int i;

	puts("[");
	for (i = 0; i < count; i++) {
		printf("  {\"device\": ");
		json_string(w[i].name);
		printf(", \"base\": ");
		json_string(w[i].base);
		printf(", \"size\": %llu, \"cache\": ",
		       (unsigned long long)w[i].size);
		json_string(w[i].cache);
		printf(", \"memtype\": ");
		json_string(w[i].memtype);
		printf(", \"mappings\": %llu, \"faults\": %llu, \"enabled\": %s}%s\n",
		       (unsigned long long)w[i].mappings,
		       (unsigned long long)w[i].faults,
		       w[i].enabled ? "true" : "false",
		       i + 1 < count ? "," : "");
	}
	puts("]");
}

static int cmd_list(int argc, char **argv)
{
	unsigned int *nums = NULL, count = 0, i;
	bool json = false;
	struct dirent *d;
	struct window *w;
	DIR *dir;

	for (i = 0; i < (unsigned int)argc; i++) {
		if (strcmp(argv[i], "--json"))
			usage_error("unknown argument \"%s\"", argv[i]);
		json = true;
	}
	dir = opendir(SYSFS_MISC);
	if (!dir)
		not_loaded();
	while ((d = readdir(dir))) {
		long n = dev_number(d->d_name);

		if (strncmp(d->d_name, "physwin", 7) || n < 0)
			continue;
		nums = realloc(nums, (count + 1) * sizeof(*nums));
		if (!nums)
			die("out of memory");
		nums[count++] = n;
	}
	closedir(dir);
	if (!count)
		not_loaded();
	qsort(nums, count, sizeof(*nums), window_cmp);
	w = xmalloc(count * sizeof(*w));
	for (i = 0; i < count; i++)
		if (window_info(nums[i], &w[i]))
			die("physwin%u: gone while listing", nums[i]);
	if (json)
		list_json(w, count);
	else
		list_table(w, count);
	free(w);
	free(nums);
	if (fflush(stdout) || ferror(stdout))
		die("standard output: %s", strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------------
 * The command line
 */

static const struct command commands[] = {
	{ "list", "[--json]",
	  "Show every window: device, base, size, cache, memtype, mappings,\n"
	  "faults and enabled, from /sys/class/misc/physwinN/. --json prints\n"
	  "a JSON array of objects, one window a line.\n",
	  0, 1, cmd_list },
	{ "read", "DEV OFFSET [8|16|32|64]",
	  "Read one value of WIDTH bits (default 32) at OFFSET with one load\n"
	  "of exactly that width, through an mmap of the page that holds it,\n"
	  "and print it as 0x and WIDTH/4 hex digits. OFFSET must be aligned\n"
	  "to the width.\n",
	  2, 3, cmd_read },
	{ "write", "DEV OFFSET 8|16|32|64 VALUE",
	  "Write VALUE at OFFSET with one store of exactly that width, through\n"
	  "an mmap of the page that holds it. OFFSET must be aligned to the\n"
	  "width, and VALUE must fit in it.\n",
	  4, 4, cmd_write },
	{ "dump", "DEV OFFSET LENGTH",
	  "Print LENGTH bytes from OFFSET as hexdump -C does, with the offsets\n"
	  "of the window (read with pread).\n",
	  3, 3, cmd_dump },
	{ "fill", "DEV OFFSET LENGTH BYTE",
	  "Write BYTE to LENGTH bytes from OFFSET (with pwrite).\n",
	  4, 4, cmd_fill },
	{ "load", "DEV OFFSET FILE",
	  "Write the contents of FILE (- for standard input) from OFFSET (with\n"
	  "pwrite). All of it must fit in the window.\n",
	  3, 3, cmd_load },
	{ "save", "DEV OFFSET LENGTH FILE",
	  "Write LENGTH bytes from OFFSET to FILE (- for standard output; read\n"
	  "with pread).\n",
	  4, 4, cmd_save },
	{ "revoke", "DEV",
	  "Revoke the window: write 0 to /sys/class/misc/physwinN/enabled. Every\n"
	  "mapping of it is zapped and accesses fail until physwin enable. Needs\n"
	  "root.\n",
	  1, 1, cmd_revoke },
	{ "enable", "DEV",
	  "Restore a revoked window: write 1 to /sys/class/misc/physwinN/enabled.\n"
	  "Needs root.\n",
	  1, 1, cmd_enable },
};

#define NCOMMANDS ARRAY_SIZE(commands)

static const char common_help[] =
	"DEV is physwin0, /dev/physwin0 or 0. Numbers are C numbers (0x10, 16,\n"
	"020) with an optional K, M or G suffix, as the module's parameters.\n"
	"Exit status: 0 done, 1 an error (nothing written, unless the transfer\n"
	"itself failed), 2 a usage error.\n";

static void help_all(void)
{
	size_t i;

	printf("usage: physwin COMMAND [ARGS]\n"
	       "       physwin COMMAND --help | physwin --help | physwin --version\n\n"
	       "Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		printf("  physwin %s %s\n", commands[i].name, commands[i].args);
	printf("\n%sSee physwin(1).\n", common_help);
}

static void help_one(const struct command *c)
{
	printf("usage: physwin %s %s\n\n%s\n%s", c->name, c->args, c->help,
	       common_help);
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

static int finish(void)
{
	if (fflush(stdout) || ferror(stdout))
		die_status(EXIT_ERROR, "standard output: %s", strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *c = NULL;
	int i, nargs;
	size_t k;

	if (argc < 2)
		usage_error("no command given");
	if (is_help(argv[1])) {
		help_all();
		return finish();
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("physwin %s\n", PHYSWIN_VERSION);
		return finish();
	}
	if (!strcmp(argv[1], "help")) {
		if (argc > 3)
			usage_error("help takes one command at most");
		for (k = 0; argc == 3 && k < NCOMMANDS; k++)
			if (!strcmp(argv[2], commands[k].name))
				c = &commands[k];
		if (argc == 3 && !c)
			usage_error("unknown command \"%s\"", argv[2]);
		if (c)
			help_one(c);
		else
			help_all();
		return finish();
	}
	for (k = 0; k < NCOMMANDS; k++)
		if (!strcmp(argv[1], commands[k].name))
			c = &commands[k];
	if (!c)
		usage_error("unknown command \"%s\"", argv[1]);
	current = c;

	/* --help anywhere; "--" ends the options; no other option but --json. */
	argv += 2;
	argc -= 2;
	for (i = 0; i < argc && strcmp(argv[i], "--"); i++) {
		if (is_help(argv[i])) {
			help_one(c);
			return finish();
		}
	}
	nargs = 0;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			for (i++; i < argc; i++)
				argv[nargs++] = argv[i];
			break;
		}
		if (argv[i][0] == '-' && argv[i][1] &&
		    !(c->run == cmd_list && !strcmp(argv[i], "--json")))
			usage_error("unknown option \"%s\"", argv[i]);
		argv[nargs++] = argv[i];
	}
	if (nargs < c->min_args)
		usage_error("too few arguments");
	if (nargs > c->max_args)
		usage_error("too many arguments");
	c->run(nargs, argv);
	return finish();
}
