#!/usr/bin/env bash
# stepdiff.sh N: what step N adds to step N-1, the lesson of each step
# (`make diff STEP=N`).  git diff pages it and colours it on a terminal.
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
-h | --help)
	printf 'Usage: %s N\nShow the diff from step N-1 to step N (N from 2 to 7).\n' "$PROG"
	exit 0
	;;
'') die "which step? make diff STEP=N, with N from 2 to 7" ;;
*) die "N is a step number from 2 to 7, not '$1'" ;;
esac

cd "$ROOT"
prev=$(printf '%s\n' step0"$(($1 - 1))"-*)
this=$(printf '%s\n' step0"$1"-*)
[ -f "$this/invoke_ns.c" ] || die "there is no step $1 here"
# Exit status 1 means the files differ, which is the point here.
git diff --no-index -- "$prev/invoke_ns.c" "$this/invoke_ns.c" || [ $? -eq 1 ]
