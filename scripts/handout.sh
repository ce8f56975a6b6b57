#!/usr/bin/env bash
# handout.sh DEST (make handout DEST=DIR): the students' copy of the lab in
# DEST, a new or empty directory.  Everything as it is but steps 2 to 7,
# where the code of steps 2..N is cut down to its "[step K]" comments, which
# become TODOs (steps.sh cut); each file still compiles and runs.  The
# skeletons go to DEST/.handout/ too, for make next's three-way merge, and
# README.md is one for the student.
set -euo pipefail
die() { printf 'handout.sh: %s\n' "$1" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# The handout's README.md, for the student: the lab's own speaks to its
# maintainers and instructors.
student_readme() {
	cat <<'EOF'
# invoke_ns: build a container from namespaces, one step at a time

In this lab you write, in C, seven small programs called `invoke_ns`. Each
runs a command in a child process that `clone(2)` puts into new Linux
namespaces; every step adds one flag, until step 7 runs a small container
without root:

| step | directory | flag | what it adds |
| --- | --- | --- | --- |
| 1 | `step01-pid/` | `-p` | a PID namespace: the command is PID 1 |
| 2 | `step02-mnt/` | `-m` | a mount namespace, `/` made private; with `-p`, a fresh `/proc` |
| 3 | `step03-uts/` | `-u NAME` | a UTS namespace with its own hostname |
| 4 | `step04-net/` | `-n` | a network namespace (only `lo`, down) |
| 5 | `step05-ipc/` | `-i no\|yes` | a POSIX message queue from child to parent; `yes` adds an IPC namespace |
| 6 | `step06-chroot/` | `-c DIR` | a chroot jail; with `-p -m`, a `/proc` inside it |
| 7 | `step07-user/` | `-U` | a user namespace whose root is you: every flag works without sudo |

[LAB.md](LAB.md) is your text: read it one step at a time.

## Start

On a Linux VM (Debian 12, Ubuntu 22.04 or 24.04), from this directory:

```sh
sudo scripts/quickstart.sh   # install what is missing, build, tour the steps
```

The tour (`make demo`) runs each step that is written and marks the others
"to do". Step 1 is complete: it is your worked example.

## What to do

Steps 2 to 7 hold `TODO (step N): ...` comments where that step's code
goes; each says what to write, the man pages to read and the `-v` lines to
print. For step N:

```sh
make next STEP=N          # your step N-1 into step N's file, keeping its TODOs
$EDITOR stepNN-*/invoke_ns.c
make check STEP=N         # build and test step N (with or without sudo)
```

`make next` refuses to replace a step you have begun (`FORCE=1` does, and
keeps your file as `invoke_ns.c.orig`). A failing test prints a `hint:`
line with its likely cause, and what the program wrote to stderr.
LAB.md's section "Working from the handout" says more.

## How you are checked

`make check` tests every step you have written; a step still as handed out
shows as "to do". You are done when it ends with no failure and no step to
do. Your instructor grades with the lab's own tests (`make grade`) on your
step files: a step passes when all of its tests pass.
EOF
}
case ${1-} in '' | -*) printf 'usage: make handout DEST=DIR (handout.sh DEST)\n' >&2; exit 2 ;; esac
[ -z "$(ls -A "$1" 2>/dev/null)" ] || die "$1 is not empty: choose a new directory"
mkdir -p "$1"
set -- "$(cd "$1" && pwd)"
"$ROOT/scripts/copylab.sh" "$ROOT" "$1"
student_readme >"$1/README.md"
mkdir -p "$1/.handout"
for file in "$1"/step0[1-7]-*/invoke_ns.c; do
	step=${file%/invoke_ns.c} step=${step##*/} n=${step#step0} n=${n%%-*}
	if [ "$step" != step01-pid ]; then
		"$ROOT/scripts/steps.sh" cut "$n" 2 "$file" | awk '
		/^ \* Marks:/ {
			print " * TODO:   a comment that starts \"TODO (step N)\" says what step N adds:"
			print " *         write it, starting from your own step N-1, then make check."
			print " *         For a flag (step N: -F), add F to the getopt letters and to -h."
			getline; next
		}
		{ print }' >"$file.new" || die "${file#"$1"/}: its [step N] marks are broken"
		mv "$file.new" "$file"
	fi
	cp "$file" "$1/.handout/$step.c"
done
! grep -q '\[step [0-9]' "$1"/step0*/invoke_ns.c || die "a marker was left in the handout: check the [step N] comments"
printf 'handout.sh: the handout is in %s: step 1 complete, TODOs in steps 2 to 7\n' "$1"
