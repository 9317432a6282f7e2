#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# physwin: load-time validation of the window parameters.
#
# Every bad parameter set must make the load fail with the right errno,
# say why in the kernel log (naming the window when one is at fault), and
# leave nothing behind: no module, no /dev/physwin*, no /proc/iomem claim,
# no PAT memtype reservation. Good sets must load and show up as given.
#
# Environment:
#   PHYSWIN_REGION  "<base>:<size>" of a reserved physical range the test
#                   may put windows in (e.g. memmap=256M$0x60000000 gives
#                   0x60000000:0x10000000); the test skips without it.
#   PHYSWIN_KO      physwin.ko to insmod; by default the installed module
#                   is loaded with modprobe (or insmod of modinfo -n).
#
# A physwin loaded before the test is unloaded first and reloaded with
# the same parameters at the end.

DIR=$(dirname "$0")
# shellcheck source=physwin_lib.sh
. "$DIR/physwin_lib.sh"

hex16() { printf '0x%016x' "$1"; }

# strerror() texts of the errnos the loads may fail with. kmod's insmod
# calls EINVAL "Invalid parameters".
errtext() {
	case $1 in
	EINVAL) echo 'Invalid argument|Invalid parameters' ;;
	EBUSY) echo 'Device or resource busy' ;;
	*) echo "$1" ;;
	esac
}

# ---------------------------------------------------------------------------
# Kernel log: a marker before each test, so that only what the test
# caused is looked at (dmesg is never cleared; the runner reads it).

RUN_ID="physwin_load[$$]"

# The kernel log since the marker of the current test.
log_since_mark() {
	dmesg | awk -v m="$RUN_ID: test $KTAP_TESTNO: " '
		index($0, m) { buf = ""; on = 1; next }
		on { buf = buf $0 "\n" }
		END { printf "%s", buf }'
}

# ---------------------------------------------------------------------------
# What a window leaves in the system

# pat_lines ARG...: the PAT memtype entries that start at any plain
# numeric base= value among the module parameters ARG...
pat_lines() {
	[ -r "$PAT" ] || return 0
	for arg; do
		case $arg in base=*) ;; *) continue ;; esac
		for b in $(echo "${arg#base=}" | tr , ' '); do
			case $b in
			'' | *[!0-9a-fA-Fx]*) continue ;;
			esac
			grep -F "[mem $(hex16 "$b")-" "$PAT"
		done
	done
}

# Record in $problems whatever a failed load left behind.
check_nothing_left() {
	module_gone ""
	[ "$(pat_lines "$@")" = "$pat_before" ] ||
		problem "PAT memtype left: $(pat_lines "$@" | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------
# The tests

# bad_load DESC ERRNO WINDOW PARAM...: loading with PARAM... must fail
# with ERRNO, log a physwin line (naming "window WINDOW", unless WINDOW
# is -) and leave nothing behind.
bad_load() {
	desc=$1 err=$2 win=$3
	shift 3

	unload
	mark "$desc: $*"
	pat_before=$(pat_lines "$@")
	if load "$@"; then
		problem "loaded with: $*"
		unload
	else
		echo "$load_err" | grep -qE "$(errtext "$err")" ||
			problem "expected $err, got: $load_err"
		log=$(log_since_mark)
		echo "$log" | grep -q 'physwin: ' ||
			problem "nothing logged by physwin"
		if [ "$win" != - ]; then
			echo "$log" | grep -q "physwin: .*window $win" ||
				problem "the log does not name window $win: $log"
		fi
		check_nothing_left "$@"
	fi
	result "$desc"
}

# good_load DESC PARAM...: loading with PARAM... must work; the caller
# checks the windows with check_window, then calls good_unload.
good_load() {
	unload
	mark "$1"
	shift
	good_params="$*"
	pat_before=$(pat_lines "$@")
	load "$@" || problem "load failed: $load_err"
}

# good_unload DESC: unload, and nothing must be left behind.
good_unload() {
	if [ -d /sys/module/physwin ]; then
		rmmod physwin || problem "rmmod failed"
	fi
	# shellcheck disable=SC2086 # the parameters, one per word
	check_nothing_left $good_params
	result "$1"
}

ktap_print_header

[ "$(id -u)" = 0 ] || skip_all "must be run as root"
[ -w /dev/kmsg ] || skip_all "cannot write /dev/kmsg"
need_region 4096

find_module
save_module

ktap_set_plan 19
ktap_print_msg "region $(hex "$R") size $(hex "$RS"), loading with $loader"

# Window 0 is always fine; the bad one is window 1, so that the log must
# name it and window 0 must be undone when window 1 fails late.
W0=$(hex "$R")
W1=$(hex $((R + (1 << 20))))

bad_load "no window given" EINVAL -
bad_load "more lengths than bases" EINVAL - \
	base="$W0" length=4K,4K
bad_load "base not a number" EINVAL 1 \
	base="$W0,${W1}zz" length=4K,4K
bad_load "unaligned base" EINVAL 1 \
	base="$W0,$(hex $((R + (1 << 20) + 0x800)))" length=4K,4K
bad_load "unaligned length" EINVAL 1 \
	base="$W0,$W1" length=4K,0x1800
bad_load "length 0" EINVAL 1 \
	base="$W0,$W1" length=4K,0
bad_load "base + length wraps" EINVAL 1 \
	base="$W0,0xfffffffffffff000" length=4K,8K

# x86 says how many bits its CPU has. Elsewhere (arm64) the limit is
# MAX_PHYSMEM_BITS, at most 52 on any 64-bit architecture Linux has: 2^62
# is beyond it everywhere.
bits=$(awk '/^address sizes/ { print $4; exit }' /proc/cpuinfo)
if [ -z "$bits" ] || [ "$bits" -ge 63 ]; then
	ktap_print_msg "no physical address size in /proc/cpuinfo; trying 2^62"
	bits=62
fi
bad_load "beyond the physical address range" EINVAL 1 \
	base="$W0,$(hex $((1 << bits)))" length=4K,4K

# A page well inside some System RAM range.
ram=""
# shellcheck disable=SC2013 # one range per line, no spaces
for range in $(awk '/ : System RAM$/ { print $1 }' /proc/iomem); do
	start=$(((0x${range%-*} + 0xfff) & ~0xfff))
	end=$((0x${range#*-}))
	if [ $((start + 0x2000 - 1)) -le "$end" ]; then
		ram=$(hex $((start + 0x1000)))
		break
	fi
done
if [ -n "$ram" ]; then
	bad_load "System RAM" EINVAL 1 base="$W0,$ram" length=4K,4K
else
	ktap_print_msg "no System RAM range in /proc/iomem"
	ktap_test_skip "System RAM"
fi

bad_load "windows overlap" EBUSY 1 \
	base="$W0,$(hex $((R + 0x1000)))" length=8K,4K

# A range a driver holds: the IOAPIC or HPET on x86, the PL011 UART that
# amba-pl011 claims on arm64's virt machine.
busy=$(awk '/ : (IOAPIC|HPET) [0-9]+$/ || /^  [0-9a-f]+-[0-9a-f]+ : [0-9a-f]+\.pl011/ {
	print $1; exit }' /proc/iomem)
if [ -n "$busy" ]; then
	ktap_print_msg "busy resource: $(grep -m1 "^ *$busy " /proc/iomem)"
	bad_load "busy resource" EBUSY 1 \
		base="$W0,$(hex $((0x${busy%-*} & ~0xfff)))" length=4K,4K
else
	ktap_print_msg "no IOAPIC, HPET or PL011 in /proc/iomem"
	ktap_test_skip "busy resource"
fi

# A tracer ("perf record -e physwin:physwin_fault") racing loads that fail
# late, in the last of eight windows: the trace event is there from when
# the module comes, before its init runs. Attaching must be refused until
# a load has succeeded. A tracer that got in would hold the module while
# the failing init returns: the load would wait for it for as long as it
# runs, or the loader would free the module and its tracepoint under it.
desc="a tracer attaching during a failing load is refused"
if [ -n "$busy" ] && [ -x "$DIR/physwin_trace_hold" ]; then
	unload
	mark "$desc"
	bases=""
	for i in 0 1 2 3 4 5 6; do
		bases="$bases$(hex $((R + i * 0x10000))),"
	done
	set -- base="$bases$(hex $((0x${busy%-*} & ~0xfff)))" \
		length=4K,4K,4K,4K,4K,4K,4K,4K
	pat_before=$(pat_lines "$@")
	refused=0
	for round in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		if [ "$loader" = modprobe ]; then
			out=$("$DIR/physwin_trace_hold" 2000 modprobe physwin "$@" 2>&1)
		else
			out=$("$DIR/physwin_trace_hold" 2000 insmod "$ko" "$@" 2>&1)
		fi
		case $out in
		*"attached=0 "*"status=0"*) problem "round $round: the load worked: $out" ;;
		*"attached=0 "*) ;;
		*) problem "round $round: a tracer attached while the load ran, and held it: $out" ;;
		esac
		[ -z "$problems" ] || break
		n=${out#*refused=}
		refused=$((refused + ${n%% *}))
	done
	check_nothing_left "$@"
	ktap_print_msg "$round loads, $refused attaches refused during them"
	if [ -z "$problems" ] && [ "$refused" = 0 ]; then
		ktap_test_skip "$desc: the tracer never reached the event during a load"
	else
		result "$desc"
	fi
else
	ktap_test_skip "$desc: no busy resource or no physwin_trace_hold"
fi

bad_load "unknown cache mode" EINVAL 1 \
	base="$W0,$W1" length=4K,4K cache=uc,foo

nine=""
for i in 0 1 2 3 4 5 6 7 8; do
	nine="$nine${nine:+,}$(hex $((R + i * 0x1000)))"
done
bad_load "more than 8 windows" EINVAL - \
	base="$nine" length=4K,4K,4K,4K,4K,4K,4K,4K,4K

# Decimal base, suffixed length, default cache mode and fault_around.
desc="one window, decimal base, length=16M"
good_load "$desc" base="$R" length=16M
check_window 0 "$R" $((16 << 20)) uc
[ -e /dev/physwin1 ] && problem "/dev/physwin1 exists"
read -r around <"$PARAMS/fault_around"
[ "$around" = auto ] || problem "fault_around is $around by default, not auto"
good_unload "$desc"

desc="three windows uc,wc,wb"
good_load "$desc" base="$W0,$(hex $((R + 0x400000))),$(hex $((R + 0x800000)))" \
	length=4M,0x400000,4096K cache=uc,wc,wb
check_window 0 "$R" 0x400000 uc
check_window 1 $((R + 0x400000)) 0x400000 wc
check_window 2 $((R + 0x800000)) 0x400000 wb
good_unload "$desc"

desc="fewer cache modes than windows"
good_load "$desc" base="$W0,$W1" length=4K,8K cache=wc
check_window 0 "$R" 0x1000 wc
check_window 1 $((R + (1 << 20))) 0x2000 uc
good_unload "$desc"

desc="eight windows"
eight=""
for i in 0 1 2 3 4 5 6 7; do
	eight="$eight${eight:+,}$(hex $((R + i * 0x10000)))"
done
good_load "$desc" base="$eight" length=64K,64K,64K,64K,64K,64K,64K,64K
for i in 0 1 2 3 4 5 6 7; do
	check_window $i $((R + i * 0x10000)) 0x10000 uc
done
good_unload "$desc"

restore_module

ktap_finished
