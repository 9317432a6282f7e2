// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: what the module tells the rest of the system about its windows.
 *
 * Every window's sysfs attributes match the module parameters it was
 * loaded with, it is claimed in /proc/iomem, its PAT memtype matches its
 * cache mode and its memtype attribute, and its device node is a root-only
 * character device.
 */
#define _GNU_SOURCE
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "physwin_test.h"

FIXTURE(sysfs)
{
	struct pw_window win[PW_MAX_WINDOWS];
	int nr;
};

FIXTURE_SETUP(sysfs)
{
	const char *why = pw_cannot_test(self->win, &self->nr);

	if (why)
		PW_SETUP_SKIP("%s", why);
}

FIXTURE_TEARDOWN(sysfs)
{
}

/* Split a comma list (a module array parameter) in place. */
static int split_list(char *s, char **item, int max)
{
	int n = 0;

	if (!*s)
		return 0;
	for (;;) {
		if (n == max)
			return -E2BIG;
		item[n++] = s;
		s = strchr(s, ',');
		if (!s)
			return n;
		*s++ = '\0';
	}
}

TEST_F(sysfs, windows_are_numbered_densely)
{
	int i;

	ASSERT_LE(self->nr, PW_MAX_WINDOWS);
	for (i = 0; i < self->nr; i++) {
		EXPECT_EQ(i, self->win[i].index);
		EXPECT_EQ(0, access(self->win[i].dev, F_OK))
			TH_LOG("%s: %s", self->win[i].dev, strerror(errno));
	}
}

TEST_F(sysfs, attrs_match_params)
{
	char base_s[512], length_s[512], cache_s[512];
	char *base[PW_MAX_WINDOWS + 1], *length[PW_MAX_WINDOWS + 1];
	char *cache[PW_MAX_WINDOWS + 1];
	int nbase, nlength, ncache, i;

	ASSERT_EQ(0, pw_read_file(PW_PARAM_DIR "/base", base_s,
				  sizeof(base_s)));
	ASSERT_EQ(0, pw_read_file(PW_PARAM_DIR "/length", length_s,
				  sizeof(length_s)));
	ASSERT_EQ(0, pw_read_file(PW_PARAM_DIR "/cache", cache_s,
				  sizeof(cache_s)));
	TH_LOG("base=%s length=%s cache=%s", base_s, length_s, cache_s);

	nbase = split_list(base_s, base, PW_MAX_WINDOWS + 1);
	nlength = split_list(length_s, length, PW_MAX_WINDOWS + 1);
	ncache = split_list(cache_s, cache, PW_MAX_WINDOWS + 1);
	ASSERT_EQ(self->nr, nbase);
	ASSERT_EQ(self->nr, nlength);
	ASSERT_GE(self->nr, ncache);

	for (i = 0; i < self->nr; i++) {
		const struct pw_window *w = &self->win[i];
		uint64_t want_base, want_size;
		char s[64];

		ASSERT_EQ(0, pw_parse_size(base[i], &want_base))
			TH_LOG("base[%d] = \"%s\"", i, base[i]);
		ASSERT_EQ(0, pw_parse_size(length[i], &want_size))
			TH_LOG("length[%d] = \"%s\"", i, length[i]);
		EXPECT_EQ(want_base, w->base) TH_LOG("%s: base", w->name);
		EXPECT_EQ(want_size, w->size) TH_LOG("%s: size", w->name);
		EXPECT_STREQ(i < ncache ? cache[i] : "uc", w->cache)
			TH_LOG("%s: cache", w->name);

		/* base is 0x-prefixed hex, size plain decimal. */
		ASSERT_EQ(0, pw_attr_str(i, "base", s, sizeof(s)));
		EXPECT_EQ(0, strncmp(s, "0x", 2)) TH_LOG("base \"%s\"", s);
		ASSERT_EQ(0, pw_attr_str(i, "size", s, sizeof(s)));
		EXPECT_EQ(strlen(s), strspn(s, "0123456789"))
			TH_LOG("size \"%s\"", s);
	}
}

TEST_F(sysfs, counters)
{
	uint64_t faults, again, mappings, pages;
	int i;

	for (i = 0; i < self->nr; i++) {
		char s[64];

		ASSERT_EQ(0, pw_attr_u64(i, "mappings", &mappings));
		ASSERT_EQ(0, pw_attr_str(i, "faults", s, sizeof(s)));
		EXPECT_EQ(strlen(s), strspn(s, "0123456789"))
			TH_LOG("faults \"%s\"", s);
		ASSERT_EQ(0, pw_parse_u64(s, &faults));
		ASSERT_EQ(0, pw_attr_u64(i, "faults", &again));
		EXPECT_LE(faults, again);
		/* Every counted fault mapped at least one page. */
		ASSERT_EQ(0, pw_attr_u64(i, "fault_pages", &pages));
		EXPECT_LE(again, pages);
	}
}

TEST_F(sysfs, attrs_read_only)
{
	static const char * const attrs[] = {
		"base", "size", "cache", "memtype", "mappings", "faults",
		"fault_pages",
	};
	char path[128];
	struct stat st;
	unsigned int a;
	int i, fd;

	for (i = 0; i < self->nr; i++) {
		for (a = 0; a < ARRAY_SIZE(attrs); a++) {
			snprintf(path, sizeof(path),
				 PW_CLASS_DIR "/physwin%d/%s", i, attrs[a]);
			ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
			EXPECT_EQ(0444U, st.st_mode & 07777) TH_LOG("%s", path);
			/* Even root: sysfs refuses writes to a 0444 file. */
			fd = open(path, O_WRONLY);
			EXPECT_EQ(-1, fd) TH_LOG("%s opened for writing", path);
			if (fd >= 0)
				close(fd);
		}
	}
	for (a = 0; a < 3; a++) {
		snprintf(path, sizeof(path), PW_PARAM_DIR "/%s",
			 a == 0 ? "base" : a == 1 ? "length" : "cache");
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s", path);
		EXPECT_EQ(0444U, st.st_mode & 07777) TH_LOG("%s", path);
	}
}

TEST_F(sysfs, device_nodes)
{
	unsigned int major, minor;
	struct stat st;
	char s[32];
	int i, n;

	for (i = 0; i < self->nr; i++) {
		const struct pw_window *w = &self->win[i];

		ASSERT_EQ(0, stat(w->dev, &st)) TH_LOG("%s", w->dev);
		EXPECT_TRUE(S_ISCHR(st.st_mode)) TH_LOG("%s", w->dev);
		EXPECT_EQ(0600U, st.st_mode & 07777)
			TH_LOG("%s has mode %o", w->dev, st.st_mode & 07777);
		EXPECT_EQ(0U, st.st_uid);

		/* The node is the device sysfs describes. */
		ASSERT_EQ(0, pw_attr_str(i, "dev", s, sizeof(s)));
		n = sscanf(s, "%u:%u", &major, &minor);
		ASSERT_EQ(2, n) TH_LOG("%s: dev \"%s\"", w->name, s);
		EXPECT_EQ(major, major(st.st_rdev)) TH_LOG("%s", w->dev);
		EXPECT_EQ(minor, minor(st.st_rdev)) TH_LOG("%s", w->dev);
	}
}

TEST_F(sysfs, iomem)
{
	unsigned long long start, end;
	int i, found[PW_MAX_WINDOWS] = { 0 };
	char line[256], name[128];
	FILE *f;

	f = fopen("/proc/iomem", "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		/* "  60000000-61ffffff : physwin0", nested or not. */
		if (sscanf(line, " %llx-%llx : %127[^\n]", &start, &end,
			   name) != 3)
			continue;
		if (strncmp(name, "physwin", 7))
			continue;
		for (i = 0; i < self->nr; i++) {
			const struct pw_window *w = &self->win[i];

			if (strcmp(name, w->name))
				continue;
			found[i]++;
			EXPECT_EQ(w->base, start) TH_LOG("%s", line);
			EXPECT_EQ(w->base + w->size - 1, end)
				TH_LOG("%s", line);
		}
	}
	fclose(f);
	for (i = 0; i < self->nr; i++)
		EXPECT_EQ(1, found[i])
			TH_LOG("%s claimed %d times in /proc/iomem",
			       self->win[i].name, found[i]);
}

static const char *memtype(const char *cache)
{
	if (!strcmp(cache, "uc"))
		return "uncached-minus";
	if (!strcmp(cache, "wc"))
		return "write-combining";
	if (!strcmp(cache, "wb"))
		return "write-back";
	return "?";
}

/*
 * Whether the MTRRs make all of [base, base + size) write-back: PAT grants
 * a WB request only there, and reserves UC- instead elsewhere (see
 * pat_x_mtrr_type()). False when /proc/mtrr cannot be read, which is what
 * firmware that leaves the MTRRs disabled (e.g. QEMU's qboot) gives.
 */
static bool mtrr_write_back(uint64_t base, uint64_t size)
{
	unsigned long long rbase, rsize;
	bool wb = false, uc = false;
	char line[256], type[64], unit;
	FILE *f;

	f = fopen("/proc/mtrr", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "reg%*d: base=%llx (%*[ 0-9]MB), size=%llu%cB, count=%*d: %63s",
			   &rbase, &rsize, &unit, type) != 4)
			continue;
		rsize <<= unit == 'M' ? 20 : 10;
		if (!strcmp(type, "write-back") && rbase <= base &&
		    base + size <= rbase + rsize)
			wb = true;
		if (!strcmp(type, "uncachable") && rbase < base + size &&
		    base < rbase + rsize)
			uc = true;
	}
	fclose(f);
	return wb && !uc;
}

/*
 * The PAT memtype tree (arch/x86/mm/pat/memtype.c) lists every reservation
 * as "PAT: [mem 0x%016Lx-0x%016Lx] %s", end exclusive. The window's own
 * reservation must be there for as long as the module is loaded.
 */
TEST_F(sysfs, pat_memtype)
{
	unsigned long long start, end;
	int i, found[PW_MAX_WINDOWS] = { 0 };
	char line[256], type[64];
	FILE *f;

	f = fopen(PW_PAT_LIST, "re");
	if (!f)
		SKIP(return, "no %s (needs CONFIG_X86_PAT, PAT enabled and debugfs mounted)",
		     PW_PAT_LIST);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "PAT: [mem %llx-%llx] %63s", &start, &end,
			   type) != 3)
			continue;
		for (i = 0; i < self->nr; i++) {
			const struct pw_window *w = &self->win[i];

			if (start != w->base || end != w->base + w->size)
				continue;
			found[i]++;
			if (!strcmp(w->cache, "wb") &&
			    !strcmp(type, "uncached-minus") &&
			    !mtrr_write_back(w->base, w->size)) {
				TH_LOG("%s: MTRRs do not make it write-back, so PAT reserved UC-",
				       w->name);
				continue;
			}
			EXPECT_STREQ(memtype(w->cache), type)
				TH_LOG("%s (%s): %s", w->name, w->cache, line);
		}
		for (i = 0; i < self->nr; i++) {
			const struct pw_window *w = &self->win[i];
			char attr[64];

			if (start != w->base || end != w->base + w->size)
				continue;
			/* What users see is what PAT really reserved. */
			ASSERT_EQ(0, pw_attr_str(i, "memtype", attr,
						 sizeof(attr)))
				TH_LOG("%s: no memtype attribute", w->name);
			EXPECT_STREQ(type, attr)
				TH_LOG("%s (%s)", w->name, w->cache);
		}
	}
	fclose(f);
	for (i = 0; i < self->nr; i++)
		EXPECT_LE(1, found[i])
			TH_LOG("%s: no [mem %#llx-%#llx] in %s",
			       self->win[i].name,
			       (unsigned long long)self->win[i].base,
			       (unsigned long long)(self->win[i].base +
						    self->win[i].size),
			       PW_PAT_LIST);
}

/*
 * memtype names the caching the window really got, in the kernel's own
 * words. Without the PAT list to compare with (another architecture, or
 * no debugfs), it must at least be one of those names.
 */
TEST_F(sysfs, memtype_attr)
{
	static const char * const names[] = {
		"write-back", "write-combining", "uncached-minus",
		"uncached", "write-through", "write-protected",
	};
	char attr[64];
	unsigned int n;
	int i;

	for (i = 0; i < self->nr; i++) {
		ASSERT_EQ(0, pw_attr_str(i, "memtype", attr, sizeof(attr)))
			TH_LOG("physwin%d: no memtype attribute", i);
		for (n = 0; n < ARRAY_SIZE(names); n++)
			if (!strcmp(attr, names[n]))
				break;
		EXPECT_GT(ARRAY_SIZE(names), n)
			TH_LOG("physwin%d: memtype \"%s\"", i, attr);
		/* x86 PAT: reserved RAM under a write-back MTRR gets it all. */
		if (access(PW_PAT_LIST, R_OK) ||
		    (!strcmp(self->win[i].cache, "wb") &&
		     !mtrr_write_back(self->win[i].base, self->win[i].size)))
			continue;
		EXPECT_STREQ(memtype(self->win[i].cache), attr)
			TH_LOG("physwin%d (%s)", i, self->win[i].cache);
	}
}

TEST_HARNESS_MAIN
