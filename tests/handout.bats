#!/usr/bin/env bats
# shellcheck shell=bats
# shellcheck disable=SC2016,SC2154
# (single-quoted scripts are for the shell in the container; bats sets stderr)
# make handout: the students' copy, and how make check grades it.  Step N
# of the handout must fail exactly the tests of its suite that need its
# code (those not tagged handout:kept); a step written in the student's own
# words passes; make next never loses a begun step; a failing test hints
# at its own cause.  That the handout's own make check
# passes its step 1, and a step whose code is back, grade.bats shows: make
# grade runs it on a fresh handout and on one with step 3's code back.

load helpers

setup_file() {
	leak_check_start "$BATS_FILE_TMPDIR"
	HANDOUT=$BATS_FILE_TMPDIR/handout
	make -s -C "$ROOT" handout DEST="$HANDOUT" >/dev/null
	make -s -C "$HANDOUT" >"$BATS_FILE_TMPDIR/build.log" 2>&1 || true
	export HANDOUT
}

# The code lines of a step file, trimmed, one each, sorted: no comments,
# none too short to tell apart (braces, "break;").
code_lines() {
	sed 's/^[ \t]*//; s/[ \t]*$//' | awk 'length >= 12 && !/^(\/\*|\*)/' | sort -u
}

# The lines of code that steps 2 to 7 add: what a handout must not show.
removed_lines() {
	local ref=$ROOT/step07-user/invoke_ns.c
	comm -23 <(code_lines <"$ref") <("$ROOT/scripts/steps.sh" cut 7 2 "$ref" | code_lines)
}

# Run step N's suite against the handout's step N.  Prints "ok TAG NAME"
# or "not ok TAG NAME" per test that ran, where TAG is handout:kept for a
# test tagged so in the suite, else !handout:kept, "skipped REASON" per
# test that did not, and "missing NAME" for a tagged test the run did not
# name.  A later step of
# the handout holds the same TODO for step N (make sync-check proves it of
# the reference), so this one run per step covers them.
handout_results() {
	local suite
	suite=$(echo "$HANDOUT"/tests/step0"$1"-*.bats)
	STEP=$1 timeout 600 bats --formatter tap "$suite" </dev/null | awk -v suite="$suite" '
		BEGIN {
			# A tag holds for the next @test, as bats reads it.
			while ((getline line <suite) > 0) {
				if (line ~ /^[ \t]*# bats test_tags=/)
					tagged = line ~ /[=,][ \t]*handout:kept[ \t]*(,|$)/
				else if (sub(/^[ \t]*@test[ \t]+"/, "", line)) {
					sub(/"[ \t]*{.*$/, "", line)
					if (tagged) kept[line]
					tagged = 0
				}
			}
		}
		/^(not )?ok / {
			name = $0
			sub(/^(not )?ok [0-9]+ /, "", name)
			sub(/ # skip.*$/, "", name)
			ran[name]
			if ($0 ~ / # skip/) {
				sub(/^.* # skip */, "")
				print "skipped", $0
			} else
				print ($1 == "ok" ? "ok" : "not ok"), (name in kept ? "" : "!") "handout:kept", name
		}
		END { for (name in kept) if (!(name in ran)) print "missing", name }'
}

@test "the handout builds without a warning" {
	assert_equal "$(cat "$BATS_FILE_TMPDIR/build.log")" ""
	local step
	for step in "$HANDOUT"/step0[1-7]-*; do
		[ -x "$step/invoke_ns" ]
	done
}

@test "step 1 of the handout is the reference; steps 2-7 hold TODOs and no marker" {
	cmp "$ROOT/step01-pid/invoke_ns.c" "$HANDOUT/step01-pid/invoke_ns.c"
	local n k
	for n in 2 3 4 5 6 7; do
		for k in $(seq 2 "$n"); do
			grep -q "TODO (step ${k}[:)]" "$HANDOUT"/step0"$n"-*/invoke_ns.c ||
				fail "step $n of the handout has no TODO for step $k"
		done
	done
	run ! grep -l '\[step [0-9]' "$HANDOUT"/step0*/invoke_ns.c
}

@test "no file of the handout holds a line of the removed code" {
	removed_lines >"$BATS_TEST_TMPDIR/removed"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/removed")" -gt 50 ]
	# awk reads the removed lines first, then every file, trimmed.
	run -0 find "$HANDOUT" -type f ! -name invoke_ns ! -path '*/tests/reports/*' -exec awk '
		NR == FNR { removed[$0]; next }
		{ line = $0; gsub(/^[ \t]+|[ \t]+$/, "", line) }
		line in removed { print FILENAME ": " line }' "$BATS_TEST_TMPDIR/removed" {} +
	assert_output ""
}

@test "in the handout, a flag whose code is a TODO is an unknown option (125)" {
	run --separate-stderr -125 "$HANDOUT/step03-uts/invoke_ns" -m true
	assert_equal "$stderr" "invoke_ns: -m: unknown option (-h for help)"
	run --separate-stderr -125 "$HANDOUT/step07-user/invoke_ns" -U true
	assert_equal "$stderr" "invoke_ns: -U: unknown option (-h for help)"
}

# Make HANDOUT a copy of the handout of the test's own.
own_handout() {
	cp -a "$HANDOUT" "$BATS_TEST_TMPDIR/handout"
	HANDOUT=$BATS_TEST_TMPDIR/handout
}

# The same, with step 2 done (student_step2).
solve_step2() {
	own_handout
	student_step2 "$HANDOUT"
}

@test "make next STEP=3 carries the student's step 2 into step 3, keeping its TODOs and a backup" {
	solve_step2
	cp "$HANDOUT/step03-uts/invoke_ns.c" "$BATS_TEST_TMPDIR/step3-before"
	run -0 make -s -C "$HANDOUT" next STEP=3
	cmp "$HANDOUT/step03-uts/invoke_ns.c.orig" "$BATS_TEST_TMPDIR/step3-before"
	run -0 grep -c 'TODO (step 3' "$HANDOUT/step03-uts/invoke_ns.c"
	run -0 grep -c '/\* mine: ' "$HANDOUT/step03-uts/invoke_ns.c"
	assert_equal "$output" "$(grep -c '/\* mine: ' "$HANDOUT/step02-mnt/invoke_ns.c")"
	run -0 make -s -C "$HANDOUT"
	run -0 "$HANDOUT/step03-uts/invoke_ns" -m true
}

@test "make next keeps a step the student has begun, unless FORCE=1, and says where the old file went" {
	solve_step2
	run -0 make -s -C "$HANDOUT" next STEP=3
	printf '/* begun */\n' >>"$HANDOUT/step03-uts/invoke_ns.c"
	cp "$HANDOUT/step03-uts/invoke_ns.c" "$BATS_TEST_TMPDIR/begun"
	run --separate-stderr -2 "$HANDOUT/scripts/next.sh" 3
	assert_regex "$stderr" '^next.sh: step03-uts/invoke_ns.c is begun.*FORCE=1'
	cmp "$HANDOUT/step03-uts/invoke_ns.c" "$BATS_TEST_TMPDIR/begun"
	run -0 make -s -C "$HANDOUT" next STEP=3 FORCE=1
	assert_line "next.sh: the step 3 file it replaces is now step03-uts/invoke_ns.c.orig"
	cmp "$HANDOUT/step03-uts/invoke_ns.c.orig" "$BATS_TEST_TMPDIR/begun"
	# The first run's backup, the skeleton, is still there too.
	cmp "$HANDOUT/step03-uts/invoke_ns.c.orig.~1~" "$HANDOUT/.handout/step03-uts.c"
}

@test "make next refuses to carry a step still as handed out, and changes nothing" {
	run --separate-stderr -2 "$HANDOUT/scripts/next.sh" 3
	assert_equal "$stderr" "next.sh: step02-mnt/invoke_ns.c is still as handed out: write step 2's TODOs first"
	cmp "$HANDOUT/step03-uts/invoke_ns.c" "$HANDOUT/.handout/step03-uts.c"
	[ ! -e "$HANDOUT/step03-uts/invoke_ns.c.orig" ]
}

@test "make steps refuses to write over the student's steps in a handout" {
	run --separate-stderr -2 make -s -C "$HANDOUT" steps
	assert_regex "$stderr" '^steps.sh: a handout: '
	cmp "$HANDOUT/.handout/step02-mnt.c" "$HANDOUT/step02-mnt/invoke_ns.c"
}

@test "make next reports a conflict with the file and line to settle" {
	solve_step2
	# The student rewrote the header line that step 3's skeleton changes too.
	sed -i '2s/.*/ * my own step 2/' "$HANDOUT/step02-mnt/invoke_ns.c"
	run --separate-stderr -2 "$HANDOUT/scripts/next.sh" 3
	assert_regex "$(printf '%s\n' "$stderr" | head -n 1)" '^step03-uts/invoke_ns.c:[0-9]+: conflict: '
	grep -q '^<<<<<<< step 3 skeleton' "$HANDOUT/step03-uts/invoke_ns.c"
	[ -f "$HANDOUT/step03-uts/invoke_ns.c.orig" ]
}

@test "each step N of the handout fails exactly the tests that need step N's code" {
	needs_namespaces
	local n reason unchecked=""
	for n in 2 3 4 5 6 7; do
		run -0 handout_results "$n"
		# A suite whose every test skips here (step 7's, as root of a user
		# namespace, has no unprivileged user to run as) tells nothing.
		if ! grep -q '^not ok ' <<<"$output" && ! grep -q '^ok ' <<<"$output"; then
			reason=${output%%$'\n'*}
			unchecked+=" step $n (${reason#skipped })"
			continue
		fi
		refute_line --regexp '^ok !handout:kept '
		refute_line --regexp '^not ok handout:kept '
		refute_line --regexp '^missing '
		assert_line --regexp '^not ok !handout:kept '
	done
	[ -z "$unchecked" ] || skip "every test skipped here for$unchecked"
}

@test "make check STEP=N of a step still as handed out says it is to do, and runs no test" {
	run -1 "$HANDOUT/scripts/check.sh" 3
	assert_line "step03-uts: to do (as handed out: make next STEP=3, then its TODOs)"
	assert_line "total: 0 passed, 0 failed, 0 skipped; 1 step(s) to do"
	refute_line --partial "not ok"
}

# A test in a student's copy: the lab's own suite, run as make check runs it.
student_suite() {
	STEP=$1 timeout 600 bats --formatter tap "$HANDOUT/tests/$2.bats" </dev/null
}

@test "a step worded the student's own way passes: the tests ask what the TODO says" {
	needs_namespaces
	solve_step2
	run -0 make -s -C "$HANDOUT" next STEP=3
	# Step 3 from its TODOs, with its -u error in other words.
	sed '1,/^ \*\/$/d; s|[[:space:]]*/\* \[step [23]\] \*/||; s|/\* \[step [23][^]]*\] |/* mine: |
		s|"-u: a hostname has 1 to %d bytes"|"-u: hostname must be 1 to %d bytes"|' \
		"$ROOT/step03-uts/invoke_ns.c" >"$BATS_TEST_TMPDIR/body"
	{ sed -n '1,/^ \*\/$/p' "$HANDOUT/step03-uts/invoke_ns.c"; cat "$BATS_TEST_TMPDIR/body"; } >"$BATS_TEST_TMPDIR/step3"
	cp "$BATS_TEST_TMPDIR/step3" "$HANDOUT/step03-uts/invoke_ns.c"
	grep -q 'hostname must be' "$HANDOUT/step03-uts/invoke_ns.c"
	run -0 make -s -C "$HANDOUT"
	run -0 student_suite 3 step03-uts
	refute_line --regexp '^not ok '
}

@test "a failing test prints its own hint and the program's stderr; an empty output fails, not crashes" {
	needs_namespaces
	# Step 2 as handed out: -m is not parsed yet.
	run -1 student_suite 2 step02-mnt
	assert_line --regexp '^not ok [0-9]+ -p -m: the -v lines say proc is mounted'
	assert_line "# hint: does mount_proc say ' Child: mounting proc at /proc' (with -v) when it mounts?"
	assert_line "# hint: is proc mounted only when both -m and -p are set?"
	assert_line "# invoke_ns: -m: unknown option (-h for help)"
	# One hint per failed test, not the suite's for all of them.
	assert_equal "$(grep -c '^# hint: ' <<<"$output")" "$(grep -c '^not ok ' <<<"$output")"
	# A usage that goes to stderr leaves stdout empty: the test says so.
	own_handout
	sed -i 's|printf("usage: |fprintf(stderr, "usage: |' "$HANDOUT/step01-pid/invoke_ns.c"
	run -0 make -s -C "$HANDOUT" step01-pid/invoke_ns
	run -1 student_suite 1 usage
	assert_line --regexp '^not ok [0-9]+ -h prints usage on stdout and exits 0'
	assert_line --partial 'output is empty'
	refute_line --partial 'parameter not set'
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
