#!/usr/bin/env bash
# steps.sh: step 7's file is the one source of the code of every step.
#
#   steps.sh write           rewrite steps 1-6 from step 7 (make steps)
#   steps.sh check           exit 1, naming file and line, where they differ
#                            from what write would give (make sync-check)
#   steps.sh cut N [T] FILE  FILE cut down to step N; with T, the code of
#                            steps T..N becomes TODOs (the handout)
#
# In a step file, a comment that starts with "[step K]" (or "[step K: -F]"
# for a flag) begins the code step K adds, which runs up to and including
# the next blank line (for a function, the one after its closing brace); a
# line that ends in a "/* [step K] */" comment belongs to step K alone; where
# such a line ends a string that runs over several lines (";" or ");"), the
# end moves to the line kept before it.
# Step N's file is its own header comment (up to the first line " */"),
# then step 7's code without what steps after N add.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LAST=$ROOT/step07-user/invoke_ns.c

# cut N T FILE: the code of FILE after its header, cut down to step N, with
# the regions of steps T and later turned into their TODO comment.
cut_body() {
	awk -v keep="$1" -v todo="$2" -v file="$3" '
	function fail(msg) { printf "%s:%d: %s\n", file, NR, msg > "/dev/stderr"; bad = 1; exit 2 }
	# Lines go out one behind, so that a dropped line can end the one before.
	function emit(l) { if (n++) print held; held = l }
	function end_held(term,  code) {
		code = held
		sub(/[ \t]*\/\*.*\*\/$/, "", code)
		if (code !~ /"$/) return	# only a string that goes on ends here
		if (!sub(/[ \t]*\/\*.*\*\/$/, term "&", held)) held = held term
	}
	!body { if ($0 == " */") body = 1; next }
	# Inside a region of step k: its comment, then its code, then one blank
	# line; a region at the left margin is a function, ended by its "}".
	region {
		if ($0 ~ /\[step [0-9]/) fail("a region inside another; end the first with a blank line")
		if ($0 ~ /^}/) fn = 0
		if ($0 == "" && !fn) { region = 0; if (mode != "drop") emit($0); next }
		if (mode == "keep" || (mode == "todo" && comment)) emit($0)
		if (comment && $0 ~ /\*\//) comment = 0
		next
	}
	match($0, /^[ \t]*\/\* \[step [0-9][]:]/) {
		k = substr($0, RLENGTH - 1, 1)
		mode = k > keep ? "drop" : k >= todo ? "todo" : "keep"
		region = 1; comment = $0 !~ /\*\//; fn = $0 ~ /^\//
		line = $0
		if (mode == "todo") sub(/\[step/, "TODO (step", line) && sub(/\]/, "):", line)
		if (mode != "drop") emit(line)
		next
	}
	match($0, /\/\* \[step [0-9]\][^*]*\*\/$/) {
		k = substr($0, RSTART + 9, 1)
		line = $0
		# A TODO step keeps its constants, which its TODO comments name.
		if (k <= keep && k >= todo && line ~ /^#define /)
			sub(/\[step/, "TODO (step", line) && sub(/\]/, "):", line)
		if (k <= keep && (k < todo || line ~ /^#define /)) emit(line)
		else if (match($0, /\)?;[ \t]*\/\* \[step/)) end_held(substr($0, RSTART, index(substr($0, RSTART), ";")))
		next
	}
	{ emit($0) }
	END {
		if (bad) exit 2
		if (n) print held
		if (!body) fail("no header comment ending in a line \" */\"")
		if (region) fail("the last region has no blank line after it")
	}' "$3"
}

# header FILE: the header comment of FILE.
header() {
	sed '/^ \*\/$/q' "$1"
}

case ${1-} in
write | check)
	if [ -d "$ROOT/.handout" ]; then
		[ "$1" = check ] || { printf 'steps.sh: a handout: make steps would write over your own steps 1-6\n' >&2; exit 2; }
		printf 'steps.sh: a handout: its step files are yours, nothing to compare\n'
		exit 0
	fi
	cut_body 7 8 "$LAST" >/dev/null # step 7's marks first
	GEN=$(mktemp) status=0
	trap 'rm -f "$GEN"' EXIT
	for f in "$ROOT"/step0[1-6]-*/invoke_ns.c; do
		n=${f#"$ROOT"/step0} n=${n%%-*}
		{ header "$f"; cut_body "$n" 8 "$LAST"; } >"$GEN"
		if [ "$1" = write ]; then
			cp "$GEN" "$f"
		elif ! cmp -s "$GEN" "$f"; then
			first=$(diff "$GEN" "$f" | sed -n '1s/^[0-9,]*[acd]\([0-9]*\).*/\1/p' || true)
			printf '%s:%s: differs from step 7 cut down to step %s (make steps writes it)\n' \
				"${f#"$ROOT"/}" "$first" "$n" >&2
			diff -u --label "from step 7" --label "${f#"$ROOT"/}" "$GEN" "$f" | head -n 20 >&2 || true
			status=1
		fi
	done
	[ "$1$status" != check0 ] || printf 'steps.sh: steps 1-6 are step 7 cut down, line for line\n'
	exit "$status"
	;;
cut)
	[ $# -ge 3 ] || { printf 'steps.sh: usage: steps.sh cut N [T] FILE\n' >&2; exit 2; }
	if [ $# -eq 3 ]; then set -- cut "$2" 8 "$3"; fi
	header "$4"
	cut_body "$2" "$3" "$4"
	;;
*) printf 'steps.sh: usage: steps.sh write | check | cut N [T] FILE\n' >&2; exit 2 ;;
esac
