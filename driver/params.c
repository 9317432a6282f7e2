// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: the module parameters, and everything that parses them.
 *
 * base=, length= and cache= are read once, at load, into window
 * specifications that nothing else may need to check again; fault_around=
 * and huge= can change at any time, fault_around= for the next fault and
 * huge= for the next mmap.
 */
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "physwin.h"

/* base=, length= and cache=: comma-separated lists, one entry a window. */
struct physwin_list {
	char *v[PHYSWIN_MAX_WINDOWS];
	unsigned int n;
};

static struct physwin_list physwin_bases, physwin_lengths, physwin_caches;

module_param_array_named(base, physwin_bases.v, charp, &physwin_bases.n,
			 0444);
MODULE_PARM_DESC(base,
		 "Physical start address of each window, comma separated, up to 8 (bytes: 0x10000000 or 268435456, optional K/M/G suffix; page aligned; no default, required)");
module_param_array_named(length, physwin_lengths.v, charp, &physwin_lengths.n,
			 0444);
MODULE_PARM_DESC(length,
		 "Size of each window, one per base (bytes, optional K/M/G suffix: 16M; page aligned; no default, required)");

const char * const physwin_cache_names[] = {
	[PHYSWIN_CACHE_UC] = "uc",
	[PHYSWIN_CACHE_WC] = "wc",
	[PHYSWIN_CACHE_WB] = "wb",
};

module_param_array_named(cache, physwin_caches.v, charp, &physwin_caches.n,
			 0444);
MODULE_PARM_DESC(cache,
		 "Caching mode of each window: uc, wc or wb (default: uc for every window not listed)");

/*
 * Parse a C number (0x10000000, 268435456, 0200) with an optional K, M or G
 * suffix, and an optional trailing newline (sysfs writes). Unlike memparse(),
 * reject trailing junk and overflow.
 */
static int physwin_parse_size(const char *str, u64 *val)
{
	unsigned int shift = 0;
	char buf[32];
	ssize_t len;
	u64 v;

	len = strscpy(buf, str, sizeof(buf));
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len <= 0)
		return -EINVAL;

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

	if (!len || kstrtoull(buf, 0, &v))
		return -EINVAL;
	if (check_shl_overflow(v, shift, val))
		return -EINVAL;
	return 0;
}

static int physwin_parse_cache(const char *str, enum physwin_cache *cache)
{
	int i = sysfs_match_string(physwin_cache_names, str);

	if (i < 0)
		return -EINVAL;
	*cache = i;
	return 0;
}

/* The number of physical address bits the CPU and phys_addr_t can hold. */
static unsigned int physwin_phys_bits(void)
{
	unsigned int bits = 8 * sizeof(phys_addr_t);

#ifdef CONFIG_X86
	bits = min_t(unsigned int, bits, boot_cpu_data.x86_phys_bits);
#elif defined(MAX_PHYSMEM_BITS)
	bits = min_t(unsigned int, bits, MAX_PHYSMEM_BITS);
#endif
	return bits;
}

static int physwin_check_range(unsigned int i, const struct physwin_spec *s)
{
	unsigned int bits = physwin_phys_bits();
	u64 last;

	if (!s->size) {
		pr_err("window %u: length is 0; give its size in bytes, e.g. length=16M\n",
		       i);
		return -EINVAL;
	}
	if (!IS_ALIGNED(s->base, PAGE_SIZE) ||
	    !IS_ALIGNED(s->size, PAGE_SIZE)) {
		pr_err("window %u: base %#llx and length %#llx must both be multiples of the page size (%#lx)\n",
		       i, s->base, s->size, PAGE_SIZE);
		return -EINVAL;
	}
	/* It's illegal to wrap around the end of the physical address space. */
	if (check_add_overflow(s->base, s->size - 1, &last)) {
		pr_err("window %u: base %#llx + length %#llx wraps around the address space\n",
		       i, s->base, s->size);
		return -EINVAL;
	}
	/* No PTE can point past the last address the CPU can put on the bus. */
	if (bits < 64 && last >> bits) {
		pr_err("window %u: [%#llx-%#llx] is beyond the CPU's %u-bit physical address space\n",
		       i, s->base, last, bits);
		return -EINVAL;
	}
	/*
	 * RAM the kernel owns must never be handed to userspace: the page
	 * allocator would reuse it under the mapping.
	 */
	if (region_intersects(s->base, s->size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("window %u: [%#llx-%#llx] intersects System RAM; reserve it first (memmap=SIZE$ADDR or mem= on the kernel command line, or a reserved-memory node in the device tree)\n",
		       i, s->base, last);
		return -EINVAL;
	}
	return 0;
}

/*
 * Turn the module parameters into window specifications, and refuse
 * anything that could not be claimed safely. Nothing is allocated here.
 * Returns the number of windows, or a negative errno.
 */
int physwin_parse_params(struct physwin_spec *specs)
{
	unsigned int i, j;
	int ret;

	if (!physwin_bases.n) {
		pr_err("no window given; load with base=ADDR length=SIZE, e.g. base=0x10000000 length=16M\n");
		return -EINVAL;
	}
	if (physwin_bases.n != physwin_lengths.n) {
		pr_err("%u base addresses but %u lengths; give one length per base\n",
		       physwin_bases.n, physwin_lengths.n);
		return -EINVAL;
	}
	if (physwin_caches.n > physwin_bases.n) {
		pr_err("%u cache modes for %u windows; give at most one per window\n",
		       physwin_caches.n, physwin_bases.n);
		return -EINVAL;
	}

	for (i = 0; i < physwin_bases.n; i++) {
		struct physwin_spec *s = &specs[i];

		if (physwin_parse_size(physwin_bases.v[i], &s->base)) {
			pr_err("window %u: base \"%s\" is not a number (use 0x10000000, 268435456 or 256M)\n",
			       i, physwin_bases.v[i]);
			return -EINVAL;
		}
		if (physwin_parse_size(physwin_lengths.v[i], &s->size)) {
			pr_err("window %u: length \"%s\" is not a number (use 16M, 0x1000000 or 16777216)\n",
			       i, physwin_lengths.v[i]);
			return -EINVAL;
		}
		s->cache = PHYSWIN_CACHE_UC;
		if (i < physwin_caches.n &&
		    physwin_parse_cache(physwin_caches.v[i], &s->cache)) {
			pr_err("window %u: unknown cache mode \"%s\"; use uc, wc or wb\n",
			       i, physwin_caches.v[i]);
			return -EINVAL;
		}
		ret = physwin_check_range(i, s);
		if (ret)
			return ret;
	}

	/* Two windows on the same bytes would alias with two memtypes. */
	for (i = 0; i < physwin_bases.n; i++) {
		for (j = i + 1; j < physwin_bases.n; j++) {
			if (specs[i].base < specs[j].base + specs[j].size &&
			    specs[j].base < specs[i].base + specs[i].size) {
				pr_err("window %u overlaps window %u; give each window its own range\n",
				       j, i);
				return -EBUSY;
			}
		}
	}
	return physwin_bases.n;
}

/*
 * Bytes mapped per order-0 fault: the aligned block around the address,
 * or PHYSWIN_AROUND_AUTO, a block that follows the access pattern.
 */
unsigned long physwin_fault_around = PHYSWIN_AROUND_AUTO;

static int physwin_fault_around_set(const char *val,
				    const struct kernel_param *kp)
{
	u64 bytes;

	if (sysfs_streq(val, "auto")) {
		WRITE_ONCE(physwin_fault_around, PHYSWIN_AROUND_AUTO);
		return 0;
	}
	/*
	 * Up to one PMD, so that a block never spans two page tables; a
	 * power of two, so that blocks tile the address space.
	 */
	if (physwin_parse_size(val, &bytes) || bytes < PAGE_SIZE ||
	    bytes > SZ_2M || !is_power_of_2(bytes)) {
		/* A sysfs write ends in a newline; keep the message one line. */
		pr_err("fault_around=%.*s: give auto, or a power of two from %lu to %u bytes (4K to 2M)\n",
		       (int)strcspn(val, "\n"), val, PAGE_SIZE, SZ_2M);
		return -EINVAL;
	}
	WRITE_ONCE(physwin_fault_around, bytes);
	return 0;
}

/* Reads back as written: "auto", or the size in bytes. */
static int physwin_fault_around_get(char *buf, const struct kernel_param *kp)
{
	unsigned long around = READ_ONCE(physwin_fault_around);

	if (around == PHYSWIN_AROUND_AUTO)
		return scnprintf(buf, PAGE_SIZE, "auto\n");
	return scnprintf(buf, PAGE_SIZE, "%lu\n", around);
}

static const struct kernel_param_ops physwin_fault_around_ops = {
	.set = physwin_fault_around_set,
	.get = physwin_fault_around_get,
};
module_param_cb(fault_around, &physwin_fault_around_ops,
		&physwin_fault_around, 0644);
MODULE_PARM_DESC(fault_around,
		 "Bytes mapped by one fault: the aligned block around the address, a power of two from 4K to 2M, K/M suffix allowed; or auto (the default), a block that grows while faults are sequential and is one page when they are not; takes effect on the next fault");

#ifdef PHYSWIN_HUGE
bool physwin_huge = true;
module_param_named(huge, physwin_huge, bool, 0644);
MODULE_PARM_DESC(huge,
		 "Map 2 MiB (PMD) and 1 GiB (PUD) entries where virtual and physical addresses are equally aligned, in mappings made from now on (default Y)");
#else
/* This kernel cannot map huge PFN entries: huge is N and stays N. */
bool physwin_huge;

static int physwin_huge_set(const char *val, const struct kernel_param *kp)
{
	bool on;

	if (kstrtobool(val, &on))
		return -EINVAL;
	if (on) {
		pr_err("huge=Y needs a kernel with huge PFN mappings (CONFIG_ARCH_SUPPORTS_PMD_PFNMAP, 6.12 and later)\n");
		return -EINVAL;
	}
	return 0;
}

static const struct kernel_param_ops physwin_huge_ops = {
	.set = physwin_huge_set,
	.get = param_get_bool,
};
module_param_cb(huge, &physwin_huge_ops, &physwin_huge, 0644);
MODULE_PARM_DESC(huge,
		 "Map huge entries; not supported by this kernel, so N (default N)");
#endif
