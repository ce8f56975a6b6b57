#!/usr/bin/env bash
# quickstart.sh: from a freshly installed VM to the lab's tour, in one
# command (README's quick start).
#
# Installs what the lab needs and the machine lacks (make, a C compiler,
# bats, tmux, cram ...) with scripts/deps.sh, builds every step as the user
# who ran sudo, then runs `make demo`.  Without root it installs nothing: it
# names what is missing, prints the command that installs it, and fails.
set -euo pipefail

readonly PROG=${0##*/}

case ${1-} in
'') ;;
-h | --help)
	printf 'Usage: sudo %s\nInstall what the lab needs, build it, then run make demo.\n' "$0"
	exit 0
	;;
*)
	printf '%s: no arguments expected\n' "$PROG" >&2
	exit 2
	;;
esac
cd "$(dirname "$0")/.."

# What the lab's build, programs and tests run (tmux and cram3 check LAB.md).
missing=()
for cmd in make cc bats ip ping ps nsenter setpriv tmux cram3; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if ((${#missing[@]} > 0)); then
	if ((EUID != 0)); then
		printf '%s: missing: %s; install them with:\n  sudo scripts/deps.sh\n' \
			"$PROG" "${missing[*]}" >&2
		exit 1
	fi
	printf '%s: missing: %s; installing what the lab needs\n' "$PROG" "${missing[*]}"
	scripts/deps.sh
fi
# The binaries belong to the student, who rebuilds them.
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
	setpriv --reuid="$SUDO_UID" --regid="$SUDO_GID" --init-groups make
fi
exec make demo
