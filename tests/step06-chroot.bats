#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154,SC2034
# (single-quoted scripts are for the shell in the container; bats sets stderr)
# Step 6, -c DIR: a chroot jail, built with scripts/mkjail.sh (make jail).
# Runs against step 6 and every later step.

load helpers

setup_file() {
	leak_check_start "$BATS_FILE_TMPDIR"
	# mkjail.sh is what `make jail` runs; the suite keeps its own jail.
	JAIL=$BATS_FILE_TMPDIR/jail
	"$ROOT/scripts/mkjail.sh" "$JAIL" >/dev/null
	export JAIL
}

setup() {
	needs_namespaces
}

@test "-c alone: the jail is not a namespace, every type is shared" {
	HINT="does -c alone leave clone_flags alone? A jail is not a namespace"
	# Without -p -m the jail has no proc mounted: look from outside.
	check_outside "" -j "$JAIL" -c "$JAIL"
}

@test "-p -m -c: the PID and mount namespaces are new, the rest shared" {
	HINT="does -c keep the flags -p and -m ask for?"
	check_inside "pid mnt" -p -m -c "$JAIL"
}

@test "-c: ls / lists the jail's top level, and the -v line names the jail" {
	HINT="does the child say \" Child: entering jail DIR\", then chroot and chdir(\"/\")?"
	run -0 "$BIN" -v -c "$JAIL" ls /
	assert_line " Child: entering jail $JAIL"
	assert_equal "$(printf '%s\n' "$output" | grep -v -e '^Parent:' -e '^ Child:')" \
		"$(ls "$JAIL")"
}

@test "-c: a file outside the jail cannot be reached, not even through /.." {
	HINT="does the child chdir(\"/\") after chroot, so that .. stops at the jail's root?"
	printf 'host secret\n' >"$BATS_TEST_TMPDIR/marker"
	run "$BIN" -c "$JAIL" cat "$BATS_TEST_TMPDIR/marker"
	refute_output --partial "host secret"
	assert_failure
	run -0 "$BIN" -c "$JAIL" ls /..
	assert_equal "$output" "$(ls "$JAIL")"
}

@test "-c: root escapes a chroot jail (escape.c); with -m, pivot_root holds it" {
	HINT="with -m, does the child bind DIR onto itself, pivot_root into it and detach the old root?"
	command -v cc >/dev/null || skip "needs a C compiler"
	cc -static -o "$BATS_TEST_TMPDIR/escape" "$ROOT/step06-chroot/escape.c" ||
		skip "needs a static C library (libc6-dev) to build escape.c"
	cp "$BATS_TEST_TMPDIR/escape" "$JAIL/escape"
	printf 'host secret\n' >"$BATS_TEST_TMPDIR/marker"
	# Escaped, the host's files are the command's again.
	run -0 "$BIN" -c "$JAIL" /escape cat "$BATS_TEST_TMPDIR/marker"
	assert_output "host secret"
	# With -m the old root is detached: the climb up ends at the jail's /.
	run -1 "$BIN" -m -c "$JAIL" /escape cat "$BATS_TEST_TMPDIR/marker"
	assert_output --partial "No such file or directory"
	rm -f "$JAIL/escape"
}

@test "-p -m -c: ps in the jail shows only the container" {
	HINT="with -p -m, does the child mount proc inside the jail, after entering it?"
	run -0 "$BIN" -pm -c "$JAIL" sh -c 'ps -eo pid=,comm='
	assert_equal "$(printf '%s\n' "$output" | awk '{ print $2 }' | sort | tr '\n' ' ')" "ps sh "
}

@test "-p -m -c: bash, ls, ps, id and top (batch mode) run inside the jail" {
	HINT="is the command run with PATH set to the usual places inside the jail?"
	run -0 "$BIN" -pm -c "$JAIL" bash -c 'echo "bash $BASH_VERSION"'
	assert_output --regexp '^bash [0-9]'
	run -0 "$BIN" -pm -c "$JAIL" ls -d /proc/1
	run -0 "$BIN" -pm -c "$JAIL" ps -o comm= -p 1
	assert_output "ps"
	run -0 "$BIN" -pm -c "$JAIL" id -un
	assert_output "root"
	run -0 env TERM=xterm "$BIN" -pm -c "$JAIL" top -b -n 1
	assert_line --regexp '^ +1 root .* top$'
}

@test "-c: the command runs with a small known environment" {
	HINT="does the child clear the environment and set PATH, HOME=/ and the caller's TERM?"
	run -0 env -i LAB_SECRET=1 TERM=xterm PATH="$PATH" HOME=/root "$BIN" -c "$JAIL" env
	# What the TODO asks: PATH of the usual places, HOME=/, the caller's
	# TERM, and nothing else of the caller's.
	assert_equal "$(printf '%s\n' "$output" | grep -v '^PATH=' | sort)" "$(printf '%s\n' HOME=/ TERM=xterm)"
	assert_line --regexp '^PATH=(.*:)?/usr/bin(:.*)?$'
	assert_line --regexp '^PATH=(.*:)?/bin(:.*)?$'
	run -0 env -i PATH="$PATH" "$BIN" -c "$JAIL" env
	refute_line --partial TERM=
}

@test "-c: a command that is not in the jail gives 127" {
	HINT="does exec's ENOENT give 127?"
	[ ! -e "$JAIL/usr/bin/sleep" ]
	run -127 "$BIN" -c "$JAIL" sleep 1
}

@test "-c with a missing directory: 125, one line, nothing created" {
	HINT="does the parent check DIR with stat before anything is created, and exit 125 with one line naming -c and DIR?"
	run --separate-stderr -125 "$BIN" -v -c "$BATS_TEST_TMPDIR/nowhere" true
	assert_equal "$output" ""
	assert_one_line_naming -c "$stderr"
	assert_regex "$stderr" "$BATS_TEST_TMPDIR/nowhere.*No such file or directory"
}

@test "-c with a file: 125, one line, nothing created" {
	HINT="does the parent refuse a DIR that is not a directory (ENOTDIR) before anything is created?"
	: >"$BATS_TEST_TMPDIR/file"
	run --separate-stderr -125 "$BIN" -v -c "$BATS_TEST_TMPDIR/file" true
	assert_equal "$output" ""
	assert_one_line_naming -c "$stderr"
	assert_regex "$stderr" "$BATS_TEST_TMPDIR/file.*Not a directory"
}

@test "-c with a directory the caller cannot search: 125, one line" {
	HINT="does the parent check access(DIR, X_OK) before anything is created?"
	needs_unprivileged
	reachable_bin
	local dir
	dir=$(mktemp -d /tmp/invoke-ns-test.XXXXXX)
	mkdir -m 700 "$dir/closed"
	chmod 755 "$dir"
	run --separate-stderr -125 "${UNPRIVILEGED[@]}" "$REACHABLE/invoke_ns" -v -c "$dir/closed" true
	rm -rf "$dir"
	assert_equal "$output" ""
	assert_one_line_naming -c "$stderr"
	assert_regex "$stderr" "$dir/closed.*Permission denied"
}

@test "-p -m -c: /proc is made in the jail if missing, and unmounted at the end" {
	HINT="with -p -m, does the child make /proc in the jail when it is missing (mkdir, EEXIST is fine)?"
	local before
	rmdir "$JAIL/proc"
	before=$(mount_table)
	run -0 "$BIN" -vpm -c "$JAIL" cat /proc/self/mounts
	assert_line " Child: mounting proc at /proc"
	assert_line --regexp '^proc /proc proc '
	[ -d "$JAIL/proc" ]
	assert_equal "$(mount_table)" "$before"
	run -0 findmnt --list --noheadings --output TARGET
	refute_output --partial "$JAIL"
}

# bats test_tags=handout:kept
@test "nothing is left behind by this suite" {
	HINT="does every path leave no mount and no process behind?"
	assert_nothing_left
}
