#!/usr/bin/env bash
# binlibdepcp.sh: copy a program and the shared libraries it needs into a jail.
#
# A dynamically linked program cannot start in a chroot jail that lacks its
# libraries: the kernel first runs the dynamic loader named in the program
# (/lib64/ld-linux-x86-64.so.2 on x86-64), and the loader then opens every
# library the program needs. ldd(1) lists both. This script copies the program,
# each library and the loader into DIR at the same absolute paths, so that
#
#     sudo chroot DIR /usr/bin/ls /
#
# finds everything where it expects it. Symbolic links on the way (on Debian,
# /bin -> usr/bin, /lib64 -> usr/lib64, libfoo.so.1 -> libfoo.so.1.2.3) are made
# again inside DIR and their targets copied as well.
#
# Running it again with the same arguments changes nothing.
# Caution: ldd may run the program's own loader; use it on programs you trust.
# See ldd(1), ld.so(8), chroot(2).
set -euo pipefail

readonly PROG=${0##*/}

# The top-level links of a merged-/usr system. They are made in DIR for every
# dynamic program, so that /bin/sh and /usr/bin/sh both work in the jail.
readonly TOP_LINKS=(/bin /sbin /lib /lib64)

usage() {
	cat <<EOF
Usage: $PROG [-h] BINARY DIR

Copy BINARY, every shared library that ldd names for it and the dynamic loader
into DIR, at the same absolute paths, so that 'chroot DIR BINARY' can run it.

  BINARY  a path (/usr/bin/ls, ./a.out) or a command name looked up in PATH (ls)
  DIR     the jail; created if it does not exist
  -h      show this help and exit

Symbolic links are recreated in DIR and their targets copied too. A statically
linked BINARY is copied alone. Running it twice changes nothing.

Example:
  $PROG sh /tmp/jail && sudo chroot /tmp/jail /bin/sh -c 'echo hello from the jail'
EOF
}

# die MESSAGE: report an error on one line of stderr and stop
die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

# usage_error MESSAGE: a mistake on the command line; exit status 2
usage_error() {
	printf "%s: %s (try '%s -h')\n" "$PROG" "$1" "$PROG" >&2
	exit 2
}

# quietly CMD...: run CMD; if it fails, die with the last line it printed on stderr
quietly() {
	local err
	if ! err=$("$@" 2>&1 >/dev/null); then
		die "${err##*$'\n'}"
	fi
}

jail=""      # DIR, as an absolute path
copied=0     # files copied by this run
linked=0     # symbolic links made by this run

# make_dir PATH: make the directory PATH inside the jail, with the host's mode
make_dir() {
	local dest="$jail$1"
	if [[ -d $dest && ! -L $dest ]]; then
		return 0
	fi
	if [[ -e $dest || -L $dest ]]; then
		die "$dest is in the way: it should be a directory like $1"
	fi
	quietly mkdir -m "$(stat -c '%a' -- "$1")" -- "$dest"
}

# make_link PATH: make the symbolic link PATH inside the jail, with the same text
# as on the host (a relative link stays relative, an absolute one is read by
# the kernel from the jail's root once the program runs under chroot)
make_link() {
	local text dest="$jail$1"
	text=$(readlink -- "$1")
	if [[ -L $dest ]] && [[ $(readlink -- "$dest") == "$text" ]]; then
		return 0
	fi
	if [[ -e $dest || -L $dest ]]; then
		die "$dest is in the way: it should be a link to $text like $1"
	fi
	quietly ln -s -- "$text" "$dest"
	printf '  link  %s -> %s\n' "$1" "$text"
	linked=$((linked + 1))
}

# copy_file PATH: copy the regular file PATH into the jail, keeping its mode
# and times; a copy that is already identical is left alone
copy_file() {
	local dest="$jail$1"
	if [[ -L $dest ]]; then
		die "$dest is in the way: it should be a file like $1"
	fi
	if [[ -f $dest ]] && cmp -s -- "$1" "$dest"; then
		return 0
	fi
	# Not the owner: the jail belongs to whoever builds it (and root of a
	# user namespace cannot give files to owners it has no mapping for).
	quietly cp --preserve=mode,timestamps -- "$1" "$dest"
	printf '  copy  %s\n' "$1"
	copied=$((copied + 1))
}

# copy_path PATH [DEPTH]: copy PATH into the jail, one component at a time, the
# way the kernel walks a path: a directory is made, a symbolic link is made and
# then followed (its target is copied too), and the file at the end is copied.
copy_path() {
	local path=$1 depth=${2:-0}
	local rest=${1#/} cur="" part target
	if ((depth > 40)); then
		die "too many levels of symbolic links in $1"
	fi
	while [[ -n $rest ]]; do
		part=${rest%%/*}
		if [[ $rest == */* ]]; then
			rest=${rest#*/}
		else
			rest=""
		fi
		case $part in
		'' | .) continue ;;
		..) cur=${cur%/*}; continue ;;  # cur is a real directory here
		esac
		cur="$cur/$part"
		if [[ -L $cur ]]; then
			make_link "$cur"
			target=$(readlink -- "$cur")
			if [[ $target != /* ]]; then
				target="${cur%/*}/$target"
			fi
			if [[ -n $rest ]]; then
				target="$target/$rest"
			fi
			copy_path "$target" $((depth + 1))
			return 0
		elif [[ -d $cur ]]; then
			make_dir "$cur"
		elif [[ -f $cur && -z $rest ]]; then
			copy_file "$cur"
		elif [[ -e $cur ]]; then
			die "cannot copy $path: $cur is neither a file, a directory nor a link"
		else
			die "cannot copy $path: $cur does not exist"
		fi
	done
}

# find_binary ARG: print the absolute path of the program ARG names
find_binary() {
	local bin=$1
	if [[ $bin != */* ]]; then
		# a bare name: look it up in PATH, like the shell does
		bin=$(type -P -- "$bin") || die "$1: command not found in PATH"
	fi
	if [[ ! -e $bin ]]; then
		die "$bin: no such file"
	fi
	if [[ -d $bin ]]; then
		die "$bin is a directory, not a program"
	fi
	if [[ ! -x $bin ]]; then
		die "$bin is not executable"
	fi
	if [[ $bin != /* ]]; then
		bin="$PWD/${bin#./}"
	fi
	printf '%s\n' "$bin"
}

# list_libraries BINARY: print, one a line, each library path and the loader
# that ldd names; print nothing for a static binary. ldd's lines look like
#     linux-vdso.so.1 (0x00007ffd...)                   in the kernel: skipped
#     libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f...)
#     /lib64/ld-linux-x86-64.so.2 (0x00007f...)          the loader
list_libraries() {
	local out line path
	if ! out=$(LC_ALL=C ldd -- "$1" 2>&1); then
		case $out in
		*'not a dynamic executable'*) return 0 ;;
		*) die "ldd $1 failed: ${out##*$'\n'}" ;;
		esac
	fi
	while IFS= read -r line; do
		line=${line#"${line%%[![:space:]]*}"}   # drop leading blanks
		case $line in
		*'statically linked'*) return 0 ;;
		*' => not found'*) die "ldd cannot find ${line%% => *}, needed by $1" ;;
		*' => '*) path=${line#* => } ;;
		/*) path=$line ;;
		*) continue ;;
		esac
		path=${path% (0x*)}  # drop the load address, keep spaces in the path
		if [[ $path == /* ]]; then
			printf '%s\n' "$path"
		fi
	done <<<"$out"
}

# plural N ONE MANY: "1 library", "3 libraries"
plural() {
	if (($1 == 1)); then
		printf '%s %s' "$1" "$2"
	else
		printf '%s %s' "$1" "$3"
	fi
}

main() {
	local opt bin dir err found lib top why first libs=()
	while getopts ':h' opt; do
		case $opt in
		h) usage; exit 0 ;;
		*) usage_error "unknown option -$OPTARG" ;;
		esac
	done
	shift $((OPTIND - 1))
	case $# in
	0) usage_error "missing BINARY and DIR arguments" ;;
	1) usage_error "missing DIR argument" ;;
	2) ;;
	*) usage_error "too many arguments" ;;
	esac
	if [[ -z $1 ]]; then
		usage_error "BINARY is empty"
	fi
	if [[ -z $2 ]]; then
		usage_error "DIR is empty"
	fi

	bin=$(find_binary "$1")
	dir=$2

	# The jail: make it if needed, then use its absolute path from here on.
	if [[ -e $dir && ! -d $dir ]]; then
		die "$dir exists and is not a directory"
	fi
	if ! err=$(mkdir -p -- "$dir" 2>&1); then
		die "cannot create $dir: ${err##*: }"
	fi
	jail=$(cd -- "$dir" && pwd -P)
	if [[ $jail == / ]]; then
		die "DIR must not be / (that would copy files onto themselves)"
	fi
	if [[ ! -w $jail ]]; then
		die "cannot write to $dir: Permission denied"
	fi

	# ldd names each library once, and the loader on a line of its own.
	found=$(list_libraries "$bin")
	if [[ -n $found ]]; then
		mapfile -t libs <<<"$found"
	fi

	copy_path "$bin"
	if ((${#libs[@]} > 0)); then
		for top in "${TOP_LINKS[@]}"; do
			if [[ -L $top ]]; then
				make_link "$top"
			fi
		done
		for lib in "${libs[@]}"; do
			copy_path "$lib"
		done
	fi

	# Without libraries, BINARY is static, or a script: ldd cannot see inside
	# a script, whose interpreter (#!) is a program of its own.
	why="statically linked, no libraries"
	if [[ $(head -c 2 -- "$bin") == '#!' ]]; then
		IFS= read -r first <"$bin" || true
		first=${first#??}
		first=${first#"${first%%[![:space:]]*}"}
		why="a script for ${first%%[[:space:]]*}: copy that program too"
	fi

	if ((copied + linked == 0)); then
		if ((${#libs[@]} == 0)); then
			printf '%s: %s already has %s (%s)\n' "$PROG" "$dir" "$bin" "$why"
		else
			printf '%s: %s already has %s and its %s\n' \
				"$PROG" "$dir" "$bin" "$(plural "${#libs[@]}" library libraries)"
		fi
	elif ((${#libs[@]} == 0)); then
		printf '%s: copied %s into %s (%s)\n' "$PROG" "$bin" "$dir" "$why"
	else
		printf '%s: copied %s and its %s into %s (%s, %s)\n' "$PROG" "$bin" \
			"$(plural "${#libs[@]}" library libraries)" "$dir" \
			"$(plural "$copied" file files)" "$(plural "$linked" link links)"
	fi
}

main "$@"
