#!/usr/bin/env bash
# grade.sh SUBMISSIONS [OUT] (make grade SUBMISSIONS=DIR [OUT=DIR]): grade
# each subdirectory of SUBMISSIONS, one student's copy of the handout, with
# this lab's tests, never as root, into OUT (default ./grades):
# gradebook.csv, and per student results.json (Gradescope's format),
# junit/*.xml and log.txt.  Environment: GRADE_JOBS steps at once (the
# number of cores), GRADE_TIMEOUT seconds per step (600), GRADE_UID the
# user that grades when run as root (65534), GRADE_NPROC processes per
# sandbox (128).
#
# Of a student only the step files are taken.  Each is built and checked
# (scripts/check.sh N) with this lab's own tests, in a sandbox of its own: a
# user namespace, never real root (run as root, this script first becomes
# GRADE_UID), with new PID, mount, network, IPC and UTS namespaces, the
# machine's mounts read-only, a /tmp, /run and /dev of its own, limits on
# processes, file size and time.  The lab goes in as a tar on stdin, the
# reports come out as a tar on stdout: no file of the machine is writable.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
: "${GRADE_TIMEOUT:=600}" "${GRADE_JOBS:=$(nproc)}" "${GRADE_UID:=65534}" "${GRADE_NPROC:=128}"
export GRADE_TIMEOUT GRADE_UID GRADE_NPROC

# Real root (all of the uid range mapped) grades as GRADE_UID instead.
AS_USER=()
if [ "$(id -u)" -eq 0 ] && [ "$(awk '{ print $1, $2, $3 }' /proc/self/uid_map)" = "0 0 4294967295" ]; then
	AS_USER=(setpriv --reuid="$GRADE_UID" --regid="$GRADE_UID" --clear-groups)
fi
SANDBOX=(setsid -w timeout -s KILL "$GRADE_TIMEOUT" "${AS_USER[@]}" env -i HOME=/tmp LC_ALL=C.UTF-8
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin setpriv --no-new-privs
	unshare --user --map-root-user --pid --fork --kill-child --mount-proc --mount --net --ipc --uts)

# PID 1 of the sandbox, root of its user namespace: hide the machine's /tmp,
# /run, /dev and queues, make every other mount read-only, unpack the lab
# from stdin, build step $1, check it as user $2 (an unprivileged user, as
# the rootless make check does), and write the reports to stdout.
# shellcheck disable=SC2016
readonly INSIDE='
set -euo pipefail
cd /
ulimit -u "$3" -f 65536
mount -t tmpfs -o mode=755,size=64m grade-run /run
mkdir /run/dev
mount -t tmpfs -o mode=755,size=1m grade-dev /run/dev
for d in null zero full random urandom tty; do
	: >"/run/dev/$d"
	mount --bind "/dev/$d" "/run/dev/$d"
done
mkdir /run/dev/shm /run/dev/mqueue /run/dev/pts
mount -t mqueue grade-mqueue /run/dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666 grade-pts /run/dev/pts
ln -s pts/ptmx /run/dev/ptmx
ln -s /proc/self/fd /run/dev/fd
mount --move /run/dev /dev
for d in /tmp /var/tmp /dev/shm; do
	[ ! -d "$d" ] || mount -t tmpfs -o mode=1777,size=1g grade-tmp "$d"
done
# A mount point this user cannot reach hides nothing it could write.
findmnt -rn -o TARGET | while read -r m; do
	case $m in /proc | /proc/* | /dev | /dev/* | /run | /run/* | /tmp | /tmp/* | /var/tmp) continue ;; esac
	m=$(printf "%b" "$m")
	mount -o remount,bind,ro "$m" 2>/dev/null || ! (cd "$m") 2>/dev/null ||
		{ printf "grade.sh: cannot make %s read-only\n" "$m" >&2; exit 1; }
done
mkdir /tmp/lab
cd /tmp/lab
tar -xf - --no-same-owner
exec </dev/null
status=0
{ make -s "$1/invoke_ns" &&
	unshare --user --map-user="$2" --map-group="$2" -- scripts/check.sh "${1:5:1}"; } >&2 || status=$?
tar -cf - -C tests reports 2>/dev/null || true
exit "$status"
'

# grade_step N STEP: check STEP (step03-uts) of student N in a sandbox.
# Leaves N/STEP.log, N/STEP.reports/ and N/STEP.status, the line it prints:
# "N STEP RESULT DETAIL START END", RESULT pass, fail or missing, DETAIL the
# sandbox's exit status or timeout.
grade_step() {
	local n=$1 step=$2 sub file started status=0 res=fail
	sub=$(cat "$WORK/$n/path")
	file=$sub/$step/invoke_ns.c
	started=$(date +%s)
	mkdir -p "$WORK/$n/$step.reports"
	# A symlink could show the grader's own files: only a regular file counts.
	if [ -L "$sub/$step" ] || [ -L "$file" ] || [ ! -f "$file" ]; then
		res=missing status=-
		printf 'no %s/invoke_ns.c (a regular file) in the submission\n' "$step" >"$WORK/$n/$step.log"
	elif grep -q 'TODO (step' "$WORK/lab/.handout/$step.c" && cmp -s "$file" "$WORK/lab/.handout/$step.c"; then
		# The handout's tests show that a skeleton fails: no need to run them.
		status=-
		printf 'the step file is the handout'"'"'s, its TODOs not done\n' >"$WORK/$n/$step.log"
	elif [ "$(stat -c %s "$file")" -gt 1048576 ]; then
		status=-
		printf 'the step file is larger than 1 MiB\n' >"$WORK/$n/$step.log"
	else
		# The braces keep bash's word on a sandbox killed at the time limit.
		{ tar -cf - -C "$WORK/lab" . -C "$sub/$step" --transform "s|^invoke_ns\\.c\$|$step/invoke_ns.c|" invoke_ns.c |
			"${SANDBOX[@]}" bash -c "$INSIDE" sandbox "$step" "$GRADE_UID" "$GRADE_NPROC" \
				>"$WORK/$n/$step.tar" 2>"$WORK/$n/$step.log"; } 2>/dev/null || status=${PIPESTATUS[1]}
		tar -xf "$WORK/$n/$step.tar" -C "$WORK/$n/$step.reports" --no-same-owner 2>/dev/null || true
		[ "$status" != 0 ] || res=pass
		if [ "$status" != 0 ] && [ $(($(date +%s) - started)) -ge "$GRADE_TIMEOUT" ]; then
			status=timeout
			printf '%s: stopped at the time limit, %s s\n' "$PROG" "$GRADE_TIMEOUT" >>"$WORK/$n/$step.log"
		fi
	fi
	printf '%s %s %s %s %s %s\n' "$n" "$step" "$res" "$status" "$started" "$(date +%s)" | tee "$WORK/$n/$step.status"
}

# Run grade_step on each "N STEP" line of stdin, $1 at once, and show the
# progress: one line kept up to date on a terminal, else a line a suite.
run_jobs() {
	local done=0 total=$2 n step res
	xargs -r -P "$1" -L 1 "$ROOT/scripts/grade.sh" --job | while read -r n step res _; do
		done=$((done + 1))
		if [ -t 2 ]; then
			printf '\r%s: %d/%d suites graded, %d s ' "$PROG" "$done" "$total" "$(($(date +%s) - STARTED))" >&2
			[ "$done" -lt "$total" ] || printf '\n' >&2
		else
			printf '%s: %d/%d %s %s: %s\n' "$PROG" "$done" "$total" "$(cat "$WORK/$n/name")" "$step" "$res" >&2
		fi
	done
}

# What results.json says of a step: the summary lines of its log and its
# failed tests with their diagnostics, or else the end of the log.
step_output() {
	grep -E '^step0[1-7]-[a-z-]+: [0-9]+ passed' "$1" || true
	if grep -q '^not ok ' "$1"; then
		awk '/^not ok / { keep = 1; print; next } /^ok / { keep = 0 } keep && /^#/' "$1"
	else
		tail -n 30 "$1"
	fi | head -c 16384
}

# report N: OUT/STUDENT/ and the gradebook row of student N.
report() {
	local n=$1 name dir res step i=0 passed=0 failed=0 score=0 w p f t0 t1 _
	local -a row=()
	name=$(cat "$WORK/$n/name")
	dir=$OUT/$name
	rm -rf "$dir"
	mkdir -p "$dir/junit"
	for step in "${STEPS[@]}"; do
		i=$((i + 1))
		read -r _ _ res _ t0 t1 <"$WORK/$n/$step.status"
		row+=("$res")
		COUNT[$step.$res]=$((${COUNT[$step.$res]:-0} + 1))
		# The step's weight: whole numbers that add up to 100.
		w=$((100 * i / ${#STEPS[@]} - 100 * (i - 1) / ${#STEPS[@]}))
		[ "$res" != pass ] || score=$((score + w))
		read -r p f < <(awk -F'[:,] ' '/^step0[1-7]-[a-z-]+: [0-9]+ passed, [0-9]+ failed/ {
			p += $2; f += $3 } END { print p + 0, f + 0 }' "$WORK/$n/$step.log")
		passed=$((passed + p))
		failed=$((failed + f))
		find "$WORK/$n/$step.reports" -type f -name '*.xml' -exec cp -t "$dir/junit" {} +
		{ printf '== %s: %s (%d s)\n' "$step" "$res" "$((t1 - t0))"; cat "$WORK/$n/$step.log"; } >>"$dir/log.txt"
		jq -n --arg name "$step" --arg res "$res" --arg output "$(step_output "$WORK/$n/$step.log")" \
			--argjson max "$w" '{name: $name, score: (if $res == "pass" then $max else 0 end),
				max_score: $max, status: (if $res == "pass" then "passed" else "failed" end), output: $output}'
	done >"$WORK/$n/tests.json"
	jq -s --argjson score "$score" --arg output "${row[*]}" \
		'{score: $score, output: ("steps: " + $output), tests: .}' "$WORK/$n/tests.json" >"$dir/results.json"
	# A name with a comma or a quote is quoted, as CSV does.
	[[ $name != *[,\"]* ]] || name=\"${name//\"/\"\"}\"
	printf '%s,%s,%d,%d,%d\n' "$name" "$(IFS=,; printf '%s' "${row[*]}")" "$passed" "$failed" "$score" >>"$OUT/gradebook.csv"
	SCORES+=("$score")
}

summary() {
	local step
	printf '\n%d submissions graded in %d s, %d suites at once\n' "${#SCORES[@]}" "$(($(date +%s) - STARTED))" "$GRADE_JOBS"
	for step in "${STEPS[@]}"; do
		printf '%-14s %3d pass %3d fail %3d missing\n' "$step:" "${COUNT[$step.pass]:-0}" \
			"${COUNT[$step.fail]:-0}" "${COUNT[$step.missing]:-0}"
	done
	printf '%s\n' "${SCORES[@]}" | sort -n | awk '{ s[NR] = $1 }
		END { printf "score (of 100): lowest %d, median %d, highest %d\n", s[1], s[int((NR + 1) / 2)], s[NR] }'
	printf 'gradebook: %s; per student: results.json, junit/, log.txt\n' "$OUT/gradebook.csv"
}

main() {
	local n=0 entry
	if [ "${1-}" = --job ]; then
		shift
		grade_step "$@"
		exit 0
	fi
	if [ -z "${1-}" ] || [ $# -gt 2 ]; then
		printf 'Usage: %s SUBMISSIONS [OUT] (-h for help)\n' "$PROG" >&2
		exit 2
	fi
	SUBMISSIONS=$1
	OUT=${2:-grades}
	[ -e "$SUBMISSIONS" ] || die "$SUBMISSIONS: no such directory"
	[ -d "$SUBMISSIONS" ] || die "$SUBMISSIONS is not a directory: give the one that holds a directory per student"
	SUBMISSIONS=$(cd "$SUBMISSIONS" && pwd)
	if [ ! -f "$OUT/gradebook.csv" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
		die "$OUT holds files but no gradebook.csv: give a new directory as OUT"
	fi
	command -v jq >/dev/null || die "jq is missing: run make deps"
	"${SANDBOX[@]}" true 2>/dev/null ||
		die "cannot create a user namespace as uid ${GRADE_UID}: see LAB.md's appendix on restricted user namespaces"
	mkdir -p "$OUT"
	OUT=$(cd "$OUT" && pwd -P)
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
	# One student per entry, but hidden ones, OUT, and names a CSV line cannot hold.
	for entry in "$SUBMISSIONS"/*; do
		if [ ! -e "$entry" ] || [ "$(realpath "$entry")" = "$OUT" ]; then continue; fi
		if [[ ${entry##*/} == *[[:cntrl:]]* ]] || [ "${entry##*/}" = gradebook.csv ]; then
			printf '%s: left out: %q, not a name for the gradebook\n' "$PROG" "${entry##*/}" >&2
			continue
		fi
		[ -d "$entry" ] || printf '%s: %s is not a directory: every step missing\n' "$PROG" "${entry##*/}" >&2
		n=$((n + 1))
		mkdir "$WORK/$n"
		printf '%s\n' "$entry" >"$WORK/$n/path"
		printf '%s\n' "${entry##*/}" >"$WORK/$n/name"
	done
	[ "$n" -gt 0 ] || die "no submission in $SUBMISSIONS: it needs a directory per student"
	STARTED=$(date +%s)
	export STARTED
	for entry in $(seq "$n"); do
		printf "$entry %s\n" "${STEPS[@]}"
	done | run_jobs "$GRADE_JOBS" $((n * ${#STEPS[@]}))
	declare -gA COUNT=()
	SCORES=()
	printf 'student,%s,passed,failed,score\n' "$(printf '%.6s\n' "${STEPS[@]}" | paste -sd,)" >"$OUT/gradebook.csv"
	for entry in $(seq "$n"); do
		report "$entry"
	done
	summary
}

main "$@"
