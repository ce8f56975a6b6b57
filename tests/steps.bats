#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2154
# (bats sets output and stderr)
# make sync-check: step 7's file is the one source of the code of every
# step; steps 1-6 are it cut down, line for line (scripts/steps.sh).

load helpers

# A copy of the step files and of steps.sh in COPY, to break on purpose.
setup() {
	COPY=$BATS_TEST_TMPDIR/lab
	mkdir -p "$COPY/scripts"
	cp "$ROOT/scripts/steps.sh" "$COPY/scripts/"
	cp -r "$ROOT"/step0[1-7]-* "$COPY/"
	rm -f "$COPY"/step0*/invoke_ns
}

@test "the steps in the tree are step 7 cut down (make sync-check)" {
	run -0 "$ROOT/scripts/steps.sh" check
}

@test "one shared line changed in one step fails, naming the file and line" {
	local line
	line=$(grep -n 'prctl(PR_SET_PDEATHSIG, SIGKILL);' "$COPY/step03-uts/invoke_ns.c" | cut -d: -f1)
	sed -i "${line}s/SIGKILL/SIGTERM/" "$COPY/step03-uts/invoke_ns.c"
	run --separate-stderr -1 "$COPY/scripts/steps.sh" check
	assert_equal "$(printf '%s\n' "$stderr" | head -n 1)" \
		"step03-uts/invoke_ns.c:$line: differs from step 7 cut down to step 3 (make steps writes it)"
}

@test "a line of step 5 in step 4 fails too" {
	sed -i 's|^#include <sched.h>|#include <mqueue.h>\n&|' "$COPY/step04-net/invoke_ns.c"
	run --separate-stderr -1 "$COPY/scripts/steps.sh" check
	assert_regex "$(printf '%s\n' "$stderr" | head -n 1)" '^step04-net/invoke_ns.c:[0-9]+: differs'
}

@test "make steps writes steps 1-6 back from step 7, each keeping its own header" {
	sed -i 's/PR_SET_PDEATHSIG, SIGKILL/PR_SET_PDEATHSIG, SIGTERM/' "$COPY/step07-user/invoke_ns.c"
	"$COPY/scripts/steps.sh" write
	run -0 "$COPY/scripts/steps.sh" check
	run -0 grep -c 'PR_SET_PDEATHSIG, SIGTERM' "$COPY"/step0*/invoke_ns.c
	assert_equal "$(grep -c ':1$' <<<"$output")" 7
	head -n 2 "$COPY/step04-net/invoke_ns.c" | grep -q 'step 4: a new network namespace'
}

@test "a region that starts inside another is refused" {
	sed -i 's|^\t/\* \[step 3\] with -u, set the hostname \*/|\t/* [step 5] nested */\n&|' \
		"$COPY/step07-user/invoke_ns.c"
	run --separate-stderr -2 "$COPY/scripts/steps.sh" check
	assert_regex "$stderr" 'step07-user/invoke_ns.c:[0-9]+: a region inside another'
}

@test "each step's file is at most its length: 220 lines for step 1, 560 for step 7" {
	[ "$(wc -l <"$ROOT/step01-pid/invoke_ns.c")" -le 220 ]
	[ "$(wc -l <"$ROOT/step07-user/invoke_ns.c")" -le 560 ]
}

@test "step 5, the lightest lesson, adds at most 100 lines to step 4" {
	run -1 diff "$ROOT/step04-net/invoke_ns.c" "$ROOT/step05-ipc/invoke_ns.c"
	[ "$(grep -c '^>' <<<"$output")" -le 100 ]
}
