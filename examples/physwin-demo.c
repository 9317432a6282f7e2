// SPDX-License-Identifier: GPL-2.0
/*
 * physwin-demo: show what physwin does with one window, step by step.
 *
 *   physwin-demo [N]     (window N, default 0)
 *
 * It maps 1 MiB of /dev/physwinN and prints the window's sysfs counters as
 * it touches pages, forks, and unmaps part of the mapping. Build with
 * "cc -O2 -Wall -o physwin-demo physwin-demo.c".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAP_LEN		(1024UL * 1024)

static unsigned int window;
static long page_size;

/* Read /sys/class/misc/physwinN/NAME into buf, without the newline. */
static void attr_str(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/misc/physwin%u/%s", window,
		 name);
	f = fopen(path, "r");
	if (!f || !fgets(buf, len, f)) {
		fprintf(stderr, "physwin-demo: cannot read %s: %s\n", path,
			strerror(errno));
		exit(1);
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static unsigned long long attr(const char *name)
{
	char buf[64];

	attr_str(name, buf, sizeof(buf));
	return strtoull(buf, NULL, 0);
}

static void show(const char *what)
{
	printf("  %-46s faults=%-5llu mappings=%llu\n", what, attr("faults"),
	       attr("mappings"));
	fflush(stdout);
}

static void touch(volatile char *p, unsigned long first, unsigned long n)
{
	unsigned long i;

	for (i = first; i < first + n; i++)
		(void)p[i * page_size];
}

int main(int argc, char **argv)
{
	int to_child[2], to_parent[2];
	char dev[32], msg[64], mode[8], c;
	unsigned long pages;
	pid_t pid;
	char *p;
	int fd;

	if (argc > 1)
		window = strtoul(argv[1], NULL, 0);
	page_size = sysconf(_SC_PAGESIZE);
	pages = MAP_LEN / page_size;

	snprintf(dev, sizeof(dev), "/dev/physwin%u", window);
	fd = open(dev, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "physwin-demo: %s: %s\n", dev, strerror(errno));
		return 1;
	}

	attr_str("cache", mode, sizeof(mode));
	printf("%s: %llu bytes at 0x%llx, cache=%s\n", dev, attr("size"),
	       attr("base"), mode);
	show("before mmap");

	p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("physwin-demo: mmap");
		return 1;
	}
	printf("\nmmap of %lu pages maps nothing yet:\n", pages);
	show("after mmap");

	{
		char around[32] = "?";
		FILE *f = fopen("/sys/module/physwin/parameters/fault_around",
				"r");

		if (f) {
			if (!fgets(around, sizeof(around), f))
				around[0] = '\0';
			around[strcspn(around, "\n")] = '\0';
			fclose(f);
		}
		printf("\npages are faulted in as they are touched, ");
		if (strcmp(around, "auto"))
			printf("one aligned block of\nfault_around=%s bytes per fault:\n",
			       around);
		else
			printf("fault_around=auto: a lone page\n"
			       "alone, blocks that grow while touches are sequential:\n");
	}
	touch(p, 0, 1);
	show("read page 0");
	touch(p, 0, 1);
	show("read page 0 again (already mapped)");
	touch(p, 1, 15);
	show("read pages 1-15");
	touch(p, 0, pages);
	show("read all pages");

	snprintf(p, 64, "hello from the parent, pid %d", (int)getpid());

	printf("\nfork: the child inherits the mapping:\n");
	if (pipe(to_child) || pipe(to_parent)) {
		perror("physwin-demo: pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("physwin-demo: fork");
		return 1;
	}
	if (!pid) {
		printf("  child %d reads:  \"%s\"\n", (int)getpid(), p);
		snprintf(p + page_size, 64, "hello from the child, pid %d",
			 (int)getpid());
		fflush(stdout);
		c = 0;
		if (write(to_parent[1], &c, 1) != 1 ||
		    read(to_child[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	if (read(to_parent[0], &c, 1) != 1)
		return 1;
	show("child alive");
	memcpy(msg, p + page_size, sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	printf("  parent reads:    \"%s\"\n", msg);
	if (write(to_child[1], &c, 1) != 1 || waitpid(pid, NULL, 0) != pid)
		return 1;
	show("child exited");

	printf("\nmunmap splits and removes VMAs:\n");
	munmap(p + 4 * page_size, 4 * page_size);
	show("punched a 4-page hole (2 VMAs)");
	munmap(p, MAP_LEN);
	show("unmapped everything");
	close(fd);
	return 0;
}
