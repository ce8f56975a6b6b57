#!/usr/bin/env bats
# shellcheck shell=bats
#
# Controls for the leak check that ends every suite (assert_nothing_left in
# helpers.bash): it must see a process that a test left behind in a
# namespace of its own, and nothing once that process is gone.  Both run the
# check the way setup_file does, under bats' set -e.
#
# Run as root: sudo bats tests/helpers.bats.

load helpers

setup() {
	needs_namespaces
	if [ -n "${INVOKE_NS_IN_USERNS:-}" ]; then
		skip "in a user namespace the leak check does not list namespaces"
	fi
	HOLD="$BATS_TEST_TMPDIR/hold"
	LEFT_PID=
}

teardown() {
	release_left
}

# Start a process in a mount namespace of its own that stays until
# release_left; LEFT_PID is its PID, LEFT_MNT its mount namespace.
leave_one() {
	mkfifo "$HOLD"
	# unshare without --fork execs sh in the new namespace: the PID that
	# sh prints, once it is there, is the one to look at.
	# shellcheck disable=SC2016 # $$ and $1 are for that sh
	exec {LEFT_FD}< <(unshare --mount sh -c 'echo "$$"; exec cat "$1" >/dev/null' _ "$HOLD")
	read -r -u "$LEFT_FD" LEFT_PID
	LEFT_MNT=$(readlink "/proc/$LEFT_PID/ns/mnt")
}

# Let the process of leave_one end, and wait until it has.
release_left() {
	[ -n "$LEFT_PID" ] || return 0
	# Opening the FIFO waits for cat to open it; closing it ends cat.
	: >"$HOLD"
	wait_gone "$LEFT_PID"
	exec {LEFT_FD}<&-
	LEFT_PID=
}

@test "the leak check names the namespace of a process left behind, and nothing once it is gone" {
	# A check of its own, in this test's directory: the suite's check,
	# made in setup_file, is for the last test.
	BATS_FILE_TMPDIR=$BATS_TEST_TMPDIR leak_check_start
	leave_one
	BATS_FILE_TMPDIR=$BATS_TEST_TMPDIR leaks_since_start >"$BATS_TEST_TMPDIR/leaks"
	run cat "$BATS_TEST_TMPDIR/leaks"
	assert_output "namespace $LEFT_MNT"
	release_left
	BATS_FILE_TMPDIR=$BATS_TEST_TMPDIR leaks_since_start >"$BATS_TEST_TMPDIR/leaks"
	run cat "$BATS_TEST_TMPDIR/leaks"
	assert_output ""
}

@test "a process that ends before the leak check reads its namespaces hides no other" {
	leave_one
	# ps lists first a process of our session that is gone by the time
	# find looks at it (4194305 is above the largest PID Linux gives).
	ps() {
		if [ "$*" = "-e -o pid=,sid=" ]; then
			printf '4194305 %s\n' "$(session_id)"
		fi
		command ps "$@"
	}
	session_namespaces >"$BATS_TEST_TMPDIR/namespaces"
	run grep -cxF "$LEFT_MNT" "$BATS_TEST_TMPDIR/namespaces"
	assert_output 1
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
