#!/usr/bin/env bash
# mkjail.sh DIR (make jail): the chroot jail of steps 6 and 7, again on the
# same DIR if need be.  A few programs with their libraries (binlibdepcp.sh),
# the terminfo entries top reads, and a minimal /etc/passwd and /etc/group
# so that id and whoami print names.  The name service reads those through
# libnss_files, which is loaded with dlopen(3): ldd cannot name it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

readonly PROGRAMS=(sh bash env ls ps top id whoami hostname ip cat stat readlink)
case ${1-} in '' | -*) printf 'usage: %s DIR (make jail)\n' "$PROG" >&2; exit 2 ;; esac
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

# root, and nobody: the overflow id 65534 of a user namespace.
mkdir -p "$jail/etc" "$jail/proc" "$jail/tmp"
printf '%s\n' 'root:x:0:0:root:/:/bin/sh' 'nobody:x:65534:65534:nobody:/:/bin/sh' >"$jail/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$jail/etc/group"
printf '%s\n' 'passwd: files' 'group: files' >"$jail/etc/nsswitch.conf"
printf '%s: %s is ready: %s\n' "$PROG" "$jail" "${PROGRAMS[*]}"
