#!/usr/bin/env bash
# lint.sh (make lint): what the tests cannot see.  Every step file,
# step06-chroot/escape.c and tests/die_in_child.c built by gcc and by clang
# with warnings as errors, as Ubuntu's compilers build them (with
# _FORTIFY_SOURCE, which warns of an unchecked read or getrandom), and
# checked by cppcheck; shellcheck over scripts/, .ci/run and the
# suites; the last step, which holds the code of every step, built with
# UndefinedBehaviorSanitizer and run through the suites of every step, where
# a report or a failed test fails.  One line per check, and below a failed
# one what the tool said.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

# run NAME CMD...: one check, quietly; its output only when it fails.
run() {
	local name=$1
	shift
	if "$@" >"$TMP/out" 2>&1; then
		printf 'ok    %s\n' "$name"
	else
		printf 'FAIL  %s\n' "$name"
		sed 's/^/      | /' "$TMP/out" | head -n 40
		FAILED=$((FAILED + 1))
	fi
}

# The suites run as make check runs them, in a sandbox (lib.sh), against the
# sanitizer build (INVOKE_NS_BUILD).  A report goes to a file and stops the
# program with a status no test expects.
ubsan_suites() {
	local status=0
	UBSAN_OPTIONS=print_stacktrace=1:exitcode=99:log_path=$TMP/logs/ubsan \
		INVOKE_NS_BUILD=$TMP/build STEP=$LAST in_sandbox \
		bats --formatter tap "$@" </dev/null >"$TMP/tap" 2>&1 || status=$?
	cat "$TMP"/logs/* 2>/dev/null && return 1
	grep -A 8 '^not ok' "$TMP/tap" || [ "$status" -eq 0 ] || tail -n 20 "$TMP/tap"
	[ "$status" -eq 0 ]
}

cd "$ROOT"
mapfile -t STEPS < <(steps)
[ ${#STEPS[@]} -gt 0 ] || die "no step to check"
TMP=$(mktemp -d)
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
FAILED=0
SOURCES=("${STEPS[@]/%//invoke_ns.c}" step06-chroot/escape.c tests/die_in_child.c)
for cc in gcc clang; do
	for file in "${SOURCES[@]}"; do
		# -O2, as the Makefile builds: -Wmaybe-uninitialized needs it.
		run "warnings $cc $file" "$cc" -Wall -Wextra -Werror -O2 -D_FORTIFY_SOURCE=2 \
			-c -o /dev/null "$file"
	done
done
run "cppcheck ${#SOURCES[@]} files" cppcheck --quiet --std=c11 --error-exitcode=1 \
	--enable=warning,style,performance,portability "${SOURCES[@]}"
run "shellcheck scripts, .ci/run, tests/*.bash" shellcheck -x -S style scripts/*.sh .ci/run tests/*.bash
run "shellcheck tests/*.bats" shellcheck -x -S style -s bats tests/*.bats

LAST=${STEPS[-1]}
mapfile -t SUITES < <(printf 'tests/%s.bats\n' usage exit_status signals "${STEPS[@]}")
mkdir -p "$TMP/build/$LAST" "$TMP/logs"
chmod 1777 "$TMP/logs" # step 7's suite runs it as uid 65534 too
run "ubsan build $LAST" cc -fsanitize=undefined -fno-sanitize-recover=all -g -O1 \
	-Wall -Wextra -Werror -o "$TMP/build/$LAST/invoke_ns" "$LAST/invoke_ns.c" -lrt
[ ! -x "$TMP/build/$LAST/invoke_ns" ] ||
	run "ubsan $LAST, through ${#SUITES[@]} suites" ubsan_suites "${SUITES[@]}"
[ "$FAILED" -eq 0 ] || die "$FAILED checks failed ($SECONDS s)"
printf '%s: every check passed (%d s)\n' "$PROG" "$SECONDS"
