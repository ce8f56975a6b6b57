#!/usr/bin/env bash
# labcheck.sh: run the transcripts of LAB.md and compare what they print.
#
# LAB.md shows what a student types and what comes out, in ```console
# blocks written like cram(1) transcripts:
#
#     $ COMMAND        a command typed at the host's shell
#     # LINE           a line typed into the command still running above it
#                      (the container's shell, whose prompt is #)
#     anything else    what the command prints, stdout and stderr together;
#                      a line ending in " (glob)" matches * and ? anywhere,
#                      one ending in " (re)" is an extended regular expression,
#                      "..." stands for any number of lines, and "[N]" as the
#                      last line says that the command exits with status N
#
# A command shown without output is only run, and must exit with status 0
# (or the [N] shown).  A block whose info string says "terminal 2" is typed in
# a second terminal: the last command of a terminal's block keeps running when
# the next block of that terminal starts with "#", and the lines typed there
# go to it.  "PID=N" takes the PID from the latest "Parent: PID of child is"
# line instead of N.  A command with "sudo" in it runs as root, without sudo;
# every other one as the unprivileged user nobody (65534).
#
# Everything runs in a throwaway host: new mount, UTS, IPC, network and PID
# namespaces with a tmpfs holding a copy of the lab, so hostnames, links,
# addresses, mounts and queues made by the transcripts vanish with it.
# Needs root.  See unshare(1), setpriv(1), cram's documentation.
set -euo pipefail

readonly PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
readonly HERE
readonly USER_ID=65534    # who runs the commands without sudo
readonly VM_NAME=labvm    # the name of the VM in LAB.md's examples
readonly WAIT=30          # seconds to wait for a line of output

usage() {
	cat <<EOF
Usage: $PROG [-h] [-C DIR] FILE

Run every \`\`\`console transcript of FILE (LAB.md) in a throwaway host made
of new namespaces, on a copy of the lab in DIR (default: the tree this script
is in), and compare the output with what FILE shows.  Needs root.
Exits 0 when every transcript matches, 1 when one does not, 2 on bad usage.
EOF
}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 2
}

# ---------------------------------------------------------------- matching

# glob_re GLOB: the extended regular expression for a cram glob: * and ?
# match anything, \ quotes the next character, the rest is literal.
glob_re() {
	local g=$1 re='' c i
	for ((i = 0; i < ${#g}; i++)); do
		c=${g:i:1}
		case $c in
		'*') re+='.*' ;;
		'?') re+='.' ;;
		\\) i=$((i + 1)); re+="\\${g:i:1}" ;;
		'[' | ']' | . | '^' | '$' | + | '{' | '}' | '(' | ')' | '|') re+="\\$c" ;;
		*) re+=$c ;;
		esac
	done
	printf '%s' "$re"
}

# compile LINE...: fill PAT with one pattern per expected line: "=text",
# "~regex" or "..." (any number of lines).
compile() {
	local line
	PAT=()
	for line in "$@"; do
		case $line in
		...) PAT+=("...") ;;
		*' (re)') PAT+=("~${line% (re)}") ;;
		*' (glob)') PAT+=("~$(glob_re "${line% (glob)}")") ;;
		*) PAT+=("=${line%"${line##*[![:space:]]}"}") ;;
		esac
	done
}

# matches E A: true if PAT[E..] matches GOT[A..] to the end.
matches() {
	local e=$1 a=$2 p line k
	while ((e < ${#PAT[@]})); do
		p=${PAT[e]}
		if [ "$p" = ... ]; then
			for ((k = a; k <= ${#GOT[@]}; k++)); do
				matches $((e + 1)) "$k" && return 0
			done
			return 1
		fi
		((a < ${#GOT[@]})) || return 1
		line=${GOT[a]%"${GOT[a]##*[![:space:]]}"}
		case $p in
		=*) [ "$line" = "${p#=}" ] || return 1 ;;
		~*) [[ $line =~ ^(${p#\~})$ ]] || return 1 ;;
		esac
		e=$((e + 1))
		a=$((a + 1))
	done
	((a == ${#GOT[@]}))
}

# ---------------------------------------------------------------- reporting

FAILED=0
CHECKED=0
WHERE=""   # FILE:LINE: $ COMMAND, for the messages

# mismatch WHY EXPECTED...: say which command failed, with what it should
# have printed (EXPECTED) against what it did (GOT).
mismatch() {
	local why=$1 line
	shift
	FAILED=$((FAILED + 1))
	printf '\nFAIL %s\n  %s\n  expected:\n' "$WHERE" "$why"
	for line in "$@"; do
		printf '    | %s\n' "$line"
	done
	printf '  actual:\n'
	for line in "${GOT[@]}"; do
		printf '    | %s\n' "$line"
	done
}

# ---------------------------------------------------------------- commands

WORK=""           # the throwaway host's tmpfs: lab/ is the copy, state/ ours
declare -A CWD    # the working directory of each terminal
declare -A VARS   # variables set by NAME=VALUE commands, for every command
CHILD=""          # the PID on the latest "Parent: PID of child is" line

# launch TERMINAL COMMAND: start COMMAND as its terminal's shell would, with
# its stdin and its output (stdout and stderr) on FIFOs that the descriptors
# IN and OUT write and read.  RUNNING is its PID.
launch() {
	local term=$1 cmd=$2 name fifo as=() env=()
	local sudo_re='(^|[[:space:];|&(])sudo[[:space:]]'
	if ! [[ $cmd =~ $sudo_re ]]; then
		as=(setpriv --reuid="$USER_ID" --regid="$USER_ID" --clear-groups --)
	fi
	for name in "${!VARS[@]}"; do
		env+=("$name=${VARS[$name]}")
	done
	fifo=$WORK/state/$CHECKED
	mkfifo -m 0600 "$fifo.in" "$fifo.out"
	# sudo is a no-op here (we are root already); the directory the command
	# ends in is kept for the terminal's next command.
	# shellcheck disable=SC2016
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME="$WORK/lab" TMPDIR="$WORK/tmp" LANG=C.UTF-8 QUOTING_STYLE=shell-escape \
		"${env[@]}" timeout -k 5 300 "${as[@]}" bash -c '
			sudo() { "$@"; }
			cd "$1" || exit
			eval "$2"
			s=$?
			pwd >"$3"
			exit "$s"' labcheck "${CWD[$term]}" "$cmd" "$WORK/state/cwd$term" \
		<"$fifo.in" >"$fifo.out" 2>&1 3>&- &
	RUNNING=$!
	exec {IN}>"$fifo.in" {OUT}<"$fifo.out"
	rm -f "$fifo.in" "$fifo.out"
}

# read_line: one line of the running command's output into GOT.  The status
# of read: 0, 1 at the end of the output, >128 after WAIT seconds of silence.
read_line() {
	local line
	IFS= read -r -t "$WAIT" line <&"$OUT" || return
	GOT+=("$line")
	if [[ $line =~ ^Parent:\ PID\ of\ child\ is\ ([0-9]+)$ ]]; then
		CHILD=${BASH_REMATCH[1]}
	fi
}

# expect LINE...: read output until it matches the LINEs, as a student waits
# for what the text shows before typing on.  False (and said) if it does not.
expect() {
	GOT=()
	(($# > 0)) || return 0
	compile "$@"
	until matches 0 0; do
		if ! read_line; then
			mismatch "the output stopped short of what the text shows" "$@"
			return 1
		fi
	done
}

# type_line LINE: type LINE into the running command.
type_line() {
	# In a subshell that ignores SIGPIPE: a command that is gone already
	# must not take us with it.  The commands keep the default action.
	(
		trap '' PIPE
		printf '%s\n' "$1" >&"$IN"
	) 2>/dev/null || true
}

# finish TERMINAL LINE...: close the command's input, read the rest of its
# output and compare it with the LINEs (a last line [N] is its exit status).
finish() {
	local term=$1 want=0 status=0 rc=0
	shift
	local exp=("$@")
	if ((${#exp[@]} > 0)) && [[ ${exp[-1]} =~ ^\[([0-9]+)\]$ ]]; then
		want=${BASH_REMATCH[1]}
		unset 'exp[-1]'
	fi
	exec {IN}>&-
	GOT=()
	while read_line; do :; done || rc=$?
	if ((rc > 128)); then
		kill "$RUNNING" 2>/dev/null || true
	fi
	exec {OUT}<&-
	wait "$RUNNING" || status=$?
	RUNNING=""
	CWD[$term]=$(cat "$WORK/state/cwd$term" 2>/dev/null || printf '%s' "${CWD[$term]}")
	if ((SHOWN)); then
		compile "${exp[@]}"
		if ! matches 0 0; then
			mismatch "the output differs" "${exp[@]}"
			return
		fi
	fi
	if ((status != want)); then
		mismatch "exit status $status, expected $want" "${exp[@]}"
	fi
}

# start_command TERMINAL LINE COMMAND: run COMMAND, or set a variable.
start_command() {
	local term=$1 cmd=$3
	local assign='^([A-Za-z_][A-Za-z0-9_]*)=([^][:space:];&|$`"'"'"']*)([[:space:]]+#.*)?$'
	WHERE="$FILE:$2: \$ $cmd"
	CHECKED=$((CHECKED + 1))
	SHOWN=0
	RUNNING=""
	if [[ $cmd =~ $assign ]]; then
		VARS[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
		if [ "${BASH_REMATCH[1]}" = PID ] && [[ ${BASH_REMATCH[2]} =~ ^[0-9]+$ ]]; then
			[ -n "$CHILD" ] || die "$WHERE: no 'Parent: PID of child is' line before"
			VARS[PID]=$CHILD
		fi
		return
	fi
	launch "$term" "$cmd"
}

# ---------------------------------------------------------------- LAB.md

# A block is its terminal, the line of its first line in FILE, and its lines.
B_TERM=()
B_LINE=()
B_TEXT=()

# parse FILE: collect its ```console blocks.
parse() {
	local n=0 line inside=0 text=""
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		if ((inside)); then
			if [[ $line == '```' ]]; then
				B_TEXT+=("$text")
				inside=0
			else
				text+=$line$'\n'
			fi
		elif [[ $line =~ ^\`\`\`console([[:space:]].*)?$ ]]; then
			inside=1
			text=""
			B_LINE+=($((n + 1)))
			if [[ $line == *'terminal 2'* ]]; then
				B_TERM+=(2)
			else
				B_TERM+=(1)
			fi
		fi
	done <"$1"
	((!inside)) || die "$1: a \`\`\`console block is not closed"
}

# continues I: true if the next block of block I's terminal starts with "#",
# that is if its last command still runs there.
continues() {
	local i=$1 j
	for ((j = i + 1; j < ${#B_TERM[@]}; j++)); do
		if [ "${B_TERM[j]}" = "${B_TERM[i]}" ]; then
			[[ ${B_TEXT[j]} == '#'* ]]
			return
		fi
	done
	return 1
}

# The command still running in each terminal, between its blocks.
declare -A O_PID O_IN O_OUT O_SHOWN O_WHERE

# run_block I: run the commands of block I and check what they print.
run_block() {
	local i=$1 term=${B_TERM[$1]} n=${B_LINE[$1]} line exp=()
	local -a lines
	RUNNING=""
	mapfile -t lines <<<"${B_TEXT[i]%$'\n'}"
	if [[ ${lines[0]} == '#'* ]]; then
		[ -n "${O_PID[$term]:-}" ] ||
			die "$FILE:$n: lines typed in terminal $term, where nothing runs"
		RUNNING=${O_PID[$term]} IN=${O_IN[$term]} OUT=${O_OUT[$term]}
		SHOWN=${O_SHOWN[$term]} WHERE=${O_WHERE[$term]}
		O_PID[$term]=""
	elif [ -n "${O_PID[$term]:-}" ]; then
		die "$FILE:$n: a command in terminal $term while another still runs there"
	fi
	for line in "${lines[@]}"; do
		case $line in
		'$ '*)
			[ -z "$RUNNING" ] || finish "$term" "${exp[@]}"
			start_command "$term" "$n" "${line#\$ }"
			exp=()
			;;
		'#' | '# '*)
			[ -n "$RUNNING" ] || die "$FILE:$n: a typed line, but no command runs"
			expect "${exp[@]}" || true
			line=${line#\#}
			type_line "${line# }"
			exp=()
			;;
		*)
			[ -n "$RUNNING" ] || die "$FILE:$n: output, but no command runs"
			exp+=("$line")
			[[ $line =~ ^\[[0-9]+\]$ ]] || SHOWN=1
			;;
		esac
		n=$((n + 1))
	done
	[ -n "$RUNNING" ] || return 0
	if continues "$i"; then
		expect "${exp[@]}" || true
		O_PID[$term]=$RUNNING O_IN[$term]=$IN O_OUT[$term]=$OUT
		O_SHOWN[$term]=$SHOWN O_WHERE[$term]=$WHERE
	else
		finish "$term" "${exp[@]}"
	fi
}

# ---------------------------------------------------------------- the host

# inside FILE WORK LAB: the throwaway host's PID 1 runs the transcripts.
inside() {
	local i
	FILE=$1
	WORK=$2
	mount -t tmpfs -o mode=0755 labcheck "$WORK"
	mkdir -p "$WORK/state" "$WORK/tmp"
	chmod 1777 "$WORK/tmp"
	chmod 0777 "$WORK/state"
	# Written by root and by the user: made by root (the owner of the
	# directory), so that fs.protected_regular lets both write them.
	install -m 0666 /dev/null "$WORK/state/cwd1"
	install -m 0666 /dev/null "$WORK/state/cwd2"
	"$HERE/copylab.sh" "$3" "$WORK/lab"
	chown -R "$USER_ID:$USER_ID" "$WORK/lab"
	hostname "$VM_NAME"
	ip link set dev lo up
	CWD[1]=$WORK/lab
	CWD[2]=$WORK/lab
	parse "$FILE"
	for ((i = 0; i < ${#B_TERM[@]}; i++)); do
		run_block "$i"
	done
	for i in 1 2; do
		[ -z "${O_PID[$i]:-}" ] || die "$FILE: a command still runs in terminal $i at the end"
	done
	printf '%s: %s: %d commands in %d transcripts, %d failed\n' \
		"$PROG" "$FILE" "$CHECKED" "${#B_TERM[@]}" "$FAILED"
	((FAILED == 0))
}

main() {
	local lab=$HERE/.. file work status=0 opt
	if [ "${1-}" = --inside ]; then
		shift
		inside "$@"
		return
	fi
	while getopts ':hC:' opt; do
		case $opt in
		h) usage; exit 0 ;;
		C) lab=$OPTARG ;;
		*) usage >&2; exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	(($# == 1)) || { usage >&2; exit 2; }
	file=$(realpath -- "$1") || die "$1: no such file"
	[ -r "$file" ] || die "$1: cannot read it"
	lab=$(cd "$lab" && pwd) || die "$lab: no such directory"
	((EUID == 0)) || die "needs root, to make the throwaway host"
	setpriv --reuid="$USER_ID" --regid="$USER_ID" --clear-groups true 2>/dev/null ||
		die "cannot run commands as uid $USER_ID here (root of a user namespace?)"
	work=$(mktemp -d)
	chmod 0755 "$work"
	unshare --mount --uts --ipc --net --pid --fork --mount-proc \
		"$BASH" "$0" --inside "$file" "$work" "$lab" || status=$?
	rmdir "$work"
	return "$status"
}

main "$@"
