#!/usr/bin/env bash
# next.sh N (make next STEP=N, in a handout): carry your step N-1 into step N.
# Step N's file becomes its skeleton from .handout/ plus every change you
# made to step N-1's skeleton (a three-way merge with diff3(1)), so step N's
# TODOs stay.  It refuses while step N-1 is still as handed out (there is
# nothing of yours to carry), and once step N is begun (changed from its
# skeleton), unless FORCE=1.  The file it replaces is kept as
# invoke_ns.c.orig, an older .orig as invoke_ns.c.orig.~1~ and so on.
set -euo pipefail
die() { printf 'next.sh: %s\n' "$1" >&2; exit 2; }
[[ ${1-} == [2-7] ]] || die "which step? make next STEP=N, with N from 2 to 7"
cd "$(dirname "$0")/.."
prev=$(printf '%s\n' step0"$(($1 - 1))"-*) this=$(printf '%s\n' step0"$1"-*)
[[ -f .handout/$prev.c && -f .handout/$this.c ]] ||
	die "no skeletons in .handout/: make next works in a handout (make handout DEST=DIR)"
[ -f "$prev/invoke_ns.c" ] || die "$prev/invoke_ns.c is missing"
! cmp -s "$prev/invoke_ns.c" ".handout/$prev.c" || ! grep -q 'TODO (step' "$prev/invoke_ns.c" ||
	die "$prev/invoke_ns.c is still as handed out: write step $(($1 - 1))'s TODOs first"
if [ -f "$this/invoke_ns.c" ] && ! cmp -s "$this/invoke_ns.c" ".handout/$this.c" && [ "${FORCE-}" != 1 ]; then
	die "$this/invoke_ns.c is begun, so it stays as it is (make next STEP=$1 FORCE=1 replaces it, kept as invoke_ns.c.orig)"
fi
merged=$(mktemp) status=0
trap 'rm -f "$merged"' EXIT
diff3 -m -L "step $1 skeleton" -L "step $(($1 - 1)) skeleton" -L "your step $(($1 - 1))" \
	".handout/$this.c" ".handout/$prev.c" "$prev/invoke_ns.c" >"$merged" || status=$?
[ "$status" -le 1 ] || die "diff3 failed"
if [ -f "$this/invoke_ns.c" ]; then
	cp --backup=numbered "$this/invoke_ns.c" "$this/invoke_ns.c.orig"
	printf 'next.sh: the step %d file it replaces is now %s/invoke_ns.c.orig\n' "$1" "$this"
fi
cp "$merged" "$this/invoke_ns.c"
if [ "$status" -eq 1 ]; then
	grep -n '^<<<<<<<' "$this/invoke_ns.c" | cut -d: -f1 |
		sed "s#.*#$this/invoke_ns.c:&: conflict: keep what both need, then delete the marker lines#" >&2
	die "step $1 has your step $(($1 - 1)), with conflicts to settle by hand"
fi
printf 'next.sh: %s/invoke_ns.c now holds your step %d and the TODOs of step %d\n' "$this" "$(($1 - 1))" "$1"
