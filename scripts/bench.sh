#!/usr/bin/env bash
# bench.sh: what one launch of each step costs, against util-linux unshare(1)
# doing the same work (`make bench`).
#
# For each step, three commands run /bin/true, hundreds of times each, one
# launch after the other: the step's invoke_ns with every flag it knows, the
# unshare command line that asks for the same namespaces, and /bin/true on
# its own (the floor: the fork, exec and wait that every launch pays).  They
# take turns in rounds of a few launches, in a rotating order, so that the
# machine's drift (frequency, caches, the kernel's deferred cleanup of dead
# namespaces) falls on all three alike.  A small C launcher (write_launcher)
# does the launching and the timing; README.md says what the numbers
# measure and where the time goes.
set -euo pipefail

readonly PROG=${0##*/}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
readonly ROOT

usage() {
	cat <<EOF
Usage: $PROG [-h] [-v] [-C] [-n N] [-r R] [STEP...]

Time launches of each step's invoke_ns (all its flags, running /bin/true)
against util-linux unshare with the same namespaces, and against a plain
fork and exec of /bin/true.  Prints the mean microseconds per launch of
each and the ratio invoke_ns/unshare.  Needs root, and the steps built
(make bench builds them).

  STEP  step numbers 1 to 7 (default: every step present)
  -n N  launches of each command per step (default: \$BENCH_N, else 300)
  -r R  launches per turn before the next command's turn (default: 20)
  -v    also print the two command lines compared for each step
  -C    run everything in the C locale (LC_ALL=C): unshare then skips
        loading its translations, which it does under a locale like
        C.UTF-8 and invoke_ns never does
  -h    show this help and exit

Step 7 runs twice: as root, and as uid 65534 (nobody) to show the cost for
an unprivileged user, whose only way in is the user namespace.
EOF
}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

# A positive whole number, or die naming what it was for.
check_count() {
	[[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive whole number, not '$2'"
}

TMP=
cleanup() {
	# Nothing here is mounted: the /proc mounted in the jail lives in the
	# child's mount namespace and goes away with it.
	[ -z "$TMP" ] || rm -rf "$TMP"
}

# The command lines of step $1 (step03-uts ...): INVOKE and UNSHARE (arrays)
# ask for the same namespaces, flag for flag:
#   -p        --pid --fork         (unshare must fork to enter the PID namespace)
#   -m        --mount --mount-proc (both make / private, then mount /proc)
#   -u NAME   --uts                (unshare has no hostname option: invoke_ns
#                                   also calls sethostname, a few microseconds)
#   -n        --net
#   -i yes    --ipc                (invoke_ns also creates, polls and removes a
#                                   message queue, which the child fails to open)
#   -c DIR    --root=DIR           (chroot and chdir; /proc is mounted in DIR)
#   -U        --user --map-root-user
set_commands() {
	local step=$1 n=${1:5:1}
	INVOKE=("$ROOT/$step/invoke_ns" -p)
	UNSHARE=("$UNSHARE_BIN" --pid --fork)
	if [ "$n" -ge 2 ]; then
		INVOKE+=(-m)
		UNSHARE+=(--mount --mount-proc)
	fi
	if [ "$n" -ge 3 ]; then
		INVOKE+=(-u bench)
		UNSHARE+=(--uts)
	fi
	if [ "$n" -ge 4 ]; then
		INVOKE+=(-n)
		UNSHARE+=(--net)
	fi
	if [ "$n" -ge 5 ]; then
		INVOKE+=(-i yes)
		UNSHARE+=(--ipc)
	fi
	if [ "$n" -ge 6 ]; then
		INVOKE+=(-c "$TMP/jail")
		UNSHARE+=(--root="$TMP/jail")
	fi
	if [ "$n" -ge 7 ]; then
		INVOKE+=(-U)
		UNSHARE+=(--user --map-root-user)
	fi
	INVOKE+=(/bin/true)
	UNSHARE+=(/bin/true)
}

# Build the jail steps 6 and 7 chroot into, with /bin/true in it (the lab's
# jail has no true).
make_jail() {
	"$ROOT/scripts/mkjail.sh" "$TMP/jail" >/dev/null ||
		die "could not build a jail with scripts/mkjail.sh"
	"$ROOT/scripts/binlibdepcp.sh" /bin/true "$TMP/jail" >/dev/null ||
		die "could not copy /bin/true into the jail"
}

# write_launcher FILE: the C source of the launcher, into FILE.
write_launcher() {
	cat >"$1" <<'EOF'
/*
 * launch: time COUNT sequential launches of one command, for `make bench`.
 *
 * Each launch is what a shell does for a command line: fork, exec, wait.
 * The clock runs from just before fork to just after wait returns, so a
 * launch costs the fork of this small process, the exec of the command,
 * everything the command does, and its exit.  Launching /bin/true this way
 * is the floor that every other command pays too.
 *
 * The command's stdin, stdout and stderr are /dev/null: no terminal or pipe
 * slows it down, and nothing it prints mixes with the timings.
 *
 * Build:  cc -O2 -Wall -Wextra -o launch launch.c
 * Run:    ./launch 20 /bin/true
 * Prints: one line per launch, its wall time in microseconds.  Exit status 1
 *         (and a line on stderr) as soon as a launch does not exit with 0.
 */
#define _GNU_SOURCE
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Microseconds on a clock that only moves forward. */
static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Run ARGV once and wait for it.  Its wait status. */
static int launch_once(char **argv, int devnull)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		err(1, "waitpid");
	return status;
}

int main(int argc, char **argv)
{
	char *end;
	long count, i;
	int devnull;

	if (argc < 3) {
		fprintf(stderr, "usage: launch COUNT /path/to/cmd [arg...]\n");
		return 2;
	}
	count = strtol(argv[1], &end, 10);
	if (*end != '\0' || count < 1)
		errx(2, "COUNT must be a positive number, not %s", argv[1]);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		err(1, "/dev/null");
	for (i = 0; i < count; i++) {
		double start = now_us();
		int status = launch_once(&argv[2], devnull);

		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fflush(stdout);
			if (WIFSIGNALED(status))
				errx(1, "%s was killed by signal %d", argv[2],
				     WTERMSIG(status));
			errx(1, "%s exited with status %d", argv[2],
			     WEXITSTATUS(status));
		}
		printf("%.0f\n", now_us() - start);
	}
	return 0;
}
EOF
}

# run_launches AS FILE COUNT CMD...: COUNT launches of CMD, their times
# appended to FILE.  AS is root, or nobody for uid 65534.
run_launches() {
	local as=$1 file=$2 count=$3
	shift 3
	if [ "$as" = nobody ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			"$TMP/launch" "$count" "$@" >>"$file"
	else
		"$TMP/launch" "$count" "$@" >>"$file"
	fi
}

# runs_once AS CMD...: run CMD once as AS (root or nobody), input from
# /dev/null.  On failure, FAILED says what it printed and how it ended.
runs_once() {
	local as=$1 status=0
	shift
	if [ "$as" = nobody ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@" \
			</dev/null >/dev/null 2>"$TMP/err" || status=$?
	else
		"$@" </dev/null >/dev/null 2>"$TMP/err" || status=$?
	fi
	[ "$status" -ne 0 ] || return 0
	FAILED="$* exited with status $status"
	[ ! -s "$TMP/err" ] || FAILED+=": $(head -n 3 "$TMP/err" | paste -s -d ';')"
	return 1
}

# The mean of the numbers in FILE, one a line.
mean() {
	awk '{ s += $1 } END { if (NR) printf "%.0f\n", s / NR }' "$1"
}

# bench_step LABEL AS: time floor, unshare and invoke_ns (from set_commands)
# in turns of ROUND launches until each has had COUNT, and print a row.
bench_step() {
	local label=$1 as=$2 done=0 turn=0 k i n inv uns flo
	local -a order=(floor unshare invoke)
	rm -f "$TMP"/*.times
	# One run of each first, directly: a command that fails stops here
	# with its own error message, not a timing.
	if ! runs_once "$as" "${FLOOR[@]}" || ! runs_once "$as" "${UNSHARE[@]}" ||
		! runs_once "$as" "${INVOKE[@]}"; then
		# An unprivileged user may be kept out of user namespaces here.
		[ "$as" = nobody ] || die "$label: $FAILED"
		printf '%-24s skipped: %s\n' "$label" "$FAILED"
		return 0
	fi
	while [ "$done" -lt "$COUNT" ]; do
		n=$((COUNT - done < ROUND ? COUNT - done : ROUND))
		for i in 0 1 2; do
			k=${order[(turn + i) % 3]}
			case $k in
			floor) run_launches "$as" "$TMP/floor.times" "$n" "${FLOOR[@]}" ;;
			unshare) run_launches "$as" "$TMP/unshare.times" "$n" "${UNSHARE[@]}" ;;
			invoke) run_launches "$as" "$TMP/invoke.times" "$n" "${INVOKE[@]}" ;;
			esac
		done
		done=$((done + n))
		turn=$((turn + 1))
	done
	inv=$(mean "$TMP/invoke.times")
	uns=$(mean "$TMP/unshare.times")
	flo=$(mean "$TMP/floor.times")
	printf '%-24s %10s %10s %10s %7s\n' "$label" "$inv" "$uns" "$flo" \
		"$(awk -v a="$inv" -v b="$uns" 'BEGIN { printf "%.2f", a / b }')"
	if [ -n "$VERBOSE" ]; then
		printf '    invoke_ns: %s\n    unshare:   %s\n' "${INVOKE[*]}" "${UNSHARE[*]}"
	fi
}

main() {
	local opt step n
	local -a steps=() only=()
	COUNT=${BENCH_N:-300}
	ROUND=20
	VERBOSE=
	while getopts ':hvCn:r:' opt; do
		case $opt in
		h) usage; exit 0 ;;
		v) VERBOSE=1 ;;
		C) export LC_ALL=C ;;
		n) COUNT=$OPTARG ;;
		r) ROUND=$OPTARG ;;
		:) die "-$OPTARG needs an argument (try '$PROG -h')" ;;
		*) die "unknown option -$OPTARG (try '$PROG -h')" ;;
		esac
	done
	shift $((OPTIND - 1))
	check_count "N (-n or BENCH_N)" "$COUNT"
	check_count "R (-r)" "$ROUND"
	for n in "$@"; do
		[[ $n =~ ^[1-7]$ ]] || die "STEP is a step number from 1 to 7, not '$n'"
		only+=("$n")
	done
	[ "$(id -u)" -eq 0 ] || die "needs root (namespaces and chroot for both programs): run sudo make bench"
	UNSHARE_BIN=$(command -v unshare) || die "unshare (util-linux) is not installed"
	command -v cc >/dev/null || die "no C compiler (cc) to build the launcher"
	command -v setpriv >/dev/null || die "setpriv (util-linux) is not installed"

	cd "$ROOT"
	for step in step0[1-7]-*; do
		[ -f "$step/invoke_ns.c" ] || continue
		[ ${#only[@]} -eq 0 ] || [[ " ${only[*]} " == *" ${step:5:1} "* ]] || continue
		[ -x "$step/invoke_ns" ] || die "$step/invoke_ns is not built: run make first"
		steps+=("$step")
	done
	[ ${#steps[@]} -gt 0 ] || die "no step to time${only[*]:+: there is no step ${only[*]}}"

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/invoke-ns-bench.XXXXXX")
	# uid 65534 runs the launcher and enters the jail for the last row.
	chmod 755 "$TMP"
	write_launcher "$TMP/launch.c"
	cc -O2 -Wall -Wextra -Werror -o "$TMP/launch" "$TMP/launch.c" ||
		die "could not build the launcher"
	if [[ " ${steps[*]}" == *" step0"[67]-* ]]; then
		make_jail
	fi

	FLOOR=(/bin/true)
	printf '%s: %d launches of each command per step, in turns of %d; locale %s\n' \
		"$PROG" "$COUNT" "$ROUND" "${LC_ALL:-${LC_MESSAGES:-${LANG:-C}}}"
	printf 'mean microseconds per launch of /bin/true:\n'
	printf '%-24s %10s %10s %10s %7s\n' step invoke_ns unshare floor ratio
	for step in "${steps[@]}"; do
		set_commands "$step"
		bench_step "$step" root
		if [ "${step:5:1}" = 7 ]; then
			bench_step "$step (uid 65534)" nobody
		fi
	done
	printf 'ratio: invoke_ns / unshare; below 1.00, invoke_ns is the faster.  floor: fork, exec and wait of /bin/true alone.\n'
}

main "$@"
