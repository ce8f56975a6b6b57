#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154,SC2034
# (single-quoted scripts are for the shell in the container; bats sets stderr)
# invoke_ns exits as chroot(1) and env(1) do: the command's status, 128+N
# for a command killed by signal N, 125 for its own failures, 126 for a
# command that cannot run, 127 for one that does not exist.

load helpers

@test "the command's exit status is invoke_ns's (sh -c 'exit 3' gives 3)" {
	HINT="does the parent exit with the child's WEXITSTATUS?"
	run -3 "$BIN" sh -c 'exit 3'
	needs_root
	run -3 "$BIN" -p sh -c 'exit 3'
}

@test "a command killed by SIGKILL gives 137" {
	HINT="does the parent exit 128+N for a child killed by signal N (WTERMSIG)?"
	run -137 "$BIN" sh -c 'kill -KILL $$'
}

@test "a command that does not exist gives 127 and one line naming it" {
	HINT="when execvp fails with ENOENT, does the child say 'exec CMD: ...' and exit 127?"
	# A PATH of directories everyone may search: one that cannot be searched
	# makes execvp report EACCES (126) instead.
	run --separate-stderr -127 env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$BIN" no-such-command-here
	assert_equal "$stderr" "invoke_ns: exec no-such-command-here: No such file or directory"
}

@test "a command that is not executable gives 126" {
	HINT="when execvp fails otherwise, does the child say 'exec CMD: ...' and exit 126?"
	printf 'not a program\n' >"$BATS_TEST_TMPDIR/plain"
	chmod 644 "$BATS_TEST_TMPDIR/plain"
	run --separate-stderr -126 "$BIN" "$BATS_TEST_TMPDIR/plain"
	assert_equal "$stderr" "invoke_ns: exec $BATS_TEST_TMPDIR/plain: Permission denied"
}

@test "no command: exit status 0" {
	HINT="with no command, does the child return 0 after its setup?"
	run -0 "$BIN"
	needs_root
	run -0 "$BIN" -p
}

@test "without root, -p is refused with 125 and a hint" {
	HINT="when clone fails with EPERM, does invoke_ns say 'clone: ...', add its hint line, and exit 125?"
	needs_unprivileged
	reachable_bin
	run --separate-stderr -125 "${UNPRIVILEGED[@]}" "$REACHABLE/invoke_ns" -p true
	assert_equal "$(printf '%s\n' "$stderr" | head -n 1)" "invoke_ns: clone: Operation not permitted"
	assert_regex "$(printf '%s\n' "$stderr" | sed -n 2p)" '^invoke_ns: hint: .*sudo'
}

@test "a namespace limit that is reached gives 125 and no hint about root" {
	HINT="is the hint about root only for EPERM, not for ENOSPC?"
	# A limit of 0 in a user namespace of the test's own: clone fails with
	# ENOSPC, which running as root would not change.
	unshare --user --map-root-user true 2>/dev/null || skip "needs user namespaces"
	reachable_bin
	run --separate-stderr -125 unshare --user --map-root-user \
		sh -c 'echo 0 >/proc/sys/user/max_pid_namespaces && exec "$1" -p true' _ "$REACHABLE/invoke_ns"
	assert_equal "$stderr" "invoke_ns: clone: No space left on device"
}

@test "no descriptor of invoke_ns's leaks into the command" {
	HINT="are invoke_ns's pipes opened with O_CLOEXEC?"
	needs_root
	local direct
	# The control: what the same command has when started directly.
	direct=$(sh -c 'ls /proc/self/fd' 3>&- | sort -n)
	run -0 "$BIN" -p sh -c 'ls /proc/self/fd' 3>&-
	assert_equal "$(printf '%s\n' "$output" | sort -n)" "$direct"
}

@test "a child that dies before it is released: its status, and no error line" {
	HINT="when the go byte finds the child dead (EPIPE), does the parent stay quiet and give the child's status?"
	needs_root
	die_in_child
	run --separate-stderr -137 timeout 20 env LD_PRELOAD="$DIE_IN_CHILD" DIE_AT=prctl "$BIN" true </dev/null
	assert_equal "$stderr" ""
}

@test "nothing is left behind by this suite" {
	HINT="does every run end its child and undo what it set up? The lines above are what outlived the suite"
	assert_nothing_left
}
