#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154
# (single-quoted scripts are for the shell in the container; bats sets stderr)
# invoke_ns passes INT, TERM, HUP and QUIT on to the child; a PID 1 that
# ignores them is killed after a grace period; when invoke_ns dies, so does
# its container.

load helpers

setup() {
	needs_namespaces
}

# Start invoke_ns FLAGS sh -c SCRIPT in the background, its output on a FIFO,
# and wait for the line "ready" that SCRIPT prints once it is set up.
start_ready() {
	local script=$1 line
	shift
	rm -f "$BATS_TEST_TMPDIR/out"
	mkfifo "$BATS_TEST_TMPDIR/out"
	# A shell starts a background job with INT and QUIT ignored; give
	# invoke_ns the defaults a command typed at a terminal has.
	env --default-signal=INT,QUIT "$BIN" -v "$@" sh -c "$script" "$HELD" \
		>"$BATS_TEST_TMPDIR/out" </dev/null 3>&- &
	INVOKE_PID=$!
	exec {OUT_FD}<"$BATS_TEST_TMPDIR/out"
	while IFS= read -r line <&"$OUT_FD"; do
		case $line in
		"Parent: PID of child is "*) CHILD=${line##* } ;;
		ready) return 0 ;;
		esac
	done
	fail "the command never said ready"
}

# Wait for invoke_ns; its status in STATUS.
wait_invoke_ns() {
	STATUS=0
	timeout 20 cat <&"$OUT_FD" >/dev/null
	wait "$INVOKE_PID" || STATUS=$?
	INVOKE_PID=
}

@test "SIGTERM reaches a command that handles it, and invoke_ns exits with its status" {
	start_ready 'trap "exit 42" TERM; echo ready; sleep 1000 & wait' -p
	kill -TERM "$INVOKE_PID"
	wait_invoke_ns
	assert_equal "$STATUS" 42
}

@test "SIGHUP and SIGQUIT are passed on too" {
	start_ready 'trap "exit 43" HUP; echo ready; sleep 1000 & wait' -p
	kill -HUP "$INVOKE_PID"
	wait_invoke_ns
	assert_equal "$STATUS" 43
	start_ready 'trap "exit 44" QUIT; echo ready; sleep 1000 & wait' -p
	kill -QUIT "$INVOKE_PID"
	wait_invoke_ns
	assert_equal "$STATUS" 44
}

@test "SIGINT ends 'invoke_ns -p sleep 100' although PID 1 ignores it" {
	start_ready 'echo ready; exec sleep 100' -p
	kill -INT "$INVOKE_PID"
	wait_invoke_ns
	# The forwarded SIGINT is dropped (PID 1, no handler); the SIGKILL
	# after the grace period is what ends it.
	assert_equal "$STATUS" 137
	run ! kill -0 "$CHILD"
}

@test "a second SIGINT kills at once, without the grace period" {
	start_ready 'echo ready; exec sleep 100' -p
	kill -INT "$INVOKE_PID"
	kill -INT "$INVOKE_PID"
	wait_invoke_ns
	assert_equal "$STATUS" 137
}

@test "SIGKILL to invoke_ns leaves no process of the container behind" {
	start_ready 'sleep 1000 & echo ready; wait' -p
	local sleeper
	sleeper=$(pgrep -P "$CHILD" sleep)
	kill -KILL "$INVOKE_PID"
	wait_invoke_ns
	assert_equal "$STATUS" 137
	wait_gone "$CHILD"
	wait_gone "$sleeper"
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
