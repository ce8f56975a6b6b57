#!/usr/bin/env bats
# shellcheck shell=bats
#
# Tests of the helper scripts: scripts/veth.sh (the host side of a container's
# network), scripts/binlibdepcp.sh (a program and its libraries into a jail)
# and scripts/mkjail.sh (make jail).
#
# The network tests never touch the machine's own namespace: each one creates
# a network namespace of its own (HOSTNS) that plays the host, starts a
# stand-in container in a further new namespace from there, and runs veth.sh
# inside HOSTNS. Teardown kills the stand-in and deletes HOSTNS, and with it
# every link and address the test made.
#
# Run as root: sudo bats tests/scripts.bats (tests that need root skip otherwise).

load helpers

setup() {
	VETH="$ROOT/scripts/veth.sh"
	BINLIB="$ROOT/scripts/binlibdepcp.sh"
	HOSTNS=""      # the network namespace this test creates, if any
	CPID=""        # PID of the stand-in container
	JOBS=()        # background processes to kill in teardown
	SCRATCH=""     # a directory outside BATS_TEST_TMPDIR, if any
}

teardown() {
	local job
	stop_held
	if [[ -n $CPID ]]; then
		kill "$CPID" 2>/dev/null || true
	fi
	for job in "${JOBS[@]}"; do
		kill "$job" 2>/dev/null || true
		wait "$job" 2>/dev/null || true
	done
	if [[ -n $HOSTNS ]]; then
		ip netns delete "$HOSTNS" 2>/dev/null || true
	fi
	if [[ -n $SCRATCH ]]; then
		rm -rf -- "$SCRATCH"
	fi
}

# --- helpers ---------------------------------------------------------------

# make_hostns: a network namespace of this test's own, to play the host.
# Deleted first, in case a crashed run with the same name left it behind.
make_hostns() {
	needs_root
	HOSTNS="invoke-ns-scripts-$$-$BATS_TEST_NUMBER"
	ip netns delete "$HOSTNS" 2>/dev/null || true
	ip netns add "$HOSTNS" || skip "cannot create a network namespace (ip netns add)"
}

# start_container: from inside HOSTNS, start a process in a new network
# namespace of its own: the container that veth.sh connects. It writes its PID
# to a FIFO once it is in its namespace; CPID is set from that line.
start_container() {
	local fifo="$BATS_TEST_TMPDIR/container-ready" fd
	mkfifo "$fifo"
	# shellcheck disable=SC2016 # $$ and $1 are for the inner sh
	bare ip netns exec "$HOSTNS" unshare --net \
		sh -c 'echo "$$" >"$1"; exec sleep 1000' sh "$fifo" &
	JOBS+=("$!")
	# opened read-write, the FIFO does not block: the read below has a timeout
	exec {fd}<>"$fifo"
	if ! read -r -t 20 -u "$fd" CPID; then
		exec {fd}<&-
		fail "the stand-in container did not start within 20 seconds"
	fi
	exec {fd}<&-
	if [[ $(ns_id "$CPID" net) == "$(stat -L -c '%d:%i' "/run/netns/$HOSTNS")" ]]; then
		fail "the stand-in container $CPID is not in a network namespace of its own"
	fi
}

# in_container CMD...: run CMD in the container
in_container() {
	nsenter --net="/proc/$CPID/ns/net" "$@"
}

# link_names: the names in `ip -br link` output on stdin, one a line, sorted
link_names() {
	awk '{ sub(/@.*/, "", $1); print $1 }' | sort
}

# hostns_links, container_links: the links of HOSTNS, of the container
hostns_links() {
	ip -n "$HOSTNS" -br link | link_names
}
container_links() {
	in_container ip -br link | link_names
}

# veth_up ARGS...: run veth.sh with ARGS inside HOSTNS and insist it worked
veth_up() {
	run timeout 30 ip netns exec "$HOSTNS" "$VETH" "$@"
	assert_success
}

# assert_one_error_line PREFIX: $stderr (from run --separate-stderr) is one
# line that starts with PREFIX
# shellcheck disable=SC2154 # run --separate-stderr sets stderr and stderr_lines
assert_one_error_line() {
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^$1"
}

# jail_listing DIR: every path in DIR with its size, mtime and link target
jail_listing() {
	find "$1" -printf '%p %s %T@ %l\n' | sort
}

# --- veth.sh ----------------------------------------------------------------

@test "veth.sh -h prints its usage on stdout and exits 0" {
	run --separate-stderr "$VETH" -h
	assert_success
	assert_line --index 0 --partial "Usage: veth.sh"
	assert_output --partial "up PID"
	assert_output --partial "down"
	assert_equal "$stderr" ""
}

@test "veth.sh with an unknown command or option, or none, prints the usage on stderr and exits 2" {
	local -a args
	local error
	for error in "unknown command 'sideways'" "unknown option -Z" "missing command"; do
		case $error in
		unknown\ c*) args=(sideways) ;;
		unknown\ o*) args=(-Z up 1) ;;
		*) args=() ;;
		esac
		run --separate-stderr "$VETH" "${args[@]}"
		assert_failure 2
		assert_output ""
		assert_regex "$stderr" "^veth.sh: $error"
		assert_regex "$stderr" "Usage: veth.sh"
	done
}

@test "veth.sh run by a user other than root says it needs root and changes nothing" {
	if ((EUID != 0)); then
		# already unprivileged: ip could change nothing anyway
		run --separate-stderr "$VETH" up "$$"
		assert_failure 1
		assert_equal "$stderr" "veth.sh: needs root: run it with sudo"
		return
	fi
	command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
	setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null ||
		skip "needs a uid 65534 to run as (not mapped in this user namespace)"
	make_hostns
	start_container
	# a copy that user 65534 can reach, wherever the repository lives
	SCRATCH="$(mktemp -d /tmp/veth-nobody.XXXXXX)"
	chmod 755 "$SCRATCH"
	install -m 755 "$VETH" "$SCRATCH/veth.sh"
	run --separate-stderr timeout 30 ip netns exec "$HOSTNS" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$SCRATCH/veth.sh" up "$CPID"
	assert_failure 1
	assert_equal "$stderr" "veth.sh: needs root: run it with sudo"
	run hostns_links
	assert_output "lo"
}

# ping -w: a link just brought up may drop the first ARP request, until the
# kernel has activated its queue; ping keeps asking, once a second.
@test "veth.sh up prints each ip command, leaves host 10.0.0.1/24 and guest 10.0.0.2/24 up, and each side pings the other" {
	command -v ping >/dev/null || skip "needs ping (iputils-ping; make deps installs it)"
	make_hostns
	start_container
	veth_up up "$CPID"
	assert_line "+ ip link add name host type veth peer name guest"
	assert_line "+ ip link set dev guest netns $CPID"
	assert_line --partial "ip addr add 10.0.0.2/24 dev guest"
	assert_line --partial "ip link set dev lo up"
	run hostns_links
	assert_output "$(printf '%s\n' host lo)"
	run ip -n "$HOSTNS" -o -4 addr show dev host
	assert_output --partial "inet 10.0.0.1/24"
	run ip -n "$HOSTNS" -o link show dev host
	assert_output --regexp '[<,]UP[,>]'
	run container_links
	assert_output "$(printf '%s\n' guest lo)"
	run in_container ip -o -4 addr show dev guest
	assert_output --partial "inet 10.0.0.2/24"
	run in_container ip -o link show dev guest
	assert_output --regexp '[<,]UP[,>]'
	run in_container ip -o link show dev lo
	assert_output --regexp '[<,]UP[,>]'
	run timeout 30 ip netns exec "$HOSTNS" ping -c1 -w20 10.0.0.2
	assert_success
	run timeout 30 nsenter --net="/proc/$CPID/ns/net" ping -c1 -w20 10.0.0.1
	assert_success
}

@test "the pair disappears when the container's process exits" {
	make_hostns
	start_container
	veth_up up "$CPID"
	until_link_deleted "$HOSTNS" host kill "$CPID"
	wait "${JOBS[0]}" || true
	run hostns_links
	assert_output "lo"
}

@test "veth.sh down deletes both ends of the pair" {
	make_hostns
	start_container
	veth_up up "$CPID"
	veth_up down
	assert_output --partial "ip link delete dev host"
	run hostns_links
	assert_output "lo"
	run container_links
	assert_output "lo"
}

@test "veth.sh down with no pair to delete fails with a clear message" {
	make_hostns
	run --separate-stderr timeout 30 ip netns exec "$HOSTNS" "$VETH" down
	assert_failure 1
	assert_equal "$stderr" "veth.sh: no link named host: nothing to take down"
}

@test "veth.sh down refuses to delete a link called host that is not a veth" {
	make_hostns
	# the loopback device, renamed: a link every kernel has, and no veth
	ip -n "$HOSTNS" link set dev lo name host
	run --separate-stderr timeout 30 ip netns exec "$HOSTNS" "$VETH" down
	assert_failure 1
	assert_equal "$stderr" "veth.sh: host is not a veth link: not deleting it"
	run hostns_links
	assert_output "host"
}

@test "veth.sh up with a PID that does not exist fails and creates no link" {
	make_hostns
	local pid=$(($(cat /proc/sys/kernel/pid_max) + 1))
	run --separate-stderr timeout 30 ip netns exec "$HOSTNS" "$VETH" up "$pid"
	assert_failure 1
	assert_equal "$stderr" "veth.sh: no process with PID $pid"
	run hostns_links
	assert_output "lo"
}

@test "veth.sh up refuses a process that shares its network namespace" {
	make_hostns
	# a process in HOSTNS itself, not in a namespace of its own
	bare ip netns exec "$HOSTNS" sleep 1000 &
	local pid=$! hostns
	JOBS+=("$pid")
	hostns=$(stat -L -c '%d:%i' "/run/netns/$HOSTNS")
	# shellcheck disable=SC2016 # for the inner sh
	timeout 20 sh -c 'until [ "$(stat -L -c %d:%i "/proc/$1/ns/net")" = "$2" ]; do :; done' _ "$pid" "$hostns"
	run --separate-stderr timeout 30 ip netns exec "$HOSTNS" "$VETH" up "$pid"
	assert_failure 1
	assert_one_error_line "veth.sh: process $pid is not in a network namespace of its own"
	run hostns_links
	assert_output "lo"
}

@test "veth.sh up refuses to touch the network namespace of PID 1" {
	make_hostns
	# In a new PID namespace, PID 1 is a shell that stays in HOSTNS, and
	# veth.sh runs in a new network namespace below it. Were the check missing,
	# guest would land in HOSTNS, still not the machine's own namespace.
	# shellcheck disable=SC2016 # $0 is for the inner sh
	run --separate-stderr timeout 30 ip netns exec "$HOSTNS" \
		unshare --pid --fork --mount-proc \
		sh -c 'unshare --net "$0" up 1; status=$?; exit "$status"' "$VETH"
	assert_failure 1
	assert_one_error_line "veth.sh: process 1 is in the network namespace of PID 1"
	run hostns_links
	assert_output "lo"
}

@test "veth.sh up fails and creates nothing when a link named host already exists" {
	make_hostns
	start_container
	ip -n "$HOSTNS" link add name host type veth peer name other
	run --separate-stderr timeout 30 ip netns exec "$HOSTNS" "$VETH" up "$CPID"
	assert_failure 1
	assert_equal "$stderr" "veth.sh: a link named host already exists"
	run hostns_links
	assert_output "$(printf '%s\n' host lo other)"
	run container_links
	assert_output "lo"
}

@test "veth.sh up deletes the pair again when a later step fails" {
	make_hostns
	start_container
	# An nsenter that fails, as it would without the right to enter the
	# container: the pair is made and guest moved before veth.sh needs it.
	mkdir "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\nexit 1\n' >"$BATS_TEST_TMPDIR/bin/nsenter"
	chmod +x "$BATS_TEST_TMPDIR/bin/nsenter"
	run --separate-stderr timeout 30 ip netns exec "$HOSTNS" \
		env PATH="$BATS_TEST_TMPDIR/bin:$PATH" "$VETH" up "$CPID"
	assert_failure 1
	assert_regex "$stderr" "veth.sh: failed: nsenter .* ip addr add 10.0.0.2/24 dev guest"
	assert_line "+ ip link set dev guest netns $CPID"
	run hostns_links
	assert_output "lo"
	run container_links
	assert_output "lo"
}

# --- binlibdepcp.sh ---------------------------------------------------------

@test "binlibdepcp.sh -h prints its usage on stdout and exits 0" {
	run --separate-stderr "$BINLIB" -h
	assert_success
	assert_line --index 0 "Usage: binlibdepcp.sh [-h] BINARY... DIR"
	assert_equal "$stderr" ""
}

@test "binlibdepcp.sh copies several programs found by name, each with its libraries, and they run in the jail" {
	needs_root
	local jail="$BATS_TEST_TMPDIR/jail"
	run -0 "$BINLIB" sh ls "$jail"
	assert_line --regexp "^binlibdepcp\.sh: copied /usr/bin/sh and its [0-9]+ libraries into $jail"
	assert_line --regexp "^binlibdepcp\.sh: copied /usr/bin/ls and its [0-9]+ libraries into $jail"
	run -0 chroot "$jail" /bin/sh -c 'echo ok; ls -d /usr'
	assert_output "$(printf '%s\n' ok /usr)"
}

@test "binlibdepcp.sh puts the loader and libc in the jail at the paths ldd names" {
	needs_root
	local jail="$BATS_TEST_TMPDIR/jail" lib libs=()
	mapfile -t libs < <(ldd /bin/sh | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
	assert [ "${#libs[@]}" -ge 2 ]
	run "$BINLIB" /bin/sh "$jail"
	assert_success
	for lib in "${libs[@]}"; do
		# the path resolves inside the jail, through any links copied with it
		# shellcheck disable=SC2016 # $1 is for the jail's sh
		run chroot "$jail" /bin/sh -c 'test -f "$1"' sh "$lib"
		assert_success
		# and ends at a real copy of the host's file, at the same real path
		local real
		real=$(readlink -f "$lib")
		assert [ -f "$jail$real" ]
		assert [ ! -L "$jail$real" ]
		run cmp "$real" "$jail$real"
		assert_success
	done
}

@test "binlibdepcp.sh makes the merged-/usr links like the host's, so /bin/sh and /usr/bin/sh both work" {
	needs_root
	local jail="$BATS_TEST_TMPDIR/jail" top
	run "$BINLIB" /usr/bin/sh "$jail"
	assert_success
	for top in /bin /sbin /lib /lib64; do
		if [[ -L $top ]]; then
			assert [ -L "$jail$top" ]
			assert_equal "$(readlink "$jail$top")" "$(readlink "$top")"
		fi
	done
	run chroot "$jail" /bin/sh -c 'echo ok'
	assert_output "ok"
	run chroot "$jail" /usr/bin/sh -c 'echo ok'
	assert_output "ok"
}

@test "binlibdepcp.sh says what it copied, one line each; run twice, it changes nothing and says so" {
	local jail="$BATS_TEST_TMPDIR/jail" before
	run --separate-stderr "$BINLIB" /usr/bin/ls "$jail"
	assert_success
	assert_equal "$stderr" ""
	assert_line "  copy  /usr/bin/ls"
	assert_line --regexp '^  copy  .*/libc\.so\.6$'
	assert_line --regexp "^binlibdepcp\.sh: copied /usr/bin/ls and its [0-9]+ libraries into $jail"
	before=$(jail_listing "$jail")
	run --separate-stderr "$BINLIB" /usr/bin/ls "$jail"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	assert_output --regexp "^binlibdepcp\.sh: $jail already has /usr/bin/ls and its [0-9]+ libraries$"
	assert_equal "$(jail_listing "$jail")" "$before"
}

@test "binlibdepcp.sh creates DIR and its parents, spaces in their names, and chroot DIR ls / works" {
	local jail="$BATS_TEST_TMPDIR/not yet/my jail dir"
	run "$BINLIB" /usr/bin/ls "$jail"
	assert_success
	assert [ -f "$jail/usr/bin/ls" ]
	if ((EUID == 0)); then
		run chroot "$jail" /usr/bin/ls /
		assert_success
		assert_line "usr"
	fi
}

@test "binlibdepcp.sh copies a program whose path has spaces, and it runs in the jail" {
	local jail="$BATS_TEST_TMPDIR/jail" dir
	dir="$(cd "$BATS_TEST_TMPDIR" && pwd -P)/my programs"
	mkdir "$dir"
	cp /usr/bin/ls "$dir/list files"
	run "$BINLIB" "$dir/list files" "$jail"
	assert_success
	assert [ -f "$jail$dir/list files" ]
	if ((EUID == 0)); then
		run chroot "$jail" "$dir/list files" /
		assert_success
		assert_line "usr"
	fi
}

@test "binlibdepcp.sh copies a static binary alone" {
	command -v cc >/dev/null || skip "needs a C compiler (cc)"
	local jail="$BATS_TEST_TMPDIR/jail" dir
	dir="$(cd "$BATS_TEST_TMPDIR" && pwd -P)"
	printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' >"$dir/hello.c"
	cc -static -o "$dir/static hello" "$dir/hello.c" 2>/dev/null ||
		skip "cannot link statically: the static C library (libc.a, in libc6-dev) is missing"
	run "$BINLIB" "$dir/static hello" "$jail"
	assert_success
	assert_output --partial "statically linked"
	# nothing in the jail but that file and the directories that lead to it
	run find "$jail" ! -type d
	assert_output "$jail$dir/static hello"
	if ((EUID == 0)); then
		run chroot "$jail" "$dir/static hello"
		assert_output "hello"
	fi
}

@test "binlibdepcp.sh copies a script alone and names the interpreter to copy too" {
	local jail="$BATS_TEST_TMPDIR/jail" dir
	dir="$(cd "$BATS_TEST_TMPDIR" && pwd -P)"
	printf '#!/bin/sh\necho hi\n' >"$dir/greet"
	chmod 755 "$dir/greet"
	run "$BINLIB" "$dir/greet" "$jail"
	assert_success
	assert_output --partial "a script for /bin/sh: copy that program too"
	run find "$jail" ! -type d
	assert_output "$jail$dir/greet"
}

@test "binlibdepcp.sh with a program that is missing, not in PATH or not executable fails with one line on stderr" {
	local file="$BATS_TEST_TMPDIR/notes.txt"
	printf 'not a program\n' >"$file"
	chmod 644 "$file"
	run --separate-stderr "$BINLIB" "$BATS_TEST_TMPDIR/no such program" "$BATS_TEST_TMPDIR/jail"
	assert_failure 1
	assert_one_error_line "binlibdepcp.sh: .*no such program: no such file"
	run --separate-stderr "$BINLIB" no-such-command-anywhere "$BATS_TEST_TMPDIR/jail"
	assert_failure 1
	assert_one_error_line "binlibdepcp.sh: no-such-command-anywhere: command not found in PATH"
	run --separate-stderr "$BINLIB" "$file" "$BATS_TEST_TMPDIR/jail"
	assert_failure 1
	assert_one_error_line "binlibdepcp.sh: .*notes.txt is not executable"
	assert [ ! -e "$BATS_TEST_TMPDIR/jail" ]
}

@test "binlibdepcp.sh without DIR, or without any argument, is a usage error with one line on stderr" {
	run --separate-stderr "$BINLIB" /usr/bin/ls
	assert_failure 2
	assert_output ""
	assert_one_error_line "binlibdepcp.sh: missing DIR argument"
	run --separate-stderr "$BINLIB"
	assert_failure 2
	assert_one_error_line "binlibdepcp.sh: missing BINARY and DIR arguments"
}

@test "binlibdepcp.sh fails with one line on stderr when DIR is a file or cannot be created" {
	local file="$BATS_TEST_TMPDIR/a file"
	: >"$file"
	run --separate-stderr "$BINLIB" /usr/bin/ls "$file"
	assert_failure 1
	assert_one_error_line "binlibdepcp.sh: .*a file exists and is not a directory"
	# a directory under a regular file cannot exist, not even for root
	run --separate-stderr "$BINLIB" /usr/bin/ls /etc/passwd/x
	assert_failure 1
	assert_one_error_line "binlibdepcp.sh: cannot create /etc/passwd/x: Not a directory"
}

@test "binlibdepcp.sh drops the setuid and setgid bits from what it copies" {
	local dir jail="$BATS_TEST_TMPDIR/jail"
	dir=$(cd "$BATS_TEST_TMPDIR" && pwd -P)
	cp /usr/bin/true "$dir/set-id true"
	chmod 6755 "$dir/set-id true"
	run -0 "$BINLIB" "$dir/set-id true" "$jail"
	assert_equal "$(stat -c %a "$jail$dir/set-id true")" 755
}

@test "binlibdepcp.sh refuses / as DIR, however it is spelled" {
	local dir
	ln -s / "$BATS_TEST_TMPDIR/root link"
	for dir in / // /. /../ "$BATS_TEST_TMPDIR/root link"; do
		run --separate-stderr "$BINLIB" /usr/bin/true "$dir"
		assert_failure 1
		assert_one_error_line "binlibdepcp.sh: DIR must not be /"
	done
}

# --- mkjail.sh --------------------------------------------------------------

@test "mkjail.sh writes nothing outside its jail, whatever TERM holds" {
	local out="$BATS_TEST_TMPDIR/out" entry
	# An etc beside the jail, where ../../../etc/hostname would land.
	mkdir -p "$out/etc"
	TERM=../../../etc/hostname run -0 "$ROOT/scripts/mkjail.sh" "$out/jail"
	assert_equal "$(ls -A "$out" "$out/etc")" "$(printf '%s\n' "$out:" etc jail '' "$out/etc:")"
	# The control: the usual terminal types are in the jail.
	entry=$(find "$out/jail" -path '*/terminfo/x/xterm' -print -quit)
	assert [ -n "$entry" ]
}

# --- hygiene ----------------------------------------------------------------

@test "the suite left no link, address or network namespace behind on the machine" {
	# A network namespace of ip netns stays as a mount under /run/netns.
	assert_nothing_left
	run ip netns list
	refute_output --partial "invoke-ns-scripts-$$-"
}
