#!/usr/bin/env bash
# handout.sh DEST: write the students' copy of the lab (`make handout DEST=DIR`).
#
# Everything is copied as it is (tests, scripts, LAB.md, the Makefile) but
# the step files: step 1 stays complete, a worked example, and in step N's
# file every region that steps 2 to N add, from a "[step K]" comment to its
# "[end of step K]", becomes a TODO that says what to write and which man
# page to read.  A flag whose code is gone still parses, says it is not
# implemented yet and exits 125, so every file compiles and runs.  A student
# starts step N from their own step N-1; `make check` then grades them.
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

# The handout of one step file, from stdin to stdout.
strip_steps() {
	awk '
	# The header tells students how to read the TODOs instead.
	/^ \* Comments that start with \[step N\] mark/ {
		print " * Comments that start with TODO (step N) say what step N adds: write"
		print " * it, starting from your own step N-1, then run make check."
		getline
		next
	}
	# Before parse_options: the stand-in for flags still to write.
	/^\/\* Fill OPTS from the command line/ {
		print "/* A flag whose code is still to write: say so, and exit 125.  Unused"
		print " * once every flag is done (then delete it). */"
		print "static void __attribute__((unused)) unimplemented(const char *flag, int step)"
		print "{"
		print "\terrx(EXIT_SETUP, \"%s is not implemented yet (step %d)\", flag, step);"
		print "}"
		print ""
	}
	# Inside a removed region: count nested ones, print nothing.
	depth > 0 {
		if ($0 ~ /^[ \t]*\/\* \[step [0-9]/)
			depth++
		else if ($0 ~ /^[ \t]*\/\* \[end of step [0-9]\] \*\/$/)
			depth--
		next
	}
	# A region begins: its comment, which may go on over several lines,
	# becomes the TODO; a flag gets the call that refuses it for now.
	/^[ \t]*\/\* \[step [0-9](: -[A-Za-z])?\]/ {
		indent = $0
		sub(/[^ \t].*$/, "", indent)
		match($0, /\[step [0-9](: -[A-Za-z])?\]/)
		tag = substr($0, RSTART + 1, RLENGTH - 2)
		step = substr(tag, 6, 1)
		flag = (tag ~ /: -/) ? substr(tag, 9) : ""
		line = $0
		sub(/\[step [0-9](: -[A-Za-z])?\] /, "TODO (step " step "): ", line)
		print line
		while (line !~ /\*\//) {
			if ((getline line) <= 0)
				break
			print line
		}
		if (flag != "")
			printf "%sunimplemented(\"%s\", %s);\n", indent, flag, step
		depth = 1
		next
	}
	{ print }
	END { if (depth > 0) exit 3 }
	'
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
		strip_steps <"$file" >"$file.new" ||
			die "${file#"$dest"/}: a [step N] region has no [end of step N]"
		mv "$file.new" "$file"
	done
	if grep -q '\[step [0-9]' "$dest"/step0*/invoke_ns.c; then
		die "a marker was left in the handout: check the [step N] comments"
	fi
	printf '%s: the handout is in %s: step 1 complete, TODOs in steps 2 to 7\n' "$PROG" "$dest"
}

main "$@"
