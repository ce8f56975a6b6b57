#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154,SC2034
# (single-quoted scripts are for the shell in the container; bats sets stderr)
# Step 2, -m: a new mount namespace, / made private, a fresh /proc with -p.
# Runs against step 2 and every later step.

load helpers

setup() {
	needs_namespaces
}

@test "-m: only the mount namespace is new, seen from inside and outside" {
	HINT="does -m add CLONE_NEWNS to clone_flags, and 'm' to getopt's letters?"
	check_inside "mnt" -m
	check_outside "mnt" -m
}

@test "-p -m: the PID and mount namespaces are new, the rest shared" {
	HINT="do -p and -m each add their own CLONE_NEW* flag, whatever the order?"
	check_inside "pid mnt" -p -m
	check_outside "pid mnt" -p -m
}

@test "-p -m: ps lists only the container's processes" {
	HINT="with -m and -p, does the child mount a new proc on /proc before exec?"
	# ps is the shell's only child and is running when it reads /proc, so
	# the list is exact; "; true" keeps sh from exec'ing ps in its place.
	run -0 "$BIN" -pm sh -c 'ps -eo pid=,comm=; true'
	assert_equal "$(printf '%s\n' "$output" | awk '{ print $2 }' | sort | tr '\n' ' ')" "ps sh "
	assert_line --regexp '^ +1 sh$'
}

@test "-p -m: /proc/\$\$ is the container's own PID 1 (the step 1 puzzle solved)" {
	HINT="with -m and -p, does the child mount a new proc on /proc before exec?"
	run -0 "$BIN" -pm sh -c 'cat /proc/$$/comm'
	assert_output "sh"
}

@test "-p -m: an orphan stays a zombie under a PID 1 that does not reap, not under one that does" {
	HINT="with -m and -p, does the child mount a new proc on /proc before exec? (ps reads it)"
	# The commands of LAB.md, step 2, "PID 1's other duty": a child and a
	# grandchild exit; PID 1 waits for its child, then until ps shows the
	# zombie (the grandchild's end of the pipe closes before it is one).
	local make_orphan='($c = fork) or fork, exit; '
	local ps='exec "ps", "-o", "pid,ppid,stat,comm"'
	run -0 timeout 20 "$BIN" -pm perl -e "$make_orphan"'waitpid $c, 0; 1 until `ps -o stat=` =~ /Z/; '"$ps"
	assert_line --regexp '^ +[0-9]+ +1 Z[^ ]* +perl$'
	run -0 "$BIN" -pm perl -e "$make_orphan"'1 while wait != -1; '"$ps"
	refute_line --regexp ' Z '
	assert_equal "${#lines[@]}" 2
}

@test "-p -m: the -v lines say proc is mounted" {
	HINT="does mount_proc say ' Child: mounting proc at /proc' (with -v) when it mounts?"
	run -0 "$BIN" -vpm true
	assert_line " Child: mounting proc at /proc"
}

@test "-m alone mounts no proc" {
	HINT="is proc mounted only when both -m and -p are set?"
	run -0 "$BIN" -vm sh -c 'cat /proc/$$/comm'
	refute_line " Child: mounting proc at /proc"
	assert_line "sh"
}

@test "the host's mount table is the same before and after a run" {
	HINT="is / made private (MS_REC | MS_PRIVATE) in the child before anything is mounted?"
	local before
	before=$(mount_table)
	run -0 "$BIN" -pm sh -c 'mount -t tmpfs lab-tmp /mnt && ls /proc >/dev/null'
	assert_equal "$(mount_table)" "$before"
}

@test "a mount in the container does not reach a host whose / is shared" {
	HINT="with -m, is / made private with MS_REC | MS_PRIVATE first, before proc or anything else is mounted?"
	local dir=$BATS_TEST_TMPDIR
	mkdir "$dir/target"
	# A stand-in host: a mount namespace of the test's own, with / made
	# shared as systemd does.  First the control: an inner namespace that
	# leaves propagation alone does leak its mounts out to it.
	run -0 unshare --mount sh -c '
		table() { awk "{ print \$5, \$9, \$10 }" /proc/self/mountinfo | sort; }
		mount --make-rshared /
		table >"$1/before"
		unshare --mount --propagation unchanged mount -t tmpfs lab-control "$1/target"
		table >"$1/control"
		umount "$1/target"
		"$2" -pm sh -c "mount -t tmpfs lab-tmp \"\$1\" && echo mounted" _ "$1/target"
		table >"$1/after"' _ "$dir" "$BIN"
	# invoke_ns did mount, inside: only the host saw nothing of it.
	assert_output "mounted"
	assert_equal "$(comm -13 "$dir/before" "$dir/control")" "$dir/target tmpfs lab-control"
	assert_equal "$(cat "$dir/after")" "$(cat "$dir/before")"
}

# bats test_tags=handout:kept
@test "nothing is left behind by this suite" {
	HINT="does every run end its child and undo what it set up? The lines above are what outlived the suite"
	assert_nothing_left
}
