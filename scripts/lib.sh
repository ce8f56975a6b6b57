# shellcheck shell=bash
# lib.sh: what the lab's make targets share.  Sourced by check.sh, lint.sh,
# bench.sh, demo.sh, deps.sh and mkjail.sh; binlibdepcp.sh and veth.sh
# stand alone, since students read and copy them.
set -euo pipefail

PROG=${0##*/}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly PROG ROOT

# -h: the header comment of the script that sources this file is its usage.
if [ "${1-}" = -h ] || [ "${1-}" = --help ]; then
	sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"
	exit 0
fi

# die MESSAGE: one line on stderr, exit status 1.
die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

# The step directories present (step01-pid ...), one a line, in order.
steps() {
	local dir
	for dir in "$ROOT"/step0[1-7]-*; do
		[ ! -f "$dir/invoke_ns.c" ] || printf '%s\n' "${dir##*/}"
	done
}

# handed_out STEP: true in a handout (make handout) for a step whose file is
# still the skeleton it was handed out as: TODOs only, nothing to test yet.
handed_out() {
	[ -f "$ROOT/.handout/$1.c" ] && grep -q 'TODO (step' "$ROOT/.handout/$1.c" &&
		cmp -s "$ROOT/$1/invoke_ns.c" "$ROOT/.handout/$1.c"
}

# step_number DIR: 3 for step03-uts.
step_number() {
	local n=${1##*/}
	n=${n#step}
	printf '%d\n' "$((10#${n%%-*}))"
}

# all_flags N JAIL: every flag that step N knows, one word a line, for a run
# that uses them all: step 1 adds -p, step 2 -m, step 3 -u NAME, step 4 -n,
# step 5 -i yes, step 6 -c JAIL, step 7 -U.
all_flags() {
	local -a flags=(-p -m -u lab -n -i yes -c "$2" -U) words=(0 1 2 4 5 7 9 10)
	printf '%s\n' "${flags[@]:0:${words[$1]}}"
}

# in_sandbox CMD...: run CMD as the root of new mount, network and IPC
# namespaces and a session of its own: what it mounts, links, queues and
# leaves running is its own, and a leak check in it sees nothing of a run
# beside it.  A private /run lets ip netns work there.  As a user, a user
# namespace makes that user its root (and INVOKE_NS_IN_USERNS says so).
in_sandbox() {
	local -a userns=()
	[ "$(id -u)" -eq 0 ] || userns=(--user --map-root-user)
	# shellcheck disable=SC2016 # for the sh inside
	INVOKE_NS_IN_USERNS=${userns:+1} unshare "${userns[@]}" --mount --net --ipc -- sh -c '
		mount -t tmpfs -o mode=755 invoke-ns-run /run &&
		PATH=$PATH:/usr/sbin:/sbin exec setsid -w "$@"' sh "$@"
}

# can_sandbox: true when in_sandbox works here (as a user, it needs
# unprivileged user namespaces).
can_sandbox() {
	in_sandbox true 2>/dev/null
}

# give_back PATH...: under sudo, hand what root made in the tree back to the
# tree's owner, so that the next make as that user can replace it.
give_back() {
	[ "$(id -u)" -eq 0 ] || return 0
	chown -R --reference="$ROOT" -- "$@" 2>/dev/null || true
}
