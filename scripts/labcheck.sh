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
set -euo pipefail

readonly PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
readonly HERE
readonly LAB_UID=65534 # the student
readonly VM_NAME=labvm # the VM's name in LAB.md's examples
readonly WAIT=60       # seconds a command may take to give a prompt back
readonly PROMPT='^(\$|#|ns #) '

usage() {
	cat <<EOF
Usage: $PROG [-h] FILE

Type every \`\`\`console transcript of FILE (LAB.md) into two terminals
(tmux) in a throwaway host made of new namespaces, on a copy of this lab,
and compare the screens with FILE using cram.  Needs root, tmux, cram3 and
sudo.  Exits 0 when every transcript matches, 1 when one does not, 2 when
it cannot run.
EOF
}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 2
}

T() { tmux -S "$WORK/home/tmux" "$@"; }

# at_prompt TERM AFTER: true when terminal TERM's cursor stands right after a
# prompt, on a line below line AFTER.  Lines count from the first one of the
# terminal's history; AT is the cursor's.
at_prompt() {
	local f='#{history_size} #{cursor_y} #{cursor_x}' cursor line h y x
	cursor=$(T display -p -t "lab:$1" "$f")
	read -r h y x <<<"$cursor"
	line=$(T capture-pane -p -t "lab:$1" -S "$y" -E "$y")
	AT=$((h + y)) AT_PROMPT="${line:0:x} "
	((AT > $2 && ${#line} <= x)) && [[ $AT_PROMPT =~ $PROMPT$ ]] &&
		[ "$(T display -p -t "lab:$1" "$f")" = "$cursor" ] # nothing came meanwhile
}

# wait_prompt TERM AFTER [PROMPT]: wait for a prompt (PROMPT, if given), as
# a student does before typing; STOPPED says why when none came.
wait_prompt() {
	local end=$((SECONDS + WAIT)) n=0
	until at_prompt "$1" "$2"; do
		if ((SECONDS >= end)); then
			STOPPED="terminal $1 gave no prompt back within $WAIT s"
			return 1
		fi
		n=$((n + 1))
		sleep "0.0$((n < 9 ? n : 9))" # look again soon, then less often
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
	local n=$1 term=$2 line prompt typed start='' last=-1 h pid
	local -A shown=()
	while IFS= read -r line; do
		[[ $line =~ $PROMPT ]] || continue
		prompt=${BASH_REMATCH[0]}
		wait_prompt "$term" "$last" "$prompt" || { STOPPED+=", before: $line"; break; }
		start=${start:-$AT} last=$AT
		typed=${line#"$prompt"}
		if [[ $typed =~ ^PID=[0-9]+ ]]; then
			pid=$(T capture-pane -p -t lab:1 -S - -E - |
				sed -n 's/^Parent: PID of child is \([0-9]*\)$/\1/p' | tail -n 1)
			typed=PID=$pid${typed#"${BASH_REMATCH[0]}"}
			shown[:$prompt$typed]=$line
		fi
		# As bytes, with the Enter key's \r: tmux would take a ";" at the
		# end of a word for its own.
		# shellcheck disable=SC2046
		T send-keys -t "lab:$term" -H $(printf '%s\r' "$typed" | od -An -tx1 -v)
	done <"$WORK/$n.md"
	[ -n "${STOPPED:-}" ] || wait_prompt "$term" "$last" || STOPPED+=", after: $line"
	[ -n "$start" ] || return 0
	h=$(T display -p -t "lab:$term" '#{history_size}')
	if ((AT > start)); then
		T capture-pane -p -t "lab:$term" -S "$((start - h))" -E "$((AT - 1 - h))"
	fi | while IFS= read -r line; do
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
	# Debian's defaults, without the log.
	cat >"$WORK/sudoers" <<EOF
Defaults env_reset, use_pty, !syslog, !lecture
Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
root ALL=(ALL:ALL) ALL
# "#UID" is a user:
#$LAB_UID ALL=(ALL:ALL) NOPASSWD: ALL
EOF
	chmod 0440 "$WORK/sudoers"
	mount --bind "$WORK/hosts" /etc/hosts
	mount --bind "$WORK/sudoers" /etc/sudoers
	hostname "$VM_NAME"
	ip link set dev lo up
	printf 'set -g history-limit 100000\nset -g remain-on-exit on\nset -g status off\n' >"$WORK/tmux.conf"
	# Two terminals, with Debian's PATH for users; their shells print [N]
	# after a command that failed.
	cat >"$WORK/bashrc" <<'EOF'
PS1='$ '
PROMPT_COMMAND='s=$?; [ "$s" = 0 ] || printf "[%s]\n" "$s"'
EOF
	set -- -c "$WORK/lab" bash --rcfile "$WORK/bashrc"
	env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games \
		HOME="$WORK/home" LANG=C.UTF-8 TERM=xterm \
		setpriv --reuid="$LAB_UID" --regid="$LAB_UID" --clear-groups \
		tmux -S "$WORK/home/tmux" -f "$WORK/tmux.conf" new-session -d -s lab -n 1 -x 250 -y 50 "$@"
	T new-window -d -t lab:2 "$@"
}

# inside FILE WORK LAB: the throwaway host's PID 1 does the work.
inside() {
	local file=$1 n=0 line fence='' term skip i status=0
	local -a blocks=()
	local -A term_of=()
	WORK=$2
	setup "$3"
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
	-h | --help) usage; return 0 ;;
	esac
	(($# == 1)) || { usage >&2; exit 2; }
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
