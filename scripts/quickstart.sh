#!/usr/bin/env bash
# sudo quickstart.sh: README's quick start, from a fresh VM to the lab's tour.
# Installs what the lab builds, runs and tests with, if the machine lacks
# it (deps.sh --lab; without root it only names what is missing and the
# command that installs it), checks what the machine lets the steps do
# (make doctor), builds every step as the user who ran sudo, then runs make
# demo.  `make deps` adds the lint and bench tools.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for cmd in make cc bats ip ping ps nsenter setpriv tmux cram3; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
if ((${#missing[@]} > 0)); then
	if ((EUID != 0)); then
		printf 'quickstart.sh: missing: %s; install them with:\n  sudo scripts/deps.sh --lab\n' "${missing[*]}" >&2
		exit 1
	fi
	printf 'quickstart.sh: missing: %s; installing what the lab needs\n' "${missing[*]}"
	scripts/deps.sh --lab
fi
# Before anything is built: which steps can run here, and each fix.
scripts/doctor.sh || printf 'quickstart.sh: going on; run the fixes above for the steps that cannot run\n'
# The binaries belong to the student, who rebuilds them.
if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
	setpriv --reuid="$SUDO_UID" --regid="$SUDO_GID" --init-groups make
fi
exec make demo
