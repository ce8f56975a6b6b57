#!/usr/bin/env bash
# labcheck.sh: type the transcripts of LAB.md into two terminals, as a
# student would, and check that the screens show what LAB.md shows.
#
# A ```console block of LAB.md is a piece of a terminal's screen.  A line
# that starts with a prompt is typed: "$ " at the host's shell, "ns # " in
# the lab's container shells, "# " in a root sh.  Every other line is output,
# compared by cram(1), so "(glob)", "(re)" and "(esc)" lines match as in
# cram; "[N]" is printed by the host's shell here after a command that
# exits with status N.  A block whose info string says "terminal 2" is
# typed in the second terminal; "needs PATH" skips the block where PATH does
# not exist.  "PID=N" is typed with the PID of terminal 1's latest
# "Parent: PID of child is" line in place of N.
#
# The terminals are two tmux windows, each a bash of the user nobody
# (65534), whom sudo lets run anything.  Each line is typed once the one
# before it has given a prompt back, as a student waits for it.  Then cram
# compares each block's part of the screen with the block.  It all runs in
# a throwaway host: new mount, UTS, IPC, network and PID namespaces, a copy
# of the lab on a tmpfs, and a /run, /etc/hosts and /etc/sudoers of its own.
# The host's PID 1 is a root shell that holds the terminals; the checker
# stays outside that PID namespace and talks to tmux through one control-mode
# client (tmux -C), so the host runs no process but the transcripts' own
# (lsns and ps read every process of it), and a prompt is looked for when
# a terminal has printed something, not on a timer.
set -euo pipefail

readonly PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
readonly HERE
readonly LAB_UID=65534 VM_NAME=labvm # the student; the VM's name in LAB.md
readonly WAIT=60                     # seconds a command may take to give a prompt back
readonly PROMPT='^(\$|#|ns #) '

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 2
}

# tm COMMAND [N]: run a tmux command line of N commands (1) through the
# control client; the lines they print in OUT.  Notifications are passed over.
tm() {
	local line='' n=${2:-1}
	printf '%s\n' "$1" >&"${TM[1]}"
	OUT=()
	while ((n-- > 0)); do
		until [[ $line =~ ^%begin\ [0-9]+\ [0-9]+\ 1$ ]]; do
			read -r -t "$WAIT" line <&"${TM[0]}" || die "tmux gave no answer to: $1"
		done
		while IFS= read -r line <&"${TM[0]}" && [[ ! $line =~ ^%(end|error)\ [0-9]+\ [0-9]+\ 1$ ]]; do
			OUT+=("$line")
		done
		[[ $line == %end* ]] || die "tmux: $1: ${OUT[*]}"
	done
}

# at_prompt TERM AFTER: true when terminal TERM's cursor stands right after a
# prompt, on a line below line AFTER.  Lines count from the first one of the
# terminal's history; AT is the cursor's, H the history's length.  tmux
# runs a command line's commands with no output between them: cursor and
# screen are of one moment.
at_prompt() {
	local h y x line
	tm "display -p -t lab:$1 '#{history_size} #{cursor_y} #{cursor_x}' ; capture-pane -p -t lab:$1" 2
	read -r h y x <<<"${OUT[0]}"
	line=${OUT[y + 1]-}
	AT=$((h + y)) H=$h AT_PROMPT="${line:0:x} "
	((AT > $2 && ${#line} <= x)) && [[ $AT_PROMPT =~ $PROMPT$ ]]
}

# wait_prompt TERM AFTER [PROMPT]: wait for a prompt (PROMPT, if given), as
# a student does before typing; STOPPED says why when none came.  Between
# two looks it waits for a terminal's output (or a second).
wait_prompt() {
	local end=$((SECONDS + WAIT)) line
	until at_prompt "$1" "$2"; do
		if ((SECONDS >= end)); then
			STOPPED="terminal $1 gave no prompt back within $WAIT s"
			return 1
		fi
		while read -r -t 1 line <&"${TM[0]}" && [[ $line != %output* ]]; do :; done
	done
	if [ -n "${3-}" ] && [ "$3" != "$AT_PROMPT" ]; then
		STOPPED="terminal $1 shows the prompt '$AT_PROMPT', not '$3'"
		return 1
	fi
}

# run_block N TERM: type the lines of block N ($WORK/N.md) into terminal
# TERM, and keep its part of the screen in $WORK/N.out, each line after
# "TERM: " as in the .t file.
run_block() {
	local n=$1 term=$2 line prompt typed hex start='' last=-1 pid
	local -A shown=()
	while IFS= read -r line; do
		[[ $line =~ $PROMPT ]] || continue
		prompt=${BASH_REMATCH[0]}
		wait_prompt "$term" "$last" "$prompt" || { STOPPED+=", before: $line"; break; }
		start=${start:-$AT} last=$AT
		typed=${line#"$prompt"}
		if [[ $typed =~ ^PID=[0-9]+ ]]; then
			typed=${typed#"${BASH_REMATCH[0]}"} pid=''
			tm "capture-pane -p -t lab:1 -S - -E -"
			for hex in "${OUT[@]}"; do
				[[ ! $hex =~ ^Parent:\ PID\ of\ child\ is\ ([0-9]+)$ ]] || pid=${BASH_REMATCH[1]}
			done
			typed=PID=$pid$typed
			shown[:$prompt$typed]=$line
		fi
		# As bytes, with the Enter key's \r: tmux would take a ";" at the
		# end of a word for its own.
		hex=$(printf '%s\r' "$typed" | od -An -tx1 -v)
		tm "send-keys -t lab:$term -H ${hex//$'\n'/ }"
	done <"$WORK/$n.md"
	[ -n "${STOPPED:-}" ] || wait_prompt "$term" "$last" || STOPPED+=", after: $line"
	[ -n "$start" ] || return 0
	OUT=()
	((AT <= start)) || tm "capture-pane -p -t lab:$term -S $((start - H)) -E $((AT - 1 - H))"
	for line in "${OUT[@]}"; do
		printf '%s: %s\n' "$term" "${shown[:$line]:-$line}"
	done >"$WORK/$n.out"
}

# The throwaway host: the lab, its name, a loopback, sudo for the student.
setup() {
	mount -t tmpfs -o mode=0755 labcheck "$WORK"
	mount -t tmpfs -o mode=0755 labcheck-run /run
	mkdir -m 0700 "$WORK/home"
	"$HERE/copylab.sh" "$1" "$WORK/lab"
	chown -R "$LAB_UID:$LAB_UID" "$WORK/lab" "$WORK/home"
	printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$VM_NAME" >"$WORK/hosts"
	# Debian's defaults, without the log; "#UID" is a user.
	printf '%s\n' 'Defaults env_reset, use_pty, !syslog, !lecture' 'root ALL=(ALL:ALL) ALL' \
		'Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"' \
		"#$LAB_UID ALL=(ALL:ALL) NOPASSWD: ALL" >"$WORK/sudoers"
	chmod 0440 "$WORK/sudoers"
	mount --bind "$WORK/hosts" /etc/hosts
	mount --bind "$WORK/sudoers" /etc/sudoers
	hostname "$VM_NAME"
	ip link set dev lo up
	printf 'set -g %s\n' 'history-limit 100000' 'remain-on-exit on' 'status off' >"$WORK/tmux.conf"
	# The terminals' shells print [N] after a command that failed.
	cat >"$WORK/bashrc" <<'EOF'
PS1='$ '
PROMPT_COMMAND='s=$?; [ "$s" = 0 ] || printf "[%s]\n" "$s"'
EOF
	mkfifo "$WORK/up"
}

# host WORK: PID 1 of the throwaway host, as root.  It starts the two
# terminals, with Debian's PATH for users, says so in WORK/up, and lives
# (reaping orphans) until the checker closes its stdin.
host() {
	local -a sh=(-c "$1/lab" bash --rcfile "$1/bashrc")
	{
		env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games \
			HOME="$1/home" LANG=C.UTF-8 TERM=xterm \
			setpriv --reuid="$LAB_UID" --regid="$LAB_UID" --clear-groups \
			tmux -S "$1/home/tmux" -f "$1/tmux.conf" new-session -d -s lab -n 1 -x 250 -y 50 \
			"${sh[@]}" \; new-window -d -t lab:2 "${sh[@]}" && printf 'up\n'
	} >"$1/up"
	read -r _ || :
}

# inside FILE WORK LAB: the checker, in the throwaway host's namespaces but
# its PID one.
inside() {
	local file=$1 n=0 line fence='' term skip i status=0
	local -a blocks=()
	local -A term_of=()
	WORK=$2
	setup "$3"
	exec {i}> >(exec unshare --pid --fork --mount-proc "$BASH" "$0" --host "$WORK")
	read -r line <"$WORK/up" || die "the throwaway host's terminals did not start"
	coproc TM { exec tmux -S "$WORK/home/tmux" -C attach -t lab; }
	until [[ $line == %session-changed* ]]; do
		read -r -t "$WAIT" line <&"${TM[0]}" || die "tmux -C did not attach"
	done
	# Every block, into $WORK/FENCE.md, FENCE the line of its ```console.
	while IFS= read -r line; do
		n=$((n + 1))
		if [ -z "$fence" ] && [[ $line =~ ^\`\`\`console([[:space:]].*)?$ ]]; then
			fence=$n term=1 skip=-
			[[ $line != *'terminal 2'* ]] || term=2
			[[ ! $line =~ needs\ ([^[:space:]]+) ]] || skip=${BASH_REMATCH[1]}
			blocks+=("$fence $term $skip")
			term_of[$fence]=$term
			: >"$WORK/$fence.md"
		elif [ -n "$fence" ] && [ "$line" = '```' ]; then
			fence=''
		elif [ -n "$fence" ]; then
			printf '%s\n' "$line" >>"$WORK/$fence.md"
		fi
	done <"$file"
	[ -z "$fence" ] || die "$file:$fence: a \`\`\`console block is not closed"
	for i in "${blocks[@]}"; do
		read -r fence term skip <<<"$i"
		if [ "$skip" != - ] && [ ! -e "$skip" ]; then
			printf '%s: %s:%d: skipped: there is no %s here\n' "$PROG" "$file" "$fence" "$skip"
		elif [ -z "${STOPPED:-}" ]; then
			run_block "$fence" "$term"
		fi
	done
	for term in 1 2; do
		[ -n "${STOPPED:-}" ] || { at_prompt "$term" -1 && [ "$AT_PROMPT" = '$ ' ]; } ||
			STOPPED="terminal $term is not back at the host's prompt at the end"
	done
	# The .t file keeps LAB.md's line numbers: the fence of a block that
	# ran is the command that prints its screen, the block's lines what
	# that should print.  Everything else is a blank line.
	n=0 fence=''
	while IFS= read -r line; do
		n=$((n + 1))
		if [ -z "$fence" ] && [ -f "$WORK/$n.out" ]; then
			fence=$n
			# shellcheck disable=SC2016
			printf '  $ cat "$TESTDIR/%d.out"\n' "$n"
		elif [ -n "$fence" ] && [ "$line" = '```' ]; then
			fence=''
			printf '\n'
		elif [ -n "$fence" ]; then
			printf '  %s: %s\n' "${term_of[$fence]}" "$line"
		else
			printf '\n'
		fi
	done <"$file" >"$WORK/LAB.t"
	if ! cram3 "$WORK/LAB.t"; then
		printf '%s: the line numbers above are those of %s\n' "$PROG" "$file"
		status=1
	fi
	if [ -n "${STOPPED:-}" ]; then
		printf '%s: stopped: %s\n' "$PROG" "$STOPPED"
		status=1
	fi
	return "$status"
}

main() {
	local file work status=0 tool
	case ${1-} in
	--inside) shift; inside "$@"; return ;;
	--host) host "$2"; return ;;
	-h | --help)
		printf 'Usage: %s [-h] FILE\n%s\n' "$PROG" "$(sed -n '2,/^set -e/{/^set/d;s/^# \{0,1\}//;p}' "$0")"
		printf 'Needs root, tmux, cram3 and sudo.  Exits 0 when every transcript matches,\n'
		printf '1 when one does not, 2 when it cannot run.\n'
		return 0 ;;
	esac
	(($# == 1)) || { printf 'Usage: %s [-h] FILE\n' "$PROG" >&2; exit 2; }
	file=$(realpath -- "$1") || die "$1: no such file"
	[ -r "$file" ] || die "$1: cannot read it"
	((EUID == 0)) || die "needs root, to make the throwaway host"
	for tool in tmux cram3 sudo; do
		command -v "$tool" >/dev/null || die "needs $tool (make deps installs it)"
	done
	setpriv --reuid="$LAB_UID" --regid="$LAB_UID" --clear-groups true 2>/dev/null ||
		die "cannot run commands as uid $LAB_UID here (root of a user namespace?)"
	work=$(mktemp -d)
	chmod 0755 "$work"
	unshare --mount --uts --ipc --net --pid --fork --mount-proc \
		"$BASH" "$0" --inside "$file" "$work" "$HERE/.." || status=$?
	rmdir "$work"
	return "$status"
}

main "$@"
