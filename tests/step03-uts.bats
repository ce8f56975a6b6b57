#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154,SC2034
# (single-quoted scripts are for the shell in the container; bats sets stderr)
# Step 3, -u NAME: a new UTS namespace with its own hostname.
# Runs against step 3 and every later step.

load helpers

setup() {
	HINT="does -u check NAME while parsing, add CLONE_NEWUTS, and does the child call sethostname before exec?"
	needs_namespaces
}

@test "-u: only the UTS namespace is new, seen from inside and outside" {
	check_inside "uts" -u lab-test
	check_outside "uts" -u lab-test
}

@test "-p -m -u: three new namespaces, the rest shared" {
	check_inside "pid mnt uts" -p -m -u lab-test
	check_outside "pid mnt uts" -p -m -u lab-test
}

@test "-u NAME: the hostname inside is NAME, the host's is unchanged" {
	local host
	host=$(hostname)
	run -0 "$BIN" -vpmu calculus hostname
	assert_line "calculus"
	assert_line " Child: setting hostname to calculus"
	assert_equal "$(hostname)" "$host"
}

@test "-u with 64 bytes, the kernel's limit, works" {
	local name
	name=$(printf 'a%.0s' $(seq 64))
	run -0 "$BIN" -u "$name" hostname
	assert_output "$name"
}

@test "-u with 65 bytes is a usage error (125) and creates nothing" {
	run --separate-stderr -125 "$BIN" -v -u "$(printf 'a%.0s' $(seq 65))" true
	assert_equal "$output" ""
	assert_equal "$(printf '%s\n' "$stderr" | head -n 1)" "invoke_ns: -u: a hostname has 1 to 64 bytes"
}

@test "-u with an empty name is a usage error (125) and creates nothing" {
	run --separate-stderr -125 "$BIN" -v -u "" true
	assert_equal "$output" ""
	assert_equal "$(printf '%s\n' "$stderr" | head -n 1)" "invoke_ns: -u: a hostname has 1 to 64 bytes"
}

# bats test_tags=handout:kept
@test "nothing is left behind by this suite" {
	assert_nothing_left
}
