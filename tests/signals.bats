#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154,SC2034,SC2153,SC2030,SC2031
# (single-quoted scripts are for the shell in the container; bats sets stderr)
# Signals, as DESIGN.md's "Parent and child" states them: invoke_ns passes
# INT, TERM, HUP and QUIT on to the command once; what the caller ignores
# stays ignored; a PID 1 without a handler is ended (137); a stalled stdout
# or closed descriptors do not change any of this; when invoke_ns dies, so
# does its container.

load helpers

setup() {
	needs_namespaces
	HOLD=$BATS_TEST_TMPDIR/hold
	mkfifo "$HOLD"
}

teardown() {
	print_hint
	stop_held
}

# Start invoke_ns -v FLAGS sh -c SCRIPT, through PREFIX (an env(1) call
# that sets the signals up as the test needs), and return once SCRIPT has
# printed "ready".  SCRIPT gets the FIFO HOLD as $1; release_held writes it.
# Usage: start_ready PREFIX SCRIPT FLAGS...
start_ready() {
	local prefix=$1 script=$2
	shift 2
	# shellcheck disable=SC2086
	start_until ready $prefix "$BIN" -v "$@" sh -c "$script" "$HELD" "$HOLD"
}

# A shell that waits until HOLD is written.  A background job reads it, and
# the shell waits for that job: wait returns at once when a trapped signal
# comes (POSIX), its trap runs, and the loop waits again.  (A shell blocked
# in the open of the FIFO itself could take a signal just before it blocks,
# and run the trap only once the FIFO opens.)
WAIT_HOLD='(read -r _ <"$1" || :) & until wait "$!"; do :; done'

@test "SIGTERM reaches a command that handles it, and invoke_ns exits with its status" {
	HINT="does the parent take SIGTERM with sigwaitinfo and kill(2) it on to the child, then exit with the child's status?"
	start_ready "env --default-signal=TERM" 'trap "exit 42" TERM; echo ready; '"$WAIT_HOLD" -p
	kill -TERM "$INVOKE_PID"
	finish_started
	assert_equal "$HELD_STATUS" 42
}

@test "SIGHUP and SIGQUIT are passed on too" {
	HINT="are SIGHUP and SIGQUIT in the set the parent blocks and passes on?"
	start_ready "env --default-signal=HUP" 'trap "exit 43" HUP; echo ready; '"$WAIT_HOLD" -p
	kill -HUP "$INVOKE_PID"
	finish_started
	assert_equal "$HELD_STATUS" 43
	start_ready "env --default-signal=QUIT" 'trap "exit 44" QUIT; echo ready; '"$WAIT_HOLD" -p
	kill -QUIT "$INVOKE_PID"
	finish_started
	assert_equal "$HELD_STATUS" 44
}

@test "a command that handles the signals decides: two SIGTERMs, and it goes on" {
	HINT="does the parent pass on each signal it takes, and leave the rest to the command?"
	start_ready "env --default-signal=TERM" 'trap "echo TERM" TERM; echo ready; '"$WAIT_HOLD"'; echo done' -p
	for _ in 1 2; do
		kill -TERM "$INVOKE_PID"
		timeout 20 grep -q -m 1 -x TERM <&"$OUT_FD"
	done
	release_held
	assert_equal "$HELD_STATUS" 0
	[[ $HELD_OUTPUT == *done* ]]
}

@test "a signal sent to invoke_ns's process group reaches the command once, through invoke_ns" {
	HINT="off a terminal, does the parent give the child a process group of its own (setpgid)?"
	local line seen=
	# setsid: invoke_ns leads a process group, as a job of a shell does.
	# Sent to the group (kill -- -PGID), a signal must not reach the command
	# both from there and from invoke_ns: SIGWINCH, which invoke_ns does
	# not pass on, shows whether the group's signals reach it directly.
	start_ready "setsid env --default-signal=TERM" \
		'trap "echo TERM" TERM; trap "echo WINCH" WINCH; echo ready; '"$WAIT_HOLD"'; echo done' -p
	kill -WINCH -- "-$INVOKE_PID"
	kill -TERM -- "-$INVOKE_PID"
	while IFS= read -r -t 20 line <&"$OUT_FD"; do
		seen+=$line$'\n'
		[ "$line" != TERM ] || break
	done
	release_held
	assert_equal "$HELD_STATUS" 0
	assert_equal "$(printf '%s' "$seen$HELD_OUTPUT" | grep -c -x TERM)" 1
	[[ $seen$HELD_OUTPUT != *WINCH* ]] || fail "the command got the group's SIGWINCH directly"
}

@test "with a terminal at hand, a command whose stdin is a pipe can still read the terminal" {
	HINT="does the child share invoke_ns's process group whenever descriptor 0, 1 or 2 is a terminal?"
	command -v script >/dev/null || skip "needs script (util-linux)"
	local bin
	printf -v bin '%q' "$BIN"
	# In the background process group, its read of /dev/tty would stop it.
	run -0 timeout 20 script -qec \
		"echo piped | $bin sh -c 'read -r a </dev/tty && echo \"typed: \$a\"'" /dev/null <<<'at the terminal'
	assert_output --partial "typed: at the terminal"
}

@test "a signal the caller ignores stays ignored, for invoke_ns and the command" {
	HINT="are the signals the caller ignores left out of the set the parent blocks?"
	start_ready "env --ignore-signal=HUP" 'echo ready; '"$WAIT_HOLD"'; grep "^SigIgn" /proc/self/status' -p
	kill -HUP "$INVOKE_PID"
	kill -HUP "$INVOKE_PID"
	release_held
	assert_equal "$HELD_STATUS" 0
	# SIGHUP is signal 1: the lowest bit of the mask of ignored signals.
	[[ $HELD_OUTPUT =~ SigIgn:[[:space:]]*[0-9a-f]*[13579bdf]$'\n' ]]
}

@test "a PID 1 without a handler is ended by SIGINT or SIGTERM, with status 137" {
	HINT="with -p, does the parent read SigCgt and SigIgn and send SIGKILL to a PID 1 that would drop the signal?"
	local sig
	for sig in INT TERM; do
		# perl installs no handler: as PID 1 it would drop both signals.
		start_until ready env --default-signal=INT "$BIN" -v -p \
			perl -e '$| = 1; print "ready\n"; sleep 1000' "$HELD"
		kill -"$sig" "$INVOKE_PID"
		finish_started
		assert_equal "$HELD_STATUS" 137
		run ! kill -0 "$CHILD"
	done
}

@test "a caller that ignores SIGCHLD still gets the command's status" {
	HINT="does main set SIGCHLD back to its default, so that waitpid gets the status?"
	run -0 timeout -k 5 20 env --ignore-signal=CHLD "$BIN" -p true
	run -3 timeout -k 5 20 env --ignore-signal=CHLD "$BIN" sh -c 'exit 3'
}

@test "on a terminal, one Ctrl-C is one SIGINT for the command" {
	HINT="on a terminal, does the parent skip a signal the terminal sent (SI_KERNEL) to a child in its group?"
	command -v script >/dev/null || skip "needs script(1) (util-linux)"
	# script(1) runs invoke_ns on a pseudo-terminal of its own and types
	# what we write to IN; the terminal turns ^C into SIGINT for its
	# foreground process group: invoke_ns and the command.  (A background
	# job has SIGINT ignored: env gives it back its default.)  ${BIN@Q}: the
	# path, quoted for the shell of script(1), may hold a space.
	start_fed $'ready\r' env --default-signal=INT script -qfec \
		"exec ${BIN@Q} sh -c 'trap \"echo INT\" INT; echo ready; until read -r l && [ \"\$l\" = end ]; do :; done'" \
		/dev/null
	printf '\003' >&"$IN"
	local line seen=
	while IFS= read -r -t 20 line <&"$OUT_FD"; do
		seen+=$line$'\n'
		[[ $line != *$'INT\r' ]] || break	# after the echo of ^C
	done
	printf 'end\n' >&"$IN"
	finish_started
	assert_equal "$HELD_STATUS" 0
	assert_equal "$(grep -c $'INT\r$' <<<"$seen$HELD_OUTPUT")" 1
}

@test "on a terminal, Ctrl-C ends 'invoke_ns -p sleep 100'" {
	HINT="with -p on a terminal, is Ctrl-C for a PID 1 with no handler turned into SIGKILL?"
	command -v script >/dev/null || skip "needs script(1) (util-linux)"
	start_fed $' Child: executing sleep\r' \
		env --default-signal=INT script -qfec \
		"exec ${BIN@Q} -v -p sleep 100" /dev/null
	printf '\003' >&"$IN"
	finish_started
	[[ $HELD_OUTPUT == *"Parent: child was killed by signal 9"* ]]
	run ! kill -0 "$CHILD"
}

@test "SIGTERM ends invoke_ns while it is blocked writing -v lines to a stalled pipe" {
	HINT="before the command runs, are the signals left at their dispositions, so that they end invoke_ns and its child?"
	local status=0 kids=
	# Room for the first -v line only: the second, "PID of child", blocks.
	# The command has not run yet: the signal ends invoke_ns as it would
	# any program, and the child dies with it.
	start_stalled 46 "$BIN" -v -p sleep 100
	kids=$(cat "/proc/$INVOKE_PID/task/$INVOKE_PID/children")
	kill -TERM "$INVOKE_PID"
	timeout 20 tail --pid="$INVOKE_PID" -f /dev/null
	wait "$INVOKE_PID" || status=$?
	INVOKE_PID=
	exec {STALLED}<&-
	assert_equal "$status" 143
	for kid in $kids; do wait_gone "$kid"; done
}

@test "-U with descriptors 0-2 closed: a failed uid_map write never runs the command" {
	HINT="if a map cannot be written, is the child never released (close the go pipe, wait for it)?"
	needs_step 7 "-U"
	needs_root
	unshare --user true 2>/dev/null || skip "no user namespaces here"
	# With real and effective uids that differ, a process is not dumpable:
	# its child's /proc files belong to root, and uid_map cannot be written.
	local as=(setpriv --ruid=65534 --euid=65533 --rgid=65534 --egid=65534 --clear-groups)
	"${as[@]}" true 2>/dev/null || skip "needs uids 65533 and 65534 (root of a user namespace has none)"
	reachable_bin
	run -125 sh -c 'exec 0<&- 1>&- 2>&- "$@"' _ "${as[@]}" "$REACHABLE/invoke_ns" -U sh -c 'exit 42'
	run -125 "${as[@]}" "$REACHABLE/invoke_ns" -U sh -c 'exit 42'
	assert_line --regexp '^invoke_ns: write /proc/[0-9]+/uid_map: '
}

@test "started with descriptors 0-2 closed, the command gets them on /dev/null" {
	HINT="does main open /dev/null on descriptors 0-2 that are closed?"
	run -0 sh -c 'exec 0<&- 1>&- 2>&- "$@"' _ "$BIN" perl -e \
		'open(my $f, ">", $ARGV[0]) or die; print $f readlink("/proc/self/fd/$_"), "\n" for 0 .. 2' \
		"$BATS_TEST_TMPDIR/fds"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/fds")" "$(printf '/dev/null\n%.0s' 1 2 3)"
}

@test "SIGKILL to invoke_ns leaves no process of the container behind" {
	HINT="does the child set PR_SET_PDEATHSIG before it waits for the go byte?"
	start_ready "env" 'sleep 1000 & echo ready; wait' -p
	local sleeper
	# The shell's only child: sleep, or the fork that is about to become it.
	sleeper=$(pgrep -P "$CHILD")
	kill -KILL "$INVOKE_PID"
	finish_started
	assert_equal "$HELD_STATUS" 137
	wait_gone "$CHILD"
	wait_gone "$sleeper"
}

@test "nothing is left behind by this suite" {
	HINT="does every path end the child and leave nothing behind?"
	assert_nothing_left
}
