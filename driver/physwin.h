/* SPDX-License-Identifier: GPL-2.0 */
/*
 * physwin: lazily faulted physical memory windows.
 *
 * Definitions shared by the files of the module; nothing here is ABI.
 *
 * The files call one another in one direction only:
 *
 *   main.c    the windows' life: claim, kernel mapping, inode, init, exit
 *     file.c  the device file and its sysfs attributes
 *       mmap.c  the VMA operations: faults, populate, placement
 *   params.c  the module parameters (used by main.c and mmap.c)
 */
#ifndef _PHYSWIN_H
#define _PHYSWIN_H

#include <linux/atomic.h>
#include <linux/io.h>
#include <linux/miscdevice.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/srcu.h>
#include <linux/string.h>
#include <linux/types.h>

#include "window.h"

#define PHYSWIN_MAX_WINDOWS	8

/* The kernel can map PMD- or PUD-sized PFN entries (6.12 and later). */
#if defined(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP) || \
	defined(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP)
#define PHYSWIN_HUGE
#endif

enum physwin_cache {
	PHYSWIN_CACHE_UC,
	PHYSWIN_CACHE_WC,
	PHYSWIN_CACHE_WB,
};

/**
 * struct physwin_pcpu - what the fault handler did and saw, on one CPU
 * @faults: calls that mapped something
 * @pages: pages they covered: inserted, or found mapped by a racing fault
 *	(a huge entry counts as the pages it maps)
 * @run_mm: fault_around=auto: the mm of the last order-0 faults on this
 *	CPU; compared with the faulting VMA's, never followed
 * @run_start: the run of pages those faults mapped, [@run_start,
 *	@run_end): a hint of where a sweep continues (mmap.c)
 * @run_end: see @run_start
 */
struct physwin_pcpu {
	u64 faults;
	u64 pages;
	const struct mm_struct *run_mm;
	unsigned long run_start;
	unsigned long run_end;
};

/**
 * struct physwin - one physical memory window and its device node
 * @misc: the /dev/physwinN device; its sysfs directory holds the attributes
 * @name: "physwinN", used for the device, the resource claim and messages
 * @index: N
 * @base: physical start address, page aligned
 * @size: length in bytes, page aligned and non-zero
 * @geom: the same in pages, for the fault path
 * @cache: caching mode of every mapping of the window
 * @memtype: the caching the kernel really gave the window (x86: the PAT
 *	memtype reserved at load), in the kernel's own words
 * @res: the claim on [@base, @base + @size) in iomem_resource
 * @io: kernel mapping for uc and wc windows; it also holds the PAT memtype
 *	reservation that vmf_insert_pfn() copies into user PTEs
 * @mem: kernel mapping for wb windows (memremap), with the same role
 * @mappings: live VMAs that map the window
 * @pcpu: per-cpu counts of fault handler calls that mapped something and
 *	of the pages they mapped, and fault_around=auto's hint
 * @inode: a pseudo-filesystem inode whose address_space every open file of
 *	the window uses, so that all its mappings, in every process and
 *	through every device node, can be zapped at once
 * @enabled: false while the window is revoked: faults raise SIGBUS, and
 *	mmap, read, write and populate fail with ENODEV
 * @revocations: how many times the window was revoked; a populate that
 *	sees it change fails with ENODEV, even if @enabled is back
 * @srcu: every access to the window's memory (a fault, read, write,
 *	ptrace) runs in an SRCU read section that checks @enabled, so that
 *	revoking can wait for those in flight before it zaps the mappings
 * @enable_lock: serialises writers of @enabled
 *
 * A window lives from module load to module unload. Every user of a window
 * holds an open file of its device (a VMA holds its vm_file), and an open
 * file pins the module, so no reference count of its own is needed. Its
 * memory, though, can be revoked and restored at any time (@enabled).
 */
struct physwin {
	struct miscdevice misc;
	char name[20];		/* "physwin" and any unsigned int */
	unsigned int index;
	phys_addr_t base;
	u64 size;
	struct physwin_geom geom;
	enum physwin_cache cache;
	const char *memtype;
	struct resource *res;
	void __iomem *io;
	void *mem;
	atomic_t mappings;
	struct physwin_pcpu __percpu *pcpu;
	struct inode *inode;
	bool enabled;
	unsigned long revocations;
	struct srcu_struct srcu;
	struct mutex enable_lock;	/* serialises writers of @enabled */
};

/* The kernel mapping of the window, whichever of @io and @mem it is. */
static inline const void *physwin_kaddr(const struct physwin *pw)
{
	return pw->mem ? pw->mem : (const void __force *)pw->io;
}

/*
 * Enter the window's memory: returns false, and leaves no read section
 * open, if the window is revoked. Leave with physwin_mem_end().
 */
static inline bool physwin_mem_begin(struct physwin *pw, int *idx)
{
	*idx = srcu_read_lock(&pw->srcu);
	if (likely(READ_ONCE(pw->enabled)))
		return true;
	srcu_read_unlock(&pw->srcu, *idx);
	return false;
}

static inline void physwin_mem_end(struct physwin *pw, int idx)
{
	srcu_read_unlock(&pw->srcu, idx);
}

/* Copy between the window and kernel memory, the way its mapping wants. */
static inline void physwin_copy_from(const struct physwin *pw, void *dst,
				     u64 off, size_t len)
{
	if (pw->mem)
		memcpy(dst, pw->mem + off, len);
	else
		memcpy_fromio(dst, pw->io + off, len);
}

static inline void physwin_copy_to(const struct physwin *pw, u64 off,
				   const void *src, size_t len)
{
	if (pw->mem)
		memcpy(pw->mem + off, src, len);
	else
		memcpy_toio(pw->io + off, src, len);
}

static inline struct physwin *physwin_from_file(struct file *file)
{
	/* misc_open() points private_data at our struct miscdevice. */
	return container_of(file->private_data, struct physwin, misc);
}

/*
 * Long loops (read, write, populate) end on a fatal signal and otherwise
 * let others run, like should_stop_iteration() in drivers/char/mem.c.
 */
static inline bool physwin_should_stop(void)
{
	if (fatal_signal_pending(current))
		return true;
	cond_resched();
	return false;
}

/* params.c */

/* One window as the load parameters give it, checked. */
struct physwin_spec {
	u64 base;
	u64 size;
	enum physwin_cache cache;
};

extern const char * const physwin_cache_names[];
/* fault_around=auto: the block follows the access pattern (mmap.c). */
#define PHYSWIN_AROUND_AUTO	0
extern unsigned long physwin_fault_around;
extern bool physwin_huge;

int physwin_parse_params(struct physwin_spec *specs);

/* file.c */

extern bool physwin_loaded;

int physwin_trace_reg(void);

void physwin_misc_setup(struct physwin *pw);

/* mmap.c */

int physwin_mmap(struct file *file, struct vm_area_struct *vma);
long physwin_populate(struct physwin *pw, const void __user *uarg);
unsigned long physwin_get_unmapped_area(struct file *file, unsigned long addr,
					unsigned long len, unsigned long pgoff,
					unsigned long flags);

#endif /* _PHYSWIN_H */
