#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154,SC2034
# (single-quoted scripts are for the shell in the container; bats sets stderr)
# Step 1, -p: a new PID namespace.  Runs against step 1 and every later step.

load helpers

setup() {
	needs_namespaces
}

@test "without flags the child shares every namespace (the control)" {
	HINT="is a CLONE_NEW* flag set when no option asks for one? clone_flags starts at 0"
	check_inside ""
	check_outside ""
}

@test "-p: only the PID namespace is new, seen from inside" {
	HINT="does -p add CLONE_NEWPID to clone_flags, and nothing else?"
	check_inside "pid" -p
}

@test "-p: only the PID namespace is new, seen from outside through /proc/CHILD/ns" {
	HINT="does -v print 'Parent: PID of child is N' with the PID clone(2) returned, before it releases the child?"
	check_outside "pid" -p
}

@test "-p: the child is PID 1, and the -v line says so" {
	HINT="does the child say ' Child: PID of child is N' with getpid(), and the parent 'Parent: PID of child is N' with clone's PID?"
	run -0 "$BIN" -vp sh -c 'echo "pid=$$"'
	assert_line "pid=1"
	assert_line " Child: PID of child is 1"
	assert_line --regexp '^Parent: PID of child is [0-9]+$'
	refute_line "Parent: PID of child is 1"
}

@test "-p: the -v line gives the child's PID as seen from outside" {
	HINT="is the PID on the 'Parent: PID of child is' line clone's return value, the child as the host sees it?"
	start_held -p
	assert_equal "$(tr '\0' ' ' <"/proc/$CHILD/cmdline")" "sh -c echo \"\$0 runs\"; read -r _ < \"\$1\" $HELD $HOLD "
	release_held
}

@test "-p without -m: /proc still belongs to the host, so /proc/\$\$ is the host's PID 1" {
	HINT="does step 1 mount anything? Without -m, /proc must stay the host's"
	run -0 "$BIN" -p sh -c 'cat /proc/$$/comm'
	assert_output "$(cat /proc/1/comm)"
	refute_output "sh"
}

@test "nothing is left behind by this suite" {
	HINT="does every run end its child and undo what it set up? The lines above are what outlived the suite"
	assert_nothing_left
}
