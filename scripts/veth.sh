#!/usr/bin/env bash
# veth.sh: connect a container's network namespace to this one with a veth pair.
#
# A process started with `invoke_ns -n` (step 4) has a network namespace of its
# own, with nothing in it but a loopback device that is down. To reach it, the
# host side (this script, run as root) lays a virtual cable, a veth pair:
#
#     this namespace                     the container's namespace
#     host  10.0.0.1/24  <---- veth ---->  guest  10.0.0.2/24   (and lo, up)
#
# When the container's last process exits its namespace goes away, and the
# pair with it.  Each step prints the ip command it runs: the same commands
# work by hand.  See veth(4), network_namespaces(7), ip-link(8), nsenter(1).
set -euo pipefail

usage() {
	cat <<'EOF2'
Usage: veth.sh up PID | down | -h
up PID: create the pair host <-> guest, move guest into the network namespace
of process PID (a container started with invoke_ns -n), give host 10.0.0.1/24
and guest 10.0.0.2/24, and bring both up, and lo in the container too.
down: delete host, which deletes both ends.  Needs root.
EOF2
}

die() {
	printf 'veth.sh: %s\n' "$1" >&2
	exit 1
}

usage_error() {
	printf 'veth.sh: %s\n' "$1" >&2
	usage >&2
	exit 2
}

# step CMD...: print the command, then run it; stop if it fails.
step() {
	printf '+ %s\n' "$*"
	"$@" || die "failed: $*"
}

# namespaces(7): two processes share a namespace when their /proc/PID/ns/TYPE
# links name the same device and inode.
net_id() {
	stat -L -c '%d:%i' -- "/proc/$1/ns/net" 2>/dev/null
}

up() {
	local pid=$1 theirs
	[[ $pid =~ ^[0-9]+$ ]] || usage_error "PID must be a number, not '$pid'"
	theirs=$(net_id "$pid") || die "no process with PID $pid"
	[ "$theirs" != "$(net_id $$)" ] ||
		die "process $pid is not in a network namespace of its own (start it with invoke_ns -n)"
	# Never move a link into the machine's own namespace, that of PID 1
	# (which this script could be out of, as in the tests).
	[ "$theirs" != "$(net_id 1 || true)" ] ||
		die "process $pid is in the network namespace of PID 1, the machine's own: not touching it"
	! ip link show dev host >/dev/null 2>&1 || die "a link named host already exists"
	! ip link show dev guest >/dev/null 2>&1 || die "a link named guest already exists"
	! nsenter --net="/proc/$pid/ns/net" ip link show dev guest >/dev/null 2>&1 ||
		die "the network namespace of process $pid already has a link named guest"

	# From here on, a failure deletes the half-made pair again.
	trap 'printf "veth.sh: deleting host again\n" >&2; ip link delete dev host 2>/dev/null' EXIT
	# Both ends start here: what goes into one comes out of the other.
	step ip link add name host type veth peer name guest
	# Moving a link to a process moves it into that process's namespace.
	step ip link set dev guest netns "$pid"
	step ip addr add 10.0.0.1/24 dev host
	step ip link set dev host up
	# The container's end can only be seen from inside: nsenter runs ip there.
	step nsenter --net="/proc/$pid/ns/net" ip addr add 10.0.0.2/24 dev guest
	step nsenter --net="/proc/$pid/ns/net" ip link set dev guest up
	# A new namespace's loopback starts down: 127.0.0.1 works once it is up.
	step nsenter --net="/proc/$pid/ns/net" ip link set dev lo up
	trap - EXIT
	printf 'veth.sh: host (10.0.0.1/24) here <-> guest (10.0.0.2/24) in the namespace of PID %s: try ping 10.0.0.2\n' "$pid"
}

down() {
	ip link show dev host >/dev/null 2>&1 || die "no link named host: nothing to take down"
	# Never another kind of link that happens to be called host.
	[[ $(ip -d link show dev host) =~ [[:space:]]veth[[:space:]] ]] ||
		die "host is not a veth link: not deleting it"
	step ip link delete dev host
	printf 'veth.sh: deleted host and its peer\n'
}

case ${1-}:$# in
-h:1 | --help:1) usage; exit 0 ;;
up:2 | down:1) [ "$(id -u)" -eq 0 ] || die "needs root: run it with sudo" ;;
up:* | down:*) usage_error "up takes one argument, the PID of a process in the container; down none" ;;
-*) usage_error "unknown option $1" ;;
:*) usage_error "missing command: up or down" ;;
*) usage_error "unknown command '$1'" ;;
esac
if [ "$1" = up ]; then up "$2"; else down; fi
