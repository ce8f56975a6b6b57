#!/usr/bin/env bash
# binlibdepcp.sh BINARY DIR: copy a program and the shared libraries it needs
# into a chroot jail, at the same paths, so that `chroot DIR BINARY` runs it.
#
# The kernel starts a dynamically linked program by running its loader
# (/lib64/ld-linux-x86-64.so.2 on x86-64), which then opens each library the
# program needs: ldd(1) names them all.  Each of those paths is copied the way
# the kernel walks it, one name at a time: a symbolic link on the way
# (/lib64 -> usr/lib64, libz.so.1 -> libz.so.1.2.13) is made again in DIR
# with the same text and then followed, so every spelling works in the jail.
# A static program is copied alone.  A second run changes nothing.  Copies
# lose the setuid and setgid bits: a jail belongs to whoever built it.
#
# This is the idea in a few lines, for reading.  The tool that does it for
# real is lddtree, from pax-utils: `lddtree --copy-to-tree DIR BINARY`.
# Caution: ldd may run the program's loader; use it on programs you trust.
# See ldd(1), ld.so(8), chroot(2).
set -euo pipefail

PROG=${0##*/}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

usage_error() {
	printf "%s: %s (try '%s -h')\n" "$PROG" "$1" "$PROG" >&2
	exit 2
}

# put PATH: copy PATH into the jail J, name by name (see above).
put() {
	local done="" rest=${1#/} name target mode
	while [ -n "$rest" ]; do
		name=${rest%%/*}
		[[ $rest == */* ]] && rest=${rest#*/} || rest=""
		case $name in
		'' | .) continue ;;
		..) done=${done%/*}; continue ;; # done is a real directory here
		esac
		done=$done/$name
		if [ -L "$done" ]; then
			target=$(readlink -- "$done")
			if [ ! -L "$J$done" ] || [ "$(readlink -- "$J$done")" != "$target" ]; then
				if [ -e "$J$done" ] || [ -L "$J$done" ]; then
					die "$J$done is in the way of a link like $done"
				fi
				ln -s -- "$target" "$J$done"
				printf '  link  %s -> %s\n' "$done" "$target"
				LINKS=$((LINKS + 1))
			fi
			[[ $target == /* ]] || target=${done%/*}/$target
			put "$target${rest:+/$rest}"
			return
		fi
		[ ! -L "$J$done" ] || die "$J$done is in the way: it is a link, $done is not"
		if [ -d "$done" ]; then
			[ -d "$J$done" ] || mkdir -- "$J$done"
		elif [ ! -e "$J$done" ] || ! cmp -s -- "$done" "$J$done"; then
			# cp drops the setuid and setgid bits; chmod gives the rest back.
			cp --remove-destination -- "$done" "$J$done"
			mode=$(stat -c %a -- "$done")
			chmod -- "${mode: -3}" "$J$done"
			printf '  copy  %s\n' "$done"
			FILES=$((FILES + 1))
		fi
	done
}

case ${1-} in
-h | --help)
	cat <<EOF
Usage: $PROG [-h] BINARY DIR

Copy BINARY (a path, or a command found in PATH), every library that ldd
names for it and their loader into DIR, at the same paths, so that
'chroot DIR BINARY' runs it.  DIR is created if missing; it must not be /.
EOF
	exit 0 ;;
-?*) usage_error "unknown option $1" ;;
esac
case $# in
0) usage_error "missing BINARY and DIR arguments" ;;
1) usage_error "missing DIR argument" ;;
2) ;;
*) usage_error "too many arguments" ;;
esac
bin=$1
[[ $bin == */* ]] || bin=$(type -P -- "$bin") || die "$1: command not found in PATH"
[ -e "$bin" ] || die "$bin: no such file"
[ ! -d "$bin" ] || die "$bin is a directory, not a program"
[ -x "$bin" ] || die "$bin is not executable"
bin=$(realpath -s -- "$bin")
[ ! -e "$2" ] || [ -d "$2" ] || die "$2 exists and is not a directory"
err=$(mkdir -p -- "$2" 2>&1) || die "cannot create $2: ${err##*: }"
[ ! "$2" -ef / ] || die "DIR must not be / (each copy would land on its original)"
[ -w "$2" ] || die "cannot write to $2"
J=$(realpath -- "$2")
FILES=0 LINKS=0

# ldd's lines: "libc.so.6 => /lib/.../libc.so.6 (0x...)" for a library, the
# loader's path alone, "linux-vdso.so.1 (0x...)" for code in the kernel.
out=$(LC_ALL=C ldd -- "$bin" 2>&1) || out="" # a static program, or a script
libs=()
while read -r line; do
	line=${line% (0x*}
	case $line in
	*' => not found') die "ldd cannot find ${line% => *}, needed by $bin" ;;
	/*' => '*) libs+=("${line%% => *}" "${line#* => }") ;;
	*' => '*) libs+=("${line#* => }") ;;
	/*) libs+=("$line") ;;
	esac
done <<<"$out"

put "$bin"
if [ ${#libs[@]} -gt 0 ]; then
	# The links of a merged /usr, so that /bin/sh works as well as /usr/bin/sh.
	for top in /bin /sbin /lib /lib64; do
		[ ! -L "$top" ] || put "$top"
	done
	for lib in "${libs[@]}"; do
		put "$lib"
	done
	what="$bin and its ${#libs[@]} libraries"
elif [ "$(head -c 2 -- "$bin")" = '#!' ]; then
	read -r first <"$bin" || true
	read -r first _ <<<"${first#\#!}"
	what="$bin (a script for $first: copy that program too)"
else
	what="$bin (statically linked, no libraries)"
fi
if [ $((FILES + LINKS)) -eq 0 ]; then
	printf '%s: %s already has %s\n' "$PROG" "$2" "$what"
else
	printf '%s: copied %s into %s (files: %d, links: %d)\n' "$PROG" "$what" "$2" "$FILES" "$LINKS"
fi
