#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2034,SC2154
# (single-quoted scripts are for the shell in the container; LAUNCH is read
# by the helpers; bats sets stderr)
# Step 4, -n: a new network namespace, and the host side of it with
# scripts/veth.sh.  Runs against step 4 and every later step.  Every link
# and address lives in a network namespace the test makes and deletes,
# standing in for the host: the machine's own interfaces are never touched.

load helpers

setup() {
	needs_namespaces
	command -v ip >/dev/null || skip "needs ip (iproute2)"
	NETNS=invoke-ns-test-$$-$BATS_TEST_NUMBER
}

# Make the test's stand-in host: a network namespace of its own, NETNS.
# One left by a crashed earlier run goes first.
make_netns() {
	ip netns delete "$NETNS" 2>/dev/null || true
	ip netns add "$NETNS"
}

teardown() {
	print_hint
	stop_held
	ip netns delete "$NETNS" 2>/dev/null || true
}

@test "-n: only the network namespace is new, seen from inside and outside" {
	HINT="does -n add CLONE_NEWNET to clone_flags, and 'n' to getopt's letters?"
	check_inside "net" -n
	check_outside "net" -n
}

@test "-p -m -u -n: four new namespaces, the rest shared" {
	HINT="do -p, -m, -u and -n each add their own CLONE_NEW* flag?"
	check_inside "pid mnt uts net" -p -m -u lab-test -n
	check_outside "pid mnt uts net" -p -m -u lab-test -n
}

@test "-n: the child sees only lo, and lo is down" {
	HINT="does -n only ask for CLONE_NEWNET? invoke_ns itself sets up no link, not even lo"
	run -0 "$BIN" -n ip -o link show
	assert_equal "${#lines[@]}" 1
	assert_regex "${lines[0]}" '^1: lo: <LOOPBACK> .* state DOWN '
}

# bats test_tags=handout:kept
@test "without -n the child sees the same links as the test" {
	HINT="is CLONE_NEWNET set without -n?"
	make_netns
	run -0 ip netns exec "$NETNS" "$BIN" ip -o link show
	assert_equal "$output" "$(ip -n "$NETNS" -o link show)"
}

@test "after veth.sh up, the container and the host ping each other" {
	HINT="does the child run in the network namespace of the PID on the 'Parent: PID of child is' line (CLONE_NEWNET on clone)?"
	command -v ping >/dev/null || skip "needs ping (iputils-ping)"
	make_netns
	LAUNCH=(ip netns exec "$NETNS")
	start_held -n -p
	run -0 ip netns exec "$NETNS" "$ROOT/scripts/veth.sh" up "$CHILD"
	# host -> container, then container -> host
	run -0 ip netns exec "$NETNS" ping -c 1 -W 5 10.0.0.2
	run -0 nsenter --net="/proc/$CHILD/ns/net" ping -c 1 -W 5 10.0.0.1
	run -0 nsenter --net="/proc/$CHILD/ns/net" ip -o link show
	assert_line --regexp '^[0-9]+: guest@.* state UP '
	assert_line --regexp '^1: lo: .*UP'
	release_held
	assert_equal "$HELD_STATUS" 0
}

@test "when the container exits, both ends of the veth pair are gone" {
	HINT="does the container's network namespace end with its command: nothing else of invoke_ns's may stay in it"
	make_netns
	LAUNCH=(ip netns exec "$NETNS")
	start_held -n -p
	run -0 ip netns exec "$NETNS" "$ROOT/scripts/veth.sh" up "$CHILD"
	run -0 ip -n "$NETNS" link show host
	until_link_deleted "$NETNS" host release_held
	run ! ip -n "$NETNS" link show host
	run ! ip -n "$NETNS" link show guest
}

# bats test_tags=handout:kept
@test "nothing is left behind by this suite" {
	HINT="does every run end its child and undo what it set up? The lines above are what outlived the suite"
	assert_nothing_left
}
