#!/usr/bin/env bash
# handout.sh DEST: write the students' copy of the lab (`make handout DEST=DIR`).
#
# Everything is copied as it is (tests, scripts, LAB.md, the Makefile) but
# the step files: step 1 stays complete, a worked example, and in step N's
# file the code that steps 2 to N add is cut down to its "[step K]"
# comment, which becomes a TODO that says what to write, which man page to
# read and which -v lines to print.  Every file compiles and runs; a flag
# still to write is an unknown option.  A student starts step N from their
# own step N-1; `make check` then grades them.
set -euo pipefail

readonly PROG=${0##*/}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
readonly ROOT

usage() {
	cat <<EOF
Usage: $PROG [-h] DEST

Write a handout of the lab into DEST, a directory that does not exist yet
or is empty: the whole lab, with the code of steps 2 to 7 replaced by TODOs.
EOF
}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

# The handout of step file $1 (step N), on stdout: steps.sh cuts the code
# of steps 2..N down to its TODO comments; the header says how to read them.
handout_of() {
	local n=${1%/invoke_ns.c}
	n=${n##*/step0}
	"$ROOT/scripts/steps.sh" cut "${n%%-*}" 2 "$1" | awk '
	/^ \* Marks:/ {
		print " * TODO:   a comment that starts \"TODO (step N)\" says what step N adds:"
		print " *         write it, starting from your own step N-1, then make check."
		print " *         For a flag (step N: -F), add F to the getopt letters and to -h."
		getline
		next
	}
	{ print }'
}

main() {
	local dest file step
	case ${1-} in
	-h | --help) usage; exit 0 ;;
	'') printf '%s: missing DEST (make handout DEST=DIR)\n' "$PROG" >&2; usage >&2; exit 2 ;;
	esac
	dest=$1
	if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
		die "$dest is not empty: choose a new directory"
	fi
	"$ROOT/scripts/copylab.sh" "$ROOT" "$dest"
	for step in "$dest"/step0[2-7]-*/; do
		file=$step/invoke_ns.c
		handout_of "$file" >"$file.new" || die "${file#"$dest"/}: its [step N] marks are broken"
		mv "$file.new" "$file"
	done
	# The skeletons as handed out, for make next's three-way merge.
	mkdir -p "$dest/.handout"
	for step in "$dest"/step0[1-7]-*/; do
		step=${step%/}
		cp "$step/invoke_ns.c" "$dest/.handout/${step##*/}.c"
	done
	if grep -q '\[step [0-9]' "$dest"/step0*/invoke_ns.c; then
		die "a marker was left in the handout: check the [step N] comments"
	fi
	printf '%s: the handout is in %s: step 1 complete, TODOs in steps 2 to 7\n' "$PROG" "$dest"
}

main "$@"
