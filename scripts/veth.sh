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
# `up PID` creates the pair, moves the guest end into the namespace of process
# PID and gives both ends an address; `down` deletes the pair again. When the
# container's last process exits its namespace goes away, and the pair with it.
# Each step prints the ip command it runs: the same commands work by hand.
# See veth(4), network_namespaces(7), ip-link(8), ip-address(8), nsenter(1).
set -euo pipefail

PROG=${0##*/}
hostif=host guestif=guest hostaddr=10.0.0.1/24 guestaddr=10.0.0.2/24

usage() {
	cat <<EOF
Usage: $PROG [-H HOSTIF] [-G GUESTIF] [-a HOSTADDR] [-A GUESTADDR] up PID
       $PROG [-H HOSTIF] down

up PID: create the pair HOSTIF <-> GUESTIF, move GUESTIF into the network
namespace of process PID (a container started with invoke_ns -n), give both
ends their address and bring them up, and lo in the container too.
down: delete HOSTIF, which deletes both ends.  Needs root.

  -H HOSTIF     the end that stays here     (default: host)
  -G GUESTIF    the end in the container    (default: guest)
  -a HOSTADDR   address/prefix of HOSTIF    (default: 10.0.0.1/24)
  -A GUESTADDR  address/prefix of GUESTIF   (default: 10.0.0.2/24)

Example:
  sudo ./step04-net/invoke_ns -vn sh      # note the line 'PID of child is N'
  sudo $PROG up N                         # in another terminal
  ping -c1 10.0.0.2                       # from here; ping 10.0.0.1 from inside
  sudo $PROG down
EOF
}

die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

usage_error() {
	printf '%s: %s\n' "$PROG" "$1" >&2
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
	! ip link show dev "$hostif" >/dev/null 2>&1 || die "a link named $hostif already exists"
	! ip link show dev "$guestif" >/dev/null 2>&1 || die "a link named $guestif already exists"
	! nsenter --net="/proc/$pid/ns/net" ip link show dev "$guestif" >/dev/null 2>&1 ||
		die "the network namespace of process $pid already has a link named $guestif"

	# From here on, a failure deletes the half-made pair again.
	trap 'printf "%s: deleting %s again\n" "$PROG" "$hostif" >&2; ip link delete dev "$hostif" 2>/dev/null' EXIT
	# Both ends start here: what goes into one comes out of the other.
	step ip link add name "$hostif" type veth peer name "$guestif"
	# Moving a link to a process moves it into that process's namespace.
	step ip link set dev "$guestif" netns "$pid"
	step ip addr add "$hostaddr" dev "$hostif"
	step ip link set dev "$hostif" up
	# The container's end can only be seen from inside: nsenter runs ip there.
	step nsenter --net="/proc/$pid/ns/net" ip addr add "$guestaddr" dev "$guestif"
	step nsenter --net="/proc/$pid/ns/net" ip link set dev "$guestif" up
	# A new namespace's loopback starts down: 127.0.0.1 works once it is up.
	step nsenter --net="/proc/$pid/ns/net" ip link set dev lo up
	trap - EXIT
	printf '%s: %s (%s) here <-> %s (%s) in the namespace of PID %s: try ping %s\n' \
		"$PROG" "$hostif" "$hostaddr" "$guestif" "$guestaddr" "$pid" "${guestaddr%/*}"
}

down() {
	ip link show dev "$hostif" >/dev/null 2>&1 || die "no link named $hostif: nothing to take down"
	# Never a real interface by mistake (veth.sh -H eth0 down).
	[[ $(ip -d link show dev "$hostif") =~ [[:space:]]veth[[:space:]] ]] ||
		die "$hostif is not a veth link: not deleting it"
	step ip link delete dev "$hostif"
	printf '%s: deleted %s and its peer\n' "$PROG" "$hostif"
}

while getopts ':hH:G:a:A:' opt; do
	case $opt in
	h) usage; exit 0 ;;
	H) hostif=$OPTARG ;;
	G) guestif=$OPTARG ;;
	a) hostaddr=$OPTARG ;;
	A) guestaddr=$OPTARG ;;
	:) usage_error "option -$OPTARG needs a value" ;;
	*) usage_error "unknown option -$OPTARG" ;;
	esac
done
shift $((OPTIND - 1))
# A link name is 1 to 15 characters (IFNAMSIZ - 1); an address without a
# prefix would get a /32 that routes nothing.
for name in "HOSTIF $hostif" "GUESTIF $guestif"; do
	[[ ${name#* } =~ ^[A-Za-z0-9_.-]{1,15}$ ]] ||
		usage_error "${name%% *} '${name#* }' is not a link name: use 1 to 15 letters, digits, '.', '-' or '_'"
done
[ "$hostif" != "$guestif" ] || usage_error "HOSTIF and GUESTIF must differ (both are '$hostif')"
for addr in "HOSTADDR $hostaddr" "GUESTADDR $guestaddr"; do
	[[ ${addr#* } =~ ^[0-9A-Fa-f.:]+/[0-9]+$ ]] ||
		usage_error "${addr%% *} '${addr#* }' must be ADDRESS/PREFIX, like 10.0.0.1/24"
done
case ${1-}:$# in
up:2 | down:1) [ "$(id -u)" -eq 0 ] || die "needs root: run it with sudo" ;;
up:* | down:*) usage_error "up takes one argument, the PID of a process in the container; down none" ;;
:*) usage_error "missing command: up or down" ;;
*) usage_error "unknown command '$1'" ;;
esac
if [ "$1" = up ]; then up "$2"; else down; fi
