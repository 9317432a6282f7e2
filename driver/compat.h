/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels physwin supports (6.1 to 7.x), and
 * between architectures, kept in one place. Each kernel difference is
 * chosen by a feature test in Kbuild (does the symbol exist in the headers
 * we build against?), not by LINUX_VERSION_CODE.
 */
#ifndef _PHYSWIN_COMPAT_H
#define _PHYSWIN_COMPAT_H

/* pte_unmap() is kunmap_atomic() with HIGHPTE (32-bit, 6.1). */
#include <linux/highmem.h>
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
 * What caching the kernel gave the window. On x86, PAT reserves a memtype
 * for the whole window when it is mapped into the kernel at load, may
 * grant a different one than asked (a write-back request under an
 * uncached MTRR, or over another mapping's UC- reservation, gets UC-),
 * and every user entry must get the same: the kernel mapping's own entry
 * says which. @kaddr is that mapping. Elsewhere the entries get the
 * attributes that were asked for.
 */
#ifdef CONFIG_X86
/*
 * The caching bits of the kernel's entry for @kaddr, in the layout of a
 * 4K PTE. Read at the entry's own level: pte_flags() of a 2M or 1G entry
 * would clear its PAT bit (bit 12) with the PFN, and WT would read back
 * as UC, WP as WC. Large pages keep the PAT bit there.
 */
static inline bool physwin_kernel_cachebits(const void *kaddr,
					    pgprotval_t *bits)
{
	unsigned int level;
	pgprotval_t prot;
	pte_t *pte;

	pte = lookup_address((unsigned long)kaddr, &level);
	if (!pte || !pte_present(*pte))
		return false;
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
		return false;
	}
	*bits = prot & _PAGE_CACHE_MASK;
	return true;
}

/* The caching, in the names of /sys/kernel/debug/x86/pat_memtype_list. */
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
	pgprotval_t bits;
	unsigned int i;

	if (!physwin_kernel_cachebits(kaddr, &bits))
		return asked;
	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (cachemode2protval(types[i].pcm) == bits)
			return types[i].name;
	return asked;
}

/*
 * @prot with the caching of the kernel mapping @kaddr, for vm_page_prot.
 * vmf_insert_pfn() and vmf_insert_pfn_pmd() look the memtype up for each
 * entry whatever vm_page_prot says, but 6.12's vmf_insert_pfn_pud() drops
 * what it looked up and uses vm_page_prot as it is (upstream 09fefdca80ae
 * fixed that later), so that a write-back window PAT made UC- would get
 * write-back 1G entries: two memtypes for one range.
 */
static inline pgprot_t physwin_kernel_caching(const void *kaddr,
					      pgprot_t prot)
{
	pgprotval_t bits;

	if (!physwin_kernel_cachebits(kaddr, &bits))
		return prot;
	return __pgprot((pgprot_val(prot) & ~_PAGE_CACHE_MASK) | bits);
}

/*
 * Can PMD and PUD entries carry the caching of @kaddr? 6.12's
 * vmf_insert_pfn_pmd() and vmf_insert_pfn_pud() make the entry from
 * protection bits in the 4K layout, whose PAT bit (bit 7) is PSE in a
 * large entry: WT and WP, the memtypes that need that bit, would come out
 * as UC and WC. physwin never asks for them, but PAT may grant one.
 */
static inline bool physwin_huge_caching(const void *kaddr)
{
	pgprotval_t bits;

	return !physwin_kernel_cachebits(kaddr, &bits) || !(bits & _PAGE_PAT);
}
#else
static inline const char *physwin_memtype(const void *kaddr,
					  const char *asked)
{
	return asked;
}

static inline bool physwin_huge_caching(const void *kaddr)
{
	return true;
}

static inline pgprot_t physwin_kernel_caching(const void *kaddr,
					      pgprot_t prot)
{
	return prot;
}
#endif

#endif /* _PHYSWIN_COMPAT_H */
