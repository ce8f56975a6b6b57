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

readonly PROG=${0##*/}

hostif=host
guestif=guest
hostaddr=10.0.0.1/24
guestaddr=10.0.0.2/24

usage() {
	cat <<EOF
Usage: $PROG [-h] [-H HOSTIF] [-G GUESTIF] [-a HOSTADDR] [-A GUESTADDR] up PID
       $PROG [-h] [-H HOSTIF] down

Give the network namespace of process PID (a container started with
invoke_ns -n) a veth link to this namespace, or delete that link again.
Needs root.

  up PID         create the pair HOSTIF <-> GUESTIF, move GUESTIF into the
                 network namespace of PID, give both ends their address and
                 bring them up, and lo in the container too
  down           delete HOSTIF (which deletes both ends of the pair)
  -H HOSTIF      name of the end that stays here        (default: host)
  -G GUESTIF     name of the end in the container       (default: guest)
  -a HOSTADDR    address/prefix of HOSTIF               (default: 10.0.0.1/24)
  -A GUESTADDR   address/prefix of GUESTIF              (default: 10.0.0.2/24)
  -h             show this help and exit

Example:
  sudo ./step04-net/invoke_ns -vn sh      # note the line 'PID of child is N'
  sudo $PROG up N                         # in another terminal
  ping -c1 10.0.0.2                       # from here; ping 10.0.0.1 from inside
  sudo $PROG down
EOF
}

# die MESSAGE: report an error on stderr and stop (the EXIT trap cleans up)
die() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	exit 1
}

# usage_error MESSAGE: a mistake on the command line: say what, show the usage
usage_error() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	usage >&2
	exit 2
}

# step CMD...: print the command, then run it; stop if it fails
step() {
	printf '+ %s\n' "$*"
	"$@" || die "failed: $*"
}

# need_root: creating links and entering another namespace need CAP_NET_ADMIN
# and CAP_SYS_ADMIN, which root has
need_root() {
	if ((EUID != 0)); then
		die "needs root: run it with sudo"
	fi
}

# link_exists NAME: true if a link called NAME exists in this namespace
link_exists() {
	ip link show dev "$1" >/dev/null 2>&1
}

# check_name WHAT NAME: an interface name is 1 to 15 characters (IFNAMSIZ - 1)
check_name() {
	if ! [[ $2 =~ ^[A-Za-z0-9_.-]{1,15}$ ]]; then
		usage_error "$1 '$2' is not a link name: use 1 to 15 letters, digits, '.', '-' or '_'"
	fi
}

# check_addr WHAT ADDR: without a prefix, ip would add a /32 that routes nothing
check_addr() {
	if ! [[ $2 =~ ^[0-9A-Fa-f.:]+/[0-9]+$ ]]; then
		usage_error "$1 '$2' must be ADDRESS/PREFIX, like 10.0.0.1/24"
	fi
}

pair_made=0   # set while a pair exists that a failure must take down again

# undo: on any exit before the end of `up`, delete the half-made pair
undo() {
	if ((pair_made)); then
		printf '%s: deleting %s again\n' "$PROG" "$hostif" >&2
		ip link delete dev "$hostif" 2>/dev/null || true
	fi
}

up() {
	local pid=$1 netns ours theirs init
	need_root
	if ! [[ $pid =~ ^[0-9]+$ ]]; then
		usage_error "PID must be a number, not '$pid'"
	fi
	netns=/proc/$pid/ns/net
	if ! theirs=$(stat -L -c '%d:%i' -- "$netns" 2>/dev/null); then
		die "no process with PID $pid"
	fi
	# namespaces(7): two processes share a namespace when their
	# /proc/PID/ns/TYPE links point at the same device and inode
	ours=$(stat -L -c '%d:%i' -- "/proc/$$/ns/net")
	if [[ $theirs == "$ours" ]]; then
		die "process $pid is not in a network namespace of its own (start it with invoke_ns -n)"
	fi
	# Never move a link into the machine's own namespace, that of PID 1 (which
	# would happen if this script ran in a namespace of its own, as in the tests,
	# and PID were an ordinary process outside it).
	# (Where even root may not read /proc/1/ns, this check cannot be made.)
	init=$(stat -L -c '%d:%i' /proc/1/ns/net 2>/dev/null) || init=""
	if [[ $theirs == "$init" ]]; then
		die "process $pid is in the network namespace of PID 1, the machine's own: not touching it"
	fi
	if link_exists "$hostif"; then
		die "a link named $hostif already exists"
	fi
	if link_exists "$guestif"; then
		die "a link named $guestif already exists"
	fi
	if nsenter --net="$netns" ip link show dev "$guestif" >/dev/null 2>&1; then
		die "the network namespace of process $pid already has a link named $guestif"
	fi

	trap undo EXIT
	# A veth pair is a virtual Ethernet cable: what is sent into one end
	# comes out of the other. Both ends start here, in our namespace.
	step ip link add name "$hostif" type veth peer name "$guestif"
	pair_made=1
	# Move one end into the container's namespace, named by a process in it:
	# the kernel moves the link into that process's network namespace.
	step ip link set dev "$guestif" netns "$pid"
	# Our end: an address on the shared subnet, then switch it on.
	step ip addr add "$hostaddr" dev "$hostif"
	step ip link set dev "$hostif" up
	# The container's end can only be seen from inside its namespace:
	# nsenter --net runs ip there, like invoke_ns would run a command.
	step nsenter --net="$netns" ip addr add "$guestaddr" dev "$guestif"
	step nsenter --net="$netns" ip link set dev "$guestif" up
	# A new namespace's loopback starts down: 127.0.0.1 works once it is up.
	step nsenter --net="$netns" ip link set dev lo up
	pair_made=0

	printf '%s: %s (%s) here <-> %s (%s) in the namespace of PID %s: try ping %s\n' \
		"$PROG" "$hostif" "$hostaddr" "$guestif" "$guestaddr" "$pid" "${guestaddr%/*}"
}

down() {
	local details
	need_root
	if ! link_exists "$hostif"; then
		die "no link named $hostif: nothing to take down"
	fi
	# Refuse to delete a real interface by mistake (veth.sh -H eth0 down).
	details=$(ip -d link show dev "$hostif")
	if ! [[ $details =~ [[:space:]]veth[[:space:]] ]]; then
		die "$hostif is not a veth link: not deleting it"
	fi
	# Deleting one end of a veth pair deletes the other end too, wherever it is.
	step ip link delete dev "$hostif"
	printf '%s: deleted %s and its peer\n' "$PROG" "$hostif"
}

main() {
	local opt
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
	check_name HOSTIF "$hostif"
	check_name GUESTIF "$guestif"
	if [[ $hostif == "$guestif" ]]; then
		usage_error "HOSTIF and GUESTIF must differ (both are '$hostif')"
	fi
	check_addr HOSTADDR "$hostaddr"
	check_addr GUESTADDR "$guestaddr"

	case ${1-} in
	up)
		if (($# != 2)); then
			usage_error "up takes one argument: the PID of a process in the container"
		fi
		up "$2"
		;;
	down)
		if (($# != 1)); then
			usage_error "down takes no argument"
		fi
		down
		;;
	'') usage_error "missing command: up or down" ;;
	*) usage_error "unknown command '$1'" ;;
	esac
}

main "$@"
