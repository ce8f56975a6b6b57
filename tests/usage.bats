#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154,SC2034
# (single-quoted scripts are for the shell in the container; bats sets stderr)
# Usage and option parsing, the same in every step.

load helpers

# The flags step N knows: -h and -v, then one more per step.
flags_of_step() {
	printf '%s\n' h v p m u n i c U | head -n "$(($(step_number) + 2))"
}

@test "-h prints usage on stdout and exits 0" {
	HINT="does -h print the usage with printf (stdout), then exit 0?"
	run --separate-stderr -0 "$BIN" -h
	assert_line --index 0 --regexp '^usage: invoke_ns '
	assert_equal "$stderr" ""
}

@test "-h lists exactly the flags of this step" {
	HINT="does -h have a line '  -F ...' for each flag of this step, and none for a later one?"
	run -0 "$BIN" -h
	assert_equal "$(printf '%s\n' "$output" | sed -n 's/^  -\(.\).*/\1/p')" \
		"$(flags_of_step)"
}

@test "an unknown flag is a usage error: 125 and one line saying which" {
	HINT="does getopt's default case still print one line naming the flag, and exit 125?"
	run --separate-stderr -125 "$BIN" -Z true
	assert_equal "$output" ""
	assert_one_line_naming -Z "$stderr"
}

@test "a flag of a later step is unknown here" {
	HINT="are the letters of later steps still out of getopt's letters?"
	[ "$(step_number)" -lt 7 ] || skip "step 7 knows every flag"
	local next
	next=$(printf '%s\n' h v p m u n i c U | sed -n "$(($(step_number) + 3))p")
	run --separate-stderr -125 "$BIN" "-$next" x true
	assert_one_line_naming "-$next" "$stderr"
}

@test "a flag missing its argument is a usage error (125)" {
	HINT="does -u have its colon in getopt's letters (u:), so that getopt asks for NAME?"
	needs_step 3 "-u"
	run --separate-stderr -125 "$BIN" -u
	assert_one_line_naming -u "$stderr"
}

@test "options stop at the command: its own flags are its own" {
	HINT="do getopt's letters still start with '+', so that the first word that is no option starts the command?"
	run -0 "$BIN" printf '%s|' -p -h -Z
	assert_output "-p|-h|-Z|"
}

@test "flags combine in one word, the way getopt allows (-vp)" {
	HINT="are the flags parsed by getopt, each letter on its own?"
	needs_root
	run -0 "$BIN" -vp true
	assert_line --index 1 --regexp '^Parent: PID of child is [0-9]+$'
	assert_line " Child: PID of child is 1"
}

@test "with no command the child sets up and exits 0" {
	HINT="with no command, does the child say ' Child: no command, exiting' and return 0 after its setup?"
	run -0 "$BIN" -v
	assert_line " Child: no command, exiting"
	assert_line "Parent: child exited with status 0"
}

@test "with stdout a pipe, -v prints each line once, parent first" {
	HINT="does every -v line go through say(), which flushes stdout before clone could copy it?"
	needs_root
	out=$("$BIN" -vp true | cat)
	assert_equal "$(printf '%s\n' "$out" | grep -c 'PID of parent')" 1
	assert_equal "$(printf '%s\n' "$out" | grep -c ' Child: PID of child is 1')" 1
	assert_equal "$(printf '%s\n' "$out" | grep -c 'child exited')" 1
	assert_equal "$(printf '%s\n' "$out" | head -n 2 | cut -c1-7 | sort -u)" "Parent:"
}

@test "nothing is left behind by this suite" {
	HINT="does every run end its child and undo what it set up? The lines above are what outlived the suite"
	assert_nothing_left
}
