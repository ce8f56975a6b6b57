#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2154
# (bats sets output, lines and stderr)
# make grade: students' copies graded with the lab's own tests, in sandboxes.
# setup_file grades two sets of submissions once; the tests read the
# results.  The first set: the reference, a fresh handout, and a handout
# with step 3's code back, step 4 begun, and its own tests rewritten to
# pass.  The second:
# small hostile step files (an endless loop, a fork bomb, a kill of every
# process it can reach, writes to places outside the sandbox) beside a good
# submission, in directories the grading user could write to if it could
# reach them.

load helpers

# Student code runs as GRADE_UID when grade.sh is run as root: one that no
# other process uses, so that the tests can look for its processes.
export GRADE_UID=64999

# grade_into NAME [ENV...]: grade $OPEN/NAME into $OPEN/NAME.out, keeping
# the output and the exit status beside it.
grade_into() {
	local name=$1 status=0
	shift
	env "$@" "$ROOT/scripts/grade.sh" "$OPEN/$name" "$OPEN/$name.out" \
		>"$OPEN/$name.log" 2>&1 </dev/null || status=$?
	printf '%s\n' "$status" >"$OPEN/$name.status"
}

# write_step DIR CODE: a step 1 file in DIR whose main does CODE.
write_step() {
	mkdir -p "$1/step01-pid"
	printf '#include <signal.h>\n#include <stdio.h>\n#include <unistd.h>\n\nint main(void)\n{\n%s\n}\n' \
		"$2" >"$1/step01-pid/invoke_ns.c"
}

setup_file() {
	leak_check_start "$BATS_FILE_TMPDIR"
	unshare --user --map-root-user true 2>/dev/null || return 0
	# Reachable and writable by anyone, so that only the sandbox keeps
	# student code out.
	OPEN=$(mktemp -d)
	chmod 1777 "$OPEN"
	export OPEN
	local subs=$OPEN/main hostile=$OPEN/hostile f
	"$ROOT/scripts/copylab.sh" "$ROOT" "$subs/reference"
	make -s -C "$ROOT" handout DEST="$subs/handout" >/dev/null
	"$ROOT/scripts/copylab.sh" "$subs/handout" "$subs/restored"
	cp "$ROOT/step03-uts/invoke_ns.c" "$subs/restored/step03-uts/"
	# Begun, not done: it runs, and the lab's tests fail it.
	printf '/* begun */\n' >>"$subs/restored/step04-net/invoke_ns.c"
	for f in "$subs"/restored/tests/*.bats; do
		printf '@test "anything passes" { true; }\n' >"$f"
	done
	touch "$OPEN/before-main"
	grade_into main
	mkdir -p "$hostile/good/step01-pid" "$OPEN/outside"
	chmod 1777 "$OPEN/outside"
	cp "$ROOT/step01-pid/invoke_ns.c" "$hostile/good/step01-pid/"
	write_step "$hostile/loop" '	for (;;)
		;'
	write_step "$hostile/forkbomb" '	for (;;)
		fork();'
	write_step "$hostile/killer" '	return kill(-1, SIGKILL);'
	local path targets=""
	for path in "$OPEN/outside" "$hostile/writer" "$OPEN/hostile.out" "$ROOT" /tmp /var/tmp /dev/shm "$HOME"; do
		targets+="\"$path/written-by-a-student\", "
	done
	write_step "$hostile/writer" "	const char *targets[] = { $targets};
	for (unsigned i = 0; i < sizeof targets / sizeof *targets; i++) {
		FILE *f = fopen(targets[i], \"w\");
		if (f)
			fclose(f);
	}
	return 0;"
	chmod -R a+rwX "$hostile"
	mkdir -m 1777 "$OPEN/hostile.out"
	touch "$OPEN/before-hostile"
	# Of the grading user (GRADE_UID, where we can become it): it must
	# outlive the submission that kills all it can.
	local as_grader=(setpriv --reuid="$GRADE_UID" --regid="$GRADE_UID" --clear-groups)
	"${as_grader[@]}" true 2>/dev/null || as_grader=(env)
	"${as_grader[@]}" sleep 3600 3>&- &
	printf '%s\n' "$!" >"$OPEN/sentinel"
	grade_into hostile GRADE_TIMEOUT=180 GRADE_JOBS=3
}

teardown_file() {
	[ -n "${OPEN:-}" ] || return 0
	kill "$(cat "$OPEN/sentinel")" 2>/dev/null || true
	rm -rf "$OPEN"
}

setup() {
	[ -n "${OPEN:-}" ] || skip "this machine does not let users create user namespaces"
}

# The gradebook row of student $2 in grading $1, without the name.
row() {
	grep "^$2," "$OPEN/$1.out/gradebook.csv" | cut -d, -f2-
}

@test "the gradebook has one row per student, under the header it documents" {
	assert_equal "$(cat "$OPEN/main.status")" 0
	run -0 cat "$OPEN/main.out/gradebook.csv"
	assert_equal "${lines[0]}" student,step01,step02,step03,step04,step05,step06,step07,passed,failed,score
	assert_equal "${#lines[@]}" 4
}

@test "the reference grades 7 of 7: score 100" {
	run -0 row main reference
	assert_output --regexp '^pass,pass,pass,pass,pass,pass,pass,[1-9][0-9]*,0,100$'
}

@test "a fresh handout grades step 1 only" {
	run -0 row main handout
	assert_output --regexp '^pass,fail,fail,fail,fail,fail,fail,[1-9][0-9]*,0,14$'
}

@test "a handout with step 3's code back grades step 3 too, and its begun step 4 fails, whatever its own tests say" {
	run -0 row main restored
	assert_output --regexp '^pass,fail,pass,fail,fail,fail,fail,[1-9][0-9]*,[1-9][0-9]*,28$'
	run -0 grep -c '^not ok ' "$OPEN/main.out/restored/log.txt"
}

@test "results.json is Gradescope's format, and adds up to the gradebook's score" {
	local json=$OPEN/main.out/handout/results.json
	run -0 jq -r '.tests[] | [.name, .score, .max_score, .status, (.output | length > 0)] | @tsv' "$json"
	assert_equal "${#lines[@]}" 7
	assert_equal "${lines[0]}" "step01-pid	14	14	passed	true"
	assert_equal "${lines[1]}" "step02-mnt	0	14	failed	true"
	run -0 jq '[.tests[].max_score] | add' "$json"
	assert_output 100
	run -0 jq '.score == ([.tests[].score] | add)' "$json"
	assert_output true
	# A step left as the handout's skeleton fails without a run, and says so.
	run -0 jq -r '.tests[1].output' "$json"
	assert_output "the step file is the handout's, its TODOs not done"
	# A step that ran says which tests failed.
	run -0 jq -r '.tests[0].output' "$OPEN/hostile.out/writer/results.json"
	assert_line --regexp '^not ok '
}

@test "each student has JUnit reports and the log of every step" {
	local step
	for step in "$ROOT"/step0[1-7]-*; do
		step=${step##*/}
		grep -q '<testcase ' "$OPEN/main.out/reference/junit/$step.xml"
		grep -q "^== $step: pass " "$OPEN/main.out/reference/log.txt"
	done
}

@test "the summary counts each step's results" {
	run -0 cat "$OPEN/main.log"
	assert_line --regexp '^step01-pid: +3 pass +0 fail +0 missing$'
	assert_line --regexp '^step02-mnt: +1 pass +2 fail +0 missing$'
	assert_line --regexp '^gradebook: .*/main\.out/gradebook\.csv'
}

@test "hostile submissions fail, and the good one beside them passes" {
	assert_equal "$(cat "$OPEN/hostile.status")" 0
	local name
	for name in loop forkbomb killer writer; do
		run -0 row hostile "$name"
		assert_output --regexp '^fail(,missing){6},'
	done
	run -0 row hostile good
	assert_output --regexp '^pass(,missing){6},'
	run -0 grep -c 'stopped at the time limit' "$OPEN/hostile.out/loop/log.txt"
}

@test "no process of the hostile submissions outlives the grading, nor did they kill one" {
	run ! pgrep -f '/tmp/lab/step01-pid/invoke_ns'
	kill -0 "$(cat "$OPEN/sentinel")"
	[ "$(stat -c %u "/proc/$(cat "$OPEN/sentinel")")" != "$GRADE_UID" ] ||
		assert_equal "$(pgrep -r D,R,S,T,t -u "$GRADE_UID" | wc -l)" 1 # not zombies: they ended
}

@test "nothing outside the sandbox was written: not the machine, the lab, the submissions or OUT" {
	local path
	for path in "$OPEN/outside" "$OPEN/hostile/writer" "$OPEN/hostile.out" "$ROOT" /tmp /var/tmp /dev/shm "$HOME"; do
		[ ! -e "$path/written-by-a-student" ] || fail "a student wrote $path/written-by-a-student"
	done
	run -0 find "$OPEN/hostile" -newer "$OPEN/before-hostile"
	assert_output ""
	run -0 find "$OPEN/main" -newer "$OPEN/before-main"
	assert_output ""
}

@test "bad input: a clear error, not a crash" {
	run -2 "$ROOT/scripts/grade.sh"
	assert_output --partial 'Usage:'
	run -1 "$ROOT/scripts/grade.sh" "$OPEN/nothing-here"
	assert_output "grade.sh: $OPEN/nothing-here: no such directory"
	run -1 "$ROOT/scripts/grade.sh" "$OPEN/before-main"
	assert_output --partial "$OPEN/before-main is not a directory"
	mkdir "$OPEN/empty"
	run -1 "$ROOT/scripts/grade.sh" "$OPEN/empty"
	assert_output --partial "no submission in $OPEN/empty"
	run -1 "$ROOT/scripts/grade.sh" "$OPEN/main" "$OPEN/main"
	assert_output --partial "holds files but no gradebook.csv"
}

@test "odd names and entries get a row of missing steps: make grade" {
	local subs=$OPEN/odd
	mkdir -p "$subs/with space" "$subs/-dash/step01-pid" "$subs/a,b\"c"
	printf 'a tarball, say\n' >"$subs/notes.txt"
	# A step file that is a symlink could read the grader's files.
	ln -s /etc/passwd "$subs/-dash/step01-pid/invoke_ns.c"
	run -0 make -s -C "$ROOT" grade SUBMISSIONS="$subs" OUT="$OPEN/odd.out"
	assert_output --partial 'notes.txt is not a directory'
	run -0 cat "$OPEN/odd.out/gradebook.csv"
	local missing=missing,missing,missing,missing,missing,missing,missing,0,0,0
	assert_line "-dash,$missing"
	assert_line "\"a,b\"\"c\",$missing"
	assert_line "notes.txt,$missing"
	assert_line "with space,$missing"
	[ -f "$OPEN/odd.out/with space/results.json" ]
	[ -f "$OPEN/odd.out/-dash/log.txt" ]
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
