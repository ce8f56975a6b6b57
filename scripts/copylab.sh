#!/usr/bin/env bash
# copylab.sh FROM TO: copy the lab in FROM to the directory TO, without what
# the build and the tests make (binaries, ./jail, reports).  In a git
# checkout that is every file git tracks or would track (new files a
# student has not committed yet count); elsewhere, every file but those.
# The handout (make handout) and the LAB.md checker start from such a copy.
set -euo pipefail

readonly PROG=${0##*/}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

# The lab's files under the current directory, NUL-separated.
lab_files() {
	# safe.directory: root may read a checkout that a student owns.
	if git -c safe.directory="$PWD" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -c safe.directory="$PWD" ls-files -z -c -o --exclude-standard
	else
		find . -type f ! -path './.git/*' ! -path './jail/*' ! -path './tests/reports/*' \
			! -name invoke_ns ! -name 'invoke_ns-*' -printf '%P\0'
	fi
}

[ $# -eq 2 ] || { printf 'Usage: %s FROM TO\n' "$PROG" >&2; exit 2; }
mkdir -p "$2" || die "cannot create $2"
cd "$1" || die "no lab in $1"
# A file git still lists but that is deleted in the work tree is left out.
lab_files | while IFS= read -r -d '' file; do
	[ -e "$file" ] && printf '%s\0' "$file"
done | tar --null -T - -cf - | tar -C "$2" -xpf -
