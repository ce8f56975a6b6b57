#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2034,SC2154,SC2034
# (single-quoted scripts are for the shell in the container; LAUNCH is read
# by the helpers; bats sets stderr)
# Step 7, -U: a new user namespace, root inside mapped to the caller.  Most
# tests run as a truly unprivileged user, as a self-learner without sudo
# would: uid 65534 through setpriv when the suite runs as root, or the
# user who runs it (make check runs this suite as the caller, too, when the
# caller is not root).

load helpers

setup_file() {
	leak_check_start "$BATS_FILE_TMPDIR"
	# A place an unprivileged user can reach, with its own copy of the program (the
	# checkout may sit under a directory it cannot search) and a jail.
	WORK=$(mktemp -d /tmp/invoke-ns-user.XXXXXX)
	chmod 755 "$WORK"
	cp "$BIN" "$WORK/invoke_ns"
	"$ROOT/scripts/mkjail.sh" "$WORK/jail" >/dev/null
	export WORK
}

teardown_file() {
	rm -rf "$WORK"
}

setup() {
	BIN=$WORK/invoke_ns
	needs_unprivileged
}

teardown() {
	print_hint
	stop_held
	rm -f "$WORK/hold"
}

# Skip unless an unprivileged user may create a user namespace here, and
# name the setting that forbids it when one does.
needs_userns() {
	local knob
	"${UNPRIVILEGED[@]}" unshare --user true 2>/dev/null && return 0
	for knob in kernel/apparmor_restrict_unprivileged_userns kernel/unprivileged_userns_clone \
		user/max_user_namespaces; do
		[ -r "/proc/sys/$knob" ] && printf '%s=%s\n' "$knob" "$(cat "/proc/sys/$knob")"
	done | tr '/\n' '. ' >"$BATS_TEST_TMPDIR/knobs"
	skip "unprivileged user namespaces are restricted here ($(cat "$BATS_TEST_TMPDIR/knobs"))"
}

@test "-U as an unprivileged user: only the user namespace is new, inside and outside" {
	needs_userns
	LAUNCH=("${UNPRIVILEGED[@]}")
	check_inside "user" -U
	check_outside "user" -d "$WORK" -U
}

@test "-U with -p -m -u -n -i yes as an unprivileged user: every type but cgroup and time is new" {
	HINT="with -U, do the other flags still add their own CLONE_NEW* flags?"
	needs_userns
	LAUNCH=("${UNPRIVILEGED[@]}")
	check_inside "user pid mnt uts net ipc" -U -p -m -u lab-test -n -i yes
	check_outside "user pid mnt uts net ipc" -d "$WORK" -U -p -m -u lab-test -n -i yes
}

@test "-U: id -u inside is 0, and the maps inside map 0 to the caller" {
	HINT="does the parent write \"0 EUID 1\" to uid_map and \"0 EGID 1\" to gid_map before the go byte?"
	needs_userns
	run -0 "${UNPRIVILEGED[@]}" "$BIN" -U sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
	assert_equal "$(printf '%s\n' "$output" | tr -s ' ' | sed 's/^ //')" \
		"$(printf '%s\n' 0 0 "0 $UNPRIV_UID 1" "0 $UNPRIV_GID 1" deny)"
}

@test "-U: outside, the child still belongs to the caller, and -v says what was written" {
	HINT="does the parent say \"Parent: writing FILE: TEXT\" for each map it writes?"
	needs_userns
	LAUNCH=("${UNPRIVILEGED[@]}")
	start_held -d "$WORK" -U -p
	assert_equal "$(awk '$1 == "Uid:" { print $2 }' "/proc/$CHILD/status")" "$UNPRIV_UID"
	assert_equal "$(awk '$1 == "Gid:" { print $2 }' "/proc/$CHILD/status")" "$UNPRIV_GID"
	release_held
	assert_equal "$HELD_STATUS" 0
	run -0 grep -Fx "Parent: writing uid_map: 0 $UNPRIV_UID 1" <<<"$HELD_OUTPUT"
}

@test "-U: the parent writes uid_map, then setgroups deny, then gid_map, before the child runs" {
	HINT="does the parent write uid_map, then deny to setgroups, then gid_map, all before the go byte?"
	needs_userns
	run -0 "${UNPRIVILEGED[@]}" "$BIN" -vU true
	assert_equal "$(printf '%s\n' "$output" | sed -n '3,6p')" "$(printf '%s\n' \
		"Parent: writing uid_map: 0 $UNPRIV_UID 1" 'Parent: writing setgroups: deny' \
		"Parent: writing gid_map: 0 $UNPRIV_GID 1" ' Child: PID of child is '"${lines[1]##* }")"
}

@test "-U -p -m -u NAME -i yes -c JAIL all work together, without root" {
	HINT="with -U, does each setup step (pivot_root, proc, hostname, queue) run after the maps, as root of the namespace?"
	needs_userns
	run --separate-stderr -0 timeout 20 "${UNPRIVILEGED[@]}" "$BIN" -U -p -m -u jailed -i yes \
		-c "$WORK/jail" sh -c 'id -un; hostname; ls /; ps -eo comm=' <<<'lost'
	assert_regex "$stderr" '^invoke_ns: .*mq_open.*: No such file or directory$'
	assert_line "Parent: no message from the child"
	# root, the hostname, the jail's top level, then ps: only sh and ps.
	assert_equal "$(printf '%s\n' "$output" | grep -v '^Parent: ')" \
		"$(printf '%s\n' root jailed && ls "$WORK/jail" && printf '%s\n' sh ps)"
}

@test "-U: root inside cannot write a file that the host's root owns" {
	HINT="does the map give root inside only the caller's own uid outside?"
	needs_userns
	local file=/etc/passwd
	if [ "$(id -u)" -eq 0 ]; then
		file=$WORK/rootfile
		printf 'root owns this\n' >"$file"
		chmod 644 "$file"
	fi
	# The caller may not write it (where the tests run in a user namespace,
	# the host's root shows as nobody, so the owner's uid is no test).
	run -1 "${UNPRIVILEGED[@]}" test -w "$file"
	cp "$file" "$BATS_TEST_TMPDIR/before"
	# ': >>' opens the file for writing and writes nothing.
	run "${UNPRIVILEGED[@]}" "$BIN" -U sh -c 'id -u; : >>"$1"' _ "$file"
	assert_failure
	assert_line 0
	assert_output --partial "Permission denied"
	cmp "$file" "$BATS_TEST_TMPDIR/before"
}

@test "where the limit on user namespaces is reached, the hint names the sysctl" {
	HINT="after ENOSPC from clone, does the hint name user.max_user_namespaces?"
	# user.max_user_namespaces belongs to each user namespace: set to 0
	# in a throwaway one, it restricts only what is created in there.
	run --separate-stderr -125 unshare --user --map-root-user sh -c \
		'echo 0 >/proc/sys/user/max_user_namespaces && exec "$1" -U true' _ "$BIN"
	assert_equal "$(printf '%s\n' "$stderr" | head -n 1)" 'invoke_ns: clone: No space left on device'
	assert_regex "$(printf '%s\n' "$stderr" | sed -n 2p)" '^invoke_ns: hint: .*user\.max_user_namespaces'
	assert_equal "${#stderr_lines[@]}" 2
}

@test "-U as root in a chroot is refused, with no hint that is not true" {
	HINT="is each hint printed only where its cause is true: none as root?"
	needs_root
	local jail=$BATS_TEST_TMPDIR/jail
	# The kernel refuses a user namespace to a process in a chroot
	# (clone(2)); root needs no sudo and no sysctl is to blame.
	"$ROOT/scripts/binlibdepcp.sh" "$BIN" "$jail" >/dev/null
	run --separate-stderr -125 chroot "$jail" "$BIN" -U true
	assert_equal "$stderr" "invoke_ns: clone: Operation not permitted"
}

@test "-U maps the effective ids: a set-user-ID root caller is root outside too" {
	HINT="does the map use geteuid() and getegid(), the ids the kernel checks?"
	needs_root
	local as=(setpriv --ruid=65534 --rgid=65534 --clear-groups)
	"${as[@]}" true 2>/dev/null || skip "needs uid 65534 (root of a user namespace has none)"
	# Real uid 65534, effective 0: the kernel checks a map against the
	# effective ids (user_namespaces(7)), so "0 0 1", not "0 65534 1".
	run -0 "${as[@]}" "$BIN" -U cat /proc/self/uid_map /proc/self/gid_map
	assert_equal "$(printf '%s\n' "$output" | tr -s ' ' | sed 's/^ //')" "$(printf '%s\n' '0 0 1' '0 0 1')"
}

# bats test_tags=handout:kept
@test "without -U an unprivileged user gets 125 and the hint to use sudo or -U" {
	HINT="without -U, does EPERM from clone give the hint to use sudo or -U?"
	run --separate-stderr -125 "${UNPRIVILEGED[@]}" "$BIN" -p true
	assert_equal "$(printf '%s\n' "$stderr" | head -n 1)" "invoke_ns: clone: Operation not permitted"
	assert_equal "$(printf '%s\n' "$stderr" | sed -n 2p)" \
		"invoke_ns: hint: creating namespaces needs root: use sudo, or -U from step 7 on"
}

@test "-U as root works too: root inside is root outside" {
	HINT="as root, does -U map 0 to 0?"
	needs_root
	run -0 "$BIN" -U sh -c 'id -u; cat /proc/self/uid_map'
	assert_equal "$(printf '%s\n' "$output" | tr -s ' ' | sed 's/^ //')" "$(printf '%s\n' 0 '0 0 1')"
}

# bats test_tags=handout:kept
@test "nothing is left behind by this suite" {
	HINT="does every path end the child and leave nothing behind?"
	assert_nothing_left
}
