/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * physwin: userspace interface of /dev/physwinN beyond mmap, read and write.
 */
#ifndef _UAPI_LINUX_PHYSWIN_H
#define _UAPI_LINUX_PHYSWIN_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * struct physwin_range - a range of the caller's own address space
 * @addr: start address, page aligned
 * @len: length in bytes; rounded up to whole pages
 */
struct physwin_range {
	__u64 addr;
	__u64 len;
};

#define PHYSWIN_IOC_MAGIC	0xB9

/*
 * Map [addr, addr + len) now, through the same code as faults, so that
 * later accesses take no fault. The range must lie inside one mapping of
 * this window made by the calling process; otherwise EINVAL. MAP_POPULATE,
 * mlock() and MADV_POPULATE_* do nothing for PFN mappings.
 */
#define PHYSWIN_IOC_POPULATE	_IOW(PHYSWIN_IOC_MAGIC, 0x01, struct physwin_range)

#endif /* _UAPI_LINUX_PHYSWIN_H */
