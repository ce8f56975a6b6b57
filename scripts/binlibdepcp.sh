#!/usr/bin/env bash
# binlibdepcp.sh BINARY... DIR: copy programs and the shared libraries they
# need into a chroot jail, at the same paths, so that `chroot DIR BINARY` runs.
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
umask 022 # copies readable by all, as the originals are

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

usage_error() {
	printf "%s: %s (try '%s -h')\n" "$PROG" "$1" "$PROG" >&2
	exit 2
}

# link PATH: the symbolic link PATH made again in the jail J, with the same
# text, which LINK then remembers.
declare -A PUT LINK
link() {
	LINK[$1]=$(readlink -- "$1")
	[[ -L $J$1 && $(readlink -- "$J$1") == "${LINK[$1]}" ]] && return 0
	[[ ! -e $J$1 && ! -L $J$1 ]] || die "$J$1 is in the way of a link like $1"
	ln -s -- "${LINK[$1]}" "$J$1"
	printf '  link  %s -> %s\n' "$1" "${LINK[$1]}"
	LINKS=$((LINKS + 1))
}

# put PATH: copy PATH into the jail J, name by name (see above), once.
put() {
	local done="" rest=${1#/} name target
	[ -z "${PUT[$1]-}" ] || return 0
	PUT[$1]=1
	while [ -n "$rest" ]; do
		name=${rest%%/*}
		[[ $rest == */* ]] && rest=${rest#*/} || rest=""
		case $name in
		'' | .) continue ;;
		..) done=${done%/*}; continue ;; # done is a real directory here
		esac
		done=$done/$name
		if [ -L "$done" ]; then
			[ -n "${LINK[$done]-}" ] || link "$done"
			target=${LINK[$done]}
			[[ $target == /* ]] || target=${done%/*}/$target
			put "$target${rest:+/$rest}"
			return
		fi
		[ ! -L "$J$done" ] || die "$J$done is in the way: it is a link, $done is not"
		if [ -d "$done" ]; then
			[ -d "$J$done" ] || mkdir -- "$J$done"
		elif [ ! -e "$J$done" ] || ! cmp -s -- "$done" "$J$done"; then
			# Without --preserve, cp creates the copy with the mode of the
			# original less the umask and its setuid and setgid bits.
			cp --remove-destination -- "$done" "$J$done"
			printf '  copy  %s\n' "$done"
			FILES=$((FILES + 1))
		fi
	done
}

# copy BINARY: BINARY and what ldd names for it, then one line on what it did.
copy() {
	local bin=$1 out line lib top what first libs=()
	FILES=0 LINKS=0
	# ldd's lines: "libc.so.6 => /lib/.../libc.so.6 (0x...)" for a library,
	# the loader's path alone, "linux-vdso.so.1 (0x...)" for code in the kernel.
	out=$(LC_ALL=C ldd -- "$bin" 2>&1) || out="" # a static program, or a script
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
		# The links of a merged /usr: /bin/sh works as well as /usr/bin/sh.
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
		printf '%s: %s already has %s\n' "$PROG" "$DIR" "$what"
	else
		printf '%s: copied %s into %s (files: %d, links: %d)\n' "$PROG" "$what" "$DIR" "$FILES" "$LINKS"
	fi
}

case ${1-} in
-h | --help)
	printf 'Usage: %s [-h] BINARY... DIR\n%s\n' "$PROG" "Copy each BINARY (a path, or a command in PATH), the libraries ldd names
for it and their loader into DIR (created if missing, never /), at the same
paths, so that 'chroot DIR BINARY' runs it."
	exit 0 ;;
-?*) usage_error "unknown option $1" ;;
esac
case $# in
0) usage_error "missing BINARY and DIR arguments" ;;
1) usage_error "missing DIR argument" ;;
esac
DIR=${*: -1} # the last argument
bins=()
for bin in "${@:1:$#-1}"; do
	arg=$bin
	[[ $bin == */* ]] || bin=$(type -P -- "$bin") || die "$arg: command not found in PATH"
	[ -e "$bin" ] || die "$bin: no such file"
	[ ! -d "$bin" ] || die "$bin is a directory, not a program"
	[ -x "$bin" ] || die "$bin is not executable"
	bins+=("$(realpath -s -- "$bin")")
done
[ ! -e "$DIR" ] || [ -d "$DIR" ] || die "$DIR exists and is not a directory"
err=$(mkdir -p -- "$DIR" 2>&1) || die "cannot create $DIR: ${err##*: }"
[ ! "$DIR" -ef / ] || die "DIR must not be / (each copy would land on its original)"
[ -w "$DIR" ] || die "cannot write to $DIR"
J=$(realpath -- "$DIR")
for bin in "${bins[@]}"; do
	copy "$bin"
done
