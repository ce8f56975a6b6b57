#!/usr/bin/env bash
# doctor.sh (make doctor): can every step of the lab run on this machine?
# One line per check: ok; note, for what only the extras of LAB.md need; or
# FAIL, with the one command that fixes it on the line below.  Exit status 0
# when every step can run, 1 otherwise.  It changes nothing: each namespace
# it tries is a throwaway one, gone when the check ends.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
PATH=$PATH:/usr/sbin:/sbin

FAILED=0

# report LEVEL WHAT [FIX]: one check's line, and the fix of a problem.
report() {
	printf '%-5s %s\n' "$1" "$2"
	[ -z "${3-}" ] || printf '      fix: %s\n' "$3"
	[ "$1" != FAIL ] || FAILED=$((FAILED + 1))
}

# try UNSHARE-OPTION... CMD...: run CMD in new namespaces, as root, or as
# root of a new user namespace for a user; the last line it said in ERR.
try() {
	ERR=$(unshare "${AS_ROOT[@]}" "$@" 2>&1 >/dev/null) && return 0
	ERR=${ERR##*$'\n'}
	return 1
}

# check TYPE LEVEL WHAT UNSHARE-OPTION... CMD...: the kernel has namespaces
# of TYPE, and the probe works; LEVEL is what its failure is.
check() {
	local type=$1 level=$2 what=$3
	shift 3
	if [ ! -e "/proc/self/ns/$type" ]; then
		report "$level" "$what: this kernel ($(uname -r)) has no $type namespaces" "$KERNEL_FIX"
	elif [ -z "$CAN_TRY" ]; then
		report note "$what: the kernel has them; not tried, which needs root or user namespaces"
	elif try "$@"; then
		report ok "$what"
	else
		report "$level" "$what: $ERR$WHY" "$KERNEL_FIX"
	fi
}

# sysctl_is NAME VALUE: the setting NAME exists and is VALUE.
sysctl_is() {
	[ "$(cat "/proc/sys/${1//.//}" 2>/dev/null)" = "$2" ]
}

# Root, or a user who may use sudo: steps 1 to 6 need it.
if [ "$(id -u)" -eq 0 ]; then
	report ok "root: you are root"
elif ! command -v sudo >/dev/null; then
	report FAIL "root: steps 1 to 6 need root, and there is no sudo here" \
		"su -c 'apt-get install sudo && usermod -aG sudo $(id -un)' (then log in again)"
elif id -nG | grep -qwE 'sudo|wheel|admin'; then
	report ok "root: you may use sudo, which steps 1 to 6 need"
else
	report FAIL "root: steps 1 to 6 need root, and $(id -un) is not in the group sudo" \
		"su -c 'usermod -aG sudo $(id -un)' (then log in again)"
fi

# A VM, or a container posing as one: systemd-detect-virt knows most kinds;
# /.dockerenv and /run/.containerenv are Docker's and Podman's marks.
kind=$(systemd-detect-virt --container 2>/dev/null) || kind=""
[ "$kind" != none ] || kind=""
[ -n "$kind" ] || [ ! -e /.dockerenv ] || kind=docker
[ -n "$kind" ] || [ ! -e /run/.containerenv ] || kind=podman
KERNEL_FIX="use a VM with Debian 12's or Ubuntu's kernel: see vm/README.md" WHY=""
case $kind in
'') report ok "machine: not a container" ;;
wsl)
	report ok "machine: WSL 2, a VM"
	KERNEL_FIX="wsl --update (in Windows' PowerShell), for a newer kernel"
	;;
*)
	report note "machine: a $kind container, not a VM: the lines below say which steps it lets run"
	KERNEL_FIX="run the lab in a VM, or the container with --privileged: see vm/README.md"
	WHY=" (the container's seccomp filter, its capabilities or its masked /proc)"
	;;
esac

# Who runs step 7 without sudo: the user who ran sudo, uid 65534 for root
# itself, or you.
student=(env)
if [ "$(id -u)" -eq 0 ]; then
	who=(--reuid="${SUDO_UID:-65534}" --regid="${SUDO_GID:-65534}" --clear-groups)
	! setpriv "${who[@]}" true 2>/dev/null || student=(setpriv "${who[@]}")
fi
AS_ROOT=() CAN_TRY=1
if [ "$(id -u)" -ne 0 ]; then
	AS_ROOT=(--user --map-root-user)
	unshare --user --map-root-user true 2>/dev/null || CAN_TRY=""
fi

veth=(true)
! command -v ip >/dev/null || veth=(ip link add doctor0 type veth peer name doctor1)
check pid FAIL "pid namespace (step 1)" --pid --fork true
check mnt FAIL "mnt namespace and a fresh /proc (step 2)" --mount --pid --fork --mount-proc true
check uts FAIL "uts namespace (step 3)" --uts true
check net FAIL "net namespace${veth[1]:+ and a veth pair} (step 4)" --net "${veth[@]}"
if grep -qw mqueue /proc/filesystems; then
	check ipc FAIL "ipc namespace and POSIX message queues (step 5)" --ipc true
else
	report FAIL "POSIX message queues (step 5): this kernel has none" "$KERNEL_FIX"
fi

# Step 7: a user namespace for a user without privilege, and the settings
# that restrict it.
what="user namespace without root (step 7, as uid $("${student[@]}" id -u))"
if ERR=$("${student[@]}" unshare --user --map-root-user true 2>&1); then
	report ok "$what"
elif sysctl_is kernel.unprivileged_userns_clone 0; then
	report FAIL "$what: kernel.unprivileged_userns_clone is 0" \
		"sudo sysctl -w kernel.unprivileged_userns_clone=1"
elif sysctl_is user.max_user_namespaces 0; then
	report FAIL "$what: user.max_user_namespaces is 0" \
		"sudo sysctl -w user.max_user_namespaces=15000"
elif sysctl_is kernel.apparmor_restrict_unprivileged_userns 1; then
	report FAIL "$what: AppArmor lets only programs with a profile make them (kernel.apparmor_restrict_unprivileged_userns is 1)" \
		"sudo make apparmor"
else
	report FAIL "$what: ${ERR##*$'\n'}$WHY" "$KERNEL_FIX"
fi

check cgroup note "cgroup namespace (LAB.md: the two namespaces left)" --cgroup true
check time note "time namespace (LAB.md: the two namespaces left)" --time true

# The tools: what scripts/deps.sh --lab installs.
if ! missing=$("$ROOT/scripts/deps.sh" --missing 2>&1); then
	report note "tools: ${missing#*: }"
elif [ -n "$missing" ]; then
	report FAIL "tools: missing $(printf '%s' "$missing" | tr '\n' ' ')" "sudo scripts/deps.sh --lab"
else
	report ok "tools: all that scripts/deps.sh --lab installs"
fi

if [ "$FAILED" -eq 0 ]; then
	printf '%s: every step can run here\n' "$PROG"
else
	printf '%s: %d problem(s): run the fix below each, then make doctor again\n' "$PROG" "$FAILED"
	exit 1
fi
