#!/usr/bin/env bash
# grade.sh SUBMISSIONS [OUT] (make grade SUBMISSIONS=DIR [OUT=DIR]
# [STUDENTS="a b"]): grade each subdirectory of SUBMISSIONS, one student's
# copy of the handout, with this lab's tests, never as root, into OUT
# (default ./grades): gradebook.csv, and per student results.json
# (Gradescope's format), junit/*.xml, log.txt and steps/ (what a later run
# into the same OUT reuses).  Environment: STUDENTS the students to grade
# (all), GRADE_JOBS steps at once (the number of cores), GRADE_TIMEOUT
# seconds per step (300), GRADE_TEST_TIMEOUT seconds per test (90: step
# 5 tests the queue's 60 s limit), GRADE_HANGS tests that hang before a
# step is stopped (2),
# GRADE_MEMORY MiB per sandbox (1024), GRADE_NPROC processes per sandbox
# (128), GRADE_UID the user that grades when run as root (65534),
# GRADE_SSH the machines to grade on (SSH logins, for GNU parallel; none).
#
# Of a student only the step files are taken.  Each is built and checked
# (scripts/check.sh N) with this lab's own tests, in a sandbox of its own: a
# user namespace, never real root (run as root, this script first becomes
# GRADE_UID), with new PID, mount, network, IPC and UTS namespaces and a
# root of its own that holds the system's programs read-only and a /tmp,
# /run and /dev of its own: no home, no copy of the lab but its own, no
# other submission.  Limits on memory, processes, file size and time.  The
# lab goes in as a tar on stdin; bats' JUnit reports come out on stdout,
# and are all that is read of the run: what the build and the tests print
# goes to the student's log.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
: "${GRADE_TIMEOUT:=300}" "${GRADE_TEST_TIMEOUT:=90}" "${GRADE_JOBS:=$(nproc)}" "${GRADE_UID:=65534}"
: "${GRADE_NPROC:=128}" "${GRADE_MEMORY:=1024}" "${GRADE_HANGS:=2}" "${STUDENTS:=}"
export GRADE_TIMEOUT GRADE_TEST_TIMEOUT GRADE_HANGS GRADE_UID GRADE_NPROC GRADE_MEMORY

# PID 1 of the sandbox, root of its user namespace, with arguments STEP USER
# NPROC KIB PATH...: build a root of its own in /tmp (the system's programs
# and libraries read-only, and over PATH..., wherever they show, an empty
# directory), pivot into it, unpack the lab from stdin, build STEP and check
# it as USER (an unprivileged user, as the rootless make check does); then
# write bats' JUnit reports of the step to stdout.  Exit status 0 when every
# test passed, 1 when one failed, 3 when the build failed, 4 when the
# program hung in GRADE_HANGS tests.  STEP "-" only
# builds the root.
# shellcheck disable=SC2016
readonly INSIDE='
set -euo pipefail
step=$1 user=$2
ulimit -u "$3" -f 65536
[ "$4" = 0 ] || ulimit -v "$4"
shift 4
cd /
mount -t tmpfs -o mode=755,size=16m grade-root /tmp
cd /tmp
for d in bin sbin lib lib32 lib64 libx32 usr etc; do
	if [ -L "/$d" ]; then
		ln -s "$(readlink "/$d")" "$d"
	elif [ -d "/$d" ]; then
		mkdir "$d"
		mount --rbind "/$d" "$d"
	fi
done
mkdir proc sys dev run tmp mnt var var/tmp .old
ln -s ../run var/run
mount --rbind /proc proc
mount --rbind /sys sys 2>/dev/null || true
mount -t tmpfs -o mode=755,size=1m grade-dev dev
for d in null zero full random urandom tty; do
	: >"dev/$d"
	mount --bind "/dev/$d" "dev/$d"
done
mkdir dev/shm dev/mqueue dev/pts
mount -t mqueue grade-mqueue dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666 grade-pts dev/pts
ln -s pts/ptmx dev/ptmx
ln -s /proc/self/fd dev/fd
mount -t tmpfs -o mode=1777,size=256m grade-tmp tmp
mount -t tmpfs -o mode=1777,size=64m grade-tmp var/tmp
mount -t tmpfs -o mode=1777,size=64m grade-shm dev/shm
mount -t tmpfs -o mode=755,size=16m grade-run run
for p in "$@"; do
	[ ! -d "./$p" ] || mount -t tmpfs -o mode=755,size=1m grade-hidden "./$p"
done
pivot_root . .old
cd /
umount -l /.old
rmdir /.old
# Every mount read-only but the sandbox'"'"'s own: one this user cannot reach
# hides nothing it could write.
findmnt -rn -o TARGET | while read -r m; do
	case $m in /proc | /proc/* | /dev | /dev/* | /run | /tmp | /var/tmp) continue ;; esac
	m=$(printf "%b" "$m")
	mount -o remount,bind,ro "$m" 2>/dev/null || ! (cd "$m") 2>/dev/null ||
		{ printf "grade.sh: cannot make %s read-only\n" "$m" >&2; exit 1; }
done
[ "$step" != - ] || exit 0
mkdir /tmp/lab /tmp/home
export HOME=/tmp/home
cd /tmp/lab
tar -xf - --no-same-owner
exec </dev/null
make -s "$step/invoke_ns" >&2 || exit 3
unshare --user --map-user="$user" --map-group="$user" -- scripts/check.sh "${step:5:1}" >&2 &
check=$!
# bats fails a test at its time limit, BATS_TEST_TIMEOUT, but waits for
# what the test started: a program still running 2 s later is ended (and
# the command it runs with it).  After GRADE_HANGS of those, the step is
# stopped: every process but this one ends.
hangs=0
while sleep 1; do
	if pkill -KILL --older "$((BATS_TEST_TIMEOUT + 2))" -f "^/tmp/lab/$step/invoke_ns( |\$)"; then
		hangs=$((hangs + 1))
		[ "$hangs" -lt "$GRADE_HANGS" ] || { : >/run/grade-hung; kill -KILL -1; }
	fi
done </dev/null >/dev/null 2>&1 &
status=0
wait "$check" || status=1
[ ! -e /run/grade-hung ] || exit 4
printf "<reports>\n"
for f in "tests/reports/$step.xml" tests/reports/step07-user-as-you.xml; do
	[ ! -f "$f" ] || sed "/^<?xml /d" "$f"
done
printf "</reports>\n"
exit "$status"
'

# JUnit (bats' report) to JSON: one object per test case, with its suite,
# name, status (passed, failed, skipped) and output (the failure or the
# reason for the skip, cut at 4 KiB).
readonly JUNIT_TO_JSON='
import json, sys, xml.etree.ElementTree as ET
tests = []
for suite in ET.parse(sys.argv[1]).getroot().iter("testsuite"):
    for case in suite.iter("testcase"):
        status, text = "passed", ""
        for tag, word in (("skipped", "skipped"), ("error", "failed"), ("failure", "failed")):
            found = case.find(tag)
            if found is not None:
                status, text = word, found.text or found.get("message") or ""
        tests.append({"suite": suite.get("name", ""), "name": case.get("name", ""),
                      "status": status, "output": text[:4096]})
json.dump(tests, sys.stdout)
'

# run_sandbox ARG...: INSIDE, with ARG..., in a new sandbox, within the
# limits.  Real root (all of the uid range mapped) becomes GRADE_UID first.
run_sandbox() {
	local -a as_user=() memory=()
	if [ "$(id -u)" -eq 0 ] && [ "$(awk '{ print $1, $2, $3 }' /proc/self/uid_map)" = "0 0 4294967295" ]; then
		as_user=(setpriv --reuid="$GRADE_UID" --regid="$GRADE_UID" --clear-groups)
	fi
	[ "${GRADE_MEMORY_BY:-}" != cgroup ] || memory=("${SCOPE[@]}")
	setsid -w timeout -s KILL "$GRADE_TIMEOUT" "${memory[@]}" "${as_user[@]}" env -i LC_ALL=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin BATS_TEST_TIMEOUT="$GRADE_TEST_TIMEOUT" GRADE_HANGS="$GRADE_HANGS" \
		setpriv --no-new-privs unshare --user --map-root-user --pid --fork --kill-child --mount-proc \
		--mount --net --ipc --uts bash -c "$INSIDE" sandbox "$@"
}

# A systemd scope (a cgroup v2) with GRADE_MEMORY as its memory limit,
# without swap: the whole sandbox's memory, where systemd runs.
SCOPE=(systemd-run --quiet --scope --collect -p "MemoryMax=${GRADE_MEMORY}M" -p MemorySwapMax=0)
[ "$(id -u)" -eq 0 ] || SCOPE=("${SCOPE[0]}" --user "${SCOPE[@]:1}")

# step_record STEP RESULT REASON TESTS: the JSON a step's grading leaves in
# OUT/STUDENT/steps/STEP.json, on stdout; TESTS is a file that holds the
# tests' array, or none.
step_record() {
	local tests=$4
	[ -s "$tests" ] || tests=/dev/null
	jq -n --arg step "$1" --arg result "$2" --arg reason "$3" --arg key "${KEY:-}" \
		--argjson seconds "$((SECONDS - STEP_STARTED))" --slurpfile tests "$tests" \
		'{step: $step, result: $result, reason: $reason, key: $key, seconds: $seconds, tests: ($tests[0] // [])}'
}

# grade_step N STEP: grade STEP (step03-uts) of student N into
# OUT/STUDENT/steps/STEP.json, .log and junit/STEP.xml, then print "N STEP
# RESULT".  RESULT is pass, fail, missing or error (the grading could not
# give a result: REASON says why).
grade_step() {
	local n=$1 step=$2 sub dir file run result reason="" tests status=0 expected count
	local -a pipe HIDE
	mapfile -t HIDE <<<"$GRADE_HIDE"
	STEP_STARTED=$SECONDS
	sub=$(cat "$WORK/$n/path")
	dir=$OUT/$(cat "$WORK/$n/name")
	file=$sub/$step/invoke_ns.c
	run=$WORK/$n/$step
	tests=$run/tests.json
	mkdir -p "$run" "$dir/steps" "$dir/junit"
	rm -f "$dir/steps/$step.log" "$dir/junit/$step.xml"
	KEY=""
	if [ -e "$WORK/$n/refused" ]; then
		result=error reason=$(cat "$WORK/$n/refused")
	elif [ ! -e "$sub" ]; then
		result=missing reason="the submission is not a directory"
	elif [ -L "$sub/$step" ] || [ -L "$file" ]; then
		# It could show the grader's own files.
		result=error reason="$step/invoke_ns.c is a symbolic link (or in one): refused"
	elif [ ! -e "$file" ]; then
		result=missing reason="no invoke_ns.c in the submission"
	elif [ ! -f "$file" ]; then
		result=error reason="$step/invoke_ns.c is not a regular file: refused"
	elif [ "$(stat -c %s "$file")" -gt 1048576 ]; then
		result=error reason="$step/invoke_ns.c is larger than 1 MiB: refused"
	elif ! cp "$file" "$run/invoke_ns.c" 2>/dev/null; then
		result=error reason="$step/invoke_ns.c cannot be read by the grader"
	fi
	if [ -z "${result:-}" ]; then
		KEY=$(cat "$run/invoke_ns.c" "$WORK/labkey" | sha256sum)
		KEY=${KEY%% *}
		# Unchanged since a run into this OUT gave it a result: reuse it.
		if [ -f "$dir/steps/$step.json" ] && [ -f "$dir/steps/$step.log.kept" ] &&
			[ "$(jq -r 'select(.result != "error") | .key' "$dir/steps/$step.json" 2>/dev/null)" = "$KEY" ]; then
			mv "$dir/steps/$step.log.kept" "$dir/steps/$step.log"
			[ ! -f "$dir/junit/$step.xml.kept" ] || mv "$dir/junit/$step.xml.kept" "$dir/junit/$step.xml"
			printf '%s %s %s reused\n' "$n" "$step" "$(jq -r .result "$dir/steps/$step.json")"
			return 0
		fi
	fi
	rm -f "$dir/steps/$step.log.kept" "$dir/junit/$step.xml.kept"
	if [ -n "${result:-}" ]; then
		:
	elif grep -q 'TODO (step' "$WORK/lab/.handout/$step.c" && cmp -s "$run/invoke_ns.c" "$WORK/lab/.handout/$step.c"; then
		# The handout's tests show that a skeleton fails: no need to run them.
		result=fail reason="the step file is the handout's, its TODOs not done"
	else
		set +e
		tar -cf - -C "$WORK/lab" . -C "$run" --transform "s|^invoke_ns\\.c\$|$step/invoke_ns.c|" invoke_ns.c |
			run_sandbox "$step" "$GRADE_UID" "$GRADE_NPROC" "$KIB" "${HIDE[@]}" >"$run/report.xml" 2>"$run/log"
		pipe=("${PIPESTATUS[@]}")
		set -e
		status=${pipe[1]}
		expected=$(jq --arg step "$step" '[.[($step + ".bats"), "usage.bats", "exit_status.bats", "signals.bats"]
			| numbers] | add' "$WORK/counts")
		if [ "$status" = 137 ] || [ $((SECONDS - STEP_STARTED)) -ge "$GRADE_TIMEOUT" ]; then
			result=error reason="stopped at the time limit of a step, $GRADE_TIMEOUT s"
		elif [ "$status" = 4 ]; then
			result=fail reason="its program hung in $GRADE_HANGS tests, each stopped at $GRADE_TEST_TIMEOUT s: the step was stopped there"
		elif [ "$status" = 3 ]; then
			result=fail reason="the build failed: see the log"
		elif [ "$status" != 0 ] && [ "$status" != 1 ]; then
			result=error reason="the sandbox ended with status $status: see the log"
		elif ! python3 -c "$JUNIT_TO_JSON" "$run/report.xml" 2>/dev/null | jq --arg suite "$step.bats" \
			--slurpfile kept "$WORK/kept" 'map(. + {scoring: (.suite == $suite
				and (.name as $n | $kept[0][$suite] // [] | any(. == $n) | not))})' >"$tests" 2>/dev/null; then
			result=error reason="the tests left no report that bats wrote: see the log"
		elif count=$(jq length "$tests") && [ "$count" != "$expected" ]; then
			result=error reason="the report holds $count tests, the lab's suites $expected: the run was cut short"
		elif count=$(jq '[.[] | select(.status == "failed")] | length' "$tests") && [ "$count" != 0 ]; then
			result=fail reason="$count of $expected tests failed"
		elif [ "$status" = 0 ]; then
			result=pass
		else
			result=error reason="the tests failed, yet their report says that all passed: see the log"
		fi
		# Only a report that was read counts.
		[ "$result" != error ] || rm -f "$tests"
		cp "$run/report.xml" "$dir/junit/$step.xml" 2>/dev/null || true
	fi
	{
		[ ! -f "$run/log" ] || head -c 1048576 "$run/log"
		[ -z "$reason" ] || printf '%s: %s\n' "$PROG" "$reason"
	} >"$dir/steps/$step.log"
	step_record "$step" "$result" "$reason" "$tests" >"$dir/steps/$step.json"
	printf '%s %s %s\n' "$n" "$step" "$result"
}

# Run grade_step on each "N STEP" line of stdin, $1 at once, and show the
# progress: one line kept up to date on a terminal, else a line a suite.
run_jobs() {
	local done=0 total=$2 n step res how
	xargs -r -P "$1" -L 1 "$ROOT/scripts/grade.sh" --job | tee "$WORK/done" | while read -r n step res how; do
		done=$((done + 1))
		if [ -t 2 ]; then
			printf '\r%s: %d/%d suites graded, %d s ' "$PROG" "$done" "$total" "$(($(date +%s) - STARTED))" >&2
			[ "$done" -lt "$total" ] || printf '\n' >&2
		else
			printf '%s: %d/%d %s %s: %s%s\n' "$PROG" "$done" "$total" "$(cat "$WORK/$n/name")" "$step" "$res" "${how:+ ($how)}" >&2
		fi
	done
}

# spread N: grade students 1 to N on the machines of GRADE_SSH (GNU
# parallel's --sshlogin: logins separated by commas; or a file of them,
# its --sshloginfile), a student a job, one job at a time per login.  A job
# takes the lab, the student's step files (a symbolic link as a link, for
# the grading there to refuse) and what OUT kept of the student, grades
# them there with this script, in the same sandboxes, and brings back the
# student's directory of OUT.  Refused students are done here.
spread() {
	local i name sub step f ship=$WORK/ship
	local -a logins=(--sshlogin "$GRADE_SSH") paths jobs=()
	[ ! -f "$GRADE_SSH" ] || logins=(--sshloginfile "$GRADE_SSH")
	command -v parallel >/dev/null || die "GRADE_SSH needs GNU parallel (and rsync): run make deps"
	mkdir "$ship"
	"$ROOT/scripts/copylab.sh" "$ROOT" "$ship/lab"
	tar -cf "$ship/lab.tar" -C "$ship" lab
	for i in $(seq "$1"); do
		name=$(cat "$WORK/$i/name") sub=$(cat "$WORK/$i/path")
		if [ -e "$WORK/$i/refused" ] || [ ! -d "$sub" ]; then
			for step in "${STEPS[@]}"; do
				grade_step "$i" "$step" >>"$WORK/done"
			done
			continue
		fi
		paths=()
		for step in "${STEPS[@]}"; do
			if [ -L "$sub/$step" ]; then
				paths+=("$step")
			elif [ -e "$sub/$step/invoke_ns.c" ] || [ -L "$sub/$step/invoke_ns.c" ]; then
				paths+=("$step" "$step/invoke_ns.c")
			fi
		done
		mkdir -p "$ship/$i/subs/$name" "$ship/$i/out/$name/steps" "$ship/$i/out/$name/junit"
		[ "${#paths[@]}" -eq 0 ] || tar -cf - -C "$sub" --no-recursion -- "${paths[@]}" | tar -xf - -C "$ship/$i/subs/$name"
		for f in "$OUT/$name"/steps/* "$OUT/$name"/junit/*; do
			[ ! -f "$f" ] || cp "$f" "$ship/$i/out/$name/${f#"$OUT/$name/"}"
		done
		for f in "$ship/$i/out/$name"/*/*.kept; do
			[ ! -f "$f" ] || mv "$f" "${f%.kept}"
		done
		: >"$ship/$i/out/gradebook.csv"
		cp "$ship/lab.tar" "$ship/$i.tar"
		tar -rf "$ship/$i.tar" -C "$ship/$i" subs out
		jobs+=("$i")
	done
	printf '%s: %d students on %s\n' "$PROG" "${#jobs[@]}" "$GRADE_SSH" >&2
	# shellcheck disable=SC2016 # for the shell of the login
	printf '%s\n' "${jobs[@]}" | (cd "$ship" && parallel --will-cite -j 1 "${logins[@]}" --workdir ... \
		--transferfile '{}.tar' --return '{}.back.tar' --cleanup --env GRADE_TIMEOUT --env GRADE_TEST_TIMEOUT \
		--env GRADE_HANGS --env GRADE_MEMORY --env GRADE_NPROC --env GRADE_UID \
		'tar -xf {}.tar && GRADE_DONE=$PWD/done bash lab/scripts/grade.sh subs out >grade.log 2>&1;
		tar -cf {}.back.tar out grade.log $(ls done 2>/dev/null)') >"$WORK/ssh.log" 2>&1 || true
	for i in "${jobs[@]}"; do
		name=$(cat "$WORK/$i/name")
		mkdir "$ship/$i/back"
		if tar -xf "$ship/$i.back.tar" -C "$ship/$i/back" 2>/dev/null && [ -f "$ship/$i/back/done" ]; then
			rm -rf "$OUT/$name/steps" "$OUT/$name/junit"
			cp -R "$ship/$i/back/out/$name/." "$OUT/$name/"
			awk -v n="$i" '{ $1 = n; print }' "$ship/$i/back/done" >>"$WORK/done"
			printf '%s: %s graded over SSH\n' "$PROG" "$name" >&2
		else
			printf '%s: %s: the grading over SSH failed:\n' "$PROG" "$name" >&2
			cat "$ship/$i/back/grade.log" "$WORK/ssh.log" 2>/dev/null | tail -n 5 >&2
			for step in "${STEPS[@]}"; do
				STEP_STARTED=$SECONDS
				{ cat "$ship/$i/back/grade.log" "$WORK/ssh.log" 2>/dev/null || true; } | tail -n 20 >"$OUT/$name/steps/$step.log"
				step_record "$step" error "the grading over SSH failed: see the log" /dev/null >"$OUT/$name/steps/$step.json"
				printf '%s %s error\n' "$i" "$step" >>"$WORK/done"
			done
		fi
	done
}

# csv CELL: CELL as a CSV field: quoted when it holds a comma or a quote,
# and with a ' before a leading = + - or @, which a spreadsheet would take
# for a formula.
csv() {
	local cell=$1
	[[ $cell != [=+@-]* ]] || cell="'$cell"
	[[ $cell != *[,\"]* ]] || cell=\"${cell//\"/\"\"}\"
	printf '%s' "$cell"
}

# report DIR: from DIR/steps/*.json (a student's graded steps), write
# DIR/results.json and DIR/log.txt, and print the student's gradebook row.
# Each step's weight (whole numbers that add up to 100) is shared by the
# tests of its own suite that need its code and ran (not skipped); the
# other tests of the step (usage, exit statuses, signals) must pass too
# for a pass, but carry no points of their own.  A step with no test run
# is one entry worth its weight, scored 0.
report() {
	local dir=$1 step i=0 w row
	local -a records=()
	for step in "${STEPS[@]}"; do
		i=$((i + 1))
		w=$((100 * i / ${#STEPS[@]} - 100 * (i - 1) / ${#STEPS[@]}))
		if [ -f "$dir/steps/$step.json" ]; then
			records+=("$(jq -c --argjson w "$w" '. + {weight: $w}' "$dir/steps/$step.json")")
		else
			records+=("$(jq -nc --arg step "$step" --argjson w "$w" \
				'{step: $step, result: "error", reason: "not graded", tests: [], weight: $w}')")
		fi
		{ printf '== %s: ' "$step"; jq -r '"\(.result) (\(.seconds // 0) s)"' <<<"${records[-1]}"
			cat "$dir/steps/$step.log" 2>/dev/null || true; } >>"$dir/log.txt.new"
	done
	mv "$dir/log.txt.new" "$dir/log.txt"
	printf '%s\n' "${records[@]}" | jq -s '
		def scoring: .scoring and .status != "skipped";
		def points: (.tests | map(select(scoring))) as $ran
			| if .result == "pass" then .weight
			  elif ($ran | length) == 0 then 0
			  else .weight * ($ran | map(select(.status == "passed")) | length) / ($ran | length) end;
		def entries: (.tests | map(select(scoring)) | length) as $n | . as $s
			| if $n == 0 then [{name: .step, score: points, max_score: .weight,
				status: (if .result == "pass" then "passed" else "failed" end),
				output: (.reason + "\nlog.txt has the whole output of the step.")}]
			  else [{name: .step, score: 0, max_score: 0, status: (if .result == "pass" then "passed" else "failed" end),
				output: ("the step: " + .result + (if .reason != "" then ", " + .reason else "" end))}]
				+ (.tests | map({name: ($s.step + ": " + .name),
				score: (if scoring and .status == "passed" then $s.weight / $n else 0 end),
				max_score: (if scoring then $s.weight / $n else 0 end),
				status: (if .status == "failed" then "failed" else "passed" end),
				output: (if .status == "skipped" then "skipped: " + .output else .output end)}))
			  end;
		{score: (map(points) | add * 100 | round / 100),
		 output: ("steps: " + (map(.result) | join(" "))),
		 tests: map(entries) | add}' >"$dir/results.json"
	row=$(printf '%s\n' "${records[@]}" | jq -rs '
		def points: (.tests | map(select(.scoring and .status != "skipped"))) as $ran
			| if .result == "pass" then .weight
			  elif ($ran | length) == 0 then 0
			  else .weight * ($ran | map(select(.status == "passed")) | length) / ($ran | length) end;
		(map(.result) + [([.[].tests[] | select(.status == "passed")] | length),
		 ([.[].tests[] | select(.status == "failed")] | length), (map(points) | add * 100 | round / 100)]
		 + map(points * 100 | round / 100)) | map(tostring) | join(",")')
	# The notes: each reason once, after the steps it is given for.
	printf '%s,%s,%s\n' "$(csv "${dir##*/}")" "$row" "$(csv "$(printf '%s\n' "${records[@]}" | jq -rs '
		[group_by(.reason) | sort_by(.[0].step)[] | select(.[0].reason != "")
		 | "step " + (map(.step[4:6] | tonumber | tostring) | join(" ")) + ": " + .[0].reason] | join("; ")')")"
}

summary() {
	local step graded=$1
	printf '\n%d students graded in %d s, %d suites at once: %d of %d steps reused; %d in the gradebook\n' \
		"$graded" "$(($(date +%s) - STARTED))" "$GRADE_JOBS" "$(grep -c ' reused$' "$WORK/done")" \
		"$(wc -l <"$WORK/done")" "$(($(wc -l <"$OUT/gradebook.csv") - 1))"
	for step in "${STEPS[@]}"; do
		printf '%-14s %3d pass %3d fail %3d missing %3d error\n' "$step:" \
			"$(grep -l '"result": "pass"' "$OUT"/*/steps/"$step.json" 2>/dev/null | wc -l)" \
			"$(grep -l '"result": "fail"' "$OUT"/*/steps/"$step.json" 2>/dev/null | wc -l)" \
			"$(grep -l '"result": "missing"' "$OUT"/*/steps/"$step.json" 2>/dev/null | wc -l)" \
			"$(grep -l '"result": "error"' "$OUT"/*/steps/"$step.json" 2>/dev/null | wc -l)"
	done
	cat "$OUT"/*/results.json | jq .score | sort -n | awk '{ s[NR] = $1 }
		END { if (NR) printf "score (of 100): lowest %s, median %s, highest %s\n", s[1], s[int((NR + 1) / 2)], s[NR] }'
	printf 'gradebook: %s; per student: results.json, junit/, log.txt\n' "$OUT/gradebook.csv"
}

main() {
	local n=0 entry name var kept
	if [ "${1-}" = --job ]; then
		shift
		grade_step "$@"
		exit 0
	fi
	if [ -z "${1-}" ] || [ $# -gt 2 ]; then
		printf 'Usage: %s SUBMISSIONS [OUT] (-h for help)\n' "$PROG" >&2
		exit 2
	fi
	for var in GRADE_TIMEOUT GRADE_TEST_TIMEOUT GRADE_HANGS GRADE_JOBS GRADE_UID GRADE_NPROC GRADE_MEMORY; do
		[[ ${!var} =~ ^[1-9][0-9]{0,8}$ ]] || die "$var is '${!var}': it must be a whole number above 0"
	done
	SUBMISSIONS=$1
	OUT=${2:-grades}
	[ -e "$SUBMISSIONS" ] || die "$SUBMISSIONS: no such directory"
	[ -d "$SUBMISSIONS" ] || die "$SUBMISSIONS is not a directory: give the one that holds a directory per student"
	SUBMISSIONS=$(cd "$SUBMISSIONS" && pwd -P)
	if [ ! -f "$OUT/gradebook.csv" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
		die "$OUT holds files but no gradebook.csv: give a new directory as OUT"
	fi
	for name in $STUDENTS; do
		[ -e "$SUBMISSIONS/$name" ] || [ -L "$SUBMISSIONS/$name" ] || die "STUDENTS: no $name in $SUBMISSIONS"
	done
	command -v jq >/dev/null || die "jq is missing: run make deps"
	command -v python3 >/dev/null || die "python3 is missing: run make deps"
	# The memory limit: a cgroup (a systemd scope) where one can be had,
	# else the address space of each process.
	export GRADE_MEMORY_BY=rlimit KIB=$((GRADE_MEMORY * 1024))
	if grep -qsw memory /sys/fs/cgroup/cgroup.controllers && "${SCOPE[@]}" true >/dev/null 2>&1; then
		GRADE_MEMORY_BY=cgroup KIB=0
	fi
	mkdir -p "$OUT"
	OUT=$(cd "$OUT" && pwd -P)
	# What the sandbox hides, should the system's directories hold it.
	GRADE_HIDE=$(printf '%s\n' "$ROOT" "$SUBMISSIONS" "$OUT" "$(cd ~ && pwd -P)")
	export GRADE_HIDE
	mapfile -t HIDE <<<"$GRADE_HIDE"
	run_sandbox - 0 "$GRADE_NPROC" "$KIB" "${HIDE[@]}" </dev/null >/dev/null 2>&1 ||
		die "cannot create the sandbox as uid ${GRADE_UID}: see LAB.md's appendix on restricted user namespaces"
	export OUT SUBMISSIONS STARTED
	WORK=$(mktemp -d)
	export WORK
	trap 'rm -rf "$WORK"' EXIT
	# The lab without its step files (each sandbox gets one, the student's),
	# and the handout's skeletons to compare them with: a handout's own, or
	# those the lab's marks make.
	if [ -d "$ROOT/.handout" ]; then
		"$ROOT/scripts/copylab.sh" "$ROOT" "$WORK/lab"
	else
		"$ROOT/scripts/handout.sh" "$WORK/lab" >/dev/null
	fi
	rm -f "$WORK"/lab/step0*/invoke_ns.c
	mapfile -t STEPS < <(cd "$ROOT" && printf '%s\n' step0[1-7]-*)
	# What a step's result depends on besides its file: the lab and the
	# limits; and how many tests each suite holds.
	{ (cd "$WORK/lab" && find Makefile scripts tests .handout -type f -print0 | sort -z | xargs -0 sha256sum)
		printf '%s\n' "$GRADE_TEST_TIMEOUT" "$GRADE_MEMORY" "$GRADE_HANGS"; } | sha256sum >"$WORK/labkey"
	for entry in "$WORK"/lab/tests/*.bats; do
		jq -n --arg s "${entry##*/}" --argjson n "$(grep -c "^@test " "$entry")" '{($s): $n}'
	done | jq -s add >"$WORK/counts"
	# The tests that need no code of their step (tagged handout:kept, as
	# tests/handout.bats checks): they pass on the handout's skeleton.
	for entry in "$WORK"/lab/tests/step0*.bats; do
		awk '/^[ \t]*# bats test_tags=/ { tagged = $0 ~ /[=,][ \t]*handout:kept[ \t]*(,|$)/; next }
			sub(/^[ \t]*@test[ \t]+"/, "") { sub(/"[ \t]*{.*$/, ""); if (tagged) print; tagged = 0 }' "$entry" |
			jq -R . | jq -s --arg s "${entry##*/}" '{($s): .}'
	done | jq -s add >"$WORK/kept"
	# One student per entry, but hidden ones, OUT, and names a CSV line cannot hold.
	for entry in "$SUBMISSIONS"/*; do
		name=${entry##*/}
		if [ ! -e "$entry" ] && [ ! -L "$entry" ]; then continue; fi
		if [ "$(realpath -m "$entry")" = "$OUT" ]; then continue; fi
		if [[ $name == *[[:cntrl:]]* ]] || [ "$name" = gradebook.csv ]; then
			printf '%s: left out: %q, not a name for the gradebook\n' "$PROG" "$name" >&2
			continue
		fi
		if [ -n "$STUDENTS" ] && [[ " $STUDENTS " != *" $name "* ]]; then continue; fi
		n=$((n + 1))
		mkdir "$WORK/$n"
		printf '%s\n' "$entry" >"$WORK/$n/path"
		printf '%s\n' "$name" >"$WORK/$n/name"
		# A symbolic link could show another student's copy, or the grader's.
		if [ -L "$entry" ]; then
			printf '%s: %s is a symbolic link: refused\n' "$PROG" "$name" >&2
			printf 'the submission is a symbolic link (to %s): refused\n' "$(readlink "$entry")" >"$WORK/$n/refused"
		elif [ ! -d "$entry" ]; then
			printf '%s: %s is not a directory: every step missing\n' "$PROG" "$name" >&2
		fi
		# What the last run left, reused where the step file is unchanged.
		mkdir -p "$OUT/$name/steps" "$OUT/$name/junit"
		for kept in "$OUT/$name"/steps/*.log "$OUT/$name"/junit/*.xml; do
			[ ! -f "$kept" ] || mv "$kept" "$kept.kept"
		done
	done
	[ "$n" -gt 0 ] || die "no submission in $SUBMISSIONS: it needs a directory per student"
	STARTED=$(date +%s)
	if [ -n "${GRADE_SSH:-}" ]; then
		spread "$n"
	else
		for entry in $(seq "$n"); do
			printf "$entry %s\n" "${STEPS[@]}"
		done | run_jobs "$GRADE_JOBS" $((n * ${#STEPS[@]}))
	fi
	[ -z "${GRADE_DONE:-}" ] || cp "$WORK/done" "$GRADE_DONE"
	rm -f "$OUT"/*/steps/*.kept "$OUT"/*/junit/*.kept
	# The gradebook, from every student's results in OUT.
	{
		printf 'student,%s,passed,failed,score,%s,notes\n' "$(printf '%.6s\n' "${STEPS[@]}" | paste -sd,)" \
			"$(printf 'points%.2s\n' "${STEPS[@]#step}" | paste -sd,)"
		for entry in "$OUT"/*/steps; do
			[ ! -d "$entry" ] || report "${entry%/steps}"
		done
	} >"$OUT/gradebook.csv.new"
	mv "$OUT/gradebook.csv.new" "$OUT/gradebook.csv"
	summary "$n"
}

main "$@"
