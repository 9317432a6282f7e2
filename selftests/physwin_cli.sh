#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# physwin: the physwin command (tools/physwin.c, built here as ./physwin).
#
# Every command against window contents the test knows: fill, then read,
# dump and save; load a file and save it back; write each width and read
# it back with its neighbours untouched; dump against hexdump -C; list and
# list --json against sysfs; revoke and enable against sysfs and a read.
# Then every kind of bad input: each must exit non-zero (2 for a usage
# error, 1 otherwise) with exactly one line on stderr, and leave the
# window as it was. Permission is tested as the guest's users pwuser (in
# group physwin) and other, and "module not loaded" by unloading physwin
# and loading it again with the same parameters.
#
# The test owns the last MiB of physwin0 and writes nowhere else; it reads
# the first KiB. One KTAP line a check.

DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=physwin_lib.sh
. "$DIR/physwin_lib.sh"

SYS=/sys/class/misc

ktap_print_header

[ "$(id -u)" = 0 ] || skip_all "must be run as root"
if [ ! -c /dev/physwin0 ] || [ ! -d $SYS/physwin0 ]; then
	skip_all "no /dev/physwin0: physwin is not loaded"
fi
[ -x "$DIR/physwin" ] || skip_all "no physwin command in $DIR"
SIZE=$(cat $SYS/physwin0/size)
[ "$SIZE" -ge $((2 << 20)) ] || skip_all "physwin0 is smaller than 2 MiB"
[ "$(cat $SYS/physwin0/enabled)" = 1 ] || skip_all "physwin0 is revoked"

ktap_set_plan 55

T=$(mktemp -d)
chmod 755 "$T"
# A copy any user can run, whatever the modes of the directories above.
cp "$DIR/physwin" "$T/physwin"
chmod 755 "$T/physwin"
PW=$T/physwin
NODE_MODE=$(stat -c '%a %u %g' /dev/physwin0)

cleanup() {
	echo 1 >$SYS/physwin0/enabled 2>/dev/null
	if [ -c /dev/physwin0 ]; then
		# shellcheck disable=SC2086 # mode, uid, gid
		set -- $NODE_MODE
		chmod "$1" /dev/physwin0
		chown "$2:$3" /dev/physwin0
	fi
	rm -rf "$T"
}
trap cleanup EXIT

REG=$((SIZE - (1 << 20)))	# the test's MiB
H=$(hex $REG)

# sum: a checksum of the test's MiB, read without the physwin command.
sum() {
	dd if=/dev/physwin0 bs=4096 skip=$((REG / 4096)) count=256 2>/dev/null |
		md5sum
}

# pw ARG...: run the command; RC, and stdout and stderr in $T/out, $T/err.
pw() {
	"$PW" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# as USER ARG...: the same as USER.
as() {
	_u=$1
	shift
	su -s /bin/sh "$_u" -c "$PW $*" >"$T/out" 2>"$T/err"
	RC=$?
}

# ok_run DESC: the last command must have exited 0 with nothing on stderr.
ok_run() {
	[ "$RC" = 0 ] || problem "$1: exit $RC: $(cat "$T/err")"
	[ ! -s "$T/err" ] || problem "$1: stderr: $(cat "$T/err")"
}

# one_line RC PATTERN: the last command must have exited RC with exactly
# one line, "physwin: ..." matching PATTERN (grep -E), on stderr and
# nothing on stdout.
one_line() {
	[ "$RC" = "$1" ] || problem "exit status $RC, not $1"
	n=$(wc -l <"$T/err")
	[ "$n" = 1 ] || problem "$n lines on stderr: $(tr '\n' '|' <"$T/err")"
	grep -q '^physwin: ' "$T/err" || problem "stderr: $(cat "$T/err")"
	[ -z "$2" ] || grep -qE -- "$2" "$T/err" ||
		problem "stderr does not match \"$2\": $(cat "$T/err")"
	[ ! -s "$T/out" ] || problem "stdout: $(head -c 200 "$T/out")"
	ktap_print_msg "$(cat "$T/err")"
}

# bad DESC RC PATTERN ARG...: physwin ARG... must fail as one_line says
# and leave the test's MiB as it was.
bad() {
	desc=$1 want=$2 pat=$3
	shift 3
	before=$(sum)
	pw "$@"
	one_line "$want" "$pat"
	[ "$(sum)" = "$before" ] || problem "the window changed"
	result "bad input: $desc"
}

# expect_read OFF WIDTH VALUE: physwin read prints VALUE.
expect_read() {
	pw read 0 "$(hex "$1")" "$2"
	ok_run "read $(hex "$1") $2"
	[ "$(cat "$T/out")" = "$3" ] ||
		problem "read $(hex "$1") $2 printed $(cat "$T/out"), not $3"
}

# bytes FILE OCTAL...: FILE made of the bytes given in octal.
bytes() {
	_f=$1
	shift
	_fmt=
	for _b; do
		_fmt="$_fmt\\$_b"
	done
	# shellcheck disable=SC2059 # the format is the data
	printf "$_fmt" >"$_f"
}

# The test's MiB starts out random, so that any stray write shows.
head -c 1048576 /dev/urandom >"$T/random"
"$PW" load 0 "$H" "$T/random" 2>"$T/err" ||
	ktap_print_msg "setup: physwin load failed: $(cat "$T/err")"

# ---------------------------------------------------------------------------
# Help and version

for c in "" list read write dump fill load save revoke enable; do
	# shellcheck disable=SC2086 # no command for the top level
	pw $c --help
	ok_run "${c:-physwin} --help"
	grep -q "^usage: physwin ${c}" "$T/out" ||
		problem "${c:-physwin} --help: no usage line"
done
pw help
ok_run "physwin help"
grep -q '^usage: physwin' "$T/out" || problem "physwin help: no usage"
pw help dump
ok_run "physwin help dump"
grep -q '^usage: physwin dump DEV OFFSET LENGTH' "$T/out" ||
	problem "physwin help dump: $(head -n 1 "$T/out")"
result "--help: physwin, help and every command's, on stdout, exit 0"

pw --version
ok_run "--version"
want=$(cat /sys/module/physwin/version 2>/dev/null)
[ "$(cat "$T/out")" = "physwin $want" ] ||
	problem "--version: $(cat "$T/out"), the module is $want"
result "--version: the module's version"

# ---------------------------------------------------------------------------
# list

# shellcheck disable=SC2012 # physwinN names only
windows=$(ls $SYS | sed -n 's/^physwin\([0-9][0-9]*\)$/\1/p' | sort -n)

pw list
ok_run "list"
[ "$(wc -l <"$T/out")" = $(($(echo "$windows" | wc -l) + 1)) ] ||
	problem "$(wc -l <"$T/out") lines for $(echo "$windows" | wc -l) windows"
# shellcheck disable=SC2046 # the columns, one per word
set -- $(head -n 1 "$T/out")
[ "$*" = "DEVICE BASE SIZE CACHE MEMTYPE MAPPINGS FAULTS ENABLED" ] ||
	problem "header: $*"
i=1
for n in $windows; do
	i=$((i + 1))
	d=$SYS/physwin$n
	en=yes
	[ "$(cat "$d/enabled")" = 1 ] || en=no
	want="physwin$n $(cat "$d/base") $(cat "$d/size") $(cat "$d/cache") $(cat "$d/memtype") $(cat "$d/mappings") $(cat "$d/faults") $en"
	# shellcheck disable=SC2046 # the columns, one per word
	set -- $(sed -n "${i}p" "$T/out")
	[ "$*" = "$want" ] || problem "line $i: \"$*\", not \"$want\""
done
result "list: every window in order, as sysfs has it"

pw list --json
ok_run "list --json"
{
	echo "["
	last=$(echo "$windows" | tail -n 1)
	for n in $windows; do
		d=$SYS/physwin$n
		en=true
		[ "$(cat "$d/enabled")" = 1 ] || en=false
		sep=,
		[ "$n" != "$last" ] || sep=
		echo "  {\"device\": \"physwin$n\", \"base\": \"$(cat "$d/base")\", \"size\": $(cat "$d/size"), \"cache\": \"$(cat "$d/cache")\", \"memtype\": \"$(cat "$d/memtype")\", \"mappings\": $(cat "$d/mappings"), \"faults\": $(cat "$d/faults"), \"enabled\": $en}$sep"
	done
	echo "]"
} >"$T/json"
cmp -s "$T/out" "$T/json" ||
	problem "$(diff "$T/json" "$T/out" | tr '\n' '|')"
result "list --json: every window in order, as sysfs has it"

# ---------------------------------------------------------------------------
# Known contents: fill, read, dump, save, load

pw fill 0 "$H" 64 0xa5
ok_run fill
expect_read $REG 8 0xa5
expect_read $REG 16 0xa5a5
expect_read $((REG + 4)) 32 0xa5a5a5a5
expect_read $((REG + 56)) 64 0xa5a5a5a5a5a5a5a5
pw read physwin0 "$H"
[ "$(cat "$T/out")" = 0xa5a5a5a5 ] || problem "default width: $(cat "$T/out")"
pw read /dev/physwin0 "$H" 8
[ "$(cat "$T/out")" = 0xa5 ] || problem "/dev/physwin0: $(cat "$T/out")"
result "fill, then read 8, 16, 32 (the default) and 64 bits"

pw fill 0 "$H" 64 65
ok_run fill
pw dump 0 "$H" 64
ok_run dump
tohex $REG 8
o0=$HEX
tohex $((REG + 64)) 8
printf '%s  41 41 41 41 41 41 41 41  41 41 41 41 41 41 41 41  |AAAAAAAAAAAAAAAA|\n*\n%s\n' \
	"$o0" "$HEX" >"$T/want"
cmp -s "$T/out" "$T/want" || problem "dump: $(tr '\n' '|' <"$T/out")"
result "fill, then dump: hexdump -C layout with window offsets, repeats starred"

pw save 0 "$H" 64 "$T/saved"
ok_run save
printf 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' >"$T/want"
cmp -s "$T/saved" "$T/want" || problem "save: not 64 times A"
result "fill, then save"

head -c 5000 /dev/urandom >"$T/in"
pw load 0 $((REG + 4096 + 3)) "$T/in"
ok_run load
pw save 0 $((REG + 4096 + 3)) 5000 "$T/back"
ok_run save
cmp -s "$T/in" "$T/back" || problem "what was saved is not what was loaded"
dd if=/dev/physwin0 bs=1 skip=$((REG + 4096 + 3)) count=5000 2>/dev/null |
	cmp -s - "$T/in" || problem "dd does not read back what was loaded"
head -c 300 /dev/urandom >"$T/in"
"$PW" load 0 $((REG + 12288)) - <"$T/in" 2>"$T/err" ||
	problem "load from stdin: $(cat "$T/err")"
"$PW" save 0 $((REG + 12288)) 300 - >"$T/back" 2>"$T/err" ||
	problem "save to stdout: $(cat "$T/err")"
cmp -s "$T/in" "$T/back" || problem "stdin and stdout: not the same"
result "load a file, save it back: the same bytes (files and -)"

# write WIDTH VALUE: into 32 bytes of 0x5a at REG + 8192, at offset 8;
# the value reads back, and the 32 bytes are the value in the CPU's byte
# order (little-endian: amd64, arm64) among untouched neighbours.
W=$((REG + 8192))
write_width() {
	width=$1 value=$2
	pw fill 0 $W 32 0x5a
	ok_run fill
	pw write 0 $((W + 8)) "$width" "$value"
	ok_run "write $width $value"
	expect_read $((W + 8)) "$width" "$value"
	want=
	i=0
	while [ $i -lt 32 ]; do
		b=5a
		if [ $i -ge 8 ] && [ $i -lt $((8 + width / 8)) ]; then
			tohex $(((value >> (8 * (i - 8))) & 255)) 2
			b=$HEX
		fi
		want="$want $b"
		i=$((i + 1))
	done
	pw save 0 $W 32 "$T/saved"
	got=$(od -An -tx1 -v "$T/saved" | tr -s ' \n' '  ')
	# shellcheck disable=SC2086 # the bytes, one per word
	[ "$(printf ' %s' $got)" = "$want" ] ||
		problem "bytes:$(printf ' %s' $got), not$want"
	result "write $width bits, read it back, neighbours untouched"
}
write_width 8 0xc3
write_width 16 0xc3d2
write_width 32 0xc3d2e1f0
write_width 64 0x7152e1f00f1e2d3c

# dump against the hexdump -C of a file saved from offset 0 (read only).
pw save 0 0 1024 "$T/head"
ok_run "save 0 0 1024"
pw dump 0 0 1024
ok_run "dump 0 0 1024"
hexdump -C "$T/head" >"$T/want"
cmp -s "$T/out" "$T/want" ||
	problem "$(diff "$T/want" "$T/out" | head -n 8 | tr '\n' '|')"
result "dump 0 0 1024 is hexdump -C of the same bytes saved"

# Repeated lines, every byte value, a short last line (that busybox's
# hexdump and util-linux's agree on), against hexdump -C -s -n.
oct=
i=0
while [ $i -lt 256 ]; do
	o=$(((i >> 6) * 100 + ((i >> 3) & 7) * 10 + (i & 7)))
	[ $o -ge 100 ] || o=0$o
	[ $o -ge 10 ] || o=0$o
	oct="$oct $o"
	i=$((i + 1))
done
# shellcheck disable=SC2086 # one byte a word
bytes "$T/all" $oct
{
	head -c 64 /dev/zero
	printf 'physwin cli testphyswin cli testphyswin cli test'
	cat "$T/all"
	printf 'tail!'
} >"$T/crafted"
D=$((REG + 16384 + 5))
pw load 0 $D "$T/crafted"
ok_run load
len=$(wc -c <"$T/crafted")
pw dump 0 $D "$len"
ok_run dump
hexdump -C -s $D -n "$len" /dev/physwin0 >"$T/want"
cmp -s "$T/out" "$T/want" ||
	problem "$(diff "$T/want" "$T/out" | head -n 8 | tr '\n' '|')"
grep -qx '\*' "$T/out" || problem "no * line"
result "dump of crafted bytes is hexdump -C -s -n of /dev/physwin0"

pw dump 0 "$H" 0
ok_run "dump length 0"
[ ! -s "$T/out" ] || problem "dump of 0 bytes printed $(cat "$T/out")"
result "dump of 0 bytes prints nothing, as hexdump -n 0"

# ---------------------------------------------------------------------------
# revoke and enable

pw write 0 "$H" 32 0x600df00d
ok_run write
pw revoke physwin0
ok_run revoke
[ "$(cat $SYS/physwin0/enabled)" = 0 ] || problem "enabled is not 0"
pw read 0 "$H"
one_line 1 'revoked.*physwin enable physwin0'
pw list
grep -q '^physwin0 .* no$' "$T/out" || problem "list: $(sed -n 2p "$T/out")"
pw enable 0
ok_run enable
[ "$(cat $SYS/physwin0/enabled)" = 1 ] || problem "enabled is not 1"
expect_read $REG 32 0x600df00d
result "revoke and enable: sysfs enabled, and a read fails, then works"

# ---------------------------------------------------------------------------
# Bad input: one line, non-zero, nothing written

bad "no command" 2 'no command'
bad "unknown command" 2 'unknown command' frob 0
bad "unknown option" 2 'unknown option' write 0 "$H" 32 1 --frob
bad "too few arguments" 2 'too few' write 0 "$H" 32
bad "too many arguments" 2 'too many' write 0 "$H" 32 1 2
bad "width 24" 2 'not 8, 16, 32 or 64' write 0 "$H" 24 1
bad "junk in a number" 2 'not a valid number' write 0 "${H}zz" 32 1
bad "negative number" 2 'unknown option|not a valid number' fill 0 -1 16 0
bad "number over 64 bits" 2 'not a valid number' \
	write 0 "$H" 64 0x10000000000000000
bad "suffix over 64 bits" 2 'not a valid number' fill 0 "$H" 0x400000000G 0
bad "not a device name" 2 'not a window' write physwinX "$H" 32 1
bad "unknown device" 1 'physwin99: no such window' write physwin99 "$H" 32 1
bad "unknown /dev/ device" 1 'no such window' fill /dev/physwin99 "$H" 1 0
bad "offset at the end" 1 'outside the window' write 0 "$SIZE" 32 1
bad "fill past the end" 1 'outside the window' \
	fill 0 $((SIZE - 16)) 32 0
bad "offset+length wraps" 1 'outside the window' \
	fill 0 "$H" 0xffffffffffffffff 0
bad "offset near 2^64" 1 'outside the window' fill 0 0xffffffffffffffff 2 0
bad "dump past the end" 1 'outside the window' dump 0 0xfffffffffffffff0 0x20
bad "save past the end" 1 'outside the window' \
	save 0 $((SIZE - 16)) 32 "$T/x"
bad "8-bit value too wide" 1 'does not fit' write 0 "$H" 8 0x100
bad "16-bit value too wide" 1 'does not fit' write 0 "$H" 16 0x10000
bad "32-bit value too wide" 1 'does not fit' write 0 "$H" 32 0x100000000
bad "fill byte too wide" 1 'does not fit' fill 0 "$H" 16 256
bad "unaligned 16-bit write" 1 'not aligned' write 0 $((REG + 1)) 16 1
bad "unaligned 32-bit write" 1 'not aligned' write 0 $((REG + 2)) 32 1
bad "unaligned 64-bit write" 1 'not aligned' write 0 $((REG + 4)) 64 1
bad "unaligned read" 1 'not aligned' read 0 $((REG + 1)) 32
head -c 32 /dev/zero >"$T/32"
bad "file too large" 1 'do not fit' load 0 $((SIZE - 16)) "$T/32"
before=$(sum)
# A pipe: its size is known only once it has been read.
# shellcheck disable=SC2002 # a pipe, not a file
cat "$T/32" | "$PW" load 0 $((SIZE - 16)) - >"$T/out" 2>"$T/err"
RC=$?
one_line 1 'more than'
[ "$(sum)" = "$before" ] || problem "the window changed"
result "bad input: a pipe too large"
bad "missing file" 1 'No such file' load 0 "$H" "$T/nonexistent"

# Revoked: the window is enabled again before the contents are compared.
revoked_bad() {
	desc=$1
	shift
	before=$(sum)
	echo 0 >$SYS/physwin0/enabled
	pw "$@"
	echo 1 >$SYS/physwin0/enabled
	one_line 1 'physwin0 is revoked.*physwin enable physwin0 restores it'
	[ "$(sum)" = "$before" ] || problem "the window changed"
	result "revoked window: $desc"
}
revoked_bad write write 0 "$H" 32 1
revoked_bad fill fill 0 "$H" 16 0
revoked_bad load load 0 "$H" "$T/32"

# ---------------------------------------------------------------------------
# Permission: the node as a udev rule leaves it, root:physwin 0660

if id pwuser >/dev/null 2>&1 && id other >/dev/null 2>&1 &&
   command -v su >/dev/null && grep -q '^physwin:' /etc/group; then
	chgrp physwin /dev/physwin0
	chmod 0660 /dev/physwin0

	before=$(sum)
	as other write 0 "$H" 32 1
	# shellcheck disable=SC2016 # a literal $USER
	one_line 1 'Permission denied; join the group physwin \(usermod -aG physwin \$USER\)'
	[ "$(sum)" = "$before" ] || problem "the window changed"
	result "permission: other cannot write, told to join group physwin"

	before=$(sum)
	as other fill 0 "$H" 16 0
	one_line 1 'join the group physwin'
	as other read 0 "$H"
	one_line 1 'join the group physwin'
	[ "$(sum)" = "$before" ] || problem "the window changed"
	result "permission: other cannot fill or read"

	before=$(sum)
	as pwuser revoke 0
	one_line 1 'needs root'
	[ "$(cat $SYS/physwin0/enabled)" = 1 ] || problem "enabled is not 1"
	as other enable 0
	one_line 1 'needs root'
	[ "$(sum)" = "$before" ] || problem "the window changed"
	result "permission: revoke and enable need root"

	as pwuser write 0 "$H" 32 0x12345678
	ok_run "pwuser write"
	as pwuser read 0 "$H"
	ok_run "pwuser read"
	[ "$(cat "$T/out")" = 0x12345678 ] || problem "pwuser read $(cat "$T/out")"
	as pwuser list
	ok_run "pwuser list"
	result "permission: pwuser (group physwin) writes and reads"
else
	for t in "other cannot write" "other cannot fill or read" \
		 "revoke and enable need root" "pwuser writes and reads"; do
		ktap_test_skip "permission: $t: no users pwuser and other"
	done
fi

# ---------------------------------------------------------------------------
# Module not loaded: unload, and load again with the same parameters

mod_params="base=$(cat "$PARAMS/base") length=$(cat "$PARAMS/length")"
c=$(cat "$PARAMS/cache")
[ -z "$c" ] || mod_params="$mod_params cache=$c"
ko=$PHYSWIN_KO
[ -n "$ko" ] || ko=$(modinfo -n physwin 2>/dev/null)
if [ -z "$ko" ] || [ ! -r "$ko" ]; then
	ktap_test_skip "module not loaded: physwin.ko not found to load again"
	ktap_test_skip "module not loaded: loaded again"
elif ! rmmod physwin 2>/dev/null; then
	ktap_test_skip "module not loaded: physwin is in use"
	ktap_test_skip "module not loaded: loaded again"
else
	pw list
	one_line 1 'not loaded'
	pw read 0 0
	one_line 1 'not loaded'
	pw list --json
	one_line 1 'not loaded'
	result "module not loaded: list and read say so"
	# shellcheck disable=SC2086 # the parameters, one per word
	if [ -n "$PHYSWIN_KO" ]; then
		insmod "$ko" $mod_params 2>"$T/err" ||
			problem "insmod $mod_params: $(cat "$T/err")"
	else
		modprobe physwin $mod_params 2>"$T/err" ||
			problem "modprobe physwin $mod_params: $(cat "$T/err")"
	fi
	[ -c /dev/physwin0 ] || problem "no /dev/physwin0"
	result "module not loaded: loaded again with $mod_params"
fi

ktap_finished
