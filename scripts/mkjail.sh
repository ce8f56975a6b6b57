#!/usr/bin/env bash
# mkjail.sh DIR: build the lab's chroot jail for steps 6 and 7 (`make jail`).
#
# A handful of programs and their libraries (through binlibdepcp.sh), the
# terminfo entries top reads, and a minimal /etc/passwd and /etc/group so
# that id and whoami print names.  The name service reads those files
# through libnss_files, which programs load with dlopen(3) at run time: ldd
# cannot see it, so it is copied by name.  It may run again on the same DIR.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

readonly PROGRAMS=(sh bash env ls ps top id whoami hostname ip cat stat readlink)

usage() {
	cat <<EOF
Usage: $PROG [-h] DIR

Build a chroot jail in DIR (created if missing) with ${PROGRAMS[*]},
their libraries, terminfo for \$TERM and the usual terminals, and a minimal
/etc/passwd and /etc/group.
EOF
}

case ${1-} in
-h | --help) usage; exit 0 ;;
'') usage >&2; exit 2 ;;
esac
jail=$1
"$ROOT/scripts/binlibdepcp.sh" "${PROGRAMS[@]}" "$jail" >/dev/null

# The name service's files module, beside the libc that sh uses.
libc=$(ldd "$(command -v sh)" | awk '$1 ~ /^libc\.so/ { print $3 }')
for lib in "${libc%/*}"/libnss_files.so.*; do
	[ ! -e "$lib" ] || cp -L "$lib" "$jail$lib"
done

# The caller's terminal type (the jail keeps TERM) and the usual ones.  A
# terminal's name is one word: never a path that could lead out of the jail.
for term in "${TERM:-}" xterm xterm-256color linux screen dumb; do
	[[ $term =~ ^[[:alnum:]][[:alnum:]._+-]*$ ]] || continue
	for dir in /etc/terminfo /lib/terminfo /usr/share/terminfo; do
		if [ -f "$dir/${term:0:1}/$term" ]; then
			mkdir -p "$jail$dir/${term:0:1}"
			cp -L "$dir/${term:0:1}/$term" "$jail$dir/${term:0:1}/"
			break
		fi
	done
done

# root and nobody: the ids a container has (root, and in a user namespace
# the overflow id 65534).
mkdir -p "$jail/etc" "$jail/proc" "$jail/tmp"
printf '%s\n' 'root:x:0:0:root:/:/bin/sh' 'nobody:x:65534:65534:nobody:/:/bin/sh' >"$jail/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$jail/etc/group"
printf '%s\n' 'passwd: files' 'group: files' >"$jail/etc/nsswitch.conf"
printf '%s: %s is ready: %s\n' "$PROG" "$jail" "${PROGRAMS[*]}"
