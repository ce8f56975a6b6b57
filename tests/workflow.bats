#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2154,SC2016,SC2030,SC2031
# (bats sets output and lines)
# The GitHub Actions workflow that the handout ships: valid for GitHub, and
# its commands grade a push when run here as a runner would run them (an
# unprivileged user with sudo), in a throwaway copy of the lab.

load helpers

WORKFLOW=$ROOT/.github/workflows/grade.yml

# The `run: |` blocks of the workflow, one file each (1.sh, 2.sh ...) in $1.
extract_runs() {
	awk -v dir="$1" '
	/^ *run: [|]$/ { match($0, /^ */); indent = RLENGTH; file = dir "/" ++n ".sh"; next }
	file && NF && match($0, /^ */) && RLENGTH <= indent { file = "" }
	file { print substr($0, indent + 3) > file }
	' "$WORKFLOW"
}

@test "the workflow is valid for GitHub Actions (action-validator)" {
	command -v action-validator >/dev/null || skip "needs action-validator (make deps installs it)"
	run -0 action-validator "$WORKFLOW"
}

@test "the workflow's actions are the checkout and the upload of OUT" {
	run -0 sed -n 's/^ *- uses: //p' "$WORKFLOW"
	assert_output "$(printf '%s\n' actions/checkout@v4 actions/checkout@v4 actions/upload-artifact@v4)"
	run -0 grep -F 'path: ${{ runner.temp }}/grades/' "$WORKFLOW"
}

@test "the workflow's commands grade a push: the job summary, and results.json and JUnit to upload" {
	unshare --user --map-root-user true 2>/dev/null || skip "this machine does not let users create user namespaces"
	local runner=() script
	# Not under bats' own directory, which only its user can enter.
	JOB_DIR=$(mktemp -d)
	chmod 755 "$JOB_DIR"
	# The push: a handout in which the student has done step 2; the job
	# grades it with the handout's own make grade.
	make -s -C "$ROOT" handout DEST="$JOB_DIR/work/invoke-ns-alice" >/dev/null
	student_step2 "$JOB_DIR/work/invoke-ns-alice"
	mkdir "$JOB_DIR/runs" "$JOB_DIR/temp" "$JOB_DIR/bin"
	extract_runs "$JOB_DIR/runs"
	[ -f "$JOB_DIR/runs/3.sh" ]
	# sudo runs the command as the runner and notes it.
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s/sudo.log"\nexec "$@"\n' "$JOB_DIR" >"$JOB_DIR/bin/sudo"
	chmod 755 "$JOB_DIR/bin/sudo"
	: >"$JOB_DIR/summary.md"
	# As root here, the runner is an unprivileged user, as on GitHub.
	if [ "$(id -u)" -eq 0 ] && setpriv --reuid=64998 true 2>/dev/null; then
		chown -R 64998:64998 "$JOB_DIR"
		runner=(setpriv --reuid=64998 --regid=64998 --clear-groups)
	fi
	for script in "$JOB_DIR"/runs/*.sh; do
		(cd "$JOB_DIR/work/invoke-ns-alice" && "${runner[@]}" env -i HOME="$JOB_DIR" PATH="$JOB_DIR/bin:$PATH" \
			GITHUB_WORKSPACE="$JOB_DIR/work/invoke-ns-alice" GITHUB_REPOSITORY=course/invoke-ns-alice \
			RUNNER_TEMP="$JOB_DIR/temp" GITHUB_STEP_SUMMARY="$JOB_DIR/summary.md" \
			bash --noprofile --norc -eo pipefail "$script" </dev/null) >>"$JOB_DIR/job.log" 2>&1 ||
			fail "$(printf '%s failed:\n' "$script"; cat "$JOB_DIR/job.log")"
	done
	run -0 cat "$JOB_DIR/sudo.log"
	assert_line --regexp '/scripts/deps\.sh --ensure$'
	run -0 cat "$JOB_DIR/summary.md"
	assert_line '| step01 | pass |'
	assert_line '| step02 | pass |'
	assert_line '| step03 | fail |'
	assert_line --regexp '^score: 28 of 100; tests: [1-9][0-9]* passed, 0 failed$'
	[ -s "$JOB_DIR/temp/grades/invoke-ns-alice/results.json" ]
	grep -q '<testcase ' "$JOB_DIR/temp/grades/invoke-ns-alice/junit/step01-pid.xml"
}

teardown() {
	[ -z "${JOB_DIR:-}" ] || rm -rf "$JOB_DIR"
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
