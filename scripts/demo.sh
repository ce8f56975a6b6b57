#!/usr/bin/env bash
# demo.sh (make demo): run each built step's invoke_ns with every flag the
# step knows, and in it a command that reports the namespaces it is in
# (/proc/self/ns/TYPE, whose inode namespaces(7) calls its identity) and what
# the step changed.  For each step a table of the types, the host's inode,
# the container's and "yes" where it is new (coloured on a terminal unless
# NO_COLOR is set), then one line of what the step shows.  Steps 1 to 6 need
# root; without it they say so and step 7 runs alone.  In a handout, a step
# still as handed out is marked "to do" and not run.  Exits 1 when a step
# that could run failed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

readonly TYPES="cgroup ipc mnt net pid time user uts"
# Run in each container, with only the jail's programs: "ns-TYPE INODE" per
# type, then a "KEY VALUE" line for each thing a step changes.
# shellcheck disable=SC2016
readonly PROBE='
(cd /proc/self/ns && exec stat -L -c "ns-%n %i" '"$TYPES"')
n=0; for d in /proc/[0-9]*; do n=$((n + 1)); done
printf "pid %s\nprocs %s\nhostname %s\nlinks" "$$" "$n" "$(hostname)"
ip -o link show | while read -r _ name _; do printf " %s" "${name%%[@:]*}"; done
printf "\nroot"; for f in /*; do printf " %s" "${f#/}"; done
printf "\nuid %s\n" "$(id -u)"'

BOLD="" GREEN="" RED="" PLAIN=""
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	BOLD=$'\e[1m' GREEN=$'\e[1;32m' RED=$'\e[1;31m' PLAIN=$'\e[0m'
fi

# VALUE[KEY]: VALUE for each line "KEY VALUE" of the last probe's output;
# HOST[TYPE]: the inode of our namespace of each type.
declare -A VALUE HOST

# The namespace table: the probe's inodes against ours (HOST).
table() {
	local t host inside
	printf '%-7s %-12s %-12s %s\n' type host container new
	for t in $TYPES; do
		host=${HOST[$t]-} inside=${VALUE[ns-$t]-}
		if [ "${inside:-?}" != "$host" ] && [ -n "$inside" ]; then
			printf '%-7s %-12s %-12s %s\n' "$t" "$host" "$inside" "${GREEN}yes$PLAIN"
		else
			printf '%-7s %-12s %s\n' "$t" "$host" "${inside:-?}"
		fi
	done
}

# shown N: the line that says what step N showed; false, with a line that
# says what was wrong, when it did not show it.
shown() {
	local ours err
	case $1 in
	1) [ "${VALUE[pid]-}" = 1 ] || { printf 'the command is PID %s, not 1\n' "${VALUE[pid]-}"; return 1; }
		printf 'PID 1: the command is the first process of a PID namespace of its own\n' ;;
	2) ours=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
		[ "${VALUE[procs]-}" -lt "$ours" ] || { printf '/proc inside lists %s processes, as many as ours\n' "${VALUE[procs]-}"; return 1; }
		printf "/proc is the container's own: %s process(es) in it, %s in the host's\n" "${VALUE[procs]-}" "$ours" ;;
	3) [ "${VALUE[hostname]-}" = lab ] || { printf 'the hostname inside is %s, not lab\n' "${VALUE[hostname]-}"; return 1; }
		printf "the hostname inside is lab, the host's is still %s\n" "$(hostname)" ;;
	4) [ "${VALUE[links]-}" = lo ] || { printf 'links inside: %s, not only lo\n' "${VALUE[links]-}"; return 1; }
		printf 'the only network link inside is lo (and it is down)\n' ;;
	5) err=$(sed -n 's/^invoke_ns: child: mq_open [^:]*: //p' "$TMP/err")
		[ -n "$err" ] || { printf "the child opened the parent's message queue\n"; return 1; }
		printf "the parent's message queue is not found inside: %s\n" "$err" ;;
	6) printf "the jail's / is all the command sees: %s\n" "${VALUE[root]-}" ;;
	7) [ "${VALUE[uid]-}" = 0 ] || { printf 'the uid inside is %s, not 0\n' "${VALUE[uid]-}"; return 1; }
		[ "$EUID" -ne 0 ] || { printf 'uid 0 inside, mapped to your uid 0 outside (run it without sudo to see them differ)\n'; return; }
		printf 'uid 0 inside, mapped to your uid %s outside: root in there, you out here\n' "$EUID" ;;
	esac
}

# The setting that keeps users out of user namespaces here, if one does.
restricted() {
	local knob
	for knob in kernel/apparmor_restrict_unprivileged_userns=1 \
		kernel/unprivileged_userns_clone=0 user/max_user_namespaces=0; do
		[ "$(cat "/proc/sys/${knob%=*}" 2>/dev/null)" != "${knob#*=}" ] || { printf '%s\n' "${knob//\//.}"; return 0; }
	done
	return 1
}

# failed WHAT [FILE]: say that the step failed, and what FILE says.
failed() {
	printf '%sFAILED%s: %s\n' "$RED" "$PLAIN" "$1"
	[ -z "${2-}" ] || sed 's/^/  /' "$2"
	printf '\n'
	return 1
}

# run_step DIR: run step DIR and report.  False if it failed.
run_step() {
	local dir=$1 n status=0 why key val
	local -a flags
	n=$(step_number "$dir")
	mapfile -t flags < <(all_flags "$n" "$TMP/jail")
	[ "$n" -lt 7 ] || flags=(-U "${flags[@]:0:9}")
	printf '%s%s: %s%s\n' "$BOLD" "$dir" "${flags[*]//$TMP\//}" "$PLAIN"
	if handed_out "$dir"; then
		printf 'to do: the file is as handed out; write its TODOs (LAB.md, "Working from the handout")\n\n'
		return 0
	fi
	[ -x "$ROOT/$dir/invoke_ns" ] || failed "$dir/invoke_ns is not built: run make" || return
	if [ "$n" -lt 7 ] && [ "$EUID" -ne 0 ]; then
		printf 'skipped: creating namespaces without -U needs root (sudo make demo)\n\n'
		return 0
	elif [ "$n" -eq 7 ] && [ "$EUID" -ne 0 ] && why=$(restricted); then
		printf 'skipped: %s restricts unprivileged user namespaces (LAB.md, appendix A)\n\n' "$why"
		return 0
	fi
	# The jail: the probe's programs with their libraries; invoke_ns makes /proc.
	if [ "$n" -ge 6 ] && [ ! -d "$TMP/jail" ]; then
		"$ROOT/scripts/binlibdepcp.sh" sh stat hostname ip id "$TMP/jail" >"$TMP/err" 2>&1 ||
			failed "could not build a jail:" "$TMP/err" || return
	fi
	timeout 30 "$ROOT/$dir/invoke_ns" "${flags[@]}" sh -c "$PROBE" \
		</dev/null >"$TMP/out" 2>"$TMP/err" || status=$?
	[ "$status" -eq 0 ] || failed "invoke_ns exited with status $status:" "$TMP/err" || return
	VALUE=() && while read -r key val; do VALUE[$key]=$val; done <"$TMP/out"
	table
	why=$(shown "$n") || failed "$why" || return
	printf '%s\n\n' "$why"
}

# shellcheck disable=SC2086 # TYPES is a list of words
while read -r t inode; do HOST[$t]=$inode; done < <(cd /proc/self/ns && exec stat -L -c '%n %i' $TYPES 2>/dev/null)
TMP=$(mktemp -d)
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
printf 'Each step: its flags, then for each type of namespace its inode outside\n'
printf '(host) and inside (container), "yes" where the step made it new.\n\n'
FAILED=0
for dir in $(steps); do
	run_step "$dir" || FAILED=$((FAILED + 1))
done
[ "$FAILED" -eq 0 ] || die "$FAILED step(s) failed; the reasons are above"
