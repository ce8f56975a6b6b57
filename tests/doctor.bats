#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154
# (the single-quoted script is for the sh in a user namespace; bats sets
# output)
# make doctor: whether every step can run here, and the one command that
# fixes each problem; make apparmor's profile; the VM recipe's user-data.

load helpers

teardown() {
	[ -z "${SCRATCH:-}" ] || rm -rf "$SCRATCH"
}

# SCRATCH/scripts: the lab's scripts where another user, or root of a user
# namespace, can reach them (a home of mode 0750 keeps both out of ROOT).
copy_scripts() {
	SCRATCH=$(mktemp -d)
	chmod 755 "$SCRATCH"
	cp -r "$ROOT/scripts" "$SCRATCH/"
}

@test "make doctor passes here: a line per check, and every step can run" {
	needs_namespaces
	run -0 make -s -C "$ROOT" doctor
	assert_line --regexp '^ok +root: '
	assert_line --regexp '^ok +pid namespace \(step 1\)$'
	assert_line --regexp '^ok +net namespace and a veth pair \(step 4\)$'
	assert_line --regexp '^ok +user namespace without root \(step 7, as uid [0-9]+\)$'
	assert_line --regexp '^(ok|note) +time namespace '
	assert_line --index -1 'doctor.sh: every step can run here'
	refute_line --regexp '^FAIL'
}

@test "make doctor as a user who may not use sudo fails, and says how to get it" {
	needs_root
	needs_unprivileged
	copy_scripts
	run -1 "${UNPRIVILEGED[@]}" "$SCRATCH/scripts/doctor.sh"
	assert_line --regexp '^FAIL +root: steps 1 to 6 need root, and '
	assert_line --regexp "^      fix: su -c '.*usermod -aG sudo [^ ]+'"
	assert_line --index -1 --regexp '^doctor.sh: [1-9][0-9]* problem'
}

@test "make doctor where user namespaces are limited names the limit and its fix" {
	local before
	unshare --user --map-root-user true 2>/dev/null || skip "needs user namespaces"
	before=$(cat /proc/sys/user/max_user_namespaces)
	copy_scripts
	# A user namespace of its own whose limit is 0: the machine's stays.
	run -1 unshare --user --map-root-user sh -c \
		'echo 0 >/proc/sys/user/max_user_namespaces && exec "$@"' sh "$SCRATCH/scripts/doctor.sh"
	assert_line --regexp '^FAIL +user namespace without root \(step 7, as uid [0-9]+\): user\.max_user_namespaces is 0$'
	assert_line '      fix: sudo sysctl -w user.max_user_namespaces=15000'
	assert_line --regexp '^ok +pid namespace \(step 1\)$'
	assert_equal "$(cat /proc/sys/user/max_user_namespaces)" "$before"
}

@test "make apparmor's profile passes apparmor_parser, for a lab whose path has a space and a bracket" {
	local version lab="$BATS_TEST_TMPDIR/a lab [1]"
	command -v apparmor_parser >/dev/null || skip "needs apparmor_parser (Debian's apparmor)"
	version=$(apparmor_parser --version | sed -n '1s/.* version \([0-9]*\).*/\1/p')
	[ "${version:-0}" -ge 4 ] ||
		skip "apparmor_parser $version knows no userns rule: AppArmor 4.0, as in Ubuntu 23.10 and later, does"
	mkdir "$lab"
	cp -r "$ROOT/scripts" "$lab/"
	"$lab/scripts/apparmor.sh" --print >"$BATS_TEST_TMPDIR/profile"
	run -0 grep -cF 'userns,' "$BATS_TEST_TMPDIR/profile"
	run -0 grep -F "lab \\[1\\]/step07-user/invoke_ns\" flags=(unconfined)" "$BATS_TEST_TMPDIR/profile"
	# -Q: parse and compile only, load nothing; -K: no cache.
	run -0 apparmor_parser -Q -K "$BATS_TEST_TMPDIR/profile"
}

@test "make apparmor changes nothing where the kernel does not restrict user namespaces" {
	[ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null)" != 1 ] ||
		skip "this kernel restricts user namespaces"
	run -0 make -s -C "$ROOT" apparmor
	assert_output 'apparmor.sh: this kernel does not restrict user namespaces: no profile needed'
}

@test "the VM recipe's cloud-init user-data is valid, and a broken copy of it is not" {
	command -v cloud-init >/dev/null || skip "needs cloud-init (make deps installs it)"
	run -0 cloud-init schema --config-file "$ROOT/vm/user-data.yaml"
	sed 's/^hostname: \(.*\)/hostname: [\1]/' "$ROOT/vm/user-data.yaml" >"$BATS_TEST_TMPDIR/broken.yaml"
	run -1 cloud-init schema --config-file "$BATS_TEST_TMPDIR/broken.yaml"
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
