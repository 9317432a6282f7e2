// SPDX-License-Identifier: GPL-2.0
/*
 * physwin-access DEVICE: can the caller use a window the way a program
 * would? Opens DEVICE O_RDWR, maps its first page shared, writes it and
 * reads it back. Exit status: 0 if all of that worked, 2 if open() failed
 * with EACCES (what the udev rule decides), 1 for anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const uint32_t pattern = 0x70687973;	/* "phys" */
	volatile uint32_t *p;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /dev/physwinN\n", argv[0]);
		return 1;
	}

	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		printf("%s: open O_RDWR: %s\n", argv[1], strerror(errno));
		return errno == EACCES ? 2 : 1;
	}

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		printf("%s: mmap: %s\n", argv[1], strerror(errno));
		close(fd);
		return 1;
	}

	/* The first touch faults the page in. */
	p[0] = pattern;
	if (p[0] != pattern) {
		printf("%s: wrote 0x%x, read back 0x%x\n", argv[1],
		       (unsigned int)pattern, (unsigned int)p[0]);
		return 1;
	}

	printf("%s: opened O_RDWR, mapped, wrote and read back\n", argv[1]);
	munmap((void *)p, 4096);
	close(fd);
	return 0;
}
