#!/usr/bin/env bash
# demo.sh: the lab in one command (`make demo`).
#
# Runs each step's invoke_ns with the flags of that step and of every step
# before it, and a small command inside that reports the namespaces it is in
# (/proc/self/ns/TYPE, as namespaces(7) identifies them by inode) and what the
# step changed.  For each step it prints a table of namespace types, the
# host's inode, the container's and whether it is new, then one line of what
# the step shows.  Steps 1 to 6 need root; without it they are skipped and
# step 7 runs alone, with -U.  Exits 1 when a step that could run failed.
set -euo pipefail

readonly PROG=${0##*/}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
readonly ROOT
readonly TYPES="cgroup ipc mnt net pid time user uts"
readonly NAME=demo   # the container's hostname

usage() {
	cat <<EOF
Usage: $PROG [-h]

Run every built step of the lab (make builds them) and show, for each, which
namespaces its invoke_ns creates and what that changes inside.  Steps 1-6
need root (sudo make demo); step 7 runs without it.  Colours only on a
terminal (and not when NO_COLOR is set).
EOF
}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

# The command run inside each container: "ns TYPE INODE" per type, then one
# "KEY VALUE" line per thing the steps change.  Plain sh, and only programs
# that `make jail` puts into a jail (sh, stat, hostname, ip, id).
# shellcheck disable=SC2016
readonly PROBE='
for t in '"$TYPES"'; do
	printf "ns %s %s\n" "$t" "$(stat -L -c %i /proc/self/ns/$t)"
done
printf "pid %s\n" "$$"
n=0
for d in /proc/[0-9]*; do n=$((n + 1)); done
printf "procs %s\n" "$n"
printf "hostname %s\n" "$(hostname)"
printf "links"
ip -o link show | while read -r _ name _; do printf " %s" "${name%%[@:]*}"; done
printf "\nroot"
for f in /*; do printf " %s" "${f#/}"; done
printf "\nuid %s\n" "$(id -u)"
'

BOLD="" GREEN="" RED="" PLAIN=""
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	BOLD=$'\e[1m' GREEN=$'\e[1;32m' RED=$'\e[1;31m' PLAIN=$'\e[0m'
fi

TMP=""
FAILED=0

cleanup() {
	if [ -n "$TMP" ]; then
		rm -rf "$TMP"
	fi
}

# flags_of N: the flags of step N and every step before it.
flags_of() {
	local flags=(-p -m -u "$NAME" -n -i yes -c "$TMP/jail")
	local count=(0 1 2 4 5 7 9 9)
	if [ "$1" -eq 7 ]; then
		printf '%s\n' -U "${flags[@]}"
	else
		printf '%s\n' "${flags[@]:0:${count[$1]}}"
	fi
}

# value KEY: the value of the probe's line KEY.
value() {
	sed -n "s/^$1 //p" "$TMP/out" | head -n 1
}

# table: the namespace table of the probe's output against ours.
table() {
	local t host inside new line
	printf '%-7s %-12s %-12s %s\n' type host container new
	for t in $TYPES; do
		host=$(stat -L -c %i "/proc/$$/ns/$t")
		inside=$(sed -n "s/^ns $t //p" "$TMP/out")
		new=""
		if [ -z "$inside" ]; then
			inside="?"
		elif [ "$inside" != "$host" ]; then
			new=${GREEN}yes$PLAIN
		fi
		line=$(printf '%-7s %-12s %-12s %s' "$t" "$host" "$inside" "$new")
		printf '%s\n' "${line%"${line##*[! ]}"}"
	done
}

# shown N: the one line that says what step N showed, or false (and a line
# that says what was wrong) when it did not show it.
shown() {
	local err
	case $1 in
	1)
		[ "$(value pid)" = 1 ] || { printf 'the command is PID %s, not 1\n' "$(value pid)"; return 1; }
		printf 'PID 1: the command is the first process of a PID namespace of its own\n'
		;;
	2)
		local ours
		ours=$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l)
		[ "$(value procs)" -lt "$ours" ] || { printf '/proc inside lists %s processes, as many as ours\n' "$(value procs)"; return 1; }
		printf '/proc is the container'\''s own: %s process(es) in it, %s in the host'\''s\n' "$(value procs)" "$ours"
		;;
	3)
		[ "$(value hostname)" = "$NAME" ] || { printf 'the hostname inside is %s, not %s\n' "$(value hostname)" "$NAME"; return 1; }
		printf 'the hostname inside is %s, the host'\''s is still %s\n' "$NAME" "$(hostname)"
		;;
	4)
		[ "$(value links)" = lo ] || { printf 'links inside: %s, not only lo\n' "$(value links)"; return 1; }
		printf 'the only network link inside is lo (and it is down)\n'
		;;
	5)
		err=$(sed -n 's/^invoke_ns: child: mq_open [^:]*: //p' "$TMP/err")
		[ -n "$err" ] || { printf 'the child opened the parent'\''s message queue\n'; return 1; }
		printf 'the parent'\''s message queue is not found inside: %s\n' "$err"
		;;
	6)
		printf 'the jail'\''s / is all the command sees: %s\n' "$(value root)"
		;;
	7)
		[ "$(value uid)" = 0 ] || { printf 'the uid inside is %s, not 0\n' "$(value uid)"; return 1; }
		if [ "$(id -u)" -eq 0 ]; then
			printf 'uid 0 inside, mapped to your uid 0 outside (run it without sudo to see them differ)\n'
		else
			printf 'uid 0 inside, mapped to your uid %s outside: root in there, you out here\n' "$(id -u)"
		fi
		;;
	esac
}

# restricted: the setting that keeps unprivileged users out of user
# namespaces here, if one does (as invoke_ns of step 7 reads them).
restricted() {
	local knob want
	for knob in kernel/apparmor_restrict_unprivileged_userns:1 \
		kernel/unprivileged_userns_clone:0 user/max_user_namespaces:0; do
		want=${knob##*:}
		knob=${knob%:*}
		if [ "$(cat "/proc/sys/$knob" 2>/dev/null)" = "$want" ]; then
			printf '%s = %s\n' "${knob//\//.}" "$want"
			return 0
		fi
	done
	return 1
}

# run_step DIR: run step DIR's program and report.  False if it failed.
run_step() {
	local dir=$1 n=${1:5:1} status=0 why
	local -a flags
	mapfile -t flags < <(flags_of "$n")
	printf '%s%s: %s%s\n' "$BOLD" "$dir" "${flags[*]//$TMP\//}" "$PLAIN"
	if [ ! -x "$ROOT/$dir/invoke_ns" ]; then
		printf '%sFAILED%s: %s/invoke_ns is not built: run make\n\n' "$RED" "$PLAIN" "$dir"
		return 1
	fi
	if [ "$n" -lt 7 ] && [ "$(id -u)" -ne 0 ]; then
		printf 'skipped: creating namespaces without -U needs root (sudo make demo)\n\n'
		return 0
	fi
	if [ "$n" -eq 7 ] && [ "$(id -u)" -ne 0 ] && why=$(restricted); then
		printf 'skipped: %s restricts unprivileged user namespaces (LAB.md, appendix A)\n\n' "$why"
		return 0
	fi
	if [ "$n" -ge 6 ] && [ ! -d "$TMP/jail" ]; then
		if ! "$ROOT/scripts/mkjail.sh" "$TMP/jail" >"$TMP/err" 2>&1; then
			printf '%sFAILED%s: could not build a jail:\n' "$RED" "$PLAIN"
			sed 's/^/  /' "$TMP/err"
			printf '\n'
			return 1
		fi
	fi
	timeout 30 "$ROOT/$dir/invoke_ns" "${flags[@]}" sh -c "$PROBE" \
		</dev/null >"$TMP/out" 2>"$TMP/err" || status=$?
	if [ "$status" -ne 0 ]; then
		printf '%sFAILED%s: invoke_ns exited with status %s:\n' "$RED" "$PLAIN" "$status"
		sed 's/^/  /' "$TMP/err"
		printf '\n'
		return 1
	fi
	table
	if ! why=$(shown "$n"); then
		printf '%sFAILED%s: %s\n\n' "$RED" "$PLAIN" "$why"
		return 1
	fi
	printf '%s\n\n' "$why"
}

main() {
	local dir
	case ${1-} in
	-h | --help) usage; exit 0 ;;
	'') ;;
	*) usage >&2; exit 2 ;;
	esac
	trap cleanup EXIT
	TMP=$(mktemp -d)
	chmod 0755 "$TMP"
	cd "$ROOT"
	printf 'Each step: its flags, then for each type of namespace its inode outside\n'
	printf '(host) and inside (container), "yes" where the step made it new.\n\n'
	for dir in step0[1-7]-*; do
		[ -f "$dir/invoke_ns.c" ] || continue
		run_step "$dir" || FAILED=$((FAILED + 1))
	done
	if [ "$FAILED" -gt 0 ]; then
		die "$FAILED step(s) failed; the reasons are above"
	fi
}

main "$@"
