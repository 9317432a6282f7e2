# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Shared by the physwin selftests written in shell (sourced, not run):
# KTAP output, problem lists, finding and reloading the module, and the
# MTRR lookup that decides what PAT grants a cache=wb window.
#
# The sourcing script sets DIR to its own directory first.

# shellcheck disable=SC2034 # for the sourcing scripts
PARAMS=/sys/module/physwin/parameters
# shellcheck disable=SC2034
PAT=/sys/kernel/debug/x86/pat_memtype_list

# The kernel's KTAP helpers, from the kselftest tree this directory is in
# (an install tree, or a kernel tree's tools/testing/selftests), or from
# KSFT_DIR when run out of a tree with "make KSFT_DIR=... run_tests".
# shellcheck source=/dev/null
. "${KSFT_DIR:-$DIR/../..}/kselftest/ktap_helpers.sh"

hex() {
	printf '0x%x' "$1"
}

# set_param NAME VALUE: fails (quietly) where the kernel refuses it.
set_param() {
	{ echo "$2" >"$PARAMS/$1"; } 2>/dev/null
}

# The lines scripts/guest/bench and bench-bar print for scripts/bench-report.
info() {
	echo "INFO $*"
}

fail() {
	echo "physwin-bench: $*" >&2
	exit 1
}

skip_all() {
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

# Accumulates what went wrong in the current test, one line each.
problems=""
problem() {
	problems="$problems$*
"
}

# result DESC: the current test passes if nothing went wrong, else fails
# with a diagnostic line per problem.
result() {
	if [ -z "$problems" ]; then
		ktap_test_pass "$1"
	else
		printf '%s' "$problems" | while IFS= read -r line; do
			ktap_print_msg "$1: $line"
		done
		ktap_test_fail "$1"
	fi
	problems=""
}

# check DESC COMMAND...: a test that passes when COMMAND succeeds and
# nothing went wrong before it.
check() {
	desc=$1
	shift
	"$@" || problem "failed"
	result "$desc"
}

# ktap_done: the end of a run that numbers its tests as they come
# (scripts/guest/): the totals, and exit 0 when none failed.
ktap_done() {
	ktap_print_totals
	exit $((KTAP_CNT_FAIL != 0))
}

# need_region ALIGN: PHYSWIN_REGION ("<base>:<size>") names the reserved
# physical range the test may put windows in; set R (its base) and RS
# (its size), or skip the whole test unless it is 16M or more with a base
# aligned to ALIGN bytes.
need_region() {
	case $PHYSWIN_REGION in
	[0-9]*:[0-9]*) ;;
	*) skip_all "PHYSWIN_REGION=<base>:<size> of a reserved physical range not set" ;;
	esac
	R=$((${PHYSWIN_REGION%%:*}))
	RS=$((${PHYSWIN_REGION#*:}))
	if [ "$RS" -lt $((16 << 20)) ] || [ $((R & ($1 - 1))) != 0 ]; then
		skip_all "PHYSWIN_REGION=$PHYSWIN_REGION: need 16M or more, aligned to $1"
	fi
}

# ---------------------------------------------------------------------------
# The module

# find_module: sets ko (the physwin.ko to load) and loader (modprobe or
# insmod), or skips the whole test. PHYSWIN_KO names a module file;
# without it the installed module is used.
find_module() {
	if [ -n "$PHYSWIN_KO" ]; then
		ko=$PHYSWIN_KO
		loader=insmod
		[ -r "$ko" ] || skip_all "PHYSWIN_KO=$ko not readable"
		return
	fi
	ko=$(modinfo -n physwin 2>/dev/null)
	if [ -z "$ko" ] || [ ! -r "$ko" ]; then
		skip_all "physwin.ko is not installed (depmod) and PHYSWIN_KO is not set"
	fi
	loader=insmod
	if command -v modprobe >/dev/null; then
		loader=modprobe
	fi
}

load_err=""

# load PARAM...: load physwin; its error output is left in $load_err.
load() {
	if [ "$loader" = modprobe ]; then
		load_err=$(modprobe physwin "$@" 2>&1 >/dev/null)
	else
		load_err=$(insmod "$ko" "$@" 2>&1 >/dev/null)
	fi
}

unload() {
	[ -d /sys/module/physwin ] || return 0
	rmmod physwin 2>/dev/null
}

# tohex V [DIGITS]: HEX is V in lower-case hex, zero-padded, no prefix.
tohex() {
	_v=$1 HEX=''
	while [ "$_v" -gt 0 ] || [ -z "$HEX" ]; do
		_d=$((_v & 15))
		case $_d in
		10) _d=a ;; 11) _d=b ;; 12) _d=c ;; 13) _d=d ;; 14) _d=e ;; 15) _d=f ;;
		esac
		HEX=$_d$HEX
		_v=$((_v >> 4))
	done
	while [ "${#HEX}" -lt "${2:-0}" ]; do
		HEX=0$HEX
	done
}

# slurp FILE: SLURP is its text, one line per line.
slurp() {
	SLURP=
	[ -r "$1" ] || return 0
	while IFS= read -r l; do
		SLURP="$SLURP$l
"
	done <"$1"
}

# check_window N BASE SIZE CACHE: record in $problems how window N differs
# from BASE, SIZE and CACHE in sysfs, /proc/iomem and (x86) PAT's list.
# Without a fork, for physwin_fuzz_load.sh's thousands of windows.
check_window() {
	d=/sys/class/misc/physwin$1

	[ -c "/dev/physwin$1" ] || problem "/dev/physwin$1 is not a char device"
	tohex "$2"
	for a in "base 0x$HEX" "size $(($3))" "cache $4" "mappings 0" "faults 0" "fault_pages 0"; do
		got=
		read -r got <"$d/${a% *}"
		[ "$got" = "${a#* }" ] || problem "physwin$1 ${a% *} is $got, not ${a#* }"
	done
	tohex "$2" 8
	line=$HEX
	tohex $(($2 + $3 - 1)) 8
	line="$line-$HEX : physwin$1"
	slurp /proc/iomem
	case $SLURP in
	*"$line"*) ;;
	*) problem "no \"$line\" in /proc/iomem" ;;
	esac

	[ -r "$PAT" ] || return 0
	tohex "$2" 16
	range="[mem 0x$HEX"
	tohex $(($2 + $3)) 16
	range="$range-0x$HEX]"
	case $4 in
	uc) ptype=uncached-minus ;;
	wc) ptype=write-combining ;;
	*) ptype=write-back ;;
	esac
	slurp "$PAT"
	case $SLURP in
	*"$range $ptype"*) ;;
	*"$range uncached-minus"*)
		# PAT grants WB only where the MTRRs make the range write-back.
		if [ "$ptype" != write-back ] || mtrr_write_back "$2" "$3"; then
			problem "PAT has $range uncached-minus, not $ptype"
		fi ;;
	*) problem "no \"PAT: $range $ptype\" in $PAT" ;;
	esac
}

# mark NAME: a marker in the kernel log before a test, so that only what
# the test caused is looked at (the sourcing script sets RUN_ID).
mark() {
	echo "$RUN_ID: test $KTAP_TESTNO: $1" >/dev/kmsg
}

# save_module: remember the windows physwin runs with (in $saved) and
# unload it, or skip the whole test if it is in use.
saved=""
save_module() {
	[ -d /sys/module/physwin ] || return 0
	saved="base=$(cat $PARAMS/base) length=$(cat $PARAMS/length)"
	c=$(cat $PARAMS/cache)
	[ -n "$c" ] && saved="$saved cache=$c"
	unload || skip_all "physwin is in use and cannot be unloaded"
}

# restore_module: the last test of the plan, reloading what save_module
# found (a skip if there was nothing).
restore_module() {
	if [ -z "$saved" ]; then
		ktap_test_skip "restore: physwin was not loaded before"
		return
	fi
	problems=""
	unload
	# shellcheck disable=SC2086 # the saved parameters, one per word
	load $saved || problem "reload with $saved failed: $load_err"
	if [ -z "$problems" ]; then
		ktap_test_pass "restore: $saved"
	else
		ktap_print_msg "$problems"
		ktap_test_fail "restore: $saved"
	fi
	problems=""
}

# module_gone [PREFIX]: record in $problems any module, device node,
# /proc/iomem claim or (x86) PAT memtype inside PHYSWIN_REGION that physwin
# left in the system, each line after PREFIX.
module_gone() {
	[ -d /sys/module/physwin ] && problem "${1}module is loaded"
	for d in /dev/physwin*; do
		[ -e "$d" ] && problem "${1}$d exists"
	done
	claims=$(grep physwin /proc/iomem)
	[ -n "$claims" ] &&
		problem "${1}left in /proc/iomem: $(echo "$claims" | tr '\n' ' ')"
	[ -n "$PHYSWIN_REGION" ] && [ -r "$PAT" ] || return 0
	# "PAT: [mem 0x0000000060000000-0x0000000062000000] write-combining"
	rbase=$((${PHYSWIN_REGION%%:*}))
	rend=$((rbase + ${PHYSWIN_REGION#*:}))
	types=$(grep '^PAT: \[mem ' "$PAT" | while read -r _ _ range type; do
		start=$((${range%%-*}))
		[ "$start" -lt "$rbase" ] || [ "$start" -ge "$rend" ] ||
			echo "$range $type"
	done)
	[ -z "$types" ] ||
		problem "${1}PAT memtypes left: $(echo "$types" | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------
# Memory types

# mtrr_write_back BASE SIZE: whether the MTRRs make the range write-back.
# PAT grants a WB request only there and reserves UC- elsewhere
# (pat_x_mtrr_type()); /proc/mtrr is unreadable when the firmware left
# the MTRRs disabled (QEMU's qboot does).
mtrr_write_back() {
	regs=$(sed -n 's/^reg[0-9]*: base=\(0x[0-9a-f]*\) .*size= *\([0-9]*\)\([MK]\)B, count=[0-9]*: \(.*\)$/\1 \2 \3 \4/p' \
		/proc/mtrr 2>/dev/null)
	[ -n "$regs" ] || return 1
	wb=0 uc=0
	while read -r rbase rsize unit type; do
		if [ "$unit" = M ]; then
			rsize=$((rsize << 20))
		else
			rsize=$((rsize << 10))
		fi
		if [ "$type" = write-back ] && [ $((rbase)) -le $(($1)) ] &&
		   [ $(($1 + $2)) -le $((rbase + rsize)) ]; then
			wb=1
		fi
		if [ "$type" = uncachable ] && [ $((rbase)) -lt $(($1 + $2)) ] &&
		   [ $(($1)) -lt $((rbase + rsize)) ]; then
			uc=1
		fi
	done <<EOF
$regs
EOF
	[ "$wb" = 1 ] && [ "$uc" = 0 ]
}

# pat_type CACHE: the PAT memtype name a window of that cache mode gets.
pat_type() {
	case $1 in
	uc) echo uncached-minus ;;
	wc) echo write-combining ;;
	wb) echo write-back ;;
	esac
}
