#!/usr/bin/env bats
# shellcheck shell=bats
# make demo (scripts/demo.sh): each step's table marks exactly the namespaces
# that step creates; without root, steps 1-6 say so and step 7 still runs;
# in a handout, a step still as handed out is to do.

load helpers

DEMO="$ROOT/scripts/demo.sh"

# The namespaces each step's flags create, as demo.sh runs them
# (-p, -m, -u, -n, -i yes, -c, -U: each step adds its own to the last).
expected_new() {
	case $1 in
	step01-*) echo "pid" ;;
	step02-*) echo "mnt pid" ;;
	step03-*) echo "mnt pid uts" ;;
	step04-*) echo "mnt net pid uts" ;;
	step05-* | step06-*) echo "ipc mnt net pid uts" ;;
	step07-*) echo "ipc mnt net pid user uts" ;;
	esac
}

# marked STEP: the types that STEP's table in $output marks "yes", sorted.
marked() {
	printf '%s\n' "$output" | awk -v step="$1:" '
		$1 == step { on = 1; next }
		on && /^$/ { exit }
		on && $NF == "yes" { print $1 }' | sort | xargs
}

# The built steps, as demo.sh runs them.
steps() {
	local d
	for d in "$ROOT"/step0[1-7]-*; do
		[ -x "$d/invoke_ns" ] && printf '%s\n' "${d##*/}"
	done
}

# run_demo_unprivileged: demo.sh as an unprivileged user (uid 65534 when we
# are root, else ourselves), with nothing of root's environment, from a
# copy of the lab that user can reach; its temporary files go to
# NOBODY_TMP.
run_demo_unprivileged() {
	needs_unprivileged
	reachable_bin
	TREE=$REACHABLE/tree
	# shellcheck disable=SC2046 # one word a step
	tree_with $(steps)
	NOBODY_TMP=$(mktemp -d)
	chmod 0777 "$NOBODY_TMP"
	run timeout 120 "${UNPRIVILEGED[@]}" env -i PATH="$PATH" TMPDIR="$NOBODY_TMP" "$TREE/scripts/demo.sh" 3>&-
}

# One run of demo.sh as root, for the tests that read its output; its
# temporary files go to DEMO_TMP, which it must leave empty.
setup_file() {
	leak_check_start "$BATS_FILE_TMPDIR"
	DEMO_TMP=$BATS_FILE_TMPDIR/tmp
	mkdir "$DEMO_TMP"
	local status=0
	TMPDIR=$DEMO_TMP timeout 120 "$DEMO" >"$BATS_FILE_TMPDIR/demo.out" 2>&1 3>&- || status=$?
	printf '%s\n' "$status" >"$BATS_FILE_TMPDIR/demo.status"
	export DEMO_TMP
}

# run_demo_as_root: the output and status of that run, as run would set them.
run_demo_as_root() {
	needs_namespaces
	run cat "$BATS_FILE_TMPDIR/demo.out"
	status=$(cat "$BATS_FILE_TMPDIR/demo.status")
}

# tree_with STEP...: in TREE (BATS_TEST_TMPDIR/tree unless set), demo.sh
# and what it runs, with only these steps of the lab (their source and
# binary): a demo of a few steps is quicker, and a broken step can be put
# in it.
tree_with() {
	TREE=${TREE:-$BATS_TEST_TMPDIR/tree}
	mkdir -p "$TREE/scripts"
	cp "$ROOT"/scripts/{demo,lib,binlibdepcp}.sh "$TREE/scripts/"
	local step
	for step; do
		cp -r "$ROOT/$step" "$TREE/"
	done
}

teardown() {
	if [ -n "${NOBODY_TMP:-}" ]; then
		rm -rf "$NOBODY_TMP"
	fi
}

@test "as root, demo.sh runs every step and exits 0" {
	run_demo_as_root
	assert_success
	for step in $(steps); do
		assert_line --regexp "^$step: "
	done
}

@test "each step's table marks exactly the namespaces that step creates" {
	run_demo_as_root
	for step in $(steps); do
		assert_equal "$step: $(marked "$step")" "$step: $(expected_new "$step")"
	done
}

@test "the host column is the host's namespaces, and a type not marked new is the same inside" {
	run_demo_as_root
	for t in $NS_TYPES; do
		assert_line --regexp "^$t +$(stat -L -c %i "/proc/self/ns/$t") "
	done
	# Eight rows per step, and every row without "yes" has two equal inodes.
	printf '%s\n' "$output" | awk '
		$1 ~ /^(cgroup|ipc|mnt|net|pid|time|user|uts)$/ && NF == 3 && $2 != $3 {
			print "row marked the same with different inodes: " $0; bad = 1 }
		$1 ~ /^(cgroup|ipc|mnt|net|pid|time|user|uts)$/ && NF == 4 && $2 == $3 {
			print "row marked new with equal inodes: " $0; bad = 1 }
		END { exit bad }'
}

@test "each step says in one line what it showed" {
	run_demo_as_root
	assert_line "PID 1: the command is the first process of a PID namespace of its own"
	assert_line --regexp "^/proc is the container's own: [0-9]+ process\(es\) in it, [0-9]+ in the host's$"
	assert_line "the hostname inside is lab, the host's is still $(hostname)"
	assert_line "the only network link inside is lo (and it is down)"
	assert_line "the parent's message queue is not found inside: No such file or directory"
	assert_line --regexp "^the jail's / is all the command sees: bin .*proc.* usr$"
	assert_line --regexp "^uid 0 inside, mapped to your uid 0 outside"
}

@test "demo.sh leaves no temporary files" {
	run_demo_as_root
	assert_success
	assert_equal "$(ls -A "$DEMO_TMP")" ""
}

@test "piped, the output is plain; on a terminal, 'yes' is highlighted" {
	run_demo_as_root
	refute_output --partial $'\e['
	command -v script >/dev/null || skip "needs script (util-linux)"
	# On a terminal, step 1 alone is enough to see the highlighting.
	tree_with step01-pid
	run timeout 120 script -qec "$TREE/scripts/demo.sh" /dev/null 3>&-
	assert_success
	assert_output --partial $'\e[1;32myes\e[0m'
	NO_COLOR=1 run timeout 120 script -qec "$TREE/scripts/demo.sh" /dev/null 3>&-
	assert_success
	assert_output --partial 'pid     '
	refute_output --partial $'\e[1;32m'
}

@test "without root, steps 1-6 say they need root, and step 7 still shows its table" {
	[ "$(steps | tail -n 1)" = step07-user ] || skip "step 7 is not built"
	run_demo_unprivileged
	if [[ $output == *"restricts unprivileged user namespaces"* ]]; then
		skip "unprivileged user namespaces are restricted here"
	fi
	assert_success
	for step in $(steps); do
		[ "$step" = step07-user ] && continue
		assert_line --regexp "^$step: "
		[ "$(marked "$step")" = "" ] || fail "$step shows a table without root"
	done
	assert_equal "$(grep -c '^skipped: creating namespaces without -U needs root' <<<"$output")" \
		"$(($(steps | wc -l) - 1))"
	assert_equal "$(marked step07-user)" "$(expected_new step07-user)"
	assert_line --regexp "^uid 0 inside, mapped to your uid $UNPRIV_UID outside"
	assert_equal "$(ls -A "$NOBODY_TMP")" ""
}

@test "a step that cannot run is reported with its reason, and demo.sh exits 1" {
	# A tree whose step 7 (which runs with or without root) always fails.
	tree_with
	mkdir "$TREE/step07-user"
	: >"$TREE/step07-user/invoke_ns.c"
	printf '%s\n' '#!/bin/sh' \
		'echo "invoke_ns: clone: Operation not permitted" >&2' 'exit 125' \
		>"$TREE/step07-user/invoke_ns"
	chmod +x "$TREE/step07-user/invoke_ns"
	TMPDIR=$BATS_TEST_TMPDIR run timeout 60 "$TREE/scripts/demo.sh" 3>&-
	if [[ $output == *"restricts unprivileged user namespaces"* ]]; then
		skip "unprivileged user namespaces are restricted here"
	fi
	assert_failure 1
	assert_line "FAILED: invoke_ns exited with status 125:"
	assert_line "  invoke_ns: clone: Operation not permitted"
	assert_line "demo.sh: 1 step(s) failed; the reasons are above"
}

@test "in a fresh handout, demo.sh runs step 1, says steps 2-7 are to do, and exits 0" {
	needs_namespaces
	make -s -C "$ROOT" handout DEST="$BATS_TEST_TMPDIR/handout" >/dev/null
	make -s -C "$BATS_TEST_TMPDIR/handout" step01-pid/invoke_ns
	TMPDIR=$BATS_TEST_TMPDIR run -0 timeout 60 "$BATS_TEST_TMPDIR/handout/scripts/demo.sh" 3>&-
	assert_equal "$(marked step01-pid)" "$(expected_new step01-pid)"
	assert_equal "$(grep -c '^to do: ' <<<"$output")" 6
	refute_line --partial FAILED
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
