// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: userspace access to physical memory windows through mmap.
 *
 * The windows are given at load time (base=, length=, cache=). Each one is
 * claimed in iomem_resource, gets a PAT memtype reservation for its caching
 * mode, and becomes the misc device /dev/physwinN with its attributes in
 * /sys/class/misc/physwinN/.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "physwin.h"
#include "version.h"

static struct physwin *physwin_windows[PHYSWIN_MAX_WINDOWS];
static unsigned int physwin_nr_windows;

/*
 * A pseudo filesystem whose only use is one inode per window: its
 * address_space is what every open file of the window maps through, so
 * that unmap_mapping_range() reaches every mapping of the window whatever
 * device node it was opened through.
 */
#define PHYSWIN_FS_MAGIC	0x70687977	/* "phyw" */

static struct vfsmount *physwin_mnt;
static int physwin_mnt_count;

static int physwin_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, PHYSWIN_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: the mount lives from the first window's creation to the last
 * one's destruction, all inside module init and exit, and an owner would
 * pin the module against its own unload.
 */
static struct file_system_type physwin_fs_type = {
	.name = "physwin",
	.init_fs_context = physwin_init_fs_context,
	.kill_sb = kill_anon_super,
};

static struct inode *physwin_inode_new(void)
{
	struct inode *inode;
	int ret;

	ret = simple_pin_fs(&physwin_fs_type, &physwin_mnt, &physwin_mnt_count);
	if (ret)
		return ERR_PTR(ret);
	inode = alloc_anon_inode(physwin_mnt->mnt_sb);
	if (IS_ERR(inode))
		simple_release_fs(&physwin_mnt, &physwin_mnt_count);
	return inode;
}

static void physwin_inode_put(struct inode *inode)
{
	iput(inode);
	simple_release_fs(&physwin_mnt, &physwin_mnt_count);
}

/* The memtype each mode asks for, named as the kernel names memtypes. */
static const char * const physwin_cache_memtypes[] = {
	/* x86's ioremap() asks PAT for UC-, so that an MTRR can give WC. */
	[PHYSWIN_CACHE_UC] = IS_ENABLED(CONFIG_X86) ? "uncached-minus" :
						      "uncached",
	[PHYSWIN_CACHE_WC] = "write-combining",
	[PHYSWIN_CACHE_WB] = "write-back",
};

/*
 * Map the window into the kernel with its caching mode. On x86 this also
 * reserves the PAT memtype of the range for as long as the mapping lives,
 * and vmf_insert_pfn() gives every user PTE that same memtype. Without the
 * reservation user PTEs would be UC- whatever cache= said.
 */
static int physwin_map_kernel(struct physwin *pw)
{
	switch (pw->cache) {
	case PHYSWIN_CACHE_UC:
		pw->io = ioremap(pw->base, pw->size);
		break;
	case PHYSWIN_CACHE_WC:
		pw->io = ioremap_wc(pw->base, pw->size);
		break;
	case PHYSWIN_CACHE_WB:
		pw->mem = memremap(pw->base, pw->size, MEMREMAP_WB);
		break;
	}
	return pw->io || pw->mem ? 0 : -ENOMEM;
}

static void physwin_unmap_kernel(struct physwin *pw)
{
	if (pw->mem)
		memunmap(pw->mem);
	else
		iounmap(pw->io);
}

static int physwin_create(unsigned int index, const struct physwin_spec *s,
			  struct physwin **out)
{
	struct physwin *pw;
	int ret;

	pw = kzalloc(sizeof(*pw), GFP_KERNEL);
	if (!pw)
		return -ENOMEM;

	snprintf(pw->name, sizeof(pw->name), "physwin%u", index);
	pw->index = index;
	pw->base = s->base;
	pw->size = s->size;
	pw->geom.base_pfn = PHYS_PFN(s->base);
	pw->geom.pages = s->size >> PAGE_SHIFT;
	pw->cache = s->cache;
	pw->enabled = true;
	atomic_set(&pw->mappings, 0);
	mutex_init(&pw->enable_lock);

	pw->pcpu = alloc_percpu(struct physwin_pcpu);
	if (!pw->pcpu) {
		ret = -ENOMEM;
		goto err_free_pw;
	}

	ret = init_srcu_struct(&pw->srcu);
	if (ret)
		goto err_free_pcpu;

	pw->inode = physwin_inode_new();
	if (IS_ERR(pw->inode)) {
		ret = PTR_ERR(pw->inode);
		goto err_cleanup_srcu;
	}

	/*
	 * Exclusive: with the range busy and exclusive, /dev/mem cannot map
	 * it behind our back, whatever CONFIG_IO_STRICT_DEVMEM says.
	 */
	pw->res = request_mem_region_exclusive(pw->base, pw->size, pw->name);
	if (!pw->res) {
		phys_addr_t last = pw->base + pw->size - 1;

		pr_err("window %u: [%pa-%pa] is busy or crosses a resource boundary; see /proc/iomem for who owns it\n",
		       index, &pw->base, &last);
		ret = -EBUSY;
		goto err_put_inode;
	}

	ret = physwin_map_kernel(pw);
	if (ret) {
		pr_err("window %u: cannot map %pR as %s: its memory type conflicts with another mapping, or address space ran out\n",
		       index, pw->res, physwin_cache_names[pw->cache]);
		goto err_release_region;
	}
	pw->memtype = physwin_memtype(physwin_kaddr(pw),
				      physwin_cache_memtypes[pw->cache]);
	if (strcmp(pw->memtype, physwin_cache_memtypes[pw->cache]))
		pr_notice("%s: cache=%s asked for %s, but the range is %s (an MTRR, the firmware or another mapping of it decides); every mapping gets %s\n",
			  pw->name, physwin_cache_names[pw->cache],
			  physwin_cache_memtypes[pw->cache], pw->memtype,
			  pw->memtype);

	physwin_misc_setup(pw);
	ret = misc_register(&pw->misc);
	if (ret) {
		pr_err("window %u: cannot register /dev/%s: %d\n", index,
		       pw->name, ret);
		goto err_unmap_kernel;
	}

	pr_info("%s: %pR %s\n", pw->name, pw->res,
		physwin_cache_names[pw->cache]);
	*out = pw;
	return 0;

err_unmap_kernel:
	physwin_unmap_kernel(pw);
err_release_region:
	release_mem_region(pw->base, pw->size);
err_put_inode:
	physwin_inode_put(pw->inode);
err_cleanup_srcu:
	cleanup_srcu_struct(&pw->srcu);
err_free_pcpu:
	free_percpu(pw->pcpu);
err_free_pw:
	mutex_destroy(&pw->enable_lock);
	kfree(pw);
	return ret;
}

static void physwin_destroy(struct physwin *pw)
{
	misc_deregister(&pw->misc);
	physwin_unmap_kernel(pw);
	release_mem_region(pw->base, pw->size);
	physwin_inode_put(pw->inode);
	cleanup_srcu_struct(&pw->srcu);
	free_percpu(pw->pcpu);
	mutex_destroy(&pw->enable_lock);
	kfree(pw);
}

static int __init physwin_init(void)
{
	struct physwin_spec specs[PHYSWIN_MAX_WINDOWS];
	unsigned int i, nr;
	int ret;

	ret = physwin_parse_params(specs);
	if (ret < 0)
		return ret;
	nr = ret;

	for (i = 0; i < nr; i++) {
		ret = physwin_create(i, &specs[i], &physwin_windows[i]);
		if (ret)
			goto err_destroy;
	}
	physwin_nr_windows = nr;
	/* Pairs with physwin_open(): a window opens complete, or not at all. */
	smp_store_release(&physwin_loaded, true);
	return 0;

err_destroy:
	/*
	 * Nothing can hold the module now: opens were refused, and dropped
	 * their reference before misc_deregister() returned (physwin_open()),
	 * and no tracer could attach (physwin_trace_reg()).
	 */
	while (i--)
		physwin_destroy(physwin_windows[i]);
	return ret;
}
module_init(physwin_init);

static void __exit physwin_exit(void)
{
	unsigned int i = physwin_nr_windows;

	while (i--)
		physwin_destroy(physwin_windows[i]);
}
module_exit(physwin_exit);

MODULE_DESCRIPTION("Lazily faulted mmap of physical memory windows");
MODULE_AUTHOR("The physwin developers");
MODULE_VERSION(PHYSWIN_VERSION);
MODULE_LICENSE("GPL");
