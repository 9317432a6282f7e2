/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels physwin supports (6.1 to 6.12), kept in
 * one place. Each is chosen by a feature test in Kbuild (does the symbol
 * exist in the headers we build against?), not by LINUX_VERSION_CODE.
 */
#ifndef _PHYSWIN_COMPAT_H
#define _PHYSWIN_COMPAT_H

#include <linux/mm.h>

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

/* mm_get_unmapped_area() replaced the mm's get_unmapped_area hook (6.10). */
#ifndef PHYSWIN_HAVE_MM_GET_UNMAPPED_AREA
static inline unsigned long mm_get_unmapped_area(struct mm_struct *mm,
						 struct file *file,
						 unsigned long addr,
						 unsigned long len,
						 unsigned long pgoff,
						 unsigned long flags)
{
	return mm->get_unmapped_area(file, addr, len, pgoff, flags);
}
#endif

/* 1 GiB pages need CPU support that x86-64 does not guarantee. */
static inline bool physwin_cpu_has_pud_pages(void)
{
#ifdef CONFIG_X86
	return boot_cpu_has(X86_FEATURE_GBPAGES);
#else
	return true;
#endif
}

#endif /* _PHYSWIN_COMPAT_H */
