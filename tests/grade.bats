#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2154
# (bats sets output, lines and stderr)
# make grade: students' copies graded with the lab's own tests, in sandboxes.
# setup_file grades three sets of submissions once; the tests read the
# results.  The class: the reference, a fresh handout, a handout with step
# 3's code back, step 4 begun and its own tests rewritten to pass, one with
# step 3 done but one message worded its own way, one whose step 1 never
# releases its child (every test hangs), one whose step 2 does not compile.
# Then hostile step files beside a good one (an endless loop, a fork bomb,
# a kill of every process it can reach, writes outside the sandbox, a
# build log forged as a summary, reports of its own, reads of the lab's
# reference, a hog of memory, a compiler fed /dev/zero, entries that are
# symbolic links), in directories the grading user could write to if it
# could reach them; and some of them graded without root.

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

# with_prologue DIR CODE: in DIR, the reference's step 1, which does CODE
# first.  Where CODE is stopped, the step passes.
with_prologue() {
	mkdir -p "$1/step01-pid"
	CODE=$2 awk '{ print } /^#include <sys\/prctl.h>/ { print "#include <sys/stat.h>" }
		/^int main\(/ { getline; print; print ENVIRON["CODE"] }' \
		"$ROOT/step01-pid/invoke_ns.c" >"$1/step01-pid/invoke_ns.c"
}

# The paths a student must not read: the lab's reference, and a file of
# the grader's own (setup_file puts one there for the grading without root).
snoop_code() {
	printf '	{
		const char *const secrets[] = { "%s", "/mnt/home/secret" };
		for (unsigned i = 0; i < sizeof secrets / sizeof *secrets; i++)
			if (access(secrets[i], R_OK) == 0)
				return 99;
	}' "$ROOT/step07-user/invoke_ns.c"
}

setup_file() {
	leak_check_start "$BATS_FILE_TMPDIR"
	unshare --user --map-root-user true 2>/dev/null || return 0
	# Reachable and writable by anyone, so that only the sandbox keeps
	# student code out.
	OPEN=$(mktemp -d)
	chmod 1777 "$OPEN"
	export OPEN
	setup_class
	setup_hostile
	setup_as_user
}

setup_class() {
	local subs=$OPEN/main f
	"$ROOT/scripts/copylab.sh" "$ROOT" "$subs/reference"
	make -s -C "$ROOT" handout DEST="$subs/handout" >/dev/null
	"$ROOT/scripts/copylab.sh" "$subs/handout" "$subs/restored"
	cp "$ROOT/step03-uts/invoke_ns.c" "$subs/restored/step03-uts/"
	# Begun, not done: it runs, and the lab's tests fail it.
	printf '/* begun */\n' >>"$subs/restored/step04-net/invoke_ns.c"
	for f in "$subs"/restored/tests/*.bats; do
		printf '@test "anything passes" { true; }\n' >"$f"
	done
	"$ROOT/scripts/copylab.sh" "$subs/handout" "$subs/slip"
	sed 's/" Child: setting hostname to %s\\n"/" Child: hostname set to %s\\n"/' \
		"$ROOT/step03-uts/invoke_ns.c" >"$subs/slip/step03-uts/invoke_ns.c"
	"$ROOT/scripts/copylab.sh" "$subs/handout" "$subs/hung"
	# The go byte is never sent: the child waits for ever, and every test.
	sed '/write(go\[1\], "x", 1)/,/close(go\[1\]);/d' "$ROOT/step01-pid/invoke_ns.c" >"$subs/hung/step01-pid/invoke_ns.c"
	"$ROOT/scripts/copylab.sh" "$subs/handout" "$subs/broken"
	sed 's/^int main(/int main(int/' "$ROOT/step02-mnt/invoke_ns.c" >"$subs/broken/step02-mnt/invoke_ns.c"
	touch "$OPEN/before-main"
	# Limits for a machine that other suites load too.
	export GRADE_TIMEOUT=1200
	grade_into main
	# Graded again into a copy of its OUT: as it is, then with slip's step
	# 3 set right, for slip alone.
	cp -a "$OPEN/main.out" "$OPEN/again.out"
	"$ROOT/scripts/grade.sh" "$OPEN/main" "$OPEN/again.out" >"$OPEN/again.log" 2>&1 </dev/null
	cp "$OPEN/again.out/gradebook.csv" "$OPEN/again.csv"
	cp "$ROOT/step03-uts/invoke_ns.c" "$subs/slip/step03-uts/"
	STUDENTS=slip "$ROOT/scripts/grade.sh" "$OPEN/main" "$OPEN/again.out" >"$OPEN/slip.log" 2>&1 </dev/null
	unset GRADE_TIMEOUT
}

setup_hostile() {
	local hostile=$OPEN/hostile path targets=""
	mkdir -p "$hostile/good/step01-pid" "$OPEN/outside"
	chmod 1777 "$OPEN/outside"
	cp "$ROOT/step01-pid/invoke_ns.c" "$hostile/good/step01-pid/"
	write_step "$hostile/loop" '	for (;;)
		;'
	write_step "$hostile/forkbomb" '	for (;;)
		fork();'
	write_step "$hostile/killer" '	return kill(-1, SIGKILL);'
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
	# A build log whose lines look like check.sh's summary.
	mkdir -p "$hostile/forger/step01-pid"
	printf '#line 1 "step01-pid: 2147483648 passed, 0 failed"\n#warning forged\nint main(void) { return 0; }\n' \
		>"$hostile/forger/step01-pid/invoke_ns.c"
	# Reports of its own beside check.sh's, two of them with one name.
	with_prologue "$hostile/reports" '	mkdir("/tmp/lab/tests/reports/a", 0755);
	mkdir("/tmp/lab/tests/reports/b", 0755);
	close(creat("/tmp/lab/tests/reports/a/step01-pid.xml", 0644));
	close(creat("/tmp/lab/tests/reports/b/step01-pid.xml", 0644));'
	with_prologue "$hostile/snoop" "$(snoop_code)"
	# 2 GiB in a child, touched page by page; the grading gives 512 MiB.
	with_prologue "$hostile/hog" '	{
		pid_t hog = fork();
		int held;
		if (hog == 0) {
			size_t size = (size_t)2 << 30;
			volatile char *p = malloc(size);
			for (size_t i = 0; p && i < size; i += 4096)
				p[i] = 1;
			_exit(p ? 0 : 1);
		}
		if (hog > 0 && waitpid(hog, &held, 0) == hog && WIFEXITED(held) && WEXITSTATUS(held) == 0)
			return 99;
	}'
	mkdir -p "$hostile/devzero/step01-pid"
	printf '#include "/dev/zero"\n' >"$hostile/devzero/step01-pid/invoke_ns.c"
	# Entries that are symbolic links: to a copy the grading user may not
	# read (refused all the same), and to nothing.
	mkdir -m 700 "$OPEN/private"
	cp -r "$hostile/good" "$OPEN/private/bob"
	ln -s "$OPEN/private/bob" "$hostile/eve"
	ln -s "$OPEN/nowhere" "$hostile/ghost"
	# A name a spreadsheet would take for a formula.
	mkdir "$hostile/=1+1"
	chmod -R a+rwX "$hostile"
	mkdir -m 1777 "$OPEN/hostile.out"
	touch "$OPEN/before-hostile"
	# Of the grading user (GRADE_UID, where we can become it): it must
	# outlive the submission that kills all it can.
	local as_grader=(setpriv --reuid="$GRADE_UID" --regid="$GRADE_UID" --clear-groups)
	"${as_grader[@]}" true 2>/dev/null || as_grader=(env)
	"${as_grader[@]}" sleep 3600 3>&- &
	printf '%s\n' "$!" >"$OPEN/sentinel"
	grade_into hostile GRADE_TIMEOUT=600 GRADE_TEST_TIMEOUT=30 GRADE_JOBS=3 GRADE_MEMORY=512
}

# Graded as GRADE_UID without sudo, in a mount namespace of this suite's
# where /mnt/home is that user's home, with a file only it may read.
setup_as_user() {
	local user=$OPEN/user as_user=(setpriv --reuid="$GRADE_UID" --regid="$GRADE_UID" --clear-groups)
	"${as_user[@]}" unshare --user --map-root-user test -r "$ROOT/scripts/grade.sh" 2>/dev/null || return 0
	cp -r "$OPEN/hostile/good" "$user/"
	with_prologue "$user/snoop" "$(snoop_code)"
	# The reports' directory made unreadable, and then its owner's uid.
	with_prologue "$user/locked" '	chmod("/tmp/lab/tests/reports", 0);'
	cp -r "$OPEN/hostile/good" "$user/zz-after"
	mkdir -m 1777 "$OPEN/user.tmp"
	export GRADE_TEST_TIMEOUT=30
	chmod -R a+rwX "$user"
	# shellcheck disable=SC2016 # for the sh
	unshare --mount -- sh -c 'mount -t tmpfs -o mode=755 grade-test-home /mnt &&
		mkdir -m 700 /mnt/home && printf "secret\n" >/mnt/home/secret && chmod 600 /mnt/home/secret &&
		chown -R "$1" /mnt/home && shift && exec "$@"' sh "$GRADE_UID" \
		env HOME=/mnt/home TMPDIR="$OPEN/user.tmp" "${as_user[@]}" \
		"$ROOT/scripts/grade.sh" "$user" "$OPEN/user.out" >"$OPEN/user.log" 2>&1 </dev/null &&
		printf '0\n' >"$OPEN/user.status" || printf '%s\n' "$?" >"$OPEN/user.status"
	unset GRADE_TEST_TIMEOUT
}

teardown_file() {
	[ -n "${OPEN:-}" ] || return 0
	kill "$(cat "$OPEN/sentinel")" 2>/dev/null || true
	rm -rf "$OPEN"
}

setup() {
	[ -n "${OPEN:-}" ] || skip "this machine does not let users create user namespaces"
}

# The gradebook row of student $2 in grading $1, without the name and the
# notes: the steps, passed, failed, score, and each step's points.
row() {
	grep "^$2," "$OPEN/$1.out/gradebook.csv" | cut -d, -f2-18
}

# The notes of student $2 in grading $1: why a step has the result it has.
notes() {
	grep "^$2," "$OPEN/$1.out/gradebook.csv" | cut -d, -f19-
}

# step_json GRADING STUDENT STEP FILTER: jq's FILTER on what the grading
# kept of one step.
step_json() {
	jq -r "$4" "$OPEN/$1.out/$2/steps/$3.json"
}

# Grading STUDENT's STEP in SET took at most LIMIT seconds.
# Usage: assert_step_seconds SET STUDENT STEP LIMIT
assert_step_seconds() {
	local seconds
	seconds=$(step_json "$1" "$2" "$3" .seconds)
	[ "$seconds" -le "$4" ] || fail "$2's $3 took $seconds s, over $4 s"
}

@test "the gradebook has one row per student, under the header it documents" {
	assert_equal "$(cat "$OPEN/main.status")" 0
	run -0 cat "$OPEN/main.out/gradebook.csv"
	assert_equal "${lines[0]}" student,step01,step02,step03,step04,step05,step06,step07,passed,failed,score,points01,points02,points03,points04,points05,points06,points07,notes
	assert_equal "${#lines[@]}" 7
}

@test "the reference grades 7 of 7: score 100" {
	run -0 row main reference
	assert_output --regexp '^pass,pass,pass,pass,pass,pass,pass,[1-9][0-9]*,0,100,14,14,14,15,14,14,15$'
}

@test "a fresh handout grades step 1 only" {
	run -0 row main handout
	assert_output --regexp '^pass,fail,fail,fail,fail,fail,fail,[1-9][0-9]*,0,14,14,0,0,0,0,0,0$'
}

@test "a handout with step 3's code back grades step 3 too, and its begun step 4 fails, whatever its own tests say" {
	run -0 row main restored
	assert_output --regexp '^pass,fail,pass,fail,fail,fail,fail,[1-9][0-9]*,[1-9][0-9]*,28,14,0,14,0,0,0,0$'
	run -0 grep -c '^not ok ' "$OPEN/main.out/restored/log.txt"
}

@test "one message worded its own way costs the tests that check it, not the step" {
	local points
	run -0 row main slip
	assert_output --regexp '^pass,fail,fail,fail,fail,fail,fail,'
	points=$(cut -d, -f13 <<<"$output")
	[[ $points =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v p="$points" 'BEGIN { exit !(p > 0 && p < 14) }' ||
		fail "step 3 is worth $points points, not between 0 and 14"
	# Each failed test is an entry of its own, with its failure and hint.
	run -0 jq -r '.tests[] | select(.name | startswith("step03-uts: -u NAME: the hostname inside")) | .score, .max_score, .status, .output' \
		"$OPEN/main.out/slip/results.json"
	assert_line --index 0 0
	assert_line --index 2 failed
	assert_line --partial ' Child: setting hostname to calculus'
	assert_line --regexp '^hint: '
}

@test "a program that never releases its child fails its step in bounded time, each hung test saying so" {
	run -0 row main hung
	assert_output --regexp '^fail,fail,'
	run -0 notes main hung
	assert_output --partial 'step 1: its program hung in 2 tests, each stopped at 90 s'
	assert_step_seconds main hung step01-pid 400
}

@test "a step that does not compile fails with the compiler's message in the log" {
	run -0 row main broken
	assert_output --regexp '^pass,fail,'
	assert_equal "$(step_json main broken step02-mnt .reason)" "the build failed: see the log"
	run -0 grep -A 20 '^== step02-mnt: fail' "$OPEN/main.out/broken/log.txt"
	assert_output --partial 'error:'
}

@test "results.json is Gradescope's format, one entry per test, and adds up to the gradebook's score" {
	local json=$OPEN/main.out/slip/results.json
	# Step 1's points, shared by the tests of its suite; the shared suites'
	# tests are entries too, worth nothing of their own.
	run -0 jq -r '.tests[] | select(.name | startswith("step01-pid: ")) | select(.max_score > 0)
		| [.name, .score, .max_score, .status] | @tsv' "$json"
	assert_line --index 0 --regexp '^step01-pid: .*	2	2	passed$'
	run -0 jq '[.tests[] | select(.name | startswith("step01-pid")) | .max_score] | add' "$json"
	assert_output 14
	run -0 jq -r '.tests[] | select(.name | startswith("step01-pid: no descriptor")) | .max_score' "$json"
	assert_output 0
	run -0 jq '[.tests[].max_score] | add | . * 100 | round / 100' "$json"
	assert_output 100
	run -0 jq '(.score * 100 | round) == ([.tests[].score] | add * 100 | round)' "$json"
	assert_output true
	assert_equal "$(jq .score "$json")" "$(grep '^slip,' "$OPEN/main.out/gradebook.csv" | cut -d, -f11)"
	# A step left as the handout's skeleton fails without a run, and says so.
	run -0 jq -r '.tests[] | select(.name == "step02-mnt") | .output' "$OPEN/main.out/handout/results.json"
	assert_line "the step file is the handout's, its TODOs not done"
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
	assert_line --regexp '^step01-pid: +5 pass +1 fail +0 missing +0 error$'
	assert_line --regexp '^step02-mnt: +1 pass +5 fail +0 missing +0 error$'
	assert_line --regexp '^gradebook: .*/main\.out/gradebook\.csv'
}

@test "a second run into the same OUT reuses every result, and gives the same gradebook" {
	run -0 cat "$OPEN/again.log"
	assert_line --regexp '^6 students graded in [0-9]+ s, .*: 42 of 42 steps reused'
	run -0 diff "$OPEN/main.out/gradebook.csv" "$OPEN/again.csv"
}

@test "STUDENTS= grades only those, and the gradebook keeps everyone" {
	run -0 cat "$OPEN/slip.log"
	assert_line --regexp '^1 students graded in [0-9]+ s, .*: 6 of 7 steps reused; 6 in the gradebook$'
	run -0 cat "$OPEN/again.out/gradebook.csv"
	assert_equal "${#lines[@]}" 7
	run -0 row again slip
	assert_output --regexp '^pass,fail,pass,fail,fail,fail,fail,[1-9][0-9]*,0,28,'
	assert_equal "$(grep '^reference,' "$OPEN/again.out/gradebook.csv")" \
		"$(grep '^reference,' "$OPEN/main.out/gradebook.csv")"
	run -1 env STUDENTS="slip nobody" "$ROOT/scripts/grade.sh" "$OPEN/main" "$OPEN/again.out"
	assert_output "grade.sh: STUDENTS: no nobody in $OPEN/main"
}

@test "hostile submissions fail or err, and the good one beside them passes" {
	assert_equal "$(cat "$OPEN/hostile.status")" 0
	local name
	for name in loop writer forger; do
		run -0 row hostile "$name"
		assert_output --regexp '^fail(,missing){6},'
	done
	# What kills the tests' processes leaves no report: an error, saying why.
	for name in forkbomb killer; do
		run -0 row hostile "$name"
		assert_output --regexp '^(fail|error)(,missing){6},'
		run -0 notes hostile "$name"
		assert_output --regexp '^"?step 1: '
	done
	run -0 row hostile good
	assert_output --regexp '^pass(,missing){6},'
	run -0 notes hostile loop
	assert_output --partial 'its program hung in 2 tests'
}

@test "a build log forged as a summary line counts for nothing" {
	run -0 row hostile forger
	assert_output --regexp '^fail(,missing){6},0,0,0,'
	run -0 grep -c 'step01-pid: 2147483648 passed' "$OPEN/hostile.out/forger/log.txt"
}

@test "reports a submission writes beside the lab's are not read" {
	run -0 row hostile reports
	assert_output --regexp '^pass(,missing){6},'
	run -0 ls "$OPEN/hostile.out/reports/junit"
	assert_output step01-pid.xml
}

@test "student code reads neither the lab's reference nor the grader's files" {
	run -0 row hostile snoop
	assert_output --regexp '^pass(,missing){6},'
	[ -f "$OPEN/user.out/gradebook.csv" ] || skip "the grading as a user did not run: $(cat "$OPEN/user.log" 2>/dev/null)"
	run -0 row user snoop
	assert_output --regexp '^pass(,missing){6},'
}

@test "a sandbox has a memory limit: for the compiler and for the program" {
	run -0 row hostile hog
	assert_output --regexp '^pass(,missing){6},'
	run -0 row hostile devzero
	assert_output --regexp '^fail(,missing){6},'
	assert_step_seconds hostile devzero step01-pid 90
}

@test "a student entry that is a symbolic link is refused, dangling or not, with a row that says so" {
	run -0 row hostile eve
	assert_output --regexp '^error(,error){6},0,0,0,'
	run -0 notes hostile eve
	assert_output "step 1 2 3 4 5 6 7: the submission is a symbolic link (to $OPEN/private/bob): refused"
	run -0 row hostile ghost
	assert_output --regexp '^error(,error){6},0,0,0,'
	run -0 grep -c 'ghost is a symbolic link: refused' "$OPEN/hostile.log"
}

@test "a cell a spreadsheet would read as a formula is quoted" {
	run -0 grep -c "^'=1+1,missing," "$OPEN/hostile.out/gradebook.csv"
}

@test "graded without root, a submission that locks its reports is an error row, and those after it are graded" {
	[ -f "$OPEN/user.status" ] || skip "$GRADE_UID cannot create user namespaces or read the lab here"
	assert_equal "$(cat "$OPEN/user.status")" 0
	run -0 row user locked
	assert_output --regexp '^error(,missing){6},0,0,0,'
	run -0 notes user locked
	assert_output --partial 'step 1: '
	run -0 row user zz-after
	assert_output --regexp '^pass(,missing){6},'
	run -0 find "$OPEN/user.tmp" -mindepth 1
	assert_output ""
}

@test "no process of the hostile submissions outlives the grading, nor did they kill one" {
	run ! pgrep -u "$GRADE_UID" -f '/tmp/lab/step01-pid/invoke_ns'
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
	run -0 find "$OPEN/main" -newer "$OPEN/before-main" ! -path "$OPEN/main/slip/step03-uts*"
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
	run -1 env GRADE_TIMEOUT=soon "$ROOT/scripts/grade.sh" "$OPEN/main"
	assert_output "grade.sh: GRADE_TIMEOUT is 'soon': it must be a whole number above 0"
}

@test "odd names and entries get a row: make grade" {
	local subs=$OPEN/odd
	mkdir -p "$subs/with space" "$subs/-dash/step01-pid" "$subs/a,b\"c"
	printf 'a tarball, say\n' >"$subs/notes.txt"
	# A step file that is a symlink could read the grader's files.
	ln -s /etc/passwd "$subs/-dash/step01-pid/invoke_ns.c"
	run -0 make -s -C "$ROOT" grade SUBMISSIONS="$subs" OUT="$OPEN/odd.out"
	assert_output --partial 'notes.txt is not a directory'
	run -0 cat "$OPEN/odd.out/gradebook.csv"
	local missing='(,missing){6},0,0,0,0(,0){6},'
	assert_line --regexp "^'-dash,error$missing"
	assert_line --regexp "^\"a,b\"\"c\",missing$missing"
	assert_line --regexp "^notes.txt,missing$missing"
	assert_line --regexp "^with space,missing$missing"
	run -0 notes odd "'-dash"
	assert_output --partial 'step 1: step01-pid/invoke_ns.c is a symbolic link (or in one): refused'
	[ -f "$OPEN/odd.out/with space/results.json" ]
	[ -f "$OPEN/odd.out/-dash/log.txt" ]
}

@test "make passes its arguments as words: a space, a quote or a ; in DEST is part of the name" {
	local dest="$OPEN/make test/a b;touch $OPEN/pwned \"q"
	run -0 make -s -C "$ROOT" handout DEST="$dest"
	[ -f "$dest/step01-pid/invoke_ns.c" ]
	[ ! -e "$OPEN/pwned" ]
	run -2 make -s -C "$ROOT" diff STEP="2;touch $OPEN/pwned"
	[ ! -e "$OPEN/pwned" ]
}

# The machines of a spread grading: sshd on 127.0.0.1 in network and mount
# namespaces of the test's own, with two logins, users 64997 and 64996
# (known only there: a copy of /etc/passwd is bound over it).
@test "graded over SSH on two logins with GNU parallel, a class gets the gradebook it gets here" {
	[ "$EUID" -eq 0 ] || skip "needs root, to run sshd"
	[ -x /usr/sbin/sshd ] || skip "needs sshd: make deps installs openssh-server"
	command -v parallel >/dev/null && command -v rsync >/dev/null && command -v ssh >/dev/null ||
		skip "needs GNU parallel, rsync and ssh: make deps installs them"
	local ssh=$OPEN/ssh uid login logins="" name
	for uid in 64997 64996; do
		setpriv --reuid="$uid" --regid="$uid" --clear-groups unshare --user --map-root-user true 2>/dev/null ||
			skip "user $uid cannot create user namespaces here"
	done
	mkdir -p "$ssh/class" "$ssh/home-64997" "$ssh/home-64996"
	cp -r "$OPEN/hostile/good" "$OPEN/hostile/forger" "$ssh/class/"
	chown 64997 "$ssh/home-64997"
	chown 64996 "$ssh/home-64996"
	ssh-keygen -q -t ed25519 -N '' -f "$ssh/host"
	ssh-keygen -q -t ed25519 -N '' -f "$ssh/key"
	cp "$ssh/key.pub" "$ssh/authorized_keys"
	{ cat /etc/passwd; printf 'grade-%s:x:%s:%s::%s:/bin/bash\n' 64997 64997 64997 "$ssh/home-64997" \
		64996 64996 64996 "$ssh/home-64996"; } >"$ssh/passwd"
	printf '%s\n' 'ListenAddress 127.0.0.1:2222' "HostKey $ssh/host" "AuthorizedKeysFile $ssh/authorized_keys" \
		'StrictModes no' 'PasswordAuthentication no' 'KbdInteractiveAuthentication no' 'UsePAM no' \
		"PidFile $ssh/sshd.pid" >"$ssh/sshd_config"
	for login in grade-64997 grade-64996; do
		logins+="${logins:+,}ssh -p 2222 -i $ssh/key -o BatchMode=yes -o StrictHostKeyChecking=no"
		logins+=" -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR $login@127.0.0.1"
	done
	# shellcheck disable=SC2016 # for the sh inside
	run unshare --net --mount -- sh -c 'ip link set lo up && mount --bind "$1/passwd" /etc/passwd &&
		mount -t tmpfs -o mode=755 grade-ssh-run /run && mkdir /run/sshd &&
		{ /usr/sbin/sshd -D -e -f "$1/sshd_config" 2>"$1/sshd.log" 3>&- & } &&
		timeout 20 sh -c "until [ -s \"\$1\" ]; do sleep 0.1; done" _ "$1/sshd.pid" || exit 1
		GRADE_SSH=$2 GRADE_TEST_TIMEOUT=30 "$3/scripts/grade.sh" "$1/class" "$1/out"; status=$?
		kill "$(cat "$1/sshd.pid")"
		exit "$status"' sh "$ssh" "$logins" "$ROOT"
	assert_success
	assert_line "grade.sh: 2 students on $logins"
	for name in good forger; do
		assert_equal "$(grep "^$name," "$ssh/out/gradebook.csv")" "$(grep "^$name," "$OPEN/hostile.out/gradebook.csv")"
	done
	run -0 grep -c 'Accepted publickey for grade-64997 ' "$ssh/sshd.log"
	run -0 grep -c 'Accepted publickey for grade-64996 ' "$ssh/sshd.log"
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
