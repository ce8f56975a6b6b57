#!/usr/bin/env bash
# handout.sh DEST (make handout DEST=DIR): the students' copy of the lab in
# DEST, a new or empty directory.  Everything as it is but steps 2 to 7,
# where the code of steps 2..N is cut down to its "[step K]" comments, which
# become TODOs (steps.sh cut); each file still compiles and runs.  The
# skeletons go to DEST/.handout/ too, for make next's three-way merge.
set -euo pipefail
die() { printf 'handout.sh: %s\n' "$1" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case ${1-} in '' | -*) printf 'usage: make handout DEST=DIR (handout.sh DEST)\n' >&2; exit 2 ;; esac
[ -z "$(ls -A "$1" 2>/dev/null)" ] || die "$1 is not empty: choose a new directory"
"$ROOT/scripts/copylab.sh" "$ROOT" "$1"
mkdir -p "$1/.handout"
for file in "$1"/step0[1-7]-*/invoke_ns.c; do
	step=${file%/invoke_ns.c} step=${step##*/} n=${step#step0} n=${n%%-*}
	if [ "$step" != step01-pid ]; then
		"$ROOT/scripts/steps.sh" cut "$n" 2 "$file" | awk '
		/^ \* Marks:/ {
			print " * TODO:   a comment that starts \"TODO (step N)\" says what step N adds:"
			print " *         write it, starting from your own step N-1, then make check."
			print " *         For a flag (step N: -F), add F to the getopt letters and to -h."
			getline; next
		}
		{ print }' >"$file.new" || die "${file#"$1"/}: its [step N] marks are broken"
		mv "$file.new" "$file"
	fi
	cp "$file" "$1/.handout/$step.c"
done
! grep -q '\[step [0-9]' "$1"/step0*/invoke_ns.c || die "a marker was left in the handout: check the [step N] comments"
printf 'handout.sh: the handout is in %s: step 1 complete, TODOs in steps 2 to 7\n' "$1"
