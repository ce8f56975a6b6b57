#!/usr/bin/env bash
# Usage: labcheck.sh [-h] FILE
# Type the ```console transcripts of FILE (LAB.md) into two terminals, as a
# student would, and check with cram(1) that the screens show what FILE shows.
# Needs root, tmux, cram3 and sudo.  Exits 0 when all match, 1 when one does
# not, 2 when it cannot run.
#
# A block's line that starts with a prompt ("$ " the host's shell, "ns # " a
# container's bash, "# " a root sh) is typed once the line before it has given
# a prompt back; the others are output, as in cram ("(glob)", "(re)", "(esc)").
# The host's shell prints "[N]" after a command that exits with status N.
# "terminal 2" in the info string types the block in the second terminal;
# "needs PATH" skips it where PATH does not exist.  "PID=N" is typed with the
# PID of terminal 1's latest "Parent: PID of child is" line for N.
# The terminals, tmux windows, run a bash each as nobody (65534), whom sudo
# lets run anything, in a throwaway host: new mount, UTS, IPC, network and PID
# namespaces, a copy of the lab, its own /run, /etc/hosts and /etc/sudoers.
# The checker talks to tmux from outside, through one control client (tmux
# -C): the host runs no process but the transcripts' (lsns reads them all).
set -euo pipefail

readonly PROG=${0##*/} LAB_UID=65534 VM_NAME=labvm PROMPT='^(\$|#|ns #) '
readonly WAIT=60 # seconds a command may take to give a prompt back
declare -A ENDS=() # the prompt each terminal shows at the end of its last block

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 2
}

# tm COMMANDS [N]: run a line of N tmux commands (1) through the control
# client, their output into OUT.  Notifications are passed over.
tm() {
	local line n=${2:-1} in=''
	printf '%s\n' "$1" >&"${TM[1]}"
	OUT=()
	while ((n > 0)) && IFS= read -r -t "$WAIT" line <&"${TM[0]}"; do
		[[ $line =~ ^%(begin|end|error)\ [0-9]+\ [0-9]+\ 1$ ]] || { [ "$in" != begin ] || OUT+=("$line"); continue; }
		in=${BASH_REMATCH[1]}
		[ "$in" = begin ] || n=$((n - 1))
	done
	[ "$in" = end ] || die "tmux: $1: ${OUT[*]:-no answer}"
}

# wait_prompt TERM AFTER: wait until terminal TERM's cursor stands after a prompt
# (AT_PROMPT) below line AFTER (AT its line, H the history's), looking whenever
# a terminal prints.  A line of tmux commands sees one moment's screen.
wait_prompt() {
	local end=$((SECONDS + WAIT)) h y x line
	while :; do
		tm "display -p -t lab:$1 '#{history_size} #{cursor_y} #{cursor_x}' ; capture-pane -p -t lab:$1" 2
		read -r h y x <<<"${OUT[0]}"
		line=${OUT[y + 1]-} AT=$((h + y)) H=$h AT_PROMPT="${line:0:x} "
		((AT > $2 && ${#line} <= x)) && [[ $AT_PROMPT =~ $PROMPT$ ]] && return 0
		((SECONDS < end)) || { STOPPED="terminal $1 gave no prompt back within $WAIT s"; return 1; }
		while read -r -t 1 line <&"${TM[0]}" && [[ $line != %output* ]]; do :; done
	done
}

# hex TEXT: HEX, the bytes of TEXT in hex ("c3 a9 ...").
hex() {
	local LC_ALL=C i
	HEX="" && for ((i = 0; i < ${#1}; i++)); do printf -v HEX '%s %02x' "$HEX" "'${1:i:1}"; done
}

# run_block N TERM: type the lines of the block at line N of LAB.t into
# terminal TERM; its part of the screen into $WORK/N.out, as "TERM: line".
run_block() {
	local n=$1 term=$2 line prompt typed start='' last=-1
	local -A shown=()
	while IFS= read -r line && [ -n "$line" ]; do
		line=${line#"  $term: "}
		[[ $line =~ $PROMPT ]] || continue
		prompt=${BASH_REMATCH[0]} typed=${line#"${BASH_REMATCH[0]}"}
		{ wait_prompt "$term" "$last" && [ "$prompt" = "$AT_PROMPT" ]; } ||
			{ STOPPED="${STOPPED:-terminal $term shows the prompt \"$AT_PROMPT\"}, before: $line"; break; }
		start=${start:-$AT} last=$AT
		if [[ $typed =~ ^PID=[0-9]+ ]]; then
			typed=${typed#"${BASH_REMATCH[0]}"}
			tm "capture-pane -p -t lab:1 -S - -E -"
			typed=PID=$(printf '%s\n' "${OUT[@]}" | sed -n 's/^Parent: PID of child is \([0-9]*\)$/\1/p' |
				tail -n 1)$typed shown[:$prompt$typed]=$line
		fi
		# As bytes in hex, with the Enter key's: tmux takes a ";" ending a word.
		hex "$typed"
		tm "send-keys -t lab:$term -H $HEX 0d"
	done < <(tail -n +"$((n + 1))" "$WORK/LAB.t")
	[ -n "${STOPPED:-}" ] || wait_prompt "$term" "$last" || STOPPED+=", after: $line"
	ENDS[$term]=$AT_PROMPT
	OUT=()
	[ -z "$start" ] || ((AT <= start)) || tm "capture-pane -p -t lab:$term -S $((start - H)) -E $((AT - 1 - H))"
	for line in "${OUT[@]}"; do printf '%s: %s\n' "$term" "${shown[:$line]:-$line}"; done >"$WORK/$n.out"
}

# host WORK: PID 1 of the throwaway host, root: its name, files, terminals (with
# Debian's PATH); then "up" in WORK/up; it reaps orphans until its stdin ends.
host() {
	local f sh=(-c "$1/lab" bash --rcfile "$1/bashrc")
	mount -t tmpfs -o mode=0755 labcheck-run /run
	for f in hosts sudoers; do mount --bind "$1/$f" "/etc/$f"; done
	hostname "$VM_NAME"
	ip link set dev lo up
	{ env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games \
		HOME="$1/home" LANG=C.UTF-8 TERM=xterm \
		setpriv --reuid="$LAB_UID" --regid="$LAB_UID" --clear-groups \
		tmux -S "$1/home/tmux" -f "$1/tmux.conf" new-session -d -s lab -n 1 -x 250 -y 50 \
		"${sh[@]}" \; new-window -d -t lab:2 "${sh[@]}"; printf 'up\n'; } >"$1/up"
	read -r _ || :
}

main() {
	local file n=0 line out fence='' term i hold host status=0 tool blocks=()
	case ${1-} in
	--host) host "$2"; return ;;
	-h | --help) sed -n '2,/^set/s/^# \{0,1\}//p' "$0"; return 0 ;;
	esac
	(($# == 1)) || die "usage: $PROG [-h] FILE"
	file=$(realpath -- "$1") || die "$1: no such file"
	[ -r "$file" ] || die "$1: cannot read it"
	((EUID == 0)) || die "needs root, to make the throwaway host"
	for tool in tmux cram3 sudo; do command -v "$tool" >/dev/null || die "needs $tool (make deps installs it)"; done
	setpriv --reuid="$LAB_UID" --regid="$LAB_UID" --clear-groups true 2>/dev/null ||
		die "cannot run commands as uid $LAB_UID here (root of a user namespace?)"
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
	chmod 0755 "$WORK"
	# The throwaway host's files.
	mkdir -m 0700 "$WORK/home" && mkfifo "$WORK/up"
	"$(dirname "$0")/copylab.sh" "$(dirname "$0")/.." "$WORK/lab"
	chown -R "$LAB_UID:$LAB_UID" "$WORK/lab" "$WORK/home"
	printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$VM_NAME" >"$WORK/hosts"
	# Debian's defaults, without the log; "#UID" is a user.
	printf '%s\n' 'Defaults env_reset, use_pty, !syslog, !lecture' 'root ALL=(ALL:ALL) ALL' \
		'Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"' \
		"#$LAB_UID ALL=(ALL:ALL) NOPASSWD: ALL" >"$WORK/sudoers"
	chmod 0440 "$WORK/sudoers"
	printf 'set -g %s\n' 'history-limit 100000' 'remain-on-exit on' 'status off' >"$WORK/tmux.conf"
	# shellcheck disable=SC2016 # The shells print [N] after a command that failed.
	printf '%s\n' "PS1='\$ '" 'PROMPT_COMMAND='\''s=$?; [ "$s" = 0 ] || printf "[%s]\n" "$s"'\' >"$WORK/bashrc"
	exec {hold}> >(exec unshare -muinpf --mount-proc "$BASH" "$0" --host "$WORK")
	host=$!
	# Read and write: a host that dies before it opens the FIFO cannot hang us.
	exec {up}<>"$WORK/up"
	read -r -t "$WAIT" line <&"$up" || die "the throwaway host's terminals did not start"
	coproc TM { exec tmux -S "$WORK/home/tmux" -C attach -t lab {hold}>&-; }
	until [[ $line == %session-changed* ]]; do read -r -t "$WAIT" line <&"${TM[0]}" || die "tmux -C failed"; done
	# LAB.t, a cram file with FILE's line numbers: the fence of a block is the
	# command that prints its screen, the block's lines what that should print.
	while IFS= read -r line; do
		n=$((n + 1)) out=''
		if [ -z "$fence" ] && [[ $line =~ ^\`\`\`console([[:space:]].*)?$ ]]; then
			fence=$n term=1
			[[ $line != *'terminal 2'* ]] || term=2
			[[ ! $line =~ needs\ ([^[:space:]]+) ]] || [ -e "${BASH_REMATCH[1]}" ] || term=''
			[ -z "$term" ] || blocks+=("$n $term") out="\$ cat \"\$TESTDIR/$n.out\""
			[ -n "$term" ] || printf '%s: %s:%d: skipped: no %s here\n' "$PROG" "$file" "$n" "${BASH_REMATCH[1]}" >&2
		elif [ -n "$fence" ] && [ "$line" = '```' ]; then
			fence=''
		elif [ -n "$fence" ] && [ -n "$term" ]; then
			out="$term: $line"
		fi
		printf '%s\n' "${out:+  $out}"
	done <"$file" >"$WORK/LAB.t"
	[ -z "$fence" ] || die "$file:$fence: a \`\`\`console block is not closed"
	for i in "${blocks[@]}"; do
		[ -z "${STOPPED:-}" ] || { sed -i "${i% *},\$d" "$WORK/LAB.t"; break; }
		run_block "${i% *}" "${i#* }"
	done
	[[ -n ${STOPPED:-} || ${ENDS[1]-\$ }${ENDS[2]-\$ } == '$ $ ' ]] ||
		STOPPED="a terminal is not back at the host's prompt at the end"
	cram3 "$WORK/LAB.t" || { printf '%s: the line numbers above are those of %s\n' "$PROG" "$file"; status=1; }
	[ -z "${STOPPED:-}" ] || { printf '%s: stopped: %s\n' "$PROG" "$STOPPED"; status=1; }
	exec {hold}>&-
	wait "$host"
	return "$status"
}

main "$@"
