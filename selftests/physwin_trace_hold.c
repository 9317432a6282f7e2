// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: a tracer racing a load. Helper of physwin_load.sh.
 *
 *   physwin_trace_hold HOLD_MS COMMAND [ARG]...
 *
 * Runs COMMAND (a load of physwin) while a thread tries, as fast as it
 * can, to open a perf event on the physwin:physwin_fault tracepoint, which
 * exists from the moment the module comes, before its init runs. An event
 * it gets is held for HOLD_MS milliseconds, as "perf record -e
 * physwin:physwin_fault" would, then closed. Prints one line,
 *
 *   attached=N refused=M errno=E status=S
 *
 * N events opened, M refused (the last with errno E), and COMMAND's exit
 * status S; exits with 0, or 1 if something else went wrong.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char * const id_files[] = {
	"/sys/kernel/tracing/events/physwin/physwin_fault/id",
	"/sys/kernel/debug/tracing/events/physwin/physwin_fault/id",
};

static volatile int stop;
static unsigned long attached, refused;
static int last_errno;
static long hold_ms;

/* The tracepoint's id, or -1 while it does not exist. */
static long tracepoint_id(void)
{
	char buf[32];
	unsigned int i;
	ssize_t n;
	int fd;

	for (i = 0; i < ARRAY_SIZE(id_files); i++) {
		fd = open(id_files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		return strtol(buf, NULL, 10);
	}
	return -1;
}

static void *tracer(void *arg)
{
	struct perf_event_attr attr;
	struct timespec hold = {
		.tv_sec = hold_ms / 1000,
		.tv_nsec = (hold_ms % 1000) * 1000000,
	};
	long id;
	int fd;

	while (!stop) {
		id = tracepoint_id();
		if (id < 0)
			continue;
		memset(&attr, 0, sizeof(attr));
		attr.size = sizeof(attr);
		attr.type = PERF_TYPE_TRACEPOINT;
		attr.config = id;
		attr.sample_period = 1;
		fd = syscall(SYS_perf_event_open, &attr, -1, 0, -1,
			     PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			/* Gone again (ENOENT, ENODEV) is not a refusal. */
			if (errno == EBUSY) {
				refused++;
				last_errno = errno;
			}
			continue;
		}
		attached++;
		nanosleep(&hold, NULL);
		close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t thread;
	int status;
	pid_t pid;

	if (argc >= 3)
		hold_ms = atol(argv[1]);
	if (hold_ms <= 0) {
		fprintf(stderr, "usage: %s HOLD_MS COMMAND [ARG]...\n", argv[0]);
		return 1;
	}
	if (pthread_create(&thread, NULL, tracer, NULL))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	stop = 1;
	pthread_join(thread, NULL);
	printf("attached=%lu refused=%lu errno=%d status=%d\n", attached,
	       refused, last_errno, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}
