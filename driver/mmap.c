// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: mmap of a window, and the VMA operations behind it.
 *
 * Nothing is mapped at mmap time. A fault maps a whole PMD or PUD where the
 * kernel can map huge PFN entries and the block fits, else its page and the
 * fault-around block that fault_around chooses (fixed, or following the
 * sweep); ->open/->close keep an exact count of the VMAs that map each
 * window.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <uapi/linux/physwin.h>

#include "compat.h"
#include "physwin.h"

#define CREATE_TRACE_POINTS
#include "physwin_trace.h"

static struct physwin *physwin_from_vma(struct vm_area_struct *vma)
{
	return vma->vm_private_data;
}

/* Byte offset into the window of @addr, which lies inside @vma. */
static u64 physwin_vma_offset(struct vm_area_struct *vma, unsigned long addr)
{
	return ((u64)linear_page_index(vma, addr) << PAGE_SHIFT) +
	       offset_in_page(addr);
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

/*
 * The PFN behind @addr of @vma. ->mmap checked that the VMA fits the
 * window and VM_DONTEXPAND keeps it so; checking again costs nothing and
 * keeps a stray pgoff from ever reaching a PFN outside the window.
 */
static bool physwin_pfn(struct vm_area_struct *vma, unsigned long addr,
			unsigned long *pfn)
{
	return physwin_geom_pfn(&physwin_from_vma(vma)->geom,
				linear_page_index(vma, addr), pfn);
}

/* Can this kernel and CPU map a PFN entry of @order (> 0)? */
static bool physwin_order_supported(unsigned int order)
{
#ifdef PHYSWIN_HUGE
	switch (order) {
	case PMD_ORDER:
		return IS_ENABLED(CONFIG_ARCH_SUPPORTS_PMD_PFNMAP);
	case PUD_ORDER:
		return IS_ENABLED(CONFIG_ARCH_SUPPORTS_PUD_PFNMAP) &&
		       physwin_cpu_has_pud_pages();
	}
#endif
	return false;
}

#ifdef PHYSWIN_HUGE
/*
 * Does the block of 2^@order pages of @vma around @addr lie inside the VMA
 * and the window, at a physical address as aligned as the virtual one?
 * *@pfn is its first PFN.
 */
static bool physwin_block(struct vm_area_struct *vma, unsigned long addr,
			  unsigned int order, unsigned long *pfn)
{
	return physwin_geom_block(&physwin_from_vma(vma)->geom,
				  PHYS_PFN(vma->vm_start), PHYS_PFN(vma->vm_end),
				  vma->vm_pgoff, PHYS_PFN(addr), order, pfn);
}

/*
 * May a new entry of @order map that block? huge= is not read here but at
 * mmap time (physwin_mmap()): the kernel calls ->huge_fault only for a
 * VMA that huge entries are not turned off for.
 */
static bool physwin_huge_fits(struct vm_area_struct *vma, unsigned long addr,
			      unsigned int order, unsigned long *pfn)
{
	return physwin_order_supported(order) &&
	       physwin_block(vma, addr, order, pfn);
}
#endif

/*
 * fault_around=auto, in the manner of readahead (mm/readahead.c): each CPU
 * remembers the run of pages its last order-0 faults mapped, and in which
 * process. A fault of that process just after the run (or just before it,
 * for a sweep backwards), two pages at most, continues the sweep: it maps
 * an aligned block four times the run (in powers of two, up to a whole
 * page table), on the sweep's side of the faulting page, and the run grows
 * by it. Any other fault maps its page alone, as fault_around=4K would,
 * and starts a run. Two pages, not one, so that a sweep that touches every
 * other page (two threads sharing a sweep, say) is still one.
 *
 * A sequential sweep thus takes six faults in its first page table, whose
 * blocks end at pages 1, 4, 16, 64, 256 and 512, and one in each after it.
 *
 * The run is a hint, never trusted for what is mapped: the pages of a block
 * are inserted whether or not they are mapped already, and a page the hint
 * wrongly takes for mapped faults on its own. So it needs no lock, nothing
 * has to follow a VMA through fork, split or mremap, and a stale or torn
 * hint (another thread on the CPU, a migration between the reads, an mm
 * freed and reused) can only make a block smaller or larger than it should
 * be; the mm is compared, never followed. Nor does it read the page
 * tables, so the order-0 fault path needs no mmap_lock (see
 * physwin_map_pages()).
 */
static unsigned long physwin_auto_around(struct physwin *pw,
					 struct vm_area_struct *vma,
					 unsigned long addr, int *dir)
{
	unsigned long lo = this_cpu_read(pw->pcpu->run_start);
	unsigned long hi = this_cpu_read(pw->pcpu->run_end);
	unsigned long run = min(hi - lo, PMD_SIZE / 4);

	*dir = 0;
	if (this_cpu_read(pw->pcpu->run_mm) != vma->vm_mm || lo >= hi)
		return PAGE_SIZE;
	if (addr >= hi && addr - hi <= PAGE_SIZE)
		*dir = 1;
	else if (addr < lo && lo - addr <= 2 * PAGE_SIZE)
		*dir = -1;
	else
		return PAGE_SIZE;
	return rounddown_pow_of_two(run) * 4;
}

/*
 * The fault-around block of @vma around @addr: [*start, *end). A sweep
 * (@dir) maps only its side of @addr, as the run behind it holds the rest,
 * and the run grows by the block; any other block starts a run.
 */
static void physwin_around(struct vm_area_struct *vma, unsigned long addr,
			   unsigned long *start, unsigned long *end)
{
	struct physwin *pw = physwin_from_vma(vma);
	unsigned long around = READ_ONCE(physwin_fault_around);
	bool hint = around == PHYSWIN_AROUND_AUTO;
	unsigned long block;
	int dir = 0;

	if (hint)
		around = physwin_auto_around(pw, vma, addr, &dir);
	block = ALIGN_DOWN(addr, around);
	*start = dir > 0 ? addr : max(block, vma->vm_start);
	*end = dir < 0 ? addr + PAGE_SIZE :
	       block + around < block ? vma->vm_end :
	       min(block + around, vma->vm_end);
	if (hint && !dir)
		this_cpu_write(pw->pcpu->run_mm, vma->vm_mm);
	if (hint && dir <= 0)
		this_cpu_write(pw->pcpu->run_start, *start);
	if (hint && dir >= 0)
		this_cpu_write(pw->pcpu->run_end, *end);
}

/*
 * Did another thread's huge fault map the PMD while this order-0 fault
 * ran? Not through huge= (read at mmap time), but the kernel's own THP
 * settings can change between two faults. Then vmf_insert_pfn() finds no
 * page table under the PMD and says VM_FAULT_OOM; the page is mapped all
 * the same, by that leaf. (A PUD leaf cannot appear: the kernel allocated
 * this fault's PMD table.)
 */
static bool physwin_leaf_appeared(struct vm_fault *vmf, vm_fault_t ret)
{
#ifdef PHYSWIN_HUGE
	return (ret & VM_FAULT_OOM) && vmf->pmd &&
	       pmd_leaf(pmdp_get_lockless(vmf->pmd));
#else
	return false;
#endif
}

/*
 * Map the faulting page, then the rest of its fault-around block. Only the
 * faulting page's result matters: a neighbour that cannot be mapped now
 * will fault on its own, and one that is already mapped (a racing fault)
 * is left as it is by vmf_insert_pfn().
 */
static vm_fault_t physwin_map_around(struct vm_fault *vmf,
				     unsigned long *pages)
{
	struct vm_area_struct *vma = vmf->vma;
	unsigned long addr, start, end, pfn;
	vm_fault_t ret;

	if (!physwin_pfn(vma, vmf->address, &pfn))
		return VM_FAULT_SIGBUS;
	ret = vmf_insert_pfn(vma, vmf->address, pfn);
	if (ret & VM_FAULT_ERROR)
		return physwin_leaf_appeared(vmf, ret) ? VM_FAULT_NOPAGE : ret;
	*pages = 1;

	physwin_around(vma, vmf->address, &start, &end);
	for (addr = start; addr < end; addr += PAGE_SIZE) {
		if (addr == vmf->address)
			continue;
		if (!physwin_pfn(vma, addr, &pfn) ||
		    vmf_insert_pfn(vma, addr, pfn) & VM_FAULT_ERROR)
			break;
		(*pages)++;
	}
	return ret;
}

#ifdef PHYSWIN_HUGE
/*
 * Map the block of @vmf with one entry of 2^@order pages.
 *
 * Where there is none yet, and the block fits, insert it with
 * write=false, as vfio-pci does: it takes its permissions from
 * vm_page_prot, and if a racing fault of another thread put a page table
 * there first, the insert leaves it alone instead of warning about it.
 *
 * Where our leaf is there already, the kernel calls us only to make it
 * writable (wp_huge_pmd(), wp_huge_pud(): soft-dirty or userfaultfd
 * tracking made it read-only). Never fall back then: the kernel would
 * split the leaf, and a racing write fault of another thread that had
 * seen it would then reach vmf_insert_pfn_pmd() on a page table, which it
 * warns about. Make it writable in place, as dax does. It cannot change
 * under us: we run inside the window's SRCU section, which revocation
 * waits for before it zaps; munmap, mprotect and mremap never run beside
 * a fault, and no one else splits it.
 */
static vm_fault_t physwin_map_huge(struct vm_fault *vmf, unsigned int order,
				   unsigned long *pages)
{
	struct vm_area_struct *vma = vmf->vma;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	unsigned long pfn;
	bool none, leaf;
	vm_fault_t ret;
	pmd_t pmd;
#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	pud_t pud;
#endif

	switch (order) {
	case PMD_ORDER:
		pmd = pmdp_get_lockless(vmf->pmd);
		none = pmd_none(pmd);
		leaf = pmd_leaf(pmd);
		break;
#ifdef CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
	case PUD_ORDER:
		pud = pudp_get(vmf->pud);
		none = pud_none(pud);
		leaf = pud_leaf(pud);
		break;
#endif
	default:
		return VM_FAULT_FALLBACK;
	}
	if (leaf) {
		/* A racing fault mapped it for us, or made it writable. */
		if (!write)
			return VM_FAULT_NOPAGE;
		if (!physwin_block(vma, vmf->address, order, &pfn))
			return VM_FAULT_FALLBACK;
	} else if (!none || !physwin_huge_fits(vma, vmf->address, order,
					       &pfn)) {
		/* A page table is there, or no leaf may be. */
		return VM_FAULT_FALLBACK;
	}
	ret = physwin_insert_huge(vmf, order, pfn, leaf);
	if (!(ret & (VM_FAULT_ERROR | VM_FAULT_FALLBACK)))
		*pages = 1UL << order;
	return ret;
}
#endif

/*
 * Every fault comes here, ->fault with order 0 and ->huge_fault with the
 * order the kernel tries, as in dax and vfio-pci: one read section of the
 * window, one place that counts and traces.
 */
static vm_fault_t physwin_fault_order(struct vm_fault *vmf,
				      unsigned int order)
{
	struct physwin *pw = physwin_from_vma(vmf->vma);
	unsigned long pages = 0;
	vm_fault_t ret;
	int idx;

	/* A revoked window is a bus error. */
	if (!physwin_mem_begin(pw, &idx)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
#ifdef PHYSWIN_HUGE
	if (order)
		ret = physwin_map_huge(vmf, order, &pages);
	else
#endif
		ret = physwin_map_around(vmf, &pages);
	physwin_mem_end(pw, idx);
out:
	if (pages) {
		this_cpu_inc(pw->pcpu->faults);
		this_cpu_add(pw->pcpu->pages, pages);
	}
	trace_physwin_fault(pw->index, vmf->address, vmf->pgoff, order, pages,
			    ret);
	return ret;
}

static vm_fault_t physwin_fault(struct vm_fault *vmf)
{
	return physwin_fault_order(vmf, 0);
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
	int idx;

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

	if (!physwin_mem_begin(pw, &idx))
		return -ENODEV;
	if (write & FOLL_WRITE)
		physwin_copy_to(pw, off, buf, len);
	else
		physwin_copy_from(pw, buf, off, len);
	physwin_mem_end(pw, idx);
	return len;
}

#ifdef PHYSWIN_MAP_PAGES
/*
 * Maps nothing, on purpose: that there is a ->map_pages tells the kernel
 * that ->fault may run under the per-VMA lock alone (compat.h), and it
 * may. The order-0 path reads only its own VMA's fields, which that lock
 * keeps stable, and no page table (auto's hint is its own); and
 * vmf_insert_pfn() asserts no mmap_lock and allocates page tables as an
 * anonymous fault under the VMA lock does. ->map_pages itself could not
 * map the block: it runs under RCU and must not sleep, and
 * vmf_insert_pfn() may allocate a page table. The ->fault that follows it
 * does.
 */
static vm_fault_t physwin_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff,
				    pgoff_t end_pgoff)
{
	return 0;
}
#endif

static const struct vm_operations_struct physwin_vm_ops = {
	.open = physwin_vm_open,
	.close = physwin_vm_close,
	.fault = physwin_fault,
#ifdef PHYSWIN_MAP_PAGES
	.map_pages = physwin_map_pages,
#endif
#ifdef PHYSWIN_HUGE
	.huge_fault = physwin_fault_order,
#endif
	.access = physwin_access,
};

/*
 * The end of the entry that maps @addr of @vma, if there is one and it
 * allows the access (a write if @write); 0 if not. It looks at the page
 * tables, so it says what the faults did, not what they were meant to do.
 */
static unsigned long physwin_mapped_end(struct vm_area_struct *vma,
					unsigned long addr, bool write)
{
	unsigned long size;
	bool writable;

	if (physwin_follow(vma, addr, &size, &writable) ||
	    (write && !writable))
		return 0;
	return ALIGN_DOWN(addr, size) + size;
}

/*
 * Was the window revoked since a populate that saw @revocations began?
 * A revocation zaps what it had mapped; it may be restored already.
 */
static bool physwin_revoked_since(struct physwin *pw,
				  unsigned long revocations)
{
	/* Order the page table walks before it, as the zap follows it. */
	smp_rmb();
	return !READ_ONCE(pw->enabled) ||
	       READ_ONCE(pw->revocations) != revocations;
}

/* What a failed fault means to the caller of populate. */
static int physwin_fault_errno(struct physwin *pw, unsigned long revocations,
			       vm_fault_t fault)
{
	if (physwin_revoked_since(pw, revocations))
		return -ENODEV;
	if (fault & VM_FAULT_OOM)
		return -ENOMEM;
	return -EFAULT;
}

/*
 * Fault in every page of [@addr, @end) of @vma that is not mapped for the
 * access the VMA allows: writes where it is writable, so that a write
 * takes no fault later either. Each fault goes through the kernel, which
 * picks the largest entry it allows and calls our handlers; then the page
 * tables are looked at again, whatever the kernel chose. A fault that
 * succeeds and still leaves the page unusable (an entry that needs a
 * second fault to become writable) is tried again, a bounded number of
 * times. A revocation while it runs, even one restored before it ends,
 * fails it with ENODEV: it zapped what was mapped so far.
 */
static int physwin_populate_vma(struct physwin *pw, struct vm_area_struct *vma,
				unsigned long addr, unsigned long end)
{
	unsigned long revocations = READ_ONCE(pw->revocations);
	bool write = vma->vm_flags & VM_WRITE;
	unsigned int tries = 0;

	while (addr < end) {
		unsigned long next;
		vm_fault_t fault;

		if (physwin_should_stop())
			return -EINTR;
		if (physwin_revoked_since(pw, revocations))
			return -ENODEV;
		next = physwin_mapped_end(vma, addr, write);
		if (next) {
			addr = next;
			tries = 0;
			continue;
		}
		if (++tries > 3)
			return -EFAULT;
		/* No FAULT_FLAG_ALLOW_RETRY: the lock is held throughout. */
		fault = handle_mm_fault(vma, addr,
					write ? FAULT_FLAG_WRITE : 0, NULL);
		if (fault & VM_FAULT_ERROR)
			return physwin_fault_errno(pw, revocations, fault);
	}
	/* Mapped to the end: unless a revocation took it back meanwhile. */
	return physwin_revoked_since(pw, revocations) ? -ENODEV : 0;
}

/*
 * PHYSWIN_IOC_POPULATE: the kernel skips PFN mappings for MAP_POPULATE,
 * mlock() and MADV_POPULATE_*, so real-time users who cannot take a fault
 * later ask for the mapping here. Each step is a real fault, through the
 * same handlers and counted the same way.
 */
long physwin_populate(struct physwin *pw, const void __user *uarg)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct physwin_range range;
	unsigned long end;
	long ret;

	if (copy_from_user(&range, uarg, sizeof(range)))
		return -EFAULT;
	if (!range.len || !PAGE_ALIGNED(range.addr) ||
	    range.len > TASK_SIZE || range.addr > TASK_SIZE - range.len)
		return -EINVAL;
	end = range.addr + PAGE_ALIGN(range.len);

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	vma = vma_lookup(mm, range.addr);
	/* PROT_NONE: there is no access to map for. */
	if (!vma || vma->vm_ops != &physwin_vm_ops ||
	    physwin_from_vma(vma) != pw || end > vma->vm_end ||
	    !vma_is_accessible(vma))
		ret = -EINVAL;
	else
		ret = physwin_populate_vma(pw, vma, range.addr, end);
	mmap_read_unlock(mm);
	return ret;
}

/*
 * The largest block one fault could map somewhere in the mapping of
 * [@pgoff, @pgoff + @len): a PUD or a PMD where huge entries are on, else
 * the fault-around block. 0 if not even that fits.
 */
static unsigned long physwin_map_align(struct physwin *pw, unsigned long pgoff,
				       unsigned long len)
{
	unsigned long around = READ_ONCE(physwin_fault_around);
	/* auto's blocks grow up to a page table. */
	u64 sizes[] = {
		PUD_SIZE, PMD_SIZE,
		around == PHYSWIN_AROUND_AUTO ? PMD_SIZE : around,
	};
	bool usable[] = {
		READ_ONCE(physwin_huge) &&
			physwin_order_supported(PUD_SHIFT - PAGE_SHIFT),
		READ_ONCE(physwin_huge) &&
			physwin_order_supported(PMD_SHIFT - PAGE_SHIFT),
		true,
	};
	unsigned int i;
	u64 phys;

	if (!physwin_geom_holds(&pw->geom, pgoff, len >> PAGE_SHIFT))
		return 0;
	phys = pw->base + ((u64)pgoff << PAGE_SHIFT);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (usable[i] && sizes[i] > PAGE_SIZE &&
		    round_up(phys, sizes[i]) + sizes[i] <= phys + len)
			return sizes[i];
	}
	return 0;
}

/*
 * Put the mapping at a virtual address congruent to its physical address
 * modulo the largest block one fault can map, so that a plain
 * mmap(NULL, ...) gets huge entries, and fault-around blocks that tile the
 * mapping exactly instead of one more at each end. The same trick as
 * dax's: ask for len + align and slide into it.
 */
unsigned long physwin_get_unmapped_area(struct file *file, unsigned long addr,
					unsigned long len, unsigned long pgoff,
					unsigned long flags)
{
	struct physwin *pw = physwin_from_file(file);
	unsigned long align = physwin_map_align(pw, pgoff, len);
	unsigned long area;
	u64 phys;

	/* A hint or MAP_FIXED is the caller's choice. */
	if (!align || addr || (flags & MAP_FIXED) || len + align < len)
		goto plain;
	area = physwin_mm_get_unmapped_area(file, 0, len + align, pgoff, flags);
	if (IS_ERR_VALUE(area))
		goto plain;
	phys = pw->base + ((u64)pgoff << PAGE_SHIFT);
	return area + ((phys - area) & (align - 1));
plain:
	return physwin_mm_get_unmapped_area(file, addr, len, pgoff, flags);
}

/*
 * The caching of every entry of a mapping of the window. What cache= asks
 * for is what reaches the entries, except on x86, where the PAT memtype
 * reserved at load decides (physwin_kernel_caching()). mprotect() keeps
 * the caching of vm_page_prot as it is set here.
 */
static pgprot_t physwin_pgprot(const struct physwin *pw, pgprot_t prot)
{
	switch (pw->cache) {
	case PHYSWIN_CACHE_WC:
		prot = pgprot_writecombine(prot);
		break;
	case PHYSWIN_CACHE_WB:
		break;
	case PHYSWIN_CACHE_UC:
	default:
		prot = pgprot_noncached(prot);
		break;
	}
	return physwin_kernel_caching(physwin_kaddr(pw), prot);
}

int physwin_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct physwin *pw = physwin_from_file(file);

	if (!READ_ONCE(pw->enabled))
		return -ENODEV;
	if (!physwin_geom_holds(&pw->geom, vma->vm_pgoff, vma_pages(vma))) {
		dev_info_ratelimited(pw->misc.this_device,
				     "%s[%d]: mmap of %lu pages at page %lu is outside the %lu-page window\n",
				     current->comm, task_pid_nr(current),
				     vma_pages(vma), vma->vm_pgoff,
				     pw->geom.pages);
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
#ifdef PHYSWIN_HUGE
	/*
	 * huge= is read once per mapping. Were it read at fault time, a
	 * change of it could make one thread's fault of an empty PMD fall
	 * back to PTEs while another's maps the PMD whole, and the kernel
	 * does not expect a PMD leaf under vmf_insert_pfn() (a BUG with
	 * DEBUG_VM, VM_FAULT_OOM without). With huge=N the VMA is marked
	 * as MADV_NOHUGEPAGE would, and the kernel then never asks for a
	 * huge entry in it; madvise() may change that, under the locks
	 * that keep faults out. So is a mapping whose caching a huge entry
	 * cannot carry (physwin_huge_caching()).
	 */
	if (!READ_ONCE(physwin_huge) ||
	    !physwin_huge_caching(physwin_kaddr(pw)))
		vm_flags_set(vma, VM_NOHUGEPAGE);
#endif
	vma->vm_page_prot = physwin_pgprot(pw, vma->vm_page_prot);
	vma->vm_private_data = pw;
	vma->vm_ops = &physwin_vm_ops;

	/* ->open is not called for the VMA that mmap creates. */
	atomic_inc(&pw->mappings);
	return 0;
}
