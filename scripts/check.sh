#!/usr/bin/env bash
# check.sh: run the lab's bats suites and sum them up per step, for graders.
#
# Step N is checked with the suites every step shares (usage, exit status,
# signals) and the suites of steps 1 to N: a later step must still do all
# that the earlier ones did.  Then the suites that are not about one step
# (the leak check itself, scripts/, LAB.md, make demo, make handout) run
# once.  Each run writes a JUnit report under tests/reports/; the last lines
# are one summary per run and a total.
#
# Without root, where the kernel lets users create user namespaces, the
# suites run as root of a user namespace of their own (with its own mount,
# network and IPC namespaces, and a private /run for ip netns): that is
# enough for every namespace the steps make and for the test networks.
# Step 7's suite also runs first as the caller, the truly unprivileged
# user it is about.  Where user namespaces are restricted, what needs root
# is skipped, each skip saying why.
set -euo pipefail

readonly PROG=${0##*/}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
readonly ROOT
readonly REPORTS=$ROOT/tests/reports

usage() {
	cat <<EOF
Usage: $PROG [-h] [N]

Run the lab's tests: every step present, or only step N (1 to 7).
Prints one summary line per step and a total, writes JUnit reports to
tests/reports/, and exits 1 when any test failed.
EOF
}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

# The suites that check step directory $1 (step03-uts: the shared ones,
# then step01-*, step02-*, step03-*).
suites_for() {
	local n=${1:4:2} f
	printf '%s\n' tests/usage.bats tests/exit_status.bats tests/signals.bats
	for f in tests/step0[1-7]-*.bats; do
		[ "${f:10:2}" -le "$n" ] && printf '%s\n' "$f"
	done
}

# The suites that run once, whichever steps are there.
other_suites() {
	local f
	for f in tests/helpers.bats tests/scripts.bats tests/lab.bats tests/demo.bats tests/handout.bats; do
		[ -f "$f" ] && printf '%s\n' "$f"
	done
}

SUMMARY=()
TOTAL_PASS=0
TOTAL_FAIL=0
TOTAL_SKIP=0

# run_suites NAME STEPDIR SUITE...: run bats on the suites, show its TAP
# output, keep a JUnit report as tests/reports/NAME.xml and a summary line.
run_suites() {
	local name=$1 step=$2 tap pass fail skip
	shift 2
	tap=$(mktemp)
	mkdir -p "$REPORTS/$name"
	printf '\n== %s\n' "$name"
	STEP=$step bats --formatter tap --report-formatter junit \
		--output "$REPORTS/$name" "$@" </dev/null | tee "$tap" || true
	mv "$REPORTS/$name/report.xml" "$REPORTS/$name.xml" 2>/dev/null || true
	rmdir "$REPORTS/$name" 2>/dev/null || true
	skip=$(grep -c '^ok .* # skip' "$tap" || true)
	pass=$(($(grep -c '^ok ' "$tap" || true) - skip))
	fail=$(grep -c '^not ok ' "$tap" || true)
	# A suite that stopped early (no plan, or fewer results than planned)
	# counts as a failure, so a crash cannot pass for a clean run.
	if ! grep -q '^1\.\.[0-9]' "$tap" ||
		[ "$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$tap" | head -n 1)" -ne "$((pass + skip + fail))" ]; then
		fail=$((fail + 1))
	fi
	rm -f "$tap"
	SUMMARY+=("$(printf '%s: %d passed, %d failed, %d skipped' "$name" "$pass" "$fail" "$skip")")
	TOTAL_PASS=$((TOTAL_PASS + pass))
	TOTAL_FAIL=$((TOTAL_FAIL + fail))
	TOTAL_SKIP=$((TOTAL_SKIP + skip))
}

# Carry this run's results into the user namespace that the rest runs in.
carry_out() {
	local IFS=$'\x1f'
	INVOKE_NS_CARRY="$TOTAL_PASS $TOTAL_FAIL $TOTAL_SKIP${IFS}${SUMMARY[*]}"
	export INVOKE_NS_CARRY
}

carry_in() {
	local counts lines
	[ -n "${INVOKE_NS_CARRY:-}" ] || return 0
	IFS=$'\x1f' read -r counts lines <<<"$INVOKE_NS_CARRY"
	read -r TOTAL_PASS TOTAL_FAIL TOTAL_SKIP <<<"$counts"
	IFS=$'\x1f' read -r -a SUMMARY <<<"$lines"
	unset INVOKE_NS_CARRY
}

# Not root: step 7 as the caller, then everything again as root of a user
# namespace (this script once more, inside it), or as the caller alone.
without_root() {
	if ! unshare --user --map-root-user --mount --net --ipc true 2>/dev/null; then
		printf '%s: not root, and this machine does not let users create user namespaces:\n' "$PROG"
		printf '%s: the tests that need root will be skipped (or run: sudo make check)\n' "$PROG"
		return 0
	fi
	printf '%s: not root: step 7 runs as you, then every suite as root of a user namespace\n' "$PROG"
	[ ! -x step07-user/invoke_ns ] ||
		run_suites step07-user-as-you step07-user tests/step07-user.bats
	carry_out
	exec unshare --user --map-root-user --mount --net --ipc -- \
		env INVOKE_NS_IN_USERNS=1 "$0" "$@"
}

# The suites' leak checks follow the processes of the session they run in.
# Started by a machine's PID 1 with no session of their own (as a CI runner
# may start them), they would share session 0 with the kernel's threads and
# with whatever else PID 1 starts: take a session of our own first.
own_session() {
	[ "$(ps -o sid= -p "$$" | tr -d ' ')" != 0 ] || exec setsid -w "$0" "$@"
}

main() {
	local only="" step last="" started line
	local -a suites
	case ${1-} in
	-h | --help) usage; exit 0 ;;
	'') ;;
	[1-7]) only=$1 ;;
	*) die "N is a step number from 1 to 7, not '$1'" ;;
	esac
	started=${INVOKE_NS_STARTED:-$(date +%s)}
	export INVOKE_NS_STARTED=$started
	own_session "$@"
	cd "$ROOT"
	if [ -n "${INVOKE_NS_IN_USERNS:-}" ]; then
		# ip netns keeps its namespaces under /run/netns, which belongs
		# to the real root: give ip a /run of our own (once: a check run
		# by a test inside this one finds it there).  And root's PATH.
		[ "$(findmnt -n -o SOURCE --mountpoint /run)" = invoke-ns-run ] ||
			mount -t tmpfs -o mode=755 invoke-ns-run /run
		PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
		carry_in
	else
		scripts/deps.sh --ensure
		rm -rf "$REPORTS"
		[ "$(id -u)" -eq 0 ] || without_root "$@"
	fi
	for step in step0[1-7]-*; do
		[ -f "$step/invoke_ns.c" ] || continue
		[ -z "$only" ] || [ "${step:5:1}" = "$only" ] || continue
		[ -x "$step/invoke_ns" ] || die "$step/invoke_ns is not built: run make first"
		mapfile -t suites < <(suites_for "$step")
		run_suites "$step" "$step" "${suites[@]}"
		last=$step
	done
	# The suites about the lab as a whole run once, against the last step.
	if [ -z "$only" ] && [ -n "$last" ]; then
		mapfile -t suites < <(other_suites)
		[ ${#suites[@]} -eq 0 ] || run_suites shared "$last" "${suites[@]}"
	fi
	[ ${#SUMMARY[@]} -gt 0 ] || die "no step to check${only:+: there is no step $only}"
	printf '\n'
	for line in "${SUMMARY[@]}"; do
		printf '%s\n' "$line"
	done
	printf 'JUnit reports: tests/reports/*.xml; wall time: %d s\n' "$(($(date +%s) - started))"
	printf 'total: %d passed, %d failed, %d skipped\n' "$TOTAL_PASS" "$TOTAL_FAIL" "$TOTAL_SKIP"
	[ "$TOTAL_FAIL" -eq 0 ]
}

main "$@"
