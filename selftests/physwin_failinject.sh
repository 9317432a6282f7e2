#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# physwin: allocation failures, injected with failslab and fail_page_alloc
# (Documentation/fault-injection/fault-injection.rst).
#
# Module load: for N = 1, 2, ... the Nth allocation made by physwin_init()
# fails (/proc/thread-self/fail-nth of the loading task, set by the helper
# right before init_module(); the stack-trace filter limits it to what
# runs under do_one_initcall()), until a load no longer reaches an Nth
# allocation. Each load must either fail with an errno and leave nothing
# behind (no module, no /dev/physwin*, no physwin in /proc/iomem, no PAT
# memtype in the region), or work exactly like a load without failures
# (windows, device nodes, claims, memtypes) and unload.
#
# The same loads again, failing only from the second window's setup on,
# each ROUNDS times, while a thread on the other CPU opens /dev/physwin0
# in a loop: the first window's device is there from its setup until the
# failure tears it down, and a file opened in between would outlive the
# window and the module (the module loader lets a module that is coming
# be opened, and frees it on failure whatever its reference count). In a
# load that fails, the open must fail too (ENODEV, ENXIO, ENOENT); a file
# that was opened all the same is read and mapped after the load, which
# KASAN reports, or the kernel crashes.
#
# mmap, touching the mapping (faults on pages, and on PMD entries in
# address space of their own, where the fault has the PUD and PMD tables
# to allocate), PHYSWIN_IOC_POPULATE, read, pread,
# write and pwrite: the same walk, each run in a child process of
# physwin_failinject_ops. Each run must succeed with the right data, fail
# with an errno an allocation failure explains, or, for a touch, end by
# SIGBUS, SIGSEGV or SIGKILL; the window's mappings count must come back
# to where it was, and without injection everything must work again.
#
# Each walk is made with failslab, and those that allocate pages once more
# with fail_page_alloc (order 0 and up, GFP_KERNEL included): not the
# loads nor mmap, see below. A walk that reaches no
# allocation point tests nothing, and fails. fail-nth only affects the task
# that sets it, so the rest of the system never sees a failure; the
# debugfs settings are restored on exit. Any WARNING, KASAN or lockdep
# report is left to the runner's kernel-log check (panic_on_warn in
# scripts/check --debug); the test also looks at the log of each walk.
#
# One report is the kernel's answer to an injected failure, not a fault
# of physwin's: a page fault whose page-table allocation fails ends in
# VM_FAULT_OOM, and with no OOM kill under way the #PF handler logs "Huh
# VM_FAULT_OOM leaked out to the #PF handler. Retrying PF" and retries.
# The walks of the operations are therefore bracketed in the kernel log by
# "physwin_failinject[PID]: page faults may fail from here" and "...: page
# faults no longer fail"; a log checker should accept that line between
# the two (scripts/lib.sh does), and nowhere else.
#
# Needs CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAILSLAB and
# CONFIG_FAIL_PAGE_ALLOC (skips without them: Debian's kernels).
#
# Environment:
#   PHYSWIN_REGION  "<base>:<size>" of a reserved physical range the test
#                   may put windows in (e.g. 0x60000000:0x10000000 for
#                   memmap=256M$0x60000000); the test skips without it.
#   PHYSWIN_KO      physwin.ko to load; by default the installed one.
#
# A physwin loaded before the test is unloaded first and reloaded with the
# same parameters at the end.

DIR=$(dirname "$0")
OPS=$DIR/physwin_failinject_ops
# shellcheck source=physwin_lib.sh
. "$DIR/physwin_lib.sh"
DBG=/sys/kernel/debug
ATTRS="failslab fail_page_alloc"
# Kernel-log reports the walk must not cause (a subset of what the runner
# looks for; dump_stack() of an injected failure is "Call Trace:" too).
BAD_LOG='BUG:|WARNING:|Oops|general protection fault|KASAN:|UBSAN:|refcount_t:|circular locking|recursive locking|inconsistent lock state|suspicious RCU usage|ODEBUG:|bad (pte|pmd|pud)|Call Trace:|FAULT_INJECTION: forcing'

# timed_result DESC: result, with how long the test took and at most 20
# of its problems.
timed_result() {
	ktap_print_msg "$1: $(($(date +%s) - t0)) s"
	[ -z "$problems" ] || problems="$(printf '%s' "$problems" | head -n 20)
"
	result "$1"
}

# ---------------------------------------------------------------------------
# debugfs settings: saved at the start, restored on exit

SETTINGS="probability interval times space verbose task-filter stacktrace-depth require-start require-end reject-start reject-end ignore-gfp-wait"
saved_settings=""

save_settings() {
	for fa in $ATTRS; do
		s=$SETTINGS
		[ "$fa" = failslab ] && s="$s cache-filter"
		[ "$fa" = fail_page_alloc ] && s="$s ignore-gfp-highmem min-order"
		for f in $s; do
			[ -e "$DBG/$fa/$f" ] || continue
			saved_settings="$saved_settings$fa/$f=$(cat "$DBG/$fa/$f")
"
		done
	done
}

restore_settings() {
	printf '%s' "$saved_settings" | while IFS='=' read -r f v; do
		echo "$v" >"$DBG/$f" 2>/dev/null ||
			echo "# cannot restore $DBG/$f to $v"
	done
}

set_attr() { echo "$3" >"$DBG/$1/$2"; }

# inject ATTR: fail-nth is to fail allocations through ATTR only. No
# random failures (probability 0): only what fail-nth asks for, and only
# in the task that asks (task-filter as well, should anyone raise the
# probability meanwhile). Allocations that may sleep fail too; nothing is
# printed, so that the log shows only what the failure itself caused.
inject() {
	for fa in $ATTRS; do
		set_attr "$fa" probability 0
		set_attr "$fa" interval 1
		set_attr "$fa" times -1
		set_attr "$fa" space 0
		set_attr "$fa" verbose 0
		set_attr "$fa" task-filter Y
		set_attr "$fa" ignore-gfp-wait N
	done
	set_attr fail_page_alloc ignore-gfp-highmem N
	# The other one out of the way: failslab with a cache filter but no
	# cache marked, fail_page_alloc from an order no allocation has.
	case $1 in
	failslab) cf=N mo=100 ;;
	fail_page_alloc) cf=Y mo=0 ;;
	*) cf=Y mo=100 ;;
	esac
	set_attr failslab cache-filter $cf
	set_attr fail_page_alloc min-order $mo
	# Wherever the allocation is made from (restricted by only_init).
	for fa in $ATTRS; do
		set_attr "$fa" require-start 0
		set_attr "$fa" require-end 0xffffffffffffffff
		set_attr "$fa" reject-start 0
		set_attr "$fa" reject-end 0
	done
}

# only_init: count and fail only allocations made under do_one_initcall(),
# that is by physwin_init(), through the stack-trace filter (which
# fail-nth obeys). The module loader's own failure paths are the kernel's
# business, and some of them WARN (trace_events' event_define_fields())
# or dump a stack (vmalloc) by design.
only_init() {
	for fa in $ATTRS; do
		set_attr "$fa" stacktrace-depth 32
		set_attr "$fa" require-start "$INIT_START"
		set_attr "$fa" require-end "$INIT_END"
	done
}

# ---------------------------------------------------------------------------
# Kernel log

RUN_ID="physwin_failinject[$$]"

# Problems in the kernel log since the marker of the current test.
check_log() {
	bad=$(dmesg | awk -v m="$RUN_ID: test $KTAP_TESTNO: " '
		index($0, m) { buf = ""; on = 1; next }
		on { buf = buf $0 "\n" }
		END { printf "%s", buf }' | grep -E -m 5 -- "$BAD_LOG")
	[ -z "$bad" ] || problem "kernel log: $(echo "$bad" | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------
# Module load

nothing_left() {
	module_gone "$1: "
}

# load_walk ATTR: the helper walks the allocation points of the load.
# load_walk ATTR ROUNDS: those of the second window's setup and later,
# ROUNDS times each, racing opens of /dev/physwin0.
load_walk() {
	desc="load with $1 failures${2:+, racing opens of /dev/physwin0}"
	t0=$(date +%s)
	mark "$desc"
	inject "$1"
	only_init
	# shellcheck disable=SC2086 # the parameters, one per word
	if [ -z "$2" ]; then
		"$OPS" loadwalk "$ko" "$R" "$RS" $LOAD_PARAMS
	else
		"$OPS" loadrace "$ko" "$R" "$RS" "$2" $LOAD_PARAMS
	fi
	rc=$?
	inject none
	[ "$rc" = 0 ] || problem "physwin_failinject_ops exited with $rc"
	unload
	nothing_left "after the walk"
	check_log
	timed_result "$desc"
}

# ---------------------------------------------------------------------------
# The operations

# op_walk ATTR OP
op_walk() {
	desc="$2 with $1 failures"
	t0=$(date +%s)
	mark "$desc"
	inject "$1"
	echo "$RUN_ID: page faults may fail from here" >/dev/kmsg
	out=$("$OPS" op /dev/physwin0 "$2")
	rc=$?
	echo "$out"
	inject none
	echo "$RUN_ID: page faults no longer fail" >/dev/kmsg
	[ "$rc" = 0 ] || problem "physwin_failinject_ops op exited with $rc"
	out=$("$OPS" check /dev/physwin0)
	rc=$?
	[ "$rc" = 0 ] || problem "without injection afterwards: $(echo "$out" | tr '\n' ' ')"
	check_log
	timed_result "$desc"
}

# ---------------------------------------------------------------------------

ktap_print_header

[ "$(id -u)" = 0 ] || skip_all "must be run as root"
[ -w /dev/kmsg ] || skip_all "cannot write /dev/kmsg"
for a in $ATTRS; do
	[ -w "$DBG/$a/probability" ] ||
		skip_all "no $DBG/$a: needs CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAILSLAB and CONFIG_FAIL_PAGE_ALLOC"
done
[ -e /proc/self/task/$$/fail-nth ] || skip_all "no /proc/PID/task/TID/fail-nth"
[ -x "$OPS" ] || skip_all "$OPS not built"
need_region $((2 << 20))
# do_one_initcall() is [INIT_START, INIT_END): up to the next symbol.
eval "$(awk '$3 == "do_one_initcall" && !s { s = $1; next }
	s && $1 != s { printf "INIT_START=0x%s INIT_END=0x%s\n", s, $1; exit }' \
	/proc/kallsyms 2>/dev/null)"
case $INIT_START in
0x0* | "") skip_all "no address for do_one_initcall in /proc/kallsyms" ;;
esac
find_module

# Two windows, so that a failure in the second one undoes the first, and
# both kinds of kernel mapping (ioremap, memremap); the first is not 2M
# aligned, so that ioremap() needs page tables. The operations use a 16M
# window of their own.
LOAD_PARAMS="base=$(hex $((R + 0x10000))),$(hex $((R + 0x600000))) length=256K,2M cache=uc,wb"
OPS_PARAMS="base=$(hex "$R") length=16M cache=wb"
# Loads per allocation point in the race with the opener.
RACE_ROUNDS=3

t0=$(date +%s)
save_module

save_settings
trap 'restore_settings; echo "$RUN_ID: page faults no longer fail" >/dev/kmsg' EXIT
trap 'exit 1' INT TERM HUP

OPS_LIST="mmap touch touch-huge populate read pread write pwrite"
ktap_set_plan $((2 + 2 * 8 - 1 + 1))
ktap_print_msg "region $(hex "$R") size $(hex "$RS")"

# Loads and mmap allocate from slab caches. They allocate pages only when
# a cache, the percpu allocator or vmalloc's page tables first needs them,
# which the loads before them saw to: with fail_page_alloc they reach no
# allocation point, and are not walked.
load_walk failslab
unload
load_walk failslab "$RACE_ROUNDS"
unload
inject none

# shellcheck disable=SC2086 # the parameters, one per word
if ! load $OPS_PARAMS; then
	for a in $ATTRS; do
		for op in $OPS_LIST; do
			[ "$a$op" = fail_page_allocmmap ] && continue
			ktap_test_fail "$op with $a failures: cannot load physwin"
		done
	done
else
	for a in $ATTRS; do
		for op in $OPS_LIST; do
			[ "$a$op" = fail_page_allocmmap ] && continue
			op_walk "$a" "$op"
		done
	done
fi
unload

restore_module

ktap_finished
