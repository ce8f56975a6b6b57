#!/usr/bin/env bash
# lint.sh: check the lab's code beyond its tests (`make lint`).
#
#   - cppcheck: every step file, warning/style/performance/portability;
#   - shellcheck: scripts/, tests/ (the .bats suites as bats) and .ci/run;
#   - warnings: every step built with -Wall -Wextra -Werror, by gcc and clang;
#   - sanitizers: every step built with ASan and UBSan into tests/build-san/,
#     then run through its suites; any report fails;
#   - valgrind: memcheck on a few runs of every step, parent and child.
#
# One line per check, then a summary; exit status 1 when a check failed.
# The sanitizer and valgrind checks run namespaces and need root; each
# starts with a control, a program with known bugs in a clone child, to show
# that the tool does see into the child.  About two minutes on two cores.
#
# Both tools cope with the lab's clone() and its child's own stack, with
# help: see write_clone_shim for ASan and LeakSanitizer, and
# write_valgrind_suppressions for valgrind.  valgrind follows the child, a
# clone without CLONE_VM, as it follows fork, until the child execs.
set -euo pipefail

readonly PROG=${0##*/}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
readonly ROOT
readonly ALL_CHECKS="cppcheck shellcheck warnings sanitizers valgrind"
# Where the sanitizer builds go, for tests/helpers.bash's INVOKE_NS_BUILD.
readonly SAN_TREE=$ROOT/tests/build-san
# A sanitizer or valgrind error ends the program with this status.
readonly ERROR_STATUS=99
# The user that step 7 runs as without privilege, as the tests do.
readonly NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

usage() {
	cat <<EOF
Usage: $PROG [-h] [CHECK...]

Run the lab's static and dynamic checks: $ALL_CHECKS
(default: all of them).  Prints one line per check and a summary, and
exits 1 when any check failed.  sanitizers and valgrind need root; without
it they are skipped.  The sanitizer builds stay in tests/build-san/, so a
failure can be run again by hand with the command that lint prints.

  -h   show this help and exit
EOF
}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

TMP=
cleanup() {
	[ -z "$TMP" ] || rm -rf "$TMP"
}

PASSED=0
FAILED=0
SKIPPED=0

# pass WHAT / fail WHAT [FILE] / skip WHAT WHY: one line per check.  fail
# shows the first lines of FILE (what the tool said) below its line.
pass() {
	printf 'ok    %s\n' "$1"
	PASSED=$((PASSED + 1))
}

fail() {
	printf 'FAIL  %s\n' "$1"
	if [ -n "${2-}" ] && [ -s "$2" ]; then
		head -n 40 "$2" | sed 's/^/      | /'
		[ "$(wc -l <"$2")" -le 40 ] || printf '      | ... (%d lines)\n' "$(wc -l <"$2")"
	fi
	FAILED=$((FAILED + 1))
}

skip() {
	printf 'skip  %s: %s\n' "$1" "$2"
	SKIPPED=$((SKIPPED + 1))
}

# have TOOL CHECK: true if TOOL is installed, else a failed CHECK saying so.
have() {
	command -v "$1" >/dev/null && return 0
	fail "$2: $1 is not installed (make deps installs it)"
	return 1
}

# --- cppcheck ---------------------------------------------------------------

# The C files to check: every step's.
c_files() {
	printf '%s/invoke_ns.c\n' "${STEPS[@]}"
}

check_cppcheck() {
	local f
	have cppcheck cppcheck || return 0
	for f in $(c_files); do
		if cppcheck --quiet --enable=warning,style,performance,portability \
			--std=c11 --error-exitcode=1 "$f" >"$TMP/out" 2>&1; then
			pass "cppcheck $f"
		else
			fail "cppcheck $f" "$TMP/out"
		fi
	done
}

# --- shellcheck -------------------------------------------------------------

# One check for a group of files: shellcheck_group NAME SHELL FILE...
# SHELL is the dialect to assume (a file's own directive still wins).
shellcheck_group() {
	local name=$1 shell=$2
	shift 2
	[ $# -gt 0 ] || return 0
	if shellcheck -x -S style -s "$shell" "$@" >"$TMP/out" 2>&1; then
		pass "shellcheck $name ($# files)"
	else
		fail "shellcheck $name ($# files)" "$TMP/out"
	fi
}

check_shellcheck() {
	local f
	local -a scripts=() bash_tests=() bats_tests=()
	have shellcheck shellcheck || return 0
	for f in scripts/*.sh .ci/run; do
		[ -f "$f" ] && scripts+=("$f")
	done
	for f in tests/*.bash; do
		[ -f "$f" ] && bash_tests+=("$f")
	done
	for f in tests/*.bats; do
		[ -f "$f" ] && bats_tests+=("$f")
	done
	shellcheck_group "scripts" bash "${scripts[@]}"
	shellcheck_group "tests/*.bash" bash "${bash_tests[@]}"
	shellcheck_group "tests/*.bats" bats "${bats_tests[@]}"
}

# --- compiler warnings ------------------------------------------------------

check_warnings() {
	local cc f
	mkdir -p "$TMP/warn"
	for cc in gcc clang; do
		have "$cc" "warnings $cc" || continue
		for f in $(c_files); do
			# The Makefile's flags: -O2 lets the compiler see the data flow
			# that -Wmaybe-uninitialized and friends need.
			if "$cc" -Wall -Wextra -Werror -O2 -g -o "$TMP/warn/a.out" \
				"$f" -lrt >"$TMP/out" 2>&1; then
				pass "warnings $cc $f"
			else
				fail "warnings $cc $f" "$TMP/out"
			fi
		done
	done
}

# --- sanitizers -------------------------------------------------------------

# Linked into each sanitizer build, beside the step's own file (the file
# itself is built unchanged).  It fixes three things; the first is about
# gcc's runtimes, the other two about the clone child.
#
# - gcc links ASan and UBSan as two libraries, which both define the
#   function that sets the log file.  ASan's wins, so UBSan never opens its
#   log_path and reports on stderr, where the suites compare text.  Here
#   UBSan's own copy is called, with the path in LINT_UBSAN_LOG.
#
# The child that clone() starts runs on a stack the parent mapped with
# mmap, and ASan knows nothing of it: for ASan the child still runs on the
# main thread's stack.  Two things follow, only in the child, and both are
# changed for the child alone (the parent keeps ASan and LeakSanitizer as
# they are):
#
# - Before a call that does not return (err, _exit), ASan unpoisons the
#   stack from the current frame up to the main stack's top.  From the
#   mapping that is terabytes, so ASan gives up and prints "WARNING: ASan is ignoring
#   requested __asan_handle_no_return".  In a chroot jail it cannot even
#   open its log file for that warning, and dies with a wrong exit status.
#   Here the child skips the request, which is what ASan does anyway, minus
#   the warning.  The programs never longjmp, so nothing is lost.
# - LeakSanitizer runs at exit() in the child too (err() calls exit).  It
#   stops the process with ptrace and lists its threads in /proc/PID/task,
#   which a jail does not have: "LeakSanitizer has encountered a fatal
#   error", exit status 1.  Here it is off in the child; valgrind, which
#   follows the child until it execs, checks the child's leaks instead.
write_clone_shim() {
	cat >"$1" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

static pid_t parent_pid;
static void (*asan_handle_no_return)(void);

__attribute__((constructor)) static void lint_shim_init(void)
{
	const char *path = getenv("LINT_UBSAN_LOG");
	void *ubsan = dlopen("libubsan.so.1", RTLD_LAZY | RTLD_NOLOAD);

	parent_pid = getpid();
	asan_handle_no_return = (void (*)(void))dlsym(RTLD_NEXT, "__asan_handle_no_return");
	if (ubsan != NULL && path != NULL) {
		/* dlsym on UBSan's handle finds UBSan's own definition. */
		void (*set_path)(const char *) =
			(void (*)(const char *))dlsym(ubsan, "__sanitizer_set_report_path");
		if (set_path != NULL)
			set_path(path);
	}
}

/* ASan calls this before every call that does not return. */
void __asan_handle_no_return(void)
{
	if (getpid() == parent_pid && asan_handle_no_return != NULL)
		asan_handle_no_return();
}

/* LeakSanitizer asks this before it looks for leaks at exit. */
int __lsan_is_turned_off(void)
{
	return getpid() != parent_pid;
}
EOF
}

# The control of the sanitizer and valgrind checks: a program with known
# bugs in a child started the way the lab starts it (clone, a mapped
# stack, new namespaces), so that a clean result means the tools did look
# there.  In the child, "control memory" reads past a heap buffer and
# "control overflow" overflows a signed int; "control leak" loses a block
# in the parent.  The parent exits with the child's status.
write_control() {
	cat >"$1" <<'EOF'
#define _GNU_SOURCE
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define STACK_SIZE (1024 * 1024)

/* volatile: the compiler cannot see the bugs coming, the tools must. */
static volatile size_t past_end = 9;
static volatile int big = INT_MAX;
static void *volatile lost;

static __attribute__((noinline)) void lose_a_block(void)
{
	lost = malloc(64);
	lost = NULL;
}

static int child_main(void *arg)
{
	char *buf, copy[16];

	if (strcmp(arg, "overflow") == 0)
		return big + 1 == 0;
	if (strcmp(arg, "leak") == 0)
		return 0;
	buf = malloc(8);
	if (buf == NULL)
		return 2;
	memset(buf, 'x', 8);
	memcpy(copy, buf, past_end);
	free(buf);
	return copy[0] != 'x';
}

int main(int argc, char **argv)
{
	char *stack = malloc(STACK_SIZE);
	int status;
	pid_t pid;

	if (argc != 2 || stack == NULL)
		return 2;
	if (strcmp(argv[1], "leak") == 0)
		lose_a_block();
	pid = clone(child_main, stack + STACK_SIZE, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, argv[1]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 2;
	free(stack);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
EOF
}

# The suites that run a step's sanitizer build: those every step shares,
# the step's own, and for the last step the suites of every earlier step too
# (it has all their code).
san_suites() {
	local step=$1 last=$2 f
	printf '%s\n' tests/usage.bats tests/exit_status.bats tests/signals.bats
	for f in tests/step0[1-7]-*.bats; do
		[ -f "$f" ] || continue
		if [ "${f#tests/}" = "$step.bats" ] ||
			{ [ "$step" = "$last" ] && [ "${f:10:2}" -le "${step:4:2}" ]; }; then
			printf '%s\n' "$f"
		fi
	done
}

# A report file of ASan, LSan or UBSan in LOGS, shown in OUT.  True if any.
sanitizer_reports() {
	local logs=$1 out=$2 f
	: >"$out"
	for f in "$logs"/*; do
		[ -e "$f" ] || continue
		printf '%s:\n' "${f##*/}" >>"$out"
		head -n 30 "$f" >>"$out"
	done
	[ -s "$out" ]
}

# san_env CMD...: run CMD with the sanitizers' options.  Reports go to files
# in SAN_LOGS, not to stderr, which the suites compare; the first report ends
# the program with ERROR_STATUS, which no test expects.  The extra checks:
# stack use after return, and string functions read to the end of a string.
san_env() {
	ASAN_OPTIONS="log_path=$SAN_LOGS/asan:exitcode=$ERROR_STATUS:halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1" \
		UBSAN_OPTIONS="log_path=$SAN_LOGS/ubsan:exitcode=$ERROR_STATUS:halt_on_error=1:print_stacktrace=1" \
		LINT_UBSAN_LOG=$SAN_LOGS/ubsan "$@"
}

# san_build SRC OUT [FLAG...]: SRC built with ASan and UBSan, the clone shim
# beside it.
san_build() {
	local src=$1 out=$2
	shift 2
	"${CC:-cc}" "$@" -fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=all -g -O1 \
		-o "$out" "$src" "$TMP/clone_shim.o" -lrt >"$TMP/out" 2>&1
}

# san_control BUG TOOL TEXT: the control with BUG must end with ERROR_STATUS
# and a report of TOOL in SAN_LOGS that says TEXT.
san_control() {
	local status=0
	san_env "$TMP/control-san" "$1" >"$TMP/out" 2>&1 || status=$?
	if [ "$status" -eq "$ERROR_STATUS" ] && grep -qs "$3" "$SAN_LOGS/$2".*; then
		rm -f "$SAN_LOGS"/*
		return 0
	fi
	sanitizer_reports "$SAN_LOGS" "$TMP/out" || true
	fail "sanitizers control: no $2 report ($3) for a known bug in a clone child (status $status)" "$TMP/out"
	return 1
}

check_sanitizers() {
	local step status last=${STEPS[-1]}
	local -a suites
	if [ "$(id -u)" -ne 0 ]; then
		skip sanitizers "needs root (run sudo make lint)"
		return 0
	fi
	have bats sanitizers || return 0
	write_clone_shim "$TMP/clone_shim.c"
	if ! "${CC:-cc}" -O2 -c -o "$TMP/clone_shim.o" "$TMP/clone_shim.c" >"$TMP/out" 2>&1; then
		fail "sanitizers: building the clone shim" "$TMP/out"
		return 0
	fi
	SAN_LOGS=$TMP/san-logs
	# Open to all: step 7's suite runs the program as uid 65534.
	mkdir -m 1777 "$SAN_LOGS"

	# The control: ASan and UBSan must see the bugs in a clone child.
	write_control "$TMP/control.c"
	if ! san_build "$TMP/control.c" "$TMP/control-san"; then
		fail "sanitizers control: build" "$TMP/out"
		return 0
	fi
	if ! san_control memory asan 'heap-buffer-overflow' ||
		! san_control overflow ubsan 'signed integer overflow' ||
		! san_control leak asan 'detected memory leaks'; then
		return 0
	fi
	pass "sanitizers control: ASan and UBSan see bugs in a clone child, LeakSanitizer a leak"

	rm -rf "$SAN_TREE"
	for step in "${STEPS[@]}"; do
		mkdir -p "$SAN_TREE/$step"
		if ! san_build "$step/invoke_ns.c" "$SAN_TREE/$step/invoke_ns" -Wall -Wextra -Werror; then
			fail "sanitizers $step: build" "$TMP/out"
			continue
		fi
		mapfile -t suites < <(san_suites "$step" "$last")
		status=0
		INVOKE_NS_BUILD=$SAN_TREE STEP=$step san_env \
			bats --formatter tap "${suites[@]}" </dev/null >"$TMP/tap" 2>&1 || status=$?
		if sanitizer_reports "$SAN_LOGS" "$TMP/out"; then
			fail "sanitizers $step: ASan/UBSan reports" "$TMP/out"
			rm -f "$SAN_LOGS"/*
		elif [ "$status" -ne 0 ]; then
			grep -E '^not ok|^#' "$TMP/tap" >"$TMP/out" || cp "$TMP/tap" "$TMP/out"
			fail "sanitizers $step: $(grep -c '^not ok' "$TMP/tap" || true) tests failed, no sanitizer report" "$TMP/out"
		else
			pass "sanitizers $step ($(grep -c '^ok' "$TMP/tap" || true) tests in ${#suites[@]} suites)"
			continue
		fi
		printf '      again: INVOKE_NS_BUILD=tests/build-san STEP=%s bats %s\n' "$step" "${suites[*]}"
	done
}

# --- valgrind ---------------------------------------------------------------

# valgrind reports mount(2)'s NULL filesystem type as unaddressable, but the
# kernel ignores that argument when the call only changes propagation
# (MS_PRIVATE); util-linux's unshare makes the same call.  valgrind 3.19
# checks the type whatever the flags.
write_valgrind_suppressions() {
	cat >"$1" <<'EOF'
{
   mount(2) ignores its type when it only makes / private
   Memcheck:Param
   mount(type)
   fun:mount
}
EOF
}

# vg_run NAME STATUS INPUT [nobody] -- CMD...: run CMD under memcheck, INPUT
# on stdin, as root or as uid 65534.  It must exit with STATUS, and neither
# the parent nor the child (valgrind follows a clone without CLONE_VM as it
# follows fork, until the child execs the command) may report anything.
# What went wrong is added to $TMP/vg/failed; the output is in $TMP/vg/.
vg_run() {
	local name=$1 want=$2 input=$3 status=0 f
	local -a as=()
	shift 3
	[ "$1" != nobody ] || as=("${NOBODY[@]}")
	[ "$1" = -- ] || shift
	shift
	VG_RUNS=$((VG_RUNS + 1))
	rm -f "$TMP/vg"/log.*
	# --log-file with %p: a file per process, the child's included.
	"${as[@]}" timeout -k 5 120 valgrind -q --error-exitcode="$ERROR_STATUS" \
		--leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --track-fds=no \
		--suppressions="$TMP/valgrind.supp" --log-file="$TMP/vg/log.%p" \
		"$@" <"$input" >"$TMP/vg/stdout" 2>"$TMP/vg/stderr" || status=$?
	: >"$TMP/vg/report"
	for f in "$TMP/vg"/log.*; do
		[ -s "$f" ] || continue
		printf 'valgrind, process %s:\n' "${f##*.}" >>"$TMP/vg/report"
		cat "$f" >>"$TMP/vg/report"
	done
	if [ -s "$TMP/vg/report" ] || [ "$status" -ne "$want" ]; then
		{
			printf '%s:%s' "$name" "${as[*]:+ ${as[*]}}"
			printf ' %q' "$@" | sed "s|$TMP/|\$TMP/|g"
			printf '\n  exit status %d, expected %d\n' "$status" "$want"
			sed 's/^/  /' "$TMP/vg/report"
			[ "$status" -eq "$want" ] || sed 's/^/  stderr: /' "$TMP/vg/stderr"
		} >>"$TMP/vg/failed"
	fi
}

check_valgrind() {
	local step n bin
	local -a all
	if [ "$(id -u)" -ne 0 ]; then
		skip valgrind "needs root (run sudo make lint)"
		return 0
	fi
	have valgrind valgrind || return 0
	write_valgrind_suppressions "$TMP/valgrind.supp"
	mkdir -m 1777 "$TMP/vg"
	printf 'a line for the parent\n' >"$TMP/line"

	# The control: memcheck must see the bug in a clone child.
	VG_RUNS=0
	write_control "$TMP/control.c"
	rm -f "$TMP/vg/failed"
	if ! "${CC:-cc}" -O1 -g -o "$TMP/control" "$TMP/control.c" >"$TMP/out" 2>&1; then
		fail "valgrind control: build" "$TMP/out"
		return 0
	fi
	vg_run control 0 /dev/null -- "$TMP/control" memory
	if grep -qs 'Invalid read of size' "$TMP/vg/failed"; then
		pass "valgrind control: memcheck reports a bug in a clone child"
	else
		fail "valgrind control: no memcheck report for a known bug in a clone child" "$TMP/vg/failed"
		return 0
	fi

	for step in "${STEPS[@]}"; do
		n=${step:5:1}
		# Built here as the Makefile builds it (a stale ./stepNN/invoke_ns
		# would not be the code under review).
		bin=$TMP/vg-build/$step/invoke_ns
		mkdir -p "${bin%/*}"
		if ! "${CC:-cc}" -O2 -g -o "$bin" "$step/invoke_ns.c" -lrt >"$TMP/out" 2>&1; then
			fail "valgrind $step: build" "$TMP/out"
			continue
		fi
		# Every flag of the step at once, and -v for every line it says.
		all=(-v -p)
		[ "$n" -lt 2 ] || all+=(-m)
		[ "$n" -lt 3 ] || all+=(-u lint)
		[ "$n" -lt 4 ] || all+=(-n)
		[ "$n" -lt 5 ] || all+=(-i yes)
		if [ "$n" -ge 6 ]; then
			if [ ! -d "$TMP/jail" ] && ! scripts/mkjail.sh "$TMP/jail" >"$TMP/out" 2>&1; then
				fail "valgrind $step: scripts/mkjail.sh could not build a jail" "$TMP/out"
				continue
			fi
			all+=(-c "$TMP/jail")
		fi
		[ "$n" -lt 7 ] || all+=(-U)
		rm -f "$TMP/vg/failed"
		VG_RUNS=0
		vg_run "no flags, no command" 0 /dev/null -- "$bin"
		vg_run "no flags" 3 /dev/null -- "$bin" sh -c 'exit 3'
		vg_run "all flags, no command" 0 /dev/null -- "$bin" "${all[@]}"
		vg_run "all flags" 3 /dev/null -- "$bin" "${all[@]}" sh -c 'exit 3'
		vg_run "a command that does not exist" 127 /dev/null -- "$bin" "${all[@]}" no-such-command
		vg_run "a usage error" 125 /dev/null -- "$bin" -Z
		if [ "$n" -ge 5 ]; then
			vg_run "-i no, a line on stdin" 0 "$TMP/line" -- "$bin" -v -i no
			grep -q '^Parent: received message: a line for the parent$' "$TMP/vg/stdout" ||
				printf -- '-i no: the parent did not receive the line\n' >>"$TMP/vg/failed"
		fi
		if [ "$n" -ge 7 ]; then
			vg_run "all flags, no command, as uid 65534" 0 /dev/null nobody -- "$bin" "${all[@]}"
			vg_run "all flags, as uid 65534" 3 /dev/null nobody -- "$bin" "${all[@]}" sh -c 'exit 3'
		fi
		if [ -s "$TMP/vg/failed" ]; then
			fail "valgrind $step ($VG_RUNS runs)" "$TMP/vg/failed"
		else
			pass "valgrind $step ($VG_RUNS runs; all flags: ${all[*]/#$TMP\/jail/JAIL})"
		fi
	done
}

# The suites' leak checks follow the processes of the session they run in.
# Started by a machine's PID 1 with no session of their own (as a CI runner
# may start them), they would share session 0 with the kernel's threads and
# with whatever else PID 1 starts: take a session of our own first.
own_session() {
	[ "$(ps -o sid= -p "$$" | tr -d ' ')" != 0 ] || exec setsid -w "$0" "$@"
}

main() {
	local check started step
	local -a checks=()
	case ${1-} in
	-h | --help) usage; exit 0 ;;
	esac
	for check in "$@"; do
		[[ " $ALL_CHECKS " == *" $check "* ]] ||
			die "unknown check '$check' (one of: $ALL_CHECKS)"
		checks+=("$check")
	done
	[ ${#checks[@]} -gt 0 ] || read -ra checks <<<"$ALL_CHECKS"
	own_session "$@"
	started=$SECONDS
	cd "$ROOT"
	STEPS=()
	for step in step0[1-7]-*; do
		[ -f "$step/invoke_ns.c" ] && STEPS+=("$step")
	done
	[ ${#STEPS[@]} -gt 0 ] || die "no step to check in $ROOT"
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/invoke-ns-lint.XXXXXX")
	# uid 65534 reads the jail and writes its logs in here.
	chmod 755 "$TMP"
	for check in "${checks[@]}"; do
		"check_$check"
	done
	printf '%s: %d checks passed, %d failed' "$PROG" "$PASSED" "$FAILED"
	[ "$SKIPPED" -eq 0 ] || printf ', %d skipped' "$SKIPPED"
	printf ' (%d s)\n' "$((SECONDS - started))"
	[ "$FAILED" -eq 0 ]
}

main "$@"
