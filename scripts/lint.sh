#!/usr/bin/env bash
# lint.sh [CHECK...]: what the tests cannot see (`make lint`).
#
#   - warnings: every step built by gcc and by clang, warnings as errors;
#   - cppcheck: every step file;
#   - shellcheck: scripts/, .ci/run and tests/ (the suites as bats files);
#   - ubsan: the last step, which holds the code of every step, built with
#     UndefinedBehaviorSanitizer (out-of-bounds indexes, overflows, bad
#     shifts, misaligned or null pointers) and run through the suites of
#     every step; a report or a failed test fails.
#
# One line per check, what the tool said below a failed one, then a total.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

readonly ALL="warnings cppcheck shellcheck ubsan"

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

check_warnings() {
	local cc step
	for cc in gcc clang; do
		for step in "${STEPS[@]}"; do
			# -O2, as the Makefile builds: -Wmaybe-uninitialized needs it.
			run "warnings $cc $step" "$cc" -Wall -Wextra -Werror -O2 -c -o /dev/null "$step/invoke_ns.c"
		done
	done
}

check_cppcheck() {
	run "cppcheck ${#STEPS[@]} steps" cppcheck --quiet --std=c11 --error-exitcode=1 \
		--enable=warning,style,performance,portability "${STEPS[@]/%//invoke_ns.c}"
}

check_shellcheck() {
	run "shellcheck scripts, .ci/run, tests/*.bash" shellcheck -x -S style \
		scripts/*.sh .ci/run tests/*.bash
	run "shellcheck tests/*.bats" shellcheck -x -S style -s bats tests/*.bats
}

# The suites run as make check runs them, in a sandbox (lib.sh), with
# INVOKE_NS_BUILD pointing at the sanitizer build.  A report goes to a
# file, and stops the program with a status no test expects.
check_ubsan() {
	local last=${STEPS[-1]} s
	local -a suites=(tests/usage.bats tests/exit_status.bats tests/signals.bats)
	for s in "${STEPS[@]}"; do
		suites+=("tests/$s.bats")
	done
	mkdir -p "$TMP/build/$last" "$TMP/logs"
	chmod 1777 "$TMP/logs" # step 7's suite runs it as uid 65534 too
	run "ubsan build $last" cc -fsanitize=undefined -fno-sanitize-recover=all -g -O1 \
		-Wall -Wextra -Werror -o "$TMP/build/$last/invoke_ns" "$last/invoke_ns.c" -lrt || return 0
	run "ubsan $last, through ${#suites[@]} suites" ubsan_suites "$last" "${suites[@]}"
}

ubsan_suites() {
	local step=$1 status=0
	shift
	UBSAN_OPTIONS=print_stacktrace=1:exitcode=99:log_path=$TMP/logs/ubsan \
		INVOKE_NS_BUILD=$TMP/build STEP=$step in_sandbox \
		bats --formatter tap "$@" </dev/null >"$TMP/tap" 2>&1 || status=$?
	cat "$TMP"/logs/* 2>/dev/null && return 1
	grep -A 8 '^not ok' "$TMP/tap" || [ "$status" -eq 0 ] || tail -n 20 "$TMP/tap"
	[ "$status" -eq 0 ]
}

main() {
	local check
	local -a checks=()
	for check in "$@"; do
		case " $ALL " in
		*" $check "*) checks+=("$check") ;;
		*) die "unknown check '$check' (one of: $ALL)" ;;
		esac
	done
	[ ${#checks[@]} -gt 0 ] || read -ra checks <<<"$ALL"
	cd "$ROOT"
	mapfile -t STEPS < <(steps)
	[ ${#STEPS[@]} -gt 0 ] || die "no step to check"
	TMP=$(mktemp -d)
	chmod 755 "$TMP"
	trap 'rm -rf "$TMP"' EXIT
	FAILED=0
	for check in "${checks[@]}"; do
		"check_$check"
	done
	if [ "$FAILED" -gt 0 ]; then
		die "$FAILED checks failed ($SECONDS s)"
	fi
	printf '%s: every check passed (%d s)\n' "$PROG" "$SECONDS"
}

main "$@"
