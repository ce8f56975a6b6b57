#!/usr/bin/env bats
# shellcheck shell=bats
# LAB.md: every transcript in it is typed into two terminals (tmux) and the
# screens compared with it (cram), by scripts/labcheck.sh, in a throwaway
# host made of new namespaces.  Then what the text must hold, and the
# checker's control: that it fails on a wrong screen and touches nothing
# outside its host.

load helpers

CHECK="$ROOT/scripts/labcheck.sh"
LAB="$ROOT/LAB.md"

# lab FILE: run the checker on FILE; its output in $output.  It needs root
# (for its throwaway host), tmux, cram and sudo, and a real uid 65534, the
# student, who is not there in a user namespace.
lab() {
	needs_namespaces
	needs_unprivileged
	local tool
	for tool in tmux cram3 sudo; do
		command -v "$tool" >/dev/null || skip "needs $tool (make deps installs it)"
	done
	run timeout 900 "$CHECK" "$1" 3>&-
}

# The text of LAB.md from the heading that starts with $1 to the next
# heading of the same level.
section() {
	awk -v start="$1" '
		index($0, start) == 1 { on = 1; level = $1; print; next }
		on && $1 == level && /^#+ / { exit }
		on { print }' "$LAB"
}

@test "every transcript in LAB.md shows on a terminal what LAB.md shows" {
	lab "$LAB"
	assert_success
	assert_output --partial '# Ran 1 tests, 0 skipped, 0 failed.'
	refute_output --partial 'stopped:'
}

@test "LAB.md has a section per step, each with its diff, run, util-linux, nsenter, lsns, picture and questions" {
	local n text part
	for n in 1 2 3 4 5 6 7; do
		text=$(section "## Step $n:")
		[ -n "$text" ] || fail "no '## Step $n:' section"
		for part in "### What it adds" "### Run it" "### The same with util-linux" \
			"### The picture" "### Questions" "unshare" "nsenter" "lsns" "**Q$n.1**"; do
			[[ $text == *"$part"* ]] || fail "step $n has no '$part'"
		done
		if [ "$n" -gt 1 ]; then
			[[ $text == *"make diff STEP=$n"* ]] || fail "step $n does not show make diff STEP=$n"
		fi
	done
}

@test "every question in LAB.md has an answer for instructors" {
	local q answers questions
	answers=$(section "## Appendix C")
	mapfile -t questions < <(grep -o '^- \*\*Q[0-9]\.[0-9]\*\*' "$LAB" | grep -o 'Q[0-9.]*' | sort -u)
	[ "${#questions[@]}" -ge 7 ] || fail "LAB.md has ${#questions[@]} questions, fewer than one per step"
	for q in "${questions[@]}"; do
		[ "$(grep -c -- "^- \*\*$q\*\*" "$LAB")" -eq 2 ] ||
			fail "$q should appear twice: once as a question, once as an answer"
		[[ $answers == *"**$q**"* ]] || fail "$q has no answer in appendix C"
	done
}

@test "every error message the programs print has an entry in LAB.md's troubleshooting" {
	local trouble msg missing=""
	trouble=$(section "## Appendix B")
	# The fixed start of each format: warn("chroot %s") gives "chroot".
	while IFS= read -r msg; do
		[[ $trouble == *"$msg"* ]] || missing+="  $msg"$'\n'
	done < <(sed -n 's/.*\<\(warnx\?\|err\|bad_usage\)([^"]*"\([^"%]*\).*/\2/p' \
		"$ROOT"/step0[1-7]-*/invoke_ns.c | sed 's/[: ]*$//' | sort -u)
	[ -z "$missing" ] || fail "$(printf 'no entry in appendix B for:\n%s' "$missing")"
}

@test "the checker fails on a wrong screen, and changes nothing outside its host" {
	local host links addrs mounts
	host=$(hostname)
	links=$(ip -o link show | awk -F': ' '{ print $2 }')
	addrs=$(ip -o addr show)
	mounts=$(mount_table)
	cat >"$BATS_TEST_TMPDIR/doc.md" <<'EOF'
```console
$ hostname
labvm
$ sudo hostname changed-by-labcheck
$ sudo ip link add name labcheck0 type veth peer name labcheck1
$ sudo ip addr add 10.0.0.1/24 dev labcheck0
$ sudo mount -t tmpfs labcheck /mnt
$ ipcmk -Q
Message queue id: * (glob)
$ touch made-by-labcheck
$ echo hello
goodbye
```
EOF
	lab "$BATS_TEST_TMPDIR/doc.md"
	assert_failure 1
	assert_output --partial '-  1: goodbye'
	assert_output --partial '+  1: hello'
	assert_equal "$(hostname)" "$host"
	assert_equal "$(ip -o link show | awk -F': ' '{ print $2 }')" "$links"
	assert_equal "$(ip -o addr show)" "$addrs"
	assert_equal "$(mount_table)" "$mounts"
	refute [ -e "$ROOT/made-by-labcheck" ]
	run ipcs -q
	refute_output --partial nobody
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
