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
}

# Start a process in a mount namespace of its own that stays until
# release_held; INVOKE_PID is its PID (unshare without --fork execs sh in
# the new namespace), LEFT_MNT its mount namespace.  teardown's stop_held
# ends it if the test fails first.
leave_one() {
	HOLD=$BATS_TEST_TMPDIR/hold
	mkfifo "$HOLD"
	# shellcheck disable=SC2016 # $1 is for that sh
	start_until ready unshare --mount sh -c 'echo ready; read -r _ <"$1"' _ "$HOLD"
	LEFT_MNT=$(readlink "/proc/$INVOKE_PID/ns/mnt")
}

@test "the leak check names the namespace of a process left behind, and nothing once it is gone" {
	# A check of its own, in this test's directory: the suite's check,
	# made in setup_file, is for the last test.
	leak_check_start "$BATS_TEST_TMPDIR"
	leave_one
	leaks_since_start "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/leaks"
	run cat "$BATS_TEST_TMPDIR/leaks"
	assert_output "namespace $LEFT_MNT"
	release_held
	leaks_since_start "$BATS_TEST_TMPDIR" >"$BATS_TEST_TMPDIR/leaks"
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
