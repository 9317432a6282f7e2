// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: mmap of a window, and the VMA operations behind it.
 *
 * Nothing is mapped at mmap time. The fault handler inserts PFNs as pages
 * are touched, and ->open/->close keep an exact count of the VMAs that map
 * each window.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include "compat.h"
#include "physwin.h"

static struct physwin *physwin_from_vma(struct vm_area_struct *vma)
{
	return vma->vm_private_data;
}

/* Byte offset into the window of @addr, which lies inside @vma. */
static u64 physwin_vma_offset(struct vm_area_struct *vma, unsigned long addr)
{
	return ((u64)vma->vm_pgoff << PAGE_SHIFT) + (addr - vma->vm_start);
}

/*
 * Called for every VMA but the one ->mmap creates: fork, a munmap or
 * mprotect that splits a VMA, and mremap moving one.
 */
static void physwin_vm_open(struct vm_area_struct *vma)
{
	atomic_inc(&physwin_from_vma(vma)->mappings);
}

static void physwin_vm_close(struct vm_area_struct *vma)
{
	atomic_dec(&physwin_from_vma(vma)->mappings);
}

static vm_fault_t physwin_fault(struct vm_fault *vmf)
{
	struct physwin *pw = physwin_from_vma(vmf->vma);
	vm_fault_t ret;

	/*
	 * ->mmap checked that the VMA fits the window and VM_DONTEXPAND keeps
	 * it so; checking again costs nothing and keeps a stray pgoff from
	 * ever reaching a PFN outside the window.
	 */
	if (vmf->pgoff >= physwin_pages(pw))
		return VM_FAULT_SIGBUS;

	ret = vmf_insert_pfn(vmf->vma, vmf->address,
			     PHYS_PFN(pw->base) + vmf->pgoff);
	if (!(ret & VM_FAULT_ERROR))
		this_cpu_inc(*pw->faults);
	return ret;
}

/*
 * ptrace, gdb and /proc/PID/mem come here, because get_user_pages() cannot
 * pin a PFN mapping. generic_access_phys() would need a present PTE; the
 * window's offset follows from the VMA alone, so pages that were never
 * faulted in are reachable too.
 */
static int physwin_access(struct vm_area_struct *vma, unsigned long addr,
			  void *buf, int len, int write)
{
	struct physwin *pw = physwin_from_vma(vma);
	u64 off;

	if (addr < vma->vm_start || addr >= vma->vm_end || len <= 0)
		return -EINVAL;
	/*
	 * A forced write must not go through a VMA that cannot be written:
	 * a read-only MAP_PRIVATE mapping of an O_RDONLY file, for one.
	 */
	if ((write & FOLL_WRITE) && !(vma->vm_flags & VM_WRITE))
		return -EINVAL;

	off = physwin_vma_offset(vma, addr);
	if (off >= pw->size)
		return -EINVAL;
	len = min3((u64)len, pw->size - off, (u64)(vma->vm_end - addr));

	if (write & FOLL_WRITE)
		physwin_copy_to(pw, off, buf, len);
	else
		physwin_copy_from(pw, buf, off, len);
	return len;
}

static const struct vm_operations_struct physwin_vm_ops = {
	.open = physwin_vm_open,
	.close = physwin_vm_close,
	.fault = physwin_fault,
	.access = physwin_access,
};

static pgprot_t physwin_pgprot(const struct physwin *pw, pgprot_t prot)
{
	/*
	 * With x86 PAT, vmf_insert_pfn() replaces these bits with the memtype
	 * reserved at load; elsewhere they are what reaches the PTE.
	 */
	switch (pw->cache) {
	case PHYSWIN_CACHE_WC:
		return pgprot_writecombine(prot);
	case PHYSWIN_CACHE_WB:
		return prot;
	case PHYSWIN_CACHE_UC:
	default:
		return pgprot_noncached(prot);
	}
}

int physwin_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct physwin *pw = physwin_from_file(file);
	unsigned long npages = physwin_pages(pw);

	/* Written so that no sum can overflow, whatever the offset. */
	if (vma->vm_pgoff >= npages || vma_pages(vma) > npages - vma->vm_pgoff) {
		dev_info_ratelimited(pw->misc.this_device,
				     "%s[%d]: mmap of %lu pages at page %lu is outside the %lu-page window\n",
				     current->comm, task_pid_nr(current),
				     vma_pages(vma), vma->vm_pgoff, npages);
		return -EINVAL;
	}

	/*
	 * Device memory cannot be copied on write, and vmf_insert_pfn() BUGs
	 * on a COW mapping. A private mapping is therefore read-only for good:
	 * without VM_MAYWRITE, mprotect(PROT_WRITE) fails with EACCES.
	 */
	if (!(vma->vm_flags & VM_SHARED)) {
		if (vma->vm_flags & VM_WRITE) {
			dev_info_ratelimited(pw->misc.this_device,
					     "%s[%d]: writable private mapping refused, use MAP_SHARED\n",
					     current->comm, task_pid_nr(current));
			return -EINVAL;
		}
		vm_flags_clear(vma, VM_MAYWRITE);
	}

	/*
	 * VM_DONTEXPAND: mremap may shrink or move the VMA but never grow it
	 * past the range checked above. VM_DONTDUMP: core dumps must not read
	 * device memory.
	 */
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = physwin_pgprot(pw, vma->vm_page_prot);
	vma->vm_private_data = pw;
	vma->vm_ops = &physwin_vm_ops;

	/* ->open is not called for the VMA that mmap creates. */
	atomic_inc(&pw->mappings);
	return 0;
}
