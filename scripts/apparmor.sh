#!/usr/bin/env bash
# sudo apparmor.sh (make apparmor): where AppArmor lets only programs with a
# profile make user namespaces (Ubuntu 23.10 and later), install and load a
# profile that lets the lab's make them: step 7's invoke_ns, the copy of it
# that step 7's suite runs, and unshare, which make check and make grade
# run as a user.  Every other program stays restricted.
# apparmor.sh --remove (make apparmor-remove): unload and delete it.
# apparmor.sh --print: the profile, on stdout.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
PATH=$PATH:/usr/sbin:/sbin

readonly NAME=invoke_ns-lab FILE=/etc/apparmor.d/invoke_ns-lab
readonly RESTRICT=/proc/sys/kernel/apparmor_restrict_unprivileged_userns

# One profile per program: flags=(unconfined) confines nothing; its userns
# rule lets the program make user namespaces.  Characters AppArmor reads as
# a pattern in the lab's path are escaped.
profile() {
	local step7 unshare
	step7=$(printf '%s' "$ROOT/step07-user/invoke_ns" | sed 's/[][\\"*?{}^]/\\&/g')
	printf '# %s: written by %s; remove it with make apparmor-remove.\nabi <abi/4.0>,\n\n' "$NAME" "$PROG"
	printf 'profile %s "%s" flags=(unconfined) {\n  userns,\n}\n\n' "$NAME" "$step7"
	# Where tests/step07-user.bats copies the program for its user.
	printf 'profile %s-tests /tmp/invoke-ns-user.*/invoke_ns flags=(unconfined) {\n  userns,\n}\n' "$NAME"
	# Two profiles attached to one program conflict: a profile of the
	# system's own for unshare (a line "[profile NAME] PATH [flags=(...)] {"),
	# where there is one, comes first.
	unshare=$(command -v unshare)
	grep -rlqE --exclude="$NAME*" "^[[:space:]]*(profile[[:space:]]+[^[:space:]]+[[:space:]]+)?${unshare}[[:space:]]*(flags=[(][^)]*[)][[:space:]]*)?[{]" \
		/etc/apparmor.d 2>/dev/null ||
		printf '\nprofile %s-unshare %s flags=(unconfined) {\n  userns,\n}\n' "$NAME" "$unshare"
}

case ${1-} in
--print) profile ;;
'')
	if [ ! -e "$RESTRICT" ] || [ "$(cat "$RESTRICT")" = 0 ]; then
		printf '%s: this kernel does not restrict user namespaces: no profile needed\n' "$PROG"
		exit 0
	fi
	[ "$(id -u)" -eq 0 ] || die "needs root: run sudo make apparmor"
	command -v apparmor_parser >/dev/null || die "no apparmor_parser: sudo apt-get install apparmor"
	profile >"$FILE.new"
	apparmor_parser -r "$FILE.new" || { rm -f "$FILE.new"; die "apparmor_parser refused $FILE"; }
	mv "$FILE.new" "$FILE"
	printf '%s: loaded %s: step 7 runs without sudo\n' "$PROG" "$FILE"
	;;
--remove)
	[ -e "$FILE" ] || { printf '%s: no %s: nothing to remove\n' "$PROG" "$FILE"; exit 0; }
	[ "$(id -u)" -eq 0 ] || die "needs root: run sudo make apparmor-remove"
	apparmor_parser -R "$FILE" || die "apparmor_parser could not unload $FILE"
	rm -f "$FILE"
	printf '%s: unloaded and removed %s\n' "$PROG" "$FILE"
	;;
*) die "unknown argument '$1': none, --remove or --print" ;;
esac
