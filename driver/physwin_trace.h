/* SPDX-License-Identifier: GPL-2.0 */
/*
 * physwin trace events: what each fault mapped.
 *
 *   echo 1 > /sys/kernel/tracing/events/physwin/physwin_fault/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM physwin

#if !defined(_PHYSWIN_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PHYSWIN_TRACE_H

#include <linux/mm_types.h>
#include <linux/tracepoint.h>

/*
 * Attaching is refused (EBUSY) until the load has succeeded
 * (physwin_trace_reg(), file.c).
 *
 * @window: N of /dev/physwinN
 * @address: the faulting user address
 * @pgoff: its page offset into the window
 * @order: 0 for a PTE fault (with fault-around), PMD_ORDER or PUD_ORDER
 * @pages: pages mapped by this fault, 0 if it failed or fell back
 * @result: the vm_fault_t the handler returned
 */
TRACE_EVENT_FN(physwin_fault,
	       TP_PROTO(unsigned int window, unsigned long address,
			unsigned long pgoff, unsigned int order,
			unsigned long pages, vm_fault_t result),
	       TP_ARGS(window, address, pgoff, order, pages, result),
	       TP_STRUCT__entry(__field(unsigned int, window)
				__field(unsigned long, address)
				__field(unsigned long, pgoff)
				__field(unsigned int, order)
				__field(unsigned long, pages)
				__field(unsigned int, result)),
	       TP_fast_assign(__entry->window = window;
			      __entry->address = address;
			      __entry->pgoff = pgoff;
			      __entry->order = order;
			      __entry->pages = pages;
			      __entry->result = (__force unsigned int)result;),
	       TP_printk("physwin%u address=%#lx pgoff=%#lx order=%u pages=%lu result=%#x",
			 __entry->window, __entry->address, __entry->pgoff,
			 __entry->order, __entry->pages, __entry->result),
	       physwin_trace_reg, NULL
);

#endif /* _PHYSWIN_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src)/driver. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE physwin_trace

/* This part must be outside protection */
#include <trace/define_trace.h>
