/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels physwin supports (6.1 to 7.x), and
 * between architectures, kept in one place. Each kernel difference is
 * chosen by a feature test in Kbuild (does the symbol exist in the headers
 * we build against?), not by LINUX_VERSION_CODE.
 */
#ifndef _PHYSWIN_COMPAT_H
#define _PHYSWIN_COMPAT_H

#include <linux/huge_mm.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#ifdef PHYSWIN_HAVE_PFN_T
#include <linux/pfn_t.h>
#endif

/*
 * With per-VMA locks (CONFIG_PER_VMA_LOCK), a page fault first runs under
 * the VMA's lock alone. From 6.7 on, an order-0 fault of a file VMA stays
 * there only if the VMA's ops have ->map_pages, which the kernel takes as
 * the mark of a ->fault that needs no mmap_lock (vmf_can_call_fault() in
 * mm/memory.c, unchanged up to 7.3); any other is retried under mmap_lock.
 * physwin's fault path needs no mmap_lock, so on these kernels it has a
 * ->map_pages, which maps nothing (mmap.c).
 */
#ifdef CONFIG_PER_VMA_LOCK
#define PHYSWIN_MAP_PAGES
#endif

/* vm_flags became read-only with per-VMA locking (6.3). */
#ifndef PHYSWIN_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * The mm's own get_unmapped_area: a hook in the mm before 6.10, then
 * mm_get_unmapped_area(mm, ...), which later lost its mm argument (7.x).
 */
static inline unsigned long physwin_mm_get_unmapped_area(struct file *file,
							 unsigned long addr,
							 unsigned long len,
							 unsigned long pgoff,
							 unsigned long flags)
{
#if defined(PHYSWIN_HAVE_MM_GET_UNMAPPED_AREA_FILE)
	return mm_get_unmapped_area(file, addr, len, pgoff, flags);
#elif defined(PHYSWIN_HAVE_MM_GET_UNMAPPED_AREA)
	return mm_get_unmapped_area(current->mm, file, addr, len, pgoff, flags);
#else
	return current->mm->get_unmapped_area(file, addr, len, pgoff, flags);
#endif
}

/* 1 GiB pages need CPU support that x86-64 does not guarantee. */
static inline bool physwin_cpu_has_pud_pages(void)
{
#ifdef CONFIG_X86
	return boot_cpu_has(X86_FEATURE_GBPAGES);
#else
	return true;
#endif
}

/*
 * Insert a PMD or PUD entry for @pfn. The pfn_t wrapper went away in 6.17,
 * and the insert functions take the plain PFN since.
 */
#ifdef PHYSWIN_HAVE_PFN_T
#define physwin_pfn_arg(pfn)	__pfn_to_pfn_t(pfn, PFN_DEV)
#else
#define physwin_pfn_arg(pfn)	(pfn)
#endif

#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
static inline vm_fault_t physwin_insert_huge(struct vm_fault *vmf,
					     unsigned int order,
					     unsigned long pfn, bool write)
{
#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	if (order == PUD_ORDER)
		return vmf_insert_pfn_pud(vmf, physwin_pfn_arg(pfn), write);
#endif
	return vmf_insert_pfn_pmd(vmf, physwin_pfn_arg(pfn), write);
}
#endif

/*
 * Look at the entry that maps @addr of @vma, which must be held with the
 * mmap lock: 0 if one is present, with the size it maps in *@size and
 * whether it allows writes in *@writable.
 */
static inline int physwin_follow(struct vm_area_struct *vma,
				 unsigned long addr, unsigned long *size,
				 bool *writable)
{
#ifdef PHYSWIN_HAVE_FOLLOW_PFNMAP
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };

	if (follow_pfnmap_start(&args))
		return -ENOENT;
	*writable = args.writable;
#ifdef PHYSWIN_HAVE_FOLLOW_PFNMAP_MASK
	*size = ~args.addr_mask + 1;
#else
	/*
	 * 6.12 does not say what size the entry maps (addr_mask came in
	 * 6.15), but it only takes a PTE lock, and sets ptep, for a PTE.
	 * Anything larger maps at least a PMD, and a walk that steps one
	 * PMD at a time over a PUD entry is still exact.
	 */
	*size = args.ptep ? PAGE_SIZE : PMD_SIZE;
#endif
	follow_pfnmap_end(&args);
	return 0;
#else
	/* Before 6.12 physwin maps no huge entry: a PTE is all there is. */
	spinlock_t *ptl;
	pte_t *ptep;

#ifdef PHYSWIN_HAVE_FOLLOW_PTE_VMA
	if (follow_pte(vma, addr, &ptep, &ptl))	/* 6.10 and 6.11 */
#else
	if (follow_pte(vma->vm_mm, addr, &ptep, &ptl))
#endif
		return -ENOENT;
	/*
	 * follow_pte() returns with *ptl held; tell sparse, which sees the
	 * unlock below release it. PREEMPT_RT's rt_spin_unlock() carries no
	 * such annotation, so there is nothing to balance there.
	 */
#ifndef CONFIG_PREEMPT_RT
	__acquire(ptl);
#endif
	*writable = pte_write(*ptep);
	*size = PAGE_SIZE;
	pte_unmap_unlock(ptep, ptl);
	return 0;
#endif
}

/*
 * What caching the kernel gave the window, in the kernel's own words (the
 * names of /sys/kernel/debug/x86/pat_memtype_list). On x86, PAT reserves
 * a memtype for the whole window when it is mapped into the kernel at
 * load, may grant a different one than asked (a write-back request under
 * an uncached MTRR gets UC-), and gives every user PTE the same: the
 * kernel mapping's own PTE says which. @kaddr is that mapping.
 */
#ifdef CONFIG_X86
static inline const char *physwin_memtype(const void *kaddr,
					  const char *asked)
{
	static const struct {
		enum page_cache_mode pcm;
		const char *name;
	} types[] = {
		/* Where PAT is off, two modes share bits: the first wins. */
		{ _PAGE_CACHE_MODE_WB, "write-back" },
		{ _PAGE_CACHE_MODE_UC_MINUS, "uncached-minus" },
		{ _PAGE_CACHE_MODE_UC, "uncached" },
		{ _PAGE_CACHE_MODE_WT, "write-through" },
		{ _PAGE_CACHE_MODE_WC, "write-combining" },
		{ _PAGE_CACHE_MODE_WP, "write-protected" },
	};
	unsigned int level, i;
	pgprotval_t prot;
	pte_t *pte;

	pte = lookup_address((unsigned long)kaddr, &level);
	if (!pte || !pte_present(*pte))
		return asked;
	/*
	 * Read the entry at its own level: pte_flags() of a 2M or 1G entry
	 * would clear its PAT bit (bit 12) with the PFN, and WT would read
	 * back as UC, WP as WC. Large pages keep the PAT bit there.
	 */
	switch (level) {
	case PG_LEVEL_4K:
		prot = pte_flags(*pte);
		break;
	case PG_LEVEL_2M:
		prot = protval_large_2_4k(pmd_flags(*(pmd_t *)pte));
		break;
	case PG_LEVEL_1G:
		prot = protval_large_2_4k(pud_flags(*(pud_t *)pte));
		break;
	default:
		return asked;
	}
	prot &= _PAGE_CACHE_MASK;
	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (cachemode2protval(types[i].pcm) == prot)
			return types[i].name;
	return asked;
}
#else
/* Elsewhere the PTE gets the attributes that were asked for. */
static inline const char *physwin_memtype(const void *kaddr,
					  const char *asked)
{
	return asked;
}
#endif

#endif /* _PHYSWIN_COMPAT_H */
