#!/usr/bin/env bash
# next.sh N: in a handout, carry your own step N-1 into step N (make next
# STEP=N).  Step N's file becomes step N's skeleton (as make handout wrote
# it, kept in .handout/) plus every change you made to step N-1's skeleton:
# a three-way merge with diff3(1), which keeps step N's own TODOs.  Your
# step N file is kept first as invoke_ns.c.orig (an older one as .orig.~1~).
set -euo pipefail

readonly PROG=${0##*/}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
readonly ROOT

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 2
}

case ${1-} in
[2-7]) ;;
*) die "which step? make next STEP=N, with N from 2 to 7" ;;
esac
cd "$ROOT"
prev=$(printf '%s\n' step0"$(($1 - 1))"-*)
this=$(printf '%s\n' step0"$1"-*)
if [ ! -f ".handout/$prev.c" ] || [ ! -f ".handout/$this.c" ]; then
	die "no skeletons in .handout/: make next works in a handout (make handout DEST=DIR)"
fi
[ -f "$prev/invoke_ns.c" ] || die "$prev/invoke_ns.c is missing"

merged=$(mktemp)
trap 'rm -f "$merged"' EXIT
status=0
diff3 -m -L "step $1 skeleton" -L "step $(($1 - 1)) skeleton" -L "your step $(($1 - 1))" \
	".handout/$this.c" ".handout/$prev.c" "$prev/invoke_ns.c" >"$merged" || status=$?
[ "$status" -le 1 ] || die "diff3 failed"
[ ! -f "$this/invoke_ns.c" ] || cp --backup=numbered "$this/invoke_ns.c" "$this/invoke_ns.c.orig"
cp "$merged" "$this/invoke_ns.c"
if [ "$status" -eq 1 ]; then
	grep -n '^<<<<<<<' "$this/invoke_ns.c" | cut -d: -f1 |
		sed "s#^#$this/invoke_ns.c:#; s#\$#: conflict: keep what both need, then delete the marker lines#" >&2
	die "step $1 has your step $(($1 - 1)), with conflicts to settle by hand"
fi
printf '%s: %s/invoke_ns.c now holds your step %d and the TODOs of step %d\n' \
	"$PROG" "$this" "$(($1 - 1))" "$1"
