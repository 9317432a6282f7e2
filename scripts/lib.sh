# SPDX-License-Identifier: GPL-2.0
#
# Helpers sourced by the physwin scripts. Not executable on its own.
# shellcheck shell=bash disable=SC2034 # variables for the scripts sourcing it

msg() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

die() {
	msg "$*"
	exit 1
}

# physwin_usage FIRST,LAST [STATUS]: the usage in lines FIRST to LAST of
# the script's header comment, to stdout for STATUS 0, else to stderr.
physwin_usage() {
	[ "${2:-1}" = 0 ] || exec >&2
	sed -n "$1s/^# \{0,1\}//p" "$0"
	exit "${2:-1}"
}

# The kernels come from the inventory of scripts/kernels, never named here:
# Debian bumps the ABI with every point release, and lines come and go.
# Every kernel of the inventory is built; a job boots those its list names
# as ARCH/FLAVOUR/LINE, where the line "newest" is the archive's newest for
# that architecture and flavour.
PHYSWIN_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PHYSWIN_RUNTIME="amd64/generic/6.1 amd64/generic/6.12 amd64/generic/newest amd64/rt/6.12 arm64/generic/6.12 arm64/generic/newest"
PHYSWIN_BENCH_RUNTIME="amd64/generic/6.1 amd64/generic/6.12 amd64/generic/newest"
PHYSWIN_DEMO_RUNTIME="amd64/generic/6.1"
PHYSWIN_DEB_RUNTIME="amd64/generic/6.1 amd64/generic/6.12 amd64/generic/newest"

# physwin_kernels SPEC: the releases of the inventory that SPEC (words as
# in PHYSWIN_RUNTIME, or "all") picks, one a line, oldest line first.
# PHYSWIN_KERNELS (releases, lines such as 6.12, or lines and flavours
# such as 6.12-rt, as scripts/kernels takes them) overrides SPEC: then
# every kernel it names is picked.
physwin_kernels() {
	local spec=$1

	[ -z "${PHYSWIN_KERNELS:-}" ] || spec=all
	"$PHYSWIN_SCRIPTS/kernels" list | awk -v spec="$spec" '
	{
		split($1, v, /[.+-]/)
		n++; rel[n] = $1; af[n] = $2 "/" $3; line[n] = v[1] "." v[2]
		o = v[1] * 1000 + v[2]
		if (o > top[af[n]]) { top[af[n]] = o; newest[af[n]] = line[n] }
	}
	END {
		k = split(spec, w, " ")
		for (i = 1; i <= k; i++)
			want[w[i]] = 1
		for (i = 1; i <= n; i++)
			if (spec == "all" || want[af[i] "/" line[i]] ||
			    (want[af[i] "/newest"] && line[i] == newest[af[i]]))
				print rel[i]
	}'
}

# physwin_kernel_info RELEASE: "ARCH FLAVOUR HEADERS IMAGE" from the
# inventory (HEADERS and IMAGE are "-" until fetched).
physwin_kernel_info() {
	PHYSWIN_KERNELS=$1 "$PHYSWIN_SCRIPTS/kernels" list |
		awk -v r="$1" '$1 == r { print $2, $3, $5, $6; f = 1 } END { exit !f }'
}

# physwin_host_libs BIN...: the shared libraries the host's BINs load, and
# the dynamic loader, one path a line.
physwin_host_libs() {
	local bin

	for bin in "$@"; do
		ldd "$bin" 2>/dev/null || true
	done | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		sort -u
}

# physwin_guest_output LOG: what the guest printed in a vm-run log, less
# the kernel log dump that vm-run judges, and without carriage returns.
physwin_guest_output() {
	sed -e '/PHYSWIN-VM-DMESG-BEGIN/,/PHYSWIN-VM-DMESG-END/d' "$1" | tr -d '\r'
}

# physwin_kernel_log_clean RC CONSOLE: whether the vm-run that exited RC
# left a clean kernel log (0 and 1 do: 1 is the command failing); if not,
# why, as KTAP diagnostics.
physwin_kernel_log_clean() {
	case $1 in
	0|1) return 0 ;;
	2) physwin_kernel_complaints "$2" | head -n 20 | sed 's/^/# /' ;;
	*) echo "# the VM did not finish (vm-run exit ${1:-?})" ;;
	esac
	echo "# full console log: $2"
	return 1
}

# physwin_vm_why RC LOG: why a vm-run that exited RC (with its output in
# LOG) failed, as it said it; nothing when it passed.
physwin_vm_why() {
	local why

	[ "$1" = 0 ] && return
	why=$(sed -n 's/^vm-run: FAIL ([^)]*): \(.*\); log: .*/\1/p' "$2" | tail -n 1)
	echo "${why:-vm-run exited $1}"
}

# physwin_clean_build COMMAND...: run a build, show its output, and
# succeed when it succeeded and said nothing of note: no warning or error
# from gcc, nothing from sparse. The BTF line is Debian's headers saying
# they ship no vmlinux.
physwin_clean_build() {
	local log rc

	log=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$log"
	[ $rc -eq 0 ] || return 1
	! printf '%s\n' "$log" | grep -v 'Skipping BTF generation' |
		grep -qE 'warning:|error:|sparse:'
}

# KTAP (Documentation/dev-tools/ktap.rst), the one writer of the host
# scripts: ktap_header first, then results numbered as they come (nothing
# is planned), ktap_finish last. ktap_subtest puts a whole KTAP document,
# a guest's or a suite's, indented under one parent line. The last line,
# "N passed, N failed", counts the leaves of the whole tree (ktap_count).
KTAP_N=0 KTAP_PASS=0 KTAP_FAIL=0 KTAP_SKIP=0

ktap_header() {
	echo "KTAP version 1"
}

# ktap_count: "PASSED FAILED SKIPPED" of the KTAP on stdin (ended by
# ktap_close), any depth. A leaf is a result with nothing under it, or a
# test case a kselftest program printed under the runner's line ("# ok 3
# name"). A parent that failed with no failed leaf under it (a crash, a
# timeout) is one failure.
ktap_count() {
	awk '
	function count(r) {
		if (r ~ / # SKIP/) k++; else if (r ~ /^not ok/) f++; else p++
	}
	{ sub(/\r$/, ""); match($0, /^ */); d = RLENGTH; r = substr($0, d + 1) }
	r ~ /^K?TAP version / { mark[d] = n; fmark[d] = f }
	r ~ /^# (not )?ok [0-9]+ / { n++; count(substr(r, 3)) }
	r ~ /^(not )?ok [0-9]+ / {
		if (n == mark[d] + 0) { n++; count(r) }
		else if (r ~ /^not ok/ && f == fmark[d] + 0) f++
		mark[d] = n; fmark[d] = f
	}
	END { print p + 0, f + 0, k + 0 }'
}

# ktap_line STATUS NAME [WHY]: the next result line of a level whose last
# number was KTAP_N: ok when STATUS is 0, else not ok; WHY after a "#".
ktap_line() {
	local r=ok

	[ "$1" = 0 ] || r="not ok"
	KTAP_N=$((KTAP_N + 1))
	echo "$r $KTAP_N $2${3:+ # $3}"
}

# ktap_result STATUS NAME [WHY]: a leaf.
ktap_result() {
	ktap_line "$@"
	if [ "$1" = 0 ]; then
		KTAP_PASS=$((KTAP_PASS + 1))
	else
		KTAP_FAIL=$((KTAP_FAIL + 1))
	fi
}

# ktap_step NAME LOG COMMAND...: the result of a command; its log is shown,
# as KTAP diagnostics, only when it fails.
ktap_step() {
	local name=$1 log=$2 rc

	shift 2
	"$@" >"$log" 2>&1 && rc=0 || rc=$?
	[ "$rc" = 0 ] || sed 's/^/# /' "$log"
	ktap_result "$rc" "$name"
}

# ktap_close FILE: end what a KTAP document in FILE left unfinished, as a
# run that stopped in the middle does: each result a level planned and did
# not print, as a failure where the level ends, and a failing parent line
# for each level still open at the end.
ktap_close() {
	awk '
	function pad(d,  s) { s = ""; while (d-- > 0) s = s " "; return s }
	function close_below(d, end,  e, m, k) {
		for (;;) {
			m = -1
			for (e in open) if (e + 0 > d && e + 0 > m) m = e + 0
			if (m < 0) return
			for (k = got[m] + 1; k <= plan[m]; k++)
				print pad(m) "not ok " k " missing # the output stopped"
			delete open[m]
			if (end && m > 0)
				print pad(m - 2) "not ok " ++got[m - 2] " the output stopped here"
		}
	}
	{ l = $0; sub(/\r$/, "", l); match(l, /^ */); d = RLENGTH; r = substr(l, d + 1) }
	r ~ /^K?TAP version / { close_below(d - 1, 0); open[d] = 1; got[d] = plan[d] = 0 }
	r ~ /^1\.\.[0-9]+/ { plan[d] = substr(r, 4) + 0 }
	r ~ /^(not )?ok [0-9]+ / { close_below(d, 0); got[d]++ }
	{ print }
	END { close_below(-1, 1) }' "$1" >"$1.closed" && mv "$1.closed" "$1"
}

# ktap_append FILE STATUS NAME [WHY]: add a result to the KTAP document in
# FILE, numbered after the results at its top level.
ktap_append() {
	local file=$1 KTAP_N

	shift
	ktap_close "$file"
	KTAP_N=$(grep -cE '^(not )?ok [0-9]+ ' "$file" || true)
	ktap_line "$@" >>"$file"
}

# ktap_subtest NAME FILE [WHY]: the KTAP document in FILE as the subtest
# NAME: its lines indented, less its own version line, and the parent
# line, which fails when a leaf under it does or when WHY is given.
ktap_subtest() {
	local name=$1 file=$2 why=${3:-} st=0 p f s

	ktap_close "$file"
	read -r p f s < <(ktap_count <"$file")
	[ "$f" = 0 ] && [ -z "$why" ] || st=1
	[ "$st" = 0 ] || [ "$f" != 0 ] || f=1
	KTAP_PASS=$((KTAP_PASS + p)) KTAP_FAIL=$((KTAP_FAIL + f))
	KTAP_SKIP=$((KTAP_SKIP + s))
	printf '  KTAP version 1\n  # Subtest: %s\n' "$name"
	tr -d '\r' <"$file" | awk '!done && /^K?TAP version / { done = 1; next }
		{ print "  " $0 }'
	ktap_line "$st" "$name" "${why:+$why; }$p passed, $f failed, $s skipped"
}

# The last line, "N passed, N failed", and the exit status.
ktap_finish() {
	echo "# Totals: pass:$KTAP_PASS fail:$KTAP_FAIL skip:$KTAP_SKIP"
	echo "$KTAP_PASS passed, $KTAP_FAIL failed"
	[ "$KTAP_FAIL" -eq 0 ]
}

# The one place that decides whether a kernel log is clean: everything the
# kernel prints when something went wrong. Most reports (KASAN, lockdep's
# circular locking, inconsistent lock state and suspicious RCU usage,
# DEBUG_VM's bad page state, sleeping in atomic context) start with "BUG:"
# or "WARNING:"; the rest are the lockdep, debugobjects and SLUB reports
# that do not, and lockdep turning itself off, which would hide the next.
PHYSWIN_BAD_KERNEL_LOG='BUG:|WARNING:|Oops|general protection fault|Kernel panic|kernel BUG|UBSAN:|KASAN:|refcount_t:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|trying to register non-static key|turning off the locking correctness validator|ODEBUG:|BUG [^ ]+ \((Not t|T)ainted|page dumped because|bad (pte|pmd|pud|p4d|pgd) |INFO: task .* blocked|rcu: INFO|detected stalls? on|leaked out|soft lockup|hard LOCKUP|hung_task|[Bb]ad page|list_(add|del) corruption|Call Trace:|kmemleak: .*suspected memory leak|unreferenced object 0x'

# physwin_kernel_complaints [FILE]: the lines of a kernel log (FILE, or
# the standard input) that PHYSWIN_BAD_KERNEL_LOG calls a problem. One
# report is expected where physwin_failinject.sh makes allocations of a
# page fault fail on purpose, and only there: the kernel turns a failed
# page-table allocation into VM_FAULT_OOM, and where no OOM kill is under
# way, as none is for an injected failure, the #PF handler says "Huh
# VM_FAULT_OOM leaked out" and retries. The test brackets those walks with
# the two lines below in the kernel log; such a report between the two
# lines of one run is left out, anywhere else it stands, and so does one
# in a bracket that was never closed (physwin_race.c looks for it too).
physwin_kernel_complaints() {
	awk '
	function flush() { printf "%s", held; held = ""; pid = "" }
	match($0, /physwin_failinject\[[0-9]+\]: page faults may fail from here/) {
		flush(); pid = substr($0, RSTART, index(substr($0, RSTART), "]"))
		next
	}
	pid != "" && index($0, pid ": page faults no longer fail") { held = ""; pid = ""; next }
	pid != "" && /Huh VM_FAULT_OOM leaked out to the #PF handler/ { held = held $0 "\n"; next }
	/PHYSWIN-VM-DMESG-BEGIN/ { flush() }
	{ print }
	END { flush() }' "$@" | grep -E -- "$PHYSWIN_BAD_KERNEL_LOG"
}

# The test VM, physwin_test_layout ARCH: PHYSWIN_TEST_MEM MiB of guest RAM,
# of which PHYSWIN_TEST_REGION (256 MiB, 2 MiB aligned, well clear of the
# kernel) is kept from the kernel by PHYSWIN_TEST_APPEND for windows. The
# kselftests get three windows there, one per caching mode
# (PHYSWIN_TEST_PARAMS): 64 MiB uc, so that the fault-around tests can
# touch 1% of 64 MiB, and 32 MiB wc and wb; the load-parameter test uses
# the whole region once they are gone.
# amd64: 2 GiB with memmap= at 1.5 GiB. arm64 has no memmap=: its virt
# machine's RAM starts at 1 GiB, so the guest gets 2.25 GiB and mem=2G
# keeps the kernel off the last 256 MiB, at 3 GiB.
physwin_test_layout() {
	local base

	case $1 in
	amd64) PHYSWIN_TEST_MEM=2048 base=0x60000000
	       PHYSWIN_TEST_APPEND="memmap=256M\$$base" ;;
	arm64) PHYSWIN_TEST_MEM=2304 base=0xc0000000 PHYSWIN_TEST_APPEND=mem=2G ;;
	*) die "no test layout for $1" ;;
	esac
	PHYSWIN_TEST_REGION=$base:0x10000000
	PHYSWIN_TEST_PARAMS="base=$base,$(printf '%#x,%#x' $((base + (64 << 20))) $((base + (96 << 20)))) length=64M,32M,32M cache=uc,wc,wb"
}
physwin_test_layout amd64

# The end-to-end PCI BAR test: QEMU's ivshmem-plain device (PCI 1af4:1110)
# puts a file of the host behind its BAR2 (the size of the file, a power
# of two). selftests/physwin_bar.sh finds it in the guest.
PHYSWIN_TEST_BAR_SIZE=16M
# The debug kernel's VM gets a BAR as large as a PUD entry on x86-64 (1
# GiB), for the caching of physwin_bar.sh's PUD entries. Its file stays
# sparse: no test header, so nothing writes to it.
PHYSWIN_TEST_PUD_BAR_SIZE=1G

# physwin_bar_args FILE SIZE: the vm-run arguments that attach it, one
# per line (QEMU doubles a comma to quote it).
physwin_bar_args() {
	printf '%s\n' --qemu-arg -object --qemu-arg \
		"memory-backend-file,id=physwin-bar,share=on,mem-path=${1//,/,,},size=$2" \
		--qemu-arg -device --qemu-arg ivshmem-plain,memdev=physwin-bar
}

# The kernel lines whose linux-source package provides checkpatch.pl,
# Coccinelle's scripts and the kselftest harness, and the debug kernel.
PHYSWIN_TOOLS_LINE=6.12
PHYSWIN_DEBUG_LINE=6.12

# Extract what we use from Debian's linux-source tarball, once per package
# version, under build/; print the directory: checkpatch, Coccinelle's
# scripts, and what "make -C tools/testing/selftests" needs (the top-level
# selftests Makefile includes scripts/subarch.include).
physwin_kernel_tools() {
	local top=linux-source-$PHYSWIN_TOOLS_LINE t=tools/testing/selftests
	local dir=build/linux-source-$PHYSWIN_TOOLS_LINE version key files

	files=(scripts/checkpatch.pl scripts/spelling.txt scripts/coccinelle
		scripts/const_structs.checkpatch scripts/subarch.include
		"$t"/{Makefile,lib.mk,kselftest_harness.h,kselftest.h,kselftest}
		"$t/run_kselftest.sh")
	version=$(dpkg-query -W -f '${Version}' "$top" 2>/dev/null) ||
		die "$top is not installed; run scripts/deps"
	# Keyed by what is extracted too, so that a longer list re-extracts.
	key=$({ echo "$version"; printf '%s\n' "${files[@]}"; } | sha256sum)
	if [ "$(cat "$dir/.key" 2>/dev/null)" != "$key" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -xf "/usr/src/$top.tar.xz" -C "$dir" --strip-components=1 \
			"${files[@]/#/$top/}" || die "cannot extract tools from $top"
		printf '%s\n' "$key" >"$dir/.key"
	fi
	printf '%s\n' "$PWD/$dir"
}

# physwin_payload_lib DIR: physwin_lib.sh for the guest scripts in DIR,
# where they source it (ksft/drivers/physwin/), with the kernel's
# ktap_helpers.sh where it looks for that.
physwin_payload_lib() {
	local tools

	tools=$(physwin_kernel_tools) || return 1
	mkdir -p "$1/ksft/kselftest" "$1/ksft/drivers/physwin"
	cp "$tools/tools/testing/selftests/kselftest/ktap_helpers.sh" "$1/ksft/kselftest/"
	cp "$PHYSWIN_SCRIPTS/../selftests/physwin_lib.sh" "$1/ksft/drivers/physwin/"
}

# physwin_module_src DIR: a fresh copy of the module's sources in DIR.
physwin_module_src() {
	rm -rf "$1"
	mkdir -p "$1"
	cp -r "$PHYSWIN_SCRIPTS"/../{Kbuild,driver,include} "$1/"
}

# physwin_build_module_in KDIR KVER [MAKE ARGS]: physwin.ko against the
# kernel build tree KDIR, in build/KVER, for a kernel not in the inventory
# (the debug kernel); "scripts/kernels build" does it for those that are.
physwin_build_module_in() {
	local kdir=$1 src=build/$2/src

	shift 2
	physwin_module_src "$src"
	make -C "$kdir" M="$PWD/$src" "$@" modules && cp "$src/physwin.ko" "${src%/src}/"
}

# physwin_copy_tree DEST: the source tree, as the work tree has it, into
# DEST: the files git tracks (less those deleted and not yet committed),
# or out of git everything but build/. A copy inside another repository
# (check-deb's, under build/) is out of git: git would answer for the
# repository around it.
physwin_copy_tree() {
	mkdir -p "$1"
	if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]; then
		git ls-files -z --cached | while IFS= read -r -d '' f; do
			[ ! -e "$f" ] || printf '%s\0' "$f"
		done | xargs -0 -r cp -P --parents -t "$1"
	else
		tar -C . --exclude=./build -cf - . | tar -C "$1" -xf -
	fi
}
