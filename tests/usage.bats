#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154,SC2034
# (single-quoted scripts are for the shell in the container; bats sets stderr)
# Usage and option parsing, the same in every step.

load helpers

setup() {
	HINT="does getopt take \"+:\" and this step's letters, and -h list each flag on a line of its own?"
}

# The flags step N knows: -h and -v, then one more per step.
flags_of_step() {
	printf '%s\n' h v p m u n i c U | head -n "$(($(step_number) + 2))"
}

@test "-h prints usage on stdout and exits 0" {
	run --separate-stderr -0 "$BIN" -h
	assert_line --index 0 --regexp '^usage: invoke_ns '
	assert_equal "$stderr" ""
}

@test "-h lists exactly the flags of this step" {
	run -0 "$BIN" -h
	assert_equal "$(printf '%s\n' "$output" | sed -n 's/^  -\(.\).*/\1/p')" \
		"$(flags_of_step)"
}

@test "an unknown flag is a usage error: 125 and one line saying which" {
	run --separate-stderr -125 "$BIN" -Z true
	assert_equal "$output" ""
	assert_equal "$stderr" "invoke_ns: -Z: unknown option (-h for help)"
}

@test "a flag of a later step is unknown here" {
	[ "$(step_number)" -lt 7 ] || skip "step 7 knows every flag"
	local next
	next=$(printf '%s\n' h v p m u n i c U | sed -n "$(($(step_number) + 3))p")
	run -125 "$BIN" "-$next" x true
	assert_line --index 0 "invoke_ns: -$next: unknown option (-h for help)"
}

@test "a flag missing its argument is a usage error (125)" {
	needs_step 3 "-u"
	run --separate-stderr -125 "$BIN" -u
	assert_equal "$stderr" "invoke_ns: -u: needs an argument (-h for help)"
}

@test "options stop at the command: its own flags are its own" {
	run -0 "$BIN" printf '%s|' -p -h -Z
	assert_output "-p|-h|-Z|"
}

@test "flags combine in one word, the way getopt allows (-vp)" {
	needs_root
	run -0 "$BIN" -vp true
	assert_line --index 1 --regexp '^Parent: PID of child is [0-9]+$'
	assert_line " Child: PID of child is 1"
}

@test "with no command the child sets up and exits 0" {
	run -0 "$BIN" -v
	assert_line " Child: no command, exiting"
	assert_line "Parent: child exited with status 0"
}

@test "with stdout a pipe, -v prints each line once, parent first" {
	needs_root
	out=$("$BIN" -vp true | cat)
	assert_equal "$(printf '%s\n' "$out" | grep -c 'PID of parent')" 1
	assert_equal "$(printf '%s\n' "$out" | grep -c ' Child: PID of child is 1')" 1
	assert_equal "$(printf '%s\n' "$out" | grep -c 'child exited')" 1
	assert_equal "$(printf '%s\n' "$out" | head -n 2 | cut -c1-7 | sort -u)" "Parent:"
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
