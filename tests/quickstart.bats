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
# It takes minutes: `make check-all` runs it after `make check`, as CI does.
# A cold run makes the system with debootstrap, from the host's Debian
# mirror, in a tmpfs that goes with the namespaces.  Where the directory
# QUICKSTART_CACHE (by default /var/cache/invoke_ns-lab) exists, the system
# is kept there as a tar and the packages apt downloads beside it, so that
# the next run downloads only the package lists; nothing else is written.

load helpers

CACHE=${QUICKSTART_CACHE:-/var/cache/invoke_ns-lab}
SUITE=bookworm

# The commands of README's quick start, one a line, without their comments.
quickstart_commands() {
	awk '/^## / { on = ($0 == "## Quick start") }
		on && /^```/ { if (block) exit; block = 1; next }
		on && block' "$ROOT/README.md" | sed 's/[[:space:]]*#.*$//' | grep .
}

# The host's Debian mirror, the one its apt uses (debootstrap's own choice
# where the host has none, as on Ubuntu).
debian_mirror() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '!/^[[:space:]]*#/ { for (i = 1; i <= NF; i++)
			if ($i ~ /^https?:\/\/.*\/debian\/?$/) { print $i; exit } }'
}

# The new system's PID 1: makes the system, or takes it from the cache,
# sets it up, enters it, and runs COMMANDS as the student in the lab's
# directory.  Arguments: WORK LAB COMMANDS CACHE MIRROR LOG; CACHE and
# MIRROR may be empty, LOG is debootstrap's, and LOG.failed says it failed.
# shellcheck disable=SC2016
readonly ENTER='
set -euo pipefail
work=$1 root=$1/root cache=$4 tar=$4/'"$SUITE"'.tar
mount -t tmpfs -o mode=0755 fresh "$work"
mkdir "$root"
if [ -n "$cache" ] && [ -s "$tar" ]; then
	tar -C "$root" -xf "$tar"
else
	debootstrap --variant=minbase --include=git,sudo '"$SUITE"' "$root" ${5:+"$5"} \
		>"$6" 2>&1 || { touch "$6.failed"; exit 1; }
	rm -f "$root"/var/cache/apt/archives/*.deb # as on an installed system
	[ -z "$cache" ] || { tar -C "$root" -cf "$tar.new" . && mv "$tar.new" "$tar"; }
fi
printf "quickstart.bats: a fresh Debian '"$SUITE"' in %d s\n" "$SECONDS"
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
[ -z "$cache" ] || mkdir -p "$cache/archives"
[ -z "$cache" ] || mount --bind "$cache/archives" "$root/var/cache/apt/archives"
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
	}'"'"' runuser --login student --command "PS4=\"+ \\t \"; set -ex; cd invoke_ns; $3"
'

@test "README's quick start runs on a fresh Debian 12 with only git and sudo added" {
	local commands work cache="" mirror log=$BATS_TEST_TMPDIR/debootstrap.log
	needs_namespaces
	commands=$(quickstart_commands)
	[ -n "$commands" ] || fail "README.md has no commands under '## Quick start'"
	if [ -d "$CACHE" ]; then cache=$CACHE; fi
	[ -s "$CACHE/$SUITE.tar" ] || command -v debootstrap >/dev/null ||
		skip "needs debootstrap (make deps installs it)"
	mirror=$(debian_mirror)
	work=$(mktemp -d)
	run timeout 1800 unshare --mount --uts --ipc --pid --fork --kill-child \
		bash -c "$ENTER" enter "$work" "$ROOT" "${commands//$'\n'/; }" "$cache" "$mirror" "$log" \
		</dev/null 3>&-
	rmdir "$work"
	if [ -e "$log.failed" ]; then
		tail -n 3 "$log" >&3
		skip "debootstrap could not make a Debian $SUITE from ${mirror:-its default mirror}"
	fi
	assert_success
	# The first command had to install things, and the tests all passed.
	assert_output --partial 'quickstart.sh: missing: make cc'
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
	assert_line --index 1 '  sudo scripts/deps.sh --lab'
}

@test "nothing is left behind by this suite" {
	assert_nothing_left
}
