// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: userspace access to physical memory windows through mmap.
 *
 * The windows are given at load time (base=, length=, cache=). Each one is
 * claimed in iomem_resource, gets a PAT memtype reservation for its caching
 * mode, and becomes the misc device /dev/physwinN with its attributes in
 * /sys/class/misc/physwinN/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <uapi/linux/physwin.h>

#include "compat.h"
#include "physwin.h"
#include "version.h"

static char *physwin_base_param[PHYSWIN_MAX_WINDOWS];
static unsigned int physwin_nr_base;
module_param_array_named(base, physwin_base_param, charp, &physwin_nr_base,
			 0444);
MODULE_PARM_DESC(base,
		 "Physical start address of each window, comma separated, up to 8 (bytes: 0x10000000 or 268435456, optional K/M/G suffix; page aligned; no default, required)");

static char *physwin_length_param[PHYSWIN_MAX_WINDOWS];
static unsigned int physwin_nr_length;
module_param_array_named(length, physwin_length_param, charp,
			 &physwin_nr_length, 0444);
MODULE_PARM_DESC(length,
		 "Size of each window, one per base (bytes, optional K/M/G suffix: 16M; page aligned; no default, required)");

static char *physwin_cache_param[PHYSWIN_MAX_WINDOWS];
static unsigned int physwin_nr_cache;
module_param_array_named(cache, physwin_cache_param, charp, &physwin_nr_cache,
			 0444);
MODULE_PARM_DESC(cache,
		 "Caching mode of each window: uc, wc or wb (default: uc for every window not listed)");

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

static const char * const physwin_cache_names[] = {
	[PHYSWIN_CACHE_UC] = "uc",
	[PHYSWIN_CACHE_WC] = "wc",
	[PHYSWIN_CACHE_WB] = "wb",
};

/* The memtype each mode asks for, named as the kernel names memtypes. */
static const char * const physwin_cache_memtypes[] = {
	/* x86's ioremap() asks PAT for UC-, so that an MTRR can give WC. */
	[PHYSWIN_CACHE_UC] = IS_ENABLED(CONFIG_X86) ? "uncached-minus" :
						      "uncached",
	[PHYSWIN_CACHE_WC] = "write-combining",
	[PHYSWIN_CACHE_WB] = "write-back",
};

/*
 * Set at the end of a load that succeeded. Until then the device nodes
 * may exist but cannot be opened: a load that fails half-way tears the
 * windows down again, and no file may be left pointing into the module
 * it frees.
 */
static bool physwin_loaded;

/* Bytes copied per step of read() and write(): bounded, and preemptible. */
#define PHYSWIN_CHUNK	PAGE_SIZE

/*
 * Parse a C number (0x10000000, 268435456, 0200) with an optional K, M or G
 * suffix, and an optional trailing newline (sysfs writes). Unlike memparse(),
 * reject trailing junk and overflow.
 */
int physwin_parse_size(const char *str, u64 *val)
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

struct physwin_spec {
	u64 base;
	u64 size;
	enum physwin_cache cache;
};

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
 */
static int physwin_parse_params(struct physwin_spec *specs)
{
	unsigned int i, j;
	int ret;

	if (!physwin_nr_base) {
		pr_err("no window given; load with base=ADDR length=SIZE, e.g. base=0x10000000 length=16M\n");
		return -EINVAL;
	}
	if (physwin_nr_base != physwin_nr_length) {
		pr_err("%u base addresses but %u lengths; give one length per base\n",
		       physwin_nr_base, physwin_nr_length);
		return -EINVAL;
	}
	if (physwin_nr_cache > physwin_nr_base) {
		pr_err("%u cache modes for %u windows; give at most one per window\n",
		       physwin_nr_cache, physwin_nr_base);
		return -EINVAL;
	}

	for (i = 0; i < physwin_nr_base; i++) {
		struct physwin_spec *s = &specs[i];

		if (physwin_parse_size(physwin_base_param[i], &s->base)) {
			pr_err("window %u: base \"%s\" is not a number (use 0x10000000, 268435456 or 256M)\n",
			       i, physwin_base_param[i]);
			return -EINVAL;
		}
		if (physwin_parse_size(physwin_length_param[i], &s->size)) {
			pr_err("window %u: length \"%s\" is not a number (use 16M, 0x1000000 or 16777216)\n",
			       i, physwin_length_param[i]);
			return -EINVAL;
		}
		s->cache = PHYSWIN_CACHE_UC;
		if (i < physwin_nr_cache &&
		    physwin_parse_cache(physwin_cache_param[i], &s->cache)) {
			pr_err("window %u: unknown cache mode \"%s\"; use uc, wc or wb\n",
			       i, physwin_cache_param[i]);
			return -EINVAL;
		}
		ret = physwin_check_range(i, s);
		if (ret)
			return ret;
	}

	/* Two windows on the same bytes would alias with two memtypes. */
	for (i = 0; i < physwin_nr_base; i++) {
		for (j = i + 1; j < physwin_nr_base; j++) {
			if (specs[i].base < specs[j].base + specs[j].size &&
			    specs[j].base < specs[i].base + specs[i].size) {
				pr_err("window %u overlaps window %u; give each window its own range\n",
				       j, i);
				return -EBUSY;
			}
		}
	}
	return 0;
}

void physwin_copy_from(const struct physwin *pw, void *dst, u64 off,
		       size_t len)
{
	if (pw->mem)
		memcpy(dst, pw->mem + off, len);
	else
		memcpy_fromio(dst, pw->io + off, len);
}

void physwin_copy_to(const struct physwin *pw, u64 off, const void *src,
		     size_t len)
{
	if (pw->mem)
		memcpy(pw->mem + off, src, len);
	else
		memcpy_toio(pw->io + off, src, len);
}

static ssize_t physwin_read(struct file *file, char __user *buf, size_t count,
			    loff_t *ppos)
{
	struct physwin *pw = physwin_from_file(file);
	u64 pos = *ppos;
	size_t done = 0;
	void *bounce;
	int err = 0;

	if (*ppos < 0)
		return -EINVAL;
	if (!READ_ONCE(pw->enabled))
		return -ENODEV;
	if (pos >= pw->size || !count)
		return 0;
	count = min_t(u64, count, pw->size - pos);

	bounce = kmalloc(PHYSWIN_CHUNK, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;

	while (done < count) {
		size_t n = min_t(size_t, count - done, PHYSWIN_CHUNK);
		int idx;

		if (physwin_should_stop()) {
			err = -EINTR;
			break;
		}
		/* Device memory is read with I/O accessors, never in place. */
		if (!physwin_mem_begin(pw, &idx)) {
			err = -ENODEV;
			break;
		}
		physwin_copy_from(pw, bounce, pos + done, n);
		physwin_mem_end(pw, idx);
		if (copy_to_user(buf + done, bounce, n)) {
			err = -EFAULT;
			break;
		}
		done += n;
	}
	kfree(bounce);

	*ppos += done;
	return done ? done : err;
}

static ssize_t physwin_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct physwin *pw = physwin_from_file(file);
	u64 pos = *ppos;
	size_t done = 0;
	void *bounce;
	int err = 0;

	if (*ppos < 0)
		return -EINVAL;
	if (!READ_ONCE(pw->enabled))
		return -ENODEV;
	if (!count)
		return 0;
	/* Like a full block device: nothing can be written past the end. */
	if (pos >= pw->size)
		return -ENOSPC;
	count = min_t(u64, count, pw->size - pos);

	bounce = kmalloc(PHYSWIN_CHUNK, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;

	while (done < count) {
		size_t n = min_t(size_t, count - done, PHYSWIN_CHUNK);
		int idx;

		if (physwin_should_stop()) {
			err = -EINTR;
			break;
		}
		if (copy_from_user(bounce, buf + done, n)) {
			err = -EFAULT;
			break;
		}
		if (!physwin_mem_begin(pw, &idx)) {
			err = -ENODEV;
			break;
		}
		physwin_copy_to(pw, pos + done, bounce, n);
		physwin_mem_end(pw, idx);
		done += n;
	}
	kfree(bounce);

	*ppos += done;
	return done ? done : err;
}

/*
 * Opening works even while the window is revoked, so that a user can wait
 * for it to come back; mmap, read and write then fail with ENODEV.
 */
static int physwin_open(struct inode *inode, struct file *file)
{
	/* misc_open() calls us under misc_mtx, as misc_deregister() runs. */
	if (!smp_load_acquire(&physwin_loaded))
		return -ENODEV;
	file->f_mapping = physwin_from_file(file)->inode->i_mapping;
	return 0;
}

static long physwin_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct physwin *pw = physwin_from_file(file);

	switch (cmd) {
	case PHYSWIN_IOC_POPULATE:
		if (!READ_ONCE(pw->enabled))
			return -ENODEV;
		return physwin_populate(pw, (const void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static loff_t physwin_llseek(struct file *file, loff_t offset, int whence)
{
	return fixed_size_llseek(file, offset, whence,
				 physwin_from_file(file)->size);
}

static const struct file_operations physwin_fops = {
	.owner = THIS_MODULE,
	.open = physwin_open,
	.llseek = physwin_llseek,
	.read = physwin_read,
	.write = physwin_write,
	.unlocked_ioctl = physwin_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = physwin_mmap,
	.get_unmapped_area = physwin_get_unmapped_area,
};

static struct physwin *physwin_from_dev(struct device *dev)
{
	/* misc_register() sets the miscdevice as the device's drvdata. */
	struct miscdevice *misc = dev_get_drvdata(dev);

	return container_of(misc, struct physwin, misc);
}

static ssize_t base_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "0x%llx\n",
			  (unsigned long long)physwin_from_dev(dev)->base);
}
static DEVICE_ATTR_RO(base);

static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", physwin_from_dev(dev)->size);
}
static DEVICE_ATTR_RO(size);

static ssize_t cache_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  physwin_cache_names[physwin_from_dev(dev)->cache]);
}
static DEVICE_ATTR_RO(cache);

static ssize_t memtype_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", physwin_from_dev(dev)->memtype);
}
static DEVICE_ATTR_RO(memtype);

static ssize_t mappings_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n",
			  atomic_read(&physwin_from_dev(dev)->mappings));
}
static DEVICE_ATTR_RO(mappings);

static ssize_t faults_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct physwin *pw = physwin_from_dev(dev);
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(pw->faults, cpu);
	return sysfs_emit(buf, "%llu\n", sum);
}
static DEVICE_ATTR_RO(faults);

static ssize_t enabled_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(physwin_from_dev(dev)->enabled));
}

/*
 * Writing 0 revokes the window: from the time the write returns, no access
 * reaches its memory. New faults raise SIGBUS (they check @enabled), the
 * faults, reads and writes already inside the window are waited for, and
 * then every PTE, PMD and PUD that maps it, in every process, is zapped.
 * Writing 1 restores service; the same VMAs fault in again.
 */
static ssize_t enabled_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct physwin *pw = physwin_from_dev(dev);
	bool enable;

	if (kstrtobool(buf, &enable))
		return -EINVAL;

	mutex_lock(&pw->enable_lock);
	if (!enable && READ_ONCE(pw->enabled)) {
		WRITE_ONCE(pw->enabled, false);
		synchronize_srcu(&pw->srcu);
		unmap_mapping_range(pw->inode->i_mapping, 0, 0, 1);
		pr_info("%s: revoked\n", pw->name);
	} else if (enable && !READ_ONCE(pw->enabled)) {
		WRITE_ONCE(pw->enabled, true);
		pr_info("%s: restored\n", pw->name);
	}
	mutex_unlock(&pw->enable_lock);
	return count;
}
static DEVICE_ATTR_RW(enabled);

static struct attribute *physwin_attrs[] = {
	&dev_attr_base.attr,
	&dev_attr_size.attr,
	&dev_attr_cache.attr,
	&dev_attr_memtype.attr,
	&dev_attr_mappings.attr,
	&dev_attr_faults.attr,
	&dev_attr_enabled.attr,
	NULL
};
ATTRIBUTE_GROUPS(physwin);

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

	pw->faults = alloc_percpu(u64);
	if (!pw->faults) {
		ret = -ENOMEM;
		goto err_free_pw;
	}

	ret = init_srcu_struct(&pw->srcu);
	if (ret)
		goto err_free_faults;

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
		pr_err("window %u: [%#llx-%#llx] is busy or crosses a resource boundary; see /proc/iomem for who owns it\n",
		       index, (u64)pw->base, (u64)pw->base + pw->size - 1);
		ret = -EBUSY;
		goto err_put_inode;
	}

	ret = physwin_map_kernel(pw);
	if (ret) {
		pr_err("window %u: cannot map %pR as %s: its memory type conflicts with another mapping, or address space ran out\n",
		       index, pw->res, physwin_cache_names[pw->cache]);
		goto err_release_region;
	}
	pw->memtype = physwin_memtype(pw->io ? (const void __force *)pw->io :
				      pw->mem,
				      physwin_cache_memtypes[pw->cache]);
	if (strcmp(pw->memtype, physwin_cache_memtypes[pw->cache]))
		pr_notice("%s: cache=%s asked for %s, but the range is %s (an MTRR or the firmware decides); every mapping gets %s\n",
			  pw->name, physwin_cache_names[pw->cache],
			  physwin_cache_memtypes[pw->cache], pw->memtype,
			  pw->memtype);

	pw->misc.minor = MISC_DYNAMIC_MINOR;
	pw->misc.name = pw->name;
	pw->misc.fops = &physwin_fops;
	pw->misc.groups = physwin_groups;
	pw->misc.mode = 0600;
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
err_free_faults:
	free_percpu(pw->faults);
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
	free_percpu(pw->faults);
	mutex_destroy(&pw->enable_lock);
	kfree(pw);
}

/*
 * After a failed load, wait until the module holds no more references
 * than when its init began. An open that raced with the load was refused
 * (physwin_loaded), but the file it made holds a reference on the module,
 * through the fops, until the VFS drops it after misc_mtx. The loader
 * frees a module whose init failed without looking at its references, so
 * the wait has to be ours. Nothing else takes one while init runs.
 */
static void physwin_wait_unused(int refs)
{
	while (module_refcount(THIS_MODULE) > refs)
		msleep(20);
}

static int __init physwin_init(void)
{
	struct physwin_spec specs[PHYSWIN_MAX_WINDOWS];
	int refs = module_refcount(THIS_MODULE);
	unsigned int i;
	int ret;

	ret = physwin_parse_params(specs);
	if (ret)
		return ret;

	for (i = 0; i < physwin_nr_base; i++) {
		ret = physwin_create(i, &specs[i], &physwin_windows[i]);
		if (ret)
			goto err_destroy;
	}
	physwin_nr_windows = physwin_nr_base;
	/* Pairs with physwin_open(): a window opens complete, or not at all. */
	smp_store_release(&physwin_loaded, true);
	return 0;

err_destroy:
	while (i--)
		physwin_destroy(physwin_windows[i]);
	physwin_wait_unused(refs);
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
