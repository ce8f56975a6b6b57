#!/usr/bin/env bash
# mkjail.sh: build the lab's chroot jail for steps 6 and 7 (`make jail`).
#
# The jail holds a handful of programs and what they need to run: their
# libraries (through binlibdepcp.sh), the terminfo entries top reads, and a
# minimal /etc/passwd and /etc/group so that id and whoami print names.  The
# name service reads those files through libnss_files, which programs load
# with dlopen(3) at run time: ldd cannot see it, so it is copied by name.
set -euo pipefail

readonly PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
readonly HERE

# What a student gets to run inside the jail.
readonly PROGRAMS=(sh bash env ls ps top id whoami hostname ip cat stat readlink)

usage() {
	cat <<EOF
Usage: $PROG [-h] DIR

Build a chroot jail in DIR (created if missing) with: ${PROGRAMS[*]},
their libraries, terminfo for \$TERM (and xterm, linux, dumb), /etc/passwd and /etc/group.
Running it again on the same DIR changes nothing.
EOF
}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

# Copy the terminfo entry for terminal type $2 into jail $1, if the host has one.
copy_terminfo() {
	local jail=$1 term=$2 dir
	for dir in /etc/terminfo /lib/terminfo /usr/share/terminfo; do
		if [ -f "$dir/${term:0:1}/$term" ]; then
			mkdir -p "$jail$dir/${term:0:1}"
			cp -L --preserve=mode,timestamps "$dir/${term:0:1}/$term" "$jail$dir/${term:0:1}/$term"
			return 0
		fi
	done
}

# The name service's files module, wherever this system keeps libc.
copy_nss_files() {
	local jail=$1 libc lib
	libc=$(ldd "$(command -v sh)" | awk '$1 ~ /^libc\.so/ { print $3 }')
	[ -n "$libc" ] || return 0
	for lib in "$(dirname "$libc")"/libnss_files.so.*; do
		[ -e "$lib" ] || continue
		mkdir -p "$jail$(dirname "$lib")"
		cp -L --preserve=mode,timestamps "$lib" "$jail$lib"
	done
}

# root and nobody, so that id shows names inside for the ids a container
# has (root, and in a user namespace the overflow id 65534).
write_etc() {
	local jail=$1
	mkdir -p "$jail/etc"
	printf '%s\n' 'root:x:0:0:root:/:/bin/sh' 'nobody:x:65534:65534:nobody:/:/bin/sh' \
		>"$jail/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$jail/etc/group"
	printf '%s\n' 'passwd: files' 'group: files' >"$jail/etc/nsswitch.conf"
}

main() {
	local jail prog term
	case ${1-} in
	-h | --help) usage; exit 0 ;;
	'') printf '%s: missing DIR\n' "$PROG" >&2; usage >&2; exit 2 ;;
	esac
	jail=$1
	mkdir -p "$jail" || die "cannot create $jail"
	for prog in "${PROGRAMS[@]}"; do
		command -v "$prog" >/dev/null || die "$prog is not installed here"
		"$HERE/binlibdepcp.sh" "$prog" "$jail" >/dev/null
	done
	copy_nss_files "$jail"
	# The caller's terminal type (the jail keeps TERM), and the usual ones.
	for term in "${TERM:-xterm}" xterm xterm-256color linux screen dumb; do
		copy_terminfo "$jail" "$term"
	done
	write_etc "$jail"
	mkdir -p "$jail/proc" "$jail/tmp"
	printf '%s: %s is ready: %s\n' "$PROG" "$jail" "${PROGRAMS[*]}"
}

main "$@"
