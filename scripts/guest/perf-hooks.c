// SPDX-License-Identifier: GPL-2.0
/*
 * physwin-perf-hooks: turn perf's scheduling hooks on for the whole boot
 * of an x86 test VM, while only the boot CPU runs.
 *
 * The first per-task perf event of a boot (physwin_cli_width's
 * watchpoints) turns the static key perf_sched_events on, and the last one
 * to close turns it off a second later. On x86 each turn patches a jump in
 * __schedule() with text_poke_bp(): an int3, the tail, then the first
 * byte, every CPU synced between the steps. Under QEMU's multi-threaded
 * TCG a CPU has been seen to run that int3 after the patch was done
 * ("Oops: int3" at __schedule+0x411 in 6.12.118, the key found through
 * the kernel's __jump_table). No test can stop it and real hardware never
 * shows it, so the VM takes the race away instead.
 *
 * PID 1 runs this once, before any test. It takes every CPU but the boot
 * CPU offline, opens a dummy per-task perf event, brings the CPUs back and
 * keeps the event open in a child that lives until the VM powers off: the
 * key is patched once, with no second CPU to run __schedule(), and never
 * again, because its count cannot fall to zero. The parent returns once
 * that is done, with 0, or 1 and the reason on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CPUS "/sys/devices/system/cpu"

static char why[256];

/* Write "0" or "1" to cpu @n's online file: 0, or -1 with @why set. */
static int cpu_set_online(long n, int on)
{
	char path[64];
	int fd, ok;

	snprintf(path, sizeof(path), CPUS "/cpu%ld/online", n);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ok = fd >= 0 && write(fd, on ? "1" : "0", 1) == 1;
	if (!ok && !why[0])	/* the first failure is the reason */
		snprintf(why, sizeof(why), "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* 1 if cpu @n exists, can go offline and is online now. */
static int cpu_can_offline(long n)
{
	char path[64], c = '0';
	int fd;

	snprintf(path, sizeof(path), CPUS "/cpu%ld/online", n);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (read(fd, &c, 1) != 1)
		c = '0';
	close(fd);
	return c == '1';
}

/* The child's work: 0 with the event open, or -1 with @why set. */
static int hold_hooks(void)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_DUMMY,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	static unsigned char down[4096];
	long n, cpus = sysconf(_SC_NPROCESSORS_CONF);
	int ret = 0;

	if (cpus > (long)sizeof(down))
		cpus = sizeof(down);
	for (n = 1; n < cpus && !ret; n++) {
		if (!cpu_can_offline(n))
			continue;
		ret = cpu_set_online(n, 0);
		down[n] = !ret;
	}
	if (!ret && sysconf(_SC_NPROCESSORS_ONLN) != 1) {
		snprintf(why, sizeof(why), "%ld CPUs still online",
			 sysconf(_SC_NPROCESSORS_ONLN));
		ret = -1;
	}
	if (!ret && syscall(__NR_perf_event_open, &attr, 0, -1, -1, 0) < 0) {
		snprintf(why, sizeof(why), "perf_event_open: %s",
			 strerror(errno));
		ret = -1;
	}
	for (n = 1; n < cpus; n++)
		if (down[n] && cpu_set_online(n, 1))
			ret = -1;
	return ret;
}

int main(void)
{
	int pipefd[2];
	char status;
	ssize_t len;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC)) {
		perror("physwin-perf-hooks: pipe2");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("physwin-perf-hooks: fork");
		return 1;
	}
	if (pid == 0) {
		close(pipefd[0]);
		if (setsid() < 0 || chdir("/"))
			return 1;
		if (hold_hooks()) {
			dprintf(pipefd[1], "1%s", why);
			return 1;
		}
		if (write(pipefd[1], "0", 1) != 1)
			return 1;
		close(pipefd[1]);
		close(STDIN_FILENO);
		close(STDOUT_FILENO);
		close(STDERR_FILENO);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	if (read(pipefd[0], &status, 1) != 1) {
		fprintf(stderr, "physwin-perf-hooks: the child died\n");
		return 1;
	}
	if (status == '0')
		return 0;
	len = read(pipefd[0], why, sizeof(why) - 1);
	why[len > 0 ? len : 0] = '\0';
	fprintf(stderr, "physwin-perf-hooks: %s\n", why);
	return 1;
}
