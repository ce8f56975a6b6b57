#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154,SC2034,SC2030,SC2031
# (single-quoted scripts are for the shell in the container; bats sets stderr)
# Step 5, -i no|yes: a POSIX message queue from child to parent, and a new
# IPC namespace with yes.  Runs against step 5 and every later step.

load helpers

setup() {
	needs_namespaces
}

teardown() {
	print_hint
	stop_held
	[ -z "${IN:-}" ] || exec {IN}>&-
	IN=
}

# The lab's queues in our IPC namespace (invoke_ns-...), one a line.
lab_queues() {
	list_queues | grep '^invoke_ns-' || true
}

@test "-i yes: only the IPC namespace is new, seen from inside and outside" {
	HINT="does -i yes add CLONE_NEWIPC to clone_flags, and 'i:' to getopt's letters?"
	check_inside "ipc" -i yes
	check_outside "ipc" -i yes
}

@test "-i no: a queue, but no new namespace" {
	HINT="does -i no ask for a queue without CLONE_NEWIPC?"
	check_inside "" -i no
	check_outside "" -i no
}

@test "-p -m -u -n -i yes: five new namespaces, the rest shared" {
	HINT="does each flag add only its own CLONE_NEW* flag, whatever the order?"
	check_inside "pid mnt uts net ipc" -p -m -u lab-test -n -i yes
	check_outside "pid mnt uts net ipc" -p -m -u lab-test -n -i yes
}

@test "-i no: a piped line reaches the parent intact, then the command runs" {
	HINT="does the child prompt, send its line, close the sent pipe and wait for the second go byte, which the parent sends once it has printed?"
	run -0 timeout 20 "$BIN" -vp -i no sh -c 'echo command ran' <<<'hello, parent: 1 2 3'
	# In this order: the child waits until the parent has printed.
	assert_equal "$(printf '%s\n' "$output" | grep -A 3 -x ' Child: type a line for the parent:')" \
		"$(printf '%s\n' ' Child: type a line for the parent:' \
			'Parent: received message: hello, parent: 1 2 3' ' Child: executing sh' 'command ran')"
	assert_equal "$(lab_queues)" ""
}

@test "-i no: the rest of stdin is left to the command" {
	HINT="does the child read its line a byte at a time with read(2), not with stdio, which reads ahead?"
	run -0 timeout 20 "$BIN" -i no cat < <(printf 'for the parent\nfor the command\n')
	assert_line "Parent: received message: for the parent"
	assert_line "for the command"
	refute_line "for the parent"
}

@test "-i no: a line over 80 bytes is cut to 80, not overflowed" {
	HINT="does the child keep at most MESSAGE_MAX bytes of the line, and read the rest of it?"
	local long
	long=$(printf 'x%.0s' $(seq 200))
	run -0 timeout 20 "$BIN" -i no sh -c 'cat; echo command ran' <<<"$long"
	assert_line "Parent: received message: ${long:0:80}"
	# The rest of the line is the child's to drop, not the command's input.
	assert_equal "${lines[-1]}" "command ran"
}

@test "-i no: NUL bytes and terminal escapes reach the terminal as ?, not raw" {
	HINT="does the child keep a ? for each byte that is not printable ASCII?"
	run -0 timeout 20 "$BIN" -i no < <(printf 'a\0b\033[31mred\a\n')
	assert_line 'Parent: received message: a?b?[31mred?'
}

@test "-i no: neither the queue nor a pipe of invoke_ns leaks into the command" {
	HINT="are the queue and the pipes opened with O_CLOEXEC (mq_open, pipe2)?"
	local direct
	# The control: what the same command has when started directly.
	direct=$(sh -c 'ls /proc/self/fd' 3>&- </dev/null | sort -n)
	run -0 "$BIN" -p -i no sh -c 'ls /proc/self/fd' 3>&- </dev/null
	assert_equal "$(printf '%s\n' "$output" | grep -v -e '^Parent: ' -e '^ Child: ' | sort -n)" "$direct"
}

@test "-i no with stdin at its end: no message, and no queue left" {
	HINT="at end of input, does the child send nothing and close the sent pipe, and the parent say no message?"
	run -0 timeout 20 "$BIN" -i no true </dev/null
	assert_line "Parent: no message from the child"
	assert_equal "$(lab_queues)" ""
}

@test "-i yes: the child cannot open the queue (ENOENT), each side says so, at once" {
	HINT="does the child open the queue by name, say why it could not, and close the sent pipe, so the parent stops waiting at once?"
	# timeout is the hang detector: the parent must not wait its 60 seconds.
	run --separate-stderr -0 timeout 20 "$BIN" -vp -i yes sh -c 'echo command ran' <<<'lost'
	assert_regex "$stderr" '^invoke_ns: .*mq_open.*: No such file or directory$'
	assert_equal "$(printf '%s\n' "$output" | grep -A 2 -x 'Parent: no message from the child')" \
		"$(printf '%s\n' 'Parent: no message from the child' ' Child: executing sh' 'command ran')"
	assert_equal "$(lab_queues)" ""
}

@test "-i with neither no nor yes: 125 and one line naming -i, nothing created" {
	HINT="does -i refuse anything but no or yes, with one line naming -i and exit 125?"
	run -0 timeout 20 "$BIN" -i no true </dev/null	# the control: -i is known
	run --separate-stderr -125 "$BIN" -v -i maybe true
	assert_equal "$output" ""
	assert_one_line_naming -i "$stderr"
	assert_equal "$(lab_queues)" ""
}

@test "-i yes -i no: the last -i counts" {
	HINT="does a later -i no clear the CLONE_NEWIPC of an earlier -i yes?"
	run -0 timeout 20 "$BIN" -i yes -i no true <<<'hello'
	assert_line "Parent: received message: hello"
}

@test "a stdout that nobody reads does not keep the queue: its name goes before the print" {
	HINT="with -i yes, does the parent remove the queue's name right after the clone?"
	# No room: the parent's first line, "no message", blocks.
	start_stalled 0 "$BIN" -i yes true
	assert_equal "$(lab_queues)" ""
	kill -KILL "$INVOKE_PID"
	wait "$INVOKE_PID" || true
	INVOKE_PID=
	exec {STALLED}<&-
	assert_equal "$(lab_queues)" ""
}

@test "SIGKILL while the parent is stuck on its stdout, before the child goes, leaves no queue" {
	HINT="does the child open the queue and remove its name first, before prctl and before it waits for the go byte?"
	local flag
	for flag in no yes; do
		# Room for the parent's first two -v lines: it blocks on the third,
		# "PID of child", with the queue made and the child not yet let go.
		start_stalled 100 "$BIN" -v -i "$flag" true
		kill -KILL "$INVOKE_PID"
		wait "$INVOKE_PID" || true
		INVOKE_PID=
		exec {STALLED}<&-
		rm "$BATS_TEST_TMPDIR/stalled"
		# The child removes the name even so: wait for it, 20 s at most.
		SECONDS=0
		while [ -n "$(lab_queues)" ] && [ "$SECONDS" -lt 20 ]; do :; done
		assert_equal "$(lab_queues)" ""
	done
}

@test "-i with a stdin that stays open and silent: after 60 s, 125 and nothing left" {
	HINT="does the parent poll for 60 s at most, then exit 125 (the child dying with it)?"
	# A minute: checked where step 5 is the step under test, not again later.
	[ "$(step_number)" -eq 5 ] || skip "takes a minute: step 5's own run checks it"
	mkfifo "$BATS_TEST_TMPDIR/silent"
	# The test holds the FIFO open for writing, and never writes.
	exec {SILENT}<>"$BATS_TEST_TMPDIR/silent"
	run -125 timeout 90 "$BIN" -v -i no true <"$BATS_TEST_TMPDIR/silent" {SILENT}>&-
	exec {SILENT}>&-
	assert_line "invoke_ns: no message from the child in 60 s"
	refute_line --partial "executing"
	assert_equal "$(lab_queues)" ""
}

@test "a System V queue made outside is seen inside with -i no, not with -i yes" {
	HINT="does -i yes give the child an IPC namespace of its own, and -i no keep the host's?"
	command -v ipcmk >/dev/null || skip "needs ipcmk (util-linux)"
	local sysv_queue
	# "Outside" is an IPC namespace of the test's own, which takes the
	# queue with it when it ends: the script prints the queue's id first.
	local script='ipcmk -Q | awk "{ print \$NF }"; exec "$1" -i "$2" ipcs -q </dev/null'
	run -0 unshare --ipc sh -c "$script" _ "$BIN" no
	sysv_queue=${lines[0]}
	assert_regex "$sysv_queue" '^[0-9]+$'
	assert_line --regexp "^0x[0-9a-f]+ +$sysv_queue "
	run -0 unshare --ipc sh -c "$script" _ "$BIN" yes
	sysv_queue=${lines[0]}
	assert_regex "$sysv_queue" '^[0-9]+$'
	refute_line --regexp "^0x[0-9a-f]+ +$sysv_queue "
}

@test "the queue is removed when the child fails" {
	HINT="is the queue's name removed whatever happens to the child?"
	run -127 timeout 20 env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$BIN" -i no no-such-command <<<'hello'
	assert_equal "$(lab_queues)" ""
}

@test "a child killed before it removes the queue's name leaves no queue" {
	HINT="once it has waited, does the parent remove the queue's name too, should the child have died before it could?"
	die_in_child
	run -137 timeout 20 env LD_PRELOAD="$DIE_IN_CHILD" DIE_AT=mq_unlink "$BIN" -i no true </dev/null
	assert_equal "$(lab_queues)" ""
}

# Start invoke_ns -v -i no true (after LAUNCH) with a stdin that
# brings no line until the test writes one to descriptor IN, and return
# once the child prompts: the parent then waits for the message.
start_waiting() {
	start_fed " Child: type a line for the parent:" "${LAUNCH[@]}" "$BIN" -v -i no true
}

@test "the queue's name is gone once the child has it open: SIGKILL in the wait leaves none" {
	HINT="does the child remove the queue's name as soon as it has it open?"
	start_waiting
	assert_equal "$(lab_queues)" ""
	kill -KILL "$INVOKE_PID"
	finish_started
	assert_equal "$HELD_STATUS" 137
	assert_equal "$(lab_queues)" ""
}

@test "SIGTERM while the parent waits ends it, the child with it, and leaves no queue" {
	HINT="before the command runs, are the signals left to end invoke_ns, and does the child die with it (PR_SET_PDEATHSIG)?"
	start_waiting
	kill -TERM "$INVOKE_PID"
	finish_started
	# Before the command runs, a signal ends invoke_ns as any program.
	assert_equal "$HELD_STATUS" 143
	wait_gone "$CHILD"
	assert_equal "$(lab_queues)" ""
}

@test "a child stopped and continued while the parent waits does not end the wait" {
	HINT="does the parent wait for the sent pipe's end, not for SIGCHLD?"
	start_waiting
	kill -STOP "$CHILD"
	# A SIGCONT before the child has stopped would cancel the stop.
	timeout 20 sh -c 'until grep -q "^State:.*stopped" "/proc/$1/status"; do :; done' _ "$CHILD"
	kill -CONT "$CHILD"
	printf 'still here\n' >&"$IN"
	finish_started
	assert_equal "$HELD_STATUS" 0
	[[ $HELD_OUTPUT == *"Parent: received message: still here"* ]]
}

@test "the end of a child inherited through exec does not end the wait" {
	HINT="does the parent wait for the sent pipe of its own child, not for any child?"
	mkfifo "$BATS_TEST_TMPDIR/inherited" "$BATS_TEST_TMPDIR/inherited.gone"
	# The test holds the FIFO open too, so that the background child below,
	# which closes its own copy, sees its end with the test's, pass or fail.
	exec 9<>"$BATS_TEST_TMPDIR/inherited"
	# sh's background child becomes invoke_ns's child when sh execs it.  It
	# keeps neither invoke_ns's output nor the test's end of the FIFO open;
	# once told to end, it opens .gone, which ends for its reader when the
	# child has exited.
	LAUNCH=(sh -c '(exec >/dev/null 9>&-; read -r _ <"$0" && exec >"$0.gone") & exec "$@" 9>&-' \
		"$BATS_TEST_TMPDIR/inherited")
	start_waiting
	printf 'end\n' >"$BATS_TEST_TMPDIR/inherited"
	timeout 20 cat "$BATS_TEST_TMPDIR/inherited.gone"
	printf 'still here\n' >&"$IN"
	finish_started
	assert_equal "$HELD_STATUS" 0
	[[ $HELD_OUTPUT == *"Parent: received message: still here"* ]]
}

@test "two runs that are each PID 1 of a PID namespace of their own, root and a user, both get their line" {
	HINT="is the queue's name random and created with O_EXCL, so that two runs with one PID do not meet?"
	needs_unprivileged
	"${UNPRIVILEGED[@]}" unshare --user --pid --fork true 2>/dev/null ||
		skip "unprivileged users cannot create user namespaces here"
	reachable_bin
	LAUNCH=(unshare --pid --fork)
	start_waiting
	run -0 timeout 20 "${UNPRIVILEGED[@]}" unshare --user --pid --fork "$REACHABLE/invoke_ns" -i no <<<'second run'
	assert_line "Parent: received message: second run"
	printf 'first run\n' >&"$IN"
	finish_started
	assert_equal "$HELD_STATUS" 0
	[[ $HELD_OUTPUT == *"Parent: received message: first run"* ]]
}

# bats test_tags=handout:kept
@test "nothing is left behind by this suite" {
	HINT="does every path close the queue and remove its name, and end the child?"
	assert_nothing_left
}
