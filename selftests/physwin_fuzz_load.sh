#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# physwin: load-parameter fuzzing.
#
# Loads and unloads the module many times (200 by default) with random
# parameter sets, valid and invalid: 1 to 8 windows anywhere in the
# reserved region, in random order, adjacent or not, with random number
# styles (hex, decimal, octal, K/M/G suffixes) and cache modes; or with
# one or two defects from the list the documentation gives, in a random
# window: a base or length that is no number (junk, a bad or overflowing
# suffix, an empty entry), length 0, unaligned base or length, a range
# that wraps, lies beyond the CPU's physical address bits, in System RAM
# or across the region's edge into it, a busy resource, windows that
# overlap, an unknown cache mode, no base, count mismatches, more than 8
# entries in a list.
#
# The expected outcome of each set is worked out here, following the
# order in which the module checks (Documentation/physwin.rst): a valid
# set must load with every window's base, size, cache, device node,
# /proc/iomem claim and PAT memtype as given, and unload cleanly; an
# invalid one must fail with the documented errno (EINVAL, or EBUSY for
# overlaps and busy ranges), log the reason naming the first bad window,
# and leave nothing behind: no module, no /dev/physwin*, no physwin in
# /proc/iomem, no PAT memtype inside the region.
#
# Environment:
#   PHYSWIN_REGION      "<base>:<size>" of a reserved physical range the
#                       test may put windows in (e.g. 0x60000000:0x10000000
#                       for memmap=256M$0x60000000); the test skips without.
#   PHYSWIN_KO          physwin.ko to insmod; by default the installed one.
#   PHYSWIN_FUZZ_SEED   the random seed (default: from the clock); printed,
#                       so that a failing run can be repeated.
#   PHYSWIN_FUZZ_CYCLES the number of loads (default 200).
#
# A physwin loaded before the test is unloaded first and reloaded with the
# same parameters at the end.

# Per-window and per-category variables are set through eval.
# shellcheck disable=SC2154

DIR=$(dirname "$0")
# shellcheck source=physwin_lib.sh
. "$DIR/physwin_lib.sh"

# A diagnostic line; unlike ktap_print_msg, it leaves * and ? alone.
diag() {
	printf '# %s\n' "$*"
}

# Everything below runs hundreds of times: no command substitution, no
# external command but insmod, rmmod and dmesg, so that a cycle costs
# little more than the load itself under emulation. Results come back in
# global variables (RND, HEX, OCT, NUM, SLURP).

# ---------------------------------------------------------------------------
# Random numbers: xorshift32, seeded from PHYSWIN_FUZZ_SEED.

# rnd N: RND is a random number in [0, N), N > 0.
rnd() {
	rng=$((rng ^ ((rng << 13) & 0xffffffff)))
	rng=$((rng ^ (rng >> 17)))
	rng=$((rng ^ ((rng << 5) & 0xffffffff)))
	RND=$((rng % $1))
}

# pick WORD...: RND is one of the words.
pick() {
	rnd $#
	shift "$RND"
	RND=$1
}

# ---------------------------------------------------------------------------
# Numbers as text

# tooct V: OCT is V in octal, with the leading 0 of a C octal number.
tooct() {
	_v=$1 OCT=''
	while [ "$_v" -gt 0 ]; do
		OCT=$((_v & 7))$OCT
		_v=$((_v >> 3))
	done
	OCT=0$OCT
}

# upper S: UPPER is S with a-f in upper case.
upper() {
	_s=$1 UPPER=''
	while [ -n "$_s" ]; do
		_c=${_s%"${_s#?}"}
		_s=${_s#?}
		case $_c in
		a) _c=A ;; b) _c=B ;; c) _c=C ;; d) _c=D ;; e) _c=E ;; f) _c=F ;;
		esac
		UPPER=$UPPER$_c
	done
}

# fmtnum V: NUM is V written in one of the styles the module reads.
fmtnum() {
	rnd 8
	case $RND in
	0 | 1)
		tohex "$1"
		NUM=0x$HEX ;;
	2)
		tohex "$1"
		upper "$HEX"
		NUM=0X$UPPER ;;
	3)
		NUM=$(($1)) ;;
	4)
		tooct "$1"
		NUM=$OCT ;;
	*)
		# The largest suffix that divides V, the number in hex or
		# decimal, the suffix in either case.
		_sfx='' _sh=0
		if [ "$1" -gt 0 ]; then
			if [ $(($1 & 0x3fffffff)) = 0 ]; then
				pick G g
				_sfx=$RND _sh=30
			elif [ $(($1 & 0xfffff)) = 0 ]; then
				pick M m
				_sfx=$RND _sh=20
			elif [ $(($1 & 0x3ff)) = 0 ]; then
				pick K k
				_sfx=$RND _sh=10
			fi
		fi
		rnd 2
		if [ "$RND" = 0 ]; then
			NUM=$(($1 >> _sh))$_sfx
		else
			tohex $(($1 >> _sh))
			NUM=0x$HEX$_sfx
		fi ;;
	esac
}

# hex_var V: HEX is V as 0x and lower-case hex digits.
hex_var() {
	tohex "$1"
	HEX=0x$HEX
}

# ---------------------------------------------------------------------------
# Files, read with the shell's own read

# ---------------------------------------------------------------------------
# What the test checks

# check_generated_window N: window N is there as generated.
check_generated_window() {
	eval "check_window $1 \$bv_$1 \$lv_$1 \$cv_$1"
}


# ---------------------------------------------------------------------------
# Generating a parameter set

PAGE=4096

# Strings the module must not take for a number: junk, bad or doubled
# suffixes, a sign, a fraction, digits outside the base, values that
# overflow 64 bits with or without their suffix, an empty entry.
NOT_NUMBERS='zz 0x 0xg0000000 -4096 +-4096 1.5M 4KK K 4KB 1T 08 0o10 1e6 ten 0x400000000G 18014398509481984K 99999999999999999999 EMPTY'
BAD_CACHES='foo UC Wc WB u wbx none uc0 EMPTY'
ZEROS='0 0x0 00 0K 0m 0x0G'

# Defects of one window, and of the whole set.
WINDOW_DEFECTS='nan_base nan_length bad_cache length_0 unaligned_base unaligned_length wrap beyond ram straddle busy overlap'
SET_DEFECTS='no_base count_mismatch cache_count too_many'

# Windows are generated apart (pb_K, pl_K in address order), then given
# indexes in random order: bv_N, lv_N (numbers), bs_N, ls_N (text, if
# not the number), cv_N (cache mode), kind_N (defect or empty).
gen_layout() {
	cursor=$REG
	k=0
	while [ "$k" -lt "$n" ]; do
		# Pages this window may use, leaving as many to each other one.
		avail=$(((REG_END - cursor) / PAGE / (n - k)))
		rnd 4
		gap=0
		if [ "$RND" != 0 ]; then
			rnd $((avail / 4 + 1))
			gap=$RND
		fi
		room=$((avail - gap))
		rnd 10
		if [ "$RND" -lt 4 ]; then
			max=16
		elif [ "$RND" -lt 7 ]; then
			max=512
		else
			max=$room
		fi
		[ "$max" -gt "$room" ] && max=$room
		rnd "$max"
		start=$((cursor + gap * PAGE))
		len=$(((RND + 1) * PAGE))
		if [ "$k" = $((n - 1)) ]; then
			# Now and then the last one ends where the region does.
			rnd 3
			[ "$RND" = 0 ] && len=$((REG_END - start))
		fi
		eval "pb_$k=$start pl_$k=$len"
		cursor=$((start + len))
		k=$((k + 1))
	done

	# A random order: Fisher-Yates over 0..n-1.
	k=0
	while [ "$k" -lt "$n" ]; do
		eval "perm_$k=$k"
		k=$((k + 1))
	done
	k=$((n - 1))
	while [ "$k" -gt 0 ]; do
		rnd $((k + 1))
		eval "t=\$perm_$k; perm_$k=\$perm_$RND; perm_$RND=\$t"
		k=$((k - 1))
	done
	k=0
	while [ "$k" -lt "$n" ]; do
		eval "p=\$perm_$k"
		eval "bv_$k=\$pb_$p lv_$k=\$pl_$p bs_$k= ls_$k= kind_$k="
		pick uc wc wb
		eval "cv_$k=$RND"
		k=$((k + 1))
	done
}

# A random window index without a defect, in RND; or -1.
free_window() {
	rnd "$n"
	k=0
	while [ "$k" -lt "$n" ]; do
		i=$(((RND + k) % n))
		eval "kd=\$kind_$i"
		if [ -z "$kd" ]; then
			RND=$i
			return
		fi
		k=$((k + 1))
	done
	RND=-1
}

# add_defect KIND: give a free window that defect.
add_defect() {
	free_window
	w=$RND
	[ "$w" -ge 0 ] || return
	case $1 in
	overlap)
		# On top of some other window without a defect of its own (one
		# placed beyond the address range would drag this one there
		# too), still inside the region.
		[ "$n" -ge 2 ] || return
		rnd $((n - 1))
		k=0
		while [ "$k" -lt $((n - 1)) ]; do
			o=$(((w + 1 + (RND + k) % (n - 1)) % n))
			eval "okd=\$kind_$o"
			[ -z "$okd" ] && break
			k=$((k + 1))
		done
		[ "$k" -lt $((n - 1)) ] || return
		eval "ob=\$bv_$o ol=\$lv_$o l=\$lv_$w"
		rnd $((ol / PAGE))
		b=$((ob + RND * PAGE))
		[ $((b + l)) -gt "$REG_END" ] && l=$((REG_END - b))
		eval "bv_$w=$b lv_$w=$l" ;;
	nan_base)
		# shellcheck disable=SC2086 # a word list
		pick $NOT_NUMBERS
		[ "$RND" = EMPTY ] && RND=
		eval "bs_$w=\$RND" ;;
	nan_length)
		# shellcheck disable=SC2086 # a word list
		pick $NOT_NUMBERS
		[ "$RND" = EMPTY ] && RND=
		eval "ls_$w=\$RND" ;;
	bad_cache)
		# shellcheck disable=SC2086 # a word list
		pick $BAD_CACHES
		[ "$RND" = EMPTY ] && RND=
		eval "cv_$w=\$RND"
		[ "$nc" -le "$w" ] && nc=$((w + 1)) ;;
	length_0)
		# shellcheck disable=SC2086 # a word list
		pick $ZEROS
		eval "ls_$w=$RND" ;;
	unaligned_base)
		rnd $((PAGE - 1))
		eval "bv_$w=\$((bv_$w + 1 + RND))" ;;
	unaligned_length)
		rnd $((PAGE - 1))
		eval "lv_$w=\$((lv_$w + 1 + RND))" ;;
	wrap)
		rnd 4
		case $RND in
		0) b=0x3ffffffffG l=2G ;;
		1) b=0xffffffffffe00000 l=4M ;;
		2) b=0xfffffffffffff000 ;;
		3) b=18446744073709547520 ;;
		esac
		if [ "$RND" -ge 2 ]; then
			rnd 16
			fmtnum $(((RND + 2) * PAGE))
			l=$NUM
		fi
		eval "bs_$w=$b ls_$w=$l" ;;
	beyond)
		rnd 2
		if [ "$RND" = 0 ]; then
			rnd 4096
			b=$(((1 << BITS) + RND * PAGE))
			rnd 16
			l=$(((RND + 1) * PAGE))
		else
			# Starts below the limit and ends above it.
			rnd 16
			b=$(((1 << BITS) - (RND + 1) * PAGE))
			l=$(((RND + 2) * PAGE))
		fi
		eval "bv_$w=$b lv_$w=$l" ;;
	ram)
		rnd $(((RAM_END - RAM_START) / PAGE))
		b=$((RAM_START + RND * PAGE))
		rnd 64
		eval "bv_$w=$b lv_$w=$(((RND + 1) * PAGE))" ;;
	straddle)
		rnd 16
		k=$((RND + 1))
		rnd 16
		l=$(((k + RND + 1) * PAGE))
		# Out of the region's end, or into its start.
		b=$((REG_END - k * PAGE))
		if [ -z "$RAM_AFTER" ]; then
			b=$((REG - k * PAGE))
		elif [ -n "$RAM_BEFORE" ]; then
			rnd 2
			[ "$RND" = 0 ] && b=$((REG - k * PAGE))
		fi
		eval "bv_$w=$b lv_$w=$l" ;;
	busy)
		rnd 2
		eval "bv_$w=$BUSY lv_$w=$(((RND + 1) * PAGE))" ;;
	esac
	eval "kind_$w=$1"
}

# What the module must say to the set: EXP (ok, EINVAL or EBUSY) and
# MSG, a pattern for its log line, in the order the module checks.
expect() {
	EXP=EINVAL
	if [ -n "$too_many" ]; then
		MSG="*can only take 8 arguments*"
		return
	fi
	if [ -n "$no_base" ]; then
		MSG="*physwin: no window given*"
		return
	fi
	if [ "$nl" != "$n" ]; then
		MSG="*physwin: $n base addresses but $nl lengths*"
		return
	fi
	if [ "$nc" -gt "$n" ]; then
		MSG="*physwin: $nc cache modes for $n windows*"
		return
	fi
	i=0
	while [ "$i" -lt "$n" ]; do
		eval "kd=\$kind_$i"
		m="*physwin: window $i:"
		case $kd in
		nan_base)
			MSG="$m base \"*\" is not a number*" ;;
		nan_length)
			MSG="$m length \"*\" is not a number*" ;;
		bad_cache)
			MSG="$m unknown cache mode*" ;;
		length_0)
			MSG="$m length is 0*" ;;
		unaligned_base | unaligned_length)
			MSG="$m base * must both be multiples of the page size*" ;;
		wrap)
			MSG="$m base * wraps around the address space*" ;;
		beyond)
			MSG="$m * is beyond the CPU's $BITS-bit physical address space*" ;;
		ram | straddle)
			MSG="$m * intersects System RAM*" ;;
		*)
			MSG= ;;
		esac
		[ -n "$MSG" ] && return
		i=$((i + 1))
	done

	EXP=EBUSY
	i=0
	while [ "$i" -lt "$n" ]; do
		j=$((i + 1))
		while [ "$j" -lt "$n" ]; do
			eval "bi=\$bv_$i li=\$lv_$i bj=\$bv_$j lj=\$lv_$j"
			if [ "$bi" -lt $((bj + lj)) ] && [ "$bj" -lt $((bi + li)) ]; then
				MSG="*physwin: window $j overlaps window $i;*"
				return
			fi
			j=$((j + 1))
		done
		i=$((i + 1))
	done
	i=0
	while [ "$i" -lt "$n" ]; do
		eval "kd=\$kind_$i"
		if [ "$kd" = busy ]; then
			MSG="*physwin: window $i: * is busy or crosses a resource boundary*"
			return
		fi
		i=$((i + 1))
	done
	EXP=ok
	MSG=
}

# gen CATEGORY: a parameter set for one cycle, in ARGS (the module
# parameters) with its expected outcome (expect()).
gen() {
	cat=$1
	too_many='' no_base=''

	rnd 8
	n=$((RND + 1))
	case $cat in
	overlap) [ "$n" -lt 2 ] && n=2 ;;
	cache_count) [ "$n" -gt 7 ] && n=7 ;;
	esac
	gen_layout
	nl=$n
	rnd 4
	nc=0
	if [ "$RND" != 0 ]; then
		rnd $((n + 1))
		nc=$RND
	fi

	case $cat in
	valid) ;;
	no_base) no_base=1 ;;
	count_mismatch)
		rnd 2
		if [ "$RND" = 0 ] || [ "$n" = 8 ]; then
			nl=$((n - 1))
		else
			nl=$((n + 1))
		fi ;;
	cache_count)
		rnd $((8 - n))
		nc=$((n + 1 + RND)) ;;
	too_many)
		pick base length cache
		too_many=$RND ;;
	*) add_defect "$cat" ;;
	esac
	# Now and then a second bad window, before or after the first.
	if [ "$cat" != valid ]; then
		rnd 10
		if [ "$RND" -lt 3 ]; then
			# shellcheck disable=SC2086 # a word list
			pick $WINDOW_DEFECTS
			case $RND in
			beyond) [ -n "$BITS" ] && add_defect beyond ;;
			ram) [ -n "$RAM_START" ] && add_defect ram ;;
			straddle) [ -n "$RAM_AFTER$RAM_BEFORE" ] &&
				  add_defect straddle ;;
			busy) [ -n "$BUSY" ] && add_defect busy ;;
			*) add_defect "$RND" ;;
			esac
		fi
	fi
	expect

	# The text of the lists.
	base='' length='' cache=''
	i=0
	while [ "$i" -lt 12 ]; do
		if [ "$i" -lt "$n" ]; then
			eval "b=\$bv_$i bs=\$bs_$i l=\$lv_$i ls=\$ls_$i kd=\$kind_$i c=\$cv_$i"
			case $kd in
			nan_base | wrap) ;;
			*) fmtnum "$b"; bs=$NUM ;;
			esac
			case $kd in
			nan_length | length_0 | wrap) ;;
			*) fmtnum "$l"; ls=$NUM ;;
			esac
		else
			fmtnum $((REG + i * PAGE))
			bs=$NUM ls=4K c=uc
		fi
		if [ "$i" -lt "$n" ] || [ "$too_many" = base ]; then
			base=$base,$bs
		fi
		if [ "$i" -lt "$nl" ] || [ "$too_many" = length ]; then
			length=$length,$ls
		fi
		if [ "$i" -lt "$nc" ] || [ "$too_many" = cache ]; then
			cache=$cache,$c
		fi
		i=$((i + 1))
		# 9 to 12 entries in the list that has too many.
		if [ -n "$too_many" ] && [ "$i" -ge 9 ]; then
			rnd 3
			[ "$RND" = 0 ] && break
		fi
		[ -z "$too_many" ] && [ "$i" -ge 8 ] && break
	done
	# Every entry came with a comma before it.
	base=${base#,} length=${length#,} cache=${cache#,}

	ARGS=
	[ -n "$no_base" ] || ARGS="base=$base"
	[ "$nl" = 0 ] && [ "$too_many" != length ] || ARGS="$ARGS length=$length"
	[ "$nc" = 0 ] && [ "$too_many" != cache ] || ARGS="$ARGS cache=$cache"
	ARGS=${ARGS# }
}

# ---------------------------------------------------------------------------
# Loading

# set_errtext ERRNO: ERRTEXT is how kmod's insmod names it ("Invalid
# parameters" for EINVAL).
set_errtext() {
	case $1 in
	EINVAL) ERRTEXT='Invalid parameters' ;;
	EBUSY) ERRTEXT='Device or resource busy' ;;
	esac
}

RUN_ID="physwin_fuzz_load[$$]"

# Centiseconds since boot.
now() {
	read -r up _ </proc/uptime
	NOW=${up%.*}${up#*.}
	NOW=${NOW#0}
}

# One cycle: generate a set for category $cat, load it, check the outcome.
cycle() {
	gen "$cat"
	problems=""
	echo "$RUN_ID: cycle $cyc:" >/dev/kmsg
	# shellcheck disable=SC2086 # the parameters, one per word
	if load $ARGS; then
		loaded=1
	else
		loaded=0
	fi

	if [ "$EXP" = ok ]; then
		nr_valid=$((nr_valid + 1))
		if [ "$loaded" = 1 ]; then
			for a in base length cache; do
				eval "want=\$$a"
				got=
				read -r got <"$PARAMS/$a"
				[ "$got" = "$want" ] ||
					problem "parameter $a reads \"$got\""
			done
			i=0
			while [ "$i" -lt "$n" ]; do
				eval "[ -n \"\$cv_$i\" ] && [ $i -lt $nc ] || cv_$i=uc"
				check_generated_window "$i"
				i=$((i + 1))
			done
			[ -e "/dev/physwin$n" ] && problem "/dev/physwin$n exists"
			rmmod physwin || problem "rmmod failed"
		else
			problem "load failed: $load_err"
		fi
	else
		nr_invalid=$((nr_invalid + 1))
		eval "nr_$EXP=\$((nr_$EXP + 1))"
		if [ "$loaded" = 1 ]; then
			problem "loaded, expected $EXP"
			unload
		else
			set_errtext "$EXP"
			case $load_err in
			*"$ERRTEXT"*) ;;
			*) problem "expected $EXP ($ERRTEXT), got: $load_err" ;;
			esac
			log=$(dmesg | awk -v m="$RUN_ID: cycle $cyc:" '
				index($0, m) { buf = ""; on = 1; next }
				on { buf = buf $0 "\n" }
				END { printf "%s", buf }')
			# shellcheck disable=SC2254 # MSG is a pattern
			case $log in
			$MSG) ;;
			*) problem "no \"$MSG\" in the kernel log: $log" ;;
			esac
		fi
	fi
	module_gone ""

	eval "nr_cat_$cat=\$((nr_cat_$cat + 1))"
	if [ -n "$problems" ]; then
		eval "bad_cat_$cat=\$((bad_cat_$cat + 1))"
		diag "cycle $cyc ($cat, expected $EXP): insmod physwin $ARGS"
		printf '%s' "$problems" | while IFS= read -r line; do
			diag "cycle $cyc: $line"
		done
	fi
}

# ---------------------------------------------------------------------------
# Setup

ktap_print_header

[ "$(id -u)" = 0 ] || skip_all "must be run as root"
[ -w /dev/kmsg ] || skip_all "cannot write /dev/kmsg"
need_region 4096
REG=$R
REG_END=$((R + RS))
find_module
loader=insmod

CYCLES=${PHYSWIN_FUZZ_CYCLES:-200}
case $CYCLES in
'' | *[!0-9]*) skip_all "PHYSWIN_FUZZ_CYCLES=$CYCLES is not a number" ;;
esac
SEED=${PHYSWIN_FUZZ_SEED:-$(date +%s)}
case $SEED in
'' | *[!0-9]*) skip_all "PHYSWIN_FUZZ_SEED=$SEED is not a number" ;;
esac
rng=$((SEED & 0xffffffff))
[ "$rng" != 0 ] || rng=1

# What the machine offers for the defects that need it.
BITS=$(awk '/^address sizes/ { print $4; exit }' /proc/cpuinfo)
[ -n "$BITS" ] && [ "$BITS" -lt 63 ] || BITS=
# The largest System RAM range, and whether RAM touches the region.
ram=$(awk -v r="$REG" -v e="$REG_END" '
	/^[0-9a-f]+-[0-9a-f]+ : System RAM$/ {
		split($1, a, "-")
		s = ("0x" a[1]) + 0; t = ("0x" a[2]) + 0
		if (t - s > best) { best = t - s; bs = s; be = t }
		if (s <= r - 1 && r - 1 <= t) before = 1
		if (s <= e && e <= t) after = 1
	}
	END { if (best) printf "%d %d %d %d\n", bs, be, before, after }' \
	/proc/iomem)
RAM_START='' RAM_END='' RAM_BEFORE='' RAM_AFTER=''
if [ -n "$ram" ]; then
	# shellcheck disable=SC2086 # four numbers
	set -- $ram
	RAM_START=$((($1 + PAGE - 1) & ~(PAGE - 1)))
	RAM_END=$(($2 + 1 - PAGE))
	[ "$3" = 1 ] && RAM_BEFORE=1
	[ "$4" = 1 ] && RAM_AFTER=1
fi
busy=$(awk '/^ *[0-9a-f]+-[0-9a-f]+ : (IOAPIC|HPET) [0-9]+$/ { print $1; exit }' \
	/proc/iomem)
BUSY=
[ -n "$busy" ] && BUSY=$((0x${busy%-*} & ~(PAGE - 1)))

cats=valid
for d in $WINDOW_DEFECTS $SET_DEFECTS; do
	case $d in
	beyond) [ -n "$BITS" ] || continue ;;
	ram) [ -n "$RAM_START" ] || continue ;;
	straddle) [ -n "$RAM_BEFORE$RAM_AFTER" ] || continue ;;
	busy) [ -n "$BUSY" ] || continue ;;
	esac
	cats="$cats $d"
done

# Save the running configuration, and get the module out of the way.
save_module

# shellcheck disable=SC2086 # word lists
set -- $WINDOW_DEFECTS $SET_DEFECTS
ktap_set_plan $(($# + 2))
hex_var "$REG"
ktap_print_msg "region $HEX size $((REG_END - REG)), insmod $ko"
ktap_print_msg "seed $SEED: PHYSWIN_FUZZ_SEED=$SEED repeats this run; $CYCLES cycles (PHYSWIN_FUZZ_CYCLES)"

# ---------------------------------------------------------------------------
# The cycles: every third set valid, the others through the defects in
# turn, so that each gets its share whatever the seed.

# shellcheck disable=SC2086 # a word list
set -- $cats
shift
nr_inv_cats=$#
nr_valid=0 nr_invalid=0 nr_EINVAL=0 nr_EBUSY=0
now
t0=$NOW
cyc=0 inv=0
while [ "$cyc" -lt "$CYCLES" ]; do
	if [ $((cyc % 3)) = 0 ]; then
		cat=valid
	else
		# shellcheck disable=SC2086 # a word list
		set -- $cats
		shift $((inv % nr_inv_cats + 1))
		cat=$1
		inv=$((inv + 1))
	fi
	cycle
	cyc=$((cyc + 1))
done
now
secs=$(((NOW - t0) / 100))

for cat in valid $WINDOW_DEFECTS $SET_DEFECTS; do
	eval "nr=\${nr_cat_$cat:-0} bad=\${bad_cat_$cat:-0}"
	case $cat in
	valid) desc="valid sets load as given and unload" ;;
	nan_base) desc="base not a number" ;;
	nan_length) desc="length not a number" ;;
	bad_cache) desc="unknown cache mode" ;;
	length_0) desc="length 0" ;;
	unaligned_base) desc="unaligned base" ;;
	unaligned_length) desc="unaligned length" ;;
	wrap) desc="base + length wraps" ;;
	beyond) desc="beyond the CPU's physical address bits" ;;
	ram) desc="in System RAM" ;;
	straddle) desc="across the region's edge into System RAM" ;;
	busy) desc="busy resource" ;;
	overlap) desc="windows overlap" ;;
	no_base) desc="no base" ;;
	count_mismatch) desc="base and length counts differ" ;;
	cache_count) desc="more cache modes than windows" ;;
	too_many) desc="more than 8 entries in a list" ;;
	esac
	[ "$cat" = valid ] || desc="$desc: errno, reason, nothing left"
	if [ "$nr" = 0 ]; then
		ktap_test_skip "$desc (no cycle)"
	elif [ "$bad" = 0 ]; then
		ktap_test_pass "$desc ($nr cycles)"
	else
		ktap_test_fail "$desc ($bad of $nr cycles failed)"
	fi
done

ktap_print_msg "$CYCLES cycles in $secs s: $nr_valid valid, $nr_invalid invalid ($nr_EINVAL EINVAL, $nr_EBUSY EBUSY), seed $SEED"

restore_module

ktap_finished
