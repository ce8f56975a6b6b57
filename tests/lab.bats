#!/usr/bin/env bats
# shellcheck shell=bats
# LAB.md: every transcript in it is run and its output compared, by
# scripts/labcheck.sh, in a throwaway host made of new namespaces.  Then the
# checker itself: that it fails when it should, and touches nothing outside.

load helpers

CHECK="$ROOT/scripts/labcheck.sh"
LAB="$ROOT/LAB.md"

# lab FILE: run the checker on FILE; its output in $output.  It needs root,
# to make its throwaway host, and uid 65534, to run commands as nobody (so
# not root of a user namespace, where 65534 is not mapped).
lab() {
	needs_namespaces
	needs_unprivileged
	run timeout 600 "$CHECK" "$1" 3>&-
}

# write_doc: a LAB-like file from stdin, in the test's directory.
write_doc() {
	cat >"$BATS_TEST_TMPDIR/doc.md"
}

# The text of LAB.md from the heading that starts with $1 to the next
# heading of the same level.
section() {
	awk -v start="$1" '
		index($0, start) == 1 { on = 1; level = $1; print; next }
		on && $1 == level && /^#+ / { exit }
		on { print }' "$LAB"
}

@test "every transcript in LAB.md prints what LAB.md shows" {
	lab "$LAB"
	assert_success
	assert_output --regexp '[0-9]+ commands in [0-9]+ transcripts, 0 failed'
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

@test "the checker fails on a wrong output, showing expected and actual" {
	write_doc <<'EOF'
```console
$ echo hello
goodbye
```
EOF
	lab "$BATS_TEST_TMPDIR/doc.md"
	assert_failure
	assert_output --partial 'doc.md:2: $ echo hello'
	assert_output --partial '| goodbye'
	assert_output --partial '| hello'
	assert_output --partial '1 commands in 1 transcripts, 1 failed'
}

@test "the checker fails on an exit status other than the one shown" {
	write_doc <<'EOF'
```console
$ false
$ true
[1]
```
EOF
	lab "$BATS_TEST_TMPDIR/doc.md"
	assert_failure
	assert_output --partial 'exit status 1, expected 0'
	assert_output --partial 'exit status 0, expected 1'
	assert_output --partial '2 failed'
}

@test "the checker matches globs, regular expressions, '...' and exit statuses" {
	write_doc <<'EOF'
```console
$ printf 'one\ntwo [2]\nthree\nfour\n'
one
two [*] (glob)
...
f[aeiou]+r (re)
$ sh -c 'echo out; exit 3'
out
[3]
$ echo 'the output of a command shown without any is not compared'
```
EOF
	lab "$BATS_TEST_TMPDIR/doc.md"
	assert_success
	assert_output --partial '3 commands in 1 transcripts, 0 failed'
}

@test "the checker types the # lines, and runs terminal 2 while terminal 1 waits" {
	write_doc <<'EOF'
```console
$ sh -c 'echo "Parent: PID of child is $$"; read -r a; echo "got $a"; read -r b; echo "got $b"'
Parent: PID of child is * (glob)
```

```console terminal 2
$ PID=4243
$ cat /proc/$PID/comm
sh
```

```console
# first
got first
```

```console terminal 2
$ echo "$PID"
[0-9]+ (re)
```

```console
# second
got second
```
EOF
	lab "$BATS_TEST_TMPDIR/doc.md"
	assert_success
	assert_output --partial '4 commands in 5 transcripts, 0 failed'
}

@test "the checker runs commands without sudo as nobody, and with sudo as root" {
	write_doc <<'EOF'
```console
$ id -u
65534
$ sudo id -u
0
$ echo piped | sudo cat
piped
```
EOF
	lab "$BATS_TEST_TMPDIR/doc.md"
	assert_success
}

@test "the checker changes nothing outside its throwaway host" {
	local host links addrs mounts
	host=$(hostname)
	links=$(ip -o link show | awk -F': ' '{ print $2 }')
	addrs=$(ip -o addr show)
	mounts=$(mount_table)
	write_doc <<'EOF'
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
```
EOF
	lab "$BATS_TEST_TMPDIR/doc.md"
	assert_success
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
