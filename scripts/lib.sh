# SPDX-License-Identifier: GPL-2.0
#
# Helpers sourced by the physwin scripts. Not executable on its own.
# shellcheck shell=bash

# Kernel lines physwin supports; one kernel of each is built and tested.
PHYSWIN_LINES="6.1 6.12"

msg() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

die() {
	msg "$*"
	exit 1
}

# "6.12.N+debX-amd64" -> "6.12", "6.1.0-N-amd64" -> "6.1".
physwin_kernel_line() {
	local kver=$1 major minor rest

	major=${kver%%.*}
	rest=${kver#*.}
	minor=${rest%%[!0-9]*}
	printf '%s.%s\n' "$major" "$minor"
}

# The newest installed kernel of each supported line that can be both
# booted (/boot/vmlinuz-*) and built against (/lib/modules/*/build), one
# per line. Releases are discovered, never named: Debian bumps the ABI
# with every point release. PHYSWIN_KERNELS overrides the discovery.
physwin_kernels() {
	local line img kver

	if [ -n "${PHYSWIN_KERNELS:-}" ]; then
		# shellcheck disable=SC2086 # a space-separated list
		printf '%s\n' $PHYSWIN_KERNELS
		return
	fi

	for line in $PHYSWIN_LINES; do
		for img in /boot/vmlinuz-*; do
			[ -e "$img" ] || continue
			kver=${img#/boot/vmlinuz-}
			# rt changes locking, cloud drops hardware options.
			case $kver in *-rt-*|*-cloud-*) continue ;; esac
			[ -d "/lib/modules/$kver/build" ] || continue
			[ "$(physwin_kernel_line "$kver")" = "$line" ] || continue
			printf '%s\n' "$kver"
		done | sort -V | tail -n 1
	done
}

# Minimal KTAP producer (Documentation/dev-tools/ktap.rst) for the
# shell-level tests; ktap_plan first, ktap_finish last.
KTAP_N=0
KTAP_FAIL=0

ktap_plan() {
	printf 'KTAP version 1\n1..%d\n' "$1"
}

ktap_ok() {
	KTAP_N=$((KTAP_N + 1))
	printf 'ok %d %s\n' "$KTAP_N" "$*"
}

ktap_not_ok() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_FAIL=$((KTAP_FAIL + 1))
	printf 'not ok %d %s\n' "$KTAP_N" "$*"
}

# ktap_skip NAME REASON
ktap_skip() {
	KTAP_N=$((KTAP_N + 1))
	printf 'ok %d %s # SKIP %s\n' "$KTAP_N" "$1" "${2:-}"
}

# Exit status for the whole run: 1 if any test failed.
ktap_finish() {
	printf '# totals: %d tests, %d failed\n' "$KTAP_N" "$KTAP_FAIL"
	[ "$KTAP_FAIL" -eq 0 ]
}

# The one place that decides whether a kernel log is clean: everything the
# kernel prints when something went wrong. Most reports (KASAN, lockdep's
# circular locking, inconsistent lock state and suspicious RCU usage,
# DEBUG_VM's bad page state, sleeping in atomic context) start with "BUG:"
# or "WARNING:"; the rest are the lockdep, debugobjects and SLUB reports
# that do not, and lockdep turning itself off, which would hide the next.
PHYSWIN_BAD_KERNEL_LOG='BUG:|WARNING:|Oops|general protection fault|Kernel panic|kernel BUG|UBSAN:|KASAN:|refcount_t:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|trying to register non-static key|turning off the locking correctness validator|ODEBUG:|BUG [^ ]+ \((Not t|T)ainted|page dumped because|bad (pte|pmd|pud|p4d|pgd) |INFO: task .* blocked|rcu: INFO|Call Trace:|kmemleak: .*suspected memory leak|unreferenced object 0x'

# The test VM: 2 GiB of guest RAM, of which 256 MiB at 1.5 GiB is reserved
# (2 MiB aligned, well clear of the kernel) for windows. The kselftests get
# three 32 MiB windows, one per caching mode, and leave the rest to the
# load-parameter test.
PHYSWIN_TEST_REGION=0x60000000:0x10000000
PHYSWIN_TEST_APPEND='memmap=256M$0x60000000'
PHYSWIN_TEST_PARAMS='base=0x60000000,0x62000000,0x64000000 length=32M,32M,32M cache=uc,wc,wb'

# The end-to-end PCI BAR test: QEMU's ivshmem-plain device (PCI 1af4:1110)
# puts a file of the host behind its BAR2 (the size of the file, a power
# of two). selftests/physwin_bar.sh finds it in the guest.
PHYSWIN_TEST_BAR_SIZE=16M

# physwin_bar_args FILE SIZE: the vm-run arguments that attach it, one
# per line (QEMU doubles a comma to quote it).
physwin_bar_args() {
	printf '%s\n' --qemu-arg -object --qemu-arg \
		"memory-backend-file,id=physwin-bar,share=on,mem-path=${1//,/,,},size=$2" \
		--qemu-arg -device --qemu-arg ivshmem-plain,memdev=physwin-bar
}

# The kernel line whose linux-source package provides checkpatch.pl and
# the kselftest harness.
PHYSWIN_TOOLS_LINE=6.12

# The kernel line whose linux-source package scripts/debug-kernel builds
# the debug kernel (KASAN, lockdep, kmemleak...) from.
PHYSWIN_DEBUG_LINE=6.12

# Extract what we use from Debian's linux-source tarball, once per package
# version, under build/; print the directory.
physwin_kernel_tools() {
	local tarball=/usr/src/linux-source-$PHYSWIN_TOOLS_LINE.tar.xz
	local top=linux-source-$PHYSWIN_TOOLS_LINE
	local dir=build/$top version

	local files=(
		scripts/checkpatch.pl scripts/spelling.txt
		scripts/const_structs.checkpatch
		tools/testing/selftests/lib.mk
		tools/testing/selftests/kselftest_harness.h
		tools/testing/selftests/kselftest.h
		tools/testing/selftests/kselftest
		tools/testing/selftests/run_kselftest.sh
	)
	local key

	version=$(dpkg-query -W -f '${Version}' "$top" 2>/dev/null) ||
		die "$top is not installed; run scripts/deps"
	# Keyed by what is extracted too, so that a longer list re-extracts.
	key=$({ echo "$version"; printf '%s\n' "${files[@]}"; } | sha256sum)
	if [ "$(cat "$dir/.key" 2>/dev/null)" != "$key" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -xf "$tarball" -C "$dir" --strip-components=1 \
			"${files[@]/#/$top/}" ||
			die "cannot extract tools from $tarball"
		printf '%s\n' "$key" >"$dir/.key"
	fi
	printf '%s\n' "$PWD/$dir"
}

# physwin_build_module KVER [MAKE ARGS]: build physwin.ko against KVER's
# headers from a copy of the sources in build/KVER/src (so that the work
# tree stays clean and kernels do not share objects); the module ends up in
# build/KVER/physwin.ko.
physwin_build_module() {
	physwin_build_module_in "/lib/modules/$1/build" "$@"
}

# physwin_build_module_in KDIR KVER [MAKE ARGS]: the same against the
# kernel build tree KDIR, for a kernel not installed in /lib/modules (the
# debug kernel of scripts/debug-kernel).
physwin_build_module_in() {
	local kdir=$1 kver=$2 src=build/$2/src

	shift 2
	rm -rf "$src"
	mkdir -p "$src"
	cp -r Kbuild driver "$src/"
	[ ! -d include ] || cp -r include "$src/"
	make -C "$kdir" M="$PWD/$src" "$@" modules &&
		cp "$src/physwin.ko" "build/$kver/physwin.ko"
}

# physwin_count_cases LOG: "PASSED FAILED SKIPPED" test cases in the output
# of run_kselftest.sh: the results the programs printed ("# ok 3 name",
# "# not ok 4 name", "# ok 5 name # SKIP") and, for a program that failed
# without reporting a failed case (a crash, a timeout), the program's own
# result line.
physwin_count_cases() {
	awk '
	/^# (not )?ok [0-9]+ / {
		if ($0 ~ /# SKIP/) s++; else if ($2 == "not") { f++; pf++ } else p++
		next
	}
	/^not ok [0-9]+ selftests: / { if (!pf) f++; pf = 0; next }
	/^ok [0-9]+ selftests: / { pf = 0; next }
	END { printf "%d %d %d\n", p, f, s }
	' "$1"
}

# physwin_build_selftests TOOLS: build the kselftests with the harness in
# TOOLS (from physwin_kernel_tools) and install them as a kselftest tree in
# build/ksft, the layout run_kselftest.sh expects: selftests/Makefile does
# out of tree what the kernel's top-level selftests Makefile does in one.
physwin_build_selftests() {
	local ksft=$1/tools/testing/selftests

	rm -rf build/ksft build/selftests
	mkdir -p build/selftests
	make -C selftests KSFT_DIR="$ksft" OUTPUT="$PWD/build/selftests" \
		install INSTALL_PATH="$PWD/build/ksft"
}
