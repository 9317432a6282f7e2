#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# physwin: end to end on a PCI BAR.
#
# Finds QEMU's ivshmem-plain device (PCI 1af4:1110), whose BAR2 is memory
# the host can see in a file, and loads physwin on that BAR twice, with
# cache=uc and with cache=wc. Each time physwin_bar_ops checks that the
# pattern the host put in the file reads back through mmap and pread,
# writes its own pattern through mmaps at several offsets (8- to 64-bit
# stores, memcpy), pwrite and write, and reads everything back. The host
# then checks the file byte for byte (scripts/check, with
# "physwin_bar_ops verify").
#
# Then once more with cache=wb, which PAT cannot grant where the MTRRs make
# the BAR uncached (SeaBIOS does for the 32-bit PCI hole): the memtype
# attribute must say what PAT really reserved, and the kernel log must
# carry a notice that it differs from the cache mode asked for. And
# where PAT makes a cache=wb BAR UC-, every user entry, PTE, PMD or PUD
# leaf, must be UC- too.
#
# Nothing is written to a BAR whose memory does not start with the header
# "physwin_bar_ops init" writes: on any other device the data passes skip.
#
# Environment:
#   PHYSWIN_KO  physwin.ko to insmod; by default the installed module.
#
# A physwin loaded before the test is unloaded first and reloaded with
# the same parameters at the end.

DIR=$(dirname "$0")
OPS=$DIR/physwin_bar_ops
# shellcheck source=physwin_lib.sh
. "$DIR/physwin_lib.sh"

# The first ivshmem-plain device: sets bdf, bar (BAR2's start) and size,
# and enabled_here if it had to enable the device.
enabled_here=
find_bar() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor" 2>/dev/null)" = 0x1af4 ] || continue
		[ "$(cat "$d/device" 2>/dev/null)" = 0x1110 ] || continue
		# Line 3 of "resource" is BAR2: start, end, flags.
		read -r s e _ <<EOF
$(sed -n 3p "$d/resource")
EOF
		if [ -z "$e" ] || [ $((s)) = 0 ]; then
			continue
		fi
		if [ -e "$d/driver" ]; then
			owner=$(basename "$(readlink "$d/driver")")
			ktap_print_msg "${d##*/}: driven by $owner, left alone"
			continue
		fi
		# Booted without firmware (arm64's -kernel), no one has
		# enabled the device, and its BAR decodes nothing until then.
		if [ "$(cat "$d/enable")" = 0 ]; then
			echo 1 >"$d/enable" || continue
			enabled_here=$d
		fi
		bdf=${d##*/}
		bar=$((s))
		size=$((e - s + 1))
		return 0
	done
	return 1
}

attr() {
	cat "/sys/class/misc/physwin0/$1" 2>&1
}

# The PAT memtype entry of the whole BAR, if any.
pat_line() {
	[ -r "$PAT" ] || return 0
	grep -F "PAT: [mem $(printf '0x%016x-0x%016x' "$bar" $((bar + size)))]" "$PAT"
}

# /proc/iomem: physwin0 claims exactly the BAR, inside the device's own
# resource.
iomem_claim() {
	grep -B1 "^ *$(printf '%08x-%08x' "$bar" $((bar + size - 1))) : physwin0\$" \
		/proc/iomem
}

load_bar() {
	cache=$1
	desc="load on $bdf BAR2 with cache=$cache"
	unload
	load base="$(printf '0x%x' "$bar")" length="$size" cache="$cache" ||
		problem "load failed: $load_err"
	if [ -z "$problems" ]; then
		[ "$(attr base)" = "$(printf '0x%x' "$bar")" ] ||
			problem "base is $(attr base)"
		[ "$(attr size)" = "$size" ] || problem "size is $(attr size)"
		[ "$(attr cache)" = "$cache" ] ||
			problem "cache is $(attr cache)"
		claim=$(iomem_claim)
		echo "$claim" | head -n 1 | grep -q ": $bdf\$" ||
			problem "no physwin0 claim inside $bdf in /proc/iomem: $claim"
		if [ -r "$PAT" ]; then
			pat_line | grep -q " $(pat_type "$cache")\$" ||
				problem "PAT memtype is \"$(pat_line)\", not $(pat_type "$cache")"
		fi
	fi
	result "$desc"
}

data_pass() {
	cache=$1
	desc="cache=$cache: host pattern reads back, guest writes read back"
	if [ ! -c /dev/physwin0 ]; then
		problem "not loaded"
		result "$desc"
		return
	fi
	"$OPS" guest /dev/physwin0 "$cache"
	rc=$?
	if [ $rc = "$KSFT_SKIP" ]; then
		ktap_test_skip "$desc"
		return
	fi
	[ $rc = 0 ] || problem "physwin_bar_ops guest failed (exit $rc)"
	[ "$(attr mappings)" = 0 ] ||
		problem "mappings is $(attr mappings) after the pass"
	[ "$(attr faults)" -gt 0 ] 2>/dev/null ||
		problem "faults is $(attr faults) after the pass"
	ktap_print_msg "cache=$cache: $(attr faults) faults"
	result "$desc"
}

# cache=wb on the BAR: sysfs memtype is the type PAT reserved, as its
# own list shows, UC- where the MTRRs leave the BAR uncached, and a
# notice says so when that is not write-back.
memtype_wb() {
	desc="cache=wb: memtype shows what PAT granted, with a notice"
	unload
	load base="$(printf '0x%x' "$bar")" length="$size" cache=wb ||
		problem "load failed: $load_err"
	if [ -z "$problems" ]; then
		got=$(attr memtype)
		[ "$(attr cache)" = wb ] || problem "cache is $(attr cache)"
		if [ -r "$PAT" ]; then
			want=$(pat_line | sed 's/.*] //')
			[ "$got" = "$want" ] ||
				problem "memtype is \"$got\", PAT reserved \"$want\""
		fi
		if ! mtrr_write_back "$bar" "$size" && [ -r /proc/mtrr ]; then
			[ "$got" = uncached-minus ] ||
				problem "memtype is \"$got\" under an uncached MTRR"
		fi
		if [ "$got" != write-back ]; then
			dmesg | tail -n 5 | grep -q "physwin0: .*cache=wb.*$got" ||
				problem "no notice of $got in the kernel log"
		fi
		ktap_print_msg "cache=wb: memtype $got"
	fi
	result "$desc"
}

# cache=wb on a BAR that PAT makes UC- (an uncached MTRR: SeaBIOS marks
# the 32-bit PCI hole so). Every user entry must then be UC- like the
# memtype: the PTEs and PMD leaves, whose memtype the kernel looks up, and
# the PUD leaves, which 6.12's vmf_insert_pfn_pud() takes from
# vm_page_prot as it is. ptdump shows them (x86 with CONFIG_PTDUMP_DEBUGFS);
# a PUD entry needs a CPU with 1 GiB pages and a BAR of that size at
# least, aligned to it (scripts/check gives the debug kernel's VM one).
# A mapping of the BAR by another user cannot stand in for the MTRR: the
# exclusive claim at load revokes it (IO_STRICT_DEVMEM), and its memtype
# reservation goes with it.
PTDUMP=/sys/kernel/debug/page_tables/current_kernel
entries_wb() {
	desc="cache=wb made UC- by PAT: PTE, PMD and PUD entries all get UC- (ptdump)"
	pud=$("$OPS" pud-size) || pud=
	why=
	if [ ! -r "$PTDUMP" ]; then
		why="no $PTDUMP (CONFIG_PTDUMP_DEBUGFS, x86)"
	elif ! grep -qw pdpe1gb /proc/cpuinfo; then
		why="the CPU has no 1 GiB pages"
	elif [ -z "$pud" ]; then
		why="the kernel maps no huge entries"
	elif [ "$size" -lt "$pud" ] || [ $((bar % pud)) != 0 ]; then
		why="BAR2 is not a whole PUD entry ($((pud >> 20)) MiB, aligned)"
	fi
	if [ -n "$why" ]; then
		ktap_test_skip "$desc: $why"
		return
	fi
	unload
	load base="$(printf '0x%x' "$bar")" length="$size" cache=wb ||
		problem "load failed: $load_err"
	if [ -z "$problems" ]; then
		got=$(attr memtype)
		huge=$(cat /sys/module/physwin/parameters/huge 2>/dev/null)
		if [ "$got" != uncached-minus ] || [ "$huge" != Y ]; then
			unload
			ktap_test_skip "$desc: memtype $got, huge=$huge: nothing to compare"
			return
		fi
		"$OPS" entries /dev/physwin0 ||
			problem "the user entries' caching is not the memtype's"
	fi
	unload
	module_gone ""
	[ -z "$(pat_line)" ] || problem "PAT memtype left: $(pat_line)"
	result "$desc"
}

unload_bar() {
	desc="cache=$1: unload leaves nothing behind"
	if [ -d /sys/module/physwin ]; then
		rmmod physwin || problem "rmmod failed"
	fi
	module_gone ""
	[ -z "$(pat_line)" ] || problem "PAT memtype left: $(pat_line)"
	result "$desc"
}

ktap_print_header

[ "$(id -u)" = 0 ] || skip_all "must be run as root"
[ -x "$OPS" ] || skip_all "$OPS not built"
find_bar || skip_all "no free ivshmem-plain device (PCI 1af4:1110) with BAR2 assigned"
find_module
save_module

ktap_set_plan 10
ktap_print_msg "$bdf BAR2 at $(printf '0x%x' "$bar"), $((size >> 20)) MiB, loading with $loader"
ktap_print_msg "/proc/iomem:$(grep ": $bdf\$" /proc/iomem | tr -s ' ' | tr '\n' ';')"

for cache in uc wc; do
	load_bar "$cache"
	data_pass "$cache"
	unload_bar "$cache"
done
memtype_wb
unload_bar wb
entries_wb
restore_module
[ -z "$enabled_here" ] || echo 0 >"$enabled_here/enable"

ktap_finished
