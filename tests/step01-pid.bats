#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154,SC2034
# (single-quoted scripts are for the shell in the container; bats sets stderr)
# Step 1, -p: a new PID namespace.  Runs against step 1 and every later step.

load helpers

setup() {
	HINT="is the child cloned with CLONE_NEWPID for -p, and released (the go byte) only after the 'Parent: PID of child is' line?"
	needs_namespaces
}

@test "without flags the child shares every namespace (the control)" {
	check_inside ""
	check_outside ""
}

@test "-p: only the PID namespace is new, seen from inside" {
	check_inside "pid" -p
}

@test "-p: only the PID namespace is new, seen from outside through /proc/CHILD/ns" {
	check_outside "pid" -p
}

@test "-p: the child is PID 1, and the -v line says so" {
	run -0 "$BIN" -vp sh -c 'echo "pid=$$"'
	assert_line "pid=1"
	assert_line " Child: PID of child is 1"
	assert_line --regexp '^Parent: PID of child is [0-9]+$'
	refute_line "Parent: PID of child is 1"
}

@test "-p: the -v line gives the child's PID as seen from outside" {
	start_held -p
	assert_equal "$(tr '\0' ' ' <"/proc/$CHILD/cmdline")" "sh -c echo \"\$0 runs\"; read -r _ < \"\$1\" $HELD $HOLD "
	release_held
}

@test "-p without -m: /proc still belongs to the host, so /proc/\$\$ is the host's PID 1" {
	run -0 "$BIN" -p sh -c 'cat /proc/$$/comm'
	assert_output "$(cat /proc/1/comm)"
	refute_output "sh"
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
