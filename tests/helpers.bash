# shellcheck shell=bash
# Helpers shared by every suite in tests/.
#
# shellcheck disable=SC2016,SC2034,SC2154
# (SC2016: the single-quoted scripts are for the shell in the container;
# SC2034: the variables set here are read by the suites; SC2154: bats' run
# sets output, lines and stderr.)
#
# A suite runs against one step's program, named by STEP (step01-pid ...
# step07-user, or just 1 ... 7; `make check` sets it).  INVOKE_NS_BUILD may
# name another tree of built steps (the UBSan build of `make lint`); by
# default the binaries next to the sources are used.
#
# bats reads this file again for every test, in a new process: what it
# does at the top costs that much, so it starts no process of its own.

bats_require_minimum_version 1.5.0
# bats-support and bats-assert: their files, sourced as their load.bash
# does, without the fifteen dirname processes it starts for every test.
for lib in bats-support bats-assert; do
	for dir in ${BATS_LIB_PATH//:/ }; do
		[ -f "$dir/$lib/load.bash" ] || continue
		for file in "$dir/$lib"/src/*.bash; do
			# shellcheck disable=SC1090
			source "$file"
		done
		continue 2
	done
	bats_load_library "$lib"
done
# No suite may find these set: a teardown's rm -rf "$dir" once took the
# last library directory with it.
unset lib dir file

# bats-assert's assert_line and refute_line start with `: "${lines?}"`,
# which bash reads as ${lines[0]}: after a command that printed nothing,
# lines is empty and the test dies with "lines: parameter not set" instead
# of saying what it expected.  Here an empty output just has no line.
# (One subshell, for declare -f.)
src=$(declare -f assert_line refute_line)
eval "${src//line ()/line_of_bats_assert ()}"
unset src
assert_line() {
	if ((${#lines[@]} > 0)); then
		assert_line_of_bats_assert "$@"
	else
		printf 'expected: %s\nactual  : no output at all\n' "${*: -1}" |
			batslib_decorate 'output is empty' | fail
	fi
}
refute_line() {
	((${#lines[@]} == 0)) || refute_line_of_bats_assert "$@"
}

ROOT=${BATS_TEST_DIRNAME%/*}
STEP=${STEP:-step07-user}
# STEP=3 is short for STEP=step03-uts.
if [[ $STEP =~ ^[1-7]$ ]]; then
	for dir in "$ROOT"/step0"$STEP"-*; do
		STEP=${dir##*/}
	done
fi
BIN="${INVOKE_NS_BUILD:-$ROOT}/$STEP/invoke_ns"
# Every namespace type a process has; /proc/PID/ns also lists the
# *_for_children links, which only differ after unshare(2), not clone(2).
NS_TYPES="cgroup ipc mnt net pid time user uts"
# A test may set LAUNCH to a command that starts invoke_ns for it (ip netns
# exec NS, setpriv to another user); check_inside and start_held use it.
LAUNCH=()
UNPRIVILEGED=()
# Commands held by a test carry this word in their command line, so that
# the leak checks can find any that outlived their test.
HELD=invoke-ns-held

# The step number of STEP: 1 for step01-pid.
step_number() {
	local n=${STEP#step}
	printf '%d\n' "$((10#${n%%-*}))"
}

# Skip the test unless STEP is step N or later.
needs_step() {
	[ "$(step_number)" -ge "$1" ] || skip "$STEP has no $2"
}

needs_root() {
	[ "$EUID" -eq 0 ] || skip "needs root"
}

# once NAME CMD...: whether CMD... succeeds, asked once per suite: the
# answer is kept as a file BATS_FILE_TMPDIR/NAME.yes or NAME.no.
once() {
	local answer=$BATS_FILE_TMPDIR/$1
	shift
	[ -e "$answer.yes" ] || [ -e "$answer.no" ] ||
		if "$@" >/dev/null 2>&1; then : >"$answer.yes"; else : >"$answer.no"; fi
	[ -e "$answer.yes" ]
}

# A truly unprivileged caller for the tests that need one.  Run as root,
# the tests become uid 65534 through setpriv; run as a user, they are one
# already.  UNPRIVILEGED is the command prefix, UNPRIV_UID and UNPRIV_GID
# the ids it runs with; what it runs must be where that user can reach it
# (reachable_bin).  Skips where there is no such caller: without
# setpriv, or as root of a user namespace where uid 65534 is not mapped.
needs_unprivileged() {
	if [ "$EUID" -ne 0 ]; then
		UNPRIVILEGED=()
		UNPRIV_UID=$EUID
		UNPRIV_GID=$(id -g)
		return 0
	fi
	UNPRIVILEGED=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	UNPRIV_UID=65534
	UNPRIV_GID=65534
	once setpriv "${UNPRIVILEGED[@]}" true ||
		skip "needs setpriv and a uid 65534 to run as an unprivileged user"
}

# reachable_bin: REACHABLE, a directory of the test's own that every user
# may search, and in it a copy of BIN, REACHABLE/invoke_ns.  A checkout in
# a home of mode 0700 or 0750 (Ubuntu's) keeps other users out, and root of
# a user namespace too: what runs as them runs from this copy, never from
# the checkout (setpriv, still root when it execs, would reach the
# checkout's binary, but not the commands that binary runs).  The
# directories bats made above it are made searchable; skips, saying why,
# where bats' own temporary directory is out of UNPRIVILEGED's reach.
reachable_bin() {
	local dir=$BATS_TEST_TMPDIR
	local -a up=()
	while [[ $dir == "$BATS_RUN_TMPDIR"* ]]; do
		up+=("$dir")
		dir=${dir%/*}
	done
	REACHABLE=$BATS_TEST_TMPDIR/reachable
	mkdir -p "$REACHABLE"
	chmod o+x "${up[@]}"
	chmod 755 "$REACHABLE"
	cp "$BIN" "$REACHABLE/invoke_ns"
	[ "${#UNPRIVILEGED[@]}" -eq 0 ] || "${UNPRIVILEGED[@]}" test -x "$REACHABLE/invoke_ns" ||
		skip "uid $UNPRIV_UID cannot reach the temporary directory $BATS_RUN_TMPDIR"
}

# die_in_child: DIE_IN_CHILD, tests/die_in_child.c built for LD_PRELOAD:
# with DIE_AT=prctl or mq_unlink, invoke_ns's child is killed at that call,
# before invoke_ns releases it.  Skips where no C compiler is at hand.
die_in_child() {
	DIE_IN_CHILD=$BATS_TEST_TMPDIR/die_in_child.so
	cc -shared -fPIC -o "$DIE_IN_CHILD" "$ROOT/tests/die_in_child.c" -ldl ||
		skip "needs a C compiler to build tests/die_in_child.c"
}

# Check the machine lets us create namespaces at all: a container whose
# seccomp profile forbids clone's namespace flags cannot run the lab.
needs_namespaces() {
	needs_root
	once unshare unshare --pid --fork --mount --uts --net --ipc true ||
		skip "this machine does not allow new namespaces (a container?)"
}

# A namespace's identity, as namespaces(7) defines it: device and inode.
ns_id() {
	stat -L -c '%d:%i' "/proc/$1/ns/$2"
}

# The command that prints "TYPE ID" for each type of its own process: one
# stat for them all (sh's /proc/self is sh's, and stat, exec'd, is sh).
NS_PROBE="cd /proc/self/ns && exec stat -L -c '%n %d:%i' $NS_TYPES"

# "TYPE ID" lines for process PID, seen from here.
ns_table() {
	# shellcheck disable=SC2086 # NS_TYPES is a list of words
	(cd "/proc/$1/ns" && exec stat -L -c '%n %d:%i' $NS_TYPES)
}

# Compare two "TYPE ID" tables: the types named in NEW (a space-separated
# list) must differ, every other type must be the same.  Fails with a line
# per mismatch, expected against actual, or a type given twice.
assert_ns_differ_only() {
	local new=" $1 " t id a b bad=0
	local -A mine=() theirs=()
	while read -r t id; do [ -z "$t" ] || mine[$t]=$id; done <<<"$2"
	while read -r t id; do
		[ -n "$t" ] || continue
		[ -z "${theirs[$t]+set}" ] || { printf '%s: given twice by the child\n' "$t" >&2; bad=1; }
		theirs[$t]=$id
	done <<<"$3"
	for t in $NS_TYPES; do
		a=${mine[$t]-} b=${theirs[$t]-}
		if [ -z "$a" ] || [ -z "$b" ]; then
			printf '%s: no identity (test %s, child %s)\n' "$t" "$a" "$b" >&2
			bad=1
		elif [[ $new == *" $t "* ]] && [ "$a" = "$b" ]; then
			printf '%s: expected a new namespace, child shares %s\n' "$t" "$a" >&2
			bad=1
		elif [[ $new != *" $t "* ]] && [ "$a" != "$b" ]; then
			printf '%s: expected the test'"'"'s namespace %s, child has %s\n' "$t" "$a" "$b" >&2
			bad=1
		fi
	done
	return "$bad"
}

# Run invoke_ns FLAGS with the probe as command, and check the namespaces
# it reports from inside: those in NEW differ from ours, the rest do not.
# Usage: check_inside "pid mnt" -p -m
check_inside() {
	local new=$1
	shift
	run -0 timeout 20 "${LAUNCH[@]}" "$BIN" "$@" sh -c "$NS_PROBE" </dev/null
	assert_ns_differ_only "$new" "$(ns_table self)" "$output"
}

# bare CMD...: exec CMD with no descriptor of ours but 0, 1 and 2.  bats
# keeps several open (its output on 3, its own pipes and files above it),
# and bash opens those a test names ({IN}<...) without close-on-exec: a
# command started in the background must hold none of them, or the run
# waits for it, or a command waits on a pipe that it holds open itself.
# Usage: bare CMD... &   (in a subshell: a background job is one)
bare() {
	local fd
	for fd in /proc/self/fd/*; do
		fd=${fd##*/}
		# (-L: not the descriptor that listed the directory, now closed)
		[ "$fd" -le 2 ] || [ ! -L "/proc/self/fd/$fd" ] || exec {fd}>&-
	done
	exec "$@"
}

# Start CMD... in the background, its output through a FIFO and its stdin
# from BG_STDIN (/dev/null unless set), and read that output up to a line
# that is exactly UNTIL.  Sets INVOKE_PID, CHILD (from the "Parent: PID of
# child is N" line, as a user in a second terminal would read it), HELD_SEEN
# (the lines read so far) and OUT_FD (to read the rest).
# Usage: start_until UNTIL CMD...
start_until() {
	local until=$1 out=$BATS_TEST_TMPDIR/out line
	shift
	rm -f "$out"
	mkfifo "$out"
	bare "$@" >"$out" <"${BG_STDIN:-/dev/null}" &
	INVOKE_PID=$!
	exec {OUT_FD}<"$out"
	# A FIFO as stdin (start_fed): its open waits for a writer, ours, which
	# only the test holds, since the command was started without it.
	if [ -p "${BG_STDIN:-/dev/null}" ]; then
		exec {IN}<>"$BG_STDIN"
	fi
	CHILD=
	HELD_SEEN=
	# -t: a command that hangs before the line fails the test, not the run.
	while IFS= read -r -t 20 line <&"$OUT_FD"; do
		HELD_SEEN+=$line$'\n'
		case $line in
		"Parent: PID of child is "*) CHILD=${line##* } ;;
		esac
		[[ $line != "$until" ]] || return 0
	done
	fail "$* never printed '$until'"
}

# start_fed UNTIL CMD...: start_until, with a FIFO as CMD's stdin that the
# test writes to through descriptor IN.  Closing IN (stop_held does) is the
# end of CMD's input: CMD holds no writing end of it.
start_fed() {
	local in=$BATS_TEST_TMPDIR/in
	rm -f "$in"
	mkfifo "$in"
	BG_STDIN=$in start_until "$@"
}

# Wait for what start_until started to end: HELD_STATUS is its exit status,
# HELD_OUTPUT all that it printed.
finish_started() {
	local rest
	# A command still running 20 s on will not end by itself: stop it, so
	# that wait returns.
	rest=$(timeout 20 cat <&"$OUT_FD") || kill_tree "$INVOKE_PID"
	HELD_OUTPUT=$HELD_SEEN$rest
	HELD_STATUS=0
	wait "$INVOKE_PID" || HELD_STATUS=$?
	exec {OUT_FD}<&-
	OUT_FD=
	INVOKE_PID=
}

# Start CMD... in the background (INVOKE_PID) with its stdout a pipe of one
# page that nobody reads, ROOM bytes of it free, and return once CMD sleeps
# writing to it; fail if it ends first.  STALLED is the test's end of the
# pipe: closing it is the test's job.
# Usage: start_stalled ROOM CMD...
start_stalled() {
	local room=$1
	shift
	mkfifo "$BATS_TEST_TMPDIR/stalled"
	exec {STALLED}<>"$BATS_TEST_TMPDIR/stalled"
	perl -e 'fcntl(STDOUT, 1031, 4096) or die "F_SETPIPE_SZ: $!\n"; print "x" x (4096 - $ARGV[0])' \
		"$room" >&"$STALLED"
	bare "$@" >&"$STALLED" </dev/null &
	INVOKE_PID=$!
	# Until it sleeps in a pipe write (wchan), or has ended.
	timeout 20 sh -c 'until grep -qs pipe_write "/proc/$1/wchan"; do
		grep -qs "^State:.[RSD]" "/proc/$1/status" || exit; done' _ "$INVOKE_PID" || true
	grep -qs pipe_write "/proc/$INVOKE_PID/wchan" || fail "$* ended instead of blocking on its stdout"
}

# Start invoke_ns -v FLAGS with a command that says it runs, then waits
# until release_held; return once it runs: the child has exec'd, its setup
# is done.  Sets what start_until sets.
# Usage: start_held [-d DIR | -j JAIL] FLAGS...
#   -d DIR   put the FIFO the command waits on in DIR (one another user
#            can reach)
#   -j JAIL  put it in JAIL/tmp, for a child chrooted to JAIL
start_held() {
	local dir=$BATS_TEST_TMPDIR jail=""
	case $1 in
	-d) dir=$2; shift 2 ;;
	-j) jail=$2; dir=$2/tmp; shift 2 ;;
	esac
	HOLD=$dir/hold
	rm -f "$HOLD"
	mkfifo "$HOLD"
	# $0 of the held shell is the marker the leak checks look for.
	start_until "$HELD runs" "${LAUNCH[@]}" "$BIN" -v "$@" \
		sh -c 'echo "$0 runs"; read -r _ < "$1"' "$HELD" "${HOLD#"$jail"}"
	[ -n "$CHILD" ] || fail "invoke_ns $* printed no 'Parent: PID of child is' line"
}

# Let the held command finish; then HELD_STATUS and HELD_OUTPUT as
# finish_started sets them.
release_held() {
	# Opening a FIFO to write waits for its reader; a FIFO keeps no data
	# once nobody has it open, so the write must not come before that.
	# timeout: a reader that died will never come.
	timeout 20 sh -c 'printf "go\n" >"$1"' _ "$HOLD" ||
		printf 'the held command never read its FIFO\n' >&2
	finish_started
	rm -f "$HOLD"
}

# kill_tree PID: SIGKILL process PID and every process that descends from
# it (a container's processes, whatever namespaces they are in), all at
# once, so that none is orphaned first and missed.
kill_tree() {
	local -a pids
	mapfile -t pids < <(ps -e -o pid=,ppid= | awk -v top="$1" '
		{ parent[$1] = $2 }
		END {
			for (p in parent) {
				q = p
				while (q in parent && q != top)
					q = parent[q]
				if (q == top) print p
			}
		}')
	[ "${#pids[@]}" -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
}

# teardown: stop whatever a failed test left running, and close what it
# left open.
stop_held() {
	if [ -n "${INVOKE_PID:-}" ]; then
		kill_tree "$INVOKE_PID"
		wait "$INVOKE_PID" 2>/dev/null || true
		INVOKE_PID=
	fi
	stop_monitor
	local fd
	for fd in "${OUT_FD:-}" "${IN:-}" "${STALLED:-}"; do
		[ -z "$fd" ] || [ ! -L "/proc/self/fd/$fd" ] || exec {fd}>&-
	done
	OUT_FD='' IN='' STALLED=''
}

# Run CMD, which makes link LINK of network namespace NS go away, and return
# once it has gone.  The kernel dismantles a dead network namespace in the
# background, a moment after its last process: wait for ip monitor's
# deletion event, not for a while.  The caller checks that the link is gone.
# Usage: until_link_deleted NS LINK CMD...
until_link_deleted() {
	local ns=$1 link=$2 events=$BATS_TEST_TMPDIR/link-events fd
	shift 2
	rm -f "$events"
	mkfifo "$events"
	bare ip -n "$ns" monitor link >"$events" &
	MONITOR_PID=$!
	exec {fd}<"$events"
	# The monitor may miss what happens before it listens: look once it does.
	if ip -n "$ns" link show "$link" >/dev/null 2>&1; then
		"$@"
		timeout 20 grep -m 1 "^Deleted.*: $link@" <&"$fd" >/dev/null || true
	else
		"$@"
	fi
	exec {fd}<&-
	stop_monitor
}

# Stop the ip monitor of until_link_deleted, if it runs.
stop_monitor() {
	if [ -n "${MONITOR_PID:-}" ]; then
		kill "$MONITOR_PID" 2>/dev/null || true
		wait "$MONITOR_PID" 2>/dev/null || true
		MONITOR_PID=
	fi
}

# Wait until process PID has ended (it is not our child, so `wait` cannot):
# until it is gone, or a zombie that its new parent has yet to reap (an
# orphan's is init, and some inits reap only every second or so).  Looks
# every 20 ms, for 20 s at most.
wait_gone() {
	local stat tries=1000
	[[ $1 =~ ^[0-9]+$ ]] || return 1
	while read -r stat 2>/dev/null <"/proc/$1/stat" && [[ ${stat##*) } != Z* ]]; do
		((--tries)) || return 1
		sleep 0.02
	done
}

# The host's mount table, without the ids that change between reads.  The
# first `ip netns add` on a machine bind-mounts /run/netns on itself for
# good; that one is ip's own and not a leak.
mount_table() {
	awk '$5 != "/run/netns" { print $5, $4, $9, $10 }' /proc/self/mountinfo
}

# The POSIX message queues of our IPC namespace, one name a line.  Root
# mounts mqueue, their file system, for the IPC namespace of the mounting
# process, on /tmp of a throwaway mount namespace: the machine's mounts do
# not change.  Others read /dev/mqueue, where the machine has it mounted.
list_queues() {
	if [ "$EUID" -eq 0 ]; then
		unshare --mount sh -c 'mount -t mqueue mqueue /tmp && exec ls -A /tmp'
	elif [ "$(stat -f -c %T /dev/mqueue 2>/dev/null)" = mqueue ]; then
		ls -A /dev/mqueue
	fi
}

# The processes of our session, as "namespace TYPE ID" for each namespace
# one is in that is not ours (as real root, who can read them all), and
# "held PID" for each held command.  A container that outlives its test
# keeps the session of the shell that started it, while whatever else runs
# on the machine has a session of its own.  With LEAKS (lines this function
# printed), "PID ARGS" instead for each process those lines name.
session_leaks() {
	local stat sid check_ns=""
	[ "$EUID" -ne 0 ] || [ -n "${INVOKE_NS_IN_USERNS:-}" ] || check_ns=1
	# proc(5): the session is the fourth field after the command's name.
	read -r stat </proc/$$/stat
	read -r _ _ _ sid _ <<<"${stat##*) }"
	# ps shows "-" for namespaces it cannot read (those of the PID 1 of a
	# sandbox, when our session is its session 0).  An orphan that is a
	# zombie has ended: it only waits for init, outside the session, to
	# reap it (a zombie whose parent is ours is still that parent's leak).
	ps -ww -s "$sid" -o pid=,cgroupns=,ipcns=,mntns=,netns=,pidns=,timens=,userns=,utsns=,stat=,ppid=,args= |
		HELD=$HELD LEAKS=${1-} awk -v me=$$ -v check_ns="$check_ns" '
		{ line[NR] = $0; ours[$1]; if ($1 == me) split($0, own) }
		END {
			split("cgroup ipc mnt net pid time user uts", type)
			named = ENVIRON["LEAKS"] != ""
			split(ENVIRON["LEAKS"], leak, "\n")
			for (n in leak) wanted[leak[n]]
			for (n = 1; n <= NR; n++) {
				nf = split(line[n], f)
				if (f[10] ~ /^Z/ && !(f[11] in ours))
					continue
				found = ""
				for (i = 2; check_ns && i <= 9; i++)
					if (f[i] != "-" && f[i] != own[i])
						found = found "namespace " type[i - 1] " " f[i] "\n"
				if (index(line[n], ENVIRON["HELD"]))
					found = found "held " f[1] "\n"
				if (!named) {
					printf "%s", found
					continue
				}
				split(found, item, "\n")
				for (k in item)
					if (item[k] in wanted) {
						args = f[12]
						for (j = 13; j <= nf; j++) args = args " " f[j]
						print f[1], args
						break
					}
			}
		}' | awk '!seen[$0]++'
}

# Everything a run of the lab could leave behind, one line per item: mounts,
# network links and addresses, message queues, and what session_leaks finds.
leak_snapshot() {
	mount_table
	ip -o -4 -batch - <<<$'link show\naddress show' |
		awk '$3 == "inet" { print "address", $2, $4; next } { sub(/:$/, "", $2); print "link", $2 }'
	list_queues | sed 's/^/queue /'
	session_leaks
}

# leak_check_start DIR: remember the machine's state in DIR (setup_file
# gives the suite's BATS_FILE_TMPDIR).
leak_check_start() {
	leak_snapshot >"$1/leaks.before"
}

# leaks_since_start DIR: the lines of the snapshot that are new since
# leak_check_start DIR.
leaks_since_start() {
	leak_snapshot | sort | comm -13 <(sort "$1/leaks.before") -
}

# student_step2 HANDOUT: write into step 2 of the handout in HANDOUT the
# reference code of step 2, as a student would: under the handout's header,
# without the lab's marks, the TODOs done with comments of their own.
student_step2() {
	local file=$1/step02-mnt/invoke_ns.c
	{
		sed -n '1,/^ \*\/$/p' "$file"
		sed '1,/^ \*\/$/d; s|[[:space:]]*/\* \[step 2\] \*/||; s|/\* \[step 2[^]]*\] |/* mine: |' \
			"$ROOT/step02-mnt/invoke_ns.c"
	} >"$file.new"
	mv "$file.new" "$file"
}

# assert_one_line_naming FLAG TEXT: TEXT (an error's stderr) is one line
# that names FLAG (-u) as a word: what a usage error must say, in the
# student's own words.
assert_one_line_naming() {
	[[ $2 != *$'\n'* ]] || fail "expected one line naming $1, got: $2"
	assert_regex "$2" "(^|[^-[:alnum:]])$1([^[:alnum:]]|\$)"
}

# Start invoke_ns -v FLAGS, read the child's namespaces from outside through
# /proc/CHILD/ns while it is held, then release it.  Types in NEW must differ
# from ours, the rest must not.
# Usage: check_outside "pid mnt" [-d DIR | -j JAIL] -p -m
check_outside() {
	local new=$1 theirs
	shift
	start_held "$@"
	theirs=$(ns_table "$CHILD")
	release_held
	assert_equal "$HELD_STATUS" 0
	assert_ns_differ_only "$new" "$(ns_table self)" "$theirs"
}

# The last test of every suite: nothing the suite ran is still there.  A
# process that is (a held command, or one in namespaces not ours) is
# named and ended, so that a failed run leaves nothing for the next; the
# rest (mounts, links, queues) are in the sandbox's namespaces, which end
# with the suite.
assert_nothing_left() {
	local leaks pid args
	leaks=$(leaks_since_start "$BATS_FILE_TMPDIR")
	if [ -n "$leaks" ]; then
		while read -r pid args; do
			printf 'left running, now ended: %s %s\n' "$pid" "$args"
			kill_tree "$pid"
		done < <(session_leaks "$leaks")
	fi
	assert_equal "$leaks" ""
}

# The hooks every suite gets unless it defines its own: remember the
# machine's state for the suite's last test, and stop whatever a failed
# test left running.  A suite that needs more calls these from its own.
setup_file() {
	leak_check_start "$BATS_FILE_TMPDIR"
}

teardown() {
	stop_held
	print_hint
}

# After a failed test, one line with its likely cause: the HINT the test set
# first thing (else its suite's, set in setup); then, when the last command
# the test ran failed, what that command wrote to stderr (its output, where
# the test kept the two together), since invoke_ns says there what went
# wrong.  Shown under the failure and in the JUnit report.
print_hint() {
	[ -z "${BATS_TEST_COMPLETED:-}" ] || return 0
	[ -z "${HINT:-}" ] || printf 'hint: %s\n' "$HINT"
	[ "${status:-0}" != 0 ] || return 0
	if [ -n "${stderr:-}" ]; then
		printf 'its stderr (exit status %s):\n%s\n' "$status" "$stderr"
	elif [ -n "${output:-}" ]; then
		printf 'its output (exit status %s):\n%s\n' "$status" "$output"
	fi | head -n 20 || true
}
