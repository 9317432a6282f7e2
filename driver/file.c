// SPDX-License-Identifier: GPL-2.0
/*
 * physwin: the device file of a window (open, read, write, the ioctl) and
 * its sysfs attributes, revocation among them.
 */
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <uapi/linux/physwin.h>

#include "physwin.h"

/*
 * Set at the end of a load that succeeded. Until then the device nodes
 * may exist but cannot be opened: a load that fails half-way tears the
 * windows down again, and no file may be left pointing into the module
 * it frees.
 */
bool physwin_loaded;

/*
 * The trace event may be attached to (by perf, BPF or ftrace) only once
 * the load has succeeded. Its events appear as the module comes, before
 * its init runs; a tracer attached then would hold the module and its
 * tracepoint while a failing init returns, and the loader frees a module
 * whose init failed whatever holds it. Refused, the tracer fails with
 * EBUSY and holds nothing.
 */
int physwin_trace_reg(void)
{
	/* Pairs with the store-release at the end of physwin_init(). */
	return smp_load_acquire(&physwin_loaded) ? 0 : -EBUSY;
}

/* Bytes copied per step of read() and write(): bounded, and preemptible. */
#define PHYSWIN_CHUNK	PAGE_SIZE

/*
 * read() and write(), through a bounce buffer: device memory is accessed
 * with I/O accessors, never in place, and never while the window is
 * revoked. Past the end a read finds nothing, and a write, as on a full
 * block device, no room.
 */
static ssize_t physwin_rw(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos, bool write)
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
	if (pos >= pw->size)
		return write ? -ENOSPC : 0;
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
		if (write && copy_from_user(bounce, ubuf + done, n)) {
			err = -EFAULT;
			break;
		}
		if (!physwin_mem_begin(pw, &idx)) {
			err = -ENODEV;
			break;
		}
		if (write)
			physwin_copy_to(pw, pos + done, bounce, n);
		else
			physwin_copy_from(pw, bounce, pos + done, n);
		physwin_mem_end(pw, idx);
		if (!write && copy_to_user(ubuf + done, bounce, n)) {
			err = -EFAULT;
			break;
		}
		done += n;
	}
	kfree(bounce);

	*ppos += done;
	return done ? done : err;
}

static ssize_t physwin_read(struct file *file, char __user *buf, size_t count,
			    loff_t *ppos)
{
	return physwin_rw(file, buf, count, ppos, false);
}

static ssize_t physwin_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	return physwin_rw(file, (char __user *)buf, count, ppos, true);
}

/*
 * Opening works even while the window is revoked, so that a user can wait
 * for it to come back; mmap, read and write then fail with ENODEV.
 */
static int physwin_open(struct inode *inode, struct file *file)
{
	/* misc_open() calls us under misc_mtx, as misc_deregister() runs. */
	if (!smp_load_acquire(&physwin_loaded)) {
		/*
		 * misc_open() took a reference on the module for this file,
		 * which the VFS would drop only after misc_mtx is released:
		 * after the misc_deregister() of a load that is failing, and
		 * perhaps after the module is freed. Drop it here, under
		 * misc_mtx, by giving the file the kernel's own operations,
		 * which have no owner. A refused open then holds nothing, and
		 * a failing load has nothing to wait for.
		 */
		replace_fops(file, &generic_ro_fops);
		return -ENODEV;
	}
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

/* What the fault handler of @pw did, summed over every CPU. */
static struct physwin_pcpu physwin_stats_sum(struct physwin *pw)
{
	struct physwin_pcpu sum = { };
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct physwin_pcpu *s = per_cpu_ptr(pw->pcpu, cpu);

		sum.faults += s->faults;
		sum.pages += s->pages;
	}
	return sum;
}

static ssize_t faults_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  physwin_stats_sum(physwin_from_dev(dev)).faults);
}
static DEVICE_ATTR_RO(faults);

static ssize_t fault_pages_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  physwin_stats_sum(physwin_from_dev(dev)).pages);
}
static DEVICE_ATTR_RO(fault_pages);

static ssize_t enabled_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(physwin_from_dev(dev)->enabled));
}

/*
 * Revoke the window: from the time this returns, no access reaches its
 * memory. New faults raise SIGBUS (they check @enabled), the faults, reads
 * and writes already inside the window are waited for, and then every PTE,
 * PMD and PUD that maps it, in every process, is zapped. The VMAs stay,
 * and fault in again once physwin_restore() has run.
 */
static void physwin_revoke(struct physwin *pw)
{
	lockdep_assert_held(&pw->enable_lock);
	WRITE_ONCE(pw->enabled, false);
	/* Before the zap: a populate that started earlier must see it. */
	WRITE_ONCE(pw->revocations, pw->revocations + 1);
	synchronize_srcu(&pw->srcu);
	unmap_mapping_range(pw->inode->i_mapping, 0, 0, 1);
	pr_info("%s: revoked\n", pw->name);
}

static void physwin_restore(struct physwin *pw)
{
	lockdep_assert_held(&pw->enable_lock);
	WRITE_ONCE(pw->enabled, true);
	pr_info("%s: restored\n", pw->name);
}

/* Writing 0 revokes the window, writing 1 restores it. */
static ssize_t enabled_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct physwin *pw = physwin_from_dev(dev);
	bool enable;

	if (kstrtobool(buf, &enable))
		return -EINVAL;

	mutex_lock(&pw->enable_lock);
	if (enable != READ_ONCE(pw->enabled)) {
		if (enable)
			physwin_restore(pw);
		else
			physwin_revoke(pw);
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
	&dev_attr_fault_pages.attr,
	&dev_attr_enabled.attr,
	NULL
};
ATTRIBUTE_GROUPS(physwin);

/* The device node of @pw, ready for misc_register(). */
void physwin_misc_setup(struct physwin *pw)
{
	pw->misc.minor = MISC_DYNAMIC_MINOR;
	pw->misc.name = pw->name;
	pw->misc.fops = &physwin_fops;
	pw->misc.groups = physwin_groups;
	pw->misc.mode = 0600;
}
