// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: the physwin:physwin_fault trace event. Enable it through
 * tracefs, fault some pages in, and find one event per fault of this
 * process, with the right window, address, page offset and page count.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

#define EVENT_DIR	"events/physwin/physwin_fault"
/* What TP_printk() prints, from "physwin_fault: " on. */
#define EVENT_FORMAT	"physwin_fault: physwin%u address=%lx pgoff=%lx order=%u pages=%lu result=%x"
#define VM_FAULT_FALLBACK_BIT	0x800U

FIXTURE(trace)
{
	PW_FIXTURE_BASE;
	struct pw_saved_params saved;
	char tracefs[64];
};

static int tracefs_write(const char *tracefs, const char *file,
			 const char *val)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

FIXTURE_SETUP(trace)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	unsigned int i;

	PW_SETUP_BASE();
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/" EVENT_DIR "/enable",
			 dirs[i]);
		if (!access(path, W_OK)) {
			snprintf(self->tracefs, sizeof(self->tracefs), "%s",
				 dirs[i]);
			break;
		}
	}
	if (!self->tracefs[0])
		PW_SETUP_SKIP("no tracefs with " EVENT_DIR " (mount tracefs)");
	if (pw_params_save(&self->saved))
		PW_SETUP_SKIP("this physwin has no fault_around parameter");
	ASSERT_EQ(0, pw_param_set("fault_around", "16K"));
	PW_SETUP_OPEN();
	/* Only this process's events, in an empty buffer. */
	ASSERT_EQ(0, tracefs_write(self->tracefs, EVENT_DIR "/enable", "0"));
	ASSERT_EQ(0, tracefs_write(self->tracefs, "trace", ""));
	snprintf(path, sizeof(path), "common_pid == %d", (int)getpid());
	ASSERT_EQ(0, tracefs_write(self->tracefs, EVENT_DIR "/filter", path));
}

FIXTURE_TEARDOWN(trace)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->tracefs[0]) {
		tracefs_write(self->tracefs, EVENT_DIR "/enable", "0");
		tracefs_write(self->tracefs, EVENT_DIR "/filter", "0");
	}
	pw_params_restore(&self->saved);
}

/*
 * Three faults, three events that map something, each naming what it
 * mapped. Where the kernel first offers a PMD (6.12, when the PMD is still
 * empty), the declined offer is an event of its own with pages=0 and
 * VM_FAULT_FALLBACK; those are checked and set aside.
 */
TEST_F(trace, one_event_per_fault)
{
	size_t block = 16384, len = 4 * block;
	unsigned long addr, pgoff, pages;
	unsigned int window, order, result, seen = 0, i;
	char path[128], line[512];
	uint64_t before;
	char *p;
	FILE *f;

	p = pw_map_aligned(self->fd, 8 * self->page, len, block, 0);
	ASSERT_NE(MAP_FAILED, p);

	before = pw_get(0, "faults");
	ASSERT_EQ(0, tracefs_write(self->tracefs, EVENT_DIR "/enable", "1"));
	for (i = 0; i < 3; i++)
		pw_rd(p + i * block + self->page);
	ASSERT_EQ(0, tracefs_write(self->tracefs, EVENT_DIR "/enable", "0"));
	EXPECT_EQ(3UL, pw_get(0, "faults") - before);

	snprintf(path, sizeof(path), "%s/trace", self->tracefs);
	f = fopen(path, "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		char *ev = strstr(line, "physwin_fault: ");
		int n;

		if (!ev)
			continue;
		n = sscanf(ev, EVENT_FORMAT, &window, &addr, &pgoff, &order,
			   &pages, &result);
		ASSERT_EQ(6, n)
			TH_LOG("cannot parse: %s", line);
		if (!pages) {
			EXPECT_NE(0U, order);
			EXPECT_EQ(VM_FAULT_FALLBACK_BIT, result);
			continue;
		}
		EXPECT_EQ(0U, window);
		EXPECT_EQ((unsigned long)p + seen * block + self->page, addr);
		EXPECT_EQ(8 + seen * (block / self->page) + 1, pgoff);
		EXPECT_EQ(0U, order);
		EXPECT_EQ(block / self->page, pages);
		seen++;
	}
	fclose(f);
	EXPECT_EQ(3U, seen);
	ASSERT_EQ(0, munmap(p, len));
}

TEST_HARNESS_MAIN
