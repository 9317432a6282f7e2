/* SPDX-License-Identifier: GPL-2.0 */
/*
 * physwin: the arithmetic from a place in a mapping to a PFN of the window.
 *
 * Plain integers only, and no kernel header, so that the selftests can
 * check it in userspace (selftests/physwin_unit.c), the way
 * tools/testing/vma checks mm/vma.c. A window may start at physical
 * address 0: no PFN is a sentinel here, "outside" is its own answer.
 */
#ifndef _PHYSWIN_WINDOW_H
#define _PHYSWIN_WINDOW_H

/**
 * struct physwin_geom - where a window lies, in pages
 * @base_pfn: the PFN of its first page; 0 is a PFN like any other
 * @pages: its length in pages, never 0
 */
struct physwin_geom {
	unsigned long base_pfn;
	unsigned long pages;
};

/* Do @pages pages from page @pgoff of the window lie inside it? */
static inline bool physwin_geom_holds(const struct physwin_geom *g,
				      unsigned long pgoff, unsigned long pages)
{
	/* Written so that no sum can overflow, whatever the offset. */
	return pgoff < g->pages && pages <= g->pages - pgoff;
}

/* The PFN of page @pgoff of the window, if that page lies inside it. */
static inline bool physwin_geom_pfn(const struct physwin_geom *g,
				    unsigned long pgoff, unsigned long *pfn)
{
	if (!physwin_geom_holds(g, pgoff, 1))
		return false;
	*pfn = g->base_pfn + pgoff;
	return true;
}

/*
 * Can one entry of 2^@order pages map the block around virtual page
 * @vpage of a mapping that shows the window from its page @pgoff at
 * virtual pages [@vstart, @vend)? Only if the block lies inside both the
 * mapping and the window, and its first PFN, returned in *@pfn, is as
 * aligned as its virtual address.
 */
static inline bool physwin_geom_block(const struct physwin_geom *g,
				      unsigned long vstart, unsigned long vend,
				      unsigned long pgoff, unsigned long vpage,
				      unsigned int order, unsigned long *pfn)
{
	unsigned long nr = 1UL << order;
	unsigned long vblock = vpage & ~(nr - 1);

	if (vblock < vstart || vblock >= vend || nr > vend - vblock)
		return false;
	/* Both below the window's length: their sum cannot wrap. */
	if (pgoff >= g->pages || vblock - vstart >= g->pages ||
	    !physwin_geom_holds(g, pgoff + (vblock - vstart), nr))
		return false;
	*pfn = g->base_pfn + pgoff + (vblock - vstart);
	return !(*pfn & (nr - 1));
}

#endif /* _PHYSWIN_WINDOW_H */
