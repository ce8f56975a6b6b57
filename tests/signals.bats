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

# Start invoke_ns -v FLAGS sh -c SCRIPT in the background, and return once
# SCRIPT has printed the line "ready".
start_ready() {
	local script=$1
	shift
	# A shell starts a background job with INT and QUIT ignored; give
	# invoke_ns the defaults a command typed at a terminal has.
	start_until ready env --default-signal=INT,QUIT "$BIN" -v "$@" sh -c "$script" "$HELD"
}

@test "SIGTERM reaches a command that handles it, and invoke_ns exits with its status" {
	start_ready 'trap "exit 42" TERM; echo ready; sleep 1000 & wait' -p
	kill -TERM "$INVOKE_PID"
	finish_started
	assert_equal "$HELD_STATUS" 42
}

@test "SIGHUP and SIGQUIT are passed on too" {
	start_ready 'trap "exit 43" HUP; echo ready; sleep 1000 & wait' -p
	kill -HUP "$INVOKE_PID"
	finish_started
	assert_equal "$HELD_STATUS" 43
	start_ready 'trap "exit 44" QUIT; echo ready; sleep 1000 & wait' -p
	kill -QUIT "$INVOKE_PID"
	finish_started
	assert_equal "$HELD_STATUS" 44
}

@test "SIGINT ends 'invoke_ns -p sleep 100' although PID 1 ignores it" {
	start_ready 'echo ready; exec sleep 100' -p
	kill -INT "$INVOKE_PID"
	finish_started
	# The forwarded SIGINT is dropped (PID 1, no handler); the SIGKILL
	# after the grace period is what ends it.
	assert_equal "$HELD_STATUS" 137
	run ! kill -0 "$CHILD"
}

@test "a second SIGINT kills at once, without the grace period" {
	start_ready 'echo ready; exec sleep 100' -p
	kill -INT "$INVOKE_PID"
	kill -INT "$INVOKE_PID"
	finish_started
	assert_equal "$HELD_STATUS" 137
}

@test "SIGKILL to invoke_ns leaves no process of the container behind" {
	start_ready 'sleep 1000 & echo ready; wait' -p
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
	assert_nothing_left
}
