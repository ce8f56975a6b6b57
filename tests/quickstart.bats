#!/usr/bin/env bats
# shellcheck shell=bats
# README's quick start on a freshly installed Debian 12: a minimal system
# made by debootstrap, with git and sudo added, a user "student" in group
# sudo, the lab in the student's home, and the quick start's commands run
# exactly as README gives them.  The system is entered with pivot_root in
# new mount, PID, UTS and IPC namespaces, not with chroot: a chrooted
# process may not create user namespaces, and step 7 needs them.  It shares
# the host's network, for Debian's mirror.
#
# It takes minutes, so `make check` leaves it out: CI runs it once
# (`bats tests/quickstart.bats`, as root).  The system is cached as a tar in
# /var/cache/invoke_ns-lab, with the packages apt downloads, so a second run
# downloads only the package lists.

load helpers

CACHE=/var/cache/invoke_ns-lab
SUITE=bookworm

# The commands of README's quick start, one a line, without their comments.
quickstart_commands() {
	awk '/^## / { on = ($0 == "## Quick start") }
		on && /^```/ { if (block) exit; block = 1; next }
		on && block' "$ROOT/README.md" | sed 's/[[:space:]]*#.*$//' | grep .
}

# fresh_system: $CACHE/$SUITE.tar, a minimal Debian with git and sudo.
fresh_system() {
	local dir
	[ -s "$CACHE/$SUITE.tar" ] && return 0
	command -v debootstrap >/dev/null || skip "needs debootstrap (make deps installs it)"
	dir=$(mktemp -d)
	if ! debootstrap --variant=minbase --include=git,sudo "$SUITE" "$dir/root" >"$dir/log" 2>&1; then
		tail -n 3 "$dir/log" >&3
		rm -rf "$dir"
		skip "debootstrap could not make a Debian $SUITE (no access to its mirror?)"
	fi
	mkdir -p "$CACHE/archives"
	tar -C "$dir/root" -cf "$CACHE/$SUITE.tar.new" .
	mv "$CACHE/$SUITE.tar.new" "$CACHE/$SUITE.tar"
	rm -rf "$dir"
}

# The new system's PID 1: sets the system up, enters it, and runs COMMANDS
# as the student, in the lab's directory.  Arguments: WORK LAB COMMANDS.
# shellcheck disable=SC2016
readonly ENTER='
set -euo pipefail
work=$1 root=$1/root
mount -t tmpfs -o mode=0755 fresh "$work"
mkdir "$root"
tar -C "$root" -xf '"$CACHE/$SUITE.tar"'
mount --bind "$root" "$root"
# The VM: its name, a user who may use sudo, the lab in the home directory.
hostname labvm
printf "labvm\n" >"$root/etc/hostname"
printf "127.0.0.1 localhost\n127.0.1.1 labvm\n" >"$root/etc/hosts"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
chroot "$root" useradd --create-home --shell /bin/bash --groups sudo student
printf "student ALL=(ALL:ALL) NOPASSWD: ALL\n" >"$root/etc/sudoers.d/student"
chmod 0440 "$root/etc/sudoers.d/student"
"$2/scripts/copylab.sh" "$2" "$root/home/student/invoke_ns"
chroot "$root" chown -R student:student /home/student/invoke_ns
# Its file systems, as systemd would mount them.
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount -t tmpfs -o mode=0755 dev "$root/dev"
for node in null zero full random urandom tty; do
	touch "$root/dev/$node"
	mount --bind "/dev/$node" "$root/dev/$node"
done
mkdir "$root/dev/pts" "$root/dev/shm" "$root/dev/mqueue"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
mount -t mqueue mqueue "$root/dev/mqueue"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mount --bind '"$CACHE/archives"' "$root/var/cache/apt/archives"
# In, and the old root out of reach.
cd "$root"
mkdir .oldroot
pivot_root . .oldroot
cd /
umount -l /.oldroot
rmdir /.oldroot
# PID 1 reaps orphans, as init does (with perl, which every Debian has),
# and ends with the student'"'"'s commands.
exec perl -e '"'"'
	my $pid = fork() // die "fork: $!\n";
	exec(@ARGV) or die "exec: $!\n" if $pid == 0;
	while ((my $p = wait()) > 0) {
		exit($? & 127 ? 128 + ($? & 127) : $? >> 8) if $p == $pid;
	}'"'"' runuser --login student --command "set -ex; cd invoke_ns; $3"
'

@test "README's quick start runs on a fresh Debian 12 with only git and sudo added" {
	local commands work
	needs_namespaces
	commands=$(quickstart_commands)
	[ -n "$commands" ] || fail "README.md has no commands under '## Quick start'"
	fresh_system
	work=$(mktemp -d)
	run timeout 3600 unshare --mount --uts --ipc --pid --fork --kill-child \
		bash -c "$ENTER" enter "$work" "$ROOT" "${commands//$'\n'/; }" </dev/null 3>&-
	rmdir "$work"
	assert_success
	# The first command had to install things, and the tests all passed.
	assert_output --regexp 'quickstart.sh: missing: make cc'
	assert_output --regexp $'\ntotal: [0-9]+ passed, 0 failed'
}

@test "quickstart.sh without root, on a machine without the tools, prints the command that installs them" {
	local bin
	needs_unprivileged
	bin=$(mktemp -d) # a PATH with only what the script needs to start
	chmod 0755 "$bin"
	ln -s "$(command -v dirname)" "$bin/dirname"
	run "${UNPRIVILEGED[@]}" env PATH="$bin" "$BASH" "$ROOT/scripts/quickstart.sh"
	rm -r "$bin"
	assert_failure 1
	assert_line --index 0 'quickstart.sh: missing: make cc bats ip ping ps nsenter setpriv tmux cram3; install them with:'
	assert_line --index 1 '  sudo scripts/deps.sh'
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
