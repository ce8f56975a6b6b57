#!/usr/bin/env bash
# quickstart.sh: from a freshly installed VM to the lab's tour, in one
# command (README's quick start).
#
# Installs with apt-get what the lab builds, runs and tests with (make, a C
# compiler, bats, tmux, cram ...) when the machine lacks it, builds every
# step as the user who ran sudo, then runs `make demo`.  `make deps` adds
# the maintainers' lint and bench tools.  Without root it installs nothing:
# it names what is missing, prints the command that installs it, and fails.
set -euo pipefail

readonly PROG=${0##*/}
# Their Debian and Ubuntu packages (top in the jail needs ncurses-term).
readonly PACKAGES="make gcc libc6-dev bats bats-support bats-assert iproute2
iputils-ping procps util-linux ncurses-term tmux python3-cram"

case ${1-} in
'') ;;
-h | --help) printf 'Usage: sudo %s\nInstall what the lab needs, build it, then run make demo.\n' "$0"; exit 0 ;;
*) printf '%s: no arguments expected\n' "$PROG" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."

missing=()
for cmd in make cc bats ip ping ps nsenter setpriv tmux cram3; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if ((${#missing[@]} > 0)); then
	# shellcheck disable=SC2086 # a list of words
	set -- apt-get install -y --no-install-recommends $PACKAGES
	if ((EUID != 0)); then
		printf '%s: missing: %s; install them with:\n  sudo %s\n' "$PROG" "${missing[*]}" "$*" >&2
		exit 1
	fi
	printf '%s: missing: %s; running: %s\n' "$PROG" "${missing[*]}" "$*"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "$@" -qq
fi
# The binaries belong to the student, who rebuilds them.
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
	setpriv --reuid="$SUDO_UID" --regid="$SUDO_GID" --init-groups make
fi
exec make demo
