// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: the driver's offset and PFN arithmetic (driver/window.h), run
 * in userspace on windows no test machine can reserve: one at physical
 * address 0, where PFN 0 is the window's first page and must work like
 * any other, and ones at the top of the address space. Needs no module.
 */
#include <limits.h>
#include <stdbool.h>

#include "kselftest_harness.h"
#include "window.h"

#define PW_PMD_ORDER	9
#define PW_PUD_ORDER	18

/* A window of @pages pages at @base_pfn. */
#define GEOM(first, nr) \
	((struct physwin_geom){ .base_pfn = (first), .pages = (nr) })

TEST(pfn_zero_is_a_page)
{
	struct physwin_geom g = GEOM(0, 4096);
	unsigned long pfn = ULONG_MAX;

	ASSERT_TRUE(physwin_geom_pfn(&g, 0, &pfn));
	EXPECT_EQ(0UL, pfn);
	ASSERT_TRUE(physwin_geom_pfn(&g, 4095, &pfn));
	EXPECT_EQ(4095UL, pfn);
	EXPECT_FALSE(physwin_geom_pfn(&g, 4096, &pfn));
	EXPECT_FALSE(physwin_geom_pfn(&g, ULONG_MAX, &pfn));
}

TEST(holds)
{
	struct physwin_geom g = GEOM(0, 4096);

	EXPECT_TRUE(physwin_geom_holds(&g, 0, 4096));
	EXPECT_TRUE(physwin_geom_holds(&g, 4095, 1));
	EXPECT_TRUE(physwin_geom_holds(&g, 4096 - 512, 512));
	EXPECT_FALSE(physwin_geom_holds(&g, 0, 4097));
	EXPECT_FALSE(physwin_geom_holds(&g, 1, 4096));
	EXPECT_FALSE(physwin_geom_holds(&g, 4096, 0));
	/* No sum may wrap around into the window. */
	EXPECT_FALSE(physwin_geom_holds(&g, ULONG_MAX, 2));
	EXPECT_FALSE(physwin_geom_holds(&g, 2, ULONG_MAX));
}

/* A mapping of the whole window at virtual page 0x7f0000000 (2 MiB aligned). */
TEST(huge_block_at_pfn_zero)
{
	struct physwin_geom g = GEOM(0, 2 << PW_PMD_ORDER);
	unsigned long v = 0x7f0000000UL, pfn = ULONG_MAX;

	ASSERT_TRUE(physwin_geom_block(&g, v, v + g.pages, 0, v + 5,
				       PW_PMD_ORDER, &pfn));
	EXPECT_EQ(0UL, pfn);
	ASSERT_TRUE(physwin_geom_block(&g, v, v + g.pages, 0, v + 513,
				       PW_PMD_ORDER, &pfn));
	EXPECT_EQ(512UL, pfn);
	/* From page 1 of the window on, no block is aligned. */
	EXPECT_FALSE(physwin_geom_block(&g, v, v + g.pages - 1, 1, v + 5,
					PW_PMD_ORDER, &pfn));
	/* Too small for a PUD. */
	EXPECT_FALSE(physwin_geom_block(&g, v, v + g.pages, 0, v,
					PW_PUD_ORDER, &pfn));
	/* Order 0 is every page, page 0 included. */
	ASSERT_TRUE(physwin_geom_block(&g, v, v + g.pages, 0, v, 0, &pfn));
	EXPECT_EQ(0UL, pfn);
}

TEST(huge_block_bounds)
{
	struct physwin_geom g = GEOM(0x60000, 4 << PW_PMD_ORDER);
	unsigned long v = 0x7f0000000UL, pfn;

	/* The block must lie inside the mapping... */
	EXPECT_FALSE(physwin_geom_block(&g, v + 1, v + g.pages, 0, v + 5,
					PW_PMD_ORDER, &pfn));
	EXPECT_FALSE(physwin_geom_block(&g, v, v + 1023, 0, v + 600,
					PW_PMD_ORDER, &pfn));
	ASSERT_TRUE(physwin_geom_block(&g, v, v + 1024, 0, v + 600,
				       PW_PMD_ORDER, &pfn));
	EXPECT_EQ(0x60200UL, pfn);
	/* ...and inside the window, */
	EXPECT_FALSE(physwin_geom_block(&g, v, v + 1024, g.pages - 512, v + 600,
					PW_PMD_ORDER, &pfn));
	/* physically as aligned as virtually. */
	EXPECT_FALSE(physwin_geom_block(&g, v, v + 1024, 256, v + 600,
					PW_PMD_ORDER, &pfn));
	/* A stray offset never reaches past the window. */
	EXPECT_FALSE(physwin_geom_block(&g, v, v + 1024, ULONG_MAX - 100,
					v + 600, PW_PMD_ORDER, &pfn));
	EXPECT_FALSE(physwin_geom_block(&g, v, v + 1024, 0, v + 1024, 0,
					&pfn));
}

/* The last pages of a 64-bit physical address space. */
TEST(top_of_address_space)
{
	unsigned long top = ULONG_MAX >> 12;
	struct physwin_geom g = GEOM(top - 1023, 1024);
	unsigned long pfn;

	ASSERT_TRUE(physwin_geom_pfn(&g, 1023, &pfn));
	EXPECT_EQ(top, pfn);
	EXPECT_FALSE(physwin_geom_pfn(&g, 1024, &pfn));
}

TEST_HARNESS_MAIN
