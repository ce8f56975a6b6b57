#!/usr/bin/env bash
# check.sh [N]: run the lab's bats suites and sum them up per step (`make
# check`, `make check STEP=N`).
#
# Step N runs its own suite and usage (its -h and flags); the last step
# also runs every other suite, since `make sync-check` (run first) proves
# that it holds the code of every earlier step unchanged.  `check.sh N`
# runs step N's suite, usage, exit_status and signals.  The suites about the
# lab as a whole (scripts/, LAB.md, make demo, make handout) run once, in
# the lab itself: a handout (it has .handout/) tests the student's programs
# only, and a step whose file is still as handed out is "to do", not run; the
# last step begun then stands for the steps before it.
#
# Each suite file is a job, as many at once as there are CPUs, each in
# namespaces and a session of its own (in_sandbox in lib.sh), so that its
# leak check sees only what it made.  Without root, a user namespace makes
# the caller its root, and step 7's suite runs as the caller instead; where
# users may not create user namespaces, the suites run one at a time as the
# caller, and what needs root skips, saying why.
#
# Output: a line per suite as it ends, the failures in full, a summary line
# per step and a total.  JUnit reports: tests/reports/STEP.xml.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

readonly REPORTS=$ROOT/tests/reports
readonly SHARED_SUITES="signals exit_status"
readonly LAB_SUITES="handout lab demo scripts steps doctor"

# The jobs of this run, "GROUP STEP SUITE" a line, the longest first; a
# step to do is the line "STEP to-do -".
plan() {
	local only=$1 last="" step s extra group
	for step in $(steps); do
		handed_out "$step" || last=$step
	done
	[ -n "$only" ] || [ -d "$ROOT/.handout" ] || for s in $LAB_SUITES; do
		[ ! -f "$ROOT/tests/$s.bats" ] || printf 'shared %s %s\n' "$last" "$s"
	done
	for step in $(steps | tac); do
		[ -z "$only" ] || [ "$(step_number "$step")" = "$only" ] || continue
		if handed_out "$step"; then
			printf '%s to-do -\n' "$step"
			continue
		elif [ -n "$only" ]; then
			extra=$SHARED_SUITES
		elif [ "$step" = "$last" ]; then
			extra="$SHARED_SUITES $(steps | sed "/^$step\$/,\$d")"
		else
			extra=""
		fi
		for s in "$step" usage $extra; do
			# Without root, step 7's suite runs as you, the user it is about.
			group=$step
			[ -z "$AS_YOU" ] || [ "$s" != step07-user ] || group=step07-user-as-you
			printf '%s %s %s\n' "$group" "$step" "$s"
		done
	done
}

# run_job GROUP STEP SUITE: bats on tests/SUITE.bats against STEP, its TAP
# output and JUnit report in WORK/GROUP/, then one line on how it went.  The
# group step07-user-as-you runs as the caller, outside any sandbox.
run_job() {
	local group=$1 step=$2 suite=$3 dir=$WORK/$1/$3 started=$SECONDS pass fail skip
	local -a runner=("${RUNNER[@]}")
	[ "$group" != step07-user-as-you ] || runner=(setsid -w)
	mkdir -p "$dir"
	# Through a pipe: bats does not wait for its JUnit formatter, which
	# writes the report as it ends and holds bats' stderr until then.
	STEP=$step "${runner[@]}" bats --formatter tap --report-formatter junit \
		--output "$dir" "$ROOT/tests/$suite.bats" </dev/null 2>&1 | cat >"$dir.tap" || true
	read -r pass fail skip < <(counts "$dir.tap")
	printf '  %-20s %-14s %3d passed, %d failed, %d skipped (%d s)\n' \
		"$group" "$suite" "$pass" "$fail" "$skip" "$((SECONDS - started))"
}

# counts TAP: "PASSED FAILED SKIPPED" of one bats run.  A run that ended
# before its plan was done counts one failure more: a crash is no pass.
counts() {
	awk '/^1\.\.[0-9]+$/ { plan = substr($0, 4) }
		/^ok .* # skip/ { s++; next }
		/^ok / { p++ }
		/^not ok / { f++ }
		END { if (plan == "" || p + f + s != plan) f++; print p + 0, f + 0, s + 0 }' "$1"
}

# The failed tests of a TAP output, each with bats' explanation, and what
# is not TAP at all (what bats says when a suite cannot run).
failures() {
	awk '/^not ok / { on = 1; print; next } /^ok / { on = 0; next } /^1\.\./ { next }
		on || !/^#/' "$1"
}

# report GROUP: the group's failures, its JUnit report (one <testsuite> per
# suite) and its line in SUMMARY; adds to the totals.
report() {
	local group=$1 tap pass fail skip p=0 f=0 s=0
	for tap in "$WORK/$group"/*.tap; do
		read -r pass fail skip < <(counts "$tap")
		p=$((p + pass)) f=$((f + fail)) s=$((s + skip))
		[ "$fail" -eq 0 ] || { printf '\n== %s, %s\n' "$group" "$(basename "$tap" .tap)"; failures "$tap"; }
	done
	{
		printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
		cat "$WORK/$group"/*/report.xml 2>/dev/null | sed '/^<?xml /d; /^<\/\{0,1\}testsuites[ >]/d'
		printf '</testsuites>\n'
	} >"$REPORTS/$group.xml"
	SUMMARY+=("$(printf '%s: %d passed, %d failed, %d skipped' "$group" "$p" "$f" "$s")")
	TOTAL=("$((TOTAL[0] + p))" "$((TOTAL[1] + f))" "$((TOTAL[2] + s))")
}

main() {
	local only="" job group line
	local -a todo groups SUMMARY=() TOTAL=(0 0 0)
	local TO_DO=0
	case ${1-} in
	'') ;;
	[1-7]) only=$1 ;;
	*) die "N is a step number from 1 to 7, not '$1'" ;;
	esac
	cd "$ROOT"
	"$ROOT/scripts/deps.sh" --ensure
	[ -n "$(steps)" ] || die "no step to check"
	[ -z "$only" ] || steps | grep -q "^step0$only-" || die "there is no step $only"
	for line in $(steps); do
		[ -x "$line/invoke_ns" ] || die "$line/invoke_ns is not built: run make first"
	done
	RUNNER=(in_sandbox) JOBS=$(nproc) AS_YOU=""
	if [ "$(id -u)" -ne 0 ]; then
		if can_sandbox; then
			printf '%s: not root: step 7'"'"'s suite runs as you, every other suite as root of a user namespace\n' "$PROG"
			AS_YOU=1
		else
			printf '%s: not root, and users may not create user namespaces here: what needs root skips\n' "$PROG"
			RUNNER=(setsid -w) JOBS=1
		fi
	fi
	rm -rf "$REPORTS"
	mkdir -p "$REPORTS"
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"; give_back "$REPORTS" "$ROOT"/step0*/invoke_ns' EXIT
	mapfile -t todo < <(plan "$only")
	for job in "${todo[@]}"; do
		[[ $job != *" to-do -" ]] || continue
		while [ "$(jobs -pr | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
		# shellcheck disable=SC2086 # three words
		run_job $job &
	done
	wait
	# The steps in order, then the lab as a whole.
	mapfile -t groups < <(printf '%s\n' "${todo[@]%% *}" | sort -u | grep -vx shared
		[[ " ${todo[*]}" != *" shared "* ]] || printf 'shared\n')
	for group in "${groups[@]}"; do
		if [[ " ${todo[*]} " == *" $group to-do - "* ]]; then
			SUMMARY+=("$group: to do (as handed out: make next STEP=$(step_number "$group"), then its TODOs)")
			TO_DO=$((TO_DO + 1))
		else
			report "$group"
		fi
	done
	printf '\n'
	printf '%s\n' "${SUMMARY[@]}"
	printf 'JUnit reports: tests/reports/*.xml; wall time: %d s\n' "$SECONDS"
	printf 'total: %d passed, %d failed, %d skipped' "${TOTAL[@]}"
	[ "$TO_DO" -eq 0 ] || printf '; %d step(s) to do' "$TO_DO"
	printf '\n'
	[ "${TOTAL[1]}" -eq 0 ] && [ "$TO_DO" -eq 0 ]
}

main "$@"
